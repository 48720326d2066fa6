package api

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// The report tests run on their own small corpus in a real store and a
// real index, written so that every expected number below can be counted
// by hand.

var rpFetched = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // a Sunday

func rpAgo(days int) *time.Time {
	t := rpFetched.AddDate(0, 0, -days)
	return &t
}

type rpPost struct {
	id       string
	ago      int // days before rpFetched; -1 is undated
	tags     []string
	brand    string
	class    string
	signals  []string
	caption  string
	extraURL string
}

func rpCreator(id string, niches []string, tier string, followers int64, city, region, country string, lat, lon float64, ps ...rpPost) (creator.Creator, []creator.Post) {
	platform, handle, _ := creator.SplitID(id)
	c := creator.Creator{ID: id, Platform: platform, Handle: handle, DisplayName: handle,
		URL: "https://example.test/" + handle, Followers: creator.Int64(followers), Niches: niches, Tier: tier,
		Location:  &creator.Location{City: city, Region: region, Country: country, Lat: &lat, Lon: &lon},
		FetchedAt: rpFetched, SourceURL: "https://example.test/" + handle}
	var posts []creator.Post
	for _, p := range ps {
		post := creator.Post{ID: platform + ":" + p.id, CreatorID: id, URL: "https://example.test/p/" + p.id,
			Caption: p.caption, Hashtags: p.tags, FetchedAt: rpFetched, SourceURL: "https://example.test/api/" + handle}
		if p.ago >= 0 {
			post.PublishedAt = rpAgo(p.ago)
		}
		if p.brand != "" {
			post.Brands = []creator.Brand{{Name: p.brand, Class: p.class}}
			post.Disclosure = creator.Disclosure{Class: p.class, Signals: p.signals}
		}
		posts = append(posts, post)
	}
	return c, posts
}

const (
	rpAmy  = "instagram:vegan_amy"
	rpBen  = "youtube:ben"
	rpCleo = "tiktok:cleo"
	rpDora = "bluesky:dora.bsky.social"
	rpEve  = "web:eve.example"
)

// newReportServer serves the report corpus from a real store and index.
func newReportServer(t *testing.T) *Server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	type entry struct {
		c     creator.Creator
		posts []creator.Post
	}
	var corpus []entry
	add := func(c creator.Creator, posts []creator.Post) { corpus = append(corpus, entry{c, posts}) }
	add(rpCreator(rpAmy, []string{"vegan", "food"}, creator.Micro, 40000, "Austin", "Texas", "US", 30.27, -97.74,
		rpPost{id: "a1", ago: 2, tags: []string{"vegan", "plantbased"}, brand: "Oatly", class: creator.Sponsored, signals: []string{"#ad"},
			caption: `Oat latte <script>alert(1)</script> #ad`},
		rpPost{id: "a2", ago: 9, tags: []string{"vegan", "recipe"}, brand: "Oatly", class: creator.Gifted, signals: []string{"#gifted"}},
		rpPost{id: "a3", ago: 200, tags: []string{"oldtag"}, brand: "Oatly", class: creator.Sponsored}))
	add(rpCreator(rpBen, []string{"vegan"}, creator.Macro, 300000, "Austin", "Texas", "US", 30.3, -97.7,
		rpPost{id: "b1", ago: 3, tags: []string{"vegan", "fitness"}, brand: "oatly", class: creator.Affiliate, signals: []string{"code BEN10"}},
		rpPost{id: "b2", ago: -1, tags: []string{"vegan"}, brand: "@Oatly", class: creator.Organic}))
	add(rpCreator(rpCleo, []string{"fitness"}, creator.Micro, 20000, "London", "England", "GB", 51.5, -0.12,
		rpPost{id: "c1", ago: 16, tags: []string{"fitness", "gym"}, brand: "The Ordinary", class: creator.Gifted}))
	add(rpCreator(rpDora, []string{"vegan", "travel"}, creator.Nano, 5000, "London", "England", "GB", 51.5, -0.1,
		rpPost{id: "d1", ago: 1, tags: []string{"vegan", "travel"}}))
	add(rpCreator(rpEve, []string{"travel"}, creator.Micro, 15000, "Berlin", "Berlin", "DE", 52.5, 13.4,
		rpPost{id: "e1", ago: 5, tags: []string{"travel"}}))
	for _, e := range corpus {
		c := e.c
		if _, err := st.UpsertCreator(ctx, &c, e.posts); err != nil {
			t.Fatalf("store %s: %v", c.ID, err)
		}
		if err := ix.Upsert(index.Doc{Creator: &c, Posts: e.posts}); err != nil {
			t.Fatalf("index %s: %v", c.ID, err)
		}
	}
	return newTestServer(t, Config{}, Deps{Searcher: ix, Creators: st})
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %T: %v; %s", v, err, body)
	}
	return v
}

func hitIDsOf(hits []creator.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func facets(pairs ...any) []creator.Facet {
	out := []creator.Facet{}
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, creator.Facet{Value: pairs[i].(string), Count: pairs[i+1].(int)})
	}
	return out
}

func TestHashtagReport(t *testing.T) {
	s := newReportServer(t)
	vegan := func(t *testing.T, body []byte) {
		r := decode[hashtagReport](t, body)
		if r.Hashtag != "vegan" || r.Total != 3 || !reflect.DeepEqual(hitIDsOf(r.Creators), []string{rpBen, rpAmy, rpDora}) {
			t.Fatalf("report %s: %d %v", r.Hashtag, r.Total, hitIDsOf(r.Creators))
		}
		if want := facets("fitness", 1, "plantbased", 1, "recipe", 1, "travel", 1); !reflect.DeepEqual(r.Related, want) {
			t.Errorf("related %v, want %v", r.Related, want)
		}
		if want := facets("macro", 1, "micro", 1, "nano", 1); !reflect.DeepEqual(r.ByTier, want) {
			t.Errorf("by tier %v, want %v", r.ByTier, want)
		}
		if want := facets("US", 2, "GB", 1); !reflect.DeepEqual(r.ByCountry, want) {
			t.Errorf("by country %v, want %v", r.ByCountry, want)
		}
		if !strings.Contains(r.Window, "30 posts within 90 days") {
			t.Errorf("window %q", r.Window)
		}
	}
	runCases(t, s.Handler(), []apiCase{
		{Desc: "vegan", Path: "/v1/hashtags/vegan", Status: 200, Check: vegan},
		{Desc: "with # and capitals", Path: "/v1/hashtags/%23Vegan", Status: 200, Check: vegan},
		{Desc: "top 2 related", Path: "/v1/hashtags/vegan?top=2", Status: 200, Check: func(t *testing.T, b []byte) {
			if r := decode[hashtagReport](t, b); !reflect.DeepEqual(r.Related, facets("fitness", 1, "plantbased", 1)) || len(r.ByCountry) != 2 {
				t.Errorf("top=2: related %v, countries %v", r.Related, r.ByCountry)
			}
		}},
		{Desc: "sorted by ER is allowed", Path: "/v1/hashtags/vegan?sort=followers&limit=2", Status: 200, Check: func(t *testing.T, b []byte) {
			r := decode[hashtagReport](t, b)
			if !reflect.DeepEqual(hitIDsOf(r.Creators), []string{rpDora, rpAmy}) || r.NextCursor == "" {
				t.Errorf("page %v cursor %q", hitIDsOf(r.Creators), r.NextCursor)
			}
		}},
		{Desc: "only outside the window", Path: "/v1/hashtags/oldtag", Status: 200, Check: func(t *testing.T, b []byte) {
			if r := decode[hashtagReport](t, b); r.Total != 0 || len(r.Creators) != 0 || r.Related == nil {
				t.Errorf("oldtag: %+v", r)
			}
		}},
		{Desc: "two words", Path: "/v1/hashtags/a%20b", Status: 400, Code: creator.EINVALID, Param: "tag"},
		{Desc: "control character", Path: "/v1/hashtags/a%01b", Status: 400, Code: creator.EINVALID, Param: "tag"},
		{Desc: "too long", Path: "/v1/hashtags/" + strings.Repeat("a", 101), Status: 400, Code: creator.EINVALID, Param: "tag"},
		{Desc: "limit 0", Path: "/v1/hashtags/vegan?limit=0", Status: 400, Code: creator.EINVALID, Param: "limit"},
		{Desc: "limit twice", Path: "/v1/hashtags/vegan?limit=1&limit=2", Status: 400, Code: creator.EINVALID, Param: "limit"},
		{Desc: "top too big", Path: "/v1/hashtags/vegan?top=500", Status: 400, Code: creator.EINVALID, Param: "top"},
		{Desc: "bad sort", Path: "/v1/hashtags/vegan?sort=bogus", Status: 400, Code: creator.EINVALID, Param: "sort"},
		{Desc: "bad cursor", Path: "/v1/hashtags/vegan?cursor=zzz", Status: 400, Code: creator.EINVALID, Param: "cursor"},
		{Desc: "unknown parameter", Path: "/v1/hashtags/vegan?country=US", Status: 400, Code: creator.EINVALID, Param: "country"},
	})
}

func TestHashtagReportPages(t *testing.T) {
	s := newReportServer(t)
	var got []string
	path := "/v1/hashtags/vegan?limit=1"
	for i := 0; i < 5; i++ {
		rec := do(s.Handler(), apiCase{Path: path})
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		r := decode[hashtagReport](t, rec.Body.Bytes())
		got = append(got, hitIDsOf(r.Creators)...)
		if r.NextCursor == "" {
			break
		}
		path = "/v1/hashtags/vegan?limit=1&cursor=" + r.NextCursor
	}
	if !reflect.DeepEqual(got, []string{rpBen, rpAmy, rpDora}) {
		t.Fatalf("pages %v", got)
	}
}

func TestBrandReport(t *testing.T) {
	s := newReportServer(t)
	oatly := func(t *testing.T, body []byte) {
		r := decode[brandReport](t, body)
		if r.Brand != "oatly" || r.Total != 2 {
			t.Fatalf("brand %q total %d", r.Brand, r.Total)
		}
		if !reflect.DeepEqual(r.ByTier, facets("macro", 1, "micro", 1)) || !reflect.DeepEqual(r.ByNiche, facets("vegan", 2, "food", 1)) {
			t.Errorf("by tier %v by niche %v", r.ByTier, r.ByNiche)
		}
		want := map[string][2]string{ // class -> creator, evidence post
			creator.Sponsored: {rpAmy, "instagram:a1"},
			creator.Affiliate: {rpBen, "youtube:b1"},
			creator.Gifted:    {rpAmy, "instagram:a2"},
			creator.Organic:   {rpBen, "youtube:b2"},
		}
		if len(r.ByClass) != 4 {
			t.Fatalf("%d classes", len(r.ByClass))
		}
		for i, bc := range r.ByClass {
			if bc.Class != creator.Classes[i] {
				t.Errorf("class %d is %s, want %s", i, bc.Class, creator.Classes[i])
			}
			w := want[bc.Class]
			if bc.Total != 1 || len(bc.Creators) != 1 || bc.Creators[0].ID != w[0] ||
				len(bc.Creators[0].Posts) != 1 || bc.Creators[0].Posts[0].ID != w[1] || bc.Creators[0].Posts[0].Class != bc.Class {
				t.Errorf("%s: %+v", bc.Class, bc)
			}
		}
		sp := r.ByClass[0].Creators[0].Posts[0]
		if !reflect.DeepEqual(sp.Signals, []string{"#ad"}) || sp.SourceURL == "" || sp.PublishedAt == nil || !sp.PublishedAt.Equal(*rpAgo(2)) {
			t.Errorf("sponsored evidence %+v", sp)
		}
		wantWeeks := []brandWeek{
			{Week: "2026-W08", Start: "2026-02-16", Posts: 1, ByClass: map[string]int{creator.Gifted: 1}},
			{Week: "2026-W09", Start: "2026-02-23", Posts: 2, ByClass: map[string]int{creator.Sponsored: 1, creator.Affiliate: 1}},
		}
		if tl := r.Timeline; !reflect.DeepEqual(tl.Weeks, wantWeeks) || tl.Undated != 1 || tl.Creators != 2 || tl.Truncated {
			t.Errorf("timeline %+v, want weeks %+v, 1 undated, 2 creators", tl, wantWeeks)
		}
	}
	runCases(t, s.Handler(), []apiCase{
		{Desc: "oatly", Path: "/v1/brands/oatly", Status: 200, Check: oatly},
		{Desc: "any case with @", Path: "/v1/brands/%40OATLY?class=any", Status: 200, Check: oatly},
		// Crawled captions are JSON-escaped, never raw HTML.
		{Desc: "caption escaped", Path: "/v1/brands/oatly", Status: 200, ResponseMatch: map[string]bool{"<script>": false, `\u003cscript\u003e`: true}},
		{Desc: "one class", Path: "/v1/brands/oatly?class=gifted", Status: 200, Check: func(t *testing.T, b []byte) {
			r := decode[brandReport](t, b)
			if len(r.ByClass) != 1 || r.ByClass[0].Class != creator.Gifted || r.Total != 2 || len(r.Timeline.Weeks) != 2 {
				t.Errorf("class=gifted: %+v", r)
			}
		}},
		{Desc: "a name with a space", Path: "/v1/brands/the%20ordinary", Status: 200, Check: func(t *testing.T, b []byte) {
			r := decode[brandReport](t, b)
			if r.Total != 1 || r.ByClass[2].Class != creator.Gifted || r.ByClass[2].Creators[0].ID != rpCleo || r.ByClass[0].Total != 0 {
				t.Errorf("the ordinary: %+v", r)
			}
			if len(r.Timeline.Weeks) != 1 || r.Timeline.Weeks[0].Week != "2026-W07" {
				t.Errorf("timeline %+v", r.Timeline)
			}
		}},
		{Desc: "nobody", Path: "/v1/brands/nobrand", Status: 200, Check: func(t *testing.T, b []byte) {
			r := decode[brandReport](t, b)
			if r.Total != 0 || len(r.ByClass) != 4 || r.ByClass[0].Creators == nil || r.Timeline.Weeks == nil || r.Timeline.Creators != 0 {
				t.Errorf("nobody: %+v", r)
			}
		}},
		{Desc: "bad class", Path: "/v1/brands/oatly?class=bribed", Status: 400, Code: creator.EINVALID, Param: "class"},
		{Desc: "bad limit", Path: "/v1/brands/oatly?limit=1000", Status: 400, Code: creator.EINVALID, Param: "limit"},
		{Desc: "bad sort", Path: "/v1/brands/oatly?sort=-x", Status: 400, Code: creator.EINVALID, Param: "sort"},
		{Desc: "unknown parameter", Path: "/v1/brands/oatly?cursor=x", Status: 400, Code: creator.EINVALID, Param: "cursor"},
		{Desc: "a comma", Path: "/v1/brands/a,b", Status: 400, Code: creator.EINVALID, Param: "brand"},
	})
}

func TestSimilarCreators(t *testing.T) {
	s := newReportServer(t)
	runCases(t, s.Handler(), []apiCase{
		{Desc: "amy", Path: "/v1/creators/" + rpAmy + "/similar", Status: 200, Check: func(t *testing.T, b []byte) {
			r := decode[similarResponse](t, b)
			if r.CreatorID != rpAmy || r.Total != 2 || !reflect.DeepEqual(hitIDsOf(r.Creators), []string{rpBen, rpDora}) {
				t.Fatalf("similar: %d %v", r.Total, hitIDsOf(r.Creators))
			}
			// Ben: niches 1/2*0.4, hashtags 1/4*0.3, same city 0.15, next tier 0.05.
			ben := r.Creators[0].Similarity
			want := &creator.Similarity{Score: 0.4*0.5 + 0.3*0.25 + 0.15 + 0.05, Niches: []string{"vegan"}, Hashtags: []string{"vegan"},
				Place: "city austin", Tier: "next tier macro",
				Why: "shares niches vegan; hashtags #vegan; the same city austin; the next tier macro"}
			if ben == nil || math.Abs(ben.Score-want.Score) > 1e-12 || r.Creators[0].Score != ben.Score {
				t.Errorf("ben score %+v, want %v", ben, want.Score)
			}
			if ben != nil {
				ben.Score = want.Score
			}
			if !reflect.DeepEqual(ben, want) {
				t.Errorf("ben\n got %+v\nwant %+v", ben, want)
			}
			// Dora: niches 1/3*0.4, hashtags 1/4*0.3, another country, next tier.
			dora := r.Creators[1].Similarity
			if w := 0.4/3 + 0.3*0.25 + 0.05; math.Abs(dora.Score-w) > 1e-12 || dora.Place != "" || dora.Tier != "next tier nano" {
				t.Errorf("dora %+v, want score %v", dora, w)
			}
		}},
		{Desc: "narrowed by country", Path: "/v1/creators/" + rpAmy + "/similar?country=GB", Status: 200, Check: wantIDs(rpDora)},
		{Desc: "sorted by followers", Path: "/v1/creators/" + rpAmy + "/similar?sort=followers", Status: 200, Check: wantIDs(rpDora, rpBen)},
		{Desc: "paged", Path: "/v1/creators/" + rpAmy + "/similar?limit=1", Status: 200, ResponseMatch: map[string]bool{`"next_cursor":""`: false}},
		{Desc: "nothing shared", Path: "/v1/creators/" + rpEve + "/similar", Status: 200, Check: wantIDs(rpDora)},
		{Desc: "unknown creator", Path: "/v1/creators/youtube:nobody/similar", Status: 404, Code: creator.ENOTFOUND, Param: ""},
		{Desc: "bad id", Path: "/v1/creators/myspace:x/similar", Status: 400, Code: creator.EINVALID, Param: "id"},
		{Desc: "similar_to in the query", Path: "/v1/creators/" + rpAmy + "/similar?similar_to=youtube:ben", Status: 400, Code: creator.EINVALID, Param: "similar_to"},
		{Desc: "bad filter", Path: "/v1/creators/" + rpAmy + "/similar?min_followers=x", Status: 400, Code: creator.EINVALID, Param: "min_followers"},
	})
}

// TestSearchNewFilters: the filters issue 6 added reach the index from
// GET /v1/creators, with their errors naming the parameter.
func TestSearchNewFilters(t *testing.T) {
	s := newReportServer(t)
	runCases(t, s.Handler(), []apiCase{
		{Desc: "near a place", Path: "/v1/creators?near=Austin&radius=20km&sort=followers", Status: 200, Check: wantIDs(rpAmy, rpBen),
			ResponseMatch: map[string]bool{`"place":"Austin, Texas, US"`: true}},
		{Desc: "near lat,lon", Path: "/v1/creators?near=51.5,-0.11&radius=2km&sort=followers", Status: 200, Check: wantIDs(rpDora, rpCleo)},
		{Desc: "hashtags all", Path: "/v1/creators?hashtag=vegan&hashtag=travel&hashtag_all=true", Status: 200, Check: wantIDs(rpDora)},
		{Desc: "brand class", Path: "/v1/creators?brand=oatly&brand_class=affiliate", Status: 200, Check: wantIDs(rpBen)},
		{Desc: "region", Path: "/v1/creators?region=England&sort=-followers", Status: 200, Check: wantIDs(rpCleo, rpDora)},
		{Desc: "last post since", Path: "/v1/creators?last_post_since=2026-02-27&sort=followers", Status: 200, Check: wantIDs()},
		{Desc: "unknown place", Path: "/v1/creators?near=Zzyzxqville", Status: 400, Code: creator.EINVALID, Param: "near"},
		{Desc: "deep offset", Path: "/v1/creators?offset=5000", Status: 400, Code: creator.EINVALID, Param: "offset"},
		{Desc: "page", Path: "/v1/creators?page=3", Status: 400, Code: creator.EINVALID, Param: "page"},
		{Desc: "query syntax is text", Path: "/v1/creators?q=%2Bplatform%3Ayoutube", Status: 200, Check: wantIDs()},
	})
}
