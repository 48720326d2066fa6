package creator

import "fmt"

// TierThresholds are the lower follower bounds of micro, macro and mega;
// below Micro is nano. Defaults: 10k, 100k, 1M.
type TierThresholds struct {
	Micro int64 `json:"micro"`
	Macro int64 `json:"macro"`
	Mega  int64 `json:"mega"`
}

// DefaultTierThresholds are nano <10k, micro 10k-100k, macro 100k-1M,
// mega >=1M.
func DefaultTierThresholds() TierThresholds {
	return TierThresholds{Micro: 10_000, Macro: 100_000, Mega: 1_000_000}
}

// Validate reports thresholds that are not 0 < micro < macro < mega.
func (t TierThresholds) Validate() error {
	if !(0 < t.Micro && t.Micro < t.Macro && t.Macro < t.Mega) {
		return Invalid("tiers", "need 0 < micro < macro < mega, have %d, %d, %d", t.Micro, t.Macro, t.Mega)
	}
	return nil
}

// TierFor returns the tier of a follower count, or "" when the count is
// unknown (nil) or negative. Invalid thresholds fall back to the defaults.
func TierFor(followers *int64, t TierThresholds) string {
	if followers == nil || *followers < 0 {
		return ""
	}
	if t.Validate() != nil {
		t = DefaultTierThresholds()
	}
	switch f := *followers; {
	case f >= t.Mega:
		return Mega
	case f >= t.Macro:
		return Macro
	case f >= t.Micro:
		return Micro
	default:
		return Nano
	}
}

func tierEvidence(followers *int64, t TierThresholds) *TierEvidence {
	if t.Validate() != nil {
		t = DefaultTierThresholds()
	}
	ev := &TierEvidence{Followers: followers, Tier: TierFor(followers, t), Bounds: t}
	switch ev.Tier {
	case "":
		ev.Rule = "followers unknown: no tier"
	case Nano:
		ev.Rule = fmt.Sprintf("followers %d < %d", *followers, t.Micro)
	case Micro:
		ev.Rule = fmt.Sprintf("%d <= followers %d < %d", t.Micro, *followers, t.Macro)
	case Macro:
		ev.Rule = fmt.Sprintf("%d <= followers %d < %d", t.Macro, *followers, t.Mega)
	case Mega:
		ev.Rule = fmt.Sprintf("followers %d >= %d", *followers, t.Mega)
	}
	return ev
}
