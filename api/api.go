package api

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/creatorscout/creatorscout/creator"
)

// Searcher runs a creator search. The index implements it.
type Searcher interface {
	Search(ctx context.Context, q creator.Query) (*creator.SearchResult, error)
}

// Creators reads creators from the source of truth. The store implements it.
type Creators interface {
	// Creator returns one creator, or a *creator.Error with code ENOTFOUND.
	Creator(ctx context.Context, id string) (*creator.Creator, error)
	// Posts returns up to limit of the creator's posts, newest first.
	Posts(ctx context.Context, creatorID string, limit int) ([]creator.Post, error)
	// History returns the creator's daily snapshots, oldest first.
	History(ctx context.Context, creatorID string) ([]creator.Snapshot, error)
}

// Runs reads crawl runs. The store implements it.
type Runs interface {
	// Run returns one crawl run, or a *creator.Error with code ENOTFOUND.
	Run(ctx context.Context, id int64) (*creator.CrawlRun, error)
}

// Scopes an API key can hold. Admin includes read.
const (
	ScopeRead  = "read"
	ScopeAdmin = "admin"
	// ScopePublic marks a route that needs no key and is not rate limited
	// (the health check). It is not a scope a key can hold.
	ScopePublic = "public"
)

// Key is one API key. Only the SHA-256 of the key is configured; see HashKey.
type Key struct {
	Name  string // shown in logs and metrics, never the key itself
	Hash  string // hex SHA-256 of the key
	Scope string // ScopeRead or ScopeAdmin
}

// Rate is a token bucket: Rate requests per second on average, Burst at
// once. A negative Rate turns rate limiting off.
type Rate struct {
	Rate  float64
	Burst int
}

// Config configures the API. Zero fields take the value in DefaultConfig.
type Config struct {
	BodyLimit         int64         // largest request body in bytes; larger is 413
	RequestTimeout    time.Duration // deadline of one request's work (search, store)
	ReadHeaderTimeout time.Duration // slowloris guard
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration // how long Start waits for requests in flight

	// CORSOrigins are the origins allowed to call the API from a browser.
	// CORS is off when empty.
	CORSOrigins []string
	// TrustedProxies are IPs or CIDRs whose X-Forwarded-For is believed.
	// When empty the client IP is the peer address and X-Forwarded-For is
	// ignored.
	TrustedProxies []string
	// RateLimit applies per API key, or per client IP when the request has
	// no valid key (IPv6 clients per /64).
	RateLimit Rate
	// Keys, when any is configured, are required on every /v1 route and on
	// /metrics. With no keys the API is open: bind it to loopback.
	Keys []Key
	// CSP is the Content-Security-Policy header.
	CSP string
	// CrawlAllowed are the networks a crawl request's URLs may name as IP
	// literals, on any port: the API's mirror of crawler.allow_loopback and
	// crawler.allowed_cidrs. Empty refuses every non-public address.
	CrawlAllowed []netip.Prefix
}

// DefaultCSP allows only same-origin content and no framing.
const DefaultCSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// DefaultConfig returns the defaults: a 1 MiB body limit, a 10 s request
// deadline, server timeouts, 20 requests/s (burst 40) per client, no keys,
// no CORS and no trusted proxies.
func DefaultConfig() Config {
	return Config{
		BodyLimit:         1 << 20,
		RequestTimeout:    10 * time.Second,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ShutdownTimeout:   10 * time.Second,
		RateLimit:         Rate{Rate: 20, Burst: 40},
		CSP:               DefaultCSP,
	}
}

// Deps are what the API serves from. A nil Searcher, Creators or Runs makes
// the routes that need it answer 503 unavailable.
type Deps struct {
	Searcher Searcher
	Creators Creators
	Runs     Runs
	// Lists, Searches and Crawls serve prospect lists, saved searches and
	// crawl requests (lists.go, searches.go, crawls.go); nil makes their
	// routes answer 503.
	Lists    Lists
	Searches SavedSearches
	Crawls   Crawls
	// Metrics, when set, is served at GET /metrics and receives the API's
	// request counters and latency histogram.
	Metrics *prometheus.Registry
	// Logger receives internal errors and the access log; nil is slog.Default().
	Logger *slog.Logger
	// Now is the clock of the rate limiter, the latency metrics and the
	// times the API records (list edits, saved-search runs, queued crawls);
	// nil is time.Now. Tests inject one.
	Now func() time.Time
}

// Server is the API: an echo instance with the routes, middleware and error
// handler in place, and the settings of the http.Server that Start runs.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	now     func() time.Time
	echo    *echo.Echo
	keys    []parsedKey
	limiter *limiter // nil when rate limiting is off
	metrics *httpMetrics
	openapiState
}

// New checks cfg, fills its zero fields from DefaultConfig and builds the
// API. Errors name the config field at fault.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg = withDefaults(cfg)
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger, now: deps.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.keys, err = parseKeys(cfg.Keys); err != nil {
		return nil, err
	}
	if cfg.BodyLimit < 0 {
		return nil, fmt.Errorf("api: %w", creator.Invalid("body_limit", "must be positive"))
	}
	if rl := cfg.RateLimit; !(rl.Rate < 0) {
		if !(rl.Rate > 0) || math.IsInf(rl.Rate, 1) || rl.Burst < 1 {
			return nil, fmt.Errorf("api: %w", creator.Invalid("rate_limit", "needs a rate above 0 requests/s and a burst of at least 1 (a negative rate turns limiting off)"))
		}
		s.limiter = newLimiter(rate.Limit(cfg.RateLimit.Rate), cfg.RateLimit.Burst, maxBuckets)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	if e.IPExtractor, err = ipExtractor(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	if deps.Metrics != nil {
		if s.metrics, err = newHTTPMetrics(deps.Metrics); err != nil {
			return nil, err
		}
	}
	s.echo = e
	if err := s.middleware(e); err != nil {
		return nil, err
	}
	for _, r := range s.routes() {
		e.Add(r.Method, r.Path, r.handler, s.guard(r.Scope))
	}
	return s, nil
}

func withDefaults(cfg Config) Config {
	d := DefaultConfig()
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = d.BodyLimit
	}
	for _, f := range []struct{ v, def *time.Duration }{
		{&cfg.RequestTimeout, &d.RequestTimeout},
		{&cfg.ReadHeaderTimeout, &d.ReadHeaderTimeout},
		{&cfg.ReadTimeout, &d.ReadTimeout},
		{&cfg.WriteTimeout, &d.WriteTimeout},
		{&cfg.IdleTimeout, &d.IdleTimeout},
		{&cfg.ShutdownTimeout, &d.ShutdownTimeout},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if cfg.RateLimit == (Rate{}) {
		cfg.RateLimit = d.RateLimit
	}
	if cfg.CSP == "" {
		cfg.CSP = d.CSP
	}
	return cfg
}

// ipExtractor returns the peer address unless trusted proxies are
// configured; then the nearest X-Forwarded-For address that is not one of
// them. Only the listed ranges are trusted, not loopback or private
// networks by default.
func ipExtractor(proxies []string) (echo.IPExtractor, error) {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for i, p := range proxies {
		p = strings.TrimSpace(p)
		if !strings.Contains(p, "/") {
			ip := net.ParseIP(p)
			if ip == nil {
				return nil, fmt.Errorf("api: %w", creator.Invalid(fmt.Sprintf("trusted_proxies[%d]", i), "%q is not an IP or CIDR", p))
			}
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			p = fmt.Sprintf("%s/%d", p, bits)
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("api: %w", creator.Invalid(fmt.Sprintf("trusted_proxies[%d]", i), "%q is not an IP or CIDR", p))
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// Handler returns the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }
