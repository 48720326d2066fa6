package index

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
	bolterrors "go.etcd.io/bbolt/errors"
)

// A generation is one complete index in its own directory:
//
//	META     {"mapping_version": "3", "shards": 1, …}, written before anything names the generation
//	LOCK     held (flock) by the process that has the generation open
//	docs     the document log (docslog.go)
//	table    the table snapshot (tablesnap.go)
//	text-N/  bleve index N of the text (a creator's shard is a hash of its id)
//
// bleve holds only the analysed text: no stored fields, no doc values.
// Its batches do not wait for the disk (scorch's unsafe_batch): the
// document log is what is durable, and each batch records how far into
// the log its shard has applied, so Open replays what a crash lost.

const (
	metaFile = "META"
	lockFile = "LOCK"
	logFile  = "docs"
)

// appliedKey is the bleve internal key where a text shard records the
// document log offset it has applied up to.
var appliedKey = []byte("creatorscout.applied")

// textShards is how many bleve indexes a new generation splits the text
// into (a variable for tests). One: the bulk load already keeps both cores
// busy without it, the text filter works on bitmaps, and with one shard
// relevance scores use the whole index's statistics (each shard scores
// with its own). More shards work and are tested against the oracle, but
// were not measured.
var textShards = 1

// genMeta is the content of META.
type genMeta struct {
	MappingVersion string    `json:"mapping_version"`
	Shards         int       `json:"shards"`
	CreatedAt      time.Time `json:"created_at"`
}

// generation is one open generation.
type generation struct {
	name   string
	path   string
	meta   genMeta
	lockf  *os.File
	shards []bleve.Index
	log    *docLog
	tab    *table

	// wmu serialises writes: the log, the text shards and the table are
	// written in the same order.
	wmu         sync.Mutex
	snapVersion uint64 // table version the snapshot on disk holds
	hasSnap     bool

	mu     sync.RWMutex // searches hold it for reading; closing takes it for writing
	closed bool

	segs []segOrds // per shard: segment rows for the text filter, see textfast.go

	facets facetCache
}

func shardDir(path string, s int) string { return filepath.Join(path, "text-"+strconv.Itoa(s)) }

func shardConfig() map[string]interface{} {
	return map[string]interface{}{"bolt_timeout": boltTimeout, "unsafe_batch": true}
}

// lockGen takes the generation's lock, waiting up to boltTimeout for
// another process to let go of it.
func lockGen(path string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(path, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("index: lock %s: %w", path, err)
	}
	wait, _ := time.ParseDuration(boltTimeout)
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("index: open %s: another process has it open (waited %s): %w", path, boltTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func writeMeta(path string, m genMeta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("index: encode meta: %w", err)
	}
	tmp := filepath.Join(path, ".META")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("index: write meta: %w", err)
	}
	if err := syncPath(tmp, os.O_RDWR); err != nil {
		return fmt.Errorf("index: sync meta: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(path, metaFile)); err != nil {
		return fmt.Errorf("index: write meta: %w", err)
	}
	return syncDir(path)
}

func readMeta(path string) (genMeta, error) {
	var m genMeta
	b, err := os.ReadFile(filepath.Join(path, metaFile))
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(filepath.Join(path, "index_meta.json")); serr == nil {
			return m, fmt.Errorf("index: open %s: built with mapping version 2 or older, this program needs %q; rebuild it from the store (creatorscout reindex)", path, mappingVersion)
		}
		return m, fmt.Errorf("index: open %s: no %s; the generation is incomplete or damaged; run creatorscout reindex", path, metaFile)
	}
	if err != nil {
		return m, fmt.Errorf("index: open %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("index: open %s: %s is damaged (%v); run creatorscout reindex", path, metaFile, err)
	}
	if m.MappingVersion != mappingVersion {
		return m, fmt.Errorf("index: open %s: built with mapping version %q, this program needs %q; rebuild it from the store (creatorscout reindex)", path, m.MappingVersion, mappingVersion)
	}
	if m.Shards < 1 || m.Shards > 64 {
		return m, fmt.Errorf("index: open %s: %s names %d text shards; run creatorscout reindex", path, metaFile, m.Shards)
	}
	return m, nil
}

// crashPoint, when set (by tests only), is called at each step of making
// a generation and of Open; a test process exits there to leave the disk
// as a kill -9 at that point would.
var crashPoint func(step string)

func reach(step string) {
	if crashPoint != nil {
		crashPoint(step)
	}
}

// createGeneration makes a new, empty generation directory under root.
// Everything in it is on disk when it returns, so a pointer may name it.
func createGeneration(root string, im *mapping.IndexMappingImpl, now time.Time) (_ *generation, err error) {
	name := newGenName(now)
	path := filepath.Join(root, name)
	if err := os.Mkdir(path, 0o755); err != nil {
		return nil, fmt.Errorf("index: create %s: %w", path, err)
	}
	reach("mkdir")
	g := &generation{name: name, path: path, meta: genMeta{MappingVersion: mappingVersion, Shards: textShards, CreatedAt: now.UTC()}}
	defer func() {
		if err != nil {
			g.closeFiles()
			os.RemoveAll(path)
		}
	}()
	if g.lockf, err = lockGen(path); err != nil {
		return nil, err
	}
	reach("lock")
	if err = writeMeta(path, g.meta); err != nil {
		return nil, err
	}
	reach("meta")
	if g.log, err = createDocLog(filepath.Join(path, logFile)); err != nil {
		return nil, err
	}
	reach("log")
	for s := 0; s < g.meta.Shards; s++ {
		bi, err := bleve.NewUsing(shardDir(path, s), im, scorch.Name, bleve.Config.DefaultKVStore, shardConfig())
		if err != nil {
			return nil, fmt.Errorf("index: create %s: %w", shardDir(path, s), err)
		}
		g.shards = append(g.shards, bi)
		reach("shard")
	}
	g.segs = make([]segOrds, len(g.shards))
	g.tab = newTable()
	if err = g.flush(); err != nil {
		return nil, err
	}
	reach("flush")
	if err = syncDir(path); err != nil {
		return nil, err
	}
	return g, nil
}

// openGeneration opens an existing generation: its table from the
// snapshot, then the writes the snapshot or a text shard is missing,
// replayed from the document log.
func openGeneration(root, name string, b *builder, logger *slog.Logger) (_ *generation, err error) {
	path := filepath.Join(root, name)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("index: %s names generation %s, which is missing (%v); run creatorscout reindex", filepath.Join(root, pointerFile), name, err)
	}
	meta, err := readMeta(path)
	if err != nil {
		return nil, err
	}
	g := &generation{name: name, path: path, meta: meta}
	defer func() {
		if err != nil {
			g.closeFiles()
		}
	}()
	if g.lockf, err = lockGen(path); err != nil {
		return nil, err
	}
	if g.log, err = openDocLog(filepath.Join(path, logFile)); err != nil {
		return nil, err
	}
	for s := 0; s < meta.Shards; s++ {
		bi, err := bleve.OpenUsing(shardDir(path, s), map[string]interface{}{"bolt_timeout": boltTimeout, "unsafe_batch": true})
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("index: open %s: another process has it open (waited %s): %w", shardDir(path, s), boltTimeout, err)
		}
		if err != nil {
			return nil, fmt.Errorf("index: open %s: %w", shardDir(path, s), err)
		}
		g.shards = append(g.shards, bi)
	}
	g.segs = make([]segOrds, len(g.shards))

	tab, from, serr := loadSnapshot(path)
	defer func() {
		if err != nil && tab != nil {
			tab.free()
		}
	}()
	switch {
	case serr == nil && from <= g.log.size():
		g.hasSnap = true
	case serr == nil:
		logger.Warn("index: the table snapshot is ahead of the document log; replaying the whole log", "generation", name)
		tab.free()
		tab, from = newTable(), docLogStart
	case errors.Is(serr, errNoSnapshot):
		tab, from = newTable(), docLogStart
	default:
		logger.Warn("index: the table snapshot is unreadable; replaying the whole log", "generation", name, "err", serr)
		tab, from = newTable(), docLogStart
	}
	if !g.hasSnap {
		tab.deferred = true // postings and ranks once, at the end
	}
	end, err := g.log.scan(from, false, func(off int64, n uint32, r *record) error {
		if r.del {
			tab.remove(r.id)
		} else {
			tab.put(&r.f, off, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if size := g.log.size(); end < size {
		logger.Warn("index: dropping a write cut short at the end of the document log", "generation", name, "bytes", size-end)
		if err := g.log.truncate(end); err != nil {
			return nil, err
		}
	}
	if tab.deferred {
		tab.buildPostings()
		tab.buildRanks()
	}
	if g.hasSnap && from == end {
		g.snapVersion = tab.version
	}
	g.tab = tab
	if err := g.replayText(b, end); err != nil {
		return nil, err
	}
	return g, nil
}

// applied returns the log offset text shard s has applied up to.
func (g *generation) applied(s int) (int64, error) {
	v, err := g.shards[s].GetInternal(appliedKey)
	if err != nil {
		return 0, fmt.Errorf("index: read %s of %s: %w", appliedKey, shardDir(g.path, s), err)
	}
	if len(v) == 0 {
		return docLogStart, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("index: %s of %s is damaged; run creatorscout reindex", appliedKey, shardDir(g.path, s))
	}
	return int64(binary.LittleEndian.Uint64(v)), nil
}

func offsetBytes(off int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(off)) }

// replayText brings every text shard up to the log's end.
func (g *generation) replayText(b *builder, end int64) error {
	from := end
	applied := make([]int64, len(g.shards))
	for s := range g.shards {
		a, err := g.applied(s)
		if err != nil {
			return err
		}
		if a > end {
			return fmt.Errorf("index: open %s: %w (text shard %d at %d, log ends at %d); run creatorscout reindex", g.path, errLogBehind, s, a, end)
		}
		applied[s] = a
		from = min(from, a)
	}
	if from == end {
		return nil
	}
	ch := b.chunker()
	defer b.release(ch)
	batches := make([]*bleve.Batch, len(g.shards))
	for s := range batches {
		batches[s] = g.shards[s].NewBatch()
	}
	flushShard := func(s int) error {
		if batches[s].Size() == 0 {
			return nil
		}
		if err := g.shards[s].Batch(batches[s]); err != nil {
			return fmt.Errorf("index: replay into %s: %w", shardDir(g.path, s), err)
		}
		batches[s].Reset()
		return nil
	}
	_, err := g.log.scan(from, true, func(off int64, n uint32, r *record) error {
		s := shardOf(r.id, len(g.shards))
		if off < applied[s] {
			return nil
		}
		if r.del {
			batches[s].Delete(r.id)
		} else {
			var names struct {
				DisplayName string `json:"display_name"`
				Bio         string `json:"bio"`
			}
			if err := json.Unmarshal(r.json, &names); err != nil {
				return fmt.Errorf("index: replay %s: %w", r.id, err)
			}
			if err := batches[s].IndexAdvanced(textDoc(ch, r.id, names.DisplayName, names.Bio, r.captions)); err != nil {
				return fmt.Errorf("index: replay %s: %w", r.id, err)
			}
		}
		if batches[s].Size() >= BatchSize {
			return flushShard(s)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for s := range batches {
		if err := flushShard(s); err != nil {
			return err
		}
	}
	return g.flush()
}

// flush puts everything written so far on disk: the log, and every text
// shard with its applied offset at the log's end.
func (g *generation) flush() error {
	if err := g.log.sync(); err != nil {
		return err
	}
	end := g.log.size()
	errs := make([]error, len(g.shards))
	var wg sync.WaitGroup
	for s, bi := range g.shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan error, 1)
			batch := bi.NewBatch()
			batch.SetInternal(appliedKey, offsetBytes(end))
			batch.SetPersistedCallback(func(err error) { done <- err })
			if err := bi.Batch(batch); err != nil {
				errs[s] = fmt.Errorf("index: flush %s: %w", shardDir(g.path, s), err)
				return
			}
			if err := <-done; err != nil {
				errs[s] = fmt.Errorf("index: flush %s: %w", shardDir(g.path, s), err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// snapshot writes the table snapshot when the table changed since the
// last one. The log is synced first: the snapshot never covers more.
func (g *generation) snapshot() error {
	if err := g.log.sync(); err != nil {
		return err
	}
	g.tab.mu.RLock()
	defer g.tab.mu.RUnlock()
	if g.hasSnap && g.tab.version == g.snapVersion {
		return nil
	}
	if err := writeSnapshot(g.path, g.tab, g.log.size()); err != nil {
		return err
	}
	g.hasSnap, g.snapVersion = true, g.tab.version
	return nil
}

// apply writes ps, in order: the log (synced), then the text shards
// (with their applied offset), then the table. Writes are serialised.
func (g *generation) apply(ps []prep) error {
	if len(ps) == 0 {
		return nil
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	recs := make([][]byte, len(ps))
	offs := make([]int64, len(ps))
	size := int64(0)
	for i, p := range ps {
		recs[i], offs[i] = p.rec, size
		size += int64(len(p.rec))
	}
	base, err := g.log.append(recs...)
	if err != nil {
		return err
	}
	if err := g.log.sync(); err != nil {
		return err
	}
	reach("logged")
	end := base + size
	if err := g.writeText(ps, end); err != nil {
		return err
	}
	reach("texted")
	g.tab.mu.Lock()
	for i := range ps {
		if ps[i].del {
			g.tab.remove(ps[i].id)
		} else {
			g.tab.put(&ps[i].f, base+offs[i], uint32(len(ps[i].rec)))
		}
	}
	g.tab.mu.Unlock()
	return nil
}

// writeText indexes the text of ps into their shards, in batches of
// BatchSize, the shards side by side. With end > 0 the last batch of each
// shard records end as applied.
func (g *generation) writeText(ps []prep, end int64) error {
	per := make([][]int, len(g.shards))
	for i := range ps {
		s := shardOf(ps[i].id, len(g.shards))
		per[s] = append(per[s], i)
	}
	errs := make([]error, len(g.shards))
	var wg sync.WaitGroup
	for s, idx := range per {
		if len(idx) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			bi := g.shards[s]
			for start := 0; start < len(idx); start += BatchSize {
				part := idx[start:min(start+BatchSize, len(idx))]
				batch := bi.NewBatch()
				for _, i := range part {
					if ps[i].del {
						batch.Delete(ps[i].id)
					} else if err := batch.IndexAdvanced(ps[i].text); err != nil {
						errs[s] = fmt.Errorf("index: write %s: %w", ps[i].id, err)
						return
					}
				}
				if end > 0 && start+BatchSize >= len(idx) {
					batch.SetInternal(appliedKey, offsetBytes(end))
				}
				if err := bi.Batch(batch); err != nil {
					if len(ps) == 1 {
						errs[s] = fmt.Errorf("index: upsert %s: %w", ps[0].id, err)
					} else {
						errs[s] = fmt.Errorf("index: write batch of %d: %w", len(part), err)
					}
					return
				}
				for _, i := range part {
					releaseText(ps[i].text)
					ps[i].text = nil
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// compact force-merges every text shard down to one segment, the shards
// side by side.
func (g *generation) compact(ctx context.Context) error {
	errs := make([]error, len(g.shards))
	var wg sync.WaitGroup
	for s, bi := range g.shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			adv, err := bi.Advanced()
			if err != nil {
				errs[s] = fmt.Errorf("index: compact: %w", err)
				return
			}
			sc, ok := adv.(*scorch.Scorch)
			if !ok {
				errs[s] = fmt.Errorf("index: compact: index type %T cannot force-merge", adv)
				return
			}
			if err := sc.ForceMerge(ctx, nil); err != nil {
				errs[s] = fmt.Errorf("index: compact: %w", err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// close closes g. With keep, it first puts everything on disk and writes
// the table snapshot, so the next open replays nothing; a generation about
// to be deleted is closed without.
func (g *generation) close(keep bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	var err error
	if keep {
		g.wmu.Lock()
		err = g.flush()
		if err == nil {
			err = g.snapshot()
		}
		g.wmu.Unlock()
	}
	if cerr := g.closeFiles(); err == nil {
		err = cerr
	}
	if g.tab != nil {
		g.tab.free() // no search holds g now: it waited for them
	}
	return err
}

// closeFiles closes what is open, without flushing.
func (g *generation) closeFiles() error {
	var errs []error
	for s, bi := range g.shards {
		if err := bi.Close(); err != nil {
			errs = append(errs, fmt.Errorf("index: close %s: %w", shardDir(g.path, s), err))
		}
	}
	g.shards = nil
	if g.log != nil {
		if err := g.log.close(); err != nil {
			errs = append(errs, err)
		}
		g.log = nil
	}
	if g.lockf != nil {
		g.lockf.Close() // releases the flock
		g.lockf = nil
	}
	return errors.Join(errs...)
}

// release ends a search's hold on g.
func (g *generation) release() { g.mu.RUnlock() }

// reader opens a bleve reader on shard s's current snapshot.
func (g *generation) reader(s int) (bindex.IndexReader, error) {
	adv, err := g.shards[s].Advanced()
	if err != nil {
		return nil, fmt.Errorf("index: reader: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("index: reader: %w", err)
	}
	return r, nil
}
