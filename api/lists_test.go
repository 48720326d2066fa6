package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/store"
)

// decodeInto returns a Check that decodes the body into a new T and hands
// it to f.
func decodeInto[T any](f func(t *testing.T, v T)) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("decoding %T: %v; %s", v, err, body)
		}
		f(t, v)
	}
}

func TestListStatusesMatchStore(t *testing.T) {
	if !reflect.DeepEqual(ListStatuses, store.ListStatuses) {
		t.Errorf("api.ListStatuses %v, store.ListStatuses %v", ListStatuses, store.ListStatuses)
	}
}

// TestLists walks a prospect list through its life against the real store.
// The rows run in order and share state.
func TestLists(t *testing.T) {
	clock := &fakeClock{now: fetched.Add(time.Hour)}
	s := newTestServer(t, Config{BodyLimit: 8 << 10}, Deps{Now: clock.Now})
	long := strings.Repeat("é", store.MaxNameLen+1)
	longNote := strings.Repeat("n", store.MaxNoteLen+1)
	huge := `{"name":"` + strings.Repeat("a", 9<<10) + `"}`
	annaPath := "/v1/lists/1/items/mastodon:anna%40host.example"
	runCases(t, s.Handler(), []apiCase{
		{Desc: "no lists yet", Path: "/v1/lists", Status: 200, ResponseMatch: map[string]bool{`{"lists":[]}`: true}},
		{Desc: "create", Method: "POST", Path: "/v1/lists", Body: `{"name":"  Spring launch "}`, Status: 201,
			HeaderMatch: map[string]string{"Location": "/v1/lists/1"},
			Check: decodeInto(func(t *testing.T, l List) {
				if l.ID != 1 || l.Name != "Spring launch" || l.Size != 0 || !l.CreatedAt.Equal(fetched.Add(time.Hour)) {
					t.Errorf("list %+v", l)
				}
			})},
		{Desc: "create: no name", Method: "POST", Path: "/v1/lists", Body: `{}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "create: empty name", Method: "POST", Path: "/v1/lists", Body: `{"name":""}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "create: blank name", Method: "POST", Path: "/v1/lists", Body: `{"name":"   "}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "create: name too long", Method: "POST", Path: "/v1/lists", Body: `{"name":"` + long + `"}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "create: name not a string", Method: "POST", Path: "/v1/lists", Body: `{"name":5}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "create: unknown field", Method: "POST", Path: "/v1/lists", Body: `{"name":"x","owner":"me"}`, Status: 400, Code: "invalid", Param: "owner"},
		{Desc: "create: not JSON", Method: "POST", Path: "/v1/lists", Body: `name=x`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "create: form content type", Method: "POST", Path: "/v1/lists", Body: `{"name":"x"}`,
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, Status: 400, Code: "invalid", Param: "Content-Type"},
		{Desc: "create: query parameter", Method: "POST", Path: "/v1/lists?owner=me", Body: `{"name":"x"}`, Status: 400, Code: "invalid", Param: "owner"},
		{Desc: "create: body over the limit", Method: "POST", Path: "/v1/lists", Body: huge, Status: 413, Code: "too_large", Param: "body"},
		{Desc: "get", Path: "/v1/lists/1", Status: 200, ResponseMatch: map[string]bool{`"name":"Spring launch"`: true}},
		{Desc: "get: unknown", Path: "/v1/lists/99", Status: 404, Code: "not_found"},
		{Desc: "get: id not a number", Path: "/v1/lists/abc", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "get: id zero", Path: "/v1/lists/0", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "get: id overflows", Path: "/v1/lists/99999999999999999999", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "rename", Method: "PATCH", Path: "/v1/lists/1", Body: `{"name":"Summer launch"}`, Status: 200,
			ResponseMatch: map[string]bool{`"name":"Summer launch"`: true}},
		{Desc: "rename: unknown", Method: "PATCH", Path: "/v1/lists/99", Body: `{"name":"x"}`, Status: 404, Code: "not_found"},
		{Desc: "rename: no name", Method: "PATCH", Path: "/v1/lists/1", Body: `{}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "rename: null name", Method: "PATCH", Path: "/v1/lists/1", Body: `{"name":null}`, Status: 400, Code: "invalid", Param: "name"},
		{Desc: "rename: bad id", Method: "PATCH", Path: "/v1/lists/x", Body: `{"name":"x"}`, Status: 400, Code: "invalid", Param: "id"},

		{Desc: "add anna", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"mastodon:anna@host.example","note":"met at expo"}`, Status: 201,
			HeaderMatch: map[string]string{"Location": "/v1/lists/1/items/mastodon:anna@host.example"},
			Check: decodeInto(func(t *testing.T, it ListItem) {
				if it.ListID != 1 || it.CreatorID != anna || it.Note != "met at expo" || it.Status != "new" {
					t.Errorf("item %+v", it)
				}
				clock.Advance(time.Minute) // the next creator is added later
			})},
		{Desc: "add anna again is a conflict", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"mastodon:anna@host.example","note":"x"}`,
			Status: 409, Code: "conflict", Param: "creator_id"},
		{Desc: "add bob, contacted", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"youtube:bob","status":"contacted"}`, Status: 201,
			ResponseMatch: map[string]bool{`"status":"contacted"`: true},
			Check:         func(*testing.T, []byte) { clock.Advance(time.Minute) }},
		{Desc: "add a web id with a slash", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"web:example.com/anna"}`, Status: 201},
		{Desc: "add: malformed id", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"nobody"}`, Status: 400, Code: "invalid", Param: "creator_id"},
		{Desc: "add: unknown creator", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"youtube:nobody"}`, Status: 404, Code: "not_found", Param: "creator_id"},
		{Desc: "add: unknown status", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"instagram:cara","status":"ghosted"}`, Status: 400, Code: "invalid", Param: "status"},
		{Desc: "add: note too long", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"instagram:cara","note":"` + longNote + `"}`, Status: 400, Code: "invalid", Param: "note"},
		{Desc: "add: no creator", Method: "POST", Path: "/v1/lists/1/items", Body: `{"note":"x"}`, Status: 400, Code: "invalid", Param: "creator_id"},
		{Desc: "add: status not a string", Method: "POST", Path: "/v1/lists/1/items", Body: `{"creator_id":"instagram:cara","status":1}`, Status: 400, Code: "invalid", Param: "status"},
		{Desc: "add: unknown list", Method: "POST", Path: "/v1/lists/99/items", Body: `{"creator_id":"youtube:bob"}`, Status: 404, Code: "not_found"},
		{Desc: "add: bad list id", Method: "POST", Path: "/v1/lists/-1/items", Body: `{"creator_id":"youtube:bob"}`, Status: 400, Code: "invalid", Param: "id"},
		{Desc: "items with their creators, in added order", Path: "/v1/lists/1/items", Status: 200,
			Check: decodeInto(func(t *testing.T, r listItemsResponse) {
				var got []string
				for _, it := range r.Items {
					if it.Creator == nil || it.Creator.ID != it.CreatorID {
						t.Errorf("item %s: creator %+v", it.CreatorID, it.Creator)
					}
					got = append(got, it.CreatorID+"="+it.Status)
				}
				want := []string{anna + "=new", "youtube:bob=contacted", "web:example.com/anna=new"}
				if !reflect.DeepEqual(got, want) || r.List == nil || r.List.Size != 3 {
					t.Errorf("items %v (list %+v), want %v", got, r.List, want)
				}
			})},
		{Desc: "items: unknown list", Path: "/v1/lists/99/items", Status: 404, Code: "not_found"},
		{Desc: "items: parameter", Path: "/v1/lists/1/items?status=new", Status: 400, Code: "invalid", Param: "status"},

		{Desc: "set status", Method: "PATCH", Path: annaPath, Body: `{"status":"replied"}`, Status: 200,
			Check: decodeInto(func(t *testing.T, it ListItem) {
				if it.Status != "replied" || it.Note != "met at expo" {
					t.Errorf("item %+v: want status replied and the note kept", it)
				}
			})},
		{Desc: "clear note", Method: "PATCH", Path: annaPath, Body: `{"note":""}`, Status: 200,
			ResponseMatch: map[string]bool{`"note":""`: true, `"status":"replied"`: true}},
		{Desc: "patch a web id, escaped slash", Method: "PATCH", Path: "/v1/lists/1/items/web:example.com%2Fanna", Body: `{"status":"agreed","note":"=fee 500"}`, Status: 200,
			ResponseMatch: map[string]bool{`"creator_id":"web:example.com/anna"`: true, `"status":"agreed"`: true}},
		{Desc: "patch: nothing to change", Method: "PATCH", Path: annaPath, Body: `{}`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "patch: unknown status", Method: "PATCH", Path: annaPath, Body: `{"status":"ghosted"}`, Status: 400, Code: "invalid", Param: "status"},
		{Desc: "patch: note too long", Method: "PATCH", Path: annaPath, Body: `{"note":"` + longNote + `"}`, Status: 400, Code: "invalid", Param: "note"},
		{Desc: "patch: not on the list", Method: "PATCH", Path: "/v1/lists/1/items/instagram:cara", Body: `{"status":"new"}`, Status: 404, Code: "not_found"},
		{Desc: "patch: unknown list", Method: "PATCH", Path: "/v1/lists/99/items/youtube:bob", Body: `{"status":"new"}`, Status: 404, Code: "not_found"},
		{Desc: "patch: malformed creator id", Method: "PATCH", Path: "/v1/lists/1/items/bob", Body: `{"status":"new"}`, Status: 400, Code: "invalid", Param: "creator_id"},
		{Desc: "remove bob", Method: "DELETE", Path: "/v1/lists/1/items/youtube:bob", Status: 204, ContentType: "-"},
		{Desc: "remove bob again", Method: "DELETE", Path: "/v1/lists/1/items/youtube:bob", Status: 404, Code: "not_found"},
		{Desc: "remove: malformed id", Method: "DELETE", Path: "/v1/lists/1/items/bob", Status: 400, Code: "invalid", Param: "creator_id"},
		{Desc: "size after removal", Path: "/v1/lists/1", Status: 200, ResponseMatch: map[string]bool{`"size":2`: true}},
		{Desc: "second list", Method: "POST", Path: "/v1/lists", Body: `{"name":"Autumn"}`, Status: 201},
		{Desc: "all lists", Path: "/v1/lists", Status: 200,
			Check: decodeInto(func(t *testing.T, r listsResponse) {
				if len(r.Lists) != 2 || r.Lists[0].Name != "Summer launch" || r.Lists[1].Name != "Autumn" {
					t.Errorf("lists %+v", r.Lists)
				}
			})},
		{Desc: "delete", Method: "DELETE", Path: "/v1/lists/1", Status: 204, ContentType: "-"},
		{Desc: "gone", Path: "/v1/lists/1", Status: 404, Code: "not_found"},
		{Desc: "its items are gone", Path: "/v1/lists/1/items", Status: 404, Code: "not_found"},
		{Desc: "delete again", Method: "DELETE", Path: "/v1/lists/1", Status: 404, Code: "not_found"},
		{Desc: "delete: bad id", Method: "DELETE", Path: "/v1/lists/one", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "the creators are still there", Path: "/v1/creators/mastodon:anna@host.example", Status: 200},
	})
}

func TestListsNeedTheirDependencies(t *testing.T) {
	e := newEnv(t)
	s := newTestServer(t, Config{}, Deps{Searcher: e.ix, Creators: e.st})
	runCases(t, s.Handler(), []apiCase{
		{Desc: "lists", Path: "/v1/lists", Status: 503, Code: "unavailable"},
		{Desc: "create", Method: "POST", Path: "/v1/lists", Body: `{"name":"x"}`, Status: 503, Code: "unavailable"},
		{Desc: "export", Path: "/v1/lists/1/export.csv", Status: 503, Code: "unavailable"},
		{Desc: "searches", Path: "/v1/searches", Status: 503, Code: "unavailable"},
		{Desc: "new", Path: "/v1/searches/1/new", Status: 503, Code: "unavailable"},
		{Desc: "crawl", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["x"]}`, Status: 503, Code: "unavailable"},
	})
}
