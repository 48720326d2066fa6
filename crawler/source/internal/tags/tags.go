// Package tags pulls hashtags and @mentions out of caption text the way the
// networks link them: a '#' or '@' at the start or after a non-word
// character, lower-cased, without the sign, deduplicated in order of first
// appearance. Mentions may be fediverse-style ("@user@host").
package tags

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLen bounds one tag or handle; longer runs are not tags.
const maxLen = 100

// Hashtags returns the hashtags in text. A tag must hold a letter or an
// underscore: "#1" is a rank, not a tag.
func Hashtags(text string) []string {
	var out []string
	seen := map[string]bool{}
	scan(text, '#', func(word string) {
		word = strings.Trim(word, "_")
		if word == "" || !hasLetter(word) {
			return
		}
		add(&out, seen, word)
	})
	return out
}

// Mentions returns the handles mentioned in text ("@anna.b", "@anna@host").
// E-mail addresses are not mentions: the '@' must not follow a word
// character.
func Mentions(text string) []string {
	var out []string
	seen := map[string]bool{}
	scan(text, '@', func(word string) {
		word = strings.TrimRight(word, "._-")
		if word == "" {
			return
		}
		add(&out, seen, word)
	})
	return out
}

func add(out *[]string, seen map[string]bool, word string) {
	w := strings.ToLower(word)
	if len(w) > maxLen || seen[w] {
		return
	}
	seen[w] = true
	*out = append(*out, w)
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || r == '_' {
			return true
		}
	}
	return false
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == '_'
}

// scan calls f with the word after each sign that starts a tag.
func scan(text string, sign rune, f func(string)) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	prev := rune(-1)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == sign && (prev == -1 || !(isWord(prev) || prev == sign || prev == '/' || prev == '&')) {
			j := i + size
			for j < len(text) {
				c, cs := utf8.DecodeRuneInString(text[j:])
				ok := isWord(c)
				if sign == '@' && (c == '.' || c == '-') {
					ok = true
				}
				if sign == '@' && c == '@' && j > i+size && !strings.Contains(text[i+size:j], "@") {
					// user@host: a second '@' followed by a host name.
					if k := j + cs; k < len(text) {
						if n, _ := utf8.DecodeRuneInString(text[k:]); isWord(n) {
							ok = true
						}
					}
				}
				if !ok {
					break
				}
				j += cs
			}
			if j > i+size {
				f(text[i+size : j])
			}
			prev = sign
			i = j
			continue
		}
		prev = r
		i += size
	}
}
