package html

import (
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/transform"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// toUTF8 returns body as UTF-8. The crawler already decodes, but saved
// files and odd servers do not: a body that is not valid UTF-8 is decoded
// by its declared or sniffed charset, and whatever still is not valid is
// replaced, with an issue either way.
func toUTF8(body []byte, contentType string, perr *source.ParseError) []byte {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if utf8.Valid(body) {
		return body
	}
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name != "utf-8" && enc != nil {
		if out, err := io.ReadAll(transform.NewReader(bytes.NewReader(body), enc.NewDecoder())); err == nil && utf8.Valid(out) {
			perr.Add("body: not UTF-8; decoded as %s", name)
			return out
		}
	}
	perr.Add("body: invalid UTF-8 replaced")
	return bytes.ToValidUTF8(body, []byte("\uFFFD"))
}

// sanitize makes every string in the result valid, bounded UTF-8: the
// last line of defence for text that came from a hostile page.
func sanitize(res *source.Result) {
	s := func(p *string, max int) { *p = clean(*p, max) }
	for i := range res.Creators {
		c := &res.Creators[i]
		for _, p := range []*string{&c.ID, &c.Handle, &c.PlatformID, &c.URL, &c.DisplayName, &c.Email, &c.Website, &c.SourceURL} {
			s(p, 2000)
		}
		s(&c.Bio, maxText)
		for j := range c.Links {
			s(&c.Links[j], 2000)
		}
		if c.Location != nil {
			cleanLoc(c.Location)
		}
	}
	for i := range res.Posts {
		p := &res.Posts[i]
		for _, q := range []*string{&p.ID, &p.CreatorID, &p.URL, &p.SourceURL} {
			s(q, 2000)
		}
		s(&p.Caption, maxText)
		for j := range p.Hashtags {
			s(&p.Hashtags[j], maxField)
		}
		for j := range p.Mentions {
			s(&p.Mentions[j], maxField)
		}
	}
	for i := range res.OptedOut {
		s(&res.OptedOut[i], 2000)
	}
}

func cleanLoc(l *creator.Location) {
	for _, p := range []*string{&l.Raw, &l.City, &l.Region, &l.Country} {
		*p = clean(*p, maxField)
	}
}
