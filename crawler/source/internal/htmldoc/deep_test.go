package htmldoc

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// A document nested deeper than x/net/html allows is read up to where it
// gets that deep, its head included; one that is not is read whole.
func TestParsePrefixReadsWhatComesBeforeTheNesting(t *testing.T) {
	head := `<html><head><script type="application/ld+json">{"@type":"Person","name":"Deep"}</script></head><body><p id="before">before</p>`
	hostile := []string{
		strings.Repeat("<div>", 100000),
		strings.Repeat("<div></x>", 20000),        // stray end tags: the parser ignores them
		strings.Repeat("<b><i></b></i>", 5000),    // formatting elements the parser reopens
		strings.Repeat("<span><table><td>", 2000), // tables in inline elements
		strings.Repeat("<svg><g>", 2000),          // foreign content
		strings.Repeat("<p><ul><li><div><blockquote>", 2000),
	}
	for _, deep := range hostile {
		body := []byte(head + deep + "</body></html>")
		if _, err := html.Parse(bytes.NewReader(body)); err == nil {
			t.Logf("%.30q...: x/net/html reads it whole", deep)
		}
		root, cut, err := ParsePrefix(body)
		if err != nil {
			t.Errorf("%.30q...: %v", deep, err)
			continue
		}
		if cut < len(head) {
			t.Errorf("%.30q...: cut at %d, before the end of the head and first paragraph (%d)", deep, cut, len(head))
		}
		var found bool
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for _, a := range n.Attr {
				found = found || (a.Key == "id" && a.Val == "before")
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(root)
		if !found {
			t.Errorf("%.30q...: the paragraph before the nesting is not in the tree", deep)
		}
	}
	ok := []byte(head + strings.Repeat("<div>", 300) + "</body></html>")
	if _, cut, err := ParsePrefix(ok); err != nil || cut != len(ok) {
		t.Errorf("a document 300 deep: cut %d of %d, %v; want it whole", cut, len(ok), err)
	}
}
