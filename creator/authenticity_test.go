package creator

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func sigOf(a *Authenticity, name string) AuthSignal {
	for _, s := range a.Signals {
		if s.Signal == name {
			return s
		}
	}
	return AuthSignal{}
}

func TestAuthenticitySignals(t *testing.T) {
	o := DefaultOptions()
	now := now0
	// A healthy micro creator: good ratio, ER in band, steady history,
	// regular posts, real comments.
	healthy := &Creator{ID: "instagram:ok", Followers: Int64(40_000), Following: Int64(800)}
	var posts []Post
	comments := map[string][]string{}
	for k := 0; k < 12; k++ {
		id := fmt.Sprintf("instagram:%d", k)
		posts = append(posts, Post{ID: id, PublishedAt: daysAgo(float64(3 * k)), Likes: Int64(1200), Comments: Int64(40)})
		comments[id] = []string{"Where is this trail? Looks like the Peak District", "Saving this recipe for Sunday!"}
	}
	var hist []Snapshot
	for d := 0; d <= 60; d += 5 {
		hist = append(hist, snap(d, Int64(40_000-int64(d)*20)))
	}
	o.Comments = comments
	e := ComputeEngagement(healthy.Followers, posts, now, 30, 90)
	a := ComputeAuthenticity(healthy, posts, hist, e, now, o)
	if a.Score == nil || *a.Score != 100 {
		t.Fatalf("healthy score %v, signals %+v", fp(a.Score), a.Signals)
	}
	for _, s := range a.Signals {
		if !s.Known || s.Contribution != 0 || s.Detail == "" {
			t.Errorf("healthy signal %+v", s)
		}
	}

	// A suspicious one: follows more than it has, ER far below band, a
	// sudden jump, generic comments, a long gap.
	sus := &Creator{ID: "instagram:sus", Followers: Int64(50_000), Following: Int64(60_000)}
	posts = []Post{
		{ID: "s1", PublishedAt: daysAgo(1), Likes: Int64(100), Comments: Int64(5)},
		{ID: "s2", PublishedAt: daysAgo(2), Likes: Int64(120), Comments: Int64(3)},
		{ID: "s3", PublishedAt: daysAgo(140), Likes: Int64(90), Comments: Int64(2)},
	}
	o.Comments = map[string][]string{"s1": {"nice pic", "🔥🔥🔥", "Love it!", "great post", "wow", "DM us to collab"},
		"s2": {"😍", "so cute", "amazing", "Which lens is this?", "nice"}}
	hist = []Snapshot{snap(30, Int64(20_000)), snap(29, Int64(20_100)), snap(28, Int64(45_000)), snap(0, Int64(50_000))}
	e = ComputeEngagement(sus.Followers, posts, now, 30, 180)
	a = ComputeAuthenticity(sus, posts, hist, e, now, o)
	want := map[string]float64{SigFollowRatio: -12, SigERBand: -25, SigFollowerJumps: -10, SigGenericComments: -20, SigPostingGaps: -15}
	total := 100.0
	for name, c := range want {
		s := sigOf(a, name)
		if !s.Known || s.Contribution != c {
			t.Errorf("%s = %+v, want contribution %v", name, s, c)
		}
		total += c
	}
	if a.Score == nil || *a.Score != total {
		t.Errorf("score %v, want %v", fp(a.Score), total)
	}
	if j := sigOf(a, SigFollowerJumps); len(j.Evidence) != 1 || !strings.Contains(j.Evidence[0], "20100 -> 45000") {
		t.Errorf("jump evidence %q", j.Evidence)
	}

	// Nothing known: no score, every signal unknown, never 0.
	a = ComputeAuthenticity(&Creator{}, nil, nil, ComputeEngagement(nil, nil, now, 30, 90), now, DefaultOptions())
	if a.Score != nil {
		t.Errorf("unknown creator scored %v", *a.Score)
	}
	for _, s := range a.Signals {
		if s.Known || s.Value != nil {
			t.Errorf("unknown input gave %+v", s)
		}
	}
}

func TestIsGenericComment(t *testing.T) {
	for _, c := range []string{"nice pic", "🔥🔥🔥", "Love it!!", "  ", "Great post 👏", "wow", "DM us", "So cute 😍"} {
		if !IsGenericComment(c) {
			t.Errorf("%q not generic", c)
		}
	}
	for _, c := range []string{"Where did you buy the lamp?", "This recipe worked great with oat milk", "nice pic of the harbour at dawn"} {
		if IsGenericComment(c) {
			t.Errorf("%q generic", c)
		}
	}
}

func TestAuthenticityGapUsesNow(t *testing.T) {
	posts := []Post{{ID: "a", PublishedAt: daysAgo(100)}, {ID: "b", PublishedAt: daysAgo(101)}}
	s := gapSignal(posts, now0)
	if s.Contribution != -15 || s.Value == nil || *s.Value < 99 {
		t.Errorf("gap since the last post not counted: %+v", s)
	}
	_ = time.Second
}
