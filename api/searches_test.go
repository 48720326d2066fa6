package api

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// wantNew checks a GET /v1/searches/:id/new response.
func wantNew(since, until time.Time, ids ...string) func(*testing.T, []byte) {
	return decodeInto(func(t *testing.T, r newResponse) {
		t.Helper()
		var got []string
		for _, c := range r.Creators {
			got = append(got, c.ID)
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("new creators %v, want %v", got, ids)
		}
		if !r.Since.Equal(since) || !r.Until.Equal(until) {
			t.Errorf("window (%s, %s], want (%s, %s]", r.Since, r.Until, since, until)
		}
		if r.Search == nil || r.Search.LastRunAt == nil || !r.Search.LastRunAt.Equal(until) {
			t.Errorf("search %+v: last_run_at should be until", r.Search)
		}
	})
}

// TestSavedSearches saves a query, then runs it as creators arrive. The
// rows run in order against one real store and index.
func TestSavedSearches(t *testing.T) {
	e := newEnv(t)
	t0 := fetched.Add(time.Hour)
	clock := &fakeClock{now: t0}
	hook := &searchHook{inner: e.ix}
	deps := e.deps()
	deps.Searcher, deps.Now = hook, clock.Now
	s := newTestServer(t, Config{}, deps)
	newCreator := func(id, niche string, first time.Time) creator.Creator {
		c := testCreator(id, niche, creator.Micro, "GB", 30000, 0.05)
		c.FetchedAt, c.SourceURL = first, "https://example.test/"+id
		return c
	}
	long := strings.Repeat("x", store.MaxNameLen+1)
	runCases(t, s.Handler(), []apiCase{
		{Desc: "none yet", Path: "/v1/searches", Status: 200, ResponseMatch: map[string]bool{`{"searches":[]}`: true}},
		{Desc: "save", Method: "POST", Path: "/v1/searches", Body: `{"name":"Micro fitness","query":{"niche":["Fitness"],"tier":["MICRO"]}}`, Status: 201,
			HeaderMatch: map[string]string{"Location": "/v1/searches/1"},
			Check: decodeInto(func(t *testing.T, ss SavedSearch) {
				if ss.ID != 1 || ss.Name != "Micro fitness" || ss.LastRunAt != nil || !ss.CreatedAt.Equal(t0) ||
					strings.Join(ss.Query.Niches, ",") != "fitness" || strings.Join(ss.Query.Tiers, ",") != "micro" {
					t.Errorf("saved %+v", ss)
				}
			})},
		{Desc: "save: no name", Method: "POST", Path: "/v1/searches", Body: `{"query":{}}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "save: empty name", Method: "POST", Path: "/v1/searches", Body: `{"name":" ","query":{}}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "save: name too long", Method: "POST", Path: "/v1/searches", Body: `{"name":"` + long + `","query":{}}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "save: no query", Method: "POST", Path: "/v1/searches", Body: `{"name":"x"}`, Status: 400, Code: "invalid", Param: "query"},
		{Desc: "save: query not an object", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":[]}`, Status: 400, Code: "invalid", Param: "query"},
		{Desc: "save: bad tier", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{"tier":["huge"]}}`, Status: 400, Code: "invalid", Param: "query.tier"},
		{Desc: "save: bad min_er type", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{"min_er":"3%"}}`, Status: 400, Code: "invalid", Param: "query.min_er"},
		{Desc: "save: min over max", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{"min_followers":10,"max_followers":5}}`, Status: 400, Code: "invalid", Param: "query.max_followers"},
		{Desc: "save: cursor", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{"cursor":"abc"}}`, Status: 400, Code: "invalid", Param: "query.cursor"},
		{Desc: "save: offset", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{"offset":20}}`, Status: 400, Code: "invalid", Param: "query.offset"},
		{Desc: "save: unknown query field", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{"nich":["a"]}}`, Status: 400, Code: "invalid", Param: "nich"},
		{Desc: "save: unknown field", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{},"every":"day"}`, Status: 400, Code: "invalid", Param: "every"},
		{Desc: "save: body over the limit", Method: "POST", Path: "/v1/searches", Body: `{"name":"x","query":{"q":"` + strings.Repeat("a", 2000) + `"}}`,
			Status: 413, Code: "too_large", Param: "body"},
		{Desc: "get", Path: "/v1/searches/1", Status: 200, ResponseMatch: map[string]bool{`"last_run_at":null`: true, `"niche":["fitness"]`: true}},
		{Desc: "get: unknown", Path: "/v1/searches/99", Status: 404, Code: "not_found"},
		{Desc: "get: bad id", Path: "/v1/searches/x", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "list", Path: "/v1/searches", Status: 200, ResponseMatch: map[string]bool{`"name":"Micro fitness"`: true},
			Check: func(*testing.T, []byte) { clock.now = t0.Add(2 * time.Hour) }},

		{Desc: "first run: nothing first seen since it was saved", Path: "/v1/searches/1/new", Status: 200,
			Check: then(wantNew(t0, t0.Add(2*time.Hour-NewSettle)), func() {
				e.put(t, newCreator("youtube:eve", "fitness", t0.Add(3*time.Hour)))                 // new and matching
				e.put(t, newCreator("youtube:frank", "food", t0.Add(3*time.Hour)))                  // new, not matching
				e.put(t, newCreator("youtube:gina", "fitness", t0.Add(4*time.Hour-30*time.Second))) // within the settle window
				clock.now = t0.Add(4 * time.Hour)
			})},
		{Desc: "second run: the new match, not the new non-match nor the one still settling", Path: "/v1/searches/1/new", Status: 200,
			Check: then(wantNew(t0.Add(2*time.Hour-NewSettle), t0.Add(4*time.Hour-NewSettle), "youtube:eve"), func() {
				clock.now = t0.Add(5 * time.Hour)
				hook.err = errors.New("index down")
			})},
		{Desc: "a failed run records nothing", Path: "/v1/searches/1/new", Status: 500, Code: "internal",
			Check: func(*testing.T, []byte) { hook.err = nil }},
		{Desc: "so the next run still finds what settled", Path: "/v1/searches/1/new", Status: 200,
			Check: wantNew(t0.Add(4*time.Hour-NewSettle), t0.Add(5*time.Hour-NewSettle), "youtube:gina")},
		{Desc: "nothing new since", Path: "/v1/searches/1/new", Status: 200,
			Check: wantNew(t0.Add(5*time.Hour-NewSettle), t0.Add(5*time.Hour-NewSettle))},
		{Desc: "the run is recorded", Path: "/v1/searches/1", Status: 200,
			Check: decodeInto(func(t *testing.T, ss SavedSearch) {
				if ss.LastRunAt == nil || !ss.LastRunAt.Equal(t0.Add(5*time.Hour-NewSettle)) {
					t.Errorf("last_run_at %v", ss.LastRunAt)
				}
			})},
		{Desc: "a search saved just now looks at nothing yet", Method: "POST", Path: "/v1/searches", Body: `{"name":"Food","query":{"niche":["food"]}}`, Status: 201},
		{Desc: "its first run", Path: "/v1/searches/2/new", Status: 200, Check: wantNew(t0.Add(5*time.Hour), t0.Add(5*time.Hour))},
		{Desc: "new: parameter", Path: "/v1/searches/1/new?since=2026-01-01", Status: 400, Code: "invalid", Param: "since"},
		{Desc: "new: unknown", Path: "/v1/searches/99/new", Status: 404, Code: "not_found"},
		{Desc: "new: bad id", Path: "/v1/searches/0/new", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "delete", Method: "DELETE", Path: "/v1/searches/1", Status: 204, ContentType: "-"},
		{Desc: "deleted", Path: "/v1/searches/1/new", Status: 404, Code: "not_found"},
		{Desc: "delete again", Method: "DELETE", Path: "/v1/searches/1", Status: 404, Code: "not_found"},
		{Desc: "delete: bad id", Method: "DELETE", Path: "/v1/searches/1.5", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "one left", Path: "/v1/searches", Status: 200, ResponseMatch: map[string]bool{`"name":"Food"`: true, `"name":"Micro fitness"`: false}},
	})
}

// then runs check, then f: what the next row needs.
func then(check func(*testing.T, []byte), f func()) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		check(t, body)
		f()
	}
}

// TestSavedSearchTooBroad: a query matching more than the scan limit while
// new creators remain unchecked is a 413, and the run is not recorded.
func TestSavedSearchTooBroad(t *testing.T) {
	scan, page := newScanLimit, newPageSize
	newScanLimit, newPageSize = 2, 1
	t.Cleanup(func() { newScanLimit, newPageSize = scan, page })
	e := newEnv(t)
	t0 := fetched.Add(time.Hour)
	clock := &fakeClock{now: t0}
	deps := e.deps()
	deps.Now = clock.Now
	s := newTestServer(t, Config{}, deps)
	runCases(t, s.Handler(), []apiCase{
		{Desc: "save", Method: "POST", Path: "/v1/searches", Body: `{"name":"fitness","query":{"niche":["fitness"]}}`, Status: 201,
			Check: func(*testing.T, []byte) {
				c := testCreator("youtube:zed", "food", creator.Micro, "GB", 30000, 0.05)
				c.FetchedAt = t0.Add(time.Hour)
				e.put(t, c)
				clock.now = t0.Add(2 * time.Hour)
			}},
		{Desc: "three fitness matches, scan limit two, one new creator unchecked", Path: "/v1/searches/1/new",
			Status: 413, Code: "too_large", Param: "query"},
		{Desc: "not recorded", Path: "/v1/searches/1", Status: 200, ResponseMatch: map[string]bool{`"last_run_at":null`: true},
			Check: func(*testing.T, []byte) { newScanLimit = 10 }},
		{Desc: "with room to scan, it runs", Path: "/v1/searches/1/new", Status: 200, Check: wantNew(t0, t0.Add(2*time.Hour-NewSettle))},
	})
}
