package index

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
)

// The table is the in-memory half of the index: per creator, the values
// that filters, sorts and facets read, and where its record lies in the
// document log. Keyword values are small integers in columns, with a
// roaring bitmap of rows per value; numbers are in columns. A structured
// filter is then a few bitmap unions and intersections, a facet is a pass
// over a column, and a sort is a top-k over a column. BLEVE_NOTES.md
// measured bleve's per-hit doc-value decoding (sort keys and facets) as
// most of a query's time at 1M creators; the table removes it.
//
// Memory: a multi-valued column keeps each row's values in one shared
// arena of large uint32 chunks, addressed by one uint64 per row, rather
// than a slice per row: at 1M creators that is six million fewer slice
// headers for the garbage collector to scan on every cycle, and no
// per-row allocations.
//
// Rows are addressed by an ordinal (ord). Ords are assigned when a creator
// is first seen and never reused while the table lives: a deleted
// creator's postings may linger in bleve for a moment after its row is
// gone, and must not point at someone else's row. Loading the table from
// its snapshot compacts the ords.

// kw names a keyword column.
type kw int

const (
	kwPlatform kw = iota
	kwTier
	kwCountry
	kwRegion
	kwCity
	kwLanguage
	kwNiches
	kwHashtags
	kwBrands
	kwBrandClass
	kwFlags
	kwGeoCell
	numKW
)

// multiKW says which keyword columns hold several values per creator.
var multiKW = [numKW]bool{kwNiches: true, kwHashtags: true, kwBrands: true, kwBrandClass: true, kwFlags: true, kwGeoCell: true}

// kwOfFacet maps a creator.FacetFields name to its column.
var kwOfFacet = map[string]kw{
	"platform": kwPlatform,
	"tier":     kwTier,
	"niche":    kwNiches,
	"country":  kwCountry,
	"city":     kwCity,
	"language": kwLanguage,
	"brand":    kwBrands,
	"hashtag":  kwHashtags,
}

// Flag values of the flags column.
const (
	flagVerified    = "verified"
	flagHasEmail    = "has_email"
	flagUndisclosed = "undisclosed"
)

// column is one keyword column's dictionary and postings. Term ids start
// at 1; 0 means no value. A row's term ids are in the table's rows.
type column struct {
	multi bool
	slot  int // index in kwRow.one (single-valued) or kwRow.ref (multi-valued)
	dict  map[string]uint32
	terms []string          // term id -> value
	post  []*roaring.Bitmap // term id -> ords
}

func newColumn(multi bool, slot int) *column {
	return &column{multi: multi, slot: slot, dict: map[string]uint32{}, terms: []string{""}, post: []*roaring.Bitmap{nil}}
}

// Single- and multi-valued columns.
const (
	numOne   = 6 // kwPlatform … kwLanguage
	numMulti = numKW - numOne
)

// kwRow is one row's keyword values: the term id of each single-valued
// column and the arena reference of each multi-valued one, side by side.
// Counting facets reads every column of each hit: stored by row, that is
// one or two cache lines per hit rather than one per column.
type kwRow struct {
	one [numOne]uint32
	ref [numMulti]uint64
}

// termID returns the id of v, adding it when add is true; 0 when v is
// unknown and add is false.
func (c *column) termID(v string, add bool) uint32 {
	if id, ok := c.dict[v]; ok {
		return id
	}
	if !add {
		return 0
	}
	id := uint32(len(c.terms))
	v = strings.Clone(v) // see put
	c.dict[v] = id
	c.terms = append(c.terms, v)
	c.post = append(c.post, roaring.New())
	return id
}

// arena holds the values of multi-valued rows in chunks of arenaChunk
// uint32s. A reference packs the chunk (20 bits), the offset in it (24
// bits) and the count (20 bits); a row's values never straddle chunks.
type arena struct {
	chunks  [][]uint32
	regions [][]uint32 // mappings the chunks were cut from (a loaded snapshot's)
	garbage int        // values no row refers to any more
}

const (
	arenaChunk = 1 << 20
	// maxValues is the most values one row of one column may hold.
	maxValues = arenaChunk - 1
)

func (a *arena) alloc(vals []uint32) uint64 {
	n := len(vals)
	if n == 0 {
		return 0
	}
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last])+n > arenaChunk {
		a.chunks = append(a.chunks, offAlloc[uint32](min(arenaChunk, max(4096, n)))[:0])
		last++
	}
	ch := a.chunks[last]
	off := len(ch)
	if len(ch)+n > cap(ch) {
		grown := offAlloc[uint32](min(arenaChunk, max(2*cap(ch), len(ch)+n)))[:len(ch)]
		copy(grown, ch)
		offFree(ch)
		ch = grown
	}
	a.chunks[last] = append(ch, vals...)
	return uint64(last)<<44 | uint64(off)<<20 | uint64(n)
}

// free releases the arena's memory; nothing may use it afterwards.
func (a *arena) free() {
	for _, ch := range a.chunks {
		offFree(ch)
	}
	for _, r := range a.regions {
		offFree(r)
	}
	a.chunks, a.regions = nil, nil
}

func (a *arena) get(ref uint64) []uint32 {
	n := int(ref & (1<<20 - 1))
	if n == 0 {
		return nil
	}
	ch := a.chunks[ref>>44]
	off := int(ref >> 20 & (1<<24 - 1))
	return ch[off : off+n : off+n]
}

// Unknown numbers: NaN for floats, noInt for integers.
const noInt = math.MinInt64

// table holds the rows. Readers take mu for reading for the whole of a
// search; writers take it for writing only while they change rows.
type table struct {
	mu   sync.RWMutex
	ids  []string // ord -> creator id; "" when the ord is free
	ords map[string]uint32
	live *roaring.Bitmap

	kw    [numKW]*column
	rows  []kwRow // ord -> keyword values
	arena arena

	followers []int64
	lastPost  []int64 // Unix nanoseconds
	er        []float64
	growth    []float64
	auth      []float64
	lat, lon  []float64

	recOff []int64  // ord -> offset of its record in the document log
	recLen []uint32 // ord -> length of the record

	// idRank is each row's place in id order as of the last buildRanks,
	// noRank for rows added since: ties in a sort compare two numbers
	// instead of two ids where both have one.
	idRank []uint32

	version uint64 // counts changes, for the facet cache

	// deferred: the postings are not kept up to date while set (a bulk
	// load into a table nobody reads); buildPostings makes them.
	deferred bool
}

func newTable() *table {
	t := &table{ords: map[string]uint32{}, live: roaring.New()}
	for k := range t.kw {
		if multiKW[k] {
			t.kw[k] = newColumn(true, k-numOne)
		} else {
			t.kw[k] = newColumn(false, k)
		}
	}
	return t
}

// one is a single-valued row's term id (0: none).
func (t *table) one(k kw, ord uint32) uint32 { return t.rows[ord].one[t.kw[k].slot] }

// size is the number of live rows.
func (t *table) size() uint64 { return t.live.GetCardinality() }

// values returns a multi-valued row's term ids. The slice is shared.
func (t *table) values(k kw, ord uint32) []uint32 {
	return t.arena.get(t.rows[ord].ref[t.kw[k].slot])
}

// grow adds an empty row and returns its ord. The per-row columns live
// outside the Go heap (offheap.go) and grow together.
func (t *table) grow() uint32 {
	ord := uint32(len(t.ids))
	n := len(t.ids) + 1
	t.ids = append(t.ids, "")
	t.followers = offGrow(t.followers, n)
	t.lastPost = offGrow(t.lastPost, n)
	t.er = offGrow(t.er, n)
	t.growth = offGrow(t.growth, n)
	t.auth = offGrow(t.auth, n)
	t.lat = offGrow(t.lat, n)
	t.lon = offGrow(t.lon, n)
	t.recOff = offGrow(t.recOff, n)
	t.recLen = offGrow(t.recLen, n)
	t.rows = offGrow(t.rows, n)
	t.followers = append(t.followers, noInt)
	t.lastPost = append(t.lastPost, noInt)
	nan := math.NaN()
	t.er = append(t.er, nan)
	t.growth = append(t.growth, nan)
	t.auth = append(t.auth, nan)
	t.lat = append(t.lat, nan)
	t.lon = append(t.lon, nan)
	t.recOff = append(t.recOff, 0)
	t.recLen = append(t.recLen, 0)
	t.rows = append(t.rows, kwRow{})
	if !t.deferred { // a bulk load ranks every row at its end
		t.idRank = append(offGrow(t.idRank, n), noRank)
	}
	return ord
}

// free releases the table's memory outside the Go heap. The caller makes
// sure that nothing uses the table any more.
func (t *table) free() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range [][]int64{t.followers, t.lastPost, t.recOff} {
		offFree(s)
	}
	for _, s := range [][]float64{t.er, t.growth, t.auth, t.lat, t.lon} {
		offFree(s)
	}
	offFree(t.recLen)
	offFree(t.idRank)
	offFree(t.rows)
	t.arena.free()
	t.followers, t.lastPost, t.recOff, t.er, t.growth, t.auth, t.lat, t.lon = nil, nil, nil, nil, nil, nil, nil, nil
	t.recLen, t.idRank, t.rows = nil, nil, nil
	t.ids, t.ords, t.live = nil, map[string]uint32{}, roaring.New()
}

// put adds or replaces the row of f.id, whose record is n bytes at off in
// the document log. It reports whether the id had a row already. The
// caller holds mu for writing.
func (t *table) put(f *facts, off int64, n uint32) bool {
	t.version++
	ord, had := t.ords[f.id]
	if had {
		t.clearRow(ord)
	} else {
		// The table outlives the document: it keeps copies, not pieces
		// of whatever buffer the caller decoded the document from.
		id := strings.Clone(f.id)
		ord = t.grow()
		t.ords[id] = ord
		t.ids[ord] = id
	}
	t.live.Add(ord)
	t.recOff[ord], t.recLen[ord] = off, n
	t.setOne(kwPlatform, ord, f.platform)
	t.setOne(kwTier, ord, f.tier)
	t.setOne(kwCountry, ord, f.country)
	t.setOne(kwRegion, ord, f.region)
	t.setOne(kwCity, ord, f.city)
	t.setOne(kwLanguage, ord, f.language)
	var buf [64]uint32
	t.setMany(kwNiches, ord, f.niches, buf[:0])
	t.setMany(kwHashtags, ord, f.hashtags, buf[:0])
	t.setMany(kwBrands, ord, f.brands, buf[:0])
	t.setMany(kwBrandClass, ord, f.brandClass, buf[:0])
	var flags []string
	if f.verified {
		flags = append(flags, flagVerified)
	}
	if f.hasEmail {
		flags = append(flags, flagHasEmail)
	}
	if f.undisclosed {
		flags = append(flags, flagUndisclosed)
	}
	t.setMany(kwFlags, ord, flags, buf[:0])
	if f.lat != nil {
		t.lat[ord], t.lon[ord] = *f.lat, *f.lon
		t.setMany(kwGeoCell, ord, geoCells(*f.lat, *f.lon), buf[:0])
	}
	if f.followers != nil {
		t.followers[ord] = *f.followers
	}
	if f.lastPost != nil {
		t.lastPost[ord] = *f.lastPost
	}
	t.er[ord] = floatOrNaN(f.er)
	t.growth[ord] = floatOrNaN(f.growth)
	t.auth[ord] = floatOrNaN(f.authenticity)
	return had
}

func (t *table) setOne(k kw, ord uint32, v string) {
	if v == "" {
		return
	}
	c := t.kw[k]
	id := c.termID(v, true)
	if !t.deferred {
		c.post[id].Add(ord)
	}
	t.rows[ord].one[c.slot] = id
}

// setMany sets a multi-valued row; empty and repeated values are skipped.
func (t *table) setMany(k kw, ord uint32, vals []string, ids []uint32) {
	c := t.kw[k]
	for _, v := range vals {
		if v == "" {
			continue
		}
		id := c.termID(v, true)
		if slices.Contains(ids, id) {
			continue // a repeated value
		}
		ids = append(ids, id)
		if !t.deferred {
			c.post[id].Add(ord)
		}
	}
	t.rows[ord].ref[c.slot] = t.arena.alloc(ids)
}

// remove drops the row of id, if any. The caller holds mu for writing.
func (t *table) remove(id string) {
	ord, ok := t.ords[id]
	if !ok {
		return
	}
	t.version++
	t.clearRow(ord)
	delete(t.ords, id)
	t.ids[ord] = ""
	t.live.Remove(ord)
	t.recOff[ord], t.recLen[ord] = 0, 0
}

func (t *table) clearRow(ord uint32) {
	row := &t.rows[ord]
	for _, c := range t.kw {
		if c.multi {
			vals := t.arena.get(row.ref[c.slot])
			if !t.deferred {
				for _, id := range vals {
					c.post[id].Remove(ord)
				}
			}
			t.arena.garbage += len(vals)
			row.ref[c.slot] = 0
			continue
		}
		if id := row.one[c.slot]; id != 0 {
			if !t.deferred {
				c.post[id].Remove(ord)
			}
			row.one[c.slot] = 0
		}
	}
	t.followers[ord], t.lastPost[ord] = noInt, noInt
	nan := math.NaN()
	t.er[ord], t.growth[ord], t.auth[ord], t.lat[ord], t.lon[ord] = nan, nan, nan, nan, nan
	t.compactArena()
}

// compactArena copies the live values into a fresh arena once more than
// half of it is garbage (rows replaced by upserts). The caller holds mu
// for writing.
func (t *table) compactArena() {
	used := 0
	for _, ch := range t.arena.chunks {
		used += len(ch)
	}
	if used < 1<<20 || t.arena.garbage*2 < used {
		return
	}
	var fresh arena
	for ord := range t.rows {
		for i, ref := range t.rows[ord].ref {
			t.rows[ord].ref[i] = fresh.alloc(t.arena.get(ref))
		}
	}
	t.arena.free()
	t.arena = fresh
}

// buildPostings makes every column's postings from its values and ends
// deferred mode: per column, a count of rows per term, then each term's
// rows in ascending order in one array, then one bitmap per term from
// its sorted run. Adding row by row to tens of thousands of bitmaps
// missed the cache on nearly every add: at 300k creators that was 3 s of
// a bulk load and most of the table's load time.
func (t *table) buildPostings() {
	t.deferred = false
	live := t.live
	for _, c := range t.kw {
		counts := make([]uint32, len(c.terms)+1)
		each := func(fn func(ord uint32, id uint32)) {
			it := live.Iterator()
			for it.HasNext() {
				ord := it.Next()
				if c.multi {
					for _, id := range t.arena.get(t.rows[ord].ref[c.slot]) {
						fn(ord, id)
					}
				} else if id := t.rows[ord].one[c.slot]; id != 0 {
					fn(ord, id)
				}
			}
		}
		each(func(_, id uint32) { counts[id+1]++ })
		for i := 1; i < len(counts); i++ {
			counts[i] += counts[i-1]
		}
		rows := make([]uint32, counts[len(counts)-1])
		next := slices.Clone(counts[:len(c.terms)])
		each(func(ord, id uint32) {
			rows[next[id]] = ord
			next[id]++
		})
		for id := 1; id < len(c.terms); id++ {
			b := roaring.New()
			b.AddMany(rows[counts[id]:counts[id+1]])
			b.RunOptimize()
			c.post[id] = b
		}
	}
}

// noRank marks a row without an id rank.
const noRank = math.MaxUint32

// buildRanks ranks every live row by id.
func (t *table) buildRanks() {
	ords := t.live.ToArray()
	slices.SortFunc(ords, func(a, b uint32) int { return strings.Compare(t.ids[a], t.ids[b]) })
	t.idRank = offGrow(t.idRank, len(t.ids))[:len(t.ids)]
	for i := range t.idRank {
		t.idRank[i] = noRank
	}
	for r, ord := range ords {
		t.idRank[ord] = uint32(r)
	}
}

// rankOf is the rank of id's row, or noRank.
func (t *table) rankOf(id string) uint32 {
	if ord, ok := t.ords[id]; ok && int(ord) < len(t.idRank) {
		return t.idRank[ord]
	}
	return noRank
}

func floatOrNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// unixNano is t in Unix nanoseconds, clamped to the int64 range (years
// 1678 to 2262) so that order is kept for any time a crawler could see.
func unixNano(t time.Time) int64 {
	const lo, hi = -9223372036, 9223372035
	if s := t.Unix(); s < lo {
		return noInt + 1
	} else if s > hi {
		return math.MaxInt64
	}
	return t.UnixNano()
}
