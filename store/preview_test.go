package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// analyseInput is what UpsertAnalysed hands its AnalyseFunc.
type analyseInput struct {
	Creator *creator.Creator
	Posts   []creator.Post
	History []creator.Snapshot
}

// errRollback ends a WriteTx without committing.
var errRollback = errors.New("rollback")

// upsertInput runs UpsertAnalysed (rolled back) and returns what it handed
// analyse, or its error.
func upsertInput(t *testing.T, s *Store, c *creator.Creator, posts []creator.Post, recent int) (*analyseInput, error) {
	t.Helper()
	var in *analyseInput
	var upErr error
	err := s.WriteTx(context.Background(), func(tx *Tx) error {
		_, upErr = tx.UpsertAnalysed(c, posts, recent, func(c *creator.Creator, posts []creator.Post, hist []creator.Snapshot) {
			cc := *c
			in = &analyseInput{Creator: &cc, Posts: posts, History: hist}
		})
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("WriteTx: %v", err)
	}
	return in, upErr
}

func jsonOf(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

// checkPreview: PreviewUpsert returns exactly (reflect.DeepEqual: every
// field, nil and empty apart, time zones and all) what UpsertAnalysed
// hands its AnalyseFunc for the same call, or the same error code.
func checkPreview(t *testing.T, s *Store, c *creator.Creator, posts []creator.Post, recent int) *Preview {
	t.Helper()
	pv, perr := s.PreviewUpsert(context.Background(), c, posts, recent)
	in, uerr := upsertInput(t, s, c, posts, recent)
	if uerr != nil || perr != nil {
		if creator.ErrorCode(perr) != creator.ErrorCode(uerr) || (perr == nil) != (uerr == nil) {
			t.Fatalf("preview error %v, upsert error %v", perr, uerr)
		}
		return nil
	}
	got := analyseInput{Creator: pv.Creator, Posts: pv.Posts, History: pv.History}
	if !reflect.DeepEqual(&got, in) {
		t.Fatalf("preview differs from what UpsertAnalysed analyses:\n--- preview\n%s\n--- upsert\n%s", jsonOf(got), jsonOf(in))
	}
	return pv
}

func TestPreviewUpsertIsWhatUpsertAnalysedAnalyses(t *testing.T) {
	ctx := context.Background()
	s := openT(t)

	// A new creator: posts with known zeros, unknowns, empty and nil
	// lists, a post without a time, a post given twice on one page (the
	// second fills what the first left unknown), and a time in another zone.
	c := fullCreator("ana@social.example", "1001")
	c.Analysis = nil
	posts := fullPosts(c, 5)
	posts[1].Likes, posts[1].Hashtags, posts[1].Brands = creator.Int64(0), []string{}, []creator.Brand{}
	posts[2].Likes, posts[2].Comments, posts[2].Hashtags, posts[2].Undisclosed = nil, nil, nil, nil
	posts[2].PublishedAt, posts[2].FetchedAt = nil, time.Time{}
	posts[3].PublishedAt = tp(t0.In(time.FixedZone("X", 5*3600)).Add(-30 * time.Minute))
	dup := posts[0]
	dup.Likes, dup.Caption, dup.PublishedAt = nil, "edited", nil
	posts = append(posts, dup)
	checkPreview(t, s, c, posts, 60)
	checkPreview(t, s, c, posts, 2)
	mustUpsert(t, s, c, posts)

	// The same creator again, with a history, more stored posts than the
	// window, and new posts that overlap the stored ones: unknown counts
	// and times keep the stored ones.
	for d := 1; d <= 3; d++ {
		if err := s.PutSnapshot(ctx, creator.Snapshot{CreatorID: c.ID, Day: t0.AddDate(0, 0, -d), Followers: creator.Int64(int64(100 * d))}); err != nil {
			t.Fatal(err)
		}
	}
	more := fullPosts(c, 12)
	for i := range more {
		more[i].ID = fmt.Sprintf("%s-old-%d", c.ID, i)
		more[i].PublishedAt = tp(t0.Add(-time.Duration(24*(i+2)) * time.Hour))
	}
	mustUpsert(t, s, c, more)
	again := fullCreator("ana@social.example", "1001")
	again.Followers, again.Location, again.Analysis, again.Tier = nil, nil, nil, "" // keep-last-good
	upd := fullPosts(c, 3)
	upd[0].Likes, upd[0].PublishedAt = nil, nil
	upd[1].FetchedAt = time.Time{}
	upd[2].ID = more[11].ID // the oldest stored post, now with a count
	for _, recent := range []int{60, 4, 1, 0} {
		pv := checkPreview(t, s, again, upd, recent)
		if recent == 4 && len(pv.Posts) != 4 {
			t.Fatalf("recent 4: %d posts", len(pv.Posts))
		}
		if len(pv.History) != 3 {
			t.Fatalf("history: %d snapshots, want 3", len(pv.History))
		}
	}
	checkPreview(t, s, again, nil, 60) // a refresh without posts

	// A rename (same platform id, new handle), and a post moved here from
	// another creator.
	other := fullCreator("bo@social.example", "2002")
	otherPosts := fullPosts(other, 2)
	mustUpsert(t, s, other, otherPosts)
	renamed := fullCreator("ana.new@social.example", "1001")
	moved := otherPosts[1]
	moved.CreatorID, moved.Likes = renamed.ID, nil
	checkPreview(t, s, renamed, []creator.Post{moved}, 60)

	// Refusals: an id held by another account, and bad input.
	taken := fullCreator("bo@social.example", "3003")
	if pv := checkPreview(t, s, taken, nil, 60); pv != nil {
		t.Fatal("a conflicting creator got a preview")
	}
	bad := fullCreator("x@social.example", "4004")
	bad.Platform = ""
	if pv := checkPreview(t, s, bad, nil, 60); pv != nil {
		t.Fatal("an invalid creator got a preview")
	}
}

// TestPreviewSeesNoLaterWrite: a preview is of the store as it was; a
// write between it and the upsert changes what the upsert analyses, which
// is how a caller knows to analyse again.
func TestPreviewSeesNoLaterWrite(t *testing.T) {
	s := openT(t)
	c := fullCreator("cy@social.example", "5005")
	posts := fullPosts(c, 2)
	pv, err := s.PreviewUpsert(context.Background(), c, posts, 60)
	if err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, s, c, fullPosts(c, 4)) // another page got there first
	in, err := upsertInput(t, s, c, posts, 60)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(pv.Posts, in.Posts) {
		t.Fatal("the preview taken before another write still equals what the upsert analyses")
	}
}

func BenchmarkPreviewUpsert(b *testing.B) {
	s := openT(b)
	c := fullCreator("dee@social.example", "6006")
	posts := fullPosts(c, 3)
	for b.Loop() {
		if _, err := s.PreviewUpsert(context.Background(), c, posts, 60); err != nil {
			b.Fatal(err)
		}
	}
}

// stored is what one upsert left: the Upserted and the rows read back.
type storedOutcome struct {
	Creator *creator.Creator
	Posts   []creator.Post // as UpsertAnalysed returned them
	Read    []creator.Post // as read back in the transaction
	Rows    []postRow      // the same, undecoded
	Back    *creator.Creator
	State   []any    // the creator's bookkeeping columns
	Order   []string // the creator's post ids in insertion (pk) order
}

// analyseNow is the crawl's analysis: creator.Analyze, then the stored
// contact facts merged (ingest's analyser).
func analyseNow(tx *Tx) AnalyseFunc {
	return func(c *creator.Creator, posts []creator.Post, hist []creator.Snapshot) {
		creator.Analyze(c, posts, hist, t0, creator.DefaultOptions())
		facts, err := tx.ContactFacts(c)
		if err != nil {
			panic(err)
		}
		creator.MergeContactFacts(c, facts)
	}
}

// upsertOutcome upserts c and posts (with pv, if any) in a transaction
// that is rolled back, and returns what was stored and whether the
// analysis ahead was used.
func upsertOutcome(t *testing.T, s *Store, c *creator.Creator, posts []creator.Post, pv *Preview, recent int) (*storedOutcome, bool) {
	t.Helper()
	var out storedOutcome
	var ahead bool
	err := s.WriteTx(context.Background(), func(tx *Tx) error {
		cc := *c
		u, err := tx.UpsertAnalysedAhead(&cc, posts, recent, pv, analyseNow(tx))
		if err != nil {
			return err
		}
		ahead = u.Ahead
		out.Creator, out.Posts = u.Creator, u.Posts
		if out.Back, err = tx.Creator(u.Creator.ID); err != nil {
			return err
		}
		pk := mustPK(t, tx, u.Creator.ID)
		if out.Rows, err = tx.recentRows(pk, 0); err != nil {
			return err
		}
		if out.Read, err = decodePostRows(out.Rows); err != nil {
			return err
		}
		out.State = make([]any, 7)
		dest := make([]any, len(out.State))
		for i := range dest {
			dest[i] = &out.State[i]
		}
		if err := tx.tx.QueryRowContext(tx.ctx, `SELECT first_seen_at, last_seen_at, failures, last_error_kind,
			last_error, last_error_at, gone_at FROM creators WHERE pk=?`, pk).Scan(dest...); err != nil {
			return err
		}
		ids, err := tx.tx.QueryContext(tx.ctx, `SELECT id FROM posts WHERE creator_pk=? ORDER BY pk`, pk)
		if err != nil {
			return err
		}
		defer ids.Close()
		for ids.Next() {
			var id string
			if err := ids.Scan(&id); err != nil {
				return err
			}
			out.Order = append(out.Order, id)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("upsert: %v", err)
	}
	return &out, ahead
}

func mustPK(t *testing.T, tx *Tx, id string) int64 {
	var pk int64
	if err := tx.tx.QueryRowContext(tx.ctx, qCreatorPK, id).Scan(&pk); err != nil {
		t.Fatal(err)
	}
	return pk
}

// analysedPreview is a preview analysed as the crawl analyses it ahead.
func analysedPreview(t *testing.T, s *Store, c *creator.Creator, posts []creator.Post, recent int) *Preview {
	t.Helper()
	pv, err := s.PreviewUpsert(context.Background(), c, posts, recent)
	if err != nil {
		t.Fatal(err)
	}
	creator.Analyze(pv.Creator, pv.Posts, pv.History, t0, creator.DefaultOptions())
	creator.MergeContactFacts(pv.Creator, pv.Facts)
	return pv
}

// TestUpsertAnalysedAheadStoresWhatUpsertAnalysedStores: with a preview
// that still holds, the analysis made ahead is stored and is exactly what
// analysing in the transaction stores; with one that no longer holds (a
// post, a snapshot or a contact fact written in between), the transaction
// analyses again, and again stores what UpsertAnalysed stores.
func TestUpsertAnalysedAheadStoresWhatUpsertAnalysedStores(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	c := fullCreator("eve@social.example", "7007")
	c.Analysis = nil
	c.Bio = "Vegan recipes and pilates in Berlin. Collabs: eve@mail.example"
	posts := fullPosts(c, 4)
	posts[1].Caption = "gifted by @brand #gifted"
	posts[2].Hashtags, posts[3].PublishedAt = []string{}, nil
	dup := posts[0]
	dup.Likes, dup.Caption = nil, "edited: sponsored by @brand"
	posts = append([]creator.Post{posts[3]}, append(posts, dup)...) // out of date order, one post twice

	check := func(name string, c *creator.Creator, posts []creator.Post, pv *Preview, wantAhead bool, recent ...int) {
		t.Helper()
		r := 60
		if len(recent) > 0 {
			r = recent[0]
		}
		got, ahead := upsertOutcome(t, s, c, posts, pv, r)
		want, inTx := upsertOutcome(t, s, c, posts, nil, r)
		if inTx {
			t.Fatalf("%s: UpsertAnalysed without a preview says Ahead", name)
		}
		if ahead != wantAhead {
			t.Fatalf("%s: Ahead = %v, want %v", name, ahead, wantAhead)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the analysis ahead stored something else:\n--- ahead\n%s\n--- in the transaction\n%s", name, jsonOf(got), jsonOf(want))
		}
	}

	// A new creator: stored by insertFresh, in two writes.
	pv := analysedPreview(t, s, c, posts, 60)
	if !pv.fresh {
		t.Fatal("the preview of a creator never stored is not fresh")
	}
	err := s.WriteTx(ctx, func(tx *Tx) error {
		if up, err := tx.insertFresh(c, posts, 60, pv); up == nil || err != nil {
			t.Errorf("insertFresh did not store a fresh creator: %v", err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	check("new", c, posts, pv, true)
	check("new, more posts than the window", c, posts, analysedPreview(t, s, c, posts, 3), true, 3)
	// Another write between the preview and the upsert.
	pv = analysedPreview(t, s, c, posts, 60)
	mustUpsert(t, s, c, fullPosts(c, 1))
	check("new, stored meanwhile", c, posts, pv, false)

	// A stored creator with history and contact facts, crawled again.
	mustUpsert(t, s, c, posts)
	if err := s.PutSnapshot(ctx, creator.Snapshot{CreatorID: c.ID, Day: t0.AddDate(0, 0, -7), Followers: creator.Int64(9000)}); err != nil {
		t.Fatal(err)
	}
	putFact := func(v string) {
		t.Helper()
		page := "https://links.example/eve"
		err := s.WriteTx(ctx, func(tx *Tx) error {
			_, err := tx.PutContactFacts(c.ID, page, []creator.ContactFact{{CreatorID: c.ID, Kind: creator.ContactEmail, Value: v, SourceURL: page, FetchedAt: t0}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	putFact("eve@links.example")
	again := *c
	again.Followers = creator.Int64(31000)
	newPosts := fullPosts(c, 6)[4:]
	pv = analysedPreview(t, s, &again, newPosts, 60)
	if len(pv.Facts) != 1 || len(pv.History) != 1 {
		t.Fatalf("preview: %d facts, %d snapshots; want 1, 1", len(pv.Facts), len(pv.History))
	}
	check("recrawl", &again, newPosts, pv, true)

	putFact("eve@other.example")
	check("recrawl, contact page read meanwhile", &again, newPosts, pv, false)

	pv = analysedPreview(t, s, &again, newPosts, 60)
	if err := s.PutSnapshot(ctx, creator.Snapshot{CreatorID: c.ID, Day: t0.AddDate(0, 0, -1), Followers: creator.Int64(30000)}); err != nil {
		t.Fatal(err)
	}
	check("recrawl, snapshot meanwhile", &again, newPosts, pv, false)

	// A stored post's counts changed by another page meanwhile.
	pv = analysedPreview(t, s, &again, newPosts, 60)
	edited := posts[2]
	edited.Likes, edited.Caption = creator.Int64(5), "sponsored by @brand #ad"
	mustUpsert(t, s, c, []creator.Post{edited})
	check("recrawl, a post edited meanwhile", &again, newPosts, pv, false)

	// A preview of other posts than those upserted is not used.
	pv = analysedPreview(t, s, &again, newPosts, 60)
	check("other posts", &again, newPosts[:1], pv, false)
}
