package simnet

import (
	"cmp"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Platform names, as the creator ids of the product spell them.
const (
	Mastodon  = "mastodon"
	Bluesky   = "bluesky"
	YouTube   = "youtube"
	Instagram = "instagram"
	TikTok    = "tiktok"
	Web       = "web"
)

// Platforms lists the platforms simnet generates, sorted.
var Platforms = []string{Bluesky, Instagram, Mastodon, TikTok, Web, YouTube}

// Host kinds: the keys of Server.BaseURLs. Web pages are served by "html" hosts.
const (
	KindMastodon  = "mastodon"
	KindBluesky   = "bluesky"
	KindYouTube   = "youtube"
	KindInstagram = "instagram"
	KindHTML      = "html"
	KindTikTok    = "tiktok"
)

// Opt-out signals a creator can carry (Creator.OptOutSignal).
const (
	OptOutUndiscoverable    = "mastodon:discoverable=false"
	OptOutNoindex           = "mastodon:noindex=true"
	OptOutNotIndexable      = "mastodon:indexable=false"
	OptOutIndexableAbsent   = "mastodon:indexable-absent"
	OptOutNoUnauthenticated = "bluesky:!no-unauthenticated"
	OptOutMetaNoindex       = "html:meta-robots-noindex"
)

// Options configure a Network. Every zero field takes its default.
type Options struct {
	// Seed makes the network; the same seed gives the same network, byte
	// for byte.
	Seed int64
	// Creators is the number of creator accounts (brand accounts come on
	// top). Default 2000.
	Creators int
	// Platforms weighs the share of creator accounts per platform, keyed by
	// the platform constants. Nil means the default mix; a platform absent
	// from a non-nil map gets no creators and no host.
	Platforms map[string]float64
	// MastodonInstances is the number of Mastodon hosts. Default 4.
	MastodonInstances int
	// WebHosts is the number of hosts serving HTML profile pages. Default 3.
	WebHosts int
	// PadHTML pads web and TikTok profile pages to about this many bytes
	// with inline style and script, as real pages are (0: no padding).
	PadHTML int
	// Today is the simulated date the data is "as of" (truncated to UTC
	// midnight). Default 2026-11-01, so output does not depend on the day
	// a test runs.
	Today time.Time
	// Clock stamps the request log. Default time.Now.
	Clock func() time.Time
	// APIKey is the YouTube key callers must send. Default "simnet-key".
	APIKey string
	// Token is the Instagram Graph access token. Default "simnet-token".
	Token string
	// IGUserID is the Instagram business account id the Graph API calls
	// go through. Default "17841400000000001".
	IGUserID string
	// YouTubeQuota is the daily quota in units (search 100, others 1);
	// 0 means unlimited. AdvanceDay resets it.
	YouTubeQuota int
	// Prerender renders every profile and tag page at Start, so a benchmark
	// does not time the server's first render.
	Prerender bool
}

// DefaultMix is the default share of creator accounts per platform.
var DefaultMix = map[string]float64{
	Mastodon: 0.18, Bluesky: 0.14, YouTube: 0.15, Instagram: 0.22, TikTok: 0.12, Web: 0.19,
}

// DefaultToday is the default simulated date.
var DefaultToday = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Hit is one request a host received.
type Hit struct {
	At        time.Time // from Options.Clock
	Method    string
	URL       string // path and query
	Status    int
	UserAgent string
}

// host is one listener.
type host struct {
	idx    int
	kind   string
	name   string
	addr   string
	style  int    // web page style
	locale string // web page number locale

	blocked *account // web: the profile robots.txt disallows

	mu       sync.Mutex
	hits     []Hit
	down     bool
	refusing bool
	ln       net.Listener
	srv      *http.Server
}

func (h *host) base() string { return "http://" + h.addr }

type person struct {
	id          string
	first       string
	last        string
	niches      []int
	city        *City
	city2       *City
	countryOnly string
	locStyle    int
	lang        string
	slug        string
	pronouns    string
	accounts    []*account
	link        *linkPage // link-in-bio page or website (linkpage.go); nil for most
}

// seg is one piece of a caption: text, a hashtag or a mention.
type seg struct {
	kind  byte // 't' text, '#' tag, '@' mention
	text  string
	acct  *account // mention of an account simnet serves
	brand *Brand   // mention of a brand on a platform without brand accounts
}

type post struct {
	acct        *account
	nid         string // native id
	nid2        string // bluesky cid, instagram shortcode, tiktok video cover
	created     time.Time
	segs        []seg
	title       string // YouTube video title
	outline     []string
	kind        string // IMAGE, VIDEO, CAROUSEL_ALBUM, ...
	class       string
	signals     []string
	brands      []*Brand
	undisclosed bool
	trap        string
	paid        bool

	likes, comments, views, shares int64
	likesHidden, commentsOff       bool
	hasViews, hasShares            bool

	tagList []string
}

type account struct {
	idx      int
	platform string
	host     *host
	person   *person
	brand    *Brand

	handle     string // mastodon: username; bluesky: full handle; others: handle
	oldHandles []string
	pid        string
	pid2       string // YouTube uploads playlist, TikTok secUid
	display    string
	bio        string
	locRaw     string
	locInBio   bool
	pronouns   string

	followers  float64
	following  int64
	olderPosts int64
	erBase     float64
	growth     float64
	cadence    float64

	hiddenFollowers bool
	hiddenLikes     bool
	verified        bool
	commentsOffRate float64
	emoji           bool

	created time.Time
	updated time.Time

	optOut  string
	gone    bool
	robots  bool
	website string
	email   string

	posts []*post // newest first
}

func (a *account) isBrand() bool { return a.brand != nil }

// Network is a generated population and, once started, its servers.
type Network struct {
	opts Options
	err  error

	mu         sync.RWMutex
	hosts      []*host
	accounts   []*account
	byPlatform map[string][]*account
	byKey      map[string]*account
	persons    []*person
	brandAcct  map[string]map[string]*account // platform -> brand handle -> account
	today      time.Time
	day        int
	modified   time.Time
	tagIdx     map[string]map[string][]*post // platform -> tag -> posts, newest first
	webTags    map[*host]map[string][]*account
	tagCount   map[string]int
	quotaUsed  int

	linkSlugs map[*host]map[string]*person  // link host -> page slug -> person (linkpage.go)
	mViewer   map[*host]map[string]*account // Mastodon id as an instance shows it
	postByNID map[string]*post              // YouTube video id
	playlists map[string]*account           // YouTube uploads playlist id

	cacheMu sync.Mutex
	cache   map[string]*resource
	gen     uint64

	startMu sync.Mutex
	server  *Server
}

// key of an account in byKey: platform, host (Mastodon only), lower handle.
func acctKey(platform string, h *host, handle string) string {
	if platform == Mastodon {
		return fmt.Sprintf("%s/%d/%s", platform, h.idx, strings.ToLower(handle))
	}
	return platform + "/" + strings.ToLower(handle)
}

func pidKey(platform, pid string) string { return platform + "#" + pid }

// reindex rebuilds the lookup maps and the hashtag indexes. Callers hold mu.
func (n *Network) reindex() {
	n.byKey = map[string]*account{}
	n.byPlatform = map[string][]*account{}
	n.tagIdx = map[string]map[string][]*post{}
	n.webTags = map[*host]map[string][]*account{}
	n.tagCount = map[string]int{}
	n.mViewer = map[*host]map[string]*account{}
	n.postByNID = map[string]*post{}
	n.playlists = map[string]*account{}
	all := make([]*post, 0, 16*len(n.accounts))
	for _, a := range n.accounts {
		n.byPlatform[a.platform] = append(n.byPlatform[a.platform], a)
		n.byKey[pidKey(a.platform, a.pid)] = a
		if a.gone {
			continue
		}
		n.byKey[acctKey(a.platform, a.host, a.handle)] = a
		if a.platform == Mastodon {
			for _, h := range n.hosts {
				if h.kind == KindMastodon && knows(h, a) {
					if n.mViewer[h] == nil {
						n.mViewer[h] = map[string]*account{}
					}
					n.mViewer[h][viewerID(h, a)] = a
				}
			}
		}
		if a.platform == YouTube {
			n.playlists[a.pid2] = a
		}
		if a.platform == Web && n.webTags[a.host] == nil {
			n.webTags[a.host] = map[string][]*account{}
		}
		for _, p := range a.posts {
			if a.platform == YouTube {
				n.postByNID[p.nid] = p
			}
			all = append(all, p)
		}
	}
	type keyed struct {
		t int64
		p *post
	}
	ks := make([]keyed, len(all))
	for i, p := range all {
		ks[i] = keyed{p.created.UnixNano(), p}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.t != b.t {
			return cmp.Compare(b.t, a.t)
		}
		return strings.Compare(b.p.nid, a.p.nid)
	})
	for i := range ks {
		all[i] = ks[i].p
	}
	webSeen := map[*account]map[string]bool{}
	for _, p := range all {
		a := p.acct
		m := n.tagIdx[a.platform]
		if m == nil {
			m = map[string][]*post{}
			n.tagIdx[a.platform] = m
		}
		for _, t := range p.tags() {
			m[t] = append(m[t], p)
			if !a.isBrand() {
				n.tagCount[t]++
			}
			if a.platform == Web {
				if webSeen[a] == nil {
					webSeen[a] = map[string]bool{}
				}
				if !webSeen[a][t] {
					webSeen[a][t] = true
					n.webTags[a.host][t] = append(n.webTags[a.host][t], a)
				}
			}
		}
	}
	for _, m := range n.webTags {
		for _, as := range m {
			sort.SliceStable(as, func(i, j int) bool { return as[i].followers > as[j].followers })
		}
	}
}

// tags of a post: its caption hashtags then outline tags, lower case,
// unique. Captions never change after a post is made, so it is computed once.
func (p *post) tags() []string {
	if p.tagList != nil {
		return p.tagList
	}
	out := make([]string, 0, 8)
	add := func(t string) {
		t = strings.ToLower(t)
		for _, o := range out {
			if o == t {
				return
			}
		}
		out = append(out, t)
	}
	for _, s := range p.segs {
		if s.kind == '#' {
			add(s.text)
		}
	}
	for _, t := range p.outline {
		add(t)
	}
	p.tagList = out
	return out
}

// lookup finds a live account by handle on a platform (and host for Mastodon).
func (n *Network) lookup(platform string, h *host, handle string) *account {
	return n.byKey[acctKey(platform, h, handle)]
}

func (n *Network) byPID(platform, pid string) *account {
	return n.byKey[pidKey(platform, pid)]
}

// hostByName accepts a logical name ("web-2"), an address or a base URL.
func (n *Network) hostByName(s string) *host {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "http://"), "https://")
	s = strings.TrimSuffix(s, "/")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	for _, h := range n.hosts {
		if h.name == s || h.addr == s {
			return h
		}
	}
	return nil
}

func (n *Network) hostsOf(kind string) []*host {
	var out []*host
	for _, h := range n.hosts {
		if h.kind == kind {
			out = append(out, h)
		}
	}
	return out
}
