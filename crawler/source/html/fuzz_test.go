package html

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// FuzzParse feeds arbitrary bodies under a few page URLs and asserts what
// must hold for any input: no panic, no negative count, valid UTF-8 out.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	for i, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
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
		var u *url.URL
		if raw := pages[int(which)%len(pages)]; raw != "" {
			u, _ = url.Parse(raw)
		}
		var meta map[string]string
		if which >= 128 { // a snowballed creator's page
			meta = map[string]string{source.MetaSnowball: "1"}
		}
		hdr := http.Header{}
		if which%7 == 3 {
			hdr.Set("Content-Type", "text/html; charset=shift_jis")
		}
		res, err := src.Parse(&source.Page{URL: u, Status: 200, Header: hdr, Body: body, Meta: meta, FetchedAt: fetchedAt})
		if res == nil {
			t.Fatalf("nil result (err %v)", err)
		}
		if err != nil && !utf8.ValidString(err.Error()) {
			t.Errorf("error is not valid UTF-8: %q", err.Error())
		}
		checkValue(t, "result", reflect.ValueOf(res))
		checkNext(t, res)
		for _, c := range res.Creators {
			if c.SourceURL == "" || c.FetchedAt.IsZero() {
				t.Errorf("creator %s without provenance", c.ID)
			}
		}
		for _, p := range res.Posts {
			if p.SourceURL == "" || p.FetchedAt.IsZero() {
				t.Errorf("post %s without provenance", p.ID)
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
