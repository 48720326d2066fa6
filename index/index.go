package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/creatorscout/creatorscout/creator"
)

// Doc is one creator with its recent posts, as the store hands it over.
type Doc struct {
	Creator *creator.Creator
	Posts   []creator.Post
}

// Index is a bleve index of creators. It is safe for concurrent use.
type Index struct {
	path string
	bi   bleve.Index
	im   *mapping.IndexMappingImpl
	b    *builder

	closeOnce sync.Once
	closeErr  error
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

// Open opens the index at path, creating it when path does not exist. An
// index built with another mapping version is refused: rebuild it from the
// store.
func Open(path string) (*Index, error) {
	if path == "" {
		return nil, fmt.Errorf("index: open: empty path")
	}
	im := newMapping()
	cfg := map[string]interface{}{"bolt_timeout": boltTimeout}

	var bi bleve.Index
	_, statErr := os.Stat(path)
	switch {
	case errors.Is(statErr, os.ErrNotExist):
		var err error
		bi, err = bleve.NewUsing(path, im, scorch.Name, bleve.Config.DefaultKVStore, cfg)
		if err != nil {
			return nil, fmt.Errorf("index: create %s: %w", path, err)
		}
		if err := bi.SetInternal(internalVersionKey, []byte(mappingVersion)); err != nil {
			bi.Close()
			return nil, fmt.Errorf("index: create %s: record mapping version: %w", path, err)
		}
	case statErr != nil:
		return nil, fmt.Errorf("index: open %s: %w", path, statErr)
	default:
		var err error
		bi, err = bleve.OpenUsing(path, cfg)
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
			return nil, fmt.Errorf("index: open %s: built with mapping version %q, this program needs %q; rebuild it from the store", path, v, mappingVersion)
		}
	}
	b, err := newBuilder(im)
	if err != nil {
		bi.Close()
		return nil, err
	}
	return &Index{path: path, bi: bi, im: im, b: b}, nil
}

// Path returns the directory of the index.
func (ix *Index) Path() string { return ix.path }

// Upsert indexes d, replacing any document with the same creator id. The
// creator is searchable when Upsert returns.
func (ix *Index) Upsert(d Doc) error {
	if err := checkDoc(d); err != nil {
		return fmt.Errorf("index: upsert: %w", err)
	}
	doc, err := ix.b.build(d)
	if err != nil {
		return err
	}
	batch := ix.bi.NewBatch()
	if err := batch.IndexAdvanced(doc); err != nil {
		return fmt.Errorf("index: upsert %s: %w", d.Creator.ID, err)
	}
	if err := ix.bi.Batch(batch); err != nil {
		return fmt.Errorf("index: upsert %s: %w", d.Creator.ID, err)
	}
	return nil
}

// UpsertBatch indexes many documents: the bulk load. Every document is
// checked before any is written; an error names the position and id of the
// first bad one. Documents are written in batches of BatchSize by
// BatchWriters concurrent writers; when an id repeats, the last document
// wins. If a write fails, batches already
// written stay written; upserting the same documents again is safe.
func (ix *Index) UpsertBatch(docs []Doc) error {
	for i, d := range docs {
		if err := checkDoc(d); err != nil {
			id := ""
			if d.Creator != nil {
				id = d.Creator.ID
			}
			return fmt.Errorf("index: batch document %d (id %q): %w", i, id, err)
		}
	}
	docs = lastPerID(docs)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		chunks   = make(chan []Doc)
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	for w := 0; w < BatchWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				if failed() {
					continue
				}
				if err := ix.writeBatch(chunk); err != nil {
					fail(err)
				}
			}
		}()
	}
	for start := 0; start < len(docs); start += BatchSize {
		end := min(start+BatchSize, len(docs))
		chunks <- docs[start:end]
	}
	close(chunks)
	wg.Wait()
	return firstErr
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

func (ix *Index) writeBatch(docs []Doc) error {
	batch := ix.bi.NewBatch()
	for _, d := range docs {
		doc, err := ix.b.build(d)
		if err != nil {
			return err
		}
		if err := batch.IndexAdvanced(doc); err != nil {
			return fmt.Errorf("index: batch %s: %w", d.Creator.ID, err)
		}
	}
	if err := ix.bi.Batch(batch); err != nil {
		return fmt.Errorf("index: write batch of %d: %w", len(docs), err)
	}
	return nil
}

// Delete removes the creator with the given id. Deleting an id that is not
// indexed is not an error.
func (ix *Index) Delete(id string) error {
	if id == "" {
		return fmt.Errorf("index: delete: %w", creator.Invalid("id", "is empty"))
	}
	if err := ix.bi.Delete(id); err != nil {
		return fmt.Errorf("index: delete %s: %w", id, err)
	}
	return nil
}

// Count returns the number of creators in the index.
func (ix *Index) Count() (uint64, error) {
	n, err := ix.bi.DocCount()
	if err != nil {
		return 0, fmt.Errorf("index: count: %w", err)
	}
	return n, nil
}

// Compact merges the index down to one segment and waits until it is done.
// Call it after a bulk load: with 10–12 live segments searches were 15–70%
// slower (BLEVE_NOTES.md). Searches and writes keep working meanwhile.
func (ix *Index) Compact() error {
	adv, err := ix.bi.Advanced()
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

// Close closes the index. Later calls return the first call's result.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		if err := ix.bi.Close(); err != nil {
			ix.closeErr = fmt.Errorf("index: close: %w", err)
		}
	})
	return ix.closeErr
}
