package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/creatorscout/creatorscout/creator"
)

// DefaultSearchTimeout bounds a search whose context has no deadline.
const DefaultSearchTimeout = 5 * time.Second

// DefaultFacetSize is the number of values per facet when the query does not
// say.
const DefaultFacetSize = 10

// Boosts of the text fields: a word in the name says more than one in a
// caption.
const (
	boostName     = 3
	boostBio      = 2
	boostCaptions = 1
)

// GeoFilter keeps creators whose location lies within RadiusKm of Lat, Lon,
// by great-circle distance on a sphere of the mean earth radius (6371.0088
// km). Creators without coordinates never match.
type GeoFilter struct {
	Lat      float64
	Lon      float64
	RadiusKm float64
}

// MaxRadiusKm is the largest radius a GeoFilter accepts: half the equator.
const MaxRadiusKm = creator.MaxRadiusKm

// SearchOption adds to a query from code (the query fields say the same
// from users).
type SearchOption func(*searchOpts)

type searchOpts struct {
	geo        *GeoFilter
	brandClass string
	noFacets   bool
}

// Near keeps creators within g.RadiusKm of g's point. It is Query.Near and
// Query.Radius without a place name to resolve, and replaces them.
func Near(g GeoFilter) SearchOption {
	return func(o *searchOpts) { o.geo = &g }
}

// WithBrandClass narrows the brand filter to mentions of the given class
// (creator.Gifted, Sponsored, Affiliate or Organic), as Query.BrandClass
// does. It needs Query.Brands.
func WithBrandClass(class string) SearchOption {
	return func(o *searchOpts) { o.brandClass = class }
}

// WithoutFacets skips facet counting, whatever Query.Facets says. A nil
// Query.Facets means every facet, so callers that need none (a page of
// lookalikes, a report) use this.
func WithoutFacets() SearchOption {
	return func(o *searchOpts) { o.noFacets = true }
}

// sortKind is what a sort orders by.
type sortKind int

const (
	byID sortKind = iota
	byScore
	byInt
	byFloat
)

// sortSpec is one supported sort order.
type sortSpec struct {
	name string // canonical, as the cursor records it: "-followers"
	kind sortKind
	desc bool
	ints func(t *table) []int64
	flts func(t *table) []float64
}

// parseSort returns the spec of a validated sort; relevance needs text
// (without it the order is by id).
func parseSort(s string, hasText bool) (sortSpec, error) {
	desc := strings.HasPrefix(s, "-")
	name := strings.TrimPrefix(s, "-")
	spec := sortSpec{name: s, desc: desc}
	switch name {
	case "", "relevance":
		spec.name = ""
		if hasText {
			spec.kind = byScore
		}
	case "followers":
		spec.kind, spec.ints = byInt, func(t *table) []int64 { return t.followers }
	case "last_post_at":
		spec.kind, spec.ints = byInt, func(t *table) []int64 { return t.lastPost }
	case "engagement_rate":
		spec.kind, spec.flts = byFloat, func(t *table) []float64 { return t.er }
	case "growth":
		spec.kind, spec.flts = byFloat, func(t *table) []float64 { return t.growth }
	case "authenticity":
		spec.kind, spec.flts = byFloat, func(t *table) []float64 { return t.auth }
	default:
		return spec, creator.Invalid("sort", "unknown field %q; one of %s", name, strings.Join(creator.SortFields, ", "))
	}
	return spec, nil
}

// cursor is what NextCursor encodes: the sort it belongs to and the sort
// values of the last hit of the page.
type cursor struct {
	Sort  string   `json:"s"`
	After []string `json:"a"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the position a cursor holds, as a sort key.
func decodeCursor(s string, spec sortSpec) (*sortKey, error) {
	bad := creator.Invalid("cursor", "is not a cursor from this search; start again without one")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, bad
	}
	if c.Sort != spec.name {
		return nil, creator.Invalid("cursor", "belongs to sort %q, not %q; start again without one", c.Sort, spec.name)
	}
	want := 2
	if spec.kind == byID {
		want = 1
	}
	if len(c.After) != want {
		return nil, bad
	}
	k := &sortKey{ord: noOrd, id: c.After[want-1]}
	switch spec.kind {
	case byScore:
		f, err := strconv.ParseFloat(c.After[0], 64)
		if err != nil || !finite(f) {
			return nil, bad
		}
		k.f = f
	case byInt:
		if c.After[0] == "" {
			k.missing = true
		} else if k.i, k.missing = decodeKeyIntStr(c.After[0]); k.missing {
			return nil, bad
		}
	case byFloat:
		if c.After[0] == "" {
			k.missing = true
		} else {
			f, ok := decodeKeyFloat([]byte(c.After[0]))
			if !ok || !finite(f) {
				return nil, bad
			}
			k.f = f
		}
	}
	return k, nil
}

func decodeKeyIntStr(s string) (int64, bool) {
	v, ok := decodeKeyInt([]byte(s))
	return v, !ok
}

// cursorAfter encodes the position of k.
func cursorAfter(spec sortSpec, k sortKey) string {
	var after []string
	switch spec.kind {
	case byID:
		after = []string{k.id}
	case byScore:
		after = []string{strconv.FormatFloat(k.f, 'g', -1, 64), k.id}
	case byInt:
		v := ""
		if !k.missing {
			v = sortKeyInt(k.i)
		}
		after = []string{v, k.id}
	case byFloat:
		v := ""
		if !k.missing {
			v = sortKeyFloat(k.f)
		}
		after = []string{v, k.id}
	}
	return encodeCursor(cursor{Sort: spec.name, After: after})
}

// Search runs q and returns one page. q is normalised and validated here
// too, so errors name the parameter at fault (creator.EINVALID). A passed
// deadline or a cancelled context gives creator.EUNAVAILABLE. Its signature
// is the API's Searcher interface; SearchWith takes options as well.
func (ix *Index) Search(ctx context.Context, q creator.Query) (*creator.SearchResult, error) {
	return ix.SearchWith(ctx, q)
}

// SearchWith is Search with options.
func (ix *Index) SearchWith(ctx context.Context, q creator.Query, opts ...SearchOption) (*creator.SearchResult, error) {
	start := time.Now()
	var o searchOpts
	for _, opt := range opts {
		opt(&o)
	}
	if o.brandClass != "" {
		q.BrandClass = o.brandClass
	}
	if o.geo != nil {
		// Checked here rather than by Query.Geo: the option has no place
		// name, and its own error names near and radius the same way.
		g := o.geo
		if !finite(g.Lat) || g.Lat < -90 || g.Lat > 90 || !finite(g.Lon) || g.Lon < -180 || g.Lon > 180 {
			return nil, creator.Invalid("near", "%v,%v is not a latitude,longitude", g.Lat, g.Lon)
		}
		if !finite(g.RadiusKm) || g.RadiusKm <= 0 || g.RadiusKm > MaxRadiusKm {
			return nil, creator.Invalid("radius", "must be more than 0 and at most %d km", MaxRadiusKm)
		}
		q.Near, q.Radius = "", ""
	}
	q.Normalize()
	if err := q.Validate(); err != nil {
		return nil, err
	}
	circle, err := q.Geo()
	if err != nil {
		return nil, err
	}
	if o.geo != nil {
		circle = &creator.GeoCircle{Lat: o.geo.Lat, Lon: o.geo.Lon, RadiusKm: o.geo.RadiusKm}
	}
	terms := ix.analyze(q.Text)
	spec, err := parseSort(q.Sort, len(terms) > 0 || q.SimilarTo != "")
	if err != nil {
		return nil, err
	}
	var after *sortKey
	if q.Cursor != "" {
		if after, err = decodeCursor(q.Cursor, spec); err != nil {
			return nil, err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultSearchTimeout)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err)
	}

	g, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	t := g.tab
	t.mu.RLock()
	defer t.mu.RUnlock()
	if after != nil {
		after.rank = t.rankOf(after.id)
	}

	var sim *simTarget
	if q.SimilarTo != "" {
		if sim, err = t.similarTarget(q.SimilarTo); err != nil {
			return nil, err
		}
	}
	var text *textHits
	if q.Text != "" {
		scored := spec.kind == byScore && sim == nil
		switch {
		case len(terms) == 0:
			text = &textHits{ords: roaring.New()}
		case !scored && !ix.slowText:
			ords, ok, err := ix.textOrds(ctx, g, terms)
			if err != nil {
				return nil, err
			}
			if ok {
				text = &textHits{ords: ords}
				break
			}
			fallthrough
		default:
			if text, err = ix.searchText(ctx, g, terms, scored); err != nil {
				return nil, err
			}
		}
	}
	hits, err := t.match(ctx, &q, circle, text, sim)
	if err != nil {
		return nil, err
	}

	res := &creator.SearchResult{
		Total:  uint64(len(hits)),
		Hits:   []creator.Hit{},
		Facets: map[string][]creator.Facet{},
		Near:   circle,
	}
	if !o.noFacets {
		names := q.Facets
		if names == nil {
			names = creator.FacetFields
		}
		size := q.FacetSize
		if size == 0 {
			size = DefaultFacetSize
		}
		if len(hits) < facetCacheMinHits {
			res.Facets = t.facets(hits, names, size)
		} else {
			key := facetKey(&q, circle, names, size)
			var ok bool
			if res.Facets, ok = g.facets.get(key, t.version); !ok {
				res.Facets = t.facets(hits, names, size)
				g.facets.put(key, t.version, res.Facets)
			}
		}
	}

	var scores map[uint32]float64
	switch {
	case sim != nil && spec.kind == byScore:
		scores = make(map[uint32]float64, len(hits))
		for _, ord := range hits {
			scores[ord], _ = t.similarity(sim, ord, false)
		}
	case text != nil:
		scores = text.scores
	}
	top := t.top(hits, spec, scores, after, q.Offset+q.Limit+1)
	putHits(hits)
	if len(top) > q.Offset+q.Limit {
		last := top[q.Offset+q.Limit-1]
		k := t.key(spec, scores, last)
		k.id = t.ids[last]
		res.NextCursor = cursorAfter(spec, k)
		top = top[:q.Offset+q.Limit]
	}
	if q.Offset < len(top) {
		top = top[q.Offset:]
	} else {
		top = nil
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err)
	}
	for _, ord := range top {
		h, err := ix.hit(g, ord, terms)
		if err != nil {
			return nil, err
		}
		if spec.kind == byScore {
			h.Score = scores[ord]
		}
		h.Authenticity = numPtr(t.auth[ord])
		h.Growth30d = numPtr(t.growth[ord])
		if sim != nil {
			_, h.Similarity = t.similarity(sim, ord, true)
		}
		res.Hits = append(res.Hits, h)
	}
	res.Took = time.Since(start)
	return res, nil
}

func numPtr(f float64) *float64 {
	if math.IsNaN(f) {
		return nil
	}
	return &f
}

func ctxError(err error) error {
	if errors.Is(err, context.Canceled) {
		return creator.Errorf(creator.EUNAVAILABLE, "search was cancelled")
	}
	return creator.Errorf(creator.EUNAVAILABLE, "search took longer than its deadline; narrow the query or try again")
}

// analyze returns the distinct terms of the user's text, analysed as the
// text fields are.
func (ix *Index) analyze(text string) []string {
	if text == "" {
		return nil
	}
	var terms []string
	seen := map[string]bool{}
	for _, tok := range ix.b.text.Analyze([]byte(text)) {
		t := string(tok.Term)
		if t != "" && !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	return terms
}

// textHits are the creators whose text matches, with their scores when
// the sort is by relevance.
type textHits struct {
	ords   *roaring.Bitmap
	scores map[uint32]float64
}

// textQuery is the bleve query of the user's terms: every term must appear
// in at least one of display_name, bio or captions. User input only ever
// becomes the term of a TermQuery, never query syntax.
func textQuery(terms []string) query.Query {
	var must []query.Query
	for _, t := range terms {
		must = append(must, query.NewDisjunctionQuery([]query.Query{
			termQ(fName, t, boostName),
			termQ(fBio, t, boostBio),
			termQ(fCaptions, t, boostCaptions),
		}))
	}
	if len(must) == 1 {
		return must[0]
	}
	return query.NewConjunctionQuery(must)
}

func termQ(field, term string, boost float64) query.Query {
	tq := query.NewTermQuery(term)
	tq.SetField(field)
	tq.SetBoost(boost)
	return tq
}

// searchText runs the text query on every text shard and maps its hits
// to table rows. The caller holds the table's read lock.
func (ix *Index) searchText(ctx context.Context, g *generation, terms []string, scored bool) (*textHits, error) {
	out := &textHits{ords: roaring.New()}
	if scored {
		out.scores = map[uint32]float64{}
	}
	for s := range g.shards {
		if err := ix.searchShard(ctx, g, s, terms, scored, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (ix *Index) searchShard(ctx context.Context, g *generation, shard int, terms []string, scored bool, out *textHits) error {
	r, err := g.reader(shard)
	if err != nil {
		return err
	}
	defer r.Close()
	opts := search.SearcherOptions{Score: "none"}
	if scored {
		opts.Score = ""
	}
	s, err := textQuery(terms).Searcher(ctx, r, ix.im, opts)
	if err != nil {
		return searchErr(ctx, err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: r}
	t := g.tab
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return ctxError(err)
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return searchErr(ctx, err)
		}
		if dm == nil {
			return nil
		}
		id, err := r.ExternalID(dm.IndexInternalID)
		if err != nil {
			return fmt.Errorf("index: text hit: %w", err)
		}
		if ord, ok := t.ords[id]; ok {
			out.ords.Add(ord)
			if scored {
				out.scores[ord] = dm.Score
			}
		}
		sctx.DocumentMatchPool.Put(dm)
	}
}

func searchErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return ctxError(cerr)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ctxError(err)
	}
	return fmt.Errorf("index: search: %w", err)
}

// hit reads one creator's record from the document log into a
// creator.Hit, with highlights when the query has text. The caller holds
// the table's read lock.
func (ix *Index) hit(g *generation, ord uint32, terms []string) (creator.Hit, error) {
	t := g.tab
	r, err := g.log.read(t.recOff[ord], t.recLen[ord], len(terms) > 0)
	if err != nil {
		return creator.Hit{}, err
	}
	var hit creator.Hit
	if err := json.Unmarshal(r.json, &hit.Creator); err != nil {
		return creator.Hit{}, fmt.Errorf("index: hit %s: decode the creator: %v; run creatorscout reindex", t.ids[ord], err)
	}
	if len(terms) > 0 {
		hit.Highlights = ix.highlights(stored{Creator: &hit.Creator, Captions: r.captions}, terms)
	}
	return hit, nil
}
