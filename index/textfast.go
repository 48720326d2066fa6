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
// across terms, the intersection. This reads the postings of each segment
// directly and maps each segment's document numbers to table rows through a
// per-segment array, built once per segment (segments never change; a
// merge makes a new one). bleve's searcher path costs about a microsecond
// per matching document (a DocumentMatch, the conjunction machinery and an
// external-id lookup); this costs a posting read and an array index.

// noOrd marks a segment document with no table row (deleted, or written to
// bleve but not yet to the table).
const noOrd = math.MaxUint32

// segOrds caches, per segment of a generation, its document numbers' rows.
type segOrds struct {
	mu   sync.Mutex
	byID map[uint64][]uint32
}

// ordsOf returns the row of every document of ss. The caller holds the
// table's read lock. A table is cached only when every live document of
// the segment had a row: a batch is in bleve a moment before it is in the
// table, and a table built in that moment must not outlive this search.
func (g *generation) ordsOf(ss *scorch.SegmentSnapshot) ([]uint32, error) {
	g.segs.mu.Lock()
	tab, ok := g.segs.byID[ss.Id()]
	g.segs.mu.Unlock()
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
		g.segs.mu.Lock()
		if g.segs.byID == nil {
			g.segs.byID = map[uint64][]uint32{}
		}
		g.segs.byID[ss.Id()] = tab
		g.segs.mu.Unlock()
	}
	return tab, nil
}

// pruneSegOrds drops the cached arrays of segments no longer in the
// snapshot.
func (g *generation) pruneSegOrds(live []*scorch.SegmentSnapshot) {
	g.segs.mu.Lock()
	defer g.segs.mu.Unlock()
	if len(g.segs.byID) <= 2*len(live) {
		return
	}
	keep := make(map[uint64][]uint32, len(live))
	for _, ss := range live {
		if tab, ok := g.segs.byID[ss.Id()]; ok {
			keep[ss.Id()] = tab
		}
	}
	g.segs.byID = keep
}

// textOrds returns the rows whose text holds every term in one of the text
// fields, or ok=false when the index is not a scorch index (then the
// searcher path answers). The caller holds the table's read lock.
func (ix *Index) textOrds(ctx context.Context, g *generation, terms []string) (out *roaring.Bitmap, ok bool, err error) {
	r, err := g.reader()
	if err != nil {
		return nil, false, err
	}
	defer r.Close()
	snap, isScorch := r.(*scorch.IndexSnapshot)
	if !isScorch {
		return nil, false, nil
	}
	segs := snap.Segments()
	defer g.pruneSegOrds(segs)
	fields := []string{fName, fBio, fCaptions}
	var pl segment.PostingsList
	var it segment.PostingsIterator
	// Rows as dense bit sets: setting a bit is cheaper than adding an
	// unsorted row to a roaring bitmap, and the terms intersect word by
	// word.
	words := (len(g.tab.ids) + 63) / 64
	var acc []uint64
	for ti, term := range terms {
		if err := ctx.Err(); err != nil {
			return nil, true, ctxError(err)
		}
		bits := make([]uint64, words)
		any := false
		for _, ss := range segs {
			tab, err := g.ordsOf(ss)
			if err != nil {
				return nil, true, err
			}
			for _, f := range fields {
				dict, err := ss.Segment().Dictionary(f)
				if err != nil {
					return nil, true, err
				}
				if dict == nil {
					continue
				}
				pl, err = dict.PostingsList([]byte(term), ss.Deleted(), pl)
				if err != nil {
					return nil, true, err
				}
				if pl == nil || pl.Count() == 0 {
					continue
				}
				it = pl.Iterator(false, false, false, it)
				for {
					p, err := it.Next()
					if err != nil {
						return nil, true, err
					}
					if p == nil {
						break
					}
					if ord := tab[p.Number()]; ord != noOrd && int(ord>>6) < words {
						bits[ord>>6] |= 1 << (ord & 63)
						any = true
					}
				}
			}
		}
		if !any {
			return roaring.New(), true, nil
		}
		if ti == 0 {
			acc = bits
			continue
		}
		for i := range acc {
			acc[i] &= bits[i]
		}
	}
	out = roaring.FromDense(acc, false)
	return out, true, nil
}
