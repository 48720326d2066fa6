package instagram

import (
	"path/filepath"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/sourcetest"
)

// FuzzParse feeds arbitrary bodies under each endpoint's URL and asserts
// what must hold for any input: no panic, no negative count, valid UTF-8
// out, provenance on every fact, and no access token in a source_url.
func FuzzParse(f *testing.F) {
	sourcetest.AddFixtures(f, filepath.Join("testdata", "*.json"))
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
		u := sourcetest.URLFor(pages, which)
		page := &source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt}
		res, err := src.Parse(page)
		sourcetest.Check(t, page, res, err, sourcetest.Want{Platform: "instagram", Secret: "SECRET"})
	})
}
