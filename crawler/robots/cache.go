package robots

import (
	"sync"
	"time"
)

// Lifetimes from RFC 9309 §2.4 and §2.3.1.4.
const (
	// TTL is how long a fetched robots.txt is used before it is fetched
	// again (RFC 9309: no longer than 24 hours).
	TTL = 24 * time.Hour
	// MaxStale is how long a good copy may stand in for a server that
	// cannot be reached (RFC 9309: the cached copy may be used for 30 days).
	MaxStale = 30 * 24 * time.Hour
	// MaxRedirects is how many redirects a robots.txt fetch follows
	// (RFC 9309 §2.3.1.2: at least five).
	MaxRedirects = 5
)

// Outcome is what a robots.txt fetch result means for crawling.
type Outcome int

// Outcomes of a robots.txt fetch.
const (
	// Found: a 2xx; the body holds the rules.
	Found Outcome = iota
	// Unavailable: 404, 410 and other 4xx, or more than MaxRedirects
	// redirects. There are no rules: everything is allowed.
	Unavailable
	// Forbidden: 401 or 403. Nothing is allowed.
	Forbidden
	// Unreachable: 5xx, 429, a timeout or a network error. Nothing is
	// allowed until a later retry, unless a good copy is cached.
	Unreachable
)

func (o Outcome) String() string {
	switch o {
	case Found:
		return "found"
	case Unavailable:
		return "unavailable"
	case Forbidden:
		return "forbidden"
	default:
		return "unreachable"
	}
}

// Classify maps the final HTTP status of a robots.txt fetch to an Outcome.
// A fetch that failed before a status arrived is Unreachable.
func Classify(status int) Outcome {
	switch {
	case status >= 200 && status < 300:
		return Found
	case status == 401 || status == 403:
		return Forbidden
	case status == 429:
		return Unreachable
	case status >= 400 && status < 500:
		return Unavailable
	default: // 5xx, and anything else odd (1xx, a 3xx that did not redirect)
		return Unreachable
	}
}

// Cache remembers robots.txt per origin ("https://host:port"). It is safe
// for concurrent use. Times are passed in, so a test clock drives it.
type Cache struct {
	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	rules     *Rules
	expires   time.Time // when rules must be fetched again
	good      *Rules    // the last copy read from a 2xx or a definitive 4xx
	goodAt    time.Time
	failures  int       // consecutive Unreachable results
	retryAt   time.Time // when an Unreachable origin may be tried again
	unreached bool      // the last fetch was Unreachable
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{m: map[string]*entry{}} }

// State is what the cache knows about one origin at one moment.
type State struct {
	// Rules to apply now; nil when Fetch is true or when Blocked.
	Rules *Rules
	// Fetch is true when robots.txt must be fetched before crawling.
	Fetch bool
	// BlockedUntil is set when the origin is unreachable and no good copy
	// may stand in: nothing may be fetched before then, when robots.txt is
	// tried again.
	BlockedUntil time.Time
	// Stale is true when Rules is a good copy standing in for an
	// unreachable server.
	Stale bool
}

// Lookup says what to do for origin at now.
func (c *Cache) Lookup(origin string, now time.Time) State {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[origin]
	if e == nil {
		return State{Fetch: true}
	}
	if e.unreached {
		if now.Before(e.retryAt) {
			if e.good != nil && now.Sub(e.goodAt) <= MaxStale {
				return State{Rules: e.good, Stale: true}
			}
			return State{BlockedUntil: e.retryAt}
		}
		return State{Fetch: true}
	}
	if now.Before(e.expires) {
		return State{Rules: e.rules}
	}
	return State{Fetch: true}
}

// Rules returns the rules in force for origin at now without asking for a
// fetch: the fresh copy, a good copy standing in, DisallowAll when blocked,
// or nil when nothing is known.
func (c *Cache) Rules(origin string, now time.Time) *Rules {
	st := c.Lookup(origin, now)
	switch {
	case st.Rules != nil:
		return st.Rules
	case !st.BlockedUntil.IsZero():
		return DisallowAll()
	default:
		return nil
	}
}

// Failures is the number of consecutive Unreachable results for origin.
func (c *Cache) Failures(origin string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[origin]; e != nil {
		return e.failures
	}
	return 0
}

// Store records the result of a fetch made at now. body is read only for
// Found. retryAt is used for Unreachable: when to try again (the caller
// computes it from Retry-After or its backoff).
func (c *Cache) Store(origin string, now time.Time, o Outcome, body []byte, retryAt time.Time) *Rules {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[origin]
	if e == nil {
		e = &entry{}
		c.m[origin] = e
	}
	r, ok := rulesOf(o, body)
	if !ok {
		e.unreached = true
		e.failures++
		e.retryAt = retryAt
		if e.good != nil && now.Sub(e.goodAt) <= MaxStale {
			return e.good
		}
		return DisallowAll()
	}
	e.rules, e.good, e.goodAt = r, r, now
	e.expires = now.Add(TTL)
	e.unreached, e.failures, e.retryAt = false, 0, time.Time{}
	return r
}

// Has reports whether the cache holds anything for origin.
func (c *Cache) Has(origin string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[origin] != nil
}

// Restore installs a result fetched at `at`, typically by an earlier
// process, as Store would have recorded it then: fresh until at+TTL, and a
// good copy that may stand in for an unreachable server until at+MaxStale.
// It does nothing for Unreachable, or when the cache already holds origin
// (what this process saw is newer). It reports whether it installed it.
func (c *Cache) Restore(origin string, o Outcome, body []byte, at time.Time) bool {
	r, ok := rulesOf(o, body)
	if !ok {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[origin] != nil {
		return false
	}
	c.m[origin] = &entry{rules: r, good: r, goodAt: at, expires: at.Add(TTL)}
	return true
}

// Evict drops origins whose rules have expired and whose good copy is too
// old to stand in, so the cache does not grow without bound.
func (c *Cache) Evict(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, e := range c.m {
		if now.After(e.expires) && now.Sub(e.retryAt) > TTL && (e.good == nil || now.Sub(e.goodAt) > MaxStale) {
			delete(c.m, k)
			n++
		}
	}
	return n
}

// Len is the number of origins held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// rulesOf returns the rules a fetch outcome means; ok is false for
// Unreachable, which means none.
func rulesOf(o Outcome, body []byte) (r *Rules, ok bool) {
	switch o {
	case Found:
		return Parse(body), true
	case Unavailable:
		return AllowAll(), true
	case Forbidden:
		return DisallowAll(), true
	}
	return nil, false
}
