package crawler

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/gobwas/glob"
)

// HostRule sets the politeness of the hosts whose name (or host:port)
// matches Glob. Globs use gobwas/glob syntax: "*" matches any run of
// characters, dots included, so "*.example.com" matches "a.b.example.com"
// but not "example.com". The first matching rule wins.
type HostRule struct {
	Glob     string
	Rate     float64 // requests per second; 0 keeps Config.DefaultRate
	Burst    int     // 0 keeps Config.DefaultBurst
	MaxConns int     // concurrent requests to one host; 0 keeps Config.DefaultMaxConns
}

// Quota is an API budget of one source: at most Units in any Window. A
// request costs the integer in its Meta[MetaQuotaCost], or 1. The window
// slides, so the budget holds for any fixed window of the same length too
// (YouTube's day from midnight Pacific, the Graph API's hour).
type Quota struct {
	Units  int
	Window time.Duration
}

// Meta keys the crawler reads from a source.Request.
const (
	// MetaSource names the source that parses the response; without it
	// the crawler asks each source's Detect.
	MetaSource = "source"
	// MetaQuotaCost is the quota units a request costs (default 1).
	MetaQuotaCost = "quota_cost"
	// MetaRedirectedFrom is set by the crawler on the target of a
	// redirect: the URLs that redirected to it, oldest first, separated
	// by spaces. It bounds redirect chains (MaxRedirects) and cuts loops.
	MetaRedirectedFrom = "redirected_from"
)

// Config sets how a crawl behaves. Zero durations and counts are not
// "unlimited" unless the field says so; start from DefaultConfig.
type Config struct {
	UserAgent   string
	Parallelism int // fixed number of fetch workers

	RespectRobots bool // robots.txt per RFC 9309; on by default
	// CrawlDelayCap is the longest Crawl-delay honoured. A host asking
	// for more is skipped for the run and listed in HostsSkipped.
	CrawlDelayCap time.Duration

	DefaultRate     float64 // requests per second per host
	DefaultBurst    int
	DefaultMaxConns int // concurrent requests per host
	HostRules       []HostRule

	RequestTimeout time.Duration // whole request, body included
	HeaderTimeout  time.Duration // from sending the request to the response headers
	MaxBodyBytes   int64         // after decompression
	MaxRedirects   int
	MaxURLLength   int
	// MaxSegmentRepeats is how often one path segment may occur in a URL
	// before the URL is taken for a trap (/a/a/a/a/, /x/y/x/y/x/y/).
	MaxSegmentRepeats int
	MaxDepth          int // seeds are depth 0; links from them depth 1
	MaxPages          int // requests per run; 0 is unlimited
	MaxPagesPerHost   int // requests per host per run; 0 is unlimited

	MaxRetries  int           // retries per URL after a transient failure
	BackoffBase time.Duration // first backoff; doubles per failure
	BackoffMax  time.Duration

	// AllowLoopback opens 127.0.0.0/8 and ::1 on any port: for tests and
	// the demo only. Everything private, link-local, CGNAT, metadata and
	// any port but 80 and 443 is refused otherwise.
	AllowLoopback bool
	// AllowedCIDRs opens further networks on any port.
	AllowedCIDRs []string

	Quotas map[string]Quota // by source name

	// Freshness: a URL fetched less than this long ago is not queued again.
	Freshness time.Duration
	// LeaseDuration is how long a leased frontier item is ours before
	// another process (or this one after a crash) may take it.
	LeaseDuration time.Duration
	// MaxIdleWait is the longest a run waits, with nothing to fetch, for
	// deferred requests (backoff, Retry-After, quota) to come due. Requests
	// due later stay in the frontier for a later run.
	MaxIdleWait time.Duration
	// IdleHostTTL is how long an idle host's limiter is kept.
	IdleHostTTL time.Duration
}

// DefaultConfig returns polite defaults for crawling the open web.
func DefaultConfig() Config {
	return Config{
		UserAgent:         "creatorscout/0.1 (+https://github.com/creatorscout/creatorscout)",
		Parallelism:       32,
		RespectRobots:     true,
		CrawlDelayCap:     30 * time.Second,
		DefaultRate:       1,
		DefaultBurst:      1,
		DefaultMaxConns:   2,
		RequestTimeout:    30 * time.Second,
		HeaderTimeout:     10 * time.Second,
		MaxBodyBytes:      10 << 20,
		MaxRedirects:      5,
		MaxURLLength:      2048,
		MaxSegmentRepeats: 2,
		MaxDepth:          4,
		MaxRetries:        3,
		BackoffBase:       60 * time.Second,
		BackoffMax:        24 * time.Hour,
		Quotas: map[string]Quota{
			"youtube":   {Units: 10000, Window: 24 * time.Hour}, // YouTube Data API default daily quota
			"instagram": {Units: 200, Window: time.Hour},        // Graph API calls per user per hour
		},
		Freshness:     24 * time.Hour,
		LeaseDuration: 5 * time.Minute,
		MaxIdleWait:   10 * time.Minute,
		IdleHostTTL:   10 * time.Minute,
	}
}

// Validate reports every bad field, each named.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("crawler config: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(c.UserAgent) == "" {
		bad("UserAgent", "must not be empty")
	}
	if c.Parallelism < 1 {
		bad("Parallelism", "%d must be at least 1", c.Parallelism)
	}
	if !(c.DefaultRate > 0) || math.IsInf(c.DefaultRate, 0) {
		bad("DefaultRate", "%v must be a positive number of requests per second", c.DefaultRate)
	}
	if c.DefaultBurst < 1 {
		bad("DefaultBurst", "%d must be at least 1", c.DefaultBurst)
	}
	if c.DefaultMaxConns < 1 {
		bad("DefaultMaxConns", "%d must be at least 1", c.DefaultMaxConns)
	}
	for i, r := range c.HostRules {
		f := fmt.Sprintf("HostRules[%d]", i)
		if r.Glob == "" {
			bad(f+".Glob", "must not be empty")
		} else if _, err := glob.Compile(strings.ToLower(r.Glob)); err != nil {
			bad(f+".Glob", "%q: %v", r.Glob, err)
		}
		if r.Rate < 0 || math.IsNaN(r.Rate) || math.IsInf(r.Rate, 0) {
			bad(f+".Rate", "%v must be positive (or 0 for the default)", r.Rate)
		}
		if r.Burst < 0 {
			bad(f+".Burst", "%d must not be negative", r.Burst)
		}
		if r.MaxConns < 0 {
			bad(f+".MaxConns", "%d must not be negative", r.MaxConns)
		}
	}
	if c.CrawlDelayCap < 0 {
		bad("CrawlDelayCap", "%v must not be negative", c.CrawlDelayCap)
	}
	if c.RequestTimeout <= 0 {
		bad("RequestTimeout", "%v must be positive", c.RequestTimeout)
	}
	if c.HeaderTimeout <= 0 {
		bad("HeaderTimeout", "%v must be positive", c.HeaderTimeout)
	}
	if c.MaxBodyBytes < 1 {
		bad("MaxBodyBytes", "%d must be positive", c.MaxBodyBytes)
	}
	if c.MaxRedirects < 0 {
		bad("MaxRedirects", "%d must not be negative", c.MaxRedirects)
	}
	if c.MaxURLLength < 16 {
		bad("MaxURLLength", "%d is too short for any URL", c.MaxURLLength)
	}
	if c.MaxSegmentRepeats < 1 {
		bad("MaxSegmentRepeats", "%d must be at least 1", c.MaxSegmentRepeats)
	}
	if c.MaxDepth < 0 {
		bad("MaxDepth", "%d must not be negative", c.MaxDepth)
	}
	if c.MaxPages < 0 {
		bad("MaxPages", "%d must not be negative (0 is unlimited)", c.MaxPages)
	}
	if c.MaxPagesPerHost < 0 {
		bad("MaxPagesPerHost", "%d must not be negative (0 is unlimited)", c.MaxPagesPerHost)
	}
	if c.MaxRetries < 0 {
		bad("MaxRetries", "%d must not be negative", c.MaxRetries)
	}
	if c.BackoffBase <= 0 {
		bad("BackoffBase", "%v must be positive", c.BackoffBase)
	}
	if c.BackoffMax < c.BackoffBase {
		bad("BackoffMax", "%v must be at least BackoffBase (%v)", c.BackoffMax, c.BackoffBase)
	}
	for i, s := range c.AllowedCIDRs {
		if _, err := netip.ParsePrefix(s); err != nil {
			bad(fmt.Sprintf("AllowedCIDRs[%d]", i), "%q: %v", s, err)
		}
	}
	for name, q := range c.Quotas {
		if q.Units < 1 {
			bad("Quotas["+name+"].Units", "%d must be at least 1", q.Units)
		}
		if q.Window <= 0 {
			bad("Quotas["+name+"].Window", "%v must be positive", q.Window)
		}
	}
	if c.Freshness < 0 {
		bad("Freshness", "%v must not be negative", c.Freshness)
	}
	if c.LeaseDuration <= 0 {
		bad("LeaseDuration", "%v must be positive", c.LeaseDuration)
	}
	if c.MaxIdleWait < 0 {
		bad("MaxIdleWait", "%v must not be negative", c.MaxIdleWait)
	}
	if c.IdleHostTTL <= 0 {
		bad("IdleHostTTL", "%v must be positive", c.IdleHostTTL)
	}
	return errors.Join(errs...)
}
