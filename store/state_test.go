package store_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// fixedClock stands still at a time the test sets; its timers are real.
type fixedClock struct {
	crawler.SystemClock
	mu  sync.Mutex
	now time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// lines is a test source: "creator H" names a creator, "mention H" asks
// for /u/H as a snowball profile.
type lines struct{ base string }

func (lines) Name() string                 { return "lines" }
func (lines) Detect(*url.URL, []byte) bool { return true }
func (s lines) Parse(p *source.Page) (*source.Result, error) {
	res := &source.Result{}
	sc := bufio.NewScanner(bytes.NewReader(p.Body))
	for sc.Scan() {
		kind, val, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch kind {
		case "creator":
			res.Creators = append(res.Creators, creator.Creator{ID: creator.MakeID(creator.Web, val), Platform: creator.Web, Handle: val})
		case "mention":
			res.Next = append(res.Next, source.Request{URL: s.base + "/u/" + val, Kind: source.KindProfile,
				Meta: source.MentionMeta(p.Meta, creator.MakeID(creator.Web, val))})
		}
	}
	return res, nil
}

// hits is a loopback server's request log.
type hits struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *hits) add(p string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n[p]++
}

func (h *hits) count(p string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[p]
}

func serve(t *testing.T, robotsDown *atomic.Bool, pages map[string]string) (*httptest.Server, *hits) {
	t.Helper()
	h := &hits{n: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		switch {
		case r.URL.Path == "/robots.txt" && robotsDown != nil && robotsDown.Load():
			http.Error(w, "down", http.StatusServiceUnavailable)
		case r.URL.Path == "/robots.txt":
			w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(pages[r.URL.Path]))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, h
}

func crawlCfg() crawler.Config {
	cfg := crawler.DefaultConfig()
	cfg.UserAgent = "creatorscout-test/1.0"
	cfg.AllowLoopback = true
	cfg.Parallelism = 2
	cfg.DefaultRate, cfg.DefaultBurst = 1000, 1000
	cfg.MaxIdleWait = 0
	cfg.Quotas = nil
	return cfg
}

// process opens the database at path, crawls seeds as run runID (0: a new
// run) with the clock at now, and closes everything, as one `creatorscout
// crawl` process would.
func process(t *testing.T, path string, now time.Time, runID int64, srcs func(*store.Store) []source.Source, seeds ...string) creator.RunSummary {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if runID == 0 {
		if runID, err = st.StartRun(ctx, "test", seeds, now); err != nil {
			t.Fatal(err)
		}
	}
	sink := crawler.SinkFunc(func(context.Context, *source.Page, *source.Result) error { return nil })
	c, err := crawler.New(crawlCfg(), srcs(st), sink, crawler.WithClock(&fixedClock{now: now}), crawler.WithStateStore(st))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var reqs []source.Request
	for _, s := range seeds {
		reqs = append(reqs, source.Request{URL: s, Kind: source.KindProfile})
	}
	sum, err := c.RunAs(ctx, runID, reqs)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// The robots.txt cache survives a restart: a new Crawler over the same
// SQLite file keeps to the copy an earlier process fetched, without
// fetching it, while it is under 24 h old; after that it fetches it again,
// and while the server answers 5xx the good copy still stands in (it is
// under 30 days old).
func TestRobotsCopySurvivesRestart(t *testing.T) {
	var down atomic.Bool
	srv, h := serve(t, &down, map[string]string{})
	path := filepath.Join(t.TempDir(), "creatorscout.db")
	srcs := func(*store.Store) []source.Source { return []source.Source{lines{base: srv.URL}} }
	t0 := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

	sum := process(t, path, t0, 0, srcs, srv.URL+"/a", srv.URL+"/private/a")
	if sum.Pages != 1 || sum.RobotsDenied != 1 || h.count("/robots.txt") != 1 {
		t.Fatalf("first process: %+v, robots.txt fetched %d times", sum, h.count("/robots.txt"))
	}

	down.Store(true)
	sum = process(t, path, t0.Add(23*time.Hour), 0, srcs, srv.URL+"/b", srv.URL+"/private/b")
	if n := h.count("/robots.txt"); n != 1 {
		t.Errorf("second process fetched robots.txt again (%d fetches in all) within 24 h", n)
	}
	if sum.Pages != 1 || sum.RobotsDenied != 1 || h.count("/private/b") != 0 {
		t.Errorf("second process: %+v, want /b fetched and /private/b denied by the saved copy", sum)
	}

	sum = process(t, path, t0.Add(25*time.Hour), 0, srcs, srv.URL+"/c", srv.URL+"/private/c")
	if n := h.count("/robots.txt"); n != 2 {
		t.Errorf("after 25 h robots.txt was fetched %d times in all, want 2", n)
	}
	if sum.Pages != 1 || sum.RobotsDenied != 1 || h.count("/private/c") != 0 {
		t.Errorf("after 25 h, robots.txt down: %+v, want the good copy to stand in", sum)
	}

	// The 503 did not replace the good copy.
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	body, status, at, ok, err := st.LoadRobots(context.Background(), srv.URL)
	if err != nil || !ok || status != 200 || !at.Equal(t0) || !strings.Contains(string(body), "Disallow: /private/") {
		t.Fatalf("saved copy: %q %d %v %v %v", body, status, at, ok, err)
	}
}

// A run resumed by a new process over the same SQLite file keeps the
// snowball budget its killed process spent.
func TestSnowballBudgetSurvivesRestart(t *testing.T) {
	srv, h := serve(t, nil, map[string]string{
		"/u/a": "creator a\nmention b\nmention c\n",
		"/u/x": "creator x\nmention d\nmention e\nmention f\n",
		"/u/b": "creator b\n", "/u/c": "creator c\n", "/u/d": "creator d\n", "/u/e": "creator e\n", "/u/f": "creator f\n",
	})
	path := filepath.Join(t.TempDir(), "creatorscout.db")
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	runID, err := st.StartRun(ctx, "test", nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	var sb *crawler.Snowball
	srcs := func(*store.Store) []source.Source {
		sb = crawler.NewSnowball(1, 3)
		return sb.Wrap([]source.Source{lines{base: srv.URL}})
	}
	process(t, path, t0, runID, srcs, srv.URL+"/u/a")
	if s := sb.Stats(); s.Admitted != 2 {
		t.Fatalf("first process: %+v", s)
	}
	process(t, path, t0.Add(time.Minute), runID, srcs, srv.URL+"/u/x")
	if s := sb.Stats(); s.Before != 2 || s.Admitted != 1 || s.OverBudget != 2 {
		t.Fatalf("resumed process: %+v, want 2 spent before and 1 of 3 left", s)
	}
	if n := h.count("/u/d") + h.count("/u/e") + h.count("/u/f"); n != 1 {
		t.Fatalf("the resumed run fetched %d snowball profiles, 1 was left of its budget", n)
	}

	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.SnowballSpent(ctx, runID); err != nil || n != 3 {
		t.Fatalf("spent %d, %v; want 3", n, err)
	}
	if err := st.AddSnowballSpent(ctx, runID+100, 1); err == nil {
		t.Fatal("spend recorded for a run that does not exist")
	}
}

// Bad input is refused with the field named; an origin never saved is not
// found; old copies are pruned on save.
func TestRobotsStoreInput(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		origin string
		body   []byte
		status int
		at     time.Time
		param  string
	}{
		{"", nil, 200, t0, "origin"},
		{"https://a.example:443", nil, 0, t0, "status"},
		{"https://a.example:443", nil, 200, time.Time{}, "fetched_at"},
		{"https://a.example:443", make([]byte, 2<<20), 200, t0, "body"},
	} {
		err := st.SaveRobots(ctx, tc.origin, tc.body, tc.status, tc.at)
		var e *creator.Error
		if !errors.As(err, &e) || e.Param != tc.param {
			t.Errorf("SaveRobots(%q, %d bytes, %d, %v) = %v, want an error naming %s", tc.origin, len(tc.body), tc.status, tc.at, err, tc.param)
		}
	}
	if _, _, _, ok, err := st.LoadRobots(ctx, "https://never.example:443"); ok || err != nil {
		t.Fatalf("unknown origin: ok %v err %v", ok, err)
	}
	if err := st.SaveRobots(ctx, "https://old.example:443", []byte("User-agent: *\n"), 200, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveRobots(ctx, "https://new.example:443", nil, 404, t0.Add(store.RobotsRetention+time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok, _ := st.LoadRobots(ctx, "https://old.example:443"); ok {
		t.Error("a copy older than RobotsRetention was kept")
	}
	if body, status, _, ok, _ := st.LoadRobots(ctx, "https://new.example:443"); !ok || status != 404 || len(body) != 0 {
		t.Errorf("404 copy: %q %d %v", body, status, ok)
	}
}
