package htmldoc

import (
	"bytes"

	"golang.org/x/net/html/atom"
)

// scan returns the text of each script and style element in body that is
// min bytes or longer, in order. It reads body the way x/net/html's tokenizer
// does (tags and their quoted attributes, comments, declarations, the raw
// text of script, style, title, textarea and the rest), jumping to each
// '<' with bytes.IndexByte. What it follows only roughly it skips: foreign
// content (<svg>, <math>: to the matching end tag, where the parser reads
// no raw text, unless an HTML tag breaks out of it first) and a script
// whose text holds "<!--" (whose end follows the script escape rules). It
// stops at <plaintext>, whose text runs to the end.
//
// Being wrong costs time, not correctness: Parse keeps the elided parse
// only if the parser put every marker where the scan said, and a marker
// the parser put there came from text the original's tokenizer reads as
// raw text ending where the scan said.
func scan(b []byte, min int) []span {
	var spans []span
	i := 0
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return spans
		}
		p := i + j
		if p+1 >= len(b) {
			return spans
		}
		switch c := b[p+1]; {
		case isLetter(c):
			name, end := readTag(b, p+1)
			if end < 0 {
				return spans
			}
			i = end
			switch raw := rawKind(name); raw.kind {
			case rawNone:
			case rawStop:
				return spans
			case rawForeign:
				if b[end-2] == '/' {
					break // <svg/>: an empty element, no foreign content
				}
				if i = foreignEnd(b, end, raw.name); i < 0 {
					return spans
				}
			default:
				kind := raw.kind
				stop := rawTextEnd(b, end, raw.name)
				if stop < 0 {
					return spans
				}
				text := b[end:stop]
				if kind == rawScript && bytes.Contains(text, []byte("<!--")) {
					// The script escape rules may end it later: leave
					// it, and what follows if the scan is out of step.
					i = stop
					continue
				}
				if (kind == rawScript || kind == rawStyle) && len(text) >= min &&
					bytes.IndexByte(text, '\r') < 0 && bytes.IndexByte(text, 0) < 0 {
					tag := atom.Script
					if kind == rawStyle {
						tag = atom.Style
					}
					spans = append(spans, span{start: end, end: stop, tag: tag})
				}
				i = stop
			}
		case c == '/':
			if p+2 >= len(b) {
				return spans
			}
			switch c2 := b[p+2]; {
			case c2 == '>':
				i = p + 3
			case isLetter(c2):
				_, end := readTag(b, p+2)
				if end < 0 {
					return spans
				}
				i = end
			default: // a bogus comment
				if i = closeAngle(b, p+2); i < 0 {
					return spans
				}
			}
		case c == '!':
			if p+3 >= len(b) {
				return spans
			}
			if b[p+2] == '-' && b[p+3] == '-' {
				i = commentEnd(b, p+4)
			} else { // a doctype or a bogus comment
				i = closeAngle(b, p+2)
			}
			if i < 0 {
				return spans
			}
		case c == '?':
			if i = closeAngle(b, p+2); i < 0 {
				return spans
			}
		default: // a '<' that opens nothing
			i = p + 1
		}
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

// closeAngle returns the index after the first '>' at or after i, or -1.
func closeAngle(b []byte, i int) int {
	if i > len(b) {
		return -1
	}
	k := bytes.IndexByte(b[i:], '>')
	if k < 0 {
		return -1
	}
	return i + k + 1
}

// commentEnd returns the index after the comment whose text starts at i
// (just after "<!--"), as the tokenizer's readComment ends it: at "-->",
// "--!>", or a '>' that follows only dashes. -1 at the end of b.
func commentEnd(b []byte, i int) int {
	dashes, beginning := 0, true
	for k := i; k < len(b); k++ {
		switch b[k] {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return k + 1
			}
		case '!':
			if dashes >= 2 {
				k++
				if k >= len(b) {
					return -1
				}
				switch b[k] {
				case '>':
					return k + 1
				case '-':
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return -1
}

// readTag reads the tag whose name starts at i (just after "<" or "</"),
// as the tokenizer's readTag does, and returns its name and the index after
// its '>'; -1 if b ends first.
func readTag(b []byte, i int) (name []byte, end int) {
	k := i + 1
	for ; k < len(b); k++ {
		if c := b[k]; isSpace(c) || c == '/' || c == '>' {
			break
		}
	}
	name = b[i:k]
	k = skipSpace(b, k)
	for k < len(b) {
		if b[k] == '>' {
			return name, k + 1
		}
		k = attrVal(b, attrKey(b, k))
		k = skipSpace(b, k)
	}
	return name, -1
}

func skipSpace(b []byte, k int) int {
	for k < len(b) && isSpace(b[k]) {
		k++
	}
	return k
}

// attrKey returns the index after the attribute name at k.
func attrKey(b []byte, k int) int {
	start := k
	for ; k < len(b); k++ {
		switch b[k] {
		case '=':
			if k == start {
				continue
			}
			return k
		case ' ', '\n', '\r', '\t', '\f', '/', '>':
			return k
		}
	}
	return k
}

// attrVal returns the index after the "= value" at k, if there is one.
func attrVal(b []byte, k int) int {
	k = skipSpace(b, k)
	if k >= len(b) {
		return k
	}
	switch b[k] {
	case '/':
		return k + 1
	case '=':
	default:
		return k
	}
	k = skipSpace(b, k+1)
	if k >= len(b) {
		return k
	}
	switch q := b[k]; q {
	case '>':
		return k
	case '\'', '"':
		e := bytes.IndexByte(b[k+1:], q)
		if e < 0 {
			return len(b)
		}
		return k + 1 + e + 1
	default:
		for k++; k < len(b); k++ {
			if isSpace(b[k]) {
				return k + 1
			}
			if b[k] == '>' {
				return k
			}
		}
		return k
	}
}

// The kinds of start tag the scan tells apart.
const (
	rawNone    = iota // an ordinary tag
	rawStop           // plaintext: the scan stops
	rawForeign        // svg, math: the scan skips to the end tag
	rawScript         // raw text worth a marker when long
	rawStyle          // likewise
	rawOther          // title, textarea, xmp, iframe, noembed, noframes, noscript
)

type rawTag struct {
	kind int
	name string
}

var rawTags = map[string]rawTag{}

func init() {
	for name, kind := range map[string]int{
		"script": rawScript, "style": rawStyle,
		"title": rawOther, "textarea": rawOther, "xmp": rawOther, "iframe": rawOther,
		"noembed": rawOther, "noframes": rawOther, "noscript": rawOther,
		"plaintext": rawStop, "svg": rawForeign, "math": rawForeign,
	} {
		rawTags[name] = rawTag{kind: kind, name: name}
	}
}

// rawKind classifies a start tag's name as the tokenizer does: ASCII case
// does not matter.
func rawKind(name []byte) rawTag {
	if len(name) < 3 || len(name) > len("plaintext") {
		return rawTag{}
	}
	var low [9]byte
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	return rawTags[string(low[:len(name)])]
}

// rawTextEnd returns the index of the "</name" that ends the raw text
// starting at i, as the tokenizer's readRawEndTag finds it: name in any
// ASCII case, then a space, '/' or '>'. -1 if b ends first.
func rawTextEnd(b []byte, i int, name string) int {
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return -1
		}
		p := i + j
		q := p + 2 + len(name)
		if q >= len(b) {
			return -1
		}
		if b[p+1] == '/' && equalFoldLower(b[p+2:q], name) {
			if c := b[q]; isSpace(c) || c == '/' || c == '>' {
				return p
			}
		}
		i = p + 1
	}
}

// equalFoldLower reports whether b is lower in any ASCII case.
func equalFoldLower(b []byte, lower string) bool {
	for i := range len(lower) {
		if c := b[i]; c != lower[i] && c != lower[i]-('a'-'A') {
			return false
		}
	}
	return true
}

// foreignEnd returns the index after the end tag that closes the foreign
// element (svg or math, its lower-case name) whose content starts at i,
// counting nested ones; -1 if b ends first. Inside, every tag is ordinary
// (the parser keeps the tokenizer from raw text there), comments are
// comments and CDATA sections are text.
func foreignEnd(b []byte, i int, name string) int {
	depth := 1
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return -1
		}
		p := i + j
		switch {
		case bytes.HasPrefix(b[p:], []byte("<!--")):
			i = commentEnd(b, p+4)
		case bytes.HasPrefix(b[p:], []byte("<![CDATA[")):
			if k := bytes.Index(b[p:], []byte("]]>")); k >= 0 {
				i = p + k + 3
			} else {
				i = -1
			}
		case p+2 < len(b) && b[p+1] == '/' && isLetter(b[p+2]):
			var tag []byte
			tag, i = readTag(b, p+2)
			if i >= 0 && len(tag) == len(name) && equalFoldLower(tag, name) {
				if depth--; depth == 0 {
					return i
				}
			}
		case p+1 < len(b) && isLetter(b[p+1]):
			var tag []byte
			tag, i = readTag(b, p+1)
			if i >= 0 && b[i-2] != '/' && len(tag) == len(name) && equalFoldLower(tag, name) {
				depth++
			}
		default:
			i = p + 1
		}
		if i < 0 {
			return -1
		}
	}
}
