package creator

import (
	"strings"
	"time"
)

// Platforms a creator can live on. "web" is a personal site or any HTML
// profile page that is not one of the named networks.
const (
	Mastodon  = "mastodon"
	Bluesky   = "bluesky"
	YouTube   = "youtube"
	Instagram = "instagram"
	TikTok    = "tiktok"
	Web       = "web"
)

// Platforms lists every platform value, sorted.
var Platforms = []string{Bluesky, Instagram, Mastodon, TikTok, Web, YouTube}

// Tiers by follower count (thresholds configurable, see TierThresholds).
const (
	Nano  = "nano"
	Micro = "micro"
	Macro = "macro"
	Mega  = "mega"
)

// Tiers lists the tier values from smallest to largest.
var Tiers = []string{Nano, Micro, Macro, Mega}

// Disclosure classes of a post, in increasing precedence:
// sponsored > affiliate > gifted > organic.
const (
	Organic   = "organic"
	Gifted    = "gifted"
	Affiliate = "affiliate"
	Sponsored = "sponsored"
)

// Classes lists the disclosure classes.
var Classes = []string{Sponsored, Affiliate, Gifted, Organic}

// Creator is one account on one platform, with the facts crawled from it and
// the figures computed from its recent posts. Pointer numbers are nil when
// unknown; they are never 0 for "unknown".
type Creator struct {
	ID          string    `json:"id"` // platform:handle, see MakeID
	Platform    string    `json:"platform"`
	Handle      string    `json:"handle"`
	PlatformID  string    `json:"platform_id"`
	URL         string    `json:"url"`
	DisplayName string    `json:"display_name"`
	Bio         string    `json:"bio"`
	Followers   *int64    `json:"followers"`
	Following   *int64    `json:"following"`
	PostsCount  *int64    `json:"posts_count"`
	Verified    bool      `json:"verified"`
	Location    *Location `json:"location"`
	Language    string    `json:"language"`
	Email       string    `json:"email"`
	Website     string    `json:"website"`
	Links       []string  `json:"links"`

	// Computed by analysis.
	Niches         []string   `json:"niches"`
	Tier           string     `json:"tier"`
	EngagementRate *float64   `json:"engagement_rate"`
	AvgLikes       *float64   `json:"avg_likes"`
	AvgComments    *float64   `json:"avg_comments"`
	AvgViews       *float64   `json:"avg_views"`
	LastPostAt     *time.Time `json:"last_post_at"`

	// Provenance: where and when the facts were read.
	FetchedAt time.Time `json:"fetched_at"`
	SourceURL string    `json:"source_url"`

	// Analysis carries the evidence behind each computed figure. It is nil
	// until Analyze has run.
	Analysis *Analysis `json:"analysis,omitempty"`
}

// Location is where a creator says they are, normalised through the
// gazetteer where possible. Raw is what the profile said.
type Location struct {
	Raw     string   `json:"raw"`
	City    string   `json:"city"`
	Region  string   `json:"region"`
	Country string   `json:"country"` // ISO 3166-1 alpha-2, upper case
	Lat     *float64 `json:"lat"`
	Lon     *float64 `json:"lon"`
	// Confidence in the resolution, 0..1; nil when nothing was resolved.
	Confidence *float64 `json:"confidence,omitempty"`
}

// Post is one recent post, video or status of a creator.
type Post struct {
	ID          string     `json:"id"` // platform:native id
	CreatorID   string     `json:"creator_id,omitempty"`
	URL         string     `json:"url"`
	PublishedAt *time.Time `json:"published_at"`
	Caption     string     `json:"caption"`
	Likes       *int64     `json:"likes"`
	Comments    *int64     `json:"comments"`
	Views       *int64     `json:"views"`
	Shares      *int64     `json:"shares"`
	Hashtags    []string   `json:"hashtags"` // lower case, no '#'
	Mentions    []string   `json:"mentions"` // lower case, no '@'
	// PlatformPaid is the platform's own paid-partnership flag (YouTube's
	// hasPaidProductPlacement, Instagram's branded content), when it says so.
	PlatformPaid bool       `json:"platform_paid,omitempty"`
	Disclosure   Disclosure `json:"disclosure"`
	Brands       []Brand    `json:"brands"`
	Undisclosed  *Flag      `json:"undisclosed,omitempty"`

	FetchedAt time.Time `json:"fetched_at"`
	SourceURL string    `json:"source_url"`
}

// Disclosure is a post's class with the signals (matched words, tags or
// platform flags) that decided it.
type Disclosure struct {
	Class   string   `json:"class"`
	Signals []string `json:"signals"`
}

// Brand is a brand a post names, with the class the post gives it.
type Brand struct {
	Name  string `json:"name"`
	Class string `json:"class"`
}

// Flag is a warning with its evidence, such as an undisclosed sponsorship.
type Flag struct {
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence"`
}

// Snapshot is one day's metrics for a creator: the history that growth and
// authenticity read.
type Snapshot struct {
	CreatorID      string    `json:"creator_id"`
	Day            time.Time `json:"day"` // UTC midnight
	Followers      *int64    `json:"followers"`
	Following      *int64    `json:"following"`
	PostsCount     *int64    `json:"posts_count"`
	EngagementRate *float64  `json:"engagement_rate"`
	AvgLikes       *float64  `json:"avg_likes"`
	AvgViews       *float64  `json:"avg_views"`
}

// MakeID returns the stable id "platform:handle" with the handle normalised
// (lower case, no leading '@').
func MakeID(platform, handle string) string {
	return platform + ":" + NormalizeHandle(handle)
}

// NormalizeHandle lower-cases a handle and drops a leading '@'.
func NormalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// SplitID splits "platform:handle"; ok is false when id has no known platform.
func SplitID(id string) (platform, handle string, ok bool) {
	p, h, found := strings.Cut(id, ":")
	if !found || h == "" {
		return "", "", false
	}
	for _, known := range Platforms {
		if p == known {
			return p, h, true
		}
	}
	return "", "", false
}

// Int64 returns a pointer to v, for known counts.
func Int64(v int64) *int64 { return &v }

// Float64 returns a pointer to v, for known figures.
func Float64(v float64) *float64 { return &v }
