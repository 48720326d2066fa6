package crawler

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// gzipOf returns a gzip stream that inflates to n bytes of "A": 1 MiB
// members, compressed once and repeated (gzip readers read multistream).
func gzipOf(t *testing.T, n int) []byte {
	t.Helper()
	member := func(k int) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write(bytes.Repeat([]byte("A"), k)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	full := member(1 << 20)
	var out []byte
	for ; n >= 1<<20; n -= 1 << 20 {
		out = append(out, full...)
	}
	if n > 0 {
		out = append(out, member(n)...)
	}
	return out
}

// A 64 MB body gzipped to ~64 KB: the cap counts decompressed bytes.
func TestGzipBombIsCappedAfterDecompression(t *testing.T) {
	bomb := gzipOf(t, 64<<20)
	var wrote atomic.Int64
	srv := newServer(t, map[string]http.HandlerFunc{
		"/bomb": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "text/html")
			n, _ := w.Write(bomb)
			wrote.Add(int64(n))
		},
		"/ok": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gzipOf(t, 1000))
		},
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 1 << 20
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/bomb", srv.URL+"/ok")
	if sum.Errors[KindTooLarge] != 1 || sum.Pages != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if p := h.sink.byPath()["/ok"]; p == nil || len(p.Body) != 1000 {
		t.Fatalf("a small gzipped page must arrive decompressed")
	}
	if it, _ := h.mf.Lookup(0, srv.URL+"/bomb"); it.State != StateDropped || it.Reason != KindTooLarge {
		t.Fatalf("bomb item %+v", it)
	}
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed: it must fit under the cap", len(bomb))
	}
}

// An incompressible gzip stream that never ends: the crawler stops
// reading its compressed bytes at about the cap, not at the end of the
// stream.
func TestEndlessGzipStreamIsCapped(t *testing.T) {
	var wrote atomic.Int64
	srv := newServer(t, map[string]http.HandlerFunc{
		"/endless": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "text/html")
			zw, _ := gzip.NewWriterLevel(writerFunc(func(p []byte) (int, error) {
				n, err := w.Write(p)
				wrote.Add(int64(n))
				return n, err
			}), gzip.NoCompression)
			r8 := rand.New(rand.NewPCG(1, 1))
			chunk := make([]byte, 32<<10)
			for wrote.Load() < 256<<20 {
				for i := range chunk {
					chunk[i] = byte(r8.Uint32())
				}
				if _, err := zw.Write(chunk); err != nil {
					return // the crawler hung up
				}
			}
		},
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 1 << 20
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/endless")
	if sum.Errors[KindTooLarge] != 1 || sum.Pages != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := wrote.Load(); n > 32<<20 {
		t.Fatalf("the server wrote %d MB before the crawler hung up; the cap is 1 MB", n>>20)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// colly gunzips, after its own cap, any body whose Content-Type mentions
// gzip or whose path ends in .xml.gz. The crawler switches that off: such a
// body arrives as the bytes that were sent, never inflated.
func TestCollyDoesNotGunzipBehindTheCap(t *testing.T) {
	bomb := gzipOf(t, 64<<20)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/sitemap.xml.gz": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-gzip")
			_, _ = w.Write(bomb)
		},
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 1 << 20
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/sitemap.xml.gz")
	p := h.sink.byPath()["/sitemap.xml.gz"]
	if p == nil || sum.Errors[KindTooLarge] != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if len(p.Body) > 4*len(bomb) {
		t.Fatalf("body is %d bytes: it was inflated", len(p.Body))
	}
}

// The server never sends headers: the header timeout ends the request
// long before the total timeout would.
func TestHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newServer(t, map[string]http.HandlerFunc{
		"/stall": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
	})
	cfg := testConfig()
	cfg.HeaderTimeout = 300 * time.Millisecond
	cfg.RequestTimeout = 30 * time.Second
	h := newHarness(t, cfg)
	start := time.Now()
	sum := h.run(t, srv.URL+"/stall")
	if sum.Errors[KindTimeout] != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Fatalf("took %v: the header timeout did not act", el)
	}
	// A timeout is worth a retry: the item waits, it is not dropped.
	if it, _ := h.mf.Lookup(0, srv.URL+"/stall"); it.State != StatePending || it.Attempts != 1 {
		t.Fatalf("item %+v", it)
	}
}

// Headers come at once, then the body trickles at one byte a second: the
// total timeout ends it.
func TestSlowBodyTotalTimeout(t *testing.T) {
	var sent atomic.Int64
	srv := newServer(t, map[string]http.HandlerFunc{
		"/trickle": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-r.Context().Done():
					return
				case <-tick.C:
					if _, err := w.Write([]byte("x")); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					sent.Add(1)
				}
			}
		},
	})
	cfg := testConfig()
	cfg.HeaderTimeout = time.Second
	cfg.RequestTimeout = 2500 * time.Millisecond
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/trickle")
	if sum.Errors[KindTimeout] != 1 || sum.Pages != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := sent.Load(); n < 1 || n > 4 {
		t.Fatalf("server trickled %d bytes; the total timeout should cut it after about 2", n)
	}
}

func TestMaxRedirects(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/r/": func(w http.ResponseWriter, r *http.Request) {
			var i int
			fmt.Sscanf(r.URL.Path, "/r/%d", &i)
			http.Redirect(w, r, fmt.Sprintf("/r/%d", i+1), http.StatusFound)
		},
		"/ok/": func(w http.ResponseWriter, r *http.Request) {
			var i int
			fmt.Sscanf(r.URL.Path, "/ok/%d", &i)
			if i == 3 {
				text()(w, r)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/ok/%d", i+1), http.StatusMovedPermanently)
		},
	})
	cfg := testConfig()
	cfg.MaxRedirects = 3
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/r/0", srv.URL+"/ok/0")
	if sum.Errors[KindRedirects] != 1 || sum.Pages != 1 {
		t.Fatalf("summary %+v", sum)
	}
	n := 0
	for _, u := range srv.uris() {
		if strings.HasPrefix(u, "/r/") {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("endless chain: server saw %d requests, want 4 (the first and 3 redirects)", n)
	}
	if p := h.sink.byPath()["/ok/3"]; p == nil {
		t.Fatalf("3 redirects are allowed; the page has its final URL")
	}
}

func TestRedirectLoop(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/a": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusFound) },
		"/b": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) },
	})
	h := newHarness(t, testConfig())
	sum := h.run(t, srv.URL+"/a")
	if sum.Errors[KindRedirects] != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if got := strings.Join(srv.uris(), " "); got != "/a /b" {
		t.Fatalf("server saw %q, want the loop cut at once", got)
	}
}

// A redirect to another origin is not followed inside the request: the
// target is queued, so its own robots.txt, limiter and budget apply.
func TestCrossOriginRedirectIsQueued(t *testing.T) {
	b := newServer(t, map[string]http.HandlerFunc{
		"/robots.txt": text("User-agent: *", "Disallow: /secret"),
		"/land":       text("creator x"),
	})
	a := newServer(t, map[string]http.HandlerFunc{
		"/go":     func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, b.URL+"/land", http.StatusFound) },
		"/sneaky": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, b.URL+"/secret", http.StatusFound) },
	})
	h := newHarness(t, testConfig())
	sum := h.run(t, a.URL+"/go", a.URL+"/sneaky")
	if got := strings.Join(b.uris(), " "); got != "/land" {
		t.Fatalf("target server saw %q", got)
	}
	if sum.RobotsDenied != 1 || sum.Pages != 1 {
		t.Fatalf("summary %+v", sum)
	}
	it, _ := h.mf.Lookup(0, a.URL+"/go")
	if it.State != StateDone || it.Status != http.StatusFound {
		t.Fatalf("redirecting item %+v", it)
	}
}

func TestTrapURLsAreNeverRequested(t *testing.T) {
	long := "/long?" + strings.Repeat("x", 3000)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/{$}": text(
			"link "+long,
			"link /a/a/a/a/",
			"link /x/y/x/y/x/y/",
			"link /a/b/",
			"link /s?id=1&jsessionid=ABC",
			"link /s?id=1&PHPSESSID=zz",
			"link /s;jsessionid=XYZ?id=1",
			"link /s?sid=9&id=1",
			"link /s?SessionID=1&id=1#top",
			"link javascript:alert(1)",
			"link file:///etc/passwd",
		),
		"/": text(),
	})
	cfg := testConfig()
	cfg.MaxURLLength = 2048
	h := newHarness(t, cfg)
	h.run(t, srv.URL+"/")
	if got := strings.Join(srv.uris(), " "); got != "/ /a/b/ /s?id=1" {
		t.Fatalf("server saw %q", got)
	}
}

func TestPageBudgetPerRun(t *testing.T) {
	var links []string
	for i := 0; i < 10; i++ {
		links = append(links, fmt.Sprintf("link /p/%d", i))
	}
	srv := newServer(t, map[string]http.HandlerFunc{"/{$}": text(links...), "/p/": text()})
	cfg := testConfig()
	cfg.MaxPages = 4
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/")
	if n := len(srv.requests(false)); n != 4 || sum.Pages != 4 {
		t.Fatalf("server saw %d pages, summary %+v; budget 4", n, sum)
	}
	// What is left stays in the frontier, unfetched and not counted as an
	// attempt, for the next run.
	pending, _ := h.mf.FrontierPending(testCtx(t), 0)
	if pending != 7 {
		t.Fatalf("pending %d, want 7", pending)
	}
	for _, it := range h.mf.Items(0) {
		if it.Attempts != 0 {
			t.Errorf("%s: attempts %d", it.URL, it.Attempts)
		}
	}
}

func TestPageBudgetPerHost(t *testing.T) {
	var links []string
	for i := 0; i < 5; i++ {
		links = append(links, fmt.Sprintf("link /p/%d", i))
	}
	routes := map[string]http.HandlerFunc{"/{$}": text(links...), "/p/": text()}
	a, b := newServer(t, routes), newServer(t, routes)
	cfg := testConfig()
	cfg.MaxPagesPerHost = 3
	h := newHarness(t, cfg)
	h.run(t, a.URL+"/", b.URL+"/")
	for i, s := range []*server{a, b} {
		if n := len(s.requests(false)); n != 3 {
			t.Errorf("host %d: %d pages, budget 3", i, n)
		}
	}
	dropped := 0
	for _, it := range h.mf.Items(0) {
		if it.State == StateDropped && it.Reason == DropHostBudget {
			dropped++
		}
	}
	if dropped != 6 {
		t.Fatalf("%d items dropped for the host budget, want 6", dropped)
	}
}

func TestMaxDepth(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{
		"/d0": text("link /d1"),
		"/d1": text("link /d2"),
		"/d2": text("link /d3"),
		"/d3": text("link /d4"),
	})
	cfg := testConfig()
	cfg.MaxDepth = 2
	h := newHarness(t, cfg)
	h.run(t, srv.URL+"/d0")
	if got := strings.Join(srv.uris(), " "); got != "/d0 /d1 /d2" {
		t.Fatalf("server saw %q with MaxDepth 2", got)
	}
}

func TestBadCharsetsBecomeValidUTF8(t *testing.T) {
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("こんにちは"))
	cp1251, _ := charmap.Windows1251.NewEncoder().Bytes([]byte("Привет"))
	latin1, _ := charmap.ISO8859_1.NewEncoder().Bytes([]byte("café crème"))
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("ünïcödé"))
	cases := []struct {
		path, ctype string
		body        []byte
		want        string
	}{
		{"/sjis", "text/html; charset=Shift_JIS", sjis, "こんにちは"},
		{"/meta1251", "text/html", append([]byte(`<html><head><meta charset="windows-1251"></head><body>`), cp1251...), "Привет"},
		{"/invalid", "text/html; charset=utf-8", []byte("ok \xff\xfe bad \xc3"), "ok \uFFFD bad \uFFFD"},
		{"/unknown-label", "text/html; charset=x-klingon", []byte(strings.Repeat("a", 2000) + " naïve"), "naïve"},
		{"/latin1", "text/plain", latin1, "café crème"},
		{"/utf16", "text/plain", utf16, "ünïcödé"},
		{"/json-bom", "application/json", []byte("\xEF\xBB\xBF{\"a\":\"é\xff\"}"), "{\"a\":\"é\uFFFD\"}"},
		{"/no-type", "", []byte("plain \x80 text"), "plain"},
	}
	routes := map[string]http.HandlerFunc{}
	for _, c := range cases {
		c := c
		routes[c.path] = func(w http.ResponseWriter, r *http.Request) {
			if c.ctype != "" {
				w.Header().Set("Content-Type", c.ctype)
			} else {
				w.Header()["Content-Type"] = nil
			}
			_, _ = w.Write(c.body)
		}
	}
	srv := newServer(t, routes)
	h := newHarness(t, testConfig())
	var seeds []string
	for _, c := range cases {
		seeds = append(seeds, srv.URL+c.path)
	}
	h.run(t, seeds...)
	pages := h.sink.byPath()
	for _, c := range cases {
		p := pages[c.path]
		if p == nil {
			t.Errorf("%s: not stored", c.path)
			continue
		}
		if !utf8.Valid(p.Body) {
			t.Errorf("%s: body is not valid UTF-8: %q", c.path, p.Body)
		}
		if !strings.Contains(string(p.Body), c.want) {
			t.Errorf("%s: body %q does not contain %q", c.path, truncate(string(p.Body), 80), c.want)
		}
		if c.ctype != "" && p.Header.Get("Content-Type") != c.ctype {
			t.Errorf("%s: Content-Type %q, want the server's %q", c.path, p.Header.Get("Content-Type"), c.ctype)
		}
	}
}

// zstdOf returns a zstd stream that decodes to body, with the encoder's
// options.
func zstdOf(t *testing.T, body []byte, opts ...zstd.EOption) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(body, nil)
}

// zstd (RFC 9659): the crawler asks for it first, decodes it, and caps it
// after decoding as it caps gzip. A frame whose window is over the 8 MB the
// content coding allows, and bytes that are not zstd, fail their request
// and nothing else.
func TestZstdIsDecodedAndCapped(t *testing.T) {
	page := []byte("<html><body>" + strings.Repeat("zstd page ", 200) + "</body></html>")
	bomb := zstdOf(t, bytes.Repeat([]byte("A"), 64<<20))
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed: it must fit under the cap", len(bomb))
	}
	// 10 MB of text that does not repeat within 8 MB, in a frame that says
	// it needs a 16 MB window.
	r8 := rand.New(rand.NewPCG(3, 4))
	wide := make([]byte, 10<<20)
	for i := range wide {
		wide[i] = 'a' + byte(r8.IntN(16))
	}
	wideZ := zstdOf(t, wide, zstd.WithWindowSize(16<<20), zstd.WithSingleSegment(false))
	srv := newServer(t, map[string]http.HandlerFunc{
		"/ok":      encoded("zstd", zstdOf(t, page)),
		"/bomb":    encoded("zstd", bomb),
		"/wide":    encoded("zstd", wideZ),
		"/garbage": encoded("zstd", []byte("this is not a zstd frame at all")),
	})
	cfg := testConfig()
	cfg.MaxBodyBytes = 32 << 20 // the wide frame is under the cap: its window is what fails
	cfg.MaxRetries = 0
	h := newHarness(t, cfg)
	sum := h.run(t, srv.URL+"/ok", srv.URL+"/bomb", srv.URL+"/wide", srv.URL+"/garbage")
	if p := h.sink.byPath()["/ok"]; p == nil || !bytes.Equal(p.Body, page) {
		t.Fatalf("the zstd page did not arrive decoded (summary %+v)", sum)
	}
	if sum.Pages != 1 || sum.Errors[KindTooLarge] != 1 || sum.Errors[KindEncoding] != 2 {
		t.Fatalf("summary %+v; want the page, the bomb too large, the wide frame and the garbage failed to decode", sum)
	}
	for _, path := range []string{"/bomb", "/wide", "/garbage"} {
		if it, _ := h.mf.Lookup(0, srv.URL+path); it.State != StateDropped {
			t.Errorf("%s: item %+v, want dropped", path, it)
		}
	}
	for _, hit := range srv.requests(true) {
		if hit.Header.Get("Accept-Encoding") != "zstd, gzip" {
			t.Errorf("%s asked for %q", hit.URI, hit.Header.Get("Accept-Encoding"))
		}
	}
}

// encoded answers with body as an HTML page in Content-Encoding enc, the
// body sent as it is.
func encoded(enc string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", enc)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write(body)
	}
}

// raw answers with exactly resp on the wire, as no http.ResponseWriter
// would: what a server that does not speak HTTP properly sends.
func raw(resp string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = conn.Write([]byte(resp))
	}
}

// Failures that would repeat on every attempt are not retried and do not
// back the host off: a body that does not decode as its Content-Encoding
// says, response headers over the limit, a Location that is not a URL, a
// response that is not valid HTTP.
// Each URL is asked for once, with retries allowed, and the run does not
// wait out the hour-long backoff testConfig sets.
func TestPermanentFailuresAreNotRetried(t *testing.T) {
	gz := gzipOf(t, 100<<10)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/gzip-lie": encoded("gzip", []byte("<html>plain text said to be gzip</html>")),
		"/gzip-cut": encoded("gzip", gz[:len(gz)/2]),
		"/zstd-lie": encoded("zstd", []byte("<html>plain text said to be zstd</html>")),
		"/big-header": func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 40; i++ {
				w.Header().Add(fmt.Sprintf("X-Pad-%d", i), strings.Repeat("p", 4000))
			}
			_, _ = w.Write([]byte("<html></html>"))
		},
		"/bad-location": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "http://[::1/x")
			w.WriteHeader(http.StatusFound)
		},
		"/bare-cr": raw("HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 2\r\n\r\nok"),
		"/nul":     raw("HTTP/1.1 200 OK\r\nX-Bad: a\x00b\r\nContent-Length: 2\r\n\r\nok"),
		"/two-cl":  raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!"),
		"/no-http": raw("SMTP ready\r\n\r\n"),
	})
	cfg := testConfig()
	cfg.MaxRetries = 2
	h := newHarness(t, cfg)
	paths := []string{"/gzip-lie", "/gzip-cut", "/zstd-lie", "/big-header", "/bad-location", "/bare-cr", "/nul", "/two-cl", "/no-http"}
	var seeds []string
	for _, p := range paths {
		seeds = append(seeds, srv.URL+p)
	}
	sum := h.run(t, seeds...)
	if sum.Errors[KindEncoding] != 3 || sum.Errors[KindTooLarge] != 1 || sum.Errors[KindRedirects] != 1 ||
		sum.Errors[KindProtocol] != 4 || sum.Errors[KindNetwork] != 0 {
		t.Errorf("errors %v: want 3 encoding, 1 too_large, 1 redirects, 4 protocol", sum.Errors)
	}
	for _, p := range paths {
		if n := srv.count(p); n != 1 {
			t.Errorf("%s asked for %d times, want once", p, n)
		}
		if it, _ := h.mf.Lookup(0, srv.URL+p); it.State != StateDropped {
			t.Errorf("%s: item %+v, want dropped", p, it)
		}
	}
}

// A server controls the URLs and error texts the crawler logs: a 60 KB
// Location header must not make a 60 KB log line.
func TestLogLinesAreBounded(t *testing.T) {
	long := "/long?q=" + strings.Repeat("q", 60<<10)
	srv := newServer(t, map[string]http.HandlerFunc{
		"/to-long": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", long)
			w.WriteHeader(http.StatusFound)
		},
	})
	var logs bytes.Buffer
	h := newHarness(t, testConfig(), WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	h.run(t, srv.URL+"/to-long")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("%d log lines", len(lines))
	}
	for _, l := range lines {
		if len(l) > 3000 {
			t.Errorf("a %d-byte log line: %.200s...", len(l), l)
		}
	}
}

// A body its server calls an image (or a sound, a video, a font) is not
// read as a page, whatever its bytes look like.
func TestMediaIsNotReadAsAPage(t *testing.T) {
	serve := func(ct string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write([]byte("line one\nline two\n"))
		}
	}
	srv := newServer(t, map[string]http.HandlerFunc{
		"/png":  serve("image/png"),
		"/font": serve("font/woff2"),
		"/text": serve("text/plain; charset=utf-8"),
	})
	h := newHarness(t, testConfig())
	sum := h.run(t, srv.URL+"/png", srv.URL+"/font", srv.URL+"/text")
	got := h.sink.byPath()
	if got["/text"] == nil || got["/png"] != nil || got["/font"] != nil || sum.Errors[KindNoSource] != 2 {
		t.Fatalf("pages read %v, summary %+v: want only /text, and two no_source", got, sum)
	}
}

// A seed fetched within the freshness window is not fetched again, and the
// run says so instead of ending with nothing fetched and nothing said.
func TestFreshSeedsAreReported(t *testing.T) {
	srv := newServer(t, map[string]http.HandlerFunc{"/a": text()})
	var logs bytes.Buffer
	h := newHarness(t, testConfig(), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	h.run(t, srv.URL+"/a")
	if strings.Contains(logs.String(), "seeds not queued") {
		t.Fatalf("first run: %s", logs.String())
	}
	sum := h.run(t, srv.URL+"/a")
	if sum.Pages != 0 || srv.count("/a") != 1 {
		t.Fatalf("second run fetched %d pages (server saw %d)", sum.Pages, srv.count("/a"))
	}
	if !strings.Contains(logs.String(), `"msg":"seeds not queued`) || !strings.Contains(logs.String(), `"queued":0`) {
		t.Fatalf("second run did not say why nothing was fetched: %s", logs.String())
	}
}
