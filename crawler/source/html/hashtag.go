package html

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// isHashtagPage: a CollectionPage or ItemList of profiles in JSON-LD, or a
// /tags/{tag} path without a profile on it.
func (pg *page) isHashtagPage(ld *ldData) bool {
	if ld.person != nil {
		return false
	}
	return ld.coll || len(ld.list) > 0 || tagPath.MatchString(pg.url.Path) || pg.tiktokChallenge()
}

// tiktokChallenge reports TikTok's tag page data: rehydration data with a
// "webapp.challenge-detail" scope and no user's.
func (pg *page) tiktokChallenge() bool {
	s := pg.doc.Find(`script#__UNIVERSAL_DATA_FOR_REHYDRATION__`).First().Text()
	return strings.Contains(s, `"webapp.challenge-detail"`) && !strings.Contains(s, `"webapp.user-detail"`)
}

// hashtagTag names the tag the page is for: the request's meta, else the
// path.
func (pg *page) hashtagTag() string {
	if t := pg.meta["hashtag"]; t != "" {
		return t
	}
	if m := tagPath.FindStringSubmatch(pg.url.Path); m != nil {
		if t, err := url.PathUnescape(m[1]); err == nil {
			return strings.ToLower(strings.TrimPrefix(t, "#"))
		}
	}
	return ""
}

// hashtagNext turns the page's profile list into profile Requests: the
// JSON-LD ItemList when there is one, else the links that look like
// profiles.
func (pg *page) hashtagNext(ld *ldData) []source.Request {
	urls := ld.list
	if len(urls) == 0 {
		tiktok := pg.platform() == creator.TikTok
		pg.doc.Find("a[href]").EachWithBreak(func(i int, s *goquery.Selection) bool {
			u := pg.abs(s.AttrOr("href", ""))
			if tiktok || hostPlatform(hostOf(u)) == creator.TikTok {
				u = tiktokAuthor(u)
			}
			if u != "" && looksLikeProfile(u) {
				urls = append(urls, u)
			}
			return i < maxAnchors
		})
	}
	var meta map[string]string
	if tag := pg.hashtagTag(); tag != "" && !hasTemplate(tag) {
		meta = map[string]string{"hashtag": clean(tag, 100)}
	}
	self := normURL(pg.url.String())
	seen := map[string]bool{self: true}
	var out []source.Request
	for _, u := range urls {
		k := normURL(u)
		if seen[k] || len(out) >= maxNext {
			continue
		}
		seen[k] = true
		r := source.Request{URL: clean(u, 2000), Kind: source.KindProfile}
		if meta != nil {
			r.Meta = map[string]string{}
			for k, v := range meta {
				r.Meta[k] = v
			}
		}
		out = append(out, r)
	}
	return out
}

// hostOf is the host of a URL, or "".
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// tiktokVideoPath is a TikTok video link, /@author/video/{id}.
var tiktokVideoPath = regexp.MustCompile(`^/(@[\pL\pN_.-]{1,64})/video/[0-9]{1,30}/?$`)

// tiktokAuthor turns a TikTok video link into its author's profile URL, as
// a TikTok tag page lists its videos; other links are returned as they are.
func tiktokAuthor(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if m := tiktokVideoPath.FindStringSubmatch(u.Path); m != nil {
		return u.Scheme + "://" + u.Host + "/" + m[1]
	}
	return raw
}

// maxAnchors bounds how many links a hashtag page's fallback looks at.
const maxAnchors = 5000

var igProfilePath = regexp.MustCompile(`^/([A-Za-z0-9._]{1,30})/?$`)

// looksLikeProfile reports profile URLs: a network's profile path, or /@user
// and /u/user style paths on any host.
func looksLikeProfile(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch hostPlatform(u.Host) {
	case creator.Instagram:
		m := igProfilePath.FindStringSubmatch(u.Path)
		return m != nil && !instagramReserved[strings.ToLower(m[1])]
	case creator.Bluesky:
		return strings.HasPrefix(u.Path, "/profile/") && strings.Count(strings.Trim(u.Path, "/"), "/") == 1
	}
	return mastodonPath.MatchString(u.Path) || userPath.MatchString(u.Path)
}
