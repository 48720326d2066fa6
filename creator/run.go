package creator

import "time"

// Crawl run statuses.
const (
	RunQueued   = "queued"
	RunRunning  = "running"
	RunDone     = "done"
	RunFailed   = "failed"
	RunCanceled = "canceled"
)

// CrawlRun is one crawl: what was asked, how far it got and what it found.
type CrawlRun struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"` // "manual", "nightly", "api", "demo"
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Seeds      []string   `json:"seeds"` // what was asked: "hashtag:pilates", a URL, a handle
	Summary    RunSummary `json:"summary"`
}

// RunSummary counts what a crawl did.
type RunSummary struct {
	Pages           int            `json:"pages"`
	NotModified     int            `json:"not_modified"`
	CreatorsNew     int            `json:"creators_new"`
	CreatorsUpdated int            `json:"creators_updated"`
	Posts           int            `json:"posts"`
	OptedOut        int            `json:"opted_out"`
	RobotsDenied    int            `json:"robots_denied"`
	Errors          map[string]int `json:"errors"` // by kind: "timeout", "http_5xx", "parse", ...
	HostsSkipped    []string       `json:"hosts_skipped,omitempty"`
}
