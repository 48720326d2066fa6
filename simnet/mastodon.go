package simnet

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Mastodon 4.x REST entities, with the fields real servers send.
type mAccount struct {
	ID              string   `json:"id"`
	Username        string   `json:"username"`
	Acct            string   `json:"acct"`
	DisplayName     string   `json:"display_name"`
	Locked          bool     `json:"locked"`
	Bot             bool     `json:"bot"`
	Discoverable    bool     `json:"discoverable"`
	Indexable       *bool    `json:"indexable,omitempty"`
	Group           bool     `json:"group"`
	CreatedAt       string   `json:"created_at"`
	Note            string   `json:"note"`
	URL             string   `json:"url"`
	URI             string   `json:"uri"`
	Avatar          string   `json:"avatar"`
	AvatarStatic    string   `json:"avatar_static"`
	Header          string   `json:"header"`
	HeaderStatic    string   `json:"header_static"`
	FollowersCount  int64    `json:"followers_count"`
	FollowingCount  int64    `json:"following_count"`
	StatusesCount   int64    `json:"statuses_count"`
	LastStatusAt    *string  `json:"last_status_at"`
	HideCollections *bool    `json:"hide_collections"`
	Noindex         *bool    `json:"noindex,omitempty"`
	Emojis          []mEmoji `json:"emojis"`
	Roles           []any    `json:"roles"`
	Fields          []mField `json:"fields"`
}

type mEmoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
}

type mField struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

type mStatus struct {
	ID                 string        `json:"id"`
	CreatedAt          string        `json:"created_at"`
	InReplyToID        *string       `json:"in_reply_to_id"`
	InReplyToAccountID *string       `json:"in_reply_to_account_id"`
	Sensitive          bool          `json:"sensitive"`
	SpoilerText        string        `json:"spoiler_text"`
	Visibility         string        `json:"visibility"`
	Language           string        `json:"language"`
	URI                string        `json:"uri"`
	URL                string        `json:"url"`
	RepliesCount       int64         `json:"replies_count"`
	ReblogsCount       int64         `json:"reblogs_count"`
	FavouritesCount    int64         `json:"favourites_count"`
	EditedAt           *string       `json:"edited_at"`
	Content            string        `json:"content"`
	Reblog             *mStatus      `json:"reblog"`
	Application        *mApplication `json:"application,omitempty"`
	Account            mAccount      `json:"account"`
	MediaAttachments   []mMedia      `json:"media_attachments"`
	Mentions           []mMention    `json:"mentions"`
	Tags               []mTag        `json:"tags"`
	Emojis             []mEmoji      `json:"emojis"`
	Card               any           `json:"card"`
	Poll               any           `json:"poll"`
}

type mApplication struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

type mMedia struct {
	ID               string         `json:"id"`
	Type             string         `json:"type"`
	URL              string         `json:"url"`
	PreviewURL       string         `json:"preview_url"`
	RemoteURL        *string        `json:"remote_url"`
	PreviewRemoteURL *string        `json:"preview_remote_url"`
	TextURL          *string        `json:"text_url"`
	Meta             map[string]any `json:"meta"`
	Description      string         `json:"description"`
	Blurhash         string         `json:"blurhash"`
}

type mMention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type mTag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func mastodonJSON(status int, v any, lastMod time.Time, h *host) *resource {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"Internal error"}`)
		status = http.StatusInternalServerError
	}
	res := &resource{status: status, ctype: ctJSON, body: b, lastMod: lastMod, header: [][2]string{
		{"Cache-Control", "max-age=0, private, must-revalidate"},
		{"X-RateLimit-Limit", "300"},
		{"X-RateLimit-Remaining", "299"},
		{"X-RateLimit-Reset", lastMod.Add(5 * time.Minute).UTC().Format("2006-01-02T15:04:05.000000Z")},
		{"Server", "Mastodon"},
	}}
	return res.finish(true)
}

func mastodonError(status int, msg string) *resource {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return (&resource{status: status, ctype: ctJSON, body: b}).finish(true)
}

func (n *Network) mastodon(h *host, r *http.Request) *resource {
	p := r.URL.Path
	q := r.URL.Query()
	switch {
	case p == "/api/v1/accounts/lookup":
		return n.mLookup(h, q.Get("acct"))
	case strings.HasPrefix(p, "/api/v1/accounts/"):
		rest := strings.TrimPrefix(p, "/api/v1/accounts/")
		id, sub, _ := strings.Cut(rest, "/")
		a := n.mAccountByViewerID(h, id)
		if a == nil {
			return mastodonError(http.StatusNotFound, "Record not found")
		}
		switch sub {
		case "":
			return mastodonJSON(http.StatusOK, n.mAccount(h, a), a.updated, h)
		case "statuses":
			return n.mStatuses(h, a, q)
		}
		return mastodonError(http.StatusNotFound, "Record not found")
	case strings.HasPrefix(p, "/api/v1/timelines/tag/"):
		return n.mTagTimeline(h, strings.TrimPrefix(p, "/api/v1/timelines/tag/"), q)
	case p == "/api/v1/directory":
		return n.mDirectory(h, q)
	case p == "/api/v1/instance":
		return n.mInstance(h)
	case p == "/.well-known/webfinger":
		return n.mWebfinger(h, q.Get("resource"))
	case strings.HasPrefix(p, "/@"):
		user := strings.TrimPrefix(p, "/@")
		if strings.Contains(user, "/") {
			return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
		}
		return n.mProfileHTML(h, user)
	case strings.HasPrefix(p, "/api/"):
		return mastodonError(http.StatusNotFound, "Not Found")
	}
	return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
}

// knows reports whether instance h has seen remote account a (federation
// reaches about two thirds of accounts; brands everywhere).
func knows(h *host, a *account) bool {
	return a.host == h || a.isBrand() || hash64(h.name, a.pid)%3 != 0
}

// viewerID is the id instance h gives account a.
func viewerID(h *host, a *account) string {
	if a.host == h {
		return a.pid
	}
	return snowflake(a.created.Add(24*time.Hour), hash64(h.name, a.pid))
}

func viewerStatusID(h *host, p *post) string {
	if p.acct.host == h {
		return p.nid
	}
	return snowflake(p.created, hash64(h.name, p.nid))
}

func (n *Network) mAccountByViewerID(h *host, id string) *account {
	return n.mViewer[h][id]
}

func (n *Network) mLookup(h *host, acct string) *resource {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	if acct == "" {
		return mastodonError(http.StatusNotFound, "Record not found")
	}
	user, domain, remote := strings.Cut(acct, "@")
	target := h
	if remote && !strings.EqualFold(domain, h.addr) {
		target = n.hostByName(domain)
		if target == nil || target.kind != KindMastodon {
			return mastodonError(http.StatusNotFound, "Record not found")
		}
	}
	a := n.lookup(Mastodon, target, user)
	if a == nil || !knows(h, a) {
		return mastodonError(http.StatusNotFound, "Record not found")
	}
	return mastodonJSON(http.StatusOK, n.mAccount(h, a), a.updated, h)
}

func boolp(b bool) *bool       { return &b }
func strp(s string) *string    { return &s }
func isoMs(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (n *Network) mAccount(h *host, a *account) mAccount {
	base := a.host.base()
	acct := a.handle
	if a.host != h {
		acct = a.handle + "@" + a.host.addr
	}
	avatar := fmt.Sprintf("%s/system/accounts/avatars/%s/original/%x.png", base, idPath(a.pid), hash64(a.pid, "avatar")&0xffffffffffff)
	header := fmt.Sprintf("%s/system/accounts/headers/%s/original/%x.jpg", base, idPath(a.pid), hash64(a.pid, "header")&0xffffffffffff)
	m := mAccount{
		ID:             viewerID(h, a),
		Username:       a.handle,
		Acct:           acct,
		DisplayName:    a.display,
		Discoverable:   a.optOut != OptOutUndiscoverable,
		CreatedAt:      isoMs(a.created.Truncate(24 * time.Hour)),
		Note:           noteHTML(a.bio),
		URL:            n.publicURL(a),
		URI:            base + "/users/" + a.handle,
		Avatar:         avatar,
		AvatarStatic:   avatar,
		Header:         header,
		HeaderStatic:   header,
		FollowersCount: int64(a.followers),
		FollowingCount: a.following,
		StatusesCount:  a.olderPosts + int64(len(a.posts)),
		Emojis:         []mEmoji{},
		Roles:          []any{},
		Fields:         []mField{},
	}
	if a.optOut != OptOutIndexableAbsent {
		m.Indexable = boolp(a.optOut != OptOutNotIndexable)
	}
	if a.host == h {
		m.Noindex = boolp(a.optOut == OptOutNoindex)
		m.HideCollections = boolp(a.idx%7 == 0)
	}
	if len(a.posts) > 0 {
		m.LastStatusAt = strp(a.posts[0].created.UTC().Format("2006-01-02"))
	}
	if a.emoji {
		code := nicheHandleWord[niches[a.person.niches[0]].Name]
		u := fmt.Sprintf("%s/system/custom_emojis/images/000/000/%03d/original/%s.png", base, len(code), code)
		m.Emojis = append(m.Emojis, mEmoji{Shortcode: code, URL: u, StaticURL: u, VisibleInPicker: true})
	}
	if a.person != nil {
		if w := n.website(a); w != nil {
			f := mField{Name: "Website", Value: linkHTML(n.publicURL(w))}
			if w.host.style == 2 {
				f.VerifiedAt = strp(isoMs(a.created.AddDate(0, 1, 0)))
			}
			m.Fields = append(m.Fields, f)
		} else if u := n.linkPageURL(a); u != "" {
			m.Fields = append(m.Fields, mField{Name: "Links", Value: linkHTML(u)})
		}
		if a.locRaw != "" && !a.locInBio {
			m.Fields = append(m.Fields, mField{Name: "Location", Value: html.EscapeString(a.locRaw)})
		}
		if a.pronouns != "" {
			m.Fields = append(m.Fields, mField{Name: "Pronouns", Value: a.pronouns})
		}
	}
	return m
}

func idPath(id string) string {
	for len(id) < 18 {
		id = "0" + id
	}
	return id[0:3] + "/" + id[3:6] + "/" + id[6:9] + "/" + id[9:12] + "/" + id[12:15] + "/" + id[15:18]
}

// linkHTML renders a profile-field link as Mastodon does.
func linkHTML(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return html.EscapeString(u)
	}
	return `<a href="` + html.EscapeString(u) + `" target="_blank" rel="nofollow noopener me" translate="no"><span class="invisible">` +
		scheme + `://</span><span class="">` + html.EscapeString(rest) + `</span><span class="invisible"></span></a>`
}

func (n *Network) mStatus(h *host, p *post) mStatus {
	a := p.acct
	base := a.host.base()
	s := mStatus{
		ID:               viewerStatusID(h, p),
		CreatedAt:        isoMs(p.created),
		Visibility:       "public",
		Language:         "en",
		URI:              base + "/users/" + a.handle + "/statuses/" + p.nid,
		URL:              base + "/@" + a.handle + "/" + p.nid,
		RepliesCount:     p.comments,
		ReblogsCount:     p.shares,
		FavouritesCount:  p.likes,
		Content:          n.mastodonContent(p),
		Account:          n.mAccount(h, a),
		MediaAttachments: []mMedia{},
		Mentions:         []mMention{},
		Tags:             []mTag{},
		Emojis:           []mEmoji{},
	}
	if a.person != nil && a.person.lang != "en" && localLines[a.person.lang] != nil && startsLocal(p) {
		s.Language = a.person.lang
	}
	if a.host == h {
		s.Application = &mApplication{Name: "Web"}
	}
	for _, sg := range p.segs {
		switch sg.kind {
		case '@':
			if sg.acct == nil || !knows(h, sg.acct) {
				continue
			}
			acct := sg.acct.handle
			if sg.acct.host != h {
				acct += "@" + sg.acct.host.addr
			}
			s.Mentions = append(s.Mentions, mMention{ID: viewerID(h, sg.acct), Username: sg.acct.handle, URL: n.publicURL(sg.acct), Acct: acct})
		case '#':
			t := strings.ToLower(sg.text)
			s.Tags = append(s.Tags, mTag{Name: t, URL: h.base() + "/tags/" + t})
		}
	}
	if hash64(p.nid, "media")%10 < 6 {
		mid := snowflake(p.created.Add(-time.Minute), hash64(p.nid, "m"))
		u := fmt.Sprintf("%s/system/media_attachments/files/%s/original/%x.jpeg", base, idPath(mid), hash64(mid)&0xffffffff)
		s.MediaAttachments = append(s.MediaAttachments, mMedia{
			ID: mid, Type: "image", URL: u, PreviewURL: strings.Replace(u, "/original/", "/small/", 1),
			Meta: map[string]any{
				"original": map[string]any{"width": 1080, "height": 1350, "size": "1080x1350", "aspect": 0.8},
				"small":    map[string]any{"width": 461, "height": 576, "size": "461x576", "aspect": 0.8},
			},
			Description: firstLine(n.plainCaption(p)),
			Blurhash:    "UFGuhS_3?bIV%MxuM{WB~qt7ofWBD%WB%Mj[",
		})
	}
	return s
}

// startsLocal reports whether a caption's body is in the author's local language.
func startsLocal(p *post) bool {
	if p.acct.person == nil {
		return false
	}
	for _, s := range p.segs {
		if s.kind != 't' {
			continue
		}
		for _, l := range localLines[p.acct.person.lang] {
			if strings.Contains(s.text, l) {
				return true
			}
		}
	}
	return false
}

func limitParam(q url.Values, def, max int) int {
	l, err := strconv.Atoi(q.Get("limit"))
	if err != nil || l <= 0 {
		return def
	}
	if l > max {
		return max
	}
	return l
}

// idLess compares snowflake ids numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (n *Network) mStatuses(h *host, a *account, q url.Values) *resource {
	limit := limitParam(q, 20, 40)
	maxID := q.Get("max_id")
	var out []mStatus
	lastMod := a.updated
	for _, p := range a.posts {
		id := viewerStatusID(h, p)
		if maxID != "" && !idLess(id, maxID) {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, n.mStatus(h, p))
		if p.created.After(lastMod) {
			lastMod = p.created
		}
	}
	if out == nil {
		out = []mStatus{}
	}
	res := mastodonJSON(http.StatusOK, out, lastMod, h)
	if len(out) > 0 {
		path := fmt.Sprintf("%s/api/v1/accounts/%s/statuses", h.base(), viewerID(h, a))
		link := fmt.Sprintf(`<%s?limit=%d&max_id=%s>; rel="next", <%s?limit=%d&min_id=%s>; rel="prev"`,
			path, limit, out[len(out)-1].ID, path, limit, out[0].ID)
		res.header = append(res.header, [2]string{"Link", link})
	}
	return res
}

func (n *Network) mTagTimeline(h *host, tag string, q url.Values) *resource {
	tag, _ = url.PathUnescape(tag)
	tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
	limit := limitParam(q, 20, 40)
	maxID := q.Get("max_id")
	type item struct {
		id string
		p  *post
	}
	var items []item
	for _, p := range n.tagIdx[Mastodon][tag] {
		if !knows(h, p.acct) {
			continue
		}
		items = append(items, item{viewerStatusID(h, p), p})
	}
	sort.SliceStable(items, func(i, j int) bool { return idLess(items[j].id, items[i].id) })
	var out []mStatus
	for _, it := range items {
		if maxID != "" && !idLess(it.id, maxID) {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, n.mStatus(h, it.p))
	}
	if out == nil {
		out = []mStatus{}
	}
	res := mastodonJSON(http.StatusOK, out, n.modified, h)
	if len(out) > 0 {
		path := h.base() + "/api/v1/timelines/tag/" + url.PathEscape(tag)
		res.header = append(res.header, [2]string{"Link", fmt.Sprintf(`<%s?limit=%d&max_id=%s>; rel="next", <%s?limit=%d&min_id=%s>; rel="prev"`,
			path, limit, out[len(out)-1].ID, path, limit, out[0].ID)})
	}
	return res
}

func (n *Network) mDirectory(h *host, q url.Values) *resource {
	limit := limitParam(q, 40, 80)
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 {
		offset = 0
	}
	local := q.Get("local") == "true" || q.Get("local") == "1"
	var as []*account
	for _, a := range n.byPlatform[Mastodon] {
		if a.gone || a.optOut == OptOutUndiscoverable || len(a.posts) == 0 {
			continue
		}
		if local && a.host != h || !local && !knows(h, a) {
			continue
		}
		as = append(as, a)
	}
	if q.Get("order") == "new" {
		sort.SliceStable(as, func(i, j int) bool { return as[i].created.After(as[j].created) })
	} else {
		sort.SliceStable(as, func(i, j int) bool { return lastPost(as[i]).After(lastPost(as[j])) })
	}
	out := []mAccount{}
	for i := offset; i < len(as) && len(out) < limit; i++ {
		out = append(out, n.mAccount(h, as[i]))
	}
	return mastodonJSON(http.StatusOK, out, n.modified, h)
}

func lastPost(a *account) time.Time {
	if len(a.posts) == 0 {
		return a.created
	}
	return a.posts[0].created
}

func (n *Network) mInstance(h *host) *resource {
	users, statuses := 0, int64(0)
	domains := map[string]bool{}
	for _, a := range n.byPlatform[Mastodon] {
		if a.host == h {
			users++
			statuses += a.olderPosts + int64(len(a.posts))
		} else {
			domains[a.host.addr] = true
		}
	}
	version := "4.3.2"
	if h.idx%4 == 3 {
		version = "4.1.18"
	}
	v := map[string]any{
		"uri": h.addr, "title": h.name, "short_description": "A friendly place for creators.",
		"description": "", "email": "admin@" + h.name + ".example", "version": version,
		"urls":      map[string]string{"streaming_api": "ws://" + h.addr},
		"stats":     map[string]any{"user_count": users, "status_count": statuses, "domain_count": len(domains)},
		"thumbnail": nil, "languages": []string{"en"}, "registrations": true, "approval_required": false,
		"invites_enabled": true, "configuration": map[string]any{"statuses": map[string]int{"max_characters": 500, "max_media_attachments": 4}},
		"contact_account": nil, "rules": []any{},
	}
	return mastodonJSON(http.StatusOK, v, n.modified, h)
}

func (n *Network) mWebfinger(h *host, resourceParam string) *resource {
	acct := strings.TrimPrefix(resourceParam, "acct:")
	user, domain, _ := strings.Cut(acct, "@")
	if domain != "" && domain != h.addr {
		return mastodonError(http.StatusNotFound, "Record not found")
	}
	a := n.lookup(Mastodon, h, user)
	if a == nil {
		return mastodonError(http.StatusNotFound, "Record not found")
	}
	v := map[string]any{
		"subject": "acct:" + a.handle + "@" + h.addr,
		"aliases": []string{n.publicURL(a), h.base() + "/users/" + a.handle},
		"links": []map[string]string{
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": n.publicURL(a)},
			{"rel": "self", "type": "application/activity+json", "href": h.base() + "/users/" + a.handle},
		},
	}
	res := mastodonJSON(http.StatusOK, v, a.updated, h)
	res.ctype = "application/jrd+json; charset=utf-8"
	return res
}

func (n *Network) mProfileHTML(h *host, user string) *resource {
	user, _ = url.PathUnescape(user)
	for _, a := range n.byPlatform[Mastodon] {
		if a.host == h && a.gone && strings.EqualFold(a.handle, user) {
			return htmlPage(http.StatusGone, goneHTML, time.Time{})
		}
	}
	a := n.lookup(Mastodon, h, user)
	if a == nil {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	var b strings.Builder
	title := fmt.Sprintf("%s (@%s@%s)", a.display, a.handle, h.addr)
	desc := fmt.Sprintf("%s Posts, %s Following, %s Followers · %s", compactEN(float64(a.olderPosts+int64(len(a.posts)))),
		compactEN(float64(a.following)), compactEN(a.followers), a.bio)
	esc := html.EscapeString
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta content=\"width=device-width, initial-scale=1\" name=\"viewport\">\n")
	if a.optOut == OptOutNoindex {
		b.WriteString("<meta content=\"noindex, noarchive\" name=\"robots\">\n")
	}
	fmt.Fprintf(&b, "<title>%s - %s</title>\n", esc(title), esc(h.name))
	fmt.Fprintf(&b, "<link href=\"%s\" rel=\"canonical\">\n", esc(n.publicURL(a)))
	fmt.Fprintf(&b, "<meta content=\"%s\" property=\"og:site_name\">\n<meta content=\"profile\" property=\"og:type\">\n", esc(h.name))
	fmt.Fprintf(&b, "<meta content=\"%s\" property=\"og:title\">\n<meta content=\"%s\" property=\"og:url\">\n", esc(title), esc(n.publicURL(a)))
	fmt.Fprintf(&b, "<meta content=\"%s\" name=\"description\">\n<meta content=\"%s\" property=\"og:description\">\n", esc(desc), esc(desc))
	fmt.Fprintf(&b, "<meta content=\"%s\" property=\"og:image\">\n<meta content=\"summary\" property=\"twitter:card\">\n", esc(n.mAccount(h, a).Avatar))
	fmt.Fprintf(&b, "<meta content=\"%s@%s\" property=\"profile:username\">\n", esc(a.handle), esc(h.addr))
	fmt.Fprintf(&b, "<link href=\"%s/users/%s\" rel=\"alternate\" type=\"application/activity+json\">\n", h.base(), esc(a.handle))
	fmt.Fprintf(&b, "<link href=\"%s/@%s.rss\" rel=\"alternate\" type=\"application/rss+xml\">\n", h.base(), esc(a.handle))
	b.WriteString("</head>\n<body class=\"app-body theme-default\">\n<div class=\"app-holder\" id=\"mastodon\" data-props=\"{&quot;locale&quot;:&quot;en&quot;}\">\n")
	b.WriteString("<noscript><img alt=\"Mastodon\" src=\"/packs/media/images/logo.svg\">\n<div>To use the Mastodon web application, please enable JavaScript. Alternatively, try one of the <a href=\"https://joinmastodon.org/apps\">native apps</a> for Mastodon for your platform.</div>\n</noscript>\n</div>\n</body>\n</html>\n")
	last := a.updated
	if len(a.posts) > 0 && a.posts[0].created.After(last) {
		last = a.posts[0].created
	}
	return htmlPage(http.StatusOK, b.String(), last)
}
