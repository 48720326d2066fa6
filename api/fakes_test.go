package api

// TEMPORARY: in-package stand-ins for index.Index (Searcher) and the store
// (Creators, Runs) while those packages are being written. They are small
// but honest (the searcher really filters, sorts and counts facets over the
// corpus below). Replace them with a real index in t.TempDir() and a real
// SQLite store once index/ and store/ land; the test tables in api_test.go
// should not need to change.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/creator"
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

// testCorpus is the fakes' data.
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

// fakeSearcher is a brute-force Searcher over a slice. It records the last
// query it was given.
type fakeSearcher struct {
	creators []creator.Creator

	mu   sync.Mutex
	last *creator.Query

	err   error // returned instead of searching
	panic bool  // panics instead of searching
	block bool  // waits for the context to end, then returns its error
}

func (f *fakeSearcher) Search(ctx context.Context, q creator.Query) (*creator.SearchResult, error) {
	f.mu.Lock()
	f.last = &q
	f.mu.Unlock()
	switch {
	case f.panic:
		panic("fake searcher: boom")
	case f.block:
		<-ctx.Done()
		return nil, fmt.Errorf("fake search: %w", ctx.Err())
	case f.err != nil:
		return nil, f.err
	}
	var hits []creator.Hit
	for _, c := range f.creators {
		if matches(c, q) {
			hits = append(hits, creator.Hit{Creator: c})
		}
	}
	facets := map[string][]creator.Facet{}
	for _, field := range []string{"tier", "country"} {
		counts := map[string]int{}
		for _, h := range hits {
			v := h.Tier
			if field == "country" && h.Location != nil {
				v = h.Location.Country
			}
			counts[v]++
		}
		for v, n := range counts {
			facets[field] = append(facets[field], creator.Facet{Value: v, Count: n})
		}
		sort.Slice(facets[field], func(i, j int) bool { return facets[field][i].Value < facets[field][j].Value })
	}
	desc := strings.HasPrefix(q.Sort, "-")
	switch strings.TrimPrefix(q.Sort, "-") {
	case "followers":
		sort.SliceStable(hits, func(i, j int) bool { return (*hits[i].Followers < *hits[j].Followers) != desc })
	case "engagement_rate":
		sort.SliceStable(hits, func(i, j int) bool { return (*hits[i].EngagementRate < *hits[j].EngagementRate) != desc })
	}
	total := len(hits)
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	return &creator.SearchResult{Total: uint64(total), Hits: hits, Facets: facets}, nil
}

func (f *fakeSearcher) lastQuery() *creator.Query {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func matches(c creator.Creator, q creator.Query) bool {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	country := ""
	if c.Location != nil {
		country = c.Location.Country
	}
	anyNiche := len(q.Niches) == 0
	for _, n := range c.Niches {
		anyNiche = anyNiche || in(q.Niches, n)
	}
	switch {
	case !in(q.Platforms, c.Platform), !in(q.Tiers, c.Tier), !in(q.Countries, country), !anyNiche:
		return false
	case q.MinFollowers != nil && *c.Followers < *q.MinFollowers, q.MaxFollowers != nil && *c.Followers > *q.MaxFollowers:
		return false
	case q.MinER != nil && *c.EngagementRate < *q.MinER, q.MaxER != nil && *c.EngagementRate > *q.MaxER:
		return false
	case q.Text != "" && !strings.Contains(strings.ToLower(c.Bio+" "+c.DisplayName), strings.ToLower(q.Text)):
		return false
	}
	return true
}

// fakeStore stands in for the store: Creators and Runs.
type fakeStore struct {
	creators map[string]creator.Creator
	posts    map[string][]creator.Post
	history  map[string][]creator.Snapshot
	runs     map[int64]creator.CrawlRun
}

func newFakeStore() *fakeStore {
	s := &fakeStore{
		creators: map[string]creator.Creator{},
		posts:    map[string][]creator.Post{},
		history:  map[string][]creator.Snapshot{},
		runs:     map[int64]creator.CrawlRun{},
	}
	for _, c := range testCorpus() {
		s.creators[c.ID] = c
	}
	anna := "mastodon:anna@host.example"
	pub := fetched.Add(-48 * time.Hour)
	s.posts[anna] = []creator.Post{{
		ID: "mastodon:1001", CreatorID: anna, URL: "https://host.example/@anna/1001", PublishedAt: &pub,
		Caption: "Leg day with @acme #gifted #fitness", Likes: creator.Int64(900), Comments: creator.Int64(40),
		Hashtags: []string{"gifted", "fitness"}, Mentions: []string{"acme"},
		Disclosure: creator.Disclosure{Class: creator.Gifted, Signals: []string{"#gifted"}},
		Brands:     []creator.Brand{{Name: "acme", Class: creator.Gifted}},
		FetchedAt:  fetched, SourceURL: "https://host.example/api/v1/accounts/1/statuses",
	}}
	s.history[anna] = []creator.Snapshot{
		{CreatorID: anna, Day: fetched.Truncate(24 * time.Hour).Add(-24 * time.Hour), Followers: creator.Int64(24900)},
		{CreatorID: anna, Day: fetched.Truncate(24 * time.Hour), Followers: creator.Int64(25000)},
	}
	s.runs[1] = creator.CrawlRun{ID: 1, Kind: "api", Status: creator.RunDone, StartedAt: fetched,
		Seeds: []string{"hashtag:fitness"}, Summary: creator.RunSummary{Pages: 12, CreatorsNew: 3}}
	return s
}

func (s *fakeStore) Creator(_ context.Context, id string) (*creator.Creator, error) {
	c, ok := s.creators[id]
	if !ok {
		return nil, creator.Errorf(creator.ENOTFOUND, "no creator %q", id)
	}
	return &c, nil
}

func (s *fakeStore) Posts(_ context.Context, id string, limit int) ([]creator.Post, error) {
	p := s.posts[id]
	if len(p) > limit {
		p = p[:limit]
	}
	return p, nil
}

func (s *fakeStore) History(_ context.Context, id string) ([]creator.Snapshot, error) {
	return s.history[id], nil
}

func (s *fakeStore) Run(_ context.Context, id int64) (*creator.CrawlRun, error) {
	r, ok := s.runs[id]
	if !ok {
		return nil, creator.Errorf(creator.ENOTFOUND, "no crawl run %d", id)
	}
	return &r, nil
}

// fakeClock is a settable clock for the rate limiter.
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
