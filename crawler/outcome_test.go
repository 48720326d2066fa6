package crawler

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
)

func TestOutcomeReportsEveryAttemptWithStatusAndMeta(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/ok":   text("creator alice"),
		"/gone": status(http.StatusNotFound, "no such account"),
		"/410":  status(http.StatusGone, "deleted"),
		"/down": status(http.StatusServiceUnavailable, "busy"),
	})
	var (
		mu  sync.Mutex
		got = map[string][]Outcome{}
	)
	h := newHarness(t, testConfig(), WithOutcome(func(o Outcome) {
		mu.Lock()
		got[o.URL] = append(got[o.URL], o)
		mu.Unlock()
	}), WithRunID(7))
	var seeds []source.Request
	for _, p := range []string{"/ok", "/gone", "/410", "/down"} {
		seeds = append(seeds, source.Request{URL: srv.URL + p, Kind: source.KindProfile, Meta: map[string]string{"creator_id": "web:" + p[1:]}})
	}
	if _, err := h.c.Run(testCtx(t), seeds); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status int
		kind   string
	}{
		"/ok":   {200, ""},
		"/gone": {404, Kind4xx},
		"/410":  {410, Kind4xx},
		"/down": {503, Kind5xx},
	}
	for p, w := range want {
		os := got[srv.URL+p]
		if len(os) != 1 {
			t.Errorf("%s: %d outcomes, want 1: %+v", p, len(os), os)
			continue
		}
		o := os[0]
		if o.Status != w.status || o.ErrKind != w.kind || o.Robots || o.RunID != 7 || o.Kind != source.KindProfile ||
			o.Meta["creator_id"] != "web:"+p[1:] || o.At.IsZero() {
			t.Errorf("%s: outcome %+v, want status %d kind %q", p, o, w.status, w.kind)
		}
	}
}

func TestOutcomeReportsNetworkErrorsAndRobotsFailures(t *testing.T) {
	// A host that is gone: connections are refused.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	// A host whose robots.txt answers 503: nothing of it is fetched.
	down := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": status(http.StatusServiceUnavailable, "down"),
		"/p":          text("creator bob"),
	})
	var (
		mu  sync.Mutex
		got []Outcome
	)
	h := newHarness(t, testConfig(), WithOutcome(func(o Outcome) {
		mu.Lock()
		got = append(got, o)
		mu.Unlock()
	}))
	if _, err := h.c.Run(testCtx(t), reqs(deadURL+"/x", down.URL+"/p")); err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].URL < got[j].URL })
	var sawDead, sawRobots bool
	for _, o := range got {
		switch o.URL {
		case deadURL + "/robots.txt":
			// robots.txt comes first, so its failure stands for the host.
			sawDead = o.Status == 0 && o.ErrKind == KindNetwork && o.Robots
		case down.URL + "/robots.txt":
			sawRobots = o.Status == 503 && o.ErrKind == Kind5xx && o.Robots
		case down.URL + "/p":
			t.Errorf("/p was fetched although its robots.txt is unavailable: %+v", o)
		}
	}
	if !sawDead || !sawRobots {
		t.Fatalf("outcomes %+v: want a network error for the dead host and a robots failure for the down one", got)
	}
}

func TestOutcomeReportsAFetchThatGotNoResponse(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	cfg := testConfig()
	cfg.RespectRobots = false
	var (
		mu  sync.Mutex
		got []Outcome
	)
	h := newHarness(t, cfg, WithOutcome(func(o Outcome) {
		mu.Lock()
		got = append(got, o)
		mu.Unlock()
	}))
	if _, err := h.c.Run(testCtx(t), reqs(deadURL+"/x")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].URL != deadURL+"/x" || got[0].Status != 0 || got[0].ErrKind != KindNetwork || got[0].Robots {
		t.Fatalf("outcomes %+v, want one network error for /x", got)
	}
}
