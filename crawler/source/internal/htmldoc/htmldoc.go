// Package htmldoc parses a page into the tree html.Parse makes of it, only
// faster on the pages the crawler meets most: ones made mostly of script
// and style text.
//
// A crawled profile page is about 90 KB, and 85 KB of that can be the text
// of a few <script> and <style> elements (a JSON-LD graph, a rehydration
// blob, inlined CSS). x/net/html's tokenizer reads such text a byte at a
// time through a function call, and copies it into its token: on the bench
// pages that was half of html.Parse's time. Parse finds those elements'
// text with bytes.IndexByte instead, stands a short marker in for each
// long one, parses the much smaller document, and puts the text back in
// the marker's place.
//
// The tree is html.Parse's own, not a lookalike. The scan that finds the
// text only proposes; the parser's tree decides. A marker is put back only
// if every marker came out as the sole text of an HTML <script> or <style>
// element of the kind the scan saw, which the tokenizer reaches in the
// same state it reaches the original text in: the two documents differ
// only inside raw text that ends where the scan said, so the tokenizer and
// the parser see the same tokens but for that text. Otherwise (the scan
// misread a comment, an attribute, foreign content) the original document
// is parsed as it is. FuzzParse checks the trees are equal on any input.
package htmldoc

import (
	"bytes"
	"fmt"
	"strconv"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// minText is the shortest text worth a marker: below it, the tokenizer's
// byte loop costs less than the marker's bookkeeping.
const minText = 512

// markerPrefix opens every marker. A document that holds it anywhere is
// parsed as it is, so a marker in the parsed tree is always Parse's own.
// U+FDD0 is a noncharacter: no real text carries it.
const markerPrefix = "\uFDD0creatorscout:text:"

// markerLen is a marker's length: the prefix and eight hex digits.
const markerLen = len(markerPrefix) + 8

// span is the raw text of one script or style element: body[start:end].
type span struct {
	start, end int
	tag        atom.Atom // atom.Script or atom.Style
}

// Parse returns what html.Parse makes of body.
func Parse(body []byte) (*html.Node, error) { return parse(body, minText) }

// parse is Parse with markers for texts of min bytes or more.
func parse(body []byte, min int) (*html.Node, error) {
	spans := scan(body, min)
	if len(spans) == 0 || bytes.Contains(body, []byte(markerPrefix)) {
		return html.Parse(bytes.NewReader(body))
	}
	doc, err := html.Parse(bytes.NewReader(elide(body, spans)))
	if err == nil && restore(doc, body, spans) {
		return doc, nil
	}
	return html.Parse(bytes.NewReader(body))
}

// elide returns body with each span's text replaced by its marker.
func elide(body []byte, spans []span) []byte {
	n := len(body)
	for _, s := range spans {
		n -= s.end - s.start - markerLen
	}
	out := make([]byte, 0, n)
	at := 0
	for i, s := range spans {
		out = append(out, body[at:s.start]...)
		out = appendMarker(out, i)
		at = s.end
	}
	return append(out, body[at:]...)
}

func appendMarker(b []byte, i int) []byte {
	b = append(b, markerPrefix...)
	return fmt.Appendf(b, "%08x", i)
}

// restore puts each span's text back where its marker is in doc, and
// reports whether every marker was where it had to be: the whole text of
// an HTML element of its span's kind. On false doc is left half restored
// and must be thrown away.
func restore(doc *html.Node, body []byte, spans []span) bool {
	found := 0
	seen := make([]bool, len(spans))
	// A walk by the nodes' own links: no recursion, whatever the depth.
	for n := doc; n != nil; {
		if n.Type == html.TextNode && len(n.Data) >= len(markerPrefix) && n.Data[:len(markerPrefix)] == markerPrefix {
			i, ok := markerIndex(n.Data)
			if !ok || i >= len(spans) || seen[i] {
				return false
			}
			p := n.Parent
			if p == nil || p.Type != html.ElementNode || p.Namespace != "" || p.DataAtom != spans[i].tag ||
				n.PrevSibling != nil || n.NextSibling != nil {
				return false
			}
			seen[i] = true
			found++
			n.Data = string(body[spans[i].start:spans[i].end])
		}
		if n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != nil && n.NextSibling == nil {
			n = n.Parent
		}
		if n != nil {
			n = n.NextSibling
		}
	}
	return found == len(spans)
}

// markerIndex reads the index from a text that must be one whole marker.
func markerIndex(s string) (int, bool) {
	if len(s) != markerLen {
		return 0, false
	}
	v, err := strconv.ParseUint(s[len(markerPrefix):], 16, 32)
	return int(v), err == nil
}
