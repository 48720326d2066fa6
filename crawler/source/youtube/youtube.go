// Package youtube reads the YouTube Data API v3: channels.list for
// profiles, playlistItems.list for a channel's uploads, videos.list for
// their statistics, and search.list for hashtag discovery. It is a pure
// source: it builds the URLs to fetch and parses the JSON it is handed, and
// never fetches anything itself.
//
// The flow for one creator is channels -> playlistItems (the uploads
// playlist) -> videos (batched ids); a hashtag search yields channel ids,
// which are asked for in batches of up to 50. The API key from
// source.Options.APIKey goes on every URL it builds, and is removed again
// from the source_url kept with every fact.
//
// The API gives counts as strings. A channel that hides its subscriber
// count has unknown followers (nil), and a video without likeCount or
// commentCount (hidden likes, comments off) has those unknown. snippet.tags
// are keywords, not hashtags: hashtags come only from '#' words in the title
// and description. paidProductPlacementDetails.hasPaidProductPlacement sets
// Post.PlatformPaid.
//
// Request Meta used by this source:
//   - "handle" or "channel_id": the channel a profile request is for;
//   - "creator_id", "channel_id", "handle": the creator an uploads or videos
//     page belongs to;
//   - "tag": the hashtag whose search led to the request;
//   - "quota_cost": the API quota the request costs (search 100, others 1),
//     which the crawler charges to the source's quota.
package youtube

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// Name is the registered source name.
const Name = "youtube"

// DefaultBaseURL is Google's API host.
const DefaultBaseURL = "https://www.googleapis.com"

const (
	defaultVideos = 20 // uploads asked for per channel
	maxPerPage    = 50 // the API's maxResults and id-batch limit
	apiPath       = "/youtube/v3/"
	channelParts  = "snippet,statistics,contentDetails,brandingSettings"
	videoParts    = "snippet,statistics,paidProductPlacementDetails"
)

// Meta keys carried on requests.
const (
	metaHandle     = "handle"
	metaChannelID  = "channel_id"
	metaCreatorID  = "creator_id"
	metaTag        = "tag"
	metaQuotaUnits = "quota_cost" // the crawler's MetaQuotaCost
)

func init() { source.Register(Name, New) }

var (
	_ source.HashtagSource = (*Source)(nil)
	_ source.ProfileSource = (*Source)(nil)
	_ source.SearchSource  = (*Source)(nil)
)

// maxQuery bounds a free-text search, in bytes.
const maxQuery = 200

// Source is the YouTube Data API source.
type Source struct {
	base  *url.URL
	hosts map[string]bool
	key   string
	limit int
}

// New builds the source from o. BaseURL defaults to DefaultBaseURL. An
// empty APIKey is allowed (offline parsing needs none); the URLs built then
// carry no key.
func New(o source.Options) (source.Source, error) {
	raw := o.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("youtube: base URL %q is not an absolute http(s) URL", raw)
	}
	s := &Source{base: base, hosts: map[string]bool{}, key: o.APIKey, limit: defaultVideos}
	for _, h := range o.Hosts {
		s.hosts[strings.ToLower(h)] = true
	}
	if o.PostsPerCreator > 0 {
		s.limit = min(o.PostsPerCreator, maxPerPage)
	}
	return s, nil
}

// Name returns "youtube".
func (s *Source) Name() string { return Name }

// QuotaUnits is the YouTube API quota a request URL costs: 100 for
// search.list, 1 for any other Data API call, 0 for anything else.
func QuotaUnits(rawURL string) int {
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasPrefix(u.Path, apiPath) {
		return 0
	}
	if endpoint(u.Path) == "search" {
		return 100
	}
	return 1
}

// endpoint is the Data API resource of a path, e.g. "channels".
func endpoint(path string) string {
	rest, ok := strings.CutPrefix(strings.TrimRight(path, "/"), apiPath)
	if !ok {
		return ""
	}
	return rest
}

// Detect claims pages on a configured host, Data API paths, and, when the
// URL says nothing, JSON whose "kind" (or its first item's) starts with
// "youtube#", or a Google API error from a youtube.* domain.
func (s *Source) Detect(u *url.URL, body []byte) bool {
	if u != nil {
		if s.hosts[strings.ToLower(u.Host)] || strings.HasPrefix(u.Path, apiPath) {
			return true
		}
	}
	if len(body) == 0 {
		return false
	}
	return sniff(body)
}

// HashtagRequests searches videos for "#tag". Each search costs 100 units.
func (s *Source) HashtagRequests(tag string) []source.Request {
	tag = normTag(tag)
	if tag == "" {
		return nil
	}
	q := url.Values{"part": {"snippet"}, "type": {"video"}, "q": {"#" + tag}, "maxResults": {strconv.Itoa(maxPerPage)}}
	return []source.Request{{
		URL:  s.api(nil, "search", q),
		Kind: source.KindHashtag,
		Meta: map[string]string{metaTag: tag, metaQuotaUnits: "100"},
	}}
}

// SearchRequests searches videos for free text, such as a brand's
// "@handle" or name; the channels of the videos found are asked for. Each
// search costs 100 units. A query that is empty, too long or not valid
// UTF-8 asks nothing.
func (s *Source) SearchRequests(query string) []source.Request {
	query = strings.TrimSpace(query)
	if query == "" || len(query) > maxQuery || !utf8.ValidString(query) {
		return nil
	}
	q := url.Values{"part": {"snippet"}, "type": {"video"}, "q": {query}, "maxResults": {strconv.Itoa(maxPerPage)}}
	return []source.Request{{URL: s.api(nil, "search", q), Kind: source.KindSearch, Meta: map[string]string{metaQuotaUnits: "100"}}}
}

// ProfileRequests accepts "@handle" (no dots; dotted ones read as Bluesky
// handles), "youtube:handle", a channel id "UC…", and youtube.com URLs of
// the forms /@handle, /channel/UC… and /user/name.
func (s *Source) ProfileRequests(handleOrURL string) ([]source.Request, bool) {
	in := strings.TrimSpace(handleOrURL)
	q := url.Values{"part": {channelParts}}
	meta := map[string]string{metaQuotaUnits: "1"}
	if rest, ok := strings.CutPrefix(in, Name+":"); ok {
		h := strings.ToLower(strings.TrimPrefix(rest, "@"))
		if !validHandle(h) {
			return nil, false
		}
		q.Set("forHandle", "@"+h)
		meta[metaHandle] = h
	} else if u, err := url.Parse(in); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		host := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."), "m.")
		if host != "youtube.com" {
			return nil, false
		}
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		switch {
		case strings.HasPrefix(parts[0], "@") && validHandle(strings.ToLower(parts[0][1:])):
			h := strings.ToLower(parts[0][1:])
			q.Set("forHandle", "@"+h)
			meta[metaHandle] = h
		case len(parts) >= 2 && parts[0] == "channel" && validChannelID(parts[1]):
			q.Set("id", parts[1])
			meta[metaChannelID] = parts[1]
		case len(parts) >= 2 && parts[0] == "user" && validHandle(strings.ToLower(parts[1])):
			q.Set("forUsername", parts[1])
		default:
			return nil, false
		}
	} else if validChannelID(in) {
		q.Set("id", in)
		meta[metaChannelID] = in
	} else if h, ok := strings.CutPrefix(in, "@"); ok && !strings.Contains(h, ".") && validHandle(strings.ToLower(h)) {
		h = strings.ToLower(h)
		q.Set("forHandle", "@"+h)
		meta[metaHandle] = h
	} else {
		return nil, false
	}
	return []source.Request{{URL: s.api(nil, "channels", q), Kind: source.KindProfile, Meta: meta}}, true
}

// api builds a Data API URL with the key, on the host that served page or
// on the base.
func (s *Source) api(page *url.URL, resource string, q url.Values) string {
	origin := s.base.Scheme + "://" + s.base.Host
	if page != nil && (page.Scheme == "http" || page.Scheme == "https") && page.Host != "" {
		origin = page.Scheme + "://" + page.Host
	}
	if s.key != "" {
		q.Set("key", s.key)
	}
	return origin + apiPath + resource + "?" + q.Encode()
}

// redact drops the API key from a URL kept as provenance or shown in an
// error.
func redact(u *url.URL) string { return source.Redact(u) }

// validHandle reports whether h (lower case, no '@') can be a YouTube
// handle: 3 to 30 letters, digits, '_', '-' or '.'.
func validHandle(h string) bool {
	n := 0
	for _, r := range h {
		n++
		if !(isTagRune(r) || r == '-' || r == '.') {
			return false
		}
	}
	return n >= 3 && n <= 30
}

// validChannelID reports whether id looks like a channel id: "UC" and 22
// URL-safe base64 characters.
func validChannelID(id string) bool {
	return len(id) == 24 && strings.HasPrefix(id, "UC") && validID(id)
}

// validID reports whether id is a non-empty run of URL-safe base64
// characters, as video, channel and playlist ids are.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
