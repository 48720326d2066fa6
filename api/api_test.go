package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/creatorscout/creatorscout/creator"
)

// apiCase is one request and what must come back, in the shape of bleve's
// http/handlers_test.go.
type apiCase struct {
	Desc       string
	Method     string
	Path       string
	Body       string
	Headers    map[string]string
	RemoteAddr string // default httptest's 192.0.2.1:1234
	Status     int
	// ResponseMatch: each substring must (true) or must not (false) be in
	// the body.
	ResponseMatch map[string]bool
	// Code and Param: for an error status, the exact error code and param.
	Code, Param string
	// HeaderMatch: response headers that must have exactly this value.
	HeaderMatch map[string]string
	// Check, when set, inspects the decoded JSON body.
	Check func(t *testing.T, body []byte)
	// ContentType is the response's media type: "" is application/json,
	// "-" is none (204).
	ContentType string
}

const (
	readKey  = "read-key-7f3a9c"
	adminKey = "admin-key-1b2d8e"
	jsonCT   = "application/json"
)

func testKeys() []Key {
	return []Key{
		{Name: "reader", Hash: HashKey(readKey), Scope: ScopeRead},
		{Name: "boss", Hash: HashKey(adminKey), Scope: ScopeAdmin},
	}
}

// newTestServer builds a server; with no dependencies given, over a real
// store and index holding testCorpus (newEnv). cfg gets a small body limit
// and a generous rate limit unless the test sets them.
func newTestServer(t *testing.T, cfg Config, deps Deps) *Server {
	t.Helper()
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 10
	}
	if cfg.RateLimit == (Rate{}) {
		cfg.RateLimit = Rate{Rate: 1000, Burst: 1000}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if deps.Searcher == nil && deps.Creators == nil && deps.Runs == nil && deps.Lists == nil && deps.Searches == nil && deps.Crawls == nil {
		e := newEnv(t).deps()
		e.Metrics, e.Logger, e.Now = deps.Metrics, deps.Logger, deps.Now
		deps = e
	}
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func do(h http.Handler, tc apiCase) *httptest.ResponseRecorder {
	method := tc.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if tc.Body != "" {
		body = strings.NewReader(tc.Body)
	}
	req := httptest.NewRequest(method, tc.Path, body)
	if tc.Body != "" && (method == http.MethodPost || method == http.MethodPatch) {
		req.Header.Set("Content-Type", jsonCT)
	}
	for k, v := range tc.Headers {
		req.Header.Set(k, v)
	}
	if tc.RemoteAddr != "" {
		req.RemoteAddr = tc.RemoteAddr
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func runCases(t *testing.T, h http.Handler, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Desc, func(t *testing.T) {
			rec := do(h, tc)
			checkResponse(t, tc, rec)
		})
	}
}

func checkResponse(t *testing.T, tc apiCase, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Code != tc.Status {
		t.Fatalf("%s %s: status %d, want %d; body %s", tc.Method, tc.Path, rec.Code, tc.Status, body)
	}
	// Every response carries the secure headers, errors included.
	for k, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": DefaultCSP,
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if !strings.HasPrefix(tc.Path, "/metrics") && tc.Method != http.MethodHead {
		want := tc.ContentType
		switch {
		case rec.Code >= 400 || want == "":
			want = jsonCT
		case want == "-":
			want = ""
		}
		if ct := rec.Header().Get("Content-Type"); ct != want {
			t.Errorf("Content-Type = %q, want %q", ct, want)
		}
	}
	for k, want := range tc.HeaderMatch {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	for sub, want := range tc.ResponseMatch {
		if got := bytes.Contains(body, []byte(sub)); got != want {
			t.Errorf("body contains %q = %v, want %v; body %s", sub, got, want, body)
		}
	}
	if tc.Status >= 400 {
		checkErrorShape(t, body, tc.Code, tc.Param)
	}
	if tc.Check != nil {
		tc.Check(t, body)
	}
}

// checkErrorShape asserts the body is exactly
// {"error":{"code":code,"message":"...","param":param}}.
func checkErrorShape(t *testing.T, body []byte, code, param string) {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("error body is not a JSON object: %v; %s", err, body)
	}
	if len(top) != 1 || top["error"] == nil {
		t.Fatalf("error body keys = %v, want only \"error\"; %s", keys(top), body)
	}
	var e map[string]any
	if err := json.Unmarshal(top["error"], &e); err != nil {
		t.Fatalf("error is not an object: %v", err)
	}
	if got := keys(e); !reflect.DeepEqual(got, []string{"code", "message", "param"}) {
		t.Fatalf("error keys = %v, want [code message param]; %s", got, body)
	}
	for _, k := range []string{"code", "message", "param"} {
		if _, ok := e[k].(string); !ok {
			t.Fatalf("error.%s = %#v, want a string", k, e[k])
		}
	}
	if e["code"] != code {
		t.Errorf("error.code = %q, want %q; %s", e["code"], code, body)
	}
	if e["param"] != param {
		t.Errorf("error.param = %q, want %q; %s", e["param"], param, body)
	}
	if e["message"] == "" {
		t.Errorf("error.message is empty")
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ids returns the creator ids of a search response, in order.
func ids(t *testing.T, body []byte) []string {
	t.Helper()
	var res struct {
		Creators []struct {
			ID string `json:"id"`
		} `json:"creators"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("decoding search response: %v", err)
	}
	var out []string
	for _, c := range res.Creators {
		out = append(out, c.ID)
	}
	return out
}

func wantIDs(want ...string) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		if got := ids(t, body); !reflect.DeepEqual(got, want) {
			t.Errorf("creators = %v, want %v", got, want)
		}
	}
}

func TestAPI(t *testing.T) {
	s := newTestServer(t, Config{}, Deps{Metrics: prometheus.NewRegistry()})
	bigBody := `{"q":"` + strings.Repeat("a", 2000) + `"}`
	runCases(t, s.Handler(), []apiCase{
		{Desc: "health", Path: "/healthz", Status: 200, ResponseMatch: map[string]bool{`"status":"ok"`: true}},
		{Desc: "search all: response shape", Path: "/v1/creators", Status: 200,
			Check: func(t *testing.T, body []byte) {
				var top map[string]json.RawMessage
				if err := json.Unmarshal(body, &top); err != nil {
					t.Fatal(err)
				}
				if got := keys(top); !reflect.DeepEqual(got, []string{"creators", "facets", "next_cursor", "total"}) {
					t.Errorf("keys = %v", got)
				}
				if string(top["total"]) != "6" {
					t.Errorf("total = %s, want 6", top["total"])
				}
			}},
		{Desc: "micro fitness by ER descending", Path: "/v1/creators?niche=fitness&tier=micro&sort=-engagement_rate", Status: 200,
			ResponseMatch: map[string]bool{`"total":2`: true, `"tier":[{"value":"micro","count":2}]`: true},
			Check:         wantIDs("mastodon:anna@host.example", "youtube:bob")},
		{Desc: "followers ascending, percent ER, repeated and comma lists", Path: "/v1/creators?min_er=2%25&max_er=0.05&country=gb&country=us,de&sort=followers", Status: 200,
			Check: wantIDs("mastodon:anna@host.example", "youtube:bob")},
		{Desc: "no match is an empty list, not null", Path: "/v1/creators?niche=knitting", Status: 200,
			ResponseMatch: map[string]bool{`"creators":[]`: true, `"total":0`: true}},
		{Desc: "bad min_er", Path: "/v1/creators?min_er=abc", Status: 400, Code: "invalid", Param: "min_er"},
		{Desc: "limit over max", Path: "/v1/creators?limit=1000", Status: 400, Code: "invalid", Param: "limit"},
		{Desc: "limit zero", Path: "/v1/creators?limit=0", Status: 400, Code: "invalid", Param: "limit"},
		{Desc: "unknown tier", Path: "/v1/creators?tier=huge", Status: 400, Code: "invalid", Param: "tier",
			ResponseMatch: map[string]bool{`huge`: true}},
		{Desc: "unknown sort", Path: "/v1/creators?sort=bogus", Status: 400, Code: "invalid", Param: "sort"},
		{Desc: "unknown parameter", Path: "/v1/creators?min_follower=10", Status: 400, Code: "invalid", Param: "min_follower"},
		{Desc: "alpha-3 country", Path: "/v1/creators?country=GBR", Status: 400, Code: "invalid", Param: "country"},
		{Desc: "bad min_followers", Path: "/v1/creators?min_followers=10k", Status: 400, Code: "invalid", Param: "min_followers"},
		{Desc: "min over max followers", Path: "/v1/creators?min_followers=100&max_followers=10", Status: 400, Code: "invalid", Param: "max_followers"},
		{Desc: "malformed query string", Path: "/v1/creators?niche=%zz", Status: 400, Code: "invalid", Param: "query"},

		{Desc: "POST search", Method: "POST", Path: "/v1/creators/search", Status: 200,
			Body:  `{"niche":["Fitness"],"tier":["micro"],"sort":"-engagement_rate"}`,
			Check: wantIDs("mastodon:anna@host.example", "youtube:bob")},
		{Desc: "POST empty object searches everything", Method: "POST", Path: "/v1/creators/search", Body: `{}`, Status: 200,
			ResponseMatch: map[string]bool{`"total":6`: true}},
		{Desc: "POST unknown field", Method: "POST", Path: "/v1/creators/search", Body: `{"niche":["x"],"nope":1}`, Status: 400, Code: "invalid", Param: "nope"},
		{Desc: "POST wrong type", Method: "POST", Path: "/v1/creators/search", Body: `{"min_er":"abc"}`, Status: 400, Code: "invalid", Param: "min_er"},
		{Desc: "POST string for a list", Method: "POST", Path: "/v1/creators/search", Body: `{"tier":"micro"}`, Status: 400, Code: "invalid", Param: "tier"},
		{Desc: "POST a time that is not one", Method: "POST", Path: "/v1/creators/search", Body: `{"last_post_since":"yesterday"}`, Status: 400, Code: "invalid", Param: "last_post_since"},
		{Desc: "POST limit over max", Method: "POST", Path: "/v1/creators/search", Body: `{"limit":1000}`, Status: 400, Code: "invalid", Param: "limit"},
		{Desc: "POST alpha-3 country", Method: "POST", Path: "/v1/creators/search", Body: `{"country":["GBR"]}`, Status: 400, Code: "invalid", Param: "country"},
		{Desc: "POST bad sort", Method: "POST", Path: "/v1/creators/search", Body: `{"sort":"bogus"}`, Status: 400, Code: "invalid", Param: "sort"},
		{Desc: "POST truncated JSON", Method: "POST", Path: "/v1/creators/search", Body: `{"q":`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "POST syntax error", Method: "POST", Path: "/v1/creators/search", Body: `{"q":x}`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "POST array body", Method: "POST", Path: "/v1/creators/search", Body: `[]`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "POST two objects", Method: "POST", Path: "/v1/creators/search", Body: `{} {}`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "POST empty body", Method: "POST", Path: "/v1/creators/search", Headers: map[string]string{"Content-Type": jsonCT}, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "POST form content type", Method: "POST", Path: "/v1/creators/search", Body: `{}`,
			Headers: map[string]string{"Content-Type": "text/plain"}, Status: 400, Code: "invalid", Param: "Content-Type"},
		{Desc: "POST body over the limit", Method: "POST", Path: "/v1/creators/search", Body: bigBody, Status: 413, Code: "too_large", Param: "body",
			ResponseMatch: map[string]bool{"is 2008 bytes; the limit is 1024": true}},

		{Desc: "creator with posts", Path: "/v1/creators/mastodon:anna@host.example", Status: 200,
			ResponseMatch: map[string]bool{`"id":"mastodon:anna@host.example"`: true, `"id":"mastodon:1001"`: true, `"class":"gifted"`: true},
			Check: func(t *testing.T, body []byte) {
				var top map[string]json.RawMessage
				if err := json.Unmarshal(body, &top); err != nil {
					t.Fatal(err)
				}
				if got := keys(top); !reflect.DeepEqual(got, []string{"creator", "posts"}) {
					t.Errorf("keys = %v, want [creator posts]", got)
				}
			}},
		{Desc: "creator id fully escaped", Path: "/v1/creators/mastodon%3Aanna%40host.example", Status: 200,
			ResponseMatch: map[string]bool{`"id":"mastodon:anna@host.example"`: true}},
		{Desc: "creator id half escaped", Path: "/v1/creators/mastodon:anna%40host.example", Status: 200,
			ResponseMatch: map[string]bool{`"id":"mastodon:anna@host.example"`: true}},
		{Desc: "creator id with an escaped slash", Path: "/v1/creators/web:example.com%2Fanna", Status: 200,
			ResponseMatch: map[string]bool{`"id":"web:example.com/anna"`: true, `"posts":[]`: true}},
		{Desc: "unknown creator", Path: "/v1/creators/mastodon:nobody@host.example", Status: 404, Code: "not_found"},
		{Desc: "malformed creator id", Path: "/v1/creators/nobody", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "escaped percent is decoded once", Path: "/v1/creators/mastodon:a%2541%40b", Status: 404, Code: "not_found",
			ResponseMatch: map[string]bool{`mastodon:a%41@b`: true}},
		{Desc: "parameter on creator", Path: "/v1/creators/youtube:bob?expand=all", Status: 400, Code: "invalid", Param: "expand"},
		{Desc: "history", Path: "/v1/creators/mastodon:anna@host.example/history", Status: 200,
			ResponseMatch: map[string]bool{`"creator_id":"mastodon:anna@host.example"`: true, `"followers":24900`: true}},
		{Desc: "history of unknown creator", Path: "/v1/creators/youtube:nobody/history", Status: 404, Code: "not_found"},

		{Desc: "crawl run", Path: "/v1/crawls/1", Status: 200, ResponseMatch: map[string]bool{`"status":"done"`: true, `"pages":12`: true}},
		{Desc: "unknown crawl run", Path: "/v1/crawls/99", Status: 404, Code: "not_found"},
		{Desc: "crawl id not a number", Path: "/v1/crawls/abc", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "crawl id zero", Path: "/v1/crawls/0", Status: 400, Code: "invalid", Param: "id"},

		{Desc: "unknown route", Path: "/v1/nope", Status: 404, Code: "not_found"},
		{Desc: "unknown root route", Path: "/index.php", Status: 404, Code: "not_found"},
		{Desc: "DELETE on search", Method: "DELETE", Path: "/v1/creators", Status: 405, Code: "method_not_allowed",
			HeaderMatch: map[string]string{"Allow": "OPTIONS, GET"}},
		{Desc: "POST on the list route", Method: "POST", Path: "/v1/creators", Body: `{}`, Status: 405, Code: "method_not_allowed"},

		{Desc: "XSS-looking bio is served as inert JSON", Path: "/v1/creators/web:xss.example", Status: 200,
			ResponseMatch: map[string]bool{"<script>": false, "<img": false, `\u003cscript\u003e`: true},
			Check: func(t *testing.T, body []byte) {
				var got creatorResponse
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				if got.Creator.Bio != xssBio {
					t.Errorf("bio = %q, want it unchanged: %q", got.Creator.Bio, xssBio)
				}
			}},
		{Desc: "metrics", Path: "/metrics", Status: 200, ResponseMatch: map[string]bool{`creatorscout_http_requests_total{method="GET",route="/v1/creators",status="200"}`: true}},
	})
}

func TestAPIKeys(t *testing.T) {
	s := newTestServer(t, Config{Keys: testKeys()}, Deps{Metrics: prometheus.NewRegistry()})
	bearer := func(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }
	runCases(t, s.Handler(), []apiCase{
		{Desc: "health needs no key", Path: "/healthz", Status: 200},
		{Desc: "no key", Path: "/v1/creators", Status: 401, Code: "unauthorized",
			HeaderMatch: map[string]string{"WWW-Authenticate": `Bearer realm="creatorscout"`}},
		{Desc: "bad key", Path: "/v1/creators", Headers: bearer("guess"), Status: 401, Code: "unauthorized"},
		{Desc: "key hash is not a key", Path: "/v1/creators", Headers: bearer(HashKey(readKey)), Status: 401, Code: "unauthorized"},
		{Desc: "empty bearer", Path: "/v1/creators", Headers: map[string]string{"Authorization": "Bearer "}, Status: 401, Code: "unauthorized"},
		{Desc: "basic auth is not a key", Path: "/v1/creators", Headers: map[string]string{"Authorization": "Basic " + readKey}, Status: 401, Code: "unauthorized"},
		{Desc: "key in the URL is not accepted", Path: "/v1/creators?api_key=" + readKey, Status: 401, Code: "unauthorized"},
		{Desc: "read key, bearer", Path: "/v1/creators", Headers: bearer(readKey), Status: 200, HeaderMatch: map[string]string{"Cache-Control": "no-store"}},
		{Desc: "read key, lower-case scheme", Path: "/v1/creators", Headers: map[string]string{"Authorization": "bearer " + readKey}, Status: 200},
		{Desc: "read key, X-API-Key", Path: "/v1/creators/youtube:bob", Headers: map[string]string{"X-API-Key": readKey}, Status: 200},
		{Desc: "read key, POST", Method: "POST", Path: "/v1/creators/search", Body: `{}`, Headers: bearer(readKey), Status: 200},
		{Desc: "read key on admin route", Path: "/v1/crawls/1", Headers: bearer(readKey), Status: 403, Code: "forbidden"},
		{Desc: "read key on metrics", Path: "/metrics", Headers: bearer(readKey), Status: 403, Code: "forbidden"},
		{Desc: "admin key on admin route", Path: "/v1/crawls/1", Headers: bearer(adminKey), Status: 200},
		{Desc: "admin key on read route", Path: "/v1/creators", Headers: bearer(adminKey), Status: 200},
		{Desc: "admin key on metrics", Path: "/metrics", Headers: bearer(adminKey), Status: 200,
			ResponseMatch: map[string]bool{`status="401"`: true, readKey: false}},
		{Desc: "bad param is still named behind a key", Path: "/v1/creators?tier=huge", Headers: bearer(readKey), Status: 400, Code: "invalid", Param: "tier"},
		// Two credentials: which one counts would be a guess, so neither does.
		{Desc: "read key and admin bearer", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["x"]}`,
			Headers: map[string]string{"X-API-Key": readKey, "Authorization": "Bearer " + adminKey}, Status: 401, Code: "unauthorized", Param: "X-API-Key"},
	})
}

func TestRateLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	keyed := newTestServer(t, Config{Keys: testKeys(), RateLimit: Rate{Rate: 0.5, Burst: 2}}, Deps{Now: clock.Now})
	open := newTestServer(t, Config{RateLimit: Rate{Rate: 1, Burst: 1}}, Deps{Now: clock.Now})
	proxied := newTestServer(t, Config{RateLimit: Rate{Rate: 1, Burst: 1}, TrustedProxies: []string{"10.0.0.1", "fd00::/8"}}, Deps{Now: clock.Now})
	rateLimited := func(retry string) apiCase {
		return apiCase{Status: 429, Code: "rate_limited", HeaderMatch: map[string]string{"Retry-After": retry}}
	}
	read := map[string]string{"Authorization": "Bearer " + readKey}
	admin := map[string]string{"X-API-Key": adminKey}
	// The steps run in order against shared limiter state.
	steps := []struct {
		advance time.Duration
		srv     *Server
		req     apiCase
		want    apiCase
	}{
		// Per key: 2 at once, then one every 2 s.
		{0, keyed, apiCase{Desc: "read key 1", Headers: read}, apiCase{Status: 200}},
		{0, keyed, apiCase{Desc: "read key 2", Headers: read}, apiCase{Status: 200}},
		{0, keyed, apiCase{Desc: "read key 3 over", Headers: read}, rateLimited("2")},
		{0, keyed, apiCase{Desc: "another key has its own bucket", Headers: admin}, apiCase{Status: 200}},
		{0, keyed, apiCase{Desc: "same IP without a key has its own bucket", RemoteAddr: "192.0.2.1:1234"}, apiCase{Status: 401, Code: "unauthorized"}},
		{time.Second, keyed, apiCase{Desc: "half refilled", Headers: read}, rateLimited("1")},
		{time.Second, keyed, apiCase{Desc: "refilled", Headers: read}, apiCase{Status: 200}},
		// Guessing keys spends the IP's bucket: 401, 401, then 429.
		{0, keyed, apiCase{Desc: "bad key 1", RemoteAddr: "198.51.100.7:1", Headers: map[string]string{"X-API-Key": "g1"}}, apiCase{Status: 401, Code: "unauthorized"}},
		{0, keyed, apiCase{Desc: "bad key 2", RemoteAddr: "198.51.100.7:2", Headers: map[string]string{"X-API-Key": "g2"}}, apiCase{Status: 401, Code: "unauthorized"}},
		{0, keyed, apiCase{Desc: "bad key 3", RemoteAddr: "198.51.100.7:3", Headers: map[string]string{"X-API-Key": "g3"}}, rateLimited("2")},

		// Per IP without keys; X-Forwarded-For is not believed by default.
		{0, open, apiCase{Desc: "ip A", RemoteAddr: "203.0.113.1:1000"}, apiCase{Status: 200}},
		{0, open, apiCase{Desc: "ip A spoofing XFF", RemoteAddr: "203.0.113.1:1001", Headers: map[string]string{"X-Forwarded-For": "198.51.100.99"}}, rateLimited("1")},
		{0, open, apiCase{Desc: "ip B", RemoteAddr: "203.0.113.2:1000"}, apiCase{Status: 200}},
		{0, open, apiCase{Desc: "IPv6 host", RemoteAddr: "[2001:db8:1:2::1]:1000"}, apiCase{Status: 200}},
		{0, open, apiCase{Desc: "same IPv6 /64", RemoteAddr: "[2001:db8:1:2::ffff]:1000"}, rateLimited("1")},
		{0, open, apiCase{Desc: "health is not limited", Path: "/healthz", RemoteAddr: "203.0.113.1:1000"}, apiCase{Status: 200}},
		{0, open, apiCase{Desc: "unknown route is 404, not 429", Path: "/v1/nope", RemoteAddr: "203.0.113.1:1000"}, apiCase{Status: 404, Code: "not_found"}},
		{time.Second, open, apiCase{Desc: "ip A after 1 s", RemoteAddr: "203.0.113.1:1000"}, apiCase{Status: 200}},

		// Behind a trusted proxy the client is the XFF address.
		{0, proxied, apiCase{Desc: "client C via proxy", RemoteAddr: "10.0.0.1:5000", Headers: map[string]string{"X-Forwarded-For": "198.51.100.3"}}, apiCase{Status: 200}},
		{0, proxied, apiCase{Desc: "client D via proxy", RemoteAddr: "10.0.0.1:5000", Headers: map[string]string{"X-Forwarded-For": "198.51.100.4"}}, apiCase{Status: 200}},
		{0, proxied, apiCase{Desc: "client C again", RemoteAddr: "10.0.0.1:5001", Headers: map[string]string{"X-Forwarded-For": "198.51.100.4, 198.51.100.3"}}, rateLimited("1")},
		{0, proxied, apiCase{Desc: "untrusted peer's XFF ignored", RemoteAddr: "10.0.0.2:5000", Headers: map[string]string{"X-Forwarded-For": "198.51.100.5"}}, apiCase{Status: 200}},
		{0, proxied, apiCase{Desc: "untrusted peer again, other XFF", RemoteAddr: "10.0.0.2:5000", Headers: map[string]string{"X-Forwarded-For": "198.51.100.6"}}, rateLimited("1")},
		{0, proxied, apiCase{Desc: "private proxy not listed is not trusted", RemoteAddr: "192.168.1.1:5000", Headers: map[string]string{"X-Forwarded-For": "198.51.100.7"}}, apiCase{Status: 200}},
		{0, proxied, apiCase{Desc: "same private peer, other XFF", RemoteAddr: "192.168.1.1:5000", Headers: map[string]string{"X-Forwarded-For": "198.51.100.8"}}, rateLimited("1")},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		req := st.req
		if req.Path == "" {
			req.Path = "/v1/creators"
		}
		want := st.want
		want.Desc, want.Method, want.Path = req.Desc, req.Method, req.Path
		t.Run(req.Desc, func(t *testing.T) {
			checkResponse(t, want, do(st.srv.Handler(), req))
		})
	}
}

func TestLimiterBoundsMemory(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(1, 2, 10)
	for i := 0; i < 25; i++ {
		if ok, _ := l.allow("c"+string(rune('a'+i)), now); !ok {
			t.Fatalf("client %d refused on its first request", i)
		}
		if len(l.buckets) > 10 {
			t.Fatalf("%d buckets after %d clients; cap is 10", len(l.buckets), i+1)
		}
	}
	// Buckets idle long enough to have refilled go first; a busy one stays.
	l = newLimiter(1, 2, 3)
	l.allow("busy", now)
	l.allow("busy", now)
	l.allow("idle1", now.Add(-time.Hour))
	l.allow("idle2", now.Add(-time.Hour))
	l.allow("new", now)
	if _, ok := l.buckets["busy"]; !ok {
		t.Fatalf("the busy bucket was dropped: %v", keys(l.buckets))
	}
	if ok, _ := l.allow("busy", now); ok {
		t.Errorf("busy client got a third request at once with burst 2: its bucket was reset")
	}
}

// TestErrorTable checks every domain code a dependency can return maps to
// its status, keeps its param, and that internal text never leaks.
func TestErrorTable(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
		param  string
	}{
		{creator.Invalid("cursor", "is stale"), 400, "invalid", "cursor"},
		{creator.Errorf(creator.EUNAUTHORIZED, "x"), 401, "unauthorized", ""},
		{creator.Errorf(creator.EFORBIDDEN, "x"), 403, "forbidden", ""},
		{creator.Errorf(creator.ENOTFOUND, "x"), 404, "not_found", ""},
		{creator.Errorf(creator.ECONFLICT, "x"), 409, "conflict", ""},
		{&creator.Error{Code: creator.ETOOLARGE, Param: "limit", Message: "x"}, 413, "too_large", "limit"},
		{creator.Errorf(creator.ERATELIMITED, "x"), 429, "rate_limited", ""},
		{creator.Errorf(creator.EUNAVAILABLE, "index closed"), 503, "unavailable", ""},
		{creator.Errorf(creator.EINTERNAL, "secret-dsn"), 500, "internal", ""},
		{creator.Errorf("made_up", "secret-dsn"), 500, "internal", ""},
		{io.ErrUnexpectedEOF, 500, "internal", ""},
	} {
		t.Run(creator.ErrorCode(tc.err)+"_"+tc.err.Error(), func(t *testing.T) {
			var logs bytes.Buffer
			s := newTestServer(t, Config{}, Deps{
				Searcher: &searchHook{err: tc.err},
				Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
			})
			rec := do(s.Handler(), apiCase{Path: "/v1/creators"})
			checkResponse(t, apiCase{Path: "/v1/creators", Status: tc.status, Code: tc.code, Param: tc.param,
				ResponseMatch: map[string]bool{"secret-dsn": false}}, rec)
			if tc.status == 500 {
				if !strings.Contains(rec.Body.String(), `"message":"internal error"`) {
					t.Errorf("500 body %s, want message \"internal error\"", rec.Body)
				}
				if !strings.Contains(logs.String(), "api: internal error") || !strings.Contains(logs.String(), tc.err.Error()) {
					t.Errorf("internal error not logged with its text: %s", logs.String())
				}
			}
		})
	}
}

func TestPanicIsInternalError(t *testing.T) {
	var logs bytes.Buffer
	s := newTestServer(t, Config{}, Deps{Searcher: &searchHook{panic: true}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	rec := do(s.Handler(), apiCase{Path: "/v1/creators"})
	checkResponse(t, apiCase{Path: "/v1/creators", Status: 500, Code: "internal", ResponseMatch: map[string]bool{"boom": false}}, rec)
	if !strings.Contains(logs.String(), "search hook: boom") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestRequestTimeout(t *testing.T) {
	// The searcher waits for the request's deadline, so this takes
	// RequestTimeout of wall time and no sleeping.
	s := newTestServer(t, Config{RequestTimeout: 20 * time.Millisecond}, Deps{Searcher: &searchHook{block: true}})
	checkResponse(t, apiCase{Path: "/v1/creators", Status: 503, Code: "unavailable"}, do(s.Handler(), apiCase{Path: "/v1/creators"}))
}

func TestMissingDependencyIsUnavailable(t *testing.T) {
	s := newTestServer(t, Config{}, Deps{Searcher: &searchHook{}})
	runCases(t, s.Handler(), []apiCase{
		{Desc: "no store", Path: "/v1/creators/youtube:bob", Status: 503, Code: "unavailable"},
		{Desc: "no runs", Path: "/v1/crawls/1", Status: 503, Code: "unavailable"},
		{Desc: "no metrics registry, no route", Path: "/metrics", Status: 404, Code: "not_found"},
	})
}

// TestGETAndPOSTAgree checks both search routes hand the searcher the same
// normalised query.
func TestGETAndPOSTAgree(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ get, post string }{
		{"?niche=Fitness,yoga&tier=micro&min_er=3%25&sort=-followers&limit=5",
			`{"niche":["fitness","Yoga"],"tier":["MICRO"],"min_er":0.03,"sort":"-followers","limit":5}`},
		{"?hashtag=%23Vegan&brand=@Acme&country=gb&min_followers=10000",
			`{"hashtag":["#vegan"],"brand":["acme"],"country":["GB"],"min_followers":10000}`},
		{"", `{}`},
	} {
		fs := &searchHook{inner: e.ix}
		s := newTestServer(t, Config{}, Deps{Searcher: fs})
		if rec := do(s.Handler(), apiCase{Path: "/v1/creators" + tc.get}); rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", tc.get, rec.Code, rec.Body)
		}
		got := fs.lastQuery()
		if rec := do(s.Handler(), apiCase{Method: "POST", Path: "/v1/creators/search", Body: tc.post}); rec.Code != 200 {
			t.Fatalf("POST %s: %d %s", tc.post, rec.Code, rec.Body)
		}
		if want := fs.lastQuery(); !reflect.DeepEqual(got, want) {
			t.Errorf("GET %s gave %+v\nPOST %s gave %+v", tc.get, *got, tc.post, *want)
		}
	}
}

func TestChunkedBodyOverLimit(t *testing.T) {
	s := newTestServer(t, Config{}, Deps{})
	req := httptest.NewRequest("POST", "/v1/creators/search", strings.NewReader(`{"q":"`+strings.Repeat("a", 4000)+`"}`))
	req.Header.Set("Content-Type", jsonCT)
	req.ContentLength = -1 // unknown length: the limit applies while reading
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	checkResponse(t, apiCase{Path: req.URL.Path, Status: 413, Code: "too_large", Param: "body",
		ResponseMatch: map[string]bool{"is over the 1024-byte limit": true}}, rec)
}

func TestCORS(t *testing.T) {
	preflight := func(s *Server, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("OPTIONS", "/v1/creators", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	off := newTestServer(t, Config{}, Deps{})
	if got := preflight(off, "https://evil.example").Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("CORS off by default, but Access-Control-Allow-Origin = %q", got)
	}
	on := newTestServer(t, Config{CORSOrigins: []string{"https://app.example"}}, Deps{})
	if got := preflight(on, "https://app.example").Header().Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Errorf("allowed origin: Access-Control-Allow-Origin = %q", got)
	}
	if got := preflight(on, "https://evil.example").Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("other origin: Access-Control-Allow-Origin = %q", got)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	good := Key{Name: "k", Hash: HashKey("secret"), Scope: ScopeRead}
	for _, tc := range []struct {
		desc string
		cfg  Config
		want string
	}{
		{"hash not hex", Config{Keys: []Key{{Name: "k", Hash: "secret", Scope: ScopeRead}}}, "keys[0].hash"},
		{"plain key as hash", Config{Keys: []Key{good, {Name: "j", Hash: "0123", Scope: ScopeRead}}}, "keys[1].hash"},
		{"bad scope", Config{Keys: []Key{{Name: "k", Hash: good.Hash, Scope: "root"}}}, "keys[0].scope"},
		{"no name", Config{Keys: []Key{{Hash: good.Hash, Scope: ScopeRead}}}, "keys[0].name"},
		{"duplicate name", Config{Keys: []Key{good, good}}, "keys[1].name"},
		{"bad proxy", Config{TrustedProxies: []string{"10.0.0.0/33"}}, "trusted_proxies[0]"},
		{"proxy hostname", Config{TrustedProxies: []string{"proxy.local"}}, "trusted_proxies[0]"},
		{"zero burst", Config{RateLimit: Rate{Rate: 5}}, "rate_limit"},
		{"zero rate", Config{RateLimit: Rate{Burst: 5}}, "rate_limit"},
		{"empty CORS origin", Config{CORSOrigins: []string{""}}, "cors_origins[0]"},
		{"negative body limit", Config{BodyLimit: -1}, "body_limit"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := New(tc.cfg, Deps{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error naming %s", err, tc.want)
			}
			if creator.ErrorCode(err) != creator.EINVALID {
				t.Errorf("code %q, want invalid", creator.ErrorCode(err))
			}
		})
	}
	if _, err := New(Config{RateLimit: Rate{Rate: -1}}, Deps{}); err != nil {
		t.Errorf("a negative rate turns limiting off, got %v", err)
	}
}

func TestRouteTable(t *testing.T) {
	s := newTestServer(t, Config{}, Deps{Metrics: prometheus.NewRegistry()})
	registered := map[string]bool{}
	for _, r := range s.echo.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	listed := map[string]bool{}
	for _, r := range s.Routes() {
		listed[r.Method+" "+r.Path] = true
		if r.Scope != ScopePublic && r.Scope != ScopeRead && r.Scope != ScopeAdmin {
			t.Errorf("%s %s: scope %q", r.Method, r.Path, r.Scope)
		}
	}
	if !reflect.DeepEqual(registered, listed) {
		t.Errorf("echo has %v, the table lists %v", keys(registered), keys(listed))
	}
	for _, want := range []string{"GET /healthz", "GET /v1/creators", "POST /v1/creators/search", "GET /v1/creators/:id", "GET /v1/crawls/:id", "GET /metrics"} {
		if !listed[want] {
			t.Errorf("route %s missing", want)
		}
	}
}

// TestServeAndShutdown runs the real http.Server on loopback and stops it
// through the context.
func TestServeAndShutdown(t *testing.T) {
	s := newTestServer(t, Config{ReadHeaderTimeout: 3 * time.Second}, Deps{})
	if hs := s.httpServer(); hs.ReadHeaderTimeout != 3*time.Second || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 || hs.MaxHeaderBytes <= 0 {
		t.Errorf("server timeouts not all set: %+v", hs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/v1/creators/mastodon:anna@host.example")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(body, []byte(`"id":"mastodon:anna@host.example"`)) {
		t.Fatalf("GET over loopback: %d %s", res.StatusCode, body)
	}
	if res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options = %q", res.Header.Get("X-Frame-Options"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v, want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
}
