package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// EMETHOD is the code of a 405: the path exists but not with this method.
// It is the API's own; every other code is a creator error code.
const EMETHOD = "method_not_allowed"

// statuses is the one table from an error code to an HTTP status. Handlers
// return errors; handleError looks them up here.
var statuses = map[string]int{
	creator.EINVALID:      http.StatusBadRequest,
	creator.EUNAUTHORIZED: http.StatusUnauthorized,
	creator.EFORBIDDEN:    http.StatusForbidden,
	creator.ENOTFOUND:     http.StatusNotFound,
	EMETHOD:               http.StatusMethodNotAllowed,
	creator.ECONFLICT:     http.StatusConflict,
	creator.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	creator.ERATELIMITED:  http.StatusTooManyRequests,
	creator.EINTERNAL:     http.StatusInternalServerError,
	creator.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param"`
}

// handleError is echo's HTTPErrorHandler: it turns any error a handler or a
// middleware returns into a status and the JSON error body. Internal errors
// are logged and shown as "internal error"; their text never reaches the
// client.
func (s *Server) handleError(err error, c echo.Context) {
	req := c.Request()
	if c.Response().Committed {
		s.log.Error("api: error after the response started", "err", err, "method", req.Method, "route", c.Path())
		return
	}
	e := toDomain(err)
	status, ok := statuses[e.Code]
	if !ok {
		e = &creator.Error{Code: creator.EINTERNAL}
		status = http.StatusInternalServerError
	}
	switch {
	case status == http.StatusInternalServerError:
		s.log.Error("api: internal error", "err", err, "method", req.Method, "route", c.Path(), "path", req.URL.Path)
		e = &creator.Error{Code: creator.EINTERNAL, Message: "internal error"}
	case status == http.StatusServiceUnavailable:
		s.log.Warn("api: unavailable", "err", err, "method", req.Method, "route", c.Path())
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="creatorscout"`)
	}
	if req.Method == http.MethodHead {
		err = c.NoContent(status)
	} else {
		err = c.JSON(status, errorBody{errorDetail{Code: e.Code, Message: e.Message, Param: e.Param}})
	}
	if err != nil {
		s.log.Error("api: writing an error response", "err", err)
	}
}

// toDomain finds the *creator.Error in err's chain, or makes one from
// echo's own errors (routing, body limit), deadlines and body-size errors.
// Anything else is internal.
func toDomain(err error) *creator.Error {
	var (
		ce  *creator.Error
		he  *echo.HTTPError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &mbe):
		return &creator.Error{Code: creator.ETOOLARGE, Param: "body", Message: fmt.Sprintf("is over the %d-byte limit", mbe.Limit)}
	case errors.Is(err, context.DeadlineExceeded):
		return creator.Errorf(creator.EUNAVAILABLE, "the request took too long; try a narrower query")
	case errors.Is(err, context.Canceled):
		return creator.Errorf(creator.EUNAVAILABLE, "the request was canceled")
	case errors.As(err, &he):
		return fromHTTPError(he)
	}
	return &creator.Error{Code: creator.EINTERNAL}
}

// fromHTTPError maps an echo.HTTPError (a status) to a domain error.
func fromHTTPError(he *echo.HTTPError) *creator.Error {
	if inner, ok := he.Internal.(*echo.HTTPError); ok {
		he = inner
	}
	msg := strings.ToLower(http.StatusText(he.Code))
	switch he.Code {
	case http.StatusNotFound:
		return creator.Errorf(creator.ENOTFOUND, "no such route")
	case http.StatusMethodNotAllowed:
		return creator.Errorf(EMETHOD, "method not allowed on this route")
	case http.StatusRequestEntityTooLarge:
		return &creator.Error{Code: creator.ETOOLARGE, Param: "body", Message: "is over the body limit"}
	case http.StatusBadRequest:
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		return creator.Errorf(creator.EINVALID, "%s", msg)
	case http.StatusUnauthorized:
		return creator.Errorf(creator.EUNAUTHORIZED, "%s", msg)
	case http.StatusForbidden:
		return creator.Errorf(creator.EFORBIDDEN, "%s", msg)
	case http.StatusTooManyRequests:
		return creator.Errorf(creator.ERATELIMITED, "%s", msg)
	case http.StatusServiceUnavailable:
		return creator.Errorf(creator.EUNAVAILABLE, "%s", msg)
	}
	if he.Code >= 400 && he.Code < 500 {
		return creator.Errorf(creator.EINVALID, "%s", msg)
	}
	return &creator.Error{Code: creator.EINTERNAL}
}
