package htmldoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// dump writes every node of the tree under n, one per line, with all that
// html.Node holds but its links: two trees with the same dump are the same.
func dump(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		fmt.Fprintf(&b, "%*s%d %d %q %q", depth, "", n.Type, n.DataAtom, n.Namespace, n.Data)
		for _, a := range n.Attr {
			fmt.Fprintf(&b, " %q:%q=%q", a.Namespace, a.Key, a.Val)
		}
		b.WriteByte('\n')
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// sameTree fails t unless parse(body, min) and html.Parse agree on body.
func sameTree(t *testing.T, body []byte, min int) {
	t.Helper()
	want, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("html.Parse: %v", err)
	}
	got, err := parse(body, min)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if g, w := dump(got), dump(want); g != w {
		t.Fatalf("trees differ on %q\n--- parse\n%s--- html.Parse\n%s", body, g, w)
	}
}

// tricky are documents whose scripts and styles sit where the scan could
// misread them, or where the parser does not make them raw text.
var tricky = []string{
	`<script>var a = 1;</script><style>p{}</style>`,
	`<SCRIPT type="application/ld+json">{"a":1}</SCRIPT ><StYlE>b{}</style/>`,
	`<script>if (a</b) {}</scriptx></script><p>x`,
	`<script>document.write("<!--");</script><p>y</p><script>z</script>`,
	`<script><!--<script>x</script>--></script><script>after</script>`,
	`<!-- <script>in a comment</script> --><script>real</script>`,
	`<!--><script>after an empty comment</script>-->`,
	`<!---><script>after an empty comment</script>-->`,
	`<!-- a --!><script>after --!></script>`,
	`<!-- a --!-><script>still a comment</script>-->`,
	`<a title="<script>not a tag</script>">x</a><script>s</script>`,
	`<a title='>'<script>s</script>`,
	`<a b=c>d<script>s</script>`,
	`<a =b><script>s</script>`,
	`<a b = "c"/><script>s</script>`,
	`<title><script>not a tag</script></title><script>s</script>`,
	`<textarea><script>x</script></textarea><script>s</script>`,
	`<noscript><script>x</script></noscript><script>s</script>`,
	`<xmp><script>x</script></xmp><iframe><style>x</style></iframe><script>s</script>`,
	`<svg><script>svg &amp; script</script><style>svg style</style></svg><script>s</script>`,
	`<math><style>m</style></math><style>s</style>`,
	`<svg><p><style>breaks out</style></svg>`,
	`<svg><foreignObject><script>html in svg</script></foreignObject></svg>`,
	`<table><script>in table</script><div><script>fostered</script></div></table>`,
	`<select><script>in select</script><option>o</select>`,
	`<frameset><script>in frameset</script></frameset>`,
	`<html><head></head><body></body></html><script>after html</script>`,
	`<template><script>in a template</script></template>`,
	`<plaintext><script>plain</script>`,
	`<script>unclosed`,
	`<script>x</script`,
	`<script>x</scrip`,
	`<style>x</style>` + markerPrefix + `00000000`,
	`<script>` + markerPrefix + `00000000</script>`,
	"<script>a\r\nb</script><script>c\x00d</script><style>e\rf</style>",
	"<script>\n\nleading newlines</script><textarea>\nt</textarea>",
	`<!DOCTYPE html><?xml x="<script>"?><script>s</script>`,
	`</ script><script>s</script></>x<script>t</script>`,
	`<//a><script>s</script>`,
	`<![CDATA[<script>x</script>]]><script>s</script>`,
	`<svg><![CDATA[<script>x</script>]]></svg><script>s</script>`,
	`<p>a<script>s</script>b<style>c</style>d</p>`,
	`<script>one</script><script>two</script><script>three</script>`,
	`<a<script>s</script>`,
	`<script a="</script>">s</script>`,
	`<script src=x/>s</script>`,
	`<svg><path/></svg><script>after an icon</script>`,
	`<svg><svg></svg><script>still svg</script></svg><script>s</script>`,
	`<svg><![CDATA[</svg><script>x</script>]]></svg><style>s</style>`,
	`<svg><foreignObject><script>var a = "</svg>";</script></foreignObject></svg><script>s</script>`,
	`<svg><foreignObject><style>x</style></foreignObject><desc><script>d</script></desc></svg><script>s</script>`,
	`<svg><b><script>broke out</script></svg><script>s</script>`,
	`<svg/><script>after an empty svg</script>`,
	`<svg a=b/><script>unquoted slash</script></svg><script>s</script>`,
	`<math><annotation-xml encoding="text/html"><script>a</script></annotation-xml></math><script>s</script>`,
	`<svg><!-- </svg> --></svg><script>s</script>`,
	`<svg>unclosed<script>s</script>`,
	`<script><!-- x</script><script>after an escape</script>`,
	`<script><!--<script>x</script>--></script><style>after</style>`,
}

func TestParseMatchesHTMLParse(t *testing.T) {
	for _, doc := range tricky {
		sameTree(t, []byte(doc), 1)
	}
	files, _ := filepath.Glob("../../*/testdata/*.html")
	if len(files) == 0 {
		t.Fatal("no html fixtures found under ../../*/testdata")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameTree(t, b, 1)
		sameTree(t, b, minText)
	}
}

// TestParseElides checks the fast path is taken where it should be: a
// page whose long texts are plain gets its tree from the elided parse.
func TestParseElides(t *testing.T) {
	long := strings.Repeat(`{"k":"v","n":[1,2,3]},`, 40)
	page := []byte(`<!DOCTYPE html><html><head><title>t</title>
<style>` + strings.Repeat(".a{color:red}", 60) + `</style>
<script type="application/ld+json">[` + long + `{}]</script></head>
<body><!-- c --><p class="x">hi</p><script id="d">` + long + `</script></body></html>`)
	spans := scan(page, minText)
	if len(spans) != 3 {
		t.Fatalf("scan found %d texts, want 3", len(spans))
	}
	doc, err := html.Parse(bytes.NewReader(elide(page, spans)))
	if err != nil {
		t.Fatal(err)
	}
	if !restore(doc, page, spans) {
		t.Fatal("restore refused the elided parse of a plain page")
	}
	sameTree(t, page, minText)

	// Icons in foreign content before the texts: the scan skips them, and
	// the elided parse is still kept.
	icons := []byte(`<svg viewBox="0 0 24 24"><path d="M0 0h24"/><svg><circle r="2"/></svg>` +
		`<style>svg style</style><![CDATA[</svg>]]></svg><math><mi>x</mi></math><svg/>`)
	withIcons := append(icons, page...)
	spans = scan(withIcons, minText)
	if len(spans) != 3 {
		t.Fatalf("scan past svg and math found %d texts, want 3", len(spans))
	}
	doc, err = html.Parse(bytes.NewReader(elide(withIcons, spans)))
	if err != nil {
		t.Fatal(err)
	}
	if !restore(doc, withIcons, spans) {
		t.Fatal("restore refused the elided parse of a page with icons")
	}
	sameTree(t, withIcons, minText)
}

// TestRestoreRefusesMisplacedMarkers: a marker the parser put anywhere but
// as the whole text of its element sends Parse to the plain parse.
func TestRestoreRefusesMisplacedMarkers(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
	}{
		{"in svg", `<svg><script>` + "%s" + `</script></svg>`},
		{"in a comment", `<!--<script>` + "%s" + `</script>-->`},
		{"in an attribute", `<a title="<script>` + "%s" + `</script>">`},
		{"as a style's text in a script", `<script>` + "%s" + `</script>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			elided := fmt.Sprintf(tc.doc, appendMarker(nil, 0))
			tag := atom.Script
			if strings.Contains(tc.name, "style") {
				tag = atom.Style
			}
			doc, err := html.Parse(strings.NewReader(elided))
			if err != nil {
				t.Fatal(err)
			}
			if restore(doc, []byte("0123456789"), []span{{start: 0, end: 10, tag: tag}}) {
				t.Errorf("restore accepted %q", elided)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, doc := range tricky {
		f.Add([]byte(doc))
	}
	files, _ := filepath.Glob("../../*/testdata/*.html")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameTree(t, b, 1)
	})
}

func BenchmarkParse(b *testing.B) {
	long := strings.Repeat(`{"@type":"SocialMediaPosting","text":"a post about #pilates","n":[1,2,3]},`, 400)
	page := []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>
<meta property="og:title" content="x"><style>` + strings.Repeat(".css-abc{line-height:18px;color:#161823}", 700) + `</style>
<script type="application/ld+json">[` + long + `{}]</script></head>
<body><div id="app"><p class="x">hi</p></div><script id="d">` + long + `</script></body></html>`)
	// The same page with inline svg icons at the top of its body, as real
	// profile pages have them before their data scripts.
	icon := `<svg aria-label="Like" viewBox="0 0 24 24"><title>Like</title><path d="M16.8 2.9a6 6 0 0 0-4.8 2.4"></path></svg>`
	withIcons := bytes.Replace(page, []byte(`<div id="app">`), []byte(`<div id="app">`+strings.Repeat(icon, 20)), 1)
	for _, tc := range []struct {
		name string
		page []byte
	}{{"plain", page}, {"icons", withIcons}} {
		b.Run("html.Parse/"+tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.page)))
			for b.Loop() {
				if _, err := html.Parse(bytes.NewReader(tc.page)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("htmldoc.Parse/"+tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.page)))
			for b.Loop() {
				if _, err := Parse(tc.page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
