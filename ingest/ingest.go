// Package ingest is the crawler's sink: it takes what a source read from a
// page, drops what must not be kept (opted-out and do-not-crawl accounts),
// stores creators and posts in the store (the source of truth), re-runs the
// analysis over each touched creator's stored posts and history, appends the
// day's metric snapshot, and hands the result to the search index in
// batches so bulk crawls stay fast and a single upsert is searchable within
// a second.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// RecentPosts is how many stored posts analysis and the index read per creator.
const RecentPosts = 60

// Pipeline stores, analyses and indexes crawl results. It is safe for
// concurrent use by the crawler's workers.
type Pipeline struct {
	store *store.Store
	index *index.Index
	opts  creator.Options
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	pending map[string]index.Doc
	stats   Stats
	batch   int
}

// Stats counts what the pipeline did since it was made.
type Stats struct {
	CreatorsNew     int
	CreatorsUpdated int
	Posts           int
	OptedOut        int
	Forgotten       int
	Skipped         int // on the do-not-crawl list
}

// New returns a pipeline over st and ix. now is the clock (time.Now in
// production, a fake in tests).
func New(st *store.Store, ix *index.Index, opts creator.Options, now func() time.Time, log *slog.Logger) *Pipeline {
	if log == nil {
		log = slog.Default()
	}
	return &Pipeline{store: st, index: ix, opts: opts, now: now, log: log, pending: map[string]index.Doc{}, batch: 256}
}

// Put takes one page's result. Creators and posts are stored at once;
// index updates are batched until Flush (or the batch fills).
func (p *Pipeline) Put(ctx context.Context, page *source.Page, res *source.Result) error {
	if res == nil {
		return nil
	}
	touched := map[string]bool{}
	var errs []error

	for _, id := range res.OptedOut {
		p.count(func(s *Stats) { s.OptedOut++ })
		// A creator we hold who now asks not to be indexed is removed everywhere.
		if _, err := p.store.Creator(ctx, id); err == nil {
			if err := p.Forget(ctx, id, "opted out on "+sourceURL(page)); err != nil {
				errs = append(errs, err)
			}
		}
	}

	postsBy := map[string][]creator.Post{}
	for _, post := range res.Posts {
		if post.CreatorID == "" {
			continue // author unknown: nothing honest to attach it to
		}
		postsBy[post.CreatorID] = append(postsBy[post.CreatorID], post)
	}

	for i := range res.Creators {
		c := res.Creators[i]
		if skip, err := p.blocked(ctx, &c); err != nil {
			errs = append(errs, err)
			continue
		} else if skip {
			p.count(func(s *Stats) { s.Skipped++ })
			delete(postsBy, c.ID)
			continue
		}
		posts := postsBy[c.ID]
		delete(postsBy, c.ID)
		created, err := p.store.UpsertCreator(ctx, &c, posts)
		if err != nil {
			errs = append(errs, fmt.Errorf("ingest: store %s: %w", c.ID, err))
			continue
		}
		p.count(func(s *Stats) {
			if created {
				s.CreatorsNew++
			} else {
				s.CreatorsUpdated++
			}
			s.Posts += len(posts)
		})
		touched[c.ID] = true
	}

	// Posts whose creator came on an earlier page (Mastodon statuses after
	// the account lookup, YouTube videos after the channel).
	for id, posts := range postsBy {
		c, err := p.store.Creator(ctx, id)
		if err != nil {
			if creator.ErrorCode(err) == creator.ENOTFOUND {
				continue // never stored, opted out or forgotten: drop its posts
			}
			errs = append(errs, err)
			continue
		}
		if _, err := p.store.UpsertCreator(ctx, c, posts); err != nil {
			errs = append(errs, fmt.Errorf("ingest: store posts of %s: %w", id, err))
			continue
		}
		p.count(func(s *Stats) { s.Posts += len(posts) })
		touched[id] = true
	}

	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := p.Refresh(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Refresh re-analyses one stored creator from its stored posts and history,
// stores the figures, records today's snapshot and queues it for the index.
func (p *Pipeline) Refresh(ctx context.Context, id string) error {
	c, err := p.store.Creator(ctx, id)
	if err != nil {
		return fmt.Errorf("ingest: load %s: %w", id, err)
	}
	posts, err := p.store.Posts(ctx, c.ID, RecentPosts)
	if err != nil {
		return fmt.Errorf("ingest: posts of %s: %w", id, err)
	}
	hist, err := p.store.History(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("ingest: history of %s: %w", id, err)
	}
	now := p.now().UTC()
	creator.Analyze(c, posts, hist, now, p.opts)
	if _, err := p.store.UpsertCreator(ctx, c, posts); err != nil {
		return fmt.Errorf("ingest: store analysis of %s: %w", id, err)
	}
	snap := creator.Snapshot{
		CreatorID: c.ID, Day: now.Truncate(24 * time.Hour),
		Followers: c.Followers, Following: c.Following, PostsCount: c.PostsCount,
		EngagementRate: c.EngagementRate, AvgLikes: c.AvgLikes, AvgViews: c.AvgViews,
	}
	if err := p.store.PutSnapshot(ctx, snap); err != nil {
		return fmt.Errorf("ingest: snapshot of %s: %w", id, err)
	}
	p.mu.Lock()
	p.pending[c.ID] = index.Doc{Creator: c, Posts: posts}
	full := len(p.pending) >= p.batch
	p.mu.Unlock()
	if full {
		return p.Flush()
	}
	return nil
}

// Flush writes every queued index update.
func (p *Pipeline) Flush() error {
	p.mu.Lock()
	docs := make([]index.Doc, 0, len(p.pending))
	for _, d := range p.pending {
		docs = append(docs, d)
	}
	p.pending = map[string]index.Doc{}
	p.mu.Unlock()
	if len(docs) == 0 {
		return nil
	}
	if err := p.index.UpsertBatch(docs); err != nil {
		return fmt.Errorf("ingest: index %d creators: %w", len(docs), err)
	}
	return nil
}

// FlushEvery flushes queued index updates every d until ctx ends, so a
// crawl's results become searchable while it runs.
func (p *Pipeline) FlushEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.Flush(); err != nil {
				p.log.Error("index flush", "err", err)
			}
		}
	}
}

// Forget removes a creator from the store and the index and puts it on the
// do-not-crawl list.
func (p *Pipeline) Forget(ctx context.Context, id, reason string) error {
	if err := p.store.Forget(ctx, id, reason, p.now().UTC()); err != nil {
		return fmt.Errorf("ingest: forget %s: %w", id, err)
	}
	p.mu.Lock()
	delete(p.pending, id)
	p.stats.Forgotten++
	p.mu.Unlock()
	if err := p.index.Delete(id); err != nil {
		return fmt.Errorf("ingest: unindex %s: %w", id, err)
	}
	return nil
}

// Stats returns the counts so far.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *Pipeline) count(f func(*Stats)) {
	p.mu.Lock()
	f(&p.stats)
	p.mu.Unlock()
}

// blocked reports whether c is on the do-not-crawl list by id or URL.
func (p *Pipeline) blocked(ctx context.Context, c *creator.Creator) (bool, error) {
	for _, key := range []string{c.ID, c.URL} {
		if key == "" {
			continue
		}
		dnc, err := p.store.DoNotCrawl(ctx, key)
		if err != nil || dnc {
			return dnc, err
		}
	}
	return false, nil
}

func sourceURL(p *source.Page) string {
	if p == nil || p.URL == nil {
		return "unknown page"
	}
	return p.URL.String()
}
