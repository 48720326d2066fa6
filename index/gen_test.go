package index

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// A tiny deterministic corpus generator for the oracle tests and the
// benchmarks. It is deliberately crude but covers what the index must get
// right: unknown (nil) numbers, ties, missing locations, posts outside the
// analysis window, mixed-case brands and cities, and words that look like
// query syntax.

var genWords = []string{
	"vegan", "skincare", "skin", "routine", "fitness", "yoga", "coffee", "travel",
	"recipe", "running", "makeup", "glow", "serum", "hiking", "pilates", "bread",
	"platform", "youtube", "bio", "unterminated", "x", "the", "and", "my", "daily",
	"plant", "based", "cruelty", "free", "morning", "sunset", "budget", "review",
}

var genTags = []string{
	"vegan", "skincare", "fitness", "yoga", "coffee", "travel", "recipe", "running",
	"makeup", "glowup", "serum", "hiking", "pilates", "sourdough", "plantbased",
	"crueltyfree", "morningroutine", "budgettravel", "review", "ootd",
}

var genNiches = []string{"beauty", "fitness", "food", "travel", "wellness", "fashion", "tech", "parenting", "gaming", "outdoors"}

var genBrands = []string{"Glossier", "Oatly", "Lululemon", "The Ordinary", "Gymshark", "Nespresso", "Patagonia", "CeraVe"}

type genCity struct {
	city, region, country string
	lat, lon              float64
}

// A few clusters so that a 50 km radius catches several cities.
var genCities = []genCity{
	{"Austin", "Texas", "US", 30.2672, -97.7431},
	{"Round Rock", "Texas", "US", 30.5083, -97.6789},
	{"San Marcos", "Texas", "US", 29.8833, -97.9414},
	{"Houston", "Texas", "US", 29.7604, -95.3698},
	{"London", "England", "GB", 51.5072, -0.1276},
	{"Reading", "England", "GB", 51.4543, -0.9781},
	{"Brighton", "England", "GB", 50.8225, -0.1372},
	{"Berlin", "Berlin", "DE", 52.52, 13.405},
	{"Potsdam", "Brandenburg", "DE", 52.3906, 13.0645},
	{"Madrid", "Madrid", "ES", 40.4168, -3.7038},
	{"São Paulo", "São Paulo", "BR", -23.5505, -46.6333},
	{"Sydney", "New South Wales", "AU", -33.8688, 151.2093},
}

var genLanguages = []string{"en", "en", "en", "es", "de", "pt", ""}

// genBase is the fixed "now" of the generated corpus.
var genBase = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func genCorpus(seed uint64, n int) []Doc {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	docs := make([]Doc, 0, n)
	for i := 0; i < n; i++ {
		docs = append(docs, genDoc(r, i))
	}
	return docs
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func genWordsN(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = pick(r, genWords)
	}
	return strings.Join(w, " ")
}

func genDoc(r *rand.Rand, i int) Doc {
	platform := creator.Platforms[i%len(creator.Platforms)]
	c := &creator.Creator{
		ID:          creator.MakeID(platform, fmt.Sprintf("user%05d", i)),
		Platform:    platform,
		Handle:      fmt.Sprintf("user%05d", i),
		DisplayName: capital(pick(r, genWords)) + " " + capital(pick(r, genWords)),
		Bio:         genWordsN(r, 4+r.IntN(12)),
		Language:    pick(r, genLanguages),
		FetchedAt:   genBase.Add(-time.Duration(r.IntN(30*24)) * time.Hour),
	}
	c.URL = "https://example.test/" + c.Handle
	c.SourceURL = c.URL
	if r.IntN(20) == 0 {
		c.Bio += ` <script>alert("x")</script> & vegan`
	}
	// Followers: log-uniform 1k..5M rounded to two significant figures, so
	// ties are common; 10% unknown.
	if r.IntN(10) != 0 {
		f := math.Exp(math.Log(1e3) + r.Float64()*(math.Log(5e6)-math.Log(1e3)))
		mag := math.Pow(10, math.Floor(math.Log10(f))-1)
		v := int64(math.Round(f/mag) * mag)
		c.Followers = &v
		switch {
		case v < 10_000:
			c.Tier = creator.Nano
		case v < 100_000:
			c.Tier = creator.Micro
		case v < 1_000_000:
			c.Tier = creator.Macro
		default:
			c.Tier = creator.Mega
		}
	}
	// ER: three decimals (ties), 10% unknown, some exactly on 3%.
	if r.IntN(10) != 0 {
		er := math.Round(r.Float64()*80) / 1000
		if r.IntN(15) == 0 {
			er = 0.03
		}
		c.EngagementRate = &er
	}
	for k, nn := 0, r.IntN(4); k < nn; k++ {
		n := pick(r, genNiches)
		if !containsStr(c.Niches, n) {
			c.Niches = append(c.Niches, n)
		}
	}
	switch x := r.IntN(10); {
	case x == 0: // no location
	case x == 1: // a country only
		c.Location = &creator.Location{Raw: "somewhere", Country: pick(r, genCities).country}
	default:
		gc := pick(r, genCities)
		lat := gc.lat + (r.Float64()-0.5)*0.8
		lon := gc.lon + (r.Float64()-0.5)*0.8
		c.Location = &creator.Location{Raw: gc.city, City: gc.city, Region: gc.region, Country: gc.country, Lat: &lat, Lon: &lon}
		if r.IntN(8) == 0 {
			c.Location.City = strings.ToUpper(gc.city)
		}
	}

	var posts []creator.Post
	var last *time.Time
	for k, nn := 0, r.IntN(45); k < nn; k++ {
		p := creator.Post{
			ID:      fmt.Sprintf("%s:%d", platform, i*100+k),
			Caption: genWordsN(r, 3+r.IntN(10)),
		}
		if r.IntN(25) != 0 {
			t := c.FetchedAt.Add(-time.Duration(r.IntN(200*24)) * time.Hour).Truncate(24 * time.Hour)
			p.PublishedAt = &t
			if last == nil || t.After(*last) {
				tt := t
				last = &tt
			}
		}
		for h, nh := 0, r.IntN(4); h < nh; h++ {
			tag := pick(r, genTags)
			if !containsStr(p.Hashtags, tag) {
				p.Hashtags = append(p.Hashtags, tag)
			}
		}
		if r.IntN(4) == 0 {
			b := creator.Brand{Name: pick(r, genBrands), Class: pick(r, creator.Classes)}
			if r.IntN(3) == 0 {
				b.Name = strings.ToLower(b.Name)
			}
			p.Brands = append(p.Brands, b)
			p.Disclosure.Class = b.Class
			if r.IntN(6) == 0 {
				p.Undisclosed = &creator.Flag{Reason: "brand mention with a code but no disclosure"}
			}
		}
		posts = append(posts, p)
	}
	c.LastPostAt = last

	// Flags and the analysis figures growth and authenticity, with unknowns
	// and ties.
	c.Verified = r.IntN(6) == 0
	if r.IntN(3) == 0 {
		c.Email = c.Handle + "@mail.example.test"
	}
	a := &creator.Analysis{AnalyzedAt: c.FetchedAt}
	switch x := r.IntN(10); {
	case x < 7:
		g := math.Round((r.Float64()*0.4-0.1)*100) / 100
		a.Growth = &creator.Growth{D30: &creator.GrowthPeriod{Days: 30, Relative: &g}, Points: 40}
	case x == 7:
		a.Growth = &creator.Growth{Points: 2, Reason: "history too short"}
	}
	if r.IntN(6) != 0 {
		s := float64(40 + r.IntN(61))
		a.Authenticity = &creator.Authenticity{Score: &s}
	}
	c.Analysis = a
	return Doc{Creator: c, Posts: posts}
}

func containsStr(xs []string, v string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
