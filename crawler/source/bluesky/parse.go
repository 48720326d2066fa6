package bluesky

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// Lexicon type names read here.
const (
	typePost          = "app.bsky.feed.post"
	typeReasonRepost  = "app.bsky.feed.defs#reasonRepost"
	typeFacetTag      = "app.bsky.richtext.facet#tag"
	typeFacetMention  = "app.bsky.richtext.facet#mention"
	publicProfileBase = "https://bsky.app/profile/"
)

// sniff guesses the page kind from the body.
func sniff(body []byte) pageKind {
	tree, _ := readTree(body)
	return sniffTree(tree)
}

func sniffTree(tree any) pageKind {
	m, _ := tree.(map[string]any)
	if m == nil {
		return kindUnknown
	}
	_, did := m["did"]
	_, handle := m["handle"]
	isArray := func(v any) bool { _, ok := v.([]any); return ok }
	switch {
	case did && handle:
		return kindProfile
	case isArray(m["feed"]):
		return kindFeed
	case isArray(m["profiles"]):
		return kindProfiles
	case isArray(m["posts"]):
		posts := m["posts"].([]any)
		if len(posts) == 0 {
			return kindPosts
		}
		if first, _ := posts[0].(map[string]any); first != nil {
			if uri, _ := first["uri"].(string); strings.HasPrefix(uri, "at://") {
				return kindPosts
			}
		}
	}
	return kindUnknown
}

// parser holds what one Parse call needs.
type parser struct {
	s      *Source
	page   *source.Page
	pe     *source.ParseError
	res    *source.Result
	srcURL string
	opted  map[string]bool
}

// Parse reads a profile, a list of profiles, an author feed or a post
// search result, chosen by the XRPC method in the URL or, failing that, by
// the body.
func (s *Source) Parse(p *source.Page) (*source.Result, error) {
	res := &source.Result{Creators: []creator.Creator{}, Posts: []creator.Post{}}
	if p == nil {
		return res, fmt.Errorf("bluesky: no page: %w", source.ErrNotThisFormat)
	}
	ps := &parser{s: s, page: p, res: res, opted: map[string]bool{}}
	if p.URL != nil {
		ps.srcURL = p.URL.String()
	}
	ps.pe = &source.ParseError{Source: Name, URL: ps.srcURL}
	if firstByte(p.Body) != '{' {
		return res, fmt.Errorf("bluesky: %s: body is not a JSON object: %w", ps.srcURL, source.ErrNotThisFormat)
	}
	tree, err := readTree(p.Body)
	if err != nil {
		ps.pe.Add("%v", err)
	}
	if tree == nil {
		return res, ps.pe.Err()
	}
	top, ok := objectAt(tree, "", ps.pe)
	if !ok {
		return res, ps.pe.Err()
	}
	// An XRPC error body is {"error": "Name", "message": "..."}.
	if top.has("error") && !top.has("did") {
		ps.pe.Add("XRPC error (HTTP %d): %s: %s", p.Status, clip(top.str("error")), clip(top.str("message")))
		return res, ps.pe.Err()
	}
	if p.Status >= 400 {
		ps.pe.Add("HTTP status %d", p.Status)
		return res, ps.pe.Err()
	}

	kind := kindUnknown
	if p.URL != nil {
		kind = kindOf(p.URL.Path)
	}
	if kind == kindUnknown {
		kind = sniffTree(tree)
	}
	switch kind {
	case kindProfile:
		ps.profile(top)
	case kindProfiles:
		for i, item := range top.arr("profiles") {
			if f, ok := objectAt(item, fmt.Sprintf("profiles[%d]", i), ps.pe); ok {
				ps.profile(f)
			}
		}
	case kindFeed:
		ps.feed(top)
	case kindPosts:
		ps.search(top)
	default:
		return res, fmt.Errorf("bluesky: %s: not a profile, feed or post list: %w", ps.srcURL, source.ErrNotThisFormat)
	}
	ps.dropOptedOut()
	return res, ps.pe.Err()
}

// actor is what is read of a profileView* object.
type actor struct {
	f      fields
	did    string
	handle string // the creator's handle: the Bluesky handle, or the DID when the handle is invalid
	opted  bool
}

// readActor reads the identity and opt-out label of a profile or author.
// ok is false when it names nobody.
func (ps *parser) readActor(f fields) (a actor, ok bool) {
	a.f = f
	a.did = strings.TrimSpace(f.str("did"))
	if !validDID(a.did) {
		if a.did != "" {
			ps.pe.Add("%s: %q is not a DID", f.at("did"), clip(a.did))
		}
		a.did = ""
	}
	a.handle = strings.ToLower(strings.TrimSpace(f.str("handle")))
	if !validHandle(a.handle) {
		if a.handle != "" && a.handle != "handle.invalid" {
			ps.pe.Add("%s: %q is not a handle", f.at("handle"), clip(a.handle))
		}
		a.handle = strings.ToLower(a.did)
	}
	if a.handle == "" {
		ps.pe.Add("%s: neither a handle nor a DID", f.path)
		return a, false
	}
	labels := f.arr("labels")
	// Labels that cannot be read but name the opt-out still count.
	a.opted = hasOptOutLabel(labels) || (labels == nil && strings.Contains(snippetFull(f.m["labels"]), labelNoUnauthenticated))
	return a, true
}

// hasOptOutLabel reports whether labels carry "!no-unauthenticated" (not
// negated). A label that cannot be read but names the opt-out counts as
// present: opt-outs are honoured when in doubt.
func hasOptOutLabel(labels []any) bool {
	for _, v := range labels {
		l, _ := v.(map[string]any)
		val, isString := l["val"].(string)
		neg, _ := l["neg"].(bool)
		if val == labelNoUnauthenticated && !neg {
			return true
		}
		if !isString && strings.Contains(snippetFull(v), labelNoUnauthenticated) {
			return true
		}
	}
	return false
}

// snippetFull is v as JSON text, for searching it.
func snippetFull(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// optOut records an opted-out account once.
func (ps *parser) optOut(handle string) {
	id := creator.MakeID(creator.Bluesky, handle)
	if !ps.opted[id] {
		ps.opted[id] = true
		ps.res.OptedOut = append(ps.res.OptedOut, id)
	}
}

// profile reads a profileViewDetailed into a creator and asks for its
// author feed.
func (ps *parser) profile(f fields) {
	a, ok := ps.readActor(f)
	if !ok {
		return
	}
	if a.opted {
		ps.optOut(a.handle)
		return
	}
	bio := f.str("description")
	c := creator.Creator{
		ID:          creator.MakeID(creator.Bluesky, a.handle),
		Platform:    creator.Bluesky,
		Handle:      a.handle,
		PlatformID:  a.did,
		URL:         publicProfileBase + a.handle,
		DisplayName: strings.TrimSpace(f.str("displayName")),
		Bio:         bio,
		Followers:   f.count("followersCount"),
		Following:   f.count("followsCount"),
		PostsCount:  f.count("postsCount"),
		Verified:    f.obj("verification").str("verifiedStatus") == "valid",
		Email:       emailIn(bio),
		Links:       linksIn(bio),
		FetchedAt:   ps.page.FetchedAt,
		SourceURL:   ps.srcURL,
	}
	if len(c.Links) > 0 {
		c.Website = c.Links[0]
	}
	ps.res.Creators = append(ps.res.Creators, c)

	feedActor := a.did
	if feedActor == "" {
		feedActor = a.handle
	}
	meta := map[string]string{metaCreatorID: c.ID, metaHandle: a.handle}
	if tag := ps.page.Meta[metaTag]; tag != "" {
		meta[metaTag] = tag
	}
	q := url.Values{"actor": {feedActor}, "limit": {strconv.Itoa(ps.s.limit)}, "filter": {"posts_no_replies"}}
	ps.res.Next = append(ps.res.Next, source.Request{
		URL:  ps.s.xrpc(ps.page.URL, "app.bsky.feed.getAuthorFeed", q),
		Kind: source.KindPosts,
		Meta: meta,
	})
}

// feed reads an author feed, leaving out reposts.
func (ps *parser) feed(top fields) {
	for i, item := range top.arr("feed") {
		fv, ok := objectAt(item, fmt.Sprintf("feed[%d]", i), ps.pe)
		if !ok {
			continue
		}
		if fv.has("reason") {
			if typ := fv.obj("reason").str("$type"); typ == typeReasonRepost || typ == "" {
				continue // a repost is someone else's post; an unreadable reason is treated as one
			}
		}
		if pv, ok := objectAt(fv.m["post"], fv.at("post"), ps.pe); ok {
			ps.post(pv)
		} else if !fv.has("post") {
			ps.pe.Add("%s: no post", fv.path)
		}
	}
}

// search reads a post search result; each author is asked for by profile.
func (ps *parser) search(top fields) {
	asked := map[string]bool{}
	tag := ps.page.Meta[metaTag]
	if tag == "" && ps.page.URL != nil {
		if q := strings.TrimSpace(ps.page.URL.Query().Get("q")); strings.HasPrefix(q, "#") && !strings.ContainsAny(q, " \t") {
			tag = normTag(q)
		}
	}
	for i, item := range top.arr("posts") {
		pv, ok := objectAt(item, fmt.Sprintf("posts[%d]", i), ps.pe)
		if !ok {
			continue
		}
		a, ok := ps.post(pv)
		if !ok || asked[a.handle] {
			continue
		}
		asked[a.handle] = true
		ps.res.Next = append(ps.res.Next, ps.s.profileRequest(ps.page.URL, a.handle, tag))
	}
}

// post reads one postView. ok is false when the post was left out.
func (ps *parser) post(pv fields) (a actor, ok bool) {
	af, hasAuthor := objectAt(pv.m["author"], pv.at("author"), ps.pe)
	if !hasAuthor {
		ps.pe.Add("%s: no author, so its opt-out cannot be checked; skipped", pv.path)
		return a, false
	}
	if a, ok = ps.readActor(af); !ok {
		return a, false
	}
	if a.opted {
		ps.optOut(a.handle)
		return a, false
	}
	if hasOptOutLabel(pv.arr("labels")) {
		return a, false
	}
	uri := pv.str("uri")
	rkey, ok := postRkey(uri)
	if !ok {
		ps.pe.Add("%s: %q is not a post at:// URI; skipped", pv.at("uri"), clip(uri))
		return a, false
	}
	rec, ok := objectAt(pv.m["record"], pv.at("record"), ps.pe)
	if !ok {
		ps.pe.Add("%s: no record; skipped", pv.path)
		return a, false
	}
	if typ := rec.str("$type"); typ != "" && typ != typePost {
		ps.pe.Add("%s: record of type %q; skipped", pv.path, clip(typ))
		return a, false
	}
	text := rec.str("text")
	p := creator.Post{
		ID:          creator.Bluesky + ":" + uri,
		CreatorID:   creator.MakeID(creator.Bluesky, a.handle),
		URL:         publicProfileBase + a.handle + "/post/" + rkey,
		PublishedAt: rec.time("createdAt"),
		Caption:     text,
		Likes:       pv.count("likeCount"),
		Comments:    pv.count("replyCount"),
		Shares:      pv.count("repostCount"),
		FetchedAt:   ps.page.FetchedAt,
		SourceURL:   ps.srcURL,
	}
	if p.PublishedAt == nil {
		p.PublishedAt = pv.time("indexedAt")
	}
	tags, mentions := ps.facets(rec, text)
	for i, raw := range rec.arr("tags") {
		t, isString := raw.(string)
		if !isString {
			ps.pe.Add("%s: %s is not a tag", rec.at(fmt.Sprintf("tags[%d]", i)), snippet(raw))
			continue
		}
		tags = append(tags, normTag(t))
	}
	p.Hashtags = dedupe(tags)
	p.Mentions = dedupe(mentions)
	ps.res.Posts = append(ps.res.Posts, p)
	return a, true
}

// postRkey returns the record key of an at://did/app.bsky.feed.post/rkey URI.
func postRkey(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] != typePost || parts[2] == "" || len(parts[2]) > 512 {
		return "", false
	}
	for i := 0; i < len(parts[2]); i++ {
		c := parts[2][i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:~-", c) >= 0) {
			return "", false
		}
	}
	return parts[2], true
}

// facets reads hashtags and mentions from the record's rich-text facets.
// Offsets are UTF-8 byte offsets into text, so the text is sliced as bytes;
// a facet whose range is out of bounds or splits a character is an issue.
func (ps *parser) facets(rec fields, text string) (tags, mentions []string) {
	b := []byte(text)
	for i, raw := range rec.arr("facets") {
		ff, ok := objectAt(raw, rec.at(fmt.Sprintf("facets[%d]", i)), ps.pe)
		if !ok {
			continue
		}
		idx := ff.obj("index")
		start, end := idx.count("byteStart"), idx.count("byteEnd")
		// A facet whose range cannot be right is damaged as a whole: its
		// features are not trusted either.
		switch {
		case start == nil || end == nil:
			ps.pe.Add("%s: no byte range", ff.at("index"))
			continue
		case *start >= *end:
			ps.pe.Add("%s: byte range %d..%d is empty or reversed", ff.at("index"), *start, *end)
			continue
		case *end > int64(len(b)):
			ps.pe.Add("%s: byte range %d..%d is outside the %d-byte text", ff.at("index"), *start, *end, len(b))
			continue
		case !utf8.Valid(b[*start:*end]):
			ps.pe.Add("%s: byte range %d..%d splits a character", ff.at("index"), *start, *end)
			continue
		}
		span := string(b[*start:*end])
		for j, fraw := range ff.arr("features") {
			feat, ok := objectAt(fraw, ff.at(fmt.Sprintf("features[%d]", j)), ps.pe)
			if !ok {
				continue
			}
			switch feat.str("$type") {
			case typeFacetTag:
				t := normTag(feat.str("tag"))
				if t == "" {
					t = normTag(span)
				}
				tags = append(tags, t)
			case typeFacetMention:
				// The facet names a DID; the handle is the text it covers.
				if h := strings.ToLower(strings.TrimPrefix(span, "@")); strings.HasPrefix(span, "@") && validHandle(h) {
					mentions = append(mentions, h)
				} else if did := strings.ToLower(feat.str("did")); validDID(did) {
					mentions = append(mentions, did)
				} else {
					ps.pe.Add("%s: mention names neither a handle nor a DID", feat.path)
				}
			}
		}
	}
	return tags, mentions
}

// dropOptedOut removes everything of an account that opted out anywhere on
// the page: the same account can appear more than once, and an opt-out seen
// once wins over copies that lack it.
func (ps *parser) dropOptedOut() {
	if len(ps.opted) == 0 {
		return
	}
	r := ps.res
	r.Creators = slices.DeleteFunc(r.Creators, func(c creator.Creator) bool { return ps.opted[c.ID] })
	r.Posts = slices.DeleteFunc(r.Posts, func(p creator.Post) bool { return ps.opted[p.CreatorID] })
	r.Next = slices.DeleteFunc(r.Next, func(n source.Request) bool {
		return ps.opted[creator.MakeID(creator.Bluesky, n.Meta[metaHandle])] || ps.opted[n.Meta[metaCreatorID]]
	})
}
