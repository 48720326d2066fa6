package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	Every    time.Duration          // progress interval
	Now      func() time.Time       // clock for the run record
	Options  []crawler.Option       // extra crawler options (tests: a clock)
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
	return r.resume(ctx, id, seeds)
}

// Resume continues run id from what its durable frontier still holds (after
// a crash or kill -9), adding seeds if any.
func (r *Runner) Resume(ctx context.Context, id int64, seeds []source.Request) (*creator.CrawlRun, error) {
	return r.resume(ctx, id, seeds)
}

func (r *Runner) resume(ctx context.Context, id int64, seeds []source.Request) (*creator.CrawlRun, error) {
	before := r.Pipeline.Stats()
	opts := append([]crawler.Option{
		crawler.WithFrontier(Frontier{S: r.Store}),
		crawler.WithRunID(id),
		crawler.WithLogger(r.logger()),
	}, r.Options...)
	if r.Metrics != nil {
		opts = append(opts, crawler.WithMetrics(r.Metrics))
	}
	if r.Progress != nil {
		every := r.Every
		if every <= 0 {
			every = time.Second
		}
		opts = append(opts, crawler.WithProgress(r.Progress, every))
	}
	status := creator.RunRunning
	if err := r.Store.UpdateRun(ctx, id, status, creator.RunSummary{}, nil); err != nil {
		return nil, fmt.Errorf("ingest: mark run %d running: %w", id, err)
	}
	c, err := crawler.New(r.Crawler, r.Sources, r.Pipeline, opts...)
	if err != nil {
		r.finish(id, creator.RunFailed, creator.RunSummary{})
		return nil, fmt.Errorf("ingest: %w", err)
	}
	defer c.Close()
	// Results become searchable while the crawl runs.
	flushCtx, stopFlush := context.WithCancel(ctx)
	go r.Pipeline.FlushEvery(flushCtx, 500*time.Millisecond)
	sum, runErr := c.Run(ctx, seeds)
	stopFlush()
	flushErr := r.Pipeline.Flush()

	after := r.Pipeline.Stats()
	sum.CreatorsNew = after.CreatorsNew - before.CreatorsNew
	sum.CreatorsUpdated = after.CreatorsUpdated - before.CreatorsUpdated
	sum.Posts = after.Posts - before.Posts
	sum.OptedOut = after.OptedOut - before.OptedOut
	switch {
	case errors.Is(runErr, context.Canceled):
		status = creator.RunCanceled
	case runErr != nil || flushErr != nil:
		status = creator.RunFailed
	default:
		status = creator.RunDone
	}
	run := r.finish(id, status, sum)
	return run, errors.Join(runErr, flushErr)
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
