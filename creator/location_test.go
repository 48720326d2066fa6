package creator

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestGazetteerLoads(t *testing.T) {
	cities, countries, regions, err := GazetteerSize()
	if err != nil {
		t.Fatal(err)
	}
	if cities < 20000 || countries < 240 || regions < 3000 {
		t.Errorf("gazetteer has %d cities, %d countries, %d regions", cities, countries, regions)
	}
	g, _ := loadGazetteer()
	// Every city >= 15k people, with a country, coordinates in range.
	for i := range g.cities {
		if c := g.city(int32(i)); c.Population < 15000 || len(c.Country) != 2 || math.Abs(c.Lat) > 90 || math.Abs(c.Lon) > 180 {
			t.Fatalf("bad city %+v", c)
		}
	}
	if _, err := parseGazetteer([]byte("not gzip")); err == nil {
		t.Error("parsing garbage succeeded")
	}
}

func TestResolveLocation(t *testing.T) {
	tests := []struct {
		text                  string
		hints                 LocationHints
		city, region, country string
		minConf, maxConf      float64
	}{
		{"📍 Austin, TX", LocationHints{}, "Austin", "Texas", "US", 0.9, 1},
		{"London, UK", LocationHints{}, "London", "England", "GB", 0.9, 1},
		{"Berlin 🇩🇪", LocationHints{}, "Berlin", "State of Berlin", "DE", 0.9, 1},
		{"NYC ✈️ LA", LocationHints{}, "New York City", "New York", "US", 0.9, 1},
		{"Brooklyn NY", LocationHints{}, "Brooklyn", "New York", "US", 0.9, 1},
		{"Sydney NSW", LocationHints{}, "Sydney", "New South Wales", "AU", 0.9, 1},
		{"Toronto, ON", LocationHints{}, "Toronto", "Ontario", "CA", 0.9, 1},
		{"New Orleans, LA", LocationHints{}, "New Orleans", "Louisiana", "US", 0.9, 1},
		{"Munich, Germany", LocationHints{}, "Munich", "Bavaria", "DE", 0.9, 1},
		{"München", LocationHints{}, "Munich", "Bavaria", "DE", 0.6, 0.9},
		{"Москва", LocationHints{}, "Moscow", "Moscow", "RU", 0.6, 0.9},
		{"São Paulo", LocationHints{}, "São Paulo", "São Paulo", "BR", 0.9, 1},
		{"Portland, Maine", LocationHints{}, "Portland", "Maine", "US", 0.9, 1},
		// Ambiguous names: population, then the creator's other signals.
		{"Paris", LocationHints{}, "Paris", "Île-de-France", "FR", 0.8, 0.96},
		{"Paris", LocationHints{Countries: []string{"US"}}, "Paris", "Texas", "US", 0.3, 0.89},
		{"Paris, TX", LocationHints{}, "Paris", "Texas", "US", 0.9, 1},
		{"Cambridge", LocationHints{}, "Cambridge", "England", "GB", 0.1, 0.6},
		{"Cambridge", LocationHints{Countries: []string{"US"}}, "Cambridge", "Massachusetts", "US", 0.3, 0.9},
		{"Texas", LocationHints{}, "", "Texas", "US", 0.8, 0.9},
		{"UK", LocationHints{}, "", "", "GB", 0.8, 0.95},
	}
	for _, tt := range tests {
		loc, ev := ResolveLocation(tt.text, tt.hints)
		if loc == nil {
			t.Errorf("%q: nil (%s)", tt.text, ev.Reason)
			continue
		}
		if loc.City != tt.city || loc.Region != tt.region || loc.Country != tt.country {
			t.Errorf("%q %+v: got %q, %q, %q; want %q, %q, %q (%s)", tt.text, tt.hints, loc.City, loc.Region, loc.Country,
				tt.city, tt.region, tt.country, ev.Matched)
		}
		if loc.Confidence == nil || *loc.Confidence < tt.minConf || *loc.Confidence > tt.maxConf {
			t.Errorf("%q %+v: confidence %v, want %.2f..%.2f", tt.text, tt.hints, fp(loc.Confidence), tt.minConf, tt.maxConf)
		}
		if tt.city != "" && (loc.Lat == nil || loc.Lon == nil) {
			t.Errorf("%q: no coordinates", tt.text)
		}
		if loc.Raw != strings.TrimSpace(tt.text) {
			t.Errorf("%q: raw %q", tt.text, loc.Raw)
		}
	}
	// Austin's coordinates are Austin's.
	loc, _ := ResolveLocation("Austin, TX", LocationHints{})
	if math.Abs(*loc.Lat-30.27) > 0.1 || math.Abs(*loc.Lon+97.74) > 0.1 {
		t.Errorf("Austin at %v,%v", *loc.Lat, *loc.Lon)
	}
	for _, s := range []string{"", "everywhere and nowhere", "Paris baby", "✨✨"} {
		if loc, ev := ResolveLocation(s, LocationHints{}); loc != nil || ev.Reason == "" {
			t.Errorf("%q resolved to %+v (reason %q)", s, loc, ev.Reason)
		}
	}
}

func TestResolveCreatorLocation(t *testing.T) {
	tests := []struct {
		bio, raw, lang string
		city, country  string
		source         string
		wantNil        bool
	}{
		{"Dog mom 🐶 | based in Denver, CO | coffee", "", "", "Denver", "US", "bio", false},
		{"Berlin-based photographer 📸", "", "", "Berlin", "DE", "bio", false},
		{"Yoga teacher ✨ 📍Lisbon 🇵🇹 | hello@x.com", "", "", "Lisbon", "PT", "bio", false},
		{"Plant mom", "Austin, TX", "", "Austin", "US", "profile", false},
		{"just vibes 🇲🇽", "", "", "", "MX", "bio", false},
		{"Pâtissière 🥐 basée à Lyon", "", "fr", "Lyon", "FR", "bio", false},
		{"no place here", "", "", "", "", "", true},
	}
	for _, tt := range tests {
		c := &Creator{Bio: tt.bio}
		if tt.raw != "" {
			c.Location = &Location{Raw: tt.raw}
		}
		loc, ev := ResolveCreatorLocation(c, tt.lang)
		if tt.wantNil {
			if loc != nil {
				t.Errorf("%q: resolved %+v", tt.bio, loc)
			}
			continue
		}
		if loc == nil {
			t.Errorf("%q: nil (%+v)", tt.bio, ev)
			continue
		}
		if loc.City != tt.city || loc.Country != tt.country || ev.Source != tt.source {
			t.Errorf("%q: %q, %q from %q; want %q, %q from %q", tt.bio, loc.City, loc.Country, ev.Source, tt.city, tt.country, tt.source)
		}
	}
}

func BenchmarkResolveLocation(b *testing.B) {
	if _, err := loadGazetteer(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ResolveLocation("📍 Austin, TX ✈️ NYC", LocationHints{Language: "en"})
	}
}

// TestKeyIndexCollision: a key whose hash another key took is found in
// other, and a hash that matches the wrong key finds nothing there.
func TestKeyIndexCollision(t *testing.T) {
	var tb textBuilder
	x := buildIndex(&tb, map[string][]int32{"paris": {1, 2}, "lyon": {3}})
	g := &gazetteer{text: tb.String()}
	// As if "rome" hashed where "paris" is: its entry's key is not "rome".
	x.slot[maphash.String(x.seed, "rome")] = x.slot[maphash.String(x.seed, "paris")]
	if got := x.get(g, "rome"); got != nil {
		t.Errorf("rome found %v through paris's entry", got)
	}
	x.other = map[string][]int32{"rome": {9}}
	if got := x.get(g, "rome"); !slices.Equal(got, []int32{9}) {
		t.Errorf("rome = %v, want [9] from other", got)
	}
	if got := x.get(g, "paris"); !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("paris = %v, want [1 2]", got)
	}
	if got := x.get(g, "lyon"); !slices.Equal(got, []int32{3}) || cap(got) != 1 {
		t.Errorf("lyon = %v (cap %d), want [3] that cannot grow into another list", got, cap(got))
	}
	if x.len() != 3 {
		t.Errorf("len %d, want 3", x.len())
	}
}
