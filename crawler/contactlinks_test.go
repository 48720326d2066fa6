package crawler

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/linkpage"
	"github.com/creatorscout/creatorscout/creator"
)

func TestContactLinkRequests(t *testing.T) {
	linkInBio := func(u *url.URL) bool {
		return u.Host == "linktr.ee" || u.Host == "beacons.ai" || u.Host == "lnk.bio"
	}
	claimed := func(u *url.URL) bool { return strings.HasPrefix(u.Path, "/@") || u.Host == "creators.example" }
	jane := creator.Creator{
		ID: "instagram:jane", URL: "https://www.instagram.com/jane/", SourceURL: "https://graph.example/v21.0/1?fields=x",
		Website: "https://janedoe.com",
		Links: []string{"https://www.instagram.com/jane/", "https://beacons.ai/jane", "mailto:jane@janedoe.com",
			"javascript:alert(1)", "ftp://files.janedoe.com/", "https://social.example/@jane", "https://creators.example/u/jane"},
		Bio: "Illustrator 🎨 shop: janedoe.com/shop · all links: linktr.ee/jane · LNK.BIO/jane",
	}
	got := func(cs []creator.Creator, max int) []string {
		var out []string
		for _, r := range ContactLinkRequests(cs, linkInBio, claimed, max) {
			if r.Kind != source.KindPage || r.Meta[MetaSource] != ContactSource || r.Meta[source.MetaContactPage] != r.URL {
				t.Errorf("request %+v: want a KindPage request for %s", r, ContactSource)
			}
			out = append(out, r.Meta[source.MetaCreatorID]+" "+r.URL)
		}
		return out
	}
	want := []string{
		"instagram:jane https://beacons.ai/jane",
		"instagram:jane https://linktr.ee/jane",
		"instagram:jane https://LNK.BIO/jane",
	}
	// NormalizeLink lower-cases the host; the path keeps its case.
	want[2] = "instagram:jane https://lnk.bio/jane"
	if g := got([]creator.Creator{jane}, 3); !reflect.DeepEqual(g, want) {
		t.Errorf("link-in-bio pages first, bounded to 3:\n got %q\nwant %q", g, want)
	}
	want = append(want, "instagram:jane https://janedoe.com")
	if g := got([]creator.Creator{jane}, 10); !reflect.DeepEqual(g, want) {
		t.Errorf("then the website; no other bio link, socials, profiles, other schemes or duplicates:\n got %q\nwant %q", g, want)
	}
	// A website another source reads (a profile page) or a shop link is
	// not a contact page.
	for _, w := range []string{"https://social.example/@jane", "https://amzn.to/3xYk9Qp", "https://www.instagram.com/jane/"} {
		c := creator.Creator{ID: "instagram:jane", Website: w}
		if g := got([]creator.Creator{c}, 3); len(g) != 0 {
			t.Errorf("website %s: got %q, want nothing", w, g)
		}
	}
	// The creator's own profile is not a contact page; nor is anything of
	// a creator without an id.
	self := creator.Creator{ID: "web:noor", URL: "https://noor.example/", Website: "https://noor.example"}
	if g := got([]creator.Creator{self, {Website: "https://x.example/"}}, 3); len(g) != 0 {
		t.Errorf("got %q, want nothing", g)
	}
	if g := got([]creator.Creator{jane}, 0); len(g) != 0 {
		t.Errorf("max 0: got %q", g)
	}
}

// profileLines is a test profile source on one host: each line of a page
// is "creator HANDLE WEBSITE LINK...". It claims only its own host.
type profileLines struct{ host string }

func (s profileLines) Name() string { return "profiles" }
func (s profileLines) Detect(u *url.URL, _ []byte) bool {
	return u != nil && u.Host == s.host
}
func (s profileLines) Parse(p *source.Page) (*source.Result, error) {
	res := &source.Result{}
	for _, line := range strings.Split(string(p.Body), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "creator" {
			continue
		}
		res.Creators = append(res.Creators, creator.Creator{
			ID: creator.MakeID(creator.Web, f[1]), Platform: creator.Web, Handle: f[1], Website: f[2], Links: f[3:],
			URL: p.URL.String(), SourceURL: p.URL.String(), FetchedAt: p.FetchedAt,
		})
	}
	return res, nil
}

// contactSink records the contacts each page gave.
type contactSink struct {
	mu       sync.Mutex
	contacts []creator.ContactFact
	pages    []string
}

func (s *contactSink) Put(_ context.Context, p *source.Page, res *source.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = append(s.pages, p.URL.String())
	s.contacts = append(s.contacts, res.Contacts...)
	return nil
}

// TestContactLinksThroughTheCrawler: the contact pages a profile links to
// are fetched like every other page, through the frontier: a link-in-bio
// page robots.txt disallows is never requested; a website's contact page is
// followed once; and nothing is followed without the contact source.
func TestContactLinksThroughTheCrawler(t *testing.T) {
	links := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": status(200, "User-agent: *\nDisallow: /hidden/\n"),
		"/mira": html200(`<h1>Mira</h1><a href="mailto:mira.collabs@gmail.com">Email</a>
			<a href="https://shop.mira.example/">Shop</a><a href="/about">Linkhost about</a>`),
		"/hidden/mira": html200(`<a href="mailto:secret@mira.example">Email</a>`),
		"/about":       html200(`<p>the service's about page</p>`),
	})
	var site *server
	site = newServer(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			html200(`<nav><a href="/about/">About</a> <a href="/contact/">Contact</a> <a href="/shop/">Shop</a></nav>`)(w, r)
		},
		"/contact/": html200(`<p>Write to hello@mira-studio.example</p><a href="/about/">About</a><a href="/contact/more">Contact more</a>`),
		"/about/":   html200(`<p>About Mira.</p>`),
	})
	profiles := newServer(t, map[string]http.HandlerFunc{
		"/mira": func(w http.ResponseWriter, r *http.Request) {
			text("creator mira "+site.URL+"/ "+links.URL+"/mira "+links.URL+"/hidden/mira https://www.instagram.com/mira/")(w, r)
		},
	})
	linkHost := strings.TrimPrefix(links.URL, "http://")
	lp, err := linkpage.New(source.Options{Hosts: []string{linkHost}})
	if err != nil {
		t.Fatal(err)
	}
	profHost := strings.TrimPrefix(profiles.URL, "http://")

	run := func(t *testing.T, srcs []source.Source) *contactSink {
		t.Helper()
		sink := &contactSink{}
		c, err := New(testConfig(), srcs, sink, WithFrontier(NewMemFrontier()), WithRand(func() float64 { return 0 }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := c.Run(testCtx(t), reqs(profiles.URL+"/mira")); err != nil {
			t.Fatal(err)
		}
		return sink
	}

	t.Run("off without the contact source", func(t *testing.T) {
		run(t, []source.Source{profileLines{profHost}})
		if n := len(links.requests(false)) + len(site.requests(false)); n != 0 {
			t.Fatalf("%d contact pages fetched with no %s source: %v %v", n, ContactSource, links.uris(), site.uris())
		}
	})

	t.Run("on", func(t *testing.T) {
		sink := run(t, []source.Source{profileLines{profHost}, lp})
		if n := links.count("/hidden/mira"); n != 0 {
			t.Errorf("the robots.txt-disallowed link page was requested %d times", n)
		}
		if links.count("/robots.txt") != 1 || links.count("/mira") != 1 {
			t.Errorf("link host requests %v, want robots.txt and /mira once each", links.uris())
		}
		wantSite := []string{"/", "/about/", "/contact/"}
		if got := site.uris(); !reflect.DeepEqual(got, wantSite) {
			t.Errorf("website requests %v, want %v (root, then its contact and about pages, not followed further)", got, wantSite)
		}
		var got []string
		for _, f := range sink.contacts {
			if f.CreatorID != "web:mira" || f.FetchedAt.IsZero() {
				t.Errorf("contact %+v", f)
			}
			got = append(got, f.Kind+" "+f.Value+" <- "+strings.TrimPrefix(strings.TrimPrefix(f.SourceURL, links.URL), site.URL))
		}
		sort.Strings(got)
		want := []string{
			"email hello@mira-studio.example <- /contact/",
			"email mira.collabs@gmail.com <- /mira",
			"link https://shop.mira.example <- /mira",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("contacts\n got %q\nwant %q", got, want)
		}
	})
}

func html200(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>" + body + "</body></html>"))
	}
}
