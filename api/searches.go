package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// SavedSearch is a named creator query. Its fields are store.SavedSearch's.
type SavedSearch struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	Query     creator.Query `json:"query"`
	CreatedAt time.Time     `json:"created_at"`
	LastRunAt *time.Time    `json:"last_run_at"` // nil until GET .../new first runs it
}

// SavedSearches keeps saved searches and answers "first seen since". The
// store implements it (cmd/ adapts the types).
type SavedSearches interface {
	CreateSavedSearch(ctx context.Context, name string, q creator.Query, at time.Time) (*SavedSearch, error)
	SavedSearch(ctx context.Context, id int64) (*SavedSearch, error)
	SavedSearches(ctx context.Context) ([]SavedSearch, error)
	DeleteSavedSearch(ctx context.Context, id int64) error
	// MarkSavedSearchRun sets the last run time and returns the previous one.
	MarkSavedSearchRun(ctx context.Context, id int64, at time.Time) (prev *time.Time, err error)
	// CreatorsFirstSeenSince returns the creators first seen strictly after
	// since, oldest first (limit <= 0: all).
	CreatorsFirstSeenSince(ctx context.Context, since time.Time, limit int) ([]string, error)
	// FirstSeen returns the first-seen time of each stored creator of ids.
	FirstSeen(ctx context.Context, ids []string) (map[string]time.Time, error)
}

// Limits of GET /v1/searches/:id/new.
const (
	// NewSettle is how far behind the clock a run of a saved search looks:
	// a creator is stored at its fetch time but reaches the index up to a
	// flush later, so the last NewSettle is left for the next run rather
	// than missed.
	NewSettle = time.Minute
	// MaxNewScan is how many of a saved query's matches a run reads
	// looking for the new creators. A query that matches more while new
	// creators remain unchecked is refused (413): narrow it.
	MaxNewScan = 10_000
)

// newScanLimit and newPageSize are MaxNewScan and the page size of the
// scan; tests lower them.
var newScanLimit, newPageSize = MaxNewScan, creator.MaxLimit

type savedSearchBody struct {
	Name  *string        `json:"name"`
	Query *creator.Query `json:"query"`
}

type searchesResponse struct {
	Searches []SavedSearch `json:"searches"`
}

// newCreator is a creator a saved search found new, with when it was first
// seen.
type newCreator struct {
	creator.Creator
	FirstSeenAt time.Time `json:"first_seen_at"`
}

type newResponse struct {
	Search   *SavedSearch `json:"search"`
	Since    time.Time    `json:"since"` // exclusive
	Until    time.Time    `json:"until"` // inclusive; the next run's since
	Creators []newCreator `json:"creators"`
}

func (s *Server) searches() (SavedSearches, error) {
	if s.deps.Searches == nil {
		return nil, creator.Errorf(creator.EUNAVAILABLE, "saved searches are not available")
	}
	return s.deps.Searches, nil
}

// searchByID reads a request for one saved search (/v1/searches/:id, no
// query parameters): the saved-search store and the search's id.
func (s *Server) searchByID(c echo.Context) (SavedSearches, int64, error) {
	if err := noParams(c); err != nil {
		return nil, 0, err
	}
	id, err := positiveID(c, "id", "saved search")
	if err != nil {
		return nil, 0, err
	}
	ss, err := s.searches()
	return ss, id, err
}

// prefixParam names a query field inside the body ("query.tier").
func prefixParam(err error, prefix string) error {
	var ce *creator.Error
	if errors.As(err, &ce) && ce.Code == creator.EINVALID {
		e := *ce
		if e.Param == "" {
			e.Param = prefix
		} else {
			e.Param = prefix + "." + e.Param
		}
		return &e
	}
	return err
}

// POST /v1/searches
func (s *Server) createSearch(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	var b savedSearchBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Name == nil {
		return creator.Invalid("name", "is required")
	}
	if b.Query == nil {
		return creator.Invalid("query", "is required: an object of search fields, as POST /v1/creators/search takes")
	}
	q := *b.Query
	switch {
	case q.Cursor != "":
		return creator.Invalid("query.cursor", "a saved search has no cursor: it runs from the start each time")
	case q.Offset != 0:
		return creator.Invalid("query.offset", "a saved search has no offset: it runs from the start each time")
	}
	q.Normalize()
	if err := q.Validate(); err != nil {
		return prefixParam(err, "query")
	}
	ss, err := s.searches()
	if err != nil {
		return err
	}
	out, err := ss.CreateSavedSearch(c.Request().Context(), *b.Name, q, s.now().UTC())
	if err != nil {
		return fmt.Errorf("api: create saved search: %w", err)
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/v1/searches/%d", out.ID))
	return c.JSON(http.StatusCreated, out)
}

// GET /v1/searches
func (s *Server) listSearches(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	ss, err := s.searches()
	if err != nil {
		return err
	}
	out, err := ss.SavedSearches(c.Request().Context())
	if err != nil {
		return fmt.Errorf("api: saved searches: %w", err)
	}
	if out == nil {
		out = []SavedSearch{}
	}
	return c.JSON(http.StatusOK, searchesResponse{Searches: out})
}

// GET /v1/searches/:id
func (s *Server) getSearch(c echo.Context) error {
	ss, id, err := s.searchByID(c)
	if err != nil {
		return err
	}
	out, err := ss.SavedSearch(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("api: saved search %d: %w", id, err)
	}
	return c.JSON(http.StatusOK, out)
}

// DELETE /v1/searches/:id
func (s *Server) deleteSearch(c echo.Context) error {
	ss, id, err := s.searchByID(c)
	if err != nil {
		return err
	}
	if err := ss.DeleteSavedSearch(c.Request().Context(), id); err != nil {
		return fmt.Errorf("api: delete saved search %d: %w", id, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// GET /v1/searches/:id/new runs a saved search: the creators that match it
// and were first seen after its last run (after it was saved, the first
// time) and up to NewSettle ago. The run is recorded only when it
// succeeds, so nothing is skipped by a failed one.
func (s *Server) newInSearch(c echo.Context) error {
	ss, id, err := s.searchByID(c)
	if err != nil {
		return err
	}
	if s.deps.Searcher == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "search is not available")
	}
	ctx := c.Request().Context()
	saved, err := ss.SavedSearch(ctx, id)
	if err != nil {
		return fmt.Errorf("api: saved search %d: %w", id, err)
	}
	since := saved.CreatedAt.UTC()
	if saved.LastRunAt != nil {
		since = saved.LastRunAt.UTC()
	}
	until := s.now().UTC().Add(-NewSettle)
	if until.Before(since) {
		until = since
	}
	found, err := s.newMatches(ctx, ss, saved.Query, since, until)
	if err != nil {
		return fmt.Errorf("api: saved search %d: %w", id, err)
	}
	if _, err := ss.MarkSavedSearchRun(ctx, id, until); err != nil {
		return fmt.Errorf("api: saved search %d: %w", id, err)
	}
	saved.LastRunAt = &until
	return c.JSON(http.StatusOK, newResponse{Search: saved, Since: since, Until: until, Creators: found})
}

// newMatches pages through the query's matches, keeping the creators
// first seen in (since, until], and stops as soon as every such creator
// has been found.
func (s *Server) newMatches(ctx context.Context, ss SavedSearches, q creator.Query, since, until time.Time) ([]newCreator, error) {
	out := []newCreator{}
	after, err := ss.CreatorsFirstSeenSince(ctx, since, 0)
	if err != nil {
		return nil, err
	}
	if len(after) == 0 {
		return out, nil
	}
	later, err := ss.CreatorsFirstSeenSince(ctx, until, 0)
	if err != nil {
		return nil, err
	}
	pending := make(map[string]bool, len(after))
	for _, id := range after {
		pending[id] = true
	}
	for _, id := range later {
		delete(pending, id)
	}
	if len(pending) == 0 {
		return out, nil
	}
	q.Limit, q.Cursor, q.Offset = newPageSize, "", 0
	q.Facets, q.FacetSize = []string{"platform"}, 1 // facets are not wanted; ask for the smallest
	var hits []creator.Creator
	for scanned := 0; ; {
		res, err := s.deps.Searcher.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if pending[h.ID] {
				delete(pending, h.ID)
				hits = append(hits, h.Creator)
			}
		}
		scanned += len(res.Hits)
		if len(pending) == 0 || res.NextCursor == "" || len(res.Hits) == 0 {
			break
		}
		if scanned >= newScanLimit {
			return nil, &creator.Error{Code: creator.ETOOLARGE, Param: "query", Message: fmt.Sprintf(
				"the saved query matches over %d creators and %d new creators are still unchecked; save a narrower query",
				newScanLimit, len(pending))}
		}
		q.Cursor = res.NextCursor
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	seen, err := ss.FirstSeen(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		t, ok := seen[h.ID]
		if !ok {
			continue // forgotten meanwhile
		}
		out = append(out, newCreator{Creator: h, FirstSeenAt: t.UTC()})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].FirstSeenAt.Equal(out[j].FirstSeenAt) {
			return out[i].FirstSeenAt.Before(out[j].FirstSeenAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
