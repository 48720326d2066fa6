package creator

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Formulas as shown in the evidence and in docs/analysis.md.
const (
	ERFormula     = "median over window posts with known likes and comments of (likes+comments)/followers"
	ViewERFormula = "median over window posts with known likes, comments and views > 0 of (likes+comments)/views"
)

// window returns the analysis window: posts published within days before
// now, newest first, at most n of them. Undated posts are kept after the
// dated ones (crawlers fetch recent posts, so they are assumed recent) and
// reported. It returns indexes into posts.
func window(posts []Post, now time.Time, n, days int) (in []int, outside int, notes []string) {
	cut := now.Add(-time.Duration(days) * 24 * time.Hour)
	var dated, undated []int
	for i := range posts {
		p := posts[i].PublishedAt
		switch {
		case p == nil || p.IsZero():
			undated = append(undated, i)
		case p.Before(cut):
			outside++
		default:
			dated = append(dated, i)
		}
	}
	sort.SliceStable(dated, func(a, b int) bool {
		return posts[dated[a]].PublishedAt.After(*posts[dated[b]].PublishedAt)
	})
	in = append(dated, undated...)
	if len(in) > n {
		outside += len(in) - n
		in = in[:n]
	}
	for _, i := range in {
		if posts[i].PublishedAt == nil || posts[i].PublishedAt.IsZero() {
			notes = append(notes, posts[i].ID+": undated, assumed recent")
		}
	}
	return in, outside, notes
}

// ComputeEngagement computes the engagement figures of a creator with
// followers over posts, in the window of the last windowPosts posts within
// windowDays days before now. A nil or negative count leaves that post out
// of the figures that need it; nil or zero followers give a nil rate. No
// figure is ever NaN or infinite.
func ComputeEngagement(followers *int64, posts []Post, now time.Time, windowPosts, windowDays int) *Engagement {
	if windowPosts <= 0 {
		windowPosts = DefaultWindowPosts
	}
	if windowDays <= 0 {
		windowDays = DefaultWindowDays
	}
	idx, outside, notes := window(posts, now, windowPosts, windowDays)
	e := &Engagement{
		Formula:         ERFormula,
		ViewRateFormula: ViewERFormula,
		Followers:       followers,
		Window:          fmt.Sprintf("last %d posts within %d days before %s", windowPosts, windowDays, now.UTC().Format(time.RFC3339)),
		OutsideWindow:   outside,
		PostIDs:         []string{},
		WindowPostIDs:   []string{},
	}
	e.Notes = notes
	f := float64(0)
	haveF := followers != nil && *followers > 0
	if haveF {
		f = float64(*followers)
	}
	var rates, viewRates, likes, comments, views []float64
	var dated []time.Time
	for _, i := range idx {
		p := &posts[i]
		e.WindowPostIDs = append(e.WindowPostIDs, p.ID)
		if p.PublishedAt != nil && !p.PublishedAt.IsZero() {
			dated = append(dated, *p.PublishedAt)
		}
		l, lok := known(p.Likes)
		c, cok := known(p.Comments)
		v, vok := known(p.Views)
		if lok {
			likes = append(likes, l)
		}
		if cok {
			comments = append(comments, c)
		}
		if vok {
			views = append(views, v)
		}
		switch {
		case !lok && !cok:
			e.Excluded = append(e.Excluded, p.ID+": likes and comments unknown")
		case !lok:
			e.Excluded = append(e.Excluded, p.ID+": likes unknown")
		case !cok:
			e.Excluded = append(e.Excluded, p.ID+": comments unknown")
		case !haveF:
			e.Excluded = append(e.Excluded, p.ID+": followers unknown")
		default:
			r := (l + c) / f
			if finite(r) {
				rates = append(rates, r)
				e.PostIDs = append(e.PostIDs, p.ID)
				e.PerPost = append(e.PerPost, PostRate{PostID: p.ID, Rate: r})
			}
		}
		if lok && cok && vok && v > 0 {
			if r := (l + c) / v; finite(r) {
				viewRates = append(viewRates, r)
				e.ViewRatePostIDs = append(e.ViewRatePostIDs, p.ID)
			}
		}
	}
	e.Rate = median(rates)
	e.ViewRate = median(viewRates)
	e.AvgLikes, e.MedianLikes, e.LikesN = mean(likes), median(likes), len(likes)
	e.AvgComments, e.MedianComments, e.CommentsN = mean(comments), median(comments), len(comments)
	e.AvgViews, e.MedianViews, e.ViewsN = mean(views), median(views), len(views)
	if len(dated) > 0 {
		last := dated[0]
		oldest := dated[0]
		for _, d := range dated {
			if d.After(last) {
				last = d
			}
			if d.Before(oldest) {
				oldest = d
			}
		}
		lt := last.UTC()
		e.LastPostAt = &lt
		if len(dated) >= 2 {
			end := now
			if last.After(end) {
				end = last
			}
			weeks := end.Sub(oldest).Hours() / (24 * 7)
			if weeks < 1.0/7 {
				weeks = 1.0 / 7 // at least a day, so a burst is not "infinite" posts per week
			}
			if ppw := float64(len(dated)) / weeks; finite(ppw) {
				e.PostsPerWeek = &ppw
			}
		}
	}
	return e
}

// LastPostAt returns the newest publication time among posts, or nil.
func LastPostAt(posts []Post) *time.Time {
	var last *time.Time
	for i := range posts {
		p := posts[i].PublishedAt
		if p != nil && !p.IsZero() && (last == nil || p.After(*last)) {
			t := p.UTC()
			last = &t
		}
	}
	return last
}

func known(v *int64) (float64, bool) {
	if v == nil || *v < 0 {
		return 0, false
	}
	return float64(*v), true
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// median returns the median of xs, or nil for none.
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = s[len(s)/2-1]/2 + s[len(s)/2]/2
	}
	return &m
}

// mean returns the arithmetic mean of xs, or nil for none.
func mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	// Running mean: no overflow to +Inf for huge counts.
	m := 0.0
	for i, x := range xs {
		m += (x - m) / float64(i+1)
	}
	return &m
}
