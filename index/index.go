package index

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/creatorscout/creatorscout/creator"
)

// Doc is one creator with its recent posts, as the store hands it over.
type Doc struct {
	Creator *creator.Creator
	Posts   []creator.Post
}

// Options tune an open index. The zero value is the default.
type Options struct {
	// PollInterval is how often the index looks at CURRENT for a generation
	// that another process (creatorscout reindex) built; 0 is
	// DefaultPollInterval, negative turns watching off (call Refresh).
	PollInterval time.Duration
	// Reload returns the current documents of the given creator ids from
	// the source of truth; an id it does not return is deleted. When this
	// index adopts a generation another process built, the writes this
	// process made after that build started reading the store are replayed
	// through it. Without it they are missing until the next upsert or
	// reindex, and Refresh says how many.
	Reload func(ctx context.Context, ids []string) ([]Doc, error)
	// Now is the clock of the write log; nil is time.Now.
	Now func() time.Time
	// Logger receives what the watcher finds; nil is slog.Default().
	Logger *slog.Logger
}

// DefaultPollInterval is how often an open index looks for a new
// generation by default.
const DefaultPollInterval = 2 * time.Second

// Index is the search index of creators: a live generation (bleve text,
// document log and in-memory table) in a directory of generations. It is
// safe for concurrent use.
type Index struct {
	root string
	opts Options
	im   *mapping.IndexMappingImpl
	b    *builder
	cur  atomic.Pointer[generation]

	// wmu: writes hold it for reading, a swap of generations for writing.
	wmu     sync.RWMutex
	rebuild *rebuildState // set while Rebuild runs; guarded by wmu and its own mu
	wlog    *writeLog
	swapMu  sync.Mutex // one Rebuild or Refresh at a time

	// slowText makes unscored text filters go through bleve's searcher
	// like scored ones; tests compare the two paths.
	slowText bool

	stop      chan struct{}
	done      chan struct{}
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Bulk-load tuning. BatchSize is the documents per bleve batch;
// BatchWriters bleve batches are in flight at once during a rebuild, while
// every core prepares the next ones (see fill).
const (
	BatchSize    = 1000
	BatchWriters = 2
)

// boltTimeout bounds how long Open waits for another process holding the
// index; without it bleve waits forever.
const boltTimeout = "5s"

// Open opens the index at path with default options.
func Open(path string) (*Index, error) {
	return OpenWith(path, Options{})
}

// OpenWith opens the index directory at path, creating it when path does
// not exist or is empty, and loads the live generation's table from its
// snapshot, replaying whatever the document log holds beyond it (and
// beyond what the text has applied) after a crash. An index built with
// another mapping version is refused: rebuild it from the store
// (creatorscout reindex).
func OpenWith(path string, opts Options) (*Index, error) {
	if path == "" {
		return nil, fmt.Errorf("index: open: empty path")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := checkRoot(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("index: create %s: %w", path, err)
	}
	im := newMapping()
	b, err := newBuilder(im)
	if err != nil {
		return nil, err
	}
	ix := &Index{root: path, opts: opts, im: im, b: b, wlog: newWriteLog()}

	p, ok, err := readPointer(path)
	if err != nil {
		return nil, err
	}
	var g *generation
	if ok {
		if g, err = openGeneration(path, p.Generation, b, opts.Logger); err != nil {
			return nil, err
		}
	} else {
		// The generation is complete and on disk before the pointer names
		// it: a crash before the pointer leaves no pointer, and the next
		// Open starts afresh and removes the orphan.
		now := opts.Now()
		if g, err = createGeneration(path, im, now); err != nil {
			return nil, err
		}
		reach("pointer")
		if err := writePointer(path, pointer{Generation: g.name, MappingVersion: mappingVersion, BuiltAt: now.UTC(), SourceAt: now.UTC()}); err != nil {
			g.close(false)
			os.RemoveAll(g.path)
			return nil, err
		}
	}
	ix.cur.Store(g)
	if _, err := removeOrphans(path, g.name, opts.Now()); err != nil {
		opts.Logger.Warn("index: old generations left on disk", "err", err)
	}
	if opts.PollInterval >= 0 {
		every := opts.PollInterval
		if every == 0 {
			every = DefaultPollInterval
		}
		ix.stop, ix.done = make(chan struct{}), make(chan struct{})
		go ix.watch(every)
	}
	return ix, nil
}

// errClosed is returned by every call on a closed index.
var errClosed = creator.Errorf(creator.EUNAVAILABLE, "the index is closed")

// acquire returns the live generation, held for a search until release.
func (ix *Index) acquire() (*generation, error) {
	for {
		g := ix.cur.Load()
		g.mu.RLock()
		if !g.closed {
			return g, nil
		}
		g.mu.RUnlock()
		if ix.closed.Load() {
			return nil, errClosed
		}
		// A swap retired g between the load and the lock: take the new one.
	}
}

// Path returns the directory of the index.
func (ix *Index) Path() string { return ix.root }

// Generation returns the name of the live generation's directory.
func (ix *Index) Generation() string { return ix.cur.Load().name }

// Upsert indexes d, replacing any document with the same creator id. The
// creator is searchable when Upsert returns.
func (ix *Index) Upsert(d Doc) error {
	if err := checkDoc(d); err != nil {
		return fmt.Errorf("index: upsert: %w", err)
	}
	return ix.write([]Doc{d}, nil)
}

// UpsertBatch indexes many documents. Every document is checked before any
// is written; an error names the position and id of the first bad one.
// Documents are prepared on every core, then written to the document log
// in one append and to the text in batches of BatchSize, the shards side
// by side; when an id repeats, the last document wins. If a write fails
// part way, upserting the same documents again is safe. A full load is
// faster through Rebuild or Build.
func (ix *Index) UpsertBatch(docs []Doc) error {
	if err := checkDocs(docs); err != nil {
		return err
	}
	return ix.write(lastPerID(docs), nil)
}

// Delete removes the creator with the given id. Deleting an id that is not
// indexed is not an error.
func (ix *Index) Delete(id string) error {
	if id == "" {
		return fmt.Errorf("index: delete: %w", creator.Invalid("id", "is empty"))
	}
	return ix.write(nil, []string{id})
}

func checkDocs(docs []Doc) error {
	for i, d := range docs {
		if err := checkDoc(d); err != nil {
			id := ""
			if d.Creator != nil {
				id = d.Creator.ID
			}
			return fmt.Errorf("index: batch document %d (id %q): %w", i, id, err)
		}
	}
	return nil
}

// write applies deletes, then upserts, to the live generation, records
// them in the write log, and, while a Rebuild runs, keeps them for its
// replay. The documents are prepared (analysed, encoded) before any lock
// is taken.
func (ix *Index) write(docs []Doc, deletes []string) error {
	ps := make([]prep, 0, len(deletes)+len(docs))
	for _, id := range deletes {
		ps = append(ps, prepDelete(id))
	}
	prepared, err := ix.b.prepareAll(docs)
	if err != nil {
		return err
	}
	ps = append(ps, prepared...)

	ix.wmu.RLock()
	defer ix.wmu.RUnlock()
	if ix.closed.Load() {
		return errClosed
	}
	g := ix.cur.Load()
	if rb := ix.rebuild; rb != nil {
		rb.record(docs, deletes)
	}
	now := ix.opts.Now()
	for _, d := range docs {
		ix.wlog.record(d.Creator.ID, now)
	}
	for _, id := range deletes {
		ix.wlog.record(id, now)
	}
	return g.apply(ps)
}

// lastPerID drops all but the last document of each id, keeping order, so
// that concurrent writers cannot race on one creator.
func lastPerID(docs []Doc) []Doc {
	last := make(map[string]int, len(docs))
	for i, d := range docs {
		last[d.Creator.ID] = i
	}
	if len(last) == len(docs) {
		return docs
	}
	out := make([]Doc, 0, len(last))
	for i, d := range docs {
		if last[d.Creator.ID] == i {
			out = append(out, d)
		}
	}
	return out
}

// Count returns the number of creators in the index.
func (ix *Index) Count() (uint64, error) {
	g, err := ix.acquire()
	if err != nil {
		return 0, err
	}
	defer g.release()
	g.tab.mu.RLock()
	defer g.tab.mu.RUnlock()
	return g.tab.size(), nil
}

// Compact merges the live generation's text down to one segment per
// shard and waits until it is done. Call it after a bulk load: with 10–12
// live segments, searches were 15–70% slower (BLEVE_NOTES.md). Searches
// and writes keep working meanwhile.
func (ix *Index) Compact() error {
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return g.compact(context.Background())
}

// Close stops the watcher and closes the index. Later calls return the
// first call's result.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		if ix.stop != nil {
			close(ix.stop)
			<-ix.done
		}
		ix.swapMu.Lock()
		defer ix.swapMu.Unlock()
		ix.wmu.Lock()
		ix.closed.Store(true)
		ix.wmu.Unlock()
		if err := ix.cur.Load().close(true); err != nil {
			ix.closeErr = fmt.Errorf("index: close: %w", err)
		}
	})
	return ix.closeErr
}

// watch looks for a new generation every interval until Close.
func (ix *Index) watch(every time.Duration) {
	defer close(ix.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ix.stop:
			return
		case <-tick.C:
			if _, err := ix.Refresh(context.Background()); err != nil {
				ix.opts.Logger.Error("index: adopting a new generation failed; still serving the old one", "err", err)
			}
		}
	}
}
