package index

import (
	"context"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

// TestTextPathsAgree: the unscored text filter reading postings directly
// and bleve's searcher give the same creators, on several segments, after
// deletes and replacements.
func TestTextPathsAgree(t *testing.T) {
	f := newFixture(t, 600)
	docs := f.docs
	for i := 0; i < 40; i++ {
		if err := f.ix.Delete(docs[i*7].Creator.ID); err != nil {
			t.Fatal(err)
		}
		d := docs[i*11+3]
		c := *d.Creator
		c.Bio = "now about sourdough only"
		if err := f.ix.Upsert(Doc{Creator: &c, Posts: nil}); err != nil {
			t.Fatal(err)
		}
	}
	for _, text := range []string{"vegan", "vegan skincare", "sourdough", "routines running", "zzznothing", "daily glow serum"} {
		for _, s := range []string{"-followers", "growth"} {
			q := creator.Query{Text: text, Sort: s, Limit: 100}
			fast, _ := searchAll(t, f.ix, q, WithoutFacets())
			f.ix.slowText = true
			slow, _ := searchAll(t, f.ix, q, WithoutFacets())
			f.ix.slowText = false
			if a, b := hitIDs(fast), hitIDs(slow); len(a) != len(b) {
				t.Fatalf("%q sort %s: %d hits by postings, %d by the searcher", text, s, len(a), len(b))
			} else {
				for i := range a {
					if a[i] != b[i] {
						t.Fatalf("%q: hit %d %s vs %s", text, i, a[i], b[i])
					}
				}
			}
		}
	}
}

// TestSegmentRowsNotCachedWhileIncomplete: a segment read while one of its
// documents has no table row yet (bleve is written before the table) is
// not cached, so the row is found once it is there.
func TestSegmentRowsNotCachedWhileIncomplete(t *testing.T) {
	ix := openTemp(t)
	c := mkCreator("web:late", "tech")
	c.Bio = "quokka"
	if err := ix.Upsert(Doc{Creator: c}); err != nil {
		t.Fatal(err)
	}
	g := ix.cur.Load()
	g.tab.mu.Lock()
	ord := g.tab.ords["web:late"]
	off, n := g.tab.recOff[ord], g.tab.recLen[ord]
	g.tab.remove("web:late") // as if the table had not caught up
	g.tab.mu.Unlock()
	g.tab.mu.RLock()
	ords, ok, err := ix.textOrds(context.Background(), g, []string{"quokka"})
	g.tab.mu.RUnlock()
	if err != nil || !ok || !ords.IsEmpty() {
		t.Fatalf("before the row: %v %v %v", ords, ok, err)
	}
	f := extract(Doc{Creator: c})
	g.tab.mu.Lock()
	g.tab.put(&f, off, n)
	g.tab.mu.Unlock()
	if res := mustSearch(t, ix, creator.Query{Text: "quokka", Sort: "followers"}); res.Total != 1 {
		t.Fatalf("after the row: %d hits", res.Total)
	}
}
