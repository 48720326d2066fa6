package store

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

func putFacts(t *testing.T, s *Store, id, page string, facts ...creator.ContactFact) ([]creator.ContactFact, error) {
	t.Helper()
	var removed []creator.ContactFact
	err := s.WriteTx(context.Background(), func(tx *Tx) error {
		var err error
		removed, err = tx.PutContactFacts(id, page, facts)
		return err
	})
	return removed, err
}

func fact(id, page, kind, value string, at time.Time) creator.ContactFact {
	return creator.ContactFact{CreatorID: id, Kind: kind, Value: value, SourceURL: page, FetchedAt: at}
}

func factStrings(fs []creator.ContactFact) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+" "+f.Value+" <- "+f.SourceURL+" @"+f.FetchedAt.Format(time.RFC3339))
	}
	return out
}

func TestContactFacts(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	c := fullCreator("mira@social.example", "4242")
	mustUpsert(t, s, c, nil)
	lt, about := "https://linktr.ee/mira", "https://mira.example/about/"
	t1 := t0.Add(time.Hour)

	if _, err := putFacts(t, s, c.ID, lt,
		fact(c.ID, lt, creator.ContactEmail, "Mira.Collabs@Gmail.com", t0),
		fact(c.ID, lt, creator.ContactLink, "shop.mira.example/", t0),
		fact(c.ID, lt, creator.ContactEmail, "mira.collabs@gmail.com", t0), // the same address twice
	); err != nil {
		t.Fatal(err)
	}
	if _, err := putFacts(t, s, c.ID, about, fact(c.ID, about, creator.ContactEmail, "mira.collabs@gmail.com", t1)); err != nil {
		t.Fatal(err)
	}
	got, err := s.ContactFacts(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"email mira.collabs@gmail.com <- " + lt + " @" + t0.Format(time.RFC3339),
		"link https://shop.mira.example <- " + lt + " @" + t0.Format(time.RFC3339),
		"email mira.collabs@gmail.com <- " + about + " @" + t1.Format(time.RFC3339),
	}
	if !reflect.DeepEqual(factStrings(got), want) {
		t.Fatalf("facts\n got %q\nwant %q", factStrings(got), want)
	}
	if !got[0].FetchedAt.Equal(t0) {
		t.Errorf("fetch time %v, want %v to the nanosecond", got[0].FetchedAt, t0)
	}

	// A profile recrawl rewrites the creators row, not the facts; nor does
	// a rename (the same platform id under a new handle).
	c2 := *c
	c2.Email, c2.Links, c2.Bio = "", nil, "new bio"
	mustUpsert(t, s, &c2, nil)
	renamed := fullCreator("mira_new@social.example", "4242")
	mustUpsert(t, s, renamed, nil)
	if _, err := s.ContactFacts(ctx, c.ID); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("old id after the rename: %v, want ENOTFOUND", err)
	}
	got, err = s.ContactFacts(ctx, renamed.ID)
	if err != nil || len(got) != 3 || got[0].CreatorID != renamed.ID {
		t.Fatalf("after a recrawl and a rename: %q, %v", factStrings(got), err)
	}
	// Tx.ContactFacts finds a creator renamed in the same transaction by
	// its platform id.
	var inTx []creator.ContactFact
	if err := s.WriteTx(ctx, func(tx *Tx) error {
		var err error
		inTx, err = tx.ContactFacts(&creator.Creator{ID: "mastodon:newer@social.example", Platform: creator.Mastodon, PlatformID: "4242"})
		return err
	}); err != nil || len(inTx) != 3 {
		t.Errorf("by platform id: %d facts, %v", len(inTx), err)
	}

	// The page read again replaces what it said: the shop link is gone.
	removed, err := putFacts(t, s, renamed.ID, lt, fact(renamed.ID, lt, creator.ContactEmail, "mira.collabs@gmail.com", t1))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0].Value != "https://shop.mira.example" {
		t.Errorf("removed %q, want the shop link", factStrings(removed))
	}
	if got, _ := s.ContactFacts(ctx, renamed.ID); len(got) != 2 {
		t.Errorf("after the page changed: %q", factStrings(got))
	}

	// Refusals name what is wrong and write nothing.
	for _, tt := range []struct {
		name, id, page string
		facts          []creator.ContactFact
		code, param    string
	}{
		{"unknown creator", "mastodon:nobody@social.example", lt,
			[]creator.ContactFact{fact("mastodon:nobody@social.example", lt, creator.ContactEmail, "a@b.co", t1)}, creator.ENOTFOUND, ""},
		{"empty page", renamed.ID, "", nil, creator.EINVALID, "source_url"},
		{"another creator's fact", renamed.ID, lt,
			[]creator.ContactFact{fact("mastodon:x@social.example", lt, creator.ContactEmail, "a@b.co", t1)}, creator.EINVALID, "contacts"},
		{"another page's fact", renamed.ID, lt,
			[]creator.ContactFact{fact(renamed.ID, about, creator.ContactEmail, "a@b.co", t1)}, creator.EINVALID, "contacts"},
		{"not an address", renamed.ID, lt,
			[]creator.ContactFact{fact(renamed.ID, lt, creator.ContactEmail, "a@b.co", t1), fact(renamed.ID, lt, creator.ContactEmail, "nope", t1)}, creator.EINVALID, "value"},
		{"bad kind", renamed.ID, lt,
			[]creator.ContactFact{fact(renamed.ID, lt, "phone", "+15555550100", t1)}, creator.EINVALID, "kind"},
		{"no fetch time", renamed.ID, lt,
			[]creator.ContactFact{fact(renamed.ID, lt, creator.ContactEmail, "a@b.co", time.Time{})}, creator.EINVALID, "fetched_at"},
	} {
		_, err := putFacts(t, s, tt.id, tt.page, tt.facts...)
		var ce *creator.Error
		if creator.ErrorCode(err) != tt.code || tt.param != "" && (!errors.As(err, &ce) || ce.Param != tt.param) {
			t.Errorf("%s: %v; want %s naming %q", tt.name, err, tt.code, tt.param)
		}
	}
	if got, _ := s.ContactFacts(ctx, renamed.ID); len(got) != 2 {
		t.Errorf("a refused write changed the facts: %q", factStrings(got))
	}
}

// TestForgetDeletesContactFacts: forgetting a creator deletes its contact
// facts and the seen and frontier entries of its contact pages, and
// leaves another creator's alone.
func TestForgetDeletesContactFacts(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	victim := fullCreator("victim@social.example", "5551234")
	other := fullCreator("other@social.example", "999")
	mustUpsert(t, s, victim, nil)
	mustUpsert(t, s, other, nil)
	vPage, oPage := "https://linktr.ee/vv-links", "https://linktr.ee/o-links"
	if _, err := putFacts(t, s, victim.ID, vPage, fact(victim.ID, vPage, creator.ContactEmail, "vv.private@mail.example", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := putFacts(t, s, other.ID, oPage, fact(other.ID, oPage, creator.ContactEmail, "o@mail.example", t0)); err != nil {
		t.Fatal(err)
	}
	runID, err := s.StartRun(ctx, "manual", nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FrontierPush(ctx, runID, []FrontierItem{{URL: vPage}, {URL: oPage}}, t0, 0); err != nil {
		t.Fatal(err)
	}
	items, err := s.FrontierLease(ctx, runID, 10, t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if err := s.FrontierDone(ctx, it.ID, 200, "", "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Forget(ctx, victim.ID, "asked", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for table, vals := range dumpTables(t, s) {
		for _, v := range vals {
			if strings.Contains(v, "vv-links") || strings.Contains(v, "vv.private") {
				t.Errorf("%s still holds %s", table, v)
			}
		}
	}
	if got, err := s.ContactFacts(ctx, other.ID); err != nil || len(got) != 1 {
		t.Errorf("the other creator's facts: %q, %v", factStrings(got), err)
	}
	if _, _, _, ok, _ := s.Seen(ctx, oPage); !ok {
		t.Error("the other creator's contact page left the seen set")
	}
}

// TestContactFactsShared: the facts of a contact page fetched for one
// creator are copied to another creator linking to it (another account of
// the same person), the latest reading of each page, once; a website's
// about page is filed under the home page the profile links to.
func TestContactFactsShared(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	ig := &creator.Creator{ID: "instagram:mira", Platform: creator.Instagram, Handle: "mira", FetchedAt: t0}
	yt := &creator.Creator{ID: "youtube:mira", Platform: creator.YouTube, Handle: "mira", FetchedAt: t0}
	bs := &creator.Creator{ID: "bluesky:mira.example", Platform: creator.Bluesky, Handle: "mira.example", FetchedAt: t0}
	for _, c := range []*creator.Creator{ig, yt, bs} {
		mustUpsert(t, s, c, nil)
	}
	lt, home, about := "https://linktr.ee/mira", "https://mira.example/", "https://mira.example/about"
	if _, err := putFacts(t, s, ig.ID, lt, fact(ig.ID, lt, creator.ContactEmail, "old@studio.example", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := putFacts(t, s, ig.ID, lt, fact(ig.ID, lt, creator.ContactEmail, "mira@studio.example", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteTx(ctx, func(tx *Tx) error {
		_, err := tx.PutContactPageFacts(ig.ID, home, about, []creator.ContactFact{fact(ig.ID, about, creator.ContactEmail, "press@mira.example", t0)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	holders, err := s.ContactPageHolders(ctx, "http://www.linktr.ee/Mira/")
	if err != nil || !reflect.DeepEqual(holders, []string{ig.ID}) {
		t.Fatalf("holders %q, %v", holders, err)
	}
	cp := func(id, page string) int {
		t.Helper()
		var n int
		if err := s.WriteTx(ctx, func(tx *Tx) error {
			var err error
			n, err = tx.CopyContactFacts(id, page)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	emails := func(id string) []string {
		t.Helper()
		fs, err := s.ContactFacts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			if f.CreatorID != id {
				t.Errorf("fact %+v not credited to %s", f, id)
			}
			out = append(out, f.Value+" <- "+f.SourceURL)
		}
		return out
	}
	if n := cp(yt.ID, lt+"/"); n != 1 {
		t.Errorf("copied %d facts of the link page, want 1", n)
	}
	if n := cp(yt.ID, lt); n != 0 {
		t.Errorf("copied %d facts again", n)
	}
	if got, want := emails(yt.ID), []string{"mira@studio.example <- " + lt}; !reflect.DeepEqual(got, want) {
		t.Errorf("the YouTube account linking to the same page: %q, want %q", got, want)
	}
	cp(bs.ID, home)
	if got, want := emails(bs.ID), []string{"press@mira.example <- " + about}; !reflect.DeepEqual(got, want) {
		t.Errorf("the account whose website is the home page: %q, want %q", got, want)
	}
	err = s.WriteTx(ctx, func(tx *Tx) error {
		_, err := tx.CopyContactFacts("youtube:nobody", lt)
		return err
	})
	if creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("copy to a creator not stored: %v, want ENOTFOUND", err)
	}
}

// TestDropStaleContactFacts: the store deletes exactly what
// creator.SplitContactFacts calls stale, to the nanosecond.
func TestDropStaleContactFacts(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	c := fullCreator("mira@social.example", "4242")
	c.FetchedAt = t0.Add(creator.ContactFactMaxAge).Add(time.Hour)
	mustUpsert(t, s, c, nil)
	cutoff := c.FetchedAt.Add(-creator.ContactFactMaxAge)
	pages := map[string]time.Time{
		"https://linktr.ee/old":     cutoff.Add(-time.Nanosecond),
		"https://linktr.ee/edge":    cutoff,
		"https://linktr.ee/new":     cutoff.Add(time.Nanosecond),
		"https://linktr.ee/older":   cutoff.Add(-999 * time.Millisecond),
		"https://linktr.ee/current": c.FetchedAt,
	}
	var all []creator.ContactFact
	for p, at := range pages {
		f := fact(c.ID, p, creator.ContactEmail, "a@"+strings.TrimPrefix(p, "https://linktr.ee/")+".example", at)
		if _, err := putFacts(t, s, c.ID, p, f); err != nil {
			t.Fatal(err)
		}
		all = append(all, f)
	}
	var n int
	if err := s.WriteTx(ctx, func(tx *Tx) error {
		var err error
		n, err = tx.DropStaleContactFacts(c)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ContactFacts(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	fresh, stale := creator.SplitContactFacts(all, c.FetchedAt)
	if n != len(stale) || len(got) != len(fresh) {
		t.Fatalf("deleted %d, kept %q; want %d deleted and %d kept", n, factStrings(got), len(stale), len(fresh))
	}
	for _, f := range got {
		if f.FetchedAt.Before(cutoff) {
			t.Errorf("kept %s read before the cutoff", f.SourceURL)
		}
	}
}

// TestNotModifiedConfirmsContactFacts: a 304 from a page moves the fetch
// time of the facts read from it, and of no others, forward only; a 200
// leaves them to the page's new reading.
func TestNotModifiedConfirmsContactFacts(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	c := fullCreator("mira@social.example", "4242")
	mustUpsert(t, s, c, nil)
	lt, other := "https://linktr.ee/mira", "https://mira.example/"
	for _, p := range []string{lt, other} {
		if _, err := putFacts(t, s, c.ID, p, fact(c.ID, p, creator.ContactEmail, "a@mira.example", t0)); err != nil {
			t.Fatal(err)
		}
	}
	at := func() map[string]time.Time {
		got, err := s.ContactFacts(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]time.Time{}
		for _, f := range got {
			m[f.SourceURL] = f.FetchedAt
		}
		return m
	}
	t1, t2 := t0.Add(48*time.Hour), t0.Add(72*time.Hour)
	steps := []struct {
		status  int
		when    time.Time
		lt      time.Time // the linktr.ee facts' fetch time after
		comment string
	}{
		{http.StatusOK, t1, t0, "a 200 (its facts come with its reading)"},
		{http.StatusNotModified, t2, t2, "a 304"},
		{http.StatusNotModified, t1, t2, "an older 304"},
	}
	for _, st := range steps {
		if err := s.MarkSeen(ctx, lt, st.status, `"v1"`, "", st.when); err != nil {
			t.Fatal(err)
		}
		got := at()
		if !got[lt].Equal(st.lt) || !got[other].Equal(t0) {
			t.Errorf("after %s: %s read at %v, %s at %v; want %v and %v", st.comment, lt, got[lt], other, got[other], st.lt, t0)
		}
	}
}
