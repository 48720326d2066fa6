package crawler

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// memState is a StateStore in memory; one value stands for the database
// that several crawler processes share.
type memState struct {
	mu       sync.Mutex
	robots   map[string]memRobots
	spent    map[int64]int
	loads    int
	failSave bool
}

type memRobots struct {
	body   []byte
	status int
	at     time.Time
}

// robotsOf is the copy saved for origin.
func (m *memState) robotsOf(origin string) memRobots {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.robots[origin]
}

func newMemState() *memState {
	return &memState{robots: map[string]memRobots{}, spent: map[int64]int{}}
}

func (m *memState) LoadRobots(_ context.Context, origin string) ([]byte, int, time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	r, ok := m.robots[origin]
	return r.body, r.status, r.at, ok, nil
}

func (m *memState) SaveRobots(_ context.Context, origin string, body []byte, status int, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.robots[origin] = memRobots{body: slices.Clone(body), status: status, at: at}
	return nil
}

func (m *memState) SnowballSpent(_ context.Context, runID int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.spent[runID], nil
}

func (m *memState) AddSnowballSpent(_ context.Context, runID int64, n int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failSave {
		return errors.New("disk full")
	}
	m.spent[runID] += n
	return nil
}

// robotsProcess is one crawler process on a shared StateStore at time now:
// it crawls seeds and returns its summary.
func robotsProcess(t *testing.T, st StateStore, now time.Time, seeds ...string) (sum robotsRunResult) {
	t.Helper()
	clk := newFakeClock()
	clk.Advance(now.Sub(clk.Now()))
	cfg := testConfig()
	var opts []Option
	opts = append(opts, WithClock(clk))
	if st != nil {
		opts = append(opts, WithStateStore(st))
	}
	h := newHarness(t, cfg, opts...)
	s := h.run(t, seeds...)
	sum.pages = s.Pages
	sum.denied = s.RobotsDenied
	sum.errors = s.Errors
	return sum
}

type robotsRunResult struct {
	pages, denied int
	errors        map[string]int
}

// robots.txt outlives the process: a new Crawler on the same StateStore
// uses a copy fetched less than 24 h ago without fetching it, fetches it
// again after 24 h, and while the server answers 5xx it keeps to the good
// copy for up to 30 days; after that the host waits.
func TestRobotsCopyOutlivesTheProcess(t *testing.T) {
	var down atomic.Bool
	srv := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				status(http.StatusServiceUnavailable, "down")(w, r)
				return
			}
			text("User-agent: *", "Disallow: /private/")(w, r)
		},
		"/": text(),
	})
	st := newMemState()
	t0 := newFakeClock().Now()

	res := robotsProcess(t, st, t0, srv.URL+"/a", srv.URL+"/private/a")
	if res.pages != 1 || res.denied != 1 || srv.count("/robots.txt") != 1 {
		t.Fatalf("first process: %+v, robots.txt fetched %d times", res, srv.count("/robots.txt"))
	}
	if got := st.robotsOf(srv.URL); got.status != 200 || !got.at.Equal(t0) {
		t.Fatalf("saved copy %+v, want the 200 fetched at t0", got)
	}

	down.Store(true)
	res = robotsProcess(t, st, t0.Add(time.Hour), srv.URL+"/b", srv.URL+"/private/b")
	if n := srv.count("/robots.txt"); n != 1 {
		t.Fatalf("a copy an hour old was fetched again (%d fetches)", n)
	}
	if res.pages != 1 || res.denied != 1 {
		t.Fatalf("an hour later: %+v, want /b fetched and /private/b denied by the saved copy", res)
	}

	res = robotsProcess(t, st, t0.Add(25*time.Hour), srv.URL+"/c", srv.URL+"/private/c")
	if n := srv.count("/robots.txt"); n != 2 {
		t.Fatalf("after 25 h robots.txt was fetched %d times in all, want 2", n)
	}
	if res.pages != 1 || res.denied != 1 {
		t.Fatalf("after 25 h with robots.txt down: %+v, want the good copy to stand in", res)
	}
	if got := st.robotsOf(srv.URL); got.status != 200 || !got.at.Equal(t0) {
		t.Fatalf("the 503 replaced the good copy: %+v", got)
	}

	res = robotsProcess(t, st, t0.Add(31*24*time.Hour), srv.URL+"/d")
	if res.pages != 0 || res.errors[KindRobots] != 1 {
		t.Fatalf("after 31 days with robots.txt down: %+v, want nothing fetched", res)
	}
	if n := srv.count("/d"); n != 0 {
		t.Fatalf("/d fetched %d times with no usable robots.txt", n)
	}
}

// Without a StateStore every process fetches robots.txt again: the
// behaviour the StateStore removes.
func TestRobotsWithoutStateStoreRefetches(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/robots.txt": text("User-agent: *", "Disallow:"), "/": text()})
	t0 := newFakeClock().Now()
	robotsProcess(t, nil, t0, srv.URL+"/a")
	robotsProcess(t, nil, t0.Add(time.Minute), srv.URL+"/b")
	if n := srv.count("/robots.txt"); n != 2 {
		t.Fatalf("robots.txt fetched %d times by two processes without a store, want 2", n)
	}
}

// A run resumed by a new process (a new Snowball, as after kill -9) keeps
// the budget its earlier process spent.
func TestSnowballBudgetOutlivesTheProcess(t *testing.T) {
	routes := map[string]http.HandlerFunc{
		"/u/a": text("creator a", "mention b", "mention c"),
		"/u/x": text("creator x", "mention d", "mention e", "mention f"),
		"/u/b": text("creator b"), "/u/c": text("creator c"), "/u/d": text("creator d"),
		"/u/e": text("creator e"), "/u/f": text("creator f"),
	}
	srv := newServer(t, routes)
	st := newMemState()
	const runID = 7
	process := func(seed string) *Snowball {
		sb := NewSnowball(1, 3)
		c, err := New(testConfig(), sb.Wrap([]source.Source{mentionSource{base: srv.URL}}), &recSink{},
			WithFrontier(NewMemFrontier()), WithStateStore(st))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.RunAs(testCtx(t), runID, reqs(srv.URL+seed)); err != nil {
			t.Fatal(err)
		}
		return sb
	}
	if s := process("/u/a").Stats(); s.Admitted != 2 || s.Before != 0 {
		t.Fatalf("first process: %+v, want 2 admitted", s)
	}
	if st.spent[runID] != 2 {
		t.Fatalf("spend recorded %d, want 2", st.spent[runID])
	}
	s := process("/u/x").Stats()
	if s.Before != 2 || s.Admitted != 1 || s.OverBudget != 2 {
		t.Fatalf("resumed process: %+v, want 2 spent before, 1 admitted, 2 over the budget of 3", s)
	}
	if got := srv.count("/u/d") + srv.count("/u/e") + srv.count("/u/f"); got != 1 {
		t.Fatalf("resumed process fetched %d of d, e, f; the budget left 1", got)
	}
	// Another run has its own budget.
	sb := NewSnowball(1, 3)
	c, err := New(testConfig(), sb.Wrap([]source.Source{mentionSource{base: srv.URL}}), &recSink{},
		WithFrontier(NewMemFrontier()), WithStateStore(st))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.RunAs(testCtx(t), runID+1, reqs(srv.URL+"/u/a")); err != nil {
		t.Fatal(err)
	}
	if s := sb.Stats(); s.Before != 0 || s.Admitted != 2 {
		t.Fatalf("another run: %+v", s)
	}
}

// A spend that cannot be recorded is not spent: the request is dropped.
func TestSnowballUnrecordedSpendIsDropped(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/u/a": text("creator a", "mention b"), "/u/b": text("creator b")})
	st := newMemState()
	st.failSave = true
	sb := NewSnowball(1, 3)
	c, err := New(testConfig(), sb.Wrap([]source.Source{mentionSource{base: srv.URL}}), &recSink{},
		WithFrontier(NewMemFrontier()), WithStateStore(st))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.RunAs(testCtx(t), 1, reqs(srv.URL+"/u/a")); err != nil {
		t.Fatal(err)
	}
	if s := sb.Stats(); s.Admitted != 0 || s.Unrecorded != 1 || srv.count("/u/b") != 0 {
		t.Fatalf("stats %+v, /u/b fetched %d times", s, srv.count("/u/b"))
	}
}
