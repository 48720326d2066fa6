package nightly

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/ingest"
	"github.com/creatorscout/creatorscout/store"
)

// bareJob is a job over an empty store and index with no sources: its runs
// crawl nothing unless Discovery gives them something.
func bareJob(t *testing.T, st *store.Store, ix *index.Index, clk crawler.Clock, owner string) *Job {
	t.Helper()
	pl := ingest.New(st, ix, creator.DefaultOptions(), clk.Now, testLogger())
	cfg := crawler.DefaultConfig()
	cfg.AllowLoopback = true
	cfg.MaxIdleWait = 0
	return &Job{
		Store: st, Index: ix, Pipeline: pl,
		Runner:  ingest.Runner{Store: st, Pipeline: pl, Crawler: cfg, Logger: testLogger()},
		Targets: NewTargets(nil), Policy: DefaultPolicy(), Clock: clk, Log: testLogger(), Owner: owner,
	}
}

func openStoreAndIndex(t *testing.T) (*store.Store, *index.Index, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := index.OpenWith(filepath.Join(dir, "index"), index.Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return st, ix, dir
}

func TestRunNeverOverlapsItselfInOrAcrossProcesses(t *testing.T) {
	st, ix, dir := openStoreAndIndex(t)
	clk := newOffsetClock(time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC))
	a := bareJob(t, st, ix, clk, "host-a:1")
	entered, release := make(chan struct{}), make(chan struct{})
	a.Discovery = func(ctx context.Context) ([]source.Request, []string, error) {
		close(entered)
		<-release
		return nil, []string{"hashtag:none"}, nil
	}
	type out struct {
		res *Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := a.Run(context.Background(), RunOptions{})
		done <- out{res, err}
	}()
	<-entered

	// The same job again, in this process.
	if _, err := a.Run(context.Background(), RunOptions{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("second run in the same process: %v, want ErrBusy", err)
	}
	// Another process: its own store handle on the same file, its own job.
	st2, err := store.Open(context.Background(), filepath.Join(dir, "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	b := bareJob(t, st2, ix, clk, "host-b:2")
	if _, err := b.Run(context.Background(), RunOptions{}); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "host-a:1") {
		t.Fatalf("run in another process: %v, want ErrBusy naming the holder", err)
	}
	close(release)
	o := <-done
	if o.err != nil || o.res.Run.Status != creator.RunDone || o.res.Report.Jobs[0] != "hashtag:none" {
		t.Fatalf("first run: %+v, %v", o.res, o.err)
	}
	// Free again.
	res, err := b.Run(context.Background(), RunOptions{})
	if err != nil || res.Run.Kind != Kind {
		t.Fatalf("run after the first finished: %v", err)
	}
	runs, err := st.Runs(context.Background(), 0)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs %+v, %v: want exactly the two that got the lock", runs, err)
	}
}

func TestRunRecoversARunWhoseProcessDied(t *testing.T) {
	st, ix, _ := openStoreAndIndex(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	clk := newManualClock(now)
	// A process took the lock, started a run and was killed.
	dead, err := st.StartRun(ctx, Kind, []string{"refresh:10"}, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.FrontierPush(ctx, dead, []store.FrontierItem{{URL: "https://example.org/a"}}, now, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TryLock(ctx, LockName, "dead:1", now.Add(-time.Hour), LockTTL); err != nil {
		t.Fatal(err)
	}
	j := bareJob(t, st, ix, clk, "alive:2")
	// Its lease has run out: the lock is free.
	res, err := j.Run(ctx, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old, err := st.Run(ctx, dead)
	if err != nil || old.Status != creator.RunFailed || old.FinishedAt == nil {
		t.Fatalf("dead run %+v, %v: want failed", old, err)
	}
	if n, _ := st.FrontierPending(ctx, dead); n != 0 {
		t.Fatalf("dead run still has %d queued items", n)
	}
	if res.Run.ID == dead || res.Run.Status != creator.RunDone {
		t.Fatalf("new run %+v", res.Run)
	}
	// The lock was released at the end.
	if _, err := st.TryLock(ctx, LockName, "someone:3", now, LockTTL); err != nil {
		t.Fatalf("lock not released after the run: %v", err)
	}
}

func TestPolicyIntervalsByTierAndActivity(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)
	recent := now.Add(-3 * day)
	stale := now.Add(-90 * day)
	for _, tc := range []struct {
		tier     string
		lastPost *time.Time
		age      time.Duration
		want     bool
	}{
		{creator.Mega, &recent, 23 * time.Hour, true}, // fetched a bit later last night: within the slack
		{creator.Macro, &recent, 17 * time.Hour, false},
		{creator.Micro, &recent, 24 * time.Hour, false},
		{creator.Micro, &recent, 47 * time.Hour, true},
		{creator.Nano, &recent, 6 * day, false},
		{creator.Nano, &recent, 7*day - time.Hour, true},
		{"", nil, 2 * day, true},
		{"", nil, day, false},
		{creator.Mega, &stale, 7 * day, false}, // inactive: every 14 days
		{creator.Mega, &stale, 14 * day, true},
		{creator.Nano, nil, 7 * day, true}, // no known post: by tier
	} {
		r := store.RefreshRef{Tier: tc.tier, LastPostAt: tc.lastPost, FetchedAt: now.Add(-tc.age)}
		if got := p.Due(r, now); got != tc.want {
			t.Errorf("tier %q last post %v fetched %s ago: due %v, want %v (interval %s)", tc.tier, tc.lastPost, tc.age, got, tc.want, p.Interval(r, now))
		}
	}
	if !p.Due(store.RefreshRef{Tier: creator.Nano}, now) {
		t.Error("a creator never fetched is not due")
	}
	bad := DefaultPolicy()
	bad.Intervals["giga"] = day
	if err := bad.Validate(); creator.ErrorCode(err) != creator.EINVALID {
		t.Errorf("unknown tier accepted: %v", err)
	}
	bad = DefaultPolicy()
	bad.GoneAfter = 0
	if err := bad.Validate(); creator.ErrorParam(err) != "gone_after" {
		t.Errorf("gone_after 0 accepted: %v", err)
	}
}

func TestRunCapsRefreshesAndMapsOutcomesToFailures(t *testing.T) {
	st, ix, _ := openStoreAndIndex(t)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/deleted":
			http.Error(w, "gone", http.StatusGone)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>no profile here</body></html>"))
		}
	}))
	defer srv.Close()
	start := time.Date(2026, 11, 8, 2, 0, 0, 0, time.UTC)
	// Oldest first: the cap of 2 takes "deleted" and "empty", not "later".
	for i, name := range []string{"deleted", "empty", "later"} {
		c := &creator.Creator{ID: "web:" + name, Platform: creator.Web, Handle: name, URL: srv.URL + "/" + name,
			SourceURL: srv.URL + "/" + name, Followers: creator.Int64(5000), Tier: creator.Nano,
			FetchedAt: start.Add(-30*day + time.Duration(i)*time.Hour)}
		if _, err := st.UpsertCreator(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
		if err := ix.Upsert(index.Doc{Creator: c}); err != nil {
			t.Fatal(err)
		}
	}
	j := bareJob(t, st, ix, newOffsetClock(start), "o")
	j.Policy.MaxRefresh = 2
	res, err := j.Run(ctx, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.Due != 3 || r.Deferred != 1 || r.Failed != 2 || r.Failures[store.FailureGone] != 1 || r.Failures[creator.FailureMissing] != 1 || r.MarkedGone != 1 {
		t.Fatalf("report %+v", r)
	}
	gone, _ := st.CreatorState(ctx, "web:deleted")
	empty, _ := st.CreatorState(ctx, "web:empty")
	later, _ := st.CreatorState(ctx, "web:later")
	if !gone.Gone || empty.Gone || empty.Failures != 1 || empty.LastErrorKind != creator.FailureMissing || later.Failures != 0 {
		t.Fatalf("states: deleted %+v, empty %+v, later %+v", gone, empty, later)
	}
	// The gone one left the index; its data stayed in the store.
	res2, err := ix.Search(ctx, creator.Query{Limit: 10, Facets: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res2.Hits {
		if h.ID == "web:deleted" {
			t.Error("a gone creator is still searchable")
		}
	}
	if c, err := st.Creator(ctx, "web:deleted"); err != nil || *c.Followers != 5000 {
		t.Errorf("gone creator's data: %v, %v", c, err)
	}
}

// TestNotModifiedRefreshesTheCreator: a creator's page fetched for any
// reason (here a discovery job, the creator not due) that answers 304 has
// been checked unchanged today, as a 200 would have refreshed it: it gets
// today's snapshot and its last-seen time. One creator per platform, so
// that pages whose URLs carry credentials (the Graph API's access_token),
// which creators keep without them as their source URL, are found too.
func TestNotModifiedRefreshesTheCreator(t *testing.T) {
	w := newWorld(t, 60, 5)
	seeds := w.seedRequests(6)
	w.job.Discovery = func(context.Context) ([]source.Request, []string, error) {
		return seeds, []string{"profiles:seed list"}, nil
	}
	w.run(RunOptions{})
	base := w.stored()
	// A nano creator (due weekly) of each platform, with a request of its
	// own: the one its source URL was read from.
	picked := map[string]string{} // platform -> creator id
	var reqs []source.Request
	for _, s := range seeds {
		u, err := url.Parse(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range base {
			if picked[c.Platform] == "" && c.SourceURL == source.Redact(u) && c.Tier == creator.Nano {
				picked[c.Platform] = c.ID
				reqs = append(reqs, s)
			}
		}
	}
	if picked[creator.Instagram] == "" || len(picked) < 3 {
		t.Fatalf("nano creators picked %v: want Instagram's and at least two more platforms'", picked)
	}
	// 23 hours on, past the crawl's freshness (20 h), the next day by the
	// calendar; the network has not changed, so the pages answer 304.
	w.clk.SetTo(w.day0.Add(25 * time.Hour))
	w.job.Discovery = func(context.Context) ([]source.Request, []string, error) {
		return reqs, []string{"profiles:one each"}, nil
	}
	r := w.run(RunOptions{})
	if r.Run.Summary.NotModified < len(reqs) {
		t.Fatalf("%d pages answered 304, want %d: summary %+v", r.Run.Summary.NotModified, len(reqs), r.Run.Summary)
	}
	for platform, id := range picked {
		if days := w.snapshotDays(id); fmt.Sprint(days) != "[0 1]" {
			t.Errorf("%s: after its page answered 304 on day 1, %s has snapshots on days %v, want [0 1]", platform, id, days)
		}
		if st := w.state(id); st.LastSeenAt.Before(r.Report.StartedAt) {
			t.Errorf("%s: after its page answered 304, %s was last seen %s, before the run started (%s)", platform, id, st.LastSeenAt, r.Report.StartedAt)
		}
	}

	// A week on, the creators are due; their refreshes answer 304 too. The
	// report counts them unchanged (not refreshed), and they have the day's
	// snapshot.
	w.clk.SetTo(w.day0.Add(8*day + 2*time.Hour))
	w.job.Discovery = nil
	due := w.dueNow()
	for _, id := range picked {
		if !due[id] {
			t.Fatalf("%s is not due on day 8", id)
		}
	}
	r = w.run(RunOptions{})
	if r.Report.Unchanged < len(picked) || r.Report.Unchanged+r.Report.Refreshed != len(due) {
		t.Errorf("day 8: %d due, report says %d unchanged and %d refreshed; want the %d picked among the unchanged", len(due), r.Report.Unchanged, r.Report.Refreshed, len(picked))
	}
	for _, id := range picked {
		if days := w.snapshotDays(id); fmt.Sprint(days) != "[0 1 8]" {
			t.Errorf("day 8: %s has snapshots on days %v, want [0 1 8]", id, days)
		}
	}
}

// TestRunCountsA304Unchanged: a due creator whose page answers 304 is
// unchanged, not refreshed, though the pipeline has confirmed it (today's
// snapshot, last seen now) by the time the run is evaluated.
func TestRunCountsA304Unchanged(t *testing.T) {
	st, ix, _ := openStoreAndIndex(t)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case r.Header.Get("If-None-Match") == `"v1"`:
			w.WriteHeader(http.StatusNotModified)
		default:
			t.Errorf("unconditional request for %s", r.URL)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	start := time.Date(2026, 11, 8, 2, 0, 0, 0, time.UTC)
	u := srv.URL + "/same"
	c := &creator.Creator{ID: "web:same", Platform: creator.Web, Handle: "same", URL: u, SourceURL: u,
		Followers: creator.Int64(5000), Tier: creator.Nano, FetchedAt: start.Add(-30 * day)}
	if _, err := st.UpsertCreator(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkSeen(ctx, u, http.StatusOK, `"v1"`, "", c.FetchedAt); err != nil {
		t.Fatal(err)
	}
	j := bareJob(t, st, ix, newOffsetClock(start), "o")
	res, err := j.Run(ctx, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Report; r.Due != 1 || r.Unchanged != 1 || r.Refreshed != 0 || r.Failed != 0 {
		t.Errorf("report %+v: want the one due creator unchanged", r)
	}
	state, err := st.CreatorState(ctx, "web:same")
	if err != nil {
		t.Fatal(err)
	}
	if state.LastSeenAt.Before(start) {
		t.Errorf("last seen %s, before the run (%s)", state.LastSeenAt, start)
	}
	hist, err := st.History(ctx, "web:same")
	if err != nil || len(hist) != 1 || !hist[0].Day.Equal(start.Truncate(24*time.Hour)) {
		t.Errorf("history %+v (%v): want one snapshot, for %s", hist, err, start.Format("2006-01-02"))
	}
}
