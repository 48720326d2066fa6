package creator

import (
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	emailRe = regexp.MustCompile(`(?i)(?:mailto:)?([a-z0-9](?:[a-z0-9._%+-]*[a-z0-9_])?@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24})`)
	// Obfuscated forms: "jane [at] mail [dot] com", "jane(at)mail(dot)com".
	obfEmailRe = regexp.MustCompile(`(?i)([a-z0-9][a-z0-9._%+-]*)\s*[\[({<]\s*at\s*[\])}>]\s*([a-z0-9-]+(?:\s*(?:[\[({<]\s*dot\s*[\])}>]|\.)\s*[a-z0-9-]+)+)`)
	dotRe      = regexp.MustCompile(`(?i)\s*(?:[\[({<]\s*dot\s*[\])}>]|\.)\s*`)
	// otherSchemeRe is a scheme other than a host:port ("mailto:", "tel:").
	otherSchemeRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+-]*:(?:[^0-9]|$)`)
	linkRe        = regexp.MustCompile(`(?i)(?:https?://[^\s<>"'()\[\]{}]+|(?:www\.)[^\s<>"'()\[\]{}]+|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|io|co|me|ee|ai|app|de|uk|fr|es|it|nl|ca|au|us|tv|shop|store|link|bio|page|site|blog|xyz|info|dev|gg|ly|to|cc|fm|at|ch|be|se|no|dk|fi|pl|pt|br|mx|jp|kr|in)(?:/[^\s<>"'()\[\]{}]*)?)`)
)

// ExtractContacts returns the emails and links in a text (a bio, an about
// page, a link-in-bio page's text), deduplicated, in order of appearance.
// Emails are lower-cased; links get https:// when they had no scheme.
func ExtractContacts(text string) (emails, links []string) {
	// Each expression runs only on a text holding what every match of it
	// must (none of these characters has a case fold): an opening bracket
	// for obfEmailRe, '@' for emailRe, "." or "://" for linkRe.
	rest := text
	if strings.ContainsAny(text, "[({<") {
		for _, m := range obfEmailRe.FindAllStringSubmatch(text, -1) {
			domain := dotRe.ReplaceAllString(m[2], ".")
			emails = append(emails, strings.ToLower(m[1]+"@"+domain))
			rest = strings.Replace(rest, m[0], " ", 1)
		}
	}
	if strings.IndexByte(rest, '@') >= 0 {
		ms := emailRe.FindAllStringSubmatch(rest, -1)
		for _, m := range ms {
			emails = append(emails, strings.ToLower(m[1]))
		}
		if len(ms) > 0 {
			rest = emailRe.ReplaceAllString(rest, " ")
		}
	}
	if strings.IndexByte(rest, '.') >= 0 || strings.Contains(rest, "://") {
		for _, m := range linkRe.FindAllString(rest, -1) {
			if l, ok := NormalizeLink(m); ok {
				links = append(links, l)
			}
		}
	}
	return dedupe(emails), dedupeLinks(links)
}

// NormalizeLink trims trailing punctuation, adds https:// when there is no
// scheme and lower-cases the scheme and host. It refuses anything that is
// not an http(s) URL with a host.
func NormalizeLink(s string) (string, bool) {
	s = strings.TrimRight(strings.TrimSpace(s), ".,;:!?)]}'\"")
	if s == "" {
		return "", false
	}
	if !strings.Contains(s, "://") {
		if m := otherSchemeRe.FindString(s); m != "" {
			return "", false // mailto:, tel:, javascript:, ...
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil {
		return "", false // credentials, or "https://brand.com@evil.example"
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" || !strings.Contains(u.Host, ".") {
		return "", false
	}
	if !hostOK(u.Host) {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if u.Path == "/" {
		u.Path = ""
	}
	return u.String(), true
}

// hostOK reports whether host (with an optional port) is made of what a
// host name or an IP literal may hold: letters (internationalised names
// included), digits, '.', '-', and ':' and brackets for ports and IPv6.
func hostOK(host string) bool {
	if host == "" || len(host) > 260 {
		return false
	}
	for _, r := range host {
		switch {
		case r == '.' || r == '-' || r == ':' || r == '[' || r == ']':
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		case r >= 0x80 && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)):
		default:
			return false
		}
	}
	return true
}

// linkKey is the identity used to deduplicate links: no scheme, no "www.",
// no trailing slash.
func linkKey(l string) string {
	k := strings.ToLower(l)
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k = strings.TrimPrefix(k, "www.")
	return strings.TrimRight(k, "/")
}

func dedupeLinks(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range in {
		k := linkKey(l)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, l)
	}
	return out
}

// fillContact merges the emails and links of c's bio, links, website and
// email, deduplicated. c.Email and c.Website are kept when set and
// otherwise filled with the first email and first non-social link. mailto:
// links become emails. It returns where each came from.
func fillContact(c *Creator) *ContactEvidence {
	ev := &ContactEvidence{}
	var emails, links []Sourced
	addEmail := func(e, src string) {
		emails = append(emails, Sourced{Value: strings.ToLower(strings.TrimSpace(e)), Source: src})
	}
	addLink := func(l, src string) {
		if strings.HasPrefix(strings.ToLower(l), "mailto:") {
			if m := emailRe.FindStringSubmatch(l); m != nil {
				addEmail(m[1], src)
			}
			return
		}
		if n, ok := NormalizeLink(l); ok {
			links = append(links, Sourced{Value: n, Source: src})
		}
	}
	// Sources in a fixed order, so a value found twice keeps the same
	// source when Analyze runs again on its own output.
	be, bl := ExtractContacts(c.Bio)
	for _, e := range be {
		addEmail(e, "bio")
	}
	for _, l := range c.Links {
		addLink(l, "links")
	}
	for _, l := range bl {
		addLink(l, "bio")
	}
	if c.Website != "" {
		addLink(c.Website, "website")
	}
	if c.Email != "" {
		addEmail(c.Email, "email")
	}
	seenE := map[string]bool{}
	for _, e := range emails {
		if e.Value == "" || seenE[e.Value] {
			continue
		}
		seenE[e.Value] = true
		ev.Emails = append(ev.Emails, e)
	}
	seenL := map[string]int{}
	for _, l := range links {
		k := linkKey(l.Value)
		if i, dup := seenL[k]; dup {
			// c.Links may hold what an earlier run read from the bio: the
			// bio is the source that stays when Analyze runs again.
			if l.Source == "bio" && ev.Links[i].Source == "links" {
				ev.Links[i].Source = "bio"
			}
			continue
		}
		seenL[k] = len(ev.Links)
		ev.Links = append(ev.Links, l)
	}
	if c.Email == "" && len(ev.Emails) > 0 {
		c.Email = ev.Emails[0].Value
	}
	out := make([]string, 0, len(ev.Links))
	for _, l := range ev.Links {
		out = append(out, l.Value)
	}
	if c.Website == "" {
		for _, l := range out {
			if !isSocialLink(l) {
				c.Website = l
				break
			}
		}
	}
	c.Links = out
	return ev
}

// socialHosts are profile hosts, not a creator's own website.
var socialHosts = []string{"instagram.com", "tiktok.com", "youtube.com", "youtu.be", "twitter.com", "x.com", "facebook.com",
	"threads.net", "bsky.app", "pinterest.com", "twitch.tv", "snapchat.com", "linkedin.com", "spotify.com", "t.me"}

// IsSocialLink reports whether l is a profile on a social network
// (instagram.com, youtube.com, bsky.app, ...) rather than a creator's own
// website or a link-in-bio page.
func IsSocialLink(l string) bool { return isSocialLink(l) }

func isSocialLink(l string) bool {
	u, err := url.Parse(l)
	if err != nil {
		return false
	}
	h := strings.TrimPrefix(u.Host, "www.")
	for _, s := range socialHosts {
		if h == s || strings.HasSuffix(h, "."+s) {
			return true
		}
	}
	return false
}

// Contact fact kinds.
const (
	ContactEmail = "email"
	ContactLink  = "link"
)

// ContactFact is one e-mail address or link read from a page other than the
// creator's profile (a link-in-bio page, a website's home, about or contact
// page), with that page's URL and fetch time. Facts are stored apart from
// the profile, by the contact page the profile links to (ContactPages), so
// a profile recrawl does not erase them and every account that links to
// the page gets them; MergeContactFacts adds them to a creator after
// Analyze.
type ContactFact struct {
	CreatorID string    `json:"creator_id"`
	Kind      string    `json:"kind"` // ContactEmail or ContactLink
	Value     string    `json:"value"`
	SourceURL string    `json:"source_url"`
	FetchedAt time.Time `json:"fetched_at"`
}

// NormalizeEmail lower-cases and trims an e-mail address (a leading
// "mailto:" and any "?subject=..." are dropped) and reports whether the
// whole of it is one address.
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 {
		return "", false
	}
	m := emailRe.FindStringSubmatchIndex(s)
	if m == nil || m[0] != 0 || m[1] != len(s) || m[2] != 0 {
		return "", false
	}
	return s, true
}

// Normalize checks a fact and puts its value in canonical form: a
// lower-case address for an e-mail, NormalizeLink's form for a link. It
// names the field at fault.
func (f ContactFact) Normalize() (ContactFact, error) {
	if _, _, ok := SplitID(f.CreatorID); !ok {
		return f, Invalid("creator_id", "contact fact: %q is not a creator id (platform:handle)", f.CreatorID)
	}
	if f.SourceURL == "" {
		return f, Invalid("source_url", "contact fact for %s: source URL is empty", f.CreatorID)
	}
	if f.FetchedAt.IsZero() {
		return f, Invalid("fetched_at", "contact fact for %s from %s: fetch time is zero", f.CreatorID, f.SourceURL)
	}
	switch f.Kind {
	case ContactEmail:
		v, ok := NormalizeEmail(f.Value)
		if !ok {
			return f, Invalid("value", "contact fact for %s from %s: %q is not an e-mail address", f.CreatorID, f.SourceURL, f.Value)
		}
		f.Value = v
	case ContactLink:
		v, ok := NormalizeLink(f.Value)
		if !ok {
			return f, Invalid("value", "contact fact for %s from %s: %q is not an http(s) link", f.CreatorID, f.SourceURL, f.Value)
		}
		f.Value = v
	default:
		return f, Invalid("kind", "contact fact for %s from %s: kind %q is neither %q nor %q", f.CreatorID, f.SourceURL, f.Kind, ContactEmail, ContactLink)
	}
	return f, nil
}

// ContactFactMaxAge is how long a contact fact stays good without its page
// being read again, counted back from its creator's latest profile fetch.
// A crawl that fetches a profile reads the contact pages it links to again
// once they are older than the crawl's freshness (a 304 Not Modified
// confirms a page's facts as of then), so a fact this much older than its
// profile comes from a page the profile no longer links to, a page that is
// gone, or one the crawler may no longer fetch. It is not
// merged, and the store deletes it at the creator's next write.
const ContactFactMaxAge = 30 * 24 * time.Hour

// SplitContactFacts splits facts, in order, into those still good for a
// creator whose profile was fetched at profileFetched, and the stale ones:
// read more than ContactFactMaxAge before it. A zero profileFetched (a
// creator stored without a fetch time) and a fact without a fetch time are
// never stale.
func SplitContactFacts(facts []ContactFact, profileFetched time.Time) (fresh, stale []ContactFact) {
	if profileFetched.IsZero() {
		return facts, nil
	}
	cutoff := profileFetched.Add(-ContactFactMaxAge)
	for _, f := range facts {
		if !f.FetchedAt.IsZero() && f.FetchedAt.Before(cutoff) {
			stale = append(stale, f)
		} else {
			fresh = append(fresh, f)
		}
	}
	return fresh, stale
}

// MergeContactFacts adds facts read from link-in-bio, about and contact
// pages to c, after Analyze: each e-mail and link goes into the contact
// evidence with the page it came from and that page's fetch time, links
// not yet known are appended to c.Links, and c.Email is filled with the
// first e-mail when the profile gave none. c.Website is left alone: a
// link-in-bio page lists shops and other profiles, not one website.
//
// A value a fact carries is credited to the fact's page, not to the
// "email" or "links" field: a creator loaded back from the store holds the
// values an earlier merge put there. Values read from the bio or the
// website field keep that source beside the page. Facts of other
// creators, and facts that do not normalise, are skipped. It is
// idempotent and keeps the order given.
func MergeContactFacts(c *Creator, facts []ContactFact) {
	if c == nil || len(facts) == 0 {
		return
	}
	var ok []ContactFact
	for _, f := range facts {
		if f.CreatorID != "" && f.CreatorID != c.ID {
			continue
		}
		f.CreatorID = c.ID
		if n, err := f.Normalize(); err == nil {
			ok = append(ok, n)
		}
	}
	if len(ok) == 0 {
		return
	}
	ev := &ContactEvidence{}
	if c.Analysis != nil && c.Analysis.Contact != nil {
		ev = c.Analysis.Contact
	}
	factEmail, factLink := map[string]bool{}, map[string]bool{}
	for _, f := range ok {
		if f.Kind == ContactEmail {
			factEmail[f.Value] = true
		} else {
			factLink[linkKey(f.Value)] = true
		}
	}
	fromField := func(src string) bool { return src == "email" || src == "links" }
	emails := ev.Emails[:0:0]
	for _, e := range ev.Emails {
		if !(fromField(e.Source) && factEmail[e.Value]) {
			emails = append(emails, e)
		}
	}
	links := ev.Links[:0:0]
	for _, l := range ev.Links {
		if !(fromField(l.Source) && factLink[linkKey(l.Value)]) {
			links = append(links, l)
		}
	}
	type key struct{ v, src string }
	seen := map[key]bool{}
	for _, e := range emails {
		seen[key{e.Value, e.Source}] = true
	}
	for _, l := range links {
		seen[key{linkKey(l.Value), l.Source}] = true
	}
	known := map[string]bool{}
	for _, l := range c.Links {
		known[linkKey(l)] = true
	}
	for _, f := range ok {
		at := f.FetchedAt.UTC()
		s := Sourced{Value: f.Value, Source: f.SourceURL, FetchedAt: &at}
		if f.Kind == ContactEmail {
			if !seen[key{f.Value, f.SourceURL}] {
				seen[key{f.Value, f.SourceURL}] = true
				emails = append(emails, s)
			}
			if c.Email == "" {
				c.Email = f.Value
			}
			continue
		}
		k := linkKey(f.Value)
		if !seen[key{k, f.SourceURL}] {
			seen[key{k, f.SourceURL}] = true
			links = append(links, s)
		}
		if !known[k] {
			known[k] = true
			c.Links = append(c.Links, f.Value)
		}
	}
	ev.Emails, ev.Links = emails, links
	if c.Analysis != nil {
		c.Analysis.Contact = ev
	}
}

// linkInBioHosts are link-in-bio services, sorted. A page on one of them,
// or on a subdomain (jane.carrd.co), is one creator's list of links.
var linkInBioHosts = []string{
	"beacons.ai",
	"bio.link",
	"bio.site",
	"campsite.bio",
	"carrd.co",
	"flow.page",
	"hoo.be",
	"linkin.bio",
	"linkr.bio",
	"linktr.ee",
	"lnk.bio",
	"msha.ke",
	"solo.to",
	"stan.store",
	"tap.bio",
	"taplink.cc",
}

// IsLinkInBioHost reports whether host (a host name, without a port) is a
// link-in-bio service or a subdomain of one.
func IsLinkInBioHost(host string) bool {
	return hostIn(host, linkInBioHosts)
}

// hostIn reports whether host is one of list or a subdomain of one.
func hostIn(host string, list []string) bool {
	host = strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(host), "."), "www.")
	for _, h := range list {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// ContactPages lists the pages c links to that may give contacts, as
// NormalizeLink writes them: every link-in-bio page (IsLinkInBioHost) in
// the website field, the links and the bio, in that order, then the website
// field when it is the creator's own site (not a social network profile, an
// affiliate or shop link, or c's own profile). Other links in the bio are
// left out: a brand's site or a shop there is not the creator's contact
// page. The crawler picks the pages it fetches from them; a page's
// contacts reach every creator listing it.
func ContactPages(c *Creator) []string {
	if c == nil {
		return nil
	}
	own := map[string]bool{}
	for _, u := range []string{c.URL, c.SourceURL} {
		if n, ok := NormalizeLink(u); ok {
			own[linkKey(n)] = true
		}
	}
	_, bio := ExtractContacts(c.Bio)
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if k := linkKey(n); !seen[k] && !own[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	for _, raw := range append(append([]string{c.Website}, c.Links...), bio...) {
		if n, ok := NormalizeLink(raw); ok {
			if u, err := url.Parse(n); err == nil && IsLinkInBioHost(u.Hostname()) {
				add(n)
			}
		}
	}
	if n, ok := NormalizeLink(c.Website); ok && !isSocialLink(n) && !isAffiliateLink(n) {
		add(n)
	}
	return out
}

// isAffiliateLink reports whether l is on an affiliate or shop link host
// (affiliateHosts in disclosure.go).
func isAffiliateLink(l string) bool {
	u, err := url.Parse(l)
	if err != nil {
		return false
	}
	full := strings.TrimPrefix(strings.ToLower(u.Host), "www.") + u.Path
	for _, h := range affiliateHosts {
		if strings.Contains(h, "/") {
			if strings.HasPrefix(full, h) {
				return true
			}
		} else if hostIn(u.Hostname(), []string{h}) {
			return true
		}
	}
	return false
}

// ContactPageKey is the identity of a contact page: its link without
// scheme, "www." or trailing slash, lower case. Two spellings of one page
// ("https://linktr.ee/Jane/", "http://www.linktr.ee/jane") have one key.
func ContactPageKey(link string) string {
	if n, ok := NormalizeLink(link); ok {
		link = n
	}
	return linkKey(link)
}
