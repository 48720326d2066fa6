package creator

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Disclosure classification
//
// A caption is folded (lower case, Latin accents stripped) and read by
// ordered rule groups. Each group masks what it matched, so a later, more
// general rule cannot match inside it:
//
//  1. neutral idioms ("not gonna lie") that would otherwise read as negations;
//  2. specific German and Polish forms ("unbezahlte Werbung" is gifted,
//     "Werbung wegen Markennennung" and "selbst gekauft" are not paid,
//     "współpraca barterowa" is gifted);
//  3. negations ("not sponsored", "I wasn't paid", "nicht gesponsert",
//     "no es publicidad"): recorded as evidence, never as a class;
//  4. phrases per class in a dozen languages; some need a brand after them
//     ("in partnership with @x", not "with my partner");
//  5. labels at the start of a line or in brackets ("AD |", "(Anzeige)");
//  6. discount codes, told apart from "dress code" and "learning to code";
//  7. hashtags, matched whole (#ad, never #adhd, #adidas, #adventure);
//  8. affiliate and shop links (LTK, amzn.to, ShopMy, ...);
//  9. the platform's paid-partnership flag.
//
// The class is the strongest found: sponsored > affiliate > gifted >
// organic. "Link in bio" and codes are commercial evidence; a post with a
// brand and commercial evidence but no explicit disclosure is flagged.

// Signal kinds as they appear in Disclosure.Signals ("sponsored: #ad").
const (
	sigNegated = "negated"
	sigBought  = "self-purchase"
	sigNeutral = "not-paid"
)

type discRule struct {
	class      string // Sponsored, Gifted, Affiliate; "" for a neutral mask
	kind       string // for neutral rules: sigNegated, sigBought, sigNeutral
	explicit   bool   // a disclosure in its own right (not just a code or link)
	brandAfter bool   // must be followed by an @mention, a brand alias or a Capitalised name
	commercial bool   // commercial evidence for the undisclosed flag
	// alts are the alternatives whose matches start with known stems (1-3
	// bytes at a word start): a text with none of them skips each. always
	// holds the alternatives without known stems; it runs when the text
	// contains one of need (or need is empty).
	alts   []gatedRe
	always *regexp.Regexp
	need   []string
}

const (
	lb = `(?:^|[^\p{L}\p{N}_@#/.'])` // left boundary: not inside a word, tag, mention or URL
	rb = `(?:[^\p{L}\p{N}_]|$)`
)

// compileAlts compiles each alternative between word boundaries with its
// word stems, so that a caption runs only the few that can match; the
// alternatives without known stems go together in always.
func compileAlts(r discRule, bounded bool, pats []string) discRule {
	wrap := func(alts []string) *regexp.Regexp {
		if len(alts) == 0 {
			return nil
		}
		if !bounded {
			return regexp.MustCompile(`(` + strings.Join(alts, "|") + `)`)
		}
		return regexp.MustCompile(lb + `(` + strings.Join(alts, "|") + `)` + rb)
	}
	var other []string
	for _, p := range pats {
		if st := stemsOf(p); st != nil && bounded {
			r.alts = append(r.alts, gatedRe{re: regexp.MustCompile(`\A` + lb + `(` + p + `)` + rb), stems: st})
		} else {
			other = append(other, p)
		}
	}
	r.always = wrap(other)
	return r
}

// gatedRe is one alternative of a rule, anchored, with the word stems its
// matches start with: it is tried only at the word starts that carry one.
type gatedRe struct {
	re    *regexp.Regexp
	stems []string
}

func phrases(class string, explicit bool, pats ...string) discRule {
	return compileAlts(discRule{class: class, explicit: explicit}, true, pats)
}

func neutral(kind string, pats ...string) discRule {
	return compileAlts(discRule{kind: kind}, true, pats)
}

// cjk matches without word boundaries, for scripts that do not space
// words; it runs only on text with non-Latin letters.
func cjk(class string, pats ...string) discRule {
	return discRule{class: class, explicit: class != "", always: regexp.MustCompile(`(` + strings.Join(pats, "|") + `)`), need: []string{nonLatinNeed}}
}

// nonLatinNeed stands for "the text has a letter outside Latin-1".
const nonLatinNeed = "\x00nonlatin"

func withBrand(r discRule) discRule { r.brandAfter = true; return r }

func commercialRule(r discRule) discRule { r.commercial = true; return r }

func needing(r discRule, words ...string) discRule { r.need = words; return r }

// runAlways reports whether the rule's ungated expression should run.
func (r discRule) runAlways(text string, nonLatin bool) bool {
	if r.always == nil {
		return false
	}
	if len(r.need) == 0 {
		return true
	}
	for _, n := range r.need {
		if n == nonLatinNeed && nonLatin || n != nonLatinNeed && strings.Contains(text, n) {
			return true
		}
	}
	return false
}

// stemsOf returns the first bytes (at most 3, from the first letter or
// digit) that every match of the pattern begins with, or nil when they
// cannot be told.
func stemsOf(pattern string) []string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	lits, ok := prefixes(re.Simplify(), 4)
	if !ok {
		return nil
	}
	var out []string
	for _, l := range lits {
		l = strings.TrimLeftFunc(l, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if l == "" {
			return nil
		}
		if len(l) > 3 {
			l = l[:3]
		}
		out = append(out, l)
	}
	return dedupe(out)
}

// prefixes lists literal prefixes of re's matches, each at least need
// bytes long unless the match ends sooner; ok is false when re starts with
// something other than literals, small classes and optional parts.
func prefixes(re *syntax.Regexp, need int) ([]string, bool) {
	const maxSet = 64
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture:
		return prefixes(re.Sub[0], need)
	case syntax.OpQuest:
		p, ok := prefixes(re.Sub[0], need)
		return append(p, ""), ok
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			l, ok := prefixes(s, need)
			if !ok || len(out)+len(l) > maxSet {
				return nil, false
			}
			out = append(out, l...)
		}
		return out, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] > 10 || len(out) > 20 {
				return nil, false
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, string(r))
			}
		}
		return out, len(out) > 0
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			short := false
			for _, p := range out {
				if len(p) < need {
					short = true
				}
			}
			if !short {
				break
			}
			next, ok := prefixes(sub, need)
			if !ok {
				// What follows is unknown: the prefixes so far must do.
				for _, p := range out {
					if p == "" {
						return nil, false
					}
				}
				return out, true
			}
			var grown []string
			for _, p := range out {
				if len(p) >= need {
					grown = append(grown, p)
					continue
				}
				for _, n := range next {
					grown = append(grown, p+n)
				}
			}
			if len(grown) > maxSet {
				return out, !containsStr(out, "")
			}
			out = grown
		}
		return out, true
	}
	return nil, false
}

// stemAlt names one gated alternative: discRules[rule].alts[alt].
type stemAlt struct{ rule, alt int }

// discStemIndex maps each stem of a gated alternative to the alternatives
// it gates (an alternative listed once per time it lists the stem).
var discStemIndex = func() map[string][]stemAlt {
	m := map[string][]stemAlt{}
	for ri, r := range discRules {
		for ai, a := range r.alts {
			for _, st := range a.stems {
				m[st] = append(m[st], stemAlt{ri, ai})
			}
		}
	}
	return m
}()

// altStarts returns, for each gated alternative, the word starts of text
// (a letter or digit after anything else, '#' included) whose first 1-3
// bytes are one of its stems, once per stem: where the alternative is
// tried. Alternatives with none are absent.
func altStarts(text string) map[stemAlt][]int {
	var m map[stemAlt][]int
	prevWord := false
	for i, r := range text {
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		if isWord && !prevWord {
			for n := 1; n <= 3 && i+n <= len(text); n++ {
				for _, ref := range discStemIndex[text[i:i+n]] {
					if m == nil {
						m = make(map[stemAlt][]int, 8)
					}
					m[ref] = append(m[ref], i)
				}
			}
		}
		prevWord = isWord
	}
	return m
}

// negWords are the words a negation may negate.
const negWords = `#?(?:sponsored|sponsoring|sponsorship|sponsor|ad|ads|advert|advertisement|advertising|paid|gifted|affiliated|affiliate links?|partnership|collab|collaboration|discount code|promo code|code|gesponsert|werbung|anzeige|bezahlt|kooperation|publicidad|publi|anuncio|patrocinado|patrocinio|pagad[oa]|pagaron|pub|publicite|sponsorise[es]?|remuneree?|partenariat|paye[es]?|sponsorizzat[oa]|pubblicita|pagat[oa]|gesponsord|reclame|betaald|samenwerking|publicidade|parceria|patrocinad[oa]|reklama|reklamy|wspolpraca|wspolpracy|sponsorowan[ey]|platn[ea]|sponsrad|reklam|samarbete|sponset|sponsoreret|reklame|samarbeid|samarbejde|sponsoroitu|mainos|yhteistyo|реклама|рекламы|спонсор\p{L}*)`

// negators start a negation; negMid are the small words allowed between
// the negator and what it negates ("not an ad", "no es publicidad", "nie
// jest to reklama"). Other words break it: "non toxic #ad" is an ad.
const (
	negators = `not|isn'?t|wasn'?t|aren'?t|weren'?t|didn'?t|don'?t|doesn'?t|haven'?t|hasn'?t|ain'?t|never|no|nobody|no one|none of this is|nothing here is|non|nicht|kein|keine|keinen|keiner|pas|nao|niet|geen|nie|inte|ikke|ei|не`
	negMid   = `(?:a|an|the|this|that|it|is|was|were|been|being|be|getting|get|got|actually|really|even|ever|at|all|asked|or|and|sure|one|my|es|era|fue|un|una|de|une|du|des|ein|eine|einen|e|um|uma|een|het|jest|to|ist|war|est|c'est|n'est|ce|hay|ha|hat|wird|il|lo|la|el|per|pour|for|por|z|i|stato|stata|sido|gewesen|als|som|er|var|ole|ollut|durch|von|by|da|di|bezahlte|betaalde|kaupallinen|paid|platna|remunerada|pagada|pagata|une|una|u|mi|me|meu|minha|mein|ma|mon)`
	negation = `(?:` + negators + `)(?:[\s,]+` + negMid + `){0,3}[\s,]+` + negWords
)

var discRules = []discRule{
	// 1. Idioms that look like negations.
	neutral(sigNeutral, `not gonna lie`, `not going to lie`, `no lie`, `ngl`, `not kidding`, `no joke`, `not to brag`, `not gonna pretend`),

	// 2. Specific forms first.
	needing(neutral(sigNeutral,
		`(?:unbeauftragte?|unbezahlte?)?\s*#?(?:werbung|anzeige)\s*[(\[/,:|*–—-]*\s*(?:wegen|durch|da|aufgrund)?\s*(?:marken|marke|ort|orts|personen)?-?\s*(?:nennung|verlinkung|markierung)[)\]*]?`,
		`(?:unbeauftragte|unbeauftragt)\s*#?werbung`, `#?werbung\s*[(\[/,:|*–—-]*\s*unbeauftragt[)\]*]?`, `ohne auftrag`, `unbeauftragt`), "werbung", "anzeige", "auftrag"),
	needing(phrases(Gifted, true,
		`unbezahlte\s*#?(?:werbung|anzeige|kooperation)`,
		`#?(?:werbung|anzeige|kooperation)\s*[(\[/,:|*–—-]*\s*(?:da |weil )?unbezahlt[)\]*]?`,
		`(?:wspolpraca|wspolpracy)\s+barterow\w*`, `barterow\w*\s+(?:wspolpraca|wspolpracy)`, `barter`,
		`бартер`), "werbung", "anzeige", "kooperation"),
	neutral(sigBought, `selbst gekauft`, `selbstgekauft`, `selber gekauft`),

	// 3. Negations.
	neutral(sigNegated, negation,
		`unsponsored`, `non[- ]?sponsored`, `unpaid`, `self[- ]funded`, `no one paid me`, `nobody paid me`,
		`niemand hat mich bezahlt`, `sin patrocinio`, `sem patrocinio`, `senza sponsor`, `non remunere`, `nicht bezahlt`),
	neutral(sigBought,
		`i bought`, `i purchased`, `i paid for`, `bought (?:it|this|these|them|my|her|him) ?(?:myself|with my own money)?`,
		`(?:paid for|bought) (?:it|this|them|these) myself`, `with my own money`, `own purchase`, `my own purchase`, `purchased myself`,
		`achete moi-meme`, `achete avec mon argent`, `compre yo`, `comprado por mim`, `comprei com meu dinheiro`,
		`comprato da me`, `zelf gekocht`, `kupione za wlasne`, `kupilam sama`, `kupilem sam`, `kopt sjalv`),

	// 4. Phrases.
	phrases(Sponsored, true,
		`paid partnership(?: with)?`, `paid partner`, `paid collab(?:oration)?`, `paid post`, `paid promotion`,
		`includes paid promotion`, `paid ad`, `paid content`, `paid sponsorship`, `sponsored by`,
		`(?:this|the|today'?s) (?:post|video|reel|content|episode|story|tweet|thread|stream|vlog) (?:is|was) (?:sponsored|brought to you)`,
		`sponsored (?:post|content|video|reel|episode|stream|segment)`, `for sponsoring`, `sponsoring (?:this|today'?s|the) \w+`,
		`brought to you by`, `brand ambassador`, `ambassador for`,
		`bezahlte partnerschaft`, `bezahlte kooperation`, `gesponsert von`, `gesponsert durch`, `in kooperation mit`,
		`in zusammenarbeit mit`, `werbung fur`,
		`colaboracion pagada`, `colaboracion remunerada`, `colaboracion paga`, `patrocinado por`, `contenido patrocinado`,
		`partenariat remunere`, `en partenariat (?:remunere )?avec`, `sponsorise par`, `collaboration commerciale`, `contenu sponsorise`,
		`sponsorizzato da`, `contenuto sponsorizzato`, `collaborazione retribuita`, `collaborazione commerciale`, `collaborazione a pagamento`,
		`betaalde samenwerking`, `gesponsord door`, `in samenwerking met`,
		`parceria paga`, `parceria remunerada`, `conteudo patrocinado`, `em parceria com`,
		`wspolpraca reklamowa`, `material sponsorowany`, `post sponsorowany`, `platna wspolpraca`, `wspolpraca`, `wspolpracy z`,
		`i samarbete med`, `i samarbejde med`, `i samarbeid med`, `kaupallinen yhteistyo`, `kaupallisessa yhteistyossa`,
		`sponsrat av`, `sponset av`, `sponsoreret af`, `reklame (?:for|fra|fur)`, `reklam (?:for|fran)`, `annonse for`,
		`ucretli ortaklik`, `is birligi`, `isbirligi`, `sponsorlu`,
		`на правах рекламы`, `рекламная интеграция`, `спонсор\p{L}*`, `при поддержке`,
		`kerja sama berbayar`, `kerjasama berbayar`, `konten berbayar`, `#?endorse(?:ment)?`),
	withBrand(phrases(Sponsored, true,
		`in (?:paid )?partnership with`, `partnered with`, `partnering with`, `(?:proud|excited|happy|thrilled) to (?:be )?partner(?:ing)? with`,
		`teamed up with`, `teaming up with`, `ambassador`, `en colaboracion con`, `en collaboration avec`, `in collaborazione con`)),
	phrases(Gifted, true,
		`gifted by`, `gifted from`, `gifted to me`, `gifted me`, `(?:was|were|been|kindly|got|generously) gifted`,
		`gifted (?:item|items|product|products|pr|stay|trip|meal|experience|package)`,
		`pr (?:package|box|haul|parcel|mail|gift|gifts|sample|samples|unboxing|kit|send|list)`, `pr[- ]?sample`,
		`press (?:sample|trip|kit|gift)`, `kindly sent`, `sent over by`, `sample provided`, `product provided`,
		`complimentary (?:stay|product|products|meal|sample|night|nights|tickets?|treatment)`, `hosted stay`,
		`kostenlos zur verfugung gestellt`, `zur verfugung gestellt`, `pr[- ]paket`,
		`produits? offerts?`, `offerte? par`, `colis presse`,
		`producto regalado`, `productos regalados`, `me lo (?:enviaron|regalaron|mandaron)`, `me los (?:enviaron|regalaron|mandaron)`,
		`prodott[oi] (?:offert[oi]|regalat[oi]|ricevut[oi])`, `ricevuto in regalo`, `regalato da`, `offerto da`,
		`gekregen van`, `gratis ontvangen`, `pr[- ]pakket`, `recebido de`, `recebidos? da`, `recebi (?:da|do)`, `presente (?:da|do)`, `enviado pela`,
		`otrzymal[ae]?m od`, `prezent od`, `paczka pr`, `fatt av`, `fatt fran`, `faet tilsendt`, `lahjaksi saatu`, `saatu lahjaksi`,
		`подарок от`),
	withBrand(phrases(Gifted, true, `sent (?:to me |me )?by`, `provided by`, `hosted by`, `c/o`, `regalo de`, `enviado por`, `cadeau de`, `envoye par`)),
	phrases(Gifted, true,
		`(?:thanks|thank you|thanks so much|thank you so much|thx|ty|shoutout to|big thanks to|merci|danke|gracias|grazie|bedankt|obrigad[oa]|dziekuje|dzieki|tack)(?: so much)?(?: to)?\s+@[\p{L}\p{N}_.]+\s+(?:for|fur|fürs|furs|por|pour|per|voor|pelo|pela|za)\s+(?:sending|gifting|the gift|the gifts|the package|the goodies|the pr|the care package|this gift|these goodies|l'envoi|le colis|das paket|das geschenk|die zusendung|el envio|el regalo|el paquete|enviarme|il regalo|il pacco|avermi inviato|het pakket|o presente|os mimos|prezent|paczke)`,
	),
	needing(phrases(Gifted, true, `@[\p{L}\p{N}_.]+\s+(?:did |kindly |just |has |have |also )?(?:sent me|send me|gifted me|surprised me with|kindly sent|spoiled me)`),
		"sent me", "send me", "gifted me", "surprised me", "kindly sent", "spoiled me"),
	phrases(Affiliate, true,
		`affiliate(?: links?| partner| programm?e?)?`, `affiliate-links?`, `\*affiliate`, `affiliatelinks?`,
		`(?:i|we) (?:may |might |will |could |do )?(?:earn|receive|get|make) (?:a )?(?:small |tiny |little )?commissions?`,
		`earn (?:a )?(?:small )?commission`, `commissions? (?:from|on|if|when) (?:purchases|sales|qualifying|you buy|you purchase|any)`,
		`at no (?:extra|additional) cost to you`, `commissions? earned`, `as an amazon associate`, `amazon associate`,
		`earn from qualifying purchases`,
		`provisionslinks?`, `werbelinks?`, `erhalte ich (?:eine )?(?:kleine )?provision`, `bekomme ich (?:eine )?(?:kleine )?provision`,
		`liens? affilies?`, `liens? d'affiliation`, `je (?:touche|percois|recois) une (?:petite )?commission`,
		`enlaces? de afiliad[oa]s?`, `links? de afiliad[oa]s?`, `(?:gano|recibo|obtengo) una (?:pequena )?comision`,
		`link affiliat[oi]`, `ricevo una (?:piccola )?commissione`, `ontvang ik een (?:kleine )?commissie`,
		`recebo uma (?:pequena )?comissao`, `links? afiliacyjn\w+`, `otrzymuje prowizje`, `affiliatelank`,
		`партнерская ссылка`, `link afiliasi`),
	commercialRule(phrases(Affiliate, false,
		`discount codes?`, `promo codes?`, `coupon codes?`, `referral codes?`, `rabattcode`, `gutscheincode`, `rabatt-code`,
		`code promo`, `codigo de descuento`, `codigo promocional`, `cupon de descuento`, `codice sconto`, `codice promo`,
		`kortingscode`, `codigo de desconto`, `cupom(?: de desconto)?`, `kod rabatowy`, `kodem rabatowym`, `rabattkod`, `rabatkode`,
		`rabattkode`, `alennuskoodi`, `indirim kodu`, `kode promo`, `kode diskon`, `промокод\p{L}*`,
		`shop my (?:look|looks|outfit|links|amazon|storefront|favorites|favourites|closet)`, `amazon storefront`, `my amazon (?:store|shop|page)`,
		`ltk app`, `liketoknow\.?it`, `@shop\.ltk`, `shop\.ltk`)),
	cjk(Sponsored, `#広告|広告|プロモーション|タイアップ|#광고|유료광고|광고|#广告|广告|赞助|推广|#اعلان|اعلان|#реклама|реклама`),
	cjk(Gifted, `#提供|提供|#협찬|제품협찬|협찬`),
	cjk(Affiliate, `アフィリエイト|割引コード|クーポンコード|할인코드|쿠폰|优惠码|折扣码`),
}

// labelWords are words that disclose when they stand as a label: at the
// start of a line, between separators or in brackets ("AD |", "(Anzeige)").
var labelWords = map[string]string{
	"ad": Sponsored, "ads": Sponsored, "advert": Sponsored, "advertisement": Sponsored, "anzeige": Sponsored,
	"werbung": Sponsored, "reklame": Sponsored, "reklama": Sponsored, "reklam": Sponsored, "publicidad": Sponsored,
	"publicidade": Sponsored, "publi": Sponsored, "pub": Sponsored, "publicite": Sponsored, "adv": Sponsored,
	"annonce": Sponsored, "annons": Sponsored, "annonse": Sponsored, "mainos": Sponsored, "advertentie": Sponsored,
	"gesponsord": Sponsored, "sponsored": Sponsored, "sponsorizzato": Sponsored, "sponsorise": Sponsored,
	"pubblicita": Sponsored, "iklan": Sponsored, "sponsor": Sponsored, "paid": Sponsored, "promo": Sponsored,
	"gifted": Gifted, "pr": Gifted, "gift": Gifted, "geschenkt": Gifted, "offert": Gifted, "regalo": Gifted,
	"affiliate": Affiliate, "affiliate links": Affiliate, "affiliate link": Affiliate, "affiliatelink": Affiliate,
}

var (
	labelLineRe    = regexp.MustCompile(`(?m)^[\s*•·\-–—|>\[(]*([\p{L} ]{2,16}?)\s*(?:[|:/\-–—*•·\])]|$)`)
	labelBracketRe = regexp.MustCompile(`[\[(*]\s*([\p{L} ]{2,16}?)\s*[\])*]`)
	labelSepRe     = regexp.MustCompile(`[|•·]\s*([\p{L} ]{2,16}?)\s*(?:[|•·]|$)`)
	tagRe          = regexp.MustCompile(`#([\p{L}\p{N}\p{M}_]+)`)
	mentionRe      = regexp.MustCompile(`@([\p{L}\p{N}_](?:[\p{L}\p{N}_.]*[\p{L}\p{N}_])?)`)
	urlRe          = regexp.MustCompile(`(?:https?://)?(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(/[^\s)\]]*)?`)
	codeWordRe     = regexp.MustCompile(lb + `(code|codes|codigo|codice|kod|kodem|koodi|koodilla|kode|kodu|coupon|cupon|cupom|gutschein)` + rb)
	linkInBioRe    = regexp.MustCompile(lb + `(link (?:is )?in (?:my |the )?bio|links? in (?:my )?profile|link im profil|link in der bio|lien (?:en|dans (?:la|ma)) bio|enlace en (?:la |mi )?bio|link en (?:la |mi )?bio|link na bio|link nella bio|link w bio|lank i bio|link i bio|linkki biossa|tap the link|swipe up|shop (?:the )?link)` + rb)
	capsAdRe       = regexp.MustCompile(`(?:^|[^\p{L}\p{N}&/.#@])(AD)(?:[^\p{L}\p{N}&/]|$)`)
	japaneseRe     = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}]`)
)

// labelNeeds holds, for each label expression (labelLineRe, labelBracketRe,
// labelSepRe), characters it cannot match without: a caption with none of
// them skips it. labelLineRe can match any line.
var labelNeeds = [...]string{"", "[(*", "|•·"}

// tagClass is what a whole hashtag (folded, no '#') says.
var tagClass = func() map[string]string {
	m := map[string]string{}
	add := func(class string, tags ...string) {
		for _, t := range tags {
			m[t] = class
		}
	}
	add(Sponsored, "ad", "ads", "advert", "advertisement", "sponsored", "sponsor", "sponsoredpost", "sponsoredcontent",
		"spon", "spons", "paidpartnership", "paidpartner", "paidad", "paidpost", "paidcollab", "paidcontent", "paidpromotion",
		"partner", "partnership", "brandpartner", "brandambassador", "ambassador", "anzeige", "werbung", "bezahltewerbung",
		"bezahltepartnerschaft", "kooperation", "publi", "publicidad", "publicidade", "publipost", "patrocinado", "patrocinio",
		"colaboracionpagada", "pub", "publicite", "sponsorise", "sponsorisee", "partenariat", "partenariatremunere",
		"collaborationcommerciale", "adv", "sponsorizzato", "pubblicita", "advertentie", "samenwerking", "gesponsord",
		"betaaldesamenwerking", "reklama", "wspolpraca", "wspolpracareklamowa", "sponsorowane", "materialsponsorowany", "reklam",
		"annons", "samarbete", "reklame", "annonse", "samarbeid", "samarbejde", "annonce", "sponset", "sponsoreret", "sponsrad",
		"mainos", "kaupallinenyhteistyo", "yhteistyo", "isbirligi", "sponsorlu", "iklan", "endorse", "endorsement",
		"parceriapaga", "publicidadepaga", "реклама", "広告", "プロモーション", "タイアップ", "광고", "유료광고", "广告", "赞助", "推广", "اعلان")
	add(Gifted, "gifted", "giftedproduct", "giftedproducts", "giftedpr", "giftedstay", "giftedtrip", "giftedmeal", "prgift", "prgifted",
		"prpackage", "prbox", "prsample", "prproduct", "prhaul", "prpaket", "presssample", "kindlysent", "suppliedby", "fornitoda",
		"gekregen", "recebido", "recebidos", "recebidinhos", "produitoffert", "produitsofferts", "offert", "productoregalado",
		"unbezahltewerbung", "werbungunbezahlt", "unbezahlt", "barter", "hosted", "complimentary", "提供", "협찬", "제품협찬", "pr", "prezent")
	add(Affiliate, "affiliate", "affiliatelink", "affiliatelinks", "commissionsearned", "commissionearned", "amazonaffiliate",
		"amazonassociate", "liketkit", "liketoknowit", "liketoknow", "shopltk", "affiliatelinksused", "affiliatelinkinbio")
	return m
}()

// commercialTags are affiliate tags that are not a disclosure on their own.
var commercialTags = map[string]bool{
	"liketkit": true, "liketoknowit": true, "liketoknow": true, "shopltk": true,
	"rabattcode": true, "discountcode": true, "promocode": true, "codepromo": true, "codigodescuento": true,
	"codicesconto": true, "kortingscode": true, "kodrabatowy": true, "cupom": true, "promokod": true, "промокод": true,
}

// negTags negate, or say the creator paid for it.
var negTags = map[string]string{
	"notsponsored": sigNegated, "notanad": sigNegated, "nonsponsored": sigNegated, "notad": sigNegated, "noad": sigNegated,
	"unsponsored": sigNegated, "notpaid": sigNegated, "unpaid": sigNegated, "notgifted": sigNegated, "keinewerbung": sigNegated,
	"keinwerbung": sigNegated, "nichtgesponsert": sigNegated, "nopatrocinado": sigNegated, "noespublicidad": sigNegated,
	"nopublicidad": sigNegated, "pasdepub": sigNegated, "passponsorise": sigNegated, "nonsponsorise": sigNegated,
	"nonsponsorizzato": sigNegated, "nietgesponsord": sigNegated, "geenreclame": sigNegated, "naoepubli": sigNegated,
	"naoepublicidade": sigNegated, "naopatrocinado": sigNegated, "niesponsorowane": sigNegated, "nieplatne": sigNegated,
	"nichtbezahlt": sigNegated, "notsponsoredjustlove": sigNegated, "notanadjustlove": sigNegated,
	"selbstgekauft": sigBought, "selfpurchased": sigBought, "boughtitmyself": sigBought, "ownpurchase": sigBought,
	"boughtwithmyownmoney": sigBought, "ikochtzelf": sigBought,
	"markennennung": sigNeutral, "werbungdurchmarkennennung": sigNeutral, "werbungwegenmarkennennung": sigNeutral,
	"unbeauftragt": sigNeutral, "unbeauftragtewerbung": sigNeutral, "werbungunbeauftragt": sigNeutral,
	"werbungohneauftrag": sigNeutral, "ortsnennung": sigNeutral, "werbungdurchortsnennung": sigNeutral,
}

// giftedTagTraps are tags that start like a gifted tag but are about gifted
// children, gifted education and the like.
var giftedTagTraps = []string{"giftedchild", "giftedkid", "giftedand", "giftededucation", "giftedstudent", "giftedlearner",
	"giftedadult", "giftedteen", "giftedness", "giftedprogram", "giftedmind", "giftedartist", "giftedmusician"}

// affiliateHosts are link hosts that pay the creator per sale.
var affiliateHosts = []string{"liketk.it", "liketoknow.it", "shopltk.com", "ltk.app", "amzn.to", "amzn.eu", "amzn.com", "a.co",
	"rstyle.me", "shopmy.us", "go.shopmy.us", "shopstyle.it", "howl.me", "go.magik.ly", "go.skimresources.com", "skimresources.com",
	"awin1.com", "shareasale.com", "click.linksynergy.com", "linksynergy.com", "tidd.ly", "prf.hn", "geni.us", "collabs.shop",
	"kit.co", "amazon.com/shop", "amazon.co.uk/shop", "amazon.de/shop", "amazon.com/stores", "shop-links.co", "fave.co", "bit.ly/ltk"}

// pubContext and advContext keep #pub (a French ad label) apart from the
// English pub, and #adv (an Italian ad label) apart from adventure bikes.
var (
	pubContext = regexp.MustCompile(lb + `(pint|pints|beer|beers|ale|ales|lager|cider|quiz|pubquiz|sunday roast|roast|pub grub|pubgrub|craftbeer|bar|drinks|guinness|brewery)` + rb)
	advContext = regexp.MustCompile(lb + `(moto|motorcycle|motorbike|bike|ride|riding|rider|enduro|offroad|off-road|gs|ktm|tenere|africa twin|trail|overland|advrider|advmoto|dualsport|adventurebike)` + rb)
)

// coupleContext marks "partner" as a spouse.
var coupleContext = regexp.MustCompile(lb + `(husband|wife|hubby|wifey|boyfriend|girlfriend|fiance|fiancee|anniversary|date night|couple|couplegoals|couples|married|wedding|love of my life|my partner|our home|honeymoon|valentine'?s?)` + rb)

// offerRe is wording that surrounds a discount code.
var offerRe = regexp.MustCompile(`%|\boff\b|discount|save|saving|rabatt|rabat|znizk|descuento|desconto|sconto|reduction|remise|korting|alennus|indirim|free shipping|gratis versand|envio gratis|livraison gratuite|at checkout|checkout|\$|€|£`)

// codePrefixRe are the words before "code" that make it a promo code.
var codePrefixRe = regexp.MustCompile(`(?:^|[^\p{L}])(?:(?:use|using|with|enter|apply|shop with|save with|nutze|nutzt|gebruik|uzyj|usa|use o|utilise|utilisez|usa el|usa il)(?:\s+(?:the|my|our|this|mein|meinen|den|le|mon|el|mi|il|mio|de|mijn|o|meu|moj|moim))?|my|mit dem|mit meinem|mit deinem|mit|avec le|avec mon|avec|con el|con mi|con il|con|met de|met mijn|com o|com meu|z|ze|koodilla)\s*$`)

// codeNotPromo are the words before "code" that give it another sense.
var codeNotPromo = regexp.MustCompile(`(?:^|[^\p{L}])(zip|postal|post|area|country|source|qr|bar|dress|morse|color|colour|cheat|error|status|iso|tax|penal|civil|highway|building|moral|honor|honour|secret|access|pin|verification|security|to|in|of|your own|da vinci|cheats?|learn(?:ing)? to|how to|write|writing|wrote|clean|legacy|sample|open|python|go|java)\s*$`)

// brandIndex maps folded aliases to brand names.
type brandIndex struct {
	single map[string]string // one-word alias or handle -> brand
	multi  []aliasPhrase     // multi-word aliases
}

type aliasPhrase struct {
	phrase, brand string
}

func newBrandIndex(brands map[string][]string) *brandIndex {
	bi := &brandIndex{single: map[string]string{}}
	names := make([]string, 0, len(brands))
	for b := range brands {
		names = append(names, b)
	}
	sort.Strings(names)
	for _, b := range names {
		name := strings.TrimSpace(b)
		if name == "" {
			continue
		}
		for _, a := range append([]string{name}, brands[b]...) {
			k := strings.Join(words(fold(strings.TrimLeft(strings.TrimSpace(a), "@#"))), " ")
			if k == "" {
				continue
			}
			if !strings.Contains(k, " ") {
				if _, dup := bi.single[k]; !dup {
					bi.single[k] = name
				}
			} else {
				bi.multi = append(bi.multi, aliasPhrase{phrase: k, brand: name})
			}
			// Handles like "glossier.official" are also matched whole.
			if hk := fold(strings.TrimLeft(strings.TrimSpace(a), "@#")); hk != "" && !strings.ContainsAny(hk, " \t") {
				if _, dup := bi.single[hk]; !dup {
					bi.single[hk] = name
				}
			}
		}
	}
	return bi
}

// lookup returns the brand for a mention, hashtag or word.
func (bi *brandIndex) lookup(s string) (string, bool) {
	if bi == nil {
		return "", false
	}
	b, ok := bi.single[s]
	if !ok {
		b, ok = bi.single[fold(s)]
	}
	return b, ok
}

// PostDisclosure is the full result of classifying one post.
type PostDisclosure struct {
	Disclosure  Disclosure
	Brands      []Brand
	Undisclosed *Flag
	// Explicit is true when the post discloses in words, tags or the
	// platform flag, not only through a code or a shop link.
	Explicit bool
}

// ClassifyDisclosure classifies a caption (with its hashtags inline) and a
// platform paid flag, with no brand aliases.
func ClassifyDisclosure(caption string, platformPaid bool) Disclosure {
	p := Post{Caption: caption, PlatformPaid: platformPaid}
	return classifyPost(&p, nil).Disclosure
}

// ClassifyPost classifies a post with the brand aliases of brands (brand ->
// aliases and handles). It does not change p.
func ClassifyPost(p *Post, brands map[string][]string) PostDisclosure {
	if p == nil {
		return PostDisclosure{Disclosure: Disclosure{Class: Organic, Signals: []string{}}}
	}
	return classifyPost(p, newBrandIndex(brands))
}

type found struct {
	class    string
	signal   string
	explicit bool
	pos      int
	named    []string // brands this signal names
}

func classifyPost(p *Post, bi *brandIndex) PostDisclosure {
	caption, _ := maskAddresses(p.Caption)
	text := fold(caption)
	cased := foldCase(caption) // same bytes as text, case kept
	masked := []byte(text)
	var fs []found
	var neutralSigs []string
	commercial := []string{}

	mask := func(a, b int) {
		for i := a; i < b && i < len(masked); i++ {
			masked[i] = ' '
		}
	}

	// Rule groups 1-4.
	starts := altStarts(text)
	nonLatin := false
	for _, r := range text {
		if r >= 0x250 && unicode.IsLetter(r) {
			nonLatin = true
			break
		}
	}
	for ri, r := range discRules {
		for ai, a := range r.alts {
			at := starts[stemAlt{ri, ai}]
			if len(at) == 0 {
				continue
			}
			sort.Ints(at)
			r.apply(a.re, at, masked, cased, bi, &fs, &neutralSigs, &commercial)
		}
		if r.runAlways(text, nonLatin) {
			r.apply(r.always, nil, masked, cased, bi, &fs, &neutralSigs, &commercial)
		}
	}
	cur := string(masked)
	// 5. Labels.
	for i, re := range []*regexp.Regexp{labelLineRe, labelBracketRe, labelSepRe} {
		if i > 0 && !strings.ContainsAny(cur, labelNeeds[i]) {
			continue // the expression needs one of these characters
		}
		for _, m := range re.FindAllStringSubmatchIndex(cur, -1) {
			w := strings.TrimSpace(cur[m[2]:m[3]])
			class, ok := labelWords[w]
			if !ok {
				continue
			}
			if w == "pr" && japaneseRe.MatchString(caption) {
				class = Sponsored
			}
			fs = append(fs, found{class: class, signal: class + ": label " + strings.ToUpper(w), explicit: true, pos: m[2],
				named: mentionsNear(cur, m[2], m[3])})
			mask(m[2], m[3])
		}
		cur = string(masked)
	}
	// A capitalised AD anywhere ("New in from @x AD"), not "79 AD" or "AD&D",
	// read on the case-kept text with the same masks.
	cm := []byte(cased)
	for i := range cm {
		if i < len(masked) && masked[i] == ' ' {
			cm[i] = ' '
		}
	}
	casedMasked := string(cm)
	var capsAds [][]int
	if strings.Contains(casedMasked, "AD") {
		capsAds = capsAdRe.FindAllStringSubmatchIndex(casedMasked, -1)
	}
	for _, m := range capsAds {
		before := strings.TrimRight(casedMasked[:m[2]], " ")
		after := strings.TrimLeft(casedMasked[m[3]:], " ")
		if endsWithDigit(before) || startsWithDigit(after) {
			continue
		}
		fs = append(fs, found{class: Sponsored, signal: Sponsored + ": AD", explicit: true, pos: len(text)})
	}

	// 6. Discount codes.
	for _, c := range findCodes(cur, cased) {
		fs = append(fs, found{class: Affiliate, signal: Affiliate + ": code " + c.code, pos: c.pos, named: c.named})
		commercial = append(commercial, "code "+c.code)
		mask(c.pos, c.end)
	}
	cur = string(masked)

	// 7. Hashtags: inline ones not masked, then the post's own list.
	mentions := mentionSet(p.Mentions, text)
	seenTag := map[string]bool{}
	var tags []string
	var tagPos []int
	for _, m := range tagRe.FindAllStringSubmatchIndex(cur, -1) {
		t := cur[m[2]:m[3]]
		tags = append(tags, t)
		tagPos = append(tagPos, m[0])
	}
	// Tags masked by a rule are seen too, so the list does not re-add them.
	for _, m := range tagRe.FindAllStringSubmatch(text, -1) {
		seenTag[m[1]] = true
	}
	for _, h := range p.Hashtags {
		t := fold(strings.TrimPrefix(strings.TrimSpace(h), "#"))
		if t != "" && !seenTag[t] {
			seenTag[t] = true
			tags = append(tags, t)
			tagPos = append(tagPos, len(text))
		}
	}
	for i, t := range tags {
		var tagNamed []string
		if k, ok := negTags[t]; ok {
			neutralSigs = append(neutralSigs, k+": #"+t)
			continue
		}
		class, ok := tagClass[t]
		switch {
		case ok && t == "pub" && pubContext.MatchString(text):
			ok = false
		case ok && t == "adv" && advContext.MatchString(text):
			ok = false
		case ok && t == "partner" && (coupleContext.MatchString(text) || len(mentions) == 0 && len(postBrands(p, text, nil, bi)) == 0):
			ok = false // "#partner" on a couple's photo, or with no brand at all
		case ok && t == "pr" && japaneseRe.MatchString(caption):
			class = Sponsored
		case !ok && strings.HasPrefix(t, "ltk"):
			class, ok = Affiliate, true
		case !ok && (strings.HasPrefix(t, "giftedby") || strings.HasPrefix(t, "giftedfrom")):
			class, ok = Gifted, true
		case !ok && strings.HasPrefix(t, "gifted") && !hasAnyPrefix(t, giftedTagTraps):
			// "#giftedbyglossier" is covered above; "#giftedskincare" too.
			class, ok = Gifted, true
		case !ok && (strings.HasPrefix(t, "sponsoredby") || strings.HasPrefix(t, "paidpartnershipwith")):
			class, ok = Sponsored, true
		case !ok && strings.HasSuffix(t, "partner") && len(t) > len("partner"):
			prefix := strings.TrimSuffix(t, "partner")
			if b, isBrand := bi.lookup(prefix); isBrand {
				class, ok = Sponsored, true
				tagNamed = []string{b}
			} else if mentions[prefix] {
				class, ok = Sponsored, true
				tagNamed = []string{prefix}
			}
		case !ok && commercialTags[t]:
			class, ok = Affiliate, true
		}
		if !ok {
			continue
		}
		explicit := !commercialTags[t] && !strings.HasPrefix(t, "ltk")
		fs = append(fs, found{class: class, signal: class + ": #" + t, explicit: explicit, pos: tagPos[i], named: tagNamed})
		if !explicit {
			commercial = append(commercial, "#"+t)
		}
	}

	// 8. Links.
	var links [][]string
	if mayHaveDomain(text) {
		links = urlRe.FindAllStringSubmatch(text, -1)
	}
	for _, m := range links {
		host := m[1]
		full := host + m[2]
		for _, h := range affiliateHosts {
			if host == h || strings.HasSuffix(host, "."+h) || (strings.Contains(h, "/") && strings.HasPrefix(full, h)) ||
				(strings.HasPrefix(h, "amazon.") && strings.Contains(full, "tag=") && strings.HasPrefix(host, "amazon.")) {
				fs = append(fs, found{class: Affiliate, signal: Affiliate + ": link " + full, pos: len(text)})
				commercial = append(commercial, "link "+full)
				break
			}
		}
		if strings.HasPrefix(host, "amazon.") && strings.Contains(m[2], "tag=") {
			fs = append(fs, found{class: Affiliate, signal: Affiliate + ": link " + full, pos: len(text)})
			commercial = append(commercial, "link "+full)
		}
	}
	if hasAny(cur, linkInBioParts) {
		if m := linkInBioRe.FindStringSubmatch(cur); m != nil {
			commercial = append(commercial, strings.TrimSpace(m[1]))
		}
	}

	// 9. Platform flag.
	if p.PlatformPaid {
		fs = append(fs, found{class: Sponsored, signal: Sponsored + ": platform paid-partnership flag", explicit: true, pos: -1})
	}

	// Class by precedence; signals strongest class first, then in order.
	res := PostDisclosure{Disclosure: Disclosure{Class: Organic, Signals: []string{}}}
	sort.SliceStable(fs, func(i, j int) bool {
		if ri, rj := classRank(fs[i].class), classRank(fs[j].class); ri != rj {
			return ri > rj
		}
		return fs[i].pos < fs[j].pos
	})
	named := map[string]string{}
	var namedOrder []string
	for _, f := range fs {
		if classRank(f.class) > classRank(res.Disclosure.Class) {
			res.Disclosure.Class = f.class
		}
		res.Disclosure.Signals = append(res.Disclosure.Signals, f.signal)
		if f.explicit {
			res.Explicit = true
		}
		for _, n := range f.named {
			if _, ok := named[n]; !ok {
				named[n] = f.class
				namedOrder = append(namedOrder, n)
			}
		}
	}
	res.Disclosure.Signals = append(res.Disclosure.Signals, neutralSigs...)
	res.Disclosure.Signals = dedupe(res.Disclosure.Signals)

	// Brands: mentions and aliases; named ones carry the class that named
	// them, the rest the post's class when nothing was named.
	all := postBrands(p, text, tags, bi)
	var brands []Brand
	seen := map[string]bool{}
	for _, n := range namedOrder {
		name := n
		if b, ok := bi.lookup(n); ok {
			name = b
		}
		if !seen[name] {
			seen[name] = true
			brands = append(brands, Brand{Name: name, Class: named[n]})
		}
	}
	for _, name := range all {
		if seen[name] {
			continue
		}
		seen[name] = true
		class := res.Disclosure.Class
		if len(namedOrder) > 0 {
			class = Organic
		}
		brands = append(brands, Brand{Name: name, Class: class})
	}
	if brands == nil {
		brands = []Brand{}
	}
	res.Brands = brands

	// Undisclosed sponsorship: a brand, commercial evidence, no disclosure.
	if !res.Explicit && len(brands) > 0 && len(commercial) > 0 {
		ev := []string{}
		for _, b := range brands {
			ev = append(ev, "brand: "+b.Name)
		}
		for _, c := range dedupe(commercial) {
			ev = append(ev, "commercial: "+c)
		}
		ev = append(ev, "no disclosure: no #ad, sponsored, gifted or affiliate wording and no platform paid flag")
		for _, s := range neutralSigs {
			ev = append(ev, s)
		}
		res.Undisclosed = &Flag{Reason: "brand mention with a code, affiliate link or link in bio but no disclosure", Evidence: ev}
	}
	return res
}

// apply runs one expression of the rule over the masked text, records
// what it found and masks it. With starts, re is anchored and tried just
// before each word start (so its left boundary sees the character before);
// without, it scans the whole text.
func (r discRule) apply(re *regexp.Regexp, starts []int, masked []byte, cased string, bi *brandIndex, fs *[]found, neutralSigs, commercial *[]string) {
	cur := string(masked)
	var matches [][]int
	if starts == nil {
		matches = re.FindAllStringSubmatchIndex(cur, -1)
	} else {
		end := -1
		for _, p := range starts {
			from := max(0, p-1)
			if from < end {
				continue
			}
			m := re.FindStringSubmatchIndex(cur[from:])
			if m == nil || m[2] < 0 {
				continue
			}
			for k := range m {
				m[k] += from
			}
			matches = append(matches, m)
			end = m[3]
		}
	}
	for _, m := range matches {
		a, b := m[2], m[3]
		if a < 0 {
			continue
		}
		s := strings.TrimSpace(cur[a:b])
		var named []string
		if r.brandAfter {
			n, ok := brandAt(cur[b:], cased[b:], bi)
			if !ok {
				continue
			}
			named = append(named, n)
		}
		named = append(named, mentionsNear(cur, a, b)...)
		if r.class == "" {
			*neutralSigs = append(*neutralSigs, r.kind+": "+s)
		} else {
			*fs = append(*fs, found{class: r.class, signal: r.class + ": " + s, explicit: r.explicit, pos: a, named: named})
			if r.commercial {
				*commercial = append(*commercial, s)
			}
		}
		for i := a; i < b && i < len(masked); i++ {
			masked[i] = ' '
		}
	}
}

// brandAt reads the brand right after a phrase: an @mention, a configured
// alias, or a Capitalised name that is not a possessive ("my partner").
func brandAt(rest, restCased string, bi *brandIndex) (string, bool) {
	trimmed := strings.TrimLeft(rest, " \t:,-–—")
	off := len(rest) - len(trimmed)
	if strings.HasPrefix(trimmed, "the ") {
		trimmed = trimmed[4:]
		off += 4
	}
	if m := mentionRe.FindStringSubmatchIndex(trimmed); m != nil && m[0] == 0 {
		return trimmed[m[2]:m[3]], true
	}
	ws := words(trimmed)
	if len(ws) == 0 {
		return "", false
	}
	for n := min(4, len(ws)); n >= 1; n-- {
		phrase := strings.Join(ws[:n], " ")
		if strings.HasPrefix(trimmed, strings.Join(ws[:n], " ")) {
			if b, ok := bi.lookup(phrase); ok {
				return b, true
			}
			if bi != nil {
				for _, ap := range bi.multi {
					if ap.phrase == phrase {
						return ap.brand, true
					}
				}
			}
		}
	}
	switch ws[0] {
	case "my", "our", "his", "her", "their", "your", "me", "him", "them", "us", "you", "mi", "mis", "mon", "ma", "mes", "mein", "meinem",
		"meiner", "meinen", "mijn", "il", "la", "le", "el", "lo", "a", "an", "friends", "family", "husband", "wife", "boyfriend", "girlfriend":
		return "", false
	}
	if off < len(restCased) {
		r, _ := utf8.DecodeRuneInString(restCased[off:])
		if unicode.IsUpper(r) {
			return ws[0], true
		}
	}
	return "", false
}

// mentionsNear returns the @mentions inside a match or right after it.
func mentionsNear(s string, a, b int) []string {
	end := min(len(s), b+40)
	var out []string
	for _, m := range mentionRe.FindAllStringSubmatchIndex(s[a:end], -1) {
		start := a + m[0]
		if start > b && strings.TrimSpace(s[b:start]) != "" {
			// Only a mention directly after the phrase, or a chain of them.
			between := strings.Trim(s[b:start], " ,&+x")
			if between != "" && !strings.HasPrefix(between, "@") && between != "and" && between != "und" && between != "y" && between != "et" && between != "e" {
				break
			}
		}
		out = append(out, s[a+m[2]:a+m[3]])
		b = a + m[1]
	}
	return out
}

type codeHit struct {
	code     string
	pos, end int
	named    []string
}

// findCodes finds discount codes: "use code GLOW20", "code EMMA for 15%
// off", "mit dem Code LISA10", and not "dress code", "learning to code" or
// "QR code".
func findCodes(text, cased string) []codeHit {
	if !hasAny(text, codeWordParts) {
		return nil
	}
	var out []codeHit
	for _, m := range codeWordRe.FindAllStringSubmatchIndex(text, -1) {
		a, b := m[2], m[3]
		before := text[max(0, a-24):a]
		if codeNotPromo.MatchString(before) {
			continue
		}
		strongPrefix := codePrefixRe.MatchString(before)
		// The token after "code", skipping ':', quotes and "is".
		rest := text[b:]
		skip := 0
		for {
			t := strings.TrimLeft(rest[skip:], " :=\"'“”«»-–—")
			skip = len(rest) - len(t)
			if strings.HasPrefix(t, "is ") || strings.HasPrefix(t, "ist ") || strings.HasPrefix(t, "es ") {
				skip += strings.Index(t, " ") + 1
				continue
			}
			break
		}
		tokStart := b + skip
		tokEnd := tokStart
		for tokEnd < len(text) {
			r, size := utf8.DecodeRuneInString(text[tokEnd:])
			if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')) {
				break
			}
			tokEnd += size
		}
		tok := strings.TrimRight(cased[tokStart:tokEnd], "-")
		if len(tok) < 3 || len(tok) > 24 {
			continue
		}
		hasDigit, hasLetter, allUpper := false, false, true
		for _, r := range tok {
			switch {
			case unicode.IsDigit(r):
				hasDigit = true
			case unicode.IsLetter(r):
				hasLetter = true
				if !unicode.IsUpper(r) {
					allUpper = false
				}
			}
		}
		if !hasLetter {
			continue
		}
		after := text[tokEnd:min(len(text), tokEnd+60)]
		offer := offerRe.MatchString(after) || offerRe.MatchString(text[max(0, a-40):a])
		ok := false
		switch {
		case hasDigit && (strongPrefix || offer || allUpper):
			ok = true
		case allUpper && len(tok) >= 3 && !commonCaps[tok] && (strongPrefix || offer):
			ok = true
		case strongPrefix && offer:
			ok = true
		}
		if !ok {
			continue
		}
		out = append(out, codeHit{code: tok, pos: a, end: tokEnd, named: mentionsNear(text, tokEnd, min(len(text), tokEnd+30))})
	}
	return out
}

// commonCaps are shouted words that are not codes.
var commonCaps = map[string]bool{"THE": true, "AND": true, "FOR": true, "OFF": true, "NOW": true, "NEW": true, "FREE": true,
	"SALE": true, "LINK": true, "BIO": true, "HERE": true, "BELOW": true, "ABOVE": true, "RED": true, "BLUE": true}

// postBrands lists a post's brands: its @mentions (mapped through the
// aliases) and configured aliases found as words or hashtags.
func postBrands(p *Post, text string, tags []string, bi *brandIndex) []string {
	var out []string
	var ms []string
	inText := map[string]bool{}
	for _, m := range mentionRe.FindAllStringSubmatch(text, -1) {
		inText[m[1]] = true
	}
	_, domains := maskAddresses(p.Caption)
	for _, m := range p.Mentions {
		if h := brandHandle(m); h != "" && !(domains[h] && !inText[h]) {
			ms = append(ms, h)
		}
	}
	for _, m := range mentionRe.FindAllStringSubmatch(text, -1) {
		ms = append(ms, m[1])
	}
	for _, m := range dedupe(ms) {
		if b, ok := bi.lookup(m); ok {
			out = append(out, b)
		} else {
			out = append(out, m)
		}
	}
	if bi != nil {
		for _, t := range tags {
			if b, ok := bi.single[t]; ok {
				out = append(out, b)
			}
		}
		plain := words(mentionRe.ReplaceAllString(text, " "))
		for _, w := range plain {
			if b, ok := bi.single[w]; ok {
				out = append(out, b)
			}
		}
		padded := " " + strings.Join(plain, " ") + " "
		for _, ap := range bi.multi {
			if strings.Contains(padded, " "+ap.phrase+" ") {
				out = append(out, ap.brand)
			}
		}
	}
	return dedupe(out)
}

func mentionSet(list []string, text string) map[string]bool {
	m := map[string]bool{}
	for _, x := range list {
		if h := brandHandle(x); h != "" {
			m[h] = true
		}
	}
	for _, x := range mentionRe.FindAllStringSubmatch(text, -1) {
		m[x[1]] = true
	}
	return m
}

var (
	// fediHandleRe is a fediverse mention "@user@host": the "@host" part
	// (group 1) names the server, not another brand.
	fediHandleRe = regexp.MustCompile(`(?i)@[\p{L}\p{N}_](?:[\p{L}\p{N}_.]*[\p{L}\p{N}_])?(@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?::[0-9]{1,5})?)`)
	// captionEmailRe is an e-mail address (group 1) that does not follow a
	// word character or an '@'.
	captionEmailRe = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_.%+@-])([a-z0-9](?:[a-z0-9._%+-]*[a-z0-9_])?@((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}))`)
)

// maskAddresses blanks, byte for byte, what looks like a mention or a brand
// name but is not one: the "@host" of a fediverse handle ("@glossier@
// mastodon.social" names glossier, not mastodon.social) and whole e-mail
// addresses ("collabs: hello@glossier.com" is a contact, not a mention of
// glossier). It returns the masked caption and the e-mail domains it
// blanked, lower case, so a crawler's mention list can be checked against
// them.
func maskAddresses(caption string) (string, map[string]bool) {
	if strings.IndexByte(caption, '@') < 0 {
		return caption, nil
	}
	b := []byte(caption)
	blank := func(a, z int) {
		for i := a; i < z; i++ {
			b[i] = ' '
		}
	}
	if strings.Count(caption, "@") >= 2 { // a fediverse handle has two
		for _, m := range fediHandleRe.FindAllStringSubmatchIndex(caption, -1) {
			blank(m[2], m[3])
		}
	}
	var domains map[string]bool
	s := string(b)
	if !mayHaveEmail(s) {
		return s, nil
	}
	for _, m := range captionEmailRe.FindAllStringSubmatchIndex(s, -1) {
		if domains == nil {
			domains = map[string]bool{}
		}
		domains[strings.ToLower(s[m[4]:m[5]])] = true
		blank(m[2], m[3])
	}
	return string(b), domains
}

// codeWordParts holds a piece of every word codeWordRe matches: a text
// with none of them has no code word.
var codeWordParts = []string{"cod", "kod", "koo", "coupon", "cup", "gutschein"}

// linkInBioParts holds a piece of every phrase linkInBioRe matches.
var linkInBioParts = []string{"link", "lien", "enlace", "lank", "swipe up"}

// mayHaveEmail reports whether s has an '@' right after a character that
// can end the user part of an address (an ASCII letter, digit or '_', or a
// non-ASCII one, which case folding may turn into one): captionEmailRe
// cannot match without one, and an @mention has a space before it.
func mayHaveEmail(s string) bool {
	return anyByteAt(s, '@', func(i int) bool {
		if i == 0 {
			return false
		}
		c := s[i-1]
		return c >= utf8.RuneSelf || c == '_' || isASCIIAlnum(c)
	})
}

// mayHaveDomain reports whether s has a '.' between a lower-case ASCII
// letter or digit and two lower-case ASCII letters: urlRe cannot match
// without one ("done. next" and "5.5k" have none).
func mayHaveDomain(s string) bool {
	return anyByteAt(s, '.', func(i int) bool {
		return i > 0 && i+2 < len(s) && isLowerAlnum(s[i-1]) && isLower(s[i+1]) && isLower(s[i+2])
	})
}

// anyByteAt reports whether ok holds at an index of s that holds b.
func anyByteAt(s string, b byte, ok func(i int) bool) bool {
	for from := 0; ; {
		j := strings.IndexByte(s[from:], b)
		if j < 0 {
			return false
		}
		if ok(from + j) {
			return true
		}
		from += j + 1
	}
}

func isLower(c byte) bool      { return 'a' <= c && c <= 'z' }
func isLowerAlnum(c byte) bool { return isLower(c) || '0' <= c && c <= '9' }
func isASCIIAlnum(c byte) bool { return isLowerAlnum(c) || 'A' <= c && c <= 'Z' }

// brandHandle is the brand key of a mention from a post's list: lower
// case, no '@', and for a fediverse handle ("glossier@mastodon.social")
// the user part only, so @glossier and @glossier@host are one brand.
func brandHandle(m string) string {
	h := fold(NormalizeHandle(m))
	if user, host, ok := strings.Cut(h, "@"); ok && strings.Contains(host, ".") {
		h = user
	}
	return h
}

// foldCase folds like fold but keeps case, byte for byte aligned with
// fold's output where the fold is one rune to one rune of equal size.
func foldCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		f, ok := foldMap[r]
		if !ok {
			f = string(unicode.ToLower(r))
		}
		if unicode.IsUpper(r) && len(f) == 1 {
			f = strings.ToUpper(f)
		}
		b.WriteString(f)
	}
	return b.String()
}

func hasAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func endsWithDigit(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsDigit(r)
}

func startsWithDigit(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsDigit(r)
}
