package html

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/htmldoc"
	"github.com/creatorscout/creatorscout/crawler/source/internal/metarobots"
	"github.com/creatorscout/creatorscout/creator"
)

// Name is the registered name of this source.
const Name = "html"

// Limits on what one page may contribute.
const (
	maxPosts = 100
	maxNext  = 500
	maxText  = 5000 // runes in a bio or caption
	maxField = 300  // runes in a name, handle, URL
)

func init() {
	source.Register(Name, func(o source.Options) (source.Source, error) { return New(o) })
}

// Source parses HTML profile and hashtag pages.
type Source struct {
	base  *url.URL          // where HashtagRequests point; nil when unset
	hosts map[string]string // claimed host -> platform ("" = infer)
}

var (
	_ source.Source        = (*Source)(nil)
	_ source.HashtagSource = (*Source)(nil)
	_ source.ProfileSource = (*Source)(nil)
)

// New builds the source. o.BaseURL, when set, is the web host whose
// /tags/{tag} pages a hashtag job reads. Each o.Hosts entry is "host" (a
// host or host:port whose pages Detect claims) or "host=platform" (also
// read as that platform, for a loopback server standing in for a network).
func New(o source.Options) (*Source, error) {
	s := &Source{hosts: map[string]string{}}
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("html: base_url %q: want an absolute http(s) URL", o.BaseURL)
		}
		s.base = u
		s.hosts[strings.ToLower(u.Host)] = ""
	}
	for _, h := range o.Hosts {
		host, platform, _ := strings.Cut(strings.TrimSpace(h), "=")
		host = strings.ToLower(strings.TrimSpace(host))
		platform = strings.ToLower(strings.TrimSpace(platform))
		if host == "" || strings.ContainsAny(host, "/ ?#") {
			return nil, fmt.Errorf("html: hosts entry %q: want host, host:port or host=platform", h)
		}
		if platform != "" && !knownPlatform(platform) {
			return nil, fmt.Errorf("html: hosts entry %q: unknown platform %q; known: %s", h, platform, strings.Join(creator.Platforms, ", "))
		}
		s.hosts[host] = platform
	}
	return s, nil
}

func knownPlatform(p string) bool {
	for _, k := range creator.Platforms {
		if k == p {
			return true
		}
	}
	return false
}

// Name returns "html".
func (s *Source) Name() string { return Name }

// HashtagRequests asks the base web host for its /tags/{tag} page (a
// TikTok host, named so by its host or a "host=tiktok" entry, for its
// /tag/{tag} page). Without a base URL there is no web host to ask and it
// returns nil.
func (s *Source) HashtagRequests(tag string) []source.Request {
	tag = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(tag), "#"))
	if s.base == nil || tag == "" || strings.ContainsAny(tag, "/?#") {
		return nil
	}
	dir := "/tags/"
	host := strings.ToLower(s.base.Host)
	if s.hosts[host] == creator.TikTok || hostPlatform(host) == creator.TikTok {
		dir = "/tag/"
	}
	u := *s.base
	u.Path = strings.TrimSuffix(u.Path, "/") + dir + tag
	u.RawPath = ""
	u.RawQuery = ""
	return []source.Request{{URL: u.String(), Kind: source.KindHashtag, Meta: map[string]string{"hashtag": tag}}}
}

// ProfileRequests takes a profile page URL. Bare handles belong to the
// network sources, so ok is false for anything but an http(s) URL.
func (s *Source) ProfileRequests(handleOrURL string) ([]source.Request, bool) {
	u, err := url.Parse(strings.TrimSpace(handleOrURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	u.Fragment = ""
	return []source.Request{{URL: u.String(), Kind: source.KindProfile}}, true
}

// Detect claims profile URLs of the networks it knows, the hosts it was
// given, /@user and /tags/ paths, and any HTML body carrying one of its
// signals (ProfilePage or CollectionPage JSON-LD, og: meta, an h-card,
// TikTok rehydration data). A body that is not markup is never claimed.
//
// The URL is checked first: on a crawl most pages come from a claimed host
// or path and their body (often 100 KB) need not be scanned at all.
func (s *Source) Detect(u *url.URL, body []byte) bool {
	if body != nil && !looksLikeHTML(body) {
		return false
	}
	if s.claimsURL(u) {
		return true
	}
	return body != nil && hasSignal(body)
}

// claimsURL reports profile and tag URLs this source reads.
func (s *Source) claimsURL(u *url.URL) bool {
	if u == nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Host)
	if _, ok := s.hosts[host]; ok {
		return true
	}
	if strings.HasPrefix(u.Path, "/api/") || strings.HasPrefix(u.Path, "/xrpc/") {
		return false
	}
	if hostPlatform(host) != "" {
		return true
	}
	return mastodonPath.MatchString(u.Path) || userPath.MatchString(u.Path) || tagPath.MatchString(u.Path)
}

// looksLikeHTML reports whether body starts like markup rather than JSON.
func looksLikeHTML(body []byte) bool {
	b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

// signals are lower case ASCII; hasSignal matches them ignoring ASCII case.
var signals = [][]byte{
	[]byte("profilepage"),
	[]byte("collectionpage"),
	[]byte("property=\"og:"),
	[]byte("property='og:"),
	[]byte("property=og:"),
	[]byte("h-card"),
	[]byte("__universal_data_for_rehydration__"),
}

// signalOverlap is the longest signal less one: what a window keeps of the
// one before so that a signal across the boundary is still found.
var signalOverlap = func() int {
	n := 0
	for _, s := range signals {
		n = max(n, len(s)-1)
	}
	return n
}()

// signalKeys groups the signals by a part they share, so that a window is
// searched once per key rather than once per signal: a key found is then
// checked for each signal around it.
var signalKeys = func() []signalKey {
	var keys []signalKey
	for _, k := range []string{"page", "property=", "h-card", "__universal_data_for_rehydration__"} {
		sk := signalKey{key: []byte(k)}
		for _, s := range signals {
			if i := bytes.Index(s, sk.key); i >= 0 {
				sk.signals = append(sk.signals, s)
				sk.offsets = append(sk.offsets, i)
			}
		}
		keys = append(keys, sk)
	}
	return keys
}()

type signalKey struct {
	key     []byte
	signals [][]byte
	offsets []int // where key stands in each signal
}

// hasSignal reports whether body contains one of the signals, ignoring
// ASCII case. It lower-cases the body a window at a time into a fixed
// buffer rather than copying the whole page. A signal across a window's
// end lies whole in the next one, which starts signalOverlap bytes back.
func hasSignal(body []byte) bool {
	var buf [8192]byte
	for start := 0; start < len(body); {
		end := min(start+len(buf), len(body))
		w := buf[:end-start]
		for i, c := range body[start:end] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			w[i] = c
		}
		for _, k := range signalKeys {
			for from := 0; ; {
				i := bytes.Index(w[from:], k.key)
				if i < 0 {
					break
				}
				i += from
				for j, s := range k.signals {
					if at := i - k.offsets[j]; at >= 0 && bytes.HasPrefix(w[at:], s) {
						return true
					}
				}
				from = i + 1
			}
		}
		if end == len(body) {
			break
		}
		start = end - signalOverlap
	}
	return false
}

// Parse reads one page. See the package documentation for what it reads.
func (s *Source) Parse(p *source.Page) (res *source.Result, err error) {
	res = &source.Result{}
	if p == nil {
		return res, fmt.Errorf("html: parse: no page: %w", source.ErrNotThisFormat)
	}
	pageURL := ""
	if p.URL != nil {
		pageURL = p.URL.String()
	}
	perr := &source.ParseError{Source: Name, URL: clean(pageURL, 2000)}
	defer func() {
		// A parser bug must not take the crawl down: report it as damage.
		if r := recover(); r != nil {
			res = &source.Result{}
			perr.Add("internal error while parsing: %v", r)
			err = perr
		}
	}()

	body := toUTF8(p.Body, headerValue(p, "Content-Type"), perr)
	if !looksLikeHTML(body) {
		return res, fmt.Errorf("html: parse %s: body is not HTML: %w", perr.URL, source.ErrNotThisFormat)
	}
	root, cut, derr := htmldoc.ParsePrefix(body)
	if derr != nil {
		perr.Add("document: %v", derr)
		return res, perr
	}
	if cut < len(body) {
		perr.Add("document: elements nested more than 512 deep from byte %d on; read up to there", cut)
	}
	doc := goquery.NewDocumentFromNode(root)
	if p.Status >= 400 {
		perr.Add("http status %d", p.Status)
	}

	pg := &page{src: s, doc: doc, url: p.URL, perr: perr, fetchedAt: p.FetchedAt.UTC(), sourceURL: perr.URL, meta: p.Meta}
	pg.setBase()
	if pg.url == nil {
		return res, fmt.Errorf("html: parse: page has no URL and no canonical link: %w", source.ErrNotThisFormat)
	}
	robots := metarobots.Read(doc, p.Header)
	recognized := pg.parse(res, robots)
	sanitize(res)
	perr.Issues = dedupe(perr.Issues)
	if !recognized && len(perr.Issues) == 0 {
		return res, fmt.Errorf("html: parse %s: no profile or hashtag signals: %w", perr.URL, source.ErrNotThisFormat)
	}
	return res, perr.Err()
}

func headerValue(p *source.Page, key string) string {
	if p.Header == nil {
		return ""
	}
	return p.Header.Get(key)
}

// errNoHandle marks a profile whose handle could not be read.
var (
	errNoHandle      = errors.New("no handle")
	errRemoteAccount = errors.New("not read from this page")
)

// dedupe drops repeated issues (a link is resolved more than once), keeping
// the first of each in order, and bounds how many a page can report.
func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] && len(out) < 50 {
			seen[s] = true
			out = append(out, clean(s, 300))
		}
	}
	return out
}

// clean makes s valid UTF-8 without NULs and cuts it to max runes.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max])
	}
	return s
}
