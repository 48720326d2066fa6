package api

import (
	"encoding/json"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// fullServer has every dependency, metrics and keys, so every route is
// served.
func fullServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	e := newEnv(t)
	deps := e.deps()
	deps.Crawls = &storeCrawls{s: e.st}
	deps.Metrics = prometheus.NewRegistry()
	return newTestServer(t, cfg, deps)
}

type oaDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type oaOperation struct {
	OperationID string `json:"operationId"`
	Scope       string `json:"x-scope"`
	Parameters  []struct {
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

func fetchDoc(t *testing.T, s *Server) (oaDoc, []byte) {
	t.Helper()
	// The document is public: no key needed even with keys configured.
	rec := do(s.Handler(), apiCase{Path: "/openapi.json"})
	checkResponse(t, apiCase{Path: "/openapi.json", Status: 200}, rec)
	var doc oaDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	return doc, rec.Body.Bytes()
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIMatchesRoutes checks the served document against the route
// table both ways: every API route is documented with its path parameters,
// scope and error responses, and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := fullServer(t, Config{Keys: testKeys()})
	doc, raw := fetchDoc(t, s)

	served := map[string]Route{}
	for _, r := range s.Routes() {
		if isAPIRoute(r.Path) {
			served[r.Method+" "+oaPath(r.Path)] = r
		}
	}
	documented := map[string]oaOperation{}
	for path, methods := range doc.Paths {
		for m, body := range methods {
			var op oaOperation
			if err := json.Unmarshal(body, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			documented[strings.ToUpper(m)+" "+path] = op
		}
	}
	for k := range served {
		if _, ok := documented[k]; !ok {
			t.Errorf("route %s is served but not in the OpenAPI document (add it to apiOps)", k)
		}
	}
	for k := range documented {
		if _, ok := served[k]; !ok {
			t.Errorf("the OpenAPI document has %s, which is not served", k)
		}
	}
	// apiOps itself holds nothing the table lacks.
	for k := range apiOps() {
		m, p, _ := strings.Cut(k, " ")
		if _, ok := served[m+" "+oaPath(p)]; !ok {
			t.Errorf("apiOps documents %s, which is not in the route table", k)
		}
	}
	if len(served) < 25 {
		t.Errorf("only %d API routes served; the table lost some", len(served))
	}

	ids := map[string]bool{}
	for k, op := range documented {
		r, ok := served[k]
		if !ok {
			continue
		}
		_, path, _ := strings.Cut(k, " ")
		var wantParams, gotParams []string
		for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
			wantParams = append(wantParams, m[1])
		}
		for _, p := range op.Parameters {
			if p.In == "path" {
				if !p.Required {
					t.Errorf("%s: path parameter %s not required", k, p.Name)
				}
				gotParams = append(gotParams, p.Name)
			}
		}
		if !reflect.DeepEqual(wantParams, gotParams) {
			t.Errorf("%s: path parameters %v, want %v", k, gotParams, wantParams)
		}
		if op.Scope != r.Scope {
			t.Errorf("%s: x-scope %q, the table says %q", k, op.Scope, r.Scope)
		}
		if ids[op.OperationID] || op.OperationID == "" {
			t.Errorf("%s: operationId %q empty or used twice", k, op.OperationID)
		}
		ids[op.OperationID] = true
		method, _, _ := strings.Cut(k, " ")
		if (method == "POST" || method == "PATCH") != (op.RequestBody != nil) {
			t.Errorf("%s: request body documented = %v", k, op.RequestBody != nil)
		}
		want := []string{"500"}
		if r.Scope != ScopePublic {
			want = append(want, "401", "403", "429", "503")
		}
		if strings.HasPrefix(path, "/v1/") {
			want = append(want, "400")
		}
		if strings.Contains(path, "{id}") || strings.Contains(path, "{creator_id}") {
			want = append(want, "400", "404") // a malformed id, an unknown one
		}
		if op.RequestBody != nil {
			want = append(want, "400", "413")
		}
		success := 0
		for code, resp := range op.Responses {
			if code < "400" {
				success++
				continue
			}
			if ref := resp.Content["application/json"].Schema["$ref"]; ref != "#/components/schemas/Error" {
				t.Errorf("%s %s: schema %v, want the Error shape", k, code, ref)
			}
		}
		if success != 1 {
			t.Errorf("%s: %d success responses", k, success)
		}
		for _, code := range want {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s: no %s response", k, code)
			}
		}
	}

	// Every $ref resolves.
	for _, m := range regexp.MustCompile(`"\$ref":"#/components/schemas/([^"]+)"`).FindAllSubmatch(raw, -1) {
		if _, ok := doc.Components.Schemas[string(m[1])]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
	// The error shape is the one handleError writes.
	var errSchema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal(doc.Components.Schemas["ErrorDetail"], &errSchema); err != nil {
		t.Fatal(err)
	}
	if got := keys(errSchema.Properties); !reflect.DeepEqual(got, []string{"code", "message", "param"}) || len(errSchema.Required) != 3 {
		t.Errorf("ErrorDetail %v required %v", got, errSchema.Required)
	}
}

// TestOpenAPIWithoutMetrics: a server that does not serve /metrics does
// not document it.
func TestOpenAPIWithoutMetrics(t *testing.T) {
	s := newTestServer(t, Config{}, Deps{})
	doc, _ := fetchDoc(t, s)
	if _, ok := doc.Paths["/metrics"]; ok {
		t.Errorf("/metrics documented but not served")
	}
	if _, ok := doc.Paths["/v1/lists/{id}/export.csv"]; !ok {
		t.Errorf("export not documented")
	}
	for p := range doc.Paths {
		if !isAPIRoute(strings.NewReplacer("{", ":", "}", "").Replace(p)) {
			t.Errorf("non-API path %s documented", p)
		}
	}
}

// TestOpenAPISearchParameters: every documented parameter of
// GET /v1/creators is one the API knows (a bad value may be refused, but
// never as an unknown parameter).
func TestOpenAPISearchParameters(t *testing.T) {
	s := newTestServer(t, Config{}, Deps{})
	doc, _ := fetchDoc(t, s)
	var op oaOperation
	if err := json.Unmarshal(doc.Paths["/v1/creators"]["get"], &op); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range op.Parameters {
		names = append(names, p.Name)
		rec := do(s.Handler(), apiCase{Path: "/v1/creators?" + url.Values{p.Name: {"1"}}.Encode()})
		if rec.Code == 400 {
			var e errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if e.Error.Param == p.Name && e.Error.Message == "unknown parameter" {
				t.Errorf("documented parameter %s is unknown to the API", p.Name)
			}
		}
	}
	sort.Strings(names)
	for _, want := range []string{"q", "niche", "tier", "country", "min_er", "sort", "limit", "cursor", "facets"} {
		if i := sort.SearchStrings(names, want); i >= len(names) || names[i] != want {
			t.Errorf("parameter %s not documented", want)
		}
	}
}
