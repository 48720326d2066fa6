// Package searchbench is `creatorscout bench search`: it generates a
// synthetic creator corpus, builds the index from it, runs issue 6's four
// canonical queries with facet counts and reports their latency, and, with
// a PostgreSQL DSN, loads the same corpus into PostgreSQL and runs the same
// queries there for a side-by-side comparison.
//
// The corpus comes from a fast deterministic generator (Corpus), not from
// simnet: simnet builds a whole network in memory and serves it over HTTP,
// which is the right test of the crawler but takes minutes per 100k
// creators and holds them all. Corpus makes creator i from (seed, i) alone,
// so 1M creators stream through in constant memory and PostgreSQL gets the
// very same documents. Its distributions are set out in Corpus's comment.
package searchbench

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
)

// Base is the fixed "now" of the corpus: every creator was fetched within
// the 30 days before it.
var Base = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// nicheSpec is one topic: words for bios and captions, its own hashtags.
type nicheSpec struct {
	name  string
	words []string
	tags  []string
}

// nicheZipf are the Zipf tables of each niche's words and tags.
var nicheZipf = func() (z []struct{ words, tags zipfCum }) {
	for _, n := range niches {
		z = append(z, struct{ words, tags zipfCum }{zipfTable(len(n.words), 0.7), zipfTable(len(n.tags), 0.9)})
	}
	return z
}()

// niches, most popular first (the generator draws them by a Zipf law).
var niches = []nicheSpec{
	{"beauty", w("makeup glam lipstick foundation blush palette lashes contour drugstore shade swatch"), w("beauty makeup mua glam makeuptutorial lipstick beautytips makeuplook eyeshadow beautyblogger")},
	{"fitness", w("workout gym strength deadlift squat training coach reps cardio protein"), w("fitness gym workout fitnessmotivation legday strengthtraining hiit gymlife fitfam personaltrainer")},
	{"food", w("recipe dinner cooking kitchen sauce noodles roast meal pasta flavor"), w("food foodie recipe homecooking dinnerideas easyrecipes instafood comfortfood weeknightdinner yum")},
	{"travel", w("travel trip flight beach hotel island backpacking itinerary passport sunset"), w("travel wanderlust travelgram traveltips adventure beachlife travelblogger explore vacation roadtrip")},
	{"skincare", w("skincare serum retinol spf cleanser moisturizer barrier acne glow routine"), w("skincare skincareroutine spf glowingskin acne skincaretips retinol skinbarrier kbeauty selfcare")},
	{"fashion", w("outfit style denim thrift wardrobe capsule trend sneakers dress tailoring"), w("fashion ootd style outfitinspo streetstyle thrifted fashionblogger whatiwore lookbook styleinspo")},
	{"gaming", w("stream game boss controller speedrun console setup pc level raid"), w("gaming gamer twitch streamer videogames esports cozygames pcgaming nintendoswitch gamingcommunity")},
	{"vegan", w("vegan plant tofu lentils cashew oat dairyfree protein bowl chickpea"), w("vegan plantbased veganrecipes veganfood whatveganseat plantbasedrecipes crueltyfree veganeats meatlessmonday govegan")},
	{"parenting", w("toddler baby school bedtime family kids lunchbox nap mom dad"), w("parenting momlife dadlife toddlerlife motherhood familytime parentingtips kidsactivities newmom fatherhood")},
	{"tech", w("laptop phone review gadget setup keyboard app battery camera chip"), w("tech gadgets techreview smartphone apple android setup productivity coding ai")},
	{"yoga", w("yoga flow pilates breath mat stretch mobility balance reformer calm"), w("yoga pilates yogapractice yogateacher reformerpilates yogaeveryday mobility vinyasa mindfulmovement yogainspiration")},
	{"running", w("run marathon pace trail miles tempo intervals race shoes longrun"), w("running marathon runnersofinstagram trailrunning runningcommunity halfmarathon runner parkrun marathontraining ultramarathon")},
	{"baking", w("sourdough bread cake cookies pastry starter oven dough crumb frosting"), w("baking sourdough bread homebaking cake pastry cookies bakersofinstagram sourdoughbread cakedecorating")},
	{"personal-finance", w("budget savings invest debt money index fund retirement side hustle"), w("personalfinance budgeting investing moneytips debtfree financialfreedom fire savingmoney frugal stocks")},
	{"home-diy", w("renovation paint shelf kitchen tile woodwork garden tools makeover decor"), w("diy homedecor homerenovation interiordesign diyhome beforeandafter woodworking homeimprovement gardening upcycle")},
	{"pets", w("dog puppy cat kitten walk treats vet leash training rescue"), w("dogsofinstagram catsofinstagram puppy petsofinstagram dog cat rescuedog doglife catlife adoptdontshop")},
	{"photography", w("camera lens film shot light portrait edit golden hour street"), w("photography photooftheday filmphotography portrait streetphotography landscape photographer canon sony lightroom")},
	{"coffee", w("espresso latte beans roast pourover grinder barista cafe brew crema"), w("coffee coffeelover espresso latteart specialtycoffee coffeetime barista pourover cafe coffeeaddict")},
	{"wellness", w("wellness sleep mindset journaling meditation habits selfcare calm stress routine"), w("wellness selfcare mentalhealth mindfulness meditation selflove healthyhabits wellbeing journaling healing")},
	{"outdoors", w("hike camping mountain trail summit tent climbing lake forest gear"), w("hiking outdoors camping mountains naturelovers adventure trailrunning climbing optoutside backpacking")},
	{"music", w("song guitar studio cover beat vocals piano album gig mix"), w("music musician singer guitar producer newmusic songwriter livemusic piano hiphop")},
	{"books", w("book novel reading chapter author library fantasy romance shelf review"), w("books bookstagram booktok reading bookworm bookreview booklover reader romancebooks fantasybooks")},
	{"sustainability", w("zero waste refill compost thrift secondhand climate reuse plastic repair"), w("sustainability zerowaste sustainableliving ecofriendly plasticfree slowfashion climateaction reuse secondhand gogreen")},
	{"cycling", w("bike ride gravel climb cadence saddle commute miles peloton wheel"), w("cycling bike roadcycling gravel mtb cyclinglife bikelife ride strava cyclist")},
	{"education", w("study tips exam notes learning teacher class lesson students school"), w("studytips education studygram teachersofinstagram learning studymotivation student teacher exam edtech")},
	{"art", w("painting sketch canvas watercolor ink illustration studio gallery brush portrait"), w("art artist illustration painting drawing sketchbook watercolor digitalart artwork artoftheday")},
	{"comedy", w("sketch skit joke prank roommate relatable bit crowd laugh standup"), w("comedy funny memes relatable skit standup humor lol funnyvideos jokes")},
	{"cars", w("engine track build turbo detailing drive classic garage wheels exhaust"), w("cars carsofinstagram jdm carlifestyle supercars classiccars carporn cargram racing automotive")},
}

// common words appear in any bio or caption.
var common = w("the and my new today love week this little finally best tried honest favorite daily quick simple easy real life first time back more")

// Generic hashtags any creator may use.
var genericTags = w("love instagood photooftheday happy cute tbt beautiful follow picoftheday selfie summer friends fun smile weekend nofilter")

func w(s string) []string { return strings.Fields(s) }

// city is a place creators live in, with a weight (about population).
type city struct {
	name, region, country, lang string
	lat, lon                    float64
	weight                      float64
}

var cities = []city{
	{"New York", "New York", "US", "en", 40.7128, -74.006, 8.3}, {"Los Angeles", "California", "US", "en", 34.0522, -118.2437, 3.9},
	{"Chicago", "Illinois", "US", "en", 41.8781, -87.6298, 2.7}, {"Houston", "Texas", "US", "en", 29.7604, -95.3698, 2.3},
	{"Austin", "Texas", "US", "en", 30.2672, -97.7431, 1.0}, {"Round Rock", "Texas", "US", "en", 30.5083, -97.6789, 0.13},
	{"San Marcos", "Texas", "US", "en", 29.8833, -97.9414, 0.07}, {"Miami", "Florida", "US", "en", 25.7617, -80.1918, 0.45},
	{"Seattle", "Washington", "US", "en", 47.6062, -122.3321, 0.75}, {"Denver", "Colorado", "US", "en", 39.7392, -104.9903, 0.72},
	{"Atlanta", "Georgia", "US", "en", 33.749, -84.388, 0.5}, {"Portland", "Oregon", "US", "en", 45.5152, -122.6784, 0.65},
	{"Nashville", "Tennessee", "US", "en", 36.1627, -86.7816, 0.69}, {"San Francisco", "California", "US", "en", 37.7749, -122.4194, 0.87},
	{"Toronto", "Ontario", "CA", "en", 43.6532, -79.3832, 2.9}, {"Vancouver", "British Columbia", "CA", "en", 49.2827, -123.1207, 0.66},
	{"Mexico City", "Mexico City", "MX", "es", 19.4326, -99.1332, 9.2}, {"London", "England", "GB", "en", 51.5072, -0.1276, 8.9},
	{"Manchester", "England", "GB", "en", 53.4808, -2.2426, 0.55}, {"Reading", "England", "GB", "en", 51.4543, -0.9781, 0.17},
	{"Brighton", "England", "GB", "en", 50.8225, -0.1372, 0.29}, {"Edinburgh", "Scotland", "GB", "en", 55.9533, -3.1883, 0.52},
	{"Dublin", "Leinster", "IE", "en", 53.3498, -6.2603, 0.59}, {"Paris", "Île-de-France", "FR", "fr", 48.8566, 2.3522, 2.1},
	{"Lyon", "Auvergne-Rhône-Alpes", "FR", "fr", 45.764, 4.8357, 0.52}, {"Berlin", "Berlin", "DE", "de", 52.52, 13.405, 3.6},
	{"Potsdam", "Brandenburg", "DE", "de", 52.3906, 13.0645, 0.18}, {"Munich", "Bavaria", "DE", "de", 48.1351, 11.582, 1.5},
	{"Hamburg", "Hamburg", "DE", "de", 53.5511, 9.9937, 1.8}, {"Madrid", "Madrid", "ES", "es", 40.4168, -3.7038, 3.3},
	{"Barcelona", "Catalonia", "ES", "es", 41.3874, 2.1686, 1.6}, {"Lisbon", "Lisbon", "PT", "pt", 38.7223, -9.1393, 0.55},
	{"Rome", "Lazio", "IT", "it", 41.9028, 12.4964, 2.8}, {"Milan", "Lombardy", "IT", "it", 45.4642, 9.19, 1.4},
	{"Amsterdam", "North Holland", "NL", "nl", 52.3676, 4.9041, 0.87}, {"Stockholm", "Stockholm", "SE", "sv", 59.3293, 18.0686, 0.98},
	{"São Paulo", "São Paulo", "BR", "pt", -23.5505, -46.6333, 12.3}, {"Rio de Janeiro", "Rio de Janeiro", "BR", "pt", -22.9068, -43.1729, 6.7},
	{"Buenos Aires", "Buenos Aires", "AR", "es", -34.6037, -58.3816, 3.1}, {"Sydney", "New South Wales", "AU", "en", -33.8688, 151.2093, 5.3},
	{"Melbourne", "Victoria", "AU", "en", -37.8136, 144.9631, 5.0}, {"Auckland", "Auckland", "NZ", "en", -36.8485, 174.7633, 1.7},
	{"Lagos", "Lagos", "NG", "en", 6.5244, 3.3792, 8.0}, {"Nairobi", "Nairobi", "KE", "en", -1.2921, 36.8219, 4.4},
	{"Mumbai", "Maharashtra", "IN", "en", 19.076, 72.8777, 12.4}, {"Singapore", "Singapore", "SG", "en", 1.3521, 103.8198, 5.7},
	{"Manila", "Metro Manila", "PH", "en", 14.5995, 120.9842, 1.8}, {"Jakarta", "Jakarta", "ID", "id", -6.2088, 106.8456, 10.6},
	{"Tokyo", "Tokyo", "JP", "ja", 35.6762, 139.6503, 14.0}, {"Seoul", "Seoul", "KR", "ko", 37.5665, 126.978, 9.7},
}

// Platforms and their shares of the creators.
var platforms = []struct {
	name  string
	share float64
}{{creator.Instagram, 0.40}, {creator.TikTok, 0.20}, {creator.YouTube, 0.15}, {creator.Bluesky, 0.10}, {creator.Mastodon, 0.10}, {creator.Web, 0.05}}

// NumBrands is the number of brands in the corpus.
const NumBrands = 2000

// brandName makes brand i's name from syllables: pronounceable, distinct.
func brandName(i int) string {
	a := []string{"lu", "ve", "ko", "ma", "ri", "so", "ta", "ne", "pi", "do", "ga", "fi", "ze", "ba", "mo", "ki"}
	b := []string{"ra", "lo", "mi", "sa", "ve", "no", "ti", "ka", "re", "du", "xo", "pa", "le", "vi", "gu", "sh"}
	c := []string{"", "x", "ly", "co", "io", "um", "ix", "ora", "lab", "fit", "glow", "ware", "nest", "leaf", "peak", "bloom"}
	return strings.ToUpper(a[i%16][:1]) + a[i%16][1:] + b[(i/16)%16] + c[(i/256)%16]
}

// BrandName returns brand i's name, for queries.
func BrandName(i int) string { return brandName(i) }

// brandsOfNiche are the brands that work in each niche: brand i belongs to
// niche i mod len(niches), so every niche has about 70.
func brandOfNiche(r *rand.Rand, niche int) int {
	return niche + zBrands.draw(r)*len(niches)
}

// zipfCum is a cumulative Zipf table.
type zipfCum []float64

func (cum zipfCum) draw(r *rand.Rand) int {
	n := len(cum)
	return min(n-1, sort.SearchFloat64s(cum, r.Float64()*cum[n-1]))
}

type zipfKey struct {
	n int
	s float64
}

var (
	zipfMu     sync.RWMutex
	zipfTables = map[zipfKey]zipfCum{}
)

func zipfTable(n int, s float64) zipfCum {
	key := zipfKey{n, s}
	zipfMu.RLock()
	cum, ok := zipfTables[key]
	zipfMu.RUnlock()
	if ok {
		return cum
	}
	cum = make(zipfCum, n)
	t := 0.0
	for k := range cum {
		t += 1 / math.Pow(float64(k+1), s)
		cum[k] = t
	}
	zipfMu.Lock()
	zipfTables[key] = cum
	zipfMu.Unlock()
	return cum
}

// The tables Doc draws from, built once.
var (
	zNiches  = zipfTable(len(niches), 0.8)
	zGeneric = zipfTable(len(genericTags), 1)
	zRare    = zipfTable(50000, 1.05)
	zBrands  = zipfTable(NumBrands/len(niches), 1.1)
)

var cityCum = func() []float64 {
	var cum []float64
	t := 0.0
	for _, c := range cities {
		t += c.weight
		cum = append(cum, t)
	}
	return cum
}()

func pickCity(r *rand.Rand) city {
	u := r.Float64() * cityCum[len(cityCum)-1]
	for i, c := range cityCum {
		if u <= c {
			return cities[i]
		}
	}
	return cities[len(cities)-1]
}

// Doc returns creator i of the corpus with the given seed: the same
// document every time. The distributions:
//   - platform: instagram 40%, tiktok 20%, youtube 15%, bluesky and mastodon
//     10% each, web 5%;
//   - followers: nano (1k–10k) 45%, micro (10k–100k) 40%, macro 12%, mega
//     3%, log-uniform within each; 2% unknown; the tier follows;
//   - engagement rate: about 6%, 3.5%, 1.8% and 1% by tier, log-normal
//     noise, 4% unknown;
//   - 1–3 niches of 28, Zipf-popular; 10–30 posts in the last 90 days with
//     6–20 word captions from the niches' words and common words, 2–6
//     hashtags each from the niches' tags (Zipf), generic tags and a long
//     tail of 50,000 rare tags;
//   - a post names a brand with probability 0.2, one of the 2,000 brands
//     (about 70 per niche, Zipf-popular), classed organic 50%, gifted 20%,
//     sponsored 20%, affiliate 10%; 3% of those are flagged undisclosed;
//   - location: one of 52 cities by population, jittered up to ±0.25°, 80%;
//     a country only 5%; none 15%. Language follows the city;
//   - verified: mega 50%, macro 15%, else 2%; an email 30%;
//   - 30-day growth normal around +2% (sd 5%), 20% unknown; authenticity
//     40–100, 10% unknown.
func Doc(seed uint64, i int) index.Doc {
	r := rand.New(rand.NewPCG(seed, uint64(i)*0x9e3779b97f4a7c15+1))
	u := r.Float64()
	plat := platforms[len(platforms)-1].name
	for _, p := range platforms {
		if u < p.share {
			plat = p.name
			break
		}
		u -= p.share
	}
	handle := strconv.Itoa(i)
	handle = "c" + "0000000"[min(7, len(handle)):] + handle
	if plat == creator.Mastodon {
		handle += "@social.example"
	}
	c := &creator.Creator{
		ID: creator.MakeID(plat, handle), Platform: plat, Handle: handle,
		URL:       "https://" + plat + ".example/" + handle,
		FetchedAt: Base.Add(-time.Duration(r.IntN(30*24*60)) * time.Minute),
	}
	c.SourceURL = c.URL

	// Niches.
	var ns []int
	for k, n := 0, 1+r.IntN(3); k < n; k++ {
		x := zNiches.draw(r)
		dup := false
		for _, y := range ns {
			dup = dup || y == x
		}
		if !dup {
			ns = append(ns, x)
		}
	}
	for _, x := range ns {
		c.Niches = append(c.Niches, niches[x].name)
	}
	// Every generated text of the creator (bio, captions, post ids) goes
	// into one arena, made a string once at the end: a creator is a few
	// allocations, not one per post field, so the generator leaves the
	// build's CPU and garbage collector to the index it measures. The
	// random draws are the same, in the same order, as one string each.
	ap := arenas.Get().(*[]byte)
	arena := (*ap)[:0]
	words := func(n int) span {
		lo := len(arena)
		for k := 0; k < n; k++ {
			if k > 0 {
				arena = append(arena, ' ')
			}
			if r.IntN(3) == 0 {
				arena = append(arena, common[r.IntN(len(common))]...)
			} else {
				k := ns[r.IntN(len(ns))]
				arena = append(arena, niches[k].words[nicheZipf[k].words.draw(r)]...)
			}
		}
		return span{lo, len(arena)}
	}
	word := niches[ns[0]].words[r.IntN(4)]
	c.DisplayName = strings.ToUpper(handle[:1]) + handle[1:4] + " " + strings.ToUpper(word[:1]) + word[1:]
	bio := words(8 + r.IntN(12))

	// Followers, tier, ER.
	tierIdx := 0
	switch u := r.Float64(); {
	case u < 0.45:
		tierIdx = 0
	case u < 0.85:
		tierIdx = 1
	case u < 0.97:
		tierIdx = 2
	default:
		tierIdx = 3
	}
	if r.IntN(50) != 0 {
		lo := math.Pow(10, float64(3+tierIdx))
		f := int64(lo * math.Pow(10, r.Float64()))
		if tierIdx == 3 {
			f = int64(1e6 * math.Pow(10, r.Float64()*1.5))
		}
		c.Followers = &f
		c.Tier = creator.Tiers[tierIdx]
	}
	if r.IntN(25) != 0 {
		base := []float64{0.06, 0.035, 0.018, 0.01}[tierIdx]
		er := math.Round(base*math.Exp(r.NormFloat64()*0.5)*1e5) / 1e5
		c.EngagementRate = &er
	}

	// Place and language.
	switch u := r.Float64(); {
	case u < 0.80:
		ct := pickCity(r)
		lat := ct.lat + (r.Float64()-0.5)*0.5
		lon := ct.lon + (r.Float64()-0.5)*0.5
		c.Location = &creator.Location{Raw: ct.name, City: ct.name, Region: ct.region, Country: ct.country, Lat: &lat, Lon: &lon}
		c.Language = ct.lang
	case u < 0.85:
		ct := pickCity(r)
		c.Location = &creator.Location{Raw: ct.country, Country: ct.country}
		c.Language = ct.lang
	default:
		c.Language = "en"
	}
	c.Verified = r.Float64() < []float64{0.02, 0.02, 0.15, 0.5}[tierIdx]
	if r.IntN(10) < 3 {
		c.Email = handle + "@mail.example"
	}

	// Posts: the analysis window.
	n := 10 + r.IntN(21)
	posts := make([]creator.Post, 0, n)
	times := make([]time.Time, n)
	tags := make([]string, 0, n*6)
	texts := make([][2]span, n) // each post's id and caption
	var last time.Time
	for k := 0; k < n; k++ {
		t := c.FetchedAt.Add(-time.Duration(r.IntN(88*24)) * time.Hour).Truncate(time.Hour)
		times[k] = t
		lo := len(arena)
		arena = strconv.AppendInt(append(append(arena, plat...), ':'), int64(i*64+k), 10)
		texts[k][0] = span{lo, len(arena)}
		texts[k][1] = words(6 + r.IntN(15))
		p := creator.Post{PublishedAt: &times[k], FetchedAt: c.FetchedAt, SourceURL: c.URL}
		if k == 0 || t.After(last) {
			last = t
		}
		nh := 2 + r.IntN(5)
		first := len(tags)
		for h := 0; h < nh; h++ {
			var tag string
			switch x := r.IntN(10); {
			case x < 7:
				k := ns[r.IntN(len(ns))]
				tag = niches[k].tags[nicheZipf[k].tags.draw(r)]
			case x < 9:
				tag = genericTags[zGeneric.draw(r)]
			default:
				tag = "tag" + strconv.Itoa(zRare.draw(r))
			}
			if !slices.Contains(tags[first:], tag) {
				tags = append(tags, tag)
			}
		}
		p.Hashtags = tags[first:len(tags):len(tags)]
		if r.IntN(5) == 0 {
			b := brandOfNiche(r, ns[r.IntN(len(ns))])
			class := creator.Organic
			switch x := r.IntN(10); {
			case x < 2:
				class = creator.Gifted
			case x < 4:
				class = creator.Sponsored
			case x < 5:
				class = creator.Affiliate
			}
			p.Brands = []creator.Brand{{Name: brandName(b), Class: class}}
			p.Disclosure = creator.Disclosure{Class: class}
			if class == creator.Organic && r.IntN(16) == 0 {
				p.Undisclosed = &creator.Flag{Reason: "brand mention with a code but no disclosure"}
			}
		} else {
			p.Disclosure = creator.Disclosure{Class: creator.Organic}
		}
		posts = append(posts, p)
	}
	if n > 0 {
		c.LastPostAt = &last
	}
	text := string(arena)
	*ap = arena
	arenas.Put(ap)
	c.Bio = bio.of(text)
	for k := range posts {
		posts[k].ID, posts[k].Caption = texts[k][0].of(text), texts[k][1].of(text)
	}

	a := &creator.Analysis{AnalyzedAt: c.FetchedAt}
	if r.IntN(5) != 0 {
		g := math.Round((0.02+r.NormFloat64()*0.05)*1e4) / 1e4
		a.Growth = &creator.Growth{D30: &creator.GrowthPeriod{Days: 30, Relative: &g}}
	}
	if r.IntN(10) != 0 {
		s := float64(40 + r.IntN(61))
		a.Authenticity = &creator.Authenticity{Score: &s}
	}
	c.Analysis = a
	return index.Doc{Creator: c, Posts: posts}
}

// arenas hold the text arenas of Doc, reused.
var arenas = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// span is a piece of a creator's text arena.
type span struct{ lo, hi int }

func (s span) of(text string) string { return text[s.lo:s.hi] }

// Corpus yields creators 0..n-1 of seed, in order, and stops at the first
// error yield returns.
func Corpus(seed uint64, n int, yield func(index.Doc) error) error {
	for i := 0; i < n; i++ {
		if err := yield(Doc(seed, i)); err != nil {
			return err
		}
	}
	return nil
}

// CorpusParallel yields the same documents as Corpus, in the same order,
// generating them on workers goroutines ahead of the consumer.
func CorpusParallel(ctx context.Context, seed uint64, n, workers int, yield func(index.Doc) error) error {
	if workers <= 1 {
		return Corpus(seed, n, yield)
	}
	const chunk = 256
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		lo, hi int
		out    chan []index.Doc
	}
	jobs := make(chan job)
	order := make(chan job, 2*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				docs := make([]index.Doc, 0, j.hi-j.lo)
				for i := j.lo; i < j.hi; i++ {
					docs = append(docs, Doc(seed, i))
				}
				j.out <- docs
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for lo := 0; lo < n; lo += chunk {
			j := job{lo: lo, hi: min(n, lo+chunk), out: make(chan []index.Doc, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	for j := range order {
		var docs []index.Doc
		select {
		case docs = <-j.out:
		case <-ctx.Done():
			return ctx.Err()
		}
		for _, d := range docs {
			if err := yield(d); err != nil {
				cancel()
				return err
			}
		}
	}
	return ctx.Err()
}
