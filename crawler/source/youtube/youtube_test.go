package youtube

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/sourcetest"
)

var update = flag.Bool("update", false, "rewrite the *.golden.json files from the current output")

// testKey is the API key of the test source; it must reach every request
// URL and no source_url.
const testKey = "TESTKEY123"

// fetchedAt is the fixed fetch time of every fixture page.
var fetchedAt = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// newSource is the source under test.
func newSource(t testing.TB) source.Source {
	t.Helper()
	s, err := source.New(Name, source.Options{APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseGolden(t *testing.T) {
	src := newSource(t)
	const api = "https://www.googleapis.com/youtube/v3/"
	rosa := map[string]string{metaCreatorID: "youtube:nonnarosacooks", metaChannelID: "UCn0nn4R0s4C00ks1talyQ7w", metaHandle: "nonnarosacooks"}
	cases := []sourcetest.Case{
		{
			File: "channels.json",
			URL:  api + "channels?part=snippet,statistics,contentDetails,brandingSettings&id=UCn0nn4R0s4C00ks1talyQ7w,UCqu1ckV3g9LdZx0PpRw2mHk&maxResults=50&key=" + testKey,
			Meta: map[string]string{metaTag: "homecooking"},
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Creators) != 2 {
					t.Fatalf("want 2 creators, got %d", len(r.Creators))
				}
				c := r.Creators[0]
				if c.ID != "youtube:nonnarosacooks" || c.URL != "https://www.youtube.com/@nonnarosacooks" || c.Followers == nil || *c.Followers != 86400 ||
					*c.PostsCount != 312 || c.Following != nil || c.Location == nil || c.Location.Country != "IT" || c.Email != "rosa.cooks@example.it" {
					t.Errorf("creator %+v", c)
				}
				if v := r.Creators[1]; v.ID != "youtube:quickveg" || v.Followers != nil {
					t.Errorf("hidden subscriber count must be unknown: %s followers %v", v.ID, v.Followers)
				}
				if len(r.Next) != 2 || !strings.Contains(r.Next[0].URL, "playlistId=UUn0nn4R0s4C00ks1talyQ7w") ||
					r.Next[0].Meta[metaCreatorID] != c.ID || r.Next[0].Meta[metaTag] != "homecooking" {
					t.Errorf("next %+v", r.Next)
				}
			},
		},
		{
			File: "playlist_items.json",
			URL:  api + "playlistItems?part=contentDetails&playlistId=UUn0nn4R0s4C00ks1talyQ7w&maxResults=20&key=" + testKey,
			Meta: rosa,
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Next) != 1 || !strings.Contains(r.Next[0].URL, "id=dQ3xRosa001%2CaB4yRosa002%2CcD5zRosa003%2CeF6wRosa004&") ||
					r.Next[0].Meta[metaCreatorID] != rosa[metaCreatorID] || r.Next[0].Meta[metaChannelID] != rosa[metaChannelID] {
					t.Errorf("want one videos request with the 4 distinct ids and the creator, got %+v", r.Next)
				}
			},
		},
		{
			File: "videos.json",
			URL:  api + "videos?part=snippet,statistics,paidProductPlacementDetails&id=dQ3xRosa001,aB4yRosa002,cD5zRosa003,eF6wRosa004&key=" + testKey,
			Meta: rosa,
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Posts) != 4 {
					t.Fatalf("want 4 posts, got %d", len(r.Posts))
				}
				p := r.Posts[0]
				if !p.PlatformPaid || !slices.Equal(p.Hashtags, []string{"ragu", "homecooking", "pasta", "bologna"}) ||
					!slices.Equal(p.Mentions, []string{"pentolaco"}) || p.CreatorID != "youtube:nonnarosacooks" {
					t.Errorf("paid %v hashtags %q mentions %q creator %q", p.PlatformPaid, p.Hashtags, p.Mentions, p.CreatorID)
				}
				if p.URL != "https://www.youtube.com/watch?v=dQ3xRosa001" || *p.Views != 412882 || *p.Likes != 18720 || *p.Comments != 944 || p.Shares != nil {
					t.Errorf("url %s counts %v %v %v %v", p.URL, p.Views, p.Likes, p.Comments, p.Shares)
				}
				if r.Posts[1].Comments != nil || r.Posts[2].Likes != nil {
					t.Error("an absent commentCount or likeCount must stay unknown")
				}
				if strings.Contains(p.SourceURL, "key=") {
					t.Errorf("the API key leaked into source_url: %s", p.SourceURL)
				}
			},
		},
		{
			// Parsed offline: nobody says whose videos these are.
			File: "videos.json",
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Posts) != 4 || r.Posts[0].CreatorID != "" {
					t.Errorf("without the request context the author is unknown: %+v", r.Posts[0].CreatorID)
				}
			},
		},
		{
			File: "search.json",
			URL:  api + "search?part=snippet&type=video&q=%23homecooking&maxResults=50&key=" + testKey,
			Check: func(t *testing.T, r *source.Result, err error) {
				if len(r.Next) != 1 || r.Next[0].Kind != source.KindProfile || r.Next[0].Meta[metaTag] != "homecooking" ||
					!strings.Contains(r.Next[0].URL, "id=UCn0nn4R0s4C00ks1talyQ7w%2CUCqu1ckV3g9LdZx0PpRw2mHk%2CUC0th3rCh4nn3lAbCdEfGh1j%2CUCpl4yl1stOwn3rXxXxXxXxX&") {
					t.Errorf("want one channels request with the 4 distinct channels, got %+v", r.Next)
				}
				if len(r.Posts) != 0 || len(r.Creators) != 0 {
					t.Error("a search page holds neither creators nor posts")
				}
			},
		},
		{
			File: "hostile_videos.json",
			URL:  api + "videos?part=snippet,statistics&id=hOsT1le0001&key=" + testKey,
			Meta: rosa,
			Check: func(t *testing.T, r *source.Result, err error) {
				var pe *source.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("want a *source.ParseError, got %v", err)
				}
				if len(r.Posts) != 4 {
					t.Fatalf("want 4 readable videos, got %d", len(r.Posts))
				}
				p := r.Posts[0]
				if p.Views != nil || p.Comments != nil || p.Likes == nil || *p.Likes != 12 || p.PublishedAt != nil || p.PlatformPaid {
					t.Errorf("counts %v %v %v published %v paid %v", p.Views, p.Likes, p.Comments, p.PublishedAt, p.PlatformPaid)
				}
				if !slices.Equal(p.Hashtags, []string{"realtag", "２番", "ok_tag"}) {
					t.Errorf("hashtags %q", p.Hashtags)
				}
				if r.Posts[2].CreatorID != "" {
					t.Errorf("a video of another channel must not be credited to the page's creator")
				}
				if last := r.Posts[3]; last.Views == nil || *last.Views != 4510 || last.Likes != nil {
					t.Errorf("truncated video: views %v likes %v", last.Views, last.Likes)
				}
			},
		},
		{
			File:   "quota_error.json",
			URL:    api + "search?part=snippet&q=%23x&key=" + testKey,
			Status: 403,
			Check: func(t *testing.T, r *source.Result, err error) {
				if err == nil || !strings.Contains(err.Error(), "quotaExceeded") || strings.Contains(err.Error(), testKey) {
					t.Errorf("err %v", err)
				}
			},
		},
	}
	sourcetest.RunCases(t, src, cases, want, fetchedAt, *update)
}

func TestDetect(t *testing.T) {
	s, err := New(source.Options{Hosts: []string{"127.0.0.1:8083"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := os.ReadFile("testdata/channels.json")
	vids, _ := os.ReadFile("testdata/videos.json")
	hostile, _ := os.ReadFile("testdata/hostile_videos.json")
	quota, _ := os.ReadFile("testdata/quota_error.json")
	cases := []struct {
		url  string
		body []byte
		want bool
	}{
		{"https://www.googleapis.com/youtube/v3/channels?part=snippet", nil, true},
		{"https://youtube.googleapis.com/youtube/v3/videos?id=a", nil, true},
		{"http://127.0.0.1:8083/anything", nil, true},
		{"https://www.youtube.com/@nonnarosacooks", nil, false},
		{"https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=a.b", nil, false},
		{"", ch, true},
		{"", vids, true},
		{"", []byte(`{"kind":"youtube#searchListResponse","items":[`), true},
		{"", hostile, true}, // no envelope kind; the items are youtube#video
		{"", quota, true},   // a Google error from the youtube.quota domain
		{"", []byte(`{"kind":"drive#fileList"}`), false},
		{"", []byte(`{"items":[{"kind":"drive#file"}]}`), false},
		{"", []byte(`{"error":{"code":403,"errors":[{"domain":"usageLimits","reason":"dailyLimitExceeded"}]}}`), false},
		{"", []byte(`{"did":"did:plc:x","handle":"a.b"}`), false},
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
	s, err := New(source.Options{BaseURL: "http://127.0.0.1:9000", APIKey: "K"})
	if err != nil {
		t.Fatal(err)
	}
	const base = "http://127.0.0.1:9000/youtube/v3/channels?"
	const parts = "key=K&part=snippet%2Cstatistics%2CcontentDetails%2CbrandingSettings"
	cases := [][2]string{
		{"@NonnaRosaCooks", base + "forHandle=%40nonnarosacooks&" + parts},
		{"youtube:nonna.rosa", base + "forHandle=%40nonna.rosa&" + parts},
		{"UCn0nn4R0s4C00ks1talyQ7w", base + "id=UCn0nn4R0s4C00ks1talyQ7w&" + parts},
		{"https://www.youtube.com/@nonnarosacooks/videos", base + "forHandle=%40nonnarosacooks&" + parts},
		{"https://m.youtube.com/channel/UCn0nn4R0s4C00ks1talyQ7w", base + "id=UCn0nn4R0s4C00ks1talyQ7w&" + parts},
		{"https://youtube.com/user/rosa", base + "forUsername=rosa&" + parts},
		{"@maya.bsky.social", ""},
		{"lena@kitchen.social", ""},
		{"https://kitchen.social/@lena", ""},
		{"https://www.youtube.com/watch?v=dQ3xRosa001", ""},
		{"@ab", ""},
	}
	sourcetest.ProfileRequests(t, s, cases)
}

func TestHashtagRequestsAndQuota(t *testing.T) {
	s, err := New(source.Options{BaseURL: "http://127.0.0.1:9000", APIKey: "K"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.(source.HashtagSource).HashtagRequests("#HomeCooking")
	want := "http://127.0.0.1:9000/youtube/v3/search?key=K&maxResults=50&part=snippet&q=%23homecooking&type=video"
	if len(reqs) != 1 || reqs[0].URL != want || reqs[0].Meta[metaQuotaUnits] != "100" || reqs[0].Meta[metaTag] != "homecooking" {
		t.Errorf("hashtag requests %+v", reqs)
	}
	for u, units := range map[string]int{
		reqs[0].URL: 100,
		"https://www.googleapis.com/youtube/v3/videos?id=a": 1,
		"https://www.googleapis.com/youtube/v3/channels":    1,
		"https://www.youtube.com/@x":                        0,
		"::":                                                0,
	} {
		if got := QuotaUnits(u); got != units {
			t.Errorf("QuotaUnits(%q) = %d, want %d", u, got, units)
		}
	}
}

// TestHostileVideosWithoutURL checks that a videos response whose
// envelope lost its kind is read by its items' kind when the URL is
// unknown, as `extract` hands it over.
func TestHostileVideosWithoutURL(t *testing.T) {
	body, err := os.ReadFile("testdata/hostile_videos.json")
	if err != nil {
		t.Fatal(err)
	}
	res, perr := newSource(t).Parse(&source.Page{Status: 200, Body: body, FetchedAt: fetchedAt})
	if errors.Is(perr, source.ErrNotThisFormat) || res == nil || len(res.Posts) != 4 {
		t.Fatalf("want the 4 readable videos read by their items' kind, got %v (err %v)", res, perr)
	}
	mixed := []byte(`{"items":[{"kind":"youtube#video","id":"a"},{"kind":"youtube#channel","id":"b"}]}`)
	if _, perr := newSource(t).Parse(&source.Page{Status: 200, Body: mixed}); !errors.Is(perr, source.ErrNotThisFormat) {
		t.Errorf("items of mixed kinds: err %v, want ErrNotThisFormat", perr)
	}
}

func TestSearchRequests(t *testing.T) {
	s, err := New(source.Options{BaseURL: "http://127.0.0.1:9000", APIKey: "K"})
	if err != nil {
		t.Fatal(err)
	}
	ss := s.(source.SearchSource)
	reqs := ss.SearchRequests(" @PeakFuel ")
	want := "http://127.0.0.1:9000/youtube/v3/search?key=K&maxResults=50&part=snippet&q=%40PeakFuel&type=video"
	if len(reqs) != 1 || reqs[0].URL != want || reqs[0].Kind != source.KindSearch || QuotaUnits(reqs[0].URL) != 100 || reqs[0].Meta[metaQuotaUnits] != "100" {
		t.Errorf("search requests %+v", reqs)
	}
	for _, q := range []string{"", "   ", strings.Repeat("x", 201), "bad\xff"} {
		if got := ss.SearchRequests(q); got != nil {
			t.Errorf("SearchRequests(%q) = %+v, want nothing", q, got)
		}
	}
}

// TestSnowballCarried checks that a snowballed channel's uploads and videos
// requests keep its hop, and that the channels its videos mention are one
// hop further.
func TestSnowballCarried(t *testing.T) {
	const api = "https://www.googleapis.com/youtube/v3/"
	src := newSource(t)
	hop1 := map[string]string{source.MetaSnowball: "1", source.MetaSnowballID: "youtube:nonnarosacooks"}
	for _, tc := range []struct{ file, endpoint string }{{"channels.json", "channels"}, {"playlist_items.json", "playlistItems"}} {
		body, _ := os.ReadFile("testdata/" + tc.file)
		u, _ := url.Parse(api + tc.endpoint + "?key=" + testKey)
		res, _ := src.Parse(&source.Page{URL: u, Status: 200, Body: body, Meta: hop1, FetchedAt: fetchedAt})
		if len(res.Next) == 0 {
			t.Fatalf("%s: no next requests", tc.file)
		}
		for _, n := range res.Next {
			if n.Meta[source.MetaSnowball] != "1" || n.Meta[source.MetaSnowballID] != "" {
				t.Errorf("%s: next %s meta %v: want hop 1 carried and no snowball id", tc.file, n.URL, n.Meta)
			}
		}
	}
	body, _ := os.ReadFile("testdata/videos.json")
	u, _ := url.Parse(api + "videos?key=" + testKey)
	meta := map[string]string{source.MetaSnowball: "1", metaHandle: "nonnarosacooks"}
	res, _ := src.Parse(&source.Page{URL: u, Status: 200, Body: body, Meta: meta, FetchedAt: fetchedAt})
	if len(res.Next) == 0 {
		t.Fatal("videos mention channels, but none was asked for")
	}
	for _, n := range res.Next {
		h := n.Meta[metaHandle]
		if n.Kind != source.KindProfile || n.Meta[source.MetaSnowball] != "2" || n.Meta[source.MetaSnowballID] != "youtube:"+h ||
			!strings.Contains(n.URL, "forHandle=%40"+url.QueryEscape(h)) || h == "nonnarosacooks" {
			t.Errorf("mention request %+v: want a hop-2 channels request by handle, not the channel itself", n)
		}
	}
}

// TestSearchBatches checks that a search naming more than 50 channels asks
// for them in batches of at most 50, each id once.
func TestSearchBatches(t *testing.T) {
	var items []string
	for i := range 120 {
		ch := fmt.Sprintf("UC%022d", i%110) // 110 distinct channels, 10 repeated
		items = append(items, fmt.Sprintf(`{"kind":"youtube#searchResult","id":{"kind":"youtube#video","videoId":"v%d"},"snippet":{"channelId":%q}}`, i, ch))
	}
	body := []byte(`{"kind":"youtube#searchListResponse","items":[` + strings.Join(items, ",") + `]}`)
	u, _ := url.Parse("https://www.googleapis.com/youtube/v3/search?q=%23x&key=" + testKey)
	res, err := newSource(t).Parse(&source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var sizes []int
	for _, n := range res.Next {
		nu, _ := url.Parse(n.URL)
		ids := strings.Split(nu.Query().Get("id"), ",")
		sizes = append(sizes, len(ids))
		for _, id := range ids {
			if seen[id] {
				t.Errorf("channel %s asked for twice", id)
			}
			seen[id] = true
		}
	}
	if !slices.Equal(sizes, []int{50, 50, 10}) || len(seen) != 110 {
		t.Errorf("batch sizes %v, %d distinct", sizes, len(seen))
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.AddFixtures(f, "testdata/*")
	urls := []string{
		"",
		"https://www.googleapis.com/youtube/v3/channels?id=UCx&key=" + testKey,
		"https://www.googleapis.com/youtube/v3/playlistItems?playlistId=UUx&key=" + testKey,
		"https://www.googleapis.com/youtube/v3/videos?id=a&key=" + testKey,
		"http://127.0.0.1:8083/youtube/v3/search?q=%23x&key=" + testKey,
	}
	src := newSource(f)
	meta := map[string]string{metaCreatorID: "youtube:x", metaChannelID: "UCx"}
	snowballed := map[string]string{metaCreatorID: "youtube:x", metaChannelID: "UCx", metaHandle: "x", source.MetaSnowball: "1"}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		page := &source.Page{Status: 200, Body: body, FetchedAt: fetchedAt, Meta: meta}
		if which >= 128 {
			page.Meta = snowballed
		}
		page.URL = sourcetest.URLFor(urls, which)
		res, err := src.Parse(page)
		sourcetest.Check(t, page, res, err, want)
		src.Detect(page.URL, body)
	})
}

// BenchmarkParse measures Parse on a typical page (videos.json).
func BenchmarkParse(b *testing.B) {
	body, err := os.ReadFile("testdata/videos.json")
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse("https://www.googleapis.com/youtube/v3/videos?id=a&key=" + testKey)
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
var want = sourcetest.Want{Platform: "youtube", Secret: testKey}
