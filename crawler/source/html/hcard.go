package html

import (
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	xhtml "golang.org/x/net/html"

	"github.com/creatorscout/creatorscout/creator"
)

// hcard is one h-card's properties, its own only (not those of nested
// microformats).
type hcard struct {
	props map[string][]string // "p-name" -> values, "u-url" -> resolved URLs
	adr   map[string][]string // properties of a nested p-adr h-adr
	geo   map[string][]string // properties of a nested p-geo h-geo
	root  *xhtml.Node
}

func classes(n *xhtml.Node) []string {
	for _, a := range n.Attr {
		if a.Key == "class" {
			return strings.Fields(a.Val)
		}
	}
	return nil
}

func isRoot(n *xhtml.Node) bool {
	for _, c := range classes(n) {
		if strings.HasPrefix(c, "h-") && len(c) > 2 {
			return true
		}
	}
	return false
}

func hasClass(n *xhtml.Node, want string) bool {
	for _, c := range classes(n) {
		if c == want {
			return true
		}
	}
	return false
}

func attr(n *xhtml.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// readCard collects the properties on root's subtree, stopping at nested
// microformats (whose own property class on the nested root still counts,
// with the nested root's text or url as value, as mf2 says).
func (pg *page) readCard(root *xhtml.Node) *hcard {
	c := &hcard{props: map[string][]string{}, root: root}
	var walk func(n *xhtml.Node, into map[string][]string, depth int)
	walk = func(n *xhtml.Node, into map[string][]string, depth int) {
		if depth > 64 {
			return
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != xhtml.ElementNode {
				continue
			}
			nested := isRoot(ch)
			for _, cl := range classes(ch) {
				switch {
				case nested && cl == "p-adr" && hasClass(ch, "h-adr") && into != nil && c.adr == nil:
					c.adr = map[string][]string{}
					walk(ch, c.adr, depth+1)
				case nested && cl == "p-geo" && hasClass(ch, "h-geo") && into != nil && c.geo == nil:
					c.geo = map[string][]string{}
					walk(ch, c.geo, depth+1)
				case strings.HasPrefix(cl, "p-") || strings.HasPrefix(cl, "u-") || strings.HasPrefix(cl, "e-") || strings.HasPrefix(cl, "dt-"):
					if v := pg.propValue(ch, cl); v != "" {
						into[cl] = append(into[cl], v)
					}
				}
			}
			if !nested {
				walk(ch, into, depth+1)
			}
		}
	}
	walk(root, c.props, 0)
	return c
}

// propValue parses one property value the mf2 way, simplified.
func (pg *page) propValue(n *xhtml.Node, class string) string {
	sel := goquery.NewDocumentFromNode(n).Selection
	switch {
	case strings.HasPrefix(class, "u-"):
		for _, k := range []string{"href", "src", "data", "poster"} {
			if v, ok := attr(n, k); ok {
				return pg.abs(v)
			}
		}
		if v, ok := attr(n, "value"); ok {
			return strings.TrimSpace(v)
		}
		return strings.TrimSpace(sel.Text())
	case strings.HasPrefix(class, "p-"):
		switch n.Data {
		case "abbr", "link":
			if v, ok := attr(n, "title"); ok {
				return strings.TrimSpace(v)
			}
		case "data", "input":
			if v, ok := attr(n, "value"); ok {
				return strings.TrimSpace(v)
			}
		case "img", "area":
			if v, ok := attr(n, "alt"); ok {
				return strings.TrimSpace(v)
			}
		}
		return strings.Join(strings.Fields(sel.Text()), " ")
	default:
		return strings.TrimSpace(sel.Text())
	}
}

func first(m map[string][]string, k string) string {
	if v := m[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// relMe returns the page's rel=me links, absolute.
func (pg *page) relMe() []string {
	var out []string
	pg.doc.Find("a[rel], link[rel]").Each(func(_ int, s *goquery.Selection) {
		for _, r := range strings.Fields(strings.ToLower(s.AttrOr("rel", ""))) {
			if r == "me" {
				if u := pg.abs(s.AttrOr("href", "")); u != "" {
					out = append(out, u)
				}
				return
			}
		}
	})
	return out
}

// readHCard finds the representative h-card (microformats.org/wiki/
// representative-h-card-parsing) and reads it; nil when there is none:
//  1. a card whose u-uid and u-url are both the page URL;
//  2. a card with a u-url that is also a rel=me link on the page;
//  3. the only card on the page, when its u-url is the page URL.
//
// Any other card is someone else's (a friend, a mention, an author box).
func (pg *page) readHCard() *facts {
	var cards []*hcard
	pg.doc.Find(".h-card").Each(func(_ int, s *goquery.Selection) {
		if len(cards) < 200 {
			cards = append(cards, pg.readCard(s.Get(0)))
		}
	})
	if len(cards) == 0 {
		return nil
	}
	self := normURL(pg.url.String())
	urlIs := func(c *hcard, key, want string) bool {
		for _, u := range c.props[key] {
			if normURL(u) == want {
				return true
			}
		}
		return false
	}
	var rep *hcard
	for _, c := range cards {
		if urlIs(c, "u-uid", self) && urlIs(c, "u-url", self) {
			rep = c
			break
		}
	}
	if rep == nil {
		me := map[string]bool{}
		for _, u := range pg.relMe() {
			me[normURL(u)] = true
		}
		for _, c := range cards {
			for _, u := range c.props["u-url"] {
				if me[normURL(u)] {
					rep = c
					break
				}
			}
			if rep != nil {
				break
			}
		}
	}
	if rep == nil && len(cards) == 1 && urlIs(cards[0], "u-url", self) {
		rep = cards[0]
	}
	if rep == nil {
		return nil
	}
	return pg.cardFacts(rep)
}

func (pg *page) cardFacts(c *hcard) *facts {
	f := &facts{}
	f.name = pg.text("h-card", "p-name", first(c.props, "p-name"), maxField)
	if f.name == "" && len(c.props) == 0 {
		implied := strings.Join(strings.Fields(goquery.NewDocumentFromNode(c.root).Text()), " ")
		f.name = pg.text("h-card", "implied name", implied, maxField) // mf2 implied name
	}
	f.handle = pg.text("h-card", "p-nickname", first(c.props, "p-nickname"), maxField)
	f.bio = pg.text("h-card", "p-note", first(c.props, "p-note"), maxText)
	f.email = strings.TrimPrefix(pg.text("h-card", "u-email", first(c.props, "u-email"), maxField), "mailto:")
	self := normURL(pg.url.String())
	for _, u := range c.props["u-url"] {
		if normURL(u) == self || hasTemplate(u) {
			continue
		}
		if f.website == "" && !sameHost(u, pg.url.String()) {
			f.website = u
		}
		f.links = append(f.links, u)
	}
	f.url = pg.abs(first(c.props, "u-uid"))

	adr := c.props
	if c.adr != nil {
		adr = c.adr
	}
	loc := &creator.Location{
		City:   pg.text("h-card", "p-locality", first(adr, "p-locality"), maxField),
		Region: pg.text("h-card", "p-region", first(adr, "p-region"), maxField),
	}
	country := pg.text("h-card", "p-country-name", first(adr, "p-country-name"), maxField)
	if len(country) == 2 && isAlpha(country) {
		loc.Country = strings.ToUpper(country)
	}
	var parts []string
	for _, s := range []string{loc.City, loc.Region, country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	loc.Raw = strings.Join(parts, ", ")
	if loc.Raw == "" {
		loc.Raw = pg.text("h-card", "p-adr", first(c.props, "p-adr"), maxField)
	}
	geo := c.props
	if c.geo != nil {
		geo = c.geo
	}
	loc.Lat = pg.hcardCoord("p-latitude", first(geo, "p-latitude"), 90)
	loc.Lon = pg.hcardCoord("p-longitude", first(geo, "p-longitude"), 180)
	if loc.Lat == nil || loc.Lon == nil {
		loc.Lat, loc.Lon = nil, nil
	}
	if loc.Raw != "" || loc.Lat != nil {
		f.location = loc
	}
	return f
}

func (pg *page) hcardCoord(what, s string, limit float64) *float64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != v || v > limit || v < -limit {
		pg.perr.Add("h-card %s: %q is not a coordinate", what, clean(s, 40))
		return nil
	}
	return &v
}
