// Package robots reads robots.txt files the way RFC 9309 says to, and
// remembers them per origin.
//
// The parser and matcher are our own, small and strict about the parts of
// RFC 9309 that matter for politeness:
//
//   - groups are chosen by the crawler's product token (case-insensitive);
//     several groups naming the same token are merged, and "*" is the
//     fallback;
//   - the longest matching rule wins, measured in octets of the normalised
//     pattern, and Allow wins a tie (RFC 9309 §2.2.2);
//   - "*" matches any run of characters and a trailing "$" anchors the end;
//   - percent-encoding is normalised on both sides before matching;
//   - /robots.txt itself is always allowed;
//   - only the first MaxSize bytes are parsed.
//
// temoto/robotstxt (which colly uses) lets the first of two equally long
// rules win rather than Allow, measures wildcard rules by the length of the
// regular expression it builds, and keeps its rules private, so its answer
// cannot be corrected from outside. The tests cross-check this parser against
// temoto on every case where RFC 9309 and temoto agree.
//
// What a fetch status means (404 allows all, 401/403 disallow all, 5xx, 429
// and network errors disallow all until a retry) lives in Classify; the
// cache that applies it, with the 24-hour lifetime and the 30-day use of a
// good copy while the server is unreachable, is Cache.
package robots

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"
)

// MaxSize is how much of a robots.txt file is parsed (RFC 9309 §2.5: at
// least 500 KiB). Bytes beyond it are ignored, and so is a line cut by it.
const MaxSize = 500 << 10

// Rules is a parsed robots.txt. The zero value and nil allow everything.
type Rules struct {
	groups      map[string]*group // by lower-case product token, "*" included
	disallowAll bool
	sitemaps    []string
}

type group struct {
	rules      []rule
	crawlDelay time.Duration
	hasDelay   bool
}

// MaxCrawlDelay is the longest Crawl-delay Parse reads; a longer one reads
// as this.
const MaxCrawlDelay = 365 * 24 * time.Hour

type rule struct {
	pattern  string // normalised
	allow    bool
	segs     []string // pattern (without a final $) split at each *
	anchored bool     // pattern ends in $
}

func newRule(pattern string, allow bool) rule {
	ru := rule{pattern: pattern, allow: allow}
	p := pattern
	if ru.anchored = strings.HasSuffix(p, "$"); ru.anchored {
		p = p[:len(p)-1]
	}
	ru.segs = strings.Split(p, "*")
	return ru
}

// AllowAll returns rules that allow every path (robots.txt missing, 404).
func AllowAll() *Rules { return &Rules{} }

// DisallowAll returns rules that allow no path except /robots.txt (401, 403,
// or a server that cannot be reached).
func DisallowAll() *Rules { return &Rules{disallowAll: true} }

// DisallowsAll reports whether r is the blanket disallow of DisallowAll.
func (r *Rules) DisallowsAll() bool { return r != nil && r.disallowAll }

// Sitemaps lists the Sitemap lines, in file order.
func (r *Rules) Sitemaps() []string {
	if r == nil {
		return nil
	}
	return r.sitemaps
}

// Parse reads a robots.txt body. It never fails: lines it does not
// understand are skipped, as RFC 9309 §2.2 asks.
func Parse(body []byte) *Rules {
	if len(body) > MaxSize {
		body = body[:MaxSize]
		// Drop the line the cut went through: half a rule can be broader
		// or narrower than the whole one.
		if i := bytes.LastIndexAny(body, "\r\n"); i >= 0 {
			body = body[:i]
		} else {
			body = nil
		}
	}
	body = bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))

	r := &Rules{groups: map[string]*group{}}
	var agents []string // the user-agent lines of the group being read
	inRules := false    // the current group has had a member line
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := splitLine(string(line))
		if !ok {
			continue
		}
		switch key {
		case "user-agent", "useragent", "user agent":
			if inRules {
				agents, inRules = nil, false
			}
			agents = append(agents, agentToken(value))
		case "allow", "disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw":
			if len(agents) == 0 {
				continue // a rule before any user-agent line belongs to no group
			}
			inRules = true
			if value == "" {
				continue // an empty rule matches nothing (RFC 9309 §2.2.2)
			}
			ru := newRule(normalizePattern(value), key == "allow")
			for _, a := range agents {
				g := r.group(a)
				g.rules = append(g.rules, ru)
			}
		case "crawl-delay", "crawldelay", "crawl delay":
			if len(agents) == 0 {
				continue
			}
			inRules = true
			secs, err := strconv.ParseFloat(value, 64)
			if errors.Is(err, strconv.ErrRange) && secs > 0 {
				err = nil // "1e400": +Inf, longer than any cap
			}
			if err != nil || secs < 0 || secs != secs {
				continue
			}
			// A delay past a year ("inf", "1e400", 31536001) is a year: over
			// any cap, so the crawler skips the host rather than ignoring
			// the line and crawling at full speed.
			d := MaxCrawlDelay
			if secs < MaxCrawlDelay.Seconds() {
				d = time.Duration(secs * float64(time.Second))
			}
			for _, a := range agents {
				g := r.group(a)
				if !g.hasDelay || d > g.crawlDelay {
					g.crawlDelay, g.hasDelay = d, true
				}
			}
		case "sitemap", "site-map":
			if value != "" {
				r.sitemaps = append(r.sitemaps, value)
			}
		}
	}
	return r
}

func (r *Rules) group(agent string) *group {
	g := r.groups[agent]
	if g == nil {
		g = &group{}
		r.groups[agent] = g
	}
	return g
}

// splitLine splits "Key: value" into a lower-case key and a trimmed value.
func splitLine(line string) (key, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i < 0 {
		return "", "", false
	}
	key = strings.ToLower(strings.TrimSpace(line[:i]))
	value = strings.TrimSpace(line[i+1:])
	return key, value, key != ""
}

// agentToken reduces a user-agent line's value or a crawler's User-Agent
// header to its lower-case product token: "CreatorScout/1.0 (+url)" is
// "creatorscout".
func agentToken(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "/ \t("); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// find returns the group that applies to the product token, or nil.
func (r *Rules) find(agent string) *group {
	if g := r.groups[agentToken(agent)]; g != nil && agentToken(agent) != "" {
		return g
	}
	return r.groups["*"]
}

// Allowed reports whether the crawler whose User-Agent is agent may fetch
// pathQuery (the escaped path and the query, e.g. "/a%20b?x=1").
func (r *Rules) Allowed(agent, pathQuery string) bool {
	if pathQuery == "" {
		pathQuery = "/"
	}
	p := normalizePath(pathQuery)
	if p == "/robots.txt" {
		return true
	}
	if r == nil {
		return true
	}
	if r.disallowAll {
		return false
	}
	g := r.find(agent)
	if g == nil {
		return true
	}
	best, allowed := -1, true
	for _, ru := range g.rules {
		if !ru.match(p) {
			continue
		}
		l := len(ru.pattern)
		if l > best || (l == best && ru.allow) {
			best, allowed = l, ru.allow
		}
	}
	return allowed
}

// CrawlDelay is the Crawl-delay of the group that applies to agent. ok is
// false when that group sets none.
func (r *Rules) CrawlDelay(agent string) (d time.Duration, ok bool) {
	if r == nil || r.disallowAll {
		return 0, false
	}
	g := r.find(agent)
	if g == nil {
		return 0, false
	}
	return g.crawlDelay, g.hasDelay
}

// match reports whether the rule's pattern (normalised, with * and $)
// matches the start of path (normalised).
//
// The pattern's first piece must start the path, and each later piece is
// taken where it first occurs after the one before: with * as the only
// wildcard, the leftmost occurrence leaves the most path for what follows,
// so if any way of matching succeeds this one does. A pattern ending in $
// must also end the path, with its last piece as the path's end. Each
// piece is found with strings.Index, so a rule costs about the lengths of
// path and pattern: a hostile robots.txt of long "/*aaa…b" rules cannot
// make every URL of its host cost seconds of backtracking.
func (ru *rule) match(path string) bool {
	segs := ru.segs
	if !strings.HasPrefix(path, segs[0]) {
		return false
	}
	if len(segs) == 1 {
		return !ru.anchored || len(path) == len(segs[0])
	}
	pos := len(segs[0])
	last := len(segs) - 1
	for _, s := range segs[1:last] {
		i := strings.Index(path[pos:], s)
		if i < 0 {
			return false
		}
		pos += i + len(s)
	}
	if ru.anchored {
		return len(path)-pos >= len(segs[last]) && strings.HasSuffix(path, segs[last])
	}
	return strings.Contains(path[pos:], segs[last])
}

const upperhex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// normalizePath brings a path to the form patterns are compared in:
// %XX of an unreserved character is decoded, other escapes get upper-case
// hex, and bytes that must be escaped (non-ASCII, space, control) are.
func normalizePath(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if unreserved(d) {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(upperhex[d>>4])
				b.WriteByte(upperhex[d&15])
			}
			i += 2
		case c >= 0x80 || c <= 0x20 || c == 0x7f:
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// normalizePattern normalises a rule's value like a path, keeping * and a
// final $ as operators and making sure it starts with / or *.
func normalizePattern(v string) string {
	anchored := strings.HasSuffix(v, "$")
	if anchored {
		v = v[:len(v)-1]
	}
	p := normalizePath(v)
	for strings.Contains(p, "**") {
		p = strings.ReplaceAll(p, "**", "*")
	}
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "*") {
		p = "/" + p
	}
	if anchored {
		p += "$"
	}
	return p
}
