package linkpage

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/sourcetest"
	"github.com/creatorscout/creatorscout/creator"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// fetchedAt is fixed so goldens are stable.
var fetchedAt = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

// golden is what a fixture must parse to, with what Detect says from the
// URL alone.
type golden struct {
	DetectURL bool           `json:"detect_url"`
	Result    *source.Result `json:"result"`
	Error     string         `json:"error,omitempty"`
}

func forCreator(id string) map[string]string { return map[string]string{source.MetaCreatorID: id} }

func TestParseGolden(t *testing.T) {
	tests := []struct {
		name   string // golden file: testdata/<name>.golden.json
		file   string
		url    string
		meta   map[string]string
		header http.Header
		opts   source.Options
	}{
		{name: "linktree", file: "linktree.html", url: "https://linktr.ee/mira.makes", meta: forCreator("instagram:mira.makes")},
		// Read without a request (creatorscout extract): the same contacts,
		// credited to nobody.
		{name: "linktree_no_creator", file: "linktree.html", url: "https://linktr.ee/mira.makes"},
		{name: "beacons", file: "beacons.html", url: "https://beacons.ai/marco.eats", meta: forCreator("tiktok:marco.eats")},
		{name: "lnkbio", file: "lnkbio.html", url: "https://lnk.bio/sarapaints", meta: forCreator("bluesky:sarapaints.bsky.social")},
		{name: "carrd", file: "carrd.html", url: "https://jane.carrd.co/", meta: forCreator("youtube:janedoe")},
		// A creator's own website: its about and contact pages are queued.
		{name: "website_home", file: "website_home.html", url: "https://noor-bakes.example/", meta: forCreator("mastodon:noor@bakers.social")},
		{name: "website_home_nofollow", file: "website_home.html", url: "https://noor-bakes.example/", meta: forCreator("mastodon:noor@bakers.social"),
			header: http.Header{"X-Robots-Tag": {"creatorscout: nofollow"}}},
		// A followed contact page is not followed further.
		{name: "website_contact", file: "website_contact.html", url: "https://noor-bakes.example/contact/",
			meta: map[string]string{source.MetaCreatorID: "mastodon:noor@bakers.social", MetaContactHop: "1"}},
		// The same page on a loopback host named as a link-in-bio service:
		// its own-host links are the service's, nothing is followed.
		{name: "website_home_as_service", file: "website_home.html", url: "http://127.0.0.1:8099/noorbakes",
			meta: forCreator("mastodon:noor@bakers.social"), opts: source.Options{Hosts: []string{"127.0.0.1:8099"}}},
		{name: "noindex", file: "noindex.html", url: "https://linktr.ee/quiet.creator", meta: forCreator("instagram:quiet.creator")},
		{name: "hostile", file: "hostile.html", url: "https://linktr.ee/hostile", meta: forCreator("instagram:hostile")},
		{name: "hostile_website", file: "hostile.html", url: "https://hostile.example/", meta: forCreator("not a creator id")},
		{name: "not_html", file: "not_html.json", url: "https://linktr.ee/api/profile", meta: forCreator("instagram:x")},
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
			page := &source.Page{URL: u, Status: 200, Header: tt.header, Body: body, Meta: tt.meta, FetchedAt: fetchedAt}
			res, perr := src.Parse(page)
			sourcetest.Check(t, page, res, perr, sourcetest.Want{})
			checkContacts(t, page, res)
			g := golden{DetectURL: src.Detect(u, nil), Result: res}
			if perr != nil {
				g.Error = perr.Error()
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", path, got)
			}
		})
	}
}

// checkContacts asserts what every contact must be, whatever the page: a
// normalised e-mail or http(s) link, credited to the request's creator (or
// nobody), with the page's URL and fetch time; and that the page's own
// service, placeholder and script-only addresses never come out.
func checkContacts(t testing.TB, page *source.Page, res *source.Result) {
	t.Helper()
	if res == nil {
		return
	}
	id := page.Meta[source.MetaCreatorID]
	if _, _, ok := creator.SplitID(id); !ok {
		id = ""
	}
	emails, links := 0, 0
	for _, f := range res.Contacts {
		if f.CreatorID != id {
			t.Errorf("contact %+v credited to %q, want %q", f, f.CreatorID, id)
		}
		if page.URL != nil && f.SourceURL != page.URL.String() || !f.FetchedAt.Equal(page.FetchedAt.UTC()) {
			t.Errorf("contact %+v without the page's URL and fetch time", f)
		}
		check := f
		if check.CreatorID == "" {
			check.CreatorID = "web:x"
		}
		if check.SourceURL == "" {
			check.SourceURL = "file"
		}
		n, err := check.Normalize()
		if err != nil || n.Value != f.Value {
			t.Errorf("contact %+v is not normalised: %v (%q)", f, err, n.Value)
		}
		switch f.Kind {
		case creator.ContactEmail:
			emails++
			for _, bad := range []string{"linktr.ee", "beacons.ai", "example.com", "never-read", ".png", ".webp", "sentry.io"} {
				if strings.Contains(f.Value, bad) {
					t.Errorf("e-mail %q is not the creator's", f.Value)
				}
			}
		case creator.ContactLink:
			links++
		}
	}
	if emails > MaxEmails || links > MaxLinks {
		t.Errorf("%d e-mails and %d links: over the bounds %d, %d", emails, links, MaxEmails, MaxLinks)
	}
	home := page.Meta[source.MetaContactPage]
	if home == "" && page.URL != nil {
		home = page.URL.String()
	}
	for _, n := range res.Next {
		if n.Kind != source.KindPage || n.Meta[metaSource] != Name || n.Meta[source.MetaCreatorID] != id || n.Meta[MetaContactHop] != "1" ||
			n.Meta[source.MetaContactPage] != home {
			t.Errorf("follow-up %+v: want a linkpage KindPage request for %s at hop 1 from %s", n, id, home)
		}
		if u, err := url.Parse(n.URL); err != nil || page.URL == nil || u.Host != page.URL.Host {
			t.Errorf("follow-up %q leaves the page's host", n.URL)
		}
	}
	if len(res.Next) > MaxFollow {
		t.Errorf("%d follow-ups, more than %d", len(res.Next), MaxFollow)
	}
}

func TestDetect(t *testing.T) {
	src, err := New(source.Options{Hosts: []string{"127.0.0.1:8099"}})
	if err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]bool{
		"https://linktr.ee/mira.makes":     true,
		"https://www.linktr.ee/mira.makes": true,
		"https://jane.carrd.co/":           true,
		"https://beacons.ai/marco.eats":    true,
		"http://127.0.0.1:8099/someone":    true,
		"http://127.0.0.1:8098/someone":    false,
		"https://noor-bakes.example/":      false,
		"https://notlinktr.ee/x":           false,
		"https://linktr.ee.evil.example/x": false,
		"https://www.instagram.com/mira/":  false,
	} {
		u, _ := url.Parse(raw)
		if got := src.Detect(u, nil); got != want {
			t.Errorf("Detect(%s) = %v, want %v", raw, got, want)
		}
	}
	if src.Detect(nil, []byte("<html>")) {
		t.Error("Detect(nil URL) = true")
	}
	if _, err := New(source.Options{Hosts: []string{"a/b"}}); err == nil {
		t.Error("New accepted hosts entry a/b")
	}
}

func TestParseNoPage(t *testing.T) {
	src, _ := New(source.Options{})
	res, err := src.Parse(nil)
	if res == nil || !errors.Is(err, source.ErrNotThisFormat) {
		t.Errorf("Parse(nil) = %v, %v", res, err)
	}
	// A page read from a file has no URL: contacts still come out, with no
	// source URL, and nothing is followed.
	body, _ := os.ReadFile(filepath.Join("testdata", "website_home.html"))
	page := &source.Page{Body: body, Meta: forCreator("web:noor"), FetchedAt: fetchedAt}
	res, err = src.Parse(page)
	sourcetest.Check(t, page, res, err, sourcetest.Want{})
	if len(res.Contacts) == 0 || len(res.Next) != 0 {
		t.Errorf("no URL: %d contacts, next %v", len(res.Contacts), res.Next)
	}
}
