package creator

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Location resolution
//
// A place text ("📍 Austin, TX", "London, UK", "Berlin 🇩🇪", "NYC ✈️ LA")
// is cut at travel separators (the first place wins), split at commas into
// a place and qualifiers, and the place looked up in the gazetteer by its
// name, ASCII name, alternate names or a short alias (NYC, LA, SF).
// Qualifiers and flags name a country or region (US, CA and AU
// abbreviations included). Each candidate city scores
//
//	log10(population+1) + 1.5 if the name (not an alternate) matched
//	  + 4 for a country or region the text itself names, - 3 if it names another
//	  + 2 for a country flag elsewhere in the bio, + 0.5 for the creator's language
//
// and the best wins. Confidence is the winner's share of 10^score over all
// candidates, times 0.95 for a name match (0.8 for an alternate name),
// raised to 0.9 when the text named its country or region.

// LocationHints are the creator's other signals that weigh in on an
// ambiguous name.
type LocationHints struct {
	Countries []string // ISO2 codes from flags or country names elsewhere in the bio
	Language  string   // ISO 639-1
}

// cityAliases are short names the gazetteer does not carry: alias ->
// city name, country, admin1.
var cityAliases = map[string][3]string{
	"nyc": {"New York City", "US", "NY"}, "new york": {"New York City", "US", "NY"}, "ny": {"New York City", "US", "NY"},
	"la": {"Los Angeles", "US", "CA"}, "l a": {"Los Angeles", "US", "CA"}, "sf": {"San Francisco", "US", "CA"},
	"san fran": {"San Francisco", "US", "CA"}, "dc": {"Washington", "US", "DC"}, "washington dc": {"Washington", "US", "DC"},
	"washington d c": {"Washington", "US", "DC"}, "philly": {"Philadelphia", "US", "PA"}, "vegas": {"Las Vegas", "US", "NV"},
	"nola": {"New Orleans", "US", "LA"}, "atx": {"Austin", "US", "TX"}, "htx": {"Houston", "US", "TX"}, "dfw": {"Dallas", "US", "TX"},
	"atl": {"Atlanta", "US", "GA"}, "chi": {"Chicago", "US", "IL"}, "chitown": {"Chicago", "US", "IL"}, "pdx": {"Portland", "US", "OR"},
	"bk": {"Brooklyn", "US", "NY"}, "cdmx": {"Mexico City", "MX", "09"}, "kl": {"Kuala Lumpur", "MY", "14"},
	"ldn": {"London", "GB", "ENG"}, "bcn": {"Barcelona", "ES", "56"}, "mcr": {"Manchester", "GB", "ENG"},
	"brum": {"Birmingham", "GB", "ENG"}, "rio": {"Rio de Janeiro", "BR", "21"}, "yyc": {"Calgary", "CA", "01"},
	"yvr": {"Vancouver", "CA", "02"}, "yyz": {"Toronto", "CA", "08"}, "the 6ix": {"Toronto", "CA", "08"}, "mtl": {"Montréal", "CA", "10"},
	"sd": {"San Diego", "US", "CA"}, "bay area": {"San Francisco", "US", "CA"}, "sf bay area": {"San Francisco", "US", "CA"},
	"the bay area": {"San Francisco", "US", "CA"}, "socal": {"Los Angeles", "US", "CA"}, "norcal": {"San Francisco", "US", "CA"}, "hk": {"Hong Kong", "HK", ""}, "sg": {"Singapore", "SG", ""},
}

// regionAbbr maps US, Canadian and Australian abbreviations to GeoNames
// admin1 codes; US admin1 codes are the postal abbreviations themselves.
var regionAbbr = map[string]map[string]string{
	"CA": {"AB": "01", "BC": "02", "MB": "03", "NB": "04", "NL": "05", "NS": "07", "ON": "08", "PE": "09", "PEI": "09",
		"QC": "10", "SK": "11", "YT": "12", "NT": "13", "NU": "14"},
	"AU": {"ACT": "01", "NSW": "02", "NT": "03", "QLD": "04", "SA": "05", "TAS": "06", "VIC": "07", "WA": "08"},
	"GB": {"ENG": "ENG", "SCT": "SCT", "WLS": "WLS", "NIR": "NIR"},
}

// countryExtra are country names the country list lacks.
var countryExtra = map[string]string{
	"england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "holland": "NL", "the netherlands": "NL",
	"usa": "US", "us": "US", "u s": "US", "united states of america": "US", "america": "US", "uk": "GB",
	"great britain": "GB", "south korea": "KR", "korea": "KR", "czech republic": "CZ", "turkey": "TR", "turkiye": "TR",
	"russia": "RU", "vietnam": "VN", "the uae": "AE", "uae": "AE", "bosnia": "BA", "ivory coast": "CI", "emirates": "AE",
}

// gbNations map UK nations to GB admin1 codes.
var gbNations = map[string]string{"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR"}

var (
	travelSepRe = regexp.MustCompile(`\s*(?:✈️?|➡️?|→|->|⇄|↔️?|🔁|🛫|🛬|\||•|·|/|\+|&| and | x | ↔ )\s*`)
	pinRe       = regexp.MustCompile(`(?:📍|📌|🏠|🏡|🌍|🌎|🌏|🗺️?)\s*([^\n|•·]{2,60})`)
	basedRe     = regexp.MustCompile(`(?i)(?:based in|living in|located in|live in|lives in|currently in|residing in|wohnhaft in|lebe in|basad[oa] en|vivo en|desde|bas[ée]e? [àa]|je vis [àa]|vivo a|base a|woon in|woonachtig in|mieszkam w|moro em)\s+([\p{L}][\p{L}\p{M}.'’\- ]{1,40}(?:,\s*[\p{L}.][\p{L}\p{M}.'’\- ]{0,30})?)`)
	basedSufRe  = regexp.MustCompile(`(?:^|[\s|•·,(])((?:\p{Lu}[\p{L}\p{M}.'’]*|[A-Z]{2,4})(?:[ -](?:\p{Lu}[\p{L}\p{M}.'’]*|[A-Z]{2}))?)[- ](?i:based)\b`)
	flagRe      = regexp.MustCompile(`[\x{1F1E6}-\x{1F1FF}][\x{1F1E6}-\x{1F1FF}]`)
)

// flags returns the ISO2 codes of the flag emoji in s, in order.
func flags(s string) []string {
	var out []string
	for _, m := range flagRe.FindAllString(s, -1) {
		var cc []rune
		for _, r := range m {
			cc = append(cc, 'A'+(r-0x1F1E6))
		}
		out = append(out, string(cc))
	}
	return dedupe(out)
}

// ResolveLocation resolves a place text with the creator's other signals.
// It returns nil and the evidence of why when nothing matched.
func ResolveLocation(text string, hints LocationHints) (*Location, *LocationEvidence) {
	ev := &LocationEvidence{Text: strings.TrimSpace(text)}
	g, err := loadGazetteer()
	if err != nil {
		ev.Reason = err.Error()
		return nil, ev
	}
	segs := travelSepRe.Split(text, -1)
	for i, seg := range segs {
		if strings.TrimSpace(stripSymbols(seg)) == "" {
			continue
		}
		loc, sev := g.resolveSegment(seg, text, hints)
		if loc != nil {
			sev.Text = strings.TrimSpace(text)
			if len(segs) > 1 {
				sev.Signals = append(sev.Signals, fmt.Sprintf("place %d of %d in the text", i+1, len(segs)))
			}
			loc.Raw = strings.TrimSpace(text)
			return loc, sev
		}
		ev = sev
		ev.Text = strings.TrimSpace(text)
	}
	if ev.Reason == "" {
		ev.Reason = "no place found"
	}
	return nil, ev
}

// stripSymbols removes emoji and symbols, keeping letters, digits, marks,
// spaces and , . ' -.
func stripSymbols(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r) && r != '\ufe0f':
			return r
		case r == ',' || r == '.' || r == '\'' || r == '’' || r == '-' || unicode.IsSpace(r):
			return r
		}
		return ' '
	}, s)
}

type cand struct {
	idx       int32
	nameMatch bool
	score     float64
	why       []string
}

// qualifiers read from the text after the place.
type quals struct {
	countries []string // ISO2
	regions   []string // "US.TX"
	signals   []string
}

func (g *gazetteer) readQualifier(q string, out *quals) bool {
	orig := strings.TrimSpace(q)
	k := placeKey(orig)
	if k == "" {
		return false
	}
	up := strings.ToUpper(strings.ReplaceAll(orig, ".", ""))
	// US state or CA/AU abbreviation in capitals.
	if len(up) >= 2 && len(up) <= 3 && up == strings.ReplaceAll(orig, ".", "") {
		if _, ok := g.regions["US."+up]; ok {
			out.regions = append(out.regions, "US."+up)
			out.signals = append(out.signals, "region "+up+" = "+g.regions["US."+up])
			return true
		}
		for _, cc := range []string{"CA", "AU"} {
			if code, ok := regionAbbr[cc][up]; ok {
				out.regions = append(out.regions, cc+"."+code)
				out.signals = append(out.signals, "region "+up+" = "+g.regions[cc+"."+code])
				return true
			}
		}
	}
	if n, ok := gbNations[k]; ok {
		out.countries = append(out.countries, "GB")
		out.regions = append(out.regions, "GB."+n)
		out.signals = append(out.signals, "country "+orig+" = GB")
		return true
	}
	if cc, ok := countryExtra[k]; ok {
		out.countries = append(out.countries, cc)
		out.signals = append(out.signals, "country "+orig+" = "+cc)
		return true
	}
	if cc, ok := g.countryBy[k]; ok {
		out.countries = append(out.countries, cc)
		out.signals = append(out.signals, "country "+orig+" = "+cc)
		return true
	}
	if len(up) == 2 && up == orig {
		if _, ok := g.countries[up]; ok {
			out.countries = append(out.countries, up)
			out.signals = append(out.signals, "country code "+up)
			return true
		}
	}
	if codes, ok := g.regionBy[k]; ok {
		out.regions = append(out.regions, codes...)
		out.signals = append(out.signals, "region "+orig)
		return true
	}
	return false
}

// lookup returns the candidate cities for a place key.
func (g *gazetteer) lookup(k string) []cand {
	var cs []cand
	seen := map[int32]bool{}
	if a, ok := cityAliases[k]; ok {
		for _, i := range g.byName.get(g, placeKey(a[0])) {
			c := g.city(i)
			if c.Country == a[1] && (a[2] == "" || c.Admin1 == a[2]) {
				cs = append(cs, cand{idx: i, nameMatch: true, why: []string{"alias " + k + " = " + a[0]}})
				seen[i] = true
				break
			}
		}
	}
	for _, i := range g.byName.get(g, k) {
		if !seen[i] {
			seen[i] = true
			cs = append(cs, cand{idx: i, nameMatch: true})
		}
	}
	for _, i := range g.byAlt.get(g, k) {
		if !seen[i] {
			seen[i] = true
			cs = append(cs, cand{idx: i})
		}
	}
	return cs
}

func (g *gazetteer) resolveSegment(seg, whole string, hints LocationHints) (*Location, *LocationEvidence) {
	ev := &LocationEvidence{}
	segFlags := flags(seg)
	clean := stripSymbols(seg)
	parts := strings.FieldsFunc(clean, func(r rune) bool { return r == ',' || r == ';' })
	for i := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(parts[i]), ".-' ")
	}
	var nonEmpty []string
	for _, p := range parts {
		if p != "" {
			nonEmpty = append(nonEmpty, p)
		}
	}
	parts = nonEmpty
	var q quals
	for _, f := range segFlags {
		q.countries = append(q.countries, f)
		q.signals = append(q.signals, "flag "+f)
	}
	if len(parts) == 0 {
		if len(segFlags) == 1 {
			return g.countryOnly(segFlags[0], "flag "+segFlags[0], 0.6, ev)
		}
		ev.Reason = "no place name"
		return nil, ev
	}
	place := parts[0]
	for _, p := range parts[1:] {
		if !g.readQualifier(p, &q) {
			q.signals = append(q.signals, "unread qualifier "+p)
		}
	}
	// "Brooklyn NY", "Sydney NSW", "Berlin Germany": the longest leading
	// words that name a city; trailing words may qualify it.
	ws := strings.Fields(place)
	var cands []cand
	placeName := place
	for n := len(ws); n >= 1; n-- {
		k := placeKey(strings.Join(ws[:n], " "))
		cs := g.lookup(k)
		if len(cs) == 0 {
			continue
		}
		rest := ws[n:]
		var rq quals
		ok := true
		for j := 0; j < len(rest); {
			// Try two-word qualifiers first ("New York", "South Wales").
			if j+1 < len(rest) && g.readQualifier(rest[j]+" "+rest[j+1], &rq) {
				j += 2
				continue
			}
			if !g.readQualifier(rest[j], &rq) {
				ok = false
				break
			}
			j++
		}
		if !ok {
			// Words the gazetteer cannot read follow the name: "Bay Area"
			// is not the town of Bay, "Paris baby" not a place.
			continue
		}
		q.countries = append(q.countries, rq.countries...)
		q.regions = append(q.regions, rq.regions...)
		q.signals = append(q.signals, rq.signals...)
		cands = cs
		placeName = strings.Join(ws[:n], " ")
		break
	}
	if len(cands) == 0 {
		// Maybe the place is a country or a region.
		var only quals
		if g.readQualifier(place, &only) {
			if len(only.countries) > 0 {
				return g.countryOnly(only.countries[0], only.signals[0], 0.9, ev)
			}
			if len(only.regions) == 1 {
				code := only.regions[0]
				cc := code[:2]
				loc := &Location{Region: g.regions[code], Country: cc, Confidence: Float64(0.85)}
				ev.Matched = g.regions[code] + ", " + cc + " (region)"
				ev.Signals = only.signals
				ev.Confidence = loc.Confidence
				return loc, ev
			}
		}
		if len(segFlags) == 1 {
			return g.countryOnly(segFlags[0], "flag "+segFlags[0], 0.6, ev)
		}
		ev.Reason = fmt.Sprintf("%q is not in the gazetteer", place)
		return nil, ev
	}

	// Score.
	bioFlags := flags(whole)
	langCountries := func(cc string) bool {
		if hints.Language == "" {
			return false
		}
		return containsStr(g.countries[cc].Langs, hints.Language)
	}
	for i := range cands {
		c := &cands[i]
		p := g.city(c.idx)
		c.score = math.Log10(float64(p.Population) + 1)
		if c.nameMatch {
			c.score += 1.5
		}
		if len(q.countries) > 0 {
			if containsStr(q.countries, p.Country) {
				c.score += 4
				c.why = append(c.why, "country "+p.Country+" named")
			} else {
				c.score -= 3
			}
		}
		if len(q.regions) > 0 {
			if containsStr(q.regions, p.Country+"."+p.Admin1) {
				c.score += 4
				c.why = append(c.why, "region "+p.Region+" named")
			} else {
				c.score -= 3
			}
		}
		if len(q.countries) == 0 && len(q.regions) == 0 {
			hinted := containsStr(hints.Countries, p.Country) || containsStr(bioFlags, p.Country)
			if hinted {
				c.score += 2
				c.why = append(c.why, "country "+p.Country+" hinted elsewhere in the bio")
			}
			if langCountries(p.Country) {
				c.score += 0.5
				c.why = append(c.why, "language "+hints.Language+" spoken in "+p.Country)
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	best := cands[0]
	bp := g.city(best.idx)
	total := 0.0
	for _, c := range cands {
		total += math.Pow(10, c.score-best.score)
	}
	conf := 1 / total
	if best.nameMatch {
		conf *= 0.95
	} else {
		conf *= 0.8
	}
	named := (len(q.countries) > 0 && containsStr(q.countries, bp.Country)) || (len(q.regions) > 0 && containsStr(q.regions, bp.Country+"."+bp.Admin1))
	if named && conf < 0.9 {
		conf = 0.9
	}
	conf = math.Round(conf*100) / 100
	lat, lon := bp.Lat, bp.Lon
	loc := &Location{City: bp.Name, Region: bp.Region, Country: bp.Country, Lat: &lat, Lon: &lon, Confidence: Float64(conf)}
	ev.Matched = fmt.Sprintf("%s (pop %d) for %q", describePlace(bp), bp.Population, placeName)
	ev.Signals = append(q.signals, best.why...)
	if !best.nameMatch {
		ev.Signals = append(ev.Signals, "matched an alternate name")
	}
	for _, c := range cands[1:] {
		if len(ev.Alternatives) == 5 {
			break
		}
		p := g.city(c.idx)
		ev.Alternatives = append(ev.Alternatives, fmt.Sprintf("%s (pop %d)", describePlace(p), p.Population))
	}
	ev.Confidence = loc.Confidence
	return loc, ev
}

func (g *gazetteer) countryOnly(cc, signal string, conf float64, ev *LocationEvidence) (*Location, *LocationEvidence) {
	ci, ok := g.countries[cc]
	if !ok {
		ev.Reason = "unknown country " + cc
		return nil, ev
	}
	loc := &Location{Country: cc, Confidence: Float64(conf)}
	ev.Matched = ci.Name + " (country only)"
	ev.Signals = append(ev.Signals, signal)
	ev.Confidence = loc.Confidence
	return loc, ev
}

func describePlace(p Place) string {
	s := p.Name
	if p.Region != "" {
		s += ", " + p.Region
	}
	return s + ", " + p.Country
}

// bioPlaces returns the place texts a bio states, in order: after a pin
// emoji, after "based in" and its translations, and before "-based".
func bioPlaces(bio string) []string {
	var out []string
	for _, m := range pinRe.FindAllStringSubmatch(bio, -1) {
		out = append(out, cutPlace(m[1]))
	}
	for _, m := range basedRe.FindAllStringSubmatch(bio, -1) {
		out = append(out, cutPlace(m[1]))
	}
	for _, m := range basedSufRe.FindAllStringSubmatch(bio, -1) {
		out = append(out, m[1])
	}
	return dedupe(out)
}

// cutPlace ends a place text at the first emoji or symbol other than the
// travel separators, and at sentence punctuation.
func cutPlace(s string) string {
	end := len(s)
	for i, r := range s {
		if r == '.' && i+1 < len(s) && s[i+1] == ' ' || r == '!' || r == '?' || r == ';' || r == '\n' {
			end = i
			break
		}
		if r >= 0x1F000 && !(r >= 0x1F1E6 && r <= 0x1F1FF) && r != 0x1F6EB && r != 0x1F6EC || r == '✨' || r == '❤' || r == '💛' {
			end = i
			break
		}
	}
	s = strings.TrimSpace(s[:end])
	// Keep at most 6 words.
	ws := strings.Fields(s)
	if len(ws) > 6 {
		s = strings.Join(ws[:6], " ")
	}
	return s
}

// ResolveCreatorLocation resolves a creator's location from the profile's
// location field, then the bio, with flags and the language as hints. It
// returns nil (and the evidence) when nothing resolved; the caller keeps
// what it had.
func ResolveCreatorLocation(c *Creator, lang string) (*Location, *LocationEvidence) {
	hints := LocationHints{Language: lang, Countries: flags(c.Bio)}
	var texts []struct{ src, text string }
	if c.Location != nil && strings.TrimSpace(c.Location.Raw) != "" {
		texts = append(texts, struct{ src, text string }{"profile", c.Location.Raw})
	}
	for _, p := range bioPlaces(c.Bio) {
		texts = append(texts, struct{ src, text string }{"bio", p})
	}
	var last *LocationEvidence
	for _, t := range texts {
		loc, ev := ResolveLocation(t.text, hints)
		ev.Source = t.src
		if loc != nil {
			// Raw is what the profile's location field said; a place read
			// from the bio leaves it as it was (the evidence keeps the text),
			// so that a second run reads the same sources.
			if t.src == "bio" {
				loc.Raw = ""
				if c.Location != nil {
					loc.Raw = c.Location.Raw
				}
			}
			return loc, ev
		}
		last = ev
	}
	// A single flag in the bio, and nothing else, names a country.
	if fs := flags(c.Bio); len(fs) == 1 && (c.Location == nil || c.Location.Country == "") {
		g, err := loadGazetteer()
		if err == nil {
			loc, ev := g.countryOnly(fs[0], "the bio's only flag "+fs[0], 0.5, &LocationEvidence{Source: "bio", Text: fs[0]})
			if loc != nil {
				if c.Location != nil {
					loc.Raw = c.Location.Raw
				}
				return loc, ev
			}
		}
	}
	if last == nil {
		last = &LocationEvidence{Reason: "no location in the profile or bio"}
	}
	return nil, last
}
