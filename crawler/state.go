package crawler

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/creatorscout/creatorscout/crawler/robots"
)

// StateStore keeps what a crawl learns that must outlive its process: the
// robots.txt copies (so that a new process neither fetches a fresh copy
// again nor loses the good copy RFC 9309 lets it use for 30 days while a
// server is down), and each run's snowball spend (so that a run resumed
// after kill -9 keeps its budget). The store implements it in SQLite; its
// methods use only standard types, so store does not import crawler.
type StateStore interface {
	// LoadRobots returns the robots.txt result last saved for origin
	// ("scheme://host:port"); ok is false when there is none.
	LoadRobots(ctx context.Context, origin string) (body []byte, status int, fetchedAt time.Time, ok bool, err error)
	// SaveRobots records a robots.txt result, replacing the origin's last.
	SaveRobots(ctx context.Context, origin string, body []byte, status int, fetchedAt time.Time) error
	// SnowballSpent returns the snowball profiles run runID has admitted.
	SnowballSpent(ctx context.Context, runID int64) (int, error)
	// AddSnowballSpent adds n to run runID's snowball spend.
	AddSnowballSpent(ctx context.Context, runID int64, n int) error
}

// WithStateStore keeps robots.txt copies and snowball spend in s.
func WithStateStore(s StateStore) Option { return func(o *options) { o.state = s } }

// jobRobotsLoad reads an origin's robots.txt from the StateStore before
// the crawler fetches it. It costs no request, so it takes no slot of the
// host's pacer.
const jobRobotsLoad jobKind = jobRobots + 1

// needRobotsLoad reports whether h's robots.txt should be looked up in the
// StateStore first: the cache knows nothing of the origin and this run has
// not looked yet.
func (r *run) needRobotsLoad(h *hostState) bool {
	return r.c.state != nil && !r.robotsLoaded[h.origin] && !r.c.robots.Has(h.origin)
}

// loadRobots puts a robots.txt copy an earlier process saved into the cache.
// A copy fetched less than 24 hours ago is used as it is; an older one is
// fetched again, and stands in (for up to 30 days after it was fetched)
// when the server cannot be reached. A store error only costs a fetch.
func (r *run) loadRobots(j job) {
	c := r.c
	body, status, at, ok, err := c.state.LoadRobots(r.ctx, j.origin)
	if err != nil {
		if r.ctx.Err() == nil {
			c.log.Warn("robots.txt: cannot read the saved copy; fetching it", "origin", j.origin, "err", err)
		}
		return
	}
	if !ok {
		return
	}
	o := robots.Classify(status)
	if o == robots.Unreachable {
		c.log.Warn("robots.txt: saved copy has an unusable status; fetching it", "origin", j.origin, "status", status)
		return
	}
	if now := c.clock.Now(); at.After(now) {
		at = now // a copy from the future (clock change) is fresh, not fresher
	}
	c.robots.Restore(j.origin, o, body, at)
	c.log.Debug("robots.txt: saved copy", "origin", j.origin, "status", status, "fetched_at", at)
}

// saveRobots records a robots.txt result for later processes. Only results
// that decide something are kept: a 2xx with its body, a 4xx (or too many
// redirects, which RFC 9309 treats the same), a 401/403. Unreachable
// results are not: they are retried, and a good copy must not be replaced
// by one.
func (r *run) saveRobots(j job, o robots.Outcome, status int, body []byte, now time.Time) {
	c := r.c
	if c.state == nil || o == robots.Unreachable {
		return
	}
	switch {
	case o == robots.Found:
		body = body[:min(len(body), robots.MaxSize)]
	case o == robots.Unavailable && robots.Classify(status) != robots.Unavailable:
		// More than MaxRedirects redirects: unavailable, like a 404.
		status, body = http.StatusNotFound, nil
	default:
		body = nil
	}
	if err := c.state.SaveRobots(r.ctx, j.robotsFor, body, status, now); err != nil && r.ctx.Err() == nil {
		c.log.Warn("robots.txt: cannot save the copy for later runs", "origin", j.robotsFor, "err", err)
	}
}

// bindSnowballs tells every Snowball in front of the sources which run it
// serves, and what the run's earlier processes spent of its budget.
func (c *Crawler) bindSnowballs(ctx context.Context, runID int64) error {
	if c.state == nil {
		return nil
	}
	seen := map[*Snowball]bool{}
	for _, s := range c.sources {
		sb, ok := s.(interface{ snowball() *Snowball })
		if !ok || seen[sb.snowball()] {
			continue
		}
		seen[sb.snowball()] = true
		if err := sb.snowball().bind(ctx, c.state, runID); err != nil {
			return fmt.Errorf("crawler: run %d: %w", runID, err)
		}
	}
	return nil
}
