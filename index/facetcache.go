package index

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/creatorscout/creatorscout/creator"
)

// The facet cache. Counting facets costs a pass over every hit's values,
// so a query matching most of the index (no filter, or one broad filter,
// as a first page often is) spends most of its time there: about 40
// values per creator, 40M increments at 1M creators. The cache keeps the
// counts of such queries, keyed by everything that decides the hits and
// the facets asked for, together with the table's version; any write
// bumps the version, so a count served from the cache is always exact.

const facetCacheEntries = 64

// facetCacheMinHits: only queries at least this broad are kept (a
// variable for tests).
var facetCacheMinHits = 20000

type facetEntry struct {
	version uint64
	facets  map[string][]creator.Facet
}

type facetCache struct {
	mu    sync.Mutex
	m     map[string]facetEntry
	order []string // oldest first
}

// facetKey is q's filter (sort, paging and facets do not change the hits),
// the resolved circle and the facets asked for.
func facetKey(q *creator.Query, circle *creator.GeoCircle, names []string, size int) string {
	f := *q
	f.Sort, f.Cursor, f.Limit, f.Offset, f.Facets, f.FacetSize = "", "", 0, 0, nil, 0
	f.Near, f.Radius = "", ""
	b, _ := json.Marshal(struct {
		Q      creator.Query
		Circle *creator.GeoCircle
		Names  []string
		Size   int
	}{f, circle, names, size})
	return string(b)
}

func (c *facetCache) get(key string, version uint64) (map[string][]creator.Facet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.version != version {
		return nil, false
	}
	return copyFacets(e.facets), true
}

func (c *facetCache) put(key string, version uint64, facets map[string][]creator.Facet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]facetEntry{}
	}
	if _, ok := c.m[key]; !ok {
		c.order = append(c.order, key)
		if len(c.order) > facetCacheEntries {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.m[key] = facetEntry{version: version, facets: copyFacets(facets)}
}

func copyFacets(m map[string][]creator.Facet) map[string][]creator.Facet {
	out := make(map[string][]creator.Facet, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}
