package index

import (
	"cmp"
	"context"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/creatorscout/creatorscout/creator"
)

// Query evaluation on the table. The caller holds the table's read lock.

// match returns the rows that match q, in ascending ord order: keyword
// filters as bitmap unions (any) and intersections (all), the text hits
// intersected in, then the number ranges and the exact geo distance
// checked row by row. The slice comes from a pool: give it back with
// putHits.
func (t *table) match(ctx context.Context, q *creator.Query, geo *creator.GeoCircle, text *textHits, sim *simTarget) ([]uint32, error) {
	var inc, exc []*roaring.Bitmap
	empty := false
	anyOf := func(k kw, vals []string, fmtv func(string) string) {
		if len(vals) == 0 {
			return
		}
		col := t.kw[k]
		var bs []*roaring.Bitmap
		for _, v := range vals {
			if fmtv != nil {
				v = fmtv(v)
			}
			if id := col.termID(v, false); id != 0 {
				bs = append(bs, col.post[id])
			}
		}
		switch len(bs) {
		case 0:
			empty = true
		case 1:
			inc = append(inc, bs[0])
		default:
			inc = append(inc, roaring.FastOr(bs...))
		}
	}
	allOf := func(k kw, vals []string) {
		col := t.kw[k]
		for _, v := range vals {
			id := col.termID(v, false)
			if id == 0 {
				empty = true
				return
			}
			inc = append(inc, col.post[id])
		}
	}
	flag := func(want *bool, name string) {
		if want == nil {
			return
		}
		id := t.kw[kwFlags].termID(name, false)
		switch {
		case *want && id == 0:
			empty = true
		case *want:
			inc = append(inc, t.kw[kwFlags].post[id])
		case id != 0:
			exc = append(exc, t.kw[kwFlags].post[id])
		}
	}

	anyOf(kwPlatform, q.Platforms, nil)
	if q.NicheAll {
		allOf(kwNiches, q.Niches)
	} else {
		anyOf(kwNiches, q.Niches, nil)
	}
	anyOf(kwTier, q.Tiers, nil)
	anyOf(kwCountry, q.Countries, nil)
	anyOf(kwRegion, q.Regions, nil)
	anyOf(kwCity, q.Cities, nil)
	anyOf(kwLanguage, q.Languages, nil)
	if q.HashtagAll {
		allOf(kwHashtags, q.Hashtags)
	} else {
		anyOf(kwHashtags, q.Hashtags, nil)
	}
	if q.BrandClass != "" {
		class := q.BrandClass
		anyOf(kwBrandClass, q.Brands, func(b string) string { return b + "|" + class })
	} else {
		anyOf(kwBrands, q.Brands, nil)
	}
	flag(q.Verified, flagVerified)
	flag(q.HasEmail, flagHasEmail)
	flag(q.Undisclosed, flagUndisclosed)
	if geo != nil {
		anyOf(kwGeoCell, coverCells(geo.Lat, geo.Lon, geo.RadiusKm), nil)
	}
	if text != nil {
		// Postings of a creator just deleted may point at its dead row.
		inc = append(inc, text.ords, t.live)
	}
	if sim != nil {
		inc = append(inc, t.candidates(sim))
	}
	if empty {
		return getHits(0), nil
	}

	var base *roaring.Bitmap
	switch len(inc) {
	case 0:
		base = t.live
	case 1:
		base = inc[0]
	default:
		sort.Slice(inc, func(i, j int) bool { return inc[i].GetCardinality() < inc[j].GetCardinality() })
		base = roaring.FastAnd(inc...)
	}
	if len(exc) > 0 {
		base = roaring.AndNot(base, roaring.FastOr(exc...))
	}

	p := newPreds(q, geo)
	out := getHits(int(base.GetCardinality()))
	buf := make([]uint32, 1024)
	it := base.ManyIterator()
	for {
		n := it.NextMany(buf)
		if n == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			putHits(out)
			return nil, ctxError(err)
		}
		if !p.any {
			out = append(out, buf[:n]...)
			continue
		}
		for _, ord := range buf[:n] {
			if p.ok(t, ord) {
				out = append(out, ord)
			}
		}
	}
	return out, nil
}

// preds are the filters checked row by row. Unknown values never match a
// range.
type preds struct {
	any                bool
	followers          bool
	minF, maxF         int64
	er                 bool
	minER, maxER       float64
	since              bool
	sinceNano          int64
	auth               bool
	minAuth            float64
	growth             bool
	minGrowth, maxGrow float64
	geo                *creator.GeoCircle
}

func newPreds(q *creator.Query, geo *creator.GeoCircle) *preds {
	p := &preds{minF: math.MinInt64, maxF: math.MaxInt64, minER: math.Inf(-1), maxER: math.Inf(1),
		minGrowth: math.Inf(-1), maxGrow: math.Inf(1), geo: geo}
	if q.MinFollowers != nil || q.MaxFollowers != nil {
		p.followers = true
		if q.MinFollowers != nil {
			p.minF = *q.MinFollowers
		}
		if q.MaxFollowers != nil {
			p.maxF = *q.MaxFollowers
		}
	}
	if q.MinER != nil || q.MaxER != nil {
		p.er = true
		if q.MinER != nil {
			p.minER = *q.MinER
		}
		if q.MaxER != nil {
			p.maxER = *q.MaxER
		}
	}
	if q.LastPostSince != nil {
		p.since, p.sinceNano = true, unixNano(*q.LastPostSince)
	}
	if q.MinAuthenticity != nil {
		p.auth, p.minAuth = true, *q.MinAuthenticity
	}
	if q.MinGrowth != nil || q.MaxGrowth != nil {
		p.growth = true
		if q.MinGrowth != nil {
			p.minGrowth = *q.MinGrowth
		}
		if q.MaxGrowth != nil {
			p.maxGrow = *q.MaxGrowth
		}
	}
	p.any = p.followers || p.er || p.since || p.auth || p.growth || p.geo != nil
	return p
}

func (p *preds) ok(t *table, ord uint32) bool {
	if p.followers {
		v := t.followers[ord]
		if v == noInt || v < p.minF || v > p.maxF {
			return false
		}
	}
	if p.er {
		v := t.er[ord]
		if !(v >= p.minER && v <= p.maxER) { // NaN fails both
			return false
		}
	}
	if p.since {
		v := t.lastPost[ord]
		if v == noInt || v < p.sinceNano {
			return false
		}
	}
	if p.auth && !(t.auth[ord] >= p.minAuth) {
		return false
	}
	if p.growth {
		v := t.growth[ord]
		if !(v >= p.minGrowth && v <= p.maxGrow) {
			return false
		}
	}
	if g := p.geo; g != nil {
		lat, lon := t.lat[ord], t.lon[ord]
		if math.IsNaN(lat) || haversineKm(g.Lat, g.Lon, lat, lon) > g.RadiusKm {
			return false
		}
	}
	return true
}

var hitPool sync.Pool

func getHits(n int) []uint32 {
	if v, ok := hitPool.Get().(*[]uint32); ok && cap(*v) >= n {
		return (*v)[:0]
	}
	return make([]uint32, 0, max(n, 1024))
}

func putHits(h []uint32) {
	if cap(h) > 0 {
		h = h[:0]
		hitPool.Put(&h)
	}
}

// facets counts the values of each named facet over hits: by count, then
// value, the first size of them.
func (t *table) facets(hits []uint32, names []string, size int) map[string][]creator.Facet {
	type count struct {
		col     *column
		fc      *facetCounts
		counts  []uint32
		touched []uint32
	}
	cs := make([]count, len(names))
	for i, name := range names {
		col := t.kw[kwOfFacet[name]]
		fc := getFacetCounts()
		if cap(fc.counts) < len(col.terms) {
			fc.counts = make([]uint32, len(col.terms))
		}
		cs[i] = count{col: col, fc: fc, counts: fc.counts[:len(col.terms)], touched: fc.touched[:0]}
	}
	// Every facet in one pass over the hits, so a hit's row is read once.
	// First the rows are copied out in a loop of independent loads, so
	// that their cache misses can overlap rather than wait on the counting
	// of the row before, and the first line of each hit's arena values is
	// touched for the same reason.
	rows, chunks := t.rows, t.arena.chunks
	rb := getRowBuf(len(hits))
	defer rowBufPool.Put(rb)
	local := rb.rows[:len(hits)]
	var sink uint32
	for i, ord := range hits {
		local[i] = rows[ord]
		if ref := local[i].ref[0]; ref&(1<<20-1) != 0 {
			sink += chunks[ref>>44][ref>>20&(1<<24-1)]
		}
	}
	rb.sink = sink
	for i := range local {
		row := &local[i]
		for i := range cs {
			c := &cs[i]
			if !c.col.multi {
				id := row.one[c.col.slot]
				if c.counts[id] == 0 {
					c.touched = append(c.touched, id)
				}
				c.counts[id]++
				continue
			}
			ref := row.ref[c.col.slot]
			n := int(ref & (1<<20 - 1))
			if n == 0 {
				continue
			}
			off := int(ref >> 20 & (1<<24 - 1))
			for _, id := range chunks[ref>>44][off : off+n] {
				if c.counts[id] == 0 {
					c.touched = append(c.touched, id)
				}
				c.counts[id]++
			}
		}
	}
	out := make(map[string][]creator.Facet, len(names))
	for i, name := range names {
		c := &cs[i]
		out[name] = topFacets(c.col, c.counts, c.touched, size)
		for _, id := range c.touched {
			c.counts[id] = 0
		}
		c.fc.touched = c.touched
		facetCountsPool.Put(c.fc)
	}
	return out
}

// rowBuf holds copies of the hits' rows while facets are counted.
type rowBuf struct {
	rows []kwRow
	sink uint32 // keeps the touching loads from being optimised away
}

var rowBufPool sync.Pool

func getRowBuf(n int) *rowBuf {
	rb, _ := rowBufPool.Get().(*rowBuf)
	if rb == nil {
		rb = &rowBuf{}
	}
	if cap(rb.rows) < n {
		rb.rows = make([]kwRow, n)
	}
	return rb
}

// facetCounts is scratch space for counting, reused across searches: the
// hashtag column alone has tens of thousands of values, and allocating
// and zeroing a count per value per search showed in profiles.
type facetCounts struct {
	counts  []uint32 // all zero between uses
	touched []uint32 // the values counted
}

var facetCountsPool sync.Pool

func getFacetCounts() *facetCounts {
	if fc, ok := facetCountsPool.Get().(*facetCounts); ok {
		return fc
	}
	return &facetCounts{}
}

// topFacets picks the size most frequent of the touched values (value 0 is
// "no value" and is skipped).
func topFacets(col *column, counts, touched []uint32, size int) []creator.Facet {
	better := func(a, b creator.Facet) bool {
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Value < b.Value
	}
	top := make([]creator.Facet, 0, size+1)
	for _, id := range touched {
		n := counts[id]
		if id == 0 || n == 0 {
			continue
		}
		if len(top) == size && int(n) < top[size-1].Count {
			continue
		}
		f := creator.Facet{Value: col.terms[id], Count: int(n)}
		if len(top) == size && !better(f, top[size-1]) {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return better(f, top[i]) })
		top = append(top, creator.Facet{})
		copy(top[i+1:], top[i:])
		top[i] = f
		if len(top) > size {
			top = top[:size]
		}
	}
	return top
}

// sortKey is a position in a sort order: a row's (ord set; its id and
// rank are read from the table only when a tie needs them), or a cursor's
// (ord is noOrd, id and rank set).
type sortKey struct {
	missing bool
	i       int64
	f       float64
	ord     uint32
	id      string
	rank    uint32 // the id's place in id order, or noRank
}

func (t *table) key(spec sortSpec, scores map[uint32]float64, ord uint32) sortKey {
	k := sortKey{ord: ord}
	switch spec.kind {
	case byScore:
		k.f = scores[ord]
	case byInt:
		k.i = spec.ints(t)[ord]
		k.missing = k.i == noInt
	case byFloat:
		k.f = spec.flts(t)[ord]
		k.missing = math.IsNaN(k.f)
		if k.f == 0 {
			k.f = 0 // -0 sorts as 0
		}
	}
	return k
}

// idOf and rankOf are a key's id and rank.
func (t *table) idOf(k *sortKey) string {
	if k.ord != noOrd {
		return t.ids[k.ord]
	}
	return k.id
}

func (t *table) keyRank(k *sortKey) uint32 {
	if k.ord != noOrd {
		if int(k.ord) < len(t.idRank) {
			return t.idRank[k.ord]
		}
		return noRank
	}
	return k.rank
}

// compareKeys orders a before b (-1), after (1) or equal (0). Unknown
// values go last in both directions; ties go by id, ascending; relevance
// is always descending.
func (t *table) compareKeys(spec sortSpec, a, b *sortKey) int {
	if a.missing != b.missing {
		if a.missing {
			return 1
		}
		return -1
	}
	c := 0
	if !a.missing {
		switch spec.kind {
		case byScore:
			c = -cmp3(a.f, b.f)
		case byInt:
			switch {
			case a.i < b.i:
				c = -1
			case a.i > b.i:
				c = 1
			}
		case byFloat:
			c = cmp3(a.f, b.f)
		}
		if spec.desc && spec.kind != byScore {
			c = -c
		}
	}
	if c != 0 {
		return c
	}
	if ra, rb := t.keyRank(a), t.keyRank(b); ra != noRank && rb != noRank {
		return cmp.Compare(ra, rb)
	}
	return strings.Compare(t.idOf(a), t.idOf(b))
}

func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// top returns the first k rows of hits in sort order that come after the
// cursor position, if any: a bounded heap, O(n log k).
func (t *table) top(hits []uint32, spec sortSpec, scores map[uint32]float64, after *sortKey, k int) []uint32 {
	type entry struct {
		key sortKey
		ord uint32
	}
	h := make([]entry, 0, k)
	// h is a max-heap by sort order: h[0] is the last of the kept rows.
	worse := func(i, j int) bool { return t.compareKeys(spec, &h[i].key, &h[j].key) > 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && worse(r, l) {
				m = r
			}
			if !worse(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	up := func(i int) {
		for i > 0 {
			p := (i - 1) / 2
			if !worse(i, p) {
				return
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
	}
	for _, ord := range hits {
		key := t.key(spec, scores, ord)
		if after != nil && t.compareKeys(spec, &key, after) <= 0 {
			continue
		}
		if len(h) < k {
			h = append(h, entry{key, ord})
			up(len(h) - 1)
			continue
		}
		if t.compareKeys(spec, &key, &h[0].key) < 0 {
			h[0] = entry{key, ord}
			down(0)
		}
	}
	sort.Slice(h, func(i, j int) bool { return t.compareKeys(spec, &h[i].key, &h[j].key) < 0 })
	out := make([]uint32, len(h))
	for i, e := range h {
		out[i] = e.ord
	}
	return out
}
