// Package tags pulls hashtags, @mentions, links and e-mail addresses out of
// plain caption and bio text.
//
// Hashtags and Mentions read tags the way Instagram and TikTok link them: a
// '#' or '@' at the start or after a non-word character, lower-cased,
// without the sign, deduplicated in order of first appearance. Mentions may
// be fediverse-style ("@user@host"). StrictHashtags reads them by the
// stricter rule Mastodon and YouTube link them by: the '#' must begin a word
// and must not stand inside a URL. Normalize tidies a tag given on its own
// (an API's tag field, a search query).
//
// Links, Email and IsEmail read web links and e-mail addresses; PublicURL
// and Dedupe tidy the lists they make.
package tags

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLen bounds one tag or handle; longer runs are not tags.
const maxLen = 100

// Hashtags returns the hashtags in text, an empty list (not nil) when there
// are none. A tag must hold a letter or an underscore: "#1" is a rank, not a
// tag.
func Hashtags(text string) []string {
	out := []string{}
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
// character. It returns an empty list, not nil, when there are none.
func Mentions(text string) []string {
	out := []string{}
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

// IsTagRune reports whether r can stand in a hashtag: a letter, a digit, a
// combining mark or '_'.
func IsTagRune(r rune) bool {
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
		if r == sign && (prev == -1 || !(IsTagRune(prev) || prev == sign || prev == '/' || prev == '&')) {
			j := i + size
			for j < len(text) {
				c, cs := utf8.DecodeRuneInString(text[j:])
				ok := IsTagRune(c)
				if sign == '@' && (c == '.' || c == '-') {
					ok = true
				}
				if sign == '@' && c == '@' && j > i+size && !strings.Contains(text[i+size:j], "@") {
					// user@host: a second '@' followed by a host name.
					if k := j + cs; k < len(text) {
						if n, _ := utf8.DecodeRuneInString(text[k:]); IsTagRune(n) {
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

// StrictHashtags returns the hashtags in text by the rule Mastodon and
// YouTube link them by: a '#' (or full-width '＃') at the start or after a
// space or opening punctuation, not inside a URL, followed by letters,
// digits, marks or '_' with at least one letter. Results are lower case,
// without '#', in order of first appearance, and never nil. Unlike
// Hashtags, "site.example#tag" and "(x)#tag" hold no tag.
func StrictHashtags(text string) []string {
	var out []string
	rs := []rune(text)
	inURL := NewURLScan(rs)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '#' && rs[i] != '＃' {
			continue
		}
		if i > 0 && !tagBoundary(rs[i-1]) {
			continue
		}
		if inURL.At(i) {
			continue
		}
		j := i + 1
		for j < len(rs) && IsTagRune(rs[j]) {
			j++
		}
		if tag := Normalize(string(rs[i+1 : j])); tag != "" && strings.ContainsFunc(tag, unicode.IsLetter) {
			out = append(out, tag)
		}
		i = j - 1
	}
	return Dedupe(out)
}

// tagBoundary reports whether a '#' after r begins a tag for StrictHashtags.
func tagBoundary(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("([\"'“‘«,;:!?", r)
}

// InURL reports whether position i of rs lies in a whitespace-delimited
// word that is a URL (it holds "://" or starts with "www." before i). It
// reads the word back from i; to ask about many positions of one text, use
// a URLScan, which reads it once.
func InURL(rs []rune, i int) bool {
	return NewURLScan(rs).At(i)
}

// URLScan answers InURL for positions of one text asked in non-decreasing
// order, reading each rune once: a caption of a million "(#" stays linear.
type URLScan struct {
	rs    []rune
	k     int  // runes before k have been read
	start int  // where the word holding k begins
	url   bool // the word so far holds "://" or starts with "www."
}

// NewURLScan starts a scan of rs.
func NewURLScan(rs []rune) *URLScan { return &URLScan{rs: rs} }

// At is InURL(rs, i). i must not be less than in the previous call.
func (u *URLScan) At(i int) bool {
	if i > len(u.rs) {
		i = len(u.rs)
	}
	for ; u.k < i; u.k++ {
		r := u.rs[u.k]
		switch {
		case unicode.IsSpace(r):
			u.start, u.url = u.k+1, false
		case r == '/' && u.k-2 >= u.start && u.rs[u.k-1] == '/' && u.rs[u.k-2] == ':':
			u.url = true
		case r == '.' && u.k == u.start+3 && isW(u.rs[u.start]) && isW(u.rs[u.start+1]) && isW(u.rs[u.start+2]):
			u.url = true
		}
	}
	return u.url
}

func isW(r rune) bool { return r == 'w' || r == 'W' }

// Normalize lower-cases a tag and drops a leading '#'; it returns "" for
// something that cannot be a tag (empty, spaces, another '#', longer than
// 100 characters).
func Normalize(t string) string {
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
