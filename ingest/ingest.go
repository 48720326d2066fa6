// Package ingest is the crawler's sink: it takes what a source read from a
// page, drops what must not be kept (opted-out and do-not-crawl accounts),
// stores creators and posts in the store (the source of truth), re-runs the
// analysis over each touched creator's stored posts and history, appends the
// day's metric snapshot, and hands the result to the search index in
// batches so bulk crawls stay fast and a single upsert is searchable within
// about a second. With the Runner's Frontier, a page's whole outcome (data,
// analysis, queued links, done mark) is one SQLite transaction, so a crawl
// killed at any moment resumes without losing or double-storing a page.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// RecentPosts is how many stored posts analysis and the index read per creator.
const RecentPosts = 60

// Index batching: queued index updates are written every FlushInterval
// by the Runner's flusher (so an upsert is searchable within about a
// second), or as soon as FlushBatch are queued, by the flusher rather than
// the worker that filled the batch. Fewer, larger batches mean fewer bleve
// segments to merge: with flushes every 500 ms or 256 documents, segment
// merges took 16% of the CPU of a 2,000-page `bench crawl`; with these, 11%.
const (
	FlushInterval = 900 * time.Millisecond
	FlushBatch    = 2 * index.BatchSize
)

// Pipeline stores, analyses and indexes crawl results. It is safe for
// concurrent use by the crawler's workers.
//
// A page whose Meta names its frontier item (MetaFrontierItem, set by
// Frontier when it leases the item) is not stored at once: Put stages it,
// Frontier stages the links the crawler queues from it, and the crawler's
// FrontierDone stores all of it, the analysis, the links, the item's done
// mark and the URL's seen record in one SQLite transaction (commitStaged).
// A kill -9 at any moment leaves either the whole outcome of the page or
// none of it, and then the page is fetched again. Other pages are stored at
// once, each in one transaction.
type Pipeline struct {
	store *store.Store
	index *index.Index
	opts  creator.Options
	now   func() time.Time
	log   *slog.Logger

	mu       sync.Mutex
	flushMu  sync.Mutex // one Flush at a time
	pending  map[string]index.Doc
	stats    Stats
	staged   map[int64]*staged
	flushers int           // FlushEvery loops running
	kick     chan struct{} // asks a flusher to flush now
	noAhead  bool          // tests: analyse inside the transaction only
	contacts contactState  // contacts.go
}

// Stats counts what the pipeline did since it was made.
type Stats struct {
	CreatorsNew     int
	CreatorsUpdated int
	Posts           int
	OptedOut        int
	Forgotten       int
	Skipped         int // on the do-not-crawl list, or refused by the store
	// Creators whose analysis was made before their page's write
	// transaction (analyseAhead), and those analysed inside it because
	// the store changed in between or no preview could be made.
	AnalysedAhead int
	AnalysedInTx  int
}

func (s *Stats) count(u *store.Upserted) {
	if u.Ahead {
		s.AnalysedAhead++
	} else {
		s.AnalysedInTx++
	}
}

// New returns a pipeline over st and ix. now is the clock (time.Now in
// production, a fake in tests).
func New(st *store.Store, ix *index.Index, opts creator.Options, now func() time.Time, log *slog.Logger) *Pipeline {
	if log == nil {
		log = slog.Default()
	}
	return &Pipeline{store: st, index: ix, opts: opts, now: now, log: log,
		pending: map[string]index.Doc{}, staged: map[int64]*staged{}, kick: make(chan struct{}, 1)}
}

// pageWrite is what one page adds to the store.
type pageWrite struct {
	url      string
	now      time.Time // the analysis's clock (zero: the commit's)
	creators []creatorWrite
	orphans  []orphanWrite // posts whose creator came on an earlier page
}

type creatorWrite struct {
	c     creator.Creator
	posts []creator.Post
	ahead *store.Preview // analysed before the commit; nil: analyse in it
	stale bool           // ahead left out stale contact facts: the commit deletes them
}

type orphanWrite struct {
	id    string
	posts []creator.Post
	ahead *store.Preview
	stale bool
}

// staged is the outcome of one leased frontier item, waiting for its
// FrontierDone.
type staged struct {
	runID     int64
	write     *pageWrite
	links     []store.FrontierItem
	now       time.Time
	freshness time.Duration
}

// Put takes one page's result. Opted-out accounts are forgotten at once.
// The rest is stored in one transaction: at once, or, when the page's Meta
// names its frontier item, together with the item's outcome when the
// crawler finishes it (see Pipeline).
func (p *Pipeline) Put(ctx context.Context, page *source.Page, res *source.Result) error {
	if res == nil {
		return nil
	}
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
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := p.putContacts(ctx, page, res); err != nil { // contacts.go
		return err
	}
	w := newPageWrite(page, res)
	p.analyseAhead(ctx, w)
	if ref, ok := itemRefOf(page.Meta); ok {
		// The links the crawler queues from this page belong to its outcome.
		for i := range res.Next {
			res.Next[i].Meta = withItemRef(res.Next[i].Meta, ref)
		}
		p.mu.Lock()
		st := p.staged[ref.item]
		if st == nil {
			st = &staged{runID: ref.run}
			p.staged[ref.item] = st
		}
		st.write = w
		p.mu.Unlock()
		return nil
	}
	return p.commit(ctx, w, nil)
}

func newPageWrite(page *source.Page, res *source.Result) *pageWrite {
	w := &pageWrite{url: sourceURL(page)}
	postsBy := map[string][]creator.Post{}
	var order []string
	for _, post := range res.Posts {
		if post.CreatorID == "" {
			continue // author unknown: nothing honest to attach it to
		}
		if _, ok := postsBy[post.CreatorID]; !ok {
			order = append(order, post.CreatorID)
		}
		postsBy[post.CreatorID] = append(postsBy[post.CreatorID], post)
	}
	onPage := map[string]bool{}
	for _, c := range res.Creators {
		onPage[c.ID] = true
		w.creators = append(w.creators, creatorWrite{c: c, posts: postsBy[c.ID]})
	}
	for _, id := range order {
		if !onPage[id] {
			w.orphans = append(w.orphans, orphanWrite{id: id, posts: postsBy[id]})
		}
	}
	return w
}

// outcome is the frontier side of a commit: the links to queue and the
// item to finish.
type outcome struct {
	runID     int64
	links     []store.FrontierItem
	now       time.Time
	freshness time.Duration
	done      *doneMark
	added     int // links the store took (set by commit)
}

type doneMark struct {
	id            int64
	status        int
	etag, lastMod string
	at            time.Time
}

// commit stores w (may be nil) and the frontier outcome o (may be nil) in
// one transaction, then queues the stored creators for the index. A
// creator the store refuses (do-not-crawl, a handle now held by another
// account, an invalid field) is skipped and logged; any other error rolls
// the whole page back.
func (p *Pipeline) commit(ctx context.Context, w *pageWrite, o *outcome) error {
	var docs []index.Doc
	var st Stats
	err := p.store.WriteTx(ctx, func(tx *store.Tx) error {
		docs, st = docs[:0], Stats{}
		tx.OnCommit(func() { p.pend(docs) })
		if w != nil {
			now := w.now
			if now.IsZero() {
				now = p.now().UTC()
			}
			analyse := p.analyser(tx, now) // contacts.go: Analyze, then the stored contact facts
			stored := func(u *store.Upserted, stale bool) error {
				c := u.Creator
				if stale {
					if err := p.dropStale(tx, c); err != nil {
						return err
					}
				}
				if err := tx.PutSnapshot(daySnapshot(c, now)); err != nil {
					return fmt.Errorf("ingest: snapshot of %s: %w", c.ID, err)
				}
				docs = append(docs, index.Doc{Creator: c, Posts: u.Posts})
				return nil
			}
			for i := range w.creators {
				cw := &w.creators[i]
				c := cw.c
				u, err := tx.UpsertAnalysedAhead(&c, cw.posts, RecentPosts, cw.ahead, analyse)
				if err != nil {
					if p.refused(err, c.ID, w.url) {
						st.Skipped++
						continue
					}
					return fmt.Errorf("ingest: store %s: %w", c.ID, err)
				}
				if u.Created {
					st.CreatorsNew++
				} else {
					st.CreatorsUpdated++
				}
				st.Posts += len(cw.posts)
				st.count(u)
				if err := stored(u, cw.stale); err != nil {
					return err
				}
			}
			for _, ow := range w.orphans {
				c, err := tx.Creator(ow.id)
				if creator.ErrorCode(err) == creator.ENOTFOUND {
					continue // never stored, opted out or forgotten: drop its posts
				}
				if err != nil {
					return fmt.Errorf("ingest: load %s: %w", ow.id, err)
				}
				u, err := tx.UpsertAnalysedAhead(c, ow.posts, RecentPosts, ow.ahead, analyse)
				if err != nil {
					if p.refused(err, ow.id, w.url) {
						st.Skipped++
						continue
					}
					return fmt.Errorf("ingest: store posts of %s: %w", ow.id, err)
				}
				st.Posts += len(ow.posts)
				st.count(u)
				if err := stored(u, ow.stale); err != nil {
					return err
				}
			}
		}
		if o != nil {
			if len(o.links) > 0 {
				n, err := tx.FrontierPush(o.runID, o.links, o.now, o.freshness)
				if err != nil {
					return fmt.Errorf("ingest: queue links: %w", err)
				}
				o.added = n
			}
			if d := o.done; d != nil {
				u, err := tx.FrontierDone(d.id, d.status, d.etag, d.lastMod, d.at)
				if err != nil {
					return fmt.Errorf("ingest: finish frontier item %d: %w", d.id, err)
				}
				if d.status == http.StatusNotModified {
					if err := p.confirm(tx, u, d.at.UTC(), &docs); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.stats.CreatorsNew += st.CreatorsNew
	p.stats.CreatorsUpdated += st.CreatorsUpdated
	p.stats.Posts += st.Posts
	p.stats.Skipped += st.Skipped
	p.stats.AnalysedAhead += st.AnalysedAhead
	p.stats.AnalysedInTx += st.AnalysedInTx
	p.mu.Unlock()
	if err := p.flushIfFull(); err != nil {
		return err
	}
	return p.shareContacts(ctx) // contacts.go: contact pages for the creators just stored
}

// confirm handles a 304 Not Modified from u at time at: the creators last
// read from u (by its source URL: without credentials, source.Redact) are
// as the page still says, so, as the same page answered with a 200 would,
// it sets their fetch and last-seen times to at, analyses them again,
// records the day's snapshot and queues them for the index.
func (p *Pipeline) confirm(tx *store.Tx, u string, at time.Time, docs *[]index.Doc) error {
	ids, err := tx.CreatorsReadFrom(u)
	if err != nil {
		return err
	}
	if pu, perr := url.Parse(u); perr == nil {
		if src := source.Redact(pu); src != u {
			more, err := tx.CreatorsReadFrom(src)
			if err != nil {
				return err
			}
			ids = append(ids, more...)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	analyse := p.analyser(tx, at)
	for _, id := range ids {
		c, err := tx.Creator(id)
		if err != nil {
			return fmt.Errorf("ingest: load %s: %w", id, err)
		}
		c.FetchedAt = at
		up, err := tx.UpsertAnalysed(c, nil, RecentPosts, analyse)
		if err != nil {
			if p.refused(err, id, u) {
				continue
			}
			return fmt.Errorf("ingest: confirm %s from a 304 of %s: %w", id, u, err)
		}
		if err := tx.PutSnapshot(daySnapshot(up.Creator, at)); err != nil {
			return fmt.Errorf("ingest: snapshot of %s: %w", id, err)
		}
		*docs = append(*docs, index.Doc{Creator: up.Creator, Posts: up.Posts})
	}
	return nil
}

// daySnapshot is c's figures for the history on the day of at.
func daySnapshot(c *creator.Creator, at time.Time) creator.Snapshot {
	return creator.Snapshot{
		CreatorID: c.ID, Day: at.Truncate(24 * time.Hour),
		Followers: c.Followers, Following: c.Following, PostsCount: c.PostsCount,
		EngagementRate: c.EngagementRate, AvgLikes: c.AvgLikes, AvgViews: c.AvgViews,
	}
}

// refused reports (and logs) a store refusal that skips one creator
// rather than failing the page.
func (p *Pipeline) refused(err error, id, from string) bool {
	switch creator.ErrorCode(err) {
	case creator.EFORBIDDEN, creator.ECONFLICT, creator.EINVALID:
		p.log.Warn("creator not stored", "id", id, "page", from, "err", err)
		return true
	}
	return false
}

// stageLinks adds the links a leased item's page leads to to its staged
// outcome.
func (p *Pipeline) stageLinks(ref itemRef, links []store.FrontierItem, now time.Time, freshness time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.staged[ref.item]
	if st == nil {
		st = &staged{runID: ref.run}
		p.staged[ref.item] = st
	}
	st.now, st.freshness = now, freshness
	st.links = append(st.links, links...)
}

// commitStaged stores item id's staged outcome (its page and links, if
// any) with its done mark, in one transaction.
func (p *Pipeline) commitStaged(ctx context.Context, d doneMark) error {
	p.mu.Lock()
	st := p.staged[d.id]
	delete(p.staged, d.id)
	p.mu.Unlock()
	o := &outcome{done: &d}
	var w *pageWrite
	if st != nil {
		w = st.write
		o.runID, o.links, o.now, o.freshness = st.runID, st.links, st.now, st.freshness
	}
	return p.commit(ctx, w, o)
}

// discardStaged forgets what item id staged: it is retried or dropped.
func (p *Pipeline) discardStaged(id int64) {
	p.mu.Lock()
	delete(p.staged, id)
	p.mu.Unlock()
}

// discardRun forgets whatever items of run runID left staged (a run that
// stopped on an error between Put and FrontierDone).
func (p *Pipeline) discardRun(runID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, st := range p.staged {
		if st.runID == runID {
			delete(p.staged, id)
		}
	}
}

// Refresh re-analyses one stored creator from its stored posts and history,
// stores the figures, records today's snapshot and queues it for the index,
// in one transaction.
func (p *Pipeline) Refresh(ctx context.Context, id string) error {
	var doc index.Doc
	now := p.now().UTC()
	err := p.store.WriteTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Creator(id)
		if err != nil {
			return fmt.Errorf("ingest: load %s: %w", id, err)
		}
		u, err := tx.UpsertAnalysed(c, nil, RecentPosts, p.analyser(tx, now))
		if err != nil {
			return fmt.Errorf("ingest: store analysis of %s: %w", id, err)
		}
		c = u.Creator
		if err := tx.PutSnapshot(daySnapshot(c, now)); err != nil {
			return fmt.Errorf("ingest: snapshot of %s: %w", id, err)
		}
		doc = index.Doc{Creator: c, Posts: u.Posts}
		tx.OnCommit(func() { p.pend([]index.Doc{doc}) })
		return nil
	})
	if err != nil {
		return err
	}
	return p.flushIfFull()
}

// Reindex queues stored creators for the index again, from the store: after
// a crash the store may hold what the index never received.
func (p *Pipeline) Reindex(ctx context.Context, ids []string) error {
	for _, id := range ids {
		c, err := p.store.Creator(ctx, id)
		if creator.ErrorCode(err) == creator.ENOTFOUND {
			continue
		}
		if err != nil {
			return fmt.Errorf("ingest: reindex %s: %w", id, err)
		}
		posts, err := p.store.Posts(ctx, id, RecentPosts)
		if err != nil {
			return fmt.Errorf("ingest: reindex %s: %w", id, err)
		}
		if err := p.queue(index.Doc{Creator: c, Posts: posts}); err != nil {
			return err
		}
	}
	return nil
}

// queue adds documents read outside a write transaction to the next index
// batch, and flushes a full batch.
func (p *Pipeline) queue(docs ...index.Doc) error {
	p.pend(docs)
	return p.flushIfFull()
}

// pend adds documents to the next index batch, a creator's replacing any
// queued before. The documents a write transaction made are pended from
// its store.Tx.OnCommit, which runs in commit order: a creator's later
// version replaces its earlier one even when two transactions committed
// together and their callers returned in another order.
func (p *Pipeline) pend(docs []index.Doc) {
	if len(docs) == 0 {
		return
	}
	p.mu.Lock()
	for _, d := range docs {
		p.pending[d.Creator.ID] = d
	}
	p.mu.Unlock()
}

// flushIfFull has a full batch flushed: by the running flusher, or here
// when none runs.
func (p *Pipeline) flushIfFull() error {
	p.mu.Lock()
	full := len(p.pending) >= FlushBatch
	flusher := p.flushers > 0
	p.mu.Unlock()
	switch {
	case !full:
		return nil
	case flusher:
		select {
		case p.kick <- struct{}{}:
		default:
		}
		return nil
	default:
		return p.Flush()
	}
}

// Flush writes every queued index update. Flushes run one at a time, so a
// creator's version taken by a later flush is written after the earlier
// flush's.
func (p *Pipeline) Flush() error {
	p.flushMu.Lock()
	defer p.flushMu.Unlock()
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

// FlushEvery flushes queued index updates every d, and whenever a batch
// fills, until ctx ends, so a crawl's results become searchable while it
// runs.
func (p *Pipeline) FlushEvery(ctx context.Context, d time.Duration) {
	p.mu.Lock()
	p.flushers++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.flushers--
		p.mu.Unlock()
	}()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kick:
		}
		if err := p.Flush(); err != nil {
			p.log.Error("index flush", "err", err)
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

func sourceURL(p *source.Page) string {
	if p == nil || p.URL == nil {
		return "unknown page"
	}
	return p.URL.String()
}
