package crawler

import (
	"context"
	"testing"
	"time"
)

func TestMemFrontierSemantics(t *testing.T) {
	ctx := context.Background()
	f := NewMemFrontier()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	items := []FrontierItem{
		{URL: "https://a.example/1", Kind: "page", Meta: map[string]string{"k": "v"}},
		{URL: "https://a.example/2"},
		{URL: "https://a.example/1"}, // duplicate in the same push
		{URL: "https://a.example/later", NotBefore: t0.Add(time.Hour)},
	}
	if n, err := f.FrontierPush(ctx, 1, items, t0, time.Hour); err != nil || n != 3 {
		t.Fatalf("push: %d %v", n, err)
	}
	if n, _ := f.FrontierPush(ctx, 1, items[:1], t0, time.Hour); n != 0 {
		t.Fatal("a URL already in the run must not be pushed again")
	}
	if n, _ := f.FrontierPush(ctx, 2, items[:1], t0, time.Hour); n != 1 {
		t.Fatal("another run has its own frontier")
	}
	if _, err := f.FrontierPush(ctx, 1, []FrontierItem{{URL: ""}}, t0, 0); err == nil {
		t.Fatal("an empty URL must be refused")
	}

	got, _ := f.FrontierLease(ctx, 1, 10, t0, time.Minute)
	if len(got) != 2 || got[0].URL != "https://a.example/1" || got[0].Meta["k"] != "v" || got[0].RunID != 1 {
		t.Fatalf("lease: %+v", got)
	}
	got[0].Meta["k"] = "changed"
	if again, _ := f.FrontierLease(ctx, 1, 10, t0.Add(30*time.Second), time.Minute); len(again) != 0 {
		t.Fatal("leased items must not be leased again before the lease expires")
	}
	if n, _ := f.FrontierPending(ctx, 1); n != 3 {
		t.Fatalf("pending %d", n)
	}
	next, ok, _ := f.FrontierNext(ctx, 1)
	if !ok || next != t0.Add(time.Minute) {
		t.Fatalf("next %v %v, want the lease expiry", next, ok)
	}

	// Done records the validators; Retry counts attempts except deferrals.
	if err := f.FrontierDone(ctx, got[0].ID, 200, `"e"`, "lm", t0); err != nil {
		t.Fatal(err)
	}
	if err := f.FrontierDone(ctx, got[0].ID, 200, "", "", t0); err == nil {
		t.Fatal("finishing twice must fail")
	}
	etag, lm, at, ok, _ := f.Seen(ctx, "https://a.example/1")
	if !ok || etag != `"e"` || lm != "lm" || !at.Equal(t0) {
		t.Fatalf("seen %q %q %v %v", etag, lm, at, ok)
	}
	if err := f.FrontierRetry(ctx, got[1].ID, t0.Add(2*time.Minute), "timeout"); err != nil {
		t.Fatal(err)
	}
	if err := f.FrontierRetry(ctx, got[1].ID, t0.Add(2*time.Minute), DeferredKind); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Lookup(1, "https://a.example/2")
	if st.Attempts != 1 || st.Reason != DeferredKind {
		t.Fatalf("after a retry and a deferral: %+v", st)
	}
	if l, _ := f.FrontierLease(ctx, 1, 10, t0.Add(time.Minute), time.Minute); len(l) != 0 {
		t.Fatal("a retried item must wait for NotBefore")
	}
	l, _ := f.FrontierLease(ctx, 1, 10, t0.Add(2*time.Minute), time.Minute)
	if len(l) != 1 || l[0].URL != "https://a.example/2" {
		t.Fatalf("after NotBefore: %+v", l)
	}
	// Its lease expires unfinished (a crash): it comes back.
	l, _ = f.FrontierLease(ctx, 1, 10, t0.Add(3*time.Minute), time.Minute)
	if len(l) != 1 || l[0].URL != "https://a.example/2" {
		t.Fatalf("after the lease expired: %+v", l)
	}
	if err := f.FrontierDrop(ctx, l[0].ID, "robots_denied"); err != nil {
		t.Fatal(err)
	}
	l, _ = f.FrontierLease(ctx, 1, 10, t0.Add(time.Hour), time.Minute)
	if len(l) != 1 || l[0].URL != "https://a.example/later" {
		t.Fatalf("delayed item: %+v", l)
	}
	if n, _ := f.FrontierPending(ctx, 1); n != 1 {
		t.Fatalf("pending %d", n)
	}

	// Freshness: a URL fetched recently is not pushed into a new run.
	if n, _ := f.FrontierPush(ctx, 3, items[:1], t0.Add(30*time.Minute), time.Hour); n != 0 {
		t.Fatal("fresh URL pushed")
	}
	if n, _ := f.FrontierPush(ctx, 3, items[:1], t0.Add(2*time.Hour), time.Hour); n != 1 {
		t.Fatal("stale URL not pushed")
	}
	if err := f.FrontierRetry(ctx, 999, t0, "x"); err == nil {
		t.Fatal("unknown id must fail")
	}
}
