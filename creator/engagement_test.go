package creator

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
	"time"
)

var now0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(d float64) *time.Time {
	t := now0.Add(-time.Duration(d * 24 * float64(time.Hour)))
	return &t
}

func post(id string, age float64, likes, comments, views *int64) Post {
	return Post{ID: id, PublishedAt: daysAgo(age), Likes: likes, Comments: comments, Views: views}
}

func TestEngagementMedian(t *testing.T) {
	i := Int64
	tests := []struct {
		name      string
		followers *int64
		posts     []Post
		wantRate  *float64
		wantUsed  []string
		excluded  int
	}{
		{"odd count median", i(1000), []Post{
			post("p1", 1, i(10), i(0), nil),  // 1%
			post("p2", 2, i(40), i(10), nil), // 5%
			post("p3", 3, i(20), i(10), nil), // 3%
		}, Float64(0.03), []string{"p1", "p2", "p3"}, 0},
		{"even count averages the middle two", i(1000), []Post{
			post("p1", 1, i(10), i(0), nil),
			post("p2", 2, i(40), i(0), nil),
			post("p3", 3, i(20), i(0), nil),
			post("p4", 4, i(30), i(0), nil),
		}, Float64(0.025), []string{"p1", "p2", "p3", "p4"}, 0},
		{"hidden likes leave the post out, not count 0", i(1000), []Post{
			post("p1", 1, nil, i(5), nil),
			post("p2", 2, i(50), i(0), nil),
			post("p3", 3, i(30), i(0), nil),
		}, Float64(0.04), []string{"p2", "p3"}, 1},
		{"unknown comments leave the post out", i(100), []Post{
			post("p1", 1, i(10), nil, nil),
			post("p2", 2, i(3), i(1), nil),
		}, Float64(0.04), []string{"p2"}, 1},
		{"nil followers give nil ER", nil, []Post{post("p1", 1, i(10), i(1), nil)}, nil, []string{}, 1},
		{"zero followers give nil ER, no division", i(0), []Post{post("p1", 1, i(10), i(1), nil)}, nil, []string{}, 1},
		{"no posts give nil ER", i(1000), nil, nil, []string{}, 0},
		{"negative counts are unknown", i(1000), []Post{post("p1", 1, i(-1), i(1), nil), post("p2", 1, i(10), i(0), nil)}, Float64(0.01), []string{"p2"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ComputeEngagement(tt.followers, tt.posts, now0, 30, 90)
			if (e.Rate == nil) != (tt.wantRate == nil) || (e.Rate != nil && math.Abs(*e.Rate-*tt.wantRate) > 1e-12) {
				t.Fatalf("rate %v, want %v", fp(e.Rate), fp(tt.wantRate))
			}
			if len(e.PostIDs) != len(tt.wantUsed) {
				t.Fatalf("used %v, want %v", e.PostIDs, tt.wantUsed)
			}
			for k := range e.PostIDs {
				if e.PostIDs[k] != tt.wantUsed[k] {
					t.Fatalf("used %v, want %v", e.PostIDs, tt.wantUsed)
				}
			}
			if len(e.Excluded) != tt.excluded {
				t.Fatalf("excluded %v, want %d", e.Excluded, tt.excluded)
			}
			if e.Formula == "" {
				t.Fatal("no formula in the evidence")
			}
		})
	}
}

func fp(f *float64) any {
	if f == nil {
		return "nil"
	}
	return *f
}

func TestEngagementWindow(t *testing.T) {
	i := Int64
	var posts []Post
	// 40 posts, one every 2 days: the window keeps the newest 30 (all within 90 days).
	for k := 0; k < 40; k++ {
		posts = append(posts, post(string(rune('a'+k%26))+string(rune('0'+k/26)), float64(2*k)+0.5, i(int64(100+k)), i(0), nil))
	}
	e := ComputeEngagement(i(10000), posts, now0, 30, 90)
	if len(e.WindowPostIDs) != 30 || e.OutsideWindow != 10 {
		t.Fatalf("window %d posts, outside %d; want 30 and 10", len(e.WindowPostIDs), e.OutsideWindow)
	}
	if e.WindowPostIDs[0] != posts[0].ID {
		t.Errorf("window starts at %s, want the newest %s", e.WindowPostIDs[0], posts[0].ID)
	}
	// By days: a 10-day window keeps posts at 0.5..8.5 days: 5 posts.
	e = ComputeEngagement(i(10000), posts, now0, 30, 10)
	if len(e.WindowPostIDs) != 5 {
		t.Fatalf("10-day window has %d posts, want 5", len(e.WindowPostIDs))
	}
	// Posts per week over the 5: 5 posts between 8.5 days ago and now.
	if e.PostsPerWeek == nil || math.Abs(*e.PostsPerWeek-5/(8.5/7)) > 1e-9 {
		t.Errorf("posts per week %v, want %v", fp(e.PostsPerWeek), 5/(8.5/7))
	}
	if e.LastPostAt == nil || !e.LastPostAt.Equal(*posts[0].PublishedAt) {
		t.Errorf("last post %v, want %v", e.LastPostAt, posts[0].PublishedAt)
	}
	// Undated posts are kept after dated ones and reported.
	undated := Post{ID: "u1", Likes: i(5), Comments: i(5)}
	e = ComputeEngagement(i(1000), []Post{undated, post("d1", 1, i(10), i(0), nil)}, now0, 30, 90)
	if len(e.WindowPostIDs) != 2 || e.WindowPostIDs[1] != "u1" {
		t.Fatalf("window %v, want d1 then u1", e.WindowPostIDs)
	}
	if len(e.Notes) != 1 || e.Notes[0] != "u1: undated, assumed recent" || len(e.PostIDs) != 2 {
		t.Errorf("notes %q, used %v", e.Notes, e.PostIDs)
	}
	if e.PostsPerWeek != nil {
		t.Errorf("posts per week %v from one dated post, want nil", *e.PostsPerWeek)
	}
}

func TestEngagementAveragesAndViews(t *testing.T) {
	i := Int64
	posts := []Post{
		post("v1", 1, i(100), i(10), i(1000)), // 11% by views
		post("v2", 2, i(50), nil, i(500)),     // comments unknown: no view rate
		post("v3", 3, i(30), i(0), i(0)),      // zero views: no view rate
		post("v4", 4, nil, i(4), nil),
		post("v5", 5, i(20), i(6), i(1300)), // 2%
	}
	e := ComputeEngagement(i(2000), posts, now0, 30, 90)
	check := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, fp(got), want)
		}
	}
	check("avg likes", e.AvgLikes, (100+50+30+20)/4.0)
	check("median likes", e.MedianLikes, 40)
	check("avg comments", e.AvgComments, (10+0+4+6)/4.0)
	check("median comments", e.MedianComments, 5)
	check("avg views", e.AvgViews, (1000+500+0+1300)/4.0)
	check("median views", e.MedianViews, 750)
	check("view rate", e.ViewRate, (0.11+0.02)/2)
	if len(e.ViewRatePostIDs) != 2 {
		t.Errorf("view rate posts %v, want v1 and v5", e.ViewRatePostIDs)
	}
	if e.LikesN != 4 || e.CommentsN != 4 || e.ViewsN != 4 {
		t.Errorf("counts %d %d %d, want 4 4 4", e.LikesN, e.CommentsN, e.ViewsN)
	}
	// No views anywhere: views figures are nil, not 0.
	e = ComputeEngagement(i(2000), []Post{post("p", 1, i(1), i(1), nil)}, now0, 30, 90)
	if e.AvgViews != nil || e.MedianViews != nil || e.ViewRate != nil {
		t.Errorf("views unknown but got avg %v median %v rate %v", fp(e.AvgViews), fp(e.MedianViews), fp(e.ViewRate))
	}
}

// randCount is nil, 0, small, huge or negative.
func randCount(r *rand.Rand) *int64 {
	switch r.Intn(7) {
	case 0, 1:
		return nil
	case 2:
		return Int64(0)
	case 3:
		return Int64(math.MaxInt64 - r.Int63n(10))
	case 4:
		return Int64(-r.Int63n(100))
	default:
		return Int64(r.Int63n(1_000_000))
	}
}

// TestEngagementProperties: over random inputs (seeded), ER never divides
// by zero, no figure is NaN or infinite, and an unknown input never
// becomes a 0 output.
func TestEngagementProperties(t *testing.T) {
	r := rand.New(rand.NewSource(20250601))
	for iter := 0; iter < 3000; iter++ {
		n := r.Intn(40)
		posts := make([]Post, n)
		for k := range posts {
			posts[k] = Post{ID: fmt.Sprintf("p%d", k), Likes: randCount(r), Comments: randCount(r), Views: randCount(r)}
			if r.Intn(5) > 0 {
				posts[k].PublishedAt = daysAgo(r.Float64() * 200)
			}
		}
		followers := randCount(r)
		e := ComputeEngagement(followers, posts, now0, 1+r.Intn(40), 1+r.Intn(120))
		for name, v := range map[string]*float64{"rate": e.Rate, "view rate": e.ViewRate, "avg likes": e.AvgLikes,
			"avg comments": e.AvgComments, "avg views": e.AvgViews, "median likes": e.MedianLikes,
			"median comments": e.MedianComments, "median views": e.MedianViews, "posts/week": e.PostsPerWeek} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0) {
				t.Fatalf("iter %d: %s = %v", iter, name, *v)
			}
		}
		if (followers == nil || *followers <= 0) && e.Rate != nil {
			t.Fatalf("iter %d: followers %v but rate %v", iter, followers, *e.Rate)
		}
		// Unknown is never 0: a figure is nil exactly when no window post
		// had a known input for it.
		win := map[string]bool{}
		for _, id := range e.WindowPostIDs {
			win[id] = true
		}
		anyLikes, anyComments, anyViews, anyBoth := false, false, false, false
		for _, p := range posts {
			if !win[p.ID] {
				continue
			}
			_, lk := known(p.Likes)
			_, ck := known(p.Comments)
			_, vk := known(p.Views)
			anyLikes = anyLikes || lk
			anyComments = anyComments || ck
			anyViews = anyViews || vk
			anyBoth = anyBoth || lk && ck
		}
		if (e.AvgLikes == nil) == anyLikes || (e.AvgComments == nil) == anyComments || (e.AvgViews == nil) == anyViews {
			t.Fatalf("iter %d: averages %v %v %v but known likes %v comments %v views %v",
				iter, fp(e.AvgLikes), fp(e.AvgComments), fp(e.AvgViews), anyLikes, anyComments, anyViews)
		}
		if !anyBoth && e.Rate != nil {
			t.Fatalf("iter %d: no post with known likes and comments but rate %v", iter, *e.Rate)
		}
		if anyBoth && followers != nil && *followers > 0 && e.Rate == nil {
			t.Fatalf("iter %d: known counts and followers %d but nil rate", iter, *followers)
		}
	}
}
