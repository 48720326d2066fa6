package index

import (
	"context"
	"math"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// The text filter without scores. When the sort is not by relevance, a
// text query only decides which creators match, and that is a set
// operation: per term, the union of its postings in the three text fields;
// across terms, the intersection. zap keeps each postings list as a
// roaring bitmap of the segment's document numbers, so this is done on
// those bitmaps directly (OrInto), then the few documents left are mapped
// to table rows through a per-segment array, built once per segment
// (segments never change; a merge makes a new one). bleve's searcher path
// costs about a microsecond per matching document (a DocumentMatch, the
// conjunction machinery and an external-id lookup); iterating the postings
// one by one cost tens of nanoseconds per posting, which for common words
// at 1M creators is hundreds of thousands of postings per query.

// noOrd marks a segment document with no table row (deleted, or written to
// bleve but not yet to the table).
const noOrd = math.MaxUint32

// segOrds caches, per segment of a text shard, its document numbers' rows.
type segOrds struct {
	mu   sync.Mutex
	byID map[uint64][]uint32
}

// ordsOf returns the row of every document of ss, a segment of shard s.
// The caller holds the table's read lock. A table is cached only when
// every live document of the segment had a row: a batch is in bleve a
// moment before it is in the table, and a table built in that moment must
// not outlive this search.
func (g *generation) ordsOf(s int, ss *scorch.SegmentSnapshot) ([]uint32, error) {
	so := &g.segs[s]
	so.mu.Lock()
	tab, ok := so.byID[ss.Id()]
	so.mu.Unlock()
	if ok {
		return tab, nil
	}
	seg := ss.Segment()
	n := seg.Count()
	tab = make([]uint32, n)
	deleted := ss.Deleted()
	complete := true
	for num := uint64(0); num < n; num++ {
		tab[num] = noOrd
		if deleted != nil && deleted.Contains(uint32(num)) {
			continue
		}
		id, err := seg.DocID(num)
		if err != nil {
			return nil, err
		}
		if ord, ok := g.tab.ords[string(id)]; ok {
			tab[num] = ord
		} else {
			complete = false
		}
	}
	if complete {
		so.mu.Lock()
		if so.byID == nil {
			so.byID = map[uint64][]uint32{}
		}
		so.byID[ss.Id()] = tab
		so.mu.Unlock()
	}
	return tab, nil
}

// pruneSegOrds drops the cached arrays of shard s's segments no longer in
// the snapshot.
func (g *generation) pruneSegOrds(s int, live []*scorch.SegmentSnapshot) {
	so := &g.segs[s]
	so.mu.Lock()
	defer so.mu.Unlock()
	if len(so.byID) <= 2*len(live) {
		return
	}
	keep := make(map[uint64][]uint32, len(live))
	for _, ss := range live {
		if tab, ok := so.byID[ss.Id()]; ok {
			keep[ss.Id()] = tab
		}
	}
	so.byID = keep
}

// orInto is zap's postings list with its bitmap exposed.
type orInto interface {
	OrInto(receiver *roaring.Bitmap)
}

// textOrds returns the rows whose text holds every term in one of the text
// fields, or ok=false when a shard is not a scorch index (then the
// searcher path answers). The caller holds the table's read lock.
func (ix *Index) textOrds(ctx context.Context, g *generation, terms []string) (out *roaring.Bitmap, ok bool, err error) {
	// Rows as a dense bit set: setting a bit is cheaper than adding an
	// unsorted row to a roaring bitmap.
	words := (len(g.tab.ids) + 63) / 64
	bits := make([]uint64, words)
	var pl segment.PostingsList
	var it segment.PostingsIterator
	for s := range g.shards {
		r, err := g.reader(s)
		if err != nil {
			return nil, false, err
		}
		snap, isScorch := r.(*scorch.IndexSnapshot)
		if !isScorch {
			r.Close()
			return nil, false, nil
		}
		segs := snap.Segments()
		for _, ss := range segs {
			if err := ctx.Err(); err != nil {
				r.Close()
				return nil, true, ctxError(err)
			}
			var acc *roaring.Bitmap
			for _, term := range terms {
				u := roaring.New()
				for _, f := range textFields {
					dict, err := ss.Segment().Dictionary(f)
					if err != nil {
						r.Close()
						return nil, true, err
					}
					if dict == nil {
						continue
					}
					pl, err = dict.PostingsList([]byte(term), nil, pl)
					if err != nil {
						r.Close()
						return nil, true, err
					}
					if pl == nil || pl.Count() == 0 {
						continue
					}
					if o, ok := pl.(orInto); ok {
						o.OrInto(u)
						continue
					}
					it = pl.Iterator(false, false, false, it)
					for {
						p, err := it.Next()
						if err != nil {
							r.Close()
							return nil, true, err
						}
						if p == nil {
							break
						}
						u.Add(uint32(p.Number()))
					}
				}
				if acc == nil {
					acc = u
				} else {
					acc.And(u)
				}
				if acc.IsEmpty() {
					break
				}
			}
			if acc == nil || acc.IsEmpty() {
				continue
			}
			if del := ss.Deleted(); del != nil {
				acc.AndNot(del)
			}
			tab, err := g.ordsOf(s, ss)
			if err != nil {
				r.Close()
				return nil, true, err
			}
			ai := acc.Iterator()
			for ai.HasNext() {
				if ord := tab[ai.Next()]; ord != noOrd && int(ord>>6) < words {
					bits[ord>>6] |= 1 << (ord & 63)
				}
			}
		}
		g.pruneSegOrds(s, segs)
		r.Close()
	}
	return roaring.FromDense(bits, false), true, nil
}
