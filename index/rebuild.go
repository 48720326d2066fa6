package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
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

// fill loads every document of each into g, a generation nobody serves
// yet, then puts it on disk with its table snapshot and force-merges its
// text. The work is a pipeline: the caller's goroutine reads each and cuts
// the documents into jobs of BatchSize; one preparer per core analyses and
// encodes them (prepare); a committer appends them to the log and the
// table in source order; BatchWriters writers index their text into
// bleve. A creator that appears twice is indexed once more at the end, from
// its last record, since the text writers may finish out of order.
//
// With serve false (Build: the generation is closed once built and
// another process opens it), the table's postings are never made: the
// snapshot does not hold them, and building them adds the bitmaps and a
// temporary array of every row's values at the peak of the load.
func (b *builder) fill(ctx context.Context, g *generation, each Each, st *BuildStats, serve bool) error {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		docs []Doc
		ps   []prep
		recs *[]byte // the buffer ps's records are pieces of (recBufs)
		err  error
		done chan struct{}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	work := make(chan *job)
	order := make(chan *job, workers)
	textq := make(chan []prep, BatchWriters)

	var failed atomic.Pointer[error]
	fail := func(err error) {
		if err != nil && failed.CompareAndSwap(nil, &err) {
			cancel()
		}
	}

	var pwg sync.WaitGroup
	for w := 0; w < workers; w++ {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			ch := b.chunker()
			defer b.release(ch)
			for j := range work {
				j.ps = make([]prep, len(j.docs))
				j.recs = recBufs.Get().(*[]byte)
				buf := (*j.recs)[:0]
				for i, d := range j.docs {
					p, grown, err := b.prepareInto(d, ch, buf)
					buf = grown
					if err != nil {
						j.err = err
						break
					}
					j.ps[i] = p
				}
				*j.recs = buf
				j.docs = nil
				close(j.done)
			}
		}()
	}
	var twg sync.WaitGroup
	for w := 0; w < BatchWriters; w++ {
		twg.Add(1)
		go func() {
			defer twg.Done()
			for ps := range textq {
				if failed.Load() == nil {
					fail(g.writeText(ps, 0))
				}
			}
		}()
	}
	var dups []string
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		defer close(textq)
		for j := range order {
			<-j.done
			if failed.Load() != nil {
				continue
			}
			if j.err != nil {
				fail(j.err)
				continue
			}
			err := g.appendBulk(j.ps, &dups)
			// The log has copied the records (appendBulk drops them).
			recBufs.Put(j.recs)
			if err != nil {
				fail(err)
				continue
			}
			textq <- j.ps
		}
	}()

	// The table builds its postings once at the end (buildPostings).
	g.tab.mu.Lock()
	g.tab.deferred = true
	g.tab.mu.Unlock()
	var n uint64
	buf := make([]Doc, 0, BatchSize)
	send := func() {
		if len(buf) == 0 {
			return
		}
		j := &job{docs: lastPerID(buf), done: make(chan struct{})}
		buf = make([]Doc, 0, BatchSize)
		order <- j
		work <- j
	}
	err := each(ctx, func(d Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n == BatchSize*2 {
			reach("fill")
		}
		if err := checkDoc(d); err != nil {
			id := ""
			if d.Creator != nil {
				id = d.Creator.ID
			}
			return fmt.Errorf("document %d (id %q): %w", n, id, err)
		}
		n++
		buf = append(buf, d)
		if len(buf) >= BatchSize {
			send()
		}
		return nil
	})
	if err == nil {
		send()
	}
	close(work)
	close(order)
	pwg.Wait()
	<-committed
	twg.Wait()
	if p := failed.Load(); p != nil && (err == nil || errors.Is(err, context.Canceled)) {
		err = *p
	}
	if err != nil {
		return fmt.Errorf("index: rebuild: %w", err)
	}
	if serve {
		g.tab.mu.Lock()
		g.tab.buildPostings()
		g.tab.buildRanks()
		g.tab.mu.Unlock()
	}
	if len(dups) > 0 {
		if err := g.reindexText(b, dups); err != nil {
			return err
		}
	}
	if err := g.flush(); err != nil {
		return err
	}
	if err := g.snapshot(); err != nil {
		return err
	}
	st.Load = time.Since(start)
	start = time.Now()
	if err := g.compact(ctx); err != nil {
		return err
	}
	if err := g.flush(); err != nil {
		return err
	}
	st.Compact = time.Since(start)
	st.Docs = g.tab.size()
	return nil
}

// appendBulk appends prepared upserts to the log (buffered: g is not
// served yet) and the table, and adds to dups the ids that had a row.
func (g *generation) appendBulk(ps []prep, dups *[]string) error {
	recs := make([][]byte, len(ps))
	for i := range ps {
		recs[i] = ps[i].rec
	}
	base, err := g.log.append(recs...)
	if err != nil {
		return err
	}
	g.tab.mu.Lock()
	defer g.tab.mu.Unlock()
	off := base
	for i := range ps {
		n := uint32(len(ps[i].rec))
		if g.tab.put(&ps[i].f, off, n) {
			*dups = append(*dups, ps[i].id)
		}
		off += int64(n)
		ps[i].rec = nil
	}
	return nil
}

// reindexText indexes the text of ids again from their current records.
func (g *generation) reindexText(b *builder, ids []string) error {
	if err := g.log.flush(); err != nil {
		return err
	}
	ch := b.chunker()
	defer b.release(ch)
	var ps []prep
	g.tab.mu.RLock()
	for _, id := range ids {
		ord, ok := g.tab.ords[id]
		if !ok {
			continue
		}
		r, err := g.log.read(g.tab.recOff[ord], g.tab.recLen[ord], true)
		if err != nil {
			g.tab.mu.RUnlock()
			return err
		}
		var names struct {
			DisplayName string `json:"display_name"`
			Bio         string `json:"bio"`
		}
		if err := json.Unmarshal(r.json, &names); err != nil {
			g.tab.mu.RUnlock()
			return fmt.Errorf("index: reindex %s: %w", id, err)
		}
		ps = append(ps, prep{id: id, text: textDoc(ch, id, names.DisplayName, names.Bio, r.captions)})
	}
	g.tab.mu.RUnlock()
	return g.writeText(ps, 0)
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
	g, err := createGeneration(ix.root, ix.im, sourceAt)
	if err != nil {
		return st, err
	}
	st.Generation = g.name
	discard := func() {
		ix.wmu.Lock()
		ix.rebuild = nil
		ix.wmu.Unlock()
		g.close(false)
		os.RemoveAll(g.path)
	}
	ix.wmu.Lock()
	ix.rebuild = &rebuildState{docs: map[string]Doc{}, deleted: map[string]bool{}}
	ix.wmu.Unlock()
	if err := ix.b.fill(ctx, g, each, &st, true); err != nil {
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
		g.close(false)
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
	var ps []prep
	for id := range rb.deleted {
		ps = append(ps, prepDelete(id))
	}
	docs := make([]Doc, 0, len(rb.docs))
	for _, d := range rb.docs {
		docs = append(docs, d)
	}
	prepared, err := ix.b.prepareAll(docs)
	if err != nil {
		return err
	}
	return g.apply(append(ps, prepared...))
}

// retire closes old once no search holds it and deletes its directory,
// with any other generation nobody holds. It returns what it deleted.
func (ix *Index) retire(old *generation) []string {
	if err := old.close(false); err != nil {
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
	g, err := createGeneration(root, im, sourceAt)
	if err != nil {
		return st, err
	}
	st.Generation = g.name
	if err := b.fill(ctx, g, each, &st, false); err != nil {
		g.close(false)
		os.RemoveAll(g.path)
		return st, err
	}
	count := st.Docs
	if err := g.close(true); err != nil {
		os.RemoveAll(g.path)
		return st, fmt.Errorf("index: close new generation: %w", err)
	}
	reach("swap")
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
	g, err := openGeneration(ix.root, p.Generation, ix.b, ix.opts.Logger)
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
			g.close(false)
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
	var ps []prep
	for _, id := range ids {
		if !got[id] {
			ps = append(ps, prepDelete(id))
		}
	}
	prepared, err := ix.b.prepareAll(lastPerID(docs))
	if err != nil {
		return err
	}
	return g.apply(append(ps, prepared...))
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
