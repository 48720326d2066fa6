package youtube

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hashtagsIn finds '#tags' in plain text: a '#' at the start or after a
// space or opening punctuation, not inside a URL, followed by letters,
// digits, marks or '_' with at least one letter. Results are lower case,
// without '#', in order of first appearance.
func hashtagsIn(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '#' && rs[i] != '＃' {
			continue
		}
		if i > 0 && !tagBoundary(rs[i-1]) {
			continue
		}
		if inURL(rs, i) {
			continue
		}
		j := i + 1
		for j < len(rs) && isTagRune(rs[j]) {
			j++
		}
		if tag := normTag(string(rs[i+1 : j])); tag != "" && hasLetter(tag) {
			out = append(out, tag)
		}
		i = j - 1
	}
	return dedupe(out)
}

func tagBoundary(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("([\"'“‘«,;:!?", r)
}

func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == '_'
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// inURL reports whether position i of rs lies in a whitespace-delimited
// word that is a URL.
func inURL(rs []rune, i int) bool {
	start := i
	for start > 0 && !unicode.IsSpace(rs[start-1]) {
		start--
	}
	word := strings.ToLower(string(rs[start:i]))
	return strings.Contains(word, "://") || strings.HasPrefix(word, "www.")
}

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

// mentionsIn finds YouTube "@handle" mentions in plain text: an '@' at the
// start or after a space or punctuation (so not inside an e-mail address),
// followed by 3 to 30 letters, digits, '_', '-' or '.'. Results are lower
// case, without '@'.
func mentionsIn(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '@' {
			continue
		}
		if i > 0 && (isTagRune(rs[i-1]) || rs[i-1] == '.' || rs[i-1] == '@' || rs[i-1] == '-') {
			continue
		}
		if inURL(rs, i) {
			continue
		}
		j := i + 1
		for j < len(rs) && (isTagRune(rs[j]) || rs[j] == '-' || rs[j] == '.') {
			j++
		}
		h := strings.TrimRight(string(rs[i+1:j]), ".-")
		if n := utf8.RuneCountInString(h); n >= 3 && n <= 30 && hasLetter(h) {
			out = append(out, strings.ToLower(h))
		}
		i = j - 1
	}
	return dedupe(out)
}
