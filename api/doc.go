// Package api is creatorscout's HTTP API, built on echo v4.
//
// It owns:
//   - the route table (routes.go): every route with its method, path and
//     the scope it needs; nothing is registered anywhere else;
//   - thin handlers (handlers.go) that decode, validate, make one call to a
//     dependency and respond;
//   - the one HTTPErrorHandler (errors.go) that maps creator error codes, and
//     echo's own routing errors, to a status and the JSON body
//     {"error":{"code","message","param"}}. Internal errors are logged with
//     slog; the client sees "internal error";
//   - the security defaults (middleware.go, auth.go, ratelimit.go): a body
//     limit, a request deadline, secure headers with a strict CSP, CORS off
//     unless origins are configured, optional hashed API keys with read and
//     admin scopes compared in constant time, per-key (or per-client-IP)
//     rate limiting with Retry-After, and a client IP that comes from the
//     peer address unless trusted proxies are configured;
//   - the http.Server (server.go) with its timeouts and graceful shutdown.
//
// api never touches bleve or SQL. It sees search, the store and crawl runs
// through the small interfaces it declares (Searcher, Creators, Runs, and
// Lists, SavedSearches and Crawls for prospect lists with their CSV/JSON
// exports, saved searches and crawl requests); cmd/ wires the real index
// and store in. openapi.go serves the OpenAPI document of every route.
package api
