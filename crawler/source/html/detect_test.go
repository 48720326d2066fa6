package html

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// hasSignalCopying is what hasSignal did before it scanned in windows: the
// whole body lower-cased, then searched. The windowed scan must agree with
// it on every body whose case differences are ASCII.
func hasSignalCopying(body []byte) bool {
	low := bytes.ToLower(body)
	for _, s := range signals {
		if bytes.Contains(low, s) {
			return true
		}
	}
	return false
}

func TestHasSignalWindows(t *testing.T) {
	// Every signal is searched through one of the keys.
	for _, sig := range signals {
		found := false
		for _, k := range signalKeys {
			for _, s := range k.signals {
				found = found || bytes.Equal(s, sig)
			}
		}
		if !found {
			t.Errorf("signal %q has no key in signalKeys: hasSignal never looks for it", sig)
		}
	}
	pad := func(n int) string { return strings.Repeat("<p>x</p>", n/8+1)[:n] }
	cases := []struct {
		name string
		body string
		want bool
	}{
		{"none", "<html>" + pad(20000) + "</html>", false},
		{"empty", "", false},
		{"upper case", `<script type="application/ld+json">{"@type":"ProfilePage"}</script>`, true},
		{"mixed case og", `<META PROPERTY="OG:title" content="x">`, true},
		{"single quotes", `<meta property='og:title'>`, true},
		{"h-card at the very end", pad(50000) + `<div class="H-Card">`, true},
		{"tiktok blob", pad(9000) + `<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">`, true},
		{"almost a signal", pad(9000) + `profilepag`, false},
	}
	// A signal straddling each window boundary, at every offset around it.
	for _, sig := range signals {
		for _, boundary := range []int{8192, 2*8192 - signalOverlap} {
			for off := -len(sig); off <= 1; off++ {
				body := pad(boundary+off) + strings.ToUpper(string(sig)) + pad(100)
				cases = append(cases, struct {
					name string
					body string
					want bool
				}{"straddle " + string(sig), body, true})
			}
		}
	}
	for _, tc := range cases {
		if got := hasSignal([]byte(tc.body)); got != tc.want {
			t.Errorf("%s (len %d): hasSignal = %v, want %v", tc.name, len(tc.body), got, tc.want)
		}
		if got := hasSignalCopying([]byte(tc.body)); got != tc.want {
			t.Errorf("%s: the copying scan says %v, want %v (bad case)", tc.name, got, tc.want)
		}
	}
}

// TestDetectOrder: checking the URL before the body changes no answer.
// Detect must agree with "markup, and a signal or a claimed URL" on every
// fixture, with and without a URL and with the claimed and unclaimed ones.
func TestDetectOrder(t *testing.T) {
	src, err := New(source.Options{Hosts: []string{"127.0.0.1:8091=instagram"}})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{"", "http://127.0.0.1:8091/jonas/", "https://www.tiktok.com/@x", "https://social.example/@anna",
		"https://flour.example/blog/storage", "https://social.example/api/v1/accounts/lookup?acct=a"}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range urls {
			var u *url.URL
			if raw != "" {
				u, _ = url.Parse(raw)
			}
			for _, b := range [][]byte{body, nil, []byte(`{"json": "ProfilePage"}`)} {
				want := src.claimsURL(u)
				if b != nil {
					want = looksLikeHTML(b) && (hasSignalCopying(b) || src.claimsURL(u))
				}
				if got := src.Detect(u, b); got != want {
					t.Errorf("Detect(%q, %s body=%v) = %v, want %v", raw, f, b != nil, got, want)
				}
				n++
			}
		}
	}
	if n < 30 {
		t.Fatalf("only %d cases: are the fixtures there?", n)
	}
}

// BenchmarkDetect is Detect on a 90 KB profile page, on a claimed host (the
// crawl's usual case: no body scan) and on an unclaimed one (a full scan).
func BenchmarkDetect(b *testing.B) {
	page, err := os.ReadFile(filepath.Join("testdata", "jsonld_profile.html"))
	if err != nil {
		b.Fatal(err)
	}
	// The signal goes last, after 90 KB of markup, so the scan reads it all.
	body := append([]byte("<html><body>"+strings.Repeat("<div class=post><p>Some caption text #tag</p></div>", 1800)), page[bytes.IndexByte(page, '<'):]...)
	src, err := New(source.Options{Hosts: []string{"127.0.0.1:8091"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, url string }{
		{"claimed", "http://127.0.0.1:8091/@lena"},
		{"scan", "https://lena-trails.example/ueber-mich/"},
	} {
		u, _ := url.Parse(bc.url)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if !src.Detect(u, body) {
					b.Fatal("not detected")
				}
			}
		})
	}
	b.Run("copying-scan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if !hasSignalCopying(body) {
				b.Fatal("not detected")
			}
		}
	})
}
