package mastodon

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
)

// htmlText turns Mastodon's HTML (status content, account notes, field
// values) into plain text: tags dropped, entities unescaped, <br> as a line
// break and paragraphs separated by a blank line.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return tidy(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidy(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(collapseSpace(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Br:
				b.WriteString("\n")
			case atom.P, atom.Div, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				b.WriteString("\n\n")
			case atom.Li:
				b.WriteString("\n")
			case atom.Script, atom.Style, atom.Template:
				if tt == html.StartTagToken {
					skip++
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.P, atom.Div, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				b.WriteString("\n\n")
			case atom.Script, atom.Style, atom.Template:
				if skip > 0 {
					skip--
				}
			}
		}
	}
}

// htmlLinks returns the http(s) targets of <a href> in s, leaving out
// Mastodon's mention and hashtag links, which point at profiles and tag
// pages rather than at the creator's own sites.
func htmlLinks(s string) []string {
	if !strings.Contains(s, "<") {
		return nil
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var out []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return tags.Dedupe(out)
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		if t.DataAtom != atom.A {
			continue
		}
		var href, class string
		for _, a := range t.Attr {
			switch a.Key {
			case "href":
				href = a.Val
			case "class":
				class = a.Val
			}
		}
		if strings.Contains(class, "mention") || strings.Contains(class, "hashtag") {
			continue
		}
		if strings.HasPrefix(strings.ToLower(href), "mailto:") {
			out = append(out, "mailto:"+href[len("mailto:"):])
			continue
		}
		out = append(out, tags.PublicURL(href))
	}
}

// collapseSpace folds runs of HTML white space into one space, as a browser
// renders them.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// tidy trims each line, keeps at most one blank line in a row and trims the
// whole text.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// normTag is tags.Normalize, under the name mastodon.go uses.
func normTag(t string) string { return tags.Normalize(t) }
