// Package mastodon reads the Mastodon REST API (v1) as Mastodon 4.x serves
// it: account lookups, an account's statuses, hashtag timelines and the
// profile directory. It is a pure source: it builds the URLs to fetch and
// parses the JSON it is handed, and never fetches anything itself.
//
// A Mastodon creator is always "user@host": a local acct ("lena") is
// qualified with the host of the instance that served the page. Accounts
// that opt out of indexing (discoverable false, noindex true, indexable
// false or absent, or #nobot / #noindex in the bio) never become creators
// or post authors; they are listed in Result.OptedOut instead. Search is
// opt-in, as Mastodon 4.2 and later treat it: servers that send no
// indexable (Mastodon before 4.2, GoToSocial, Pleroma, Akkoma) opt none of
// their accounts in.
//
// A count an account hides is unknown (nil), never the number the server
// puts in its place: -1 from Mastodon forks, 0 beside Pleroma's and
// Akkoma's hide_followers_count / hide_follows_count flags.
//
// Request Meta used by this source:
//   - "handle": the user@host a profile request is for;
//   - "creator_id": the creator a statuses page belongs to;
//   - "tag": the hashtag whose timeline led to the request.
package mastodon

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// Name is the registered source name.
const Name = "mastodon"

// DefaultBaseURL is the instance used for hashtag and directory jobs when
// the config names none.
const DefaultBaseURL = "https://mastodon.social"

// maxStatuses is the largest page Mastodon serves for statuses (limit=40).
const maxStatuses = 40

// Meta keys carried on requests.
const (
	metaHandle    = "handle"
	metaCreatorID = "creator_id"
	metaTag       = "tag"
)

func init() { source.Register(Name, New) }

var (
	_ source.HashtagSource = (*Source)(nil)
	_ source.ProfileSource = (*Source)(nil)
)

// Source is the Mastodon REST API source.
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
		return nil, fmt.Errorf("mastodon: base URL %q is not an absolute http(s) URL", raw)
	}
	s := &Source{base: base, hosts: map[string]bool{}, limit: maxStatuses}
	for _, h := range o.Hosts {
		s.hosts[strings.ToLower(h)] = true
	}
	if o.PostsPerCreator > 0 && o.PostsPerCreator < maxStatuses {
		s.limit = o.PostsPerCreator
	}
	return s, nil
}

// Name returns "mastodon".
func (s *Source) Name() string { return Name }

// pageKind is what a Mastodon API page holds.
type pageKind int

const (
	kindUnknown  pageKind = iota
	kindAccount           // accounts/lookup, accounts/:id
	kindStatuses          // accounts/:id/statuses
	kindTimeline          // timelines/tag/:tag, timelines/public
	kindAccounts          // directory
	kindError             // an Error entity
)

// kindOf reads the page kind from an API path.
func kindOf(path string) pageKind {
	path = strings.TrimRight(path, "/")
	switch {
	case path == "/api/v1/accounts/lookup":
		return kindAccount
	case path == "/api/v1/directory":
		return kindAccounts
	case path == "/api/v1/timelines/public", strings.HasPrefix(path, "/api/v1/timelines/tag/"):
		return kindTimeline
	case strings.HasPrefix(path, "/api/v1/accounts/"):
		rest := strings.Split(strings.TrimPrefix(path, "/api/v1/accounts/"), "/")
		switch {
		case len(rest) == 1 && rest[0] != "":
			return kindAccount
		case len(rest) == 2 && rest[0] != "" && rest[1] == "statuses":
			return kindStatuses
		}
	}
	return kindUnknown
}

// Detect claims pages on a configured host, Mastodon API paths, and, when
// the URL says nothing, JSON that looks like an Account, a Status list or
// an Error entity.
func (s *Source) Detect(u *url.URL, body []byte) bool {
	if u != nil {
		if s.hosts[strings.ToLower(u.Host)] || kindOf(u.Path) != kindUnknown {
			return true
		}
	}
	if len(body) == 0 {
		return false
	}
	return sniff(body) != kindUnknown
}

// sniff guesses the page kind from the body: an Account has "acct" and
// "followers_count"; a Status has "content", "account" and "uri".
func sniff(body []byte) pageKind {
	tree, _ := readTree(body)
	return sniffTree(tree)
}

func sniffTree(tree any) pageKind {
	looks := func(v any) pageKind {
		m, _ := v.(map[string]any)
		if m == nil {
			return kindUnknown
		}
		_, acct := m["acct"]
		_, followers := m["followers_count"]
		_, content := m["content"]
		_, account := m["account"]
		_, uri := m["uri"]
		switch {
		case acct && followers:
			return kindAccount
		case content && account && uri:
			return kindStatuses
		}
		return kindUnknown
	}
	switch t := tree.(type) {
	case map[string]any:
		if apiErrorEntity(t) {
			return kindError
		}
		return looks(t)
	case []any:
		if len(t) == 0 {
			return kindUnknown
		}
		switch looks(t[0]) {
		case kindAccount:
			return kindAccounts
		case kindStatuses:
			return kindStatuses
		}
	}
	return kindUnknown
}

// apiErrorEntity reports Mastodon's Error entity: {"error": "..."} with at
// most an "error_description" beside it.
func apiErrorEntity(m map[string]any) bool {
	if e, ok := m["error"].(string); !ok || strings.TrimSpace(e) == "" {
		return false
	}
	for k, v := range m {
		if _, isString := v.(string); k != "error" && (k != "error_description" || !isString) {
			return false
		}
	}
	return true
}

// HashtagRequests returns the tag timeline of the base instance.
func (s *Source) HashtagRequests(tag string) []source.Request {
	tag = normTag(tag)
	if tag == "" {
		return nil
	}
	u := s.origin(s.base.Host, nil) + "/api/v1/timelines/tag/" + url.PathEscape(tag) + "?limit=" + strconv.Itoa(maxStatuses)
	return []source.Request{{URL: u, Kind: source.KindHashtag, Meta: map[string]string{metaTag: tag}}}
}

// DirectoryRequests returns the base instance's profile directory of
// recently active local accounts, for keyword-free discovery.
func (s *Source) DirectoryRequests() []source.Request {
	u := s.origin(s.base.Host, nil) + "/api/v1/directory?local=true&order=active&limit=80"
	return []source.Request{{URL: u, Kind: source.KindSearch}}
}

// nonMastodonHosts serve "/@name" profile URLs that are not Mastodon.
var nonMastodonHosts = []string{
	"bsky.app",
	"medium.com",
	"threads.net",
	"tiktok.com",
	"twitter.com",
	"x.com",
	"youtube.com",
}

// ProfileRequests accepts "user@host", "@user@host", "mastodon:user@host"
// and profile URLs such as https://host/@user, https://host/@user@other and
// https://host/users/user. It returns the account lookup on the home
// instance.
func (s *Source) ProfileRequests(handleOrURL string) ([]source.Request, bool) {
	in := strings.TrimSpace(handleOrURL)
	in = strings.TrimPrefix(in, Name+":")
	var user, host string
	var page *url.URL // a profile URL: derived API URLs keep its scheme
	if u, err := url.Parse(in); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		page = u
		h := strings.ToLower(u.Hostname())
		for _, bad := range nonMastodonHosts {
			if h == bad || strings.HasSuffix(h, "."+bad) {
				return nil, false
			}
		}
		path := strings.TrimRight(u.Path, "/")
		switch {
		case strings.HasPrefix(path, "/@") && !strings.Contains(path[2:], "/"):
			user, host, _ = strings.Cut(path[2:], "@")
			if host == "" {
				host = u.Host
			}
		case strings.HasPrefix(path, "/users/") && !strings.Contains(path[len("/users/"):], "/"):
			user, host = path[len("/users/"):], u.Host
		default:
			return nil, false
		}
	} else {
		var found bool
		user, host, found = strings.Cut(strings.TrimPrefix(in, "@"), "@")
		if !found || !(strings.ContainsAny(host, ".:") || host == "localhost") {
			return nil, false
		}
	}
	user, host = strings.ToLower(user), strings.ToLower(host)
	if !validUser(user) || !validHost(host) {
		return nil, false
	}
	return []source.Request{s.lookupRequest(user, host, page, "")}, true
}

// lookupRequest builds the account lookup for user@host.
func (s *Source) lookupRequest(user, host string, page *url.URL, tag string) source.Request {
	meta := map[string]string{metaHandle: user + "@" + host}
	if tag != "" {
		meta[metaTag] = tag
	}
	return source.Request{
		URL:  s.origin(host, page) + "/api/v1/accounts/lookup?acct=" + url.QueryEscape(user),
		Kind: source.KindProfile,
		Meta: meta,
	}
}

// origin is scheme://host for an instance. The scheme follows the page that
// led there (so a loopback network served over http stays on http), then
// the base URL, then https.
func (s *Source) origin(host string, page *url.URL) string {
	scheme := "https"
	switch {
	case page != nil && (page.Scheme == "http" || page.Scheme == "https"):
		scheme = page.Scheme
	case strings.EqualFold(host, s.base.Host) || s.hosts[strings.ToLower(host)]:
		scheme = s.base.Scheme
	}
	return scheme + "://" + host
}

func validUser(u string) bool {
	if u == "" {
		return false
	}
	for _, r := range u {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

func validHost(h string) bool {
	if h == "" || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") {
		return false
	}
	for _, r := range h {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == ':') {
			return false
		}
	}
	return true
}
