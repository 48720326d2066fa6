package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

func TestCreatorRoundTripEveryField(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	c := fullCreator("alice@social.example", "109876")
	posts := fullPosts(c, 3)
	// Known zeros and empties must stay known, distinct from nil.
	posts[1].Likes, posts[1].Comments, posts[1].Views, posts[1].Shares = creator.Int64(0), creator.Int64(0), creator.Int64(0), creator.Int64(0)
	posts[1].Hashtags, posts[1].Mentions, posts[1].Brands = []string{}, []string{}, []creator.Brand{}
	posts[1].Disclosure = creator.Disclosure{Class: creator.Organic, Signals: []string{}}
	posts[1].Undisclosed = nil
	// Unknowns must stay nil.
	posts[2].Likes, posts[2].Comments, posts[2].Views, posts[2].Shares = nil, nil, nil, nil
	posts[2].Hashtags, posts[2].Mentions, posts[2].Brands = nil, nil, nil
	posts[2].Disclosure = creator.Disclosure{}
	posts[2].PublishedAt = nil
	posts[2].FetchedAt = time.Time{}

	created := mustUpsert(t, s, c, posts)
	if !created {
		t.Fatal("first upsert: created = false")
	}
	got, err := s.Creator(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("Creator round trip:\n got %+v\nwant %+v", got, c)
	}
	if byPID, err := s.CreatorByPlatformID(ctx, creator.Mastodon, "109876"); err != nil || !reflect.DeepEqual(byPID, c) {
		t.Fatalf("CreatorByPlatformID = %+v, %v", byPID, err)
	}
	gotPosts, err := s.Posts(ctx, c.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; the post without a publication time last.
	want := []creator.Post{posts[0], posts[1], posts[2]}
	if !reflect.DeepEqual(gotPosts, want) {
		t.Fatalf("Posts round trip:\n got %+v\nwant %+v", gotPosts, want)
	}
	if gotPosts[1].Likes == nil || *gotPosts[1].Likes != 0 || gotPosts[1].Hashtags == nil || gotPosts[1].Disclosure.Signals == nil {
		t.Fatal("known zero / empty came back as nil")
	}
	if lim, _ := s.Posts(ctx, c.ID, 2); len(lim) != 2 || lim[0].ID != posts[0].ID {
		t.Fatalf("Posts(limit 2) = %d posts", len(lim))
	}

	// A minimal creator: every unknown stays nil; known zeros stay zero.
	m := &creator.Creator{ID: "web:bob", Platform: creator.Web, Handle: "bob"}
	mustUpsert(t, s, m, nil)
	gotM, err := s.Creator(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotM, m) {
		t.Fatalf("minimal round trip:\n got %+v\nwant %+v", gotM, m)
	}
	z := &creator.Creator{ID: "web:zero", Platform: creator.Web, Handle: "zero",
		Followers: creator.Int64(0), Following: creator.Int64(0), PostsCount: creator.Int64(0),
		EngagementRate: creator.Float64(0), AvgLikes: creator.Float64(0), AvgComments: creator.Float64(0), AvgViews: creator.Float64(0),
		Location: &creator.Location{}, Links: []string{}, Niches: []string{}, LastPostAt: tp(time.Time{}),
		Analysis: &creator.Analysis{}}
	mustUpsert(t, s, z, nil)
	gotZ, err := s.Creator(ctx, z.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotZ, z) {
		t.Fatalf("zero round trip:\n got %+v\nwant %+v", gotZ, z)
	}
	if posts, err := s.Posts(ctx, m.ID, 0); err != nil || posts != nil {
		t.Fatalf("Posts of a creator without posts = %v, %v", posts, err)
	}

	_, err = s.Creator(ctx, "web:nobody")
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.Posts(ctx, "web:nobody", 0)
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.CreatorByPlatformID(ctx, creator.Mastodon, "nope")
	wantCode(t, err, creator.ENOTFOUND)
}

func TestUpsertCreatorTimesInOtherZonesReadBackInUTC(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	zone := time.FixedZone("X", 5*3600+30*60)
	c := &creator.Creator{ID: "web:tz", Platform: creator.Web, Handle: "tz", FetchedAt: t0.In(zone), LastPostAt: tp(t0.In(zone))}
	mustUpsert(t, s, c, nil)
	got, err := s.Creator(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FetchedAt != t0 || *got.LastPostAt != t0 {
		t.Fatalf("times = %v, %v, want %v in UTC", got.FetchedAt, *got.LastPostAt, t0)
	}
}

func TestUpsertCreatorRejectsBadInput(t *testing.T) {
	s := openT(t)
	good := func() *creator.Creator { return &creator.Creator{ID: "web:a", Platform: creator.Web, Handle: "a"} }
	for _, tc := range []struct {
		name  string
		mod   func(*creator.Creator)
		posts []creator.Post
		param string
	}{
		{"no platform", func(c *creator.Creator) { c.Platform = "" }, nil, "platform"},
		{"no handle", func(c *creator.Creator) { c.Handle = "" }, nil, "handle"},
		{"id without platform", func(c *creator.Creator) { c.ID = "a" }, nil, "id"},
		{"id with other platform", func(c *creator.Creator) { c.ID = "youtube:a" }, nil, "id"},
		{"empty id handle", func(c *creator.Creator) { c.ID = "web:" }, nil, "id"},
		{"post without id", func(*creator.Creator) {}, []creator.Post{{ID: "web:1"}, {ID: " "}}, "posts[1].id"},
		{"year 10000", func(c *creator.Creator) { c.FetchedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, nil, "fetched_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.mod(c)
			_, err := s.UpsertCreator(context.Background(), c, tc.posts)
			if creator.ErrorCode(err) != creator.EINVALID || creator.ErrorParam(err) != tc.param {
				t.Fatalf("err = %v (param %q), want EINVALID on %q", err, creator.ErrorParam(err), tc.param)
			}
		})
	}
	if _, err := s.UpsertCreator(context.Background(), nil, nil); creator.ErrorCode(err) != creator.EINVALID {
		t.Fatalf("nil creator: %v", err)
	}
	if n, _ := s.CountCreators(context.Background()); n != 0 {
		t.Fatalf("bad input stored %d creators", n)
	}
}

func TestKeepLastGood(t *testing.T) {
	ctx := context.Background()
	clock := t0.Add(48 * time.Hour)
	s, err := Open(ctx, t.TempDir()+"/cs.db", WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	full := fullCreator("kim@social.example", "42")
	posts := fullPosts(full, 2)
	mustUpsert(t, s, full, posts)

	// A partial fetch a day later: counts, figures, location, analysis,
	// tier, last post and fetch time unknown; the bio changed.
	partial := &creator.Creator{ID: full.ID, Platform: full.Platform, Handle: full.Handle, URL: full.URL,
		Bio: "new bio", Links: []string{"https://c.example"}}
	pposts := []creator.Post{{ID: posts[0].ID, URL: posts[0].URL, Caption: "edited", Disclosure: creator.Disclosure{Class: creator.Organic}}}
	if created := mustUpsert(t, s, partial, pposts); created {
		t.Fatal("second upsert: created = true")
	}
	got, err := s.Creator(ctx, full.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *full
	want.Bio, want.Links = "new bio", []string{"https://c.example"}
	want.DisplayName, want.Verified, want.Language, want.Email, want.Website, want.Niches, want.SourceURL = "", false, "", "", "", nil, ""
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("after partial upsert:\n got %+v\nwant %+v", got, &want)
	}
	gp, err := s.Posts(ctx, full.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(gp) != 2 {
		t.Fatalf("posts = %d, want 2 (a post missing from a fetch is kept)", len(gp))
	}
	p0 := gp[0]
	if p0.Caption != "edited" || p0.Likes == nil || *p0.Likes != *posts[0].Likes || p0.PublishedAt == nil || !p0.PublishedAt.Equal(*posts[0].PublishedAt) || !p0.FetchedAt.Equal(posts[0].FetchedAt) {
		t.Fatalf("post after partial refetch = %+v; want caption updated, likes/published/fetched kept", p0)
	}

	st, err := s.CreatorState(ctx, full.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !st.FirstSeenAt.Equal(t0) || !st.LastSeenAt.Equal(clock) {
		t.Fatalf("first/last seen = %v / %v, want %v / %v (clock, since fetched_at was zero)", st.FirstSeenAt, st.LastSeenAt, t0, clock)
	}

	// A full fetch with new numbers does overwrite.
	upd := fullCreator("kim@social.example", "42")
	upd.Followers, upd.EngagementRate, upd.FetchedAt = creator.Int64(30000), creator.Float64(0.05), t0.Add(72*time.Hour)
	mustUpsert(t, s, upd, nil)
	got, _ = s.Creator(ctx, full.ID)
	if *got.Followers != 30000 || *got.EngagementRate != 0.05 || !got.FetchedAt.Equal(upd.FetchedAt) {
		t.Fatalf("full refetch not applied: %+v", got)
	}
	st, _ = s.CreatorState(ctx, full.ID)
	if !st.FirstSeenAt.Equal(t0) || !st.LastSeenAt.Equal(upd.FetchedAt) {
		t.Fatalf("first/last seen = %v / %v", st.FirstSeenAt, st.LastSeenAt)
	}
}

// seedRelations gives a creator a snapshot, a list entry and a saved-search
// result.
func seedRelations(t *testing.T, s *Store, id string) (listID, searchID int64) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutSnapshot(ctx, creator.Snapshot{CreatorID: id, Day: t0, Followers: creator.Int64(100)}); err != nil {
		t.Fatal(err)
	}
	l, err := s.CreateList(ctx, "Prospects", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddToList(ctx, l.ID, id, "met at expo", StatusContacted, t0); err != nil {
		t.Fatal(err)
	}
	ss, err := s.CreateSavedSearch(ctx, "pilates", creator.Query{Niches: []string{"pilates"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordSavedSearchResults(ctx, ss.ID, []string{id}, t0); err != nil {
		t.Fatal(err)
	}
	return l.ID, ss.ID
}

func TestRenameKeepsPostsHistoryAndLists(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	old := fullCreator("alice@social.example", "777")
	mustUpsert(t, s, old, fullPosts(old, 3))
	listID, searchID := seedRelations(t, s, old.ID)

	renamed := fullCreator("alice_new@social.example", "777")
	renamed.FetchedAt = t0.Add(24 * time.Hour)
	if created := mustUpsert(t, s, renamed, nil); created {
		t.Fatal("rename: created = true, want the same creator")
	}
	if _, err := s.Creator(ctx, old.ID); !isNotFound(err) {
		t.Fatalf("old id still found: %v", err)
	}
	got, err := s.Creator(ctx, renamed.ID)
	if err != nil || got.Handle != "alice_new@social.example" {
		t.Fatalf("renamed = %+v, %v", got, err)
	}
	if n, _ := s.CountCreators(ctx); n != 1 {
		t.Fatalf("CountCreators = %d after rename, want 1", n)
	}
	posts, err := s.Posts(ctx, renamed.ID, 0)
	if err != nil || len(posts) != 3 {
		t.Fatalf("posts after rename = %d, %v", len(posts), err)
	}
	for _, p := range posts {
		if p.CreatorID != renamed.ID {
			t.Fatalf("post %s creator_id = %s", p.ID, p.CreatorID)
		}
	}
	hist, err := s.History(ctx, renamed.ID)
	if err != nil || len(hist) != 1 || hist[0].CreatorID != renamed.ID {
		t.Fatalf("history after rename = %+v, %v", hist, err)
	}
	items, err := s.ListItems(ctx, listID)
	if err != nil || len(items) != 1 || items[0].CreatorID != renamed.ID || items[0].Note != "met at expo" {
		t.Fatalf("list items after rename = %+v, %v", items, err)
	}
	res, err := s.SavedSearchResults(ctx, searchID)
	if err != nil || len(res) != 1 || res[0].CreatorID != renamed.ID {
		t.Fatalf("saved search results after rename = %+v, %v", res, err)
	}
	st, _ := s.CreatorState(ctx, renamed.ID)
	if !st.FirstSeenAt.Equal(t0) {
		t.Fatalf("first seen after rename = %v, want %v", st.FirstSeenAt, t0)
	}
}

func TestRenameConflicts(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	a := fullCreator("a@x.example", "1")
	b := fullCreator("b@x.example", "2")
	mustUpsert(t, s, a, nil)
	mustUpsert(t, s, b, nil)

	// a renames onto b's handle while b is still stored as b: conflict.
	onto := fullCreator("b@x.example", "1")
	_, err := s.UpsertCreator(ctx, onto, nil)
	wantCode(t, err, creator.ECONFLICT)
	// A third account takes over handle a (different platform id).
	takeover := fullCreator("a@x.example", "3")
	_, err = s.UpsertCreator(ctx, takeover, nil)
	wantCode(t, err, creator.ECONFLICT)
	for _, id := range []string{a.ID, b.ID} {
		got, err := s.Creator(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := a
		if id == b.ID {
			want = b
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s changed by a refused upsert", id)
		}
	}

	// A row stored without a platform id adopts it.
	w := &creator.Creator{ID: "mastodon:c@x.example", Platform: creator.Mastodon, Handle: "c@x.example"}
	mustUpsert(t, s, w, nil)
	w2 := *w
	w2.PlatformID = "9"
	if created := mustUpsert(t, s, &w2, nil); created {
		t.Fatal("adopting a platform id created a new creator")
	}
	if got, err := s.CreatorByPlatformID(ctx, creator.Mastodon, "9"); err != nil || got.ID != w.ID {
		t.Fatalf("CreatorByPlatformID = %v, %v", got, err)
	}
}

func TestSnapshotsIdempotentPerDay(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	c := fullCreator("h@x.example", "1")
	mustUpsert(t, s, c, nil)
	day1 := time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC)
	put := func(sn creator.Snapshot) {
		t.Helper()
		if err := s.PutSnapshot(ctx, sn); err != nil {
			t.Fatal(err)
		}
	}
	put(creator.Snapshot{CreatorID: c.ID, Day: day1.Add(24 * time.Hour), Followers: creator.Int64(110)})
	put(creator.Snapshot{CreatorID: c.ID, Day: day1, Followers: creator.Int64(100), Following: creator.Int64(5),
		PostsCount: creator.Int64(7), EngagementRate: creator.Float64(0.03), AvgLikes: creator.Float64(20), AvgViews: creator.Float64(0)})
	// Re-running the same night (another hour, another zone) replaces the
	// known numbers; the nil ones keep what that day had.
	put(creator.Snapshot{CreatorID: c.ID, Day: time.Date(2025, 1, 1, 23, 0, 0, 0, time.UTC).In(time.FixedZone("W", -3600)),
		Followers: creator.Int64(101)})
	hist, err := s.History(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []creator.Snapshot{
		{CreatorID: c.ID, Day: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Followers: creator.Int64(101), Following: creator.Int64(5),
			PostsCount: creator.Int64(7), EngagementRate: creator.Float64(0.03), AvgLikes: creator.Float64(20), AvgViews: creator.Float64(0)},
		{CreatorID: c.ID, Day: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Followers: creator.Int64(110)},
	}
	if !reflect.DeepEqual(hist, want) {
		t.Fatalf("History =\n%+v\nwant\n%+v", hist, want)
	}
	wantCode(t, s.PutSnapshot(ctx, creator.Snapshot{CreatorID: "web:none", Day: day1}), creator.ENOTFOUND)
	wantCode(t, s.PutSnapshot(ctx, creator.Snapshot{CreatorID: c.ID}), creator.EINVALID)
	_, err = s.History(ctx, "web:none")
	wantCode(t, err, creator.ENOTFOUND)
}

func TestGoneAfterFailures(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	a := fullCreator("a@x.example", "1")
	b := fullCreator("b@x.example", "2")
	mustUpsert(t, s, a, fullPosts(a, 1))
	mustUpsert(t, s, b, nil)

	for i := 1; i <= 3; i++ {
		gone, err := s.RecordFailure(ctx, a.ID, "timeout", fmt.Sprintf("attempt %d", i), t0.Add(time.Duration(i)*time.Hour), 3)
		if err != nil {
			t.Fatal(err)
		}
		if gone != (i == 3) {
			t.Fatalf("after %d failures gone = %v", i, gone)
		}
	}
	st, err := s.CreatorState(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Gone || st.Failures != 3 || st.LastErrorKind != "timeout" || st.LastError != "attempt 3" ||
		!st.LastErrorAt.Equal(t0.Add(3*time.Hour)) || !st.GoneAt.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("state = %+v", st)
	}
	// Gone is hidden, not deleted: facts intact.
	if got, err := s.Creator(ctx, a.ID); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("gone creator facts changed: %v", err)
	}
	if n, _ := s.CountCreators(ctx); n != 1 {
		t.Fatalf("CountCreators = %d, want 1 (gone hidden)", n)
	}
	var visited []string
	if err := s.EachCreator(ctx, func(c *creator.Creator, _ []creator.Post) error { visited = append(visited, c.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(visited, []string{b.ID}) {
		t.Fatalf("EachCreator visited %v, want only %s", visited, b.ID)
	}

	// 404/410: gone at once, whatever N.
	gone, err := s.RecordFailure(ctx, b.ID, FailureGone, "HTTP 410", t0, 5)
	if err != nil || !gone {
		t.Fatalf("kind gone: gone=%v err=%v", gone, err)
	}
	// A later successful fetch brings a creator back and resets the count.
	mustUpsert(t, s, a, nil)
	st, _ = s.CreatorState(ctx, a.ID)
	if st.Gone || st.Failures != 0 || st.LastErrorKind != "timeout" {
		t.Fatalf("after a successful upsert state = %+v; want not gone, failures 0, last error kept", st)
	}
	// goneAfter <= 0 never marks gone on count alone.
	for i := 0; i < 5; i++ {
		if gone, _ := s.RecordFailure(ctx, a.ID, "http_5xx", "", t0, 0); gone {
			t.Fatal("goneAfter 0 marked gone")
		}
	}
	_, err = s.RecordFailure(ctx, "web:none", "timeout", "", t0, 3)
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.RecordFailure(ctx, a.ID, "", "", t0, 3)
	wantCode(t, err, creator.EINVALID)
}

func TestEachCreatorStreamsAllWithTheirPosts(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	const n = eachBatch + 44 // crosses a batch boundary
	for i := 0; i < n; i++ {
		c := &creator.Creator{ID: fmt.Sprintf("web:c%03d", i), Platform: creator.Web, Handle: fmt.Sprintf("c%03d", i), FetchedAt: t0}
		var posts []creator.Post
		for j := 0; j < i%3; j++ {
			posts = append(posts, creator.Post{ID: fmt.Sprintf("web:c%03d-%d", i, j), PublishedAt: tp(t0.Add(time.Duration(j) * time.Minute))})
		}
		mustUpsert(t, s, c, posts)
	}
	if got, _ := s.CountCreators(ctx); got != n {
		t.Fatalf("CountCreators = %d, want %d", got, n)
	}
	seen := map[string]bool{}
	err := s.EachCreator(ctx, func(c *creator.Creator, posts []creator.Post) error {
		if seen[c.ID] {
			t.Fatalf("%s visited twice", c.ID)
		}
		seen[c.ID] = true
		var i int
		fmt.Sscanf(c.Handle, "c%03d", &i)
		if len(posts) != i%3 {
			t.Fatalf("%s has %d posts, want %d", c.ID, len(posts), i%3)
		}
		for k, p := range posts {
			if p.CreatorID != c.ID {
				t.Fatalf("post %s of %s says creator %s", p.ID, c.ID, p.CreatorID)
			}
			if k > 0 && p.PublishedAt.After(*posts[k-1].PublishedAt) {
				t.Fatalf("posts of %s not newest first", c.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("visited %d, want %d", len(seen), n)
	}
	stop := errors.New("stop")
	calls := 0
	err = s.EachCreator(ctx, func(*creator.Creator, []creator.Post) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("EachCreator did not stop at the first error: calls=%d err=%v", calls, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.EachCreator(cctx, func(*creator.Creator, []creator.Post) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled context: %v", err)
	}
}

func TestConcurrentUpsertsNoBusy(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	// A second Store on the same file stands in for a second process.
	s2, err := Open(ctx, s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	const workers, each = 6, 30
	var wg sync.WaitGroup
	errc := make(chan error, workers*each*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := s
			if w%2 == 1 {
				st = s2
			}
			for i := 0; i < each; i++ {
				// Half the ids overlap between workers.
				h := fmt.Sprintf("w%d-%d", w, i)
				if i%2 == 0 {
					h = fmt.Sprintf("shared-%d", i)
				}
				c := fullCreator(h+"@x.example", "")
				c.Followers = creator.Int64(int64(w*1000 + i))
				if _, err := st.UpsertCreator(ctx, c, fullPosts(c, 5)); err != nil {
					errc <- fmt.Errorf("worker %d upsert %d: %w", w, i, err)
				}
				if _, err := st.Creator(ctx, c.ID); err != nil {
					errc <- fmt.Errorf("worker %d read %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // a reader streaming while writers write
		defer wg.Done()
		for i := 0; i < 5; i++ {
			if err := s.EachCreator(ctx, func(*creator.Creator, []creator.Post) error { return nil }); err != nil {
				errc <- fmt.Errorf("reader: %w", err)
			}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	want := workers*each/2 + each/2
	if n, _ := s.CountCreators(ctx); n != want {
		t.Fatalf("CountCreators = %d, want %d", n, want)
	}
}

func TestRefreshCandidatesAndFirstSeen(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	for i, at := range []time.Time{t0.Add(-72 * time.Hour), t0.Add(-time.Hour), {}, t0.Add(-48 * time.Hour)} {
		c := &creator.Creator{ID: fmt.Sprintf("web:r%d", i), Platform: creator.Web, Handle: fmt.Sprintf("r%d", i), FetchedAt: at, Tier: creator.Nano}
		mustUpsert(t, s, c, nil)
	}
	refs, err := s.RefreshCandidates(ctx, t0.Add(-24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	if !reflect.DeepEqual(ids, []string{"web:r2", "web:r0", "web:r3"}) {
		t.Fatalf("RefreshCandidates = %v, want never-fetched first then oldest", ids)
	}
	since, err := s.CreatorsFirstSeenSince(ctx, t0.Add(-50*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(since) != 3 || since[0] != "web:r3" {
		t.Fatalf("CreatorsFirstSeenSince = %v", since)
	}
	fs, err := s.FirstSeen(ctx, []string{"web:r0", "web:none"})
	if err != nil || len(fs) != 1 || !fs["web:r0"].Equal(t0.Add(-72*time.Hour)) {
		t.Fatalf("FirstSeen = %v, %v", fs, err)
	}
}
