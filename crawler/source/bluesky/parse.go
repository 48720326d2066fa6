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
	"github.com/creatorscout/creatorscout/crawler/source/internal/lenient"
	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
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
	tree, _ := lenient.ReadTree(body)
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
	case xrpcError(m):
		return kindError
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

// xrpcError reports an XRPC error body: {"error": "Name", "message": "..."}
// and nothing else, the error named in PascalCase as the lexicons name them
// ("InvalidRequest", "AccountTakedown").
func xrpcError(m map[string]any) bool {
	name, ok := m["error"].(string)
	if !ok || name == "" || len(name) > 100 || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	for k, v := range m {
		if _, isString := v.(string); k != "error" && (k != "message" || !isString) {
			return false
		}
	}
	return true
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
	if lenient.FirstByte(p.Body) != '{' {
		return res, fmt.Errorf("bluesky: %s: body is not a JSON object: %w", ps.srcURL, source.ErrNotThisFormat)
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
	// An XRPC error body is {"error": "Name", "message": "..."}.
	if top.Has("error") && !top.Has("did") {
		ps.pe.Add("XRPC error (HTTP %d): %s: %s", p.Status, lenient.Clip(top.Str("error")), lenient.Clip(top.Str("message")))
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
		for i, item := range top.Arr("profiles") {
			if f, ok := lenient.ObjectAt(item, fmt.Sprintf("profiles[%d]", i), ps.pe); ok {
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
	f      lenient.Fields
	did    string
	handle string // the creator's handle: the Bluesky handle, or the DID when the handle is invalid
	opted  bool
}

// readActor reads the identity and opt-out label of a profile or author.
// ok is false when it names nobody.
func (ps *parser) readActor(f lenient.Fields) (a actor, ok bool) {
	a.f = f
	a.did = strings.TrimSpace(f.Str("did"))
	if !validDID(a.did) {
		if a.did != "" {
			ps.pe.Add("%s: %q is not a DID", f.At("did"), lenient.Clip(a.did))
		}
		a.did = ""
	}
	a.handle = strings.ToLower(strings.TrimSpace(f.Str("handle")))
	if !validHandle(a.handle) {
		if a.handle != "" && a.handle != "handle.invalid" {
			ps.pe.Add("%s: %q is not a handle", f.At("handle"), lenient.Clip(a.handle))
		}
		a.handle = strings.ToLower(a.did)
	}
	if a.handle == "" {
		ps.pe.Add("%s: neither a handle nor a DID", f.Path())
		return a, false
	}
	labels := f.Arr("labels")
	// Labels that cannot be read but name the opt-out still count.
	a.opted = hasOptOutLabel(labels) || (labels == nil && strings.Contains(snippetFull(f.Value("labels")), labelNoUnauthenticated))
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
func (ps *parser) profile(f lenient.Fields) {
	a, ok := ps.readActor(f)
	if !ok {
		return
	}
	if a.opted {
		ps.optOut(a.handle)
		return
	}
	bio := f.Str("description")
	c := creator.Creator{
		ID:          creator.MakeID(creator.Bluesky, a.handle),
		Platform:    creator.Bluesky,
		Handle:      a.handle,
		PlatformID:  a.did,
		URL:         publicProfileBase + a.handle,
		DisplayName: strings.TrimSpace(f.Str("displayName")),
		Bio:         bio,
		Followers:   f.Count("followersCount"),
		Following:   f.Count("followsCount"),
		PostsCount:  f.Count("postsCount"),
		Verified:    f.Obj("verification").Str("verifiedStatus") == "valid",
		Email:       tags.Email(bio),
		Links:       tags.Links(bio),
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
	source.CarrySnowball(meta, ps.page.Meta)
	q := url.Values{"actor": {feedActor}, "limit": {strconv.Itoa(ps.s.limit)}, "filter": {"posts_no_replies"}}
	ps.res.Next = append(ps.res.Next, source.Request{
		URL:  ps.s.xrpc(ps.page.URL, "app.bsky.feed.getAuthorFeed", q),
		Kind: source.KindPosts,
		Meta: meta,
	})
}

// maxMentionRequests bounds the snowball requests one page may make.
const maxMentionRequests = 50

// feed reads an author feed, leaving out reposts. The accounts its posts
// @mention become snowball profile requests (source.MetaSnowball).
func (ps *parser) feed(top lenient.Fields) {
	defer ps.mentionRequests()
	for i, item := range top.Arr("feed") {
		fv, ok := lenient.ObjectAt(item, fmt.Sprintf("feed[%d]", i), ps.pe)
		if !ok {
			continue
		}
		if fv.Has("reason") {
			if typ := fv.Obj("reason").Str("$type"); typ == typeReasonRepost || typ == "" {
				continue // a repost is someone else's post; an unreadable reason is treated as one
			}
		}
		if pv, ok := lenient.ObjectAt(fv.Value("post"), fv.At("post"), ps.pe); ok {
			ps.post(pv)
		} else if !fv.Has("post") {
			ps.pe.Add("%s: no post", fv.Path())
		}
	}
}

// mentionRequests asks for the profiles the page's posts @mention, other
// than their authors, each once.
func (ps *parser) mentionRequests() {
	asked := map[string]bool{}
	for _, p := range ps.res.Posts {
		asked[p.CreatorID] = true
	}
	n := 0
	for _, p := range ps.res.Posts {
		for _, m := range p.Mentions {
			id := creator.MakeID(creator.Bluesky, m)
			if asked[id] || n >= maxMentionRequests || !(validHandle(m) || validDID(m)) {
				continue
			}
			asked[id] = true
			n++
			r := ps.s.profileRequest(ps.page.URL, m, "")
			for k, v := range source.MentionMeta(ps.page.Meta, id) {
				r.Meta[k] = v
			}
			ps.res.Next = append(ps.res.Next, r)
		}
	}
}

// search reads a post search result; each author is asked for by profile.
func (ps *parser) search(top lenient.Fields) {
	asked := map[string]bool{}
	tag := ps.page.Meta[metaTag]
	if tag == "" && ps.page.URL != nil {
		if q := strings.TrimSpace(ps.page.URL.Query().Get("q")); strings.HasPrefix(q, "#") && !strings.ContainsAny(q, " \t") {
			tag = tags.Normalize(q)
		}
	}
	for i, item := range top.Arr("posts") {
		pv, ok := lenient.ObjectAt(item, fmt.Sprintf("posts[%d]", i), ps.pe)
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
func (ps *parser) post(pv lenient.Fields) (a actor, ok bool) {
	af, hasAuthor := lenient.ObjectAt(pv.Value("author"), pv.At("author"), ps.pe)
	if !hasAuthor {
		ps.pe.Add("%s: no author, so its opt-out cannot be checked; skipped", pv.Path())
		return a, false
	}
	if a, ok = ps.readActor(af); !ok {
		return a, false
	}
	if a.opted {
		ps.optOut(a.handle)
		return a, false
	}
	if hasOptOutLabel(pv.Arr("labels")) {
		return a, false
	}
	uri := pv.Str("uri")
	rkey, ok := postRkey(uri)
	if !ok {
		ps.pe.Add("%s: %q is not a post at:// URI; skipped", pv.At("uri"), lenient.Clip(uri))
		return a, false
	}
	rec, ok := lenient.ObjectAt(pv.Value("record"), pv.At("record"), ps.pe)
	if !ok {
		ps.pe.Add("%s: no record; skipped", pv.Path())
		return a, false
	}
	if typ := rec.Str("$type"); typ != "" && typ != typePost {
		ps.pe.Add("%s: record of type %q; skipped", pv.Path(), lenient.Clip(typ))
		return a, false
	}
	text := rec.Str("text")
	p := creator.Post{
		ID:          creator.Bluesky + ":" + uri,
		CreatorID:   creator.MakeID(creator.Bluesky, a.handle),
		URL:         publicProfileBase + a.handle + "/post/" + rkey,
		PublishedAt: rec.Time("createdAt"),
		Caption:     text,
		Likes:       pv.Count("likeCount"),
		Comments:    pv.Count("replyCount"),
		Shares:      pv.Count("repostCount"),
		FetchedAt:   ps.page.FetchedAt,
		SourceURL:   ps.srcURL,
	}
	if p.PublishedAt == nil {
		p.PublishedAt = pv.Time("indexedAt")
	}
	hashtags, mentions := ps.facets(rec, text)
	for i, raw := range rec.Arr("tags") {
		t, isString := raw.(string)
		if !isString {
			ps.pe.Add("%s: %s is not a tag", rec.At(fmt.Sprintf("tags[%d]", i)), lenient.Snippet(raw))
			continue
		}
		hashtags = append(hashtags, tags.Normalize(t))
	}
	p.Hashtags = tags.Dedupe(hashtags)
	p.Mentions = tags.Dedupe(mentions)
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
func (ps *parser) facets(rec lenient.Fields, text string) (hashtags, mentions []string) {
	b := []byte(text)
	for i, raw := range rec.Arr("facets") {
		ff, ok := lenient.ObjectAt(raw, rec.At(fmt.Sprintf("facets[%d]", i)), ps.pe)
		if !ok {
			continue
		}
		idx := ff.Obj("index")
		start, end := idx.Count("byteStart"), idx.Count("byteEnd")
		// A facet whose range cannot be right is damaged as a whole: its
		// features are not trusted either.
		switch {
		case start == nil || end == nil:
			ps.pe.Add("%s: no byte range", ff.At("index"))
			continue
		case *start >= *end:
			ps.pe.Add("%s: byte range %d..%d is empty or reversed", ff.At("index"), *start, *end)
			continue
		case *end > int64(len(b)):
			ps.pe.Add("%s: byte range %d..%d is outside the %d-byte text", ff.At("index"), *start, *end, len(b))
			continue
		case !utf8.Valid(b[*start:*end]):
			ps.pe.Add("%s: byte range %d..%d splits a character", ff.At("index"), *start, *end)
			continue
		}
		span := string(b[*start:*end])
		for j, fraw := range ff.Arr("features") {
			feat, ok := lenient.ObjectAt(fraw, ff.At(fmt.Sprintf("features[%d]", j)), ps.pe)
			if !ok {
				continue
			}
			switch feat.Str("$type") {
			case typeFacetTag:
				t := tags.Normalize(feat.Str("tag"))
				if t == "" {
					t = tags.Normalize(span)
				}
				hashtags = append(hashtags, t)
			case typeFacetMention:
				// The facet names a DID; the handle is the text it covers.
				if h := strings.ToLower(strings.TrimPrefix(span, "@")); strings.HasPrefix(span, "@") && validHandle(h) {
					mentions = append(mentions, h)
				} else if did := strings.ToLower(feat.Str("did")); validDID(did) {
					mentions = append(mentions, did)
				} else {
					ps.pe.Add("%s: mention names neither a handle nor a DID", feat.Path())
				}
			}
		}
	}
	return hashtags, mentions
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
