package instagram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
	"github.com/creatorscout/creatorscout/creator"
)

type obj = map[string]any

// GraphError is the Graph API's error body. It unwraps to a
// *source.ParseError so callers counting parse failures see it too.
type GraphError struct {
	Message string
	// UserMessage is error_user_title and error_user_msg, the Graph API's
	// explanation for people ("Cannot find User: The user with username:
	// x cannot be found."), when it sends one.
	UserMessage string
	Type        string // e.g. "OAuthException"
	Code        int
	Subcode     int
	FBTraceID   string
	URL         string // the request, without credentials
	parse       *source.ParseError
}

func (e *GraphError) Error() string {
	s := fmt.Sprintf("instagram: %s: graph api error code %d", e.URL, e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf(" subcode %d", e.Subcode)
	}
	if e.Type != "" {
		s += " (" + e.Type + ")"
	}
	s += ": " + e.Message
	if e.UserMessage != "" {
		s += " (" + e.UserMessage + ")"
	}
	if e.FBTraceID != "" {
		s += " [fbtrace_id " + e.FBTraceID + "]"
	}
	return s
}

// Unwrap returns the ParseError describing the same failure.
func (e *GraphError) Unwrap() error { return e.parse }

// RateLimited reports the throttling codes (4 app, 17 user, 32 page, 613
// custom, 80002 Instagram business use case); retry later.
func (e *GraphError) RateLimited() bool {
	switch e.Code {
	case 4, 17, 32, 613, 80002:
		return true
	}
	return false
}

// AuthFailed reports an invalid or expired token (190) or a missing
// permission (10, 200-299); retrying will not help.
func (e *GraphError) AuthFailed() bool {
	return e.Code == 190 || e.Code == 102 || e.Code == 10 || (e.Code >= 200 && e.Code <= 299)
}

// parser is the state of one Parse call.
type parser struct {
	s         *Source
	page      *source.Page
	perr      *source.ParseError
	sourceURL string
	fetchedAt time.Time
}

// Parse reads a business_discovery, ig_hashtag_search or recent_media /
// top_media response, or a Graph API error.
func (s *Source) Parse(p *source.Page) (res *source.Result, err error) {
	res = &source.Result{}
	if p == nil {
		return res, fmt.Errorf("instagram: parse: no page: %w", source.ErrNotThisFormat)
	}
	ps := &parser{s: s, page: p, sourceURL: redact(p.URL), fetchedAt: p.FetchedAt.UTC()}
	ps.perr = &source.ParseError{Source: Name, URL: ps.sourceURL}
	defer func() {
		if r := recover(); r != nil {
			res = &source.Result{}
			ps.perr.Add("internal error while parsing: %v", r)
			err = ps.perr
		}
	}()

	body := bytes.TrimSpace(bytes.TrimPrefix(p.Body, []byte("\xef\xbb\xbf")))
	if len(body) == 0 || body[0] != '{' {
		return res, fmt.Errorf("instagram: parse %s: body is not a JSON object: %w", ps.sourceURL, source.ErrNotThisFormat)
	}
	if !utf8.Valid(body) {
		ps.perr.Add("body: invalid UTF-8 replaced")
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top obj
	if derr := dec.Decode(&top); derr != nil {
		ps.perr.Add("body: %s", jsonErr(derr, len(body)))
		return res, ps.perr
	}

	switch {
	case top["error"] != nil:
		return res, ps.graphError(top["error"])
	case top["business_discovery"] != nil:
		ps.profile(res, top["business_discovery"])
	case top["data"] != nil:
		ps.list(res, top["data"])
	default:
		if p.Status >= 400 {
			ps.perr.Add("http status %d", p.Status)
			return res, ps.perr
		}
		return res, fmt.Errorf("instagram: parse %s: no business_discovery, data or error: %w", ps.sourceURL, source.ErrNotThisFormat)
	}
	if p.Status >= 400 {
		ps.perr.Add("http status %d", p.Status)
	}
	return res, ps.perr.Err()
}

func jsonErr(err error, n int) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d of %d: %v", se.Offset, n, se)
	}
	return "invalid JSON: " + err.Error()
}

func (ps *parser) graphError(v any) error {
	e, ok := v.(obj)
	if !ok {
		ps.perr.Add("error: %s is not a Graph API error object", jsonType(v))
		return ps.perr
	}
	ge := &GraphError{URL: ps.sourceURL, parse: ps.perr}
	ge.Message = clean(str(e["message"]), maxField)
	ge.Type = clean(str(e["type"]), maxField)
	ge.FBTraceID = clean(str(e["fbtrace_id"]), maxField)
	if n, ok := intOf(e["code"]); ok {
		ge.Code = int(n)
	}
	if n, ok := intOf(e["error_subcode"]); ok {
		ge.Subcode = int(n)
	}
	if ge.Message == "" {
		ge.Message = "no message"
	}
	title, msg := clean(str(e["error_user_title"]), maxField), clean(str(e["error_user_msg"]), maxField)
	switch {
	case title != "" && msg != "":
		ge.UserMessage = title + ": " + msg
	default:
		ge.UserMessage = title + msg
	}
	user := ""
	if ge.UserMessage != "" {
		user = " (" + ge.UserMessage + ")"
	}
	ps.perr.Add("graph api error code %d subcode %d (%s): %s%s [fbtrace_id %s]", ge.Code, ge.Subcode, ge.Type, ge.Message, user, ge.FBTraceID)
	return ge
}

// requestedUsername is the x of business_discovery.username(x) in u's
// fields, or "".
func requestedUsername(u *url.URL) string {
	if u == nil {
		return ""
	}
	f := u.Query().Get("fields")
	_, rest, ok := strings.Cut(f, "business_discovery.username(")
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, ")")
	if !ok {
		return ""
	}
	return strings.TrimSpace(name)
}

// profile reads business_discovery and its media edge.
func (ps *parser) profile(res *source.Result, v any) {
	bd, ok := v.(obj)
	if !ok {
		ps.perr.Add("business_discovery: %s is not an object", jsonType(v))
		return
	}
	username := ps.text("business_discovery.username", bd["username"], maxField)
	if username == "" && bd["username"] == nil {
		// A request whose fields do not ask for username (Meta's own
		// examples) names the account in the request.
		username = requestedUsername(ps.page.URL)
	}
	if !handleRe.MatchString(username) {
		if username != "" {
			ps.perr.Add("business_discovery.username: %q is not an Instagram username", clean(username, 60))
		} else {
			ps.perr.Add("business_discovery: no username")
		}
		return
	}
	id := creator.MakeID(creator.Instagram, username)
	c := creator.Creator{
		ID:          id,
		Platform:    creator.Instagram,
		Handle:      creator.NormalizeHandle(username),
		PlatformID:  ps.idText("business_discovery.id", bd["id"]),
		URL:         "https://www.instagram.com/" + strings.ToLower(username) + "/",
		DisplayName: ps.text("business_discovery.name", bd["name"], maxField),
		Bio:         ps.text("business_discovery.biography", bd["biography"], maxText),
		Followers:   ps.count("business_discovery.followers_count", bd["followers_count"]),
		Following:   ps.count("business_discovery.follows_count", bd["follows_count"]),
		PostsCount:  ps.count("business_discovery.media_count", bd["media_count"]),
		FetchedAt:   ps.fetchedAt,
		SourceURL:   ps.sourceURL,
	}
	if c.SourceURL == "" {
		// A saved response given without its URL: the profile is where
		// these facts are published.
		c.SourceURL = c.URL
	}
	if w := ps.text("business_discovery.website", bd["website"], 2000); w != "" {
		if u, err := url.Parse(w); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			c.Website = u.String()
			c.Links = []string{c.Website}
		} else {
			ps.perr.Add("business_discovery.website: %q is not a URL", clean(w, 80))
		}
	}
	res.Creators = append(res.Creators, c)

	if bd["media"] == nil {
		return
	}
	media, ok := bd["media"].(obj)
	if !ok {
		ps.perr.Add("business_discovery.media: %s is not an object", jsonType(bd["media"]))
		return
	}
	res.Posts = ps.media("business_discovery.media", media["data"], id, true)
	res.Next = ps.profileMentionRequests(res.Posts, c.Handle)
}

// profileMentionRequests turns the handles an account's own media @mention
// into snowball business_discovery requests (source.MetaSnowball), asked
// as the same IG user the page was asked as.
func (ps *parser) profileMentionRequests(posts []creator.Post, self string) []source.Request {
	base, userID, token := ps.s.base, ps.s.userID, ps.s.token
	if u := ps.page.URL; u != nil {
		if i := strings.LastIndex(u.Path, "/"); i >= 0 && isDigits(u.Path[i+1:]) {
			userID = u.Path[i+1:]
			base = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path[:i]}
		}
		if t := u.Query().Get("access_token"); t != "" {
			token = t
		}
	}
	if userID == "" || token == "" {
		return nil
	}
	var out []source.Request
	seen := map[string]bool{strings.ToLower(self): true}
	for _, p := range posts {
		for _, m := range p.Mentions {
			if seen[m] || !handleRe.MatchString(m) || len(out) >= maxMentions {
				continue
			}
			seen[m] = true
			out = append(out, ps.s.profileRequest(base, userID, token, m, source.MentionMeta(ps.page.Meta, creator.MakeID(creator.Instagram, m))))
		}
	}
	return out
}

// list reads {data:[...]}: hashtag ids from ig_hashtag_search, or media
// from recent_media / top_media.
func (ps *parser) list(res *source.Result, v any) {
	items, ok := v.([]any)
	if !ok {
		ps.perr.Add("data: %s is not an array", jsonType(v))
		return
	}
	if ps.isHashtagSearch(items) {
		res.Next = ps.hashtagMediaRequests(items)
		return
	}
	res.Posts = ps.media("data", items, "", false)
	res.Next = ps.mentionRequests(res.Posts)
}

// isHashtagSearch: the URL says ig_hashtag_search, or every item is a bare
// {"id"} (with at most a name).
func (ps *parser) isHashtagSearch(items []any) bool {
	if ps.page.URL != nil && strings.HasSuffix(ps.page.URL.Path, "/ig_hashtag_search") {
		return true
	}
	if ps.page.URL != nil && (strings.HasSuffix(ps.page.URL.Path, "/recent_media") || strings.HasSuffix(ps.page.URL.Path, "/top_media")) {
		return false
	}
	if len(items) == 0 {
		return false
	}
	for _, it := range items {
		o, ok := it.(obj)
		if !ok {
			return false
		}
		for k := range o {
			if k != "id" && k != "name" {
				return false
			}
		}
	}
	return true
}

// callContext is where follow-up calls go and as whom: the page's own API
// root, user_id and token when it has them (so a saved response replays
// against the server that produced it), else the configured ones.
func (ps *parser) callContext(suffix string) (base *url.URL, userID, token string) {
	base, userID, token = ps.s.base, ps.s.userID, ps.s.token
	u := ps.page.URL
	if u == nil {
		return
	}
	q := u.Query()
	if id := q.Get("user_id"); isDigits(id) {
		userID = id
	}
	if t := q.Get("access_token"); t != "" {
		token = t
	}
	if strings.HasSuffix(u.Path, suffix) {
		b := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimSuffix(u.Path, suffix)}
		base = b
	}
	return
}

// hashtagMediaRequests asks recent_media for each hashtag id.
func (ps *parser) hashtagMediaRequests(items []any) []source.Request {
	base, userID, token := ps.callContext("/ig_hashtag_search")
	if userID == "" || token == "" {
		ps.perr.Add("ig_hashtag_search: no user_id and access_token to ask for the hashtag's media")
		return nil
	}
	tag := ps.page.Meta["hashtag"]
	if tag == "" && ps.page.URL != nil {
		tag = strings.ToLower(ps.page.URL.Query().Get("q"))
	}
	var out []source.Request
	for i, it := range items {
		hid := ps.idText(fmt.Sprintf("data[%d].id", i), obj0(it)["id"])
		if !isDigits(hid) {
			if hid != "" {
				ps.perr.Add("data[%d].id: %q is not a hashtag id", i, clean(hid, 60))
			}
			continue
		}
		// FLOWS.md fixes recent_media as the hashtag flow; top_media
		// responses parse the same way when a caller asks for them.
		for _, edge := range []string{"recent_media"} {
			u := *base
			u.Path = strings.TrimSuffix(u.Path, "/") + "/" + hid + "/" + edge
			q := url.Values{}
			q.Set("user_id", userID)
			q.Set("fields", tagFields)
			q.Set("limit", "50")
			q.Set("access_token", token)
			u.RawQuery = q.Encode()
			r := source.Request{URL: u.String(), Kind: source.KindHashtag, Meta: map[string]string{"hashtag_id": hid}}
			if tag != "" {
				r.Meta["hashtag"] = clean(tag, 100)
			}
			out = append(out, r)
		}
	}
	return out
}

// mentionRequests turns handles mentioned in hashtag media into
// business_discovery requests. Hashtag media name no author, so these are
// not the tag's authors but accounts someone @mentioned beside the tag: they
// are snowball requests (source.MetaSnowball), bounded like the others.
func (ps *parser) mentionRequests(posts []creator.Post) []source.Request {
	suffix := ""
	if u := ps.page.URL; u != nil {
		for _, e := range []string{"/recent_media", "/top_media"} {
			if strings.HasSuffix(u.Path, e) {
				// {base}/{hashtag-id}/recent_media
				p := strings.TrimSuffix(u.Path, e)
				if i := strings.LastIndex(p, "/"); i >= 0 {
					suffix = p[i:] + e
				}
			}
		}
	}
	base, userID, token := ps.callContext(suffix)
	if suffix == "" {
		base = ps.s.base
	}
	if userID == "" || token == "" {
		return nil
	}
	meta := map[string]string{"via": "mention"}
	if t := ps.page.Meta["hashtag"]; t != "" {
		meta["hashtag"] = clean(t, 100)
	}
	var out []source.Request
	seen := map[string]bool{}
	for _, p := range posts {
		for _, m := range p.Mentions {
			if seen[m] || !handleRe.MatchString(m) || len(out) >= maxMentions {
				continue
			}
			seen[m] = true
			mm := source.MentionMeta(ps.page.Meta, creator.MakeID(creator.Instagram, m))
			for k, v := range meta {
				mm[k] = v
			}
			out = append(out, ps.s.profileRequest(base, userID, token, m, mm))
		}
	}
	return out
}

// media reads a media array. creatorID is "" for hashtag media (no
// author). withSiblings enables the hidden-likes rule across the array
// (all media of one account).
func (ps *parser) media(where string, v any, creatorID string, withSiblings bool) []creator.Post {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		ps.perr.Add("%s.data: %s is not an array", where, jsonType(v))
		return nil
	}
	type raw struct {
		post  creator.Post
		likes *int64
	}
	var rows []raw
	anyLiked := false
	for i, it := range items {
		if len(rows) >= maxPosts {
			break
		}
		m, ok := it.(obj)
		if !ok {
			ps.perr.Add("%s[%d]: %s is not a media object", where, i, jsonType(it))
			continue
		}
		at := fmt.Sprintf("%s[%d]", where, i)
		id := ps.idText(at+".id", m["id"])
		if !isDigits(id) {
			ps.perr.Add("%s.id: %q is not a media id", at, clean(id, 60))
			continue
		}
		p := creator.Post{ID: creator.Instagram + ":" + id, CreatorID: creatorID, FetchedAt: ps.fetchedAt, SourceURL: ps.sourceURL}
		if pl := ps.text(at+".permalink", m["permalink"], 2000); pl != "" {
			if u, err := url.Parse(pl); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				p.URL = u.String()
			} else {
				ps.perr.Add("%s.permalink: %q is not a URL", at, clean(pl, 80))
			}
		}
		if p.SourceURL == "" {
			// Without the page URL, the media object's own address.
			if p.URL != "" {
				p.SourceURL = p.URL
			} else {
				p.SourceURL = ps.s.base.String() + "/" + id
			}
		}
		p.Caption = ps.text(at+".caption", m["caption"], maxText)
		if ts := ps.text(at+".timestamp", m["timestamp"], 100); ts != "" {
			if t, ok := parseTime(ts); ok {
				p.PublishedAt = &t
			} else {
				ps.perr.Add("%s.timestamp: %q is not a time", at, clean(ts, 60))
			}
		}
		p.Comments = ps.count(at+".comments_count", m["comments_count"])
		likes := ps.count(at+".like_count", m["like_count"])
		if likes != nil && *likes > 0 {
			anyLiked = true
		}
		if creatorID == "" {
			// The API refuses username on hashtag media; take it only if a
			// server states it outright.
			if u := ps.text(at+".username", m["username"], maxField); handleRe.MatchString(u) {
				p.CreatorID = creator.MakeID(creator.Instagram, u)
			}
		}
		p.Hashtags = tags.Hashtags(p.Caption)
		p.Mentions = tags.Mentions(p.Caption)
		rows = append(rows, raw{p, likes})
	}
	// provenHidden: some post shows 0 likes beside comments.
	provenHidden := false
	for _, r := range rows {
		if r.likes != nil && *r.likes == 0 && r.post.Comments != nil && *r.post.Comments > 0 {
			provenHidden = true
		}
	}
	out := make([]creator.Post, 0, len(rows))
	for _, r := range rows {
		p := r.post
		p.Likes = r.likes
		if r.likes != nil && *r.likes == 0 {
			hidden := (p.Comments != nil && *p.Comments > 0) || // comments but no likes
				(withSiblings && anyLiked) || // per-post hiding on a liked account
				(withSiblings && provenHidden) // account-wide hiding: no post shows likes
			if hidden {
				p.Likes = nil // hidden like count: unknown, not zero
			}
		}
		out = append(out, p)
	}
	return out
}

// parseTime reads "2026-11-01T10:00:00+0000" and RFC 3339.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339, "2006-01-02T15:04:05.000-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 2010 || t.Year() > 2200 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func obj0(v any) obj {
	o, _ := v.(obj)
	return o
}

func str(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

func intOf(v any) (int64, bool) {
	switch t := v.(type) {
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case obj:
		return "an object"
	case []any:
		return "an array"
	case nil:
		return "null"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	}
	return fmt.Sprintf("a %T", v)
}

// text reads a string field; a wrong type or a template is an issue.
func (ps *parser) text(what string, v any, max int) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		t = strings.TrimSpace(t)
		if hasTemplate(t) {
			ps.perr.Add("%s: %q is an unrendered template", what, clean(t, 80))
			return ""
		}
		return clean(t, max)
	}
	ps.perr.Add("%s: %s is not a string", what, jsonType(v))
	return ""
}

// idText reads an id the API sends as a string (numbers are accepted).
func (ps *parser) idText(what string, v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return ps.text(what, v, maxField)
}

// count reads a Graph API count: a non-negative integer. Anything else is
// an issue and nil; a missing count is nil.
func (ps *parser) count(what string, v any) *int64 {
	switch t := v.(type) {
	case nil:
		return nil
	case json.Number:
		if n, err := t.Int64(); err == nil {
			if n < 0 {
				ps.perr.Add("%s: %d is negative", what, n)
				return nil
			}
			return &n
		}
		if f, err := t.Float64(); err == nil && f >= 0 && f == math.Trunc(f) && f < 1e15 {
			n := int64(f)
			return &n
		}
		ps.perr.Add("%s: %s is not a count", what, clean(t.String(), 40))
		return nil
	case string:
		if hasTemplate(t) {
			ps.perr.Add("%s: %q is an unrendered template", what, clean(t, 80))
			return nil
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil && n >= 0 {
			return &n
		}
		ps.perr.Add("%s: %q is not a count", what, clean(t, 40))
		return nil
	}
	ps.perr.Add("%s: %s is not a count", what, jsonType(v))
	return nil
}

func hasTemplate(s string) bool {
	return (strings.Contains(s, "{{") && strings.Contains(s, "}}")) || strings.Contains(s, "{%") ||
		(strings.Contains(s, "${") && strings.Contains(s, "}"))
}

// clean makes s valid UTF-8 without NULs, at most max runes.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}
