package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	tests := []struct {
		desc, method, path string
		header             map[string]string
		status             int
		ctype              string
		body               string // a substring the body must hold
	}{
		{"the page at /", "GET", "/", nil, 200, "text/html; charset=utf-8", `<script src="/ui/app.js" defer></script>`},
		{"the page at /index.html", "GET", "/index.html", nil, 200, "text/html; charset=utf-8", `<main id="view"`},
		{"the script", "GET", "/ui/app.js", nil, 200, "text/javascript; charset=utf-8", "'use strict';"},
		{"the style sheet", "GET", "/ui/app.css", nil, 200, "text/css; charset=utf-8", ":root"},
		{"the icon", "GET", "/ui/icon.svg", nil, 200, "image/svg+xml", "<svg"},
		{"HEAD has no body", "HEAD", "/ui/app.js", nil, 200, "text/javascript; charset=utf-8", ""},
		{"an unknown asset", "GET", "/ui/nope.js", nil, 404, "", ""},
		{"the assets folder itself", "GET", "/ui/", nil, 404, "", ""},
		{"a path out of the folder", "GET", "/ui/../web.go", nil, 404, "", ""},
		{"an encoded path out of the folder", "GET", "/ui/..%2fweb.go", nil, 404, "", ""},
		{"the Go source is not served", "GET", "/ui/web.go", nil, 404, "", ""},
		{"a path outside the UI", "GET", "/elsewhere", nil, 404, "", ""},
		{"POST is refused", "POST", "/", nil, 405, "", ""},
		{"DELETE is refused", "DELETE", "/ui/app.js", nil, 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %.200s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("ETag %q, Cache-Control %q: want an ETag and no-cache", resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD returned %d bytes of body", len(body))
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body lacks %q", tt.body)
			}
		})
	}
}

// TestHandlerRevalidates checks that a browser holding the current version
// gets a 304, and one holding an old version the new file.
func TestHandlerRevalidates(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/ui/app.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	for _, tc := range []struct {
		inm    string
		status int
	}{{etag, http.StatusNotModified}, {`"stale"`, http.StatusOK}} {
		req, _ := http.NewRequest("GET", srv.URL+"/ui/app.css", nil)
		req.Header.Set("If-None-Match", tc.inm)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("If-None-Match %s: status %d, want %d", tc.inm, resp.StatusCode, tc.status)
		}
	}
}

// TestPageIsCSPClean parses the page and checks what the API's CSP
// (default-src 'self') would block: inline script or style, event-handler
// attributes, and anything loaded from another origin. It also checks that
// every asset the page names is embedded.
func TestPageIsCSPClean(t *testing.T) {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	assets := Assets()
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "style":
				t.Errorf("inline <style> element")
			case "script":
				if attr(n, "src") == "" || (n.FirstChild != nil && strings.TrimSpace(n.FirstChild.Data) != "") {
					t.Errorf("inline <script>: only <script src> with no body passes the CSP")
				}
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(k, "on"):
					t.Errorf("<%s %s=...>: event-handler attributes are inline script", n.Data, a.Key)
				case k == "style":
					t.Errorf("<%s style=...>: inline style", n.Data)
				case k == "src" || k == "href":
					v := a.Val
					switch {
					case strings.HasPrefix(v, "#"):
					case strings.HasPrefix(v, Prefix):
						if !slices.Contains(assets, strings.TrimPrefix(v, Prefix)) {
							t.Errorf("<%s %s=%q>: no such embedded asset", n.Data, a.Key, v)
						}
					default:
						t.Errorf("<%s %s=%q>: only %s assets and # routes are allowed", n.Data, a.Key, v, Prefix)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(assets) < 4 {
		t.Errorf("embedded assets %v: want index.html, app.js, app.css and icon.svg", assets)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestScriptUsesNoHTMLSinks keeps the script away from every API that parses
// a string as HTML or code, so crawled text can only ever become text. The
// browser test proves the same on a hostile creator; this catches a new
// sink before it ships.
func TestScriptUsesNoHTMLSinks(t *testing.T) {
	js := readStatic(t, "static/app.js")
	code := stripComments(js)
	for _, sink := range []*regexp.Regexp{
		regexp.MustCompile(`\.innerHTML\b`),
		regexp.MustCompile(`\.outerHTML\b`),
		regexp.MustCompile(`insertAdjacentHTML`),
		regexp.MustCompile(`document\.write`),
		regexp.MustCompile(`\beval\s*\(`),
		regexp.MustCompile(`new\s+Function\b`),
		regexp.MustCompile(`createContextualFragment`),
		regexp.MustCompile(`DOMParser`),
		regexp.MustCompile(`set(Timeout|Interval)\(\s*['"` + "`" + `]`),
		regexp.MustCompile(`\.setAttribute\(\s*['"](on|style|src)`),
		regexp.MustCompile(`javascript:`),
	} {
		if loc := sink.FindStringIndex(code); loc != nil {
			t.Errorf("app.js uses %s near %q", sink, snippet(code, loc[0]))
		}
	}
	// No other origin: the only absolute URL is the SVG namespace.
	for _, m := range regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s'"]*`).FindAllString(code, -1) {
		if m != "http://www.w3.org/2000/svg" {
			t.Errorf("app.js names another origin: %s", m)
		}
	}
	// Every href an element gets is an internal route, a checked http(s)
	// URL, a mailto: of a checked address or a blob: of our own export.
	for _, m := range regexp.MustCompile(`setAttribute\('href', ([^)]*)\)`).FindAllStringSubmatch(code, -1) {
		switch m[1] {
		case "v", "safe", "'mailto:' + email", "url":
		default:
			t.Errorf("app.js sets href from %s: route it through safeURL", m[1])
		}
	}
}

func TestStyleSheetLoadsNothing(t *testing.T) {
	css := readStatic(t, "static/app.css")
	for _, bad := range []string{"@import", "url(", "expression("} {
		if strings.Contains(css, bad) {
			t.Errorf("app.css uses %s: the UI loads no fonts, images or sheets", bad)
		}
	}
}

func readStatic(t *testing.T, name string) string {
	t.Helper()
	b, err := static.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	// The embedded copy is the one served; it must match the file on disk.
	disk, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, disk) {
		t.Fatalf("%s: embedded copy differs from the file", name)
	}
	return string(b)
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineComment  = regexp.MustCompile(`(?m)^\s*//.*$`)
)

func stripComments(js string) string {
	return lineComment.ReplaceAllString(blockComment.ReplaceAllString(js, ""), "")
}

func snippet(s string, i int) string {
	lo, hi := max(0, i-30), min(len(s), i+50)
	return s[lo:hi]
}
