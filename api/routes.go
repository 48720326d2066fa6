package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Route describes one route of the API: what the OpenAPI document and the
// docs list.
type Route struct {
	Method string
	Path   string // echo syntax: ":id" is a path parameter
	Scope  string // ScopePublic, ScopeRead or ScopeAdmin
}

type route struct {
	Route
	handler echo.HandlerFunc
}

// routes is the route table: every route the API serves, and the only place
// one is registered. With API keys configured, a read route needs a read or
// admin key, an admin route an admin key.
func (s *Server) routes() []route {
	rs := []route{
		{Route{http.MethodGet, "/healthz", ScopePublic}, s.healthz},
		{Route{http.MethodGet, "/v1/creators", ScopeRead}, s.searchCreators},
		{Route{http.MethodPost, "/v1/creators/search", ScopeRead}, s.searchCreatorsBody},
		{Route{http.MethodGet, "/v1/creators/:id", ScopeRead}, s.getCreator},
		{Route{http.MethodGet, "/v1/creators/:id/history", ScopeRead}, s.creatorHistory},
		{Route{http.MethodGet, "/v1/crawls/:id", ScopeAdmin}, s.getCrawl},
	}
	if s.deps.Metrics != nil {
		rs = append(rs, route{Route{http.MethodGet, "/metrics", ScopeAdmin}, s.metricsHandler()})
	}
	return rs
}

// Routes lists the routes the server serves, in table order.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.routes() {
		out = append(out, r.Route)
	}
	return out
}
