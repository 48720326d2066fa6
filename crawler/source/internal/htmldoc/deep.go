package htmldoc

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ParsePrefix returns what Parse makes of body. A document that nests
// elements deeper than x/net/html allows (512 open elements: it refuses
// the whole document) is parsed up to where it gets that deep: cut is the
// length of the prefix parsed (len(body) for all of it). A page's head,
// and whatever comes before the nesting, is read rather than lost.
func ParsePrefix(body []byte) (root *html.Node, cut int, err error) {
	root, err = Parse(body)
	if err == nil || !tooDeep(err) {
		return root, len(body), err
	}
	// The tag stack below only estimates the parser's (which closes
	// implied elements and reopens formatting ones), so a prefix that is
	// still too deep is halved until it is not.
	cut = deepAt(body, 400)
	for tries := 0; tries < 16 && cut > 0; tries++ {
		root, err = Parse(body[:cut])
		if err == nil {
			return root, cut, nil
		}
		if !tooDeep(err) {
			return nil, cut, err
		}
		cut /= 2
	}
	return nil, 0, err
}

// tooDeep reports x/net/html's refusal of a document nested too deep.
func tooDeep(err error) bool {
	return strings.Contains(err.Error(), "open stack of elements exceeds")
}

// deepAt is the offset of the first start tag that would open an element
// more than limit deep, by a stack of the tags met (an end tag closes up to
// the nearest open element of its name; a void or self-closing tag opens
// none), or len(body) when there is none.
func deepAt(body []byte, limit int) int {
	z := html.NewTokenizer(bytes.NewReader(body))
	var stack []string
	off := 0
	for {
		tt := z.Next()
		raw := len(z.Raw())
		switch tt {
		case html.ErrorToken:
			return len(body)
		case html.StartTagToken:
			name, _ := z.TagName()
			if !isVoid(atom.Lookup(name)) {
				if len(stack) >= limit {
					return off
				}
				stack = append(stack, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i] == string(name) {
					stack = stack[:i]
					break
				}
			}
		}
		off += raw
	}
}

// isVoid reports the elements that never have content or an end tag.
func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Keygen, atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}
