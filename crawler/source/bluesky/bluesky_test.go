package bluesky

import (
	"errors"
	"flag"
	"net/url"
	"os"
	"slices"
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
	s, err := source.New(Name, source.Options{BaseURL: "https://public.api.bsky.app"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseGolden(t *testing.T) {
	src := newSource(t)
	cases := []sourcetest.Case{
		{
			File: "get_profile.json",
			URL:  "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=maya-grows.bsky.social",
			Check: func(t *testing.T, r *source.Result, err error) {
				c := one(t, r)
				if c.ID != "bluesky:maya-grows.bsky.social" || c.PlatformID != "did:plc:m4y4gr33nth1mbz6kq2lrx7w" ||
					c.URL != "https://bsky.app/profile/maya-grows.bsky.social" || !c.Verified {
					t.Errorf("identity: %+v", c)
				}
				if c.Email != "hello@mayagrows.example" || c.Website != "https://mayagrows.example/links" {
					t.Errorf("email %q website %q", c.Email, c.Website)
				}
				if len(r.Next) != 1 || r.Next[0].Kind != source.KindPosts || r.Next[0].Meta[metaCreatorID] != c.ID ||
					r.Next[0].URL != "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=did%3Aplc%3Am4y4gr33nth1mbz6kq2lrx7w&filter=posts_no_replies&limit=30" {
					t.Errorf("next %+v", r.Next)
				}
			},
		},
		{
			File: "profile_opted_out.json",
			URL:  "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=quiet-gardener.bsky.social",
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Creators) != 0 || len(r.Next) != 0 || !slices.Equal(r.OptedOut, []string{"bluesky:quiet-gardener.bsky.social"}) {
					t.Errorf("an opted-out profile must yield nothing but OptedOut: %+v", r)
				}
			},
		},
		{
			File: "author_feed.json",
			URL:  "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=did%3Aplc%3Am4y4gr33nth1mbz6kq2lrx7w&filter=posts_no_replies&limit=30",
			Meta: map[string]string{metaCreatorID: "bluesky:maya-grows.bsky.social"},
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Posts) != 3 {
					t.Fatalf("want 3 posts (repost left out, pinned kept), got %d", len(r.Posts))
				}
				for _, p := range r.Posts {
					if p.CreatorID != "bluesky:maya-grows.bsky.social" {
						t.Errorf("post %s by %s", p.ID, p.CreatorID)
					}
				}
				if p := r.Posts[0]; !slices.Equal(p.Hashtags, []string{"ad", "seedstarting"}) {
					t.Errorf("record.tags: %q", p.Hashtags)
				}
				p := r.Posts[1]
				if !slices.Equal(p.Mentions, []string{"sam-seeds.bsky.social"}) || !slices.Equal(p.Hashtags, []string{"balconygarden", "tomatoes"}) {
					t.Errorf("facets after emoji need byte offsets: mentions %q hashtags %q", p.Mentions, p.Hashtags)
				}
				if p.URL != "https://bsky.app/profile/maya-grows.bsky.social/post/3l6qa2ztomato" || *p.Likes != 812 || *p.Shares != 67 || p.Views != nil {
					t.Errorf("url %q likes %v shares %v views %v", p.URL, p.Likes, p.Shares, p.Views)
				}
			},
		},
		{
			File: "search_posts.json",
			URL:  "https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?limit=25&q=%23balconygarden",
			Check: func(t *testing.T, r *source.Result, err error) {
				if !slices.Equal(r.OptedOut, []string{"bluesky:quiet-gardener.bsky.social"}) || len(r.Posts) != 3 {
					t.Errorf("opted out %q, %d posts", r.OptedOut, len(r.Posts))
				}
				var actors []string
				for _, n := range r.Next {
					actors = append(actors, n.Meta[metaHandle])
					if n.Meta[metaTag] != "balconygarden" {
						t.Errorf("request %s lost the tag", n.URL)
					}
				}
				if !slices.Equal(actors, []string{"jo.example.com", "did:plc:0th3rp0st3rq9w8e7r6t5y4u"}) {
					t.Errorf("profile requests for %q", actors)
				}
				if p := r.Posts[1]; !slices.Equal(p.Mentions, []string{"maya-grows.bsky.social"}) || !slices.Equal(p.Hashtags, []string{"balconygarden"}) {
					t.Errorf("CJK before the facets: mentions %q hashtags %q", p.Mentions, p.Hashtags)
				}
			},
		},
		{
			File: "get_profile.json",
			Check: func(t *testing.T, r *source.Result, err error) {
				if c := one(t, r); c.ID != "bluesky:maya-grows.bsky.social" || c.SourceURL != "" || len(r.Next) != 1 {
					t.Errorf("detected by content: %+v", r)
				}
			},
		},
		{
			File: "hostile_feed.json",
			URL:  "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=maya-grows.bsky.social",
			Check: func(t *testing.T, r *source.Result, err error) {
				var pe *source.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("want a *source.ParseError, got %v", err)
				}
				if len(r.Posts) != 2 {
					t.Fatalf("want 2 readable posts, got %d", len(r.Posts))
				}
				p := r.Posts[0]
				if p.Likes != nil || p.Comments != nil || p.Shares != nil {
					t.Errorf("unreadable counts must stay nil: likes %v comments %v shares %v", p.Likes, p.Comments, p.Shares)
				}
				if p.PublishedAt == nil || !p.PublishedAt.Equal(time.Date(2026, 10, 28, 10, 0, 0, 0, time.UTC)) {
					t.Errorf("a template createdAt falls back to indexedAt: %v", p.PublishedAt)
				}
				if !slices.Equal(p.Mentions, []string{"did:plc:s4mr00tsxk2v7yq3f5n6h8jd"}) {
					t.Errorf("a mention whose range misses the '@' falls back to its DID: %q", p.Mentions)
				}
				if !slices.Contains(r.OptedOut, "bluesky:hidden.bsky.social") {
					t.Errorf("labels of the wrong type naming the opt-out still count: %q", r.OptedOut)
				}
			},
		},
		{
			File:   "xrpc_error.json",
			URL:    "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=nobody.bsky.social",
			Status: 400,
			Check: func(t *testing.T, r *source.Result, err error) {
				if err == nil || !strings.Contains(err.Error(), "Profile not found") || len(r.Creators) != 0 {
					t.Errorf("err %v", err)
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
	s, err := New(source.Options{Hosts: []string{"127.0.0.1:8082"}})
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := os.ReadFile("testdata/get_profile.json")
	feed, _ := os.ReadFile("testdata/author_feed.json")
	search, _ := os.ReadFile("testdata/search_posts.json")
	cases := []struct {
		url  string
		body []byte
		want bool
	}{
		{"https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=a.b", nil, true},
		{"https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?q=x", nil, true},
		{"http://127.0.0.1:8082/anything", nil, true},
		{"https://bsky.app/profile/a.b", nil, false},
		{"https://kitchen.social/api/v1/accounts/lookup?acct=x", nil, false},
		{"", profile, true},
		{"", feed, true},
		{"", search, true},
		{"", []byte(`{"acct":"a","followers_count":1}`), false},
		{"", []byte(`{"posts":[{"uri":"https://x"}]}`), false},
		{"", []byte(`{"error":"InvalidRequest","message":"Profile not found"}`), true}, // an XRPC error
		{"", []byte(`{"error":"AuthMissing"}`), true},
		{"", []byte(`{"error":"Record not found"}`), false},                        // Mastodon's Error entity
		{"", []byte(`{"error":"InvalidRequest","message":"x","code":400}`), false}, // not the XRPC shape
		{"", []byte(`{"error":{"code":403,"message":"quota"}}`), false},
		{"", []byte(`{"kind":"youtube#videoListResponse"}`), false},
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
	const want = "http://127.0.0.1:9000/xrpc/app.bsky.actor.getProfile?actor="
	cases := [][2]string{
		{"maya-grows.bsky.social", want + "maya-grows.bsky.social"},
		{"@Maya-Grows.bsky.social", want + "maya-grows.bsky.social"},
		{"bluesky:maya-grows.bsky.social", want + "maya-grows.bsky.social"},
		{"did:plc:m4y4gr33nth1mbz6kq2lrx7w", want + "did%3Aplc%3Am4y4gr33nth1mbz6kq2lrx7w"},
		{"https://bsky.app/profile/jo.example.com", want + "jo.example.com"},
		{"https://bsky.app/profile/jo.example.com/post/3l6search1", want + "jo.example.com"},
		{"https://kitchen.social/@lena", ""},
		{"lena@kitchen.social", ""},
		{"@lena", ""},
		{"handle.invalid", ""},
	}
	sourcetest.ProfileRequests(t, s, cases)
}

func TestHashtagRequests(t *testing.T) {
	s, err := New(source.Options{BaseURL: "http://127.0.0.1:9000/", PostsPerCreator: 500})
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.(source.HashtagSource).HashtagRequests("#BalconyGarden")
	if len(reqs) != 1 || reqs[0].URL != "http://127.0.0.1:9000/xrpc/app.bsky.feed.searchPosts?limit=25&q=%23balconygarden" ||
		reqs[0].Meta[metaTag] != "balconygarden" || reqs[0].Kind != source.KindHashtag {
		t.Errorf("hashtag requests %+v", reqs)
	}
	if s.(*Source).limit != maxFeedLimit {
		t.Errorf("PostsPerCreator is not capped at %d: %d", maxFeedLimit, s.(*Source).limit)
	}
	if _, err := New(source.Options{BaseURL: "ftp://x"}); err == nil {
		t.Error("a non-http base URL must be refused")
	}
}

func TestSearchRequests(t *testing.T) {
	s, err := New(source.Options{BaseURL: "http://127.0.0.1:9000"})
	if err != nil {
		t.Fatal(err)
	}
	ss := s.(source.SearchSource)
	reqs := ss.SearchRequests(" @peakfuel.bsky.social ")
	if len(reqs) != 1 || reqs[0].URL != "http://127.0.0.1:9000/xrpc/app.bsky.feed.searchPosts?limit=25&q=%40peakfuel.bsky.social" ||
		reqs[0].Kind != source.KindSearch || reqs[0].Meta[metaTag] != "" {
		t.Errorf("search requests %+v", reqs)
	}
	for _, q := range []string{"", "  ", strings.Repeat("x", 201), "bad\xff"} {
		if got := ss.SearchRequests(q); got != nil {
			t.Errorf("SearchRequests(%q) = %+v, want nothing", q, got)
		}
	}
	// A search's authors are profile requests with no tag.
	body, _ := os.ReadFile("testdata/search_posts.json")
	res, _ := s.Parse(&source.Page{URL: mustURL(t, reqs[0].URL), Status: 200, Body: body, FetchedAt: fetchedAt})
	if len(res.Next) == 0 {
		t.Fatal("a search asks for no authors")
	}
	for _, n := range res.Next {
		if n.Kind != source.KindProfile || n.Meta[metaTag] != "" || n.Meta[source.MetaSnowball] != "" {
			t.Errorf("author request %+v", n)
		}
	}
}

// TestSnowballCarried checks that a snowballed profile's feed request keeps
// its hop, and that the feed's mentions are one hop further.
func TestSnowballCarried(t *testing.T) {
	src := newSource(t)
	body, _ := os.ReadFile("testdata/get_profile.json")
	hop1 := map[string]string{source.MetaSnowball: "1", source.MetaSnowballID: "bluesky:maya-grows.bsky.social"}
	res, _ := src.Parse(&source.Page{URL: mustURL(t, "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=x.y"), Status: 200, Body: body, Meta: hop1, FetchedAt: fetchedAt})
	if len(res.Next) != 1 || res.Next[0].Meta[source.MetaSnowball] != "1" || res.Next[0].Meta[source.MetaSnowballID] != "" {
		t.Fatalf("feed request %+v: want hop 1 carried without the snowball id", res.Next)
	}
	body, _ = os.ReadFile("testdata/author_feed.json")
	res, _ = src.Parse(&source.Page{URL: mustURL(t, res.Next[0].URL), Status: 200, Body: body, Meta: res.Next[0].Meta, FetchedAt: fetchedAt})
	if len(res.Next) == 0 {
		t.Fatal("the feed mentions accounts, but none was asked for")
	}
	for _, n := range res.Next {
		if n.Kind != source.KindProfile || n.Meta[source.MetaSnowball] != "2" || n.Meta[source.MetaSnowballID] != "bluesky:"+n.Meta[metaHandle] {
			t.Errorf("mention request %+v: want a hop-2 profile request", n)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func FuzzParse(f *testing.F) {
	sourcetest.AddFixtures(f, "testdata/*")
	urls := []string{
		"",
		"https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=a.b",
		"https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=a.b",
		"https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?q=%23x",
		"http://127.0.0.1:8082/xrpc/app.bsky.actor.getProfiles",
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

// BenchmarkParse measures Parse on a typical page (author_feed.json).
func BenchmarkParse(b *testing.B) {
	body, err := os.ReadFile("testdata/author_feed.json")
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse("https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=did%3Aplc%3Am4y4gr33nth1mbz6kq2lrx7w")
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
var want = sourcetest.Want{Platform: "bluesky", Authored: true,
	PostID: func(id string) bool { return strings.HasPrefix(id, "bluesky:at://") }, Handle: func(h string) bool { return validHandle(h) || validDID(h) }}
