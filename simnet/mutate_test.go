package simnet_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/creatorscout/creatorscout/simnet"
)

func TestAdvanceDay(t *testing.T) {
	n, _ := start(t, simnet.Options{Seed: 31, Creators: 500})
	before := map[string]simnet.Creator{}
	for _, c := range n.Creators() {
		before[c.PlatformID] = c
	}
	web := pick(t, n.Creators(), onPlatform(simnet.Web))
	first := get(t, web.URL)
	day0 := n.Today()
	n.AdvanceDay()
	if !n.Today().Equal(day0.AddDate(0, 0, 1)) {
		t.Fatalf("today %v after AdvanceDay from %v", n.Today(), day0)
	}
	gained, lost, newPosts, creators := 0, 0, 0, 0
	for _, c := range n.Creators() {
		b := before[c.PlatformID]
		if c.Brand != "" || c.Followers == nil {
			continue
		}
		creators++
		switch {
		case *c.Followers > *b.Followers:
			gained++
		case *c.Followers < *b.Followers:
			lost++
		}
		for _, p := range c.Posts {
			if !p.PublishedAt.Before(day0) {
				newPosts++
				if p.PublishedAt.After(n.Today()) {
					t.Errorf("%s: post %s dated %v, after today %v", c.ID, p.ID, p.PublishedAt, n.Today())
				}
			}
		}
		if len(c.Posts) < 10 || len(c.Posts) > 20 {
			t.Errorf("%s: %d posts after a day", c.ID, len(c.Posts))
		}
	}
	t.Logf("of %d creators: %d gained followers, %d lost; %d new posts", creators, gained, lost, newPosts)
	if gained < creators/2 || lost == 0 || newPosts < creators/4 {
		t.Errorf("a day changed too little: %d gained, %d lost, %d new posts among %d creators", gained, lost, newPosts, creators)
	}
	after := get(t, web.URL, "If-None-Match", first.header.Get("ETag"))
	if after.status != 200 {
		t.Fatalf("old ETag after a day: status %d, want 200 with the new page", after.status)
	}
	now, _ := n.Creator(web.ID)
	var served int64 = -1
	for _, nd := range ldNodes(t, after.body) {
		if isType(nd, "Person") {
			served, _ = counterValue(nd, "interactionStatistic", "FollowAction")
		}
	}
	if served != *now.Followers || *now.Followers == *web.Followers {
		t.Errorf("page serves %d followers; truth went from %d to %d", served, *web.Followers, *now.Followers)
	}
	if lm, _ := http.ParseTime(after.header.Get("Last-Modified")); !lm.After(day0) {
		t.Errorf("Last-Modified %v not after the day before", lm)
	}

	// The same seed advanced the same number of days is the same network.
	a := simnet.New(simnet.Options{Seed: 31, Creators: 300})
	b := simnet.New(simnet.Options{Seed: 31, Creators: 300})
	for i := 0; i < 3; i++ {
		a.AdvanceDay()
		b.AdvanceDay()
	}
	if !reflect.DeepEqual(a.Creators(), b.Creators()) {
		t.Error("three days on, two networks of the same seed differ")
	}
}

func TestSetGone(t *testing.T) {
	n, _ := start(t, simnet.Options{Seed: 32, Creators: 600})
	cs := n.Creators()
	for _, p := range simnet.Platforms {
		c := pick(t, cs, onPlatform(p))
		if err := n.SetGone(c.ID); err != nil {
			t.Fatal(err)
		}
		now, ok := n.Creator(c.ID)
		if !ok || !now.Gone {
			t.Errorf("%s: truth gone %v", c.ID, now.Gone)
		}
		r := get(t, withKey(c, c.FetchURL))
		var ok2 bool
		switch p {
		case simnet.Mastodon:
			ok2 = r.status == 404 && string(r.body) == `{"error":"Record not found"}` && get(t, c.URL).status == http.StatusGone
		case simnet.Bluesky:
			ok2 = r.status == 400 && strings.Contains(string(r.body), "Profile not found")
		case simnet.YouTube:
			ok2 = r.status == 200 && strings.Contains(string(r.body), `"totalResults": 0`)
		case simnet.Instagram:
			ok2 = r.status == 400 && strings.Contains(string(r.body), `"code":110`)
		case simnet.TikTok, simnet.Web:
			ok2 = r.status == http.StatusGone
		}
		if !ok2 {
			t.Errorf("%s gone: %d %.200s", c.ID, r.status, r.body)
		}
	}
	// A gone creator leaves the tag feeds.
	var gone simnet.Creator
	var tl string
	for _, c := range n.Creators() {
		if c.Platform != simnet.Mastodon || c.Gone || c.Brand != "" {
			continue
		}
		u := "http://" + c.Host + "/api/v1/timelines/tag/" + c.Posts[0].Hashtags[0] + "?limit=40"
		if strings.Contains(string(get(t, u).body), `"id":"`+c.Posts[0].NativeID+`"`) {
			gone, tl = c, u
			break
		}
	}
	if gone.ID == "" {
		t.Fatal("no Mastodon creator's newest post is on its tag's first page")
	}
	if err := n.SetGone(gone.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(get(t, tl).body), `"id":"`+gone.Posts[0].NativeID+`"`) {
		t.Errorf("%s still shows a post of gone %s", tl, gone.ID)
	}
}

func TestHostDownAndRefusing(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 33, Creators: 200})
	c := pick(t, n.Creators(), onPlatform(simnet.Web))
	if err := n.SetHostDown(c.Host, true); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{c.URL, "http://" + c.Host + "/robots.txt"} {
		r := get(t, u)
		if r.status != 503 || r.header.Get("Retry-After") == "" {
			t.Errorf("%s on a down host: %d, Retry-After %q", u, r.status, r.header.Get("Retry-After"))
		}
	}
	other := pick(t, n.Creators(), onPlatform(simnet.TikTok))
	if r := get(t, other.URL); r.status != 200 {
		t.Errorf("another host answers %d while one is down", r.status)
	}
	if err := n.SetHostDown(c.Host, false); err != nil {
		t.Fatal(err)
	}
	if r := get(t, c.URL); r.status != 200 {
		t.Errorf("host back up: %d", r.status)
	}

	name := ""
	for _, h := range s.Hosts() {
		if h.Addr == c.Host {
			name = h.Name
		}
	}
	if err := n.SetHostRefusing(name, true); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(c.URL); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refusing host: %v, want connection refused", err)
	}
	if err := n.SetHostRefusing(name, false); err != nil {
		t.Fatal(err)
	}
	if r := get(t, c.URL); r.status != 200 {
		t.Errorf("host accepting again: %d", r.status)
	}
	if err := n.SetHostDown("nowhere:1", true); !errors.Is(err, simnet.ErrUnknownHost) {
		t.Errorf("unknown host: %v", err)
	}
}

func TestOptOut(t *testing.T) {
	n, _ := start(t, simnet.Options{Seed: 34, Creators: 600})
	cs := n.Creators()
	optIn := func(p string) func(simnet.Creator) bool {
		return func(c simnet.Creator) bool { return c.Platform == p && !c.OptedOut }
	}
	m := pick(t, cs, optIn(simnet.Mastodon))
	b := pick(t, cs, optIn(simnet.Bluesky))
	w := pick(t, cs, optIn(simnet.Web))
	for _, c := range []simnet.Creator{m, b, w} {
		if err := n.OptOut(c.ID); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		if now, _ := n.Creator(c.ID); !now.OptedOut {
			t.Errorf("%s: truth not opted out", c.ID)
		}
	}
	if r := get(t, m.FetchURL); !strings.Contains(string(r.body), `"discoverable":false`) {
		t.Errorf("Mastodon opt-out not served: %.300s", r.body)
	}
	if r := get(t, b.FetchURL); !strings.Contains(string(r.body), `"val":"!no-unauthenticated"`) {
		t.Errorf("Bluesky opt-out not served: %.300s", r.body)
	}
	if r := get(t, w.URL); !strings.Contains(string(r.body), `<meta name="robots" content="noindex`) {
		t.Error("web opt-out not served")
	}
	yt := pick(t, cs, onPlatform(simnet.YouTube))
	if err := n.OptOut(yt.ID); !errors.Is(err, simnet.ErrNoOptOut) {
		t.Errorf("YouTube opt-out: %v, want ErrNoOptOut", err)
	}
	if err := n.OptOut("mastodon:nobody@nowhere"); !errors.Is(err, simnet.ErrUnknownCreator) {
		t.Errorf("unknown creator: %v", err)
	}
}

func TestRename(t *testing.T) {
	n, _ := start(t, simnet.Options{Seed: 35, Creators: 600})
	cs := n.Creators()
	cases := []struct {
		platform, newHandle, wantID string
	}{
		{simnet.Mastodon, "renamed_one", ""},
		{simnet.Bluesky, "renamed.bsky.social", "bluesky:renamed.bsky.social"},
		{simnet.YouTube, "renamed.channel", "youtube:renamed.channel"},
		{simnet.Instagram, "renamed.gram", "instagram:renamed.gram"},
		{simnet.TikTok, "renamed.tok", "tiktok:renamed.tok"},
		{simnet.Web, "renamed-page", "web:renamed-page"},
	}
	for _, tc := range cases {
		c := pick(t, cs, onPlatform(tc.platform))
		if err := n.Rename(c.ID, tc.newHandle); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		want := tc.wantID
		if want == "" {
			want = "mastodon:" + tc.newHandle + "@" + c.Host
		}
		now, ok := n.Creator(want)
		if !ok || now.PlatformID != c.PlatformID {
			t.Fatalf("%s renamed: truth %v %+v", c.ID, ok, now.PlatformID)
		}
		if _, still := n.Creator(c.ID); still {
			t.Errorf("old id %s still resolves", c.ID)
		}
		fresh := get(t, withKey(now, now.FetchURL))
		if fresh.status != 200 || !strings.Contains(string(fresh.body), c.PlatformID) {
			t.Errorf("%s: new handle: %d, platform id in body %v", want, fresh.status, strings.Contains(string(fresh.body), c.PlatformID))
		}
		old := get(t, withKey(c, c.FetchURL))
		found := old.status == 200 && strings.Contains(string(old.body), c.PlatformID)
		if found {
			t.Errorf("%s: old handle still serves the account", c.ID)
		}
	}
	m := pick(t, n.Creators(), onPlatform(simnet.Mastodon))
	if err := n.Rename(m.ID, "has space"); err == nil || !strings.Contains(err.Error(), "not a valid mastodon handle") {
		t.Errorf("bad handle: %v", err)
	}
	b := pick(t, n.Creators(), onPlatform(simnet.Bluesky))
	other := pick(t, n.Creators(), func(c simnet.Creator) bool { return c.Platform == simnet.Bluesky && c.ID != b.ID })
	if err := n.Rename(b.ID, other.Handle); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Errorf("taken handle: %v", err)
	}
}

// Serving while the caller mutates the network: run with -race.
func TestConcurrentServeAndMutate(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 36, Creators: 300})
	cs := n.Creators()
	var urls []string
	for _, c := range cs {
		if c.Brand == "" {
			urls = append(urls, withKey(c, c.FetchURL))
		}
	}
	urls = append(urls, baseOf(s, "mastodon")+"/api/v1/timelines/tag/"+n.Hashtags()[0])
	done := make(chan struct{})
	errs := make(chan string, 100)
	for w := 0; w < 4; w++ {
		go func(w int) {
			defer func() { done <- struct{}{} }()
			for i := w; i < len(urls); i += 4 {
				resp, err := http.Get(urls[i])
				if err != nil {
					errs <- err.Error()
					return
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					errs <- urls[i] + ": " + resp.Status
				}
			}
		}(w)
	}
	for i := 0; i < 3; i++ {
		n.AdvanceDay()
	}
	if err := n.Rename(pick(t, cs, onPlatform(simnet.Web)).ID, "moved-page"); err != nil {
		t.Error(err)
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
