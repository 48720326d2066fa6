package creator

import (
	"strings"
	"testing"
)

func TestTaxonomyEmbedded(t *testing.T) {
	names := NicheNames()
	if len(names) < 28 || len(names) > 35 {
		t.Errorf("taxonomy has %d niches, want about 30", len(names))
	}
	for _, n := range []string{"beauty", "skincare", "fitness", "yoga-pilates", "running", "food", "vegan", "baking", "local-food",
		"gaming", "parenting", "personal-finance", "b2b-saas", "tech", "sustainability", "fashion", "travel", "pets", "education",
		"home-diy", "photography", "music", "books", "health-wellness", "outdoors", "cycling", "coffee", "beer-wine", "cars", "art"} {
		if !containsStr(names, n) {
			t.Errorf("niche %q missing", n)
		}
	}
	for _, d := range DefaultTaxonomy().Niches() {
		if len(d.Keywords) < 10 || len(d.Hashtags) < 10 {
			t.Errorf("niche %s has %d keywords and %d hashtags; want 10+ of each", d.Name, len(d.Keywords), len(d.Hashtags))
		}
	}
	if defaultTaxErr != nil {
		t.Fatal(defaultTaxErr)
	}
}

func TestNicheScore(t *testing.T) {
	tax := DefaultTaxonomy()
	posts := []Post{
		{Caption: "Morning flow 🧘‍♀️ #yoga #yogapractice #vinyasa"},
		{Caption: "Reformer day! #pilates", Hashtags: []string{"pilates", "reformerpilates"}},
		{Caption: "Oat milk flat white before class ☕ #coffee"},
		{Caption: "Sunday vinyasa, then brunch"},
	}
	scores := tax.Score("Yoga & pilates teacher (RYT500) in Lisbon 🌿", posts)
	if len(scores) < 2 || scores[0].Niche != "yoga-pilates" {
		t.Fatalf("scores %+v, want yoga-pilates first", scores)
	}
	// bio: yoga, pilates, ryt500 -> the full bio share 0.4; 3 of 4 posts
	// match -> 0.6*3/4.
	if scores[0].Score != 0.85 {
		t.Errorf("yoga-pilates score %v, want 0.85", scores[0].Score)
	}
	var coffee *NicheScore
	for i := range scores {
		if scores[i].Niche == "coffee" {
			coffee = &scores[i]
		}
	}
	if coffee == nil || coffee.Score != 0.15 { // 0.4*0 + 0.6*1/4: "flat white" and #coffee in one post
		t.Errorf("coffee %+v, want score 0.15", coffee)
	}
	ev := strings.Join(scores[0].Evidence, " | ")
	for _, w := range []string{"bio: yoga, pilates, ryt500", "#pilates in 1/4 posts", "vinyasa in 1/4 posts", "#vinyasa in 1/4 posts"} {
		if !strings.Contains(ev, w) {
			t.Errorf("evidence %q lacks %q", ev, w)
		}
	}
	for i := 1; i < len(scores); i++ {
		if scores[i].Score > scores[i-1].Score {
			t.Errorf("scores not sorted: %+v", scores)
		}
	}
}

func TestNicheTraps(t *testing.T) {
	tax := DefaultTaxonomy()
	tests := []struct {
		text string
		not  string
		is   string
	}{
		{"Berlin nights #techno #technomusic", "tech", "music"},
		{"Strawberry #yogurt bowl", "yoga-pilates", ""},
		{"Booking the flights today #booking", "books", ""},
		{"Backen am Sonntag: Rezept für Zimtschnecken #backen", "", "baking"},
		{"Receta de paella para 4 personas", "", "food"},
		{"Mon nouveau vélo de gravel #velo", "", "cycling"},
	}
	for _, tt := range tests {
		scores := tax.Score("", []Post{{Caption: tt.text}})
		got := map[string]bool{}
		for _, s := range scores {
			got[s.Niche] = true
		}
		if tt.not != "" && got[tt.not] {
			t.Errorf("%q scored %s: %+v", tt.text, tt.not, scores)
		}
		if tt.is != "" && !got[tt.is] {
			t.Errorf("%q did not score %s: %+v", tt.text, tt.is, scores)
		}
	}
}

func TestNewTaxonomy(t *testing.T) {
	tax, err := NewTaxonomy(map[string][]string{
		"Pickleball": {"pickleball", "#pickleballlife", "paddle"},
		"coffee":     {"matcha"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !containsStr(tax.Names(), "pickleball") || len(tax.Names()) != len(NicheNames())+1 {
		t.Errorf("names %v", tax.Names())
	}
	scores := tax.Score("", []Post{{Caption: "Dinking all day #pickleballlife"}, {Caption: "Iced matcha ☀️"}})
	got := map[string]float64{}
	for _, s := range scores {
		got[s.Niche] = s.Score
	}
	if got["pickleball"] != 0.3 || got["coffee"] != 0.3 {
		t.Errorf("extended scores %v, want pickleball and coffee at 0.3", got)
	}
	// The default taxonomy is untouched.
	if containsStr(NicheNames(), "pickleball") {
		t.Error("extending changed the default taxonomy")
	}
	for _, bad := range []map[string][]string{{" ": {"x"}}, {"x": {"#"}}, {"y": {}}} {
		if _, err := NewTaxonomy(bad); ErrorCode(err) != EINVALID {
			t.Errorf("NewTaxonomy(%v) = %v, want an invalid error", bad, err)
		}
	}
}

func TestAnalyzeExtraNiches(t *testing.T) {
	o := DefaultOptions()
	o.ExtraNiches = map[string][]string{"pickleball": {"#pickleball", "dink"}}
	for k := 0; k < 2; k++ { // the second run uses the cached taxonomy
		c := &Creator{ID: "instagram:p", Bio: "Pickleball coach 🏓 #pickleball"}
		Analyze(c, []Post{{ID: "instagram:1", Caption: "Dink practice #pickleball"}}, nil, now0, o)
		if len(c.Niches) == 0 || c.Niches[0] != "pickleball" {
			t.Fatalf("run %d: niches %v", k, c.Niches)
		}
	}
}
