package creator

import (
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestQueryFromValuesBad names the parameter at fault for every kind of
// bad value.
func TestQueryFromValuesBad(t *testing.T) {
	for _, tc := range []struct {
		raw, param string
	}{
		{"min_follower=5", "min_follower"},
		{"page=3", "page"},
		{"from=40", "from"},
		{"offset=1001", "offset"},
		{"offset=-1", "offset"},
		{"offset=x", "offset"},
		{"offset=20&cursor=abc", "offset"},
		{"q=" + strings.Repeat("a", MaxTextLen+1), "q"},
		{"q=%ff%fe", "q"},
		{"limit=1&limit=50", "limit"},
		{"sort=followers&sort=-followers", "sort"},
		{"niche=fit%c3", "niche"},
		{"platform=myspace", "platform"},
		{"tier=huge", "tier"},
		{"country=USA", "country"},
		{"language=english", "language"},
		{"language=e1", "language"},
		{"region=" + strings.Repeat("r", 101), "region"},
		{"hashtag_all=yes", "hashtag_all"},
		{"hashtag_all=true", "hashtag_all"},
		{"niche_all=true", "niche_all"},
		{"brand_class=bribed&brand=oatly", "brand_class"},
		{"brand_class=gifted", "brand_class"},
		{"verified=maybe", "verified"},
		{"has_email=2", "has_email"},
		{"undisclosed=nope", "undisclosed"},
		{"last_post_since=yesterday", "last_post_since"},
		{"last_post_since=2025-13-01", "last_post_since"},
		{"last_post_since=0001-01-01T00:00:00Z", "last_post_since"},
		{"min_authenticity=101", "min_authenticity"},
		{"min_authenticity=-1", "min_authenticity"},
		{"min_authenticity=NaN", "min_authenticity"},
		{"min_growth=x", "min_growth"},
		{"min_growth=-2", "min_growth"},
		{"min_growth=5%25&max_growth=1%25", "max_growth"},
		{"near=91,0", "near"},
		{"near=10,181", "near"},
		{"near=Zzyzxqville", "near"},
		{"near=Texas", "near"},
		{"near=" + strings.Repeat("a", 201), "near"},
		{"radius=50km", "radius"},
		{"near=Austin&radius=far", "radius"},
		{"near=Austin&radius=0", "radius"},
		{"near=Austin&radius=-5km", "radius"},
		{"near=Austin&radius=30000km", "radius"},
		{"sort=popularity", "sort"},
		{"limit=101", "limit"},
		{"facets=followers", "facets"},
	} {
		v, err := url.ParseQuery(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		_, err = QueryFromValues(v)
		if ErrorCode(err) != EINVALID || ErrorParam(err) != tc.param {
			t.Errorf("%s: got %v (param %q); want invalid %s", tc.raw, err, ErrorParam(err), tc.param)
		}
	}
}

func TestQueryFromValuesGood(t *testing.T) {
	v, err := url.ParseQuery("hashtag=%23Vegan&hashtag=yoga&hashtag_all=true&brand=@Oatly&brand_class=ANY" +
		"&language=EN,es&region=Texas&verified=true&has_email=false&undisclosed=1" +
		"&last_post_since=2025-05-01&min_authenticity=60&min_growth=-1.5%25&max_growth=0.2" +
		"&near=30.25,-97.75&radius=10mi&offset=40&sort=-growth")
	if err != nil {
		t.Fatal(err)
	}
	q, err := QueryFromValues(v)
	if err != nil {
		t.Fatal(err)
	}
	if !q.HashtagAll || strings.Join(q.Hashtags, ",") != "vegan,yoga" || q.BrandClass != "" ||
		strings.Join(q.Languages, ",") != "en,es" || strings.Join(q.Regions, ",") != "texas" ||
		q.Verified == nil || !*q.Verified || q.HasEmail == nil || *q.HasEmail || q.Undisclosed == nil || !*q.Undisclosed ||
		!q.LastPostSince.Equal(time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)) || *q.MinAuthenticity != 60 ||
		math.Abs(*q.MinGrowth+0.015) > 1e-12 || *q.MaxGrowth != 0.2 || q.Offset != 40 || q.Sort != "-growth" {
		t.Fatalf("query %+v", q)
	}
	g, err := q.Geo()
	if err != nil || g == nil || g.Lat != 30.25 || g.Lon != -97.75 || math.Abs(g.RadiusKm-16.09344) > 1e-9 || g.Place != "" {
		t.Fatalf("geo %+v, %v", g, err)
	}

	// A relative age counts back from now.
	v = url.Values{"last_post_since": {"2w"}}
	before := time.Now()
	q, err = QueryFromValues(v)
	if err != nil {
		t.Fatal(err)
	}
	want := before.Add(-14 * 24 * time.Hour)
	if d := q.LastPostSince.Sub(want); d < 0 || d > time.Minute {
		t.Fatalf("2w: %v, want about %v", q.LastPostSince, want)
	}
}

// TestGeoByName resolves a place through the gazetteer, with the default
// radius and units.
func TestGeoByName(t *testing.T) {
	for _, tc := range []struct {
		near, radius string
		km           float64
		place        string
	}{
		{"Austin", "", DefaultRadiusKm, "Austin, Texas, US"},
		{"austin, tx", "50 km", 50, "Austin, Texas, US"},
		{"London", "800m", 0.8, "London, England, GB"},
	} {
		q := Query{Near: tc.near, Radius: tc.radius}
		q.Normalize()
		if err := q.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.near, err)
		}
		g, err := q.Geo()
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(g.RadiusKm-tc.km) > 1e-9 || g.Place != tc.place || g.Lat == 0 || g.Lon == 0 {
			t.Errorf("%s: %+v; want %g km at %s", tc.near, g, tc.km, tc.place)
		}
	}
	q := Query{}
	if g, err := q.Geo(); g != nil || err != nil {
		t.Fatalf("no near: %v %v", g, err)
	}
}

// TestQueryJSONNamesMatchParams: the JSON body of POST /v1/creators/search
// and the URL parameters of GET /v1/creators name the same fields, in
// snake_case.
func TestQueryJSONNamesMatchParams(t *testing.T) {
	rt := reflect.TypeOf(Query{})
	seen := map[string]bool{}
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_") != "" || name == "" {
			t.Errorf("field %s: JSON name %q is not snake_case", rt.Field(i).Name, name)
		}
		if !queryParams[name] {
			t.Errorf("JSON field %q is not a URL parameter", name)
		}
		seen[name] = true
	}
	for name := range queryParams {
		if !seen[name] {
			t.Errorf("URL parameter %q is not a JSON field", name)
		}
	}
}
