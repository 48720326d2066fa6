package linkpage

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/lenient"
	"github.com/creatorscout/creatorscout/creator"
)

// Bounds on the work one page can cause.
const (
	maxNextData = 4 << 20 // bytes of Linktree data read
	maxLDScript = 1 << 20 // bytes of one JSON-LD script read
	maxLDNodes  = 20000   // JSON values walked per JSON-LD script
	maxText     = 200_000 // bytes of visible text searched for addresses
	maxAnchors  = 2000    // <a> elements read
)

// page is one page being read.
type page struct {
	src       *Source
	doc       *goquery.Document
	url       *url.URL // nil when the page has no URL (extract from a file)
	linkInBio bool
	perr      *source.ParseError

	emails, links, follow []string
	seenE, seenL, seenF   map[string]bool
	capE, capL            bool
}

// read fills emails, links and follow from every part of the page.
func (pg *page) read() {
	pg.seenE, pg.seenL, pg.seenF = map[string]bool{}, map[string]bool{}, map[string]bool{}
	pg.nextData()
	pg.jsonLD()
	pg.anchors()
	pg.text()
	sort.SliceStable(pg.follow, func(i, j int) bool { return followRank(pg.follow[i]) < followRank(pg.follow[j]) })
	if len(pg.follow) > MaxFollow {
		pg.follow = pg.follow[:MaxFollow]
	}
}

// nextData reads Linktree's Next.js page data.
func (pg *page) nextData() {
	sel := pg.doc.Find(`script#__NEXT_DATA__`)
	if sel.Length() == 0 {
		return
	}
	raw := sel.First().Text()
	if len(raw) > maxNextData {
		pg.perr.Add("__NEXT_DATA__: %d bytes, more than %d; not read", len(raw), maxNextData)
		return
	}
	tree, err := lenient.ReadTree([]byte(raw))
	if err != nil {
		pg.perr.Add("__NEXT_DATA__: %v", err)
	}
	root, ok := lenient.ObjectAt(tree, "__NEXT_DATA__", pg.perr)
	if !ok {
		return
	}
	props := root.Obj("props").Obj("pageProps")
	for _, holder := range []lenient.Fields{props.Obj("account"), props} {
		for i, v := range holder.Arr("links") {
			l, ok := lenient.ObjectAt(v, fmt.Sprintf("%s[%d]", holder.At("links"), i), pg.perr)
			if !ok {
				continue
			}
			pg.addHref(l.Str("url"), "")
		}
		for i, v := range holder.Arr("socialLinks") {
			l, ok := lenient.ObjectAt(v, fmt.Sprintf("%s[%d]", holder.At("socialLinks"), i), pg.perr)
			if !ok {
				continue
			}
			u := l.Str("url")
			if strings.EqualFold(l.Str("type"), "EMAIL_ADDRESS") {
				pg.addEmail(u)
				continue
			}
			pg.addHref(u, "")
		}
		pg.addTextEmails(holder.Str("description"))
	}
}

// jsonLD reads every "email" and "sameAs" in the page's JSON-LD.
func (pg *page) jsonLD() {
	pg.doc.Find(`script[type]`).Each(func(i int, s *goquery.Selection) {
		t := strings.ToLower(strings.TrimSpace(s.AttrOr("type", "")))
		if t != "application/ld+json" {
			return
		}
		raw := s.Text()
		if len(raw) > maxLDScript {
			pg.perr.Add("JSON-LD script %d: %d bytes, more than %d; not read", i, len(raw), maxLDScript)
			return
		}
		tree, err := lenient.ReadTree([]byte(raw))
		if err != nil {
			pg.perr.Add("JSON-LD script %d: %v", i, err)
		}
		budget := maxLDNodes
		pg.walkLD(tree, "", &budget)
	})
}

func (pg *page) walkLD(v any, key string, budget *int) {
	if *budget <= 0 {
		return
	}
	*budget--
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			pg.walkLD(x, k, budget)
		}
	case []any:
		for _, x := range t {
			pg.walkLD(x, key, budget)
		}
	case string:
		switch key {
		case "email":
			pg.addEmail(t)
		case "sameAs":
			pg.addHref(t, "")
		}
	}
}

// anchors reads <a href>: mailto: and Cloudflare-protected addresses,
// outbound links, and about or contact pages to follow.
func (pg *page) anchors() {
	n := 0
	pg.doc.Find("a").EachWithBreak(func(_ int, a *goquery.Selection) bool {
		n++
		if n > maxAnchors {
			pg.perr.Add("more than %d links; the rest not read", maxAnchors)
			return false
		}
		if cf, ok := a.Attr("data-cfemail"); ok {
			pg.addEmail(cfDecode(cf))
		}
		a.Find("[data-cfemail]").Each(func(_ int, s *goquery.Selection) {
			pg.addEmail(cfDecode(s.AttrOr("data-cfemail", "")))
		})
		href, ok := a.Attr("href")
		if !ok {
			return true
		}
		href = strings.TrimSpace(href)
		if i := strings.Index(href, "/cdn-cgi/l/email-protection#"); i >= 0 {
			pg.addEmail(cfDecode(href[i+len("/cdn-cgi/l/email-protection#"):]))
			return true
		}
		if len(href) >= 7 && strings.EqualFold(href[:7], "mailto:") {
			// mailto:a@x.com,b@y.com is two addresses.
			for _, e := range strings.Split(href, ",") {
				pg.addEmail(e)
			}
			return true
		}
		pg.addHref(href, strings.TrimSpace(a.Text()))
		return true
	})
}

// text reads addresses in the visible text, obfuscated ones included.
func (pg *page) text() {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if b.Len() > maxText {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "noscript", "template", "head":
				return
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range pg.doc.Nodes {
		walk(n)
	}
	pg.addTextEmails(b.String())
}

func (pg *page) addTextEmails(s string) {
	if s == "" {
		return
	}
	emails, _ := creator.ExtractContacts(clip(s, maxText))
	for _, e := range emails {
		pg.addEmail(e)
	}
}

// notAddressTLD are "top-level domains" of what are really file names
// (logo@2x.png, icon@3x.webp).
var notAddressTLD = map[string]bool{"png": true, "jpg": true, "jpeg": true, "gif": true, "webp": true, "svg": true,
	"avif": true, "ico": true, "css": true, "js": true, "mp4": true, "pdf": true}

// addEmail keeps an address that is the creator's.
func (pg *page) addEmail(raw string) {
	e, ok := creator.NormalizeEmail(raw)
	if !ok {
		return
	}
	domain := e[strings.LastIndexByte(e, '@')+1:]
	if notAddressTLD[domain[strings.LastIndexByte(domain, '.')+1:]] {
		return
	}
	if creator.IsLinkInBioHost(domain) || hostIn(domain, builderHosts) || domain == "example.com" {
		return // the service's own address or a placeholder
	}
	if pg.seenE[e] {
		return
	}
	if len(pg.emails) >= MaxEmails {
		if !pg.capE {
			pg.capE = true
			pg.perr.Add("more than %d e-mail addresses; the rest dropped", MaxEmails)
		}
		return
	}
	pg.seenE[e] = true
	pg.emails = append(pg.emails, e)
}

// builderHosts are hosts whose every link is a site builder's or a web
// service's (credits, fonts, standards), never a creator's. Sorted.
var builderHosts = []string{
	"cloudflare.com",
	"fonts.googleapis.com",
	"fonts.gstatic.com",
	"schema.org",
	"squarespace.com",
	"w3.org",
	"webflow.com",
	"wix.com",
	"wordpress.org",
}

// servicePaths are first path segments of a link-in-bio service's own pages
// (linktr.ee/s/about, linktr.ee/privacy), not creators' pages.
var servicePaths = map[string]bool{"": true, "s": true, "privacy": true, "terms": true, "legal": true, "help": true,
	"blog": true, "login": true, "signup": true, "register": true, "cookies": true, "pricing": true, "features": true,
	"about": true, "build": true, "contact": true, "support": true, "templates": true, "discover": true, "marketplace": true,
	"hc": true, "report": true, "cookie-policy": true, "privacy-policy": true, "terms-of-service": true}

// aboutPath and aboutText recognise about and contact pages.
var (
	aboutPath = regexp.MustCompile(`(?i)(?:^|/)(?:about|about-me|about-us|aboutme|contact|contact-me|contact-us|contacts|kontakt|contacto|contato|contatti|impressum|a-propos|apropos|uber-mich|ueber-mich|over-mij|press|work-with-me|workwithme|collab|collabs|collaborate|partnerships|booking|hire-me)(?:\.html?|\.php)?/?$`)
	aboutText = regexp.MustCompile(`(?i)^(?:about|about me|about us|contact|contact me|contact us|get in touch|kontakt|contacto|contato|contatti|impressum|à propos|a propos|über mich|ueber mich|over mij|press|work with me|collabs?|collaborate|partnerships|booking|hire me)$`)
)

// addHref resolves a link and keeps it as a contact link (another host),
// an about or contact page to follow (this host), or nothing.
func (pg *page) addHref(raw, text string) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxURL {
		return
	}
	if len(raw) >= 7 && strings.EqualFold(raw[:7], "mailto:") {
		pg.addEmail(raw)
		return
	}
	ref, err := url.Parse(raw)
	if err != nil {
		return
	}
	u := ref
	if pg.url != nil {
		u = pg.url.ResolveReference(ref)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return
	}
	u.Fragment = ""
	if pg.url != nil && strings.EqualFold(u.Host, pg.url.Host) {
		if !pg.linkInBio && (aboutPath.MatchString(u.Path) || aboutText.MatchString(strings.Join(strings.Fields(text), " "))) {
			pg.addFollow(u)
		}
		return // this site's own page: navigation, not a contact
	}
	if hostIn(u.Hostname(), builderHosts) {
		return
	}
	if creator.IsLinkInBioHost(u.Hostname()) || pg.src.hosts[strings.ToLower(u.Host)] {
		first, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
		if servicePaths[strings.ToLower(first)] || pg.serviceRoot(u) {
			return // the service's own page ("Made with Linktree", privacy)
		}
	}
	stripTracking(u)
	l, ok := creator.NormalizeLink(u.String())
	if !ok || len(l) > maxURL {
		return
	}
	k := strings.TrimRight(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(l), "https://"), "http://"), "/")
	k = strings.TrimPrefix(k, "www.")
	if pg.seenL[k] {
		return
	}
	if len(pg.links) >= MaxLinks {
		if !pg.capL {
			pg.capL = true
			pg.perr.Add("more than %d links; the rest dropped", MaxLinks)
		}
		return
	}
	pg.seenL[k] = true
	pg.links = append(pg.links, l)
}

// addFollow notes an about or contact page of this site. Contact pages
// come first, then about pages, then the rest (press, booking, impressum):
// read keeps the first MaxFollow.
func (pg *page) addFollow(u *url.URL) {
	if pg.url == nil {
		return
	}
	c := *u
	c.RawQuery = ""
	if strings.TrimRight(c.Path, "/") == strings.TrimRight(pg.url.Path, "/") {
		return // the page itself
	}
	s := c.String()
	if pg.seenF[s] {
		return
	}
	pg.seenF[s] = true
	pg.follow = append(pg.follow, s)
}

// followRank orders follow-up candidates: contact pages, about pages, the rest.
func followRank(raw string) int {
	u, err := url.Parse(raw)
	if err != nil {
		return 3
	}
	p := strings.ToLower(u.Path)
	switch {
	case strings.Contains(p, "contact") || strings.Contains(p, "kontakt") || strings.Contains(p, "contato") || strings.Contains(p, "contatti"):
		return 0
	case strings.Contains(p, "about") || strings.Contains(p, "propos") || strings.Contains(p, "mich") || strings.Contains(p, "over-mij"):
		return 1
	case strings.Contains(p, "work") || strings.Contains(p, "collab") || strings.Contains(p, "partner") || strings.Contains(p, "booking") || strings.Contains(p, "hire"):
		return 2
	}
	return 3
}

// serviceRoot reports whether u is the bare domain of the service the page
// is on (jane.carrd.co linking to carrd.co): the service's own site.
func (pg *page) serviceRoot(u *url.URL) bool {
	if pg.url == nil {
		return false
	}
	h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	ph := strings.ToLower(pg.url.Hostname())
	return h != ph && strings.HasSuffix(ph, "."+h)
}

// stripTracking drops utm_* parameters, which say where a click came from,
// not where it goes.
func stripTracking(u *url.URL) {
	if u.RawQuery == "" || !strings.Contains(u.RawQuery, "utm_") {
		return
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "utm_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
}

// cfDecode decodes a Cloudflare-protected address: hex bytes, the first
// the key the others are XORed with.
func cfDecode(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 4 || len(s) > 512 || len(s)%2 != 0 {
		return ""
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return ""
	}
	out := make([]byte, len(b)-1)
	for i := range out {
		out[i] = b[i+1] ^ b[0]
	}
	return string(out)
}
