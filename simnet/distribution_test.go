package simnet_test

import (
	"math"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/creatorscout/creatorscout/simnet"
)

// The bands the product brief gives for engagement rate by tier.
var erBands = map[string][2]float64{
	"nano": {0.04, 0.08}, "micro": {0.02, 0.05}, "macro": {0.01, 0.02}, "mega": {0, 0.015},
}

func creatorsOnly(cs []simnet.Creator) []simnet.Creator {
	var out []simnet.Creator
	for _, c := range cs {
		if c.Brand == "" {
			out = append(out, c)
		}
	}
	return out
}

func share(k, n int) float64 { return float64(k) / float64(n) }

var (
	bigOnce sync.Once
	bigNet  *simnet.Network
	bigCS   []simnet.Creator
)

// big is one network of 5,000 creators shared by the distribution tests.
func big() (*simnet.Network, []simnet.Creator) {
	bigOnce.Do(func() {
		bigNet = simnet.New(simnet.Options{Seed: 3, Creators: 5000})
		bigCS = creatorsOnly(bigNet.Creators())
	})
	return bigNet, bigCS
}

func TestFollowersLogNormalWithinBounds(t *testing.T) {
	_, cs := big()
	var ln []float64
	tiers := map[string]int{}
	for _, c := range cs {
		tiers[c.Tier]++
		if c.Followers == nil {
			continue
		}
		f := *c.Followers
		if f < 1000 || f > 5_000_000 {
			t.Errorf("%s has %d followers, outside [1k, 5M]", c.ID, f)
		}
		ln = append(ln, math.Log(float64(f)))
	}
	sort.Float64s(ln)
	mean, sd := 0.0, 0.0
	for _, x := range ln {
		mean += x
	}
	mean /= float64(len(ln))
	for _, x := range ln {
		sd += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(sd / float64(len(ln)))
	median := ln[len(ln)/2]
	within := 0
	for _, x := range ln {
		if math.Abs(x-mean) <= sd {
			within++
		}
	}
	t.Logf("ln(followers): mean %.2f (%.0f) median %.2f sd %.2f; within 1 sd %.2f; tiers %v", mean, math.Exp(mean), median, sd, share(within, len(ln)), tiers)
	// Log-normal: the log is symmetric (mean near median) with about 68% of
	// the mass within one standard deviation.
	if math.Abs(mean-median) > 0.15*sd {
		t.Errorf("ln(followers) is skewed: mean %.2f, median %.2f, sd %.2f", mean, median, sd)
	}
	if sd < 1.0 || sd > 1.8 {
		t.Errorf("ln(followers) sd %.2f, want a spread of orders of magnitude (1.0-1.8)", sd)
	}
	if s := share(within, len(ln)); s < 0.6 || s > 0.8 {
		t.Errorf("%.2f of ln(followers) within one sd, want about 0.68", s)
	}
	for _, tier := range []string{"nano", "micro", "macro", "mega"} {
		if tiers[tier] == 0 {
			t.Errorf("no %s creators among %d", tier, len(cs))
		}
	}
	if tiers["micro"] < tiers["nano"] || tiers["micro"] < tiers["macro"] {
		t.Errorf("micro is not the largest tier: %v", tiers)
	}
}

func TestEngagementFallsWithSizeWithinBands(t *testing.T) {
	_, cs := big()
	byTier := map[string][]float64{}
	for _, c := range cs {
		if c.EngagementRate != nil {
			byTier[c.Tier] = append(byTier[c.Tier], *c.EngagementRate)
		}
	}
	prev := math.Inf(1)
	for _, tier := range []string{"nano", "micro", "macro", "mega"} {
		ers := byTier[tier]
		if len(ers) < 10 {
			t.Fatalf("only %d %s creators with a known ER", len(ers), tier)
		}
		sort.Float64s(ers)
		med := ers[len(ers)/2]
		band := erBands[tier]
		in := 0
		for _, e := range ers {
			if e >= band[0] && e <= band[1] {
				in++
			}
		}
		t.Logf("%s: n=%d median ER %.4f, %.2f within [%.3f, %.3f]", tier, len(ers), med, share(in, len(ers)), band[0], band[1])
		if med < band[0] || med > band[1] {
			t.Errorf("%s median ER %.4f outside [%.3f, %.3f]", tier, med, band[0], band[1])
		}
		if share(in, len(ers)) < 0.85 {
			t.Errorf("only %.2f of %s creators have an ER within the band", share(in, len(ers)), tier)
		}
		if med >= prev {
			t.Errorf("%s median ER %.4f does not fall below the smaller tier's %.4f", tier, med, prev)
		}
		prev = med
	}
}

func TestNichesCitiesPostsAndDisclosures(t *testing.T) {
	n, cs := big()
	niches := map[string]int{}
	cityNames := map[string]bool{}
	located := 0
	class := map[string]int{}
	traps := map[string]bool{}
	signals := map[string]bool{}
	optOuts := map[string]int{}
	posts, withTags, withMentions, hiddenFollowers, hiddenLikes, unknownComments := 0, 0, 0, 0, 0, 0
	langs := map[string]int{}
	for _, c := range cs {
		niches[c.Niches[0]]++
		langs[c.Language]++
		optOuts[c.OptOutSignal]++
		if c.HiddenFollowers {
			hiddenFollowers++
			if c.Followers != nil {
				t.Errorf("%s hides its followers but truth has a count", c.ID)
			}
		}
		if c.HiddenLikes {
			hiddenLikes++
		}
		if l := c.Location; l != nil {
			located++
			if l.Raw == "" || len(l.Country) != 2 || l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180 {
				t.Errorf("%s: bad location %+v", c.ID, *l)
			}
			if l.City != "" {
				cityNames[l.City+","+l.Country] = true
			}
		}
		if len(c.Posts) < 10 || len(c.Posts) > 20 {
			t.Errorf("%s has %d recent posts, want 10-20", c.ID, len(c.Posts))
		}
		for i, p := range c.Posts {
			posts++
			class[p.Class]++
			if i > 0 && p.PublishedAt.After(c.Posts[i-1].PublishedAt) {
				t.Errorf("%s: posts are not newest first", c.ID)
			}
			if len(p.Hashtags) > 0 {
				withTags++
			}
			if len(p.Mentions) > 0 {
				withMentions++
			}
			if p.Comments == nil {
				unknownComments++
			}
			low := strings.ToLower(p.Caption)
			for _, h := range p.Hashtags {
				if h != strings.ToLower(h) || strings.HasPrefix(h, "#") || !strings.Contains(low, "#"+h) && c.Platform != simnet.Bluesky {
					t.Errorf("%s: hashtag %q not lower case without '#' or not in caption %q", p.ID, h, p.Caption)
				}
			}
			for _, s := range p.Signals {
				signals[s] = true
				if !strings.HasPrefix(s, "platform:") && !strings.Contains(low, s) {
					t.Errorf("%s: signal %q not in caption %q", p.ID, s, p.Caption)
				}
			}
			if p.Trap != "" {
				traps[p.Trap] = true
				if p.Class != "organic" || !strings.Contains(low, p.Trap) {
					t.Errorf("%s: trap %q: class %s, caption %q", p.ID, p.Trap, p.Class, p.Caption)
				}
			}
			if p.Class != "organic" && len(p.Brands) == 0 {
				t.Errorf("%s: %s post names no brand", p.ID, p.Class)
			}
		}
	}
	t.Logf("niches %d, cities %d, located %.2f, languages %v", len(niches), len(cityNames), share(located, len(cs)), langs)
	t.Logf("posts %d: classes %v, with tags %.2f, with mentions %.2f", posts, class, share(withTags, posts), share(withMentions, posts))
	t.Logf("opt-outs %v; hidden followers %d, hidden likes %d, unknown comments %d", optOuts, hiddenFollowers, hiddenLikes, unknownComments)
	if len(niches) < 28 {
		t.Errorf("only %d niches used, want about 30", len(niches))
	}
	for ni, k := range niches {
		if share(k, len(cs)) < 0.005 {
			t.Errorf("niche %s has only %d creators", ni, k)
		}
	}
	if len(cityNames) < 150 {
		t.Errorf("only %d distinct cities, want about 200", len(cityNames))
	}
	if s := share(located, len(cs)); s < 0.75 || s > 0.95 {
		t.Errorf("%.2f of creators say where they live, want most but not all", s)
	}
	if s := share(withTags, posts); s < 0.95 {
		t.Errorf("only %.2f of posts carry hashtags", s)
	}
	if s := share(withMentions, posts); s < 0.15 {
		t.Errorf("only %.2f of posts carry mentions", s)
	}
	for c, lim := range map[string][2]float64{"sponsored": {0.03, 0.10}, "gifted": {0.02, 0.08}, "affiliate": {0.03, 0.09}} {
		if s := share(class[c], posts); s < lim[0] || s > lim[1] {
			t.Errorf("%.3f of posts are %s, want %.2f-%.2f", s, c, lim[0], lim[1])
		}
	}
	for _, s := range []string{"#ad", "paid partnership", "#gifted", "use code", "#sponsored", "#affiliate", "platform:paid"} {
		if !signals[s] {
			t.Errorf("no post carries the signal %q", s)
		}
	}
	for _, tr := range []string{"not sponsored", "#adhd", "learning to code"} {
		if !traps[tr] {
			t.Errorf("no post carries the trap %q", tr)
		}
	}
	for _, o := range []string{simnet.OptOutUndiscoverable, simnet.OptOutNoindex, simnet.OptOutNotIndexable, simnet.OptOutIndexableAbsent, simnet.OptOutNoUnauthenticated, simnet.OptOutMetaNoindex} {
		if optOuts[o] == 0 {
			t.Errorf("no creator opts out with %s", o)
		}
	}
	if hiddenFollowers == 0 || hiddenLikes == 0 || unknownComments == 0 {
		t.Errorf("hidden followers %d, hidden likes %d, unknown comments %d: want some of each", hiddenFollowers, hiddenLikes, unknownComments)
	}
	if len(langs) < 4 {
		t.Errorf("creators write in only %v", langs)
	}
	tags := n.Hashtags()
	counts := n.HashtagCounts()
	if len(tags) < 200 || counts[0].Posts < counts[len(counts)-1].Posts || tags[0] != counts[0].Tag {
		t.Errorf("hashtags not most-used first: %d tags, first %v last %v", len(tags), counts[0], counts[len(counts)-1])
	}
	if len(simnet.Brands()) < 35 || len(simnet.Niches()) < 28 || len(simnet.Cities()) < 180 {
		t.Errorf("tables too small: %d brands, %d niches, %d cities", len(simnet.Brands()), len(simnet.Niches()), len(simnet.Cities()))
	}
}
