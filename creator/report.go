package creator

import "time"

// Kinds of Change in a RunReport.
const (
	ChangeFollowerJump      = "follower_jump"      // followers moved by more than the threshold since the last snapshot
	ChangeCompetitorMention = "competitor_mention" // a new post names a tracked brand
	ChangeSavedSearchMatch  = "saved_search_match" // a creator newly matches a saved search
	ChangeGone              = "gone"               // the creator was marked gone (404/410 or N failures)
	ChangeRenamed           = "renamed"            // the creator's handle changed; it kept its history
)

// Failure kinds of a refresh that are not the crawler's own error kinds.
const (
	// FailureMissing: the profile was fetched (2xx) but the creator was not
	// in it (an API's empty list for a deleted channel).
	FailureMissing = "missing"
	// FailureHostDown: the request was never answered because its host was
	// unavailable all run (robots.txt unreachable, connection refused,
	// retries spent); the kind of the host's error follows the colon.
	FailureHostDown = "host_down"
)

// RunReport is what a nightly run did and what in it is worth a look. The
// counts hold no creator ids; Changes name creators and disappear with
// them when one is forgotten.
type RunReport struct {
	RunID      int64      `json:"run_id"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`

	// Due counts the creators whose refresh interval had passed.
	Due int `json:"due"`
	// Refreshed counts due creators re-read in this run, Unchanged those
	// whose profile answered 304 Not Modified.
	Refreshed int `json:"refreshed"`
	Unchanged int `json:"unchanged"`
	// Deferred counts due creators not fetched for want of budget, quota or
	// time with their host answering: they are due again next run and no
	// failure is recorded.
	Deferred int `json:"deferred"`
	// New counts creators first stored by this run.
	New int `json:"new"`
	// Failed counts due creators whose refresh failed; Failures splits them
	// by kind ("gone", "http_4xx", "http_5xx", "network", "timeout",
	// "missing", "host_down:..."). The stored data of a failed creator is
	// kept as it was.
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures"`
	// MarkedGone counts creators marked gone by this run (hidden from
	// search, not deleted).
	MarkedGone int `json:"marked_gone"`
	Renamed    int `json:"renamed"`
	// Forgotten counts creators removed during the run because they opted
	// out (or were forgotten meanwhile).
	Forgotten int `json:"forgotten"`
	// Skipped counts due creators left alone because they are on the
	// do-not-crawl list.
	Skipped int `json:"skipped"`

	// Jobs names the discovery jobs re-run ("hashtag:pilates", "brand:x").
	Jobs []string `json:"jobs"`
	// Snowball counts creators queued by snowball discovery, within
	// SnowballBudget; SnowballDropped those refused by depth or budget.
	Snowball        int `json:"snowball"`
	SnowballBudget  int `json:"snowball_budget"`
	SnowballDropped int `json:"snowball_dropped"`

	// Changes are the things worth a look, by kind then creator.
	Changes []Change `json:"changes"`
}

// Change is one thing a run noticed about one creator.
type Change struct {
	Kind      string `json:"kind"`
	CreatorID string `json:"creator_id"`

	// follower_jump
	From     *int64   `json:"from,omitempty"`
	To       *int64   `json:"to,omitempty"`
	Relative *float64 `json:"relative,omitempty"`
	// competitor_mention
	Brand  string `json:"brand,omitempty"`
	Class  string `json:"class,omitempty"` // disclosure class the post gives the brand
	PostID string `json:"post_id,omitempty"`
	// saved_search_match
	SearchID   int64  `json:"search_id,omitempty"`
	SearchName string `json:"search_name,omitempty"`
	// renamed
	OldID string `json:"old_id,omitempty"`
	// gone
	Reason string `json:"reason,omitempty"`
}
