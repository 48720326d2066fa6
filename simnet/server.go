package simnet

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// resource is one rendered response, cached until the network changes.
type resource struct {
	status  int
	ctype   string
	body    []byte // nil when only gz is kept (large pages)
	gz      []byte
	zs      []byte  // zstd, beside gz
	parts   []*part // when set, the body is these parts in order
	etag    string  // quoted, possibly W/
	lastMod time.Time
	header  [][2]string
	noStore bool // do not cache (depends on something outside the population)
}

// part is a piece of a body kept as its own gzip member and zstd frame, so
// pieces shared by many pages (padding) are compressed once. A client that
// accepts gzip or zstd gets the members or frames back to back, which RFC
// 1952 and RFC 8878 allow and Go, curl and browsers read as one stream.
type part struct {
	raw    []byte // nil when only gz is kept
	gz     []byte
	zs     []byte // a zstd frame; a body's frames back to back are one stream (RFC 8878)
	rawLen int
}

var gzPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	gzPool.Put(zw)
	return buf.Bytes()
}

// zstdEnc compresses bodies for clients that accept zstd (RFC 9659), at
// the level servers use by default; EncodeAll may run concurrently.
var zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow))

// zstdWindow is the largest window the zstd content coding allows.
const zstdWindow = 8 << 20

func zstdBytes(b []byte) []byte { return zstdEnc.EncodeAll(b, nil) }

func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(zr)
	return out
}

func newPart(s string, keepRaw bool) *part {
	p := &part{gz: gzipBytes([]byte(s)), zs: zstdBytes([]byte(s)), rawLen: len(s)}
	if keepRaw {
		p.raw = []byte(s)
	}
	return p
}

func (p *part) plain() []byte {
	if p.raw != nil {
		return p.raw
	}
	return gunzip(p.gz)
}

const (
	ctJSON      = "application/json; charset=utf-8"
	ctJSONUpper = "application/json; charset=UTF-8"
	ctHTML      = "text/html; charset=utf-8"
	ctText      = "text/plain; charset=utf-8"
	ctXML       = "application/xml; charset=utf-8"
)

// finish computes the etag and compressed bytes once.
func (r *resource) finish(weak bool) *resource {
	if r.etag == "" && r.status == http.StatusOK {
		tag := `"` + etagOf(r.body) + `"`
		if weak {
			tag = "W/" + tag
		}
		r.etag = tag
	}
	if len(r.body) > 512 {
		r.gz = gzipBytes(r.body)
		r.zs = zstdBytes(r.body)
		if len(r.body) > 64<<10 {
			r.body = nil // keep large pages compressed only
		}
	}
	return r
}

func (r *resource) plain() []byte {
	if r.body != nil || r.gz == nil {
		return r.body
	}
	return gunzip(r.gz)
}

// Server is a started network: one loopback listener per host.
type Server struct {
	n    *Network
	done chan struct{}
	once sync.Once
}

// Start opens one listener on 127.0.0.1 per host and serves the network.
// It fails when the options were invalid, when the network was started
// before, or when a port cannot be opened. Cancelling ctx closes it.
func (n *Network) Start(ctx context.Context) (*Server, error) {
	if n.err != nil {
		return nil, n.err
	}
	n.startMu.Lock()
	defer n.startMu.Unlock()
	if n.server != nil {
		return nil, errors.New("simnet: start: network already started")
	}
	var lc net.ListenConfig
	n.mu.Lock()
	for _, h := range n.hosts {
		ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			n.mu.Unlock()
			for _, h2 := range n.hosts {
				if h2.ln != nil {
					h2.ln.Close()
				}
			}
			return nil, fmt.Errorf("simnet: start: listen for %s: %w", h.name, err)
		}
		h.ln = ln
		h.addr = ln.Addr().String()
	}
	n.mu.Unlock()
	n.clearCache()
	s := &Server{n: n, done: make(chan struct{})}
	for _, h := range n.hosts {
		h.srv = n.newHTTPServer(h)
		go h.srv.Serve(h.ln)
	}
	n.server = s
	if n.opts.Prerender {
		n.prerender()
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

func (n *Network) newHTTPServer(h *host) *http.Server {
	return &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.serve(h, w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
}

// Close stops every listener and drops open connections. It is safe to
// call more than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		for _, h := range s.n.hosts {
			h.mu.Lock()
			if h.srv != nil {
				h.srv.Close()
			}
			h.mu.Unlock()
		}
		close(s.done)
	})
	return nil
}

// Done is closed once the server has closed, by Close or by the context
// given to Start.
func (s *Server) Done() <-chan struct{} { return s.done }

// Host describes one listener.
type Host struct {
	Name    string // logical name, e.g. "mastodon-2", "web-1"
	Kind    string // a Kind* constant
	Addr    string // 127.0.0.1:port
	BaseURL string // what a source's BaseURL should be set to
}

// Hosts lists every host in a fixed order.
func (s *Server) Hosts() []Host {
	n := s.n
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]Host, 0, len(n.hosts))
	for _, h := range n.hosts {
		out = append(out, Host{Name: h.name, Kind: h.kind, Addr: h.addr, BaseURL: n.baseURL(h)})
	}
	return out
}

func (n *Network) baseURL(h *host) string {
	if h.kind == KindInstagram {
		return h.base() + "/v21.0"
	}
	return h.base()
}

// BaseURLs maps each host kind ("mastodon", "bluesky", "youtube",
// "instagram", "html", "tiktok") to the base URLs of its hosts.
func (s *Server) BaseURLs() map[string][]string {
	out := map[string][]string{}
	for _, h := range s.Hosts() {
		out[h.Kind] = append(out[h.Kind], h.BaseURL)
	}
	return out
}

// SourceHosts returns what the mastodon and html sources are told of the
// network's hosts (their Options.Hosts, the config's sources.*.hosts):
// every Mastodon host's address, and every web and TikTok host's address,
// TikTok's as "address=tiktok".
func (s *Server) SourceHosts() (mastodon, html []string) {
	for _, h := range s.Hosts() {
		switch h.Kind {
		case KindMastodon:
			mastodon = append(mastodon, h.Addr)
		case KindHTML:
			html = append(html, h.Addr)
		case KindTikTok:
			html = append(html, h.Addr+"=tiktok")
		}
	}
	return mastodon, html
}

// Requests returns the request log of one host (name, address or URL), oldest first.
func (s *Server) Requests(host string) []Hit {
	h := s.n.hostByName(host)
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Hit(nil), h.hits...)
}

// AllRequests returns every host's request log keyed by address.
func (s *Server) AllRequests() map[string][]Hit {
	out := map[string][]Hit{}
	for _, h := range s.n.hosts {
		h.mu.Lock()
		out[h.addr] = append([]Hit(nil), h.hits...)
		h.mu.Unlock()
	}
	return out
}

// ResetRequests empties every request log.
func (s *Server) ResetRequests() {
	for _, h := range s.n.hosts {
		h.mu.Lock()
		h.hits = nil
		h.mu.Unlock()
	}
}

// MaxRequestsIn is the largest number of requests host received within any
// window of length d (by Options.Clock). A polite crawler limited to r
// requests per second keeps it at or below about r*d.Seconds() + burst.
func (s *Server) MaxRequestsIn(host string, d time.Duration) int {
	hits := s.Requests(host)
	times := make([]time.Time, len(hits))
	for i, h := range hits {
		times[i] = h.At
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	best, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= d {
			j++
		}
		if i-j+1 > best {
			best = i - j + 1
		}
	}
	return best
}

// Network returns the network the server serves, for mutations.
func (s *Server) Network() *Network { return s.n }

func (n *Network) clearCache() {
	n.cacheMu.Lock()
	n.cache = map[string]*resource{}
	n.gen++
	n.cacheMu.Unlock()
}

// cacheKey is the host, path and the query without credentials, sorted.
func cacheKey(h *host, r *http.Request) string {
	q := r.URL.Query()
	q.Del("key")
	q.Del("access_token")
	return strconv.Itoa(h.idx) + " " + r.URL.Path + "?" + q.Encode()
}

func (n *Network) serve(h *host, w http.ResponseWriter, r *http.Request) {
	at := n.opts.Clock()
	logged := false
	// The hit is logged before the response is written, so a client that
	// has its answer can count on the log having it too.
	logHit := func(status int) {
		if logged {
			return
		}
		logged = true
		h.mu.Lock()
		h.hits = append(h.hits, Hit{At: at, Method: r.Method, URL: r.URL.RequestURI(), Status: status, UserAgent: r.UserAgent()})
		h.mu.Unlock()
	}
	defer func() {
		if v := recover(); v != nil {
			// A rendering bug must not look like a network fault.
			logHit(http.StatusInternalServerError)
			w.Header().Set("Content-Type", ctText)
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "simnet: internal error serving %s: %v\n", r.URL.Path, v)
		}
	}()
	h.mu.Lock()
	down := h.down
	h.mu.Unlock()
	if down {
		logHit(http.StatusServiceUnavailable)
		w.Header().Set("Content-Type", ctHTML)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily down for maintenance.</p></body></html>\n")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		logHit(http.StatusMethodNotAllowed)
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	res := n.respond(h, r)
	status := res.status
	if status == http.StatusOK && notModified(r, res) {
		status = http.StatusNotModified
	}
	logHit(status)
	n.write(w, r, res)
}

// respond checks credentials and quota, then renders or reuses a resource.
func (n *Network) respond(h *host, r *http.Request) *resource {
	if r.URL.Path == "/robots.txt" {
		return n.cached(h, r, func() *resource { return n.robotsTxt(h) })
	}
	switch h.kind {
	case KindYouTube:
		if res := n.youtubeGate(r); res != nil {
			return res
		}
	case KindInstagram:
		if res := n.graphGate(r); res != nil {
			return res
		}
	}
	return n.cached(h, r, func() *resource { return n.render(h, r) })
}

func (n *Network) cached(h *host, r *http.Request, make func() *resource) *resource {
	key := cacheKey(h, r)
	n.cacheMu.Lock()
	res, ok := n.cache[key]
	gen := n.gen
	n.cacheMu.Unlock()
	if ok {
		return res
	}
	n.mu.RLock()
	res = make()
	n.mu.RUnlock()
	if res.noStore {
		return res
	}
	n.cacheMu.Lock()
	if n.gen == gen {
		n.cache[key] = res
	}
	n.cacheMu.Unlock()
	return res
}

func (n *Network) render(h *host, r *http.Request) *resource {
	switch h.kind {
	case KindMastodon:
		return n.mastodon(h, r)
	case KindBluesky:
		return n.bluesky(h, r)
	case KindYouTube:
		return n.youtube(h, r)
	case KindInstagram:
		return n.instagram(h, r)
	case KindTikTok:
		return n.tiktok(h, r)
	case KindHTML:
		return n.web(h, r)
	case KindLinks:
		return n.linkHost(h, r)
	}
	return textResource(http.StatusNotFound, "not found\n")
}

func textResource(status int, body string) *resource {
	return (&resource{status: status, ctype: ctText, body: []byte(body)}).finish(false)
}

// write sends res, answering conditional requests and compressing.
func (n *Network) write(w http.ResponseWriter, r *http.Request, res *resource) {
	hd := w.Header()
	for _, kv := range res.header {
		hd.Add(kv[0], kv[1])
	}
	hd.Set("Content-Type", res.ctype)
	hd.Add("Vary", "Accept-Encoding")
	if res.status == http.StatusOK {
		if res.etag != "" {
			hd.Set("ETag", res.etag)
		}
		if !res.lastMod.IsZero() {
			hd.Set("Last-Modified", res.lastMod.UTC().Format(http.TimeFormat))
		}
		if notModified(r, res) {
			hd.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	enc := encoding(r)
	if res.parts != nil {
		bytesOf := func(p *part) []byte {
			switch enc {
			case "zstd":
				return p.zs
			case "gzip":
				return p.gz
			}
			return p.plain()
		}
		size := 0
		for _, p := range res.parts {
			if enc == "" {
				size += p.rawLen
			} else {
				size += len(bytesOf(p))
			}
		}
		if enc != "" {
			hd.Set("Content-Encoding", enc)
		}
		hd.Set("Content-Length", strconv.Itoa(size))
		w.WriteHeader(res.status)
		if r.Method == http.MethodHead {
			return
		}
		for _, p := range res.parts {
			w.Write(bytesOf(p))
		}
		return
	}
	body := res.body
	switch {
	case res.zs != nil && enc == "zstd":
		body = res.zs
		hd.Set("Content-Encoding", enc)
	case res.gz != nil && enc == "gzip":
		body = res.gz
		hd.Set("Content-Encoding", enc)
	case body == nil:
		body = res.plain()
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(res.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func notModified(r *http.Request, res *resource) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if res.etag == "" {
			return false
		}
		want := strings.TrimPrefix(res.etag, "W/")
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == want {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !res.lastMod.IsZero() {
		t, err := http.ParseTime(ims)
		if err == nil && !res.lastMod.Truncate(time.Second).After(t) {
			return true
		}
	}
	return false
}

// encoding is the content coding a response to r uses: zstd when r
// accepts it, as servers that have it prefer it, else gzip, else none.
func encoding(r *http.Request) string {
	for _, enc := range []string{"zstd", "gzip"} {
		if accepts(r, enc) {
			return enc
		}
	}
	return ""
}

// accepts reports whether r's Accept-Encoding takes enc (by name or "*",
// with a q above 0).
func accepts(r *http.Request, enc string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), enc) || strings.TrimSpace(name) == "*" {
			if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
					return false
				}
			}
			return true
		}
	}
	return false
}

// prerender renders every profile and tag page so the first crawl does not
// pay for rendering.
func (n *Network) prerender() {
	type job struct {
		h    *host
		path string
	}
	var jobs []job
	n.mu.RLock()
	for _, a := range n.accounts {
		switch a.platform {
		case Web:
			jobs = append(jobs, job{a.host, webPath(a)})
		case TikTok:
			jobs = append(jobs, job{a.host, "/@" + a.handle})
		}
	}
	// The first page of each web host's busiest tags; other tag pages
	// render on first request.
	for h, tags := range n.webTags {
		type tc struct {
			t string
			c int
		}
		var ts []tc
		for t, as := range tags {
			ts = append(ts, tc{t, len(as)})
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].c > ts[j].c || ts[i].c == ts[j].c && ts[i].t < ts[j].t })
		for i := 0; i < len(ts) && i < 25; i++ {
			jobs = append(jobs, job{h, "/tags/" + ts[i].t})
		}
	}
	n.mu.RUnlock()
	var wg sync.WaitGroup
	ch := make(chan job)
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				req, _ := http.NewRequest(http.MethodGet, j.h.base()+j.path, nil)
				n.respond(j.h, req)
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
}

// Creators is the ground truth of the served network; see Network.Creators.
func (s *Server) Creators() []Creator { return s.n.Creators() }

// Hashtags lists the served hashtags, most used first; see Network.Hashtags.
func (s *Server) Hashtags() []string { return s.n.Hashtags() }

// Seeds picks profile seeds per platform; see Network.Seeds.
func (s *Server) Seeds(perPlatform int) []Seed { return s.n.Seeds(perPlatform) }
