package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

func TestJobLockSingleFlightAcrossOwnersAndExpiry(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cs.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// A second process on the same file.
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	ttl := 10 * time.Minute
	h, err := a.TryLock(ctx, "nightly", "host:1", t0, ttl)
	if err != nil || h.Owner != "host:1" || !h.ExpiresAt.Equal(t0.Add(ttl)) {
		t.Fatalf("first TryLock = %+v, %v", h, err)
	}
	h, err = b.TryLock(ctx, "nightly", "host:2", t0.Add(time.Minute), ttl)
	if !errors.Is(err, ErrLocked) || h == nil || h.Owner != "host:1" || !h.ExpiresAt.Equal(t0.Add(ttl)) {
		t.Fatalf("second owner got %+v, %v; want ErrLocked naming host:1", h, err)
	}
	if !strings.Contains(err.Error(), "host:1") {
		t.Errorf("error %q does not name the holder", err)
	}
	// The holder renews; the other still waits past the first lease.
	if err := a.RenewLock(ctx, "nightly", "host:1", t0.Add(9*time.Minute), ttl); err != nil {
		t.Fatal(err)
	}
	if _, err := b.TryLock(ctx, "nightly", "host:2", t0.Add(11*time.Minute), ttl); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock taken from a holder that renewed: %v", err)
	}
	// The holder dies (no renew, no unlock): the lease runs out.
	h, err = b.TryLock(ctx, "nightly", "host:2", t0.Add(20*time.Minute), ttl)
	if err != nil || h.Owner != "host:2" {
		t.Fatalf("lock not taken after expiry: %+v, %v", h, err)
	}
	if err := a.RenewLock(ctx, "nightly", "host:1", t0.Add(21*time.Minute), ttl); !errors.Is(err, ErrLocked) {
		t.Fatalf("the old holder renewed a lock it lost: %v", err)
	}
	// Unlocking someone else's lock does nothing; the owner's does.
	if err := a.Unlock(ctx, "nightly", "host:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.TryLock(ctx, "nightly", "host:1", t0.Add(22*time.Minute), ttl); !errors.Is(err, ErrLocked) {
		t.Fatalf("unlock by a non-owner released the lock: %v", err)
	}
	if err := b.Unlock(ctx, "nightly", "host:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.TryLock(ctx, "nightly", "host:1", t0.Add(23*time.Minute), ttl); err != nil {
		t.Fatalf("lock not free after its owner unlocked: %v", err)
	}
	// Other locks are independent.
	if _, err := b.TryLock(ctx, "backup", "host:2", t0.Add(23*time.Minute), ttl); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		name, owner string
		ttl         time.Duration
	}{{"", "o", ttl}, {"n", " ", ttl}, {"n", "o", 0}} {
		if _, err := a.TryLock(ctx, bad.name, bad.owner, t0, bad.ttl); creator.ErrorCode(err) != creator.EINVALID {
			t.Errorf("TryLock(%q, %q, %s) = %v, want EINVALID", bad.name, bad.owner, bad.ttl, err)
		}
	}
}

func TestRefreshQueueAndStateFollowRenamesAndForgets(t *testing.T) {
	s := openT(t)
	ctx := context.Background()
	old := fullCreator("old", "pid-old")
	old.FetchedAt = t0.Add(-72 * time.Hour)
	fresh := fullCreator("fresh", "pid-fresh")
	fresh.FetchedAt = t0
	gone := fullCreator("gone", "pid-gone")
	gone.FetchedAt = t0.Add(-96 * time.Hour)
	for _, c := range []*creator.Creator{old, fresh, gone} {
		mustUpsert(t, s, c, nil)
	}
	if _, err := s.RecordFailure(ctx, gone.ID, FailureGone, "404", t0, 3); err != nil {
		t.Fatal(err)
	}
	q, err := s.RefreshQueue(ctx, t0.Add(-time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].ID != old.ID || q[0].PlatformID != "pid-old" || q[0].SourceURL != old.SourceURL ||
		q[0].Handle != "old" || q[0].Tier != creator.Micro || !q[0].FetchedAt.Equal(old.FetchedAt) || q[0].Key == 0 {
		t.Fatalf("queue %+v: want only the stale, not-gone creator with its fields", q)
	}
	key := q[0].Key

	// Renamed during the run: same key, new id.
	renamed := fullCreator("new", "pid-old")
	renamed.FetchedAt = t0.Add(time.Hour)
	mustUpsert(t, s, renamed, nil)
	all, err := s.RefreshQueue(ctx, t0.Add(100*time.Hour), 0)
	if err != nil || len(all) != 2 {
		t.Fatalf("queue of all = %+v, %v", all, err)
	}
	keys := []int64{key}
	for _, r := range all {
		if r.ID == fresh.ID {
			keys = append(keys, r.Key)
		}
	}
	if err := s.Forget(ctx, fresh.ID, "test", t0); err != nil {
		t.Fatal(err)
	}
	st, err := s.RefreshState(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[key].ID != renamed.ID || !st[key].LastSeenAt.Equal(renamed.FetchedAt) {
		t.Fatalf("state %+v: want the renamed creator under its key and the forgotten one absent", st)
	}
	// A gone creator's state says so (RefreshQueue skips it; RefreshState does not).
	var goneState RefreshRef
	var allKeys []int64
	for k := int64(1); k <= 3; k++ {
		allKeys = append(allKeys, k)
	}
	st, err = s.RefreshState(ctx, allKeys)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st {
		if r.ID == gone.ID {
			goneState = r
		}
	}
	if goneState.GoneAt == nil || goneState.Failures != 1 || goneState.LastErrorKind != FailureGone {
		t.Fatalf("gone state %+v", goneState)
	}
}

func TestWatermarkTellsWhatARunAdded(t *testing.T) {
	s := openT(t)
	ctx := context.Background()
	a := fullCreator("a", "pa")
	mustUpsert(t, s, a, fullPosts(a, 2))
	w, err := s.Watermark(ctx)
	if err != nil || w.Creator == 0 || w.Post == 0 {
		t.Fatalf("watermark %+v, %v", w, err)
	}
	// Re-fetching old posts adds nothing; a new creator and a new post do.
	mustUpsert(t, s, a, fullPosts(a, 3))
	b := fullCreator("b", "pb")
	bp := fullPosts(b, 1)
	bp[0].Brands = []creator.Brand{{Name: "Glossier", Class: creator.Gifted}, {Name: "other", Class: creator.Organic}}
	mustUpsert(t, s, b, bp)

	ids, err := s.CreatorsAfter(ctx, w)
	if err != nil || !reflect.DeepEqual(ids, []string{b.ID}) {
		t.Fatalf("CreatorsAfter = %v, %v; want [%s]", ids, err, b.ID)
	}
	ms, err := s.BrandMentionsAfter(ctx, w, []string{"@glossier"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].PostID != bp[0].ID || ms[0].CreatorID != b.ID || ms[0].Brand.Class != creator.Gifted {
		t.Fatalf("BrandMentionsAfter = %+v: want the one new glossier post", ms)
	}
	all, err := s.BrandMentionsAfter(ctx, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	// a's third post (new, brand "brand") and b's two brands.
	if len(all) != 3 {
		t.Fatalf("all brand mentions after the watermark = %+v, want 3", all)
	}
}

func TestRunReportRoundTripRenameAndForget(t *testing.T) {
	s := openT(t)
	ctx := context.Background()
	a, b := fullCreator("a", "pa"), fullCreator("b", "pb")
	mustUpsert(t, s, a, nil)
	mustUpsert(t, s, b, nil)
	run, err := s.StartRun(ctx, "nightly", []string{"refresh"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	fin := t0.Add(time.Hour)
	rep := creator.RunReport{
		RunID: run, StartedAt: t0, FinishedAt: &fin, Due: 2, Refreshed: 1, Failed: 1,
		Failures: map[string]int{"http_5xx": 1}, Jobs: []string{"hashtag:pilates"},
		Changes: []creator.Change{
			{Kind: creator.ChangeFollowerJump, CreatorID: a.ID, From: creator.Int64(100), To: creator.Int64(150), Relative: creator.Float64(0.5)},
			{Kind: creator.ChangeCompetitorMention, CreatorID: b.ID, Brand: "glossier", Class: creator.Gifted, PostID: "mastodon:9"},
			{Kind: creator.ChangeFollowerJump, CreatorID: "mastodon:nobody"}, // not stored: dropped
		},
	}
	if err := s.PutRunReport(ctx, rep); err != nil {
		t.Fatal(err)
	}
	got, err := s.RunReport(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	want := rep
	want.Changes = rep.Changes[:2]
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("report round trip:\n got %+v\nwant %+v", *got, want)
	}
	// A rename shows the new id; forgetting removes the creator's changes.
	ra := fullCreator("a2", "pa")
	ra.FetchedAt = t0.Add(time.Hour)
	mustUpsert(t, s, ra, nil)
	if err := s.Forget(ctx, b.ID, "test", t0); err != nil {
		t.Fatal(err)
	}
	got, err = s.RunReport(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Changes) != 1 || got.Changes[0].CreatorID != ra.ID || got.Due != 2 {
		t.Fatalf("after rename and forget: %+v", got)
	}
	for table, rows := range dumpTables(t, s) {
		for _, r := range rows {
			if strings.Contains(r, "glossier") || strings.Contains(r, "mastodon:9") {
				t.Errorf("forgotten change still in %s: %s", table, r)
			}
		}
	}
	if _, err := s.RunReport(ctx, run+1); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Fatalf("report of an unknown run: %v", err)
	}
	if err := s.PutRunReport(ctx, creator.RunReport{RunID: run + 5}); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Fatalf("report for an unknown run: %v", err)
	}
}

func TestDoNotCrawlEntriesCarryOverToAnotherDatabase(t *testing.T) {
	ctx := context.Background()
	live, restored := openT(t), openT(t)
	x, y := fullCreator("x", "px"), fullCreator("y", "py")
	for _, s := range []*Store{live, restored} {
		mustUpsert(t, s, x, nil)
		mustUpsert(t, s, y, nil)
	}
	// After the backup was taken, x was forgotten on the live database.
	if err := live.Forget(ctx, x.URL, "asked", t0); err != nil {
		t.Fatal(err)
	}
	if err := live.AddDoNotCrawl(ctx, "https://elsewhere.example/@z", t0); err != nil {
		t.Fatal(err)
	}
	entries, err := live.DoNotCrawlEntries(ctx)
	if err != nil || len(entries) < 2 {
		t.Fatalf("entries %+v, %v", entries, err)
	}
	named, err := restored.AddDoNotCrawlEntries(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(named, []string{x.ID}) {
		t.Fatalf("named %v, want [%s]", named, x.ID)
	}
	if dnc, _ := restored.DoNotCrawl(ctx, "https://elsewhere.example/@z"); !dnc {
		t.Fatal("restored database lacks a do-not-crawl key")
	}
	if _, err := restored.AddDoNotCrawlEntries(ctx, []DoNotCrawlEntry{{Hash: "zz", AddedAt: t0}}); creator.ErrorCode(err) != creator.EINVALID {
		t.Fatalf("bad hash accepted: %v", err)
	}
}

func TestCreatorIDByKey(t *testing.T) {
	s := openT(t)
	ctx := context.Background()
	c := fullCreator("anna", "p1")
	mustUpsert(t, s, c, nil)
	for _, key := range []string{c.ID, strings.ToUpper(c.ID), c.URL, c.SourceURL} {
		id, ok, err := s.CreatorIDByKey(ctx, key)
		if err != nil || !ok || id != c.ID {
			t.Errorf("CreatorIDByKey(%q) = %q, %v, %v", key, id, ok, err)
		}
	}
	if _, ok, err := s.CreatorIDByKey(ctx, "mastodon:nobody"); ok || err != nil {
		t.Errorf("unknown key: ok %v err %v", ok, err)
	}
	if _, _, err := s.CreatorIDByKey(ctx, " "); creator.ErrorCode(err) != creator.EINVALID {
		t.Errorf("empty key: %v", err)
	}
}

func TestForgetWhileItsPageIsLeasedLetsTheCrawlFinishIt(t *testing.T) {
	s := openT(t)
	ctx := context.Background()
	c := fullCreator("anna", "p-anna")
	mustUpsert(t, s, c, nil)
	other := "https://social.example/api/v1/accounts/lookup?acct=bob"
	if _, err := s.FrontierPush(ctx, 1, items(c.SourceURL, c.URL+"/statuses", other), t0, 0); err != nil {
		t.Fatal(err)
	}
	leased, err := s.FrontierLease(ctx, 1, 10, t0, time.Minute)
	if err != nil || len(leased) != 3 {
		t.Fatalf("lease: %v, %v", leased, err)
	}
	// The page shows the opt-out; the pipeline forgets the creator while
	// the crawl still holds the page's item.
	if err := s.Forget(ctx, c.ID, "opted out", t0); err != nil {
		t.Fatal(err)
	}
	// The crawl finishes the page, hands the posts page back (its host is
	// paused), and is done with the other creator's page.
	if err := s.FrontierDone(ctx, leased[0].ID, 200, "", "", t0); err != nil {
		t.Fatalf("finishing %s after the forget: %v", leased[0].URL, err)
	}
	if err := s.FrontierRetry(ctx, leased[1].ID, t0.Add(time.Second), "deferred"); err != nil {
		t.Fatalf("handing %s back after the forget: %v", leased[1].URL, err)
	}
	if err := s.FrontierDone(ctx, leased[2].ID, 200, "", "", t0); err != nil {
		t.Fatal(err)
	}
	// Leased again, the tombstone carries no URL to fetch; the crawler drops it.
	again, err := s.FrontierLease(ctx, 1, 10, t0.Add(time.Minute), time.Minute)
	if err != nil || len(again) != 1 || strings.HasPrefix(again[0].URL, "http") || again[0].Meta != nil {
		t.Fatalf("tombstone leased as %+v, %v", again, err)
	}
	if err := s.FrontierDrop(ctx, again[0].ID, "bad_url"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.FrontierPending(ctx, 1); err != nil || n != 0 {
		t.Fatalf("pending after the run: %d, %v", n, err)
	}
	for table, rows := range dumpTables(t, s) {
		for _, r := range rows {
			if strings.Contains(strings.ToLower(r), "anna") {
				t.Errorf("%s still holds a trace: %s", table, r)
			}
		}
	}
	if _, _, _, ok, _ := s.Seen(ctx, other); !ok {
		t.Error("the other creator's page was not recorded as seen")
	}
}

func TestDoNotCrawlEntriesDoNotNameOtherPlatformsNamesakes(t *testing.T) {
	ctx := context.Background()
	live, restored := openT(t), openT(t)
	anna := fullCreator("anna", "1234")
	namesake := fullCreator("anna", "1234") // same handle and numeric id, another platform
	namesake.ID, namesake.Platform, namesake.URL = "instagram:anna", creator.Instagram, "https://www.instagram.com/anna/"
	namesake.SourceURL = anna.SourceURL // read from the same page
	for _, s := range []*Store{live, restored} {
		mustUpsert(t, s, anna, nil)
	}
	mustUpsert(t, restored, namesake, nil)
	if err := live.Forget(ctx, anna.ID, "asked", t0); err != nil {
		t.Fatal(err)
	}
	entries, err := live.DoNotCrawlEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	named, err := restored.AddDoNotCrawlEntries(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(named, []string{anna.ID}) {
		t.Fatalf("named %v, want only %s", named, anna.ID)
	}
}
