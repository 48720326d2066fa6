package simnet

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// field is one node of a Graph API field expansion:
// name(.modifier(arg))* ({subfields})?
type field struct {
	name string
	mods map[string]string
	sub  []field
}

// parseFields reads a Graph API fields parameter. It is lenient: what it
// cannot read it skips.
func parseFields(s string) []field {
	fs, _ := parseFieldList(s, 0)
	return fs
}

func parseFieldList(s string, i int) ([]field, int) {
	var out []field
	for i < len(s) {
		switch s[i] {
		case ',', ' ':
			i++
			continue
		case '}':
			return out, i + 1
		}
		f := field{mods: map[string]string{}}
		start := i
		for i < len(s) && s[i] != '.' && s[i] != ',' && s[i] != '{' && s[i] != '}' && s[i] != '(' {
			i++
		}
		f.name = strings.TrimSpace(s[start:i])
		for i < len(s) && s[i] == '.' {
			i++
			ms := i
			for i < len(s) && s[i] != '(' && s[i] != '.' && s[i] != ',' && s[i] != '{' && s[i] != '}' {
				i++
			}
			mod := s[ms:i]
			if i < len(s) && s[i] == '(' {
				end := strings.IndexByte(s[i:], ')')
				if end < 0 {
					end = len(s) - i - 1
				}
				f.mods[mod] = s[i+1 : i+end]
				i += end + 1
			}
		}
		if i < len(s) && s[i] == '(' { // name(arg) without a dot
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				end = len(s) - i - 1
			}
			f.mods[""] = s[i+1 : i+end]
			i += end + 1
		}
		if i < len(s) && s[i] == '{' {
			f.sub, i = parseFieldList(s, i+1)
		}
		if f.name != "" {
			out = append(out, f)
		}
	}
	return out, i
}

func fieldNamed(fs []field, name string) (field, bool) {
	for _, f := range fs {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

func graphTrace(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%016x", hash64(parts...))))[:21]
}

func graphError(status int, e map[string]any, trace string) *resource {
	e["fbtrace_id"] = trace
	b, _ := json.Marshal(map[string]any{"error": e})
	return (&resource{status: status, ctype: ctJSONUpper, body: b, noStore: true, header: [][2]string{
		{"WWW-Authenticate", `OAuth "Facebook Platform" "invalid_request" "` + fmt.Sprint(e["message"]) + `"`},
		{"facebook-api-version", "v21.0"}, {"x-fb-trace-id", trace},
	}}).finish(false)
}

func (n *Network) graphGate(r *http.Request) *resource {
	if r.URL.Path == "/robots.txt" {
		return nil
	}
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok = auth
		}
	}
	trace := graphTrace(r.URL.RequestURI())
	switch {
	case tok == "":
		return graphError(http.StatusBadRequest, map[string]any{"message": "An active access token must be used to query information about the current user.", "type": "OAuthException", "code": 2500}, trace)
	case tok != n.opts.Token:
		return graphError(http.StatusBadRequest, map[string]any{"message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException", "code": 190}, trace)
	}
	return nil
}

var graphVersion = regexp.MustCompile(`^/v\d+\.\d+(/|$)`)

func graphJSON(v any, lastMod time.Time, trace string) *resource {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	body := []byte(strings.TrimSuffix(buf.String(), "\n"))
	return (&resource{status: http.StatusOK, ctype: ctJSONUpper, body: body, lastMod: lastMod, header: [][2]string{
		{"facebook-api-version", "v21.0"}, {"x-fb-trace-id", trace}, {"x-fb-rev", "1018264457"},
		{"x-app-usage", `{"call_count":1,"total_cputime":1,"total_time":1}`}, {"Cache-Control", "private, no-cache, no-store, must-revalidate"},
	}}).finish(false)
}

func unsupportedGet(id, trace string) *resource {
	return graphError(http.StatusBadRequest, map[string]any{
		"message":       fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", id),
		"type":          "GraphMethodException",
		"code":          100,
		"error_subcode": 33,
	}, trace)
}

// igTagID is the Graph id of a hashtag.
func igTagID(tag string) string {
	return digitsFrom("17843", 17, hash64("ig-hashtag", strings.ToLower(tag)))
}

func (n *Network) instagram(h *host, r *http.Request) *resource {
	path := graphVersion.ReplaceAllString(r.URL.Path, "/")
	q := r.URL.Query()
	trace := graphTrace(r.URL.RequestURI())
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(seg) == 1 && seg[0] == "ig_hashtag_search":
		if q.Get("user_id") == "" {
			return graphError(http.StatusBadRequest, map[string]any{"message": "(#100) The parameter user_id is required", "type": "OAuthException", "code": 100}, trace)
		}
		tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q.Get("q")), "#"))
		if tag == "" || strings.ContainsAny(tag, " ,") {
			return graphError(http.StatusBadRequest, map[string]any{"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100, "error_subcode": 2207024, "is_transient": false,
				"error_user_title": "Invalid hashtag", "error_user_msg": "The hashtag is invalid."}, trace)
		}
		return graphJSON(map[string]any{"data": []map[string]string{{"id": igTagID(tag)}}}, n.today, trace)
	case len(seg) == 1 && seg[0] == n.opts.IGUserID:
		return n.igUser(q, trace)
	case len(seg) == 2 && (seg[1] == "recent_media" || seg[1] == "top_media"):
		if q.Get("user_id") == "" {
			return graphError(http.StatusBadRequest, map[string]any{"message": "(#100) The parameter user_id is required", "type": "OAuthException", "code": 100}, trace)
		}
		tag := ""
		for t := range n.tagIdx[Instagram] {
			if igTagID(t) == seg[0] {
				tag = t
			}
		}
		if tag == "" && !strings.HasPrefix(seg[0], "17843") {
			return unsupportedGet(seg[0], trace)
		}
		return n.igHashtagMedia(r, tag, seg[1] == "top_media", q, trace)
	}
	id := "unknown"
	if len(seg) > 0 && seg[0] != "" {
		id = seg[0]
	}
	return unsupportedGet(id, trace)
}

var defaultMediaFields = []field{{name: "id"}, {name: "caption"}, {name: "like_count"}, {name: "comments_count"}, {name: "media_type"}, {name: "permalink"}, {name: "timestamp"}}

func igTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+0000") }

func (n *Network) igMedia(p *post, fs []field) map[string]any {
	if len(fs) == 0 {
		fs = []field{{name: "id"}}
	}
	m := map[string]any{}
	for _, f := range fs {
		switch f.name {
		case "id":
			m["id"] = p.nid
		case "caption":
			m["caption"] = n.plainCaption(p)
		case "like_count":
			if p.likesHidden {
				m["like_count"] = 0
			} else {
				m["like_count"] = p.likes
			}
		case "comments_count":
			m["comments_count"] = p.comments
		case "media_type":
			m["media_type"] = p.kind
		case "media_product_type":
			if p.kind == "VIDEO" {
				m["media_product_type"] = "REELS"
			} else {
				m["media_product_type"] = "FEED"
			}
		case "media_url":
			m["media_url"] = "https://scontent.cdninstagram.com/v/t51.29350-15/" + p.nid + "_n.jpg"
		case "permalink":
			m["permalink"] = n.postURL(p)
		case "timestamp":
			m["timestamp"] = igTime(p.created)
		case "username":
			// Hashtag media never carries its author.
		}
	}
	return m
}

func (n *Network) igUser(q url.Values, trace string) *resource {
	fs := parseFields(q.Get("fields"))
	bd, ok := fieldNamed(fs, "business_discovery")
	if !ok {
		v := map[string]any{"id": n.opts.IGUserID}
		if _, ok := fieldNamed(fs, "username"); ok {
			v["username"] = "simnet.brandlab"
		}
		return graphJSON(v, n.today, trace)
	}
	user := bd.mods["username"]
	a := n.lookup(Instagram, nil, user)
	if a == nil {
		return graphError(http.StatusBadRequest, map[string]any{"message": "Invalid user id", "type": "OAuthException", "code": 110, "error_subcode": 2207013,
			"is_transient": false, "error_user_title": "Cannot find User", "error_user_msg": fmt.Sprintf("The user with username: %s cannot be found.", user)}, trace)
	}
	sub := bd.sub
	if len(sub) == 0 {
		sub = []field{{name: "id"}}
	}
	d := map[string]any{}
	for _, f := range sub {
		switch f.name {
		case "id":
			d["id"] = a.pid
		case "ig_id":
			d["ig_id"], _ = strconv.ParseInt(a.pid[5:], 10, 64)
		case "username":
			d["username"] = a.handle
		case "name":
			d["name"] = a.display
		case "biography":
			d["biography"] = a.bio
		case "website":
			if w := n.website(a); w != nil {
				d["website"] = n.publicURL(w)
			} else if u := n.linkPageURL(a); u != "" {
				d["website"] = u
			}
		case "followers_count":
			d["followers_count"] = int64(a.followers)
		case "follows_count":
			d["follows_count"] = a.following
		case "media_count":
			d["media_count"] = a.olderPosts + int64(len(a.posts))
		case "profile_picture_url":
			d["profile_picture_url"] = "https://scontent.cdninstagram.com/v/t51.2885-19/" + a.pid + "_n.jpg"
		case "media":
			limit := 25
			if l, err := strconv.Atoi(f.mods["limit"]); err == nil && l > 0 {
				limit = min(l, 100)
			}
			start := 0
			if after := f.mods["after"]; after != "" {
				if b, err := base64.RawURLEncoding.DecodeString(after); err == nil {
					start, _ = strconv.Atoi(string(b))
				}
			}
			data := []any{}
			mfs := f.sub
			if len(mfs) == 0 {
				mfs = []field{{name: "id"}}
			}
			for i := start; i < len(a.posts) && len(data) < limit; i++ {
				data = append(data, n.igMedia(a.posts[i], mfs))
			}
			paging := map[string]any{"cursors": map[string]string{
				"before": base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(start))),
				"after":  base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(start + len(data)))),
			}}
			d["media"] = map[string]any{"data": data, "paging": paging}
		}
	}
	last := a.updated
	if len(a.posts) > 0 && a.posts[0].created.After(last) {
		last = a.posts[0].created
	}
	return graphJSON(map[string]any{"business_discovery": d, "id": n.opts.IGUserID}, last, trace)
}

func (n *Network) igHashtagMedia(r *http.Request, tag string, top bool, q url.Values, trace string) *resource {
	ps := append([]*post(nil), n.tagIdx[Instagram][tag]...)
	if top {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].likes+ps[i].comments > ps[j].likes+ps[j].comments })
	}
	limit := 25
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 50)
	}
	start := 0
	if after := q.Get("after"); after != "" {
		if b, err := base64.RawURLEncoding.DecodeString(after); err == nil {
			start, _ = strconv.Atoi(string(b))
		}
	}
	fs := parseFields(q.Get("fields"))
	if len(fs) == 0 {
		fs = []field{{name: "id"}}
	}
	data := []any{}
	for i := start; i < len(ps) && len(data) < limit; i++ {
		data = append(data, n.igMedia(ps[i], fs))
	}
	v := map[string]any{"data": data}
	if len(data) > 0 {
		after := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(start + len(data))))
		paging := map[string]any{"cursors": map[string]string{"after": after}}
		if start+len(data) < len(ps) {
			nq := url.Values{}
			for k, vs := range q {
				nq[k] = vs
			}
			nq.Set("after", after)
			scheme := "http://"
			paging["next"] = scheme + r.Host + r.URL.Path + "?" + nq.Encode()
		}
		v["paging"] = paging
	}
	res := graphJSON(v, n.modified, trace)
	res.noStore = true // the next link carries the caller's token
	return res
}
