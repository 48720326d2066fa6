package linkpage

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/sourcetest"
)

// FuzzParse feeds arbitrary bodies under a few page URLs and asserts what
// must hold for any input: no panic, the invariants of every source
// (sourcetest.Check) and of contacts (checkContacts).
func FuzzParse(f *testing.F) {
	sourcetest.AddFixtures(f, filepath.Join("testdata", "*.html"))
	f.Add(uint8(0), []byte(`<script id="__NEXT_DATA__">{"props":{"pageProps":{"account":{"socialLinks":[{"type":"EMAIL_ADDRESS","url":"mailto:a@b.co"}]}}}}</script>`))
	f.Add(uint8(1), []byte(`<a href="/cdn-cgi/l/email-protection#5a3b1a">x</a><a href="/about">About</a>`))
	f.Add(uint8(2), []byte("<p>x [at] y [dot] \xff</p>"))
	pages := []string{
		"https://linktr.ee/someone",
		"https://jane.carrd.co/",
		"https://site.example/",
		"https://site.example/contact/",
		"http://127.0.0.1:8099/someone",
		"", // no URL: a saved file
	}
	src, err := New(source.Options{Hosts: []string{"127.0.0.1:8099"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		u := sourcetest.URLFor(pages, which)
		meta := forCreator("instagram:someone")
		if which >= 128 {
			meta[MetaContactHop] = "1"
		}
		hdr := http.Header{}
		if which%5 == 3 {
			hdr.Set("X-Robots-Tag", "nofollow")
		}
		page := &source.Page{URL: u, Status: 200, Header: hdr, Body: body, Meta: meta, FetchedAt: fetchedAt}
		res, err := src.Parse(page)
		sourcetest.Check(t, page, res, err, sourcetest.Want{})
		checkContacts(t, page, res)
	})
}
