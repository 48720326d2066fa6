package simnet

import (
	"html"
	"strings"
)

// mentionText is how a mention reads in plain text on the author's platform.
func (n *Network) mentionText(s seg, author *account) string {
	if s.acct == nil {
		return "@" + s.brand.Handle
	}
	m := s.acct
	if m.platform == Mastodon && m.host != author.host {
		return "@" + m.handle + "@" + m.host.addr
	}
	return "@" + m.handle
}

// mentionID is the mention as the product stores it: lower case, no '@';
// Mastodon mentions are always user@host.
func (n *Network) mentionID(s seg) string {
	if s.acct == nil {
		return strings.ToLower(s.brand.Handle)
	}
	if s.acct.platform == Mastodon {
		return strings.ToLower(s.acct.handle + "@" + s.acct.host.addr)
	}
	return strings.ToLower(s.acct.handle)
}

// plainCaption renders a caption as its author typed it.
func (n *Network) plainCaption(p *post) string {
	var b strings.Builder
	for _, s := range p.segs {
		switch s.kind {
		case 't':
			b.WriteString(s.text)
		case '#':
			b.WriteString("#" + s.text)
		case '@':
			b.WriteString(n.mentionText(s, p.acct))
		}
	}
	return b.String()
}

// htmlText escapes text and turns blank lines into paragraphs and newlines
// into <br />, as Mastodon formats statuses.
func htmlText(s string) string {
	s = html.EscapeString(s)
	s = strings.ReplaceAll(s, "\n\n", "</p><p>")
	return strings.ReplaceAll(s, "\n", "<br />")
}

// mastodonContent renders a status body the way Mastodon 4 does.
func (n *Network) mastodonContent(p *post) string {
	var b strings.Builder
	b.WriteString("<p>")
	for _, s := range p.segs {
		switch s.kind {
		case 't':
			b.WriteString(htmlText(s.text))
		case '#':
			b.WriteString(`<a href="` + p.acct.host.base() + "/tags/" + strings.ToLower(s.text) +
				`" class="mention hashtag" rel="tag">#<span>` + html.EscapeString(s.text) + `</span></a>`)
		case '@':
			if s.acct == nil {
				b.WriteString("@" + html.EscapeString(s.brand.Handle))
				continue
			}
			b.WriteString(`<span class="h-card" translate="no"><a href="` + n.publicURL(s.acct) +
				`" class="u-url mention">@<span>` + html.EscapeString(s.acct.handle) + `</span></a></span>`)
		}
	}
	b.WriteString("</p>")
	return b.String()
}

// noteHTML renders a bio as Mastodon stores it.
func noteHTML(bio string) string {
	if bio == "" {
		return ""
	}
	return "<p>" + htmlText(bio) + "</p>"
}

// firstLine is the first sentence-ish of a caption, for alt text and titles.
func firstLine(s string) string {
	if i := strings.IndexAny(s, ".\n"); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
