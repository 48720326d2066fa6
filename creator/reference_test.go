package creator

// Test oracles: DetectLanguage and Taxonomy.match as they were before they
// were made faster, kept verbatim (the copy is the point) so that
// faster_test.go can check that the faster ones answer the same on every
// input it generates. Drop an oracle when its function is meant to answer
// differently.

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
)

// detectLanguageBefore is DetectLanguage as it was: it detects the language of texts (a bio and captions) and
// returns the ISO 639-1 code with its evidence. Code is "" when there is
// too little text to tell.
func detectLanguageBefore(texts ...string) *LanguageEvidence {
	ev := &LanguageEvidence{}
	var b strings.Builder
	for _, t := range texts {
		if strings.TrimSpace(t) == "" {
			continue
		}
		ev.Texts++
		b.WriteString(langStripRe.ReplaceAllString(t, " "))
		b.WriteString("\n")
	}
	text := b.String()
	counts := map[string]int{}
	letters := 0
	var uk, fa int
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case unicode.Is(unicode.Latin, r):
			counts["Latin"]++
		case unicode.Is(unicode.Cyrillic, r):
			counts["Cyrillic"]++
			if strings.ContainsRune("іїєґІЇЄҐ", r) {
				uk++
			}
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			counts["Kana"]++
		case unicode.Is(unicode.Han, r):
			counts["Han"]++
		case unicode.Is(unicode.Hangul, r):
			counts["Hangul"]++
		case unicode.Is(unicode.Arabic, r):
			counts["Arabic"]++
			if strings.ContainsRune("پچژگ", r) {
				fa++
			}
		case unicode.Is(unicode.Hebrew, r):
			counts["Hebrew"]++
		case unicode.Is(unicode.Greek, r):
			counts["Greek"]++
		case unicode.Is(unicode.Thai, r):
			counts["Thai"]++
		case unicode.Is(unicode.Devanagari, r):
			counts["Devanagari"]++
		}
	}
	if letters == 0 {
		return ev
	}
	script, best := "", 0
	for _, s := range sortedKeys(counts) {
		if counts[s] > best {
			script, best = s, counts[s]
		}
	}
	// Kana and Han together are Japanese; Han alone Chinese.
	if script == "Han" && counts["Kana"] > 0 {
		script = "Kana"
	}
	ev.Script = script
	if script != "Latin" {
		share := float64(counts[script]) / float64(letters)
		if script == "Kana" {
			share = float64(counts["Kana"]+counts["Han"]) / float64(letters)
		}
		code := map[string]string{"Kana": "ja", "Han": "zh", "Hangul": "ko", "Cyrillic": "ru", "Arabic": "ar",
			"Hebrew": "he", "Greek": "el", "Thai": "th", "Devanagari": "hi"}[script]
		if script == "Cyrillic" && uk*100 > counts["Cyrillic"] {
			code = "uk"
		}
		if script == "Arabic" && fa*100 > counts["Arabic"] {
			code = "fa"
		}
		if counts[script] < 4 {
			return ev
		}
		ev.Code = code
		ev.Script = map[string]string{"Kana": "Japanese", "Han": "Han"}[script]
		if ev.Script == "" {
			ev.Script = script
		}
		ev.Confidence = math.Round(math.Min(1, share)*100) / 100
		ev.Scores = []LangScore{{Code: code, Score: math.Round(share*1000) / 1000}}
		return ev
	}

	scores := map[string]float64{}
	matched := map[string][]string{}
	lower := strings.ToLower(text)
	for _, r := range lower {
		for _, l := range langLetters[r] {
			scores[l] += 0.5 / float64(len(langLetters[r]))
		}
	}
	for _, w := range words(fold(lower)) {
		e, ok := stopIndex[w]
		if !ok {
			continue
		}
		for _, l := range e.langs {
			scores[l] += e.weight
			if len(matched[l]) < 12 && !containsStr(matched[l], w) {
				matched[l] = append(matched[l], w)
			}
		}
	}
	for _, l := range sortedKeys(scores) {
		ev.Scores = append(ev.Scores, LangScore{Code: l, Score: math.Round(scores[l]*100) / 100})
	}
	sort.SliceStable(ev.Scores, func(i, j int) bool { return ev.Scores[i].Score > ev.Scores[j].Score })
	if len(ev.Scores) > 5 {
		ev.Scores = ev.Scores[:5]
	}
	if len(ev.Scores) == 0 || ev.Scores[0].Score < 1.5 {
		return ev // too little text
	}
	top := ev.Scores[0]
	second := 0.0
	if len(ev.Scores) > 1 {
		second = ev.Scores[1].Score
	}
	ev.Code = top.Code
	ev.Words = matched[top.Code]
	// Confidence grows with the lead over the runner-up and with the
	// amount of evidence.
	margin := (top.Score - second) / top.Score
	amount := math.Min(1, top.Score/6)
	ev.Confidence = math.Round((0.3+0.7*margin)*amount*100) / 100
	return ev
}

// taxonomyMatchBefore is Taxonomy.match as it was.
func (t *Taxonomy) matchBefore(text string, tags []string) map[int][]string {
	out := map[int][]string{}
	f := fold(text)
	var allTags []string
	for _, m := range tagRe.FindAllStringSubmatch(f, -1) {
		allTags = append(allTags, m[1])
	}
	for _, h := range tags {
		allTags = append(allTags, fold(strings.TrimLeft(h, "#")))
	}
	seen := map[string]bool{}
	hit := func(i int, term string) {
		k := fmt.Sprint(i, "\x00", term)
		if !seen[k] {
			seen[k] = true
			out[i] = append(out[i], term)
		}
	}
	// Words outside hashtags and mentions.
	plain := mentionRe.ReplaceAllString(tagRe.ReplaceAllString(f, " "), " ")
	ws := words(plain)
	for _, w := range ws {
		for _, i := range t.words[w] {
			hit(i, w)
		}
	}
	if len(t.phrases) > 0 && len(ws) > 1 {
		for n := 2; n <= 4; n++ {
			for j := 0; j+n <= len(ws); j++ {
				p := strings.Join(ws[j:j+n], " ")
				for _, i := range t.phrases[p] {
					hit(i, p)
				}
			}
		}
	}
	for _, tag := range dedupe(allTags) {
		matched := map[int]bool{}
		for _, i := range t.tags[tag] {
			matched[i] = true
			hit(i, "#"+tag)
		}
		r := []rune(tag)
		for n := nichePrefixMin; n < len(r); n++ {
			for _, i := range t.prefix[string(r[:n])] {
				if matched[i] || hasAnyPrefix(tag, t.exclude[i]) {
					continue
				}
				matched[i] = true
				hit(i, "#"+tag)
			}
		}
	}
	return out
}
