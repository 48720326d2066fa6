package instagram

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"net/url"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/sourcetest"
)

// FuzzParse feeds arbitrary bodies under each endpoint's URL and asserts
// what must hold for any input: no panic, no negative count, valid UTF-8
// out, provenance on every fact, and no access token in a source_url.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for i, name := range files {
		if strings.HasSuffix(name, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	f.Add(uint8(2), []byte(`{"data":[{"id":"1","like_count":-1,"caption":"\ud800 @a @b"}]}`))
	pages := []string{
		"https://graph.facebook.com/v21.0/17841405309211844?fields=business_discovery.username(x)%7Bid%7D&access_token=SECRET",
		"https://graph.facebook.com/v21.0/ig_hashtag_search?user_id=17841405309211844&q=tag&access_token=SECRET",
		"https://graph.facebook.com/v21.0/17843857450040591/recent_media?user_id=17841405309211844&access_token=SECRET",
		"",
	}
	src, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		var u *url.URL
		if raw := pages[int(which)%len(pages)]; raw != "" {
			u, _ = url.Parse(raw)
		}
		page := &source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt}
		res, err := src.Parse(page)
		sourcetest.Check(t, page, res, err, sourcetest.Want{Platform: "instagram", Secret: "SECRET"})
	})
}
