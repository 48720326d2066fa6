package nightly

import (
	"fmt"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

const day = 24 * time.Hour

// Policy decides which creators a run refreshes, when a failing one is
// gone, and what counts as a change worth a look.
type Policy struct {
	// Intervals is how old a creator's data may get, by tier; the "" entry
	// is for a creator whose tier is unknown.
	Intervals map[string]time.Duration
	// InactiveAfter: a creator whose last known post is older than this is
	// inactive and refreshed every InactiveInterval (or its tier's
	// interval, when longer). A creator with no known post is judged by
	// its tier.
	InactiveAfter    time.Duration
	InactiveInterval time.Duration
	// Slack is taken off every interval, so a creator fetched a few
	// minutes into last night's run is due again at the same time tonight
	// (the schedule's jitter moves the start by up to hours).
	Slack time.Duration
	// GoneAfter is how many consecutive failed refreshes mark a creator
	// gone. A 404 or 410 on its profile marks it gone at once.
	GoneAfter int
	// MaxRefresh caps the creators refreshed in one run, stalest first; 0
	// is no cap. The rest are due again next run.
	MaxRefresh int
	// FollowerJump is the relative change in followers since the previous
	// snapshot (0.1 is 10%) that makes a follower_jump change, when the
	// change is also at least FollowerJumpMin followers.
	FollowerJump    float64
	FollowerJumpMin int64
	// MaxSavedMatches bounds how many creators one saved search is run
	// for (its best matches first).
	MaxSavedMatches int
}

// DefaultPolicy: mega and macro creators daily, micro every 2 days, nano
// weekly, an unknown tier every 2 days, creators without a post in 60 days
// every 14 days; 6 h of slack; gone after 5 consecutive failed refreshes;
// follower jumps of 10% and at least 100 followers; saved searches checked
// over their best 1,000 matches.
func DefaultPolicy() Policy {
	return Policy{
		Intervals: map[string]time.Duration{
			creator.Mega:  day,
			creator.Macro: day,
			creator.Micro: 2 * day,
			creator.Nano:  7 * day,
			"":            2 * day,
		},
		InactiveAfter:    60 * day,
		InactiveInterval: 14 * day,
		Slack:            6 * time.Hour,
		GoneAfter:        5,
		FollowerJump:     0.10,
		FollowerJumpMin:  100,
		MaxSavedMatches:  1000,
	}
}

// Validate names the first bad field.
func (p Policy) Validate() error {
	for tier, d := range p.Intervals {
		if d <= 0 {
			return creator.Invalid("intervals."+tier, "refresh interval %s must be positive", d)
		}
		if tier != "" && !oneOf(tier, creator.Tiers) {
			return creator.Invalid("intervals."+tier, "%q is not a tier (nano, micro, macro, mega)", tier)
		}
	}
	if _, ok := p.Intervals[""]; !ok {
		return creator.Invalid("intervals", "needs an interval for creators of unknown tier (key \"\")")
	}
	switch {
	case p.InactiveAfter < 0 || p.InactiveInterval < 0:
		return creator.Invalid("inactive", "inactive_after and inactive_interval must not be negative")
	case p.Slack < 0:
		return creator.Invalid("slack", "slack %s must not be negative", p.Slack)
	case p.GoneAfter < 1:
		return creator.Invalid("gone_after", "must be at least 1, is %d", p.GoneAfter)
	case p.MaxRefresh < 0:
		return creator.Invalid("max_refresh", "must not be negative")
	case p.FollowerJump < 0 || p.FollowerJumpMin < 0:
		return creator.Invalid("follower_jump", "thresholds must not be negative")
	case p.MaxSavedMatches < 0:
		return creator.Invalid("max_saved_matches", "must not be negative")
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// Interval is how often r is refreshed at now.
func (p Policy) Interval(r store.RefreshRef, now time.Time) time.Duration {
	d, ok := p.Intervals[r.Tier]
	if !ok {
		d = p.Intervals[""]
	}
	if p.InactiveAfter > 0 && r.LastPostAt != nil && now.Sub(*r.LastPostAt) > p.InactiveAfter {
		d = max(d, p.InactiveInterval)
	}
	return d
}

// Due reports whether r's data is older than its interval (less the
// slack) at now. A creator never fetched is always due.
func (p Policy) Due(r store.RefreshRef, now time.Time) bool {
	if r.FetchedAt.IsZero() {
		return true
	}
	return now.Sub(r.FetchedAt) >= p.Interval(r, now)-p.Slack
}

// minInterval is the shortest interval less the slack: nothing fetched
// more recently than that can be due.
func (p Policy) minInterval() time.Duration {
	m := time.Duration(-1)
	for _, d := range p.Intervals {
		if m < 0 || d < m {
			m = d
		}
	}
	return max(m-p.Slack, 0)
}

// String describes the policy for logs.
func (p Policy) String() string {
	return fmt.Sprintf("mega %s, macro %s, micro %s, nano %s, unknown %s, inactive (no post in %s) %s, slack %s, gone after %d failures",
		p.Intervals[creator.Mega], p.Intervals[creator.Macro], p.Intervals[creator.Micro], p.Intervals[creator.Nano],
		p.Intervals[""], p.InactiveAfter, p.InactiveInterval, p.Slack, p.GoneAfter)
}
