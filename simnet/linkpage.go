package simnet

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"
)

// Link-in-bio pages and personal websites.
//
// A share of the people without a web profile get a contact page, linked
// from every account's website slot (the Mastodon "Website" field, the
// Instagram website, TikTok's bioLink, the YouTube and Bluesky
// descriptions). It lives on one of four hosts of kind KindLinks:
//
//   - style 0 ("linktree-1"): a Linktree-style page, /{slug}, its links in
//     Next.js data (<script id="__NEXT_DATA__">, props.pageProps.account.links
//     and socialLinks, type EMAIL_ADDRESS for the address) and as anchors;
//   - style 1 ("beacons-1"): a Beacons-style page whose robots.txt
//     disallows everything, so a polite crawler never reads it;
//   - style 2 ("lnkbio-1"): an lnk.bio-style page with schema.org JSON-LD
//     (sameAs) and the address obfuscated in the text ("x (at) y (dot) z");
//   - style 3 ("site-1"): a personal website, /{slug}/, whose address is
//     only on its contact page /{slug}/contact, linked from the home page
//     beside /{slug}/about.
//
// Some of these addresses are on no profile at all: a crawler finds them
// only by following the link. Creator.ContactPage, ContactEmails and
// ContactLinks are the ground truth.

// KindLinks is the host kind (a key of Server.BaseURLs) of link-in-bio and
// personal website hosts.
const KindLinks = "links"

// linkPageShare is the share of people without a web profile who have a
// contact page; linkEmailShare the share of those pages with an address.
const (
	linkPageShare  = 0.35
	linkEmailShare = 0.6
)

var linkHostNames = []string{"linktree-1", "beacons-1", "lnkbio-1", "site-1"}

// linkPage is one person's contact page.
type linkPage struct {
	host  *host
	slug  string
	email string   // "" when the page gives none
	shop  string   // an outbound shop link
	extra []string // outbound links besides the person's accounts
}

// linkPages adds the link hosts and gives a share of the people a page.
// It draws from its own stream, so the rest of the network is the same
// with or without it.
func (g *gen) linkPages() {
	n := g.n
	if n.opts.Platforms[Mastodon]+n.opts.Platforms[Bluesky]+n.opts.Platforms[YouTube]+n.opts.Platforms[Instagram]+n.opts.Platforms[TikTok] == 0 {
		return
	}
	var hosts []*host
	for i, name := range linkHostNames {
		h := &host{idx: len(n.hosts), kind: KindLinks, name: name, style: i}
		h.addr = name + ".simnet.invalid"
		n.hosts = append(n.hosts, h)
		hosts = append(hosts, h)
	}
	n.linkSlugs = map[*host]map[string]*person{}
	for pi, p := range n.persons {
		r := newRand(n.opts.Seed, streamLinks, uint64(pi))
		if hasPlatform(p, Web) || len(p.accounts) == 0 || r.Float64() >= linkPageShare {
			continue
		}
		h := hosts[r.IntN(len(hosts))]
		if n.linkSlugs[h] == nil {
			n.linkSlugs[h] = map[string]*person{}
		}
		base := strings.ReplaceAll(p.slug, "_", ".")
		slug := base
		for i := 2; n.linkSlugs[h][slug] != nil; i++ {
			slug = fmt.Sprintf("%s%d", base, i)
		}
		lp := &linkPage{host: h, slug: slug}
		dom := strings.NewReplacer("_", "-", ".", "-").Replace(p.slug)
		lp.shop = "https://" + dom + ".example.net/shop"
		if r.Float64() < 0.5 {
			lp.extra = append(lp.extra, "https://newsletter.example.org/"+dom)
		}
		if r.Float64() < linkEmailShare {
			lp.email = pick(r, []string{"hello.", "bookings.", "team."}) + strings.ReplaceAll(p.slug, "_", ".") +
				pick(r, []string{"@gmail.com", "@fastmail.com", "@outlook.com"})
		}
		p.link = lp
		n.linkSlugs[h][slug] = p
	}
}

// linkPageURL is the contact page a person's accounts link to, "" when none.
func (n *Network) linkPageURL(a *account) string {
	if a == nil || a.person == nil || a.person.link == nil {
		return ""
	}
	lp := a.person.link
	if lp.host.style == 3 {
		return lp.host.base() + "/" + lp.slug + "/"
	}
	return lp.host.base() + "/" + lp.slug
}

// contactTruth fills what a crawler can read from the creator's contact
// page: the page, whether robots.txt keeps it out, and the addresses and
// outbound links there (and on its about and contact pages).
func (n *Network) contactTruth(a *account, c *Creator) {
	u := n.linkPageURL(a)
	if u == "" {
		return
	}
	lp := a.person.link
	c.ContactPage = u
	c.ContactPageDisallowed = lp.host.style == 1
	if c.Website == "" {
		c.Website = u
	}
	if lp.email != "" {
		c.ContactEmails = []string{lp.email}
	}
	c.ContactLinks = n.linkPageLinks(a.person)
}

// linkPageLinks are the outbound links of a person's page: their accounts,
// the shop and any extra.
func (n *Network) linkPageLinks(p *person) []string {
	var out []string
	for _, o := range p.accounts {
		if !o.gone {
			out = append(out, n.publicURL(o))
		}
	}
	out = append(out, p.link.shop)
	return append(out, p.link.extra...)
}

// linkHost renders a page of a link host.
func (n *Network) linkHost(h *host, r *http.Request) *resource {
	path := strings.TrimPrefix(r.URL.Path, "/")
	slug, sub := path, ""
	if h.style == 3 {
		var ok bool
		slug, sub, ok = strings.Cut(path, "/")
		if !ok {
			return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
		}
		sub = strings.TrimSuffix(sub, "/")
	}
	p := n.linkSlugs[h][slug]
	if p == nil || strings.Contains(slug, "/") {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	switch {
	case h.style == 0:
		return htmlPage(http.StatusOK, n.linktreePage(p), n.today)
	case h.style == 1:
		return htmlPage(http.StatusOK, n.beaconsPage(p), n.today)
	case h.style == 2:
		return htmlPage(http.StatusOK, n.lnkbioPage(p), n.today)
	case sub == "":
		return htmlPage(http.StatusOK, n.siteHome(p), n.today)
	case sub == "about":
		return htmlPage(http.StatusOK, n.siteAbout(p), n.today)
	case sub == "contact":
		return htmlPage(http.StatusOK, n.siteContact(p), n.today)
	}
	return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
}

func (n *Network) linkRobots(h *host) string {
	if h.style == 1 {
		return "User-agent: *\nDisallow: /\n"
	}
	return "User-agent: *\nDisallow: /admin/\n"
}

// personName is the display name of a person's first account.
func personName(p *person) string {
	for _, a := range p.accounts {
		if a.display != "" {
			return a.display
		}
	}
	return p.first + " " + p.last
}

// personBio is a one-line tagline: never an address, so the addresses a
// page gives are exactly those Creator.ContactEmails lists.
func personBio(p *person) string {
	ni := niches[p.niches[0]]
	return nicheEmoji[ni.Name] + " " + strings.ToUpper(ni.BioWords[0][:1]) + ni.BioWords[0][1:]
}

func (n *Network) linktreePage(p *person) string {
	lp := p.link
	type ltLink struct {
		ID       int64  `json:"id"`
		Type     string `json:"type"`
		Title    string `json:"title"`
		Position int    `json:"position"`
		URL      string `json:"url"`
	}
	type ltSocial struct {
		Type     string `json:"type"`
		URL      string `json:"url"`
		Position int    `json:"position"`
	}
	var links []ltLink
	links = append(links, ltLink{ID: int64(hash64(lp.slug, "shop") % 1e9), Type: "CLASSIC", Title: "Shop my favourites", Position: 0, URL: lp.shop})
	for i, e := range lp.extra {
		links = append(links, ltLink{ID: int64(hash64(lp.slug, e) % 1e9), Type: "CLASSIC", Title: "Newsletter", Position: i + 1, URL: e})
	}
	var socials []ltSocial
	for i, o := range p.accounts {
		if o.gone {
			continue
		}
		socials = append(socials, ltSocial{Type: strings.ToUpper(o.platform), URL: n.publicURL(o), Position: i})
	}
	if lp.email != "" {
		socials = append(socials, ltSocial{Type: "EMAIL_ADDRESS", URL: "mailto:" + lp.email, Position: len(socials)})
	}
	desc := personBio(p)
	account := map[string]any{
		"id": hash64(lp.slug) % 1e8, "username": lp.slug, "isActive": true, "pageTitle": personName(p),
		"description": desc, "links": links, "socialLinks": socials, "socialLinksPosition": "TOP",
	}
	data := map[string]any{
		"props": map[string]any{"pageProps": map[string]any{
			"account": account, "username": lp.slug, "pageTitle": personName(p), "description": desc,
			"links": links, "socialLinks": socials, "isProfileVerified": false,
		}, "__N_SSP": true},
		"page": "/[profile]", "query": map[string]string{"profile": lp.slug}, "buildId": "simnet",
	}
	blob, _ := json.Marshal(data)
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charSet=\"utf-8\"/><title>%s | Linktree</title>", html.EscapeString(personName(p)))
	fmt.Fprintf(&b, "<meta property=\"og:title\" content=\"%s | Linktree\"/></head><body><div id=\"__next\">", html.EscapeString(personName(p)))
	fmt.Fprintf(&b, "<h1>@%s</h1><h2>%s</h2><div data-testid=\"SocialIcons\">", html.EscapeString(lp.slug), html.EscapeString(desc))
	for _, s := range socials {
		fmt.Fprintf(&b, "<a href=\"%s\" aria-label=\"%s\"></a>", html.EscapeString(s.URL), html.EscapeString(s.Type))
	}
	b.WriteString("</div>")
	for _, l := range links {
		fmt.Fprintf(&b, "<a href=\"%s\" data-testid=\"LinkButton\">%s</a>", html.EscapeString(l.URL), html.EscapeString(l.Title))
	}
	fmt.Fprintf(&b, "<footer><a href=\"/register\">Join %s on Linktree</a></footer></div>", html.EscapeString(lp.slug))
	fmt.Fprintf(&b, "<script id=\"__NEXT_DATA__\" type=\"application/json\">%s</script></body></html>\n", blob)
	return b.String()
}

func (n *Network) beaconsPage(p *person) string {
	lp := p.link
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s | Beacons</title></head><body>", html.EscapeString(personName(p)))
	fmt.Fprintf(&b, "<h1>%s</h1><p>%s</p>", html.EscapeString(personName(p)), html.EscapeString(personBio(p)))
	for _, l := range n.linkPageLinks(p) {
		fmt.Fprintf(&b, "<a class=\"link-button\" href=\"%s\">%s</a>\n", html.EscapeString(l), html.EscapeString(l))
	}
	if lp.email != "" {
		fmt.Fprintf(&b, "<a href=\"mailto:%s\">Email me</a>", html.EscapeString(lp.email))
	}
	b.WriteString("<footer><a href=\"/signup\">Made with Beacons</a></footer></body></html>\n")
	return b.String()
}

// obfuscate writes an address the way people hide it from scrapers.
func obfuscate(email string) string {
	user, dom, _ := strings.Cut(email, "@")
	return user + " (at) " + strings.ReplaceAll(dom, ".", " (dot) ")
}

func (n *Network) lnkbioPage(p *person) string {
	lp := p.link
	var socials []string
	for _, o := range p.accounts {
		if !o.gone {
			socials = append(socials, n.publicURL(o))
		}
	}
	ld, _ := json.Marshal(map[string]any{"@context": "https://schema.org", "@type": "ProfilePage",
		"mainEntity": map[string]any{"@type": "Person", "name": personName(p), "sameAs": socials}})
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s - lnk.bio</title>", html.EscapeString(personName(p)))
	fmt.Fprintf(&b, "<script type=\"application/ld+json\">%s</script></head><body><main>", ld)
	fmt.Fprintf(&b, "<h1>%s</h1><p>%s", html.EscapeString(personName(p)), html.EscapeString(personBio(p)))
	if lp.email != "" {
		fmt.Fprintf(&b, "<br>Collabs: %s", html.EscapeString(obfuscate(lp.email)))
	}
	b.WriteString("</p>")
	fmt.Fprintf(&b, "<a class=\"pb-linkbtn\" href=\"%s\">Shop</a>", html.EscapeString(lp.shop))
	for _, e := range lp.extra {
		fmt.Fprintf(&b, "<a class=\"pb-linkbtn\" href=\"%s\">Newsletter</a>", html.EscapeString(e))
	}
	b.WriteString("</main></body></html>\n")
	return b.String()
}

func (n *Network) siteNav(p *person) string {
	s := "/" + p.link.slug + "/"
	return fmt.Sprintf("<nav><a href=\"%s\">Home</a> <a href=\"%sabout\">About</a> <a href=\"%scontact\">Contact</a></nav>", s, s, s)
}

func (n *Network) siteHome(p *person) string {
	lp := p.link
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head><body>%s", html.EscapeString(personName(p)), n.siteNav(p))
	fmt.Fprintf(&b, "<main><h1>%s</h1><p>%s</p><p><a href=\"%s\">Shop</a></p></main><footer>", html.EscapeString(personName(p)), html.EscapeString(personBio(p)), html.EscapeString(lp.shop))
	for _, o := range p.accounts {
		if !o.gone {
			fmt.Fprintf(&b, "<a href=\"%s\">%s</a> ", html.EscapeString(n.publicURL(o)), html.EscapeString(o.platform))
		}
	}
	b.WriteString("</footer></body></html>\n")
	return b.String()
}

func (n *Network) siteAbout(p *person) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>About – %s</title></head><body>%s", html.EscapeString(personName(p)), n.siteNav(p))
	fmt.Fprintf(&b, "<main><h1>About me</h1><p>%s</p>", html.EscapeString(personBio(p)))
	for _, e := range p.link.extra {
		fmt.Fprintf(&b, "<p>Get my letters: <a href=\"%s\">newsletter</a></p>", html.EscapeString(e))
	}
	b.WriteString("</main></body></html>\n")
	return b.String()
}

func (n *Network) siteContact(p *person) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Contact – %s</title></head><body>%s", html.EscapeString(personName(p)), n.siteNav(p))
	b.WriteString("<main><h1>Say hello</h1>")
	if e := p.link.email; e != "" {
		fmt.Fprintf(&b, "<p>For collaborations write to %s.</p>", html.EscapeString(e))
	} else {
		b.WriteString("<p>I am not taking collaborations right now.</p>")
	}
	b.WriteString("<form method=\"post\" action=\"/admin/contact\"><input type=\"email\" name=\"from\" placeholder=\"you@example.com\"><button>Send</button></form></main></body></html>\n")
	return b.String()
}
