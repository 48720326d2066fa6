package index

import (
	"math"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
)

// The table is the in-memory half of the index. bleve keeps the text, the
// stored creator JSON and every keyword on disk; the table holds, per
// creator, the values that filters, sorts and facets read: keyword values
// as small integers in columns, numbers in columns, and per keyword value a
// roaring bitmap of the creators that have it. A structured filter is then
// a few bitmap unions and intersections, a facet is a pass over a column,
// and a sort is a top-k over a column, with no per-hit doc-value decoding.
// BLEVE_NOTES.md measured that decoding (sort keys and facets) as most of a
// query's time at 1M creators.
//
// Rows are addressed by an ordinal (ord). Ords are assigned when a creator
// is first seen and never reused while the table lives: a deleted
// creator's postings may linger in bleve for a moment after its row is
// gone, and must not point at someone else's row. The table is rebuilt
// from the bleve index's doc values when the index is opened (see
// loadTable), which compacts the ords.

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

// column is one keyword column. Term ids start at 1; 0 means no value.
type column struct {
	multi bool
	dict  map[string]uint32
	terms []string          // term id -> value
	post  []*roaring.Bitmap // term id -> ords
	one   []uint32          // single-valued: ord -> term id
	many  [][]uint32        // multi-valued: ord -> term ids
}

func newColumn(multi bool) *column {
	return &column{multi: multi, dict: map[string]uint32{}, terms: []string{""}, post: []*roaring.Bitmap{nil}}
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
	c.dict[v] = id
	c.terms = append(c.terms, v)
	c.post = append(c.post, roaring.New())
	return id
}

func (c *column) grow(n int) {
	if c.multi {
		for len(c.many) < n {
			c.many = append(c.many, nil)
		}
	} else {
		for len(c.one) < n {
			c.one = append(c.one, 0)
		}
	}
}

func (c *column) clear(ord uint32) {
	if c.multi {
		for _, id := range c.many[ord] {
			c.post[id].Remove(ord)
		}
		c.many[ord] = nil
		return
	}
	if id := c.one[ord]; id != 0 {
		c.post[id].Remove(ord)
		c.one[ord] = 0
	}
}

func (c *column) set(ord uint32, vals ...string) {
	if c.multi {
		var ids []uint32
		for _, v := range vals {
			if v == "" {
				continue
			}
			id := c.termID(v, true)
			if !c.post[id].CheckedAdd(ord) {
				continue // a repeated value
			}
			ids = append(ids, id)
		}
		c.many[ord] = ids
		return
	}
	for _, v := range vals {
		if v != "" {
			id := c.termID(v, true)
			c.post[id].Add(ord)
			c.one[ord] = id
			return
		}
	}
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

	kw [numKW]*column

	followers []int64
	lastPost  []int64 // Unix nanoseconds
	er        []float64
	growth    []float64
	auth      []float64
	lat, lon  []float64
}

func newTable() *table {
	t := &table{ords: map[string]uint32{}, live: roaring.New()}
	for k := range t.kw {
		t.kw[k] = newColumn(multiKW[k])
	}
	return t
}

// size is the number of live rows.
func (t *table) size() uint64 { return t.live.GetCardinality() }

// put adds or replaces the row of f.id. The caller holds mu for writing.
func (t *table) put(f *facts) {
	ord, ok := t.ords[f.id]
	if ok {
		t.clearRow(ord)
	} else {
		ord = uint32(len(t.ids))
		t.ids = append(t.ids, "")
		t.followers = append(t.followers, noInt)
		t.lastPost = append(t.lastPost, noInt)
		t.er = append(t.er, math.NaN())
		t.growth = append(t.growth, math.NaN())
		t.auth = append(t.auth, math.NaN())
		t.lat = append(t.lat, math.NaN())
		t.lon = append(t.lon, math.NaN())
		for _, c := range t.kw {
			c.grow(len(t.ids))
		}
		t.ords[f.id] = ord
		t.ids[ord] = f.id
	}
	t.live.Add(ord)
	t.kw[kwPlatform].set(ord, f.platform)
	t.kw[kwTier].set(ord, f.tier)
	t.kw[kwCountry].set(ord, f.country)
	t.kw[kwRegion].set(ord, f.region)
	t.kw[kwCity].set(ord, f.city)
	t.kw[kwLanguage].set(ord, f.language)
	t.kw[kwNiches].set(ord, f.niches...)
	t.kw[kwHashtags].set(ord, f.hashtags...)
	t.kw[kwBrands].set(ord, f.brands...)
	t.kw[kwBrandClass].set(ord, f.brandClass...)
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
	t.kw[kwFlags].set(ord, flags...)
	if f.lat != nil {
		t.lat[ord], t.lon[ord] = *f.lat, *f.lon
		t.kw[kwGeoCell].set(ord, geoCells(*f.lat, *f.lon)...)
	}
	if f.followers != nil {
		t.followers[ord] = *f.followers
	}
	if f.lastPost != nil {
		t.lastPost[ord] = unixNano(*f.lastPost)
	}
	t.er[ord] = floatOrNaN(f.er)
	t.growth[ord] = floatOrNaN(f.growth)
	t.auth[ord] = floatOrNaN(f.authenticity)
}

// remove drops the row of id, if any. The caller holds mu for writing.
func (t *table) remove(id string) {
	ord, ok := t.ords[id]
	if !ok {
		return
	}
	t.clearRow(ord)
	delete(t.ords, id)
	t.ids[ord] = ""
	t.live.Remove(ord)
}

func (t *table) clearRow(ord uint32) {
	for _, c := range t.kw {
		c.clear(ord)
	}
	t.followers[ord], t.lastPost[ord] = noInt, noInt
	nan := math.NaN()
	t.er[ord], t.growth[ord], t.auth[ord], t.lat[ord], t.lon[ord] = nan, nan, nan, nan, nan
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
