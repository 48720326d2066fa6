package api

// The API's tests run against the real store (SQLite in t.TempDir()) and
// the real index (bleve in t.TempDir()). storeLists and storeSearches adapt
// the store's list and saved-search types to the API's, as cmd/ does;
// searchHook wraps the real index to inject a failure, a panic or a slow
// search, and to record the query it was given.

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// xssBio is crawled text that would run in a browser if the API ever served
// it as HTML.
const xssBio = `<script>alert("x")</script><img src=x onerror=alert(1)><a href="javascript:alert(2)">hi</a>`

var fetched = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testCreator(id, niche, tier, country string, followers int64, er float64) creator.Creator {
	platform, handle, _ := creator.SplitID(id)
	return creator.Creator{
		ID: id, Platform: platform, Handle: handle, DisplayName: handle,
		URL:       "https://example.test/" + handle,
		Followers: creator.Int64(followers), EngagementRate: creator.Float64(er),
		Niches: []string{niche}, Tier: tier,
		Location:  &creator.Location{Country: country},
		FetchedAt: fetched, SourceURL: "https://example.test/" + handle,
	}
}

// testCorpus is the test data.
func testCorpus() []creator.Creator {
	xss := testCreator("web:xss.example", "beauty", creator.Micro, "FR", 12000, 0.05)
	xss.Bio = xssBio
	return []creator.Creator{
		testCreator("mastodon:anna@host.example", "fitness", creator.Micro, "GB", 25000, 0.04),
		testCreator("youtube:bob", "fitness", creator.Micro, "US", 50000, 0.03),
		testCreator("instagram:cara", "food", creator.Nano, "GB", 5000, 0.07),
		testCreator("bluesky:dan.bsky.social", "fitness", creator.Macro, "DE", 300000, 0.015),
		testCreator("web:example.com/anna", "travel", creator.Micro, "ES", 15000, 0.02),
		xss,
	}
}

const anna = "mastodon:anna@host.example"

// env is a real store and index holding testCorpus.
type env struct {
	st *store.Store
	ix *index.Index
}

func newEnv(t *testing.T) *env {
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
	e := &env{st: st, ix: ix}
	pub := fetched.Add(-48 * time.Hour)
	posts := map[string][]creator.Post{anna: {{
		ID: "mastodon:1001", CreatorID: anna, URL: "https://host.example/@anna/1001", PublishedAt: &pub,
		Caption: "Leg day with @acme #gifted #fitness", Likes: creator.Int64(900), Comments: creator.Int64(40),
		Hashtags: []string{"gifted", "fitness"}, Mentions: []string{"acme"},
		Disclosure: creator.Disclosure{Class: creator.Gifted, Signals: []string{"#gifted"}},
		Brands:     []creator.Brand{{Name: "acme", Class: creator.Gifted}},
		FetchedAt:  fetched, SourceURL: "https://host.example/api/v1/accounts/1/statuses",
	}}}
	for _, c := range testCorpus() {
		e.put(t, c, posts[c.ID]...)
	}
	day := fetched.Truncate(24 * time.Hour)
	for _, snap := range []creator.Snapshot{
		{CreatorID: anna, Day: day.Add(-24 * time.Hour), Followers: creator.Int64(24900)},
		{CreatorID: anna, Day: day, Followers: creator.Int64(25000)},
	} {
		if err := st.PutSnapshot(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	id, err := st.StartRun(ctx, "api", []string{"hashtag:fitness"}, fetched)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateRun(ctx, id, creator.RunDone, creator.RunSummary{Pages: 12, CreatorsNew: 3}, &fetched); err != nil {
		t.Fatal(err)
	}
	return e
}

// put stores and indexes one creator, as the ingest pipeline does.
func (e *env) put(t *testing.T, c creator.Creator, posts ...creator.Post) {
	t.Helper()
	if _, err := e.st.UpsertCreator(context.Background(), &c, posts); err != nil {
		t.Fatalf("store %s: %v", c.ID, err)
	}
	if err := e.ix.Upsert(index.Doc{Creator: &c, Posts: posts}); err != nil {
		t.Fatalf("index %s: %v", c.ID, err)
	}
}

// deps wires every dependency to the real store and index.
func (e *env) deps() Deps {
	return Deps{Searcher: e.ix, Creators: e.st, Runs: e.st, Lists: storeLists{e.st}, Searches: storeSearches{e.st}}
}

// storeLists adapts the store's list types to the API's.
type storeLists struct{ s *store.Store }

func (a storeLists) CreateList(ctx context.Context, name string, at time.Time) (*List, error) {
	l, err := a.s.CreateList(ctx, name, at)
	if err != nil {
		return nil, err
	}
	out := List(*l)
	return &out, nil
}

func (a storeLists) RenameList(ctx context.Context, id int64, name string, at time.Time) error {
	return a.s.RenameList(ctx, id, name, at)
}

func (a storeLists) DeleteList(ctx context.Context, id int64) error { return a.s.DeleteList(ctx, id) }

func (a storeLists) List(ctx context.Context, id int64) (*List, error) {
	l, err := a.s.List(ctx, id)
	if err != nil {
		return nil, err
	}
	out := List(*l)
	return &out, nil
}

func (a storeLists) Lists(ctx context.Context) ([]List, error) {
	ls, err := a.s.Lists(ctx)
	out := make([]List, len(ls))
	for i, l := range ls {
		out[i] = List(l)
	}
	return out, err
}

func (a storeLists) AddToList(ctx context.Context, listID int64, creatorID, note, status string, at time.Time) (bool, error) {
	return a.s.AddToList(ctx, listID, creatorID, note, status, at)
}

func (a storeLists) UpdateListItem(ctx context.Context, listID int64, creatorID string, status, note *string, at time.Time) error {
	return a.s.UpdateListItem(ctx, listID, creatorID, status, note, at)
}

func (a storeLists) RemoveFromList(ctx context.Context, listID int64, creatorID string) error {
	return a.s.RemoveFromList(ctx, listID, creatorID)
}

func (a storeLists) ListItems(ctx context.Context, listID int64) ([]ListItem, error) {
	its, err := a.s.ListItems(ctx, listID)
	out := make([]ListItem, len(its))
	for i, it := range its {
		out[i] = ListItem(it)
	}
	return out, err
}

// storeSearches adapts the store's saved searches to the API's.
type storeSearches struct{ s *store.Store }

func (a storeSearches) CreateSavedSearch(ctx context.Context, name string, q creator.Query, at time.Time) (*SavedSearch, error) {
	ss, err := a.s.CreateSavedSearch(ctx, name, q, at)
	if err != nil {
		return nil, err
	}
	out := SavedSearch(*ss)
	return &out, nil
}

func (a storeSearches) SavedSearch(ctx context.Context, id int64) (*SavedSearch, error) {
	ss, err := a.s.SavedSearch(ctx, id)
	if err != nil {
		return nil, err
	}
	out := SavedSearch(*ss)
	return &out, nil
}

func (a storeSearches) SavedSearches(ctx context.Context) ([]SavedSearch, error) {
	ss, err := a.s.SavedSearches(ctx)
	out := make([]SavedSearch, len(ss))
	for i, s := range ss {
		out[i] = SavedSearch(s)
	}
	return out, err
}

func (a storeSearches) DeleteSavedSearch(ctx context.Context, id int64) error {
	return a.s.DeleteSavedSearch(ctx, id)
}

func (a storeSearches) MarkSavedSearchRun(ctx context.Context, id int64, at time.Time) (*time.Time, error) {
	return a.s.MarkSavedSearchRun(ctx, id, at)
}

func (a storeSearches) CreatorsFirstSeenSince(ctx context.Context, since time.Time, limit int) ([]string, error) {
	return a.s.CreatorsFirstSeenSince(ctx, since, limit)
}

func (a storeSearches) FirstSeen(ctx context.Context, ids []string) (map[string]time.Time, error) {
	return a.s.FirstSeen(ctx, ids)
}

// searchHook wraps a real Searcher (nil: none) and records the last query.
type searchHook struct {
	inner Searcher

	mu    sync.Mutex
	last  *creator.Query
	calls int

	err   error // returned instead of searching
	panic bool  // panics instead of searching
	block bool  // waits for the context to end, then returns its error
}

func (h *searchHook) Search(ctx context.Context, q creator.Query) (*creator.SearchResult, error) {
	h.mu.Lock()
	h.last = &q
	h.calls++
	h.mu.Unlock()
	switch {
	case h.panic:
		panic("search hook: boom")
	case h.block:
		<-ctx.Done()
		return nil, fmt.Errorf("search hook: %w", ctx.Err())
	case h.err != nil:
		return nil, h.err
	case h.inner == nil:
		return nil, fmt.Errorf("search hook: no searcher")
	}
	return h.inner.Search(ctx, q)
}

func (h *searchHook) lastQuery() *creator.Query {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// fakeClock is a settable clock for the rate limiter and recorded times.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
