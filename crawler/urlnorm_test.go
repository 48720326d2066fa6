package crawler

import (
	"net/url"
	"strings"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	base, _ := url.Parse("https://Example.org/dir/page?q=1")
	cases := []struct {
		in, want, reason string
	}{
		{"HTTPS://EXAMPLE.org:443/a#frag", "https://example.org/a", ""},
		{"http://example.org:80", "http://example.org/", ""},
		{"http://user:pw@example.org:8080/x", "http://example.org:8080/x", ""},
		{"../up", "https://example.org/up", ""},
		{"?q=2", "https://example.org/dir/page?q=2", ""},
		{"/s;jsessionid=ABC123?x=1", "https://example.org/s?x=1", ""},
		{"/s;JSESSIONID=ABC123/more;v=2", "https://example.org/s/more;v=2", ""},
		{"/s?PHPSESSID=a&b=2&sid=3&SessionId=4&session_id=5&keep=6", "https://example.org/s?b=2&keep=6", ""},
		{"/s?jsessionid=x", "https://example.org/s", ""},
		{"http://[::1]:8080/x", "http://[::1]:8080/x", ""},
		{"http://example.org./x", "http://example.org/x", ""},
		{"/a/a/", "https://example.org/a/a/", ""},
		{"/a/a/a/", "", RejectRepeats},
		{"/x/y/x/y/x/y/", "", RejectRepeats},
		{"/" + strings.Repeat("b", 3000), "", RejectLength},
		{"mailto:a@b.c", "", RejectScheme},
		{"javascript:void(0)", "", RejectScheme},
		{"http:///nohost", "", RejectHostless},
		{"http://bad host/", "", RejectParse},
		{"http://example.com:65536/p", "", RejectParse},
		{"http://example.com:0/p", "", RejectParse},
		{"http://example.com:65535/p", "http://example.com:65535/p", ""},
	}
	for _, c := range cases {
		u, reason := canonicalURL(c.in, base, 2048, 2)
		if reason != c.reason {
			t.Errorf("%q: reason %q, want %q", c.in, reason, c.reason)
			continue
		}
		if reason == "" && u.String() != c.want {
			t.Errorf("%q -> %q, want %q", c.in, u.String(), c.want)
		}
	}
}

func TestHostAndOriginKeys(t *testing.T) {
	for in, want := range map[string][2]string{
		"https://Example.org/x":  {"example.org:443", "https://example.org:443"},
		"http://example.org/x":   {"example.org:80", "http://example.org:80"},
		"http://127.0.0.1:8080/": {"127.0.0.1:8080", "http://127.0.0.1:8080"},
		"https://[2001:db8::1]/": {"[2001:db8::1]:443", "https://[2001:db8::1]:443"},
	} {
		u, _ := url.Parse(in)
		if got := [2]string{hostKey(u), originKey(u)}; got != want {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
	}
	u, _ := url.Parse("http://x.org/a%20b/c?d=e")
	if pq := pathQuery(u); pq != "/a%20b/c?d=e" {
		t.Errorf("pathQuery %q", pq)
	}
}

func FuzzCanonicalURL(f *testing.F) {
	f.Add("http://example.org/a;jsessionid=1?sid=2&x=3#f")
	f.Add("../../a/a/a")
	f.Fuzz(func(t *testing.T, raw string) {
		base, _ := url.Parse("https://example.org/p/q")
		u, reason := canonicalURL(raw, base, 2048, 2)
		if reason != "" {
			return
		}
		if len(u.String()) > 2048 || (u.Scheme != "http" && u.Scheme != "https") || u.Fragment != "" {
			t.Fatalf("%q -> %q", raw, u)
		}
		// Canonical form is a fixed point.
		again, reason := canonicalURL(u.String(), nil, 2048, 2)
		if reason != "" || again.String() != u.String() {
			t.Fatalf("%q -> %q -> %q (%s)", raw, u, again, reason)
		}
	})
}
