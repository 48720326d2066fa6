package crawler

import "time"

// Outcome is how one fetch attempt of a run ended, as WithOutcome reports
// it. The nightly job uses it to map a failed profile request back to its
// creator (through Meta) and to tell a 404/410 from other failures, which
// the frontier's drop reasons do not.
type Outcome struct {
	RunID int64
	URL   string // the request's URL, as queued
	Kind  string // the request kind (source.KindProfile, ...)
	Meta  map[string]string
	// Status is the HTTP status of the response, 0 when there was none (a
	// network error or a timeout).
	Status int
	// ErrKind is "" for a response that is not an error (2xx, 304, a
	// redirect) and one of the Kind* constants otherwise.
	ErrKind string
	// Robots is true when the attempt was the robots.txt of URL's origin
	// rather than URL itself: every queued request of that origin waits on
	// it.
	Robots bool
	At     time.Time // on the crawler's clock
}

// WithOutcome calls f after every fetch attempt of a run (retries included)
// and after every robots.txt fetch that fails. f is called from the worker
// goroutines, so it must be safe for concurrent use and quick. Meta is the
// request's own map: f must not change it.
func WithOutcome(f func(Outcome)) Option { return func(o *options) { o.outcome = f } }

// reportOutcome calls the WithOutcome callback, if any. status 0 with an
// empty kind cannot happen; a status of 400 or more without a kind gets the
// kind of the status.
func (r *run) reportOutcome(it FrontierItem, status int, kind string, robots bool) {
	f := r.c.outcome
	if f == nil {
		return
	}
	if kind == "" && status >= 400 {
		kind = statusKind(status)
	}
	f(Outcome{RunID: r.id, URL: it.URL, Kind: it.Kind, Meta: it.Meta, Status: status, ErrKind: kind, Robots: robots, At: r.now()})
}
