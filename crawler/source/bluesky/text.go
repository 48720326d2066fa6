package bluesky

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normTag lower-cases a tag and drops a leading '#'; it returns "" for
// something that cannot be a tag (empty, spaces, another '#', too long).
func normTag(t string) string {
	t = strings.TrimSpace(t)
	t = strings.TrimLeft(t, "#＃")
	if t == "" || utf8.RuneCountInString(t) > 100 || strings.ContainsAny(t, "#＃") {
		return ""
	}
	for _, r := range t {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return ""
		}
	}
	return strings.ToLower(t)
}

// linkPunct is trimmed from both ends of a word before it is read as a link
// or an e-mail address.
const linkPunct = "()[]{}<>\"'“”‘’«».,;:!?"

// linksIn finds http(s) and www. links in plain text.
func linksIn(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, linkPunct)
		lw := strings.ToLower(w)
		switch {
		case strings.HasPrefix(lw, "http://"), strings.HasPrefix(lw, "https://"):
			out = append(out, publicURL(w))
		case strings.HasPrefix(lw, "www."):
			out = append(out, publicURL("https://"+w))
		}
	}
	return dedupe(out)
}

// emailIn returns the first e-mail address written in plain text, lower
// case, or "". "@user@host" handles are not addresses.
func emailIn(s string) string {
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, linkPunct)
		w = strings.TrimPrefix(strings.TrimPrefix(w, "mailto:"), "MAILTO:")
		if isEmail(w) {
			return strings.ToLower(w)
		}
	}
	return ""
}

func isEmail(w string) bool {
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
