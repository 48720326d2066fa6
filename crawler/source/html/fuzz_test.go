package html

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/sourcetest"
)

// FuzzParse feeds arbitrary bodies under a few page URLs and asserts what
// must hold for any input: no panic, no negative count, valid UTF-8 out.
func FuzzParse(f *testing.F) {
	sourcetest.AddFixtures(f, filepath.Join("testdata", "*.html"))
	f.Add(uint8(0), []byte(`<script type="application/ld+json">{"@graph":[{"@type":"ProfilePage","mainEntity":{"@id":"#a"}},{"@id":"#a","@type":"Person","interactionStatistic":{"interactionType":"FollowAction","userInteractionCount":"-1"}}]}</script>`))
	f.Add(uint8(1), []byte("<meta property=\"og:description\" content=\"9\xff9K Followers\">"))
	pages := []string{
		"https://www.instagram.com/someone/",
		"https://www.tiktok.com/@someone",
		"https://social.example/@someone",
		"https://creators.example/tags/tag",
		"https://site.example/",
		"http://127.0.0.1:8091/someone/",
		"http://127.0.0.1:8095/@someone",
		"http://127.0.0.1:8095/tag/sometag",
		"file:///tmp/saved/page.html",
		"", // no URL: the page's canonical link, if any
	}
	src, err := New(source.Options{Hosts: []string{"127.0.0.1:8091=instagram", "127.0.0.1:8095=tiktok"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		u := sourcetest.URLFor(pages, which)
		var meta map[string]string
		if which >= 128 { // a snowballed creator's page
			meta = map[string]string{source.MetaSnowball: "1"}
		}
		hdr := http.Header{}
		if which%7 == 3 {
			hdr.Set("Content-Type", "text/html; charset=shift_jis")
		}
		page := &source.Page{URL: u, Status: 200, Header: hdr, Body: body, Meta: meta, FetchedAt: fetchedAt}
		res, err := src.Parse(page)
		sourcetest.Check(t, page, res, err, sourcetest.Want{})
	})
}
