package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
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
const MaxRadiusKm = 20038

// SearchOption adds what creator.Query cannot say yet.
type SearchOption func(*searchOpts)

type searchOpts struct {
	geo        *GeoFilter
	brandClass string
	noFacets   bool
}

// Near keeps creators within g.RadiusKm of g's point (issue 6's
// near=lat,lon&radius=50km).
func Near(g GeoFilter) SearchOption {
	return func(o *searchOpts) { o.geo = &g }
}

// WithBrandClass narrows the brand filter to mentions of the given class
// (creator.Gifted, Sponsored, Affiliate or Organic). It needs Query.Brands.
func WithBrandClass(class string) SearchOption {
	return func(o *searchOpts) { o.brandClass = strings.ToLower(strings.TrimSpace(class)) }
}

// WithoutFacets skips facet counting, whatever Query.Facets says. A nil
// Query.Facets means every facet, so callers that need none (a page of
// lookalikes, a report) use this.
func WithoutFacets() SearchOption {
	return func(o *searchOpts) { o.noFacets = true }
}

// sortSpec is one supported sort order.
type sortSpec struct {
	key  string // index field of the sort key; "" for relevance
	desc bool
}

var sortKeys = map[string]string{
	"followers":       fSortFollowers,
	"engagement_rate": fSortER,
	"last_post_at":    fSortLastPost,
}

// parseSort returns the canonical name and spec of a validated sort.
func parseSort(s string) (string, sortSpec, error) {
	desc := strings.HasPrefix(s, "-")
	name := strings.TrimPrefix(s, "-")
	if name == "" || name == "relevance" {
		return "", sortSpec{}, nil
	}
	key, ok := sortKeys[name]
	if !ok {
		return "", sortSpec{}, creator.Invalid("sort", "sorting by %s is not available yet; use relevance, followers, engagement_rate or last_post_at", name)
	}
	return s, sortSpec{key: key, desc: desc}, nil
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

func decodeCursor(s, sortName string, n int, scored bool) ([]string, error) {
	bad := creator.Invalid("cursor", "is not a cursor from this search; start again without one")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || len(c.After) != n {
		return nil, bad
	}
	if c.Sort != sortName {
		return nil, creator.Invalid("cursor", "belongs to sort %q, not %q; start again without one", c.Sort, sortName)
	}
	if scored {
		f, err := strconv.ParseFloat(c.After[0], 64)
		if err != nil || !finite(f) {
			return nil, bad
		}
	}
	return c.After, nil
}

// Search runs q and returns one page. q is normalised and validated here
// too, so errors name the parameter at fault (creator.EINVALID). A passed
// deadline or a cancelled context gives creator.EUNAVAILABLE. Its signature
// is the API's Searcher interface; SearchWith takes options as well.
func (ix *Index) Search(ctx context.Context, q creator.Query) (*creator.SearchResult, error) {
	return ix.SearchWith(ctx, q)
}

// SearchWith is Search with options for what creator.Query cannot say yet
// (a geo radius, a brand class, no facets).
func (ix *Index) SearchWith(ctx context.Context, q creator.Query, opts ...SearchOption) (*creator.SearchResult, error) {
	start := time.Now()
	var o searchOpts
	for _, opt := range opts {
		opt(&o)
	}
	q.Normalize()
	if err := q.Validate(); err != nil {
		return nil, err
	}
	sortName, spec, err := parseSort(q.Sort)
	if err != nil {
		return nil, err
	}
	if err := o.validate(q); err != nil {
		return nil, err
	}

	terms := ix.analyze(q.Text)
	req := bleve.NewSearchRequestOptions(ix.buildQuery(q, terms, o), q.Limit+1, 0, false)
	req.Fields = []string{fSource}

	relevance := spec.key == "" && len(terms) > 0
	switch {
	case relevance:
		req.Sort = search.SortOrder{&search.SortScore{Desc: true}, &search.SortDocID{}}
	case spec.key == "":
		req.Score = "none"
		req.Sort = search.SortOrder{&search.SortDocID{}}
	default:
		req.Score = "none"
		req.Sort = search.SortOrder{
			&search.SortField{Field: spec.key, Desc: spec.desc, Type: search.SortFieldAsString, Missing: search.SortFieldMissingLast},
			&search.SortDocID{},
		}
	}
	if q.Cursor != "" {
		after, err := decodeCursor(q.Cursor, sortName, len(req.Sort), relevance)
		if err != nil {
			return nil, err
		}
		req.SearchAfter = after
	}

	facetSize := q.FacetSize
	if facetSize == 0 {
		facetSize = DefaultFacetSize
	}
	facetNames := q.Facets
	if facetNames == nil {
		facetNames = creator.FacetFields
	}
	if o.noFacets {
		facetNames = nil
	}
	for _, name := range facetNames {
		req.AddFacet(name, bleve.NewFacetRequest(facetIndexField[name], facetSize))
	}

	sr, err := ix.exec(ctx, req)
	if err != nil {
		return nil, err
	}

	res := &creator.SearchResult{
		Total:  sr.Total,
		Hits:   make([]creator.Hit, 0, min(len(sr.Hits), q.Limit)),
		Facets: map[string][]creator.Facet{},
	}
	for i, h := range sr.Hits {
		if i == q.Limit {
			last := sr.Hits[i-1]
			after := make([]string, len(last.Sort))
			copy(after, last.Sort)
			if relevance {
				after[0] = strconv.FormatFloat(last.Score, 'g', -1, 64)
			}
			res.NextCursor = encodeCursor(cursor{Sort: sortName, After: after})
			break
		}
		hit, err := ix.hit(h, terms, relevance)
		if err != nil {
			return nil, err
		}
		res.Hits = append(res.Hits, hit)
	}
	for _, name := range facetNames {
		res.Facets[name] = facetList(sr.Facets[name])
	}
	res.Took = time.Since(start)
	return res, nil
}

// exec runs a bleve request under the context's deadline, or
// DefaultSearchTimeout when it has none.
func (ix *Index) exec(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultSearchTimeout)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err)
	}
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, ctxError(cerr)
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, ctxError(err)
		}
		return nil, fmt.Errorf("index: search: %w", err)
	}
	return sr, nil
}

func ctxError(err error) error {
	if errors.Is(err, context.Canceled) {
		return creator.Errorf(creator.EUNAVAILABLE, "search was cancelled")
	}
	return creator.Errorf(creator.EUNAVAILABLE, "search took longer than its deadline; narrow the query or try again")
}

func (o *searchOpts) validate(q creator.Query) error {
	if g := o.geo; g != nil {
		if !finite(g.Lat) || g.Lat < -90 || g.Lat > 90 || !finite(g.Lon) || g.Lon < -180 || g.Lon > 180 {
			return creator.Invalid("near", "%v,%v is not a latitude,longitude", g.Lat, g.Lon)
		}
		if !finite(g.RadiusKm) || g.RadiusKm <= 0 || g.RadiusKm > MaxRadiusKm {
			return creator.Invalid("radius", "must be more than 0 and at most %d km", MaxRadiusKm)
		}
	}
	if o.brandClass != "" {
		ok := false
		for _, c := range creator.Classes {
			ok = ok || c == o.brandClass
		}
		if !ok {
			return creator.Invalid("brand_class", "unknown class %q; one of %s", o.brandClass, strings.Join(creator.Classes, ", "))
		}
		if len(q.Brands) == 0 {
			return creator.Invalid("brand_class", "needs a brand")
		}
	}
	return nil
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

// buildQuery turns q into bleve queries built one by one: user input only
// ever becomes a term of a TermQuery or a number of a range, never query
// syntax. Filters get boost 0 so that only the text decides relevance.
func (ix *Index) buildQuery(q creator.Query, terms []string, o searchOpts) query.Query {
	var must []query.Query
	if q.Text != "" {
		if len(terms) == 0 {
			return query.NewMatchNoneQuery()
		}
		for _, t := range terms {
			must = append(must, anyOf(
				termQ(fName, t, boostName),
				termQ(fBio, t, boostBio),
				termQ(fCaptions, t, boostCaptions),
			))
		}
	}
	must = appendTerms(must, fPlatform, q.Platforms, false)
	must = appendTerms(must, fNiches, q.Niches, q.NicheAll)
	must = appendTerms(must, fTier, q.Tiers, false)
	must = appendTerms(must, fCountry, q.Countries, false)
	must = appendTerms(must, fCity, q.Cities, false)
	must = appendTerms(must, fHashtags, q.Hashtags, false)
	if o.brandClass != "" {
		vals := make([]string, len(q.Brands))
		for i, b := range q.Brands {
			vals[i] = b + "|" + o.brandClass
		}
		must = appendTerms(must, fBrandClass, vals, false)
	} else {
		must = appendTerms(must, fBrands, q.Brands, false)
	}
	if q.MinFollowers != nil || q.MaxFollowers != nil {
		must = append(must, rangeQ(fFollowers, intPtrFloat(q.MinFollowers), intPtrFloat(q.MaxFollowers)))
	}
	if q.MinER != nil || q.MaxER != nil {
		must = append(must, rangeQ(fER, q.MinER, q.MaxER))
	}
	if g := o.geo; g != nil {
		must = append(must, &geoRadiusQuery{lat: g.Lat, lon: g.Lon, km: g.RadiusKm})
	}
	switch len(must) {
	case 0:
		return query.NewMatchAllQuery()
	case 1:
		return must[0]
	default:
		return query.NewConjunctionQuery(must)
	}
}

func termQ(field, term string, boost float64) query.Query {
	tq := query.NewTermQuery(term)
	tq.SetField(field)
	tq.SetBoost(boost)
	return tq
}

func anyOf(qs ...query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

func appendTerms(must []query.Query, field string, vals []string, all bool) []query.Query {
	if len(vals) == 0 {
		return must
	}
	qs := make([]query.Query, len(vals))
	for i, v := range vals {
		qs[i] = termQ(field, v, 0)
	}
	if all {
		return append(must, qs...)
	}
	return append(must, anyOf(qs...))
}

func rangeQ(field string, min, max *float64) query.Query {
	incl := true
	rq := query.NewNumericRangeInclusiveQuery(min, max, &incl, &incl)
	rq.SetField(field)
	rq.SetBoost(0)
	return rq
}

func intPtrFloat(v *int64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v)
	return &f
}

// hit decodes one bleve hit into a creator.Hit.
func (ix *Index) hit(h *search.DocumentMatch, terms []string, scored bool) (creator.Hit, error) {
	raw, ok := h.Fields[fSource].(string)
	if !ok {
		return creator.Hit{}, fmt.Errorf("index: hit %s has no stored creator; rebuild the index", h.ID)
	}
	// Captions are only needed for highlights: leave them raw until then.
	var s struct {
		Creator  *creator.Creator `json:"creator"`
		Captions json.RawMessage  `json:"captions"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil || s.Creator == nil {
		return creator.Hit{}, fmt.Errorf("index: hit %s: decode stored creator: %v", h.ID, err)
	}
	hit := creator.Hit{Creator: *s.Creator}
	if scored {
		hit.Score = h.Score
	}
	if len(terms) > 0 {
		st := stored{Creator: s.Creator}
		if len(s.Captions) > 0 {
			if err := json.Unmarshal(s.Captions, &st.Captions); err != nil {
				return creator.Hit{}, fmt.Errorf("index: hit %s: decode stored captions: %v", h.ID, err)
			}
		}
		hit.Highlights = ix.highlights(st, terms)
	}
	return hit, nil
}

// facetList returns a facet's values by count, then value.
func facetList(fr *search.FacetResult) []creator.Facet {
	out := []creator.Facet{}
	if fr == nil || fr.Terms == nil {
		return out
	}
	for _, t := range fr.Terms.Terms() {
		out = append(out, creator.Facet{Value: t.Term, Count: t.Count})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out
}
