package creator

import (
	"strings"
	"testing"
)

func TestEstimatePrice(t *testing.T) {
	o := DefaultOptions()
	tests := []struct {
		platform, tier string
		er             *float64
		min            float64
		max            *float64
		basis          string
	}{
		{Instagram, Micro, Float64(0.03), 100, Float64(500), "within the micro band"},
		{Instagram, Micro, nil, 100, Float64(500), "ER unknown"},
		{Instagram, Micro, Float64(0.09), 125, Float64(625), "above the micro band"},
		{Instagram, Micro, Float64(0.01), 75, Float64(375), "below the micro band"},
		{Instagram, Macro, Float64(0.015), 5000, nil, "and up"},
		{YouTube, Micro, Float64(0.03), 200, Float64(1000), "youtube: x2"},
		{Mastodon, Nano, Float64(0.05), 5, Float64(50), "mastodon: x0.5"},
	}
	for _, tt := range tests {
		p := EstimatePrice(tt.platform, tt.tier, tt.er, o)
		if p == nil || p.Min == nil || *p.Min != tt.min || (p.Max == nil) != (tt.max == nil) || (p.Max != nil && *p.Max != *tt.max) {
			t.Errorf("%s %s %v: got %+v, want %v-%v", tt.platform, tt.tier, fp(tt.er), p, tt.min, fp(tt.max))
			continue
		}
		if !strings.Contains(p.Basis, tt.basis) || p.Currency != "USD" {
			t.Errorf("%s %s basis %q, want it to say %q", tt.platform, tt.tier, p.Basis, tt.basis)
		}
	}
	if p := EstimatePrice(Instagram, "", Float64(0.03), o); p != nil {
		t.Errorf("unknown tier priced %+v, want nil", p)
	}
	// Configurable.
	o.Prices.Base[Micro] = PriceRange{Min: 300, Max: Float64(900)}
	if p := EstimatePrice(Instagram, Micro, Float64(0.03), o); p == nil || *p.Min != 300 || *p.Max != 900 {
		t.Errorf("custom table gave %+v", p)
	}
	bad := DefaultPriceTable()
	bad.Base[Nano] = PriceRange{Min: 50, Max: Float64(10)}
	if err := bad.Validate(); ErrorParam(err) != "prices.nano" {
		t.Errorf("Validate = %v, want an error naming prices.nano", err)
	}
}
