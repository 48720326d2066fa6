package html

import (
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/metarobots"
	"github.com/creatorscout/creatorscout/creator"
)

// page is the state of one Parse call.
type page struct {
	src       *Source
	doc       *goquery.Document
	url       *url.URL // the page, or its canonical link when fetched without one
	base      *url.URL // for relative links: <base href> or url
	perr      *source.ParseError
	fetchedAt time.Time
	sourceURL string
	meta      map[string]string
}

// facts is what one signal says about the profile. Empty strings and nil
// pointers are unknown.
type facts struct {
	handle     string
	platformID string
	name       string
	bio        string
	url        string // the profile URL the signal gives
	website    string
	email      string
	followers  *int64
	following  *int64
	posts      *int64
	verified   bool
	location   *creator.Location
	links      []string
}

// fill copies into f what f does not know yet from g.
func (f *facts) fill(g *facts) {
	if g == nil {
		return
	}
	str := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	num := func(dst **int64, src *int64) {
		if *dst == nil && src != nil {
			*dst = src
		}
	}
	str(&f.handle, g.handle)
	str(&f.platformID, g.platformID)
	str(&f.name, g.name)
	str(&f.bio, g.bio)
	str(&f.url, g.url)
	str(&f.website, g.website)
	str(&f.email, g.email)
	num(&f.followers, g.followers)
	num(&f.following, g.following)
	num(&f.posts, g.posts)
	f.verified = f.verified || g.verified
	if f.location == nil {
		f.location = g.location
	}
	f.links = append(f.links, g.links...)
}

// setBase sets the base URL for relative links, falling back to the
// canonical link when the page came without a URL.
func (pg *page) setBase() {
	if pg.url == nil {
		if pg.url = pg.canonical(); pg.url == nil {
			return
		}
		pg.sourceURL = clean(pg.url.String(), 2000)
		pg.perr.URL = pg.sourceURL
	}
	pg.base = pg.url
	if pg.url.Scheme != "http" && pg.url.Scheme != "https" {
		// A saved page (file://): relative links resolve against the
		// address it gives for itself. Its identity still comes from its
		// own URL, so a file cannot pose as a network's profile.
		if c := pg.canonical(); c != nil {
			pg.base = c
		}
	}
	if href, ok := pg.doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := pg.url.Parse(strings.TrimSpace(href)); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
			pg.base = b
		}
	}
}

// canonical is the absolute URL the page gives for itself (canonical link,
// else og:url), or nil.
func (pg *page) canonical() *url.URL {
	for _, sel := range []string{`link[rel="canonical"]`, `meta[property="og:url"]`} {
		v, _ := pg.doc.Find(sel).First().Attr("href")
		if v == "" {
			v, _ = pg.doc.Find(sel).First().Attr("content")
		}
		if u, err := url.Parse(strings.TrimSpace(v)); err == nil && u.IsAbs() && u.Host != "" {
			return u
		}
	}
	return nil
}

// abs resolves a link against the page; it returns "" for anything but an
// absolute http(s) URL.
func (pg *page) abs(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || pg.base == nil {
		return ""
	}
	if hasTemplate(ref) {
		pg.perr.Add("link %q is an unrendered template", clean(ref, 80))
		return ""
	}
	u, err := pg.base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// parse fills res; recognized is false when the page carries neither a
// profile nor a hashtag list.
func (pg *page) parse(res *source.Result, rb metarobots.Directives) (recognized bool) {
	ld := pg.readJSONLD()
	if pg.isHashtagPage(ld) {
		if !rb.NoFollow {
			res.Next = pg.hashtagNext(ld)
		}
		return true
	}

	var f facts
	var evidence bool
	var posts []creator.Post
	if lf := ld.profileFacts(pg); lf != nil {
		f.fill(lf)
		evidence = true
	}
	tk := pg.readTikTok()
	if tk != nil && tk.missing {
		return true // TikTok says there is no such account: its og: meta are the site's
	}
	if tk != nil {
		f.fill(&tk.facts)
		evidence = true
	}
	if hc := pg.readHCard(); hc != nil {
		f.fill(hc)
		evidence = true
	}
	if rel := pg.relMe(); len(rel) > 0 {
		f.links = append(f.links, rel...)
	}
	if og := pg.readOG(); og != nil {
		f.fill(&og.facts)
		evidence = evidence || og.profile
	}
	if !evidence {
		return false
	}

	platform, handle, err := pg.identity(&f)
	switch {
	case rb.NoIndex && err != nil:
		res.OptedOut = append(res.OptedOut, pg.sourceURL) // no handle: name the page
		return true
	case err != nil:
		pg.perr.Add("profile: %v", err)
		return true
	}
	id := creator.MakeID(platform, handle)
	if rb.NoIndex {
		res.OptedOut = append(res.OptedOut, id)
		return true
	}

	c := creator.Creator{
		ID:          id,
		Platform:    platform,
		Handle:      creator.NormalizeHandle(handle),
		PlatformID:  f.platformID,
		URL:         pg.profileURL(),
		DisplayName: f.name,
		Bio:         f.bio,
		Followers:   f.followers,
		Following:   f.following,
		PostsCount:  f.posts,
		Verified:    f.verified,
		Location:    f.location,
		FetchedAt:   pg.fetchedAt,
		SourceURL:   pg.sourceURL,
	}
	if f.email != "" {
		// The page's own word for it (JSON-LD email, h-card u-email) is
		// kept only when it is an address.
		if e, ok := creator.NormalizeEmail(f.email); ok {
			c.Email = e
		} else {
			pg.perr.Add("email: %q is not an address", clean(f.email, 80))
		}
	}
	if f.website != "" && !sameHost(f.website, c.URL) {
		c.Website = f.website
	}
	c.Links = pg.links(f.links, c.URL)
	res.Creators = append(res.Creators, c)

	posts = append(posts, ld.posts(pg, platform)...)
	if tk != nil {
		posts = append(posts, tk.videos(pg)...)
	}
	seen := map[string]bool{}
	for _, p := range posts {
		if p.ID == "" || seen[p.ID] || len(res.Posts) >= maxPosts {
			continue
		}
		seen[p.ID] = true
		p.CreatorID = id
		p.FetchedAt = pg.fetchedAt
		p.SourceURL = pg.sourceURL
		res.Posts = append(res.Posts, p)
	}
	if !rb.NoFollow {
		res.Next = pg.mentionNext(platform, id, res.Posts)
	}
	return true
}

// maxMentionRequests bounds the snowball requests one page may make.
const maxMentionRequests = 50

// mentionNext turns the accounts the profile's posts @mention into snowball
// profile requests (source.MetaSnowball), where the network's profile URL
// follows from the handle: TikTok /@handle on the same host, Mastodon
// /@user on the account's home instance. A web page's mention names no page.
func (pg *page) mentionNext(platform, self string, posts []creator.Post) []source.Request {
	if platform != creator.TikTok && platform != creator.Mastodon {
		return nil
	}
	seen := map[string]bool{self: true}
	var out []source.Request
	for _, p := range posts {
		for _, m := range p.Mentions {
			if len(out) >= maxMentionRequests {
				return out
			}
			user, host, remote := strings.Cut(m, "@")
			if !handleRe.MatchString(user) || hasTemplate(m) {
				continue
			}
			var id, u string
			switch {
			case platform == creator.TikTok && !remote:
				id, u = creator.MakeID(creator.TikTok, user), pg.url.Scheme+"://"+pg.url.Host+"/@"+user
			case platform == creator.Mastodon:
				if !remote {
					host = hostKey(pg.url)
				}
				hu, err := url.Parse(pg.url.Scheme + "://" + host)
				if err != nil || hu.Host != host || hu.Path != "" {
					continue
				}
				id, u = creator.MakeID(creator.Mastodon, user+"@"+host), hu.String()+"/@"+user
			default:
				continue
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, source.Request{URL: clean(u, 2000), Kind: source.KindProfile, Meta: source.MentionMeta(pg.meta, id)})
		}
	}
	return out
}

// profileURL is the canonical profile URL: the canonical link or og:url on
// the same host, else the page URL without query and fragment.
func (pg *page) profileURL() string {
	for _, sel := range []string{`link[rel="canonical"]`, `meta[property="og:url"]`} {
		s := pg.doc.Find(sel).First()
		v, ok := s.Attr("href")
		if !ok {
			v, _ = s.Attr("content")
		}
		if u := pg.abs(v); u != "" && sameHost(u, pg.url.String()) && !hasTemplate(u) {
			return u
		}
	}
	u := *pg.url
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// links dedupes and normalises profile links, dropping the profile itself.
func (pg *page) links(in []string, self string) []string {
	var out []string
	seen := map[string]bool{normURL(self): true, normURL(pg.url.String()): true}
	for _, l := range in {
		u := pg.abs(l)
		if u == "" || hasTemplate(u) {
			continue
		}
		k := normURL(u)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, u)
		if len(out) >= 50 {
			break
		}
	}
	return out
}

// normURL is a URL in a form for comparing: lower-case scheme and host,
// default port and trailing slash dropped, no fragment, http = https.
func normURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return strings.TrimSpace(s)
	}
	host := strings.ToLower(u.Host)
	host = strings.TrimSuffix(strings.TrimSuffix(host, ":443"), ":80")
	host = strings.TrimPrefix(host, "www.")
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	q := ""
	if u.RawQuery != "" {
		q = "?" + u.RawQuery
	}
	return host + path + q
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	ha := strings.TrimPrefix(strings.ToLower(ua.Host), "www.")
	hb := strings.TrimPrefix(strings.ToLower(ub.Host), "www.")
	return ha != "" && ha == hb
}

// hasTemplate reports placeholders a server forgot to fill in.
func hasTemplate(s string) bool {
	return (strings.Contains(s, "{{") && strings.Contains(s, "}}")) ||
		strings.Contains(s, "{%") || strings.Contains(s, "<%") ||
		(strings.Contains(s, "${") && strings.Contains(s, "}")) ||
		strings.Contains(s, "%7B%7B") || strings.Contains(s, "$%7B")
}

// text checks one text value read from signal sig: templates are dropped
// with an issue, the rest is trimmed and bounded.
func (pg *page) text(sig, field, v string, max int) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if hasTemplate(v) {
		pg.perr.Add("%s %s: %q is an unrendered template", sig, field, clean(v, 80))
		return ""
	}
	return clean(v, max)
}
