package store

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

func TestProspectLists(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	a := fullCreator("a@x.example", "1")
	b := fullCreator("b@x.example", "2")
	mustUpsert(t, s, a, nil)
	mustUpsert(t, s, b, nil)

	l, err := s.CreateList(ctx, "  Spring gifting  ", t0)
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "Spring gifting" || l.ID == 0 {
		t.Fatalf("CreateList = %+v", l)
	}
	if added, err := s.AddToList(ctx, l.ID, a.ID, "", "", t0); err != nil || !added {
		t.Fatalf("AddToList a = %v, %v", added, err)
	}
	if added, err := s.AddToList(ctx, l.ID, b.ID, "DM'd on IG", StatusContacted, t0.Add(time.Minute)); err != nil || !added {
		t.Fatalf("AddToList b = %v, %v", added, err)
	}
	// Adding again is a no-op that keeps the note and status.
	if added, err := s.AddToList(ctx, l.ID, b.ID, "other", StatusNew, t0.Add(2*time.Minute)); err != nil || added {
		t.Fatalf("second AddToList b = %v, %v", added, err)
	}
	replied, note := StatusReplied, "wants 2 posts"
	if err := s.UpdateListItem(ctx, l.ID, a.ID, &replied, nil, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateListItem(ctx, l.ID, b.ID, nil, &note, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	items, err := s.ListItems(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []ListItem{
		{ListID: l.ID, CreatorID: a.ID, Note: "", Status: StatusReplied, AddedAt: t0, UpdatedAt: t0.Add(time.Hour)},
		{ListID: l.ID, CreatorID: b.ID, Note: note, Status: StatusContacted, AddedAt: t0.Add(time.Minute), UpdatedAt: t0.Add(time.Hour)},
	}
	if !reflect.DeepEqual(items, want) {
		t.Fatalf("ListItems =\n%+v\nwant\n%+v", items, want)
	}

	if err := s.RenameList(ctx, l.ID, "Summer", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(ctx, l.ID)
	if err != nil || got.Name != "Summer" || got.Size != 2 || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("List = %+v, %v", got, err)
	}
	l2, _ := s.CreateList(ctx, "Other", t0)
	all, err := s.Lists(ctx)
	if err != nil || len(all) != 2 || all[1].ID != l2.ID || all[1].Size != 0 {
		t.Fatalf("Lists = %+v, %v", all, err)
	}

	// Bad input names the parameter.
	bad := "maybe"
	wantParam := func(err error, param string) {
		t.Helper()
		if creator.ErrorCode(err) != creator.EINVALID || creator.ErrorParam(err) != param {
			t.Fatalf("err = %v, want EINVALID on %s", err, param)
		}
	}
	wantParam(s.UpdateListItem(ctx, l.ID, a.ID, &bad, nil, t0), "status")
	_, err = s.AddToList(ctx, l.ID, a.ID, "", "won", t0)
	wantParam(err, "status")
	_, err = s.AddToList(ctx, l.ID, a.ID, strings.Repeat("x", MaxNoteLen+1), "", t0)
	wantParam(err, "note")
	_, err = s.CreateList(ctx, " ", t0)
	wantParam(err, "name")
	_, err = s.CreateList(ctx, strings.Repeat("n", MaxNameLen+1), t0)
	wantParam(err, "name")
	_, err = s.CreateList(ctx, "x", time.Time{})
	wantParam(err, "at")

	// Missing things are ENOTFOUND.
	_, err = s.AddToList(ctx, 999, a.ID, "", "", t0)
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.AddToList(ctx, l.ID, "web:none", "", "", t0)
	wantCode(t, err, creator.ENOTFOUND)
	wantCode(t, s.UpdateListItem(ctx, l2.ID, a.ID, &replied, nil, t0), creator.ENOTFOUND)
	wantCode(t, s.RemoveFromList(ctx, l2.ID, a.ID), creator.ENOTFOUND)
	wantCode(t, s.RenameList(ctx, 999, "x", t0), creator.ENOTFOUND)
	_, err = s.List(ctx, 999)
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.ListItems(ctx, 999)
	wantCode(t, err, creator.ENOTFOUND)

	if err := s.RemoveFromList(ctx, l.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if items, _ := s.ListItems(ctx, l.ID); len(items) != 1 || items[0].CreatorID != b.ID {
		t.Fatalf("after remove: %+v", items)
	}
	if err := s.DeleteList(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteList(ctx, l.ID), creator.ENOTFOUND)
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM list_items`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("list_items left after DeleteList: %d, %v", n, err)
	}
	if _, err := s.Creator(ctx, b.ID); err != nil {
		t.Fatalf("DeleteList removed a creator: %v", err)
	}
}

func TestSavedSearches(t *testing.T) {
	ctx := context.Background()
	s := openT(t)
	q := creator.Query{Text: "pilates", Niches: []string{"fitness"}, Countries: []string{"US"},
		MinFollowers: creator.Int64(10000), MinER: creator.Float64(0.02), Sort: "-engagement_rate", Limit: 50}
	ss, err := s.CreateSavedSearch(ctx, "US pilates", q, t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SavedSearch(ctx, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ss) || got.LastRunAt != nil {
		t.Fatalf("SavedSearch =\n%+v\nwant\n%+v", got, ss)
	}
	prev, err := s.MarkSavedSearchRun(ctx, ss.ID, t0.Add(time.Hour))
	if err != nil || prev != nil {
		t.Fatalf("first MarkSavedSearchRun = %v, %v; want nil", prev, err)
	}
	prev, err = s.MarkSavedSearchRun(ctx, ss.ID, t0.Add(25*time.Hour))
	if err != nil || prev == nil || !prev.Equal(t0.Add(time.Hour)) {
		t.Fatalf("second MarkSavedSearchRun = %v, %v", prev, err)
	}

	a := fullCreator("a@x.example", "1")
	b := fullCreator("b@x.example", "2")
	mustUpsert(t, s, a, nil)
	mustUpsert(t, s, b, nil)
	newIDs, err := s.RecordSavedSearchResults(ctx, ss.ID, []string{a.ID, "web:none"}, t0)
	if err != nil || !reflect.DeepEqual(newIDs, []string{a.ID}) {
		t.Fatalf("first results = %v, %v", newIDs, err)
	}
	newIDs, err = s.RecordSavedSearchResults(ctx, ss.ID, []string{b.ID, a.ID}, t0.Add(time.Hour))
	if err != nil || !reflect.DeepEqual(newIDs, []string{b.ID}) {
		t.Fatalf("second results = %v, %v; want only the new one", newIDs, err)
	}
	res, err := s.SavedSearchResults(ctx, ss.ID)
	if err != nil || len(res) != 2 || res[0].CreatorID != a.ID || !res[1].FirstMatchedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("SavedSearchResults = %+v, %v", res, err)
	}
	all, _ := s.SavedSearches(ctx)
	if len(all) != 1 {
		t.Fatalf("SavedSearches = %d", len(all))
	}
	if err := s.DeleteSavedSearch(ctx, ss.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.SavedSearch(ctx, ss.ID)
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.MarkSavedSearchRun(ctx, ss.ID, t0)
	wantCode(t, err, creator.ENOTFOUND)
	_, err = s.RecordSavedSearchResults(ctx, ss.ID, nil, t0)
	wantCode(t, err, creator.ENOTFOUND)
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM saved_search_results`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("results left after delete: %d, %v", n, err)
	}
}
