package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// The reports: GET /v1/hashtags/:tag, GET /v1/brands/:brand and
// GET /v1/creators/:id/similar. Each is made of searches through the
// Searcher (the index) and, for the brand report's evidence, posts read
// from the store through Creators.

// Report limits.
const (
	// defaultReportLimit is the creators per page (per class for a brand).
	defaultReportLimit = 20
	// defaultTop is the related hashtags and countries a hashtag report
	// lists by default; at most creator's facet limit of 100.
	defaultTop = 10
	// maxEvidencePosts is the posts a brand report shows per creator.
	maxEvidencePosts = 5
	// maxTimelineCreators bounds the creators whose posts the brand
	// timeline reads; past it the timeline says it is truncated.
	maxTimelineCreators = 1000
	// storePostsPerCreator is how many of a creator's newest posts are
	// read from the store: more than the analysis window holds.
	storePostsPerCreator = 100
	// maxCaption is the longest caption an evidence post shows, in bytes.
	maxCaption = 280
)

// windowDesc says which posts hashtags and brands are read from.
var windowDesc = fmt.Sprintf("each creator's last %d posts within %d days before it was fetched",
	creator.DefaultWindowPosts, creator.DefaultWindowDays)

// reportParams reads a report's query parameters: only the allowed names,
// each at most once.
func reportParams(c echo.Context, allowed ...string) (url.Values, error) {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, creator.Invalid("query", "malformed query string: %v", err)
	}
	for k, vals := range v {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return nil, creator.Invalid(truncate(k, 40), "unknown parameter; this route takes %s", strings.Join(allowed, ", "))
		}
		if len(vals) > 1 {
			return nil, creator.Invalid(k, "is given %d times; give it once", len(vals))
		}
	}
	return v, nil
}

// intParamIn reads an optional whole number in [lo, hi].
func intParamIn(v url.Values, name string, def, lo, hi int) (int, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, creator.Invalid(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// pathValue reads a path parameter, unescaped once as creatorID does, and
// checks it is a sane name: 1 to 100 bytes, no control characters.
func pathValue(c echo.Context, name string) (string, error) {
	raw := c.Param(name)
	if len(raw) > 3*100 {
		return "", creator.Invalid(name, "is too long; at most 100 bytes")
	}
	v := raw
	if c.Request().URL.RawPath != "" {
		u, err := url.PathUnescape(raw)
		if err != nil {
			return "", creator.Invalid(name, "bad percent-encoding in %q", truncate(raw, 80))
		}
		v = u
	}
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 100 {
		return "", creator.Invalid(name, "must be 1 to 100 bytes")
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return "", creator.Invalid(name, "must not hold control characters")
		}
	}
	return v, nil
}

func (s *Server) searcher() (Searcher, error) {
	if s.deps.Searcher == nil {
		return nil, creator.Errorf(creator.EUNAVAILABLE, "search is not available")
	}
	return s.deps.Searcher, nil
}

// hashtagReport is GET /v1/hashtags/:tag.
type hashtagReport struct {
	Hashtag string `json:"hashtag"`
	// Window is which posts count: a creator uses the tag when a post of
	// its analysis window carries it.
	Window     string          `json:"window"`
	Total      uint64          `json:"total"`
	Creators   []creator.Hit   `json:"creators"`
	NextCursor string          `json:"next_cursor"`
	Related    []creator.Facet `json:"related_hashtags"` // other tags of these creators, by creators
	ByTier     []creator.Facet `json:"by_tier"`
	ByCountry  []creator.Facet `json:"by_country"`
}

func (s *Server) hashtagReport(c echo.Context) error {
	tag, err := pathValue(c, "tag")
	if err != nil {
		return err
	}
	tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
	if tag == "" || strings.ContainsFunc(tag, unicode.IsSpace) || strings.ContainsAny(tag, "#,") {
		return creator.Invalid("tag", "%q is not a hashtag: one word, without spaces or commas", truncate(tag, 80))
	}
	v, err := reportParams(c, "limit", "cursor", "sort", "top")
	if err != nil {
		return err
	}
	limit, err := intParamIn(v, "limit", defaultReportLimit, 1, creator.MaxLimit)
	if err != nil {
		return err
	}
	top, err := intParamIn(v, "top", defaultTop, 1, 99)
	if err != nil {
		return err
	}
	sortBy := v.Get("sort")
	if sortBy == "" {
		sortBy = "-followers"
	}
	sr, err := s.searcher()
	if err != nil {
		return err
	}
	q := creator.Query{Hashtags: []string{tag}, Sort: sortBy, Limit: limit, Cursor: v.Get("cursor"),
		Facets: []string{"hashtag", "tier", "country"}, FacetSize: top + 1}
	res, err := sr.Search(c.Request().Context(), q)
	if err != nil {
		return fmt.Errorf("api: hashtag report %s: %w", tag, err)
	}
	out := hashtagReport{Hashtag: tag, Window: windowDesc, Total: res.Total, Creators: nonNilHits(res.Hits),
		NextCursor: res.NextCursor, Related: []creator.Facet{}, ByTier: nonNilFacets(res.Facets["tier"]),
		ByCountry: nonNilFacets(res.Facets["country"])}
	for _, f := range res.Facets["hashtag"] {
		if f.Value != tag && len(out.Related) < top {
			out.Related = append(out.Related, f)
		}
	}
	if len(out.ByCountry) > top {
		out.ByCountry = out.ByCountry[:top]
	}
	return c.JSON(http.StatusOK, out)
}

// brandReport is GET /v1/brands/:brand.
type brandReport struct {
	Brand  string `json:"brand"`
	Window string `json:"window"`
	// Total counts the creators with a window post naming the brand, in
	// any class. A creator with posts of several classes is in each.
	Total    uint64          `json:"total"`
	ByTier   []creator.Facet `json:"by_tier"`
	ByNiche  []creator.Facet `json:"by_niche"`
	ByClass  []brandClass    `json:"by_class"`
	Timeline brandTimeline   `json:"timeline"`
}

// brandClass is the creators who named the brand in posts of one class,
// each with those posts as evidence.
type brandClass struct {
	Class      string          `json:"class"`
	Total      uint64          `json:"total"`
	Creators   []brandCreator  `json:"creators"`
	NextCursor string          `json:"next_cursor"`
	ByTier     []creator.Facet `json:"by_tier"`
}

type brandCreator struct {
	creator.Hit
	// Posts are the creator's window posts naming the brand in this
	// class, newest first, at most maxEvidencePosts.
	Posts []evidencePost `json:"posts"`
}

// evidencePost is a post that names the brand, with its source.
type evidencePost struct {
	ID          string     `json:"id"`
	URL         string     `json:"url"`
	PublishedAt *time.Time `json:"published_at"`
	Caption     string     `json:"caption"` // at most maxCaption bytes
	Class       string     `json:"class"`   // the class the post gives the brand
	Signals     []string   `json:"signals"` // what decided the post's disclosure class
	SourceURL   string     `json:"source_url"`
	FetchedAt   time.Time  `json:"fetched_at"`
}

// brandTimeline counts the window posts naming the brand per ISO week
// (Monday, UTC), oldest week first.
type brandTimeline struct {
	Weeks []brandWeek `json:"weeks"`
	// Undated counts posts without a date, which no week can hold.
	Undated int `json:"undated"`
	// Creators is how many creators' posts were read; Truncated is true
	// when more creators named the brand than maxTimelineCreators.
	Creators  int  `json:"creators"`
	Truncated bool `json:"truncated"`
}

type brandWeek struct {
	Week    string         `json:"week"`  // ISO 8601, e.g. 2025-W21
	Start   string         `json:"start"` // the Monday, YYYY-MM-DD
	Posts   int            `json:"posts"`
	ByClass map[string]int `json:"by_class"`
}

func (s *Server) brandReport(c echo.Context) error {
	brand, err := pathValue(c, "brand")
	if err != nil {
		return err
	}
	brand = strings.ToLower(strings.TrimPrefix(brand, "@"))
	if brand == "" || strings.Contains(brand, ",") {
		return creator.Invalid("brand", "%q is not a brand name", truncate(brand, 80))
	}
	v, err := reportParams(c, "class", "limit", "sort")
	if err != nil {
		return err
	}
	limit, err := intParamIn(v, "limit", defaultReportLimit, 1, creator.MaxLimit)
	if err != nil {
		return err
	}
	classes := creator.Classes
	if cl := strings.ToLower(strings.TrimSpace(v.Get("class"))); cl != "" && cl != "any" {
		if !contains(creator.Classes, cl) {
			return creator.Invalid("class", "unknown class %q; one of %s or any", truncate(cl, 40), strings.Join(creator.Classes, ", "))
		}
		classes = []string{cl}
	}
	sortBy := v.Get("sort")
	if sortBy == "" {
		sortBy = "-followers"
	}
	sr, err := s.searcher()
	if err != nil {
		return err
	}
	if s.deps.Creators == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "the store is not available")
	}
	ctx := c.Request().Context()
	all, err := sr.Search(ctx, creator.Query{Brands: []string{brand}, Sort: sortBy, Limit: 1, Facets: []string{"tier", "niche"}})
	if err != nil {
		return fmt.Errorf("api: brand report %s: %w", brand, err)
	}
	out := brandReport{Brand: brand, Window: windowDesc, Total: all.Total, ByTier: nonNilFacets(all.Facets["tier"]),
		ByNiche: nonNilFacets(all.Facets["niche"]), ByClass: []brandClass{}}
	posts := map[string][]creator.Post{} // window posts by creator, read once
	for _, class := range classes {
		res, err := sr.Search(ctx, creator.Query{Brands: []string{brand}, BrandClass: class, Sort: sortBy, Limit: limit, Facets: []string{"tier"}})
		if err != nil {
			return fmt.Errorf("api: brand report %s (%s): %w", brand, class, err)
		}
		bc := brandClass{Class: class, Total: res.Total, Creators: []brandCreator{}, NextCursor: res.NextCursor, ByTier: nonNilFacets(res.Facets["tier"])}
		for _, h := range res.Hits {
			win, err := s.windowPosts(ctx, &h.Creator, posts)
			if err != nil {
				return err
			}
			ev := []evidencePost{}
			for _, p := range win {
				if bcl, ok := namesBrand(p, brand); ok && bcl == class && len(ev) < maxEvidencePosts {
					ev = append(ev, evidence(p, bcl))
				}
			}
			bc.Creators = append(bc.Creators, brandCreator{Hit: h, Posts: ev})
		}
		out.ByClass = append(out.ByClass, bc)
	}
	if out.Timeline, err = s.brandTimeline(ctx, sr, brand, posts); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// windowPosts returns the posts of c's analysis window from the store,
// caching them in seen.
func (s *Server) windowPosts(ctx context.Context, c *creator.Creator, seen map[string][]creator.Post) ([]creator.Post, error) {
	if ps, ok := seen[c.ID]; ok {
		return ps, nil
	}
	ps, err := s.deps.Creators.Posts(ctx, c.ID, storePostsPerCreator)
	if err != nil {
		return nil, fmt.Errorf("api: posts of %s: %w", c.ID, err)
	}
	in := map[string]bool{}
	for _, id := range creator.ComputeEngagement(c.Followers, ps, c.FetchedAt, creator.DefaultWindowPosts, creator.DefaultWindowDays).WindowPostIDs {
		in[id] = true
	}
	var win []creator.Post
	for _, p := range ps {
		if in[p.ID] {
			win = append(win, p)
		}
	}
	seen[c.ID] = win
	return win, nil
}

// namesBrand reports whether p names brand, and the class it gives it.
func namesBrand(p creator.Post, brand string) (string, bool) {
	for _, b := range p.Brands {
		if strings.ToLower(strings.TrimPrefix(strings.TrimSpace(b.Name), "@")) == brand {
			return strings.ToLower(b.Class), true
		}
	}
	return "", false
}

func evidence(p creator.Post, class string) evidencePost {
	signals := p.Disclosure.Signals
	if signals == nil {
		signals = []string{}
	}
	return evidencePost{ID: p.ID, URL: p.URL, PublishedAt: p.PublishedAt, Caption: truncate(p.Caption, maxCaption),
		Class: class, Signals: signals, SourceURL: p.SourceURL, FetchedAt: p.FetchedAt}
}

// brandTimeline reads the window posts of every creator naming the brand,
// up to maxTimelineCreators, and counts those naming it per week.
func (s *Server) brandTimeline(ctx context.Context, sr Searcher, brand string, seen map[string][]creator.Post) (brandTimeline, error) {
	tl := brandTimeline{Weeks: []brandWeek{}}
	weeks := map[string]*brandWeek{}
	q := creator.Query{Brands: []string{brand}, Sort: "-followers", Limit: creator.MaxLimit, Facets: []string{"tier"}}
	for {
		res, err := sr.Search(ctx, q)
		if err != nil {
			return tl, fmt.Errorf("api: brand timeline %s: %w", brand, err)
		}
		for _, h := range res.Hits {
			if tl.Creators == maxTimelineCreators {
				tl.Truncated = true
				break
			}
			tl.Creators++
			win, err := s.windowPosts(ctx, &h.Creator, seen)
			if err != nil {
				return tl, err
			}
			for _, p := range win {
				class, ok := namesBrand(p, brand)
				if !ok {
					continue
				}
				if p.PublishedAt == nil || p.PublishedAt.IsZero() {
					tl.Undated++
					continue
				}
				t := p.PublishedAt.UTC()
				y, wk := t.ISOWeek()
				key := fmt.Sprintf("%04d-W%02d", y, wk)
				w := weeks[key]
				if w == nil {
					monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
					w = &brandWeek{Week: key, Start: monday.Format("2006-01-02"), ByClass: map[string]int{}}
					weeks[key] = w
				}
				w.Posts++
				w.ByClass[class]++
			}
		}
		if tl.Truncated || res.NextCursor == "" {
			break
		}
		q.Cursor = res.NextCursor
	}
	for _, w := range weeks {
		tl.Weeks = append(tl.Weeks, *w)
	}
	sort.Slice(tl.Weeks, func(i, j int) bool { return tl.Weeks[i].Week < tl.Weeks[j].Week })
	return tl, nil
}

// similarResponse is GET /v1/creators/:id/similar.
type similarResponse struct {
	CreatorID  string        `json:"creator_id"`
	Total      uint64        `json:"total"`
	Creators   []creator.Hit `json:"creators"` // each with its similarity
	NextCursor string        `json:"next_cursor"`
}

// similarCreators is GET /v1/creators/:id/similar: the search parameters
// of GET /v1/creators narrow the lookalikes; similar_to is the path's id.
func (s *Server) similarCreators(c echo.Context) error {
	id, err := creatorID(c)
	if err != nil {
		return err
	}
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return creator.Invalid("query", "malformed query string: %v", err)
	}
	if v.Has("similar_to") {
		return creator.Invalid("similar_to", "comes from the path; leave it out")
	}
	if !v.Has("facets") {
		v.Set("facets", "tier") // the cheapest: lookalikes need no facets
	}
	v.Set("similar_to", id)
	q, err := creator.QueryFromValues(v)
	if err != nil {
		return err
	}
	sr, err := s.searcher()
	if err != nil {
		return err
	}
	res, err := sr.Search(c.Request().Context(), q)
	if creator.ErrorCode(err) == creator.ENOTFOUND {
		return creator.Errorf(creator.ENOTFOUND, "no creator %q", id)
	}
	if err != nil {
		return fmt.Errorf("api: similar to %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, similarResponse{CreatorID: id, Total: res.Total, Creators: nonNilHits(res.Hits), NextCursor: res.NextCursor})
}

func nonNilHits(h []creator.Hit) []creator.Hit {
	if h == nil {
		return []creator.Hit{}
	}
	return h
}

func nonNilFacets(f []creator.Facet) []creator.Facet {
	if f == nil {
		return []creator.Facet{}
	}
	return f
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// reportOps documents the report routes for the OpenAPI document, in the
// form of apiOps (which merges them).
func reportOps() map[string]opDoc {
	q := func(name, desc string, typ string) paramDoc {
		return paramDoc{name: name, in: "query", desc: desc, schema: map[string]any{"type": typ}}
	}
	limit := q("limit", fmt.Sprintf("creators per page (per class for a brand), 1 to %d; default %d", creator.MaxLimit, defaultReportLimit), "integer")
	sortBy := q("sort", "one of "+strings.Join(creator.SortFields, ", ")+"; a leading - sorts descending; default -followers", "string")
	similar := []paramDoc{creatorIDParam}
	for _, p := range queryParams() {
		if p.name != "similar_to" {
			similar = append(similar, p)
		}
	}
	return map[string]opDoc{
		"GET /v1/hashtags/:tag": {summary: "Hashtag report: who uses a hashtag, related hashtags, counts by tier and country",
			params: []paramDoc{pathParam("tag", "the hashtag, with or without # (percent-encode # as %23)"), limit, sortBy,
				q("cursor", "the previous page's next_cursor", "string"),
				q("top", fmt.Sprintf("related hashtags and countries to list, 1 to 99; default %d", defaultTop), "integer")},
			status: 200, result: hashtagReport{}, errors: []int{400},
			desc: "A creator uses the tag when a post of its analysis window (" + windowDesc + ") carries it. " +
				"related_hashtags are the other hashtags of those creators, by how many of them use each."},
		"GET /v1/brands/:brand": {summary: "Competitor report: creators who named a brand, by class, with the posts as evidence and a weekly timeline",
			params: []paramDoc{pathParam("brand", "the brand name, any case, with or without @"), limit, sortBy,
				q("class", "one of "+strings.Join(creator.Classes, ", ")+" or any (default)", "string")},
			status: 200, result: brandReport{}, errors: []int{400},
			desc: "Posts count when they are in the creator's analysis window. A creator with posts of several classes " +
				fmt.Sprintf("is listed under each. The timeline reads the posts of up to %d creators (truncated says when there were more).", maxTimelineCreators)},
		"GET /v1/creators/:id/similar": {summary: "Lookalikes: creators with the nearest niche, hashtag, place and tier profile",
			params: similar,
			status: 200, result: similarResponse{}, errors: []int{400, 404},
			desc: "Takes the parameters of GET /v1/creators (except similar_to, which is the path's id) to narrow the " +
				"lookalikes. Each creator carries its similarity: the score and the niches, hashtags, place and tier it shares."},
	}
}
