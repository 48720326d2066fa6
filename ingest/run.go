package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// Runner runs one crawl end to end: a crawl-run record, the crawler over
// the store's durable frontier, the pipeline as its sink, and the summary.
type Runner struct {
	Store    *store.Store
	Pipeline *Pipeline
	Sources  []source.Source
	Crawler  crawler.Config
	Logger   *slog.Logger
	Metrics  prometheus.Registerer  // nil: no crawler metrics
	Progress func(crawler.Progress) // nil: no progress reports
	Every    time.Duration          // progress (and run-record checkpoint) interval; default 1 s
	Now      func() time.Time       // clock for the run record
	Options  []crawler.Option       // extra crawler options (tests: a clock)
	// IndexEvery is how often queued index updates are flushed while the
	// run goes (default FlushInterval): the longest a stored creator waits
	// to become searchable, give or take one flush.
	IndexEvery time.Duration
}

// Run crawls from seeds. labels say what was asked ("hashtag:pilates", a URL)
// and are stored with the run. The run record is written before the crawl
// starts and updated when it ends, whatever the outcome.
func (r *Runner) Run(ctx context.Context, kind string, seeds []source.Request, labels []string) (*creator.CrawlRun, error) {
	now := r.now()
	id, err := r.Store.StartRun(ctx, kind, labels, now)
	if err != nil {
		return nil, fmt.Errorf("ingest: start run: %w", err)
	}
	return r.resume(ctx, id, seeds, creator.RunSummary{}, false)
}

// Resume continues run id from what its durable frontier still holds,
// adding seeds if any. A queued run (POST /v1/crawls) starts this way; a
// done run is ECONFLICT.
//
// A run whose record still says "running" was interrupted (a crash, kill
// -9): no process works on it any more, since the index a crawl needs can
// be opened by one process only. Resume then first hands back the items the
// dead process had leased (they would otherwise wait out their lease),
// re-indexes the creators the run stored (the index is written after the
// store, so the last batch may never have reached it), and counts on from
// the summary the run last recorded.
func (r *Runner) Resume(ctx context.Context, id int64, seeds []source.Request) (*creator.CrawlRun, error) {
	run, err := r.Store.Run(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("ingest: resume run %d: %w", id, err)
	}
	base, resumed := creator.RunSummary{}, false
	switch run.Status {
	case creator.RunDone:
		return nil, creator.Errorf(creator.ECONFLICT, "crawl run %d is done; start a new run", id)
	case creator.RunRunning, creator.RunCanceled, creator.RunFailed:
		// Interrupted, or stopped and asked to go on. Only a process that
		// died leaves the index behind the store.
		if err := r.recover(ctx, run, run.Status == creator.RunRunning); err != nil {
			return nil, err
		}
		base, resumed = run.Summary, true
	}
	return r.resume(ctx, id, seeds, base, resumed)
}

// recover prepares an unfinished run to go on: it takes back the leases
// its last process held and, when that process died (reindex), re-indexes
// every creator the run stored. bleve offers no durable-batch barrier, so
// which of them the index kept is not known; re-indexing costs about as
// much as indexing them did.
func (r *Runner) recover(ctx context.Context, run *creator.CrawlRun, reindex bool) error {
	n, err := r.Store.FrontierReleaseLeases(ctx, run.ID, r.now())
	if err != nil {
		return fmt.Errorf("ingest: resume run %d: %w", run.ID, err)
	}
	var ids []string
	if reindex {
		if ids, err = r.Store.CreatorsTouchedSince(ctx, run.StartedAt); err != nil {
			return fmt.Errorf("ingest: resume run %d: %w", run.ID, err)
		}
		if err := r.Pipeline.Reindex(ctx, ids); err != nil {
			return fmt.Errorf("ingest: resume run %d: %w", run.ID, err)
		}
		if err := r.Pipeline.Flush(); err != nil {
			return fmt.Errorf("ingest: resume run %d: %w", run.ID, err)
		}
	}
	r.logger().Info("resuming a run", "run", run.ID, "status", run.Status, "leases_released", n, "reindexed", len(ids),
		"pages_before", run.Summary.Pages)
	return nil
}

func (r *Runner) resume(ctx context.Context, id int64, seeds []source.Request, base creator.RunSummary, resumed bool) (*creator.CrawlRun, error) {
	// Load the gazetteer before the first page: loaded by the first
	// analysis instead, it stalled every worker (and so every host's
	// rate) for about a second.
	if _, _, _, err := creator.GazetteerSize(); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	before := r.Pipeline.Stats()
	every := r.Every
	if every <= 0 {
		every = time.Second
	}
	cp := newCheckpointer(r, id, base, before)
	defer cp.stop()
	opts := append([]crawler.Option{
		crawler.WithFrontier(Frontier{S: r.Store, P: r.Pipeline}),
		crawler.WithRunID(id),
		crawler.WithStateStore(r.Store), // robots.txt copies and snowball spend outlive the process
		crawler.WithLogger(r.logger()),
		crawler.WithProgress(func(p crawler.Progress) {
			cp.offer(p)
			if r.Progress != nil {
				r.Progress(p)
			}
		}, every),
	}, r.Options...)
	if r.Metrics != nil {
		opts = append(opts, crawler.WithMetrics(r.Metrics))
	}
	status := creator.RunRunning
	if err := r.Store.UpdateRun(ctx, id, status, base, nil); err != nil {
		return nil, fmt.Errorf("ingest: mark run %d running: %w", id, err)
	}
	c, err := crawler.New(r.Crawler, r.Sources, r.Pipeline, opts...)
	if err != nil {
		r.finish(id, creator.RunFailed, base)
		return nil, fmt.Errorf("ingest: %w", err)
	}
	defer c.Close()
	// Results become searchable while the crawl runs.
	flushCtx, stopFlush := context.WithCancel(ctx)
	indexEvery := r.IndexEvery
	if indexEvery <= 0 {
		indexEvery = FlushInterval
	}
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		r.Pipeline.FlushEvery(flushCtx, indexEvery)
	}()
	sum, runErr := c.Run(ctx, seeds)
	stopFlush()
	<-flushed
	r.Pipeline.discardRun(id)
	flushErr := r.Pipeline.Flush()
	cp.stop()

	sum = addSummary(base, withPipeline(sum, before, r.Pipeline.Stats()))
	if resumed {
		// Killed processes could not count their last pages; the frontier
		// knows every page the run finished.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if pages, nm, err := r.Store.FrontierFetched(wctx, id); err == nil {
			sum.Pages, sum.NotModified = pages, nm
		}
		cancel()
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		status = creator.RunCanceled
	case runErr != nil || flushErr != nil:
		status = creator.RunFailed
	default:
		status = creator.RunDone
	}
	run := r.finish(id, status, sum)
	if status == creator.RunDone {
		// A done run cannot be resumed: what it left queued (over a budget
		// or its depth) would only grow the database run after run. The
		// seen set stays.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		if n, err := r.Store.FrontierPending(wctx, id); err == nil && n > 0 {
			r.logger().Info("run finished with URLs still queued (over a page budget); they are not kept", "run", id, "unfetched", n)
		}
		if err := r.Store.FrontierClear(wctx, id); err != nil {
			r.logger().Warn("could not clear a finished run's frontier", "run", id, "err", err)
		}
		cancel()
	}
	return run, errors.Join(runErr, flushErr)
}

// withPipeline fills the sink's counts of a crawler summary from the
// pipeline's stats before and after.
func withPipeline(sum creator.RunSummary, before, after Stats) creator.RunSummary {
	sum.CreatorsNew = after.CreatorsNew - before.CreatorsNew
	sum.CreatorsUpdated = after.CreatorsUpdated - before.CreatorsUpdated
	sum.Posts = after.Posts - before.Posts
	sum.OptedOut = after.OptedOut - before.OptedOut
	return sum
}

// addSummary adds b to a: the counts of an interrupted run's earlier
// processes and of this one.
func addSummary(a, b creator.RunSummary) creator.RunSummary {
	out := creator.RunSummary{
		Pages:           a.Pages + b.Pages,
		NotModified:     a.NotModified + b.NotModified,
		CreatorsNew:     a.CreatorsNew + b.CreatorsNew,
		CreatorsUpdated: a.CreatorsUpdated + b.CreatorsUpdated,
		Posts:           a.Posts + b.Posts,
		OptedOut:        a.OptedOut + b.OptedOut,
		RobotsDenied:    a.RobotsDenied + b.RobotsDenied,
		Errors:          map[string]int{},
	}
	for _, m := range []map[string]int{a.Errors, b.Errors} {
		for k, v := range m {
			out.Errors[k] += v
		}
	}
	for _, h := range append(slices.Clone(a.HostsSkipped), b.HostsSkipped...) {
		if !slices.Contains(out.HostsSkipped, h) {
			out.HostsSkipped = append(out.HostsSkipped, h)
		}
	}
	slices.Sort(out.HostsSkipped)
	return out
}

// checkpointer records a running run's summary so far, so that a run
// resumed after kill -9 counts on from there (losing at most one interval).
// It writes from its own goroutine: progress reports come from the
// crawler's dispatcher, which must not wait on the store.
type checkpointer struct {
	r      *Runner
	id     int64
	base   creator.RunSummary
	before Stats
	ch     chan crawler.Progress
	done   chan struct{}
	once   bool
}

func newCheckpointer(r *Runner, id int64, base creator.RunSummary, before Stats) *checkpointer {
	cp := &checkpointer{r: r, id: id, base: base, before: before, ch: make(chan crawler.Progress, 1), done: make(chan struct{})}
	go cp.loop()
	return cp
}

// offer hands over a progress report; one the writer has not taken yet is
// replaced.
func (cp *checkpointer) offer(p crawler.Progress) {
	if p.Done {
		return // the run's end is recorded by finish
	}
	select {
	case cp.ch <- p:
	default:
		select {
		case <-cp.ch:
		default:
		}
		select {
		case cp.ch <- p:
		default:
		}
	}
}

func (cp *checkpointer) loop() {
	defer close(cp.done)
	for p := range cp.ch {
		sum := creator.RunSummary{Pages: p.Pages, NotModified: p.NotModified, RobotsDenied: p.RobotsDenied, Errors: p.Errors}
		sum = addSummary(cp.base, withPipeline(sum, cp.before, cp.r.Pipeline.Stats()))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := cp.r.Store.UpdateRun(ctx, cp.id, creator.RunRunning, sum, nil); err != nil {
			cp.r.logger().Warn("record crawl run progress", "run", cp.id, "err", err)
		}
		cancel()
	}
}

// stop ends the writer and waits for it; safe to call twice.
func (cp *checkpointer) stop() {
	if cp.once {
		return
	}
	cp.once = true
	close(cp.ch)
	<-cp.done
}

// finish records the outcome even when ctx has ended.
func (r *Runner) finish(id int64, status string, sum creator.RunSummary) *creator.CrawlRun {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := r.now()
	if err := r.Store.UpdateRun(ctx, id, status, sum, &done); err != nil {
		r.logger().Error("record crawl run", "run", id, "err", err)
	}
	run, err := r.Store.Run(ctx, id)
	if err != nil {
		return &creator.CrawlRun{ID: id, Status: status, Summary: sum, FinishedAt: &done}
	}
	return run
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}
