package creator

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Language detection
//
// A small pure-Go detector for bios and captions. It first counts letters
// by script: a dominant non-Latin script decides on its own (kana -> ja,
// Hangul -> ko, Han -> zh, Cyrillic -> ru or uk, Arabic -> ar or fa, and
// Greek, Hebrew, Thai, Devanagari). Latin text is scored against stopword
// profiles of 16 languages, each word weighted 1/(languages that share
// it), plus letters only some languages use (ß, ñ, ã, ł, ø, ğ, ř, ș).
// URLs, @mentions and #hashtags are ignored: tags are often English in any
// language.

var langStopwords = map[string]string{
	"en": "the and is are was were to of in for on with this that my your you it i i'm im we our just so but not have has be at from what how all new get love can will today out up me about more if or an they it's don't here check some time day week really when one first got now like",
	"es": "el la los las de del que y en un una es por para con no mi mis tu se lo al como mas pero muy este esta hoy todo todos ya son hay porque nuevo nueva cuando tambien aqui gracias donde semana dia estoy tengo vida mejor eso ser sus les nos",
	"fr": "le la les de des du et est un une en pour dans sur avec pas je j'ai c'est il elle nous vous mon ma mes ce cette qui que au aux plus tout tres mais ou on sont aujourd'hui merci chez fait bien comme lien nouvelle nouveau petit encore jour ai suis",
	"de": "der die das und ist ich nicht mit ein eine einen zu den dem von auf fur es sie wir ihr mein meine auch im sich noch wie aber heute dass bei nach mehr schon hier alle oder wenn euch uns gibt war sind habe hab neue neuen jetzt immer einfach mal ganz",
	"it": "il lo la gli le di del della e che un una per con non mi ti si sono in al nel ma come piu anche questo questa oggi molto tutto tutti ho ha io ci nuovo nuova grazie sempre ancora dove perche cosa bella giorno delle dei",
	"pt": "o os a as de do da dos das e que um uma em no na nos para com nao meu minha voce eu por mais muito isso esse essa hoje tudo ja aqui obrigado obrigada tambem mas sao tem foi estou quando seu sua pra dia vida novo nova",
	"nl": "de het een en van is ik je niet op met voor dat die te zijn in er we wij ook maar om naar mijn jullie wat dit nog al bij heb heeft was kan zo vandaag nieuwe echt leuk heel weer even hier gewoon uit",
	"pl": "i w z na nie sie to jest do ze o a jak co po za od tak ale moj moja mnie juz tylko dla czy jestem bardzo dzis dzisiaj ten ta tego ktory ktora mam byl bylo jeszcze wiecej nowy nowa dzien",
	"sv": "och att det som en ett ar jag inte pa med for av till den har de om vi men mig min mitt var kan sa nu idag ocksa bara lite nya fran dag tack hej mycket eller skulle mer sin sig",
	"da": "og at det som en et er jeg ikke pa med for af til den har de om vi men mig min mit var kan sa nu idag ogsa bare lidt nye fra dag tak hej meget eller skal mere sig hvad der noget her",
	"no": "og at det som en et er jeg ikke pa med for av til den har de om vi men meg min mitt var kan sa na idag ogsa bare litt nye fra dag takk hei mye eller skal mer seg hva der noe her",
	"fi": "ja on ei se etta mina sina han me te he tama tassa kun niin mutta myos kanssa jo nyt oli ovat olen olla mita kuin vain viela tanaan uusi paljon kiitos hyva paiva mun sun tai",
	"tr": "ve bir bu da de icin ile ben sen cok ne gibi daha ama var yok mi en olarak kadar bugun yeni her sey benim bizim iyi guzel tesekkurler simdi nasil degil olan oldu",
	"id": "dan yang di ke dari ini itu untuk dengan aku saya kamu tidak ada juga sudah akan bisa lagi hari baru karena kita kami sangat banget atau tapi jadi dalam buat yuk nih sama udah",
	"ro": "si de la cu pe un o este sunt nu ce din pentru mai care in sa am ai azi astazi foarte multumesc acest aceasta noua nou dar sau tot toate vreau eu tu noi",
	"cs": "a je to na v se ze s z do jsem ale jak co pro ktery jsou tak by uz jen tady dnes moc dekuji diky novy nova take taky neni mam muj moje",
}

// langLetters are letters only some languages use: letter -> languages.
var langLetters = map[rune][]string{
	'ß': {"de"}, 'ñ': {"es"}, 'ã': {"pt"}, 'õ': {"pt"}, 'ç': {"fr", "pt", "tr"},
	'ł': {"pl"}, 'ą': {"pl"}, 'ę': {"pl"}, 'ś': {"pl"}, 'ź': {"pl"}, 'ż': {"pl"}, 'ń': {"pl"}, 'ć': {"pl", "cs"},
	'å': {"sv", "da", "no"}, 'ø': {"da", "no"}, 'æ': {"da", "no"}, 'ä': {"de", "sv", "fi"}, 'ö': {"de", "sv", "fi", "tr"},
	'ü': {"de", "tr"}, 'ğ': {"tr"}, 'ş': {"tr", "ro"}, 'ı': {"tr"}, 'ř': {"cs"}, 'ě': {"cs"}, 'ů': {"cs"}, 'ș': {"ro"},
	'ț': {"ro"}, 'ă': {"ro"}, 'â': {"ro", "fr", "pt"}, 'è': {"fr", "it"}, 'ê': {"fr", "pt"}, 'à': {"fr", "it", "pt"},
	'ù': {"fr", "it"}, 'ì': {"it"}, 'ò': {"it"}, 'œ': {"fr"}, 'î': {"fr", "ro"},
}

type stopEntry struct {
	langs  []string
	weight float64
}

var stopIndex = func() map[string]stopEntry {
	m := map[string][]string{}
	for lang, list := range langStopwords {
		for _, w := range strings.Fields(list) {
			if !containsStr(m[w], lang) {
				m[w] = append(m[w], lang)
			}
		}
	}
	out := make(map[string]stopEntry, len(m))
	for w, langs := range m {
		sort.Strings(langs)
		out[w] = stopEntry{langs: langs, weight: 1 / float64(len(langs))}
	}
	return out
}()

var langStripRe = regexp.MustCompile(`https?://\S+|www\.\S+|[@#][\p{L}\p{N}_.]+|\S+@\S+\.\S+`)

// stripForLanguage is langStripRe.ReplaceAllString(t, " "). Every
// alternative of the pattern needs "@", "#", "http" or "www.", so a text
// with none of them (most bios and many captions) is returned as it is
// without running the expression.
func stripForLanguage(t string) string {
	if !strings.ContainsAny(t, "@#") && !strings.Contains(t, "http") && !strings.Contains(t, "www.") {
		return t
	}
	return langStripRe.ReplaceAllString(t, " ")
}

// Scripts DetectLanguage counts, in the order of their names (the order
// that breaks a tie between two as many letters).
const (
	scriptArabic = iota
	scriptCyrillic
	scriptDevanagari
	scriptGreek
	scriptHan
	scriptHangul
	scriptHebrew
	scriptKana
	scriptLatin
	scriptThai
	numScripts
)

var scriptNames = [numScripts]string{"Arabic", "Cyrillic", "Devanagari", "Greek", "Han", "Hangul", "Hebrew", "Kana", "Latin", "Thai"}

// DetectLanguage detects the language of texts (a bio and captions) and
// returns the ISO 639-1 code with its evidence. Code is "" when there is
// too little text to tell.
func DetectLanguage(texts ...string) *LanguageEvidence {
	ev := &LanguageEvidence{}
	var b strings.Builder
	for _, t := range texts {
		if strings.TrimSpace(t) == "" {
			continue
		}
		ev.Texts++
		b.WriteString(stripForLanguage(t))
		b.WriteString("\n")
	}
	text := b.String()
	var counts [numScripts]int
	letters := 0
	var uk, fa int
	for _, r := range text {
		if r < 0x80 {
			// ASCII: only a-z and A-Z are letters, and they are Latin.
			if 'a' <= r|0x20 && r|0x20 <= 'z' {
				letters++
				counts[scriptLatin]++
			}
			continue
		}
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case unicode.Is(unicode.Latin, r):
			counts[scriptLatin]++
		case unicode.Is(unicode.Cyrillic, r):
			counts[scriptCyrillic]++
			if strings.ContainsRune("іїєґІЇЄҐ", r) {
				uk++
			}
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			counts[scriptKana]++
		case unicode.Is(unicode.Han, r):
			counts[scriptHan]++
		case unicode.Is(unicode.Hangul, r):
			counts[scriptHangul]++
		case unicode.Is(unicode.Arabic, r):
			counts[scriptArabic]++
			if strings.ContainsRune("پچژگ", r) {
				fa++
			}
		case unicode.Is(unicode.Hebrew, r):
			counts[scriptHebrew]++
		case unicode.Is(unicode.Greek, r):
			counts[scriptGreek]++
		case unicode.Is(unicode.Thai, r):
			counts[scriptThai]++
		case unicode.Is(unicode.Devanagari, r):
			counts[scriptDevanagari]++
		}
	}
	if letters == 0 {
		return ev
	}
	script, best := -1, 0
	for s, n := range counts {
		if n > best {
			script, best = s, n
		}
	}
	// Kana and Han together are Japanese; Han alone Chinese.
	if script == scriptHan && counts[scriptKana] > 0 {
		script = scriptKana
	}
	if script < 0 {
		// Letters of no script counted: as before, no script and no code.
		return ev
	}
	ev.Script = scriptNames[script]
	if script != scriptLatin {
		share := float64(counts[script]) / float64(letters)
		if script == scriptKana {
			share = float64(counts[scriptKana]+counts[scriptHan]) / float64(letters)
		}
		code := map[string]string{"Kana": "ja", "Han": "zh", "Hangul": "ko", "Cyrillic": "ru", "Arabic": "ar",
			"Hebrew": "he", "Greek": "el", "Thai": "th", "Devanagari": "hi"}[scriptNames[script]]
		if script == scriptCyrillic && uk*100 > counts[scriptCyrillic] {
			code = "uk"
		}
		if script == scriptArabic && fa*100 > counts[scriptArabic] {
			code = "fa"
		}
		if counts[script] < 4 {
			return ev
		}
		ev.Code = code
		ev.Script = map[string]string{"Kana": "Japanese", "Han": "Han"}[scriptNames[script]]
		if ev.Script == "" {
			ev.Script = scriptNames[script]
		}
		ev.Confidence = math.Round(math.Min(1, share)*100) / 100
		ev.Scores = []LangScore{{Code: code, Score: math.Round(share*1000) / 1000}}
		return ev
	}

	scores := map[string]float64{}
	matched := map[string][]string{}
	lower := strings.ToLower(text)
	for _, r := range lower {
		if r < 0x80 {
			continue // langLetters holds no ASCII letter
		}
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

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
