package creator

import (
	"strings"
	"time"
)

// Limits on a query. A deep offset is refused: pages go by cursor.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxTextLen   = 256
	MaxTerms     = 20 // values in one list filter
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
}

// SearchResult is one page of a search.
type SearchResult struct {
	Total      uint64             `json:"total"`
	Hits       []Hit              `json:"creators"`
	Facets     map[string][]Facet `json:"facets"`
	NextCursor string             `json:"next_cursor"`
	Took       time.Duration      `json:"-"`
}

// Hit is one creator in a result with why it matched.
type Hit struct {
	Creator
	Score      float64             `json:"score,omitempty"`
	Highlights map[string][]string `json:"highlights,omitempty"`
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

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
