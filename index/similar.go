package index

import (
	"fmt"
	"sort"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/creatorscout/creatorscout/creator"
)

// Lookalikes (creator.Query.SimilarTo). The candidates are the creators
// that share a niche, a window hashtag or the city with the target; each is
// scored by creator.Similarity's weights from the table's columns.

// Weights of the similarity score; they sum to 1.
const (
	simNiche    = 0.4
	simHashtag  = 0.3
	simCity     = 0.15
	simRegion   = 0.1
	simCountry  = 0.05
	simTier     = 0.15
	simTierNext = 0.05
)

// maxSharedTags bounds the hashtags a Similarity lists.
const maxSharedTags = 10

// simTarget is the creator lookalikes are asked for, read from the table.
type simTarget struct {
	ord                   uint32
	niches, hashtags      map[uint32]bool
	city, region, country uint32
	tier                  int // index in creator.Tiers; -1 unknown
}

// similarTarget reads the target's profile, or says it is not indexed.
func (t *table) similarTarget(id string) (*simTarget, error) {
	ord, ok := t.ords[id]
	if !ok {
		return nil, &creator.Error{Code: creator.ENOTFOUND, Param: "similar_to", Message: fmt.Sprintf("no creator %q in the index", id)}
	}
	s := &simTarget{ord: ord, niches: map[uint32]bool{}, hashtags: map[uint32]bool{},
		city: t.one(kwCity, ord), region: t.one(kwRegion, ord), country: t.one(kwCountry, ord), tier: -1}
	for _, id := range t.values(kwNiches, ord) {
		s.niches[id] = true
	}
	for _, id := range t.values(kwHashtags, ord) {
		s.hashtags[id] = true
	}
	if tid := t.one(kwTier, ord); tid != 0 {
		for i, name := range creator.Tiers {
			if name == t.kw[kwTier].terms[tid] {
				s.tier = i
			}
		}
	}
	return s, nil
}

// candidates are the rows sharing a niche, a hashtag or the city with the
// target, without the target.
func (t *table) candidates(s *simTarget) *roaring.Bitmap {
	var bs []*roaring.Bitmap
	for id := range s.niches {
		bs = append(bs, t.kw[kwNiches].post[id])
	}
	for id := range s.hashtags {
		bs = append(bs, t.kw[kwHashtags].post[id])
	}
	if s.city != 0 {
		bs = append(bs, t.kw[kwCity].post[s.city])
	}
	out := roaring.FastOr(bs...)
	out.Remove(s.ord)
	return out
}

// similarity scores one row against the target; with explain, it also
// says what they share.
func (t *table) similarity(s *simTarget, ord uint32, explain bool) (float64, *creator.Similarity) {
	var sim *creator.Similarity
	if explain {
		sim = &creator.Similarity{Niches: []string{}, Hashtags: []string{}}
	}
	score := 0.0
	jaccard := func(mine map[uint32]bool, theirs []uint32, col *column, list *[]string) float64 {
		shared := 0
		for _, id := range theirs {
			if mine[id] {
				shared++
				if explain {
					*list = append(*list, col.terms[id])
				}
			}
		}
		union := len(mine) + len(theirs) - shared
		if union == 0 {
			return 0
		}
		return float64(shared) / float64(union)
	}
	var niches, tags *[]string
	if explain {
		niches, tags = &sim.Niches, &sim.Hashtags
	} else {
		niches, tags = new([]string), new([]string)
	}
	score += simNiche * jaccard(s.niches, t.values(kwNiches, ord), t.kw[kwNiches], niches)
	score += simHashtag * jaccard(s.hashtags, t.values(kwHashtags, ord), t.kw[kwHashtags], tags)

	country := t.one(kwCountry, ord)
	switch {
	case s.city != 0 && t.one(kwCity, ord) == s.city && country == s.country:
		score += simCity
		if explain {
			sim.Place = "city " + t.kw[kwCity].terms[s.city]
		}
	case s.region != 0 && t.one(kwRegion, ord) == s.region && country == s.country:
		score += simRegion
		if explain {
			sim.Place = "region " + t.kw[kwRegion].terms[s.region]
		}
	case s.country != 0 && country == s.country:
		score += simCountry
		if explain {
			sim.Place = "country " + t.kw[kwCountry].terms[s.country]
		}
	}
	if s.tier >= 0 {
		if tid := t.one(kwTier, ord); tid != 0 {
			name := t.kw[kwTier].terms[tid]
			for i, tier := range creator.Tiers {
				if tier != name {
					continue
				}
				switch i - s.tier {
				case 0:
					score += simTier
					if explain {
						sim.Tier = "same tier " + name
					}
				case -1, 1:
					score += simTierNext
					if explain {
						sim.Tier = "next tier " + name
					}
				}
			}
		}
	}
	if explain {
		sort.Strings(sim.Niches)
		sort.Strings(sim.Hashtags)
		if len(sim.Hashtags) > maxSharedTags {
			sim.Hashtags = sim.Hashtags[:maxSharedTags]
		}
		sim.Score = score
		sim.Why = whySimilar(sim)
	}
	return score, sim
}

// whySimilar puts what two creators share into words.
func whySimilar(s *creator.Similarity) string {
	var parts []string
	if len(s.Niches) > 0 {
		parts = append(parts, "niches "+strings.Join(s.Niches, ", "))
	}
	if len(s.Hashtags) > 0 {
		parts = append(parts, "hashtags #"+strings.Join(s.Hashtags, ", #"))
	}
	if s.Place != "" {
		parts = append(parts, "the same "+s.Place)
	}
	if s.Tier != "" {
		parts = append(parts, "the "+s.Tier)
	}
	if len(parts) == 0 {
		return "nothing in common beyond the filters"
	}
	return "shares " + strings.Join(parts, "; ")
}
