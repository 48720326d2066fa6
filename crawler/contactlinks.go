package crawler

import (
	"net/url"
	"slices"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// ContactSource is the registered name of the source that reads contact
// pages (crawler/source/linkpage). The crawler follows contact links only
// when it was given a source of that name: cmd/creatorscout gives it one
// unless crawler.follow_contact_links is false.
const ContactSource = "linkpage"

// MaxContactPages bounds the contact pages queued for one creator from its
// profile. The website pages among them may each lead to at most two about
// or contact pages of the same site (linkpage.MaxFollow).
const MaxContactPages = 3

// addContactLinks appends to res.Next the contact pages of the creators res
// holds (see ContactLinkRequests), when the crawler has a ContactSource.
// They are queued like every other link: through the frontier, so robots.txt,
// the host's rate, the SSRF guard, depth and freshness apply to them too.
func (c *Crawler) addContactLinks(res *source.Result) {
	lp := c.byName[ContactSource]
	if lp == nil || res == nil || len(res.Creators) == 0 {
		return
	}
	isLinkInBio := func(u *url.URL) bool { return safeDetect(lp, u, nil) }
	claimed := func(u *url.URL) bool {
		for _, s := range c.sources {
			if s.Name() != ContactSource && safeDetect(s, u, nil) {
				return true
			}
		}
		return false
	}
	res.Next = append(res.Next, ContactLinkRequests(res.Creators, isLinkInBio, claimed, MaxContactPages)...)
}

// ContactLinkRequests returns, for each creator, KindPage requests for at
// most max of the pages it links to for contact (creator.ContactPages: the
// website field, the links field and the bio, without social network
// profiles or the creator's own profile), read by ContactSource and
// credited to the creator (Meta[source.MetaCreatorID]), each naming itself
// as the contact page (Meta[source.MetaContactPage]). Link-in-bio pages
// (isLinkInBio: linktr.ee, beacons.ai, ...) go first, then other pages (the
// creator's own website); pages another source reads (claimed: profiles,
// API URLs) are left out.
func ContactLinkRequests(creators []creator.Creator, isLinkInBio, claimed func(*url.URL) bool, max int) []source.Request {
	var out []source.Request
	for i := range creators {
		c := &creators[i]
		if c.ID == "" || max <= 0 {
			continue
		}
		cands := creator.ContactPages(c)
		if isLinkInBio != nil {
			// Link-in-bio hosts only the contact source knows of (its
			// Options.Hosts) count too.
			_, bio := creator.ExtractContacts(c.Bio)
			for _, raw := range append(append([]string(nil), c.Links...), bio...) {
				if n, ok := creator.NormalizeLink(raw); ok && !slices.Contains(cands, n) {
					if u, err := url.Parse(n); err == nil && isLinkInBio(u) {
						cands = append(cands, n)
					}
				}
			}
		}
		var first, rest []string
		for _, n := range cands {
			u, err := url.Parse(n)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				continue
			}
			switch {
			case isLinkInBio != nil && isLinkInBio(u):
				first = append(first, n)
			case claimed != nil && claimed(u):
				// A profile or API page: another source reads it.
			default:
				rest = append(rest, n)
			}
		}
		pages := append(first, rest...)
		if len(pages) > max {
			pages = pages[:max]
		}
		for _, p := range pages {
			out = append(out, source.Request{URL: p, Kind: source.KindPage, Meta: map[string]string{
				MetaSource: ContactSource, source.MetaCreatorID: c.ID, source.MetaContactPage: p,
			}})
		}
	}
	return out
}
