package nightly

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/ingest"
	"github.com/creatorscout/creatorscout/store"
)

// Kind is the crawl-run kind of a nightly run.
const Kind = "nightly"

// LockName is the store lock a run holds.
const LockName = "nightly"

// LockTTL is the lease of the lock; the holder renews it every third of
// it, so a holder that dies frees the lock within LockTTL.
const LockTTL = 10 * time.Minute

// ErrBusy is returned (wrapped) by Run when another run holds the lock, in
// this process or in another.
var ErrBusy = errors.New("a nightly run is already in progress")

// Index is what the job needs from the search index: searching (saved
// searches) and removing creators (gone, renamed away).
type Index interface {
	Unindexer
	Search(ctx context.Context, q creator.Query) (*creator.SearchResult, error)
}

// Discovery returns the requests of the configured discovery jobs
// (hashtags, brands, profiles) and a label for each job.
type Discovery func(ctx context.Context) (reqs []source.Request, labels []string, err error)

// Job is the nightly job. Its fields are set once; Run may be called from
// several goroutines and processes, and runs one at a time.
type Job struct {
	Store    *store.Store
	Index    Index
	Pipeline *ingest.Pipeline
	// Runner is the template of each run's crawl (crawler config, sources,
	// pipeline, logger, progress). Run copies it, puts the do-not-crawl
	// filter and a fresh snowball bound in front of its sources and adds its
	// own crawler options: the clock and the outcome hook.
	Runner ingest.Runner
	// Targets builds the refresh requests; nil builds them with
	// Runner.Sources.
	Targets   *Targets
	Discovery Discovery // nil: no discovery jobs
	Policy    Policy
	// SnowballDepth and SnowballBudget bound snowball discovery (the
	// config's jobs.snowball, enforced by crawler.Snowball): hops from a
	// creator found by a job, and snowballed profiles per run.
	SnowballDepth  int
	SnowballBudget int
	// Brands are the competitor brands whose new mentions the report
	// lists (names, compared case-insensitively).
	Brands []string
	Clock  crawler.Clock // default: the system clock
	Log    *slog.Logger
	// Owner names this process in the lock (default host:pid:random).
	Owner string

	mu      sync.Mutex
	running bool
}

// RunOptions change one run.
type RunOptions struct {
	// All refreshes every creator that is not gone, whatever its interval.
	All bool
}

// Result is a finished run: its crawl-run record and its report.
type Result struct {
	Run    *creator.CrawlRun
	Report *creator.RunReport
}

func (j *Job) clock() crawler.Clock {
	if j.Clock != nil {
		return j.Clock
	}
	return crawler.SystemClock{}
}

func (j *Job) log() *slog.Logger {
	if j.Log != nil {
		return j.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (j *Job) owner() string {
	if j.Owner != "" {
		return j.Owner
	}
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	j.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	return j.Owner
}

// Run runs one nightly job: see the package documentation. It returns
// ErrBusy (wrapped) without doing anything when a run is in progress.
func (j *Job) Run(ctx context.Context, o RunOptions) (*Result, error) {
	if err := j.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("nightly: policy: %w", err)
	}
	j.mu.Lock()
	if j.running {
		j.mu.Unlock()
		return nil, fmt.Errorf("nightly: %w (in this process)", ErrBusy)
	}
	j.running = true
	owner := j.owner()
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		j.running = false
		j.mu.Unlock()
	}()

	clk := j.clock()
	if _, err := j.Store.TryLock(ctx, LockName, owner, clk.Now(), LockTTL); err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("nightly: %w: %v", ErrBusy, err)
		}
		return nil, fmt.Errorf("nightly: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopBeat := j.heartbeat(ctx, owner, cancel)
	defer func() {
		stopBeat()
		if err := j.Store.Unlock(context.WithoutCancel(ctx), LockName, owner); err != nil {
			j.log().Error("nightly: unlock", "err", err)
		}
	}()
	return j.run(ctx, o)
}

// heartbeat renews the lock every third of its lease until stopped; losing
// the lock cancels the run.
func (j *Job) heartbeat(ctx context.Context, owner string, cancel context.CancelCauseFunc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		clk := j.clock()
		for {
			t := clk.NewTimer(LockTTL / 3)
			select {
			case <-done:
				t.Stop()
				return
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
			if err := j.Store.RenewLock(ctx, LockName, owner, clk.Now(), LockTTL); err != nil {
				if ctx.Err() != nil {
					return
				}
				j.log().Error("nightly: lost the run lock; stopping", "err", err)
				cancel(fmt.Errorf("nightly: lost the run lock: %w", err))
				return
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// due is one creator the run refreshes.
type due struct {
	ref store.RefreshRef
	url string // its first request's URL, for the host's health
}

func (j *Job) run(ctx context.Context, o RunOptions) (*Result, error) {
	clk := j.clock()
	log := j.log()
	j.recoverStale(ctx)

	start := clk.Now().UTC()
	mark, err := j.Store.Watermark(ctx)
	if err != nil {
		return nil, fmt.Errorf("nightly: %w", err)
	}
	rep := creator.RunReport{StartedAt: start, Failures: map[string]int{}, SnowballBudget: j.SnowballBudget}

	// 1. The creators due for a refresh.
	before := start.Add(-j.Policy.minInterval())
	if o.All {
		before = start.Add(time.Nanosecond)
	}
	refs, err := j.Store.RefreshQueue(ctx, before, 0)
	if err != nil {
		return nil, fmt.Errorf("nightly: %w", err)
	}
	var (
		dues  []due
		seeds []source.Request
	)
	targets := j.Targets
	if targets == nil {
		targets = NewTargets(j.Runner.Sources)
	}
	for _, r := range refs {
		if !o.All && !j.Policy.Due(r, start) {
			continue
		}
		rep.Due++
		if j.Policy.MaxRefresh > 0 && len(dues) >= j.Policy.MaxRefresh {
			rep.Deferred++ // over the cap: the stalest went first; due again next run
			continue
		}
		if blocked, err := j.blocked(ctx, r); err != nil {
			return nil, fmt.Errorf("nightly: %w", err)
		} else if blocked {
			rep.Skipped++
			continue
		}
		reqs, err := targets.Requests(r)
		if err != nil {
			log.Warn("nightly: cannot refresh", "creator", r.ID, "err", err)
			rep.Skipped++
			continue
		}
		dues = append(dues, due{ref: r, url: reqs[0].URL})
		seeds = append(seeds, reqs...)
	}

	// 2. The configured discovery jobs.
	labels := []string{fmt.Sprintf("refresh:%d", len(dues))}
	if j.Discovery != nil {
		reqs, jobs, err := j.Discovery(ctx)
		if err != nil {
			return nil, fmt.Errorf("nightly: discovery jobs: %w", err)
		}
		seeds = append(seeds, dncFilter{j.Store}.filter(ctx, "", reqs)...)
		labels = append(labels, jobs...)
		rep.Jobs = jobs
	}
	if rep.Jobs == nil {
		rep.Jobs = []string{}
	}

	// 3. One crawl for all of it.
	tr := newTracker()
	snow := crawler.NewSnowball(j.SnowballDepth, j.SnowballBudget)
	runner := j.Runner
	runner.Now = clk.Now
	runner.Sources = snow.Wrap(dncFilter{j.Store}.wrap(j.Runner.Sources))
	runner.Options = append(append([]crawler.Option(nil), j.Runner.Options...),
		crawler.WithClock(clk), crawler.WithOutcome(tr.record))
	log.Info("nightly run starts", "due", rep.Due, "refresh", len(dues), "jobs", len(rep.Jobs), "policy", j.Policy.String())
	run, crawlErr := runner.Run(ctx, Kind, seeds, labels)
	if run == nil {
		return nil, fmt.Errorf("nightly: %w", crawlErr)
	}
	rep.RunID = run.ID
	sst := snow.Stats()
	rep.Snowball, rep.SnowballDropped = sst.Admitted, sst.TooDeep+sst.OverBudget

	// What follows records the outcome even when the run was canceled.
	wctx := context.WithoutCancel(ctx)
	evalErr := j.evaluate(wctx, dues, tr, start, &rep)
	newIDs, err := j.Store.CreatorsAfter(wctx, mark)
	if err != nil {
		evalErr = errors.Join(evalErr, err)
	}
	rep.New = len(newIDs)
	if err := j.competitorMentions(wctx, mark, &rep); err != nil {
		evalErr = errors.Join(evalErr, err)
	}
	if ctx.Err() == nil {
		if err := j.savedSearches(wctx, clk.Now().UTC(), &rep); err != nil {
			evalErr = errors.Join(evalErr, err)
		}
	}
	sortChanges(rep.Changes)
	if rep.Changes == nil {
		rep.Changes = []creator.Change{}
	}
	fin := clk.Now().UTC()
	rep.FinishedAt = &fin
	if err := j.Store.PutRunReport(wctx, rep); err != nil {
		evalErr = errors.Join(evalErr, err)
	}
	// Whatever is still queued is derived afresh next run.
	if err := j.Store.FrontierClear(wctx, run.ID); err != nil {
		evalErr = errors.Join(evalErr, err)
	}
	if r, err := j.Store.Run(wctx, run.ID); err == nil {
		run = r
	}
	stored, err := j.Store.RunReport(wctx, run.ID)
	if err != nil {
		evalErr = errors.Join(evalErr, err)
		stored = &rep
	}
	log.Info("nightly run finished", "run", run.ID, "status", run.Status, "refreshed", rep.Refreshed,
		"unchanged", rep.Unchanged, "failed", rep.Failed, "deferred", rep.Deferred, "new", rep.New, "changes", len(rep.Changes))
	if cause := context.Cause(ctx); cause != nil && crawlErr == nil {
		crawlErr = cause
	}
	return &Result{Run: run, Report: stored}, errors.Join(crawlErr, evalErr)
}

// recoverStale marks nightly runs left "running" by a process that died
// (this one holds the lock, so no other is alive) as failed, and clears
// their frontier.
func (j *Job) recoverStale(ctx context.Context) {
	runs, err := j.Store.Runs(ctx, 100)
	if err != nil {
		j.log().Error("nightly: list runs", "err", err)
		return
	}
	now := j.clock().Now().UTC()
	for _, r := range runs {
		if r.Kind != Kind || (r.Status != creator.RunRunning && r.Status != creator.RunQueued) {
			continue
		}
		if err := j.Store.UpdateRun(ctx, r.ID, creator.RunFailed, r.Summary, &now); err != nil {
			j.log().Error("nightly: mark stale run failed", "run", r.ID, "err", err)
			continue
		}
		if err := j.Store.FrontierClear(ctx, r.ID); err != nil {
			j.log().Error("nightly: clear stale run", "run", r.ID, "err", err)
		}
		j.log().Warn("nightly: an earlier run died; marked failed", "run", r.ID)
	}
}

func (j *Job) blocked(ctx context.Context, r store.RefreshRef) (bool, error) {
	for _, k := range []string{r.ID, r.URL, r.PlatformID} {
		if k == "" {
			continue
		}
		if dnc, err := j.Store.DoNotCrawl(ctx, k); err != nil || dnc {
			return dnc, err
		}
	}
	return false, nil
}

// evaluate decides what became of each due creator and records failures.
func (j *Job) evaluate(ctx context.Context, dues []due, tr *tracker, start time.Time, rep *creator.RunReport) error {
	keys := make([]int64, len(dues))
	for i, d := range dues {
		keys[i] = d.ref.Key
	}
	states, err := j.Store.RefreshState(ctx, keys)
	if err != nil {
		return err
	}
	now := j.clock().Now().UTC()
	var errs []error
	for _, d := range dues {
		st, ok := states[d.ref.Key]
		if !ok {
			rep.Forgotten++ // opted out (or forgotten) during the run
			continue
		}
		if st.ID != d.ref.ID {
			rep.Renamed++
			rep.Changes = append(rep.Changes, creator.Change{Kind: creator.ChangeRenamed, CreatorID: st.ID, OldID: d.ref.ID})
			if err := j.Index.Delete(d.ref.ID); err != nil {
				errs = append(errs, err)
			}
		}
		a, fetched := tr.outcome(d.ref.Key)
		if fetched && a.ok() && a.status == 304 {
			rep.Unchanged++
			// The pipeline confirms the creators read from a page that
			// answers 304; one read from another page is confirmed here.
			if st.LastSeenAt.Before(start) {
				if err := j.revalidated(ctx, st.ID, now); err != nil {
					errs = append(errs, err)
				}
			}
			continue
		}
		if !st.LastSeenAt.Before(start) && st.GoneAt == nil {
			rep.Refreshed++
			if err := j.followerJump(ctx, st, rep); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		var kind, msg string
		switch {
		case fetched && (a.status == 404 || a.status == 410):
			kind, msg = store.FailureGone, fmt.Sprintf("profile answered %d", a.status)
		case fetched && a.ok():
			kind, msg = creator.FailureMissing, fmt.Sprintf("profile answered %d but did not hold the creator", a.status)
		case fetched:
			kind = a.errKind
			msg = fmt.Sprintf("profile fetch failed: %s", a.errKind)
			if a.status > 0 {
				msg = fmt.Sprintf("profile answered %d", a.status)
			}
			// A server error from a host that answered nothing else all
			// run (its robots.txt copy let the crawl try) is the host
			// being down, as when nothing was fetched at all.
			if hk, down := tr.hostFailure(d.url); down && (a.status == 0 || a.status >= 500) {
				kind, msg = creator.FailureHostDown+":"+hk, "host unavailable all run: "+hk+"; "+msg
			}
		default:
			hk, down := tr.hostFailure(d.url)
			if !down {
				rep.Deferred++ // not reached (budget, quota, freshness): next run
				continue
			}
			kind, msg = creator.FailureHostDown+":"+hk, "host unavailable all run: "+hk
		}
		rep.Failed++
		rep.Failures[kind]++
		gone, err := j.Store.RecordFailure(ctx, st.ID, kind, msg, now, j.Policy.GoneAfter)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if gone {
			rep.MarkedGone++
			rep.Changes = append(rep.Changes, creator.Change{Kind: creator.ChangeGone, CreatorID: st.ID, Reason: msg})
			// Hidden from search, kept in the store.
			if err := j.Index.Delete(st.ID); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := j.Pipeline.Flush(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// revalidated records that a creator's profile answered 304 Not Modified:
// its stored facts are confirmed as of now (the fetch time moves, so it is
// not due again before its interval), and the pipeline re-analyses it with
// its history and records today's snapshot.
func (j *Job) revalidated(ctx context.Context, id string, now time.Time) error {
	c, err := j.Store.Creator(ctx, id)
	if err != nil {
		return err
	}
	c.FetchedAt = now
	if _, err := j.Store.UpsertCreator(ctx, c, nil); err != nil {
		return err
	}
	return j.Pipeline.Refresh(ctx, id)
}

// followerJump compares the two latest snapshots with known followers.
func (j *Job) followerJump(ctx context.Context, st store.RefreshRef, rep *creator.RunReport) error {
	hist, err := j.Store.History(ctx, st.ID)
	if err != nil {
		return err
	}
	var pts []creator.Snapshot
	for _, s := range hist {
		if s.Followers != nil {
			pts = append(pts, s)
		}
	}
	if len(pts) < 2 {
		return nil
	}
	from, to := *pts[len(pts)-2].Followers, *pts[len(pts)-1].Followers
	if from <= 0 {
		return nil
	}
	change := to - from
	rel := float64(change) / float64(from)
	if math.Abs(rel) < j.Policy.FollowerJump || abs64(change) < j.Policy.FollowerJumpMin || change == 0 {
		return nil
	}
	rep.Changes = append(rep.Changes, creator.Change{
		Kind: creator.ChangeFollowerJump, CreatorID: st.ID,
		From: creator.Int64(from), To: creator.Int64(to), Relative: creator.Float64(rel),
	})
	return nil
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// competitorMentions lists the posts this run stored that name a tracked
// brand.
func (j *Job) competitorMentions(ctx context.Context, mark store.Watermark, rep *creator.RunReport) error {
	if len(j.Brands) == 0 {
		return nil
	}
	ms, err := j.Store.BrandMentionsAfter(ctx, mark, j.Brands)
	if err != nil {
		return err
	}
	for _, m := range ms {
		rep.Changes = append(rep.Changes, creator.Change{
			Kind: creator.ChangeCompetitorMention, CreatorID: m.CreatorID,
			Brand: strings.ToLower(m.Brand.Name), Class: m.Brand.Class, PostID: m.PostID,
		})
	}
	return nil
}

// savedSearches runs every saved search and lists the creators it matches
// for the first time. A search's first run sets its baseline and lists
// nothing.
func (j *Job) savedSearches(ctx context.Context, now time.Time, rep *creator.RunReport) error {
	searches, err := j.Store.SavedSearches(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ss := range searches {
		ids, err := j.matches(ctx, ss.Query)
		if err != nil {
			errs = append(errs, fmt.Errorf("saved search %d: %w", ss.ID, err))
			continue
		}
		newIDs, err := j.Store.RecordSavedSearchResults(ctx, ss.ID, ids, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		prev, err := j.Store.MarkSavedSearchRun(ctx, ss.ID, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev == nil {
			continue
		}
		for _, id := range newIDs {
			rep.Changes = append(rep.Changes, creator.Change{
				Kind: creator.ChangeSavedSearchMatch, CreatorID: id, SearchID: ss.ID, SearchName: ss.Name,
			})
		}
	}
	return errors.Join(errs...)
}

// matches runs q over the index, page by page, up to MaxSavedMatches ids.
func (j *Job) matches(ctx context.Context, q creator.Query) ([]string, error) {
	limit := j.Policy.MaxSavedMatches
	if limit == 0 {
		limit = DefaultPolicy().MaxSavedMatches
	}
	q.Cursor, q.Offset = "", 0
	q.Facets = []string{}
	q.Limit = creator.MaxLimit
	var ids []string
	for len(ids) < limit {
		res, err := j.Index.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if len(ids) < limit {
				ids = append(ids, h.ID)
			}
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			break
		}
		q.Cursor = res.NextCursor
	}
	return ids, nil
}

var changeOrder = map[string]int{
	creator.ChangeGone: 0, creator.ChangeRenamed: 1, creator.ChangeFollowerJump: 2,
	creator.ChangeCompetitorMention: 3, creator.ChangeSavedSearchMatch: 4,
}

func sortChanges(cs []creator.Change) {
	sort.SliceStable(cs, func(a, b int) bool {
		if changeOrder[cs[a].Kind] != changeOrder[cs[b].Kind] {
			return changeOrder[cs[a].Kind] < changeOrder[cs[b].Kind]
		}
		if cs[a].CreatorID != cs[b].CreatorID {
			return cs[a].CreatorID < cs[b].CreatorID
		}
		return cs[a].PostID < cs[b].PostID
	})
}
