package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

func openT(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data", "creatorscout.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func tp(t time.Time) *time.Time { return &t }

// fullCreator returns a creator with every field set to a non-zero value.
func fullCreator(handle, pid string) *creator.Creator {
	return &creator.Creator{
		ID:          creator.MakeID(creator.Mastodon, handle),
		Platform:    creator.Mastodon,
		Handle:      handle,
		PlatformID:  pid,
		URL:         "https://social.example/@" + handle,
		DisplayName: "Display " + handle,
		Bio:         "Pilates teacher in Austin. <script>alert(1)</script> ünïcödé",
		Followers:   creator.Int64(23456),
		Following:   creator.Int64(321),
		PostsCount:  creator.Int64(1234),
		Verified:    true,
		Location: &creator.Location{
			Raw: "Austin, TX", City: "Austin", Region: "Texas", Country: "US",
			Lat: creator.Float64(30.2672), Lon: creator.Float64(-97.7431), Confidence: creator.Float64(0.9),
		},
		Language:       "en",
		Email:          handle + "@mail.example",
		Website:        "https://" + handle + ".example",
		Links:          []string{"https://a.example", "https://b.example"},
		Niches:         []string{"fitness", "pilates"},
		Tier:           creator.Micro,
		EngagementRate: creator.Float64(0.0431),
		AvgLikes:       creator.Float64(987.5),
		AvgComments:    creator.Float64(12.25),
		AvgViews:       creator.Float64(5432.125),
		LastPostAt:     tp(t0.Add(-time.Hour)),
		FetchedAt:      t0,
		SourceURL:      "https://social.example/api/v1/accounts/lookup?acct=" + handle,
		Analysis: &creator.Analysis{
			Engagement: &creator.Engagement{Rate: creator.Float64(0.0431), PostIDs: []string{"mastodon:1"}, Formula: "median"},
			Niches:     []creator.NicheScore{{Niche: "fitness", Score: 0.8, Evidence: []string{"#pilates"}}},
			AnalyzedAt: t0,
		},
	}
}

func fullPosts(c *creator.Creator, n int) []creator.Post {
	out := make([]creator.Post, n)
	for i := range out {
		out[i] = creator.Post{
			ID:           fmt.Sprintf("%s:%s-%d", c.Platform, c.Handle, i),
			CreatorID:    c.ID,
			URL:          fmt.Sprintf("%s/%d", c.URL, i),
			PublishedAt:  tp(t0.Add(-time.Duration(i+1) * time.Hour)),
			Caption:      fmt.Sprintf("post %d #ad thanks @brand", i),
			Likes:        creator.Int64(int64(100 + i)),
			Comments:     creator.Int64(int64(i)),
			Views:        creator.Int64(int64(1000 * i)),
			Shares:       creator.Int64(3),
			Hashtags:     []string{"ad", "pilates"},
			Mentions:     []string{"brand"},
			PlatformPaid: i%2 == 0,
			Disclosure:   creator.Disclosure{Class: creator.Sponsored, Signals: []string{"#ad"}},
			Brands:       []creator.Brand{{Name: "brand", Class: creator.Sponsored}},
			Undisclosed:  &creator.Flag{Reason: "r", Evidence: []string{"e"}},
			FetchedAt:    t0,
			SourceURL:    c.SourceURL,
		}
	}
	return out
}

func mustUpsert(t testing.TB, s *Store, c *creator.Creator, posts []creator.Post) bool {
	t.Helper()
	created, err := s.UpsertCreator(context.Background(), c, posts)
	if err != nil {
		t.Fatalf("UpsertCreator(%s): %v", c.ID, err)
	}
	return created
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := creator.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestOpenMigratesIdempotently(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "cs.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c := fullCreator("alice@social.example", "1")
	mustUpsert(t, s, c, fullPosts(c, 2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		s, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		var v int
		if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != SchemaVersion() || v < 1 {
			t.Fatalf("user_version = %d, want %d", v, SchemaVersion())
		}
		var mode string
		if err := s.r.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("journal_mode = %q, %v", mode, err)
		}
		var fk int
		if err := s.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
			t.Fatalf("foreign_keys = %d, %v", fk, err)
		}
		if n, err := s.CountCreators(ctx); err != nil || n != 1 {
			t.Fatalf("CountCreators after reopen = %d, %v", n, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenConcurrentFreshFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cs.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cs.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, path)
	if err == nil || !containsAll(err.Error(), "999", "newer") {
		t.Fatalf("Open of a newer schema: err = %v, want a 'newer' error naming 999", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", "a?b.db"} {
		_, err := Open(context.Background(), p)
		if creator.ErrorCode(err) != creator.EINVALID || creator.ErrorParam(err) != "path" {
			t.Errorf("Open(%q) = %v, want EINVALID on path", p, err)
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(strings.ToLower(s), strings.ToLower(sub)) {
			return false
		}
	}
	return true
}

func TestRunsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	id1, err := s.StartRun(ctx, "nightly", []string{"hashtag:pilates", "https://x.example/@a"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.QueueRun(ctx, "api", nil, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sum := creator.RunSummary{Pages: 10, NotModified: 2, CreatorsNew: 3, CreatorsUpdated: 4, Posts: 50,
		OptedOut: 1, RobotsDenied: 5, Errors: map[string]int{"timeout": 2, "http_5xx": 1}, HostsSkipped: []string{"slow.example"}}
	fin := t0.Add(time.Hour)
	if err := s.UpdateRun(ctx, id1, creator.RunDone, sum, &fin); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	want := &creator.CrawlRun{ID: id1, Kind: "nightly", Status: creator.RunDone, StartedAt: t0, FinishedAt: &fin,
		Seeds: []string{"hashtag:pilates", "https://x.example/@a"}, Summary: sum}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Run = %+v\nwant %+v", got, want)
	}
	runs, err := s.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != id2 || runs[0].Status != creator.RunQueued || runs[0].Seeds != nil || runs[0].FinishedAt != nil {
		t.Fatalf("Runs = %+v, want run %d (queued, nil seeds) first", runs, id2)
	}
	if runs, _ := s.Runs(ctx, 1); len(runs) != 1 {
		t.Fatalf("Runs(1) returned %d", len(runs))
	}
	wantCode(t, s.UpdateRun(ctx, 999, creator.RunDone, sum, nil), creator.ENOTFOUND)
	_, err = s.Run(ctx, 999)
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.StartRun(ctx, "", nil, t0)
	wantCode(t, err, creator.EINVALID)
}

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	if err := s.Audit(ctx, "list.delete", "list:3", "by admin", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, "backup", "", "", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	log, err := s.AuditLog(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].Action != "backup" || log[1].Subject != "list:3" || !log[1].At.Equal(t0) {
		t.Fatalf("AuditLog = %+v", log)
	}
	wantCode(t, s.Audit(ctx, "", "", "", t0), creator.EINVALID)
}

// tableNames lists every table in the database.
func tableNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type='table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func isNotFound(err error) bool {
	var e *creator.Error
	return errors.As(err, &e) && e.Code == creator.ENOTFOUND
}
