package creator

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	emailRe = regexp.MustCompile(`(?i)(?:mailto:)?([a-z0-9](?:[a-z0-9._%+-]*[a-z0-9_])?@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24})`)
	// Obfuscated forms: "jane [at] mail [dot] com", "jane(at)mail(dot)com".
	obfEmailRe = regexp.MustCompile(`(?i)([a-z0-9][a-z0-9._%+-]*)\s*[\[({<]\s*at\s*[\])}>]\s*([a-z0-9-]+(?:\s*(?:[\[({<]\s*dot\s*[\])}>]|\.)\s*[a-z0-9-]+)+)`)
	dotRe      = regexp.MustCompile(`(?i)\s*(?:[\[({<]\s*dot\s*[\])}>]|\.)\s*`)
	linkRe     = regexp.MustCompile(`(?i)(?:https?://[^\s<>"'()\[\]{}]+|(?:www\.)[^\s<>"'()\[\]{}]+|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|io|co|me|ee|ai|app|de|uk|fr|es|it|nl|ca|au|us|tv|shop|store|link|bio|page|site|blog|xyz|info|dev|gg|ly|to|cc|fm|at|ch|be|se|no|dk|fi|pl|pt|br|mx|jp|kr|in)(?:/[^\s<>"'()\[\]{}]*)?)`)
)

// ExtractContacts returns the emails and links in a text (a bio, an about
// page, a link-in-bio page's text), deduplicated, in order of appearance.
// Emails are lower-cased; links get https:// when they had no scheme.
func ExtractContacts(text string) (emails, links []string) {
	rest := text
	for _, m := range obfEmailRe.FindAllStringSubmatch(text, -1) {
		domain := dotRe.ReplaceAllString(m[2], ".")
		emails = append(emails, strings.ToLower(m[1]+"@"+domain))
		rest = strings.Replace(rest, m[0], " ", 1)
	}
	for _, m := range emailRe.FindAllStringSubmatch(rest, -1) {
		emails = append(emails, strings.ToLower(m[1]))
	}
	rest = emailRe.ReplaceAllString(rest, " ")
	for _, m := range linkRe.FindAllString(rest, -1) {
		if l, ok := NormalizeLink(m); ok {
			links = append(links, l)
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
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" || !strings.Contains(u.Host, ".") {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if u.Path == "/" {
		u.Path = ""
	}
	return u.String(), true
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
	seenL := map[string]bool{}
	for _, l := range links {
		k := linkKey(l.Value)
		if seenL[k] {
			continue
		}
		seenL[k] = true
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
