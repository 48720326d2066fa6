package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// samplePath fills a route's path parameters with values of the right
// shape.
func samplePath(r Route) string {
	parts := strings.Split(r.Path, "/")
	for i, p := range parts {
		switch {
		case p == ":creator_id", p == ":id" && strings.HasPrefix(r.Path, "/v1/creators/"):
			parts[i] = "youtube:bob"
		case p == ":id":
			parts[i] = "1"
		case strings.HasPrefix(p, ":"):
			parts[i] = "sample"
		}
	}
	return strings.Join(parts, "/")
}

func hasBody(r Route) bool { return r.Method == http.MethodPost || r.Method == http.MethodPatch }

// TestEveryRoute runs the same rows against every route of the table, so a
// route added later gets them too: 401 without a key, 403 for a read key on
// an admin route, 400 naming an unknown parameter, 413 for a body over the
// limit, and 429 with Retry-After once its client's bucket is empty.
func TestEveryRoute(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	keyed := fullServer(t, Config{Keys: testKeys()})
	limited := fullServer(t, Config{RateLimit: Rate{Rate: 0.001, Burst: 1}}) // per client IP
	limited.now = clock.Now
	open := fullServer(t, Config{})
	read := map[string]string{"Authorization": "Bearer " + readKey}
	admin := map[string]string{"Authorization": "Bearer " + adminKey}
	big := `{"name":"` + strings.Repeat("a", 2000) + `"}`
	n := 0
	for i, r := range keyed.Routes() {
		if !isAPIRoute(r.Path) || r.Scope == ScopePublic {
			continue
		}
		n++
		path := samplePath(r)
		body := ""
		if hasBody(r) {
			body = `{}`
		}
		ct := ""
		if strings.HasSuffix(r.Path, ".csv") || r.Path == "/metrics" {
			ct = "-" // checked below only for errors
		}
		cases := []apiCase{
			{Desc: "no key", Method: r.Method, Path: path, Body: body, Status: 401, Code: "unauthorized"},
			{Desc: "bad key", Method: r.Method, Path: path, Body: body, Headers: map[string]string{"X-API-Key": "nope"}, Status: 401, Code: "unauthorized"},
		}
		if r.Scope == ScopeAdmin {
			cases = append(cases, apiCase{Desc: "read key on an admin route", Method: r.Method, Path: path, Body: body, Headers: read, Status: 403, Code: "forbidden"})
		}
		for _, tc := range cases {
			tc.Desc = r.Method + " " + r.Path + ": " + tc.Desc
			t.Run(tc.Desc, func(t *testing.T) { checkResponse(t, tc, do(keyed.Handler(), tc)) })
		}
		if strings.HasPrefix(r.Path, "/v1/") {
			tc := apiCase{Desc: r.Method + " " + r.Path + ": unknown parameter", Method: r.Method, Path: path + "?bogus_param=1", Body: body,
				Headers: admin, Status: 400, Code: "invalid", Param: "bogus_param"}
			t.Run(tc.Desc, func(t *testing.T) { checkResponse(t, tc, do(keyed.Handler(), tc)) })
		}
		if hasBody(r) {
			tc := apiCase{Desc: r.Method + " " + r.Path + ": body over the limit", Method: r.Method, Path: path, Body: big,
				Status: 413, Code: "too_large", Param: "body"}
			t.Run(tc.Desc, func(t *testing.T) { checkResponse(t, tc, do(open.Handler(), tc)) })
		}
		// Each route from its own client: the first request spends the
		// bucket, the second is refused before anything else is judged.
		ip := fmt.Sprintf("198.51.100.%d:1000", 10+i)
		first := apiCase{Method: r.Method, Path: path, Body: body, RemoteAddr: ip}
		if rec := do(limited.Handler(), first); rec.Code == http.StatusTooManyRequests {
			t.Errorf("%s %s: first request already limited", r.Method, r.Path)
		}
		tc := apiCase{Desc: r.Method + " " + r.Path + ": over the rate limit", Method: r.Method, Path: path, Body: body,
			RemoteAddr: ip, Status: 429, Code: "rate_limited", ContentType: ct,
			HeaderMatch: map[string]string{"Retry-After": "1000"}}
		t.Run(tc.Desc, func(t *testing.T) { checkResponse(t, tc, do(limited.Handler(), tc)) })
	}
	if n < 20 {
		t.Errorf("only %d keyed routes checked", n)
	}
}
