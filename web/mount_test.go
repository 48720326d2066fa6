package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/api"
)

// TestMountedByAPI checks the UI as the API serves it: public even when API
// keys are required, under the API's security headers and CSP, and without
// swallowing the API's own JSON 404s.
func TestMountedByAPI(t *testing.T) {
	srv, err := api.New(api.Config{Keys: []api.Key{{Name: "ops", Hash: api.HashKey("0123456789abcdef"), Scope: api.ScopeAdmin}}}, api.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tests := []struct {
		path   string
		status int
		ctype  string
	}{
		{"/", 200, "text/html; charset=utf-8"},
		{"/ui/app.js", 200, "text/javascript; charset=utf-8"},
		{"/ui/app.css", 200, "text/css; charset=utf-8"},
		{"/ui/missing.js", 404, "text/plain; charset=utf-8"},
		{"/v1/creators", 401, "application/json"},
		{"/v1/no-such-route", 404, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type %q, want %q", ct, tt.ctype)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); csp != api.DefaultCSP {
				t.Errorf("CSP %q, want the API's %q", csp, api.DefaultCSP)
			}
			if resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("X-Frame-Options %q", resp.Header.Get("X-Frame-Options"))
			}
		})
	}
}
