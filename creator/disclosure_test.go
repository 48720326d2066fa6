package creator

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
)

type disclosureCase struct {
	ID           string `json:"id"`
	Split        string `json:"split"` // "dev": rules were tuned on it; "holdout": written before the classifier saw it
	Lang         string `json:"lang"`
	Caption      string `json:"caption"`
	PlatformPaid bool   `json:"platform_paid"`
	Class        string `json:"class"`
	Trap         string `json:"trap"`
	Undisclosed  *bool  `json:"undisclosed"`
}

func loadDisclosureCases(t testing.TB) []disclosureCase {
	t.Helper()
	data, err := os.ReadFile("testdata/disclosure_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cs []disclosureCase
	if err := json.Unmarshal(data, &cs); err != nil {
		t.Fatalf("disclosure_cases.json: %v", err)
	}
	return cs
}

// classifyCase runs the classifier the way Analyze does: on a post whose
// mentions the crawler has extracted.
func classifyCase(c disclosureCase) PostDisclosure {
	p := Post{ID: "test:" + c.ID, Caption: c.Caption, PlatformPaid: c.PlatformPaid}
	for _, m := range mentionRe.FindAllStringSubmatch(strings.ToLower(c.Caption), -1) {
		p.Mentions = append(p.Mentions, m[1])
	}
	return ClassifyPost(&p, nil)
}

func TestDisclosureCasesSet(t *testing.T) {
	cs := loadDisclosureCases(t)
	if len(cs) < 150 {
		t.Errorf("have %d labelled cases; want at least 150", len(cs))
	}
	ids := map[string]bool{}
	langs := map[string]bool{}
	traps := map[string]int{}
	classes := map[string]int{}
	for _, c := range cs {
		if ids[c.ID] {
			t.Errorf("duplicate case id %s", c.ID)
		}
		ids[c.ID] = true
		langs[c.Lang] = true
		traps[c.Trap]++
		classes[c.Class]++
		if !containsStr(Classes, c.Class) {
			t.Errorf("%s: unknown class %q", c.ID, c.Class)
		}
		if c.Split != "dev" && c.Split != "holdout" {
			t.Errorf("%s: unknown split %q", c.ID, c.Split)
		}
	}
	for _, trap := range []string{"negation", "look-alike tag", "code other sense", "partner spouse", "brand bought", "undisclosed", "precedence", "platform flag"} {
		if traps[trap] < 2 {
			t.Errorf("trap %q has %d cases; want at least 2", trap, traps[trap])
		}
	}
	for _, tag := range []string{"#adhd", "#adaptive", "#adidas", "#adventure"} {
		found := false
		for _, c := range cs {
			if strings.Contains(strings.ToLower(c.Caption), tag) && c.Class == Organic {
				found = true
			}
		}
		if !found {
			t.Errorf("no organic case with the look-alike tag %s", tag)
		}
	}
	if len(langs) < 10 {
		t.Errorf("cases cover %d languages; want at least 10", len(langs))
	}
	for _, c := range Classes {
		if classes[c] < 10 {
			t.Errorf("class %s has %d cases; want at least 10", c, classes[c])
		}
	}
}

// bareAdRe is the baseline the classifier is measured against.
var bareAdRe = regexp.MustCompile(`(?i)#ad\b`)

// TestDisclosureCases is the table test over the labelled set. Every dev
// case must pass (the rules were written against them). The holdout cases
// were written before the classifier was run on them and never tuned
// against; their accuracy is measured and must stay above a floor.
func TestDisclosureCases(t *testing.T) {
	cs := loadDisclosureCases(t)
	type tally struct{ n, ok, base, und, undOK int }
	by := map[string]*tally{"dev": {}, "holdout": {}, "all": {}}
	for _, c := range cs {
		got := classifyCase(c)
		baseline := Organic
		if bareAdRe.MatchString(c.Caption) {
			baseline = Sponsored
		}
		for _, k := range []string{c.Split, "all"} {
			tl := by[k]
			tl.n++
			if got.Disclosure.Class == c.Class {
				tl.ok++
			}
			if baseline == c.Class {
				tl.base++
			}
			if c.Undisclosed != nil {
				tl.und++
				if (got.Undisclosed != nil) == *c.Undisclosed {
					tl.undOK++
				}
			}
		}
		classOK := got.Disclosure.Class == c.Class
		undOK := c.Undisclosed == nil || (got.Undisclosed != nil) == *c.Undisclosed
		if classOK && undOK {
			continue
		}
		msg := "%s [%s %s] %q: class %s (signals %q), want %s"
		args := []any{c.ID, c.Lang, c.Trap, c.Caption, got.Disclosure.Class, got.Disclosure.Signals, c.Class}
		if !undOK {
			msg += "; undisclosed flag %v, want %v"
			args = append(args, got.Undisclosed != nil, *c.Undisclosed)
		}
		if c.Split == "dev" {
			t.Errorf(msg, args...)
		} else {
			t.Logf("holdout miss: "+msg, args...)
		}
	}
	for _, k := range []string{"dev", "holdout", "all"} {
		tl := by[k]
		if tl.n == 0 {
			t.Fatalf("no %s cases", k)
		}
		t.Logf("%-7s n=%3d  classifier accuracy %.1f%% (%d/%d)  bare #ad regex accuracy %.1f%% (%d/%d)  undisclosed flag %d/%d",
			k, tl.n, 100*float64(tl.ok)/float64(tl.n), tl.ok, tl.n, 100*float64(tl.base)/float64(tl.n), tl.base, tl.n, tl.undOK, tl.und)
	}
	h := by["holdout"]
	if acc := float64(h.ok) / float64(h.n); acc < holdoutFloor {
		t.Errorf("holdout accuracy %.3f below the floor %.2f", acc, holdoutFloor)
	}
	if a := by["all"]; a.ok <= a.base {
		t.Errorf("classifier (%d/%d) is no better than a bare #ad regex (%d/%d)", a.ok, a.n, a.base, a.n)
	}
}

// holdoutFloor is set just under the measured holdout accuracy, so a
// regression fails the test.
const holdoutFloor = 0.88

func TestDisclosureBrands(t *testing.T) {
	brands := map[string][]string{"Glossier": {"@glossier", "glossier.official"}, "La Roche-Posay": {"@larocheposayusa", "la roche posay"}}
	tests := []struct {
		name       string
		post       Post
		class      string
		wantBrands []Brand
		signal     string
	}{
		{"named brand carries the class, the photographer does not",
			Post{Caption: "Paid partnership with @gymshark 📸 by @janephoto", Mentions: []string{"gymshark", "janephoto"}},
			Sponsored, []Brand{{"gymshark", Sponsored}, {"janephoto", Organic}}, "sponsored: paid partnership with"},
		{"no brand named: every mention carries the class",
			Post{Caption: "#ad new kit from @nike with @coach_sam"},
			Sponsored, []Brand{{"nike", Sponsored}, {"coach_sam", Sponsored}}, "sponsored: #ad"},
		{"alias handle maps to the brand",
			Post{Caption: "Thanks @glossier.official for sending the new balm!"},
			Gifted, []Brand{{"Glossier", Gifted}}, "gifted: thanks @glossier.official for sending"},
		{"multi-word alias in the text",
			Post{Caption: "My la roche posay sunscreen is back in stock, link in bio"},
			Organic, []Brand{{"La Roche-Posay", Organic}}, ""},
		{"hashtags from the post's list count",
			Post{Caption: "New season drop", Hashtags: []string{"Anzeige"}, Mentions: []string{"zalando"}},
			Sponsored, []Brand{{"zalando", Sponsored}}, "sponsored: #anzeige"},
		{"brand hashtag with partner suffix",
			Post{Caption: "Cosy nights in #glossierpartner"},
			Sponsored, []Brand{{"Glossier", Sponsored}}, "sponsored: #glossierpartner"},
		{"code names the brand after it",
			Post{Caption: "use code MIA20 at @myprotein for 20% off and thanks @gymbuddy for the spot"},
			Affiliate, []Brand{{"myprotein", Affiliate}, {"gymbuddy", Organic}}, "affiliate: code MIA20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ClassifyPost(&tt.post, brands)
			if r.Disclosure.Class != tt.class {
				t.Fatalf("class %s (%q), want %s", r.Disclosure.Class, r.Disclosure.Signals, tt.class)
			}
			if tt.signal != "" && !containsStr(r.Disclosure.Signals, tt.signal) {
				t.Errorf("signals %q lack %q", r.Disclosure.Signals, tt.signal)
			}
			if len(r.Brands) != len(tt.wantBrands) {
				t.Fatalf("brands %+v, want %+v", r.Brands, tt.wantBrands)
			}
			for i := range r.Brands {
				if r.Brands[i] != tt.wantBrands[i] {
					t.Errorf("brands %+v, want %+v", r.Brands, tt.wantBrands)
				}
			}
		})
	}
}

// TestDisclosureBrandAddresses: an e-mail address is a contact, not a
// brand mention, and one brand written as @x, @X and @x@host (a fediverse
// handle) is one brand.
func TestDisclosureBrandAddresses(t *testing.T) {
	aliases := map[string][]string{"Glossier": {"@glossier", "glossier"}}
	tests := []struct {
		name    string
		post    Post
		aliases map[string][]string
		class   string
		want    []Brand
	}{
		{"e-mail domain is no brand",
			Post{Caption: "Morning skin routine ☀️ collabs: hello@glossier.com"},
			nil, Organic, []Brand{}},
		{"e-mail domain does not hit a configured alias",
			Post{Caption: "Obsessed with this balm tbh. Biz inquiries → Hello@Glossier.com 💌"},
			aliases, Organic, []Brand{}},
		{"mention kept, the same brand's e-mail dropped",
			Post{Caption: "New drop from @glossier ✨ swatches below. Business: team@glossier.com", Mentions: []string{"glossier"}},
			nil, Organic, []Brand{{"glossier", Organic}}},
		{"a crawler's mention list that took the e-mail domain for a mention",
			Post{Caption: "For collabs email partnerships@gymshark.com 💪 #legday", Mentions: []string{"gymshark.com"}},
			nil, Organic, []Brand{}},
		{"sponsor named, its press address not a second brand",
			Post{Caption: "Paid partnership with @Oatly 🥛 questions? press@oatly.com", Mentions: []string{"oatly"}},
			nil, Sponsored, []Brand{{"oatly", Sponsored}}},
		{"@x and @x@host are one brand",
			Post{Caption: "Thanks @Patagonia and @patagonia@mastodon.social for the new shell! #gifted",
				Mentions: []string{"patagonia", "patagonia@mastodon.social"}},
			nil, Gifted, []Brand{{"patagonia", Gifted}}},
		{"fediverse mention alone names the user, not the server",
			Post{Caption: "gifted by @fairphone@mastodon.social 📱 and honestly loving it", Mentions: []string{"fairphone@mastodon.social"}},
			nil, Gifted, []Brand{{"fairphone", Gifted}}},
		{"case does not make two brands",
			Post{Caption: "#ad Trail day with @GoPro — shot on my @gopro HERO", Mentions: []string{"GoPro", "gopro"}},
			nil, Sponsored, []Brand{{"gopro", Sponsored}}},
		{"alias, mention and fediverse handle map to the configured brand",
			Post{Caption: "Thanks @glossier@glammr.us for sending the Cloud Paint! Contact me: mia.makeup@gmail.com",
				Mentions: []string{"glossier@glammr.us"}},
			aliases, Gifted, []Brand{{"Glossier", Gifted}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ClassifyPost(&tt.post, tt.aliases)
			if r.Disclosure.Class != tt.class {
				t.Errorf("class %s (%q), want %s", r.Disclosure.Class, r.Disclosure.Signals, tt.class)
			}
			if !reflect.DeepEqual(r.Brands, tt.want) {
				t.Errorf("brands %+v, want %+v", r.Brands, tt.want)
			}
		})
	}
}

func TestDisclosureSignalsAndFlag(t *testing.T) {
	r := ClassifyPost(&Post{Caption: "#gifted by @bybi, and use code BYBI15 for 15% off! #ad"}, nil)
	if r.Disclosure.Class != Sponsored {
		t.Fatalf("class %s", r.Disclosure.Class)
	}
	// Strongest class first, then the rest in text order.
	want := []string{"sponsored: #ad", "affiliate: code BYBI15", "gifted: #gifted"}
	for i, w := range want {
		if i >= len(r.Disclosure.Signals) || r.Disclosure.Signals[i] != w {
			t.Fatalf("signals %q, want %q first", r.Disclosure.Signals, want)
		}
	}
	r = ClassifyPost(&Post{Caption: "Not sponsored! Grab the @oura ring with my code RING20 for 20% off"}, nil)
	if r.Undisclosed == nil {
		t.Fatal("no undisclosed flag")
	}
	ev := strings.Join(r.Undisclosed.Evidence, " | ")
	for _, w := range []string{"brand: oura", "commercial: code RING20", "negated: not sponsored"} {
		if !strings.Contains(ev, w) {
			t.Errorf("flag evidence %q lacks %q", ev, w)
		}
	}
	if d := ClassifyDisclosure("", false); d.Class != Organic || d.Signals == nil {
		t.Errorf("empty caption: %+v", d)
	}
	if d := ClassifyDisclosure("", true); d.Class != Sponsored {
		t.Errorf("platform flag alone: %+v", d)
	}
	if r := ClassifyPost(nil, nil); r.Disclosure.Class != Organic {
		t.Errorf("nil post: %+v", r)
	}
}

func FuzzClassifyDisclosure(f *testing.F) {
	for _, s := range []string{"#ad @x use code AB12 for 10% off", "not sponsored", "Werbung (unbezahlt)", "📍", "code", "@", "#", "AD | x", "\xff\xfe#ad"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, caption string, paid bool) {
		p := Post{Caption: caption, PlatformPaid: paid}
		r := ClassifyPost(&p, map[string][]string{"Brand": {"@brand", "the brand"}})
		if !containsStr(Classes, r.Disclosure.Class) {
			t.Fatalf("class %q", r.Disclosure.Class)
		}
		if paid && r.Disclosure.Class != Sponsored {
			t.Fatalf("platform paid but %s", r.Disclosure.Class)
		}
		if r.Undisclosed != nil && (r.Explicit || len(r.Brands) == 0) {
			t.Fatalf("flag with explicit disclosure or no brand: %+v", r)
		}
	})
}

// BenchmarkClassifyPost classifies every caption of the disclosure cases
// once per iteration.
func BenchmarkClassifyPost(b *testing.B) {
	data, err := os.ReadFile("testdata/disclosure_cases.json")
	if err != nil {
		b.Fatal(err)
	}
	var cs []disclosureCase
	if err := json.Unmarshal(data, &cs); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, c := range cs {
			classifyCase(c)
		}
	}
}

// The cheap checks in front of urlRe and captionEmailRe never skip a
// caption the expression would match.
func TestRegexGatesAreNecessary(t *testing.T) {
	texts := []string{
		"shop at glossier.com/x", "5.5k views. next", "mail me: jo@ex.co", "hi @brand and @friend@mastodon.social",
		"KONTAKT: Jo@Example.COM", "\u212a@ex.com", "x@y", "a.b", "a.bc", "end.", ".de", "café@ex.com",
	}
	for _, c := range loadDisclosureCases(t) {
		texts = append(texts, c.Caption, fold(c.Caption))
	}
	for _, s := range texts {
		if urlRe.MatchString(s) && !mayHaveDomain(s) {
			t.Errorf("mayHaveDomain(%q) is false, urlRe matches", s)
		}
		if captionEmailRe.MatchString(s) && !mayHaveEmail(s) {
			t.Errorf("mayHaveEmail(%q) is false, captionEmailRe matches", s)
		}
		if fediHandleRe.MatchString(s) && strings.Count(s, "@") < 2 {
			t.Errorf("%q: fediHandleRe matches with fewer than two @", s)
		}
		if codeWordRe.MatchString(s) && !hasAny(s, codeWordParts) {
			t.Errorf("%q: codeWordRe matches, none of codeWordParts is in it", s)
		}
		if linkInBioRe.MatchString(s) && !hasAny(s, linkInBioParts) {
			t.Errorf("%q: linkInBioRe matches, none of linkInBioParts is in it", s)
		}
	}
	// Every phrase of linkInBioRe has a part: each alternative of its
	// group, written out, matches.
	re, err := syntax.Parse(linkInBioRe.String(), syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	var phrases []string
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		if r.Op == syntax.OpCapture {
			phrases = alternatives(r.Sub[0])
			return
		}
		for _, sub := range r.Sub {
			walk(sub)
		}
	}
	walk(re)
	if len(phrases) < 10 {
		t.Fatalf("read %d phrases from linkInBioRe: %q", len(phrases), phrases)
	}
	for _, ph := range phrases {
		if !hasAny(ph, linkInBioParts) {
			t.Errorf("linkInBioRe phrase %q has none of linkInBioParts", ph)
		}
		if !linkInBioRe.MatchString(" " + ph + " ") {
			t.Errorf("linkInBioRe does not match its phrase %q", ph)
		}
	}
	// Every word of codeWordRe has a part.
	words := regexp.MustCompile(`\((code\|[^)]*)\)`).FindStringSubmatch(codeWordRe.String())
	if words == nil {
		t.Fatalf("no word list in %s", codeWordRe)
	}
	for _, w := range strings.Split(words[1], "|") {
		if !hasAny(w, codeWordParts) {
			t.Errorf("code word %q has none of codeWordParts", w)
		}
	}
}

// alternatives writes out every string r matches, for an expression of
// literals, concatenations, alternations and optional parts (its shortest
// forms: each optional part left out, then each put in).
func alternatives(r *syntax.Regexp) []string {
	switch r.Op {
	case syntax.OpLiteral:
		return []string{string(r.Rune)}
	case syntax.OpCharClass:
		if len(r.Rune) == 2 && r.Rune[0] == r.Rune[1] {
			return []string{string(r.Rune[0])}
		}
	case syntax.OpCapture:
		return alternatives(r.Sub[0])
	case syntax.OpQuest:
		return append([]string{""}, alternatives(r.Sub[0])...)
	case syntax.OpAlternate:
		var out []string
		for _, sub := range r.Sub {
			out = append(out, alternatives(sub)...)
		}
		return out
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range r.Sub {
			var next []string
			for _, a := range out {
				for _, b := range alternatives(sub) {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out
	}
	panic(fmt.Sprintf("alternatives: %v (op %v) is not written out", r, r.Op))
}

func FuzzRegexGates(f *testing.F) {
	for _, s := range []string{"shop at glossier.com/x", "jo@ex.co", "\u212a@ex.com", "a.bc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if urlRe.MatchString(s) && !mayHaveDomain(s) {
			t.Errorf("mayHaveDomain(%q) is false, urlRe matches", s)
		}
		if captionEmailRe.MatchString(s) && !mayHaveEmail(s) {
			t.Errorf("mayHaveEmail(%q) is false, captionEmailRe matches", s)
		}
		if linkInBioRe.MatchString(s) && !hasAny(s, linkInBioParts) {
			t.Errorf("%q: linkInBioRe matches, none of linkInBioParts is in it", s)
		}
	})
}
