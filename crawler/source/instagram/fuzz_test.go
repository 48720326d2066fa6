package instagram

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"net/url"

	"github.com/creatorscout/creatorscout/crawler/source"
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
		res, err := src.Parse(&source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt})
		if res == nil {
			t.Fatalf("nil result (err %v)", err)
		}
		if err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Errorf("error is not valid UTF-8: %q", err.Error())
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks the access token: %s", err)
			}
		}
		checkValue(t, "result", reflect.ValueOf(res))
		checkNext(t, res)
		for _, c := range res.Creators {
			if c.SourceURL == "" || c.FetchedAt.IsZero() || strings.Contains(c.SourceURL, "SECRET") {
				t.Errorf("creator %s: bad provenance %q", c.ID, c.SourceURL)
			}
		}
		for _, p := range res.Posts {
			if p.SourceURL == "" || p.FetchedAt.IsZero() || strings.Contains(p.SourceURL, "SECRET") {
				t.Errorf("post %s: bad provenance %q", p.ID, p.SourceURL)
			}
		}
	})
}

// checkValue walks v and fails on a negative integer or an invalid UTF-8
// string anywhere in it.
func checkValue(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkValue(t, path, v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				checkValue(t, path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			checkValue(t, path, v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			checkValue(t, path+"[key]", k)
			checkValue(t, path+"[value]", v.MapIndex(k))
		}
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			t.Errorf("%s: invalid UTF-8 %q", path, v.String())
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if v.Int() < 0 {
			t.Errorf("%s: negative %d", path, v.Int())
		}
	}
}

// checkNext fails on a next request the crawler could not fetch or a
// snowball request without its hop.
func checkNext(t *testing.T, res *source.Result) {
	t.Helper()
	if res == nil {
		return
	}
	for _, n := range res.Next {
		u, err := url.Parse(n.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Errorf("next %q is not an absolute http(s) URL", n.URL)
		}
		if n.Meta[source.MetaSnowballID] != "" && source.SnowballHop(n.Meta) < 1 {
			t.Errorf("snowball request %+v has no hop", n)
		}
	}
}
