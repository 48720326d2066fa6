package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// Each calls yield once for every creator in the source of truth (the
// store's EachCreator) and stops at the first error yield returns.
type Each func(ctx context.Context, yield func(Doc) error) error

// BuildStats describe one rebuild.
type BuildStats struct {
	Generation string        `json:"generation"`
	Docs       uint64        `json:"docs"`
	Load       time.Duration `json:"load"`    // reading the source and indexing
	Compact    time.Duration `json:"compact"` // the force-merge after the load
	Bytes      int64         `json:"bytes"`   // size of the new generation on disk
	Replayed   int           `json:"replayed"`
	Removed    []string      `json:"removed,omitempty"` // old generations deleted
}

// rebuildState collects the writes made while Rebuild loads the new
// generation, to replay them into it before the swap.
type rebuildState struct {
	mu      sync.Mutex
	docs    map[string]Doc
	deleted map[string]bool
}

func (rb *rebuildState) record(docs []Doc, deletes []string) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	for _, d := range docs {
		rb.docs[d.Creator.ID] = d
		delete(rb.deleted, d.Creator.ID)
	}
	for _, id := range deletes {
		delete(rb.docs, id)
		rb.deleted[id] = true
	}
}

// feeder batches documents from an Each into a generation.
type feeder struct {
	b    *builder
	g    *generation
	n    uint64
	buf  []Doc
	sem  chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	werr error
}

func newFeeder(b *builder, g *generation) *feeder {
	return &feeder{b: b, g: g, sem: make(chan struct{}, BatchWriters)}
}

func (f *feeder) add(d Doc) error {
	if err := checkDoc(d); err != nil {
		id := ""
		if d.Creator != nil {
			id = d.Creator.ID
		}
		return fmt.Errorf("index: rebuild: document %d (id %q): %w", f.n, id, err)
	}
	f.n++
	f.buf = append(f.buf, d)
	if len(f.buf) >= BatchSize {
		return f.flush()
	}
	return nil
}

// flush hands the buffered documents to a writer; at most BatchWriters
// batches are in flight.
func (f *feeder) flush() error {
	if err := f.err(); err != nil {
		return err
	}
	if len(f.buf) == 0 {
		return nil
	}
	batch := lastPerID(f.buf)
	f.buf = nil
	f.sem <- struct{}{}
	f.wg.Add(1)
	go func() {
		defer func() { <-f.sem; f.wg.Done() }()
		if err := f.b.writeBatch(f.g, batch); err != nil {
			f.mu.Lock()
			if f.werr == nil {
				f.werr = err
			}
			f.mu.Unlock()
		}
	}()
	return nil
}

func (f *feeder) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.werr
}

// finish flushes and waits for every batch.
func (f *feeder) finish() error {
	err := f.flush()
	f.wg.Wait()
	if err != nil {
		return err
	}
	return f.err()
}

// fill loads every document of each into g and force-merges it.
func (b *builder) fill(ctx context.Context, g *generation, each Each, st *BuildStats) error {
	start := time.Now()
	f := newFeeder(b, g)
	err := each(ctx, func(d Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return f.add(d)
	})
	if ferr := f.finish(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("index: rebuild: %w", err)
	}
	if err := flushGeneration(g.bi); err != nil {
		return err
	}
	st.Load = time.Since(start)
	start = time.Now()
	if err := compact(g.bi); err != nil {
		return err
	}
	if err := flushGeneration(g.bi); err != nil {
		return err
	}
	st.Compact = time.Since(start)
	n, err := g.bi.DocCount()
	if err != nil {
		return fmt.Errorf("index: rebuild: count: %w", err)
	}
	st.Docs = n
	return nil
}

// Rebuild builds a fresh generation from each (the store) beside the live
// one, then swaps it in: searches keep answering from the old generation
// throughout and from the new one after. Writes made meanwhile go to the
// old generation and are replayed into the new one before the swap, so
// none is lost. The pointer file is replaced atomically, and the old
// generation is closed and deleted only after the swap, once the searches
// that hold it are done. Only one Rebuild or Refresh runs at a time.
func (ix *Index) Rebuild(ctx context.Context, each Each) (BuildStats, error) {
	var st BuildStats
	if !ix.swapMu.TryLock() {
		return st, creator.Errorf(creator.ECONFLICT, "a reindex is already running")
	}
	defer ix.swapMu.Unlock()
	if ix.closed.Load() {
		return st, errClosed
	}
	sourceAt := ix.opts.Now().UTC()
	g, err := createGeneration(ix.root, ix.im, sourceAt, true)
	if err != nil {
		return st, err
	}
	st.Generation = g.name
	discard := func() {
		ix.wmu.Lock()
		ix.rebuild = nil
		ix.wmu.Unlock()
		g.close()
		os.RemoveAll(g.path)
	}
	ix.wmu.Lock()
	ix.rebuild = &rebuildState{docs: map[string]Doc{}, deleted: map[string]bool{}}
	ix.wmu.Unlock()
	if err := ix.b.fill(ctx, g, each, &st); err != nil {
		discard()
		return st, err
	}
	if err := reopenSafe(g); err != nil {
		discard()
		return st, err
	}

	ix.wmu.Lock()
	rb := ix.rebuild
	ix.rebuild = nil
	st.Replayed = len(rb.docs) + len(rb.deleted)
	err = ix.replay(g, rb)
	if err == nil {
		err = writePointer(ix.root, pointer{Generation: g.name, MappingVersion: mappingVersion,
			Count: g.tab.size(), BuiltAt: ix.opts.Now().UTC(), SourceAt: sourceAt})
	}
	if err != nil {
		ix.wmu.Unlock()
		g.close()
		os.RemoveAll(g.path)
		return st, err
	}
	old := ix.cur.Swap(g)
	st.Docs = g.tab.size()
	ix.wmu.Unlock()

	st.Removed = ix.retire(old)
	st.Bytes = dirSize(g.path)
	return st, nil
}

// replay applies the writes a rebuild collected to g.
func (ix *Index) replay(g *generation, rb *rebuildState) error {
	if len(rb.deleted) > 0 {
		ids := make([]string, 0, len(rb.deleted))
		for id := range rb.deleted {
			ids = append(ids, id)
		}
		if err := deleteFrom(g, ids); err != nil {
			return err
		}
	}
	docs := make([]Doc, 0, len(rb.docs))
	for _, d := range rb.docs {
		docs = append(docs, d)
	}
	return ix.b.load(g, docs)
}

// retire closes old once no search holds it and deletes its directory,
// with any other generation nobody holds. It returns what it deleted.
func (ix *Index) retire(old *generation) []string {
	if err := old.close(); err != nil {
		ix.opts.Logger.Warn("index: closing the old generation", "generation", old.name, "err", err)
	}
	removed, err := removeOrphans(ix.root, ix.cur.Load().name, ix.opts.Now())
	if err != nil {
		ix.opts.Logger.Warn("index: old generations left on disk", "err", err)
	}
	return removed
}

// Build builds a fresh generation under root from each and makes it the
// live one, without opening the live generation: creatorscout reindex uses
// it while a server may be serving root. The server sees the new pointer
// (Options.PollInterval), adopts the generation and deletes the old one;
// when no process holds the old one, Build deletes it itself.
func Build(ctx context.Context, root string, each Each, now func() time.Time) (BuildStats, error) {
	var st BuildStats
	if now == nil {
		now = time.Now
	}
	if err := checkRoot(root); err != nil {
		return st, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return st, fmt.Errorf("index: create %s: %w", root, err)
	}
	im := newMapping()
	b, err := newBuilder(im)
	if err != nil {
		return st, err
	}
	sourceAt := now().UTC()
	g, err := createGeneration(root, im, sourceAt, true)
	if err != nil {
		return st, err
	}
	g.tab = nil // the process that adopts it loads its own
	st.Generation = g.name
	if err := b.fill(ctx, g, each, &st); err != nil {
		g.close()
		os.RemoveAll(g.path)
		return st, err
	}
	count := st.Docs
	if err := g.close(); err != nil {
		os.RemoveAll(g.path)
		return st, fmt.Errorf("index: close new generation: %w", err)
	}
	if err := writePointer(root, pointer{Generation: g.name, MappingVersion: mappingVersion,
		Count: count, BuiltAt: now().UTC(), SourceAt: sourceAt}); err != nil {
		os.RemoveAll(g.path)
		return st, err
	}
	st.Bytes = dirSize(g.path)
	st.Removed, err = removeOrphans(root, g.name, now())
	return st, err
}

// Refresh adopts the generation CURRENT names when it is not the live one
// (another process rebuilt the index): it opens it, loads its table,
// replays through Options.Reload the writes this process made since that
// build started reading the store, swaps it in, and retires the old one.
// It reports whether it swapped. Searches keep answering throughout.
func (ix *Index) Refresh(ctx context.Context) (bool, error) {
	ix.swapMu.Lock()
	defer ix.swapMu.Unlock()
	if ix.closed.Load() {
		return false, errClosed
	}
	p, ok, err := readPointer(ix.root)
	if err != nil || !ok || p.Generation == ix.cur.Load().name {
		return false, err
	}
	if p.MappingVersion != "" && p.MappingVersion != mappingVersion {
		return false, fmt.Errorf("index: %s names generation %s of mapping version %q; this program needs %q", pointerFile, p.Generation, p.MappingVersion, mappingVersion)
	}
	g, err := openGeneration(ix.root, p.Generation)
	if err != nil {
		return false, err
	}
	// Writes after SourceAt (less a minute for clocks) may be missing from
	// g. Writers wait from here to the swap, so none slips between.
	ix.wmu.Lock()
	ids := ix.wlog.since(p.SourceAt.Add(-time.Minute))
	var unsynced int
	if len(ids) > 0 {
		if ix.opts.Reload == nil {
			unsynced = len(ids)
		} else if err := ix.reloadInto(ctx, g, ids); err != nil {
			ix.wmu.Unlock()
			g.close()
			return false, fmt.Errorf("index: adopt %s: replay %d recent writes: %w", p.Generation, len(ids), err)
		}
	}
	old := ix.cur.Swap(g)
	ix.wmu.Unlock()
	ix.retire(old)
	if unsynced > 0 {
		return true, fmt.Errorf("index: adopted %s, but %d creators written here since its build started could not be replayed (no Options.Reload); they catch up at their next upsert", p.Generation, unsynced)
	}
	return true, nil
}

func (ix *Index) reloadInto(ctx context.Context, g *generation, ids []string) error {
	docs, err := ix.opts.Reload(ctx, ids)
	if err != nil {
		return err
	}
	if err := checkDocs(docs); err != nil {
		return err
	}
	got := map[string]bool{}
	for _, d := range docs {
		got[d.Creator.ID] = true
	}
	var gone []string
	for _, id := range ids {
		if !got[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := deleteFrom(g, gone); err != nil {
			return err
		}
	}
	return ix.b.load(g, lastPerID(docs))
}

// writeLog remembers when this process last wrote each creator, for
// Refresh. Entries older than writeLogHorizon are dropped: no build takes
// that long.
type writeLog struct {
	mu   sync.Mutex
	at   map[string]time.Time
	adds int
}

const writeLogHorizon = 24 * time.Hour

func newWriteLog() *writeLog { return &writeLog{at: map[string]time.Time{}} }

func (w *writeLog) record(id string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.at[id] = now
	w.adds++
	if w.adds >= 4096 {
		w.adds = 0
		for k, t := range w.at {
			if now.Sub(t) > writeLogHorizon {
				delete(w.at, k)
			}
		}
	}
}

// since returns the ids written at or after t, sorted.
func (w *writeLog) since(t time.Time) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for id, at := range w.at {
		if !at.Before(t) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// dirSize is the bytes of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
