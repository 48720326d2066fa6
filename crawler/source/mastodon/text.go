package mastodon

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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
			return dedupe(out)
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
		out = append(out, publicURL(href))
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
