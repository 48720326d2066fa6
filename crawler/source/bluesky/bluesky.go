// Package bluesky reads the Bluesky public AppView XRPC API: profiles
// (app.bsky.actor.getProfile, profileViewDetailed), author feeds
// (app.bsky.feed.getAuthorFeed) and post search (app.bsky.feed.searchPosts)
// for hashtag discovery. It is a pure source: it builds the URLs to fetch
// and parses the JSON it is handed, and never fetches anything itself.
//
// A creator's handle is the Bluesky handle (lower case) and its platform
// id the DID. Reposts are not the author's posts and are left out.
// Hashtags and mentions come from the post's rich-text facets, whose
// offsets count UTF-8 bytes of the text, and from record.tags. Accounts
// labelled "!no-unauthenticated" (the author asked logged-out viewers not
// to see them) are never creators or post authors; they are listed in
// Result.OptedOut.
//
// Request Meta used by this source:
//   - "handle": the handle a profile request is for;
//   - "creator_id": the creator an author feed belongs to;
//   - "tag": the hashtag whose search led to the request.
package bluesky

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// Name is the registered source name.
const Name = "bluesky"

// DefaultBaseURL is the public AppView.
const DefaultBaseURL = "https://public.api.bsky.app"

// Page sizes: getAuthorFeed allows up to 100, searchPosts up to 100.
const (
	defaultFeedLimit = 30
	maxFeedLimit     = 100
	searchLimit      = 25
)

// Meta keys carried on requests.
const (
	metaHandle    = "handle"
	metaCreatorID = "creator_id"
	metaTag       = "tag"
)

// labelNoUnauthenticated is the self-label by which an account asks not to
// be shown to logged-out viewers.
const labelNoUnauthenticated = "!no-unauthenticated"

func init() { source.Register(Name, New) }

var (
	_ source.HashtagSource = (*Source)(nil)
	_ source.ProfileSource = (*Source)(nil)
	_ source.SearchSource  = (*Source)(nil)
)

// maxQuery bounds a free-text search, in bytes.
const maxQuery = 200

// Source is the Bluesky AppView source.
type Source struct {
	base  *url.URL
	hosts map[string]bool
	limit int
}

// New builds the source from o. BaseURL defaults to DefaultBaseURL.
func New(o source.Options) (source.Source, error) {
	raw := o.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("bluesky: base URL %q is not an absolute http(s) URL", raw)
	}
	s := &Source{base: base, hosts: map[string]bool{}, limit: defaultFeedLimit}
	for _, h := range o.Hosts {
		s.hosts[strings.ToLower(h)] = true
	}
	if o.PostsPerCreator > 0 {
		s.limit = min(o.PostsPerCreator, maxFeedLimit)
	}
	return s, nil
}

// Name returns "bluesky".
func (s *Source) Name() string { return Name }

// pageKind is what an XRPC response holds.
type pageKind int

const (
	kindUnknown  pageKind = iota
	kindProfile           // getProfile: one profileViewDetailed
	kindProfiles          // getProfiles: {profiles: [...]}
	kindFeed              // getAuthorFeed: {feed: [feedViewPost]}
	kindPosts             // searchPosts, getPosts: {posts: [postView]}
	kindError             // an XRPC error body
)

// kindOf reads the page kind from an XRPC path.
func kindOf(path string) pageKind {
	switch strings.TrimRight(path, "/") {
	case "/xrpc/app.bsky.actor.getProfile":
		return kindProfile
	case "/xrpc/app.bsky.actor.getProfiles":
		return kindProfiles
	case "/xrpc/app.bsky.feed.getAuthorFeed":
		return kindFeed
	case "/xrpc/app.bsky.feed.searchPosts", "/xrpc/app.bsky.feed.getPosts":
		return kindPosts
	}
	return kindUnknown
}

// Detect claims pages on a configured host, app.bsky XRPC paths, and, when
// the URL says nothing, JSON with "did" and "handle", a feed of posts with
// at:// URIs, or an XRPC error body.
func (s *Source) Detect(u *url.URL, body []byte) bool {
	if u != nil {
		if s.hosts[strings.ToLower(u.Host)] || strings.HasPrefix(u.Path, "/xrpc/app.bsky.") {
			return true
		}
	}
	if len(body) == 0 {
		return false
	}
	return sniff(body) != kindUnknown
}

// HashtagRequests searches posts for "#tag".
func (s *Source) HashtagRequests(tag string) []source.Request {
	tag = normTag(tag)
	if tag == "" {
		return nil
	}
	q := url.Values{"q": {"#" + tag}, "limit": {strconv.Itoa(searchLimit)}}
	return []source.Request{{
		URL:  s.xrpc(nil, "app.bsky.feed.searchPosts", q),
		Kind: source.KindHashtag,
		Meta: map[string]string{metaTag: tag},
	}}
}

// SearchRequests searches posts for free text, such as a brand's
// "@handle" or name; the authors of the posts found are asked for by
// profile. A query that is empty, too long or not valid UTF-8 asks nothing.
func (s *Source) SearchRequests(query string) []source.Request {
	query = strings.TrimSpace(query)
	if query == "" || len(query) > maxQuery || !utf8.ValidString(query) {
		return nil
	}
	q := url.Values{"q": {query}, "limit": {strconv.Itoa(searchLimit)}}
	return []source.Request{{URL: s.xrpc(nil, "app.bsky.feed.searchPosts", q), Kind: source.KindSearch}}
}

// ProfileRequests accepts a handle ("alice.bsky.social", "@alice.bsky.social"),
// a DID, "bluesky:alice.bsky.social", or a bsky.app profile or post URL.
func (s *Source) ProfileRequests(handleOrURL string) ([]source.Request, bool) {
	in := strings.TrimSpace(handleOrURL)
	in = strings.TrimPrefix(in, Name+":")
	actor := ""
	if u, err := url.Parse(in); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		h := strings.ToLower(u.Hostname())
		if h != "bsky.app" && h != "www.bsky.app" {
			return nil, false
		}
		rest, ok := strings.CutPrefix(u.Path, "/profile/")
		if !ok {
			return nil, false
		}
		actor, _, _ = strings.Cut(rest, "/")
	} else {
		actor = strings.TrimPrefix(in, "@")
	}
	actor = strings.ToLower(actor)
	if !validHandle(actor) && !validDID(actor) {
		return nil, false
	}
	return []source.Request{s.profileRequest(nil, actor, "")}, true
}

// profileRequest asks for the profile of actor (a handle or a DID).
func (s *Source) profileRequest(page *url.URL, actor, tag string) source.Request {
	meta := map[string]string{metaHandle: actor}
	if tag != "" {
		meta[metaTag] = tag
	}
	return source.Request{
		URL:  s.xrpc(page, "app.bsky.actor.getProfile", url.Values{"actor": {actor}}),
		Kind: source.KindProfile,
		Meta: meta,
	}
}

// xrpc builds an XRPC URL on the AppView that served page, or on the base.
func (s *Source) xrpc(page *url.URL, method string, q url.Values) string {
	origin := s.base.Scheme + "://" + s.base.Host
	if page != nil && (page.Scheme == "http" || page.Scheme == "https") && page.Host != "" {
		origin = page.Scheme + "://" + page.Host
	}
	return origin + "/xrpc/" + method + "?" + q.Encode()
}

// validHandle reports whether h looks like a Bluesky handle: a lower-case
// domain name with at least two labels.
func validHandle(h string) bool {
	if h == "" || len(h) > 253 || h == "handle.invalid" || !strings.Contains(h, ".") {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validDID reports whether d looks like a did:plc or did:web identifier.
func validDID(d string) bool {
	rest, ok := strings.CutPrefix(d, "did:")
	if !ok {
		return false
	}
	method, id, ok := strings.Cut(rest, ":")
	if !ok || id == "" || (method != "plc" && method != "web") || len(d) > 2048 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:%-", c) >= 0) {
			return false
		}
	}
	return true
}
