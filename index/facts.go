package index

import (
	"math"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// facts are the normalised values of one creator that search filters,
// sorts and counts on: what the bleve document indexes as keywords and what
// the in-memory table holds. Both are filled from facts alone, so the two
// cannot disagree.
type facts struct {
	id string

	platform, tier, country, region, city, language string

	niches, hashtags, brands, brandClass []string

	verified, hasEmail, undisclosed bool

	followers    *int64
	er           *float64
	lastPost     *time.Time
	growth       *float64 // 30-day relative follower growth
	authenticity *float64 // 0-100
	lat, lon     *float64 // both set, finite and in range, or both nil

	captions []string // window posts' captions, for the text fields
}

// Flag values of the "flags" keyword field.
const (
	flagVerified    = "verified"
	flagHasEmail    = "has_email"
	flagUndisclosed = "undisclosed"
)

// extract reads the facts of d. Hashtags, brands, classes, captions and the
// undisclosed flag come from the analysis window only (see Window).
func extract(d Doc) facts {
	c := d.Creator
	f := facts{
		id:       c.ID,
		platform: strings.ToLower(strings.TrimSpace(c.Platform)),
		tier:     strings.ToLower(strings.TrimSpace(c.Tier)),
		language: strings.ToLower(strings.TrimSpace(c.Language)),
		verified: c.Verified,
		hasEmail: strings.TrimSpace(c.Email) != "",
	}
	niches := newSet()
	for _, n := range c.Niches {
		niches.add(strings.ToLower(strings.TrimSpace(n)))
	}
	f.niches = niches.list
	if l := c.Location; l != nil {
		f.country = strings.ToUpper(strings.TrimSpace(l.Country))
		f.region = strings.ToLower(strings.TrimSpace(l.Region))
		f.city = strings.ToLower(strings.TrimSpace(l.City))
		if l.Lat != nil && l.Lon != nil && validLatLon(*l.Lat, *l.Lon) {
			lat, lon := *l.Lat, *l.Lon
			f.lat, f.lon = &lat, &lon
		}
	}
	hashtags, brands, brandClass := newSet(), newSet(), newSet()
	for _, p := range Window(d.Posts, c.FetchedAt) {
		if s := strings.TrimSpace(p.Caption); s != "" {
			f.captions = append(f.captions, s)
		}
		for _, h := range p.Hashtags {
			hashtags.add(normTag(h))
		}
		for _, br := range p.Brands {
			name := normBrand(br.Name)
			if name == "" {
				continue
			}
			brands.add(name)
			if br.Class != "" {
				brandClass.add(name + "|" + strings.ToLower(br.Class))
			}
		}
		if p.Undisclosed != nil {
			f.undisclosed = true
		}
	}
	f.hashtags, f.brands, f.brandClass = hashtags.list, brands.list, brandClass.list

	if c.Followers != nil {
		v := *c.Followers
		f.followers = &v
	}
	f.er = finitePtr(c.EngagementRate)
	if c.LastPostAt != nil {
		t := *c.LastPostAt
		f.lastPost = &t
	}
	f.growth = growth30(c)
	f.authenticity = authenticity(c)
	return f
}

// growth30 is the creator's 30-day relative follower growth, when its
// analysis knows it.
func growth30(c *creator.Creator) *float64 {
	if c.Analysis == nil || c.Analysis.Growth == nil || c.Analysis.Growth.D30 == nil {
		return nil
	}
	return finitePtr(c.Analysis.Growth.D30.Relative)
}

// authenticity is the creator's authenticity score, when known.
func authenticity(c *creator.Creator) *float64 {
	if c.Analysis == nil || c.Analysis.Authenticity == nil {
		return nil
	}
	return finitePtr(c.Analysis.Authenticity.Score)
}

func finitePtr(p *float64) *float64 {
	if p == nil || !finite(*p) {
		return nil
	}
	v := *p
	return &v
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func validLatLon(lat, lon float64) bool {
	return finite(lat) && finite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

func normTag(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
}

func normBrand(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

// set is an insertion-ordered set of non-empty strings.
type set struct {
	seen map[string]bool
	list []string
}

func newSet() *set { return &set{seen: map[string]bool{}} }

func (s *set) add(v string) {
	if v == "" || s.seen[v] {
		return
	}
	s.seen[v] = true
	s.list = append(s.list, v)
}
