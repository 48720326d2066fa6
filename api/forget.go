package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// CreatorForgetter forgets a creator everywhere: the store (posts,
// history, list entries, saved-search results), the search index and any
// future export, puts it on the do-not-crawl list and writes an audit
// entry. cmd wires it in as the Deps.Creators value (nightly.Forgetter over
// the store); without it DELETE /v1/creators/{id} answers 503.
type CreatorForgetter interface {
	// ForgetCreator forgets the creator key names (an id or a profile
	// URL) and reports its id and whether it was stored. A key naming no
	// stored creator still goes on the do-not-crawl list.
	ForgetCreator(ctx context.Context, key, reason string) (id string, stored bool, err error)
}

// forgetResponse is DELETE /v1/creators/:id.
type forgetResponse struct {
	ID         string `json:"id"`
	Forgotten  bool   `json:"forgotten"`
	DoNotCrawl bool   `json:"do_not_crawl"`
}

// forgetReason goes into the audit log: it names the route, never the
// creator.
const forgetReason = "forget requested through DELETE /v1/creators/{id}"

// DELETE /v1/creators/:id
func (s *Server) forgetCreator(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := creatorID(c)
	if err != nil {
		return err
	}
	f, ok := s.deps.Creators.(CreatorForgetter)
	if !ok {
		return creator.Errorf(creator.EUNAVAILABLE, "forgetting creators is not available")
	}
	_, stored, err := f.ForgetCreator(c.Request().Context(), id, forgetReason)
	if err != nil {
		return fmt.Errorf("api: forget %s: %w", id, err)
	}
	if !stored {
		return creator.Errorf(creator.ENOTFOUND, "no creator %q is stored; it is on the do-not-crawl list all the same", truncate(id, 80))
	}
	return c.JSON(http.StatusOK, forgetResponse{ID: id, Forgotten: true, DoNotCrawl: true})
}

// RunReporter reads the report of a nightly run. The store implements it;
// GET /v1/crawls/{id} includes the report when the Runs dependency has one.
type RunReporter interface {
	// RunReport returns the run's report, or a *creator.Error with code
	// ENOTFOUND when the run has none.
	RunReport(ctx context.Context, runID int64) (*creator.RunReport, error)
}

// runReport returns run id's report, nil when it has none.
func (s *Server) runReport(ctx context.Context, id int64) (*creator.RunReport, error) {
	rr, ok := s.deps.Runs.(RunReporter)
	if !ok {
		return nil, nil
	}
	rep, err := rr.RunReport(ctx, id)
	if creator.ErrorCode(err) == creator.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api: report of crawl run %d: %w", id, err)
	}
	return rep, nil
}
