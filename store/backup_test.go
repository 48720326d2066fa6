package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	var ids []string
	for i := 0; i < 30; i++ {
		c := fullCreator(fmt.Sprintf("c%d@x.example", i), fmt.Sprint(i))
		mustUpsert(t, s, c, fullPosts(c, 3))
		if err := s.PutSnapshot(ctx, creator.Snapshot{CreatorID: c.ID, Day: t0, Followers: c.Followers}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	l, _ := s.CreateList(ctx, "L", t0)
	if _, err := s.AddToList(ctx, l.ID, ids[3], "n", StatusAgreed, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ctx, "nightly", []string{"hashtag:x"}, t0); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bak := filepath.Join(dir, "backups", "cs-1.db")
	// Writers keep going during the backup.
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 20; i++ {
			c := &creator.Creator{ID: fmt.Sprintf("web:during%d", i), Platform: creator.Web, Handle: fmt.Sprintf("during%d", i)}
			if _, err := s.UpsertCreator(ctx, c, nil); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	if err := s.Backup(ctx, bak); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("write during backup: %v", err)
	}
	if err := s.Backup(ctx, bak); creator.ErrorCode(err) != creator.ECONFLICT {
		t.Fatalf("backup over an existing file: %v, want ECONFLICT", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "backups", ".*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	b, err := Open(ctx, bak)
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer b.Close()
	n, _ := b.CountCreators(ctx)
	if n < 30 || n > 50 {
		t.Fatalf("backup has %d creators, want 30 plus those written before the snapshot", n)
	}
	for _, id := range ids {
		orig, _ := s.Creator(ctx, id)
		got, err := b.Creator(ctx, id)
		if err != nil || !reflect.DeepEqual(got, orig) {
			t.Fatalf("backup creator %s differs: %v", id, err)
		}
		op, _ := s.Posts(ctx, id, 0)
		bp, _ := b.Posts(ctx, id, 0)
		if !reflect.DeepEqual(op, bp) {
			t.Fatalf("backup posts of %s differ", id)
		}
		oh, _ := s.History(ctx, id)
		bh, _ := b.History(ctx, id)
		if !reflect.DeepEqual(oh, bh) {
			t.Fatalf("backup history of %s differs", id)
		}
	}
	if items, _ := b.ListItems(ctx, l.ID); len(items) != 1 || items[0].CreatorID != ids[3] {
		t.Fatalf("backup list items = %+v", items)
	}
	if runs, _ := b.Runs(ctx, 0); len(runs) != 1 {
		t.Fatalf("backup runs = %d", len(runs))
	}
	b.Close()

	// Restore into a fresh place, then over a live-looking one.
	target := filepath.Join(t.TempDir(), "restored", "cs.db")
	if err := Restore(ctx, bak, target); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Creator(ctx, ids[7]); err != nil || got.ID != ids[7] {
		t.Fatalf("restored: %v", err)
	}
	mustUpsert(t, r, &creator.Creator{ID: "web:after", Platform: creator.Web, Handle: "after"}, nil)
	r.Close()
	if err := Restore(ctx, bak, target); err != nil {
		t.Fatal(err)
	}
	r, err = Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Creator(ctx, "web:after"); !isNotFound(err) {
		t.Fatalf("restore kept a row written after the backup: %v", err)
	}

	// A file that is not a database is refused before anything is touched.
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("not sqlite at all, just text that is long enough to have a header......."), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, junk, target); creator.ErrorCode(err) != creator.EINVALID {
		t.Fatalf("restore from junk: %v, want EINVALID", err)
	}
	if _, err := r.Creator(ctx, ids[0]); err != nil {
		t.Fatalf("refused restore damaged the target: %v", err)
	}
}
