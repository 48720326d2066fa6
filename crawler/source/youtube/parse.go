package youtube

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/lenient"
	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
	"github.com/creatorscout/creatorscout/creator"
)

// Response kinds, as the API names them in "kind".
const (
	kindChannels  = "youtube#channelListResponse"
	kindPlaylist  = "youtube#playlistItemListResponse"
	kindVideos    = "youtube#videoListResponse"
	kindSearch    = "youtube#searchListResponse"
	publicYouTube = "https://www.youtube.com/"
)

// kindByEndpoint maps a Data API resource to its response kind.
var kindByEndpoint = map[string]string{
	"channels":      kindChannels,
	"playlistItems": kindPlaylist,
	"search":        kindSearch,
	"videos":        kindVideos,
}

// kindByItem maps a resource kind to the kind of the list response that
// holds it.
var kindByItem = map[string]string{
	"youtube#channel":      kindChannels,
	"youtube#playlistItem": kindPlaylist,
	"youtube#video":        kindVideos,
	"youtube#searchResult": kindSearch,
}

// sniff reports whether a JSON body is a Data API response: a "kind" of
// "youtube#...", at the top or on its first item (a response whose
// envelope lost its kind), or a Google API error from a youtube.* domain.
func sniff(body []byte) bool {
	tree, _ := lenient.ReadTree(body)
	m, _ := tree.(map[string]any)
	if m == nil {
		return false
	}
	if k, _ := m["kind"].(string); strings.HasPrefix(k, "youtube#") {
		return true
	}
	if items, _ := m["items"].([]any); len(items) > 0 {
		first, _ := items[0].(map[string]any)
		if k, _ := first["kind"].(string); strings.HasPrefix(k, "youtube#") {
			return true
		}
	}
	e, _ := m["error"].(map[string]any)
	errs, _ := e["errors"].([]any)
	for _, v := range errs {
		em, _ := v.(map[string]any)
		if d, _ := em["domain"].(string); strings.HasPrefix(d, "youtube.") {
			return true
		}
	}
	return false
}

// kindOfItems is the response kind that the items' own kind names, when
// every readable item names the same one.
func kindOfItems(items []any) string {
	kind := ""
	for _, v := range items {
		m, _ := v.(map[string]any)
		k, _ := m["kind"].(string)
		lk := kindByItem[k]
		switch {
		case lk == "":
			continue
		case kind != "" && lk != kind:
			return ""
		}
		kind = lk
	}
	return kind
}

// parser holds what one Parse call needs.
type parser struct {
	s      *Source
	page   *source.Page
	pe     *source.ParseError
	res    *source.Result
	srcURL string
}

// Parse reads a channels, playlistItems, videos or search response, chosen
// by its "kind" or, failing that, by the URL path.
func (s *Source) Parse(p *source.Page) (*source.Result, error) {
	res := &source.Result{Creators: []creator.Creator{}, Posts: []creator.Post{}}
	if p == nil {
		return res, fmt.Errorf("youtube: no page: %w", source.ErrNotThisFormat)
	}
	ps := &parser{s: s, page: p, res: res, srcURL: redact(p.URL)}
	ps.pe = &source.ParseError{Source: Name, URL: ps.srcURL}
	if lenient.FirstByte(p.Body) != '{' {
		return res, fmt.Errorf("youtube: %s: body is not a JSON object: %w", ps.srcURL, source.ErrNotThisFormat)
	}
	tree, err := lenient.ReadTree(p.Body)
	if err != nil {
		ps.pe.Add("%v", err)
	}
	if tree == nil {
		return res, ps.pe.Err()
	}
	top, ok := lenient.ObjectAt(tree, "", ps.pe)
	if !ok {
		return res, ps.pe.Err()
	}
	if top.Has("error") {
		ps.apiError(top.Obj("error"))
		return res, ps.pe.Err()
	}
	if p.Status >= 400 {
		ps.pe.Add("HTTP status %d", p.Status)
		return res, ps.pe.Err()
	}

	kind := top.Str("kind")
	known := map[string]bool{kindChannels: true, kindPlaylist: true, kindVideos: true, kindSearch: true}
	if !known[kind] && p.URL != nil {
		if byPath := kindByEndpoint[endpoint(p.URL.Path)]; byPath != "" {
			kind = byPath
		}
	}
	items := top.Arr("items")
	if !known[kind] {
		// Neither the envelope nor the URL says; the items may.
		kind = kindOfItems(items)
	}
	switch kind {
	case kindChannels:
		ps.channels(items)
	case kindPlaylist:
		ps.playlistItems(items)
	case kindVideos:
		ps.videos(items)
	case kindSearch:
		ps.search(items)
	default:
		return res, fmt.Errorf("youtube: %s: kind %q is not a channels, playlistItems, videos or search response: %w", ps.srcURL, lenient.Clip(kind), source.ErrNotThisFormat)
	}
	return res, ps.pe.Err()
}

// apiError reports a Google API error body:
// {"error": {"code": 403, "message": "...", "errors": [{"reason": "quotaExceeded"}]}}.
func (ps *parser) apiError(e lenient.Fields) {
	var reasons []string
	for _, v := range e.Arr("errors") {
		m, _ := v.(map[string]any)
		if r, _ := m["reason"].(string); r != "" {
			reasons = append(reasons, lenient.Clip(r))
		}
	}
	code := "?"
	if n := e.Count("code"); n != nil {
		code = strconv.FormatInt(*n, 10)
	}
	ps.pe.Add("API error %s %s: %s", code, strings.Join(reasons, ","), lenient.Message(e.Str("message")))
}

// meta starts a request's Meta from the page's context.
func (ps *parser) meta(keys ...string) map[string]string {
	m := map[string]string{metaQuotaUnits: "1"}
	for _, k := range keys {
		if v := ps.page.Meta[k]; v != "" {
			m[k] = v
		}
	}
	return m
}

// channels reads channel resources into creators and asks for each one's
// uploads.
func (ps *parser) channels(items []any) {
	for i, raw := range items {
		f, ok := lenient.ObjectAt(raw, fmt.Sprintf("items[%d]", i), ps.pe)
		if !ok {
			continue
		}
		id := f.Str("id")
		if !validID(id) {
			ps.badID(f, id, "channel")
			continue
		}
		sn := f.Obj("snippet")
		st := f.Obj("statistics")
		desc := sn.Str("description")

		handle, pubURL := "", publicYouTube+"channel/"+id
		custom := strings.TrimSpace(sn.Str("customUrl"))
		if h := strings.ToLower(strings.TrimPrefix(custom, "@")); validHandle(h) {
			handle = h
			if strings.HasPrefix(custom, "@") {
				pubURL = publicYouTube + "@" + h
			}
		} else {
			if custom != "" {
				ps.pe.Add("%s: %q is not a handle", sn.At("customUrl"), lenient.Clip(custom))
			}
			handle = strings.ToLower(id) // no handle: the channel id stands in
		}
		c := creator.Creator{
			ID:          creator.MakeID(creator.YouTube, handle),
			Platform:    creator.YouTube,
			Handle:      handle,
			PlatformID:  id,
			URL:         pubURL,
			DisplayName: strings.TrimSpace(sn.Str("title")),
			Bio:         desc,
			PostsCount:  st.Count("videoCount"),
			Language:    sn.Str("defaultLanguage"),
			Email:       tags.Email(desc),
			Links:       tags.Links(desc),
			FetchedAt:   ps.page.FetchedAt,
			SourceURL:   ps.srcURL,
		}
		// following is not published by YouTube: it stays nil.
		// A hidden subscriber count is unknown, whatever number comes with it.
		subs := st.Count("subscriberCount")
		if hidden, state := st.Bool("hiddenSubscriberCount"); !hidden && state != lenient.BoolBad {
			c.Followers = subs
		}
		if cc := strings.ToUpper(strings.TrimSpace(sn.Str("country"))); len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' {
			c.Location = &creator.Location{Raw: cc, Country: cc}
		} else if cc != "" {
			ps.pe.Add("%s: %q is not a country code", sn.At("country"), lenient.Clip(cc))
		}
		if len(c.Links) > 0 {
			c.Website = c.Links[0]
		}
		ps.res.Creators = append(ps.res.Creators, c)

		uploads := f.Obj("contentDetails").Obj("relatedPlaylists").Str("uploads")
		if uploads == "" && strings.HasPrefix(id, "UC") {
			uploads = "UU" + id[2:] // a channel's uploads playlist id
		}
		if !validID(uploads) {
			ps.pe.Add("%s: no uploads playlist, so its videos cannot be asked for", f.Path())
			continue
		}
		m := ps.meta(metaTag, source.MetaSnowball)
		m[metaCreatorID], m[metaChannelID], m[metaHandle] = c.ID, id, handle
		q := url.Values{"part": {"contentDetails"}, "playlistId": {uploads}, "maxResults": {strconv.Itoa(ps.s.limit)}}
		ps.res.Next = append(ps.res.Next, source.Request{URL: ps.s.api(ps.page.URL, "playlistItems", q), Kind: source.KindPosts, Meta: m})
	}
}

// playlistItems reads the video ids of an uploads page and asks for their
// statistics, 50 ids per request.
func (ps *parser) playlistItems(items []any) {
	var ids []string
	for i, raw := range items {
		f, ok := lenient.ObjectAt(raw, fmt.Sprintf("items[%d]", i), ps.pe)
		if !ok {
			continue
		}
		id := f.Obj("contentDetails").Str("videoId")
		if id == "" {
			id = f.Obj("snippet").Obj("resourceId").Str("videoId")
		}
		if !validID(id) {
			ps.pe.Add("%s: %q is not a video id", f.At("contentDetails.videoId"), lenient.Clip(id))
			continue
		}
		ids = append(ids, id)
	}
	for _, batch := range batches(tags.Dedupe(ids)) {
		q := url.Values{"part": {videoParts}, "id": {strings.Join(batch, ",")}}
		ps.res.Next = append(ps.res.Next, source.Request{
			URL:  ps.s.api(ps.page.URL, "videos", q),
			Kind: source.KindPosts,
			Meta: ps.meta(metaCreatorID, metaChannelID, metaHandle, metaTag, source.MetaSnowball),
		})
	}
}

// videos reads video resources into posts. The author is the creator the
// request was made for (Meta), when the video's channel agrees.
func (ps *parser) videos(items []any) {
	creatorID, channelID := ps.page.Meta[metaCreatorID], ps.page.Meta[metaChannelID]
	for i, raw := range items {
		f, ok := lenient.ObjectAt(raw, fmt.Sprintf("items[%d]", i), ps.pe)
		if !ok {
			continue
		}
		id := f.Str("id")
		if !validID(id) {
			ps.badID(f, id, "video")
			continue
		}
		sn := f.Obj("snippet")
		st := f.Obj("statistics")
		title, desc := strings.TrimSpace(sn.Str("title")), strings.TrimSpace(sn.Str("description"))
		caption := title
		if desc != "" {
			caption = strings.TrimSpace(title + "\n\n" + desc)
		}
		p := creator.Post{
			ID:          creator.YouTube + ":" + id,
			URL:         publicYouTube + "watch?v=" + id,
			PublishedAt: sn.Time("publishedAt"),
			Caption:     caption,
			Views:       st.Count("viewCount"),
			Likes:       st.Count("likeCount"),
			Comments:    st.Count("commentCount"),
			Hashtags:    tags.Dedupe(append(tags.StrictHashtags(title), tags.StrictHashtags(desc)...)),
			Mentions:    mentionsIn(caption),
			FetchedAt:   ps.page.FetchedAt,
			SourceURL:   ps.srcURL,
		}
		// YouTube publishes no share count: Shares stays nil.
		if paid, state := f.Obj("paidProductPlacementDetails").Bool("hasPaidProductPlacement"); state == lenient.BoolOK {
			p.PlatformPaid = paid
		}
		switch ch := sn.Str("channelId"); {
		case creatorID == "":
			// Unknown author: parsed offline without the request's context.
		case channelID == "" || ch == "" || ch == channelID:
			p.CreatorID = creatorID
		default:
			ps.pe.Add("%s: video of channel %q on a page for %q; author left unknown", f.At("snippet.channelId"), lenient.Clip(ch), lenient.Clip(channelID))
		}
		ps.res.Posts = append(ps.res.Posts, p)
	}
	ps.mentionRequests()
}

// maxMentionRequests bounds the snowball requests one page may make.
const maxMentionRequests = 50

// mentionRequests asks for the channels the page's videos @mention, other
// than the channel itself, each once (source.MetaSnowball).
func (ps *parser) mentionRequests() {
	asked := map[string]bool{}
	if h := ps.page.Meta[metaHandle]; h != "" {
		asked[h] = true
	}
	n := 0
	for _, p := range ps.res.Posts {
		for _, h := range p.Mentions {
			if asked[h] || !validHandle(h) || n >= maxMentionRequests {
				continue
			}
			asked[h] = true
			n++
			m := source.MentionMeta(ps.page.Meta, creator.MakeID(creator.YouTube, h))
			m[metaHandle], m[metaQuotaUnits] = h, "1"
			q := url.Values{"part": {channelParts}, "forHandle": {"@" + h}}
			ps.res.Next = append(ps.res.Next, source.Request{URL: ps.s.api(ps.page.URL, "channels", q), Kind: source.KindProfile, Meta: m})
		}
	}
}

// search reads a search page: the channels of the videos found are asked
// for, 50 per channels request.
func (ps *parser) search(items []any) {
	tag := ps.page.Meta[metaTag]
	if tag == "" && ps.page.URL != nil {
		if q := strings.TrimSpace(ps.page.URL.Query().Get("q")); strings.HasPrefix(q, "#") && !strings.ContainsAny(q, " \t") {
			tag = tags.Normalize(q)
		}
	}
	var ids []string
	for i, raw := range items {
		f, ok := lenient.ObjectAt(raw, fmt.Sprintf("items[%d]", i), ps.pe)
		if !ok {
			continue
		}
		idf := f.Obj("id")
		ch := f.Obj("snippet").Str("channelId")
		if idf.Str("kind") == "youtube#channel" {
			ch = idf.Str("channelId")
		}
		if !validID(ch) {
			ps.pe.Add("%s: %q is not a channel id", f.At("snippet.channelId"), lenient.Clip(ch))
			continue
		}
		ids = append(ids, ch)
	}
	for _, batch := range batches(tags.Dedupe(ids)) {
		m := map[string]string{metaQuotaUnits: "1"}
		if tag != "" {
			m[metaTag] = tag
		}
		q := url.Values{"part": {channelParts}, "id": {strings.Join(batch, ",")}, "maxResults": {strconv.Itoa(maxPerPage)}}
		ps.res.Next = append(ps.res.Next, source.Request{URL: ps.s.api(ps.page.URL, "channels", q), Kind: source.KindProfile, Meta: m})
	}
}

// badID reports an item skipped for want of a usable id.
func (ps *parser) badID(f lenient.Fields, id, what string) {
	if id == "" {
		ps.pe.Add("%s: no %s id; skipped", f.Path(), what)
		return
	}
	ps.pe.Add("%s: %q is not a %s id; skipped", f.At("id"), lenient.Clip(id), what)
}

// batches splits ids into runs of at most maxPerPage.
func batches(ids []string) [][]string {
	var out [][]string
	for len(ids) > 0 {
		n := min(len(ids), maxPerPage)
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	return out
}
