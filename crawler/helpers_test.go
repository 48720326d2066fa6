package crawler

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// lineSource is a test-only format: each line of a page is
// "link URL", "creator HANDLE" or "post ID". It claims every page.
type lineSource struct {
	name   string
	panics bool
}

func (s lineSource) Name() string {
	if s.name == "" {
		return "test"
	}
	return s.name
}
func (lineSource) Detect(*url.URL, []byte) bool { return true }
func (s lineSource) Parse(p *source.Page) (*source.Result, error) {
	if s.panics {
		panic("hostile page")
	}
	res := &source.Result{}
	sc := bufio.NewScanner(bytes.NewReader(p.Body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		kind, val, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch kind {
		case "link":
			res.Next = append(res.Next, source.Request{URL: val, Kind: source.KindPage})
		case "creator":
			res.Creators = append(res.Creators, creator.Creator{
				ID: creator.MakeID(creator.Web, val), Platform: creator.Web, Handle: val,
				SourceURL: p.URL.String(), FetchedAt: p.FetchedAt,
			})
		case "post":
			res.Posts = append(res.Posts, creator.Post{ID: "web:" + val})
		}
	}
	return res, nil
}

// recSink records what it is given.
type recSink struct {
	mu    sync.Mutex
	pages []*source.Page
	err   error
}

func (s *recSink) Put(_ context.Context, p *source.Page, _ *source.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.pages = append(s.pages, p)
	return nil
}

func (s *recSink) byPath() map[string]*source.Page {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]*source.Page{}
	for _, p := range s.pages {
		m[p.URL.Path] = p
	}
	return m
}

func (s *recSink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pages)
}

// hit is one request a test server saw.
type hit struct {
	URI    string // path and query as sent
	Header http.Header
	At     time.Time // real time
	Clock  time.Time // the test clock's time, when the server has one
}

// server is a loopback test server that records every request and every
// connection.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	hits  []hit
	conns atomic.Int64
	clock Clock
}

// newServer serves mux (a map from path to handler; "/robots.txt" is 404
// unless given) and records requests.
func newServer(t *testing.T, routes map[string]http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := hit{URI: r.URL.RequestURI(), Header: r.Header.Clone(), At: time.Now()}
		if s.clock != nil {
			h.Clock = s.clock.Now()
		}
		s.mu.Lock()
		s.hits = append(s.hits, h)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// requests returns the hits, robots.txt excluded unless withRobots.
func (s *server) requests(withRobots bool) []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []hit
	for _, h := range s.hits {
		if !withRobots && h.URI == "/robots.txt" {
			continue
		}
		out = append(out, h)
	}
	return out
}

func (s *server) uris() []string {
	var out []string
	for _, h := range s.requests(false) {
		out = append(out, h.URI)
	}
	sort.Strings(out)
	return out
}

func (s *server) count(uri string) int {
	n := 0
	for _, h := range s.requests(true) {
		if h.URI == uri {
			n++
		}
	}
	return n
}

// text serves a lineSource page.
func text(lines ...string) http.HandlerFunc {
	body := strings.Join(lines, "\n") + "\n"
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// testConfig: loopback allowed, fast limits, and runs that end as soon as
// nothing is due (MaxIdleWait 0), with failures deferred an hour.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.UserAgent = "creatorscout-test/1.0"
	cfg.AllowLoopback = true
	cfg.Parallelism = 4
	cfg.DefaultRate = 1000
	cfg.DefaultBurst = 1000
	cfg.DefaultMaxConns = 4
	cfg.RequestTimeout = 5 * time.Second
	cfg.HeaderTimeout = 2 * time.Second
	cfg.BackoffBase = time.Hour
	cfg.MaxIdleWait = 0
	cfg.Quotas = nil
	return cfg
}

type harness struct {
	c    *Crawler
	sink *recSink
	mf   *MemFrontier
}

func newHarness(t *testing.T, cfg Config, opts ...Option) *harness {
	t.Helper()
	h := &harness{sink: &recSink{}, mf: NewMemFrontier()}
	c, err := New(cfg, []source.Source{lineSource{}}, h.sink, append([]Option{WithFrontier(h.mf), WithRand(func() float64 { return 0 })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h.c = c
	return h
}

func (h *harness) run(t *testing.T, seeds ...string) creator.RunSummary {
	t.Helper()
	sum, err := h.c.Run(testCtx(t), reqs(seeds...))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return sum
}

func reqs(urls ...string) []source.Request {
	var out []source.Request
	for _, u := range urls {
		out = append(out, source.Request{URL: u, Kind: source.KindPage})
	}
	return out
}

// testCtx fails a test that hangs instead of letting it run to the global
// test timeout.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fakeClock is a Clock that moves only when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  map[*fakeTimer]bool
	changed chan struct{}
}

type fakeTimer struct {
	c   chan time.Time
	at  time.Time
	clk *fakeClock
}

func newFakeClock() *fakeClock {
	return &fakeClock{
		now:     time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		timers:  map[*fakeTimer]bool{},
		changed: make(chan struct{}),
	}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{c: make(chan time.Time, 1), at: f.now.Add(d), clk: f}
	if d <= 0 {
		t.c <- f.now
		return t
	}
	f.timers[t] = true
	close(f.changed)
	f.changed = make(chan struct{})
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }
func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	if !t.clk.timers[t] {
		return false
	}
	delete(t.clk.timers, t)
	return true
}

// Advance moves the clock and fires the timers that are due.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	for t := range f.timers {
		if !t.at.After(f.now) {
			delete(f.timers, t)
			t.c <- f.now
		}
	}
}

// waitTimer blocks until a timer due at or after min is pending, and
// returns when it is due. It is how a test knows the crawler is waiting.
func (f *fakeClock) waitTimer(t *testing.T, min time.Time) time.Time {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		f.mu.Lock()
		var best time.Time
		for tm := range f.timers {
			if !tm.at.Before(min) && (best.IsZero() || tm.at.Before(best)) {
				best = tm.at
			}
		}
		ch := f.changed
		f.mu.Unlock()
		if !best.IsZero() {
			return best
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no timer at or after %v was set", min)
		}
	}
}

// runAsync runs the crawl in the background and returns a function that
// waits for its result.
func runAsync(t *testing.T, c *Crawler, seeds ...string) func() (creator.RunSummary, error) {
	type out struct {
		sum creator.RunSummary
		err error
	}
	ch := make(chan out, 1)
	ctx := testCtx(t)
	go func() {
		sum, err := c.Run(ctx, reqs(seeds...))
		ch <- out{sum, err}
	}()
	return func() (creator.RunSummary, error) {
		o := <-ch
		return o.sum, o.err
	}
}
