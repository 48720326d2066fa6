package simnet

import (
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const notFoundHTML = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page not found</title></head><body><h1>404</h1><p>This page does not exist.</p><p><a href=\"/\">Home</a></p></body></html>\n"
const goneHTML = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gone</title></head><body><h1>410</h1><p>This account has been removed.</p></body></html>\n"

func htmlPage(status int, body string, lastMod time.Time) *resource {
	return (&resource{status: status, ctype: ctHTML, body: []byte(body), lastMod: lastMod}).finish(false)
}

// ldJSON marshals JSON-LD for a <script> element (with <, > and & escaped).
func ldJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

var siteNames = []string{"CreatorHub", "Pixelgram", "linkpage"}

func (n *Network) webSite(h *host) string {
	return fmt.Sprintf("%s %s", siteNames[h.style], strings.TrimPrefix(h.name, "web-"))
}

func (n *Network) web(h *host, r *http.Request) *resource {
	p := r.URL.Path
	switch {
	case p == "/":
		return n.webIndex(h)
	case p == "/sitemap.xml":
		return n.webSitemap(h)
	case strings.HasPrefix(p, "/tags/"):
		tag, err := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(p, "/tags/"), "/"))
		if err != nil {
			return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		return n.webTag(h, strings.ToLower(tag), max(page, 1))
	case strings.HasPrefix(p, "/private/"):
		body := "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Private</title><meta name=\"robots\" content=\"noindex\"></head><body><h1>Members only</h1><p>Sign in to see drafts and messages.</p><p><a href=\"/\">Home</a> <a href=\"/private/settings\">Settings</a></p></body></html>\n"
		return htmlPage(http.StatusOK, body, n.today)
	}
	handle := ""
	switch h.style {
	case 0:
		if s, ok := strings.CutPrefix(p, "/creators/"); ok {
			handle = strings.TrimSuffix(s, "/")
		}
	case 1:
		handle = strings.Trim(p, "/")
	case 2:
		if s, ok := strings.CutPrefix(p, "/u/"); ok {
			handle = strings.TrimSuffix(s, "/")
		}
	}
	if handle == "" || strings.Contains(handle, "/") {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	handle, _ = url.PathUnescape(handle)
	a := n.lookup(Web, nil, handle)
	if a == nil || a.host != h {
		for _, g := range n.byPlatform[Web] {
			if g.gone && g.host == h && strings.EqualFold(g.handle, handle) {
				return htmlPage(http.StatusGone, goneHTML, time.Time{})
			}
		}
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	return n.webProfile(a)
}

// counts in a page's locale for JSON-LD: numbers (style 0), exact strings
// (style 1) or localized strings (style 2).
func (n *Network) ldCount(h *host, v int64) any {
	switch h.style {
	case 0:
		return v
	case 1:
		return strconv.FormatInt(v, 10)
	}
	return exact(v, h.locale)
}

func (n *Network) ldAction(h *host, action string) string {
	switch h.style {
	case 0:
		return "https://schema.org/" + action
	case 1:
		return "http://schema.org/" + action
	}
	return action
}

func counter(n *Network, h *host, action string, v int64) map[string]any {
	return map[string]any{"@type": "InteractionCounter", "interactionType": n.ldAction(h, action), "userInteractionCount": n.ldCount(h, v)}
}

func (n *Network) avatarURL(a *account) string {
	return a.host.base() + "/static/avatars/" + a.pid[:8] + ".jpg"
}

func (n *Network) webPerson(a *account) map[string]any {
	h := a.host
	u := n.publicURL(a)
	p := map[string]any{
		"@type":         "Person",
		"@id":           u + "#person",
		"identifier":    a.pid,
		"name":          a.display,
		"alternateName": "@" + a.handle,
		"description":   a.bio,
		"image":         n.avatarURL(a),
		"url":           u,
		"interactionStatistic": []any{
			counter(n, h, "FollowAction", int64(a.followers)),
		},
		"agentInteractionStatistic": []any{
			counter(n, h, "FollowAction", a.following),
			counter(n, h, "WriteAction", a.olderPosts+int64(len(a.posts))),
		},
	}
	if h.style != 0 {
		p["@type"] = []string{"Person"}
	}
	if l := n.links(a); len(l) > 0 {
		p["sameAs"] = l
	}
	if pr := a.person; pr != nil && a.locRaw != "" {
		addr := map[string]any{"@type": "PostalAddress"}
		if pr.city != nil {
			addr["addressLocality"] = pr.city.Name
			addr["addressRegion"] = pr.city.Region
			addr["addressCountry"] = pr.city.Country
		} else {
			addr["addressCountry"] = pr.countryOnly
		}
		switch h.style {
		case 0:
			p["homeLocation"] = map[string]any{"@type": "Place", "name": a.locRaw, "address": addr}
		case 1:
			p["address"] = addr
		default:
			p["homeLocation"] = map[string]any{"@type": "Place", "name": a.locRaw}
		}
	}
	if a.email != "" && h.style == 2 {
		p["email"] = "mailto:" + a.email
	}
	return p
}

// JSON-LD nodes that repeat on every page are structs, not maps: cheaper
// to encode, and the key order reads like hand-written markup.
type ldRef struct {
	ID string `json:"@id"`
}

type ldCounter struct {
	Type                 string `json:"@type"`
	InteractionType      string `json:"interactionType"`
	UserInteractionCount any    `json:"userInteractionCount"`
}

type ldPosting struct {
	Type                 string      `json:"@type"`
	ID                   string      `json:"@id"`
	URL                  string      `json:"url"`
	DatePublished        string      `json:"datePublished"`
	Headline             string      `json:"headline,omitempty"`
	ArticleBody          string      `json:"articleBody"`
	Keywords             any         `json:"keywords"`
	Author               ldRef       `json:"author"`
	InteractionStatistic []ldCounter `json:"interactionStatistic"`
}

func (n *Network) ldCounter(h *host, action string, v int64) ldCounter {
	return ldCounter{"InteractionCounter", n.ldAction(h, action), n.ldCount(h, v)}
}

func (n *Network) webPosting(a *account, p *post) ldPosting {
	h := a.host
	stats := []ldCounter{n.ldCounter(h, "LikeAction", p.likes), n.ldCounter(h, "CommentAction", p.comments)}
	if p.hasShares {
		stats = append(stats, n.ldCounter(h, "ShareAction", p.shares))
	}
	if p.hasViews {
		stats = append(stats, n.ldCounter(h, "WatchAction", p.views))
	}
	u := n.postURL(p)
	m := ldPosting{
		Type:                 "SocialMediaPosting",
		ID:                   u,
		URL:                  u,
		DatePublished:        p.created.UTC().Format(time.RFC3339),
		Author:               ldRef{n.publicURL(a) + "#person"},
		InteractionStatistic: stats,
		ArticleBody:          n.plainCaption(p),
	}
	if h.style == 0 {
		m.Headline = firstLine(m.ArticleBody)
		m.Keywords = strings.Join(p.tags(), ", ")
	} else {
		m.Keywords = p.tags()
	}
	return m
}

// captionHTML renders a caption with tag links into the host's tag pages.
func (n *Network) captionHTML(p *post) string {
	var b strings.Builder
	for _, s := range p.segs {
		switch s.kind {
		case 't':
			b.WriteString(strings.ReplaceAll(html.EscapeString(s.text), "\n", "<br>"))
		case '#':
			fmt.Fprintf(&b, `<a href="/tags/%s" class="tag">#%s</a>`, url.PathEscape(strings.ToLower(s.text)), html.EscapeString(s.text))
		case '@':
			b.WriteString(html.EscapeString(n.mentionText(s, p.acct)))
		}
	}
	return b.String()
}

func (n *Network) ogDescription(a *account) string {
	h := a.host
	f, fl, ps := a.followers, float64(a.following), float64(a.olderPosts+int64(len(a.posts)))
	switch h.style {
	case 1:
		switch h.locale {
		case "de":
			return fmt.Sprintf("%s Follower, %s Gefolgt, %s Beiträge - Sieh dir Instagram-Fotos und -Videos von %s (@%s) an", compact(f, "de"), compact(fl, "de"), compact(ps, "de"), a.display, a.handle)
		case "fr":
			return fmt.Sprintf("%s abonnés, %s abonnements, %s publications - Voir les photos et vidéos Instagram de %s (@%s)", compact(f, "fr"), compact(fl, "fr"), compact(ps, "fr"), a.display, a.handle)
		case "ja":
			return fmt.Sprintf("フォロワー%s人、フォロー中%s人、投稿%s件 ― %s (@%s)さんのInstagramの写真と動画をチェックしよう", compact(f, "ja"), compact(fl, "ja"), compact(ps, "ja"), a.display, a.handle)
		}
		return fmt.Sprintf("%s Followers, %s Following, %s Posts - See Instagram photos and videos from %s (@%s)", compactEN(f), compactEN(fl), compactEN(ps), a.display, a.handle)
	case 0:
		return fmt.Sprintf("%s · %s followers · %s", a.display, compact(f, h.locale), a.bio)
	}
	return a.bio
}

var padCache sync.Map // host, seed, size, level -> [2]*part

// padStep is the granularity of padding: pages are padded by whole steps,
// so a host needs only a few distinct pad blocks.
const padStep = 2048

// padded builds a page of head + pad style + mid + pad script + tail,
// about Options.PadHTML bytes long. Real pages ship the same bundle on
// every profile, so the pad blocks are made and compressed once per host
// and size step; only head, mid and tail are compressed per page.
func (n *Network) padded(h *host, status int, head, mid, tail string, lastMod time.Time) *resource {
	have := len(head) + len(mid) + len(tail)
	want := n.opts.PadHTML - have
	if want < padStep {
		return htmlPage(status, head+mid+tail, lastMod)
	}
	level := (want + padStep/2) / padStep
	key := fmt.Sprintf("%s/%d/%d/%d", h.name, n.opts.Seed, n.opts.PadHTML, level)
	v, ok := padCache.Load(key)
	if !ok {
		style, script := n.padBlocks(h, level*padStep)
		v, _ = padCache.LoadOrStore(key, [2]*part{newPart(style, false), newPart(script, false)})
	}
	pads := v.([2]*part)
	res := &resource{status: status, ctype: ctHTML, lastMod: lastMod, parts: []*part{
		newPart(head, true), pads[0], newPart(mid, false), pads[1], newPart(tail, true),
	}}
	res.etag = `"` + etagOf([]byte(head+key+mid+tail)) + `"`
	return res
}

// padBlocks makes about size bytes of inline style and script from the
// host's seed.
func (n *Network) padBlocks(h *host, size int) (style, script string) {
	r := rand.New(rand.NewPCG(uint64(n.opts.Seed), hash64("pad", h.name)))
	props := []string{"margin:0 4px", "padding:2px 8px", "display:flex", "align-items:center", "color:#161823", "font-weight:600", "border-radius:4px", "line-height:18px", "overflow:hidden", "text-overflow:ellipsis", "background:rgba(22,24,35,.06)", "gap:8px"}
	var css strings.Builder
	css.WriteString("<style data-emotion=\"css\">")
	for css.Len() < size/2 {
		fmt.Fprintf(&css, ".css-%s-D%s{%s;%s;%s}", randString(r, alphaB32Lower, 7), randString(r, "ABCDEFGHJKLMNPQRSTUVWXYZ", 6),
			props[r.IntN(len(props))], props[r.IntN(len(props))], props[r.IntN(len(props))])
	}
	css.WriteString("</style>\n")
	var js strings.Builder
	js.WriteString("<script>window.__APP_CONFIG__={\"routes\":[")
	for i := 0; css.Len()+js.Len() < size-16; i++ {
		if i > 0 {
			js.WriteByte(',')
		}
		fmt.Fprintf(&js, `{"id":"r%d","chunk":"%s.%s.js","preload":%t,"i18n":"%s"}`, i, randString(r, alphaB32Lower, 8), randString(r, "0123456789abcdef", 10), r.IntN(2) == 0, randString(r, alphaB64URL, 12))
	}
	js.WriteString("]};</script>\n")
	return css.String(), js.String()
}

func (n *Network) webProfile(a *account) *resource {
	h := a.host
	u := n.publicURL(a)
	esc := html.EscapeString
	person := n.webPerson(a)
	page := map[string]any{
		"@type":        "ProfilePage",
		"@id":          u,
		"url":          u,
		"name":         a.display + " (@" + a.handle + ")",
		"dateCreated":  a.created.UTC().Format(time.RFC3339),
		"dateModified": a.updated.UTC().Format(time.RFC3339),
		"inLanguage":   h.locale,
	}
	var posts []any
	for _, p := range a.posts {
		posts = append(posts, n.webPosting(a, p))
	}
	var ld []string
	switch h.style {
	case 0:
		page["mainEntity"] = map[string]any{"@id": u + "#person"}
		graph := append([]any{page, person}, posts...)
		ld = append(ld, ldJSON(map[string]any{"@context": "https://schema.org", "@graph": graph}))
	case 1:
		page["@context"] = "https://schema.org"
		page["mainEntity"] = person
		ld = append(ld, ldJSON(page))
		ld = append(ld, ldJSON(map[string]any{"@context": "https://schema.org", "@graph": posts}))
	default:
		page["@type"] = []string{"ProfilePage", "WebPage"}
		page["mainEntity"] = map[string]any{"@id": u + "#person"}
		graph := append([]any{page, person}, posts...)
		ld = append(ld, ldJSON(map[string]any{"@context": "https://schema.org", "@graph": graph}))
	}

	var head strings.Builder
	fmt.Fprintf(&head, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", h.locale)
	fmt.Fprintf(&head, "<title>%s (@%s) · %s</title>\n", esc(a.display), esc(a.handle), esc(n.webSite(h)))
	if a.optOut == OptOutMetaNoindex {
		if h.style == 2 {
			head.WriteString("<meta name=\"robots\" content=\"noindex, nofollow\">\n")
		} else {
			head.WriteString("<meta name=\"robots\" content=\"noindex\">\n")
		}
	}
	og := n.ogDescription(a)
	fmt.Fprintf(&head, "<meta name=\"description\" content=\"%s\">\n<link rel=\"canonical\" href=\"%s\">\n", esc(og), esc(u))
	fmt.Fprintf(&head, "<meta property=\"og:type\" content=\"profile\">\n<meta property=\"og:site_name\" content=\"%s\">\n", esc(n.webSite(h)))
	if h.style == 2 {
		fmt.Fprintf(&head, "<meta property=\"og:title\" content=\"%s\">\n", esc(a.display))
	} else {
		fmt.Fprintf(&head, "<meta property=\"og:title\" content=\"%s (@%s)\">\n", esc(a.display), esc(a.handle))
	}
	fmt.Fprintf(&head, "<meta property=\"og:description\" content=\"%s\">\n<meta property=\"og:url\" content=\"%s\">\n<meta property=\"og:image\" content=\"%s\">\n", esc(og), esc(u), esc(n.avatarURL(a)))
	fmt.Fprintf(&head, "<meta property=\"profile:username\" content=\"%s\">\n<meta name=\"twitter:card\" content=\"summary\">\n<meta name=\"twitter:title\" content=\"%s\">\n<meta name=\"twitter:description\" content=\"%s\">\n", esc(a.handle), esc(a.display), esc(og))

	var body strings.Builder
	body.WriteString("</head>\n<body>\n<nav><a href=\"/\">Home</a>")
	seen := map[string]bool{}
	for _, p := range a.posts {
		for _, t := range p.tags() {
			if !seen[t] && len(seen) < 5 {
				seen[t] = true
				fmt.Fprintf(&body, " <a href=\"/tags/%s\">#%s</a>", url.PathEscape(t), esc(t))
			}
		}
	}
	body.WriteString(" <a href=\"/private/inbox\">Inbox</a></nav>\n<main>\n")
	n.webHeader(&body, a)
	for _, p := range a.posts {
		fmt.Fprintf(&body, "<article id=\"post-%s\" class=\"post\"><p>%s</p><footer><time datetime=\"%s\">%s</time> · %s ♥ · %s 💬</footer></article>\n",
			esc(p.nid), n.captionHTML(p), p.created.UTC().Format(time.RFC3339), p.created.UTC().Format("2 Jan 2006"), compact(float64(p.likes), h.locale), compact(float64(p.comments), h.locale))
	}
	body.WriteString("</main>\n")
	if h.style == 2 {
		n.webFriends(&body, a)
	}
	fmt.Fprintf(&body, "<footer><a href=\"/\">%s</a> · <a href=\"/sitemap.xml\">Sitemap</a></footer>\n", esc(n.webSite(h)))

	var ldb strings.Builder
	for _, l := range ld {
		fmt.Fprintf(&ldb, "<script type=\"application/ld+json\">%s</script>\n", l)
	}
	last := a.updated
	if len(a.posts) > 0 && a.posts[0].created.After(last) {
		last = a.posts[0].created
	}
	return n.padded(h, http.StatusOK, head.String(), ldb.String()+body.String(), "</body>\n</html>\n", last)
}

// webHeader writes the visible profile header; on personal sites (style 2)
// it is the representative h-card with rel=me links.
func (n *Network) webHeader(b *strings.Builder, a *account) {
	h := a.host
	esc := html.EscapeString
	u := n.publicURL(a)
	fl := compact(a.followers, h.locale)
	if h.style != 2 {
		fmt.Fprintf(b, "<header class=\"profile\"><img src=\"%s\" alt=\"\"><h1>%s</h1><p class=\"handle\">@%s</p><p class=\"bio\">%s</p>",
			esc(n.avatarURL(a)), esc(a.display), esc(a.handle), strings.ReplaceAll(esc(a.bio), "\n", "<br>"))
		if a.locRaw != "" {
			fmt.Fprintf(b, "<p class=\"location\">%s</p>", esc(a.locRaw))
		}
		fmt.Fprintf(b, "<ul class=\"stats\"><li><b>%s</b> followers</li><li><b>%s</b> following</li><li><b>%s</b> posts</li></ul>",
			fl, compact(float64(a.following), h.locale), compact(float64(a.olderPosts+int64(len(a.posts))), h.locale))
		for _, l := range n.links(a) {
			fmt.Fprintf(b, "<a class=\"social\" href=\"%s\">%s</a> ", esc(l), esc(l))
		}
		b.WriteString("</header>\n")
		return
	}
	fmt.Fprintf(b, "<div class=\"h-card\"><img class=\"u-photo\" src=\"%s\" alt=\"\"><h1><a class=\"p-name u-url u-uid\" href=\"%s\" rel=\"me\">%s</a></h1>",
		esc(n.avatarURL(a)), esc(u), esc(a.display))
	fmt.Fprintf(b, "<p class=\"p-nickname\">@%s</p><p class=\"p-note\">%s</p>", esc(a.handle), strings.ReplaceAll(esc(a.bio), "\n", "<br>"))
	if pr := a.person; pr != nil && pr.city != nil && a.locRaw != "" {
		fmt.Fprintf(b, "<p class=\"p-adr h-adr\"><span class=\"p-locality\">%s</span>, <span class=\"p-region\">%s</span>, <span class=\"p-country-name\">%s</span></p>",
			esc(cityWord(pr.city, h.locale != "en")), esc(pr.city.Region), esc(countryWord(pr.city.Country, false, h.locale != "en")))
	}
	if a.email != "" {
		fmt.Fprintf(b, "<a class=\"u-email\" href=\"mailto:%s\">%s</a>", esc(a.email), esc(a.email))
	}
	fmt.Fprintf(b, "<p class=\"stats\">%s Follower · %s</p>", fl, compact(float64(a.following), h.locale))
	for _, l := range n.links(a) {
		fmt.Fprintf(b, "<a class=\"u-url\" rel=\"me\" href=\"%s\">%s</a> ", esc(l), esc(l))
	}
	b.WriteString("</div>\n")
}

// webFriends adds other people's h-cards: not the representative one.
func (n *Network) webFriends(b *strings.Builder, a *account) {
	esc := html.EscapeString
	as := n.byPlatform[Web]
	b.WriteString("<aside><h2>Friends</h2>")
	for i := 1; i <= 2; i++ {
		o := as[(a.idx*7+i*13)%len(as)]
		if o == a || o.gone {
			continue
		}
		fmt.Fprintf(b, "<div class=\"h-card\"><img class=\"u-photo\" src=\"%s\" alt=\"\"><a class=\"p-name u-url\" href=\"%s\">%s</a><p class=\"p-note\">%s</p></div>",
			esc(n.avatarURL(o)), esc(n.publicURL(o)), esc(o.display), esc(o.bio))
	}
	b.WriteString("</aside>\n")
}

const tagPageSize = 50

func (n *Network) webTag(h *host, tag string, page int) *resource {
	as := n.webTags[h][tag]
	if len(as) == 0 {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	u := h.base() + "/tags/" + url.PathEscape(tag)
	from := (page - 1) * tagPageSize
	if from >= len(as) {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	to := min(len(as), from+tagPageSize)
	var items []any
	for i := from; i < to; i++ {
		items = append(items, map[string]any{"@type": "ListItem", "position": i + 1, "url": n.publicURL(as[i])})
	}
	pageURL := u
	if page > 1 {
		pageURL += "?page=" + strconv.Itoa(page)
	}
	ld := map[string]any{"@context": "https://schema.org", "@type": "CollectionPage", "@id": pageURL, "url": pageURL, "name": "#" + tag,
		"mainEntity": map[string]any{"@type": "ItemList", "numberOfItems": len(as), "itemListOrder": "https://schema.org/ItemListOrderDescending", "itemListElement": items}}
	esc := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>#%s · %s</title>\n<link rel=\"canonical\" href=\"%s\">\n", h.locale, esc(tag), esc(n.webSite(h)), esc(pageURL))
	fmt.Fprintf(&b, "<meta property=\"og:title\" content=\"#%s\">\n<meta property=\"og:type\" content=\"website\">\n<meta property=\"og:url\" content=\"%s\">\n", esc(tag), esc(pageURL))
	fmt.Fprintf(&b, "<script type=\"application/ld+json\">%s</script>\n</head>\n<body>\n", ldJSON(ld))
	fmt.Fprintf(&b, "<nav><a href=\"/\">Home</a> <a href=\"/private/drafts/%s\">Drafts</a> <a href=\"/private/inbox\">Inbox</a></nav>\n<h1>#%s</h1>\n<ol class=\"creators\" start=\"%d\">\n", url.PathEscape(tag), esc(tag), from+1)
	for i := from; i < to; i++ {
		a := as[i]
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a> <span>@%s</span> · %s</li>\n", esc(webPath(a)), esc(a.display), esc(a.handle), compact(a.followers, h.locale))
	}
	b.WriteString("</ol>\n")
	if to < len(as) {
		fmt.Fprintf(&b, "<a rel=\"next\" href=\"/tags/%s?page=%d\">Next</a>\n", url.PathEscape(tag), page+1)
	}
	if page > 1 {
		fmt.Fprintf(&b, "<a rel=\"prev\" href=\"/tags/%s?page=%d\">Previous</a>\n", url.PathEscape(tag), page-1)
	}
	b.WriteString("</body>\n</html>\n")
	return htmlPage(http.StatusOK, b.String(), n.modified)
}

func (n *Network) webIndex(h *host) *resource {
	type tc struct {
		t string
		c int
	}
	var tags []tc
	for t, as := range n.webTags[h] {
		tags = append(tags, tc{t, len(as)})
	}
	sort.Slice(tags, func(i, j int) bool {
		if tags[i].c != tags[j].c {
			return tags[i].c > tags[j].c
		}
		return tags[i].t < tags[j].t
	})
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n</head>\n<body>\n<h1>%s</h1>\n<ul class=\"tags\">\n", h.locale, html.EscapeString(n.webSite(h)), html.EscapeString(n.webSite(h)))
	for i, t := range tags {
		if i == 40 {
			break
		}
		fmt.Fprintf(&b, "<li><a href=\"/tags/%s\">#%s</a> (%d)</li>\n", url.PathEscape(t.t), html.EscapeString(t.t), t.c)
	}
	b.WriteString("</ul>\n<p><a href=\"/private/inbox\">Inbox</a> · <a href=\"/sitemap.xml\">Sitemap</a></p>\n</body>\n</html>\n")
	return htmlPage(http.StatusOK, b.String(), n.modified)
}

func (n *Network) webSitemap(h *host) *resource {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, a := range n.byPlatform[Web] {
		if a.host != h || a.gone || a.optOut != "" {
			continue
		}
		fmt.Fprintf(&b, "<url><loc>%s</loc><lastmod>%s</lastmod></url>\n", html.EscapeString(n.publicURL(a)), lastPost(a).UTC().Format("2006-01-02"))
	}
	b.WriteString("</urlset>\n")
	return (&resource{status: http.StatusOK, ctype: ctXML, body: []byte(b.String()), lastMod: n.modified}).finish(false)
}

func (n *Network) robotsTxt(h *host) *resource {
	var b strings.Builder
	switch h.kind {
	case KindMastodon:
		b.WriteString("# See http://www.robotstxt.org/robotstxt.html for documentation on how to use the robots.txt file\n\nUser-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nDisallow: /media_proxy/\nDisallow: /interact/\n")
	case KindBluesky:
		b.WriteString("# Hello Friends!\n# If you are considering bulk or automated crawling, you may want to look in to\n# our protocol (API), including a firehose of updates. See: https://docs.bsky.app/\n\n# By default, may crawl anything on this domain. HTTP 429 (\"backoff\") status\n# codes are used for rate-limiting. Up to a handful concurrent requests should be ok.\nUser-Agent: *\nAllow: /\n")
	case KindYouTube, KindInstagram:
		b.WriteString("User-agent: *\nDisallow:\n")
	case KindTikTok:
		fmt.Fprintf(&b, "User-agent: *\nDisallow: /inapp/\nDisallow: /auth/\nDisallow: /embed/\nDisallow: /link/\n\nSitemap: %s/sitemap.xml\n", h.base())
	case KindHTML:
		b.WriteString("User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\n")
		if h.blocked != nil {
			// One creator's profile: a directory rule where profiles are
			// directories, an end-anchored rule where they are not, so no
			// other handle sharing the prefix is caught.
			p := webPath(h.blocked)
			if !strings.HasSuffix(p, "/") {
				p += "$"
			}
			fmt.Fprintf(&b, "Disallow: %s\n", p)
		}
		fmt.Fprintf(&b, "\nSitemap: %s/sitemap.xml\n", h.base())
	case KindLinks:
		b.WriteString(n.linkRobots(h))
	}
	return (&resource{status: http.StatusOK, ctype: ctText, body: []byte(b.String()), lastMod: n.today}).finish(false)
}
