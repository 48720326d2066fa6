package creator

import (
	"encoding/json"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The analysis was made faster without changing a single answer: each
// faster function is checked here against the implementation it replaced
// (reference_test.go), on every text of the package's fixtures and on
// generated texts that mix scripts, tags, mentions, links, addresses,
// emoji and markup.

// corpusTexts returns the fixture captions and bios plus n generated texts.
func corpusTexts(t testing.TB, n int) []string {
	t.Helper()
	var texts []string
	b, err := os.ReadFile("testdata/disclosure_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Caption string `json:"caption"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		texts = append(texts, c.Caption)
	}
	c, posts, _ := sampleCreator()
	texts = append(texts, c.Bio)
	for _, p := range posts {
		texts = append(texts, p.Caption)
	}
	var words []string
	for _, list := range langStopwords {
		words = append(words, strings.Fields(list)...)
	}
	words = append(words,
		"#yoga", "#Pilates", "#ad", "@brand", "@some.one", "@x_y", "https://ex.ample/path?q=1", "http://a.b", "www.shop.example",
		"ana@yoga.pt", "me (at) mail [dot] com", "Lisbon", "São Paulo", "Zürich", "Kraków", "based in Berlin", "NYC-based",
		"📍Lisboa", "📌 Porto, Portugal", "🇵🇹", "🇩🇪🇫🇷", "✈️", "|", "•", "->", "&", "/", "ß", "ñ", "ç", "ł", "ø", "ğ", "ř", "ș",
		"今日は", "公园", "정말", "Сегодня", "її", "الحديقة", "پچ", "Σήμερα", "שלום", "สวัสดี", "नमस्ते", "ქართული",
		"İstanbul", "ǅ", "Ⅻ", "ＡＢＣ", "\u200b", "\u00a0", "\n", "...", "!!", "?", "🧘‍♀️", "❤️", "💛", "✨", "\xff\xfe", "123", "10k",
		"Ecom", "PAID", "partnership", "gifted", "#werbung", "anzeige", "code", "ANA15", "15%", "off", "link", "in", "bio")
	// Texts of one script with tags, digits and emoji, where the
	// script's share of the letters decides.
	scripts := [][]string{
		{"今日は", "公园", "犬と", "楽しかった", "东京"}, {"정말", "강아지와", "오늘은"}, {"Сегодня", "її", "парке", "собакою"},
		{"الحديقة", "پچ", "كلبي"}, {"Σήμερα", "πάρκο"}, {"שלום", "עולם"}, {"สวัสดี"}, {"नमस्ते"}, {"ქართული"},
	}
	other := []string{"#yoga", "@brand", "123", "10k", "🧘‍♀️", "https://ex.ample/a", "ok", "A", "!!", "ana@yoga.pt"}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < n; i++ {
		pool := words
		if i%3 == 0 {
			pool = append(append([]string(nil), scripts[r.Intn(len(scripts))]...), other[:r.Intn(len(other))]...)
		}
		var sb strings.Builder
		for j, k := 0, 1+r.Intn(30); j < k; j++ {
			if j > 0 && r.Intn(6) != 0 {
				sb.WriteByte(' ')
			}
			w := pool[r.Intn(len(pool))]
			if r.Intn(5) == 0 {
				w = strings.ToUpper(w)
			}
			sb.WriteString(w)
		}
		texts = append(texts, sb.String())
	}
	return texts
}

func TestDetectLanguageAsBefore(t *testing.T) {
	texts := corpusTexts(t, 4000)
	r := rand.New(rand.NewSource(2))
	for i, text := range texts {
		args := []string{text}
		if i%3 == 0 {
			// A bio with captions, as Analyze asks.
			for k := r.Intn(6); k > 0; k-- {
				args = append(args, texts[r.Intn(len(texts))])
			}
		}
		got, want := DetectLanguage(args...), detectLanguageBefore(args...)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DetectLanguage(%q)\n got %+v\nwant %+v", args, got, want)
		}
	}
	for r := range langLetters {
		if r < 0x80 {
			t.Fatalf("langLetters holds ASCII %q: DetectLanguage skips ASCII there", r)
		}
	}
}

func TestTaxonomyMatchAsBefore(t *testing.T) {
	texts := corpusTexts(t, 3000)
	extra, err := NewTaxonomy(map[string][]string{
		"Van Life": {"van life", "#vanlife", "camper van build", "#overland"}, "fitness": {"kettle bell", "#kb"}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(3))
	for _, tax := range []*Taxonomy{DefaultTaxonomy(), extra} {
		for _, text := range texts {
			var tags []string
			for k := r.Intn(4); k > 0; k-- {
				tags = append(tags, strings.Fields(texts[r.Intn(len(texts))] + " #x")[0])
			}
			if got, want := tax.match(text, tags), tax.matchBefore(text, tags); !reflect.DeepEqual(got, want) {
				t.Fatalf("match(%q, %q)\n got %v\nwant %v", text, tags, got, want)
			}
		}
	}
}

// BenchmarkFaster runs each faster function and its oracle over the same
// corpus, side by side.
func BenchmarkFaster(b *testing.B) {
	texts := corpusTexts(b, 500)
	tax := DefaultTaxonomy()
	for _, bc := range []struct {
		name string
		fn   func(string)
	}{
		{"language/now", func(s string) { DetectLanguage(s) }},
		{"language/before", func(s string) { detectLanguageBefore(s) }},
		{"niche/now", func(s string) { tax.match(s, nil) }},
		{"niche/before", func(s string) { tax.matchBefore(s, nil) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				for _, s := range texts {
					bc.fn(s)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(texts)), "µs/text")
		})
	}
}
