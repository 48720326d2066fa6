package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// The OpenAPI 3.1 document served at GET /openapi.json. The operations
// (paths, parameters, bodies, responses) are written out below, one per
// route of the API; the schemas are read from the Go types the handlers
// encode and decode, so they cannot drift from what is sent. The document
// covers the API's routes: those under /v1/ and /healthz, /metrics and
// /openapi.json. Other routes (the web UI's page and assets) serve HTML and
// are not part of it. TestOpenAPIMatchesRoutes checks it against the route
// table both ways.

// opDoc documents one operation.
type opDoc struct {
	summary string
	desc    string
	params  []paramDoc // path and query parameters
	body    any        // a value of the JSON body's type; nil: no body
	status  int        // the success status
	result  any        // a value of the success body's type; nil: no body
	media   string     // the success media type; "" is application/json
	errors  []int      // error statuses beyond those every route can give
}

type paramDoc struct {
	name, in, desc string
	schema         map[string]any
	required       bool
}

func pathParam(name, desc string) paramDoc {
	return paramDoc{name: name, in: "path", desc: desc, schema: map[string]any{"type": "string"}, required: true}
}

func idParam(what string) paramDoc {
	return paramDoc{name: "id", in: "path", desc: "the " + what + " id", schema: map[string]any{"type": "integer", "minimum": 1}, required: true}
}

var (
	limitParam = paramDoc{name: "limit", in: "query", desc: "creators per page, 1 to 100 (default 20)",
		schema: map[string]any{"type": "integer", "minimum": 1, "maximum": 100}}
	cursorParam = paramDoc{name: "cursor", in: "query", desc: "the previous page's next_cursor", schema: map[string]any{"type": "string"}}
	sortParam   = paramDoc{name: "sort", in: "query", desc: "one of " + strings.Join(creator.SortFields, ", ") +
		"; a leading - sorts descending (default -followers)", schema: map[string]any{"type": "string"}}
)

var creatorIDParam = pathParam("id", "a creator id, platform:handle, such as mastodon:anna@example.social; "+
	"percent-encode '/' in web ids (web:example.com%2Fanna)")

// apiOps documents every API route, keyed "METHOD path" in echo syntax.
func apiOps() map[string]opDoc {
	listID := idParam("list")
	searchID := idParam("saved search")
	ops := map[string]opDoc{
		"GET /healthz": {summary: "Health check", status: 200, result: map[string]string{}},
		"GET /openapi.json": {summary: "This OpenAPI document", status: 200, result: map[string]any{},
			desc: "The OpenAPI 3.1 description of every API route."},
		"GET /metrics": {summary: "Prometheus metrics", status: 200, media: "text/plain",
			desc: "The Prometheus text exposition of the API's and the process's metrics."},

		"GET /v1/creators": {summary: "Search creators", params: queryParams(), status: 200, result: creator.SearchResult{},
			errors: []int{400},
			desc: "List parameters repeat or take commas. An unknown parameter or a bad value is a 400 naming it. " +
				"Pages go by next_cursor."},
		"POST /v1/creators/search": {summary: "Search creators with a JSON body", body: creator.Query{}, status: 200,
			result: creator.SearchResult{}, desc: "The same search as GET /v1/creators, its fields in a JSON object."},
		"GET /v1/creators/:id": {summary: "One creator with its recent posts", params: []paramDoc{creatorIDParam},
			status: 200, result: creatorResponse{}, errors: []int{400, 404}},
		"GET /v1/creators/:id/history": {summary: "A creator's daily metric snapshots", params: []paramDoc{creatorIDParam},
			status: 200, result: historyResponse{}, errors: []int{400, 404}},
		"DELETE /v1/creators/:id": {summary: "Forget a creator everywhere", params: []paramDoc{creatorIDParam}, status: 200, result: forgetResponse{},
			errors: []int{400, 404}, desc: "Removes the creator from the store, its history, lists, saved-search results, the index and " +
				"every later export, puts it on the do-not-crawl list and writes an audit entry. An id not stored is a 404, " +
				"and is put on the do-not-crawl list all the same, so someone not crawled yet is kept out."},

		"GET /v1/creators/:id/similar": {summary: "Lookalikes of a creator", status: 200, result: similarResponse{},
			params: append([]paramDoc{creatorIDParam}, queryParams("similar_to")...), errors: []int{400, 404},
			desc: "Creators like this one, each with why; the search parameters of GET /v1/creators narrow them."},
		"GET /v1/hashtags/:tag": {summary: "Hashtag report: the creators using a hashtag", status: 200, result: hashtagReport{},
			params: []paramDoc{pathParam("tag", "the hashtag, with or without #"), limitParam, cursorParam, sortParam,
				{name: "top", in: "query", desc: "related hashtags and countries to list, 1 to 99 (default 10)", schema: map[string]any{"type": "integer", "minimum": 1, "maximum": 99}}},
			errors: []int{400}},
		"GET /v1/brands/:brand": {summary: "Brand report: the creators naming a brand, by disclosure class, with evidence", status: 200,
			result: brandReport{}, errors: []int{400},
			params: []paramDoc{pathParam("brand", "the brand, with or without @"), limitParam, sortParam,
				{name: "class", in: "query", desc: "one of " + strings.Join(creator.Classes, ", ") + " or any (default)", schema: map[string]any{"type": "string"}}}},

		"POST /v1/crawls": {summary: "Ask for a crawl", body: CrawlRequest{}, status: 202, result: crawlView{},
			desc: "Queues a crawl run and returns it (status queued); GET /v1/crawls/{id} follows it. Hashtags and brands " +
				"are crawled as hashtags on every enabled source; handles are platform:handle or profile URLs. A URL must be " +
				"http or https on port 80 or 443 and must not name a loopback, private, link-local, CGNAT or metadata address " +
				"or a numeric IPv4 form; the crawler checks every address it connects to again, redirects included. " +
				"A bad entry is a 400 naming it (\"urls[2]\").",
			errors: []int{400, 413}},
		"GET /v1/crawls/:id": {summary: "A crawl run's status, progress and summary", params: []paramDoc{idParam("crawl run")},
			status: 200, result: crawlView{}, errors: []int{400, 404},
			desc: "progress is the live state while the run is crawling in this process, null otherwise; " +
				"report is a nightly run's report (counts, failures by kind, changes worth a look), null for other runs."},

		"GET /v1/lists":     {summary: "Prospect lists", status: 200, result: listsResponse{}},
		"POST /v1/lists":    {summary: "Create a prospect list", body: listBody{}, status: 201, result: List{}, errors: []int{400, 413}},
		"GET /v1/lists/:id": {summary: "One prospect list", params: []paramDoc{listID}, status: 200, result: List{}, errors: []int{400, 404}},
		"PATCH /v1/lists/:id": {summary: "Rename a prospect list", params: []paramDoc{listID}, body: listBody{}, status: 200,
			result: List{}, errors: []int{400, 404, 413}},
		"DELETE /v1/lists/:id": {summary: "Delete a prospect list and its entries (not the creators)", params: []paramDoc{listID},
			status: 204, errors: []int{400, 404}},
		"GET /v1/lists/:id/items": {summary: "The creators on a list with their notes and statuses", params: []paramDoc{listID},
			status: 200, result: listItemsResponse{}, errors: []int{400, 404}},
		"POST /v1/lists/:id/items": {summary: "Add a creator to a list", params: []paramDoc{listID}, body: addItemBody{},
			status: 201, result: ListItem{}, errors: []int{400, 404, 409, 413},
			desc: "status is one of " + strings.Join(ListStatuses, ", ") + " (default new). A creator already on the list is a 409; PATCH its entry instead."},
		"PATCH /v1/lists/:id/items/:creator_id": {summary: "Change the note and/or status of a creator on a list",
			params: []paramDoc{listID, pathParam("creator_id", "the creator id, percent-encoded")}, body: patchItemBody{},
			status: 200, result: ListItem{}, errors: []int{400, 404, 413},
			desc: "status is one of " + strings.Join(ListStatuses, ", ") + "; a field left out is unchanged."},
		"DELETE /v1/lists/:id/items/:creator_id": {summary: "Take a creator off a list",
			params: []paramDoc{listID, pathParam("creator_id", "the creator id, percent-encoded")}, status: 204, errors: []int{400, 404}},
		"GET /v1/lists/:id/export.csv": {summary: "Export a list as CSV", status: 200, media: "text/csv",
			params: []paramDoc{listID, {name: "bom", in: "query", desc: "1 or true starts the file with a UTF-8 byte-order mark, for Excel",
				schema: map[string]any{"type": "string", "enum": []string{"1", "true", "0", "false"}}}},
			errors: []int{400, 404},
			desc: "RFC 4180, UTF-8, CRLF line ends, one row per creator with the columns " + strings.Join(exportColumns, ", ") +
				". Unknown numbers are empty cells. A cell that starts, after any spaces, with = + - @, a tab, CR or LF is " +
				"prefixed with a single quote so a spreadsheet never runs it. Forgotten creators are not exported."},
		"GET /v1/lists/:id/export.json": {summary: "Export a list as JSON", params: []paramDoc{listID}, status: 200,
			result: exportResponse{}, errors: []int{400, 404},
			desc: "The rows of the CSV export as JSON; unknown numbers are null."},

		"GET /v1/searches": {summary: "Saved searches", status: 200, result: searchesResponse{}},
		"POST /v1/searches": {summary: "Save a search", body: savedSearchBody{}, status: 201, result: SavedSearch{},
			errors: []int{400, 413}, desc: "query takes the fields of POST /v1/creators/search, without cursor or offset."},
		"GET /v1/searches/:id": {summary: "One saved search", params: []paramDoc{searchID}, status: 200, result: SavedSearch{},
			errors: []int{400, 404}},
		"DELETE /v1/searches/:id": {summary: "Delete a saved search", params: []paramDoc{searchID}, status: 204, errors: []int{400, 404}},
		"GET /v1/searches/:id/new": {summary: "Run a saved search: the creators first seen since its last run",
			params: []paramDoc{searchID}, status: 200, result: newResponse{}, errors: []int{400, 404, 413},
			desc: "Returns the creators that match the saved query and were first seen after since (the last run, or when " +
				"the search was saved) and at or before until (a minute ago, so creators still being indexed are left for " +
				"the next run), and records until as the last run. A query matching over 10000 creators while new ones " +
				"remain unchecked is a 413."},
	}
	for k, v := range reportOps() { // reports.go
		ops[k] = v
	}
	return ops
}

// queryParamDesc describes the search parameters; the parameters themselves
// are creator.Query's fields.
var queryParamDesc = map[string]string{
	"q":                "text in the bio, the captions and the name",
	"platform":         "platforms: " + strings.Join(creator.Platforms, ", "),
	"niche":            "niches (any of them, or all with niche_all=true)",
	"tier":             "tiers: " + strings.Join(creator.Tiers, ", "),
	"country":          "ISO 3166-1 alpha-2 country codes",
	"min_er":           "lowest engagement rate: a fraction (0.03) or a percentage (3%)",
	"max_er":           "highest engagement rate: a fraction (0.05) or a percentage (5%)",
	"sort":             "one of " + strings.Join(creator.SortFields, ", ") + "; a leading - sorts descending",
	"limit":            "results per page, 1 to 100",
	"cursor":           "the previous page's next_cursor",
	"facets":           "facets to count: " + strings.Join(creator.FacetFields, ", "),
	"hashtag":          "hashtags, without #",
	"brand":            "brands, without @",
	"brand_class":      "narrows brand to mentions of one class: sponsored, affiliate, gifted or organic",
	"near":             "\"lat,lon\" or a place name",
	"radius":           "distance from near, such as 50km, 800m or 30mi",
	"last_post_since":  "RFC 3339 time: creators who posted at or after it",
	"min_authenticity": "lowest authenticity score, 0 to 100",
	"min_growth":       "lowest 30-day follower growth, a fraction",
	"max_growth":       "highest 30-day follower growth, a fraction",
}

// queryParams are GET /v1/creators's parameters: creator.Query's fields
// by their JSON names, which are the URL parameter names, less except.
func queryParams(except ...string) []paramDoc {
	var out []paramDoc
	t := reflect.TypeOf(creator.Query{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" || slices.Contains(except, name) {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		var schema map[string]any
		switch {
		case name == "min_er" || name == "max_er":
			schema = map[string]any{"type": "string", "examples": []string{"0.03", "3%"}}
		case ft == reflect.TypeOf(time.Time{}):
			schema = map[string]any{"type": "string", "format": "date-time"}
		case ft.Kind() == reflect.Slice:
			schema = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
		default:
			schema = map[string]any{"type": jsonKind(ft)}
		}
		out = append(out, paramDoc{name: name, in: "query", desc: queryParamDesc[name], schema: schema})
	}
	return out
}

// isAPIRoute reports whether a route belongs in the document.
func isAPIRoute(path string) bool {
	return strings.HasPrefix(path, "/v1/") || path == "/healthz" || path == "/metrics" || path == "/openapi.json"
}

// oaPath turns echo's ":id" into OpenAPI's "{id}".
func oaPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

var errorDescriptions = map[int]string{
	400: "bad input; param names the parameter, field or header at fault",
	401: "no API key, or not a valid one",
	403: "the key lacks the route's scope",
	404: "not found",
	409: "conflicts with what is stored",
	413: "the body or the result is over a limit",
	429: "over the rate limit; Retry-After says when to retry",
	500: "internal error",
	503: "a dependency is unavailable or the request took too long",
}

// openAPIDoc builds the document for the routes s serves.
func (s *Server) openAPIDoc() map[string]any {
	ops := apiOps()
	sg := newSchemaGen()
	sg.ref(reflect.TypeOf(errorBody{}))
	paths := map[string]any{}
	for _, r := range s.Routes() {
		if !isAPIRoute(r.Path) {
			continue
		}
		op, ok := ops[r.Method+" "+r.Path]
		if !ok {
			continue // TestOpenAPIMatchesRoutes fails on this
		}
		p, _ := paths[oaPath(r.Path)].(map[string]any)
		if p == nil {
			p = map[string]any{}
			paths[oaPath(r.Path)] = p
		}
		p[strings.ToLower(r.Method)] = s.operation(r, op, sg)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "creatorscout API",
			"version": "1",
			"description": "Creator discovery: search, creator profiles with evidence, prospect lists with safe exports, " +
				"saved searches and crawl requests. Every error is {\"error\":{\"code\",\"message\",\"param\"}}.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": sg.schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": HeaderAPIKey},
			},
		},
	}
}

func (s *Server) operation(r Route, op opDoc, sg *schemaGen) map[string]any {
	o := map[string]any{
		"operationId": operationID(r),
		"summary":     op.summary,
		"x-scope":     r.Scope,
	}
	if op.desc != "" {
		o["description"] = op.desc
	}
	if r.Scope == ScopePublic {
		o["security"] = []any{}
	} else {
		o["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"apiKey": []string{}}}
	}
	if len(op.params) > 0 {
		var ps []any
		for _, p := range op.params {
			m := map[string]any{"name": p.name, "in": p.in, "schema": p.schema}
			if p.desc != "" {
				m["description"] = p.desc
			}
			if p.required {
				m["required"] = true
			}
			if p.in == "query" && p.schema["type"] == "array" {
				m["style"], m["explode"] = "form", true
			}
			ps = append(ps, m)
		}
		o["parameters"] = ps
	}
	if op.body != nil {
		o["requestBody"] = map[string]any{
			"required": true,
			"content":  map[string]any{"application/json": map[string]any{"schema": sg.schema(reflect.TypeOf(op.body))}},
		}
	}
	ok := map[string]any{"description": http.StatusText(op.status)}
	if op.result != nil || op.media != "" {
		media := op.media
		if media == "" {
			media = "application/json"
		}
		schema := map[string]any{"type": "string"}
		if op.result != nil {
			schema = sg.schema(reflect.TypeOf(op.result))
		}
		ok["content"] = map[string]any{media: map[string]any{"schema": schema}}
	}
	responses := map[string]any{strconv.Itoa(op.status): ok}
	codes := append([]int{500}, op.errors...)
	if strings.HasPrefix(r.Path, "/v1/") || op.body != nil {
		codes = append(codes, 400) // an unknown parameter, a bad value
	}
	if op.body != nil {
		codes = append(codes, 413)
	}
	if r.Scope != ScopePublic {
		codes = append(codes, 401, 403, 429, 503)
	}
	for _, code := range codes {
		resp := map[string]any{
			"description": errorDescriptions[code],
			"content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
		}
		if code == 429 {
			resp["headers"] = map[string]any{"Retry-After": map[string]any{
				"description": "seconds to wait", "schema": map[string]any{"type": "integer"}}}
		}
		responses[strconv.Itoa(code)] = resp
	}
	o["responses"] = responses
	return o
}

// operationID is e.g. "get_v1_lists_id_items".
func operationID(r Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, part := range strings.Split(r.Path, "/") {
		part = strings.Trim(part, ":")
		if part == "" {
			continue
		}
		b.WriteByte('_')
		b.WriteString(strings.NewReplacer(".", "_", "-", "_").Replace(part))
	}
	return b.String()
}

// schemaGen turns Go types into JSON Schemas (OpenAPI 3.1), naming each
// struct as a component.
type schemaGen struct {
	schemas map[string]any
	names   map[reflect.Type]string
}

func newSchemaGen() *schemaGen {
	return &schemaGen{schemas: map[string]any{}, names: map[reflect.Type]string{}}
}

// componentNames renames the unexported response and body types.
var componentNames = map[string]string{
	"errorBody":         "Error",
	"errorDetail":       "ErrorDetail",
	"creatorResponse":   "CreatorWithPosts",
	"historyResponse":   "History",
	"crawlView":         "CrawlRunStatus",
	"listsResponse":     "Lists",
	"listBody":          "ListBody",
	"listItemView":      "ListItemWithCreator",
	"listItemsResponse": "ListItems",
	"addItemBody":       "AddListItem",
	"patchItemBody":     "PatchListItem",
	"exportResponse":    "ListExport",
	"searchesResponse":  "SavedSearches",
	"savedSearchBody":   "SavedSearchBody",
	"newCreator":        "NewCreator",
	"newResponse":       "SavedSearchRun",
	"hashtagReport":     "HashtagReport",
	"brandReport":       "BrandReport",
	"brandClass":        "BrandClass",
	"brandCreator":      "BrandCreator",
	"evidencePost":      "EvidencePost",
	"brandTimeline":     "BrandTimeline",
	"brandWeek":         "BrandWeek",
	"similarResponse":   "SimilarCreators",
}

// fieldDesc documents fields whose meaning the name does not carry.
var fieldDesc = map[string]string{
	"Creator.id":              "platform:handle, the handle in lower case",
	"Creator.engagement_rate": "a fraction: 0.034 is 3.4%; null when unknown",
	"Creator.followers":       "null when unknown, never 0 for unknown",
	"ErrorDetail.code":        "invalid, unauthorized, forbidden, not_found, method_not_allowed, conflict, too_large, rate_limited, unavailable or internal",
	"ErrorDetail.param":       "the parameter, field or header at fault, or empty",
	"ListItem.status":         "one of " + strings.Join(ListStatuses, ", "),
	"AddListItem.status":      "one of " + strings.Join(ListStatuses, ", ") + "; default new",
	"PatchListItem.status":    "one of " + strings.Join(ListStatuses, ", "),
	"ExportRow.brands":        "the creator's brands by the strongest disclosure class any post gave each",
	"SavedSearchRun.since":    "exclusive",
	"SavedSearchRun.until":    "inclusive; recorded as the last run",
	"CrawlRunStatus.progress": "live progress while the run crawls in this process; null otherwise",
	"CrawlRequest.brands":     "crawled as hashtags on every enabled source",
	"CrawlRequest.handles":    "platform:handle or a profile URL",
	"CrawlRequest.urls":       "http or https URLs on port 80 or 443",
}

// ref returns a $ref to the component for struct type t, adding it.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name, ok := g.names[t]
	if !ok {
		name = t.Name()
		if n, ok := componentNames[name]; ok {
			name = n
		}
		g.names[t] = name
		g.schemas[name] = map[string]any{} // placeholder against recursion
		g.schemas[name] = g.object(t, name)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

var timeType = reflect.TypeOf(time.Time{})

// schema returns the schema of t.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		return nullable(g.schema(t.Elem()))
	case t.Kind() == reflect.Struct && t.Name() != "":
		return g.ref(t)
	case t.Kind() == reflect.Struct:
		return g.object(t, "")
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": []string{"array", "null"}, "items": g.schema(t.Elem())}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": g.schema(t.Elem())}
	case t.Kind() == reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{"type": jsonKind(t)}
}

func nullable(s map[string]any) map[string]any {
	if _, ok := s["$ref"]; ok {
		return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
	}
	switch t := s["type"].(type) {
	case string:
		out := map[string]any{}
		for k, v := range s {
			out[k] = v
		}
		out["type"] = []string{t, "null"}
		return out
	}
	return s
}

// object is the schema of a struct: its JSON fields, embedded structs
// flattened as encoding/json does.
func (g *schemaGen) object(t reflect.Type, name string) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, name, props, &required)
	sort.Strings(required)
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func (g *schemaGen) fields(t reflect.Type, name string, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			g.fields(et, name, props, required)
			continue
		}
		jn := jsonName(f)
		if jn == "" {
			continue
		}
		s := g.schema(f.Type)
		if d, ok := fieldDesc[name+"."+jn]; ok {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}}
			}
			s["description"] = d
		}
		props[jn] = s
		if !strings.Contains(tag, ",omitempty") {
			*required = append(*required, jn)
		}
	}
}

// jsonName is a field's JSON name, or "" when it is not encoded.
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return "object"
}

// openapi serves the document, built once.
func (s *Server) openapi(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	s.openapiOnce.Do(func() {
		s.openapiJSON, s.openapiErr = json.Marshal(s.openAPIDoc())
	})
	if s.openapiErr != nil {
		return s.openapiErr
	}
	return c.JSONBlob(http.StatusOK, s.openapiJSON)
}

// openapiState caches the document; the route table does not change after
// New.
type openapiState struct {
	openapiOnce sync.Once
	openapiJSON []byte
	openapiErr  error
}
