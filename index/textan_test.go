package index

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
	bindex "github.com/blevesearch/bleve_index_api"
)

// bleveFrequencies is what bleve itself stores for text in a field with
// optText: its English analyzer, then TokenFrequency.
func bleveFrequencies(t testing.TB, text string) (bindex.TokenFrequencies, int) {
	an, err := registry.NewCache().AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		t.Fatal(err)
	}
	toks := an.Analyze([]byte(text))
	return analysis.TokenFrequency(toks, nil, optText), len(toks)
}

func sameFrequencies(a, b bindex.TokenFrequencies) bool {
	if len(a) != len(b) {
		return false
	}
	for term, x := range a {
		y, ok := b[term]
		if !ok || x.Frequency() != y.Frequency() || string(x.Term) != term || string(y.Term) != term || len(x.Locations) != len(y.Locations) {
			return false
		}
	}
	return true
}

func checkChunker(t *testing.T, ch *chunker, text string) {
	t.Helper()
	set, n := ch.frequencies(text)
	got := set.m
	want, wn := bleveFrequencies(t, text)
	if n != wn || !sameFrequencies(got, want) {
		gs, ws := []string{}, []string{}
		for k, v := range got {
			gs = append(gs, k+":"+string(rune('0'+v.Frequency())))
		}
		for k, v := range want {
			ws = append(ws, k+":"+string(rune('0'+v.Frequency())))
		}
		t.Fatalf("text %q:\n got %d tokens %v\nwant %d tokens %v", text, n, gs, wn, ws)
	}
}

// pieces of random text: ASCII of every class UAX#29 treats apart (letters,
// digits, the mid-word and mid-number marks . , ; : ' and the joiner _),
// white space of each kind, and non-ASCII letters, marks, quotes, emoji,
// format characters and scripts the segmenter types apart.
var textPieces = []string{
	"a", "Z", "q", "7", "0", "'", "’", "＇", ".", ",", ";", ":", "_", "-", "#", "@", "/", "!", "\"", "(", ")",
	" ", " ", "  ", "\t", "\n", "\r\n", "\r", "\v", "\f",
	"é", "É", "ß", "ü", "\u0301", "\u00ad", "\u200b", "\u200d", "😀", "❤️", "👍🏽", "🇬🇧",
	"日本", "カタカナ", "ひらがな", "한국", "שלום", "״", "״", "١٢", "ﬁ",
	"\x8f", "\xff", "the", "and", "vegan", "skincare", "running", "John's", "it's", "U.S.A", "3.14", "1,000", "co-op", "snake_case", "#vegan", "@brand",
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(30); n >= 0; n-- {
		b.WriteString(textPieces[r.IntN(len(textPieces))])
	}
	return b.String()
}

// TestChunkerMatchesBleve: the cached, chunked analysis gives exactly the
// terms, counts and lengths of bleve's English analyzer on whole texts:
// the corpus texts and random text built to hit segmentation edge cases.
// The same chunker is used throughout, so its memory is exercised too.
func TestChunkerMatchesBleve(t *testing.T) {
	b, err := newBuilder(newMapping())
	if err != nil {
		t.Fatal(err)
	}
	ch := b.chunker()
	for _, d := range genCorpus(13, 300) {
		checkChunker(t, ch, d.Creator.DisplayName)
		checkChunker(t, ch, d.Creator.Bio)
		for _, p := range d.Posts {
			checkChunker(t, ch, p.Caption)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 30000; i++ {
		checkChunker(t, ch, randomText(r))
	}
}

// TestChunkerForgets: a chunker that fills its memory starts again and
// still analyses correctly.
func TestChunkerForgets(t *testing.T) {
	b, _ := newBuilder(newMapping())
	ch := b.chunker()
	for i := 0; i < chunkCacheMax+10; i++ {
		ch.chunk("w" + strconv.Itoa(i))
	}
	checkChunker(t, ch, "vegan skincare, the John's co-op: 3.14 U.S.A")
	if len(ch.cache) > 10 {
		t.Fatalf("memory not dropped: %d chunks", len(ch.cache))
	}
}

func FuzzChunkerMatchesBleve(f *testing.F) {
	for _, s := range []string{"vegan skincare", "John's 3.14 U.S.A", "a \u0301b", "日本 語", "x_y _ __a", "❤️ love\u200dit"} {
		f.Add(s)
	}
	b, _ := newBuilder(newMapping())
	f.Fuzz(func(t *testing.T, s string) {
		checkChunker(t, b.chunker(), s)
	})
}
