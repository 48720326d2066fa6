package creator

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// PriceRange is a price per post. A nil Max means "and up".
type PriceRange struct {
	Min float64  `json:"min"`
	Max *float64 `json:"max"`
}

// PriceTable is the configurable basis of the price estimate: a range per
// tier for one Instagram feed post, a multiplier per platform and a
// multiplier for engagement above or below the tier's band.
type PriceTable struct {
	Currency       string                `json:"currency"`
	Base           map[string]PriceRange `json:"base"`            // tier -> range (Instagram post)
	PlatformFactor map[string]float64    `json:"platform_factor"` // platform -> multiplier; missing means 1
	HighERFactor   float64               `json:"high_er_factor"`  // ER above the tier band
	LowERFactor    float64               `json:"low_er_factor"`   // ER below the tier band
	Source         string                `json:"source"`
}

// DefaultPriceTable follows the influencer-marketing guides' Instagram
// rates per post: nano $10-$100, micro $100-$500, macro $5,000 and up, mega
// $10,000 and up. YouTube is priced at twice Instagram (guides quote about
// $20 per 1,000 subscribers against $10 per 1,000 followers), TikTok at
// 0.8x, and the open networks (Mastodon, Bluesky, the web) at 0.5x, since
// they have no established market. ER above the tier band adds 25%; below
// it takes 25% off.
func DefaultPriceTable() PriceTable {
	return PriceTable{
		Currency: "USD",
		Base: map[string]PriceRange{
			Nano:  {Min: 10, Max: Float64(100)},
			Micro: {Min: 100, Max: Float64(500)},
			Macro: {Min: 5000, Max: nil},
			Mega:  {Min: 10000, Max: nil},
		},
		PlatformFactor: map[string]float64{
			Instagram: 1, YouTube: 2, TikTok: 0.8, Mastodon: 0.5, Bluesky: 0.5, Web: 0.5,
		},
		HighERFactor: 1.25,
		LowERFactor:  0.75,
		Source:       "influencer-marketing guides' Instagram rates per post (micro $100-$500, macro $5,000+)",
	}
}

// Validate reports a table with negative or inverted ranges or factors.
func (t PriceTable) Validate() error {
	for tier, r := range t.Base {
		if r.Min < 0 || math.IsNaN(r.Min) || math.IsInf(r.Min, 0) {
			return Invalid("prices."+tier, "min must be a number >= 0")
		}
		if r.Max != nil && (*r.Max < r.Min || math.IsNaN(*r.Max) || math.IsInf(*r.Max, 0)) {
			return Invalid("prices."+tier, "max must be >= min")
		}
	}
	for p, f := range t.PlatformFactor {
		if !(f > 0) || math.IsInf(f, 0) {
			return Invalid("prices.platform_factor."+p, "must be > 0")
		}
	}
	for name, f := range map[string]float64{"high_er_factor": t.HighERFactor, "low_er_factor": t.LowERFactor} {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return Invalid("prices."+name, "must be >= 0 (0 means 1)")
		}
	}
	return nil
}

// DefaultERBands are the engagement rates expected of each tier: nano
// 4-8%, micro 2-5%, macro 1-2%, mega 0.5-1.5%.
func DefaultERBands() map[string]Band {
	return map[string]Band{
		Nano:  {Low: 0.04, High: 0.08},
		Micro: {Low: 0.02, High: 0.05},
		Macro: {Low: 0.01, High: 0.02},
		Mega:  {Low: 0.005, High: 0.015},
	}
}

// EstimatePrice returns a price range per post from the tier, the ER and
// the platform, with its basis spelled out; nil when the tier is unknown or
// the table has no row for it.
func EstimatePrice(platform, tier string, er *float64, o Options) *PriceEstimate {
	o = o.withDefaults()
	t := o.Prices
	base, ok := t.Base[tier]
	if tier == "" || !ok {
		return nil
	}
	var basis []string
	basis = append(basis, fmt.Sprintf("%s tier: %s per Instagram post (%s)", tier, fmtRange(base, t.Currency), t.Source))
	factor := 1.0
	pf, ok := t.PlatformFactor[platform]
	if !ok || !(pf > 0) {
		pf = 1
	}
	if pf != 1 {
		basis = append(basis, fmt.Sprintf("%s: x%g", platform, pf))
	}
	factor *= pf
	band, hasBand := o.ERBands[tier]
	switch {
	case er == nil:
		basis = append(basis, "ER unknown: no adjustment")
	case !hasBand:
		basis = append(basis, "no ER band for the tier: no adjustment")
	case *er > band.High:
		f := orOne(t.HighERFactor)
		factor *= f
		basis = append(basis, fmt.Sprintf("ER %.2f%% above the %s band %.1f-%.1f%%: x%g", *er*100, tier, band.Low*100, band.High*100, f))
	case *er < band.Low:
		f := orOne(t.LowERFactor)
		factor *= f
		basis = append(basis, fmt.Sprintf("ER %.2f%% below the %s band %.1f-%.1f%%: x%g", *er*100, tier, band.Low*100, band.High*100, f))
	default:
		basis = append(basis, fmt.Sprintf("ER %.2f%% within the %s band %.1f-%.1f%%: x1", *er*100, tier, band.Low*100, band.High*100))
	}
	p := &PriceEstimate{Currency: t.Currency, Basis: strings.Join(basis, "; ")}
	lo := round2(base.Min * factor)
	p.Min = &lo
	if base.Max != nil {
		hi := round2(*base.Max * factor)
		p.Max = &hi
	}
	return p
}

func orOne(f float64) float64 {
	if f == 0 {
		return 1
	}
	return f
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func fmtRange(r PriceRange, cur string) string {
	if r.Max == nil {
		return fmt.Sprintf("%s %g and up", cur, r.Min)
	}
	return fmt.Sprintf("%s %g-%g", cur, r.Min, *r.Max)
}

// sortedKeys returns a map's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
