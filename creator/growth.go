package creator

import (
	"fmt"
	"sort"
	"time"
)

// growthSlack is how far from the exact start day a history point may be
// and still stand for it: a quarter of the period, at least one day.
func growthSlack(days int) time.Duration {
	s := days / 4
	if s < 1 {
		s = 1
	}
	return time.Duration(s) * 24 * time.Hour
}

// ComputeGrowth returns the follower change over 7, 30 and 90 days from the
// history. The end point is the latest snapshot with a known follower
// count, or the creator's current count at now when that is newer. The
// start point is the snapshot nearest to end-N days, no more than a quarter
// of the period (at least a day) away from it, and before the end. A period
// the history does not reach is nil; snapshots with unknown followers are
// skipped, never read as 0.
func ComputeGrowth(history []Snapshot, current *int64, now time.Time) *Growth {
	type pt struct {
		day time.Time
		n   int64
	}
	var pts []pt
	for _, s := range history {
		if s.Followers == nil || *s.Followers < 0 || s.Day.IsZero() {
			continue
		}
		pts = append(pts, pt{s.Day.UTC(), *s.Followers})
	}
	g := &Growth{Points: len(pts)}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].day.Before(pts[j].day) })
	if current != nil && *current >= 0 && !now.IsZero() && (len(pts) == 0 || now.After(pts[len(pts)-1].day)) {
		pts = append(pts, pt{now.UTC(), *current})
	}
	if len(pts) < 2 {
		g.Reason = fmt.Sprintf("need two points with known followers; have %d", len(pts))
		return g
	}
	end := pts[len(pts)-1]
	period := func(days int) *GrowthPeriod {
		target := end.day.Add(-time.Duration(days) * 24 * time.Hour)
		slack := growthSlack(days)
		best := -1
		var bestDist time.Duration
		for i, p := range pts[:len(pts)-1] {
			d := p.day.Sub(target)
			if d < 0 {
				d = -d
			}
			if d > slack || !p.day.Before(end.day) {
				continue
			}
			if best < 0 || d < bestDist {
				best, bestDist = i, d
			}
		}
		if best < 0 {
			return nil
		}
		from := pts[best]
		gp := &GrowthPeriod{Days: days, From: from.day, To: end.day, FromN: from.n, ToN: end.n, Change: end.n - from.n}
		if from.n > 0 {
			r := float64(gp.Change) / float64(from.n)
			gp.Relative = &r
		}
		return gp
	}
	g.D7, g.D30, g.D90 = period(7), period(30), period(90)
	if g.D7 == nil && g.D30 == nil && g.D90 == nil {
		g.Reason = "history does not reach 7 days back"
	}
	return g
}
