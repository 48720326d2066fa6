package simnet_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/creatorscout/creatorscout/simnet"
)

func TestEveryHostServesRobots(t *testing.T) {
	_, s := start(t, simnet.Options{Seed: 1, Creators: 300})
	hosts := s.Hosts()
	kinds := map[string]bool{}
	for _, h := range hosts {
		kinds[h.Kind] = true
		r := get(t, "http://"+h.Addr+"/robots.txt")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; charset=") {
			t.Errorf("%s robots.txt: status %d, type %q", h.Name, r.status, r.header.Get("Content-Type"))
		}
		if _, err := robotstxt.FromBytes(r.body); err != nil {
			t.Errorf("%s robots.txt does not parse: %v", h.Name, err)
		}
	}
	for _, k := range []string{"mastodon", "bluesky", "youtube", "instagram", "html", "tiktok"} {
		if !kinds[k] {
			t.Errorf("no %s host", k)
		}
	}
	if got := len(s.BaseURLs()["mastodon"]); got != 4 {
		t.Errorf("%d Mastodon instances, want 4", got)
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		if seen[h.Addr] {
			t.Errorf("address %s serves two hosts", h.Addr)
		}
		seen[h.Addr] = true
		if !strings.HasPrefix(h.Addr, "127.0.0.1:") {
			t.Errorf("%s listens on %s, want loopback", h.Name, h.Addr)
		}
	}
}

// A web host's robots.txt disallows /private/ and one creator's profile,
// and its pages link into both, so a crawler that ignores robots.txt would
// be caught by the request log.
func TestWebRobotsDisallowWhatPagesLinkTo(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 2, Creators: 400})
	blocked := map[string]simnet.Creator{}
	for _, c := range n.Creators() {
		if c.RobotsDisallowed {
			if c.Platform != simnet.Web {
				t.Errorf("%s: robots-disallowed but not a web page", c.ID)
			}
			blocked[c.Host] = c
		}
	}
	webs := s.BaseURLs()["html"]
	if len(blocked) != len(webs) {
		t.Fatalf("%d web hosts but %d robots-blocked profiles", len(webs), len(blocked))
	}
	hrefs := regexp.MustCompile(`href="([^"]+)"`)
	for _, base := range webs {
		c := blocked[hostOf(base)]
		rb := get(t, base+"/robots.txt")
		rules, err := robotstxt.FromBytes(rb.body)
		if err != nil {
			t.Fatal(err)
		}
		g := rules.FindGroup("creatorscout")
		pu, _ := url.Parse(c.URL)
		if g.Test(pu.Path) {
			t.Errorf("%s: robots.txt allows the blocked profile %s", base, pu.Path)
		}
		if g.Test("/private/inbox") {
			t.Errorf("%s: robots.txt allows /private/", base)
		}
		// Other profiles stay allowed, including those whose handle shares a prefix.
		for _, o := range n.Creators() {
			if o.Host == c.Host && o.ID != c.ID {
				if ou, _ := url.Parse(o.URL); !g.Test(ou.Path) {
					t.Errorf("%s: robots.txt also blocks %s", base, ou.Path)
				}
			}
		}
		// The blocked creator's busiest tag page links to it and into /private/.
		tag := c.Posts[0].Hashtags[0]
		page := get(t, base+"/tags/"+url.PathEscape(tag))
		if page.status != 200 {
			t.Fatalf("%s/tags/%s: status %d", base, tag, page.status)
		}
		var toProfile, toPrivate bool
		for _, m := range hrefs.FindAllStringSubmatch(string(page.body), -1) {
			toProfile = toProfile || m[1] == pu.Path
			toPrivate = toPrivate || strings.HasPrefix(m[1], "/private/")
		}
		if !toProfile || !toPrivate {
			t.Errorf("%s/tags/%s: links to blocked profile %v, into /private/ %v", base, tag, toProfile, toPrivate)
		}
		// The pages exist: only robots.txt keeps a polite crawler out.
		if r := get(t, c.URL); r.status != 200 {
			t.Errorf("blocked profile %s: status %d", c.URL, r.status)
		}
	}
}

func TestConditionalRequestsAndGzip(t *testing.T) {
	n, _ := start(t, simnet.Options{Seed: 3, Creators: 300})
	cs := n.Creators()
	var urls []string
	for _, p := range simnet.Platforms {
		c := pick(t, cs, onPlatform(p))
		urls = append(urls, withKey(c, c.FetchURL))
	}
	w := pick(t, cs, onPlatform(simnet.Web))
	urls = append(urls, "http://"+w.Host+"/robots.txt", "http://"+w.Host+"/tags/"+w.Posts[0].Hashtags[0])
	for _, u := range urls {
		first := get(t, u)
		if first.status != 200 {
			t.Fatalf("%s: status %d", u, first.status)
		}
		ct := first.header.Get("Content-Type")
		if !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
			t.Errorf("%s: Content-Type %q has no charset", u, ct)
		}
		etag, lm := first.header.Get("ETag"), first.header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("%s: ETag %q, Last-Modified %q", u, etag, lm)
		}
		if _, err := http.ParseTime(lm); err != nil {
			t.Errorf("%s: Last-Modified %q: %v", u, lm, err)
		}
		if r := get(t, u, "If-None-Match", etag); r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("%s: If-None-Match %s gave %d with %d bytes, want 304 and none", u, etag, r.status, len(r.body))
		}
		if r := get(t, u, "If-None-Match", `"stale"`); r.status != 200 {
			t.Errorf("%s: stale If-None-Match gave %d, want 200", u, r.status)
		}
		if r := get(t, u, "If-Modified-Since", lm); r.status != http.StatusNotModified {
			t.Errorf("%s: If-Modified-Since %s gave %d, want 304", u, lm, r.status)
		}
		past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
		if r := get(t, u, "If-Modified-Since", past); r.status != 200 {
			t.Errorf("%s: old If-Modified-Since gave %d, want 200", u, r.status)
		}
		gz := get(t, u, "Accept-Encoding", "gzip, deflate")
		if len(first.body) > 1024 && gz.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: %d bytes sent uncompressed to a gzip client", u, len(first.body))
		}
		if string(gz.body) != string(first.body) {
			t.Errorf("%s: gzip body differs from the identity body", u)
		}
		// A client that takes zstd (RFC 9659) gets it, as from servers that
		// have it; one that refuses it gets gzip.
		zs := get(t, u, "Accept-Encoding", "zstd, gzip")
		if len(first.body) > 1024 && zs.header.Get("Content-Encoding") != "zstd" {
			t.Errorf("%s: %q to a zstd client", u, zs.header.Get("Content-Encoding"))
		}
		if string(zs.body) != string(first.body) {
			t.Errorf("%s: zstd body differs from the identity body", u)
		}
		if r := get(t, u, "Accept-Encoding", "zstd;q=0, gzip"); len(first.body) > 1024 && r.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: %q to a client that refuses zstd", u, r.header.Get("Content-Encoding"))
		}
		if strings.Contains(gz.header.Get("Vary"), "Accept-Encoding") == false {
			t.Errorf("%s: no Vary: Accept-Encoding", u)
		}
	}
}

func TestRequestLogUsesInjectedClock(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)}
	n, s := start(t, simnet.Options{Seed: 4, Creators: 200, Clock: clock.Now})
	c := pick(t, n.Creators(), onPlatform(simnet.Web))
	for i := 0; i < 5; i++ {
		get(t, c.URL)
		clock.Add(100 * time.Millisecond)
	}
	clock.Add(2 * time.Second)
	get(t, c.URL)
	hits := s.Requests(c.Host)
	if len(hits) != 6 {
		t.Fatalf("%s logged %d requests, want 6", c.Host, len(hits))
	}
	if !hits[0].At.Equal(time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)) || hits[0].Status != 200 || hits[0].Method != "GET" {
		t.Errorf("first hit %+v", hits[0])
	}
	if got := s.MaxRequestsIn(c.Host, time.Second); got != 5 {
		t.Errorf("MaxRequestsIn(1s) = %d, want 5", got)
	}
	if got := s.MaxRequestsIn(c.Host, 50*time.Millisecond); got != 1 {
		t.Errorf("MaxRequestsIn(50ms) = %d, want 1", got)
	}
	for _, h := range s.Hosts() {
		if h.Addr != c.Host && len(s.Requests(h.Name)) != 0 {
			t.Errorf("%s logged requests it never got", h.Name)
		}
	}
	s.ResetRequests()
	if len(s.Requests(c.Host)) != 0 {
		t.Error("ResetRequests left hits")
	}
	r := get(t, c.URL)
	get(t, c.URL, "If-None-Match", r.header.Get("ETag"))
	if hits := s.Requests(c.Host); len(hits) != 2 || hits[0].Status != 200 || hits[1].Status != 304 {
		t.Errorf("log after a conditional request: %+v", hits)
	}
}

func TestCredentialsChecked(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 5, Creators: 200})
	cs := n.Creators()
	yt := pick(t, cs, onPlatform(simnet.YouTube))
	ig := pick(t, cs, onPlatform(simnet.Instagram))
	cases := []struct {
		url    string
		status int
		want   string
	}{
		{yt.FetchURL, 403, `"reason": "forbidden"`},
		{yt.FetchURL + "&key=wrong", 400, `"reason": "API_KEY_INVALID"`},
		{yt.FetchURL + "&key=simnet-key", 200, `"kind": "youtube#channelListResponse"`},
		{ig.FetchURL, 400, `"code":2500`},
		{ig.FetchURL + "&access_token=wrong", 400, `"code":190`},
		{ig.FetchURL + "&access_token=simnet-token", 200, `"business_discovery"`},
		{baseOf(s, "youtube") + "/robots.txt", 200, "User-agent"},
	}
	for _, c := range cases {
		r := get(t, c.url)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.url, r.status, r.body, c.status, c.want)
		}
	}
}

func TestYouTubeQuota(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 6, Creators: 200, YouTubeQuota: 205})
	u := baseOf(s, "youtube") + "/youtube/v3/search?part=snippet&type=video&q=%23" + n.Hashtags()[0] + "&key=simnet-key"
	for i := 0; i < 2; i++ {
		if r := get(t, u); r.status != 200 {
			t.Fatalf("search %d: status %d", i, r.status)
		}
	}
	if r := get(t, u); r.status != 403 || !strings.Contains(string(r.body), "quotaExceeded") {
		t.Fatalf("third search over a 205-unit quota: %d %s", r.status, r.body)
	}
	if got := n.QuotaUsed(); got != 200 {
		t.Errorf("quota used %d, want 200", got)
	}
	n.AdvanceDay()
	if r := get(t, u); r.status != 200 {
		t.Errorf("after AdvanceDay: status %d, want the quota reset", r.status)
	}
}

func TestPaddedPages(t *testing.T) {
	const pad = 90 << 10
	n, _ := start(t, simnet.Options{Seed: 7, Creators: 60, WebHosts: 2, PadHTML: pad, Prerender: true,
		Platforms: map[string]float64{simnet.Web: 3, simnet.TikTok: 1}})
	for _, c := range n.Creators() {
		r := get(t, c.URL)
		if r.status != 200 {
			t.Fatalf("%s: %d", c.URL, r.status)
		}
		if len(r.body) < pad*9/10 || len(r.body) > pad*12/10 {
			t.Errorf("%s: %d bytes, want about %d", c.URL, len(r.body), pad)
		}
		if !strings.Contains(string(r.body), "</html>") {
			t.Errorf("%s: page is cut short", c.URL)
		}
	}
}

func TestBadOptionsReportedByStart(t *testing.T) {
	n := simnet.New(simnet.Options{Creators: -5, Platforms: map[string]float64{"myspace": 1, simnet.Web: -1}})
	_, err := n.Start(context.Background())
	if err == nil {
		t.Fatal("Start accepted bad options")
	}
	for _, want := range []string{"Creators -5", `"myspace" is not a platform`, `Platforms["web"]`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	_, s := start(t, simnet.Options{Seed: 1, Creators: 50})
	if _, err := s.Network().Start(context.Background()); err == nil {
		t.Error("a second Start succeeded")
	}
}

func TestCloseStopsListeners(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := simnet.New(simnet.Options{Seed: 1, Creators: 50})
	s, err := n.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := s.BaseURLs()["html"][0] + "/robots.txt"
	if r := get(t, u); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("server not closed 10s after its context was cancelled")
	}
	if _, err := http.Get(u); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after cancel: %v, want connection refused", err)
	}
	s.Close()
}
