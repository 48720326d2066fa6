package html

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// fetchedAt is fixed so goldens are stable.
var fetchedAt = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

// golden is what a fixture must parse to, with what Detect says about it
// from the body alone (content sniffing) and from the URL alone.
type golden struct {
	DetectBody bool           `json:"detect_body"`
	DetectURL  bool           `json:"detect_url"`
	Result     *source.Result `json:"result"`
	Error      string         `json:"error"`
}

func TestParseGolden(t *testing.T) {
	tests := []struct {
		name   string // golden file: testdata/<name>.golden.json
		file   string
		url    string
		header http.Header
		opts   source.Options
		meta   map[string]string
	}{
		{name: "jsonld_profile", file: "jsonld_profile.html", url: "https://lena-trails.example/ueber-mich/"},
		{name: "jsonld_profile_xrobots", file: "jsonld_profile.html", url: "https://lena-trails.example/ueber-mich/",
			header: http.Header{"X-Robots-Tag": {"noarchive", "noindex"}}},
		{name: "jsonld_profile_xrobots_otherbot", file: "jsonld_profile.html", url: "https://lena-trails.example/ueber-mich/",
			header: http.Header{"X-Robots-Tag": {"otherbot: noindex, nofollow"}}},
		{name: "jsonld_graph", file: "jsonld_graph.html", url: "https://kitchennotes.example/u/mayacooks?ref=tag"},
		// A Yoast author archive: the Person names the page by
		// mainEntityOfPage {"@id"}; the ProfilePage has no mainEntity.
		{name: "jsonld_yoast_author", file: "jsonld_yoast_author.html", url: "https://craftykitchen.example/author/janedoe/"},
		{name: "og_instagram", file: "og_instagram.html", url: "https://www.instagram.com/mira.makes/"},
		{name: "og_instagram_de_loopback", file: "og_instagram_de.html", url: "http://127.0.0.1:8091/jonas.weber/",
			opts: source.Options{Hosts: []string{"127.0.0.1:8091=instagram"}}},
		{name: "og_instagram_de_unmapped", file: "og_instagram_de.html", url: "http://127.0.0.1:8091/jonas.weber/"},
		{name: "og_instagram_ja", file: "og_instagram_ja.html", url: "https://www.instagram.com/ayaka.eats/"},
		{name: "hcard_other_person", file: "hcard_other_person.html", url: "https://noor.example/"},
		{name: "hcard_relme", file: "hcard_relme.html", url: "https://sam.example/about"},
		{name: "tiktok_profile", file: "tiktok_profile.html", url: "https://www.tiktok.com/@dario.bakes"},
		// A snowballed profile on a loopback TikTok host: its mentions are
		// one hop further, on the same host.
		{name: "tiktok_profile_loopback_hop1", file: "tiktok_profile.html", url: "http://127.0.0.1:8095/@dario.bakes",
			opts: source.Options{Hosts: []string{"127.0.0.1:8095=tiktok"}}, meta: map[string]string{source.MetaSnowball: "1"}},
		{name: "tiktok_tag", file: "tiktok_tag.html", url: "https://www.tiktok.com/tag/sourdough"},
		// The older SIGI_STATE script: exact counts, the video, its tags.
		{name: "tiktok_sigi_state", file: "tiktok_sigi_state.html", url: "https://www.tiktok.com/@dario.bakes"},
		// "This account cannot be found": no creator, though TikTok's own
		// og: meta describe a page.
		{name: "tiktok_not_found", file: "tiktok_not_found.html", url: "https://www.tiktok.com/@nosuchuser"},
		{name: "hashtag_jsonld", file: "hashtag_jsonld.html", url: "https://creators.example/tags/trailrunning"},
		{name: "hashtag_anchors", file: "hashtag_anchors.html", url: "https://social.example/tags/sourdough",
			meta: map[string]string{"hashtag": "sourdough"}},
		{name: "mastodon_profile", file: "mastodon_profile.html", url: "https://social.example/@anna"},
		{name: "mastodon_noindex", file: "mastodon_noindex.html", url: "https://social.example/@hidden_hana"},
		{name: "hostile", file: "hostile.html", url: "https://creators.example/u/hostile"},
		{name: "latin1_hcard", file: "latin1_hcard.html", url: "https://jose-mueller.example/",
			header: http.Header{"Content-Type": {"text/html; charset=iso-8859-1"}}},
		{name: "not_a_profile", file: "not_a_profile.html", url: "https://flour.example/blog/storage"},
		{name: "api_account_json", file: "api_account.json", url: "https://social.example/api/v1/accounts/lookup?acct=anna"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			src, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			res, perr := src.Parse(&source.Page{URL: u, Status: 200, Header: tt.header, Body: body, Meta: tt.meta, FetchedAt: fetchedAt})
			got := golden{Result: res, DetectBody: src.Detect(nil, body), DetectURL: src.Detect(u, nil)}
			if perr != nil {
				got.Error = perr.Error()
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			gotJSON := buf.Bytes()
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != string(gotJSON) {
				t.Errorf("Parse(%s) differs from %s:\n--- got\n%s\n--- want\n%s", tt.file, path, gotJSON, want)
			}
		})
	}
}

func TestHashtagRequests(t *testing.T) {
	cases := []struct {
		opts source.Options
		tag  string
		want string // "" = no request
	}{
		{source.Options{BaseURL: "http://127.0.0.1:8091"}, "#Sourdough", "http://127.0.0.1:8091/tags/sourdough"},
		{source.Options{BaseURL: "http://127.0.0.1:8095", Hosts: []string{"127.0.0.1:8095=tiktok"}}, "sourdough", "http://127.0.0.1:8095/tag/sourdough"},
		{source.Options{BaseURL: "https://www.tiktok.com"}, "sourdough", "https://www.tiktok.com/tag/sourdough"},
		{source.Options{BaseURL: "https://creators.example/"}, "café", "https://creators.example/tags/caf%C3%A9"},
		{source.Options{}, "sourdough", ""},
		{source.Options{BaseURL: "https://creators.example"}, "a/b", ""},
		{source.Options{BaseURL: "https://creators.example"}, " # ", ""},
	}
	for _, tc := range cases {
		src, err := New(tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		reqs := src.HashtagRequests(tc.tag)
		switch {
		case tc.want == "" && reqs != nil:
			t.Errorf("%+v %q: want no request, got %+v", tc.opts, tc.tag, reqs)
		case tc.want != "" && (len(reqs) != 1 || reqs[0].URL != tc.want || reqs[0].Kind != source.KindHashtag):
			t.Errorf("%+v %q: got %+v, want %s", tc.opts, tc.tag, reqs, tc.want)
		}
	}
}

// SIGI_STATE keyed by handle: the profile is the user the URL names among
// several, and without ItemList its videos come newest (highest id) first.
func TestTikTokSIGIPicksTheURLsUser(t *testing.T) {
	body := `<html><head><title>x</title></head><body><script id="SIGI_STATE" type="application/json">{
		"UserModule":{"users":{"other":{"id":"1","uniqueId":"other","nickname":"Other"},
			"Mia.Cooks":{"id":"2","uniqueId":"Mia.Cooks","nickname":"Mia"}},
			"stats":{"other":{"followerCount":5},"Mia.Cooks":{"followerCount":41000,"videoCount":3}}},
		"ItemModule":{"7100000000000000001":{"id":"7100000000000000001","desc":"old","author":"Mia.Cooks","createTime":"1600000000"},
			"7300000000000000001":{"id":"7300000000000000001","desc":"new","author":"Mia.Cooks","createTime":"1700000000"},
			"7200000000000000001":{"id":"7200000000000000001","desc":"by other","author":"other","createTime":"1650000000"}}}
		</script></body></html>`
	src, err := New(source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://www.tiktok.com/@mia.cooks")
	res, perr := src.Parse(&source.Page{URL: u, Status: 200, Body: []byte(body), FetchedAt: fetchedAt})
	if perr != nil {
		t.Fatalf("parse: %v", perr)
	}
	if len(res.Creators) != 1 || res.Creators[0].DisplayName != "Mia" || res.Creators[0].Followers == nil || *res.Creators[0].Followers != 41000 {
		t.Fatalf("creators %+v", res.Creators)
	}
	var captions []string
	for _, p := range res.Posts {
		captions = append(captions, p.Caption)
	}
	if strings.Join(captions, ",") != "new,old" {
		t.Fatalf("posts %q, want the user's own, newest first: new,old", captions)
	}
}

// Any page can carry the marks of a fediverse profile: one on host X
// showing another server's account (/@user@Y, or naming user@Y) gives no
// creator, or it could write into mastodon:user@Y's record. X's own
// accounts are read as before.
func TestRemoteMastodonAccountIsNotReadFromAnotherHost(t *testing.T) {
	page := func(handle string) []byte {
		return []byte(`<html><head><link rel="alternate" type="application/activity+json" href="https://x.example/users/a">
			<meta property="og:title" content="Someone"><meta property="profile:username" content="` + handle + `">
			<meta property="og:description" content="99,999,999 Followers, 1 Following, 1 Posts"></head><body></body></html>`)
	}
	src, err := New(source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url, handle, want string
	}{
		{"http://127.0.0.1:8099/@Gargron@mastodon.social", "", ""},
		{"http://127.0.0.1:8099/@Gargron@mastodon.social/", "Gargron@mastodon.social", ""},
		// The path says a local account: the handle's other server is not
		// believed, the account is evil.example's own.
		{"https://evil.example/@gargron", "gargron@mastodon.social", "mastodon:gargron@evil.example"},
		{"https://social.example/@anna", "", "mastodon:anna@social.example"},
		{"https://social.example/@anna@social.example", "", "mastodon:anna@social.example"},
		{"https://social.example/@anna", "anna@social.example", "mastodon:anna@social.example"},
	}
	for _, c := range cases {
		u, _ := url.Parse(c.url)
		res, _ := src.Parse(&source.Page{URL: u, Status: 200, Body: page(c.handle), FetchedAt: fetchedAt})
		got := ""
		if len(res.Creators) == 1 {
			got = res.Creators[0].ID
		}
		if len(res.Creators) > 1 || got != c.want {
			t.Errorf("%s (handle %q): creators %+v, want %q", c.url, c.handle, res.Creators, c.want)
		}
	}
}

// A page's email field is kept only when it is an address: a hostile one
// (a spreadsheet formula, markup) is dropped with a note, not stored.
func TestEmailFieldMustBeAnAddress(t *testing.T) {
	src, err := New(source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://jo.example/")
	cases := map[string]string{
		"mailto:Jo@Example.com":              "jo@example.com",
		"=cmd|' /C calc'!A0@x.com":           "",
		"<img src=x onerror=alert(1)>@x.com": "",
		"not an address":                     "",
	}
	for email, want := range cases {
		ld, _ := json.Marshal(map[string]any{"@context": "https://schema.org", "@type": "Person", "name": "Jo", "url": "https://jo.example/", "email": email})
		body := `<html><head><script type="application/ld+json">` + string(ld) + `</script></head><body></body></html>`
		res, perr := src.Parse(&source.Page{URL: u, Status: 200, Body: []byte(body), FetchedAt: fetchedAt})
		if len(res.Creators) != 1 {
			t.Fatalf("%q: %d creators (%v)", email, len(res.Creators), perr)
		}
		if got := res.Creators[0].Email; !strings.EqualFold(got, want) {
			t.Errorf("email %q stored as %q, want %q", email, got, want)
		}
		if want == "" && (perr == nil || !strings.Contains(perr.Error(), "is not an address")) {
			t.Errorf("email %q dropped without a note: %v", email, perr)
		}
	}
}

// A personal page's id is its host and path: a path with an escaped line
// break, NUL or space keeps them escaped, so no id holds a control
// character and two paths never make one creator.
func TestWebIDsHoldNoControlCharacters(t *testing.T) {
	src, err := New(source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`<html><head><script type="application/ld+json">{"@type":"Person","name":"P"}</script>
		<meta property="og:type" content="profile"><meta property="og:title" content="P"></head><body></body></html>`)
	want := map[string]string{
		"https://p.example/p/x%0d%0aSet-Cookie:%20a=1": "web:p.example/p/x%0d%0aset-cookie:%20a=1",
		"https://p.example/p/a%0Ab":                    "web:p.example/p/a%0ab",
		"https://p.example/p/a%00b":                    "web:p.example/p/a%00b",
		"https://p.example/p/ab":                       "web:p.example/p/ab",
		"https://p.example/über-mich":                  "web:p.example/über-mich",
	}
	for raw, id := range want {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := src.Parse(&source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt})
		if len(res.Creators) != 1 || !strings.EqualFold(res.Creators[0].ID, id) {
			t.Errorf("%s: creators %+v, want id %q", raw, res.Creators, id)
			continue
		}
		if strings.IndexFunc(res.Creators[0].ID, func(r rune) bool { return r < ' ' }) >= 0 {
			t.Errorf("%s: id %q holds a control character", raw, res.Creators[0].ID)
		}
	}
}

// An og: count is a number standing on its own: the tail of "1e400", a
// signed "-5" or a figure that rounds to 0 stays unknown, with a note.
func TestOGCountsStandAlone(t *testing.T) {
	src, err := New(source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://www.instagram.com/ognums/")
	str := func(p *int64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	cases := map[string][3]string{ // description -> followers, following, posts
		"1,204 Followers, 1e400 Following, 0.0000001K Posts": {"1204", "nil", "nil"},
		"12.3K Followers, -5 Following, 845 Posts":           {"12300", "nil", "845"},
		"12.3K Followers, 512 Following, 845 Posts":          {"12300", "512", "845"},
	}
	for desc, want := range cases {
		body := `<html><head><meta property="og:type" content="profile"><meta property="og:title" content="O (@ognums)">
			<meta property="og:description" content="` + desc + ` - See Instagram photos and videos from O (@ognums)"></head><body></body></html>`
		res, perr := src.Parse(&source.Page{URL: u, Status: 200, Body: []byte(body), FetchedAt: fetchedAt})
		if len(res.Creators) != 1 {
			t.Fatalf("%q: %d creators (%v)", desc, len(res.Creators), perr)
		}
		c := res.Creators[0]
		if got := [3]string{str(c.Followers), str(c.Following), str(c.PostsCount)}; got != want {
			t.Errorf("%q: read %v, want %v (%v)", desc, got, want, perr)
		}
	}
}
