package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/web"
	"github.com/creatorscout/creatorscout/web/webtest"
)

// Hostile crawled text. Each payload, if it ran, would set window.__xss to
// say which field leaked, and open an alert.
const (
	evilID   = "mastodon:eve@evil.example"
	evilBio  = `Hi <script>window.__xss='bio-script';alert('bio')</script> <img src=x onerror="window.__xss='bio-img';alert('img')"> <a href="javascript:window.__xss='bio-link'">click me</a>`
	evilName = `<img src=x onerror="window.__xss='name'">Eve`
	okLink   = "https://ok.example/path?a=<b>"
)

var evilLinks = []string{
	"javascript:window.__xss='links'",
	" JaVaScRiPt:window.__xss='links-case'",
	"data:text/html,<script>window.__xss='data'</script>",
	"vbscript:msgbox(1)",
	"//evil.example/no-scheme",
	okLink,
}

func evilCreator(now time.Time) creator.Creator {
	er := 0.042
	score := 71.0
	return creator.Creator{
		ID: evilID, Platform: "mastodon", Handle: "eve@evil.example", URL: "javascript:window.__xss='url'",
		DisplayName: evilName, Bio: evilBio,
		Followers: creator.Int64(23456), Following: nil, PostsCount: creator.Int64(310),
		Location: &creator.Location{Raw: `<svg onload="window.__xss='loc'">`, City: "London", Country: "GB"},
		Language: "en", Email: `"><img src=x onerror="window.__xss='email'">@evil.example`,
		Website: "javascript:window.__xss='website'", Links: evilLinks,
		Niches: []string{"fitness", `<b onmouseover="window.__xss='niche'">bold</b>`}, Tier: "micro",
		EngagementRate: &er, LastPostAt: &now, FetchedAt: now, SourceURL: "javascript:window.__xss='source'",
		Analysis: &creator.Analysis{
			Engagement: &creator.Engagement{Rate: &er, Formula: "median((likes+comments)/followers)", Window: "last 30 posts",
				PostIDs: []string{"mastodon:1"}, WindowPostIDs: []string{"mastodon:1"}, PerPost: []creator.PostRate{{PostID: "mastodon:1", Rate: er}},
				Notes: []string{`<img src=x onerror="window.__xss='note'">`}},
			Niches:       []creator.NicheScore{{Niche: "fitness", Score: 0.8, Evidence: []string{`<script>window.__xss='evidence'</script>`, "pilates"}}},
			Authenticity: &creator.Authenticity{Score: &score, Formula: "100 - penalties", Signals: []creator.AuthSignal{{Signal: "er_band", Known: true, Value: &er, Detail: `<i onclick=alert(1)>detail</i>`}}},
			Disclosures: &creator.DisclosureSummary{Counts: map[string]int{"gifted": 1},
				Brands: []creator.Brand{{Name: `"><img src=x onerror="window.__xss='brand'">`, Class: "gifted"}, {Name: "acme", Class: "sponsored"}}},
		},
	}
}

func evilPosts(now time.Time) []creator.Post {
	return []creator.Post{{
		ID: "mastodon:1", URL: "javascript:window.__xss='post-url'", PublishedAt: &now,
		Caption: `Gifted by @acme <iframe src="javascript:window.__xss='iframe'"></iframe> #ad`,
		Likes:   creator.Int64(900), Comments: nil,
		Hashtags:   []string{`<script>window.__xss='tag'</script>`, "pilates"},
		Brands:     []creator.Brand{{Name: `<svg onload="window.__xss='post-brand'">`, Class: "gifted"}},
		Disclosure: creator.Disclosure{Class: "gifted", Signals: []string{`<img src=x onerror="window.__xss='signal'">`}},
		FetchedAt:  now, SourceURL: "https://evil.example/@eve",
	}}
}

func plainCreator(i int, now time.Time) creator.Creator {
	er := 0.01 * float64(i)
	return creator.Creator{
		ID: fmt.Sprintf("bluesky:c%d.example", i), Platform: "bluesky", Handle: fmt.Sprintf("c%d.example", i),
		DisplayName: fmt.Sprintf("Creator %d", i), Followers: creator.Int64(int64(10000 * i)), Tier: "micro",
		EngagementRate: &er, Niches: []string{"fitness"}, FetchedAt: now, URL: "https://bsky.example/c",
	}
}

// fakeAPI serves the UI and a small in-memory stand-in of the JSON API in
// its published shapes, and records the searches the UI sends.
type fakeAPI struct {
	csp bool
	now time.Time

	key string // when set, /v1 needs "Authorization: Bearer key"

	mu       sync.Mutex
	searches []url.Values
	saved    []map[string]any
	lists    map[int64]*fakeList
	nextList int64
	patches  []string
}

type fakeList struct {
	ID    int64       `json:"id"`
	Name  string      `json:"name"`
	Size  int         `json:"size"`
	Items []*fakeItem `json:"-"`
}

type fakeItem struct {
	ListID    int64  `json:"list_id"`
	CreatorID string `json:"creator_id"`
	Note      string `json:"note"`
	Status    string `json:"status"`
	// Creator is embedded as GET /v1/lists/{id}/items does.
	Creator *creator.Creator `json:"creator"`
}

func (f *fakeAPI) lastSearch() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.searches) == 0 {
		return nil
	}
	return f.searches[len(f.searches)-1]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg, "param": ""}})
}

func (f *fakeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	ui := web.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /ui/", ui)
	mux.HandleFunc("GET /v1/creators", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.searches = append(f.searches, r.URL.Query())
		f.mu.Unlock()
		res := creator.SearchResult{Total: 4, Facets: map[string][]creator.Facet{
			"niche":    {{Value: "fitness", Count: 4}, {Value: `<img src=x onerror="window.__xss='facet'">`, Count: 1}},
			"platform": {{Value: "bluesky", Count: 3}, {Value: "mastodon", Count: 1}},
			"language": {{Value: "en", Count: 4}},
		}}
		if r.URL.Query().Get("cursor") == "" {
			res.Hits = []creator.Hit{{Creator: evilCreator(f.now)}, {Creator: plainCreator(1, f.now)}}
			res.NextCursor = "page-2"
		} else {
			res.Hits = []creator.Hit{{Creator: plainCreator(2, f.now)}, {Creator: plainCreator(3, f.now)}}
		}
		writeJSON(w, 200, res)
	})
	mux.HandleFunc("GET /v1/creators/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != evilID {
			apiErr(w, 404, "not_found", "no creator")
			return
		}
		c := evilCreator(f.now)
		writeJSON(w, 200, map[string]any{"creator": c, "posts": evilPosts(f.now)})
	})
	mux.HandleFunc("GET /v1/creators/{id}/history", func(w http.ResponseWriter, r *http.Request) {
		var snaps []creator.Snapshot
		for d := 0; d < 5; d++ {
			snaps = append(snaps, creator.Snapshot{CreatorID: evilID, Day: f.now.AddDate(0, 0, d-4).Truncate(24 * time.Hour), Followers: creator.Int64(int64(23000 + 100*d))})
		}
		writeJSON(w, 200, map[string]any{"creator_id": evilID, "snapshots": snaps})
	})
	mux.HandleFunc("GET /v1/lists", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		out := []fakeList{}
		for i := int64(1); i <= f.nextList; i++ {
			if l := f.lists[i]; l != nil {
				out = append(out, *l)
			}
		}
		writeJSON(w, 200, map[string]any{"lists": out})
	})
	mux.HandleFunc("POST /v1/lists", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Name string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || strings.TrimSpace(body.Name) == "" {
			apiErr(w, 400, "invalid", "name is empty")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.nextList++
		l := &fakeList{ID: f.nextList, Name: body.Name}
		f.lists[l.ID] = l
		writeJSON(w, 201, l)
	})
	list := func(w http.ResponseWriter, r *http.Request) *fakeList {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if l := f.lists[id]; l != nil {
			return l
		}
		apiErr(w, 404, "not_found", "no list")
		return nil
	}
	mux.HandleFunc("GET /v1/lists/{id}/items", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if l := list(w, r); l != nil {
			writeJSON(w, 200, map[string]any{"list": l, "items": l.Items})
		}
	})
	mux.HandleFunc("POST /v1/lists/{id}/items", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			CreatorID string `json:"creator_id"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		if l := list(w, r); l != nil {
			it := &fakeItem{ListID: l.ID, CreatorID: body.CreatorID, Status: "new"}
			if body.CreatorID == evilID {
				c := evilCreator(f.now)
				it.Creator = &c
			}
			l.Items = append(l.Items, it)
			l.Size++
			writeJSON(w, 201, it)
		}
	})
	mux.HandleFunc("PATCH /v1/lists/{id}/items/{cid}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Note   *string `json:"note"`
			Status *string `json:"status"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		l := list(w, r)
		if l == nil {
			return
		}
		for _, it := range l.Items {
			if it.CreatorID == r.PathValue("cid") {
				if body.Status != nil {
					it.Status = *body.Status
					f.patches = append(f.patches, "status="+*body.Status)
				}
				if body.Note != nil {
					it.Note = *body.Note
					f.patches = append(f.patches, "note="+*body.Note)
				}
				writeJSON(w, 200, it)
				return
			}
		}
		apiErr(w, 404, "not_found", "not on the list")
	})
	mux.HandleFunc("GET /v1/lists/{id}/export.csv", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if l := list(w, r); l != nil {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			fmt.Fprintln(w, "handle,status,note")
			for _, it := range l.Items {
				fmt.Fprintf(w, "%s,%s,%q\n", it.CreatorID, it.Status, it.Note)
			}
		}
	})
	mux.HandleFunc("POST /v1/searches", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name  string         `json:"name"`
			Query map[string]any `json:"query"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
			apiErr(w, 400, "invalid", "bad body")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		ss := map[string]any{"id": len(f.saved) + 1, "name": body.Name, "query": body.Query, "created_at": f.now, "last_run_at": nil}
		f.saved = append(f.saved, ss)
		writeJSON(w, 201, ss)
	})
	mux.HandleFunc("GET /v1/searches", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"searches": append([]map[string]any{}, f.saved...)})
	})
	mux.HandleFunc("GET /v1/searches/{id}/new", func(w http.ResponseWriter, r *http.Request) {
		type newCreator struct {
			creator.Creator
			FirstSeenAt time.Time `json:"first_seen_at"`
		}
		writeJSON(w, 200, map[string]any{"creators": []newCreator{{evilCreator(f.now), f.now}}})
	})
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		apiErr(w, 404, "", "no route") // what a server without the feature answers
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.key != "" && strings.HasPrefix(r.URL.Path, "/v1/") && r.Header.Get("Authorization") != "Bearer "+f.key {
			apiErr(w, 401, "unauthorized", "an API key is required")
			return
		}
		if f.csp {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		}
		mux.ServeHTTP(w, r)
	})
}

// startFake serves the UI and the stand-in API; a non-empty key is required
// on /v1.
func startFake(t *testing.T, csp bool, key string) (*fakeAPI, string) {
	f := &fakeAPI{csp: csp, key: key, now: time.Now().UTC(), lists: map[int64]*fakeList{}}
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func artifact(name string) string {
	return webtest.ArtifactPath(filepath.Join("testdata", "artifacts"), name)
}

// noXSS checks, in the live page, that no hostile payload ran or became
// markup: no global set, no alert, no element the payloads would create,
// no event-handler attribute, and no link to anything but http(s), mailto
// and our own # routes.
func noXSS(t *testing.T, b *webtest.Browser) {
	t.Helper()
	if text, open := b.AlertText(); open {
		t.Fatalf("an alert is open: %q", text)
	}
	var got struct {
		XSS     *string  `json:"xss"`
		Tags    []string `json:"tags"`
		OnAttrs []string `json:"onAttrs"`
		Hrefs   []string `json:"hrefs"`
	}
	err := b.Exec(`
const main = document.getElementById('view');
const tags = Array.from(main.querySelectorAll('script, img, iframe, object, embed, svg:not(.chart), b, i'))
  .map((e) => e.tagName);
const onAttrs = [];
for (const e of document.querySelectorAll('*')) for (const a of e.attributes) if (/^on/i.test(a.name)) onAttrs.push(e.tagName + ' ' + a.name);
return { xss: window.__xss === undefined ? null : String(window.__xss), tags, onAttrs,
  hrefs: Array.from(document.querySelectorAll('[href]')).map((a) => a.getAttribute('href')) };`, &got)
	if err != nil {
		t.Fatal(err)
	}
	if got.XSS != nil {
		t.Errorf("a payload ran: window.__xss = %q", *got.XSS)
	}
	if len(got.Tags) > 0 {
		t.Errorf("crawled text became elements: %v", got.Tags)
	}
	if len(got.OnAttrs) > 0 {
		t.Errorf("event-handler attributes in the page: %v", got.OnAttrs)
	}
	for _, h := range got.Hrefs {
		ok := strings.HasPrefix(h, "#/") || strings.HasPrefix(h, "/ui/") || strings.HasPrefix(h, "https://") ||
			strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "mailto:")
		if !ok {
			t.Errorf("a link to %q: only http(s), mailto and # routes may be linked", h)
		}
	}
}

// TestBrowserHostileCreatorIsInert renders a creator whose every crawled
// field carries a payload, with no CSP, so escaping alone must keep it
// inert, and then with the API's CSP.
func TestBrowserHostileCreatorIsInert(t *testing.T) {
	for _, csp := range []bool{false, true} {
		t.Run(fmt.Sprintf("csp=%v", csp), func(t *testing.T) {
			_, base := startFake(t, csp, "")
			b := webtest.Start(t, webtest.Options{})
			if err := b.Navigate(base + "/#/creator/" + url.PathEscape(evilID)); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Find(`main[data-view="creator"] .profile[data-id="` + evilID + `"]`); err != nil {
				t.Fatal(err)
			}
			noXSS(t, b)

			// The text is shown, literally, where it belongs.
			var shown struct{ Bio, Name, Caption, Evidence string }
			b.Exec(`return { bio: document.querySelector('.bio').textContent, name: document.querySelector('.profile .name').textContent,
				caption: document.querySelector('.caption').textContent,
				evidence: document.querySelector('[data-metric=niches] details').textContent };`, &shown)
			if shown.Bio != evilBio {
				t.Errorf("bio shown as %q, want the crawled text verbatim", shown.Bio)
			}
			if shown.Name != evilName {
				t.Errorf("name shown as %q, want %q", shown.Name, evilName)
			}
			if !strings.Contains(shown.Caption, `<iframe src="javascript:`) {
				t.Errorf("caption shown as %q", shown.Caption)
			}
			if !strings.Contains(shown.Evidence, "<script>window.__xss='evidence'</script>") {
				t.Errorf("niche evidence shown as %q", shown.Evidence)
			}
			// The one safe link is linked; the hostile ones are shown inert.
			a, err := b.Find(`.links a[href^="https://ok.example/"]`)
			if err != nil {
				t.Fatalf("the https link is not linked: %v", err)
			}
			if rel, _ := a.Attr("rel"); !strings.Contains(rel, "noopener") {
				t.Errorf("external link rel %q lacks noopener", rel)
			}
			inert, err := b.FindAll(`.links .unsafe-link`)
			if err != nil || len(inert) != len(evilLinks)-1 {
				t.Errorf("%d inert links, want %d: %v", len(inert), len(evilLinks)-1, err)
			}
			// Clicking a hostile link does nothing: it is not a link.
			if err := inert[0].Click(); err != nil {
				t.Fatal(err)
			}
			noXSS(t, b)
			if u, _ := b.URL(); !strings.HasPrefix(u, base) {
				t.Errorf("clicking an inert link navigated to %q", u)
			}
			// The history chart was drawn from the five snapshots.
			if _, err := b.Find(`figure.history[data-points="5"] svg.chart polyline`); err != nil {
				t.Error(err)
			}
			// Lookalikes 404 on this server: a polite empty state.
			if el, err := b.Find(`[data-card=lookalikes] .empty`); err != nil {
				t.Error(err)
			} else if txt, _ := el.Text(); !strings.Contains(txt, "not available") {
				t.Errorf("lookalikes empty state %q", txt)
			}
			if csp {
				consoleClean(t, b)
				if err := b.SaveScreenshot(artifact("hostile-creator.png")); err != nil {
					t.Error(err)
				}
			}

			// The search page shows the same creator and a hostile facet inert.
			if err := b.Navigate(base + "/#/search"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Find(`tr.result[data-id="` + evilID + `"]`); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Find(`button.facet[data-param=niche][data-value^="<img"]`); err != nil {
				t.Errorf("the hostile facet value is not shown as text: %v", err)
			}
			noXSS(t, b)
		})
	}
}

// consoleClean fails on script errors and CSP violations in the console.
func consoleClean(t *testing.T, b *webtest.Browser) {
	t.Helper()
	logs, err := b.ConsoleLog()
	if err != nil {
		t.Logf("console log unavailable: %v", err)
		return
	}
	for _, l := range logs {
		if l.Level != "SEVERE" {
			continue
		}
		// A 404 answer of a route the server lacks is expected; the UI shows
		// an empty state for it.
		if strings.Contains(l.Message, "Failed to load resource: the server responded with a status of 404") {
			continue
		}
		t.Errorf("console %s: %s", l.Level, l.Message)
	}
}

// TestBrowserSearchAndLists drives the search page and the list workflow
// against the stand-in API: text, a facet, chips, column sorting, paging,
// then add to a new list, change status and note, and export.
func TestBrowserSearchAndLists(t *testing.T) {
	f, base := startFake(t, true, "")
	b := webtest.Start(t, webtest.Options{})
	if err := b.Navigate(base + "/"); err != nil {
		t.Fatal(err)
	}
	gen := func() int {
		var g string
		b.Exec(`return document.getElementById('view').dataset.gen || '0';`, &g)
		n, _ := strconv.Atoi(g)
		return n
	}
	// waitNext waits for the render after the one numbered before.
	waitNext := func(before int) {
		t.Helper()
		if err := b.WaitJS(fmt.Sprintf(`+document.getElementById('view').dataset.gen > %d && !document.body.dataset.busy`, before)); err != nil {
			t.Fatal(err)
		}
	}
	must := func(e *webtest.Element, err error) *webtest.Element {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Find(`main[data-view=search] tr.result`))

	// Text search.
	g := gen()
	box := must(b.Find(`form.searchbar input[name=q]`))
	if err := box.Type("pilates\ue007"); err != nil {
		t.Fatal(err)
	}
	must(b.Find(`.chip[data-param=q][data-value=pilates]`))
	if q := f.lastSearch(); q.Get("q") != "pilates" {
		t.Errorf("search sent q=%q, want pilates", q.Get("q"))
	}
	waitNext(g)

	// A facet adds a filter and a chip; its count is shown.
	g = gen()
	check(must(b.Find(`button.facet[data-param=niche][data-value=fitness]`)).Click())
	must(b.Find(`.chip[data-param=niche][data-value=fitness]`))
	if q := f.lastSearch(); q.Get("niche") != "fitness" || q.Get("q") != "pilates" {
		t.Errorf("search sent %v, want q=pilates and niche=fitness", q)
	}
	waitNext(g)

	// Removing the text chip keeps the facet.
	g = gen()
	check(must(b.Find(`.chip[data-param=q] .chip-x`)).Click())
	waitNext(g)
	if q := f.lastSearch(); q.Has("q") || q.Get("niche") != "fitness" {
		t.Errorf("after removing the q chip the search sent %v", q)
	}

	// A server-sortable column sorts the whole result through the API.
	g = gen()
	check(must(b.Find(`th[data-col=followers] button.sort`)).Click())
	must(b.Find(`th[data-col=followers][aria-sort=descending]`))
	if q := f.lastSearch(); q.Get("sort") != "-followers" {
		t.Errorf("sort sent %q, want -followers", q.Get("sort"))
	}
	waitNext(g)
	// A page-only column sorts in the browser: Creator, ascending by name.
	names := func() []string {
		var n []string
		b.Exec(`return Array.from(document.querySelectorAll('tr.result .creator-link')).map((a) => a.textContent);`, &n)
		return n
	}
	check(must(b.Find(`th[data-col=creator] button.sort`)).Click())
	must(b.Find(`th[data-col=creator][aria-sort=ascending]`))
	if n := names(); len(n) != 2 || n[0] != evilName { // '<' sorts before letters
		t.Errorf("rows sorted by name, ascending: %q", n)
	}
	check(must(b.Find(`th[data-col=creator] button.sort`)).Click())
	must(b.Find(`th[data-col=creator][aria-sort=descending]`))
	if n := names(); len(n) != 2 || n[0] != "Creator 1" {
		t.Errorf("rows sorted by name, descending: %q", n)
	}

	// Paging by cursor, and back.
	g = gen()
	check(must(b.Find(`.pager button.next`)).Click())
	must(b.Find(`tr.result[data-id="bluesky:c3.example"]`))
	if q := f.lastSearch(); q.Get("cursor") != "page-2" || q.Get("niche") != "fitness" {
		t.Errorf("next page sent %v, want cursor=page-2 with the filter kept", q)
	}
	waitNext(g)
	g = gen()
	check(must(b.Find(`.pager button.prev`)).Click())
	must(b.Find(`tr.result[data-id="` + evilID + `"]`))
	waitNext(g)

	// Open the creator and add them to a new list.
	check(must(b.Find(`tr.result[data-id="` + evilID + `"] a.creator-link`)).Click())
	form := must(b.Find(`form.addlist[data-creator="` + evilID + `"]`))
	check(must(form.Find(`input[name=newlist]`)).Type("Spring <launch>"))
	check(must(form.Find(`button[type=submit]`)).Click())
	must(b.Find(`form.addlist[data-added-to="1"] a.added-link`))
	f.mu.Lock()
	if len(f.lists) != 1 || f.lists[1].Name != "Spring <launch>" || f.lists[1].Size != 1 {
		t.Errorf("lists after add: %+v", f.lists)
	}
	f.mu.Unlock()

	// The list page: change status and note, then export.
	check(must(b.Find(`form.addlist a.added-link`)).Click())
	row := `tr.item[data-creator="` + evilID + `"]`
	must(b.Find(`main[data-view=list] ` + row))
	if h1, _ := must(b.Find(`main h1`)).Text(); h1 != "Spring <launch>" {
		t.Errorf("list title %q", h1)
	}
	check(must(b.Find(row + ` select[name=status] option[value=contacted]`)).Click())
	must(b.Find(row + `[data-status=contacted]`))
	note := must(b.Find(row + ` textarea[name=note]`))
	check(note.Type("=HYPERLINK(\"x\") call Tuesday"))
	check(must(b.Find(row + ` button.save-note`)).Click())
	must(b.Find(row + `[data-note=saved]`))
	f.mu.Lock()
	patches := strings.Join(f.patches, "|")
	f.mu.Unlock()
	if patches != `status=contacted|note==HYPERLINK("x") call Tuesday` {
		t.Errorf("PATCHes sent: %s", patches)
	}
	check(must(b.Find(`button.export[data-format=csv]`)).Click())
	path, err := b.WaitDownload(".csv", 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(path)
	if !strings.Contains(string(csv), evilID+",contacted,") {
		t.Errorf("exported CSV:\n%s", csv)
	}
	must(b.Find(`button.export[data-format=csv][data-done]`))
	consoleClean(t, b)
	noXSS(t, b)
	if err := b.SaveScreenshot(artifact("fake-list.png")); err != nil {
		t.Error(err)
	}
}

// TestBrowserSavedSearchesAndReports saves a search with a range filter,
// lists it, asks what is new and reopens it; then opens a hashtag report
// on a server without report routes.
func TestBrowserSavedSearchesAndReports(t *testing.T) {
	f, base := startFake(t, true, "")
	b := webtest.Start(t, webtest.Options{})
	must := func(e *webtest.Element, err error) *webtest.Element {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(b.Navigate(base + "/#/search?niche=fitness"))
	must(b.Find(`.chip[data-param=niche][data-value=fitness]`))
	check(must(b.Find(`form.ranges input[name=min_er]`)).Type("3\ue007"))
	must(b.Find(`.chip[data-param=min_er][data-value="3%"]`))
	if q := f.lastSearch(); q.Get("min_er") != "3%" || q.Get("niche") != "fitness" {
		t.Errorf("range filter sent %v, want min_er=3%% and niche=fitness", q)
	}

	// Tick two results and add them to a new list in one go.
	check(must(b.Find(`tr.result[data-id="` + evilID + `"] input[name=pick]`)).Click())
	check(must(b.Find(`tr.result[data-id="bluesky:c1.example"] input[name=pick]`)).Click())
	check(must(b.Find(`form.bulk-add input[name=newlist]`)).Type("Bulk"))
	check(must(b.Find(`form.bulk-add button[type=submit]`)).Click())
	must(b.Find(`form.bulk-add[data-added="2"]`))
	f.mu.Lock()
	if l := f.lists[1]; l == nil || l.Name != "Bulk" || l.Size != 2 {
		t.Errorf("bulk add made %+v, want list Bulk with 2 creators", l)
	}
	f.mu.Unlock()

	check(must(b.Find(`form.save-search input[name=name]`)).Type("Fit <UK>\ue007"))
	must(b.Find(`form.save-search .status a[href="#/searches"]`))
	f.mu.Lock()
	saved, _ := json.Marshal(f.saved[0]["query"])
	f.mu.Unlock()
	if string(saved) != `{"min_er":0.03,"niche":["fitness"]}` {
		t.Errorf("saved query %s, want the filters as creator.Query JSON", saved)
	}

	check(must(b.Find(`nav a[data-nav=searches]`)).Click())
	item := must(b.Find(`main[data-view=searches] li.saved-search[data-search="1"]`))
	if txt, _ := must(item.Find(`h3`)).Text(); txt != "Fit <UK>" {
		t.Errorf("saved search shown as %q", txt)
	}
	check(must(item.Find(`button`)).Click())
	newOne := must(b.Find(`li.saved-search .new-results a`))
	if txt, _ := newOne.Text(); txt != evilName {
		t.Errorf("new creator shown as %q, want %q", txt, evilName)
	}
	noXSS(t, b)
	check(must(item.Find(`a.button`)).Click())
	must(b.Find(`main[data-view=search] .chip[data-param=min_er][data-value="3%"]`))
	must(b.Find(`.chip[data-param=niche][data-value=fitness]`))

	check(b.Navigate(base + "/#/hashtag/pilates"))
	rep := must(b.Find(`main[data-view=report] .report[data-kind=hashtag][data-value=pilates]`))
	if txt, _ := must(rep.Find(`[data-card=report] .empty`)).Text(); !strings.Contains(txt, "No hashtag report") {
		t.Errorf("report empty state %q", txt)
	}
	must(rep.Find(`.breakdown table.bars meter`))
	if q := f.lastSearch(); q.Get("hashtag") != "pilates" {
		t.Errorf("report searched %v, want hashtag=pilates", q)
	}
	noXSS(t, b)
	consoleClean(t, b)
}

// TestBrowserAPIKey: on a server that needs a key the UI says so, and works
// once the key is entered.
func TestBrowserAPIKey(t *testing.T) {
	f, base := startFake(t, true, "s3cret-key-for-tests")
	b := webtest.Start(t, webtest.Options{})
	if err := b.Navigate(base + "/"); err != nil {
		t.Fatal(err)
	}
	n, err := b.Find(`#notice:not([hidden])`)
	if err != nil {
		t.Fatal(err)
	}
	if txt, _ := n.Text(); !strings.Contains(txt, "API key") {
		t.Errorf("notice %q does not ask for the key", txt)
	}
	if _, err := b.Find(`main[data-view=error]`); err != nil {
		t.Fatal(err)
	}
	key, err := b.Find(`#apikey`)
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Type(f.key + "\ue007"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Find(`main[data-view=search] tr.result`); err != nil {
		t.Fatal(err)
	}
}
