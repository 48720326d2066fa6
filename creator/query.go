package creator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits on a query. A deep offset is refused: pages go by cursor.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxTextLen   = 256
	MaxTerms     = 20 // values in one list filter
	// MaxOffset is the deepest offset a query may skip to; past it, page
	// with the cursor (next_cursor).
	MaxOffset = 1000
	// DefaultRadiusKm is the radius of a near filter that gives none.
	DefaultRadiusKm = 50
	// MaxRadiusKm is the largest radius: half the equator.
	MaxRadiusKm = 20038
	// MaxAuthenticity is the top of the authenticity score.
	MaxAuthenticity = 100
)

// Sort fields. A leading '-' means descending; relevance is always descending.
var SortFields = []string{"relevance", "followers", "engagement_rate", "growth", "last_post_at", "authenticity"}

// FacetFields are the facets a query can ask for.
var FacetFields = []string{"platform", "tier", "niche", "country", "city", "language", "brand", "hashtag"}

// Query is a creator search, the same for GET /v1/creators,
// POST /v1/creators/search and `creatorscout search`. Nil bounds are open.
type Query struct {
	Text         string   `json:"q,omitempty"`
	Platforms    []string `json:"platform,omitempty"`
	Niches       []string `json:"niche,omitempty"`
	NicheAll     bool     `json:"niche_all,omitempty"` // all niches must match, not any
	Tiers        []string `json:"tier,omitempty"`
	Countries    []string `json:"country,omitempty"`
	Cities       []string `json:"city,omitempty"`
	MinFollowers *int64   `json:"min_followers,omitempty"`
	MaxFollowers *int64   `json:"max_followers,omitempty"`
	MinER        *float64 `json:"min_er,omitempty"` // a fraction: 0.03 is 3%
	MaxER        *float64 `json:"max_er,omitempty"`
	Hashtags     []string `json:"hashtag,omitempty"`
	Brands       []string `json:"brand,omitempty"`
	Sort         string   `json:"sort,omitempty"` // e.g. "-engagement_rate"; "" is relevance
	Limit        int      `json:"limit,omitempty"`
	Cursor       string   `json:"cursor,omitempty"`
	Facets       []string `json:"facets,omitempty"` // nil asks for all FacetFields
	FacetSize    int      `json:"facet_size,omitempty"`

	// HashtagAll asks for every hashtag, not any of them.
	HashtagAll bool `json:"hashtag_all,omitempty"`
	// BrandClass narrows Brands to mentions of one class: gifted,
	// sponsored, affiliate or organic; "" or "any" is any class.
	BrandClass string   `json:"brand_class,omitempty"`
	Languages  []string `json:"language,omitempty"` // ISO 639-1, lower case
	Regions    []string `json:"region,omitempty"`   // as the gazetteer names them, any case
	// Verified, HasEmail and Undisclosed filter when set; nil is either.
	// Undisclosed is true for creators with at least one post in the
	// analysis window flagged as an undisclosed sponsorship.
	Verified    *bool `json:"verified,omitempty"`
	HasEmail    *bool `json:"has_email,omitempty"`
	Undisclosed *bool `json:"undisclosed,omitempty"`
	// LastPostSince keeps creators whose last post is at or after it.
	LastPostSince *time.Time `json:"last_post_since,omitempty"`
	// MinAuthenticity is the lowest authenticity score (0-100) kept.
	MinAuthenticity *float64 `json:"min_authenticity,omitempty"`
	// MinGrowth and MaxGrowth bound the 30-day relative follower growth, a
	// fraction: 0.05 is +5%, -0.02 is -2%.
	MinGrowth *float64 `json:"min_growth,omitempty"`
	MaxGrowth *float64 `json:"max_growth,omitempty"`
	// Near is "lat,lon" or a place name resolved through the gazetteer
	// ("Austin", "Paris, France"); Radius is a distance such as "50km",
	// "800m" or "30mi" (DefaultRadiusKm when empty). See Query.Geo.
	Near   string `json:"near,omitempty"`
	Radius string `json:"radius,omitempty"`
	// Offset skips that many hits, at most MaxOffset; deeper pages go by
	// Cursor.
	Offset int `json:"offset,omitempty"`
	// SimilarTo asks for lookalikes of the creator with this id: creators
	// sharing a niche, a hashtag or a place with it, scored by how much of
	// its niche, hashtag, location and tier profile they share (see
	// Similarity). Relevance then means that score. The creator itself is
	// left out.
	SimilarTo string `json:"similar_to,omitempty"`
}

// GeoCircle is a resolved near filter: the creators within RadiusKm of
// Lat, Lon by great-circle distance. Place is what a place name resolved
// to ("Austin, Texas, US"); empty for coordinates.
type GeoCircle struct {
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	RadiusKm float64 `json:"radius_km"`
	Place    string  `json:"place,omitempty"`
}

// SearchResult is one page of a search.
type SearchResult struct {
	Total      uint64             `json:"total"`
	Hits       []Hit              `json:"creators"`
	Facets     map[string][]Facet `json:"facets"`
	NextCursor string             `json:"next_cursor"`
	// Near is the near filter as resolved, so a caller sees which Austin.
	Near *GeoCircle    `json:"near,omitempty"`
	Took time.Duration `json:"-"`
}

// Hit is one creator in a result with why it matched.
type Hit struct {
	Creator
	Score      float64             `json:"score,omitempty"`
	Highlights map[string][]string `json:"highlights,omitempty"`
	// Authenticity is the 0-100 score and Growth30d the 30-day relative
	// follower growth the filters and sorts read; nil when unknown.
	Authenticity *float64 `json:"authenticity,omitempty"`
	Growth30d    *float64 `json:"growth_30d,omitempty"`
	// Similarity explains a lookalike (Query.SimilarTo).
	Similarity *Similarity `json:"similarity,omitempty"`
}

// Similarity is how a lookalike resembles the creator it was asked for:
// the score and what they share. Score is the weighted sum of the niche
// overlap (Jaccard, weight 0.4), the hashtag overlap within the analysis
// window (Jaccard, 0.3), the place (same city 0.15, else same region 0.1,
// else same country 0.05) and the tier (same 0.15, next to it 0.05); 0..1.
type Similarity struct {
	Score    float64  `json:"score"`
	Niches   []string `json:"niches"`   // shared niches
	Hashtags []string `json:"hashtags"` // shared hashtags, at most 10
	Place    string   `json:"place"`    // "city austin", "region texas", "country US" or ""
	Tier     string   `json:"tier"`     // "same tier micro", "next tier macro" or ""
	// Why says the same in words.
	Why string `json:"why"`
}

// Facet is one value of a facet field with its count.
type Facet struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Normalize lower-cases and de-duplicates list filters in place, strips
// '#' and '@' from hashtags and brands, and upper-cases countries.
func (q *Query) Normalize() {
	q.Text = strings.TrimSpace(q.Text)
	q.Platforms = normList(q.Platforms, strings.ToLower)
	q.Niches = normList(q.Niches, strings.ToLower)
	q.Tiers = normList(q.Tiers, strings.ToLower)
	q.Countries = normList(q.Countries, strings.ToUpper)
	q.Cities = normList(q.Cities, strings.ToLower)
	q.Hashtags = normList(q.Hashtags, func(s string) string { return strings.ToLower(strings.TrimPrefix(s, "#")) })
	q.Brands = normList(q.Brands, func(s string) string { return strings.ToLower(strings.TrimPrefix(s, "@")) })
	q.Facets = normList(q.Facets, strings.ToLower)
	q.Languages = normList(q.Languages, strings.ToLower)
	q.Regions = normList(q.Regions, strings.ToLower)
	q.BrandClass = strings.ToLower(strings.TrimSpace(q.BrandClass))
	if q.BrandClass == "any" {
		q.BrandClass = ""
	}
	q.Near = strings.TrimSpace(q.Near)
	q.SimilarTo = strings.TrimSpace(q.SimilarTo)
	q.Radius = strings.TrimSpace(q.Radius)
	q.Sort = strings.TrimSpace(q.Sort)
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
}

func normList(in []string, f func(string) string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, v := range in {
		for _, part := range strings.Split(v, ",") {
			part = f(strings.TrimSpace(part))
			if part == "" || seen[part] {
				continue
			}
			seen[part] = true
			out = append(out, part)
		}
	}
	return out
}

// Validate checks a normalised query and names the parameter at fault.
func (q *Query) Validate() error {
	if len(q.Text) > MaxTextLen {
		return Invalid("q", "is %d bytes; at most %d", len(q.Text), MaxTextLen)
	}
	for _, l := range []struct {
		param string
		vals  []string
		allow []string
	}{
		{"platform", q.Platforms, Platforms},
		{"tier", q.Tiers, Tiers},
		{"facets", q.Facets, FacetFields},
		{"niche", q.Niches, nil},
		{"country", q.Countries, nil},
		{"city", q.Cities, nil},
		{"hashtag", q.Hashtags, nil},
		{"brand", q.Brands, nil},
		{"language", q.Languages, nil},
		{"region", q.Regions, nil},
	} {
		if len(l.vals) > MaxTerms {
			return Invalid(l.param, "has %d values; at most %d", len(l.vals), MaxTerms)
		}
		for _, v := range l.vals {
			if len(v) > 100 {
				return Invalid(l.param, "value is %d bytes; at most 100", len(v))
			}
			if l.allow != nil && !contains(l.allow, v) {
				return Invalid(l.param, "unknown value %q; one of %s", v, strings.Join(l.allow, ", "))
			}
		}
	}
	for _, c := range q.Countries {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return Invalid("country", "%q is not an ISO 3166-1 alpha-2 code such as GB", c)
		}
	}
	if q.MinFollowers != nil && *q.MinFollowers < 0 {
		return Invalid("min_followers", "must be at least 0")
	}
	if q.MaxFollowers != nil && *q.MaxFollowers < 0 {
		return Invalid("max_followers", "must be at least 0")
	}
	if q.MinFollowers != nil && q.MaxFollowers != nil && *q.MinFollowers > *q.MaxFollowers {
		return Invalid("max_followers", "is below min_followers")
	}
	for _, r := range []struct {
		param string
		v     *float64
	}{{"min_er", q.MinER}, {"max_er", q.MaxER}} {
		if r.v != nil && (*r.v < 0 || *r.v > 10 || *r.v != *r.v) {
			return Invalid(r.param, "must be a fraction between 0 and 10 (0.03 is 3%%)")
		}
	}
	if q.MinER != nil && q.MaxER != nil && *q.MinER > *q.MaxER {
		return Invalid("max_er", "is below min_er")
	}
	for _, l := range q.Languages {
		if len(l) < 2 || len(l) > 3 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz") != "" {
			return Invalid("language", "%q is not an ISO 639-1 code such as en", l)
		}
	}
	if q.BrandClass != "" {
		if !contains(Classes, q.BrandClass) {
			return Invalid("brand_class", "unknown class %q; one of %s or any", q.BrandClass, strings.Join(Classes, ", "))
		}
		if len(q.Brands) == 0 {
			return Invalid("brand_class", "needs a brand")
		}
	}
	if q.HashtagAll && len(q.Hashtags) == 0 {
		return Invalid("hashtag_all", "needs a hashtag")
	}
	if q.NicheAll && len(q.Niches) == 0 {
		return Invalid("niche_all", "needs a niche")
	}
	if t := q.LastPostSince; t != nil && (t.Year() < 1970 || t.Year() > 9999) {
		return Invalid("last_post_since", "%s is not a date between 1970 and 9999", t.Format(time.RFC3339))
	}
	if a := q.MinAuthenticity; a != nil && (!(*a >= 0) || *a > MaxAuthenticity) {
		return Invalid("min_authenticity", "must be between 0 and %d", MaxAuthenticity)
	}
	for _, r := range []struct {
		param string
		v     *float64
	}{{"min_growth", q.MinGrowth}, {"max_growth", q.MaxGrowth}} {
		if r.v != nil && (!(*r.v >= -1) || *r.v > 1000) {
			return Invalid(r.param, "must be a fraction between -1 and 1000 (0.05 is +5%%)")
		}
	}
	if q.MinGrowth != nil && q.MaxGrowth != nil && *q.MinGrowth > *q.MaxGrowth {
		return Invalid("max_growth", "is below min_growth")
	}
	if _, err := q.Geo(); err != nil {
		return err
	}
	if len(q.SimilarTo) > 300 {
		return Invalid("similar_to", "is %d bytes; at most 300", len(q.SimilarTo))
	}
	if q.SimilarTo != "" {
		if _, _, ok := SplitID(q.SimilarTo); !ok {
			return Invalid("similar_to", "%q is not a creator id (platform:handle)", q.SimilarTo)
		}
	}
	if q.Offset < 0 {
		return Invalid("offset", "must be at least 0")
	}
	if q.Offset > MaxOffset {
		return Invalid("offset", "%d is deeper than %d; page with cursor (each page's next_cursor) instead", q.Offset, MaxOffset)
	}
	if q.Offset > 0 && q.Cursor != "" {
		return Invalid("offset", "cannot be combined with cursor; the cursor already says where the page starts")
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return Invalid("limit", "must be between 1 and %d", MaxLimit)
	}
	if q.FacetSize < 0 || q.FacetSize > 100 {
		return Invalid("facet_size", "must be between 0 and 100")
	}
	if q.Sort != "" {
		f := strings.TrimPrefix(q.Sort, "-")
		if !contains(SortFields, f) {
			return Invalid("sort", "unknown field %q; one of %s", f, strings.Join(SortFields, ", "))
		}
	}
	if len(q.Cursor) > 1024 {
		return Invalid("cursor", "is too long")
	}
	return nil
}

// Geo resolves the near filter: nil when the query has none. Near is
// "lat,lon" (decimal degrees) or a place name looked up in the gazetteer;
// a name that resolves to a region or a country, without coordinates, is
// refused. Radius takes km, m or mi ("50km", "800 m", "30mi"); a bare
// number is km.
func (q *Query) Geo() (*GeoCircle, error) {
	near := strings.TrimSpace(q.Near)
	radius := strings.TrimSpace(q.Radius)
	if near == "" {
		if radius != "" {
			return nil, Invalid("radius", "needs near (a place or lat,lon)")
		}
		return nil, nil
	}
	if len(near) > 200 {
		return nil, Invalid("near", "is %d bytes; at most 200", len(near))
	}
	km := float64(DefaultRadiusKm)
	if radius != "" {
		var err error
		if km, err = parseRadius(radius); err != nil {
			return nil, err
		}
	}
	if lat, lon, ok, err := parseLatLon(near); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return &GeoCircle{Lat: lat, Lon: lon, RadiusKm: km}, nil
	}
	loc, ev := ResolveLocation(near, LocationHints{})
	if loc == nil {
		reason := "is not a place in the gazetteer"
		if ev != nil && ev.Reason != "" {
			reason = "cannot be resolved: " + ev.Reason
		}
		return nil, Invalid("near", "%q %s; give a city or lat,lon", near, reason)
	}
	if loc.Lat == nil || loc.Lon == nil {
		return nil, Invalid("near", "%q is a region or a country, not a point; give a city or lat,lon, or filter by region or country", near)
	}
	place := strings.Join(nonEmpty(loc.City, loc.Region, loc.Country), ", ")
	return &GeoCircle{Lat: *loc.Lat, Lon: *loc.Lon, RadiusKm: km, Place: place}, nil
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseLatLon reads "lat,lon". ok is false when s does not look like
// coordinates at all (then it is a place name); err is set when it does
// but they are out of range.
func parseLatLon(s string) (lat, lon float64, ok bool, err error) {
	a, b, found := strings.Cut(s, ",")
	if !found {
		return 0, 0, false, nil
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false, nil
	}
	if math.IsNaN(lat) || lat < -90 || lat > 90 || math.IsNaN(lon) || lon < -180 || lon > 180 {
		return 0, 0, true, Invalid("near", "%q is not a latitude,longitude (-90..90, -180..180)", s)
	}
	return lat, lon, true, nil
}

// parseRadius reads a distance in km, m or mi; a bare number is km.
func parseRadius(s string) (float64, error) {
	num := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	scale := 1.0
	switch {
	case strings.HasSuffix(num, "km"):
		num = strings.TrimSuffix(num, "km")
	case strings.HasSuffix(num, "mi"):
		num, scale = strings.TrimSuffix(num, "mi"), 1.609344
	case strings.HasSuffix(num, "m"):
		num, scale = strings.TrimSuffix(num, "m"), 0.001
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, Invalid("radius", "%q is not a distance; write 50km, 800m or 30mi", s)
	}
	km := f * scale
	if !(km > 0) || km > MaxRadiusKm {
		return 0, Invalid("radius", "must be more than 0 and at most %d km", MaxRadiusKm)
	}
	return km, nil
}

// String describes the circle for messages.
func (g GeoCircle) String() string {
	return fmt.Sprintf("%g km of %g,%g", g.RadiusKm, g.Lat, g.Lon)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
