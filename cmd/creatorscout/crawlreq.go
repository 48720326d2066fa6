package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/api"
	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// crawlRunKind marks the runs POST /v1/crawls asks for.
const crawlRunKind = "api"

// crawlPoll is how often the worker looks for queued runs it was not told
// about (queued while it was busy, or before a restart).
const crawlPoll = 30 * time.Second

// crawlQueue is the API's crawl-request queue. POST /v1/crawls records a
// queued run in the store (QueueCrawl); the worker (Run) takes queued runs
// oldest first, one at a time, and crawls each through ingest.Runner, whose
// crawler checks every address it connects to with its SSRF guard.
type crawlQueue struct {
	app  *app
	log  *slog.Logger
	now  func() time.Time
	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}

	mu       sync.Mutex
	progress map[int64]*api.CrawlProgress
}

var _ api.Crawls = (*crawlQueue)(nil)

func newCrawlQueue(a *app) *crawlQueue {
	return &crawlQueue{app: a, log: a.log, now: time.Now, wake: make(chan struct{}, 1),
		progress: map[int64]*api.CrawlProgress{}}
}

// startCrawlQueue starts the worker; Stop ends it and waits.
func startCrawlQueue(ctx context.Context, a *app) *crawlQueue {
	q := newCrawlQueue(a)
	ctx, q.stop = context.WithCancel(ctx)
	q.done = make(chan struct{})
	go func() {
		defer close(q.done)
		q.Run(ctx)
	}()
	return q
}

// Stop cancels the worker (a crawl in progress is recorded as canceled)
// and waits for it.
func (q *crawlQueue) Stop() {
	if q.stop != nil {
		q.stop()
		<-q.done
	}
}

// wire hands the queue to the API.
func (q *crawlQueue) wire(d *api.Deps) { d.Crawls = q }

// crawlAllowed is the API's copy of the networks the crawler may reach:
// what crawler.allow_loopback and crawler.allowed_cidrs open.
func crawlAllowed(c config.Crawler) []netip.Prefix {
	var out []netip.Prefix
	if c.AllowLoopback {
		out = append(out, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
	}
	for _, s := range c.AllowedCIDRs {
		if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// crawlLabels are the seeds a run records: "hashtag:x", "brand:x", URLs
// and handles as given. labelRequests reads them back.
func crawlLabels(req api.CrawlRequest) []string {
	var out []string
	for _, h := range req.Hashtags {
		out = append(out, "hashtag:"+h)
	}
	for _, b := range req.Brands {
		out = append(out, "brand:"+b)
	}
	out = append(out, req.URLs...)
	return append(out, req.Handles...)
}

// labelRequests turns one recorded seed into the crawl's first requests. A
// brand is crawled as its hashtag on every source that takes hashtags.
func labelRequests(cfg config.Config, label string) ([]source.Request, error) {
	tag, isTag := strings.CutPrefix(label, "hashtag:")
	if !isTag {
		tag, isTag = strings.CutPrefix(label, "brand:")
	}
	if isTag {
		reqs, err := seeds(cfg, []string{tag}, nil, nil)
		if err != nil {
			return nil, err
		}
		if len(reqs) == 0 {
			return nil, errors.New("no enabled source crawls hashtags")
		}
		return reqs, nil
	}
	return profileRequests(cfg, label)
}

// QueueCrawl checks every entry against the enabled sources, so one that
// nothing can crawl is a 400 naming it now rather than a failed run later,
// then records a queued run and wakes the worker.
func (q *crawlQueue) QueueCrawl(ctx context.Context, req api.CrawlRequest, at time.Time) (*creator.CrawlRun, error) {
	for _, f := range []struct {
		field, prefix string
		vals          []string
	}{
		{"hashtags", "hashtag:", req.Hashtags}, {"brands", "brand:", req.Brands},
		{"urls", "", req.URLs}, {"handles", "", req.Handles},
	} {
		for i, v := range f.vals {
			if _, err := labelRequests(q.app.cfg, f.prefix+v); err != nil {
				return nil, creator.Invalid(fmt.Sprintf("%s[%d]", f.field, i), "%v", err)
			}
		}
	}
	id, err := q.app.store.QueueRun(ctx, crawlRunKind, crawlLabels(req), at)
	if err != nil {
		return nil, err
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return q.app.store.Run(ctx, id)
}

// CrawlProgress is the latest progress of a run the worker is crawling.
func (q *crawlQueue) CrawlProgress(id int64) (*api.CrawlProgress, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p, ok := q.progress[id]
	if !ok {
		return nil, false
	}
	cp := *p
	return &cp, true
}

// Run works until ctx ends: it crawls the queued runs, then waits to be
// woken by QueueCrawl or for crawlPoll.
func (q *crawlQueue) Run(ctx context.Context) {
	for {
		if err := q.runQueued(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("crawl requests", "err", err)
		}
		t := time.NewTimer(crawlPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-q.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// maxRunScan is how many of the latest runs the worker looks through for
// queued ones.
const maxRunScan = 1000

// runQueued crawls every queued API run, oldest first.
func (q *crawlQueue) runQueued(ctx context.Context) error {
	runs, err := q.app.store.Runs(ctx, maxRunScan)
	if err != nil {
		return err
	}
	var queued []creator.CrawlRun
	for _, r := range runs {
		if r.Status == creator.RunQueued && r.Kind == crawlRunKind {
			queued = append(queued, r)
		}
	}
	sort.Slice(queued, func(i, j int) bool { return queued[i].ID < queued[j].ID })
	for _, r := range queued {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		q.crawl(ctx, r)
	}
	return nil
}

// crawl runs one queued run. A seed that no longer maps to a request (the
// config changed since it was queued) fails the run with its reason.
func (q *crawlQueue) crawl(ctx context.Context, r creator.CrawlRun) {
	var reqs []source.Request
	for _, label := range r.Seeds {
		rs, err := labelRequests(q.app.cfg, label)
		if err != nil {
			q.log.Warn("crawl request: seed refused", "run", r.ID, "seed", label, "err", err)
			now := q.now().UTC()
			sum := creator.RunSummary{Errors: map[string]int{"bad_seed": 1}}
			if err := q.app.store.UpdateRun(context.WithoutCancel(ctx), r.ID, creator.RunFailed, sum, &now); err != nil {
				q.log.Error("crawl request: record failed run", "run", r.ID, "err", err)
			}
			return
		}
		reqs = append(reqs, rs...)
	}
	runner := q.app.runner(func(p crawler.Progress) { q.setProgress(r.ID, p) })
	defer q.clearProgress(r.ID)
	run, err := runner.Resume(ctx, r.ID, reqs)
	switch {
	case err != nil && ctx.Err() == nil:
		q.log.Error("crawl request failed", "run", r.ID, "err", err)
	case run != nil:
		q.log.Info("crawl request done", "run", run.ID, "status", run.Status, "pages", run.Summary.Pages,
			"creators_new", run.Summary.CreatorsNew)
	}
}

func (q *crawlQueue) setProgress(id int64, p crawler.Progress) {
	errs := make(map[string]int, len(p.Errors))
	for k, v := range p.Errors {
		errs[k] = v
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.progress[id] = &api.CrawlProgress{
		ElapsedSeconds: p.Elapsed.Seconds(), Pages: p.Pages, NotModified: p.NotModified,
		PagesPerSec: p.PagesPerSec, Queue: p.Queue, InFlight: p.InFlight, HostsWaiting: p.HostsWaiting,
		RobotsDenied: p.RobotsDenied, Errors: errs, UpdatedAt: q.now().UTC(),
	}
}

func (q *crawlQueue) clearProgress(id int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.progress, id)
}
