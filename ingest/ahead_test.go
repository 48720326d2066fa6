package ingest

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// storedState is what the store holds about one creator.
type storedState struct {
	Creator *creator.Creator
	Posts   []creator.Post
	History []creator.Snapshot
}

func (f *fixture) state(t *testing.T, id string) storedState {
	t.Helper()
	ctx := context.Background()
	c, err := f.st.Creator(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := f.st.Posts(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := f.st.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return storedState{c, posts, hist}
}

// crawlAnna crawls anna's profile page, then again with a new post, a
// new follower count and an edited post; between the second Put and its
// FrontierDone, beforeDone runs (another page's write, or nothing).
func crawlAnna(t *testing.T, f *fixture, beforeDone func()) {
	t.Helper()
	ctx := context.Background()
	it := f.leaseOne(t, "http://127.0.0.1:9/@anna")
	_, res := profile("anna", 25000)
	f.fetched(t, it, res)
	if err := f.fr.FrontierDone(ctx, it.ID, 200, "", "", t0); err != nil {
		t.Fatal(err)
	}
	it = f.leaseOne(t, "http://127.0.0.1:9/@anna?again")
	_, res = profile("anna", 26000)
	res.Posts[1].Caption, res.Posts[1].Likes = "morning pilates, gifted mat from @matco #gifted", nil
	res.Posts = append(res.Posts, creator.Post{ID: "web:anna-3", CreatorID: "web:anna", URL: "http://127.0.0.1:9/@anna/3",
		PublishedAt: ptr(t0.Add(-2 * time.Hour)), Caption: "#ad new bowl with @brand", Likes: ptr(int64(800)), FetchedAt: t0, SourceURL: it.URL})
	f.fetched(t, it, res)
	if beforeDone != nil {
		beforeDone()
	}
	if err := f.fr.FrontierDone(ctx, it.ID, 200, "", "", t0); err != nil {
		t.Fatal(err)
	}
}

// The analysis made in Put, outside the transaction, is what the
// transaction stores, and it stores exactly what analysing inside the
// transaction stores. A write between Put and FrontierDone makes the
// transaction analyse again.
func TestAnalysisAheadStoresWhatTheTransactionWould(t *testing.T) {
	ahead, inTx := newFixture(t), newFixture(t)
	inTx.p.noAhead = true
	crawlAnna(t, ahead, nil)
	crawlAnna(t, inTx, nil)
	if s := ahead.p.Stats(); s.AnalysedAhead != 2 || s.AnalysedInTx != 0 {
		t.Errorf("ahead: analysed %d ahead, %d in the transaction; want 2, 0", s.AnalysedAhead, s.AnalysedInTx)
	}
	if s := inTx.p.Stats(); s.AnalysedAhead != 0 || s.AnalysedInTx != 2 {
		t.Errorf("in the transaction: analysed %d ahead, %d in it; want 0, 2", s.AnalysedAhead, s.AnalysedInTx)
	}
	got, want := ahead.state(t, "web:anna"), inTx.state(t, "web:anna")
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("analysed ahead, the store holds\n%s\nanalysed in the transaction\n%s", g, w)
	}
	if got.Creator.Analysis == nil || len(got.Posts) != 3 || got.Posts[1].Disclosure.Class == "" {
		t.Fatalf("stored without its analysis: %+v", got)
	}

	// Another write between Put and FrontierDone: a post of anna's from
	// another page.
	stale, fresh := newFixture(t), newFixture(t)
	fresh.p.noAhead = true
	other := func(f *fixture) func() {
		return func() {
			_, res := profile("anna", 26000)
			post := res.Posts[0]
			post.ID, post.Caption, post.PublishedAt = "web:anna-elsewhere", "seen elsewhere #ad", ptr(t0.Add(-time.Hour))
			u, _ := url.Parse("http://127.0.0.1:9/elsewhere")
			if err := f.p.Put(context.Background(), &source.Page{URL: u, Status: 200, FetchedAt: t0}, &source.Result{Posts: []creator.Post{post}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	crawlAnna(t, stale, other(stale))
	crawlAnna(t, fresh, other(fresh))
	if s := stale.p.Stats(); s.AnalysedInTx < 1 {
		t.Errorf("a stale preview was used: %+v", s)
	}
	if got, want := stale.state(t, "web:anna"), fresh.state(t, "web:anna"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a write in between, the stores differ:\n%+v\n%+v", got, want)
	}
}
