package sourcetest

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// Want is what a source promises beyond what every source promises.
type Want struct {
	// Platform starts every creator and post id ("mastodon" → "mastodon:");
	// "" when the source reads several platforms.
	Platform string
	// Handle reports whether a creator's handle is well formed; nil accepts
	// any handle that is not empty.
	Handle func(string) bool
	// PostID reports whether a post id is well formed; nil accepts any id
	// with the platform's prefix.
	PostID func(string) bool
	// Authored: every post names its creator. A source that reads posts
	// whose author it cannot resolve honestly (a hashtag's media) leaves it
	// false.
	Authored bool
	// Secret, when set, must appear in no string of a creator or post and
	// not in the error (an API key or access token the request URLs carry
	// must not leak into source URLs or logs).
	Secret string
}

// Check fails t unless res and err are what Parse may return for page,
// whatever its body, hostile or not: a Result (never nil), an error that is
// a *source.ParseError or source.ErrNotThisFormat, valid UTF-8 and no
// negative number anywhere, ids of the platform, provenance (a fetch time,
// and a source URL when the page had one) on every creator and post, no
// opted-out account among the creators or post authors, and next requests
// the crawler can fetch.
func Check(t testing.TB, page *source.Page, res *source.Result, err error, w Want) {
	t.Helper()
	if res == nil {
		t.Fatalf("nil Result (err %v)", err)
	}
	var pe *source.ParseError
	if err != nil && !errors.As(err, &pe) && !errors.Is(err, source.ErrNotThisFormat) {
		t.Errorf("error of unknown kind: %T %v", err, err)
	}
	if err != nil && !utf8.ValidString(err.Error()) {
		t.Errorf("error text is not UTF-8: %q", err.Error())
	}
	if err != nil && w.Secret != "" && strings.Contains(err.Error(), w.Secret) {
		t.Errorf("error text leaks the secret: %s", err)
	}
	walk(t, "result", reflect.ValueOf(res), "")
	// The next requests carry the secret to the API; stored facts must not.
	walk(t, "result.Creators", reflect.ValueOf(res.Creators), w.Secret)
	walk(t, "result.Posts", reflect.ValueOf(res.Posts), w.Secret)
	out := map[string]bool{}
	for _, id := range res.OptedOut {
		out[id] = true
	}
	prefix := ""
	if w.Platform != "" {
		prefix = w.Platform + ":"
	}
	for _, c := range res.Creators {
		handleOK := c.Handle != "" && (w.Handle == nil || w.Handle(c.Handle))
		if !strings.HasPrefix(c.ID, prefix) || !handleOK || out[c.ID] {
			t.Errorf("bad creator id %q handle %q (opted out: %v)", c.ID, c.Handle, out[c.ID])
		}
		if (c.SourceURL == "" && page.URL != nil) || c.FetchedAt.IsZero() {
			t.Errorf("creator %s without provenance (source_url %q, fetched_at %v)", c.ID, c.SourceURL, c.FetchedAt)
		}
	}
	for _, p := range res.Posts {
		idOK := strings.HasPrefix(p.ID, prefix) && (w.PostID == nil || w.PostID(p.ID))
		if !idOK || out[p.CreatorID] || (w.Authored && p.CreatorID == "") {
			t.Errorf("bad post id %q creator %q", p.ID, p.CreatorID)
		}
		if (p.SourceURL == "" && page.URL != nil) || p.FetchedAt.IsZero() {
			t.Errorf("post %s without provenance (source_url %q, fetched_at %v)", p.ID, p.SourceURL, p.FetchedAt)
		}
		if p.Hashtags == nil || p.Mentions == nil {
			t.Errorf("post %s: hashtags and mentions must be lists, even empty ones", p.ID)
		}
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

// walk fails on an invalid UTF-8 string, a string holding secret or a
// negative integer anywhere in v.
func walk(t testing.TB, path string, v reflect.Value, secret string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(t, path, v.Elem(), secret)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walk(t, path+"."+v.Type().Field(i).Name, v.Field(i), secret)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walk(t, path, v.Index(i), secret)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walk(t, path+"[key]", k, secret)
			walk(t, path+"[value]", v.MapIndex(k), secret)
		}
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			t.Errorf("%s: invalid UTF-8 %q", path, v.String())
		}
		if secret != "" && strings.Contains(v.String(), secret) {
			t.Errorf("%s: leaks the secret: %q", path, v.String())
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if v.Int() < 0 {
			t.Errorf("%s: negative %d", path, v.Int())
		}
	}
}
