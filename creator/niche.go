package creator

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

//go:embed taxonomy.json
var taxonomyJSON []byte

// Niche scoring weights and limits (see docs/analysis.md).
const (
	nicheBioWeight  = 0.4 // share of the score from the bio
	nichePostWeight = 0.6 // share from the posts
	nicheBioSatur   = 2   // distinct bio matches that give the full bio share
	nichePrefixMin  = 4   // shortest keyword that also matches as a tag prefix
)

// NicheDef is one niche of the taxonomy.
type NicheDef struct {
	Name     string   `json:"name"`
	Label    string   `json:"label,omitempty"`
	Keywords []string `json:"keywords"`
	Hashtags []string `json:"hashtags"`
	// Exclude are tag prefixes that look like the niche but are not
	// ("#techno" for tech).
	Exclude []string `json:"exclude,omitempty"`
}

type taxonomyFile struct {
	Version int        `json:"version"`
	Niches  []NicheDef `json:"niches"`
}

// Taxonomy is a compiled niche taxonomy. It is safe for concurrent use.
type Taxonomy struct {
	defs    []NicheDef
	words   map[string][]int // single folded keyword -> niches
	phrases map[string][]int // multi-word folded keyword -> niches
	tags    map[string][]int // folded hashtag -> niches
	prefix  map[string][]int // keyword usable as a tag prefix -> niches
	exclude [][]string       // per niche
	// phraseStart holds the first word of every phrase: match looks a
	// phrase up only where one can start.
	phraseStart map[string]bool
}

var (
	defaultTaxOnce sync.Once
	defaultTax     *Taxonomy
	defaultTaxErr  error
)

// DefaultTaxonomy returns the embedded taxonomy of about 30 niches.
func DefaultTaxonomy() *Taxonomy {
	defaultTaxOnce.Do(func() {
		var f taxonomyFile
		if err := json.Unmarshal(taxonomyJSON, &f); err != nil {
			defaultTaxErr = fmt.Errorf("creator: taxonomy.json: %w", err)
			defaultTax = compileTaxonomy(nil)
			return
		}
		defaultTax = compileTaxonomy(f.Niches)
	})
	return defaultTax
}

// NicheNames returns the names of the embedded taxonomy's niches, in file
// order.
func NicheNames() []string { return DefaultTaxonomy().Names() }

// Names returns the taxonomy's niche names.
func (t *Taxonomy) Names() []string {
	out := make([]string, len(t.defs))
	for i, d := range t.defs {
		out[i] = d.Name
	}
	return out
}

// Niches returns a copy of the niche definitions.
func (t *Taxonomy) Niches() []NicheDef {
	out := make([]NicheDef, len(t.defs))
	copy(out, t.defs)
	return out
}

// NormalizeNiche turns a niche name into the taxonomy's form: lower case,
// words joined by '-' ("Personal Finance" -> "personal-finance").
func NormalizeNiche(s string) string {
	return strings.Join(words(strings.ReplaceAll(fold(s), "/", " ")), "-")
}

// NewTaxonomy returns the embedded taxonomy extended by extra: niche ->
// entries, where "#tag" entries are hashtags and the rest keywords. An
// existing niche gains the entries; a new name adds a niche. Errors name
// the niche at fault.
func NewTaxonomy(extra map[string][]string) (*Taxonomy, error) {
	base := DefaultTaxonomy()
	if defaultTaxErr != nil {
		return nil, defaultTaxErr
	}
	if len(extra) == 0 {
		return base, nil
	}
	defs := base.Niches()
	idx := map[string]int{}
	for i, d := range defs {
		idx[d.Name] = i
		d.Keywords = append([]string(nil), d.Keywords...)
		d.Hashtags = append([]string(nil), d.Hashtags...)
		defs[i] = d
	}
	for _, name := range sortedKeys(extra) {
		n := NormalizeNiche(name)
		if n == "" {
			return nil, Invalid("niches", "niche name %q is empty", name)
		}
		i, ok := idx[n]
		if !ok {
			defs = append(defs, NicheDef{Name: n, Label: strings.TrimSpace(name)})
			i = len(defs) - 1
			idx[n] = i
		}
		for _, e := range extra[name] {
			e = strings.TrimSpace(e)
			switch {
			case strings.TrimLeft(e, "#") == "":
				return nil, Invalid("niches."+name, "an entry is empty")
			case strings.HasPrefix(e, "#"):
				defs[i].Hashtags = append(defs[i].Hashtags, strings.TrimLeft(e, "#"))
			default:
				defs[i].Keywords = append(defs[i].Keywords, e)
			}
		}
		if len(defs[i].Keywords) == 0 && len(defs[i].Hashtags) == 0 {
			return nil, Invalid("niches."+name, "has no keywords or hashtags")
		}
	}
	return compileTaxonomy(defs), nil
}

func compileTaxonomy(defs []NicheDef) *Taxonomy {
	t := &Taxonomy{defs: defs, words: map[string][]int{}, phrases: map[string][]int{}, tags: map[string][]int{},
		prefix: map[string][]int{}, exclude: make([][]string, len(defs))}
	add := func(m map[string][]int, k string, i int) {
		for _, j := range m[k] {
			if j == i {
				return
			}
		}
		m[k] = append(m[k], i)
	}
	for i, d := range defs {
		for _, k := range d.Keywords {
			ws := words(fold(k))
			switch len(ws) {
			case 0:
			case 1:
				add(t.words, ws[0], i)
				if len([]rune(ws[0])) >= nichePrefixMin {
					add(t.prefix, ws[0], i)
				}
				add(t.tags, ws[0], i)
			default:
				add(t.phrases, strings.Join(ws, " "), i)
				add(t.tags, strings.Join(ws, ""), i)
			}
		}
		for _, h := range d.Hashtags {
			h = fold(strings.TrimLeft(strings.TrimSpace(h), "#"))
			if h == "" {
				continue
			}
			add(t.tags, h, i)
			if len([]rune(h)) >= nichePrefixMin+1 {
				add(t.prefix, h, i)
			}
		}
		for _, x := range d.Exclude {
			t.exclude[i] = append(t.exclude[i], fold(strings.TrimLeft(x, "#")))
		}
	}
	t.phraseStart = map[string]bool{}
	for p := range t.phrases {
		first, _, _ := strings.Cut(p, " ")
		t.phraseStart[first] = true
	}
	return t
}

// match returns, per niche, the terms of text that match it. Hashtags are
// read from the text and from tags.
func (t *Taxonomy) match(text string, tags []string) map[int][]string {
	out := map[int][]string{}
	f := fold(text)
	// tagRe needs a '#' and mentionRe an '@': without them the
	// expressions are not run.
	hasTag, hasMention := strings.IndexByte(f, '#') >= 0, strings.IndexByte(f, '@') >= 0
	var allTags []string
	if hasTag {
		for _, m := range tagRe.FindAllStringSubmatch(f, -1) {
			allTags = append(allTags, m[1])
		}
	}
	for _, h := range tags {
		allTags = append(allTags, fold(strings.TrimLeft(h, "#")))
	}
	type key struct {
		niche int
		term  string
	}
	seen := map[key]bool{}
	hit := func(i int, term string) {
		if k := (key{i, term}); !seen[k] {
			seen[k] = true
			out[i] = append(out[i], term)
		}
	}
	// Words outside hashtags and mentions.
	plain := f
	if hasTag {
		plain = tagRe.ReplaceAllString(plain, " ")
	}
	if hasMention {
		plain = mentionRe.ReplaceAllString(plain, " ")
	}
	ws := words(plain)
	for _, w := range ws {
		for _, i := range t.words[w] {
			hit(i, w)
		}
	}
	if len(t.phrases) > 0 && len(ws) > 1 {
		for n := 2; n <= 4; n++ {
			for j := 0; j+n <= len(ws); j++ {
				if !t.phraseStart[ws[j]] {
					continue
				}
				p := strings.Join(ws[j:j+n], " ")
				for _, i := range t.phrases[p] {
					hit(i, p)
				}
			}
		}
	}
	matched := map[int]bool{}
	for _, tag := range dedupe(allTags) {
		clear(matched)
		for _, i := range t.tags[tag] {
			matched[i] = true
			hit(i, "#"+tag)
		}
		// Every prefix of at least nichePrefixMin runes, short of the
		// whole tag (tags are valid UTF-8: fold makes them so).
		n := 0
		for end := range tag {
			if n >= nichePrefixMin {
				for _, i := range t.prefix[tag[:end]] {
					if matched[i] || hasAnyPrefix(tag, t.exclude[i]) {
						continue
					}
					matched[i] = true
					hit(i, "#"+tag)
				}
			}
			n++
		}
	}
	return out
}

// Score scores every niche from a bio and posts (their captions and
// hashtags), multi-label, highest first:
//
//	score = 0.4 * min(1, distinct bio matches / 2) + 0.6 * (posts matching / posts)
//
// Evidence lists the bio terms and the terms found in posts with how many
// posts carried them. Niches with no match are left out.
func (t *Taxonomy) Score(bio string, posts []Post) []NicheScore {
	if t == nil {
		return nil
	}
	bioHits := t.match(bio, nil)
	postCount := map[int]int{}
	termPosts := map[int]map[string]int{}
	for _, p := range posts {
		for i, terms := range t.match(p.Caption, p.Hashtags) {
			postCount[i]++
			if termPosts[i] == nil {
				termPosts[i] = map[string]int{}
			}
			for _, term := range terms {
				termPosts[i][term]++
			}
		}
	}
	var out []NicheScore
	for i, d := range t.defs {
		b, pc := len(bioHits[i]), postCount[i]
		if b == 0 && pc == 0 {
			continue
		}
		bioPart := math.Min(1, float64(b)/nicheBioSatur)
		postPart := 0.0
		if len(posts) > 0 {
			postPart = float64(pc) / float64(len(posts))
		}
		s := math.Round((nicheBioWeight*bioPart+nichePostWeight*postPart)*1000) / 1000
		var ev []string
		if b > 0 {
			ev = append(ev, "bio: "+strings.Join(bioHits[i], ", "))
		}
		type tc struct {
			term string
			n    int
		}
		var tcs []tc
		for term, n := range termPosts[i] {
			tcs = append(tcs, tc{term, n})
		}
		sort.Slice(tcs, func(a, b int) bool {
			if tcs[a].n != tcs[b].n {
				return tcs[a].n > tcs[b].n
			}
			return tcs[a].term < tcs[b].term
		})
		for j, x := range tcs {
			if j == 8 {
				break
			}
			ev = append(ev, fmt.Sprintf("%s in %d/%d posts", x.term, x.n, len(posts)))
		}
		out = append(out, NicheScore{Niche: d.Name, Score: s, Evidence: ev})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Score != out[b].Score {
			return out[a].Score > out[b].Score
		}
		return out[a].Niche < out[b].Niche
	})
	return out
}
