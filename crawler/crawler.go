package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/glob"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/creatorscout/creatorscout/crawler/robots"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// Sink receives what the sources read from each fetched page. The store
// implements it. An error from Put stops the run: the page's frontier item
// is left unfinished, so it is fetched again when the run resumes.
type Sink interface {
	Put(ctx context.Context, page *source.Page, res *source.Result) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, page *source.Page, res *source.Result) error

// Put calls f.
func (f SinkFunc) Put(ctx context.Context, page *source.Page, res *source.Result) error {
	return f(ctx, page, res)
}

// Error kinds in RunSummary.Errors and in FrontierRetry/FrontierDrop.
const (
	KindTimeout   = "timeout"
	Kind4xx       = "http_4xx"
	Kind5xx       = "http_5xx"
	KindTooLarge  = "too_large"
	KindRedirects = "redirects"
	KindSSRF      = "ssrf"
	KindParse     = "parse"
	KindNetwork   = "network"
	KindRobots    = "robots" // robots.txt could not be fetched
	KindQuota     = "quota"  // a request deferred or dropped for its source's API quota
	KindNoSource  = "no_source"
	KindEncoding  = "encoding"
	KindDNS       = "dns"      // the host name does not exist (NXDOMAIN): the host is skipped for the run
	KindProtocol  = "protocol" // the response is not valid HTTP (a bare CR or NUL in a header, two Content-Lengths)
	KindBadURL    = "bad_url"
	KindPanic     = "panic"
)

// Reasons for FrontierDrop and FrontierRetry that are not fetch errors.
const (
	// DropRobots: robots.txt disallows the URL.
	DropRobots = "robots_denied"
	// DropCrawlDelay: the host asks for a Crawl-delay over the cap.
	DropCrawlDelay = "crawl_delay_over_cap"
	// DropHostBudget: the host's page budget for the run is spent.
	DropHostBudget = "host_budget"
	// DeferredKind is the errKind of a FrontierRetry that hands back an
	// item that did not fail (its host is paused, its quota is spent, the
	// run is ending). A Frontier should not count it as an attempt.
	DeferredKind = "deferred"
)

// Option configures a Crawler.
type Option func(*options)

type options struct {
	clock         Clock
	frontier      Frontier
	logger        *slog.Logger
	registerer    prometheus.Registerer
	rand          func() float64
	runID         int64
	progress      func(Progress)
	progressEvery time.Duration
	outcome       func(Outcome)
	state         StateStore
	// waitHook, when set (tests), is called by the dispatcher when it is
	// about to wait until wake with no request in flight.
	waitHook func(wake time.Time)
}

// WithClock sets the clock (default: the system clock).
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithFrontier sets the frontier (default: a new MemFrontier).
func WithFrontier(f Frontier) Option { return func(o *options) { o.frontier = f } }

// WithLogger sets the structured logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithMetrics registers the crawler's Prometheus metrics on reg.
func WithMetrics(reg prometheus.Registerer) Option { return func(o *options) { o.registerer = reg } }

// WithRand sets the jitter source: a function returning values in [0,1).
func WithRand(f func() float64) Option { return func(o *options) { o.rand = f } }

// WithRunID sets the run id Run uses (default 0).
func WithRunID(id int64) Option { return func(o *options) { o.runID = id } }

// WithProgress calls f every interval (measured on the crawler's clock)
// during a run, and once at the end.
func WithProgress(f func(Progress), every time.Duration) Option {
	return func(o *options) { o.progress, o.progressEvery = f, every }
}

// Crawler fetches politely through colly and hands pages to sources and
// the sink. One Crawler runs one crawl at a time; its connections and its
// robots.txt cache are kept between runs.
type Crawler struct {
	cfg      Config
	sources  []source.Source
	byName   map[string]source.Source
	sink     Sink
	frontier Frontier
	clock    Clock
	log      *slog.Logger
	metrics  *metrics
	agent    string // robots.txt product token

	randMu sync.Mutex
	rand   func() float64

	runID         int64
	progress      func(Progress)
	progressEvery time.Duration
	outcome       func(Outcome) // WithOutcome
	waitHook      func(wake time.Time)
	state         StateStore // WithStateStore; nil: robots.txt and snowball spend live in memory only

	rules        []hostRule
	transport    *http.Transport
	client       http.RoundTripper // limitTransport over transport
	robotsClient *http.Client
	robots       *robots.Cache

	hostMu  sync.Mutex
	hostMem map[string]hostMemory // pauses and failure counts that outlive a run

	running sync.Mutex
}

type hostMemory struct {
	until    time.Time
	failures int
}

type hostRule struct {
	g    glob.Glob
	rule HostRule
}

// New builds a crawler. sources parse the pages; sink stores what they read.
func New(cfg Config, sources []source.Source, sink Sink, opts ...Option) (*Crawler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if sink == nil {
		return nil, errors.New("crawler: New: sink is nil")
	}
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Crawler{
		cfg:           cfg,
		sources:       sources,
		byName:        map[string]source.Source{},
		sink:          sink,
		frontier:      o.frontier,
		clock:         o.clock,
		log:           o.logger,
		rand:          o.rand,
		runID:         o.runID,
		progress:      o.progress,
		progressEvery: o.progressEvery,
		outcome:       o.outcome,
		waitHook:      o.waitHook,
		state:         o.state,
		robots:        robots.NewCache(),
		hostMem:       map[string]hostMemory{},
	}
	for i, s := range sources {
		if s == nil {
			return nil, fmt.Errorf("crawler: New: sources[%d] is nil", i)
		}
		if _, dup := c.byName[s.Name()]; dup {
			return nil, fmt.Errorf("crawler: New: two sources named %q", s.Name())
		}
		c.byName[s.Name()] = s
	}
	if c.frontier == nil {
		c.frontier = NewMemFrontier()
	}
	if c.clock == nil {
		c.clock = SystemClock{}
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	if c.progress != nil && c.progressEvery <= 0 {
		c.progressEvery = time.Second
	}
	c.agent = strings.ToLower(strings.TrimSpace(cfg.UserAgent))

	maxConns := cfg.DefaultMaxConns
	for _, r := range cfg.HostRules {
		g, err := glob.Compile(strings.ToLower(r.Glob))
		if err != nil {
			return nil, fmt.Errorf("crawler: HostRules glob %q: %w", r.Glob, err)
		}
		c.rules = append(c.rules, hostRule{g: g, rule: r})
		maxConns = max(maxConns, r.MaxConns)
	}
	g, err := newGuard(cfg)
	if err != nil {
		return nil, err
	}
	c.transport = newTransport(cfg, g, maxConns)
	c.client = &limitTransport{base: c.transport, maxBody: cfg.MaxBodyBytes}
	c.robotsClient = &http.Client{
		// robots.txt is read up to robots.MaxSize, whatever its length: a
		// Content-Length over the body cap is no reason to refuse its
		// first 500 KiB (RFC 9309 §2.5).
		Transport: &limitTransport{base: c.transport, maxBody: cfg.MaxBodyBytes, prefixOK: true},
		Timeout:   cfg.RequestTimeout,
		// Each redirect is its own paced request (worker.go: fetchRobots).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	m, err := newMetrics(o.registerer)
	if err != nil {
		return nil, err
	}
	c.metrics = m
	return c, nil
}

// Close releases idle connections.
func (c *Crawler) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}

func (c *Crawler) jitter() float64 {
	c.randMu.Lock()
	defer c.randMu.Unlock()
	return c.rand()
}

// rule returns the politeness of a host (hostname and host:port are both
// tried against each glob).
func (c *Crawler) rule(hostname, hostport string) HostRule {
	r := HostRule{Rate: c.cfg.DefaultRate, Burst: c.cfg.DefaultBurst, MaxConns: c.cfg.DefaultMaxConns}
	for _, hr := range c.rules {
		if hr.g.Match(hostname) || hr.g.Match(hostport) {
			if hr.rule.Rate > 0 {
				r.Rate = hr.rule.Rate
			}
			if hr.rule.Burst > 0 {
				r.Burst = hr.rule.Burst
			}
			if hr.rule.MaxConns > 0 {
				r.MaxConns = hr.rule.MaxConns
			}
			break
		}
	}
	return r
}

// Run crawls from seeds under the run id set by WithRunID. See RunAs.
func (c *Crawler) Run(ctx context.Context, seeds []source.Request) (creator.RunSummary, error) {
	return c.RunAs(ctx, c.runID, seeds)
}

// RunAs crawls from seeds under runID. Seeds join whatever the frontier
// already holds for runID, so resuming a run is RunAs with its id and no
// seeds. It returns when nothing is left to fetch, when what is left is
// deferred beyond MaxIdleWait, when the page budget is spent, or when ctx
// ends. The summary counts pages, not-modified responses, robots denials,
// posts, opt-outs and errors by kind; CreatorsNew and CreatorsUpdated are
// the sink's to fill.
func (c *Crawler) RunAs(ctx context.Context, runID int64, seeds []source.Request) (creator.RunSummary, error) {
	if !c.running.TryLock() {
		return creator.RunSummary{Errors: map[string]int{}}, errors.New("crawler: a run is already in progress on this crawler")
	}
	defer c.running.Unlock()
	if err := c.bindSnowballs(ctx, runID); err != nil {
		return creator.RunSummary{Errors: map[string]int{}}, err
	}
	r := newRun(ctx, c, runID)
	defer r.cancel()
	return r.run(seeds)
}

// robotsRedirect reads a robots.txt answer reached after hops redirects:
// for a redirect with a Location it returns the next hop, which must be
// http(s) (the SSRF guard applies when it is fetched, at connect time), or
// errRobotsRedirects when it would be one more than robots.MaxRedirects.
// Anything else is an answer: nil, nil.
func robotsRedirect(resp *http.Response, hops int) (*url.URL, error) {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil // a 3xx that does not redirect: unreachable
	}
	next, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("robots.txt: bad redirect Location %q: %w", loc, err)
	}
	if next.Scheme != "http" && next.Scheme != "https" {
		return nil, fmt.Errorf("%w: redirect to scheme %q", ErrSSRF, next.Scheme)
	}
	if hops+1 > robots.MaxRedirects {
		return nil, errRobotsRedirects
	}
	next.Fragment, next.RawFragment = "", ""
	return next, nil
}

var errRobotsRedirects = errors.New("robots.txt: more than 5 redirects")
