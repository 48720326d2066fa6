package tags

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// linkPunct is trimmed from both ends of a word before it is read as a link
// or an e-mail address.
const linkPunct = "()[]{}<>\"'“”‘’«».,;:!?"

// Links finds http(s) and www. links in plain text, as absolute URLs
// ("www.x.example" becomes "https://www.x.example"), deduplicated in order
// of first appearance and never nil.
func Links(text string) []string {
	var out []string
	for _, w := range strings.Fields(text) {
		w = strings.Trim(w, linkPunct)
		lw := strings.ToLower(w)
		switch {
		case strings.HasPrefix(lw, "http://"), strings.HasPrefix(lw, "https://"):
			out = append(out, PublicURL(w))
		case strings.HasPrefix(lw, "www."):
			out = append(out, PublicURL("https://"+w))
		}
	}
	return Dedupe(out)
}

// Email returns the first e-mail address written in plain text, lower
// case, or "". "@user@host" handles are not addresses.
func Email(text string) string {
	for _, w := range strings.Fields(text) {
		w = strings.Trim(w, linkPunct)
		w = strings.TrimPrefix(strings.TrimPrefix(w, "mailto:"), "MAILTO:")
		if IsEmail(w) {
			return strings.ToLower(w)
		}
	}
	return ""
}

// IsEmail reports whether w is a whole e-mail address: an ASCII local part
// of letters, digits and "._%+-", one '@', and a domain of ASCII letters,
// digits, '.' and '-' that ends in a dot and a top-level name of two or more
// letters.
func IsEmail(w string) bool {
	local, domain, ok := strings.Cut(w, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	for _, r := range local {
		if !(r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || strings.ContainsRune("._%+-", r))) {
			return false
		}
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || len(domain)-dot-1 < 2 {
		return false
	}
	for i := 0; i < len(domain); i++ {
		if c := domain[i]; !isASCIIAlnum(c) && c != '.' && c != '-' {
			return false
		}
	}
	for i := dot + 1; i < len(domain); i++ {
		if c := domain[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// PublicURL returns s, trimmed and re-encoded, when it is an absolute
// http(s) URL with a host, else "".
func PublicURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// Dedupe drops empty and repeated strings, keeping the first occurrence. It
// never returns nil, so JSON shows [] rather than null.
func Dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
