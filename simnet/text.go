package simnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func flag(cc string) string {
	if len(cc) != 2 {
		return ""
	}
	return string(rune(0x1F1E6+int(cc[0]-'A'))) + string(rune(0x1F1E6+int(cc[1]-'A')))
}

func displayName(p *person, plat string, r *rand.Rand) string {
	n := niches[p.niches[0]]
	switch r.IntN(9) {
	case 0:
		return p.first + " " + nicheEmoji[n.Name]
	case 1:
		return p.first + " " + p.last + " | " + n.Label
	case 2:
		return strings.ToUpper(p.first + " " + p.last)
	case 3:
		return p.first + " " + p.last[:1] + "."
	case 4:
		if plat == Mastodon {
			return p.first + " " + p.last + " :" + nicheHandleWord[n.Name] + ":"
		}
		return p.first
	default:
		return p.first + " " + p.last
	}
}

func emailFor(p *person, r *rand.Rand) string {
	s := strings.ReplaceAll(p.slug, "_", ".")
	switch r.IntN(3) {
	case 0:
		return s + "@gmail.com"
	case 1:
		return s + ".business@outlook.com"
	default:
		return "collabs." + s + "@proton.me"
	}
}

func cityWord(c *City, local bool) string {
	if local && c.Local != "" {
		return c.Local
	}
	return c.Name
}

func countryWord(cc string, short, local bool) string {
	k := countries[cc]
	switch {
	case local && k.Local != "":
		return k.Local
	case short && k.Short != "":
		return k.Short
	}
	return k.Name
}

// locationText writes where a person lives in one of the ways real bios do.
func locationText(p *person, r *rand.Rand) string {
	if p.city == nil {
		if p.countryOnly == "" {
			return ""
		}
		if r.IntN(2) == 0 {
			return flag(p.countryOnly)
		}
		return "Based in " + countryWord(p.countryOnly, false, false)
	}
	c := p.city
	if p.city2 != nil {
		a, b := c.Alias, p.city2.Alias
		if a == "" {
			a = c.Name
		}
		if b == "" {
			b = p.city2.Name
		}
		return a + " ✈️ " + b
	}
	switch p.locStyle {
	case 0:
		if c.RegionCode != "" {
			return "📍 " + c.Name + ", " + c.RegionCode
		}
		return "📍 " + c.Name + ", " + countryWord(c.Country, true, false)
	case 1:
		return c.Name + ", " + countryWord(c.Country, true, false)
	case 2:
		return cityWord(c, true) + " " + flag(c.Country)
	case 3:
		if c.Alias != "" && len(c.Alias) <= 5 {
			return c.Alias
		}
		return "📍" + c.Name
	case 4:
		return "Based in " + c.Name
	case 5:
		return c.Name + ", " + c.Region + ", " + countryWord(c.Country, false, false)
	case 6:
		return cityWord(c, true) + " · " + countryWord(c.Country, false, true)
	case 7:
		return flag(c.Country) + " " + c.Name
	default:
		if c.RegionCode != "" && c.Country == "US" {
			return c.Name + " " + c.RegionCode
		}
		return c.Name
	}
}

var bioCTAs = []string{"New videos every Tuesday", "Link below ⬇️", "DMs open for collabs", "Weekly newsletter in the link",
	"Posting what I actually use", "Recipes, reviews and real life", "Here for the community", "Opinions are my own"}

func bioFor(a *account, r *rand.Rand) string {
	p := a.person
	n1 := niches[p.niches[0]]
	role := pick(r, n1.BioWords)
	role = strings.ToUpper(role[:1]) + role[1:]
	if len(p.niches) > 1 {
		role += " & " + pick(r, niches[p.niches[1]].BioWords)
	}
	parts := []string{nicheEmoji[n1.Name] + " " + role}
	if a.locRaw != "" && a.locInBio {
		parts = append(parts, a.locRaw)
	}
	if r.Float64() < 0.5 {
		parts = append(parts, pick(r, bioCTAs))
	}
	if a.pronouns != "" {
		parts = append(parts, a.pronouns)
	}
	if a.email != "" {
		parts = append(parts, pick(r, []string{"📩 ", "collabs: ", "biz: "})+a.email)
	}
	sep := pick(r, []string{" | ", "\n", " • ", ". "})
	bio := strings.Join(parts, sep)
	limit := map[string]int{Instagram: 150, TikTok: 80, Bluesky: 256}[a.platform]
	for limit > 0 && len([]rune(bio)) > limit && len(parts) > 1 {
		parts = parts[:len(parts)-1]
		bio = strings.Join(parts, sep)
	}
	return bio
}

// capBuilder assembles caption segments.
type capBuilder struct{ segs []seg }

func (b *capBuilder) text(s string) { b.segs = append(b.segs, seg{kind: 't', text: s}) }
func (b *capBuilder) tag(s string)  { b.segs = append(b.segs, seg{kind: '#', text: s}) }

// mention of a brand: the brand's account where the platform has one.
func (g *gen) brandMention(b *capBuilder, a *account, br *Brand) {
	if acc := g.n.brandAcct[a.platform][br.Handle]; acc != nil {
		b.segs = append(b.segs, seg{kind: '@', acct: acc})
		return
	}
	b.segs = append(b.segs, seg{kind: '@', brand: br})
}

var brandsByNiche = func() map[string][]*Brand {
	m := map[string][]*Brand{}
	for i := range brands {
		for _, n := range brands[i].Niches {
			m[n] = append(m[n], &brands[i])
		}
	}
	return m
}()

func pickBrand(r *rand.Rand, niche string) *Brand {
	fit := brandsByNiche[niche]
	if len(fit) == 0 || r.Float64() < 0.1 {
		return &brands[r.IntN(len(brands))]
	}
	return fit[r.IntN(len(fit))]
}

// harmonic[n] is the sum of 1/i for i in 1..n.
var harmonic = func() []float64 {
	h := make([]float64, 64)
	for i := 1; i < len(h); i++ {
		h[i] = h[i-1] + 1/float64(i)
	}
	return h
}()

// zipfPick picks from xs, earlier items more often.
func zipfPick(r *rand.Rand, xs []string) string {
	x := r.Float64() * harmonic[len(xs)]
	for i := range xs {
		x -= 1 / float64(i+1)
		if x < 0 {
			return xs[i]
		}
	}
	return xs[len(xs)-1]
}

// Class decision thresholds on one uniform draw.
const (
	pSponsored   = 0.06
	pGifted      = 0.10
	pAffiliate   = 0.15
	pUndisclosed = 0.18
	pTrap        = 0.25
)

var trapForms = []struct{ trap, text, tag string }{
	{"not sponsored", "Not sponsored, I just really love this", ""},
	{"#notsponsored", "Bought this myself", "notsponsored"},
	{"#adhd", "Routines that help my brain", "adhd"},
	{"#adhd", "Focus tips from someone who struggles", "ADHDlife"},
	{"#adventure", "Weekend plans sorted", "adventure"},
	{"learning to code", "Learning to code one evening at a time", ""},
	{"dress code", "What's the dress code for a beach wedding?", ""},
	{"paid off", "Finally paid off my car loan", ""},
	{"not an ad", "This is not an ad, just a recommendation", ""},
	{"gifted kids", "Former gifted kids, how are we doing?", ""},
	{"#adorable", "Look at this face", "adorable"},
}

func (g *gen) newPost(a *account, t time.Time, r *rand.Rand) *post {
	p := &post{acct: a, created: t.Truncate(time.Second), class: "organic"}
	pers := a.person
	niche := niches[pers.niches[0]]
	if len(pers.niches) > 1 && r.Float64() < 0.25 {
		niche = niches[pers.niches[1]]
	}
	local := pers.lang != "en" && localLines[pers.lang] != nil && r.Float64() < 0.6
	b := capBuilder{segs: make([]seg, 0, 14)}

	u := r.Float64()
	var br *Brand
	if u < pUndisclosed {
		br = pickBrand(r, niche.Name)
	}
	pct := []int{10, 15, 20, 25}[r.IntN(4)]
	code := strings.ToUpper(ascii(pers.first)) + fmt.Sprint(pct)

	// Disclosures that lead the caption.
	lead := r.IntN(2) == 0
	switch {
	case u < pSponsored && lead:
		switch {
		case local && pers.lang == "de":
			b.text("Anzeige | ")
			p.signals = append(p.signals, "anzeige")
		case r.IntN(2) == 0:
			b.text("Paid partnership with ")
			g.brandMention(&b, a, br)
			b.text(". ")
			p.signals = append(p.signals, "paid partnership")
		default:
			b.tag("ad")
			b.text(" ")
			p.signals = append(p.signals, "#ad")
		}
	case u >= pSponsored && u < pGifted && lead:
		form := pick(r, []string{"Gifted by ", "PR package from "})
		b.text(form)
		g.brandMention(&b, a, br)
		b.text(". ")
		p.signals = append(p.signals, strings.ToLower(strings.TrimSpace(form)))
	}

	// The body.
	switch {
	case local:
		b.text(pick(r, localLines[pers.lang]))
	case r.Float64() < 0.8:
		b.text(pick(r, niche.lines))
	default:
		b.text(pick(r, genericLines))
	}
	if r.Float64() < 0.4 {
		b.text(" " + nicheEmoji[niche.Name])
	}

	switch {
	case u < pSponsored:
		p.class = "sponsored"
		if !lead {
			b.text(". Thanks ")
			g.brandMention(&b, a, br)
			b.text(" for making this happen ")
			switch {
			case local && pers.lang == "de":
				b.tag("werbung")
				p.signals = append(p.signals, "#werbung")
			case local && pers.lang == "es":
				b.tag("publicidad")
				p.signals = append(p.signals, "#publicidad")
			case local && pers.lang == "fr":
				b.tag("partenariat")
				p.signals = append(p.signals, "#partenariat")
			case local && pers.lang == "pt":
				b.tag("publi")
				p.signals = append(p.signals, "#publi")
			case r.IntN(2) == 0:
				b.tag("ad")
				p.signals = append(p.signals, "#ad")
			default:
				b.tag("sponsored")
				p.signals = append(p.signals, "#sponsored")
			}
		}
		if a.platform == YouTube || a.platform == TikTok {
			p.paid = r.Float64() < 0.6
			if p.paid {
				p.signals = append(p.signals, "platform:paid")
			}
		}
		p.brands = append(p.brands, br)
	case u < pGifted:
		p.class = "gifted"
		if !lead {
			b.text(". Thank you ")
			g.brandMention(&b, a, br)
			b.text(" ")
			if local && pers.lang == "de" {
				b.text("(PR-Sample) ")
				p.signals = append(p.signals, "pr-sample")
			} else if r.IntN(3) == 0 {
				b.tag("prsample")
				p.signals = append(p.signals, "#prsample")
			} else {
				b.tag("gifted")
				p.signals = append(p.signals, "#gifted")
			}
		}
		p.brands = append(p.brands, br)
	case u < pAffiliate:
		p.class = "affiliate"
		switch r.IntN(4) {
		case 0:
			b.text(fmt.Sprintf(". Use code %s for %d%% off at ", code, pct))
			g.brandMention(&b, a, br)
			p.signals = append(p.signals, "use code")
		case 1:
			b.text(fmt.Sprintf(". Code %s saves you %d%% 👉 ", code, pct))
			g.brandMention(&b, a, br)
			p.signals = append(p.signals, "code")
		case 2:
			b.text(". ")
			b.tag("affiliate")
			b.text(" link in bio for ")
			g.brandMention(&b, a, br)
			p.signals = append(p.signals, "#affiliate")
		default:
			b.text(". Everything is from ")
			g.brandMention(&b, a, br)
			b.text(" ")
			b.tag("commissionsearned")
			p.signals = append(p.signals, "#commissionsearned")
		}
		p.brands = append(p.brands, br)
	case u < pUndisclosed:
		b.text(". " + pick(r, []string{"Obsessed with my new ", "Can't stop using my ", "Everything today is from "}))
		g.brandMention(&b, a, br)
		p.brands = append(p.brands, br)
		p.undisclosed = true
		if a.platform == YouTube && r.IntN(2) == 0 {
			// The platform says paid even though the caption does not.
			p.paid = true
			p.class = "sponsored"
			p.signals = append(p.signals, "platform:paid")
			p.undisclosed = false
		}
	case u < pTrap:
		f := trapForms[r.IntN(len(trapForms))]
		b.text(". " + f.text)
		if f.tag != "" {
			b.text(" ")
			b.tag(f.tag)
		}
		p.trap = f.trap
	}

	// A mention of a fellow creator.
	if r.Float64() < 0.2 {
		peers := g.peers[a.platform][pers.niches[0]]
		if len(peers) < 2 {
			peers = nil
			for ni := range niches {
				peers = append(peers, g.peers[a.platform][ni]...)
			}
		}
		if len(peers) > 1 {
			other := peers[r.IntN(len(peers))]
			if other != a {
				b.text(pick(r, []string{" with ", " shoutout to ", " 📸 by "}))
				b.segs = append(b.segs, seg{kind: '@', acct: other})
			}
		}
	}

	// Hashtags.
	b.text(pick(r, []string{"\n\n", " ", "\n"}))
	nt := 2 + r.IntN(5)
	addTag := func(t string) {
		for _, s := range b.segs {
			if s.kind == '#' && strings.EqualFold(s.text, t) {
				return
			}
		}
		if r.Float64() < 0.1 {
			t = strings.ToUpper(t[:1]) + t[1:]
		}
		if len(b.segs) > 0 && b.segs[len(b.segs)-1].kind == '#' {
			b.text(" ")
		}
		b.tag(t)
	}
	for i := 0; i < nt; i++ {
		addTag(zipfPick(r, niche.Tags))
	}
	if len(pers.niches) > 1 && r.Float64() < 0.3 {
		addTag(zipfPick(r, niches[pers.niches[1]].Tags))
	}
	if pers.city != nil && r.Float64() < 0.15 {
		if ct := ascii(pers.city.Name); ct != "" {
			addTag(ct)
		}
	}
	if r.Float64() < 0.2 {
		addTag(pick(r, genericTags))
	}
	p.segs = b.segs
	if a.platform == Bluesky && r.Float64() < 0.1 {
		p.outline = []string{zipfPick(r, niche.Tags)}
	}
	p.tags() // memoized now, before the post is shared with readers
	if a.platform == YouTube {
		p.title = titleFor(p, niche, r)
	}

	// Engagement.
	f := a.followers
	inter := a.erBase * f * math.Exp(0.3*r.NormFloat64())
	if p.class == "sponsored" {
		inter *= 0.85
	}
	cs := 0.02 + 0.05*r.Float64()
	p.likes = int64(math.Round(inter * (1 - cs)))
	p.comments = int64(math.Round(inter * cs))
	p.likesHidden = a.hiddenLikes
	switch a.platform {
	case YouTube:
		p.hasViews = true
		p.views = int64(f * (0.08 + 0.5*r.Float64()) * math.Exp(0.4*r.NormFloat64()))
		p.commentsOff = r.Float64() < a.commentsOffRate
		p.likesHidden = r.Float64() < 0.03
		p.kind = "video"
	case TikTok:
		p.hasViews, p.hasShares = true, true
		p.views = int64(f * (0.3 + 2.5*r.Float64()))
		p.shares = int64(float64(p.likes) * (0.01 + 0.07*r.Float64()))
		p.kind = "video"
	case Mastodon:
		p.hasShares = true
		p.shares = int64(float64(p.likes) * (0.05 + 0.25*r.Float64()))
	case Bluesky:
		p.hasShares = true
		p.shares = int64(float64(p.likes) * (0.05 + 0.15*r.Float64()))
	case Instagram:
		p.kind = pick(r, []string{"IMAGE", "IMAGE", "CAROUSEL_ALBUM", "VIDEO"})
	case Web:
		if r.Float64() < 0.3 {
			p.hasViews = true
			p.views = int64(f * (0.2 + r.Float64()))
		}
		p.hasShares = r.Float64() < 0.5
		p.shares = int64(float64(p.likes) * 0.05)
	}
	if p.views < p.likes && p.hasViews {
		p.views = p.likes + p.comments + int64(r.IntN(1000))
	}

	// Native ids.
	switch a.platform {
	case Mastodon:
		p.nid = snowflake(p.created, r.Uint64())
	case Bluesky:
		p.nid = tid(p.created, r.Uint64())
		p.nid2 = "bafyrei" + randString(r, alphaB32Lower, 52)
	case YouTube:
		p.nid = randString(r, alphaB64URL, 10) + string("048AEIMQUYcgkosw"[r.IntN(16)])
	case Instagram:
		p.nid = digitsFrom("18", 17, r.Uint64())
		p.nid2 = "C" + randString(r, alphaB64URL, 10)
	case TikTok:
		p.nid = fmt.Sprint(uint64(p.created.Unix())<<32 | uint64(r.Uint32()))
	case Web:
		p.nid = fmt.Sprintf("%x", r.Uint64()>>16)
	}
	return p
}

func titleFor(p *post, n Niche, r *rand.Rand) string {
	var first string
	for _, s := range p.segs {
		if s.kind == 't' && strings.TrimSpace(strings.Trim(s.text, ". ")) != "" && !strings.HasPrefix(s.text, "Paid partnership") && !strings.HasPrefix(s.text, "Anzeige") {
			first = strings.TrimSpace(strings.Trim(s.text, ". "))
			break
		}
	}
	if first == "" {
		first = n.Label
	}
	switch r.IntN(3) {
	case 0:
		return first + " | " + n.Label
	case 1:
		return first + " (honest review)"
	default:
		return first
	}
}
