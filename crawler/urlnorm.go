package crawler

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Reasons a URL is refused before it reaches the frontier.
const (
	RejectParse    = "unparsable"
	RejectScheme   = "scheme"
	RejectLength   = "url_length"
	RejectRepeats  = "repeated_segments"
	RejectDepth    = "depth"
	RejectHostless = "no_host"
)

// sessionParams are query parameters that carry a session and make one page
// look like endless different URLs. Compared lower-case.
var sessionParams = map[string]bool{
	"jsessionid":   true,
	"phpsessid":    true,
	"sid":          true,
	"sessionid":    true,
	"session_id":   true,
	"aspsessionid": true,
}

// canonicalURL resolves raw against base (which may be nil) and brings it
// to the one form the frontier keys on: lower-case scheme and host, no
// default port, no user info, no fragment, "/" for an empty path, and no
// session ids (";jsessionid=" path parameters and the query parameters in
// sessionParams). It refuses non-http(s) schemes, URLs longer than
// maxLen and paths in which one segment occurs more than maxRepeats times.
// reason is "" when the URL is accepted.
func canonicalURL(raw string, base *url.URL, maxLen, maxRepeats int) (u *url.URL, reason string) {
	raw = strings.TrimSpace(raw)
	if len(raw) > 4*maxLen {
		return nil, RejectLength // do not even parse it
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, RejectParse
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, RejectScheme
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return nil, RejectHostless
	}
	port := u.Port()
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
		return nil, RejectParse // url.Parse takes any digits; no request can go to port 0 or 65536
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}

	// ;jsessionid=... (and ;phpsessid=) path parameters.
	if p := u.EscapedPath(); strings.Contains(p, ";") {
		p = stripPathSession(p)
		if np, err := url.PathUnescape(p); err == nil {
			u.Path, u.RawPath = np, p
			if u.EscapedPath() != p {
				u.RawPath = ""
			}
		}
	}
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	if u.RawQuery != "" {
		u.RawQuery = escapeQuery(stripQuerySession(u.RawQuery))
	}
	u.ForceQuery = false

	if repeatedSegments(u.Path, maxRepeats) {
		return nil, RejectRepeats
	}
	if len(u.String()) > maxLen {
		return nil, RejectLength
	}
	return u, ""
}

func stripPathSession(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, ';')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		rest := p[i+1:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		param := rest[:end]
		name, _, _ := strings.Cut(param, "=")
		if !sessionParams[strings.ToLower(name)] {
			b.WriteByte(';')
			b.WriteString(param)
		}
		p = rest[end:]
	}
}

// escapeQuery percent-encodes the bytes a query may not carry as they are
// (controls, space, non-ASCII, quotes, brackets and the like), leaving valid
// escapes and everything else alone, so the result is the same when done
// twice.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '%' && i+2 < len(q) && isHexDigit(q[i+1]) && isHexDigit(q[i+2]):
			b.WriteByte(c)
		case c <= 0x20 || c >= 0x7f || strings.IndexByte("\"#%<>\\^`{|}", c) >= 0:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func stripQuerySession(q string) string {
	parts := strings.Split(q, "&")
	kept := parts[:0]
	for _, part := range parts {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if sessionParams[strings.ToLower(name)] {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, "&")
}

// repeatedSegments reports whether one non-empty path segment occurs more
// than max times: /a/a/a/a/ and /x/y/x/y/x/y/ are crawler traps.
func repeatedSegments(p string, max int) bool {
	counts := map[string]int{}
	for _, s := range strings.Split(p, "/") {
		if s == "" {
			continue
		}
		counts[s]++
		if counts[s] > max {
			return true
		}
	}
	return false
}

// hostKey is the politeness key of u: lower-case host and port, the default
// port made explicit ("example.com:443").
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		if u.Scheme == "https" {
			port = "443"
		} else {
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// originKey is the robots.txt key of u: scheme and host key.
func originKey(u *url.URL) string { return u.Scheme + "://" + hostKey(u) }

// pathQuery is what robots.txt rules are matched against.
func pathQuery(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}
