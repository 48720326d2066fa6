package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/web"
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
		{Route{http.MethodGet, "/", ScopePublic}, echo.WrapHandler(web.Handler())},     // the web UI's page
		{Route{http.MethodGet, "/ui/*", ScopePublic}, echo.WrapHandler(web.Handler())}, // its embedded assets
		{Route{http.MethodGet, "/v1/creators", ScopeRead}, s.searchCreators},
		{Route{http.MethodPost, "/v1/creators/search", ScopeRead}, s.searchCreatorsBody},
		{Route{http.MethodGet, "/v1/creators/:id", ScopeRead}, s.getCreator},
		{Route{http.MethodDelete, "/v1/creators/:id", ScopeAdmin}, s.forgetCreator},
		{Route{http.MethodGet, "/v1/creators/:id/history", ScopeRead}, s.creatorHistory},
		{Route{http.MethodGet, "/v1/creators/:id/similar", ScopeRead}, s.similarCreators},
		{Route{http.MethodGet, "/v1/hashtags/:tag", ScopeRead}, s.hashtagReport},
		{Route{http.MethodGet, "/v1/brands/:brand", ScopeRead}, s.brandReport},
		{Route{http.MethodGet, "/v1/crawls/:id", ScopeAdmin}, s.getCrawl},
		{Route{http.MethodPost, "/v1/crawls", ScopeAdmin}, s.createCrawl},
		{Route{http.MethodGet, "/v1/lists", ScopeRead}, s.listLists},
		{Route{http.MethodPost, "/v1/lists", ScopeAdmin}, s.createList},
		{Route{http.MethodGet, "/v1/lists/:id", ScopeRead}, s.getList},
		{Route{http.MethodPatch, "/v1/lists/:id", ScopeAdmin}, s.renameList},
		{Route{http.MethodDelete, "/v1/lists/:id", ScopeAdmin}, s.deleteList},
		{Route{http.MethodGet, "/v1/lists/:id/items", ScopeRead}, s.listItems},
		{Route{http.MethodPost, "/v1/lists/:id/items", ScopeAdmin}, s.addListItem},
		{Route{http.MethodPatch, "/v1/lists/:id/items/:creator_id", ScopeAdmin}, s.updateListItem},
		{Route{http.MethodDelete, "/v1/lists/:id/items/:creator_id", ScopeAdmin}, s.removeListItem},
		{Route{http.MethodGet, "/v1/lists/:id/export.csv", ScopeRead}, s.exportCSV},
		{Route{http.MethodGet, "/v1/lists/:id/export.json", ScopeRead}, s.exportJSON},
		{Route{http.MethodGet, "/v1/searches", ScopeRead}, s.listSearches},
		{Route{http.MethodPost, "/v1/searches", ScopeAdmin}, s.createSearch},
		{Route{http.MethodGet, "/v1/searches/:id", ScopeRead}, s.getSearch},
		{Route{http.MethodDelete, "/v1/searches/:id", ScopeAdmin}, s.deleteSearch},
		{Route{http.MethodGet, "/v1/searches/:id/new", ScopeRead}, s.newInSearch},
		{Route{http.MethodGet, "/openapi.json", ScopePublic}, s.openapi},
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
