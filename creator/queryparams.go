package creator

import (
	"math"
	"net/url"
	"strconv"
	"strings"
)

// queryParams are the URL parameters a Query understands; anything else is
// refused so a typo ("min_follower") is not silently ignored.
var queryParams = map[string]bool{
	"q": true, "platform": true, "niche": true, "niche_all": true, "tier": true,
	"country": true, "city": true, "min_followers": true, "max_followers": true,
	"min_er": true, "max_er": true, "hashtag": true, "brand": true, "sort": true,
	"limit": true, "cursor": true, "facets": true, "facet_size": true,
}

// QueryFromValues builds a normalised, validated Query from URL parameters
// (GET /v1/creators) or CLI flags. List parameters may repeat or hold
// comma-separated values. Errors name the parameter.
func QueryFromValues(v url.Values) (Query, error) {
	var q Query
	for k := range v {
		if !queryParams[k] {
			return q, Invalid(k, "unknown parameter")
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
	var err error
	if q.NicheAll, err = boolParam(v, "niche_all"); err != nil {
		return q, err
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
