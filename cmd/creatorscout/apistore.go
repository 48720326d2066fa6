package main

import (
	"context"
	"time"

	"github.com/creatorscout/creatorscout/api"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// storeLists serves the API's prospect lists from the store. The API
// declares its own List and ListItem with the store's fields (api does not
// import store), so each is a plain conversion.
type storeLists struct{ s *store.Store }

var _ api.Lists = storeLists{}

func (a storeLists) CreateList(ctx context.Context, name string, at time.Time) (*api.List, error) {
	l, err := a.s.CreateList(ctx, name, at)
	if err != nil {
		return nil, err
	}
	out := api.List(*l)
	return &out, nil
}

func (a storeLists) RenameList(ctx context.Context, id int64, name string, at time.Time) error {
	return a.s.RenameList(ctx, id, name, at)
}

func (a storeLists) DeleteList(ctx context.Context, id int64) error { return a.s.DeleteList(ctx, id) }

func (a storeLists) List(ctx context.Context, id int64) (*api.List, error) {
	l, err := a.s.List(ctx, id)
	if err != nil {
		return nil, err
	}
	out := api.List(*l)
	return &out, nil
}

func (a storeLists) Lists(ctx context.Context) ([]api.List, error) {
	ls, err := a.s.Lists(ctx)
	out := make([]api.List, len(ls))
	for i, l := range ls {
		out[i] = api.List(l)
	}
	return out, err
}

func (a storeLists) AddToList(ctx context.Context, listID int64, creatorID, note, status string, at time.Time) (bool, error) {
	return a.s.AddToList(ctx, listID, creatorID, note, status, at)
}

func (a storeLists) UpdateListItem(ctx context.Context, listID int64, creatorID string, status, note *string, at time.Time) error {
	return a.s.UpdateListItem(ctx, listID, creatorID, status, note, at)
}

func (a storeLists) RemoveFromList(ctx context.Context, listID int64, creatorID string) error {
	return a.s.RemoveFromList(ctx, listID, creatorID)
}

func (a storeLists) ListItems(ctx context.Context, listID int64) ([]api.ListItem, error) {
	its, err := a.s.ListItems(ctx, listID)
	out := make([]api.ListItem, len(its))
	for i, it := range its {
		out[i] = api.ListItem(it)
	}
	return out, err
}

// storeSearches serves the API's saved searches from the store.
type storeSearches struct{ s *store.Store }

var _ api.SavedSearches = storeSearches{}

func (a storeSearches) CreateSavedSearch(ctx context.Context, name string, q creator.Query, at time.Time) (*api.SavedSearch, error) {
	ss, err := a.s.CreateSavedSearch(ctx, name, q, at)
	if err != nil {
		return nil, err
	}
	out := api.SavedSearch(*ss)
	return &out, nil
}

func (a storeSearches) SavedSearch(ctx context.Context, id int64) (*api.SavedSearch, error) {
	ss, err := a.s.SavedSearch(ctx, id)
	if err != nil {
		return nil, err
	}
	out := api.SavedSearch(*ss)
	return &out, nil
}

func (a storeSearches) SavedSearches(ctx context.Context) ([]api.SavedSearch, error) {
	ss, err := a.s.SavedSearches(ctx)
	out := make([]api.SavedSearch, len(ss))
	for i, s := range ss {
		out[i] = api.SavedSearch(s)
	}
	return out, err
}

func (a storeSearches) DeleteSavedSearch(ctx context.Context, id int64) error {
	return a.s.DeleteSavedSearch(ctx, id)
}

func (a storeSearches) MarkSavedSearchRun(ctx context.Context, id int64, at time.Time) (*time.Time, error) {
	return a.s.MarkSavedSearchRun(ctx, id, at)
}

func (a storeSearches) CreatorsFirstSeenSince(ctx context.Context, since time.Time, limit int) ([]string, error) {
	return a.s.CreatorsFirstSeenSince(ctx, since, limit)
}

func (a storeSearches) FirstSeen(ctx context.Context, ids []string) (map[string]time.Time, error) {
	return a.s.FirstSeen(ctx, ids)
}
