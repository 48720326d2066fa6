package instagram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// Name is the registered name of this source.
const Name = "instagram"

// DefaultBaseURL is the Graph API root used when Options.BaseURL is empty.
const DefaultBaseURL = "https://graph.facebook.com/v21.0"

// Fields asked for; the parser reads exactly these.
const (
	profileFields = "id,username,name,biography,website,followers_count,follows_count,media_count,profile_picture_url"
	mediaFields   = "id,caption,like_count,comments_count,media_type,media_url,permalink,timestamp"
	tagFields     = "id,caption,media_type,comments_count,like_count,permalink,timestamp"
)

// Limits on what one response may contribute.
const (
	defaultPosts = 20
	maxPosts     = 100
	maxMentions  = 50
	maxText      = 5000
	maxField     = 300
)

var handleRe = regexp.MustCompile(`^[A-Za-z0-9._]{1,30}$`)

// reserved are instagram.com paths that are not profiles.
var reserved = map[string]bool{
	"accounts": true, "direct": true, "explore": true, "p": true, "reel": true,
	"reels": true, "stories": true, "tv": true,
}

func init() {
	source.Register(Name, func(o source.Options) (source.Source, error) { return New(o) })
}

// Source reads Graph API responses and builds Graph API requests.
type Source struct {
	base   *url.URL
	token  string
	userID string
	posts  int
	hosts  map[string]bool
}

var (
	_ source.Source        = (*Source)(nil)
	_ source.HashtagSource = (*Source)(nil)
	_ source.ProfileSource = (*Source)(nil)
)

// New builds the source. Parsing needs no credentials; building requests
// needs o.Token and o.UserID.
func New(o source.Options) (*Source, error) {
	raw := o.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("instagram: base_url %q: want an absolute http(s) URL", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	if o.UserID != "" && !isDigits(o.UserID) {
		return nil, fmt.Errorf("instagram: user_id %q: want the numeric IG user id", o.UserID)
	}
	s := &Source{base: u, token: o.Token, userID: o.UserID, posts: o.PostsPerCreator, hosts: map[string]bool{}}
	if s.posts <= 0 {
		s.posts = defaultPosts
	}
	if s.posts > maxPosts {
		s.posts = maxPosts
	}
	s.hosts[strings.ToLower(u.Host)] = true
	for _, h := range []string{"graph.facebook.com", "graph.instagram.com"} {
		s.hosts[h] = true
	}
	for _, h := range o.Hosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			s.hosts[h] = true
		}
	}
	return s, nil
}

// Name returns "instagram".
func (s *Source) Name() string { return Name }

func (s *Source) configured() bool { return s.token != "" && s.userID != "" }

// ProfileRequests takes "@user", "user", "instagram:user" or an
// instagram.com profile URL. ok is false for anything else, and when no
// token and user id are configured (the API cannot be asked).
func (s *Source) ProfileRequests(handleOrURL string) ([]source.Request, bool) {
	h := strings.TrimSpace(handleOrURL)
	if u, err := url.Parse(h); err == nil && u.Host != "" {
		host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		if host != "instagram.com" {
			return nil, false
		}
		h = strings.Trim(u.Path, "/")
		if reserved[strings.ToLower(h)] {
			return nil, false
		}
	}
	h = strings.TrimPrefix(strings.TrimPrefix(h, "instagram:"), "@")
	if !handleRe.MatchString(h) || !s.configured() {
		return nil, false
	}
	return []source.Request{s.profileRequest(s.base, s.userID, s.token, h, nil)}, true
}

// profileRequest asks business_discovery for username on behalf of userID.
func (s *Source) profileRequest(base *url.URL, userID, token, username string, meta map[string]string) source.Request {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + userID
	q := url.Values{}
	username = strings.ToLower(username) // usernames are case-insensitive
	q.Set("fields", fmt.Sprintf("business_discovery.username(%s){%s,media.limit(%d){%s}}", username, profileFields, s.posts, mediaFields))
	q.Set("access_token", token)
	u.RawQuery = q.Encode()
	m := map[string]string{"username": username}
	for k, v := range meta {
		m[k] = v
	}
	return source.Request{URL: u.String(), Kind: source.KindProfile, Meta: m}
}

// HashtagRequests starts with ig_hashtag_search; its answer (the hashtag
// id) leads to recent_media. Nil when unconfigured.
func (s *Source) HashtagRequests(tag string) []source.Request {
	tag = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(tag), "#"))
	if tag == "" || !s.configured() {
		return nil
	}
	u := *s.base
	u.Path += "/ig_hashtag_search"
	q := url.Values{}
	q.Set("user_id", s.userID)
	q.Set("q", tag)
	q.Set("access_token", s.token)
	u.RawQuery = q.Encode()
	return []source.Request{{URL: u.String(), Kind: source.KindHashtag, Meta: map[string]string{"hashtag": tag}}}
}

// Detect claims Graph API URLs (business_discovery, ig_hashtag_search,
// recent_media, top_media) on the configured hosts and bodies in the Graph
// API's shapes.
func (s *Source) Detect(u *url.URL, body []byte) bool {
	if body != nil {
		b := bytes.TrimSpace(body)
		if len(b) == 0 || b[0] != '{' {
			return false
		}
		if sniff(b) {
			return true
		}
	}
	return s.claimsURL(u)
}

func (s *Source) claimsURL(u *url.URL) bool {
	if u == nil || !s.hosts[strings.ToLower(u.Host)] {
		return false
	}
	p := u.Path
	return strings.HasSuffix(p, "/ig_hashtag_search") || strings.HasSuffix(p, "/recent_media") ||
		strings.HasSuffix(p, "/top_media") || strings.Contains(u.Query().Get("fields"), "business_discovery")
}

// sniff recognises the response shapes by their keys: business_discovery
// (also when the body is cut short after it), a Graph API error, media
// lists, and ig_hashtag_search's list of bare numeric hashtag ids.
func sniff(b []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return firstKey(b) == "business_discovery"
	}
	if _, ok := top["business_discovery"]; ok {
		return true
	}
	if raw, ok := top["error"]; ok {
		var e map[string]json.RawMessage
		if json.Unmarshal(raw, &e) == nil {
			_, trace := e["fbtrace_id"]
			_, typ := e["type"]
			return trace || typ
		}
	}
	if raw, ok := top["data"]; ok {
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil || len(items) == 0 {
			return false
		}
		for _, k := range []string{"permalink", "media_type", "like_count", "comments_count"} {
			if _, ok := items[0][k]; ok {
				return true
			}
		}
		return bareIDs(items)
	}
	return false
}

// bareIDs: every item is {"id": "<digits>"} (with at most a name), as
// ig_hashtag_search answers.
func bareIDs(items []map[string]json.RawMessage) bool {
	for _, it := range items {
		var id string
		if json.Unmarshal(it["id"], &id) != nil || !isDigits(id) {
			return false
		}
		for k := range it {
			if k != "id" && k != "name" {
				return false
			}
		}
	}
	return true
}

// firstKey is the first key of a JSON object, read token by token so a
// body cut short still shows it.
func firstKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	t, err := dec.Token()
	if err != nil {
		return ""
	}
	k, _ := t.(string)
	return k
}

func isDigits(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// redact drops credentials from a URL before it is stored or shown.
func redact(u *url.URL) string { return clean(source.Redact(u), 2000) }
