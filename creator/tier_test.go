package creator

import "testing"

func TestTierFor(t *testing.T) {
	d := DefaultTierThresholds()
	tests := []struct {
		followers *int64
		want      string
	}{
		{nil, ""}, {Int64(-5), ""}, {Int64(0), Nano}, {Int64(9_999), Nano}, {Int64(10_000), Micro},
		{Int64(99_999), Micro}, {Int64(100_000), Macro}, {Int64(999_999), Macro}, {Int64(1_000_000), Mega}, {Int64(5e9), Mega},
	}
	for _, tt := range tests {
		if got := TierFor(tt.followers, d); got != tt.want {
			t.Errorf("TierFor(%v) = %q, want %q", fp64(tt.followers), got, tt.want)
		}
	}
	custom := TierThresholds{Micro: 5_000, Macro: 50_000, Mega: 500_000}
	if got := TierFor(Int64(7_000), custom); got != Micro {
		t.Errorf("custom thresholds: 7000 is %q, want micro", got)
	}
	if got := TierFor(Int64(600_000), custom); got != Mega {
		t.Errorf("custom thresholds: 600000 is %q, want mega", got)
	}
	// Unusable thresholds fall back to the defaults rather than mislabel.
	if got := TierFor(Int64(50_000), TierThresholds{Micro: 10, Macro: 5, Mega: 1}); got != Micro {
		t.Errorf("bad thresholds: 50000 is %q, want the default micro", got)
	}
	if err := (TierThresholds{Micro: 10, Macro: 5, Mega: 1}).Validate(); ErrorCode(err) != EINVALID || ErrorParam(err) != "tiers" {
		t.Errorf("Validate = %v, want an invalid error naming tiers", err)
	}
	ev := tierEvidence(Int64(42_000), d)
	if ev.Tier != Micro || ev.Rule != "10000 <= followers 42000 < 100000" {
		t.Errorf("evidence %+v", ev)
	}
}

func fp64(v *int64) any {
	if v == nil {
		return "nil"
	}
	return *v
}
