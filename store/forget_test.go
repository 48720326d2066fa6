package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// dumpTables returns every value of every row of every table, as text.
func dumpTables(t *testing.T, s *Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range tableNames(t, s.r) {
		rows, err := s.r.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				out[table] = append(out[table], cols[i]+"="+fmt.Sprint(v))
			}
		}
		rows.Close()
	}
	return out
}

func TestForgetLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	victim := fullCreator("victim@social.example", "5551234")
	other := fullCreator("other@social.example", "999")
	mustUpsert(t, s, victim, fullPosts(victim, 4))
	mustUpsert(t, s, other, fullPosts(other, 2))
	listID, searchID := seedRelations(t, s, victim.ID)
	if _, err := s.AddToList(ctx, listID, other.ID, "keep me", StatusNew, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordSavedSearchResults(ctx, searchID, []string{other.ID}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSnapshot(ctx, creator.Snapshot{CreatorID: other.ID, Day: t0, Followers: creator.Int64(5)}); err != nil {
		t.Fatal(err)
	}
	// Frontier and seen set: the victim's profile, its API lookups (by
	// handle and by platform id) and a post page; the other creator's too.
	runID, err := s.StartRun(ctx, "manual", []string{"@victim@social.example", "hashtag:pilates", "https://social.example/@other"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	fr := []FrontierItem{
		{URL: victim.URL},
		{URL: "https://social.example/api/v1/accounts/lookup?acct=victim"},
		{URL: "https://social.example/api/v1/accounts/5551234/statuses?limit=20"},
		{URL: "https://social.example/tags/pilates", Meta: map[string]string{"found_by": "victim@social.example"}},
		{URL: "https://social.example/tags/yoga", Meta: map[string]string{"creator": victim.ID}},
		{URL: other.URL},
		{URL: "https://social.example/api/v1/accounts/999/statuses"},
		{URL: "https://social.example/tags/running"},
	}
	if _, err := s.FrontierPush(ctx, runID, fr, t0, 0); err != nil {
		t.Fatal(err)
	}
	leased, _ := s.FrontierLease(ctx, runID, 3, t0, time.Minute)
	for _, it := range leased {
		if err := s.FrontierDone(ctx, it.ID, 200, `"etag"`, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkSeen(ctx, victim.URL+"/0", 200, "", "", t0); err != nil { // a post page
		t.Fatal(err)
	}
	if err := s.MarkSeen(ctx, other.URL, 200, "", "", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, "list.add", victim.ID, "added "+victim.Handle+" to Prospects", t0); err != nil {
		t.Fatal(err)
	}

	before := dumpTables(t, s)
	if !strings.Contains(strings.Join(before["seen"], " "), "victim") {
		t.Fatal("fixture: the seen set does not mention the victim; the test would prove nothing")
	}

	if err := s.Forget(ctx, victim.ID, "erasure request #12", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	needles := []string{"victim", "5551234"}
	for table, vals := range dumpTables(t, s) {
		for _, v := range vals {
			for _, n := range needles {
				if strings.Contains(strings.ToLower(v), n) {
					t.Errorf("table %s still holds %q: %s", table, n, v)
				}
			}
		}
	}
	// Nor in the bytes on disk: deleted content is zeroed (secure_delete)
	// and the WAL is checkpointed.
	for _, f := range []string{s.Path(), s.Path() + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, n := range needles {
			if bytes.Contains(bytes.ToLower(b), []byte(n)) {
				t.Errorf("file %s still contains %q", f, n)
			}
		}
	}

	// The other creator is untouched.
	if got, err := s.Creator(ctx, other.ID); err != nil || got.Bio != other.Bio {
		t.Fatalf("other creator: %v", err)
	}
	if posts, _ := s.Posts(ctx, other.ID, 0); len(posts) != 2 {
		t.Fatalf("other creator has %d posts, want 2", len(posts))
	}
	if items, _ := s.ListItems(ctx, listID); len(items) != 1 || items[0].CreatorID != other.ID {
		t.Fatalf("list items = %+v", items)
	}
	if res, _ := s.SavedSearchResults(ctx, searchID); len(res) != 1 || res[0].CreatorID != other.ID {
		t.Fatalf("saved search results = %+v", res)
	}
	if h, _ := s.History(ctx, other.ID); len(h) != 1 {
		t.Fatalf("other history = %+v", h)
	}
	if _, _, _, ok, _ := s.Seen(ctx, other.URL); !ok {
		t.Fatal("other creator's seen entry was removed")
	}
	if n, _ := s.FrontierPending(ctx, runID); n != 3 { // other's profile and statuses and tags/running remain
		t.Fatalf("pending = %d, want 3", n)
	}
	run, _ := s.Run(ctx, runID)
	if strings.Join(run.Seeds, ",") != "[forgotten],hashtag:pilates,https://social.example/@other" {
		t.Fatalf("seeds = %v", run.Seeds)
	}

	// Do not crawl, by every key and its variants.
	for _, k := range []string{victim.ID, "MASTODON:Victim@Social.Example", victim.Handle, "@victim@social.example",
		victim.URL, victim.URL + "/", victim.SourceURL, "5551234"} {
		if ok, err := s.DoNotCrawl(ctx, k); err != nil || !ok {
			t.Errorf("DoNotCrawl(%q) = %v, %v; want true", k, ok, err)
		}
	}
	for _, k := range []string{other.ID, other.URL, "", "victim"} {
		if ok, _ := s.DoNotCrawl(ctx, k); ok {
			t.Errorf("DoNotCrawl(%q) = true", k)
		}
	}
	_, err = s.UpsertCreator(ctx, victim, nil)
	if !errors.Is(err, ErrDoNotCrawl) || creator.ErrorCode(err) != creator.EFORBIDDEN || !strings.Contains(err.Error(), "by id") {
		t.Fatalf("re-storing a forgotten creator: %v", err)
	}
	// Renamed but same platform id: still refused.
	renamed := fullCreator("victim2@social.example", "5551234")
	renamed.URL = "https://social.example/@victim2"
	if _, err := s.UpsertCreator(ctx, renamed, nil); !errors.Is(err, ErrDoNotCrawl) || !strings.Contains(err.Error(), "by platform_id") {
		t.Fatalf("forgotten platform id stored again: %v", err)
	}
	// Another id and platform id at the forgotten URL: refused by the URL.
	moved := fullCreator("victim3@social.example", "5559999")
	moved.URL = victim.URL
	if _, err := s.UpsertCreator(ctx, moved, nil); !errors.Is(err, ErrDoNotCrawl) || !strings.Contains(err.Error(), "by url") {
		t.Fatalf("forgotten URL stored again: %v", err)
	}
	if added, _ := s.FrontierPush(ctx, runID+1, items(victim.URL), t0, 0); added != 0 {
		t.Fatal("forgotten URL queued")
	}
	log, _ := s.AuditLog(ctx, 1)
	if len(log) != 1 || log[0].Action != "forget" || log[0].Subject != ForgottenSubject(victim.ID) || log[0].Detail != "erasure request #12" {
		t.Fatalf("audit = %+v", log)
	}
	if _, err := s.Creator(ctx, victim.ID); !isNotFound(err) {
		t.Fatalf("forgotten creator still readable: %v", err)
	}
}

func TestForgetByURLAndUnknown(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	c := fullCreator("bob@x.example", "1")
	mustUpsert(t, s, c, nil)
	if err := s.Forget(ctx, c.URL, "opt-out", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Creator(ctx, c.ID); !isNotFound(err) {
		t.Fatalf("forget by URL left the creator: %v", err)
	}
	// Someone not yet crawled: goes on the list all the same.
	const never = "https://y.example/@carol"
	if err := s.Forget(ctx, never, "asked by email", t0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.DoNotCrawl(ctx, never); !ok {
		t.Fatal("unknown key not on the do-not-crawl list")
	}
	if n, _ := s.AuditLog(ctx, 0); len(n) != 2 {
		t.Fatalf("audit entries = %d, want 2", len(n))
	}
	wantCode(t, s.Forget(ctx, " ", "", t0), creator.EINVALID)
	if err := s.AddDoNotCrawl(ctx, "tiktok:dave", t0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.DoNotCrawl(ctx, "TikTok:Dave/"); !ok {
		t.Fatal("AddDoNotCrawl key not found")
	}
	if _, err := s.UpsertCreator(ctx, &creator.Creator{ID: "tiktok:dave", Platform: creator.TikTok, Handle: "dave"}, nil); !errors.Is(err, ErrDoNotCrawl) {
		t.Fatalf("opted-out creator stored: %v", err)
	}
}

func TestContainsToken(t *testing.T) {
	for _, tc := range []struct {
		s, tok string
		want   bool
	}{
		{"https://x/@bob", "bob", true},
		{"https://x/lookup?acct=bob&x=1", "bob", true},
		{"https://x/@bobby", "bob", false},
		{"https://x/@jimbob", "bob", false},
		{"https://x/accounts/5551234/statuses", "5551234", true},
		{"https://x/accounts/55512345", "5551234", false},
		{"handle:bob", "bob", true},
		{"bob", "bob", true},
		{"", "bob", false},
	} {
		if got := containsToken(tc.s, tc.tok); got != tc.want {
			t.Errorf("containsToken(%q, %q) = %v", tc.s, tc.tok, got)
		}
	}
}

// A creator read from a page that lists many people (a hashtag feed) is
// forgotten without blocking that page: only pages that name the creator go
// on the do-not-crawl list and out of the seen set.
func TestForgetKeepsSharedSourcePagesCrawlable(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	feed := "https://social.example/api/v1/timelines/tag/pilates?limit=40"
	victim := fullCreator("victim@social.example", "5551234")
	victim.SourceURL = feed
	posts := fullPosts(victim, 2)
	for i := range posts {
		posts[i].SourceURL = feed
	}
	mustUpsert(t, s, victim, posts)
	own := fullCreator("own@social.example", "777")
	own.SourceURL = "https://social.example/api/v1/accounts/lookup?acct=own"
	mustUpsert(t, s, own, nil)
	if err := s.MarkSeen(ctx, feed, 200, "", "", t0); err != nil {
		t.Fatal(err)
	}

	for _, id := range []string{victim.ID, own.ID} {
		if err := s.Forget(ctx, id, "request", t0); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.DoNotCrawl(ctx, feed); err != nil || ok {
		t.Errorf("DoNotCrawl(hashtag feed) = %v, %v; want false", ok, err)
	}
	if _, _, _, seen, err := s.Seen(ctx, feed); err != nil || !seen {
		t.Errorf("hashtag feed dropped from the seen set: %v, %v", seen, err)
	}
	if ok, err := s.DoNotCrawl(ctx, own.SourceURL); err != nil || !ok {
		t.Errorf("DoNotCrawl(own lookup URL) = %v, %v; want true", ok, err)
	}
	if ok, err := s.DoNotCrawl(ctx, victim.ID); err != nil || !ok {
		t.Errorf("DoNotCrawl(%s) = %v, %v; want true", victim.ID, ok, err)
	}
}
