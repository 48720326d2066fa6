package creator

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
)

// AuthenticityFormula is shown with every score.
const AuthenticityFormula = "score = clamp(100 + sum of signal contributions, 0, 100); nil when no signal is known"

// Authenticity signal names.
const (
	SigFollowRatio     = "follower_following_ratio"
	SigERBand          = "er_vs_tier_band"
	SigFollowerJumps   = "follower_jumps"
	SigGenericComments = "generic_comments"
	SigPostingGaps     = "posting_gaps"
)

// ComputeAuthenticity scores how organic a creator's audience looks, 0-100,
// from five signals, each listed with its value and the points it took off:
//
//   - follower/following ratio (accounts of 1,000+ followers): below 0.5
//     -20, below 1 -12, below 2 while following 1,000+ -5;
//   - ER against the tier's expected band: under half the low end -25,
//     under the low end -10, over three times the high end -15, over twice
//     -5;
//   - sudden follower jumps in history: a day-over-day gain above 5% of the
//     audience (and 500 followers), or ten times the median daily change
//     and above 2%: -10 each, at most -30;
//   - generic comments ("nice pic", emoji only) when o.Comments has 10 or
//     more for the posts: share above 50% -20, above 30% -10;
//   - posting gaps between dated posts (and since the last one): longest
//     above 90 days -15, above 30 days -5.
//
// A signal whose input is missing is listed as unknown and counts 0.
func ComputeAuthenticity(c *Creator, posts []Post, history []Snapshot, e *Engagement, now time.Time, o Options) *Authenticity {
	o = o.withDefaults()
	a := &Authenticity{Formula: AuthenticityFormula, Bands: o.ERBands}
	if c == nil {
		return a
	}
	a.Signals = []AuthSignal{
		ratioSignal(c.Followers, c.Following),
		erBandSignal(c.Followers, e, o),
		jumpSignal(history),
		commentSignal(posts, o.Comments),
		gapSignal(posts, now),
	}
	sum, anyKnown := 0.0, false
	for _, s := range a.Signals {
		if s.Known {
			anyKnown = true
			sum += s.Contribution
		}
	}
	if anyKnown {
		score := math.Max(0, math.Min(100, 100+sum))
		a.Score = &score
	}
	return a
}

func ratioSignal(followers, following *int64) AuthSignal {
	s := AuthSignal{Signal: SigFollowRatio}
	if followers == nil || following == nil || *followers < 0 || *following < 0 {
		s.Detail = "followers or following unknown"
		return s
	}
	s.Known = true
	if *following == 0 {
		s.Detail = fmt.Sprintf("%d followers, follows nobody", *followers)
		return s
	}
	r := float64(*followers) / float64(*following)
	s.Value = &r
	switch {
	case *followers < 1000:
		s.Detail = fmt.Sprintf("ratio %.2f; under 1,000 followers, not judged", r)
	case r < 0.5:
		s.Contribution = -20
		s.Detail = fmt.Sprintf("follows %d, twice its %d followers (ratio %.2f < 0.5): follow-for-follow pattern", *following, *followers, r)
	case r < 1:
		s.Contribution = -12
		s.Detail = fmt.Sprintf("follows %d, more than its %d followers (ratio %.2f < 1)", *following, *followers, r)
	case r < 2 && *following >= 1000:
		s.Contribution = -5
		s.Detail = fmt.Sprintf("follows %d against %d followers (ratio %.2f < 2)", *following, *followers, r)
	default:
		s.Detail = fmt.Sprintf("ratio %.2f", r)
	}
	return s
}

func erBandSignal(followers *int64, e *Engagement, o Options) AuthSignal {
	s := AuthSignal{Signal: SigERBand}
	tier := TierFor(followers, o.Tiers)
	band, ok := o.ERBands[tier]
	if e == nil || e.Rate == nil || tier == "" || !ok {
		s.Detail = "ER or tier unknown"
		return s
	}
	s.Known = true
	er := *e.Rate
	s.Value = Float64(er)
	s.Evidence = e.PostIDs
	desc := fmt.Sprintf("ER %.2f%%, %s band %.1f-%.1f%%", er*100, tier, band.Low*100, band.High*100)
	switch {
	case er < band.Low/2:
		s.Contribution = -25
		s.Detail = desc + ": under half the band's low end (inactive or bought followers)"
	case er < band.Low:
		s.Contribution = -10
		s.Detail = desc + ": below the band"
	case er > band.High*3:
		s.Contribution = -15
		s.Detail = desc + ": over three times the band's high end (bought likes or engagement pods)"
	case er > band.High*2:
		s.Contribution = -5
		s.Detail = desc + ": over twice the band's high end"
	default:
		s.Detail = desc + ": in or near the band"
	}
	return s
}

func jumpSignal(history []Snapshot) AuthSignal {
	s := AuthSignal{Signal: SigFollowerJumps}
	type pt struct {
		day time.Time
		n   int64
	}
	var pts []pt
	for _, h := range history {
		if h.Followers != nil && *h.Followers >= 0 && !h.Day.IsZero() {
			pts = append(pts, pt{h.Day.UTC(), *h.Followers})
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].day.Before(pts[j].day) })
	if len(pts) < 3 {
		s.Detail = fmt.Sprintf("need 3 history points with known followers; have %d", len(pts))
		return s
	}
	s.Known = true
	type step struct {
		from, to pt
		perDay   float64
	}
	var steps []step
	var abs []float64
	for i := 1; i < len(pts); i++ {
		days := pts[i].day.Sub(pts[i-1].day).Hours() / 24
		if days <= 0 {
			continue
		}
		d := float64(pts[i].n-pts[i-1].n) / days
		steps = append(steps, step{pts[i-1], pts[i], d})
		abs = append(abs, math.Abs(d))
	}
	med := 0.0
	if m := median(abs); m != nil {
		med = *m
	}
	jumps := 0
	for _, st := range steps {
		if st.from.n <= 0 || st.perDay <= 0 {
			continue
		}
		rel := st.perDay / float64(st.from.n)
		if (rel > 0.05 && st.perDay > 500) || (med > 0 && st.perDay > 10*med && rel > 0.02) {
			jumps++
			s.Evidence = append(s.Evidence, fmt.Sprintf("%s -> %s: %d -> %d (+%.1f%%/day)",
				st.from.day.Format("2006-01-02"), st.to.day.Format("2006-01-02"), st.from.n, st.to.n, rel*100))
		}
	}
	v := float64(jumps)
	s.Value = &v
	s.Contribution = math.Max(-30, -10*v)
	if s.Contribution == 0 {
		s.Contribution = 0 // not -0
	}
	s.Detail = fmt.Sprintf("%d sudden jumps over %d history points (median daily change %.0f)", jumps, len(pts), med)
	return s
}

var genericCommentRe = regexp.MustCompile(`^(?:nice|nice pic|nice post|nice photo|nice one|great|great pic|great post|great shot|great content|awesome|amazing|cool|wow|love it|love this|so cute|cute|beautiful|gorgeous|stunning|perfect|lovely|fire|lit|dope|superb|incredible|goals|yes|omg|so good|looks good|good|wonderful|fantastic|brilliant|keep it up|keep going|follow me|follow back|check my page|check dm|dm me|dm us|promote it on|send pic to|collab\?|nice feed|love your feed|great feed|beautiful feed)[\s!.?]*$`)

// IsGenericComment reports whether a comment says nothing about the post:
// emoji or punctuation only, or a stock phrase ("nice pic", "dm us").
func IsGenericComment(text string) bool {
	t := strings.TrimSpace(fold(text))
	if t == "" {
		return true
	}
	letters := 0
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			letters++
		}
	}
	if letters == 0 {
		return true // emoji, punctuation
	}
	t = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("!.?", r) {
			return r
		}
		return -1
	}, t)
	t = strings.Join(strings.Fields(t), " ")
	return genericCommentRe.MatchString(t)
}

func commentSignal(posts []Post, comments map[string][]string) AuthSignal {
	s := AuthSignal{Signal: SigGenericComments}
	total, generic := 0, 0
	for _, p := range posts {
		for _, c := range comments[p.ID] {
			total++
			if IsGenericComment(c) {
				generic++
				if len(s.Evidence) < 10 {
					s.Evidence = append(s.Evidence, p.ID+": "+truncate(c, 60))
				}
			}
		}
	}
	if total < 10 {
		s.Evidence = nil
		s.Detail = fmt.Sprintf("need 10 comment texts; have %d", total)
		return s
	}
	s.Known = true
	share := float64(generic) / float64(total)
	s.Value = &share
	switch {
	case share > 0.5:
		s.Contribution = -20
	case share > 0.3:
		s.Contribution = -10
	}
	s.Detail = fmt.Sprintf("%d of %d comments generic (%.0f%%)", generic, total, share*100)
	return s
}

func gapSignal(posts []Post, now time.Time) AuthSignal {
	s := AuthSignal{Signal: SigPostingGaps}
	var ts []time.Time
	for _, p := range posts {
		if p.PublishedAt != nil && !p.PublishedAt.IsZero() {
			ts = append(ts, *p.PublishedAt)
		}
	}
	if len(ts) < 2 {
		s.Detail = fmt.Sprintf("need 2 dated posts; have %d", len(ts))
		return s
	}
	s.Known = true
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	longest, from, to := time.Duration(0), ts[0], ts[0]
	for i := 1; i < len(ts); i++ {
		if g := ts[i].Sub(ts[i-1]); g > longest {
			longest, from, to = g, ts[i-1], ts[i]
		}
	}
	if !now.IsZero() {
		if g := now.Sub(ts[len(ts)-1]); g > longest {
			longest, from, to = g, ts[len(ts)-1], now
		}
	}
	days := longest.Hours() / 24
	s.Value = &days
	switch {
	case days > 90:
		s.Contribution = -15
	case days > 30:
		s.Contribution = -5
	}
	s.Detail = fmt.Sprintf("longest gap %.0f days", days)
	s.Evidence = []string{from.UTC().Format("2006-01-02") + " -> " + to.UTC().Format("2006-01-02")}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
