package index

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

const oracleN = 900

var allSorts = []string{"", "followers", "-followers", "engagement_rate", "-engagement_rate", "last_post_at", "-last_post_at",
	"growth", "-growth", "authenticity", "-authenticity"}

func i64(v int64) *int64           { return &v }
func f64(v float64) *float64       { return &v }
func boolp(v bool) *bool           { return &v }
func timep(v time.Time) *time.Time { return &v }

// fixture is a real index over a generated corpus with its oracle.
type fixture struct {
	ix   *Index
	path string
	docs []Doc
	or   *oracle
}

// reopen closes the index and opens it again: the table is then loaded
// from bleve rather than built by the upserts.
func (f *fixture) reopen(t *testing.T) {
	t.Helper()
	if err := f.ix.Close(); err != nil { // a second Close returns the first's result
		t.Fatal(err)
	}
	ix, err := Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	f.ix = ix
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	docs := genCorpus(1, n)
	path := t.TempDir() + "/idx"
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	// Several loads, the last few one at a time, so the index has several
	// segments like a live one.
	singles := min(8, n/4)
	for _, part := range [][]Doc{docs[:n/2], docs[n/2 : n-n/4], docs[n-n/4 : n-singles]} {
		if err := ix.UpsertBatch(part); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range docs[n-singles:] {
		if err := ix.Upsert(d); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{ix: ix, path: path, docs: docs, or: newOracle(docs)}
}

// searchAll pages through every result with the cursor and checks that
// Total and facets stay the same on every page.
func searchAll(t *testing.T, ix *Index, q creator.Query, opts ...SearchOption) ([]creator.Hit, *creator.SearchResult) {
	t.Helper()
	var hits []creator.Hit
	var first *creator.SearchResult
	for page := 0; ; page++ {
		if page > 10000 {
			t.Fatal("cursor never ends")
		}
		res, err := ix.SearchWith(context.Background(), q, opts...)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		if first == nil {
			first = res
		} else {
			if res.Total != first.Total {
				t.Fatalf("page %d: total %d, first page said %d", page, res.Total, first.Total)
			}
			if !reflect.DeepEqual(res.Facets, first.Facets) {
				t.Fatalf("page %d: facets changed", page)
			}
		}
		hits = append(hits, res.Hits...)
		limit := q.Limit
		if limit == 0 {
			limit = creator.DefaultLimit
		}
		if len(res.Hits) > limit {
			t.Fatalf("page of %d hits, limit %d", len(res.Hits), limit)
		}
		if res.NextCursor == "" {
			break
		}
		if len(res.Hits) != limit {
			t.Fatalf("page %d has %d hits and a next cursor; limit %d", page, len(res.Hits), limit)
		}
		q.Cursor = res.NextCursor
	}
	return hits, first
}

func hitIDs(hits []creator.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func odocIDs(ds []*odoc) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.c.ID
	}
	return out
}

type oracleCase struct {
	name       string
	q          creator.Query
	geo        *GeoFilter
	brandClass string
}

func oracleCases(docs []Doc) []oracleCase {
	// A follower count and an ER that exist in the corpus, to hit bounds exactly.
	var someFollowers int64
	var someER, someAuth float64
	var someLastPost time.Time
	for _, d := range docs {
		if a := d.Creator.Analysis; a != nil && a.Authenticity != nil && someAuth == 0 && *a.Authenticity.Score > 60 {
			someAuth = *a.Authenticity.Score
		}
		if d.Creator.LastPostAt != nil && someLastPost.IsZero() && d.Creator.LastPostAt.After(genBase.AddDate(0, 0, -40)) {
			someLastPost = *d.Creator.LastPostAt
		}
		if d.Creator.Followers != nil && *d.Creator.Followers > 20000 && someFollowers == 0 {
			someFollowers = *d.Creator.Followers
		}
		if d.Creator.EngagementRate != nil && *d.Creator.EngagementRate > 0.01 && someER == 0 {
			someER = *d.Creator.EngagementRate
		}
	}
	austin := genCities[0]
	london := genCities[4]
	return []oracleCase{
		{name: "all"},
		{name: "text one word", q: creator.Query{Text: "vegan"}},
		{name: "text two words", q: creator.Query{Text: "vegan skincare"}},
		{name: "text case and punctuation", q: creator.Query{Text: "VEGAN, Skincare!!"}},
		{name: "text stemmed", q: creator.Query{Text: "routines running"}},
		{name: "text stop word only", q: creator.Query{Text: "the"}},
		{name: "text in a name", q: creator.Query{Text: "Pilates"}},
		{name: "text unknown word", q: creator.Query{Text: "zzzunknown"}},
		{name: "injection field scope", q: creator.Query{Text: "+platform:youtube"}},
		{name: "injection regexp", q: creator.Query{Text: "/.*/"}},
		{name: "injection bio", q: creator.Query{Text: "bio:x"}},
		{name: "injection quote", q: creator.Query{Text: `"unterminated`}},
		{name: "injection boolean", q: creator.Query{Text: "vegan OR -skincare AND *"}},
		{name: "platform", q: creator.Query{Platforms: []string{"youtube"}}},
		{name: "platforms any", q: creator.Query{Platforms: []string{"youtube", "mastodon"}}},
		{name: "niche", q: creator.Query{Niches: []string{"beauty"}}},
		{name: "niches any", q: creator.Query{Niches: []string{"beauty", "food"}}},
		{name: "niches all", q: creator.Query{Niches: []string{"beauty", "food"}, NicheAll: true}},
		{name: "tier", q: creator.Query{Tiers: []string{"micro"}}},
		{name: "tiers", q: creator.Query{Tiers: []string{"micro", "nano"}}},
		{name: "country", q: creator.Query{Countries: []string{"US"}}},
		{name: "country lower", q: creator.Query{Countries: []string{"gb", "de"}}},
		{name: "city", q: creator.Query{Cities: []string{"austin"}}},
		{name: "city any case", q: creator.Query{Cities: []string{"AUSTIN", "Berlin"}}},
		{name: "city with space and accent", q: creator.Query{Cities: []string{"são paulo", "round rock"}}},
		{name: "min followers", q: creator.Query{MinFollowers: i64(10_000)}},
		{name: "max followers", q: creator.Query{MaxFollowers: i64(100_000)}},
		{name: "followers range", q: creator.Query{MinFollowers: i64(10_000), MaxFollowers: i64(100_000)}},
		{name: "followers exact", q: creator.Query{MinFollowers: i64(someFollowers), MaxFollowers: i64(someFollowers)}},
		{name: "followers from zero", q: creator.Query{MinFollowers: i64(0)}},
		{name: "min er", q: creator.Query{MinER: f64(0.03)}},
		{name: "max er", q: creator.Query{MaxER: f64(0.03)}},
		{name: "er range", q: creator.Query{MinER: f64(0.02), MaxER: f64(0.05)}},
		{name: "er exact", q: creator.Query{MinER: f64(someER), MaxER: f64(someER)}},
		{name: "er from zero", q: creator.Query{MinER: f64(0)}},
		{name: "hashtag", q: creator.Query{Hashtags: []string{"vegan"}}},
		{name: "hashtags any", q: creator.Query{Hashtags: []string{"#Vegan", "yoga"}}},
		{name: "brand", q: creator.Query{Brands: []string{"glossier"}}},
		{name: "brands any case", q: creator.Query{Brands: []string{"@Glossier", "The Ordinary"}}},
		{name: "brand gifted", q: creator.Query{Brands: []string{"oatly", "cerave"}}, brandClass: creator.Gifted},
		{name: "brand sponsored", q: creator.Query{Brands: []string{"gymshark"}}, brandClass: "SPONSORED"},
		{name: "geo 50km", geo: &GeoFilter{Lat: austin.lat, Lon: austin.lon, RadiusKm: 50}},
		{name: "geo 30km", geo: &GeoFilter{Lat: london.lat, Lon: london.lon, RadiusKm: 30}},
		{name: "geo 1km", geo: &GeoFilter{Lat: london.lat, Lon: london.lon, RadiusKm: 1}},
		{name: "geo wide", geo: &GeoFilter{Lat: 48, Lon: 5, RadiusKm: 800}},
		{name: "Q1", q: creator.Query{Text: "vegan skincare", Platforms: []string{"instagram", "tiktok"}, MinFollowers: i64(10_000), MaxFollowers: i64(100_000), MinER: f64(0.03)}},
		{name: "Q2", q: creator.Query{Hashtags: []string{"fitness"}, Countries: []string{"US"}}},
		{name: "Q3", q: creator.Query{Brands: []string{"oatly"}, Facets: []string{"tier", "niche"}}},
		{name: "Q4", q: creator.Query{Niches: []string{"travel"}}, geo: &GeoFilter{Lat: austin.lat, Lon: austin.lon, RadiusKm: 50}},
		{name: "everything", q: creator.Query{Text: "vegan", Platforms: []string{"instagram", "youtube", "tiktok"}, Niches: []string{"beauty", "food", "wellness"}, Tiers: []string{"micro", "macro"}, Countries: []string{"US", "GB"}, MinER: f64(0.01), Hashtags: []string{"vegan", "skincare", "review"}}},
		{name: "hashtags all", q: creator.Query{Hashtags: []string{"vegan", "#Yoga"}, HashtagAll: true}},
		{name: "hashtags all unknown", q: creator.Query{Hashtags: []string{"vegan", "zzznone"}, HashtagAll: true}},
		{name: "brand class field", q: creator.Query{Brands: []string{"oatly", "cerave"}, BrandClass: "gifted"}},
		{name: "brand class affiliate", q: creator.Query{Brands: []string{"the ordinary"}, BrandClass: "Affiliate"}},
		{name: "brand class any", q: creator.Query{Brands: []string{"glossier"}, BrandClass: "any"}},
		{name: "language", q: creator.Query{Languages: []string{"en"}}},
		{name: "languages", q: creator.Query{Languages: []string{"ES", "de"}}},
		{name: "region", q: creator.Query{Regions: []string{"texas"}}},
		{name: "regions any case", q: creator.Query{Regions: []string{"England", "BERLIN", "são paulo"}}},
		{name: "verified", q: creator.Query{Verified: boolp(true)}},
		{name: "not verified", q: creator.Query{Verified: boolp(false)}},
		{name: "has email", q: creator.Query{HasEmail: boolp(true)}},
		{name: "no email", q: creator.Query{HasEmail: boolp(false)}},
		{name: "undisclosed", q: creator.Query{Undisclosed: boolp(true)}},
		{name: "not undisclosed", q: creator.Query{Undisclosed: boolp(false)}},
		{name: "last post since", q: creator.Query{LastPostSince: timep(genBase.AddDate(0, 0, -20))}},
		{name: "last post since exact", q: creator.Query{LastPostSince: &someLastPost}},
		{name: "min authenticity", q: creator.Query{MinAuthenticity: f64(70)}},
		{name: "min authenticity exact", q: creator.Query{MinAuthenticity: f64(someAuth)}},
		{name: "min authenticity zero", q: creator.Query{MinAuthenticity: f64(0)}},
		{name: "growth range", q: creator.Query{MinGrowth: f64(0.05), MaxGrowth: f64(0.2)}},
		{name: "growth negative", q: creator.Query{MaxGrowth: f64(0)}},
		{name: "growth from loss", q: creator.Query{MinGrowth: f64(-0.05)}},
		{name: "near by name", q: creator.Query{Near: "Austin", Radius: "50km"}},
		{name: "near by name default radius", q: creator.Query{Near: "London"}},
		{name: "near lat,lon", q: creator.Query{Near: "51.5072,-0.1276", Radius: "30km"}},
		{name: "near miles", q: creator.Query{Near: "Berlin", Radius: "20mi"}},
		{name: "similar", q: creator.Query{SimilarTo: docs[3].Creator.ID}},
		{name: "similar filtered", q: creator.Query{SimilarTo: docs[8].Creator.ID, Countries: []string{"US", "GB"}, MinFollowers: i64(5000)}},
		{name: "similar with text", q: creator.Query{SimilarTo: docs[12].Creator.ID, Text: "vegan"}},
		{name: "everything new", q: creator.Query{Text: "vegan", Hashtags: []string{"vegan", "skincare"}, Languages: []string{"en"}, Verified: boolp(false), MinAuthenticity: f64(50), MinGrowth: f64(-0.1), Near: "Austin", Radius: "300km", LastPostSince: timep(genBase.AddDate(0, -3, 0))}},
	}
}

func (c oracleCase) opts() []SearchOption {
	var o []SearchOption
	if c.geo != nil {
		o = append(o, Near(*c.geo))
	}
	if c.brandClass != "" {
		o = append(o, WithBrandClass(c.brandClass))
	}
	return o
}

func (c oracleCase) oquery(sortName string) oquery {
	q := c.q
	q.Sort = sortName
	q.Normalize()
	return oquery{q: q, geo: c.geo, brandClass: strings.ToLower(c.brandClass)}
}

func without(ids []string, drop map[string]bool) []string {
	out := []string{}
	for _, id := range ids {
		if !drop[id] {
			out = append(out, id)
		}
	}
	return out
}

// TestSearchAgainstOracle compares every filter, every sort in both
// directions and every facet with a linear scan of the corpus.
func TestSearchAgainstOracle(t *testing.T) {
	testAgainstOracle(t, oracleN, [][]string{allSorts, {"", "-followers", "last_post_at", "-growth", "authenticity", "-engagement_rate"},
		{"", "followers", "-last_post_at"}, {"", "-engagement_rate", "growth"}})
}

// TestShardedIndexAgainstOracle: with the text split into several shards,
// every filter still matches the oracle (relevance scores are per shard,
// so only their order within a page is checked, as for one shard).
func TestShardedIndexAgainstOracle(t *testing.T) {
	defer func(n int) { textShards = n }(textShards)
	textShards = 3
	testAgainstOracle(t, 400, [][]string{{"", "-followers"}, {"", "engagement_rate"}, {""}, {"", "-last_post_at"}})
}

// testAgainstOracle checks every oracle case, with each pass's sorts, in
// four passes: the first on several live segments with the table built by
// the upserts; the second after a force-merge and a reopen, with the table
// loaded from its snapshot; the third after a reopen without the
// snapshot, the table replayed from the document log; the fourth on an
// index built by Build (the bulk pipeline, postings built at the end).
func testAgainstOracle(t *testing.T, n int, passes [][]string) {
	f := newFixture(t, n)
	nonEmpty := 0
	for pass, sorts := range passes {
		switch pass {
		case 1:
			if err := f.ix.Compact(); err != nil {
				t.Fatal(err)
			}
			f.reopen(t)
		case 2:
			f.ix.Close()
			g := filepath.Join(f.path, f.ix.Generation())
			if err := os.Remove(filepath.Join(g, snapFile)); err != nil {
				t.Fatal(err)
			}
			f.reopen(t)
		case 3:
			f.ix.Close()
			f.path = filepath.Join(t.TempDir(), "built")
			if _, err := Build(context.Background(), f.path, newMemStore(f.docs).each, nil); err != nil {
				t.Fatal(err)
			}
			f.reopen(t)
		}
		for _, tc := range oracleCases(f.docs) {
			for _, s := range sorts {
				t.Run(fmt.Sprintf("pass%d/%s/sort=%s", pass, tc.name, s), func(t *testing.T) {
					q := tc.q
					q.Sort = s
					q.Limit = 100
					opts := tc.opts()
					if s != "" {
						// Facets do not depend on the sort: count them once per case.
						opts = append(opts, WithoutFacets())
					}
					hits, first := searchAll(t, f.ix, q, opts...)
					oq := tc.oquery(s)
					want, amb := f.or.search(oq)
					if len(amb) > len(want)/10+2 {
						t.Fatalf("%d creators within the geo band; the test corpus should make few", len(amb))
					}
					got := without(hitIDs(hits), amb)
					wantIDs := odocIDs(want)
					relevance := s == "" && q.Text != "" && q.SimilarTo == ""
					similar := s == "" && q.SimilarTo != ""
					if relevance {
						sort.Strings(got)
						sort.Strings(wantIDs)
					}
					if !reflect.DeepEqual(got, wantIDs) {
						t.Fatalf("got %d hits, want %d\n got %v\nwant %v", len(got), len(wantIDs), head(got), head(wantIDs))
					}
					if len(amb) == 0 && first.Total != uint64(len(want)) {
						t.Fatalf("total %d, want %d", first.Total, len(want))
					}
					if len(hits) != int(first.Total) {
						t.Fatalf("paged through %d hits, total says %d", len(hits), first.Total)
					}
					if len(amb) == 0 && s == "" {
						names := oq.q.Facets
						if names == nil {
							names = creator.FacetFields
						}
						wantF := f.or.facets(want, names, DefaultFacetSize)
						if !reflect.DeepEqual(first.Facets, wantF) {
							t.Fatalf("facets\n got %v\nwant %v", first.Facets, wantF)
						}
					}
					switch {
					case relevance:
						checkRelevanceOrder(t, hits)
					case similar:
						target := f.or.byID(q.SimilarTo)
						for i, h := range hits {
							want := f.or.similarity(target, f.or.byID(h.ID))
							if h.Score != want || h.Similarity == nil || h.Similarity.Score != want {
								t.Fatalf("hit %d %s: score %v, similarity %+v; want %v", i, h.ID, h.Score, h.Similarity, want)
							}
						}
					default:
						for _, h := range hits {
							if h.Score != 0 {
								t.Fatalf("hit %s has score %v under sort %q; want none", h.ID, h.Score, s)
							}
						}
					}
					if len(want) > 0 {
						nonEmpty++
					}
				})
			}
		}
	}
	total := 0
	for _, sorts := range passes {
		total += len(sorts)
	}
	if nonEmpty < len(oracleCases(f.docs))*total*3/4 {
		t.Fatalf("only %d cases had hits; the corpus no longer exercises the filters", nonEmpty)
	}
}

func head(ids []string) []string {
	if len(ids) > 12 {
		return ids[:12]
	}
	return ids
}

func checkRelevanceOrder(t *testing.T, hits []creator.Hit) {
	t.Helper()
	for i := 1; i < len(hits); i++ {
		a, b := hits[i-1], hits[i]
		if a.Score < b.Score || (a.Score == b.Score && a.ID >= b.ID) {
			t.Fatalf("hits %d,%d out of relevance order: %s %v, %s %v", i-1, i, a.ID, a.Score, b.ID, b.Score)
		}
	}
	if len(hits) > 0 && hits[0].Score <= 0 {
		t.Fatalf("relevance hit has score %v", hits[0].Score)
	}
}

// TestFacetSizesAndSubsets checks FacetSize and a chosen facet list.
func TestFacetSizesAndSubsets(t *testing.T) {
	f := newFixture(t, 400)
	for _, tc := range []struct {
		facets []string
		size   int
	}{
		{nil, 1}, {nil, 3}, {nil, 100}, {[]string{"tier", "niche"}, 0}, {[]string{"hashtag"}, 5}, {[]string{"city,brand"}, 2},
	} {
		q := creator.Query{Facets: tc.facets, FacetSize: tc.size, Niches: []string{"beauty", "travel"}}
		res, err := f.ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		nq := q
		nq.Normalize()
		want, _ := f.or.search(oquery{q: nq})
		names := nq.Facets
		if names == nil {
			names = creator.FacetFields
		}
		size := tc.size
		if size == 0 {
			size = DefaultFacetSize
		}
		wantF := f.or.facets(want, names, size)
		if !reflect.DeepEqual(res.Facets, wantF) {
			t.Fatalf("facets %v size %d\n got %v\nwant %v", tc.facets, tc.size, res.Facets, wantF)
		}
	}
	res, err := f.ix.SearchWith(context.Background(), creator.Query{}, WithoutFacets())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Facets) != 0 {
		t.Fatalf("WithoutFacets returned %d facets", len(res.Facets))
	}
}

// TestPagination walks every page with a small limit and compares with one
// big page: same order, no duplicates, no gaps.
func TestPagination(t *testing.T) {
	f := newFixture(t, 500)
	for _, base := range []creator.Query{{}, {Text: "vegan"}, {Niches: []string{"beauty", "food"}}, {Text: "skincare glow"}} {
		for _, s := range allSorts {
			q := base
			q.Sort = s
			q.Limit = 100
			full, _ := searchAll(t, f.ix, q)
			q.Limit = 7
			paged, _ := searchAll(t, f.ix, q)
			if !reflect.DeepEqual(hitIDs(paged), hitIDs(full)) {
				t.Fatalf("q=%q sort=%q: %d paged hits differ from %d in one pass", q.Text, s, len(paged), len(full))
			}
			seen := map[string]bool{}
			for _, h := range paged {
				if seen[h.ID] {
					t.Fatalf("q=%q sort=%q: %s twice", q.Text, s, h.ID)
				}
				seen[h.ID] = true
			}
			if len(full) < 20 {
				t.Fatalf("q=%q: only %d hits; want enough for several pages", q.Text, len(full))
			}
		}
	}
}

// TestOffset: an offset page is the same slice of the full order, with a
// cursor that continues after it; a deep offset is refused.
func TestOffset(t *testing.T) {
	f := newFixture(t, 300)
	for _, base := range []creator.Query{{Sort: "-followers"}, {Text: "vegan"}, {Sort: "growth", Niches: []string{"beauty", "food"}}} {
		q := base
		q.Limit = 100
		full, _ := searchAll(t, f.ix, q)
		for _, off := range []int{0, 1, 7, 40, len(full) - 1, len(full), len(full) + 5} {
			q := base
			q.Limit, q.Offset = 10, off
			res, err := f.ix.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := min(off, len(full)), min(off+10, len(full))
			if got, want := hitIDs(res.Hits), hitIDs(full[lo:hi]); !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v offset %d: got %v, want %v", base, off, got, want)
			}
			if (res.NextCursor != "") != (hi < len(full)) {
				t.Fatalf("offset %d of %d: next cursor %q", off, len(full), res.NextCursor)
			}
			if res.NextCursor != "" {
				q.Offset, q.Cursor = 0, res.NextCursor
				next, err := f.ix.Search(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				if len(next.Hits) == 0 || next.Hits[0].ID != full[hi].ID {
					t.Fatalf("offset %d: the cursor continues at %v, want %s", off, hitIDs(next.Hits), full[hi].ID)
				}
			}
		}
	}
	_, err := f.ix.Search(context.Background(), creator.Query{Offset: creator.MaxOffset + 1})
	if creator.ErrorParam(err) != "offset" || !strings.Contains(err.Error(), "cursor") {
		t.Fatalf("deep offset: %v", err)
	}
}

func TestCursorErrors(t *testing.T) {
	f := newFixture(t, 50)
	ctx := context.Background()
	res, err := f.ix.Search(ctx, creator.Query{Sort: "-followers", Limit: 5})
	if err != nil || res.NextCursor == "" {
		t.Fatalf("first page: %v, cursor %q", err, res.NextCursor)
	}
	for name, q := range map[string]creator.Query{
		"garbage":        {Cursor: "!!not base64!!"},
		"not json":       {Cursor: "bm90IGpzb24"},
		"other sort":     {Cursor: res.NextCursor, Sort: "followers"},
		"relevance text": {Cursor: res.NextCursor, Text: "vegan"},
		"wrong length":   {Cursor: encodeCursor(cursor{Sort: "-followers", After: []string{"x"}}), Sort: "-followers"},
		"bad score":      {Cursor: encodeCursor(cursor{Sort: "", After: []string{"NaN", "a"}}), Text: "vegan"},
		"unknown field":  {Cursor: base64.RawURLEncoding.EncodeToString([]byte(`{"s":"","a":["a"],"z":1}`))},
	} {
		_, err := f.ix.Search(ctx, q)
		if creator.ErrorCode(err) != creator.EINVALID || creator.ErrorParam(err) != "cursor" {
			t.Errorf("%s: got %v (code %q param %q); want invalid cursor", name, err, creator.ErrorCode(err), creator.ErrorParam(err))
		}
	}
}

func TestSearchRejectsBadInput(t *testing.T) {
	f := newFixture(t, 20)
	ctx := context.Background()
	for _, tc := range []struct {
		q     creator.Query
		opts  []SearchOption
		param string
	}{
		{creator.Query{Sort: "nonsense"}, nil, "sort"},
		{creator.Query{Offset: creator.MaxOffset + 1}, nil, "offset"},
		{creator.Query{Offset: 5, Cursor: "abc"}, nil, "offset"},
		{creator.Query{Near: "Zzyzxqville"}, nil, "near"},
		{creator.Query{Near: "Austin", Radius: "-3km"}, nil, "radius"},
		{creator.Query{Radius: "3km"}, nil, "radius"},
		{creator.Query{Languages: []string{"english"}}, nil, "language"},
		{creator.Query{BrandClass: "gifted"}, nil, "brand_class"},
		{creator.Query{Hashtags: []string{"x"}, BrandClass: "bribed", Brands: []string{"b"}}, nil, "brand_class"},
		{creator.Query{MinAuthenticity: f64(101)}, nil, "min_authenticity"},
		{creator.Query{MinGrowth: f64(0.5), MaxGrowth: f64(0.1)}, nil, "max_growth"},
		{creator.Query{Limit: 101}, nil, "limit"},
		{creator.Query{Text: strings.Repeat("a", creator.MaxTextLen+1)}, nil, "q"},
		{creator.Query{Platforms: []string{"myspace"}}, nil, "platform"},
		{creator.Query{}, []SearchOption{Near(GeoFilter{Lat: 91, Lon: 0, RadiusKm: 5})}, "near"},
		{creator.Query{}, []SearchOption{Near(GeoFilter{Lat: 10, Lon: 0, RadiusKm: 0})}, "radius"},
		{creator.Query{}, []SearchOption{Near(GeoFilter{Lat: 10, Lon: 0, RadiusKm: 1e9})}, "radius"},
		{creator.Query{Brands: []string{"oatly"}}, []SearchOption{WithBrandClass("bribed")}, "brand_class"},
		{creator.Query{}, []SearchOption{WithBrandClass("gifted")}, "brand_class"},
	} {
		_, err := f.ix.SearchWith(ctx, tc.q, tc.opts...)
		if creator.ErrorCode(err) != creator.EINVALID || creator.ErrorParam(err) != tc.param {
			t.Errorf("%+v: got %v (param %q); want invalid %s", tc.q, err, creator.ErrorParam(err), tc.param)
		}
	}
}

func TestSearchDeadline(t *testing.T) {
	f := newFixture(t, 200)
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	_, err := f.ix.Search(ctx, creator.Query{Text: "vegan"})
	if creator.ErrorCode(err) != creator.EUNAVAILABLE {
		t.Fatalf("expired deadline: got %v (code %q); want unavailable", err, creator.ErrorCode(err))
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = f.ix.Search(ctx2, creator.Query{})
	if creator.ErrorCode(err) != creator.EUNAVAILABLE {
		t.Fatalf("cancelled: got %v; want unavailable", err)
	}
	// A deadline that passes while the search runs: the context reports
	// it from its n-th look on, at every stage the search checks.
	for n := 1; ; n++ {
		ctx := &expiringCtx{Context: context.Background(), after: n}
		_, err := f.ix.Search(ctx, creator.Query{Text: "vegan", Sort: "-followers"})
		if err == nil {
			if n < 3 {
				t.Fatalf("the search looked at its deadline only %d times", n-1)
			}
			break
		}
		if creator.ErrorCode(err) != creator.EUNAVAILABLE || !strings.Contains(err.Error(), "deadline") {
			t.Fatalf("deadline after %d looks: got %v; want unavailable", n, err)
		}
	}
}

// expiringCtx reports DeadlineExceeded from its after-th call of Err on.
type expiringCtx struct {
	context.Context
	after, calls int
}

func (c *expiringCtx) Deadline() (time.Time, bool) { return time.Now().Add(time.Hour), true }

func (c *expiringCtx) Err() error {
	c.calls++
	if c.calls >= c.after {
		return context.DeadlineExceeded
	}
	return nil
}

func TestHighlights(t *testing.T) {
	ix, err := Open(t.TempDir() + "/idx")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	long := strings.Repeat("filler words here ", 20) + "the best Vegan skincare <b>tips</b> & more " + strings.Repeat("tail text ", 20)
	c := &creator.Creator{
		ID: "web:a", Platform: "web", DisplayName: "Vegan Vee <3",
		Bio:       `I <script>love</script> vegan food & "skincare"`,
		FetchedAt: genBase,
	}
	posts := []creator.Post{
		{ID: "web:1", Caption: long, PublishedAt: &genBase},
		{ID: "web:2", Caption: "nothing to see"},
	}
	if err := ix.Upsert(Doc{Creator: c, Posts: posts}); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(context.Background(), creator.Query{Text: "vegans skincare"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("%d hits", len(res.Hits))
	}
	h := res.Hits[0].Highlights
	want := map[string][]string{
		"display_name": {"<mark>Vegan</mark> Vee &lt;3"},
		"bio":          {`I &lt;script&gt;love&lt;/script&gt; <mark>vegan</mark> food &amp; &#34;<mark>skincare</mark>&#34;`},
	}
	for k, v := range want {
		if !reflect.DeepEqual(h[k], v) {
			t.Errorf("%s: got %q, want %q", k, h[k], v)
		}
	}
	caps := h["captions"]
	if len(caps) != 1 || !strings.Contains(caps[0], "<mark>Vegan</mark> <mark>skincare</mark> &lt;b&gt;tips&lt;/b&gt; &amp; more") ||
		!strings.HasPrefix(caps[0], "…") || !strings.HasSuffix(caps[0], "…") || len(plain(caps[0])) > fragmentBytes+2*len("…") {
		t.Errorf("captions: %q", caps)
	}
	if strings.Contains(strings.Join(caps, ""), "<b>") {
		t.Errorf("unescaped markup in %q", caps)
	}
	// No text, no highlights.
	res, err = ix.Search(context.Background(), creator.Query{Platforms: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hits[0].Highlights != nil {
		t.Errorf("highlights without text: %v", res.Hits[0].Highlights)
	}
}

// plain is a fragment's text without marks and escapes.
func plain(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "<mark>", ""), "</mark>", "")
	return html.UnescapeString(s)
}

// searcher is the API's Searcher interface (api.Searcher); *Index must keep
// satisfying it without the API importing bleve.
type apiSearcher interface {
	Search(ctx context.Context, q creator.Query) (*creator.SearchResult, error)
}

var _ apiSearcher = (*Index)(nil)

// TestFacetCacheIsExact: facets served from the cache are the oracle's,
// and a write is seen at once.
func TestFacetCacheIsExact(t *testing.T) {
	defer func(n int) { facetCacheMinHits = n }(facetCacheMinHits)
	facetCacheMinHits = 1
	f := newFixture(t, 300)
	queries := []creator.Query{{}, {Platforms: []string{"instagram", "tiktok"}}, {Niches: []string{"beauty"}, Sort: "-followers"}, {Text: "vegan"}}
	check := func(docs []Doc) {
		t.Helper()
		or := newOracle(docs)
		for _, q := range queries {
			for i := 0; i < 2; i++ { // computed, then from the cache
				res := mustSearch(t, f.ix, q)
				oq := oquery{q: q}
				oq.q.Normalize()
				want, _ := or.search(oq)
				if wantF := or.facets(want, creator.FacetFields, DefaultFacetSize); !reflect.DeepEqual(res.Facets, wantF) {
					t.Fatalf("%+v, run %d: facets\n got %v\nwant %v", q, i, res.Facets, wantF)
				}
				res.Facets["platform"][0].Count = -1 // a caller's change stays its own
			}
		}
	}
	check(f.docs)
	d := f.docs[0]
	c := *d.Creator
	c.Platform, c.Niches, c.Bio = "tiktok", []string{"beauty", "quilting"}, "vegan vegan"
	if err := f.ix.Upsert(Doc{Creator: &c, Posts: d.Posts}); err != nil {
		t.Fatal(err)
	}
	check(append([]Doc{{Creator: &c, Posts: d.Posts}}, f.docs[1:]...))
}

// TestRankedAndNewRowsSortTogether: rows ranked by id when the table was
// loaded and rows upserted since (unranked) interleave in id order in
// every sort, through cursor pages, as the oracle says.
func TestRankedAndNewRowsSortTogether(t *testing.T) {
	docs := genCorpus(23, 600)
	path := filepath.Join(t.TempDir(), "idx")
	var early, late []Doc
	for i, d := range docs {
		if i%5 == 0 {
			late = append(late, d)
		} else {
			early = append(early, d)
		}
	}
	if _, err := Build(context.Background(), path, newMemStore(early).each, nil); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.UpsertBatch(late); err != nil {
		t.Fatal(err)
	}
	or := newOracle(docs)
	for _, s := range []string{"", "engagement_rate", "-followers", "-growth"} {
		q := creator.Query{Sort: s, Limit: 37}
		hits, _ := searchAll(t, ix, q, WithoutFacets())
		oq := oquery{q: q}
		oq.q.Normalize()
		want, _ := or.search(oq)
		if got, w := hitIDs(hits), odocIDs(want); !reflect.DeepEqual(got, w) {
			t.Fatalf("sort %q: got %v\nwant %v", s, head(got), head(w))
		}
	}
}
