package youtube

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
)

// normTag is tags.Normalize, under the name youtube.go uses.
func normTag(t string) string { return tags.Normalize(t) }

// isTagRune is tags.IsTagRune, under the name youtube.go uses.
func isTagRune(r rune) bool { return tags.IsTagRune(r) }

// mentionsIn finds YouTube "@handle" mentions in plain text: an '@' at the
// start or after a space or punctuation (so not inside an e-mail address),
// followed by 3 to 30 letters, digits, '_', '-' or '.'. Results are lower
// case, without '@'.
func mentionsIn(s string) []string {
	var out []string
	rs := []rune(s)
	inURL := tags.NewURLScan(rs)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '@' {
			continue
		}
		if i > 0 && (tags.IsTagRune(rs[i-1]) || rs[i-1] == '.' || rs[i-1] == '@' || rs[i-1] == '-') {
			continue
		}
		if inURL.At(i) {
			continue
		}
		j := i + 1
		for j < len(rs) && (tags.IsTagRune(rs[j]) || rs[j] == '-' || rs[j] == '.') {
			j++
		}
		h := strings.TrimRight(string(rs[i+1:j]), ".-")
		if n := utf8.RuneCountInString(h); n >= 3 && n <= 30 && strings.ContainsFunc(h, unicode.IsLetter) {
			out = append(out, strings.ToLower(h))
		}
		i = j - 1
	}
	return tags.Dedupe(out)
}
