package simnet

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

func (n *Network) tiktok(h *host, r *http.Request) *resource {
	p := r.URL.Path
	switch {
	case p == "/sitemap.xml":
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		for _, a := range n.byPlatform[TikTok] {
			if !a.gone {
				fmt.Fprintf(&b, "<url><loc>%s</loc></url>\n", html.EscapeString(n.publicURL(a)))
			}
		}
		b.WriteString("</urlset>\n")
		return (&resource{status: http.StatusOK, ctype: ctXML, body: []byte(b.String()), lastMod: n.modified}).finish(false)
	case strings.HasPrefix(p, "/tag/"):
		tag, _ := url.PathUnescape(strings.TrimPrefix(p, "/tag/"))
		return n.ttTag(h, strings.ToLower(tag))
	case strings.HasPrefix(p, "/@"):
		handle, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(p, "/@"), "/"))
		if strings.Contains(handle, "/") {
			return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
		}
		a := n.lookup(TikTok, nil, handle)
		if a == nil {
			status := http.StatusNotFound
			for _, g := range n.byPlatform[TikTok] {
				if g.gone && strings.EqualFold(g.handle, handle) {
					status = http.StatusGone
				}
			}
			return n.ttMissing(status, handle)
		}
		return n.ttProfile(a)
	}
	return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
}

func (n *Network) ttMissing(status int, handle string) *resource {
	blob := map[string]any{"__DEFAULT_SCOPE__": map[string]any{
		"webapp.app-context": map[string]any{"language": "en", "region": "US", "appId": 1988},
		"webapp.user-detail": map[string]any{"userInfo": map[string]any{}, "statusCode": 10221, "statusMsg": "user not exist", "needFix": false},
	}}
	body := fmt.Sprintf("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>This account cannot be found | TikTok</title></head><body><div id=\"app\"><p>Couldn't find this account</p></div>\n<script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">%s</script>\n</body></html>\n", ldJSON(blob))
	return htmlPage(status, body, time.Time{})
}

// utf16Len is the length of s in UTF-16 code units, as TikTok's offsets count.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func (n *Network) ttItem(p *post) map[string]any {
	a := p.acct
	var text strings.Builder
	var extra []any
	var challenges []any
	for _, s := range p.segs {
		start := utf16Len(text.String())
		switch s.kind {
		case 't':
			text.WriteString(s.text)
		case '#':
			text.WriteString("#" + s.text)
			id := digitsFrom("", 8, hash64("tt-tag", strings.ToLower(s.text)))
			extra = append(extra, map[string]any{"awemeId": "", "start": start, "end": utf16Len(text.String()), "hashtagId": id, "hashtagName": s.text,
				"isCommerce": false, "subType": 0, "type": 1, "userId": "", "userUniqueId": ""})
			challenges = append(challenges, map[string]any{"id": id, "title": strings.ToLower(s.text), "desc": "", "profileLarger": "", "coverLarger": ""})
		case '@':
			m := n.mentionText(s, a)
			text.WriteString(m)
			uid, unique := "", strings.TrimPrefix(m, "@")
			if s.acct != nil {
				uid = s.acct.pid
			}
			extra = append(extra, map[string]any{"awemeId": "", "start": start, "end": utf16Len(text.String()), "hashtagName": "",
				"isCommerce": false, "subType": 0, "type": 0, "userId": uid, "userUniqueId": unique})
		}
	}
	if extra == nil {
		extra = []any{}
	}
	if challenges == nil {
		challenges = []any{}
	}
	d := 9 + int(hash64(p.nid)%170)
	return map[string]any{
		"id": p.nid, "desc": text.String(), "createTime": strconv.FormatInt(p.created.Unix(), 10), "author": a.handle,
		"video": map[string]any{"id": p.nid, "height": 1024, "width": 576, "duration": d, "ratio": "540p",
			"cover": "https://p16-sign.tiktokcdn-us.com/obj/tos-useast5-p-0068-tx/" + p.nid + "~tplv-cover.jpeg", "playAddr": ""},
		"stats": map[string]any{"diggCount": p.likes, "shareCount": p.shares, "commentCount": p.comments, "playCount": p.views, "collectCount": p.likes / 9},
		"statsV2": map[string]any{"diggCount": strconv.FormatInt(p.likes, 10), "shareCount": strconv.FormatInt(p.shares, 10),
			"commentCount": strconv.FormatInt(p.comments, 10), "playCount": strconv.FormatInt(p.views, 10), "collectCount": strconv.FormatInt(p.likes/9, 10), "repostCount": "0"},
		"textExtra": extra, "challenges": challenges, "isAd": p.paid, "duetEnabled": true, "stitchEnabled": true,
		"shareEnabled": true, "privateItem": false, "secret": false, "forFriend": false, "digged": false, "itemCommentStatus": 0,
	}
}

func (n *Network) ttProfile(a *account) *resource {
	h := a.host
	esc := html.EscapeString
	u := n.publicURL(a)
	var hearts int64
	for _, p := range a.posts {
		hearts += p.likes
	}
	hearts = hearts * (a.olderPosts + int64(len(a.posts))) / int64(max(1, len(a.posts)))
	posts := a.olderPosts + int64(len(a.posts))
	f := int64(a.followers)
	region := "US"
	if a.person != nil && a.person.city != nil {
		region = a.person.city.Country
	}
	avatar := "https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/" + a.pid[:12] + "~c5_1080x1080.jpeg"
	user := map[string]any{
		"id": a.pid, "shortId": "", "uniqueId": a.handle, "nickname": a.display,
		"avatarLarger": avatar, "avatarMedium": strings.Replace(avatar, "1080x1080", "720x720", 1), "avatarThumb": strings.Replace(avatar, "1080x1080", "100x100", 1),
		"signature": a.bio, "createTime": a.created.Unix(), "verified": a.verified, "secUid": a.pid2, "ftc": false, "relation": 0,
		"openFavorite": false, "commentSetting": 0, "commerceUserInfo": map[string]any{"commerceUser": false}, "duetSetting": 0,
		"stitchSetting": 0, "privateAccount": false, "secret": false, "isADVirtual": false, "roomId": "", "uniqueIdModifyTime": 0,
		"ttSeller": false, "region": region, "downloadSetting": 0, "followingVisibility": 1, "recommendReason": "",
		"nickNameModifyTime": 0, "isEmbedBanned": false, "canExpPlaylist": true, "profileEmbedPermission": 1,
		"language": "en", "eventList": []any{}, "suggestAccountBind": false, "isOrganization": 0, "UserStoryStatus": 0,
		"profileTab": map[string]any{"showMusicTab": false, "showQuestionTab": true, "showPlayListTab": true},
	}
	if w := n.website(a); w != nil {
		user["bioLink"] = map[string]any{"link": strings.TrimPrefix(n.publicURL(w), "http://"), "risk": 0}
	} else if u := n.linkPageURL(a); u != "" {
		user["bioLink"] = map[string]any{"link": u, "risk": 0}
	}
	var items []any
	for _, p := range a.posts {
		items = append(items, n.ttItem(p))
	}
	if items == nil {
		items = []any{}
	}
	blob := map[string]any{"__DEFAULT_SCOPE__": map[string]any{
		"webapp.app-context": map[string]any{"language": "en", "region": region, "appId": 1988, "appType": "m", "user": map[string]any{}, "wid": digitsFrom("7", 19, hash64(a.pid, "wid"))},
		"webapp.user-detail": map[string]any{
			"userInfo": map[string]any{
				"user":  user,
				"stats": map[string]any{"followerCount": sig3(f), "followingCount": a.following, "heart": sig3(hearts), "heartCount": sig3(hearts), "videoCount": posts, "diggCount": 0, "friendCount": a.following / 5},
				"statsV2": map[string]any{"followerCount": strconv.FormatInt(f, 10), "followingCount": strconv.FormatInt(a.following, 10),
					"heart": strconv.FormatInt(hearts, 10), "heartCount": strconv.FormatInt(hearts, 10), "videoCount": strconv.FormatInt(posts, 10),
					"diggCount": "0", "friendCount": strconv.FormatInt(a.following/5, 10)},
				"itemList": items,
			},
			"shareMeta":  map[string]any{"title": a.display + " on TikTok", "desc": "@" + a.handle + " " + compactEN(a.followers) + " Followers, " + compactEN(float64(a.following)) + " Following, " + compactEN(float64(hearts)) + " Likes - Watch awesome short videos created by " + a.display},
			"statusCode": 0, "statusMsg": "", "needFix": true,
		},
	}}
	desc := fmt.Sprintf("%s (@%s) on TikTok | %s Likes. %s Followers. %s.Watch the latest video from %s (@%s).",
		a.display, a.handle, compactEN(float64(hearts)), compactEN(a.followers), a.bio, a.display, a.handle)
	var head strings.Builder
	fmt.Fprintf(&head, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s (@%s) | TikTok</title>\n", esc(a.display), esc(a.handle))
	fmt.Fprintf(&head, "<meta name=\"description\" content=\"%s\">\n<link rel=\"canonical\" href=\"%s\">\n", esc(desc), esc(u))
	fmt.Fprintf(&head, "<meta property=\"og:site_name\" content=\"TikTok\">\n<meta property=\"og:type\" content=\"website\">\n<meta property=\"og:title\" content=\"%s on TikTok\">\n", esc(a.display))
	fmt.Fprintf(&head, "<meta property=\"og:description\" content=\"%s\">\n<meta property=\"og:url\" content=\"%s\">\n<meta property=\"og:image\" content=\"%s\">\n", esc(desc), esc(u), esc(avatar))
	fmt.Fprintf(&head, "<meta name=\"twitter:card\" content=\"summary\">\n<meta name=\"twitter:site\" content=\"@tiktok_us\">\n<meta name=\"twitter:title\" content=\"%s on TikTok\">\n<meta name=\"twitter:description\" content=\"%s\">\n", esc(a.display), esc(desc))
	tail := fmt.Sprintf("</head>\n<body>\n<div id=\"app\"></div>\n<script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">%s</script>\n", ldJSON(blob))
	last := a.updated
	if len(a.posts) > 0 && a.posts[0].created.After(last) {
		last = a.posts[0].created
	}
	return n.padded(h, http.StatusOK, head.String(), tail, "</body>\n</html>\n", last)
}

func (n *Network) ttTag(h *host, tag string) *resource {
	ps := n.tagIdx[TikTok][tag]
	if len(ps) == 0 {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	var views int64
	seen := map[*account]bool{}
	var authors []*account
	for _, p := range ps {
		views += p.views
		if !seen[p.acct] {
			seen[p.acct] = true
			authors = append(authors, p.acct)
		}
	}
	id := digitsFrom("", 8, hash64("tt-tag", tag))
	blob := map[string]any{"__DEFAULT_SCOPE__": map[string]any{
		"webapp.challenge-detail": map[string]any{
			"challengeInfo": map[string]any{
				"challenge": map[string]any{"id": id, "title": tag, "desc": "", "isCommerce": false},
				"stats":     map[string]any{"videoCount": len(ps), "viewCount": views},
				"statsV2":   map[string]any{"videoCount": strconv.Itoa(len(ps)), "viewCount": strconv.FormatInt(views, 10)},
			},
			"statusCode": 0, "statusMsg": "",
		},
	}}
	var items []any
	for i, a := range authors {
		items = append(items, map[string]any{"@type": "ListItem", "position": i + 1, "url": n.publicURL(a)})
	}
	u := h.base() + "/tag/" + url.PathEscape(tag)
	ld := map[string]any{"@context": "https://schema.org", "@type": "CollectionPage", "url": u, "name": "#" + tag,
		"mainEntity": map[string]any{"@type": "ItemList", "numberOfItems": len(items), "itemListElement": items}}
	esc := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>#%s | TikTok</title>\n<link rel=\"canonical\" href=\"%s\">\n", esc(tag), esc(u))
	fmt.Fprintf(&b, "<meta property=\"og:title\" content=\"#%s | TikTok\">\n<script type=\"application/ld+json\">%s</script>\n</head>\n<body>\n<h1>#%s</h1>\n<ul>\n", esc(tag), ldJSON(ld), esc(tag))
	for _, a := range authors {
		fmt.Fprintf(&b, "<li><a href=\"/@%s\">@%s</a></li>\n", url.PathEscape(a.handle), esc(a.handle))
	}
	fmt.Fprintf(&b, "</ul>\n<script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">%s</script>\n</body>\n</html>\n", ldJSON(blob))
	return htmlPage(http.StatusOK, b.String(), n.modified)
}
