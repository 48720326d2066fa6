package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// List is a prospect list. Its fields are store.List's, so cmd/ converts
// one to the other.
type List struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Size      int       `json:"size"` // creators on the list
}

// ListItem is one creator on a prospect list, with the agency's note and
// outreach status. Its fields are store.ListItem's.
type ListItem struct {
	ListID    int64     `json:"list_id"`
	CreatorID string    `json:"creator_id"`
	Note      string    `json:"note"`
	Status    string    `json:"status"`
	AddedAt   time.Time `json:"added_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ListStatuses are the outreach statuses of a creator on a list, in order.
// The store checks them; the API lists them in its errors and document.
var ListStatuses = []string{"new", "contacted", "replied", "agreed", "declined"}

// Lists keeps prospect lists. The store implements it (cmd/ adapts the
// types). Unknown lists, creators and entries are *creator.Error ENOTFOUND;
// bad names, notes and statuses are EINVALID naming "name", "note" or
// "status".
type Lists interface {
	CreateList(ctx context.Context, name string, at time.Time) (*List, error)
	RenameList(ctx context.Context, id int64, name string, at time.Time) error
	DeleteList(ctx context.Context, id int64) error
	List(ctx context.Context, id int64) (*List, error)
	Lists(ctx context.Context) ([]List, error)
	// AddToList reports added=false, changing nothing, when the creator is
	// already on the list.
	AddToList(ctx context.Context, listID int64, creatorID, note, status string, at time.Time) (added bool, err error)
	// UpdateListItem changes the status and/or the note; nil leaves it.
	UpdateListItem(ctx context.Context, listID int64, creatorID string, status, note *string, at time.Time) error
	RemoveFromList(ctx context.Context, listID int64, creatorID string) error
	// ListItems returns the entries in the order they were added.
	ListItems(ctx context.Context, listID int64) ([]ListItem, error)
}

// listItemView is a list entry with the creator it names.
type listItemView struct {
	ListItem
	Creator *creator.Creator `json:"creator"`
}

type listsResponse struct {
	Lists []List `json:"lists"`
}

type listItemsResponse struct {
	List  *List          `json:"list"`
	Items []listItemView `json:"items"`
}

// listBody is the body of POST and PATCH /v1/lists.
type listBody struct {
	Name *string `json:"name"`
}

// addItemBody is the body of POST /v1/lists/:id/items.
type addItemBody struct {
	CreatorID string `json:"creator_id"`
	Note      string `json:"note"`
	Status    string `json:"status"`
}

// patchItemBody is the body of PATCH /v1/lists/:id/items/:creator_id.
type patchItemBody struct {
	Status *string `json:"status"`
	Note   *string `json:"note"`
}

func (s *Server) lists() (Lists, error) {
	if s.deps.Lists == nil {
		return nil, creator.Errorf(creator.EUNAVAILABLE, "prospect lists are not available")
	}
	return s.deps.Lists, nil
}

// listByID reads a request for one list (/v1/lists/:id, no query
// parameters): the list store and the list's id.
func (s *Server) listByID(c echo.Context) (Lists, int64, error) {
	if err := noParams(c); err != nil {
		return nil, 0, err
	}
	id, err := positiveID(c, "id", "list")
	if err != nil {
		return nil, 0, err
	}
	ls, err := s.lists()
	return ls, id, err
}

// positiveID reads a numeric path parameter (a list, saved search or crawl
// run id).
func positiveID(c echo.Context, name, what string) (int64, error) {
	raw := c.Param(name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return 0, creator.Invalid(name, "%q is not a %s id (a positive whole number)", truncate(raw, 40), what)
	}
	return id, nil
}

// pathCreatorID reads a creator id from the path parameter name, unescaped
// once when the request has an escaped path (ids may hold '/', ':' and
// '@'); see creatorID.
func pathCreatorID(c echo.Context, name string) (string, error) {
	id := c.Param(name)
	if len(id) > maxIDLen {
		return "", creator.Invalid(name, "is %d bytes; at most %d", len(id), maxIDLen)
	}
	if c.Request().URL.RawPath != "" {
		u, err := url.PathUnescape(id)
		if err != nil {
			return "", creator.Invalid(name, "bad percent-encoding in %q", truncate(id, 80))
		}
		id = u
	}
	return checkCreatorID(name, id)
}

func checkCreatorID(param, id string) (string, error) {
	if len(id) > maxIDLen {
		return "", creator.Invalid(param, "is %d bytes; at most %d", len(id), maxIDLen)
	}
	if _, _, ok := creator.SplitID(id); !ok {
		return "", creator.Invalid(param, "%q is not a creator id such as mastodon:anna@example.social (platform:handle; platforms: %s)",
			truncate(id, 80), strings.Join(creator.Platforms, ", "))
	}
	return id, nil
}

// GET /v1/lists
func (s *Server) listLists(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	ls, err := s.lists()
	if err != nil {
		return err
	}
	out, err := ls.Lists(c.Request().Context())
	if err != nil {
		return fmt.Errorf("api: lists: %w", err)
	}
	if out == nil {
		out = []List{}
	}
	return c.JSON(http.StatusOK, listsResponse{Lists: out})
}

// POST /v1/lists
func (s *Server) createList(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	var b listBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Name == nil {
		return creator.Invalid("name", "is required")
	}
	ls, err := s.lists()
	if err != nil {
		return err
	}
	l, err := ls.CreateList(c.Request().Context(), *b.Name, s.now())
	if err != nil {
		return fmt.Errorf("api: create list: %w", err)
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/v1/lists/%d", l.ID))
	return c.JSON(http.StatusCreated, l)
}

// GET /v1/lists/:id
func (s *Server) getList(c echo.Context) error {
	ls, id, err := s.listByID(c)
	if err != nil {
		return err
	}
	l, err := ls.List(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("api: list %d: %w", id, err)
	}
	return c.JSON(http.StatusOK, l)
}

// PATCH /v1/lists/:id renames a list.
func (s *Server) renameList(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := positiveID(c, "id", "list")
	if err != nil {
		return err
	}
	var b listBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Name == nil {
		return creator.Invalid("name", "is required")
	}
	ls, err := s.lists()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := ls.RenameList(ctx, id, *b.Name, s.now()); err != nil {
		return fmt.Errorf("api: rename list %d: %w", id, err)
	}
	l, err := ls.List(ctx, id)
	if err != nil {
		return fmt.Errorf("api: list %d: %w", id, err)
	}
	return c.JSON(http.StatusOK, l)
}

// DELETE /v1/lists/:id
func (s *Server) deleteList(c echo.Context) error {
	ls, id, err := s.listByID(c)
	if err != nil {
		return err
	}
	if err := ls.DeleteList(c.Request().Context(), id); err != nil {
		return fmt.Errorf("api: delete list %d: %w", id, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// GET /v1/lists/:id/items: the entries with their creators.
func (s *Server) listItems(c echo.Context) error {
	ls, id, err := s.listByID(c)
	if err != nil {
		return err
	}
	if s.deps.Creators == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "the store is not available")
	}
	ctx := c.Request().Context()
	l, err := ls.List(ctx, id)
	if err != nil {
		return fmt.Errorf("api: list %d: %w", id, err)
	}
	items, err := ls.ListItems(ctx, id)
	if err != nil {
		return fmt.Errorf("api: items of list %d: %w", id, err)
	}
	out := listItemsResponse{List: l, Items: make([]listItemView, 0, len(items))}
	for _, it := range items {
		cr, err := s.deps.Creators.Creator(ctx, it.CreatorID)
		switch {
		case creator.ErrorCode(err) == creator.ENOTFOUND:
			continue // forgotten since the entries were read
		case err != nil:
			return fmt.Errorf("api: creator %s on list %d: %w", it.CreatorID, id, err)
		}
		out.Items = append(out.Items, listItemView{ListItem: it, Creator: cr})
	}
	return c.JSON(http.StatusOK, out)
}

// POST /v1/lists/:id/items adds a creator. One already on the list is a 409:
// PATCH changes its note or status.
func (s *Server) addListItem(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := positiveID(c, "id", "list")
	if err != nil {
		return err
	}
	var b addItemBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.CreatorID == "" {
		return creator.Invalid("creator_id", "is required")
	}
	cid, err := checkCreatorID("creator_id", b.CreatorID)
	if err != nil {
		return err
	}
	ls, err := s.lists()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := ls.List(ctx, id); err != nil {
		return fmt.Errorf("api: list %d: %w", id, err)
	}
	at := s.now().UTC()
	added, err := ls.AddToList(ctx, id, cid, b.Note, b.Status, at)
	if creator.ErrorCode(err) == creator.ENOTFOUND {
		// The list was there a moment ago: it is the creator that is not.
		return &creator.Error{Code: creator.ENOTFOUND, Param: "creator_id", Message: fmt.Sprintf("no creator %q", truncate(cid, 80))}
	}
	if err != nil {
		return fmt.Errorf("api: add %s to list %d: %w", cid, id, err)
	}
	if !added {
		return &creator.Error{Code: creator.ECONFLICT, Param: "creator_id", Message: fmt.Sprintf(
			"%s is already on list %d; PATCH /v1/lists/%d/items/{creator_id} changes its note or status", truncate(cid, 80), id, id)}
	}
	status := b.Status
	if status == "" {
		status = ListStatuses[0]
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/v1/lists/%d/items/%s", id, url.PathEscape(cid)))
	return c.JSON(http.StatusCreated, ListItem{ListID: id, CreatorID: cid, Note: b.Note, Status: status, AddedAt: at, UpdatedAt: at})
}

// PATCH /v1/lists/:id/items/:creator_id changes the note and/or status.
func (s *Server) updateListItem(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := positiveID(c, "id", "list")
	if err != nil {
		return err
	}
	cid, err := pathCreatorID(c, "creator_id")
	if err != nil {
		return err
	}
	var b patchItemBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Status == nil && b.Note == nil {
		return creator.Invalid("body", "give status, note or both")
	}
	ls, err := s.lists()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := ls.UpdateListItem(ctx, id, cid, b.Status, b.Note, s.now()); err != nil {
		return fmt.Errorf("api: update %s on list %d: %w", cid, id, err)
	}
	items, err := ls.ListItems(ctx, id)
	if err != nil {
		return fmt.Errorf("api: items of list %d: %w", id, err)
	}
	for _, it := range items {
		if it.CreatorID == cid {
			return c.JSON(http.StatusOK, it)
		}
	}
	return creator.Errorf(creator.ENOTFOUND, "creator %s is not on list %d", truncate(cid, 80), id)
}

// DELETE /v1/lists/:id/items/:creator_id
func (s *Server) removeListItem(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := positiveID(c, "id", "list")
	if err != nil {
		return err
	}
	cid, err := pathCreatorID(c, "creator_id")
	if err != nil {
		return err
	}
	ls, err := s.lists()
	if err != nil {
		return err
	}
	if err := ls.RemoveFromList(c.Request().Context(), id, cid); err != nil {
		return fmt.Errorf("api: remove %s from list %d: %w", cid, id, err)
	}
	return c.NoContent(http.StatusNoContent)
}
