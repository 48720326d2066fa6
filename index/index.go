package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
	bolterrors "go.etcd.io/bbolt/errors"

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

// Index is a bleve index of creators with its in-memory table. It is safe
// for concurrent use.
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

// generation is one bleve index directory with its table.
type generation struct {
	name string
	path string
	bi   bleve.Index
	tab  *table

	mu     sync.RWMutex // searches hold it for reading; retiring takes it for writing
	closed bool

	segs segOrds // per-segment rows for the text filter, see textfast.go
}

// Bulk-load tuning, from BLEVE_NOTES.md: batches of 1–2k documents with two
// concurrent writers were fastest, and 5k batches cost too much memory.
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
// not exist or is empty, and loads the live generation's table. An index
// built with another mapping version is refused: rebuild it from the store
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
		if g, err = openGeneration(path, p.Generation); err != nil {
			return nil, err
		}
	} else {
		now := opts.Now()
		if g, err = createGeneration(path, im, now, false); err != nil {
			return nil, err
		}
		if err := writePointer(path, pointer{Generation: g.name, MappingVersion: mappingVersion, BuiltAt: now.UTC(), SourceAt: now.UTC()}); err != nil {
			g.close()
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

// createGeneration makes a new, empty generation directory under root.
// With bulk, a batch returns once it is searchable rather than once it is
// on disk (scorch's unsafe_batch): for a generation nobody serves yet,
// which is flushed (flushGeneration) before it goes live. Waiting for every
// batch's fsync made bulk loads wait on the disk most of the time.
func createGeneration(root string, im *mapping.IndexMappingImpl, now time.Time, bulk bool) (*generation, error) {
	name := newGenName(now)
	path := filepath.Join(root, name)
	cfg := map[string]interface{}{"bolt_timeout": boltTimeout, "unsafe_batch": bulk}
	bi, err := bleve.NewUsing(path, im, scorch.Name, bleve.Config.DefaultKVStore, cfg)
	if err != nil {
		os.RemoveAll(path)
		return nil, fmt.Errorf("index: create %s: %w", path, err)
	}
	if err := bi.SetInternal(internalVersionKey, []byte(mappingVersion)); err != nil {
		bi.Close()
		os.RemoveAll(path)
		return nil, fmt.Errorf("index: create %s: record mapping version: %w", path, err)
	}
	return &generation{name: name, path: path, bi: bi, tab: newTable()}, nil
}

// openGeneration opens an existing generation and loads its table.
func openGeneration(root, name string) (*generation, error) {
	path := filepath.Join(root, name)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("index: %s names generation %s, which is missing (%v); run creatorscout reindex", filepath.Join(root, pointerFile), name, err)
	}
	cfg := map[string]interface{}{"bolt_timeout": boltTimeout}
	bi, err := bleve.OpenUsing(path, cfg)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("index: open %s: another process has it open (waited %s): %w", path, boltTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	v, err := bi.GetInternal(internalVersionKey)
	if err != nil {
		bi.Close()
		return nil, fmt.Errorf("index: open %s: read mapping version: %w", path, err)
	}
	if string(v) != mappingVersion {
		bi.Close()
		return nil, fmt.Errorf("index: open %s: built with mapping version %q, this program needs %q; rebuild it from the store (creatorscout reindex)", path, v, mappingVersion)
	}
	tab, err := loadTable(bi)
	if err != nil {
		bi.Close()
		return nil, err
	}
	return &generation{name: name, path: path, bi: bi, tab: tab}, nil
}

// flushGeneration waits until everything written to bi is on disk: it
// writes one more batch and waits for the persister to report it, which
// it does only once the snapshot holding it, and so every earlier batch,
// is persisted.
func flushGeneration(bi bleve.Index) error {
	done := make(chan error, 1)
	b := bi.NewBatch()
	b.SetInternal(internalVersionKey, []byte(mappingVersion))
	b.SetPersistedCallback(func(err error) { done <- err })
	if err := bi.Batch(b); err != nil {
		return fmt.Errorf("index: flush: %w", err)
	}
	if err := <-done; err != nil {
		return fmt.Errorf("index: flush: %w", err)
	}
	return nil
}

// reopenSafe closes g's bleve index, opened for a bulk load, and opens it
// again with every batch waiting for the disk, keeping g's table.
func reopenSafe(g *generation) error {
	if err := g.bi.Close(); err != nil {
		return fmt.Errorf("index: reopen %s: %w", g.path, err)
	}
	bi, err := bleve.OpenUsing(g.path, map[string]interface{}{"bolt_timeout": boltTimeout})
	if err != nil {
		return fmt.Errorf("index: reopen %s: %w", g.path, err)
	}
	g.bi = bi
	return nil
}

func (g *generation) close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return g.bi.Close()
}

// release ends a search's hold on g.
func (g *generation) release() { g.mu.RUnlock() }

// reader opens a bleve reader on g's current snapshot.
func (g *generation) reader() (bindex.IndexReader, error) {
	adv, err := g.bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("index: reader: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("index: reader: %w", err)
	}
	return r, nil
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

// UpsertBatch indexes many documents: the bulk load. Every document is
// checked before any is written; an error names the position and id of the
// first bad one. Documents are written in batches of BatchSize by
// BatchWriters concurrent writers; when an id repeats, the last document
// wins. If a write fails, batches already written stay written; upserting
// the same documents again is safe.
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

// write applies upserts and deletes to the live generation, records them
// in the write log, and, while a Rebuild runs, keeps them for its replay.
func (ix *Index) write(docs []Doc, deletes []string) error {
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
	if len(deletes) > 0 {
		if err := deleteFrom(g, deletes); err != nil {
			return err
		}
	}
	return ix.b.load(g, docs)
}

// deleteFrom removes ids from g's table and then from its bleve index. In
// that order, a search that still sees a row (it holds the table's read
// lock, so the removal waits for it) still finds the stored document.
func deleteFrom(g *generation, ids []string) error {
	g.tab.mu.Lock()
	for _, id := range ids {
		g.tab.remove(id)
	}
	g.tab.mu.Unlock()
	batch := g.bi.NewBatch()
	for _, id := range ids {
		batch.Delete(id)
	}
	if err := g.bi.Batch(batch); err != nil {
		return fmt.Errorf("index: delete %v: %w", ids, err)
	}
	return nil
}

// load writes docs into g in batches of BatchSize from BatchWriters
// goroutines: the bleve batch first, then the table rows.
func (b *builder) load(g *generation, docs []Doc) error {
	if len(docs) <= BatchSize {
		return b.writeBatch(g, docs)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		chunks   = make(chan []Doc)
	)
	for w := 0; w < BatchWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				mu.Lock()
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					continue
				}
				if err := b.writeBatch(g, chunk); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for start := 0; start < len(docs); start += BatchSize {
		chunks <- docs[start:min(start+BatchSize, len(docs))]
	}
	close(chunks)
	wg.Wait()
	return firstErr
}

func (b *builder) writeBatch(g *generation, docs []Doc) error {
	if len(docs) == 0 {
		return nil
	}
	batch := g.bi.NewBatch()
	fs := make([]facts, len(docs))
	for i, d := range docs {
		fs[i] = extract(d)
		doc, err := b.build(d.Creator, &fs[i])
		if err != nil {
			return err
		}
		if err := batch.IndexAdvanced(doc); err != nil {
			return fmt.Errorf("index: batch %s: %w", d.Creator.ID, err)
		}
	}
	if err := g.bi.Batch(batch); err != nil {
		if len(docs) == 1 {
			return fmt.Errorf("index: upsert %s: %w", docs[0].Creator.ID, err)
		}
		return fmt.Errorf("index: write batch of %d: %w", len(docs), err)
	}
	if g.tab == nil { // Build: nobody searches this generation here
		return nil
	}
	g.tab.mu.Lock()
	for i := range fs {
		g.tab.put(&fs[i])
	}
	g.tab.mu.Unlock()
	return nil
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

// Compact merges the live generation down to one segment and waits until
// it is done. Call it after a bulk load: with 10–12 live segments searches
// were 15–70% slower (BLEVE_NOTES.md). Searches and writes keep working
// meanwhile.
func (ix *Index) Compact() error {
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return compact(g.bi)
}

func compact(bi bleve.Index) error {
	adv, err := bi.Advanced()
	if err != nil {
		return fmt.Errorf("index: compact: %w", err)
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return fmt.Errorf("index: compact: index type %T cannot force-merge", adv)
	}
	if err := s.ForceMerge(context.Background(), nil); err != nil {
		return fmt.Errorf("index: compact: %w", err)
	}
	return nil
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
		if err := ix.cur.Load().close(); err != nil {
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
