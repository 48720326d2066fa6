package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/creatorscout/creatorscout/creator"
)

func openTemp(t *testing.T) *Index {
	t.Helper()
	ix, err := Open(t.TempDir() + "/idx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func mustSearch(t *testing.T, ix *Index, q creator.Query, opts ...SearchOption) *creator.SearchResult {
	t.Helper()
	res, err := ix.SearchWith(context.Background(), q, opts...)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func mkCreator(id string, niches ...string) *creator.Creator {
	p, h, _ := strings.Cut(id, ":")
	return &creator.Creator{ID: id, Platform: p, Handle: h, Niches: niches, FetchedAt: genBase}
}

func post(id, tag string, daysAgo int) creator.Post {
	t := genBase.AddDate(0, 0, -daysAgo)
	return creator.Post{ID: id, PublishedAt: &t, Hashtags: []string{tag}}
}

func TestUpsertReplaces(t *testing.T) {
	ix := openTemp(t)
	c := mkCreator("web:anna", "beauty")
	c.DisplayName = "Anna Old"
	if err := ix.Upsert(Doc{Creator: c, Posts: []creator.Post{post("web:1", "oldtag", 1)}}); err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, ix, creator.Query{Hashtags: []string{"oldtag"}}).Total; got != 1 {
		t.Fatalf("before replace: %d hits for oldtag", got)
	}
	c2 := mkCreator("web:anna", "food")
	c2.DisplayName = "Anna New"
	if err := ix.Upsert(Doc{Creator: c2, Posts: []creator.Post{post("web:2", "newtag", 1)}}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]uint64{"niche=beauty": 0, "niche=food": 1, "hashtag=oldtag": 0, "hashtag=newtag": 1, "q=old": 0, "q=new": 1} {
		k, v, _ := strings.Cut(q, "=")
		var query creator.Query
		switch k {
		case "niche":
			query.Niches = []string{v}
		case "hashtag":
			query.Hashtags = []string{v}
		case "q":
			query.Text = v
		}
		if got := mustSearch(t, ix, query).Total; got != want {
			t.Errorf("%s: %d hits, want %d", q, got, want)
		}
	}
	res := mustSearch(t, ix, creator.Query{})
	if len(res.Hits) != 1 || res.Hits[0].DisplayName != "Anna New" {
		t.Fatalf("hits after replace: %+v", res.Hits)
	}
	if n, _ := ix.Count(); n != 1 {
		t.Fatalf("count %d, want 1", n)
	}
}

func TestDelete(t *testing.T) {
	ix := openTemp(t)
	for _, id := range []string{"web:a", "web:b", "web:c"} {
		if err := ix.Upsert(Doc{Creator: mkCreator(id, "tech")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Delete("web:b"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete("web:never"); err != nil {
		t.Fatalf("deleting an unknown id: %v", err)
	}
	if err := ix.Delete(""); creator.ErrorCode(err) != creator.EINVALID {
		t.Fatalf("deleting empty id: %v", err)
	}
	res := mustSearch(t, ix, creator.Query{Niches: []string{"tech"}})
	if got := strings.Join(hitIDs(res.Hits), ","); got != "web:a,web:c" || res.Total != 2 {
		t.Fatalf("after delete: %s (total %d)", got, res.Total)
	}
	if n, _ := ix.Count(); n != 2 {
		t.Fatalf("count %d", n)
	}
	if f := res.Facets["niche"]; len(f) != 1 || f[0] != (creator.Facet{Value: "tech", Count: 2}) {
		t.Fatalf("facet after delete: %v", f)
	}
}

func TestReopenAndVersion(t *testing.T) {
	path := t.TempDir() + "/idx"
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.UpsertBatch(genCorpus(7, 120)); err != nil {
		t.Fatal(err)
	}
	before := mustSearch(t, ix, creator.Query{Sort: "-followers", Limit: 50})
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	ix, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 120 {
		t.Fatalf("count after reopen %d", n)
	}
	after := mustSearch(t, ix, creator.Query{Sort: "-followers", Limit: 50})
	if strings.Join(hitIDs(before.Hits), ",") != strings.Join(hitIDs(after.Hits), ",") {
		t.Fatal("results changed across reopen")
	}
	g := ix.cur.Load()
	ix.Close()
	if err := writeMeta(g.path, genMeta{MappingVersion: "0", Shards: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "mapping version") {
		t.Fatalf("open with another mapping version: %v", err)
	}
}

func TestOpenWhileOpenTimesOut(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the bolt timeout")
	}
	path := t.TempDir() + "/idx"
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	done := make(chan error, 1)
	go func() {
		ix2, err := Open(path)
		if err == nil {
			ix2.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "another process has it open") {
			t.Fatalf("a second open of a held index: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a second open is still waiting after 30s; bolt_timeout is not applied")
	}
}

func TestUpsertBatchChecksFirst(t *testing.T) {
	ix := openTemp(t)
	docs := genCorpus(3, 10)
	docs[6].Creator = nil
	err := ix.UpsertBatch(docs)
	if err == nil || !strings.Contains(err.Error(), "document 6") || creator.ErrorCode(err) != creator.EINVALID {
		t.Fatalf("got %v", err)
	}
	docs = genCorpus(3, 10)
	docs[2].Creator.ID = " "
	if err := ix.UpsertBatch(docs); err == nil || creator.ErrorParam(err) != "id" {
		t.Fatalf("blank id: %v", err)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Fatalf("%d documents written from a bad batch", n)
	}
	if err := ix.Upsert(Doc{}); creator.ErrorCode(err) != creator.EINVALID {
		t.Fatalf("upsert of nothing: %v", err)
	}
}

func TestUpsertBatchLastWinsAndManyBatches(t *testing.T) {
	ix := openTemp(t)
	docs := genCorpus(5, BatchSize*2+37)
	dup := *docs[10].Creator
	dup.DisplayName = "Zed Final"
	docs = append(docs, Doc{Creator: &dup})
	if err := ix.UpsertBatch(docs); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != uint64(BatchSize*2+37) {
		t.Fatalf("count %d", n)
	}
	res := mustSearch(t, ix, creator.Query{Text: "zed final"})
	if len(res.Hits) != 1 || res.Hits[0].ID != dup.ID {
		t.Fatalf("last duplicate did not win: %v", hitIDs(res.Hits))
	}
	if err := ix.Compact(); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != uint64(BatchSize*2+37) {
		t.Fatalf("count after compact %d", n)
	}
}

func TestWindow(t *testing.T) {
	var posts []creator.Post
	// 40 posts, one a day: days 0..39 ago, then one old post 200 days ago
	// and one without a date.
	for i := 0; i < 40; i++ {
		posts = append(posts, post(fmt.Sprintf("web:%d", i), fmt.Sprintf("t%d", i), i))
	}
	posts = append(posts, post("web:old", "old", 200), creator.Post{ID: "web:nodate", Hashtags: []string{"nodate"}})
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(posts), func(i, j int) { posts[i], posts[j] = posts[j], posts[i] })
	win := Window(posts, genBase)
	if len(win) != 30 || win[0].ID != "web:0" || win[29].ID != "web:29" {
		t.Fatalf("window has %d posts, %s..%s; want the 30 newest", len(win), win[0].ID, win[len(win)-1].ID)
	}
	// Few recent posts: undated ones join after them; old ones never do.
	few := []creator.Post{post("web:a", "a", 3), {ID: "web:u"}, post("web:old", "x", 91), post("web:b", "b", 1)}
	if got := strings.Join(postIDs(Window(few, genBase)), ","); got != "web:b,web:a,web:u" {
		t.Fatalf("small window: %s", got)
	}
	var old []creator.Post
	for i := 0; i < 35; i++ {
		old = append(old, post(fmt.Sprintf("web:o%d", i), "x", 100+i))
	}
	if got := Window(old, genBase); len(got) != 0 {
		t.Fatalf("old-only window has %d posts", len(got))
	}

	ix := openTemp(t)
	if err := ix.Upsert(Doc{Creator: mkCreator("web:w"), Posts: posts}); err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[string]uint64{"t0": 1, "t29": 1, "t30": 0, "old": 0, "nodate": 0} {
		if got := mustSearch(t, ix, creator.Query{Hashtags: []string{tag}}).Total; got != want {
			t.Errorf("hashtag %s: %d hits, want %d", tag, got, want)
		}
	}
}

// TestWindowMatchesAnalysis: the index's window is the analysis window.
func TestWindowMatchesAnalysis(t *testing.T) {
	for _, d := range genCorpus(13, 300) {
		want := creator.ComputeEngagement(d.Creator.Followers, d.Posts, d.Creator.FetchedAt, WindowPosts, WindowDays).WindowPostIDs
		if got := postIDs(Window(d.Posts, d.Creator.FetchedAt)); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: window %v, analysis window %v", d.Creator.ID, got, want)
		}
	}
}

func postIDs(ps []creator.Post) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestOddValues: numbers JSON cannot hold are refused with the field named;
// coordinates out of range are left out of the index, the creator stays
// searchable and its stored JSON is returned as given.
func TestOddValues(t *testing.T) {
	ix := openTemp(t)
	c := mkCreator("web:odd", "tech")
	nan := math.NaN()
	c.EngagementRate = &nan
	if err := ix.Upsert(Doc{Creator: c}); creator.ErrorParam(err) != "engagement_rate" {
		t.Fatalf("NaN ER: got %v; want an error naming engagement_rate", err)
	}
	inf := math.Inf(1)
	c.EngagementRate = nil
	c.Location = &creator.Location{Lat: &inf, Lon: &inf}
	if err := ix.UpsertBatch([]Doc{{Creator: c}}); creator.ErrorParam(err) != "location.lat" {
		t.Fatalf("infinite lat: got %v; want an error naming location.lat", err)
	}
	lat, lon := 123.0, 10.0
	c.Location = &creator.Location{City: "Nowhere", Country: "us", Lat: &lat, Lon: &lon}
	if err := ix.Upsert(Doc{Creator: c}); err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, ix, creator.Query{}).Hits[0].Location; got == nil || *got.Lat != 123 {
		t.Fatalf("stored location changed: %+v", got)
	}
	if got := mustSearch(t, ix, creator.Query{Countries: []string{"US"}}).Total; got != 1 {
		t.Fatalf("lower-case country not found: %d", got)
	}
	if got := mustSearch(t, ix, creator.Query{}, Near(GeoFilter{Lat: 0, Lon: 10, RadiusKm: MaxRadiusKm})).Total; got != 0 {
		t.Fatalf("invalid coordinates matched a radius")
	}
}

func TestSortKeysOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ints := []int64{math.MinInt64, -5, -1, 0, 1, 9, 10, 1 << 40, math.MaxInt64}
	floats := []float64{math.Inf(-1), -1e300, -2.5, -1e-300, math.Copysign(0, -1), 0, 1e-300, 0.03, 0.030000000000000002, 1, 1e300, math.Inf(1)}
	for i := 0; i < 2000; i++ {
		ints = append(ints, int64(r.Uint64()))
		floats = append(floats, r.NormFloat64()*math.Pow(10, float64(r.IntN(40)-20)))
	}
	sort.Slice(ints, func(i, j int) bool { return ints[i] < ints[j] })
	sort.Float64s(floats)
	for i := 1; i < len(ints); i++ {
		a, b := sortKeyInt(ints[i-1]), sortKeyInt(ints[i])
		if a > b || (ints[i-1] != ints[i]) != (a != b) {
			t.Fatalf("int %d,%d: keys %s,%s", ints[i-1], ints[i], a, b)
		}
	}
	for i := 1; i < len(floats); i++ {
		a, b := sortKeyFloat(floats[i-1]), sortKeyFloat(floats[i])
		if a > b || (floats[i-1] != floats[i]) != (a != b) {
			t.Fatalf("float %v,%v: keys %s,%s", floats[i-1], floats[i], a, b)
		}
	}
	// Every key decodes back to its value exactly: cursors hold them.
	for _, v := range ints {
		if got, ok := decodeKeyInt([]byte(sortKeyInt(v))); !ok || got != v {
			t.Fatalf("int %d decodes to %d %v", v, got, ok)
		}
	}
	for _, v := range floats {
		got, ok := decodeKeyFloat([]byte(sortKeyFloat(v)))
		if !ok || got != v || (v == 0 && math.Signbit(got)) {
			t.Fatalf("float %v decodes to %v %v", v, got, ok)
		}
	}
	for _, bad := range []string{"", "xyz", "0123456789abcdeg", "00000000000000000000000000"} {
		if _, ok := decodeKeyInt([]byte(bad)); ok {
			t.Errorf("decodeKeyInt(%q) ok", bad)
		}
		if _, ok := decodeKeyFloat([]byte(bad)); ok {
			t.Errorf("decodeKeyFloat(%q) ok", bad)
		}
	}
}

// TestMappingMatchesBuilder: every field of the text documents is declared
// in the mapping with the same options, and the mapping declares nothing
// else.
func TestMappingMatchesBuilder(t *testing.T) {
	im := newMapping()
	b, err := newBuilder(im)
	if err != nil {
		t.Fatal(err)
	}
	var full Doc
	for _, d := range genCorpus(11, 200) {
		if d.Creator.DisplayName != "" && d.Creator.Bio != "" && len(d.Posts) > 5 {
			full = d
			break
		}
	}
	p, err := b.prepare(full, b.chunker())
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	p.text.VisitFields(func(f bindex.Field) {
		written[f.Name()] = true
		fm := im.FieldMappingForPath(f.Name())
		if fm.Name != f.Name() {
			t.Errorf("field %s is not in the mapping", f.Name())
			return
		}
		if got, want := f.Options(), fm.Options(); got != want {
			t.Errorf("field %s: builder options %v, mapping %v", f.Name(), got, want)
		}
	})
	for _, name := range textFields {
		if !written[name] {
			t.Errorf("mapping declares %s but the builder never wrote it", name)
		}
	}
	if len(im.DefaultMapping.Properties) != len(textFields)+1 { // the fields and the disabled _all
		t.Errorf("mapping declares %d properties", len(im.DefaultMapping.Properties))
	}
	if im.DefaultMapping.Dynamic || im.StoreDynamic || im.IndexDynamic {
		t.Error("mapping is dynamic")
	}
}

// TestMayContain: the highlight prefilter never rejects text holding a word
// that analyses to a wanted term.
func TestMayContain(t *testing.T) {
	ix := openTemp(t)
	words := append([]string{}, genWords...)
	words = append(words, "Sky", "flies", "HAPPY", "Möller's", "relational", "hoping", "agreed", "possibly",
		"generalization", "ÉCOLE", "naïve", "skis", "ties", "i", "x's", "oration", "hopefulness", "électricité")
	for _, w := range words {
		for _, text := range []string{w, "some " + w + " here", strings.ToUpper(w) + "!"} {
			terms := ix.analyze(w)
			for _, term := range terms {
				if !mayContain(text, map[string]bool{term: true}) {
					t.Errorf("mayContain(%q, %q) = false", text, term)
				}
			}
		}
	}
	if mayContain("nothing here", map[string]bool{"vegan": true}) {
		t.Error("prefilter passed text without the term")
	}
}

// TestConcurrentSearchAndWrite: searches keep answering, without errors,
// while a bulk load, upserts and deletes run.
func TestConcurrentSearchAndWrite(t *testing.T) {
	ix := openTemp(t)
	docs := genCorpus(9, 600)
	if err := ix.UpsertBatch(docs[:100]); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	errs := make(chan error, 4)
	var searches [2]int
	for w := 0; w < 2; w++ {
		go func(w int) {
			for i := 0; ; i++ {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				q := creator.Query{Sort: allSorts[i%len(allSorts)], Niches: []string{genNiches[i%len(genNiches)]}}
				if i%3 == 0 {
					q.Text = "vegan"
				}
				if _, err := ix.Search(context.Background(), q); err != nil {
					errs <- err
					return
				}
				searches[w]++
			}
		}(w)
	}
	werr := ix.UpsertBatch(docs[100:])
	for _, d := range docs[:20] {
		if err := ix.Upsert(d); err != nil && werr == nil {
			werr = err
		}
	}
	if err := ix.Delete(docs[0].Creator.ID); err != nil && werr == nil {
		werr = err
	}
	close(stop)
	for w := 0; w < 2; w++ {
		if err := <-errs; err != nil {
			t.Errorf("search during writes: %v", err)
		}
	}
	if werr != nil {
		t.Fatal(werr)
	}
	if searches[0] == 0 || searches[1] == 0 {
		t.Fatalf("searches ran %v times; want both clients to search during the writes", searches)
	}
	if n, _ := ix.Count(); n != 599 {
		t.Fatalf("count %d, want 599", n)
	}
}

// TestHitIsTheStoredCreator: a hit carries every creator field as upserted,
// except the Analysis evidence.
func TestHitIsTheStoredCreator(t *testing.T) {
	ix := openTemp(t)
	d := genCorpus(21, 50)[7]
	c := *d.Creator
	c.Email, c.Website, c.Links, c.Verified = "a@example.test", "https://a.example.test", []string{"https://l.example.test"}, true
	c.Analysis = &creator.Analysis{AnalyzedAt: genBase}
	if err := ix.Upsert(Doc{Creator: &c, Posts: d.Posts}); err != nil {
		t.Fatal(err)
	}
	res := mustSearch(t, ix, creator.Query{})
	want := c
	want.Analysis = nil
	if len(res.Hits) != 1 || !reflect.DeepEqual(res.Hits[0].Creator, want) {
		t.Fatalf("hit\n got %+v\nwant %+v", res.Hits[0].Creator, want)
	}
	if c.Analysis == nil {
		t.Fatal("upsert changed the caller's creator")
	}
}
