package index

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/creatorscout/creatorscout/creator"
)

// The oracle answers a query by scanning every document, written from the
// documented semantics without any of the index code.

type odoc struct {
	c          *creator.Creator
	terms      map[string]bool // analysed words of name, bio, window captions
	niches     map[string]bool
	hashtags   map[string]bool
	brands     map[string]bool
	brandClass map[string]bool
	city       string
	country    string
	region     string
	undisc     bool                // a window post is flagged undisclosed
	growth     *float64            // Analysis.Growth.D30.Relative
	auth       *float64            // Analysis.Authenticity.Score
	facets     map[string][]string // facet name -> distinct values
}

type oracle struct {
	docs []*odoc
	an   analysis.Analyzer
}

func newOracle(docs []Doc) *oracle {
	an, err := registry.NewCache().AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		panic(err)
	}
	o := &oracle{an: an}
	for _, d := range docs {
		o.docs = append(o.docs, o.doc(d))
	}
	return o
}

// oracleWindow: posts of the last 90 days, newest first, then undated
// ones, at most 30.
func oracleWindow(posts []creator.Post, fetched time.Time) []creator.Post {
	cut := fetched.Add(-90 * 24 * time.Hour)
	var out []creator.Post
	for _, p := range posts {
		if p.PublishedAt != nil && !p.PublishedAt.Before(cut) {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PublishedAt.After(*out[j].PublishedAt) })
	for _, p := range posts {
		if p.PublishedAt == nil {
			out = append(out, p)
		}
	}
	if len(out) > 30 {
		out = out[:30]
	}
	return out
}

func (o *oracle) words(s string) []string {
	var out []string
	for _, t := range o.an.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

func (o *oracle) doc(d Doc) *odoc {
	c := d.Creator
	od := &odoc{
		c: c, terms: map[string]bool{}, niches: map[string]bool{}, hashtags: map[string]bool{},
		brands: map[string]bool{}, brandClass: map[string]bool{}, facets: map[string][]string{},
	}
	addTerms := func(s string) {
		for _, w := range o.words(s) {
			od.terms[w] = true
		}
	}
	addTerms(c.DisplayName)
	addTerms(c.Bio)
	for _, p := range oracleWindow(d.Posts, c.FetchedAt) {
		addTerms(p.Caption)
		for _, h := range p.Hashtags {
			od.hashtags[strings.ToLower(h)] = true
		}
		for _, b := range p.Brands {
			od.brands[strings.ToLower(b.Name)] = true
			od.brandClass[strings.ToLower(b.Name)+"|"+b.Class] = true
		}
		if p.Undisclosed != nil {
			od.undisc = true
		}
	}
	if a := c.Analysis; a != nil {
		if a.Growth != nil && a.Growth.D30 != nil {
			od.growth = a.Growth.D30.Relative
		}
		if a.Authenticity != nil {
			od.auth = a.Authenticity.Score
		}
	}
	for _, n := range c.Niches {
		od.niches[n] = true
	}
	if c.Location != nil {
		od.city = strings.ToLower(c.Location.City)
		od.country = c.Location.Country
		od.region = strings.ToLower(c.Location.Region)
	}
	one := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	od.facets["platform"] = one(c.Platform)
	od.facets["tier"] = one(c.Tier)
	od.facets["niche"] = keys(od.niches)
	od.facets["country"] = one(od.country)
	od.facets["city"] = one(od.city)
	od.facets["language"] = one(c.Language)
	od.facets["brand"] = keys(od.brands)
	od.facets["hashtag"] = keys(od.hashtags)
	return od
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// oquery is a normalised query plus the index options the oracle knows.
// A query's own near filter is resolved through creator.Query.Geo.
type oquery struct {
	q          creator.Query
	geo        *GeoFilter
	brandClass string
}

func (oq oquery) circle() *GeoFilter {
	if oq.geo != nil {
		return oq.geo
	}
	g, err := oq.q.Geo()
	if err != nil {
		panic(err)
	}
	if g == nil {
		return nil
	}
	return &GeoFilter{Lat: g.Lat, Lon: g.Lon, RadiusKm: g.RadiusKm}
}

// geoBandKm is how close to the radius a creator must be for the oracle to
// call it ambiguous: only float rounding may differ (the index and the
// oracle both use a sphere of 6371.0088 km, coded separately).
func geoBandKm(r float64) float64 { return 1e-6 }

func oracleDistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const R = 6371.0088
	rad := math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * R * math.Asin(math.Min(1, math.Sqrt(a)))
}

// match says whether d matches; ambiguous is true when only the geo
// distance is too close to the radius to call.
func (o *oracle) match(d *odoc, oq oquery, ws []string) (ok, ambiguous bool) {
	q := oq.q
	c := d.c
	if q.Text != "" {
		if len(ws) == 0 {
			return false, false
		}
		for _, w := range ws {
			if !d.terms[w] {
				return false, false
			}
		}
	}
	anyIn := func(vals []string, has func(string) bool) bool {
		if len(vals) == 0 {
			return true
		}
		for _, v := range vals {
			if has(v) {
				return true
			}
		}
		return false
	}
	eq := func(x string) func(string) bool { return func(v string) bool { return v == x } }
	if !anyIn(q.Platforms, eq(c.Platform)) || !anyIn(q.Tiers, eq(c.Tier)) ||
		!anyIn(q.Countries, eq(d.country)) || !anyIn(q.Cities, eq(d.city)) ||
		!anyIn(q.Regions, eq(d.region)) || !anyIn(q.Languages, eq(c.Language)) {
		return false, false
	}
	if (q.Verified != nil && *q.Verified != c.Verified) ||
		(q.HasEmail != nil && *q.HasEmail != (c.Email != "")) ||
		(q.Undisclosed != nil && *q.Undisclosed != d.undisc) {
		return false, false
	}
	if q.LastPostSince != nil && (c.LastPostAt == nil || c.LastPostAt.Before(*q.LastPostSince)) {
		return false, false
	}
	if q.MinAuthenticity != nil && (d.auth == nil || *d.auth < *q.MinAuthenticity) {
		return false, false
	}
	if q.MinGrowth != nil || q.MaxGrowth != nil {
		if d.growth == nil || (q.MinGrowth != nil && *d.growth < *q.MinGrowth) ||
			(q.MaxGrowth != nil && *d.growth > *q.MaxGrowth) {
			return false, false
		}
	}
	if q.NicheAll {
		for _, n := range q.Niches {
			if !d.niches[n] {
				return false, false
			}
		}
	} else if !anyIn(q.Niches, func(v string) bool { return d.niches[v] }) {
		return false, false
	}
	if q.HashtagAll {
		for _, h := range q.Hashtags {
			if !d.hashtags[h] {
				return false, false
			}
		}
	} else if !anyIn(q.Hashtags, func(v string) bool { return d.hashtags[v] }) {
		return false, false
	}
	class := oq.brandClass
	if class == "" {
		class = q.BrandClass
	}
	if class != "" {
		if !anyIn(q.Brands, func(v string) bool { return d.brandClass[v+"|"+class] }) {
			return false, false
		}
	} else if !anyIn(q.Brands, func(v string) bool { return d.brands[v] }) {
		return false, false
	}
	if q.MinFollowers != nil || q.MaxFollowers != nil {
		if c.Followers == nil ||
			(q.MinFollowers != nil && *c.Followers < *q.MinFollowers) ||
			(q.MaxFollowers != nil && *c.Followers > *q.MaxFollowers) {
			return false, false
		}
	}
	if q.MinER != nil || q.MaxER != nil {
		if c.EngagementRate == nil ||
			(q.MinER != nil && *c.EngagementRate < *q.MinER) ||
			(q.MaxER != nil && *c.EngagementRate > *q.MaxER) {
			return false, false
		}
	}
	if q.SimilarTo != "" {
		t := o.byID(q.SimilarTo)
		if t == nil || t == d {
			return false, false
		}
		shares := d.city != "" && d.city == t.city
		for n := range t.niches {
			shares = shares || d.niches[n]
		}
		for h := range t.hashtags {
			shares = shares || d.hashtags[h]
		}
		if !shares {
			return false, false
		}
	}
	if g := oq.circle(); g != nil {
		if c.Location == nil || c.Location.Lat == nil || c.Location.Lon == nil {
			return false, false
		}
		dist := oracleDistanceKm(g.Lat, g.Lon, *c.Location.Lat, *c.Location.Lon)
		if math.Abs(dist-g.RadiusKm) <= geoBandKm(g.RadiusKm) {
			return true, true
		}
		return dist <= g.RadiusKm, false
	}
	return true, false
}

func (o *oracle) byID(id string) *odoc {
	for _, d := range o.docs {
		if d.c.ID == id {
			return d
		}
	}
	return nil
}

// similarity is creator.Similarity's score of d against t, written from
// its documentation.
func (o *oracle) similarity(t, d *odoc) float64 {
	jac := func(a, b map[string]bool) float64 {
		shared := 0
		for k := range b {
			if a[k] {
				shared++
			}
		}
		if u := len(a) + len(b) - shared; u > 0 {
			return float64(shared) / float64(u)
		}
		return 0
	}
	score := 0.4 * jac(t.niches, d.niches)
	score += 0.3 * jac(t.hashtags, d.hashtags)
	switch {
	case t.city != "" && d.city == t.city && d.country == t.country:
		score += 0.15
	case t.region != "" && d.region == t.region && d.country == t.country:
		score += 0.1
	case t.country != "" && d.country == t.country:
		score += 0.05
	}
	ti, di := -1, -1
	for i, tier := range creator.Tiers {
		if tier == t.c.Tier {
			ti = i
		}
		if tier == d.c.Tier {
			di = i
		}
	}
	if ti >= 0 && di >= 0 {
		switch di - ti {
		case 0:
			score += 0.15
		case -1, 1:
			score += 0.05
		}
	}
	return score
}

// search returns the matching docs in sort order (id order for relevance)
// and the ids too close to a geo radius to call.
func (o *oracle) search(oq oquery) (hits []*odoc, ambiguous map[string]bool) {
	ambiguous = map[string]bool{}
	ws := o.words(oq.q.Text)
	for _, d := range o.docs {
		ok, amb := o.match(d, oq, ws)
		if amb {
			ambiguous[d.c.ID] = true
			continue
		}
		if ok {
			hits = append(hits, d)
		}
	}
	if oq.q.SimilarTo != "" && strings.TrimPrefix(oq.q.Sort, "-") == "" {
		t := o.byID(oq.q.SimilarTo)
		sort.SliceStable(hits, func(i, j int) bool {
			a, b := o.similarity(t, hits[i]), o.similarity(t, hits[j])
			if a != b {
				return a > b
			}
			return hits[i].c.ID < hits[j].c.ID
		})
		return hits, ambiguous
	}
	o.sort(hits, oq.q.Sort)
	return hits, ambiguous
}

func (o *oracle) sort(hits []*odoc, s string) {
	desc := strings.HasPrefix(s, "-")
	var val func(c *creator.Creator) (float64, bool)
	switch strings.TrimPrefix(s, "-") {
	case "followers":
		val = func(c *creator.Creator) (float64, bool) {
			if c.Followers == nil {
				return 0, false
			}
			return float64(*c.Followers), true
		}
	case "engagement_rate":
		val = func(c *creator.Creator) (float64, bool) {
			if c.EngagementRate == nil {
				return 0, false
			}
			return *c.EngagementRate, true
		}
	case "last_post_at":
		val = func(c *creator.Creator) (float64, bool) {
			if c.LastPostAt == nil {
				return 0, false
			}
			return float64(c.LastPostAt.UnixNano()), true
		}
	case "growth", "authenticity":
		growth := strings.TrimPrefix(s, "-") == "growth"
		byDoc := map[*creator.Creator]*float64{}
		for _, h := range hits {
			byDoc[h.c] = h.auth
			if growth {
				byDoc[h.c] = h.growth
			}
		}
		val = func(c *creator.Creator) (float64, bool) {
			if v := byDoc[c]; v != nil {
				return *v, true
			}
			return 0, false
		}
	default:
		val = func(*creator.Creator) (float64, bool) { return 0, false }
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, aok := val(hits[i].c)
		b, bok := val(hits[j].c)
		switch {
		case aok && !bok:
			return true
		case !aok && bok:
			return false
		case aok && bok && a != b:
			if desc {
				return a > b
			}
			return a < b
		}
		return hits[i].c.ID < hits[j].c.ID
	})
}

// facets counts facet values over hits: by count, then value, top size.
func (o *oracle) facets(hits []*odoc, names []string, size int) map[string][]creator.Facet {
	out := map[string][]creator.Facet{}
	for _, name := range names {
		counts := map[string]int{}
		for _, d := range hits {
			for _, v := range d.facets[name] {
				counts[v]++
			}
		}
		list := []creator.Facet{}
		for v, n := range counts {
			list = append(list, creator.Facet{Value: v, Count: n})
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].Count != list[j].Count {
				return list[i].Count > list[j].Count
			}
			return list[i].Value < list[j].Value
		})
		if len(list) > size {
			list = list[:size]
		}
		out[name] = list
	}
	return out
}
