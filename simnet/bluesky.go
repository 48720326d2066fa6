package simnet

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bluesky AppView shapes (app.bsky.actor.defs, app.bsky.feed.defs).
type bProfile struct {
	DID            string         `json:"did"`
	Handle         string         `json:"handle"`
	DisplayName    string         `json:"displayName,omitempty"`
	Description    string         `json:"description,omitempty"`
	Avatar         string         `json:"avatar,omitempty"`
	Banner         string         `json:"banner,omitempty"`
	FollowersCount *int64         `json:"followersCount,omitempty"`
	FollowsCount   *int64         `json:"followsCount,omitempty"`
	PostsCount     *int64         `json:"postsCount,omitempty"`
	Associated     *bAssociated   `json:"associated,omitempty"`
	IndexedAt      string         `json:"indexedAt,omitempty"`
	CreatedAt      string         `json:"createdAt"`
	Viewer         bViewer        `json:"viewer"`
	Labels         []bLabel       `json:"labels"`
	PinnedPost     *bStrongRef    `json:"pinnedPost,omitempty"`
	Verification   *bVerification `json:"verification,omitempty"`
}

type bAssociated struct {
	Lists        int        `json:"lists"`
	Feedgens     int        `json:"feedgens"`
	StarterPacks int        `json:"starterPacks"`
	Labeler      bool       `json:"labeler"`
	Chat         *bChatPref `json:"chat,omitempty"`
}

type bChatPref struct {
	AllowIncoming string `json:"allowIncoming"`
}

type bViewer struct {
	Muted     bool `json:"muted"`
	BlockedBy bool `json:"blockedBy"`
}

type bLabel struct {
	Src string `json:"src"`
	URI string `json:"uri"`
	CID string `json:"cid,omitempty"`
	Val string `json:"val"`
	Cts string `json:"cts"`
}

type bStrongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type bVerification struct {
	Verifications         []map[string]any `json:"verifications"`
	VerifiedStatus        string           `json:"verifiedStatus"`
	TrustedVerifierStatus string           `json:"trustedVerifierStatus"`
}

type bPostView struct {
	URI         string         `json:"uri"`
	CID         string         `json:"cid"`
	Author      bProfile       `json:"author"`
	Record      bRecord        `json:"record"`
	Embed       any            `json:"embed,omitempty"`
	ReplyCount  int64          `json:"replyCount"`
	RepostCount int64          `json:"repostCount"`
	LikeCount   int64          `json:"likeCount"`
	QuoteCount  int64          `json:"quoteCount"`
	IndexedAt   string         `json:"indexedAt"`
	Viewer      map[string]any `json:"viewer"`
	Labels      []bLabel       `json:"labels"`
}

type bRecord struct {
	Type      string   `json:"$type"`
	CreatedAt string   `json:"createdAt"`
	Embed     any      `json:"embed,omitempty"`
	Facets    []bFacet `json:"facets,omitempty"`
	Langs     []string `json:"langs"`
	Tags      []string `json:"tags,omitempty"`
	Text      string   `json:"text"`
}

type bFacet struct {
	Index    bByteSlice       `json:"index"`
	Features []map[string]any `json:"features"`
}

type bByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

type bFeedItem struct {
	Post   bPostView      `json:"post"`
	Reason map[string]any `json:"reason,omitempty"`
}

func bskyJSON(status int, v any, lastMod time.Time) *resource {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return bskyError(http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
	}
	res := &resource{status: status, ctype: ctJSON, body: []byte(strings.TrimSuffix(buf.String(), "\n")), lastMod: lastMod, header: [][2]string{
		{"RateLimit-Limit", "3000"}, {"RateLimit-Remaining", "2999"}, {"RateLimit-Policy", "3000;w=300"},
		{"Access-Control-Allow-Origin", "*"},
	}}
	return res.finish(true)
}

func bskyError(status int, code, msg string) *resource {
	b, _ := json.Marshal(map[string]string{"error": code, "message": msg})
	return (&resource{status: status, ctype: ctJSON, body: b}).finish(true)
}

func (n *Network) bluesky(h *host, r *http.Request) *resource {
	q := r.URL.Query()
	method, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !ok {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	switch method {
	case "app.bsky.actor.getProfile":
		actor := q.Get("actor")
		if actor == "" {
			return bskyError(http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "actor"`)
		}
		a := n.bskyActor(actor)
		if a == nil {
			return bskyError(http.StatusBadRequest, "InvalidRequest", "Profile not found")
		}
		return bskyJSON(http.StatusOK, n.bProfile(a, true), a.updated)
	case "app.bsky.feed.getAuthorFeed":
		actor := q.Get("actor")
		if actor == "" {
			return bskyError(http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "actor"`)
		}
		a := n.bskyActor(actor)
		if a == nil {
			return bskyError(http.StatusBadRequest, "InvalidRequest", "Profile not found")
		}
		return n.bAuthorFeed(a, q)
	case "app.bsky.feed.searchPosts":
		if q.Get("q") == "" {
			return bskyError(http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "q"`)
		}
		return n.bSearch(q)
	}
	return bskyError(http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
}

func (n *Network) bskyActor(actor string) *account {
	actor = strings.TrimPrefix(actor, "@")
	if strings.HasPrefix(actor, "did:") {
		a := n.byPID(Bluesky, actor)
		if a == nil || a.gone {
			return nil
		}
		return a
	}
	return n.lookup(Bluesky, nil, actor)
}

func (n *Network) bAvatar(a *account) string {
	return "https://cdn.bsky.app/img/avatar/plain/" + a.pid + "/" + cidFrom("bafkrei", a.pid, "avatar") + "@jpeg"
}

func (n *Network) bLabels(a *account) []bLabel {
	out := []bLabel{}
	if a.optOut == OptOutNoUnauthenticated {
		out = append(out, bLabel{Src: a.pid, URI: "at://" + a.pid + "/app.bsky.actor.profile/self",
			CID: cidFrom("bafyrei", a.pid, "profile"), Val: "!no-unauthenticated", Cts: isoMs(a.created)})
	}
	return out
}

func (n *Network) bProfile(a *account, detailed bool) bProfile {
	p := bProfile{
		DID:         a.pid,
		Handle:      a.handle,
		DisplayName: a.display,
		Avatar:      n.bAvatar(a),
		CreatedAt:   isoMs(a.created),
		Labels:      n.bLabels(a),
		Associated:  &bAssociated{Chat: &bChatPref{AllowIncoming: "following"}},
	}
	if detailed {
		p.Description = n.bDescription(a)
		p.Banner = "https://cdn.bsky.app/img/banner/plain/" + a.pid + "/" + cidFrom("bafkrei", a.pid, "banner") + "@jpeg"
		p.FollowersCount = i64(int64(a.followers))
		p.FollowsCount = i64(a.following)
		p.PostsCount = i64(a.olderPosts + int64(len(a.posts)))
		p.IndexedAt = isoMs(a.created.Add(time.Minute))
		if len(a.posts) > 3 && a.idx%5 == 0 {
			p.PinnedPost = &bStrongRef{URI: bPostURI(a.posts[3]), CID: a.posts[3].nid2}
		}
	}
	if a.verified {
		p.Verification = &bVerification{
			Verifications: []map[string]any{{"issuer": "did:plc:z72i7hdynmk6r22z27h6tvur", "uri": "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.graph.verification/" + tid(a.created, 7),
				"isValid": true, "createdAt": isoMs(a.created.AddDate(1, 0, 0))}},
			VerifiedStatus: "valid", TrustedVerifierStatus: "none",
		}
	}
	return p
}

// bDescription is the bio plus links to the person's other accounts.
func (n *Network) bDescription(a *account) string {
	d := a.bio
	if w := n.website(a); w != nil {
		d += "\n🔗 " + strings.TrimPrefix(n.publicURL(w), "http://")
	} else if u := n.linkPageURL(a); u != "" {
		d += "\n🔗 " + u
	}
	return d
}

func bPostURI(p *post) string { return "at://" + p.acct.pid + "/app.bsky.feed.post/" + p.nid }

// bRecordOf renders a post record with facets at UTF-8 byte offsets.
func (n *Network) bRecordOf(p *post) bRecord {
	var b strings.Builder
	var facets []bFacet
	for _, s := range p.segs {
		start := b.Len()
		switch s.kind {
		case 't':
			b.WriteString(s.text)
			continue
		case '#':
			b.WriteString("#" + s.text)
			facets = append(facets, bFacet{Index: bByteSlice{start, b.Len()}, Features: []map[string]any{
				{"$type": "app.bsky.richtext.facet#tag", "tag": s.text}}})
		case '@':
			b.WriteString(n.mentionText(s, p.acct))
			if s.acct != nil {
				facets = append(facets, bFacet{Index: bByteSlice{start, b.Len()}, Features: []map[string]any{
					{"$type": "app.bsky.richtext.facet#mention", "did": s.acct.pid}}})
			}
		}
	}
	rec := bRecord{Type: "app.bsky.feed.post", CreatedAt: isoMs(p.created), Langs: []string{"en"}, Text: b.String(), Facets: facets, Tags: p.outline}
	if startsLocal(p) {
		rec.Langs = []string{p.acct.person.lang}
	}
	if hash64(p.nid, "img")%2 == 0 {
		cid := cidFrom("bafkrei", p.nid, "image")
		rec.Embed = map[string]any{"$type": "app.bsky.embed.images", "images": []map[string]any{{
			"alt":         firstLine(rec.Text),
			"image":       map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid}, "mimeType": "image/jpeg", "size": 200000 + hash64(cid)%600000},
			"aspectRatio": map[string]int{"width": 1080, "height": 1350},
		}}}
	}
	return rec
}

func (n *Network) bPostView(p *post) bPostView {
	rec := n.bRecordOf(p)
	v := bPostView{
		URI: bPostURI(p), CID: p.nid2, Author: n.bProfile(p.acct, false), Record: rec,
		ReplyCount: p.comments, RepostCount: p.shares, LikeCount: p.likes, QuoteCount: p.shares / 7,
		IndexedAt: isoMs(p.created.Add(1500 * time.Millisecond)),
		Viewer:    map[string]any{"threadMuted": false, "embeddingDisabled": false},
		Labels:    []bLabel{},
	}
	if em, ok := rec.Embed.(map[string]any); ok {
		imgs := em["images"].([]map[string]any)
		link := imgs[0]["image"].(map[string]any)["ref"].(map[string]string)["$link"]
		v.Embed = map[string]any{"$type": "app.bsky.embed.images#view", "images": []map[string]any{{
			"thumb":       "https://cdn.bsky.app/img/feed_thumbnail/plain/" + p.acct.pid + "/" + link + "@jpeg",
			"fullsize":    "https://cdn.bsky.app/img/feed_fullsize/plain/" + p.acct.pid + "/" + link + "@jpeg",
			"alt":         imgs[0]["alt"],
			"aspectRatio": imgs[0]["aspectRatio"],
		}}}
	}
	return v
}

// reposts are a few posts of other creators that a reposted, at fixed times.
func (n *Network) reposts(a *account) []bFeedItem {
	peers := n.byPlatform[Bluesky]
	var out []bFeedItem
	k := int(hash64(a.pid, "reposts") % 4)
	for i := 0; i < k; i++ {
		o := peers[hash64(a.pid, "repost", strconv.Itoa(i))%uint64(len(peers))]
		if o == a || o.gone || o.isBrand() || len(o.posts) == 0 {
			continue
		}
		p := o.posts[hash64(a.pid, strconv.Itoa(i))%uint64(len(o.posts))]
		at := p.created.Add(time.Duration(1+i) * 3 * time.Hour)
		if at.After(n.today) {
			at = p.created.Add(time.Minute)
		}
		basic := n.bProfile(a, false)
		out = append(out, bFeedItem{Post: n.bPostView(p), Reason: map[string]any{
			"$type": "app.bsky.feed.defs#reasonRepost", "by": basic, "indexedAt": isoMs(at)}})
	}
	return out
}

func feedTime(it bFeedItem) string {
	if it.Reason != nil {
		return it.Reason["indexedAt"].(string)
	}
	return it.Post.Record.CreatedAt
}

func (n *Network) bAuthorFeed(a *account, q url.Values) *resource {
	limit := limitParam(q, 50, 100)
	cursor := q.Get("cursor")
	var items []bFeedItem
	for _, p := range a.posts {
		items = append(items, bFeedItem{Post: n.bPostView(p)})
	}
	// Reposts are part of every author feed filter; sources drop them by reason.
	items = append(items, n.reposts(a)...)
	sort.SliceStable(items, func(i, j int) bool { return feedTime(items[i]) > feedTime(items[j]) })
	var out []bFeedItem
	for _, it := range items {
		if cursor != "" && feedTime(it) >= cursor {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, it)
	}
	v := map[string]any{"feed": out}
	if out == nil {
		v["feed"] = []bFeedItem{}
	}
	if len(out) == limit {
		v["cursor"] = feedTime(out[len(out)-1])
	}
	last := a.updated
	if len(a.posts) > 0 && a.posts[0].created.After(last) {
		last = a.posts[0].created
	}
	return bskyJSON(http.StatusOK, v, last)
}

func (n *Network) bSearch(q url.Values) *resource {
	term := strings.TrimSpace(q.Get("q"))
	limit := limitParam(q, 25, 100)
	offset, _ := strconv.Atoi(q.Get("cursor"))
	if offset < 0 {
		offset = 0
	}
	var hits []*post
	if tag, ok := strings.CutPrefix(term, "#"); ok {
		hits = n.tagIdx[Bluesky][strings.ToLower(tag)]
	} else {
		lt := strings.ToLower(term)
		for _, a := range n.byPlatform[Bluesky] {
			if a.gone {
				continue
			}
			for _, p := range a.posts {
				if strings.Contains(strings.ToLower(n.plainCaption(p)), lt) {
					hits = append(hits, p)
				}
			}
		}
		sort.SliceStable(hits, func(i, j int) bool { return hits[i].created.After(hits[j].created) })
	}
	posts := []bPostView{}
	for i := offset; i < len(hits) && len(posts) < limit; i++ {
		posts = append(posts, n.bPostView(hits[i]))
	}
	v := map[string]any{"posts": posts, "hitsTotal": len(hits)}
	if offset+len(posts) < len(hits) {
		v["cursor"] = strconv.Itoa(offset + len(posts))
	}
	return bskyJSON(http.StatusOK, v, n.modified)
}
