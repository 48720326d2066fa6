package crawler

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/creatorscout/creatorscout/crawler/source"
)

func TestCrawlFollowsLinksAndStores(t *testing.T) {
	var srv *server
	srv = newServer(t, map[string]http.HandlerFunc{
		"/start": func(w http.ResponseWriter, r *http.Request) {
			text("creator alice", "post 1", "link /a", "link "+srv.URL+"/b#frag", "link mailto:x@example.org")(w, r)
		},
		"/a": text("creator bob", "link /start"),
		"/b": text("post 2", "post 3"),
	})
	h := newHarness(t, testConfig())
	sum := h.run(t, srv.URL+"/start")

	if got := strings.Join(srv.uris(), " "); got != "/a /b /start" {
		t.Fatalf("server saw %q, want each page once", got)
	}
	if sum.Pages != 3 || sum.Posts != 3 || len(sum.Errors) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if h.sink.len() != 3 {
		t.Fatalf("sink got %d pages", h.sink.len())
	}
	for _, it := range h.mf.Items(0) {
		if it.State != StateDone || it.Status != 200 {
			t.Errorf("%s: %s %d", it.URL, it.State, it.Status)
		}
	}
	if it, ok := h.mf.Lookup(0, srv.URL+"/a"); !ok || it.Depth != 1 {
		t.Errorf("/a depth %d", it.Depth)
	}
	p := h.sink.byPath()["/start"]
	if p == nil || p.FetchedAt.IsZero() || p.URL.String() != srv.URL+"/start" || p.Status != 200 {
		t.Fatalf("page %+v", p)
	}
}

func TestSinkErrorStopsTheRunAndLosesNothing(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/p": text("creator x")})
	h := newHarness(t, testConfig())
	h.sink.err = errors.New("disk full")
	_, err := h.c.Run(testCtx(t), reqs(srv.URL+"/p"))
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "/p") {
		t.Fatalf("err = %v, want the sink's error naming the page", err)
	}
	it, _ := h.mf.Lookup(0, srv.URL+"/p")
	if it.State == StateDone || it.State == StateDropped {
		t.Fatalf("item is %s: a page the sink did not take must stay in the frontier", it.State)
	}
	if n, _ := h.mf.FrontierPending(context.Background(), 0); n != 1 {
		t.Fatalf("pending %d", n)
	}
}

func TestParserPanicIsContained(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/p": text("x"), "/q": text("y")})
	sink := &recSink{}
	c, err := New(testConfig(), []source.Source{lineSource{panics: true}}, sink)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Run(testCtx(t), reqs(srv.URL+"/p", srv.URL+"/q"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors[KindParse] != 2 || sum.Pages != 2 || sink.len() != 0 {
		t.Fatalf("summary %+v, sink %d", sum, sink.len())
	}
}

func TestCancelHandsBackInFlightWork(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newServer(t, map[string]http.HandlerFunc{
		"/slow": func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
	})
	h := newHarness(t, testConfig())
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() {
		_, err := h.c.Run(ctx, reqs(srv.URL+"/slow"))
		done <- err
	}()
	<-arrived
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	it, _ := h.mf.Lookup(0, srv.URL+"/slow")
	if it.State != StatePending || it.Attempts != 0 {
		t.Fatalf("canceled item: %s attempts %d; want pending, no attempt counted", it.State, it.Attempts)
	}
}

func TestOneRunAtATime(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := newServer(t, map[string]http.HandlerFunc{"/w": func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}})
	h := newHarness(t, testConfig())
	wait := runAsync(t, h.c, srv.URL+"/w")
	<-arrived
	if _, err := h.c.Run(testCtx(t), nil); err == nil {
		t.Error("a second concurrent run must be refused")
	}
	close(release)
	if _, err := wait(); err != nil {
		t.Fatal(err)
	}
}

func TestProgressAndMetrics(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/{$}":        text("link /a", "link /b", "link /missing"),
		"/a":          text(),
		"/b":          text(),
		"/robots.txt": text("User-agent: *", "Disallow: /b"),
	})
	reg := prometheus.NewRegistry()
	var last Progress
	reports := 0
	h := newHarness(t, testConfig(), WithMetrics(reg), WithProgress(func(p Progress) { last = p; reports++ }, time.Hour))
	sum := h.run(t, srv.URL+"/")
	if !last.Done || last.Pages != 2 || last.RobotsDenied != 1 || last.Errors[Kind4xx] != 1 || reports < 2 {
		t.Fatalf("last progress %+v after %d reports; summary %+v", last, reports, sum)
	}
	if s := last.String(); !strings.Contains(s, "pages 2") || !strings.Contains(s, "http_4xx=1") {
		t.Errorf("progress line %q", s)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if v := counterValue(t, h.c.metrics.fetches.WithLabelValues(host, "200")); v != 3 { // robots.txt, /, /a
		t.Errorf("fetches{200} = %v", v)
	}
	if v := counterValue(t, h.c.metrics.fetches.WithLabelValues(host, "404")); v != 1 {
		t.Errorf("fetches{404} = %v", v)
	}
	if v := counterValue(t, h.c.metrics.robotsDenials.WithLabelValues(host)); v != 1 {
		t.Errorf("robots denials = %v", v)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, n := range []string{"creatorscout_crawler_fetches_total", "creatorscout_crawler_queue_depth",
		"creatorscout_crawler_response_bytes_total", "creatorscout_crawler_robots_denials_total"} {
		if !names[n] {
			t.Errorf("%s is not registered", n)
		}
	}
	// A second crawler on the same registry shares the series.
	if _, err := New(testConfig(), nil, &recSink{}, WithMetrics(reg)); err != nil {
		t.Fatalf("second crawler on one registry: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Parallelism = 0
	cfg.DefaultRate = -1
	cfg.HostRules = []HostRule{{Glob: "[", Rate: 1}}
	cfg.AllowedCIDRs = []string{"10.0.0.0/33"}
	cfg.Quotas = map[string]Quota{"youtube": {Units: 0, Window: time.Hour}}
	cfg.BackoffMax = time.Second
	err := cfg.Validate()
	for _, field := range []string{"Parallelism", "DefaultRate", "HostRules[0].Glob", "AllowedCIDRs[0]", "Quotas[youtube].Units", "BackoffMax"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("error %v does not name %s", err, field)
		}
	}
	if _, err := New(cfg, nil, &recSink{}); err == nil {
		t.Error("New must refuse a bad config")
	}
}

func TestHostRules(t *testing.T) {
	cfg := testConfig()
	cfg.HostRules = []HostRule{
		{Glob: "*.slow.example", Rate: 0.5, Burst: 1, MaxConns: 1},
		{Glob: "127.0.0.1:*", Rate: 7},
	}
	h := newHarness(t, cfg)
	if r := h.c.rule("a.slow.example", "a.slow.example:443"); r.Rate != 0.5 || r.MaxConns != 1 {
		t.Errorf("glob rule: %+v", r)
	}
	if r := h.c.rule("slow.example", "slow.example:443"); r.Rate != cfg.DefaultRate {
		t.Errorf("*.slow.example must not match slow.example: %+v", r)
	}
	if r := h.c.rule("127.0.0.1", "127.0.0.1:8080"); r.Rate != 7 || r.Burst != cfg.DefaultBurst {
		t.Errorf("host:port rule: %+v", r)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
