package creator

import (
	"math"
	"testing"
	"time"
)

func snap(daysBefore int, followers *int64) Snapshot {
	d := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -daysBefore)
	return Snapshot{CreatorID: "instagram:x", Day: d, Followers: followers}
}

func TestGrowth(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	hist := []Snapshot{
		snap(0, Int64(12_000)), snap(7, Int64(11_000)), snap(30, Int64(10_000)), snap(31, nil),
		snap(60, Int64(8_000)), snap(92, Int64(6_000)),
	}
	g := ComputeGrowth(hist, nil, now)
	if g.Points != 5 {
		t.Errorf("points %d, want 5 (the unknown one skipped)", g.Points)
	}
	check := func(name string, p *GrowthPeriod, change int64, rel float64) {
		t.Helper()
		if p == nil {
			t.Fatalf("%s is nil", name)
		}
		if p.Change != change || p.Relative == nil || math.Abs(*p.Relative-rel) > 1e-9 {
			t.Errorf("%s = %+v (rel %v), want change %d rel %v", name, p, fp(p.Relative), change, rel)
		}
	}
	check("7d", g.D7, 1_000, 1000.0/11000)
	check("30d", g.D30, 2_000, 0.2)
	check("90d", g.D90, 6_000, 1) // 92 days back is within the 22-day slack
	// History that does not reach back: nil, never 0.
	g = ComputeGrowth([]Snapshot{snap(0, Int64(100)), snap(3, Int64(90))}, nil, now)
	if g.D7 != nil || g.D30 != nil || g.D90 != nil {
		t.Errorf("short history gave %+v %+v %+v, want all nil", g.D7, g.D30, g.D90)
	}
	// The creator's current count at now is the end point when newer.
	g = ComputeGrowth([]Snapshot{snap(7, Int64(1_000))}, Int64(1_100), now)
	check("7d from current", g.D7, 100, 0.1)
	// Unknown followers everywhere: no growth.
	g = ComputeGrowth([]Snapshot{snap(0, nil), snap(7, nil)}, nil, now)
	if g.D7 != nil || g.Reason == "" {
		t.Errorf("unknown history gave %+v, reason %q", g.D7, g.Reason)
	}
	// From 0 followers: change known, relative nil (no division by zero).
	g = ComputeGrowth([]Snapshot{snap(0, Int64(50)), snap(7, Int64(0))}, nil, now)
	if g.D7 == nil || g.D7.Change != 50 || g.D7.Relative != nil {
		t.Errorf("from zero: %+v", g.D7)
	}
}
