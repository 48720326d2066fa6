package mastodon

import (
	"errors"
	"flag"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/sourcetest"
	"github.com/creatorscout/creatorscout/creator"
)

var update = flag.Bool("update", false, "rewrite the *.golden.json files from the current output")

// fetchedAt is the fixed fetch time of every fixture page.
var fetchedAt = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// newSource is the source under test.
func newSource(t testing.TB) source.Source {
	t.Helper()
	s, err := source.New(Name, source.Options{BaseURL: "https://kitchen.social"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseGolden(t *testing.T) {
	src := newSource(t)
	cases := []sourcetest.Case{
		{
			File: "account_lookup.json",
			URL:  "https://kitchen.social/api/v1/accounts/lookup?acct=lena_bakes",
			Check: func(t *testing.T, r *source.Result, err error) {
				c := one(t, r)
				if c.ID != "mastodon:lena_bakes@kitchen.social" || c.Handle != "lena_bakes@kitchen.social" {
					t.Errorf("local acct not qualified with the page host: id %q handle %q", c.ID, c.Handle)
				}
				if strings.Contains(c.Bio, "<") || !strings.Contains(c.Bio, "Home baker & sourdough") || !strings.Contains(c.Bio, "\n") {
					t.Errorf("bio not plain text with line breaks: %q", c.Bio)
				}
				if c.Website != "https://brotzeit.example.org/" || c.Email != "lena.brotzeit@example.org" {
					t.Errorf("website %q email %q", c.Website, c.Email)
				}
				if len(r.Next) != 1 || !strings.Contains(r.Next[0].URL, "/api/v1/accounts/109384210553118422/statuses?") ||
					r.Next[0].Meta[metaCreatorID] != c.ID {
					t.Errorf("want one statuses request carrying the creator id, got %+v", r.Next)
				}
			},
		},
		{
			File: "account_statuses.json",
			URL:  "https://kitchen.social/api/v1/accounts/109384210553118422/statuses?limit=40&exclude_reblogs=true",
			Meta: map[string]string{metaCreatorID: "mastodon:lena_bakes@kitchen.social"},
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Posts) != 3 {
					t.Fatalf("want 3 posts (the boost dropped), got %d", len(r.Posts))
				}
				p := r.Posts[0]
				if !slices.Equal(p.Mentions, []string{"muehle_nord@kitchen.social", "tomas@pixel.garden"}) {
					t.Errorf("mentions %q", p.Mentions)
				}
				if !slices.Equal(p.Hashtags, []string{"sourdough", "ryebread", "gifted"}) {
					t.Errorf("hashtags %q", p.Hashtags)
				}
				if p.Views != nil || *p.Likes != 318 || *p.Comments != 14 || *p.Shares != 22 {
					t.Errorf("counts: likes %v comments %v shares %v views %v", p.Likes, p.Comments, p.Shares, p.Views)
				}
				if !strings.HasPrefix(r.Posts[1].Caption, "Ad: paid partnership\n\n") ||
					!strings.Contains(r.Posts[1].Caption, "https://ofen.example.com/?ref=lena") {
					t.Errorf("content warning or full link missing: %q", r.Posts[1].Caption)
				}
				if len(r.Creators) != 0 {
					t.Errorf("a statuses page names no creator: %+v", r.Creators)
				}
				// The accounts the posts @mention are snowball requests on
				// their home instances, one hop from the author.
				var next []string
				for _, n := range r.Next {
					if n.Kind != source.KindProfile || n.Meta[source.MetaSnowball] != "1" || n.Meta[source.MetaSnowballID] != "mastodon:"+n.Meta[metaHandle] {
						t.Errorf("mention request %+v is not a hop-1 snowball profile request", n)
					}
					next = append(next, n.URL)
				}
				wantNext := []string{
					"https://kitchen.social/api/v1/accounts/lookup?acct=muehle_nord",
					"https://pixel.garden/api/v1/accounts/lookup?acct=tomas",
				}
				if !slices.Equal(next, wantNext) {
					t.Errorf("mention requests %q, want %q", next, wantNext)
				}
			},
		},
		{
			File: "tag_timeline.json",
			URL:  "https://kitchen.social/api/v1/timelines/tag/sourdough?limit=40",
			Check: func(t *testing.T, r *source.Result, err error) {
				wantOut := []string{
					"mastodon:quietbaker@bread.zone", "mastodon:old@legacy.example", "mastodon:nobody@kitchen.social",
					"mastodon:crumbwatch@pixel.garden", "mastodon:shy@crumb.town",
				}
				if !slices.Equal(r.OptedOut, wantOut) {
					t.Errorf("opted out %q, want %q", r.OptedOut, wantOut)
				}
				var urls []string
				for _, n := range r.Next {
					urls = append(urls, n.URL)
				}
				wantNext := []string{
					"https://kitchen.social/api/v1/accounts/lookup?acct=brot_jonas",
					"https://crumb.town/api/v1/accounts/lookup?acct=ana",
				}
				if !slices.Equal(urls, wantNext) {
					t.Errorf("next %q, want %q", urls, wantNext)
				}
				if len(r.Posts) != 3 {
					t.Errorf("want 3 posts from the two indexable authors, got %d", len(r.Posts))
				}
			},
		},
		{
			File: "directory.json",
			URL:  "https://kitchen.social/api/v1/directory?local=true&order=active&limit=80",
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Creators) != 2 || len(r.Next) != 2 || !slices.Equal(r.OptedOut, []string{"mastodon:private_pat@kitchen.social"}) {
					t.Errorf("creators %d next %d opted out %q", len(r.Creators), len(r.Next), r.OptedOut)
				}
				if c := r.Creators[0]; c.Email != "garten@example.de" || c.Location == nil || c.Location.Raw != "Bremen" {
					t.Errorf("email %q location %+v", c.Email, c.Location)
				}
			},
		},
		{
			// Without a page URL the host of a local acct comes from the
			// account's own url.
			File: "account_lookup.json",
			Check: func(t *testing.T, r *source.Result, err error) {
				if c := one(t, r); c.ID != "mastodon:lena_bakes@kitchen.social" || c.SourceURL != "" {
					t.Errorf("id %q source %q", c.ID, c.SourceURL)
				}
			},
		},
		{
			// Without a page URL, statuses by several authors are read as a
			// timeline: their authors are asked for, not their mentions.
			File: "tag_timeline.json",
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Next) == 0 {
					t.Fatal("no author requests")
				}
				for _, n := range r.Next {
					if n.Meta[source.MetaSnowball] != "" || !strings.HasPrefix(n.URL, "https://") {
						t.Errorf("request %+v: want an author lookup over https", n)
					}
				}
			},
		},
		{
			File: "hostile_statuses.json",
			URL:  "https://kitchen.social/api/v1/accounts/109000000000000001/statuses",
			Check: func(t *testing.T, r *source.Result, err error) {
				var pe *source.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("want a *source.ParseError, got %v", err)
				}
				if len(r.Posts) != 2 {
					t.Fatalf("want the 2 readable public posts, got %d", len(r.Posts))
				}
				p := r.Posts[0]
				if p.Likes != nil || p.Comments != nil || p.Shares != nil || p.PublishedAt != nil {
					t.Errorf("unreadable numbers must stay nil: %+v", p)
				}
				if strings.Contains(p.Caption, "alert") || strings.Contains(p.Caption, "color:red") ||
					!strings.Contains(p.Caption, "<b>not a tag</b>") {
					t.Errorf("caption %q", p.Caption)
				}
				if !slices.Equal(p.Hashtags, []string{"bread", "real_tag"}) {
					t.Errorf("hashtags %q", p.Hashtags)
				}
				if q := r.Posts[1]; q.Likes == nil || *q.Likes != 12 || q.Comments == nil || *q.Comments != 7 {
					t.Errorf("integral float and digit string are counts: %+v", q)
				}
				if !slices.Equal(r.OptedOut, []string{"mastodon:maybe@kitchen.social"}) {
					t.Errorf("a wrongly typed indexable must count as opted out: %q", r.OptedOut)
				}
			},
		},
		{
			File:   "api_error.json",
			URL:    "https://kitchen.social/api/v1/accounts/lookup?acct=nobody_here",
			Status: 404,
			Check: func(t *testing.T, r *source.Result, err error) {
				if err == nil || !strings.Contains(err.Error(), "Record not found") || len(r.Creators) != 0 {
					t.Errorf("err %v creators %d", err, len(r.Creators))
				}
			},
		},
		{
			// An OAuth error keeps its description.
			File:   "api_error_oauth.json",
			URL:    "https://kitchen.social/api/v1/timelines/tag/sourdough?limit=40",
			Status: 401,
			Check: func(t *testing.T, r *source.Result, err error) {
				if err == nil || !strings.Contains(err.Error(), "invalid_token: The access token is invalid") {
					t.Errorf("err %v", err)
				}
			},
		},
		{
			File: "not_json.html",
			URL:  "https://kitchen.social/@lena_bakes",
			Check: func(t *testing.T, r *source.Result, err error) {
				if !errors.Is(err, source.ErrNotThisFormat) {
					t.Errorf("want ErrNotThisFormat, got %v", err)
				}
			},
		},
	}
	sourcetest.RunCases(t, src, cases, want, fetchedAt, *update)
}

func one(t *testing.T, r *source.Result) (c creator.Creator) {
	t.Helper()
	if len(r.Creators) != 1 {
		t.Fatalf("want 1 creator, got %d", len(r.Creators))
	}
	return r.Creators[0]
}

func TestDetect(t *testing.T) {
	s, err := New(source.Options{Hosts: []string{"127.0.0.1:8081"}})
	if err != nil {
		t.Fatal(err)
	}
	lookup, _ := os.ReadFile("testdata/account_lookup.json")
	statuses, _ := os.ReadFile("testdata/tag_timeline.json")
	dir, _ := os.ReadFile("testdata/directory.json")
	cases := []struct {
		url  string
		body []byte
		want bool
	}{
		{"https://kitchen.social/api/v1/accounts/lookup?acct=x", nil, true},
		{"https://kitchen.social/api/v1/accounts/123/statuses", nil, true},
		{"https://kitchen.social/api/v1/timelines/tag/bread", nil, true},
		{"https://kitchen.social/api/v1/directory", nil, true},
		{"http://127.0.0.1:8081/anything", nil, true},
		{"https://kitchen.social/@lena", nil, false},
		{"https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=a.b", nil, false},
		{"", lookup, true},
		{"", statuses, true},
		{"", dir, true},
		{"", []byte(`{"did":"did:plc:x","handle":"a.bsky.social"}`), false},
		{"", []byte(`{"kind":"youtube#channelListResponse"}`), false},
		{"", []byte(`{"error":"Record not found"}`), true}, // the Error entity
		{"", []byte(`{"error":"invalid_token","error_description":"The access token is invalid"}`), true},
		{"", []byte(`{"error":"InvalidRequest","message":"Profile not found"}`), false}, // an XRPC error
		{"", []byte(`{"error":{"code":403}}`), false},
		{"", []byte(`{"error":""}`), false},
		{"", []byte(`<html></html>`), false},
		{"", nil, false},
	}
	for _, tc := range cases {
		var u *url.URL
		if tc.url != "" {
			u, _ = url.Parse(tc.url)
		}
		if got := s.Detect(u, tc.body); got != tc.want {
			t.Errorf("Detect(%q, %.30q) = %v, want %v", tc.url, tc.body, got, tc.want)
		}
	}
}

func TestProfileRequests(t *testing.T) {
	s, err := New(source.Options{BaseURL: "http://127.0.0.1:9000"})
	if err != nil {
		t.Fatal(err)
	}
	cases := [][2]string{
		{"lena@kitchen.social", "https://kitchen.social/api/v1/accounts/lookup?acct=lena"},
		{"@Lena@Kitchen.Social", "https://kitchen.social/api/v1/accounts/lookup?acct=lena"},
		{"mastodon:lena@kitchen.social", "https://kitchen.social/api/v1/accounts/lookup?acct=lena"},
		{"https://kitchen.social/@lena", "https://kitchen.social/api/v1/accounts/lookup?acct=lena"},
		{"https://kitchen.social/@tomas@pixel.garden", "https://pixel.garden/api/v1/accounts/lookup?acct=tomas"},
		{"https://kitchen.social/users/lena", "https://kitchen.social/api/v1/accounts/lookup?acct=lena"},
		{"lena@127.0.0.1:9000", "http://127.0.0.1:9000/api/v1/accounts/lookup?acct=lena"},
		{"http://127.0.0.1:9001/@lena", "http://127.0.0.1:9001/api/v1/accounts/lookup?acct=lena"},
		{"https://www.youtube.com/@lena", ""},
		{"https://medium.com/@lena", ""},
		{"lena.bsky.social", ""},
		{"@lena", ""},
		{"{{acct}}@kitchen.social", ""},
		{"https://kitchen.social/about", ""},
	}
	sourcetest.ProfileRequests(t, s, cases)
}

func TestHashtagAndDirectoryRequests(t *testing.T) {
	s, err := New(source.Options{BaseURL: "http://127.0.0.1:9000/"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.(source.HashtagSource).HashtagRequests("#Sourdough")
	if len(reqs) != 1 || reqs[0].URL != "http://127.0.0.1:9000/api/v1/timelines/tag/sourdough?limit=40" ||
		reqs[0].Kind != source.KindHashtag || reqs[0].Meta[metaTag] != "sourdough" {
		t.Errorf("hashtag requests %+v", reqs)
	}
	if got := s.(source.HashtagSource).HashtagRequests(" # "); got != nil {
		t.Errorf("empty tag gave %+v", got)
	}
	dir := s.(*Source).DirectoryRequests()
	if len(dir) != 1 || dir[0].URL != "http://127.0.0.1:9000/api/v1/directory?local=true&order=active&limit=80" {
		t.Errorf("directory requests %+v", dir)
	}
	if _, err := New(source.Options{BaseURL: "kitchen.social"}); err == nil {
		t.Error("a base URL without a scheme must be refused")
	}
}

// TestSnowballCarried checks that a snowballed account's statuses request
// keeps its hop, and that the accounts its statuses mention are one hop
// further.
func TestSnowballCarried(t *testing.T) {
	src := newSource(t)
	body, _ := os.ReadFile("testdata/account_lookup.json")
	u, _ := url.Parse("https://kitchen.social/api/v1/accounts/lookup?acct=lena_bakes")
	hop2 := map[string]string{source.MetaSnowball: "2", source.MetaSnowballID: "mastodon:lena_bakes@kitchen.social"}
	res, _ := src.Parse(&source.Page{URL: u, Status: 200, Body: body, Meta: hop2, FetchedAt: fetchedAt})
	if len(res.Next) != 1 || res.Next[0].Meta[source.MetaSnowball] != "2" || res.Next[0].Meta[source.MetaSnowballID] != "" {
		t.Fatalf("statuses request %+v: want hop 2 carried without the snowball id", res.Next)
	}
	body, _ = os.ReadFile("testdata/account_statuses.json")
	u, _ = url.Parse(res.Next[0].URL)
	res, _ = src.Parse(&source.Page{URL: u, Status: 200, Body: body, Meta: res.Next[0].Meta, FetchedAt: fetchedAt})
	if len(res.Next) == 0 {
		t.Fatal("the statuses mention accounts, but none was asked for")
	}
	for _, n := range res.Next {
		if n.Meta[source.MetaSnowball] != "3" {
			t.Errorf("mention request %+v: want hop 3", n)
		}
	}
	// A tag timeline's mentions are not followed: its authors are.
	body, _ = os.ReadFile("testdata/tag_timeline.json")
	u, _ = url.Parse("https://kitchen.social/api/v1/timelines/tag/sourdough?limit=40")
	res, _ = src.Parse(&source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt})
	for _, n := range res.Next {
		if n.Meta[source.MetaSnowball] != "" {
			t.Errorf("timeline request %+v is marked snowball", n)
		}
	}
}

func TestHTMLText(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"<p>a<br>b</p><p>c</p>", "a\nb\n\nc"},
		{"<p>x &amp; y &lt;3</p>", "x & y <3"},
		{"<p>  lots   of\n space </p>", "lots of space"},
		{"<p>a</p><script>bad()</script><p>b</p>", "a\n\nb"},
		{"plain", "plain"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := htmlText(tc.in); got != tc.want {
			t.Errorf("htmlText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.AddFixtures(f, "testdata/*")
	urls := []string{
		"",
		"https://kitchen.social/api/v1/accounts/lookup?acct=x",
		"https://kitchen.social/api/v1/accounts/1/statuses",
		"https://kitchen.social/api/v1/timelines/tag/bread",
		"http://127.0.0.1:8081/api/v1/directory",
	}
	src := newSource(f)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		page := &source.Page{Status: 200, Body: body, FetchedAt: fetchedAt}
		if which >= 128 { // a snowballed creator's page
			page.Meta = map[string]string{source.MetaSnowball: "2"}
		}
		page.URL = sourcetest.URLFor(urls, which)
		res, err := src.Parse(page)
		sourcetest.Check(t, page, res, err, want)
		src.Detect(page.URL, body)
	})
}

// BenchmarkParse measures Parse on a typical page (tag_timeline.json).
func BenchmarkParse(b *testing.B) {
	body, err := os.ReadFile("testdata/tag_timeline.json")
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse("https://kitchen.social/api/v1/timelines/tag/sourdough?limit=40")
	src := newSource(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Parse(&source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt}); err != nil {
			b.Fatal(err)
		}
	}
}

// want is what this source promises of every Parse result.
var want = sourcetest.Want{Platform: "mastodon", Authored: true, Handle: func(h string) bool { return strings.Contains(h, "@") }}

// TestHiddenCounts: servers that let an account hide a count send a
// number that is not it (-1 from Mastodon forks, 0 beside Pleroma's and
// Akkoma's hide flags); the creator's count is then unknown, and a page
// that says so is not damaged.
func TestHiddenCounts(t *testing.T) {
	src := newSource(t)
	account := func(followers, following string, pleroma string) []byte {
		return []byte(`{"id":"1","username":"lain","acct":"lain","display_name":"lain","url":"https://akko.example/users/lain",
			"note":"Potter.","indexable":true,"discoverable":true,"followers_count":` + followers + `,"following_count":` + following +
			`,"statuses_count":12` + pleroma + `}`)
	}
	cases := []struct {
		name                 string
		body                 []byte
		followers, following string // "nil" for unknown
	}{
		{"akkoma, both hidden", account("0", "0", `,"pleroma":{"hide_followers_count":true,"hide_followers":true,"hide_follows_count":true,"hide_follows":true}`), "nil", "nil"},
		{"pleroma, followers hidden", account("0", "7", `,"pleroma":{"hide_followers_count":true,"hide_follows_count":false}`), "nil", "7"},
		{"pleroma, flags off", account("0", "0", `,"pleroma":{"hide_followers_count":false,"hide_followers":false}`), "0", "0"},
		{"pleroma, a shown count beside a flag", account("41", "0", `,"pleroma":{"hide_followers_count":true}`), "41", "0"},
		{"mastodon fork, -1", account("-1", "3", ``), "nil", "3"},
		{"mastodon, zero", account("0", "0", ``), "0", "0"},
	}
	u, _ := url.Parse("https://akko.example/api/v1/accounts/lookup?acct=lain")
	str := func(p *int64) string {
		if p == nil {
			return "nil"
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, tc := range cases {
		res, err := src.Parse(&source.Page{URL: u, Status: 200, Body: tc.body, FetchedAt: fetchedAt})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if len(res.Creators) != 1 {
			t.Fatalf("%s: %d creators", tc.name, len(res.Creators))
		}
		c := res.Creators[0]
		if str(c.Followers) != tc.followers || str(c.Following) != tc.following {
			t.Errorf("%s: followers %s following %s, want %s and %s", tc.name, str(c.Followers), str(c.Following), tc.followers, tc.following)
		}
	}
}
