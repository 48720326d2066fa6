package store

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

func items(urls ...string) []FrontierItem {
	out := make([]FrontierItem, len(urls))
	for i, u := range urls {
		out[i] = FrontierItem{URL: u, Kind: "profile", Depth: 1}
	}
	return out
}

func leaseIDs(t *testing.T, s *Store, run int64, n int, now time.Time, lease time.Duration) []string {
	t.Helper()
	got, err := s.FrontierLease(context.Background(), run, n, now, lease)
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, it := range got {
		urls = append(urls, it.URL)
	}
	return urls
}

func TestFrontierPushDedupe(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	added, err := s.FrontierPush(ctx, 1, items("https://a.example/1", "https://a.example/2", "https://a.example/1"), t0, time.Hour)
	if err != nil || added != 2 {
		t.Fatalf("push = %d, %v; want 2 (duplicate in batch skipped)", added, err)
	}
	if added, _ := s.FrontierPush(ctx, 1, items("https://a.example/2", "https://a.example/3"), t0, time.Hour); added != 1 {
		t.Fatalf("re-push added %d, want 1", added)
	}
	// Another run has its own frontier.
	if added, _ := s.FrontierPush(ctx, 2, items("https://a.example/1"), t0, time.Hour); added != 1 {
		t.Fatalf("push to run 2 added %d, want 1", added)
	}
	if n, _ := s.FrontierPending(ctx, 1); n != 3 {
		t.Fatalf("pending = %d, want 3", n)
	}

	// One bad item fails the whole push, naming it; nothing is added.
	_, err = s.FrontierPush(ctx, 1, items("https://a.example/4", "not a url"), t0, time.Hour)
	if creator.ErrorCode(err) != creator.EINVALID || creator.ErrorParam(err) != "items[1].url" {
		t.Fatalf("bad URL: %v (param %q)", err, creator.ErrorParam(err))
	}
	_, err = s.FrontierPush(ctx, 1, items(""), t0, time.Hour)
	wantCode(t, err, creator.EINVALID)
	if n, _ := s.FrontierPending(ctx, 1); n != 3 {
		t.Fatalf("pending after refused push = %d, want 3", n)
	}
}

func TestFrontierSeenFreshness(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	const u = "https://a.example/p"
	if _, err := s.FrontierPush(ctx, 1, items(u), t0, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	its, err := s.FrontierLease(ctx, 1, 10, t0, time.Minute)
	if err != nil || len(its) != 1 {
		t.Fatalf("lease = %v, %v", its, err)
	}
	if err := s.FrontierDone(ctx, its[0].ID, 200, `"v1"`, "Mon, 02 Jan 2006 15:04:05 GMT", t0); err != nil {
		t.Fatal(err)
	}
	etag, lm, at, ok, err := s.Seen(ctx, u)
	if err != nil || !ok || etag != `"v1"` || lm != "Mon, 02 Jan 2006 15:04:05 GMT" || !at.Equal(t0) {
		t.Fatalf("Seen = %q %q %v %v %v", etag, lm, at, ok, err)
	}
	if n, _ := s.FrontierPending(ctx, 1); n != 0 {
		t.Fatalf("pending after done = %d", n)
	}
	// Fetched within the freshness window: a new run skips it.
	if added, _ := s.FrontierPush(ctx, 2, items(u), t0.Add(23*time.Hour), 24*time.Hour); added != 0 {
		t.Fatalf("fresh URL re-queued (%d)", added)
	}
	// After the window it comes back.
	if added, _ := s.FrontierPush(ctx, 3, items(u), t0.Add(25*time.Hour), 24*time.Hour); added != 1 {
		t.Fatalf("stale URL not queued (%d)", added)
	}
	its, _ = s.FrontierLease(ctx, 3, 1, t0.Add(25*time.Hour), time.Minute)
	// A 304 without validators keeps the stored ones and moves fetched_at.
	if err := s.FrontierDone(ctx, its[0].ID, 304, "", "", t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	etag, lm, at, _, _ = s.Seen(ctx, u)
	if etag != `"v1"` || lm == "" || !at.Equal(t0.Add(25*time.Hour)) {
		t.Fatalf("after 304: %q %q %v", etag, lm, at)
	}
	if _, _, _, ok, err := s.Seen(ctx, "https://never.example/"); ok || err != nil {
		t.Fatalf("Seen of an unknown URL: ok=%v err=%v", ok, err)
	}
	wantCode(t, s.FrontierDone(ctx, 9999, 200, "", "", t0), creator.ENOTFOUND)
}

func TestFrontierLeaseAndExpiry(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	var its []FrontierItem
	for i := 1; i <= 5; i++ {
		its = append(its, FrontierItem{URL: fmt.Sprintf("https://h%d.example/x", i), Kind: "hashtag",
			Meta: map[string]string{"tag": fmt.Sprint(i)}, Depth: i})
	}
	its[4].NotBefore = t0.Add(10 * time.Minute) // not due yet
	its[3].Meta = nil
	if added, err := s.FrontierPush(ctx, 7, its, t0, 0); err != nil || added != 5 {
		t.Fatalf("push = %d, %v", added, err)
	}
	first, err := s.FrontierLease(ctx, 7, 2, t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want0 := FrontierItem{ID: first[0].ID, RunID: 7, URL: "https://h1.example/x", Kind: "hashtag",
		Meta: map[string]string{"tag": "1"}, Depth: 1, Host: "h1.example", NotBefore: t0.Add(time.Minute)}
	if len(first) != 2 || !reflect.DeepEqual(first[0], want0) || first[1].URL != "https://h2.example/x" {
		t.Fatalf("first lease = %+v\nwant [0] = %+v", first, want0)
	}
	if got := leaseIDs(t, s, 7, 10, t0.Add(30*time.Second), time.Minute); !reflect.DeepEqual(got, []string{"https://h3.example/x", "https://h4.example/x"}) {
		t.Fatalf("second lease = %v, want h3, h4 (h1, h2 leased; h5 not due)", got)
	}
	if got := leaseIDs(t, s, 7, 10, t0.Add(45*time.Second), time.Minute); got != nil {
		t.Fatalf("lease while all are held = %v", got)
	}
	// h1 is done; h2's worker crashed. After the lease expires h2 comes back.
	if err := s.FrontierDone(ctx, first[0].ID, 200, "", "", t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := leaseIDs(t, s, 7, 10, t0.Add(61*time.Second), time.Minute); !reflect.DeepEqual(got, []string{"https://h2.example/x"}) {
		t.Fatalf("lease after expiry = %v, want h2 back", got)
	}
	if err := s.FrontierDone(ctx, first[1].ID, 200, "", "", t0.Add(62*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := leaseIDs(t, s, 7, 10, t0.Add(11*time.Minute), time.Minute); !reflect.DeepEqual(got, []string{"https://h3.example/x", "https://h4.example/x", "https://h5.example/x"}) {
		t.Fatalf("late lease = %v", got)
	}
	next, ok, err := s.FrontierNext(ctx, 7)
	if err != nil || !ok || !next.Equal(t0.Add(12*time.Minute)) {
		t.Fatalf("FrontierNext = %v %v %v", next, ok, err)
	}
	if n, _ := s.FrontierPending(ctx, 7); n != 3 {
		t.Fatalf("pending = %d, want 3 (leased items still pending)", n)
	}
	_, err = s.FrontierLease(ctx, 7, 0, t0, time.Minute)
	wantCode(t, err, creator.EINVALID)
	_, err = s.FrontierLease(ctx, 7, 1, t0, 0)
	wantCode(t, err, creator.EINVALID)
}

func TestFrontierRetryAndDrop(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	if _, err := s.FrontierPush(ctx, 1, items("https://a.example/1", "https://a.example/2"), t0, 0); err != nil {
		t.Fatal(err)
	}
	its, _ := s.FrontierLease(ctx, 1, 2, t0, time.Minute)
	if err := s.FrontierRetry(ctx, its[0].ID, t0.Add(time.Hour), "http_5xx"); err != nil {
		t.Fatal(err)
	}
	if err := s.FrontierDrop(ctx, its[1].ID, "robots"); err != nil {
		t.Fatal(err)
	}
	if got := leaseIDs(t, s, 1, 5, t0.Add(30*time.Minute), time.Minute); got != nil {
		t.Fatalf("retried item leased before its not_before: %v", got)
	}
	again, _ := s.FrontierLease(ctx, 1, 5, t0.Add(time.Hour), time.Minute)
	if len(again) != 1 || again[0].ID != its[0].ID || again[0].Attempts != 1 {
		t.Fatalf("after retry lease = %+v, want item %d with 1 attempt", again, its[0].ID)
	}
	if n, _ := s.FrontierPending(ctx, 1); n != 1 {
		t.Fatalf("pending = %d, want 1 (dropped not pending)", n)
	}
	// A dropped URL is not re-queued in the same run.
	if added, _ := s.FrontierPush(ctx, 1, items("https://a.example/2"), t0, 0); added != 0 {
		t.Fatal("dropped URL re-queued in the same run")
	}
	if err := s.FrontierDone(ctx, its[0].ID, 200, "", "", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.FrontierRetry(ctx, its[0].ID, t0, "x"), creator.ECONFLICT)
	wantCode(t, s.FrontierRetry(ctx, 999, t0, "x"), creator.ENOTFOUND)
	wantCode(t, s.FrontierDrop(ctx, 999, "x"), creator.ENOTFOUND)
	if err := s.FrontierClear(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if added, _ := s.FrontierPush(ctx, 1, items("https://a.example/2"), t0, 0); added != 1 {
		t.Fatal("after FrontierClear the run's URLs are not queueable")
	}
}

// TestFrontierSurvivesReopen stands in for a kill -9: items leased and not
// acknowledged before the process died come back after their lease.
func TestFrontierSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/cs.db"
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for i := 0; i < 20; i++ {
		urls = append(urls, fmt.Sprintf("https://a.example/%d", i))
	}
	if _, err := s.FrontierPush(ctx, 1, items(urls...), t0, time.Hour); err != nil {
		t.Fatal(err)
	}
	leased, _ := s.FrontierLease(ctx, 1, 8, t0, time.Minute)
	for _, it := range leased[:3] {
		if err := s.FrontierDone(ctx, it.ID, 200, "", "", t0); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.FrontierPending(ctx, 1); n != 17 {
		t.Fatalf("pending after reopen = %d, want 17", n)
	}
	got := map[string]bool{}
	for {
		its, err := s.FrontierLease(ctx, 1, 4, t0.Add(2*time.Minute), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(its) == 0 {
			break
		}
		for _, it := range its {
			if got[it.URL] {
				t.Fatalf("%s leased twice", it.URL)
			}
			got[it.URL] = true
			if err := s.FrontierDone(ctx, it.ID, 200, "", "", t0.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(got) != 17 {
		t.Fatalf("resumed %d items, want 17 (nothing lost, nothing done twice)", len(got))
	}
}

func TestFrontierConcurrentLeasesAreDisjoint(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	var urls []string
	for i := 0; i < 200; i++ {
		urls = append(urls, fmt.Sprintf("https://a.example/%d", i))
	}
	if _, err := s.FrontierPush(ctx, 1, items(urls...), t0, 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[int64]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				its, err := s.FrontierLease(ctx, 1, 7, t0, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(its) == 0 {
					return
				}
				mu.Lock()
				for _, it := range its {
					got[it.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != 200 {
		t.Fatalf("leased %d distinct items, want 200", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("item %d leased %d times", id, n)
		}
	}
}
