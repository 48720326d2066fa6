package crawler

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRobotsDisallowHonoured(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": text(
			"User-agent: *",
			"Disallow: /private",
			"Allow: /private/ok",
			"",
			"User-agent: somebot",
			"Disallow: /",
		),
		"/{$}":        text("link /private/secret", "link /private/ok", "link /public", "link /privateer"),
		"/private/ok": text(),
		"/public":     text(),
	})
	h := newHarness(t, testConfig())
	sum := h.run(t, srv.URL+"/")
	if got := strings.Join(srv.uris(), " "); got != "/ /private/ok /public" {
		t.Fatalf("server saw %q", got)
	}
	if sum.RobotsDenied != 2 {
		t.Fatalf("robots denied %d, want 2 (/private/secret, /privateer)", sum.RobotsDenied)
	}
	it, _ := h.mf.Lookup(0, srv.URL+"/private/secret")
	if it.State != StateDropped || it.Reason != DropRobots {
		t.Fatalf("denied item: %+v", it)
	}
	if n := srv.count("/robots.txt"); n != 1 {
		t.Fatalf("robots.txt fetched %d times, want once (cached)", n)
	}
	if ua := srv.requests(true)[0].Header.Get("User-Agent"); ua != testConfig().UserAgent {
		t.Fatalf("robots.txt fetched as %q", ua)
	}
}

// Each robots.txt status has its RFC 9309 meaning. Unreachable cases leave
// the page unfetched and pending for a retry later.
func TestRobotsStatusMatrix(t *testing.T) {
	cases := []struct {
		name    string
		robots  http.HandlerFunc
		fetched bool
		pending bool // deferred for a later retry
		denied  bool
	}{
		{"200 allow", text("User-agent: *", "Disallow: /other"), true, false, false},
		{"200 disallow", text("User-agent: *", "Disallow: /"), false, false, true},
		{"404", status(404, "nope"), true, false, false},
		{"410", status(410, "gone"), true, false, false},
		{"400", status(400, ""), true, false, false},
		{"401", status(401, ""), false, false, true},
		{"403", status(403, ""), false, false, true},
		{"429", status(429, ""), false, true, false},
		{"500", status(500, ""), false, true, false},
		{"503", status(503, ""), false, true, false},
		{"5 redirects", redirectChain(5, "User-agent: *\nDisallow: /other\n"), true, false, false},
		{"6 redirects", redirectChain(6, "User-agent: *\nDisallow: /\n"), true, false, false}, // more than 5: unavailable, allow all
		{"timeout", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, false, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, map[string]http.HandlerFunc{
				"/robots.txt": tc.robots,
				"/r/":         tc.robots,
				"/page":       text(),
			})
			cfg := testConfig()
			cfg.HeaderTimeout = 300 * time.Millisecond
			h := newHarness(t, cfg)
			sum := h.run(t, srv.URL+"/page")
			if got := srv.count("/page") == 1; got != tc.fetched {
				t.Fatalf("page fetched: %v, want %v (server saw %v)", got, tc.fetched, srv.uris())
			}
			it, _ := h.mf.Lookup(0, srv.URL+"/page")
			if got := it.State == StatePending; got != tc.pending {
				t.Fatalf("item %s, want pending=%v", it.State, tc.pending)
			}
			if tc.pending && (sum.Errors[KindRobots] != 1 || it.Attempts != 0) {
				t.Fatalf("unreachable robots.txt: errors %v, attempts %d (a deferral is not an attempt)", sum.Errors, it.Attempts)
			}
			if got := sum.RobotsDenied == 1; got != tc.denied {
				t.Fatalf("denied %d, want denied=%v", sum.RobotsDenied, tc.denied)
			}
		})
	}
}

// redirectChain serves /robots.txt -> /r/1 -> ... -> /r/n, which has body.
func redirectChain(n int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i := 0
		if strings.HasPrefix(r.URL.Path, "/r/") {
			fmt.Sscanf(r.URL.Path, "/r/%d", &i)
		}
		if i >= n {
			_, _ = w.Write([]byte(body))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/r/%d", i+1), http.StatusFound)
	}
}

// A 503 on robots.txt holds the host until the retry; then robots.txt is
// fetched again and the page is crawled. A later failure of robots.txt
// falls back on the good copy.
func TestRobotsUnreachableRetriedLaterThenGoodCopyStandsIn(t *testing.T) {
	clk := newFakeClock()
	var robotsStatus atomic.Int32
	robotsStatus.Store(503)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			if st := int(robotsStatus.Load()); st != 200 {
				w.Header().Set("Retry-After", "90")
				w.WriteHeader(st)
				return
			}
			_, _ = w.Write([]byte("User-agent: *\nDisallow: /no\n"))
		},
		"/page": text(),
		"/no":   text(),
		"/more": text(),
	})
	srv.clock = clk
	cfg := testConfig()
	cfg.MaxIdleWait = time.Hour
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	wait := runAsync(t, h.c, srv.URL+"/page")

	at := clk.waitTimer(t, t0.Add(90*time.Second))
	if at != t0.Add(90*time.Second) {
		t.Fatalf("retry at %v, want Retry-After 90s", at.Sub(t0))
	}
	if n := len(srv.requests(false)); n != 0 {
		t.Fatalf("a page was fetched while robots.txt was unreachable")
	}
	robotsStatus.Store(200)
	clk.Advance(90 * time.Second)
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	if srv.count("/page") != 1 || sum.Pages != 1 || sum.Errors[KindRobots] != 1 {
		t.Fatalf("after the retry: server %v, summary %+v", srv.uris(), sum)
	}

	// 25 hours later the copy has expired and the server fails: the good
	// copy (under 30 days old) stands in.
	clk.Advance(25 * time.Hour)
	robotsStatus.Store(500)
	sum, err = h.c.RunAs(testCtx(t), 1, reqs(srv.URL+"/more", srv.URL+"/no"))
	if err != nil {
		t.Fatal(err)
	}
	if srv.count("/more") != 1 || srv.count("/no") != 0 || sum.RobotsDenied != 1 {
		t.Fatalf("with the good copy: server %v, summary %+v", srv.uris(), sum)
	}
}

func TestCrawlDelayOverCapSkipsHost(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": text("User-agent: *", "Crawl-delay: 60"),
		"/a":          text(),
		"/b":          text(),
	})
	cfg := testConfig()
	cfg.CrawlDelayCap = 10 * time.Second
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/a", srv.URL+"/b")
	if n := len(srv.requests(false)); n != 0 {
		t.Fatalf("%d pages fetched from a host asking for a Crawl-delay over the cap", n)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if len(sum.HostsSkipped) != 1 || sum.HostsSkipped[0] != host {
		t.Fatalf("hosts skipped %v, want [%s]", sum.HostsSkipped, host)
	}
	for _, it := range h.mf.Items(0) {
		if it.State != StateDropped || it.Reason != DropCrawlDelay {
			t.Errorf("%s: %s %s", it.URL, it.State, it.Reason)
		}
	}
}

// Crawl-delay below the cap slows the host below its configured rate.
func TestCrawlDelayHonoured(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": text("User-agent: creatorscout-test", "Crawl-delay: 0.25"),
		"/{$}":        text("link /1", "link /2", "link /3"),
		"/1":          text(),
		"/2":          text(),
		"/3":          text(),
	})
	h := newHarness(t, testConfig()) // 1000 req/s, burst 1000 without it
	h.run(t, srv.URL+"/")
	hits := srv.requests(false)
	if len(hits) != 4 {
		t.Fatalf("server saw %d pages", len(hits))
	}
	for i := 1; i < len(hits); i++ {
		// The limiter spaces dispatches by exactly 250ms; arrival can be
		// early by the scheduling noise of the previous request.
		if gap := hits[i].At.Sub(hits[i-1].At); gap < 200*time.Millisecond {
			t.Errorf("gap %d is %v, want about 250ms (Crawl-delay)", i, gap)
		}
	}
}

// A robots.txt redirect is a request like any other: the next hop waits
// for the host's next slot.
func TestRobotsRedirectIsPaced(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/real-robots.txt", http.StatusMovedPermanently)
		},
		"/real-robots.txt": text("User-agent: *", "Disallow: /private"),
		"/page":            text(),
		"/private":         text(),
	})
	srv.clock = clk
	cfg := testConfig()
	cfg.MaxIdleWait = time.Hour
	cfg.HostRules = []HostRule{{Glob: "127.0.0.1:*", Rate: 0.25, Burst: 1}}
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	wait := runAsync(t, h.c, srv.URL+"/page", srv.URL+"/private")
	for i, want := range []string{"/robots.txt", "/robots.txt /real-robots.txt"} {
		due := t0.Add(time.Duration(4*(i+1)) * time.Second)
		if at := clk.waitTimer(t, clk.Now().Add(pollEvery+1)); at != due {
			t.Fatalf("next dispatch at %v, want %v", at.Sub(t0), due.Sub(t0))
		}
		var seen []string
		for _, hit := range srv.requests(true) {
			seen = append(seen, hit.URI)
		}
		if got := strings.Join(seen, " "); got != want {
			t.Fatalf("before %v the server saw %q, want %q", due.Sub(t0), got, want)
		}
		clk.Advance(due.Sub(clk.Now()))
	}
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, hit := range srv.requests(true) {
		got = append(got, fmt.Sprintf("%s@%v", hit.URI, hit.Clock.Sub(t0)))
	}
	if strings.Join(got, " ") != "/robots.txt@0s /real-robots.txt@4s /page@8s" || sum.RobotsDenied != 1 {
		t.Fatalf("requests %v (want robots.txt, its target and the page 4s apart), summary %+v", got, sum)
	}
}

// A robots.txt that redirects to another origin is fetched there under that
// host's pacer, and its rules are the first origin's.
func TestRobotsRedirectToAnotherOriginIsPacedThere(t *testing.T) {
	clk := newFakeClock()
	b := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt":   text("User-agent: *", "Disallow: /nothing"),
		"/robots-a.txt": text("User-agent: *", "Disallow: /private"),
		"/page":         text(),
	})
	a := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, b.URL+"/robots-a.txt", http.StatusFound)
		},
		"/page":    text(),
		"/private": text(),
	})
	a.clock, b.clock = clk, clk
	cfg := testConfig()
	cfg.MaxIdleWait = time.Hour
	cfg.HostRules = []HostRule{{Glob: "127.0.0.1:*", Rate: 0.25, Burst: 1}}
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	wait := runAsync(t, h.c, a.URL+"/page", a.URL+"/private", b.URL+"/page")
	for _, due := range []time.Time{t0.Add(4 * time.Second), t0.Add(8 * time.Second)} {
		if at := clk.waitTimer(t, clk.Now().Add(pollEvery+1)); at != due {
			t.Fatalf("next dispatch at %v, want %v", at.Sub(t0), due.Sub(t0))
		}
		clk.Advance(due.Sub(clk.Now()))
	}
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]time.Duration{}
	var bClocks []time.Duration
	for _, hit := range b.requests(true) {
		at["b"+hit.URI] = hit.Clock.Sub(t0)
		bClocks = append(bClocks, hit.Clock.Sub(t0))
	}
	for _, hit := range a.requests(true) {
		at["a"+hit.URI] = hit.Clock.Sub(t0)
	}
	slices.Sort(bClocks)
	if fmt.Sprint(bClocks) != "[0s 4s 8s]" || len(at) != 5 {
		t.Fatalf("host b served %v at %v: want its robots.txt, a's robots.txt and its page, 4s apart", at, bClocks)
	}
	if _, ok := at["a/private"]; ok || sum.RobotsDenied != 1 {
		t.Fatalf("a/private: a's rules (fetched from b) were not applied: %v, summary %+v", at, sum)
	}
	if at["a/page"] < at["b/robots-a.txt"] {
		t.Fatalf("a/page fetched at %v, before a's robots.txt arrived (%v)", at["a/page"], at["b/robots-a.txt"])
	}
}

// A robots.txt redirect to a host paused for longer than a lease does not
// leave its origin waiting with it: that origin's robots.txt counts as
// unreachable until the pause ends, and its own queue is looked at again.
func TestRobotsRedirectToLongPausedHost(t *testing.T) {
	clk := newFakeClock()
	h := newHarness(t, testConfig(), WithClock(clk))
	r := newRun(testCtx(t), h.c, 0)
	defer r.cancel()
	now := clk.Now()
	au, _ := url.Parse("http://a.example/page")
	bu, _ := url.Parse("http://b.example/robots-a.txt")
	a, b := r.host(au, now), r.host(bu, now)
	a.robotsFetching = true
	a.queue = []queued{{item: FrontierItem{URL: au.String()}, u: au}}
	r.buffered++
	until := now.Add(2 * time.Hour)
	b.pausedUntil = until
	b.robotsHops = []job{{kind: jobRobots, robots: bu.String(), robotsFor: a.origin, hops: 1}}
	if err := r.service(b, now); err != nil {
		t.Fatal(err)
	}
	if len(b.robotsHops) != 0 || a.robotsFetching || a.heapIdx < 0 {
		t.Fatalf("hops left %d, a fetching %v, a scheduled %v: a must stop waiting for b", len(b.robotsHops), a.robotsFetching, a.heapIdx >= 0)
	}
	if st := h.c.robots.Lookup(a.origin, now); !st.BlockedUntil.Equal(until) {
		t.Fatalf("a's robots.txt: %+v, want unreachable until b's pause ends (%v)", st, until)
	}
	if got := r.summary().Errors[KindRobots]; got != 1 {
		t.Fatalf("robots errors %d, want 1", got)
	}
}

// A robots.txt that is slow to fail is retried a whole Retry-After (or
// backoff) after it failed: the time it took does not come off the wait.
func TestRobotsRetryCountsFromTheAnswer(t *testing.T) {
	clk := newFakeClock()
	var up atomic.Bool
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			if up.Load() {
				http.NotFound(w, r)
				return
			}
			clk.Advance(40 * time.Second) // 40 s to answer
			w.Header().Set("Retry-After", "90")
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		"/page": text(),
	})
	srv.clock = clk
	cfg := testConfig()
	cfg.MaxIdleWait = time.Hour
	h := newHarness(t, cfg, WithClock(clk))
	t0 := clk.Now()
	wait := runAsync(t, h.c, srv.URL+"/page")
	if at := clk.waitTimer(t, t0.Add(91*time.Second)); at != t0.Add(130*time.Second) {
		t.Fatalf("robots.txt retried at %v, want 130s (answered at 40s, Retry-After 90s)", at.Sub(t0))
	}
	up.Store(true)
	clk.Advance(90 * time.Second)
	if sum, err := wait(); err != nil || sum.Pages != 1 {
		t.Fatalf("after the retry: %+v, %v", sum, err)
	}
}

// A host whose name does not exist is skipped for the run at its
// robots.txt: not retried with backoff while the rest of the run waits.
// An all-digit name fails to resolve without asking any DNS server.
func TestUnresolvableHostIsSkipped(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/ok": text()})
	h := newHarness(t, testConfig()) // BackoffBase is an hour
	sum := h.run(t, srv.URL+"/ok", "http://167772161/a", "http://167772161/b")
	if srv.count("/ok") != 1 || sum.Pages != 1 {
		t.Fatalf("the good host's page: summary %+v", sum)
	}
	if fmt.Sprint(sum.HostsSkipped) != "[167772161]" && fmt.Sprint(sum.HostsSkipped) != "[167772161:80]" {
		t.Errorf("hosts skipped %v, want the unresolvable one", sum.HostsSkipped)
	}
	for _, p := range []string{"/a", "/b"} {
		if it, _ := h.mf.Lookup(0, "http://167772161"+p); it.State != StateDropped || it.Reason != KindDNS {
			t.Errorf("%s: item %+v, want dropped for %s", p, it, KindDNS)
		}
	}
}

// A robots.txt longer than the body cap, with a Content-Length that says
// so, is read up to its first 500 KiB (RFC 9309 §2.5), as a chunked one
// is: not refused for its length, which would block its host.
func TestLongRobotsTxtWithContentLengthIsRead(t *testing.T) {
	body := "User-agent: *\nDisallow: /secret\n" + strings.Repeat("# padding\n", 200<<10)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write([]byte(body))
		},
		"/ok":     text(),
		"/secret": text(),
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 1 << 20 // the file is 2 MB
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/ok", srv.URL+"/secret")
	if srv.count("/ok") != 1 || srv.count("/secret") != 0 || sum.RobotsDenied != 1 {
		t.Fatalf("server %v, summary %+v: want /ok fetched and /secret denied", srv.uris(), sum)
	}
}

// A host whose robots.txt cannot be fetched (here: nothing listens on its
// port) is tried MaxRetries+1 times and then skipped for the run, its
// pages dropped: the run ends instead of waiting on its backoff for good.
func TestUnreachableRobotsIsGivenUpOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // connection refused from now on
	srv := newServer(t, map[string]http.HandlerFunc{"/ok": text()})
	cfg := testConfig()
	cfg.MaxRetries = 2
	cfg.BackoffBase = 10 * time.Millisecond
	cfg.BackoffMax = 20 * time.Millisecond
	cfg.MaxIdleWait = time.Hour // the run must end on the skip, not on an idle limit
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/ok", down+"/a", down+"/b")
	if sum.Pages != 1 || sum.Errors[KindRobots] != 3 {
		t.Errorf("summary %+v: want the good page, and 3 robots.txt failures (1 + MaxRetries)", sum)
	}
	if len(sum.HostsSkipped) != 1 || sum.HostsSkipped[0] != strings.TrimPrefix(down, "http://") {
		t.Errorf("hosts skipped %v, want %s", sum.HostsSkipped, down)
	}
	for _, p := range []string{"/a", "/b"} {
		if it, _ := h.mf.Lookup(0, down+p); it.State != StateDropped || it.Reason != KindRobots {
			t.Errorf("%s: %+v, want dropped for %s", p, it, KindRobots)
		}
	}
}
