package creator

import (
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Default analysis window.
const (
	DefaultWindowPosts = 30
	DefaultWindowDays  = 90
	// DefaultNicheMinScore is the lowest niche score kept on a creator.
	DefaultNicheMinScore = 0.15
	// DefaultMaxNiches is the most niches kept on a creator.
	DefaultMaxNiches = 5
)

// Options configure Analyze. The zero value of any field means its
// default, so Options{} behaves like DefaultOptions(). There is no clock:
// Analyze takes now.
type Options struct {
	// WindowPosts and WindowDays bound the engagement window: the last
	// WindowPosts posts published within WindowDays days before now.
	WindowPosts int
	WindowDays  int
	// Tiers are the tier thresholds.
	Tiers TierThresholds
	// ERBands are the expected engagement-rate band per tier, read by the
	// authenticity score and the price estimate.
	ERBands map[string]Band
	// Prices is the price table per post.
	Prices PriceTable
	// ExtraNiches adds niches, or keywords to existing niches, to the
	// embedded taxonomy: niche -> keywords and #hashtags (config
	// analysis.niches).
	ExtraNiches map[string][]string
	// Taxonomy, when set, is used instead of building one from the embedded
	// taxonomy and ExtraNiches on every call (see NewTaxonomy).
	Taxonomy *Taxonomy
	// Brands maps a brand to its aliases and handles (config
	// analysis.brands): {"Glossier": ["@glossier", "glossier inc"]}.
	Brands map[string][]string
	// NicheMinScore and MaxNiches bound the niches kept on the creator.
	NicheMinScore float64
	MaxNiches     int
	// Comments optionally holds comment texts by post id; when present the
	// authenticity score reads the share of generic comments.
	Comments map[string][]string

	// defaulted marks options withDefaults has filled: Analyze fills them
	// once and hands them to ComputeAuthenticity and EstimatePrice, which
	// then need not build and validate the defaults again.
	defaulted bool
}

// DefaultOptions returns the defaults: a window of the last 30 posts within
// 90 days, tiers at 10k/100k/1M, the default ER bands and price table.
func DefaultOptions() Options {
	return Options{
		WindowPosts:   DefaultWindowPosts,
		WindowDays:    DefaultWindowDays,
		Tiers:         DefaultTierThresholds(),
		ERBands:       DefaultERBands(),
		Prices:        DefaultPriceTable(),
		NicheMinScore: DefaultNicheMinScore,
		MaxNiches:     DefaultMaxNiches,
	}
}

// Validate reports options a config should not carry. Analyze itself never
// fails: it falls back to defaults for unusable values.
func (o Options) Validate() error {
	if o.WindowPosts < 0 || o.WindowPosts > 1000 {
		return Invalid("window_posts", "must be between 1 and 1000, is %d", o.WindowPosts)
	}
	if o.WindowDays < 0 || o.WindowDays > 3650 {
		return Invalid("window_days", "must be between 1 and 3650, is %d", o.WindowDays)
	}
	if o.Tiers != (TierThresholds{}) {
		if err := o.Tiers.Validate(); err != nil {
			return err
		}
	}
	for brand, aliases := range o.Brands {
		if strings.TrimSpace(brand) == "" {
			return Invalid("brands", "a brand name is empty")
		}
		for _, a := range aliases {
			if strings.TrimSpace(strings.TrimLeft(a, "@#")) == "" {
				return Invalid("brands."+brand, "an alias is empty")
			}
		}
	}
	if _, err := NewTaxonomy(o.ExtraNiches); err != nil {
		return err
	}
	return o.Prices.Validate()
}

// withDefaults fills zero or unusable fields.
func (o Options) withDefaults() Options {
	if o.defaulted {
		return o
	}
	d := DefaultOptions()
	if o.WindowPosts <= 0 {
		o.WindowPosts = d.WindowPosts
	}
	if o.WindowDays <= 0 {
		o.WindowDays = d.WindowDays
	}
	if o.Tiers.Validate() != nil {
		o.Tiers = d.Tiers
	}
	if o.ERBands == nil {
		o.ERBands = d.ERBands
	}
	if o.Prices.Validate() != nil || len(o.Prices.Base) == 0 {
		o.Prices = d.Prices
	}
	if o.NicheMinScore <= 0 {
		o.NicheMinScore = d.NicheMinScore
	}
	if o.MaxNiches <= 0 {
		o.MaxNiches = d.MaxNiches
	}
	o.defaulted = true
	return o
}

// Analyze computes every figure of c from its posts and metric history as
// of now, and records the evidence in c.Analysis. It fills c.Tier,
// c.EngagementRate, c.AvgLikes, c.AvgComments, c.AvgViews, c.LastPostAt,
// c.Niches, c.Language, c.Location (normalised), c.Email, c.Website and
// c.Links, and each post's Disclosure, Brands and Undisclosed flag. Unknown
// inputs give nil figures, never 0. It is deterministic for equal inputs,
// never panics and may be run again on its own output.
func Analyze(c *Creator, posts []Post, history []Snapshot, now time.Time, o Options) {
	if c == nil {
		return
	}
	o = o.withDefaults()
	a := &Analysis{AnalyzedAt: now.UTC()}

	// Disclosure first: brands and classes are per post.
	bi := newBrandIndex(o.Brands)
	sum := &DisclosureSummary{Counts: map[string]int{}}
	brandClass := map[string]string{}
	for i := range posts {
		p := &posts[i]
		r := classifyPost(p, bi)
		p.Disclosure = r.Disclosure
		p.Brands = r.Brands
		p.Undisclosed = r.Undisclosed
		sum.Counts[p.Disclosure.Class]++
		for _, b := range p.Brands {
			if prev, ok := brandClass[b.Name]; !ok || classRank(b.Class) > classRank(prev) {
				brandClass[b.Name] = b.Class
			}
		}
		if p.Undisclosed != nil {
			sum.Undisclosed = append(sum.Undisclosed, p.ID)
		}
	}
	for name, class := range brandClass {
		sum.Brands = append(sum.Brands, Brand{Name: name, Class: class})
	}
	sort.Slice(sum.Brands, func(i, j int) bool { return sum.Brands[i].Name < sum.Brands[j].Name })
	a.Disclosures = sum

	// Tier and engagement.
	a.Tier = tierEvidence(c.Followers, o.Tiers)
	c.Tier = a.Tier.Tier
	e := ComputeEngagement(c.Followers, posts, now, o.WindowPosts, o.WindowDays)
	a.Engagement = e
	c.EngagementRate = e.Rate
	c.AvgLikes, c.AvgComments, c.AvgViews = e.AvgLikes, e.AvgComments, e.AvgViews
	c.LastPostAt = LastPostAt(posts)

	// Language, from the bio and the captions of the window.
	texts := []string{c.Bio}
	winIdx, _, _ := window(posts, now, o.WindowPosts, o.WindowDays)
	for _, i := range winIdx {
		texts = append(texts, posts[i].Caption)
	}
	lang := DetectLanguage(texts...)
	a.Language = lang
	c.Language = lang.Code

	// Niches.
	tax := o.Taxonomy
	if tax == nil {
		tax = cachedTaxonomy(o.ExtraNiches)
	}
	winPosts := make([]Post, 0, len(winIdx))
	for _, i := range winIdx {
		winPosts = append(winPosts, posts[i])
	}
	scores := tax.Score(c.Bio, winPosts)
	a.Niches = scores
	c.Niches = []string{}
	for _, s := range scores {
		if s.Score >= o.NicheMinScore && len(c.Niches) < o.MaxNiches {
			c.Niches = append(c.Niches, s.Niche)
		}
	}

	// Location.
	loc, lev := ResolveCreatorLocation(c, lang.Code)
	a.Location = lev
	if loc != nil {
		c.Location = loc
	}

	// Contact.
	a.Contact = fillContact(c)

	// History-based figures.
	a.Growth = ComputeGrowth(history, c.Followers, now)
	a.Authenticity = ComputeAuthenticity(c, posts, history, e, now, o)
	a.Price = EstimatePrice(c.Platform, c.Tier, e.Rate, o)

	c.Analysis = a
}

// taxCache holds taxonomies built from ExtraNiches, keyed by their
// canonical form, so that Analyze does not rebuild one per creator.
var taxCache sync.Map

func cachedTaxonomy(extra map[string][]string) *Taxonomy {
	if len(extra) == 0 {
		return DefaultTaxonomy()
	}
	var key strings.Builder
	for _, k := range sortedKeys(extra) {
		key.WriteString(k)
		for _, v := range extra[k] {
			key.WriteString("\x00" + v)
		}
		key.WriteString("\x01")
	}
	if t, ok := taxCache.Load(key.String()); ok {
		return t.(*Taxonomy)
	}
	t, err := NewTaxonomy(extra)
	if err != nil {
		t = DefaultTaxonomy() // Options.Validate reports it; analysis goes on
	}
	taxCache.Store(key.String(), t)
	return t
}

func classRank(class string) int {
	switch class {
	case Sponsored:
		return 3
	case Affiliate:
		return 2
	case Gifted:
		return 1
	}
	return 0
}

// fold lower-cases s and strips Latin diacritics ("Współpraca" ->
// "wspolpraca", "São" -> "sao"), maps typographic apostrophes to ' and
// drops combining marks, so that rules and lookups match however a caption
// is typed. Non-Latin scripts are lower-cased and otherwise kept.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
			continue
		}
		if f, ok := foldMap[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

var foldMap = func() map[rune]string {
	m := map[rune]string{
		'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
		'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'İ': "i",
		'’': "'", '‘': "'", 'ʼ': "'", '`': "'", '´': "'",
		'ё': "е", 'Ё': "е",
		'إ': "ا", 'أ': "ا", 'آ': "ا",
		'\u00a0': " ", '\u2009': " ", '\u202f': " ",
	}
	groups := []struct{ from, to string }{
		{"àáâãäåāăąÀÁÂÃÄÅĀĂĄ", "a"}, {"çćĉċčÇĆĈĊČ", "c"}, {"ďĎ", "d"},
		{"èéêëēĕėęěÈÉÊËĒĔĖĘĚ", "e"}, {"ĝğġģĜĞĠĢ", "g"}, {"ĥħĤĦ", "h"},
		{"ìíîïĩīĭįÌÍÎÏĨĪĬĮ", "i"}, {"ĵĴ", "j"}, {"ķĶ", "k"}, {"ĺļľŀĹĻĽĿ", "l"},
		{"ñńņňÑŃŅŇ", "n"}, {"òóôõöōŏőÒÓÔÕÖŌŎŐ", "o"}, {"ŕŗřŔŖŘ", "r"},
		{"śŝşšșŚŜŞŠȘ", "s"}, {"ţťŧțŢŤŦȚ", "t"}, {"ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ", "u"},
		{"ŵŴ", "w"}, {"ýÿŷÝŸŶ", "y"}, {"źżžŹŻŽ", "z"},
	}
	for _, g := range groups {
		for _, r := range g.from {
			m[r] = g.to
		}
	}
	return m
}()

// words splits folded text into words: runs of letters, digits, marks and
// apostrophes inside a word.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r) || r == '\'' || r == '_')
	})
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
