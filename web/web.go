package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// Prefix is the path under which the UI's assets are served; the page
// itself is served at "/".
const Prefix = "/ui/"

// asset is one embedded file, ready to serve.
type asset struct {
	name  string
	body  []byte
	ctype string
	etag  string
}

// contentTypes are the types of the files the UI ships; a file of another
// kind is not served.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

var (
	loadOnce sync.Once
	assets   map[string]*asset
	loadErr  error
)

func load() (map[string]*asset, error) {
	loadOnce.Do(func() {
		assets = map[string]*asset{}
		loadErr = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			ct, ok := contentTypes[path.Ext(p)]
			if !ok {
				return nil
			}
			b, err := static.ReadFile(p)
			if err != nil {
				return fmt.Errorf("web: read %s: %w", p, err)
			}
			sum := sha256.Sum256(b)
			name := strings.TrimPrefix(p, "static/")
			assets[name] = &asset{name: name, body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
			return nil
		})
	})
	return assets, loadErr
}

// Assets lists the names of the embedded files served under Prefix, plus
// index.html, which is served at "/".
func Assets() []string {
	a, _ := load()
	out := make([]string, 0, len(a))
	for n := range a {
		out = append(out, n)
	}
	return out
}

// Handler serves the UI: the page at "/" (and "/index.html") and its
// assets under Prefix. Only GET and HEAD are answered. Responses carry an
// ETag (a hash of the file) and "Cache-Control: no-cache", so a browser
// revalidates and gets a 304 until the binary changes. Security headers,
// the CSP among them, are the API middleware's job.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	all, err := load()
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var name string
	switch p := r.URL.Path; {
	case p == "/" || p == "/index.html":
		name = "index.html"
	case strings.HasPrefix(p, Prefix):
		name = strings.TrimPrefix(p, Prefix)
	}
	a := all[name]
	if a == nil || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	// A zero modtime leaves Last-Modified out; the ETag does the work.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}
