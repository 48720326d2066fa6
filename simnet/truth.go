package simnet

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// Creator is the ground truth about one account simnet serves: what a
// perfect crawler would read. Counts are what the platform reports (YouTube
// subscriber counts rounded to three significant figures); nil means the
// platform does not tell.
type Creator struct {
	ID          string // platform:handle, handle lower case (Mastodon: user@host)
	Platform    string
	Handle      string // as the platform spells it (Mastodon: user@host)
	PlatformID  string // stable across renames
	PersonID    string // the same person's accounts share it ("" for brands)
	Brand       string // the brand's handle when this is a brand's own account
	URL         string // public profile URL, as sources should record it
	FetchURL    string // the simnet URL that serves the profile (no credentials)
	Host        string // address of the host serving FetchURL
	DisplayName string
	Bio         string
	Followers   *int64
	Following   *int64
	PostsCount  *int64
	Verified    bool
	Niches      []string // primary first
	Tier        string   // by true follower count: nano, micro, macro, mega
	// EngagementRate is the median over recent posts of (likes+comments)
	// divided by followers, from the numbers served; nil when followers or
	// likes are hidden.
	EngagementRate *float64
	Location       *Location
	Language       string
	Email          string
	Website        string
	Links          []string // URLs of the same person's other accounts
	// OptedOut is true when the account asks not to be indexed;
	// OptOutSignal names the signal (the OptOut* constants).
	OptedOut     bool
	OptOutSignal string
	// RobotsDisallowed is true when robots.txt disallows the profile page.
	RobotsDisallowed bool
	Gone             bool
	HiddenFollowers  bool
	HiddenLikes      bool
	LastPostAt       *time.Time
	Posts            []Post // newest first

	// ContactPage is the link-in-bio page or personal website the
	// profile links to ("" for none; linkpage.go), and
	// ContactPageDisallowed is true when its host's robots.txt disallows
	// it. ContactEmails and ContactLinks are the addresses and outbound
	// links on it, and on a website's about and contact pages: a polite
	// crawler reads them unless the page is disallowed. An address there
	// may be on no profile.
	ContactPage           string
	ContactPageDisallowed bool
	ContactEmails         []string
	ContactLinks          []string
}

// Location is where a creator says they live. Raw is what the profile says.
type Location struct {
	Raw        string
	City       string
	Region     string
	RegionCode string
	Country    string // ISO 3166-1 alpha-2
	Lat, Lon   float64
}

// Post is the ground truth about one post.
type Post struct {
	ID          string // platform:nativeid
	NativeID    string
	URL         string
	PublishedAt time.Time
	Caption     string
	Likes       *int64 // nil when hidden
	Comments    *int64 // nil when off or hidden
	Views       *int64
	Shares      *int64
	Hashtags    []string // lower case, no '#'
	Mentions    []string // lower case, no '@'; Mastodon: user@host
	// Class is sponsored, gifted, affiliate or organic; Signals are the
	// words, tags or platform flags that decide it.
	Class        string
	Signals      []string
	Brands       []string // brand names the post is about
	PlatformPaid bool     // YouTube hasPaidProductPlacement / TikTok isAd
	// Undisclosed is true when a brand is named with no disclosure.
	Undisclosed bool
	// Trap is a phrase a naive disclosure detector trips on ("#adhd",
	// "not sponsored", "learning to code"); the post is organic.
	Trap string
}

func i64(v int64) *int64 { return &v }

func webPath(a *account) string {
	switch a.host.style {
	case 1:
		return "/" + a.handle + "/"
	case 2:
		return "/u/" + a.handle
	default:
		return "/creators/" + a.handle + "/"
	}
}

// publicURL is the profile URL a source should record.
func (n *Network) publicURL(a *account) string {
	switch a.platform {
	case Mastodon, TikTok:
		return a.host.base() + "/@" + a.handle
	case Bluesky:
		return "https://bsky.app/profile/" + a.handle
	case YouTube:
		return "https://www.youtube.com/@" + a.handle
	case Instagram:
		return "https://www.instagram.com/" + a.handle + "/"
	}
	return a.host.base() + webPath(a)
}

// igFields is the business_discovery field list the FLOWS name.
const igFields = "business_discovery.username(%s){id,username,name,biography,website,followers_count,follows_count,media_count,profile_picture_url,media.limit(20){id,caption,like_count,comments_count,media_type,media_url,permalink,timestamp}}"

func (n *Network) fetchURL(a *account) string {
	b := a.host.base()
	switch a.platform {
	case Mastodon:
		return b + "/api/v1/accounts/lookup?acct=" + url.QueryEscape(a.handle)
	case Bluesky:
		return b + "/xrpc/app.bsky.actor.getProfile?actor=" + url.QueryEscape(a.handle)
	case YouTube:
		return b + "/youtube/v3/channels?part=snippet,statistics,contentDetails,brandingSettings&forHandle=%40" + url.QueryEscape(a.handle)
	case Instagram:
		return b + "/v21.0/" + n.opts.IGUserID + "?fields=" + url.QueryEscape(strings.Replace(igFields, "%s", a.handle, 1))
	}
	return n.publicURL(a)
}

// website is the person's own web page, when they have one.
func (n *Network) website(a *account) *account {
	if a.person == nil {
		return nil
	}
	for _, o := range a.person.accounts {
		if o.platform == Web && o != a && !o.gone {
			return o
		}
	}
	return nil
}

// links are the public URLs of the person's other accounts.
func (n *Network) links(a *account) []string {
	var out []string
	if a.person == nil {
		return nil
	}
	for _, o := range a.person.accounts {
		if o != a && !o.gone {
			out = append(out, n.publicURL(o))
		}
	}
	return out
}

// reportedFollowers is the follower count the platform shows, nil if hidden.
func (a *account) reportedFollowers() *int64 {
	if a.hiddenFollowers {
		return nil
	}
	v := int64(a.followers)
	if a.platform == YouTube {
		v = sig3(v)
	}
	return &v
}

func (n *Network) truth(a *account) Creator {
	c := Creator{
		Platform:         a.platform,
		Handle:           a.handle,
		PlatformID:       a.pid,
		URL:              n.publicURL(a),
		FetchURL:         n.fetchURL(a),
		Host:             a.host.addr,
		DisplayName:      a.display,
		Bio:              a.bio,
		Followers:        a.reportedFollowers(),
		Following:        i64(a.following),
		PostsCount:       i64(a.olderPosts + int64(len(a.posts))),
		Verified:         a.verified,
		Tier:             tierOf(a.followers),
		OptedOut:         a.optOut != "",
		OptOutSignal:     a.optOut,
		RobotsDisallowed: a.robots,
		Gone:             a.gone,
		HiddenFollowers:  a.hiddenFollowers,
		HiddenLikes:      a.hiddenLikes,
		Email:            a.email,
		Language:         "en",
	}
	if a.platform == Mastodon {
		c.Handle = a.handle + "@" + a.host.addr
	}
	c.ID = a.platform + ":" + strings.ToLower(c.Handle)
	if a.brand != nil {
		c.Brand = a.brand.Handle
		c.Niches = append([]string(nil), a.brand.Niches...)
	}
	if p := a.person; p != nil {
		c.PersonID = p.id
		c.Language = p.lang
		for _, ni := range p.niches {
			c.Niches = append(c.Niches, niches[ni].Name)
		}
		if w := n.website(a); w != nil {
			c.Website = n.publicURL(w)
		}
		n.contactTruth(a, &c)
		c.Links = n.links(a)
		if p.city != nil || p.countryOnly != "" {
			loc := &Location{Raw: a.locRaw}
			if p.city != nil {
				loc.City, loc.Region, loc.RegionCode, loc.Country = p.city.Name, p.city.Region, p.city.RegionCode, p.city.Country
				loc.Lat, loc.Lon = p.city.Lat, p.city.Lon
			} else {
				loc.Country = p.countryOnly
			}
			c.Location = loc
		}
	}
	var ers []float64
	for _, p := range a.posts {
		tp := n.postTruth(p)
		c.Posts = append(c.Posts, tp)
		if c.Followers != nil && *c.Followers > 0 && tp.Likes != nil {
			cm := int64(0)
			if tp.Comments != nil {
				cm = *tp.Comments
			}
			ers = append(ers, float64(*tp.Likes+cm)/float64(*c.Followers))
		}
	}
	if len(a.posts) > 0 {
		t := a.posts[0].created
		c.LastPostAt = &t
	}
	if len(ers) > 0 && len(ers)*2 >= len(a.posts) {
		m := median(ers)
		c.EngagementRate = &m
	}
	return c
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (n *Network) postURL(p *post) string {
	a := p.acct
	switch a.platform {
	case Mastodon:
		return a.host.base() + "/@" + a.handle + "/" + p.nid
	case Bluesky:
		return "https://bsky.app/profile/" + a.handle + "/post/" + p.nid
	case YouTube:
		return "https://www.youtube.com/watch?v=" + p.nid
	case Instagram:
		return "https://www.instagram.com/p/" + p.nid2 + "/"
	case TikTok:
		return a.host.base() + "/@" + a.handle + "/video/" + p.nid
	}
	return a.host.base() + webPath(a) + "#post-" + p.nid
}

func (n *Network) postTruth(p *post) Post {
	t := Post{
		ID:           p.acct.platform + ":" + p.nid,
		NativeID:     p.nid,
		URL:          n.postURL(p),
		PublishedAt:  p.created,
		Caption:      n.plainCaption(p),
		Hashtags:     p.tags(),
		Class:        p.class,
		Signals:      append([]string(nil), p.signals...),
		PlatformPaid: p.paid,
		Undisclosed:  p.undisclosed,
		Trap:         p.trap,
	}
	if p.acct.platform == YouTube {
		t.Caption = p.title + "\n\n" + t.Caption
	}
	if !p.likesHidden {
		t.Likes = i64(p.likes)
	}
	if !p.commentsOff {
		t.Comments = i64(p.comments)
	}
	if p.hasViews {
		t.Views = i64(p.views)
	}
	if p.hasShares {
		t.Shares = i64(p.shares)
	}
	seen := map[string]bool{}
	for _, s := range p.segs {
		if s.kind == '@' {
			m := n.mentionID(s)
			if !seen[m] {
				seen[m] = true
				t.Mentions = append(t.Mentions, m)
			}
		}
	}
	for _, b := range p.brands {
		t.Brands = append(t.Brands, b.Name)
	}
	return t
}

// Creators returns the ground truth for every account simnet serves
// (brand accounts included, with Brand set), gone ones included, in a fixed
// order. Call it after Start for the real addresses.
func (n *Network) Creators() []Creator {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]Creator, 0, len(n.accounts))
	for _, a := range n.accounts {
		out = append(out, n.truth(a))
	}
	return out
}

// Creator returns the ground truth for one id ("platform:handle"), or false.
func (n *Network) Creator(id string) (Creator, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	a := n.findID(id)
	if a == nil {
		return Creator{}, false
	}
	return n.truth(a), true
}

// findID resolves "platform:handle" (Mastodon: "mastodon:user@host"), with
// or without a leading '@'. Callers hold mu.
func (n *Network) findID(id string) *account {
	plat, handle, ok := strings.Cut(id, ":")
	if !ok {
		return nil
	}
	handle = strings.ToLower(strings.TrimPrefix(handle, "@"))
	for _, a := range n.byPlatform[plat] {
		h := strings.ToLower(a.handle)
		if plat == Mastodon {
			h += "@" + strings.ToLower(a.host.addr)
		}
		if h == handle {
			return a
		}
	}
	return nil
}

// TagCount is a hashtag and how many creator posts carry it.
type TagCount struct {
	Tag   string
	Posts int
}

// Hashtags lists the hashtags of live creators' posts, most used first
// (ties by name).
func (n *Network) Hashtags() []string {
	var out []string
	for _, t := range n.HashtagCounts() {
		out = append(out, t.Tag)
	}
	return out
}

// HashtagCounts is Hashtags with the counts.
func (n *Network) HashtagCounts() []TagCount {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]TagCount, 0, len(n.tagCount))
	for t, c := range n.tagCount {
		out = append(out, TagCount{t, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Posts != out[j].Posts {
			return out[i].Posts > out[j].Posts
		}
		return out[i].Tag < out[j].Tag
	})
	return out
}

// Seed is a starting point for a crawl: a handle or a URL a profile job accepts.
type Seed struct {
	Platform string
	Handle   string // in the form the platform's profile job takes (Mastodon user@host, YouTube @handle)
	URL      string // public profile URL
}

// Seeds picks up to perPlatform creators per platform, spread evenly over
// the population (opted-out and robots-blocked ones included, as a real
// seed list would have them).
func (n *Network) Seeds(perPlatform int) []Seed {
	n.mu.RLock()
	defer n.mu.RUnlock()
	var out []Seed
	for _, plat := range Platforms {
		var as []*account
		for _, a := range n.byPlatform[plat] {
			if !a.isBrand() && !a.gone {
				as = append(as, a)
			}
		}
		if len(as) == 0 || perPlatform <= 0 {
			continue
		}
		step := float64(len(as)) / float64(min(perPlatform, len(as)))
		for i := 0; i < min(perPlatform, len(as)); i++ {
			a := as[int(float64(i)*step)]
			s := Seed{Platform: plat, Handle: a.handle, URL: n.publicURL(a)}
			switch plat {
			case Mastodon:
				s.Handle = a.handle + "@" + a.host.addr
			case YouTube:
				s.Handle = "@" + a.handle
			case Web, TikTok:
				s.Handle = s.URL
			}
			out = append(out, s)
		}
	}
	return out
}

// Niches returns the niche taxonomy the generator uses.
func Niches() []Niche {
	out := make([]Niche, len(niches))
	copy(out, niches)
	return out
}

// Brands returns the advertisers captions name.
func Brands() []Brand {
	out := make([]Brand, len(brands))
	copy(out, brands)
	return out
}

// Cities returns the gazetteer creators live in.
func Cities() []City {
	out := make([]City, len(cities))
	copy(out, cities)
	return out
}

// Today is the simulated date the data is as of.
func (n *Network) Today() time.Time {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.today
}
