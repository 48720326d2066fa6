package linkpage

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/htmldoc"
	"github.com/creatorscout/creatorscout/crawler/source/internal/metarobots"
	"github.com/creatorscout/creatorscout/creator"
)

// Name is the registered name of this source.
const Name = "linkpage"

// Limits on what one page may contribute.
const (
	MaxEmails = 20
	MaxLinks  = 100
	// MaxFollow is how many about or contact pages one website page may
	// lead to.
	MaxFollow = 2
	maxURL    = 2048 // bytes in one link
)

// Meta keys of the requests this source queues.
const (
	// MetaContactHop is "1" on an about or contact page followed from the
	// website page a profile linked to; such a page is not followed further.
	MetaContactHop = "contact_hop"
	// metaSource is crawler.MetaSource: the source that reads a request's
	// page (this package cannot import the crawler).
	metaSource = "source"
)

func init() {
	source.Register(Name, func(o source.Options) (source.Source, error) { return New(o) })
}

// Source parses link-in-bio, about and contact pages.
type Source struct {
	hosts map[string]bool // extra link-in-bio hosts (host or host:port)
}

var _ source.Source = (*Source)(nil)

// New builds the source. Each o.Hosts entry is a host or host:port to treat
// as a link-in-bio service besides the known ones (a loopback server
// standing in for one).
func New(o source.Options) (*Source, error) {
	s := &Source{hosts: map[string]bool{}}
	for _, h := range o.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || strings.ContainsAny(h, "/ ?#=") {
			return nil, fmt.Errorf("linkpage: hosts entry %q: want host or host:port", h)
		}
		s.hosts[h] = true
	}
	return s, nil
}

// Name returns "linkpage".
func (s *Source) Name() string { return Name }

// Detect claims pages of link-in-bio services (by URL alone; the body is
// not needed). Pages of a creator's own website are read only when a
// request names this source in its Meta.
func (s *Source) Detect(u *url.URL, _ []byte) bool { return s.IsLinkInBio(u) }

// IsLinkInBio reports whether u is on a link-in-bio service: a known one
// (creator.IsLinkInBioHost) or one of the hosts the source was given.
func (s *Source) IsLinkInBio(u *url.URL) bool {
	if u == nil || u.Host == "" {
		return false
	}
	if s.hosts[strings.ToLower(u.Host)] {
		return true
	}
	return creator.IsLinkInBioHost(u.Hostname())
}

// hostIn reports whether host is one of list or a subdomain of one.
func hostIn(host string, list []string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	host = strings.TrimPrefix(host, "www.")
	for _, h := range list {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// Parse reads one page's contacts. See the package documentation.
func (s *Source) Parse(p *source.Page) (res *source.Result, err error) {
	res = &source.Result{}
	if p == nil {
		return res, fmt.Errorf("linkpage: parse: no page: %w", source.ErrNotThisFormat)
	}
	pageURL := ""
	if p.URL != nil {
		pageURL = p.URL.String()
	}
	perr := &source.ParseError{Source: Name, URL: clip(strings.ToValidUTF8(pageURL, "\uFFFD"), maxURL)}
	defer func() {
		// A parser bug must not take the crawl down: report it as damage.
		if r := recover(); r != nil {
			res = &source.Result{}
			perr.Add("internal error while parsing: %v", r)
			err = perr
		}
	}()
	body := bytes.ToValidUTF8(bytes.TrimPrefix(p.Body, []byte("\xef\xbb\xbf")), []byte("\uFFFD"))
	if !looksLikeHTML(body) {
		return res, fmt.Errorf("linkpage: parse %s: body is not HTML: %w", perr.URL, source.ErrNotThisFormat)
	}
	root, derr := htmldoc.Parse(body)
	if derr != nil {
		perr.Add("document: %v", derr)
		return res, perr
	}
	doc := goquery.NewDocumentFromNode(root)
	if p.Status >= 400 {
		perr.Add("http status %d", p.Status)
	}
	creatorID := p.Meta[source.MetaCreatorID]
	if creatorID != "" {
		if _, _, ok := creator.SplitID(creatorID); !ok {
			perr.Add("meta %s %q is not a creator id; the contacts are credited to nobody", source.MetaCreatorID, clip(creatorID, 200))
			creatorID = ""
		}
	}
	rd := metarobots.Read(doc, p.Header)
	if rd.NoIndex {
		return res, perr.Err() // the page asks not to be indexed: nothing from it is kept
	}
	pg := &page{
		src:       s,
		doc:       doc,
		url:       p.URL,
		linkInBio: s.IsLinkInBio(p.URL),
		perr:      perr,
	}
	pg.read()
	at := p.FetchedAt.UTC()
	for _, e := range pg.emails {
		res.Contacts = append(res.Contacts, creator.ContactFact{CreatorID: creatorID, Kind: creator.ContactEmail, Value: e, SourceURL: perr.URL, FetchedAt: at})
	}
	for _, l := range pg.links {
		res.Contacts = append(res.Contacts, creator.ContactFact{CreatorID: creatorID, Kind: creator.ContactLink, Value: l, SourceURL: perr.URL, FetchedAt: at})
	}
	if creatorID != "" && !rd.NoFollow && !pg.linkInBio && p.Meta[MetaContactHop] == "" {
		home := p.Meta[source.MetaContactPage]
		if home == "" {
			home = perr.URL
		}
		for _, u := range pg.follow {
			res.Next = append(res.Next, source.Request{URL: u, Kind: source.KindPage, Meta: map[string]string{
				metaSource: Name, source.MetaCreatorID: creatorID, source.MetaContactPage: home, MetaContactHop: "1",
			}})
		}
	}
	perr.Issues = dedupe(perr.Issues)
	return res, perr.Err()
}

// looksLikeHTML reports whether body starts like markup rather than JSON.
func looksLikeHTML(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
