package creator

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/quick"
	"time"
)

func sampleCreator() (*Creator, []Post, []Snapshot) {
	c := &Creator{
		ID: MakeID(Instagram, "LisbonYogaAna"), Platform: Instagram, Handle: "lisbonyogaana",
		Bio:       "Yoga & pilates teacher (RYT500) 🧘‍♀️ 📍Lisbon 🇵🇹 | collabs: ana@yogaana.pt | linktr.ee/yogaana",
		Followers: Int64(42_000), Following: Int64(900), Links: []string{"https://linktr.ee/yogaana/"},
	}
	i := Int64
	posts := []Post{
		{ID: "instagram:1", PublishedAt: daysAgo(1), Caption: "Morning flow by the river 🌊 #yoga #lisboa", Likes: i(1500), Comments: i(60)},
		{ID: "instagram:2", PublishedAt: daysAgo(4), Caption: "Paid partnership with @lululemon – my go-to leggings for reformer class #pilates", Likes: i(1100), Comments: i(40), Mentions: []string{"lululemon"}},
		{ID: "instagram:3", PublishedAt: daysAgo(8), Caption: "Use code ANA15 for 15% off @manduka mats 🧘", Likes: i(900), Comments: i(30), Mentions: []string{"manduka"}},
		{ID: "instagram:4", PublishedAt: daysAgo(12), Caption: "Not sponsored, just love my @kindle on the beach 📚", Likes: nil, Comments: i(25), Mentions: []string{"kindle"}},
		{ID: "instagram:5", PublishedAt: daysAgo(15), Caption: "Thanks @aesop for sending this lovely hand balm #gifted", Likes: i(1300), Comments: i(55), Mentions: []string{"aesop"}},
		{ID: "instagram:6", PublishedAt: daysAgo(20), Caption: "Sunset vinyasa 🌅 #yogaeverydamnday", Likes: i(2000), Comments: i(80), Views: i(30000)},
		{ID: "instagram:old", PublishedAt: daysAgo(200), Caption: "Throwback #yoga", Likes: i(1), Comments: i(0)},
	}
	hist := []Snapshot{snap(-0, Int64(42_000)), snap(7, Int64(41_500)), snap(30, Int64(40_000)), snap(90, Int64(36_000))}
	return c, posts, hist
}

func TestAnalyze(t *testing.T) {
	c, posts, hist := sampleCreator()
	o := DefaultOptions()
	o.Brands = map[string][]string{"Lululemon": {"@lululemon", "lulu"}}
	Analyze(c, posts, hist, now0, o)

	if c.Tier != Micro {
		t.Errorf("tier %q", c.Tier)
	}
	// ER over posts 1,2,3,5,6 (post 4 hides likes; "old" is outside 90 days):
	// (1560, 1140, 930, 1355, 2080)/42000 -> median 1355/42000.
	if c.EngagementRate == nil || math.Abs(*c.EngagementRate-1355.0/42000) > 1e-12 {
		t.Errorf("ER %v, want %v", fp(c.EngagementRate), 1355.0/42000)
	}
	a := c.Analysis
	if a == nil || a.Engagement == nil {
		t.Fatal("no analysis")
	}
	if got := strings.Join(a.Engagement.PostIDs, ","); got != "instagram:1,instagram:2,instagram:3,instagram:5,instagram:6" {
		t.Errorf("ER posts %s", got)
	}
	if len(a.Engagement.Excluded) != 1 || !strings.Contains(a.Engagement.Excluded[0], "instagram:4: likes unknown") {
		t.Errorf("excluded %q", a.Engagement.Excluded)
	}
	if a.Engagement.OutsideWindow != 1 {
		t.Errorf("outside window %d", a.Engagement.OutsideWindow)
	}
	if c.AvgLikes == nil || *c.AvgLikes != (1500+1100+900+1300+2000)/5.0 {
		t.Errorf("avg likes %v", fp(c.AvgLikes))
	}
	if c.AvgViews == nil || *c.AvgViews != 30000 {
		t.Errorf("avg views %v", fp(c.AvgViews))
	}
	if c.LastPostAt == nil || !c.LastPostAt.Equal(*posts[0].PublishedAt) {
		t.Errorf("last post %v", c.LastPostAt)
	}
	if len(c.Niches) == 0 || c.Niches[0] != "yoga-pilates" {
		t.Errorf("niches %v (%+v)", c.Niches, a.Niches)
	}
	if c.Language != "en" {
		t.Errorf("language %q (%+v)", c.Language, a.Language)
	}
	if c.Location == nil || c.Location.City != "Lisbon" || c.Location.Country != "PT" || c.Location.Lat == nil {
		t.Errorf("location %+v (%+v)", c.Location, a.Location)
	}
	if c.Email != "ana@yogaana.pt" || len(c.Links) != 1 || c.Links[0] != "https://linktr.ee/yogaana/" {
		t.Errorf("contact %q %q", c.Email, c.Links)
	}
	wantClass := map[string]string{"instagram:1": Organic, "instagram:2": Sponsored, "instagram:3": Affiliate,
		"instagram:4": Organic, "instagram:5": Gifted, "instagram:6": Organic}
	for _, p := range posts {
		if w, ok := wantClass[p.ID]; ok && p.Disclosure.Class != w {
			t.Errorf("%s: class %s (%q), want %s", p.ID, p.Disclosure.Class, p.Disclosure.Signals, w)
		}
	}
	if posts[1].Brands[0] != (Brand{"Lululemon", Sponsored}) {
		t.Errorf("post 2 brands %+v", posts[1].Brands)
	}
	if posts[2].Undisclosed == nil {
		t.Error("code without disclosure not flagged")
	}
	if d := a.Disclosures; d.Counts[Sponsored] != 1 || d.Counts[Gifted] != 1 || d.Counts[Affiliate] != 1 ||
		len(d.Undisclosed) != 1 || d.Undisclosed[0] != "instagram:3" {
		t.Errorf("disclosure summary %+v", d)
	}
	if a.Growth == nil || a.Growth.D30 == nil || a.Growth.D30.Change != 2000 || a.Growth.D90 == nil {
		t.Errorf("growth %+v", a.Growth)
	}
	if a.Authenticity == nil || a.Authenticity.Score == nil {
		t.Errorf("authenticity %+v", a.Authenticity)
	}
	if a.Price == nil || *a.Price.Min != 100 || *a.Price.Max != 500 || !strings.Contains(a.Price.Basis, "micro") {
		t.Errorf("price %+v", a.Price)
	}
	if a.Tier == nil || a.Tier.Tier != Micro || !a.AnalyzedAt.Equal(now0) {
		t.Errorf("tier evidence %+v, analysed at %v", a.Tier, a.AnalyzedAt)
	}

	// JSON carries the evidence under stable names.
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"analysis":`, `"engagement":`, `"post_ids":`, `"formula":`, `"authenticity":`, `"growth":`, `"price":`, `"niches":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s", k)
		}
	}

	// Running again on the output changes nothing.
	b1, _ := json.Marshal(struct {
		C *Creator
		P []Post
	}{c, posts})
	Analyze(c, posts, hist, now0, o)
	b2, _ := json.Marshal(struct {
		C *Creator
		P []Post
	}{c, posts})
	if string(b1) != string(b2) {
		for k := 0; k < len(b1) && k < len(b2); k++ {
			if b1[k] != b2[k] {
				t.Errorf("Analyze is not idempotent: ...%s... vs ...%s...", b1[max(0, k-200):min(len(b1), k+100)], b2[max(0, k-200):min(len(b2), k+100)])
				break
			}
		}
	}
}

func TestAnalyzeUnknowns(t *testing.T) {
	Analyze(nil, nil, nil, now0, Options{}) // no panic
	c := &Creator{ID: "web:x", Platform: Web}
	posts := []Post{{ID: "web:1", Caption: "hello"}}
	Analyze(c, posts, nil, now0, Options{})
	if c.Tier != "" || c.EngagementRate != nil || c.AvgLikes != nil || c.AvgComments != nil || c.AvgViews != nil ||
		c.LastPostAt != nil || c.Analysis.Price != nil || c.Analysis.Authenticity.Score != nil {
		t.Errorf("unknown inputs gave figures: %+v %+v", c, c.Analysis)
	}
	if c.Niches == nil || len(c.Niches) != 0 || c.Location != nil {
		t.Errorf("niches %v location %+v", c.Niches, c.Location)
	}
	if posts[0].Disclosure.Class != Organic || posts[0].Brands == nil {
		t.Errorf("post %+v", posts[0])
	}
}

// TestAnalyzeUnknownNeverZero: whatever mix of nil and known counts,
// Analyze never turns an unknown into 0 and never yields NaN or Inf.
func TestAnalyzeUnknownNeverZero(t *testing.T) {
	type in struct {
		Followers, Following   int64
		FollowersNil           bool
		Likes, Comments, Views [6]int64
		LikesNil, CommentsNil  [6]bool
		ViewsNil               [6]bool
		AgeDays                [6]uint8
	}
	f := func(x in) bool {
		c := &Creator{ID: "instagram:q", Platform: Instagram, Following: Int64(x.Following)}
		if !x.FollowersNil {
			c.Followers = Int64(x.Followers)
		}
		var posts []Post
		anyL, anyC, anyV := false, false, false
		for k := 0; k < 6; k++ {
			p := Post{ID: "p" + string(rune('0'+k)), PublishedAt: daysAgo(float64(x.AgeDays[k] % 80))}
			if !x.LikesNil[k] {
				p.Likes = Int64(x.Likes[k])
				anyL = anyL || x.Likes[k] >= 0
			}
			if !x.CommentsNil[k] {
				p.Comments = Int64(x.Comments[k])
				anyC = anyC || x.Comments[k] >= 0
			}
			if !x.ViewsNil[k] {
				p.Views = Int64(x.Views[k])
				anyV = anyV || x.Views[k] >= 0
			}
			posts = append(posts, p)
		}
		Analyze(c, posts, nil, now0, DefaultOptions())
		for _, v := range []*float64{c.EngagementRate, c.AvgLikes, c.AvgComments, c.AvgViews, c.Analysis.Engagement.ViewRate, c.Analysis.Engagement.PostsPerWeek} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				return false
			}
		}
		if !anyL && c.AvgLikes != nil || !anyC && c.AvgComments != nil || !anyV && c.AvgViews != nil {
			return false
		}
		if (c.Followers == nil || *c.Followers <= 0) && c.EngagementRate != nil {
			return false
		}
		if c.Followers == nil && (c.Tier != "" || c.Analysis.Price != nil) {
			return false
		}
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 500}); err != nil {
		t.Error(err)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		o     Options
		param string
	}{
		{Options{WindowPosts: -1}, "window_posts"},
		{Options{Tiers: TierThresholds{Micro: 5, Macro: 1, Mega: 2}}, "tiers"},
		{Options{Brands: map[string][]string{"x": {"@"}}}, "brands.x"},
		{Options{ExtraNiches: map[string][]string{"knitting": {}}}, "niches.knitting"},
	} {
		if err := tt.o.Validate(); ErrorParam(err) != tt.param {
			t.Errorf("%+v: %v, want an error naming %s", tt.o, err, tt.param)
		}
	}
	// Zero options mean the defaults.
	if !reflect.DeepEqual(Options{}.withDefaults().Tiers, DefaultTierThresholds()) {
		t.Error("zero options did not default")
	}
	_ = time.Second
}

// TestAnalyzeConcurrent runs Analyze from several goroutines, so that
// -race sees the lazy gazetteer and taxonomy loads shared.
func TestAnalyzeConcurrent(t *testing.T) {
	done := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			c, posts, hist := sampleCreator()
			Analyze(c, posts, hist, now0, DefaultOptions())
			city := ""
			if c.Location != nil {
				city = c.Location.City
			}
			done <- city
		}()
	}
	for g := 0; g < 4; g++ {
		if city := <-done; city != "Lisbon" {
			t.Errorf("goroutine resolved %q", city)
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	c0, posts0, hist := sampleCreator()
	if _, err := loadGazetteer(); err != nil {
		b.Fatal(err)
	}
	o := DefaultOptions()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := *c0
		posts := append([]Post(nil), posts0...)
		Analyze(&c, posts, hist, now0, o)
	}
}
