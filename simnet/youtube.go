package simnet

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// YouTube Data API v3 error shapes.
func googleError(status int, message, domain, reason, location, locationType, statusName string, details any) *resource {
	e := map[string]any{"message": message, "domain": domain, "reason": reason}
	if location != "" {
		e["location"] = location
		e["locationType"] = locationType
	}
	body := map[string]any{"code": status, "message": message, "errors": []any{e}}
	if statusName != "" {
		body["status"] = statusName
	}
	if details != nil {
		body["details"] = details
	}
	b, _ := json.MarshalIndent(map[string]any{"error": body}, "", "  ")
	res := &resource{status: status, ctype: ctJSONUpper, body: b, noStore: true, header: [][2]string{
		{"Vary", "Origin"}, {"Vary", "X-Origin"}, {"Vary", "Referer"}, {"Server", "scaffolding on HTTPServer2"},
	}}
	return res.finish(false)
}

const unregistered = "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."

// youtubeGate checks the API key and the quota before anything is served.
func (n *Network) youtubeGate(r *http.Request) *resource {
	if !strings.HasPrefix(r.URL.Path, "/youtube/v3/") {
		return nil
	}
	key := r.URL.Query().Get("key")
	switch {
	case key == "":
		return googleError(http.StatusForbidden, unregistered, "global", "forbidden", "", "", "PERMISSION_DENIED", nil)
	case key != n.opts.APIKey:
		return googleError(http.StatusBadRequest, "API key not valid. Please pass a valid API key.", "global", "badRequest", "", "", "INVALID_ARGUMENT",
			[]any{map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com",
				"metadata": map[string]string{"service": "youtube.googleapis.com"}}})
	}
	units := 1
	if strings.HasSuffix(r.URL.Path, "/search") {
		units = 100
	}
	if n.opts.YouTubeQuota > 0 {
		n.cacheMu.Lock()
		over := n.quotaUsed+units > n.opts.YouTubeQuota
		if !over {
			n.quotaUsed += units
		}
		n.cacheMu.Unlock()
		if over {
			return googleError(http.StatusForbidden, `The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`,
				"youtube.quota", "quotaExceeded", "", "", "", nil)
		}
	}
	return nil
}

// QuotaUsed is the YouTube quota spent since the last AdvanceDay.
func (n *Network) QuotaUsed() int {
	n.cacheMu.Lock()
	defer n.cacheMu.Unlock()
	return n.quotaUsed
}

func googleJSON(v map[string]any, lastMod time.Time) *resource {
	b, _ := json.MarshalIndent(v, "", "  ")
	etag := etagOf(b)
	v["etag"] = etag
	b, _ = json.MarshalIndent(v, "", "  ")
	res := &resource{status: http.StatusOK, ctype: ctJSONUpper, body: b, lastMod: lastMod, etag: `"` + etag + `"`, header: [][2]string{
		{"Cache-Control", "private"}, {"Server", "scaffolding on HTTPServer2"},
	}}
	return res.finish(false)
}

func parts(q url.Values) map[string]bool {
	out := map[string]bool{}
	for _, p := range strings.Split(q.Get("part"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out[p] = true
		}
	}
	return out
}

func maxResults(q url.Values, def, max int) int {
	v, err := strconv.Atoi(q.Get("maxResults"))
	if err != nil || v < 0 {
		return def
	}
	if v > max {
		return max
	}
	return v
}

// pageToken encodes an offset the way opaque YouTube tokens look.
func pageToken(off int) string {
	return "CA" + strings.ToUpper(strconv.FormatInt(int64(off), 36)) + "QAA"
}

func parseToken(t string) (int, bool) {
	if t == "" {
		return 0, true
	}
	s, ok := strings.CutPrefix(t, "CA")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, "QAA")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ToLower(s), 36, 64)
	return int(v), err == nil && v >= 0
}

func badToken() *resource {
	return googleError(http.StatusBadRequest, "The request specifies an invalid page token.", "youtube.parameter", "invalidPageToken", "pageToken", "parameter", "", nil)
}

func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func ytThumbs(base string, sizes [][3]any) map[string]any {
	out := map[string]any{}
	for _, s := range sizes {
		out[s[0].(string)] = map[string]any{"url": fmt.Sprintf(base, s[0]), "width": s[1], "height": s[2]}
	}
	return out
}

func (n *Network) youtube(h *host, r *http.Request) *resource {
	q := r.URL.Query()
	method, ok := strings.CutPrefix(r.URL.Path, "/youtube/v3/")
	if !ok {
		return htmlPage(http.StatusNotFound, notFoundHTML, time.Time{})
	}
	if q.Get("part") == "" {
		return googleError(http.StatusBadRequest, "'{0}'", "global", "required", "part", "parameter", "", nil)
	}
	switch method {
	case "channels":
		return n.ytChannels(q)
	case "playlistItems":
		return n.ytPlaylistItems(q)
	case "videos":
		return n.ytVideos(q)
	case "search":
		return n.ytSearch(q)
	}
	return googleError(http.StatusNotFound, "Method not found.", "global", "notFound", "", "", "NOT_FOUND", nil)
}

func (n *Network) ytChannel(a *account, want map[string]bool) map[string]any {
	c := map[string]any{"kind": "youtube#channel", "id": a.pid}
	desc := a.bio
	if w := n.website(a); w != nil {
		desc += "\n\nWebsite: " + n.publicURL(w)
	} else if u := n.linkPageURL(a); u != "" {
		desc += "\n\nLinks: " + u
	}
	country := ""
	if a.person != nil {
		if a.person.city != nil {
			country = a.person.city.Country
		} else {
			country = a.person.countryOnly
		}
	}
	if want["snippet"] {
		sn := map[string]any{
			"title": a.display, "description": desc, "customUrl": "@" + a.handle,
			"publishedAt": a.created.UTC().Format("2006-01-02T15:04:05.000000Z"),
			"thumbnails":  ytThumbs("https://yt3.ggpht.com/"+a.pid[2:14]+"=s%s-c-k-c0x00ffffff-no-rj", [][3]any{{"default", 88, 88}, {"medium", 240, 240}, {"high", 800, 800}}),
			"localized":   map[string]any{"title": a.display, "description": desc},
		}
		if country != "" {
			sn["country"] = country
		}
		c["snippet"] = sn
	}
	if want["contentDetails"] {
		c["contentDetails"] = map[string]any{"relatedPlaylists": map[string]any{"likes": "", "uploads": a.pid2}}
	}
	if want["statistics"] {
		st := map[string]any{
			"viewCount":             strconv.FormatInt(int64(a.followers*float64(40+a.idx%200)), 10),
			"hiddenSubscriberCount": a.hiddenFollowers,
			"videoCount":            strconv.FormatInt(a.olderPosts+int64(len(a.posts)), 10),
		}
		if f := a.reportedFollowers(); f != nil {
			st["subscriberCount"] = strconv.FormatInt(*f, 10)
		}
		c["statistics"] = st
	}
	if want["brandingSettings"] {
		var kw []string
		if a.person != nil {
			for _, t := range niches[a.person.niches[0]].Tags[:4] {
				kw = append(kw, t)
			}
		}
		ch := map[string]any{"title": a.display, "description": desc, "keywords": strings.Join(kw, " ")}
		if country != "" {
			ch["country"] = country
		}
		c["brandingSettings"] = map[string]any{"channel": ch,
			"image": map[string]any{"bannerExternalUrl": "https://yt3.googleusercontent.com/" + a.pid[2:20]}}
	}
	b, _ := json.Marshal(c)
	c["etag"] = etagOf(b)
	return c
}

func (n *Network) ytChannels(q url.Values) *resource {
	want := parts(q)
	var found []*account
	per := 5
	switch {
	case q.Get("forHandle") != "":
		hd := strings.TrimPrefix(q.Get("forHandle"), "@")
		if a := n.lookup(YouTube, nil, hd); a != nil {
			found = append(found, a)
		}
	case q.Get("id") != "":
		ids := strings.Split(q.Get("id"), ",")
		if len(ids) > 50 {
			return googleError(http.StatusBadRequest, "The request specifies more than 50 ids.", "youtube.parameter", "invalidValue", "id", "parameter", "", nil)
		}
		per = len(ids)
		for _, id := range ids {
			if a := n.byPID(YouTube, strings.TrimSpace(id)); a != nil && !a.gone {
				found = append(found, a)
			}
		}
	case q.Get("forUsername") != "":
		// Legacy usernames: simnet channels have none.
	default:
		return googleError(http.StatusBadRequest, "No filter selected. Expected one of: forUsername, managedByMe, categoryId, mine, mySubscribers, id, idParam, forHandle",
			"youtube.parameter", "missingRequiredParameter", "parameters.", "other", "", nil)
	}
	v := map[string]any{"kind": "youtube#channelListResponse", "pageInfo": map[string]any{"totalResults": len(found), "resultsPerPage": per}}
	last := n.modified
	if len(found) > 0 {
		var items []any
		for _, a := range found {
			items = append(items, n.ytChannel(a, want))
			if a.updated.After(last) {
				last = a.updated
			}
		}
		v["items"] = items
	}
	return googleJSON(v, last)
}

func (n *Network) ytPlaylistItems(q url.Values) *resource {
	pl := q.Get("playlistId")
	a := n.playlists[pl]
	if a == nil {
		return googleError(http.StatusNotFound, "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.",
			"youtube.playlistItem", "playlistNotFound", "playlistId", "parameter", "", nil)
	}
	off, ok := parseToken(q.Get("pageToken"))
	if !ok {
		return badToken()
	}
	per := maxResults(q, 5, 50)
	want := parts(q)
	items := []any{}
	for i := off; i < len(a.posts) && len(items) < per; i++ {
		p := a.posts[i]
		it := map[string]any{"kind": "youtube#playlistItem", "id": etagOf([]byte(pl + p.nid))[:22] + "=="}
		if want["contentDetails"] {
			it["contentDetails"] = map[string]any{"videoId": p.nid, "videoPublishedAt": rfc3339(p.created)}
		}
		if want["snippet"] {
			it["snippet"] = map[string]any{
				"publishedAt": rfc3339(p.created), "channelId": a.pid, "title": p.title, "description": n.plainCaption(p),
				"thumbnails":   ytThumbs("https://i.ytimg.com/vi/"+p.nid+"/%s.jpg", [][3]any{{"default", 120, 90}, {"medium", 320, 180}, {"high", 480, 360}}),
				"channelTitle": a.display, "playlistId": pl, "position": i,
				"resourceId":             map[string]any{"kind": "youtube#video", "videoId": p.nid},
				"videoOwnerChannelTitle": a.display, "videoOwnerChannelId": a.pid,
			}
		}
		b, _ := json.Marshal(it)
		it["etag"] = etagOf(b)
		items = append(items, it)
	}
	v := map[string]any{"kind": "youtube#playlistItemListResponse", "items": items,
		"pageInfo": map[string]any{"totalResults": len(a.posts), "resultsPerPage": per}}
	if off+len(items) < len(a.posts) {
		v["nextPageToken"] = pageToken(off + len(items))
	}
	if off > 0 {
		v["prevPageToken"] = pageToken(max(0, off-per))
	}
	last := a.updated
	if len(a.posts) > 0 && a.posts[0].created.After(last) {
		last = a.posts[0].created
	}
	return googleJSON(v, last)
}

func (n *Network) ytVideoByID(id string) *post {
	return n.postByNID[id]
}

func (n *Network) ytVideo(p *post, want map[string]bool) map[string]any {
	a := p.acct
	v := map[string]any{"kind": "youtube#video", "id": p.nid}
	desc := n.plainCaption(p)
	if want["snippet"] {
		var tags []string
		for _, t := range p.tags() {
			if len(tags) < 8 {
				tags = append(tags, t)
			}
		}
		sn := map[string]any{
			"publishedAt": rfc3339(p.created), "channelId": a.pid, "title": p.title, "description": desc,
			"thumbnails":   ytThumbs("https://i.ytimg.com/vi/"+p.nid+"/%s.jpg", [][3]any{{"default", 120, 90}, {"medium", 320, 180}, {"high", 480, 360}, {"standard", 640, 480}, {"maxres", 1280, 720}}),
			"channelTitle": a.display, "categoryId": "22", "liveBroadcastContent": "none",
			"localized": map[string]any{"title": p.title, "description": desc}, "defaultAudioLanguage": "en",
		}
		if len(tags) > 0 {
			sn["tags"] = tags
		}
		v["snippet"] = sn
	}
	if want["contentDetails"] {
		d := 60 + int(hash64(p.nid)%1500)
		v["contentDetails"] = map[string]any{"duration": fmt.Sprintf("PT%dM%dS", d/60, d%60), "dimension": "2d", "definition": "hd",
			"caption": "false", "licensedContent": true, "contentRating": map[string]any{}, "projection": "rectangular"}
	}
	if want["statistics"] {
		st := map[string]any{"viewCount": strconv.FormatInt(p.views, 10), "favoriteCount": "0"}
		if !p.likesHidden {
			st["likeCount"] = strconv.FormatInt(p.likes, 10)
		}
		if !p.commentsOff {
			st["commentCount"] = strconv.FormatInt(p.comments, 10)
		}
		v["statistics"] = st
	}
	if want["paidProductPlacementDetails"] {
		v["paidProductPlacementDetails"] = map[string]any{"hasPaidProductPlacement": p.paid}
	}
	b, _ := json.Marshal(v)
	v["etag"] = etagOf(b)
	return v
}

func (n *Network) ytVideos(q url.Values) *resource {
	want := parts(q)
	ids := strings.Split(q.Get("id"), ",")
	if q.Get("id") == "" {
		return googleError(http.StatusBadRequest, "No filter selected. Expected one of: myRating, chart, id, idParam",
			"youtube.parameter", "missingRequiredParameter", "parameters.", "other", "", nil)
	}
	if len(ids) > 50 {
		return googleError(http.StatusBadRequest, "The request specifies more than 50 ids.", "youtube.parameter", "invalidValue", "id", "parameter", "", nil)
	}
	items := []any{}
	last := n.today
	for _, id := range ids {
		if p := n.ytVideoByID(strings.TrimSpace(id)); p != nil {
			items = append(items, n.ytVideo(p, want))
		}
	}
	return googleJSON(map[string]any{"kind": "youtube#videoListResponse", "items": items,
		"pageInfo": map[string]any{"totalResults": len(items), "resultsPerPage": len(items)}}, last)
}

func (n *Network) ytSearch(q url.Values) *resource {
	term := strings.TrimSpace(q.Get("q"))
	per := maxResults(q, 5, 50)
	off, ok := parseToken(q.Get("pageToken"))
	if !ok {
		return badToken()
	}
	typ := q.Get("type")
	var items []any
	total := 0
	snippetOf := func(p *post) map[string]any {
		desc := n.plainCaption(p)
		if r := []rune(desc); len(r) > 160 {
			desc = string(r[:157]) + "..."
		}
		return map[string]any{"publishedAt": rfc3339(p.created), "channelId": p.acct.pid, "title": p.title, "description": desc,
			"thumbnails":   ytThumbs("https://i.ytimg.com/vi/"+p.nid+"/%s.jpg", [][3]any{{"default", 120, 90}, {"medium", 320, 180}, {"high", 480, 360}}),
			"channelTitle": p.acct.display, "liveBroadcastContent": "none", "publishTime": rfc3339(p.created)}
	}
	if typ == "channel" {
		lt := strings.ToLower(strings.TrimPrefix(term, "#"))
		var hits []*account
		for _, a := range n.byPlatform[YouTube] {
			if !a.gone && (strings.Contains(strings.ToLower(a.bio), lt) || strings.Contains(strings.ToLower(a.display), lt)) {
				hits = append(hits, a)
			}
		}
		total = len(hits)
		for i := off; i < len(hits) && len(items) < per; i++ {
			a := hits[i]
			it := map[string]any{"kind": "youtube#searchResult", "id": map[string]any{"kind": "youtube#channel", "channelId": a.pid},
				"snippet": map[string]any{"publishedAt": rfc3339(a.created), "channelId": a.pid, "title": a.display, "description": a.bio,
					"channelTitle": a.display, "liveBroadcastContent": "none", "publishTime": rfc3339(a.created)}}
			b, _ := json.Marshal(it)
			it["etag"] = etagOf(b)
			items = append(items, it)
		}
	} else {
		var hits []*post
		if tag, isTag := strings.CutPrefix(term, "#"); isTag {
			hits = n.tagIdx[YouTube][strings.ToLower(tag)]
		} else {
			lt := strings.ToLower(term)
			for _, a := range n.byPlatform[YouTube] {
				if a.gone {
					continue
				}
				for _, p := range a.posts {
					if strings.Contains(strings.ToLower(p.title+" "+n.plainCaption(p)), lt) {
						hits = append(hits, p)
					}
				}
			}
			sort.SliceStable(hits, func(i, j int) bool { return hits[i].created.After(hits[j].created) })
		}
		total = len(hits)
		for i := off; i < len(hits) && len(items) < per; i++ {
			p := hits[i]
			it := map[string]any{"kind": "youtube#searchResult", "id": map[string]any{"kind": "youtube#video", "videoId": p.nid}}
			if parts(q)["snippet"] {
				it["snippet"] = snippetOf(p)
			}
			b, _ := json.Marshal(it)
			it["etag"] = etagOf(b)
			items = append(items, it)
		}
	}
	if items == nil {
		items = []any{}
	}
	v := map[string]any{"kind": "youtube#searchListResponse", "regionCode": "US", "items": items,
		"pageInfo": map[string]any{"totalResults": total, "resultsPerPage": per}}
	if off+len(items) < total {
		v["nextPageToken"] = pageToken(off + len(items))
	}
	return googleJSON(v, n.modified)
}
