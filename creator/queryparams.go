package creator

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// queryParams are the URL parameters a Query understands; anything else is
// refused so a typo ("min_follower") is not silently ignored.
var queryParams = map[string]bool{
	"q": true, "platform": true, "niche": true, "niche_all": true, "tier": true,
	"country": true, "city": true, "min_followers": true, "max_followers": true,
	"min_er": true, "max_er": true, "hashtag": true, "brand": true, "sort": true,
	"limit": true, "cursor": true, "facets": true, "facet_size": true,
	"hashtag_all": true, "brand_class": true, "language": true, "region": true,
	"verified": true, "has_email": true, "undisclosed": true, "last_post_since": true,
	"min_authenticity": true, "min_growth": true, "max_growth": true,
	"near": true, "radius": true, "offset": true, "similar_to": true,
}

// listParams may repeat (or hold comma-separated values); every other
// parameter is given at most once.
var listParams = map[string]bool{
	"platform": true, "niche": true, "tier": true, "country": true, "city": true, "hashtag": true,
	"brand": true, "facets": true, "language": true, "region": true,
}

// pagingParams are names other APIs use for offsets; they get a pointer to
// the cursor instead of "unknown parameter".
var pagingParams = map[string]bool{"page": true, "from": true, "start": true, "skip": true}

// QueryFromValues builds a normalised, validated Query from URL parameters
// (GET /v1/creators) or CLI flags. List parameters may repeat or hold
// comma-separated values. Errors name the parameter.
func QueryFromValues(v url.Values) (Query, error) {
	var q Query
	for k, vals := range v {
		if pagingParams[k] {
			return q, Invalid(k, "is not supported; page with cursor (each page's next_cursor), or offset up to %d", MaxOffset)
		}
		if !queryParams[k] {
			return q, Invalid(k, "unknown parameter")
		}
		for _, s := range vals {
			if !utf8.ValidString(s) {
				return q, Invalid(k, "is not valid UTF-8")
			}
		}
		if len(vals) > 1 && !listParams[k] {
			// ?limit=1&limit=50 took the first silently.
			return q, Invalid(k, "is given %d times; give it once", len(vals))
		}
	}
	q.Text = v.Get("q")
	q.Platforms = v["platform"]
	q.Niches = v["niche"]
	q.Tiers = v["tier"]
	q.Countries = v["country"]
	q.Cities = v["city"]
	q.Hashtags = v["hashtag"]
	q.Brands = v["brand"]
	q.Sort = v.Get("sort")
	q.Cursor = v.Get("cursor")
	q.Facets = v["facets"]
	q.Languages = v["language"]
	q.Regions = v["region"]
	q.BrandClass = v.Get("brand_class")
	q.Near = v.Get("near")
	q.Radius = v.Get("radius")
	q.SimilarTo = v.Get("similar_to")
	var err error
	if q.NicheAll, err = boolParam(v, "niche_all"); err != nil {
		return q, err
	}
	if q.HashtagAll, err = boolParam(v, "hashtag_all"); err != nil {
		return q, err
	}
	for _, p := range []struct {
		name string
		dst  **bool
	}{{"verified", &q.Verified}, {"has_email", &q.HasEmail}, {"undisclosed", &q.Undisclosed}} {
		if *p.dst, err = optBoolParam(v, p.name); err != nil {
			return q, err
		}
	}
	if q.LastPostSince, err = sinceParam(v, "last_post_since", time.Now()); err != nil {
		return q, err
	}
	if q.MinAuthenticity, err = floatParam(v, "min_authenticity"); err != nil {
		return q, err
	}
	if q.MinGrowth, err = rateParam(v, "min_growth"); err != nil {
		return q, err
	}
	if q.MaxGrowth, err = rateParam(v, "max_growth"); err != nil {
		return q, err
	}
	if off, err := intParam(v, "offset"); err != nil {
		return q, err
	} else if off != nil {
		if *off < 0 || *off > math.MaxInt32 {
			return q, Invalid("offset", "must be a whole number from 0 to %d", MaxOffset)
		}
		q.Offset = int(*off)
	}
	if q.MinFollowers, err = intParam(v, "min_followers"); err != nil {
		return q, err
	}
	if q.MaxFollowers, err = intParam(v, "max_followers"); err != nil {
		return q, err
	}
	if q.MinER, err = rateParam(v, "min_er"); err != nil {
		return q, err
	}
	if q.MaxER, err = rateParam(v, "max_er"); err != nil {
		return q, err
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"limit", &q.Limit}, {"facet_size", &q.FacetSize}} {
		n, err := intParam(v, p.name)
		if err != nil {
			return q, err
		}
		if n != nil {
			if *n < 1 || *n > math.MaxInt32 {
				return q, Invalid(p.name, "must be a positive whole number")
			}
			*p.dst = int(*n)
		}
	}
	q.Normalize()
	return q, q.Validate()
}

func intParam(v url.Values, name string) (*int64, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		return nil, Invalid(name, "%q is not a whole number", s)
	}
	return &n, nil
}

// rateParam reads an engagement rate as a fraction ("0.03") or a percentage
// ("3%"); both mean 3%.
func rateParam(v url.Values, name string) (*float64, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return nil, nil
	}
	pct := strings.HasSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, Invalid(name, "%q is not a number; write 0.03 or 3%%", s)
	}
	if pct {
		f /= 100
	}
	return &f, nil
}

// floatParam reads a plain number.
func floatParam(v url.Values, name string) (*float64, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, Invalid(name, "%q is not a number", s)
	}
	return &f, nil
}

// optBoolParam reads a filter that is off when absent.
func optBoolParam(v url.Values, name string) (*bool, error) {
	if strings.TrimSpace(v.Get(name)) == "" {
		return nil, nil
	}
	b, err := boolParam(v, name)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// sinceParam reads a point in time: a date (2025-05-01, UTC midnight), an
// RFC 3339 time, or an age before now in days or weeks ("30d", "2w").
func sinceParam(v url.Values, name string, now time.Time) (*time.Time, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return &t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		t = t.UTC()
		return &t, nil
	}
	if n := len(s); n >= 2 && (s[n-1] == 'd' || s[n-1] == 'w') {
		k, err := strconv.Atoi(s[:n-1])
		if err == nil && k >= 0 && k <= 36500 {
			days := k
			if s[n-1] == 'w' {
				days = k * 7
			}
			t := now.UTC().Add(-time.Duration(days) * 24 * time.Hour)
			return &t, nil
		}
	}
	return nil, Invalid(name, "%q is not a date (2025-05-01), an RFC 3339 time or an age such as 30d or 2w", s)
}

func boolParam(v url.Values, name string) (bool, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, Invalid(name, "%q is not true or false", s)
	}
	return b, nil
}
