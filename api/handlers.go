package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// recentPosts is how many posts GET /v1/creators/:id returns.
const recentPosts = 20

// maxIDLen caps a path id before any work is done on it.
const maxIDLen = 300

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// searchCreators is GET /v1/creators.
func (s *Server) searchCreators(c echo.Context) error {
	// Parse the raw query strictly: a malformed pair is an error, not a
	// silently dropped filter.
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return creator.Invalid("query", "malformed query string: %v", err)
	}
	q, err := creator.QueryFromValues(v)
	if err != nil {
		return err
	}
	return s.search(c, q)
}

// searchCreatorsBody is POST /v1/creators/search: the same query as a JSON
// object of creator.Query fields.
func (s *Server) searchCreatorsBody(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	var q creator.Query
	if err := decodeJSON(c, &q); err != nil {
		return err
	}
	q.Normalize()
	if err := q.Validate(); err != nil {
		return err
	}
	return s.search(c, q)
}

func (s *Server) search(c echo.Context, q creator.Query) error {
	if s.deps.Searcher == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "search is not available")
	}
	res, err := s.deps.Searcher.Search(c.Request().Context(), q)
	if err != nil {
		return fmt.Errorf("api: search: %w", err)
	}
	if res == nil {
		res = &creator.SearchResult{}
	}
	if res.Hits == nil {
		res.Hits = []creator.Hit{}
	}
	if res.Facets == nil {
		res.Facets = map[string][]creator.Facet{}
	}
	return c.JSON(http.StatusOK, res)
}

// creatorResponse is GET /v1/creators/:id.
type creatorResponse struct {
	Creator *creator.Creator `json:"creator"`
	Posts   []creator.Post   `json:"posts"`
}

func (s *Server) getCreator(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := creatorID(c)
	if err != nil {
		return err
	}
	if s.deps.Creators == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "the store is not available")
	}
	ctx := c.Request().Context()
	cr, err := s.deps.Creators.Creator(ctx, id)
	if err != nil {
		return fmt.Errorf("api: creator %s: %w", id, err)
	}
	if cr == nil {
		return creator.Errorf(creator.ENOTFOUND, "no creator %q", id)
	}
	posts, err := s.deps.Creators.Posts(ctx, id, recentPosts)
	if err != nil {
		return fmt.Errorf("api: posts of %s: %w", id, err)
	}
	if posts == nil {
		posts = []creator.Post{}
	}
	return c.JSON(http.StatusOK, creatorResponse{Creator: cr, Posts: posts})
}

// historyResponse is GET /v1/creators/:id/history.
type historyResponse struct {
	CreatorID string             `json:"creator_id"`
	Snapshots []creator.Snapshot `json:"snapshots"`
}

func (s *Server) creatorHistory(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := creatorID(c)
	if err != nil {
		return err
	}
	if s.deps.Creators == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "the store is not available")
	}
	ctx := c.Request().Context()
	// An unknown creator is a 404, not an empty history.
	if cr, err := s.deps.Creators.Creator(ctx, id); err != nil {
		return fmt.Errorf("api: creator %s: %w", id, err)
	} else if cr == nil {
		return creator.Errorf(creator.ENOTFOUND, "no creator %q", id)
	}
	snaps, err := s.deps.Creators.History(ctx, id)
	if err != nil {
		return fmt.Errorf("api: history of %s: %w", id, err)
	}
	if snaps == nil {
		snaps = []creator.Snapshot{}
	}
	return c.JSON(http.StatusOK, historyResponse{CreatorID: id, Snapshots: snaps})
}

// creatorID reads the :id path parameter. Ids hold ':' and '@'
// ("mastodon:anna@host.example") and may arrive percent-encoded. echo
// routes on the raw (escaped) path when the request has one, so the
// parameter is unescaped exactly once, and only then.
func creatorID(c echo.Context) (string, error) {
	id := c.Param("id")
	if len(id) > maxIDLen {
		return "", creator.Invalid("id", "is %d bytes; at most %d", len(id), maxIDLen)
	}
	if c.Request().URL.RawPath != "" {
		u, err := url.PathUnescape(id)
		if err != nil {
			return "", creator.Invalid("id", "bad percent-encoding in %q", truncate(id, 80))
		}
		id = u
	}
	if _, _, ok := creator.SplitID(id); !ok {
		return "", creator.Invalid("id", "%q is not a creator id such as mastodon:anna@example.social (platform:handle; platforms: %s)",
			truncate(id, 80), strings.Join(creator.Platforms, ", "))
	}
	return id, nil
}

// noParams refuses query parameters on routes that take none, so a typo is
// not silently ignored.
func noParams(c echo.Context) error {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return creator.Invalid("query", "malformed query string: %v", err)
	}
	for k := range v {
		return creator.Invalid(truncate(k, 40), "unknown parameter")
	}
	return nil
}

// decodeJSON decodes the request body into dst strictly: the body must be
// JSON (Content-Type application/json), one object, no unknown fields.
// Errors name the field at fault, or "body".
func decodeJSON(c echo.Context, dst any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return creator.Invalid("Content-Type", "must be application/json, not %q", truncate(ct, 60))
		}
	} else {
		return creator.Invalid("Content-Type", "must be application/json")
	}
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	// One object only: anything after it but white space is an error.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return jsonError(err)
		}
		return creator.Invalid("body", "has data after the JSON object")
	}
	return nil
}

// jsonError turns a decode error into an EINVALID naming the field, or a
// too_large error when the body limit stopped the read.
func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		ute *json.UnmarshalTypeError
		se  *json.SyntaxError
		pe  *time.ParseError
	)
	switch {
	case errors.As(err, &mbe):
		return &creator.Error{Code: creator.ETOOLARGE, Param: "body", Message: fmt.Sprintf("is over the %d-byte limit", mbe.Limit)}
	case errors.Is(err, io.EOF):
		return creator.Invalid("body", "is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return creator.Invalid("body", "ends in the middle of the JSON")
	case errors.As(err, &ute):
		if ute.Field == "" {
			return creator.Invalid("body", "must be a JSON object, not %s", ute.Value)
		}
		return creator.Invalid(ute.Field, "must be %s, not %s", jsonType(ute.Type.Kind()), ute.Value)
	case errors.As(err, &se):
		return creator.Invalid("body", "is not valid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &pe):
		// encoding/json does not say which field a time came in; the one
		// time a request body takes is a query's last_post_since.
		return creator.Invalid("last_post_since", "%q is not an RFC 3339 time such as 2026-01-02T00:00:00Z", truncate(pe.Value, 60))
	}
	// encoding/json has no typed error for an unknown field.
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f, _ = strconv.Unquote(f)
		return creator.Invalid(truncate(f, 60), "unknown field")
	}
	return creator.Invalid("body", "cannot be decoded: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonType(k reflect.Kind) string {
	switch k {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return k.String()
	}
}

// truncate shortens s for an error message so a hostile value cannot bloat
// the response; it cuts on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
