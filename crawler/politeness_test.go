package crawler

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// maxInWindow is the most hits (by the clock pick returns) in any window of
// length w starting at a hit.
func maxInWindow(hits []hit, w time.Duration, pick func(hit) time.Time) int {
	ts := make([]time.Time, len(hits))
	for i, h := range hits {
		ts[i] = pick(h)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best := 0
	for i := range ts {
		n := 0
		for j := i; j < len(ts) && ts[j].Before(ts[i].Add(w)); j++ {
			n++
		}
		best = max(best, n)
	}
	return best
}

// Two hosts at 20 req/s each: neither server ever sees more than 21
// requests (rate plus burst 1) in any second, and both are served at the
// same time, so the limit is per host, not global.
func TestPerHostRateRespected(t *testing.T) {
	const rate, pages = 20, 30
	var links []string
	for i := 0; i < pages; i++ {
		links = append(links, fmt.Sprintf("link /p/%d", i))
	}
	routes := map[string]http.HandlerFunc{"/{$}": text(links...), "/p/": text()}
	a, b := newServer(t, routes), newServer(t, routes)
	cfg := testConfig()
	cfg.Parallelism = 8
	cfg.HostRules = []HostRule{{Glob: "127.0.0.1:*", Rate: rate, Burst: 1, MaxConns: 4}}
	h := newHarness(t, cfg)
	sum := h.run(t, a.URL+"/", b.URL+"/")
	if sum.Pages != 2*(pages+1) {
		t.Fatalf("pages %d", sum.Pages)
	}
	var spans [2][2]time.Time
	for i, s := range []*server{a, b} {
		hits := s.requests(true) // robots.txt takes a token too
		if n := maxInWindow(hits, time.Second, func(h hit) time.Time { return h.At }); n > rate+1 {
			t.Errorf("host %d: %d requests in one second, limit %d/s burst 1", i, n, rate)
		}
		first, last := hits[0].At, hits[len(hits)-1].At
		spans[i] = [2]time.Time{first, last}
		achieved := float64(len(hits)-1) / last.Sub(first).Seconds()
		t.Logf("host %d: %d requests, %.1f req/s", i, len(hits), achieved)
		if achieved > rate*1.05 {
			t.Errorf("host %d: %.1f req/s over the %d req/s limit", i, achieved, rate)
		}
		// A loaded machine (the race detector, other jobs) stalls the
		// dispatcher now and then, and a burst-1 limiter never makes up lost
		// time, so the floor only catches a broken scheduler. The exact
		// spacing is TestPerHostSpacingFakeClock's.
		if achieved < rate*0.25 {
			t.Errorf("host %d: %.1f req/s, far under the %d req/s limit", i, achieved, rate)
		}
	}
	if spans[0][1].Before(spans[1][0]) || spans[1][1].Before(spans[0][0]) {
		t.Errorf("the hosts were crawled one after the other, not side by side: %v", spans)
	}
}

// On a test clock the spacing is exact: two hosts at one request per 4 s
// each get a request at 0, 4 and 8 s, side by side. A global limit would
// give them one between them.
func TestPerHostSpacingFakeClock(t *testing.T) {
	clk := newFakeClock()
	routes := map[string]http.HandlerFunc{"/p/": text()}
	a, b := newServer(t, routes), newServer(t, routes)
	a.clock, b.clock = clk, clk
	cfg := testConfig()
	cfg.RespectRobots = false
	cfg.MaxIdleWait = time.Hour
	cfg.HostRules = []HostRule{{Glob: "127.0.0.1:*", Rate: 0.25, Burst: 1}}
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	var seeds []string
	for i := 0; i < 3; i++ {
		seeds = append(seeds, fmt.Sprintf("%s/p/%d", a.URL, i), fmt.Sprintf("%s/p/%d", b.URL, i))
	}
	wait := runAsync(t, h.c, seeds...)
	for step := 1; step <= 2; step++ {
		// A timer past the 1 s frontier poll means the dispatcher is idle,
		// waiting for a host's next token.
		due := t0.Add(time.Duration(4*step) * time.Second)
		if at := clk.waitTimer(t, clk.Now().Add(pollEvery+1)); at != due {
			t.Fatalf("step %d: next dispatch at %v, want %v", step, at.Sub(t0), due.Sub(t0))
		}
		for i, s := range []*server{a, b} {
			if n := len(s.requests(true)); n != step {
				t.Fatalf("step %d: host %d has had %d requests, want %d", step, i, n, step)
			}
		}
		clk.Advance(due.Sub(clk.Now()))
	}
	if _, err := wait(); err != nil {
		t.Fatal(err)
	}
	for i, s := range []*server{a, b} {
		var got []time.Duration
		for _, h := range s.requests(true) {
			got = append(got, h.Clock.Sub(t0))
		}
		if fmt.Sprint(got) != "[0s 4s 8s]" {
			t.Errorf("host %d: requests at %v, want [0s 4s 8s]", i, got)
		}
	}
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// A 429 with Retry-After pauses the whole host: nothing else goes to it
// until the time is up, and then the URL is retried.
func TestRetryAfterPausesHost(t *testing.T) {
	clk := newFakeClock()
	var first atomic.Bool
	first.Store(true)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/a": func(w http.ResponseWriter, r *http.Request) {
			if first.CompareAndSwap(true, false) {
				w.Header().Set("Retry-After", "120")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			text()(w, r)
		},
		"/b": text(),
	})
	srv.clock = clk
	cfg := testConfig()
	cfg.DefaultMaxConns = 1
	cfg.MaxIdleWait = time.Hour
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	wait := runAsync(t, h.c, srv.URL+"/a", srv.URL+"/b")

	if at := clk.waitTimer(t, t0.Add(pollEvery+1)); at != t0.Add(120*time.Second) {
		t.Fatalf("host paused until %v, want Retry-After 120s", at.Sub(t0))
	}
	if got := strings.Join(srv.uris(), " "); got != "/a" {
		t.Fatalf("during the pause the server saw %q", got)
	}
	clk.Advance(120 * time.Second)
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, hit := range srv.requests(false)[1:] {
		if hit.Clock.Before(t0.Add(120 * time.Second)) {
			t.Errorf("%s sent %v into a 120s pause", hit.URI, hit.Clock.Sub(t0))
		}
	}
	if srv.count("/a") != 2 || srv.count("/b") != 1 || sum.Pages != 2 || sum.Errors[Kind4xx] != 1 {
		t.Fatalf("server %v, summary %+v", srv.uris(), sum)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"120", 120 * time.Second, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"999999999", MaxRetryAfter, true},
		{"99999999999999999999999", MaxRetryAfter, true}, // past int64: still a delay, capped
		{"-99999999999999999999999", 0, false},
		{now.Add(72 * time.Hour).Format(http.TimeFormat), MaxRetryAfter, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.v != "" {
			h.Set("Retry-After", c.v)
		}
		got, ok := RetryAfter(h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("RetryAfter(%q) = %v %v, want %v %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

func TestBackoffSequence(t *testing.T) {
	base, cap := 60*time.Second, 24*time.Hour
	want := []time.Duration{60 * time.Second, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, 64 * time.Minute, 128 * time.Minute, 256 * time.Minute, 512 * time.Minute, 1024 * time.Minute, cap, cap}
	for n, w := range want {
		if got := Backoff(base, cap, n, 0); got != w {
			t.Errorf("Backoff(%d, jitter 0) = %v, want %v", n, got, w)
		}
		got := Backoff(base, cap, n, 0.5)
		if wj := min(w+w/8, cap); got != wj {
			t.Errorf("Backoff(%d, jitter 0.5) = %v, want %v", n, got, wj)
		}
		if hi := Backoff(base, cap, n, 0.9999); hi < w || hi > cap {
			t.Errorf("Backoff(%d, jitter ~1) = %v, out of [%v, %v]", n, hi, w, cap)
		}
	}
	if got := Backoff(base, cap, 1000, 0.5); got != cap {
		t.Errorf("a huge failure count must cap, got %v", got)
	}
}

// A URL that keeps failing with 500 is retried with growing backoff and
// dropped after MaxRetries retries.
func TestServerErrorsBackOffThenGiveUp(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, map[string]http.HandlerFunc{"/x": status(500, "boom")})
	srv.clock = clk
	cfg := testConfig()
	cfg.BackoffBase = time.Minute
	cfg.MaxRetries = 2
	cfg.MaxIdleWait = time.Hour
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	wait := runAsync(t, h.c, srv.URL+"/x")
	for _, due := range []time.Duration{time.Minute, 3 * time.Minute} { // +60s, then +120s more
		at := clk.waitTimer(t, t0.Add(due))
		if at != t0.Add(due) {
			t.Fatalf("next retry at %v, want %v", at.Sub(t0), due)
		}
		clk.Advance(at.Sub(clk.Now()))
	}
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for _, h := range srv.requests(false) {
		got = append(got, h.Clock.Sub(t0))
	}
	if fmt.Sprint(got) != fmt.Sprint([]time.Duration{0, time.Minute, 3 * time.Minute}) {
		t.Fatalf("requests at %v", got)
	}
	it, _ := h.mf.Lookup(0, srv.URL+"/x")
	if it.State != StateDropped || it.Reason != Kind5xx || sum.Errors[Kind5xx] != 3 {
		t.Fatalf("item %+v, errors %v", it, sum.Errors)
	}
	if v := counterValue(t, h.c.metrics.backoffs.WithLabelValues(strings.TrimPrefix(srv.URL, "http://"), "backoff")); v != 3 {
		t.Errorf("backoffs metric %v", v)
	}
}

// An API quota is never exceeded: requests over it wait for the window.
func TestQuotaNeverExceeded(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, map[string]http.HandlerFunc{"/q/": text()})
	srv.clock = clk
	cfg := testConfig()
	cfg.Quotas = map[string]Quota{"test": {Units: 3, Window: time.Hour}}
	cfg.MaxIdleWait = 2 * time.Hour
	h := newHarness(t, cfg, WithClock(clk))
	var seeds []string
	for i := 0; i < 7; i++ {
		seeds = append(seeds, fmt.Sprintf("%s/q/%d", srv.URL, i))
	}
	t0 := clk.Now()
	wait := runAsync(t, h.c, seeds...)
	for _, due := range []time.Duration{time.Hour, 2 * time.Hour} {
		at := clk.waitTimer(t, t0.Add(due))
		if at != t0.Add(due) {
			t.Fatalf("next batch at %v, want %v", at.Sub(t0), due)
		}
		if n, want := len(srv.requests(false)), int(due/time.Hour)*3; n != want {
			t.Fatalf("before %v: %d requests, want %d", due, n, want)
		}
		clk.Advance(at.Sub(clk.Now()))
	}
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	hits := srv.requests(false)
	if len(hits) != 7 || sum.Pages != 7 {
		t.Fatalf("%d requests, summary %+v", len(hits), sum)
	}
	if n := maxInWindow(hits, time.Hour, func(h hit) time.Time { return h.Clock }); n > 3 {
		t.Fatalf("%d requests in one hour against a quota of 3", n)
	}
	if sum.Errors[KindQuota] != 5 { // 4 deferred in the first hour, 1 in the second
		t.Fatalf("quota deferrals %d", sum.Errors[KindQuota])
	}
	for _, it := range h.mf.Items(0) {
		if it.Attempts != 0 {
			t.Errorf("%s: a quota deferral counted as an attempt", it.URL)
		}
	}
}

func TestQuotaCostOverBudgetIsDropped(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/big": text()})
	cfg := testConfig()
	cfg.Quotas = map[string]Quota{"test": {Units: 50, Window: time.Hour}}
	h := newHarness(t, cfg)
	seed := reqs(srv.URL + "/big")
	seed[0].Meta = map[string]string{MetaQuotaCost: "100"}
	sum, err := h.c.Run(testCtx(t), seed)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.requests(false)) != 0 || sum.Errors[KindQuota] != 1 {
		t.Fatalf("server %v, summary %+v", srv.uris(), sum)
	}
}

// ETag and Last-Modified make a second fetch conditional; a 304 is counted
// and not parsed again. Within Freshness the URL is not queued at all.
func TestConditionalRequests(t *testing.T) {
	lm := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Format(http.TimeFormat)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/etag": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			text("creator a")(w, r)
		},
		"/lm": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-Modified-Since") == lm {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Last-Modified", lm)
			text("creator b")(w, r)
		},
	})
	cfg := testConfig()
	cfg.Freshness = 0 // always refetch, conditionally
	h := newHarness(t, cfg)
	seeds := reqs(srv.URL+"/etag", srv.URL+"/lm")
	sum, err := h.c.RunAs(testCtx(t), 1, seeds)
	if err != nil || sum.Pages != 2 || h.sink.len() != 2 {
		t.Fatalf("first run: %+v %v", sum, err)
	}
	sum, err = h.c.RunAs(testCtx(t), 2, seeds)
	if err != nil {
		t.Fatal(err)
	}
	if sum.NotModified != 2 || sum.Pages != 0 || h.sink.len() != 2 {
		t.Fatalf("second run: %+v, sink %d", sum, h.sink.len())
	}
	hits := srv.requests(false)
	if hits[2].Header.Get("If-None-Match") == "" && hits[3].Header.Get("If-None-Match") == "" {
		t.Fatal("no If-None-Match sent")
	}
	if etag, _, _, _, _ := h.mf.Seen(testCtx(t), srv.URL+"/etag"); etag != `"v1"` {
		t.Fatalf("a 304 without an ETag must keep the old one, got %q", etag)
	}
	it, _ := h.mf.Lookup(2, srv.URL+"/lm")
	if it.State != StateDone || it.Status != 304 {
		t.Fatalf("item %+v", it)
	}

	// Within the freshness window nothing is even queued.
	cfg.Freshness = time.Hour
	c2, err := New(cfg, h.c.sources, h.sink, WithFrontier(h.mf))
	if err != nil {
		t.Fatal(err)
	}
	sum, err = c2.RunAs(testCtx(t), 3, seeds)
	if err != nil || len(srv.requests(false)) != 4 || sum.Pages+sum.NotModified != 0 {
		t.Fatalf("fresh URLs were fetched again: %+v %v", sum, err)
	}
}

// A pause outlives the run that saw it: the next run on the same Crawler
// does not knock on the host either.
func TestPauseOutlivesTheRun(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/a": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		"/c": text(),
	})
	h := newHarness(t, testConfig())
	sum := h.run(t, srv.URL+"/a")
	if sum.Errors[Kind5xx] != 1 {
		t.Fatalf("summary %+v", sum)
	}
	sum, err := h.c.RunAs(testCtx(t), 2, reqs(srv.URL+"/c"))
	if err != nil {
		t.Fatal(err)
	}
	if srv.count("/c") != 0 || sum.Pages != 0 {
		t.Fatalf("the second run fetched from a host paused for an hour: %v", srv.uris())
	}
	it, _ := h.mf.Lookup(2, srv.URL+"/c")
	if it.State != StatePending || it.Attempts != 0 || it.NotBefore.Sub(time.Now()) < 50*time.Minute {
		t.Fatalf("item %+v: want pending until the pause ends, no attempt counted", it)
	}
}

// No more than MaxConns requests are open to one host at a time.
func TestMaxConnsPerHost(t *testing.T) {
	var active, peak atomic.Int32
	srv := newServer(t, map[string]http.HandlerFunc{
		"/p/": func(w http.ResponseWriter, r *http.Request) {
			n := active.Add(1)
			defer active.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(30 * time.Millisecond) // the server's own latency
			text()(w, r)
		},
	})
	cfg := testConfig()
	cfg.Parallelism = 8
	cfg.HostRules = []HostRule{{Glob: "127.0.0.1:*", MaxConns: 2}}
	h := newHarness(t, cfg)
	var seeds []string
	for i := 0; i < 12; i++ {
		seeds = append(seeds, fmt.Sprintf("%s/p/%d", srv.URL, i))
	}
	sum := h.run(t, seeds...)
	if sum.Pages != 12 {
		t.Fatalf("summary %+v", sum)
	}
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d requests open to one host at once, MaxConns 2", p)
	}
}

// Idle hosts and their limiters are forgotten; busy or paused ones are not.
func TestIdleHostsAreEvicted(t *testing.T) {
	clk := newFakeClock()
	h := newHarness(t, testConfig(), WithClock(clk))
	r := newRun(testCtx(t), h.c, 0)
	defer r.cancel()
	now := clk.Now()
	idle, _ := url.Parse("http://idle.example/")
	busy, _ := url.Parse("http://busy.example/")
	paused, _ := url.Parse("http://paused.example/")
	r.host(idle, now)
	r.host(busy, now).queue = []queued{{}}
	r.host(paused, now).pausedUntil = now.Add(24 * time.Hour)
	r.sweep(now.Add(h.c.cfg.IdleHostTTL + time.Minute))
	if _, ok := r.hosts[originKey(idle)]; ok {
		t.Error("an idle host must be evicted")
	}
	if _, ok := r.hosts[originKey(busy)]; !ok {
		t.Error("a host with queued work must stay")
	}
	if _, ok := r.hosts[originKey(paused)]; !ok {
		t.Error("a paused host must stay")
	}
}

// A redirect on the same host is a request to that host like any other:
// its target waits for the host's pacer. (net/http would follow it at
// once, a second request the pacer never saw.)
func TestSameOriginRedirectIsPaced(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, map[string]http.HandlerFunc{
		"/r": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/p", http.StatusFound) },
		"/p": text("creator x"),
	})
	srv.clock = clk
	cfg := testConfig()
	cfg.RespectRobots = false
	cfg.MaxIdleWait = time.Hour
	cfg.HostRules = []HostRule{{Glob: "127.0.0.1:*", Rate: 0.25, Burst: 1}}
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	wait := runAsync(t, h.c, srv.URL+"/r")
	due := t0.Add(4 * time.Second)
	if at := clk.waitTimer(t, clk.Now().Add(pollEvery+1)); at != due {
		t.Fatalf("next dispatch at %v, want %v", at.Sub(t0), due.Sub(t0))
	}
	if got := strings.Join(srv.uris(), " "); got != "/r" {
		t.Fatalf("before the host's next slot the server saw %q, want only /r", got)
	}
	clk.Advance(due.Sub(clk.Now()))
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for _, h := range srv.requests(true) {
		got = append(got, h.Clock.Sub(t0))
	}
	if fmt.Sprint(got) != "[0s 4s]" || sum.Pages != 1 {
		t.Fatalf("requests at %v (want [0s 4s]), summary %+v", got, sum)
	}
	p := h.sink.byPath()["/p"]
	if p == nil || p.Meta[MetaRedirectedFrom] != srv.URL+"/r" {
		t.Fatalf("target page %+v, want it to name the URL that redirected to it", p)
	}
}
