package crawler

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"code.dny.dev/ssrf"
)

// Without AllowLoopback the guard refuses 127.0.0.1 at connect time: no
// connection ever reaches the server, robots.txt included.
func TestSSRFGuardRefusesLoopback(t *testing.T) {
	for _, respect := range []bool{true, false} {
		srv := newServer(t, map[string]http.HandlerFunc{"/": text("creator x")})
		cfg := testConfig()
		cfg.AllowLoopback = false
		cfg.RespectRobots = respect
		h := newHarness(t, cfg)
		sum := h.run(t, srv.URL+"/a", srv.URL+"/b")
		if n := srv.conns.Load(); n != 0 {
			t.Fatalf("robots %v: %d connections reached the server", respect, n)
		}
		if sum.Errors[KindSSRF] != 2 || sum.Pages != 0 || len(sum.HostsSkipped) != 1 {
			t.Fatalf("robots %v: summary %+v", respect, sum)
		}
		for _, it := range h.mf.Items(0) {
			if it.State != StateDropped || it.Reason != KindSSRF {
				t.Errorf("robots %v: %s %s %s", respect, it.URL, it.State, it.Reason)
			}
		}
	}
}

func TestSSRFGuardAddresses(t *testing.T) {
	strict, err := newGuard(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.AllowLoopback = true
	cfg.AllowedCIDRs = []string{"10.1.0.0/16"}
	open, err := newGuard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		network, addr string
		strictOK      bool
		openOK        bool
	}{
		{"tcp4", "93.184.215.14:443", true, true},
		{"tcp4", "93.184.215.14:80", true, true},
		{"tcp4", "93.184.215.14:8080", false, false}, // port
		{"tcp4", "127.0.0.1:80", false, true},        // loopback
		{"tcp4", "127.0.0.1:45678", false, true},
		{"tcp6", "[::1]:8080", false, true},
		{"tcp6", "[::ffff:127.0.0.1]:80", false, true},
		{"tcp4", "10.0.0.1:80", false, false}, // private
		{"tcp4", "10.1.2.3:9000", false, true},
		{"tcp4", "192.168.1.1:443", false, false},
		{"tcp4", "172.16.0.1:443", false, false},
		{"tcp4", "169.254.169.254:80", false, false}, // cloud metadata
		{"tcp4", "100.64.0.1:80", false, false},      // CGNAT
		{"tcp4", "0.0.0.0:80", false, false},
		{"tcp6", "[fe80::1]:443", false, false},     // link-local
		{"tcp6", "[fd00::1]:443", false, false},     // unique local
		{"udp4", "93.184.215.14:443", false, false}, // network
	}
	for _, c := range cases {
		for _, g := range []struct {
			name string
			g    *guard
			ok   bool
		}{{"strict", strict, c.strictOK}, {"open", open, c.openOK}} {
			err := g.g.control(c.network, c.addr, nil)
			if (err == nil) != g.ok {
				t.Errorf("%s guard %s %s: err %v, want ok=%v", g.name, c.network, c.addr, err, g.ok)
			}
			if err != nil && (!errors.Is(err, ErrSSRF) || errKind(err) != KindSSRF) {
				t.Errorf("%s: error %v is not an ErrSSRF", c.addr, err)
			}
		}
	}
	if err := strict.control("tcp4", "127.0.0.1:80", nil); !errors.Is(err, ssrf.ErrProhibitedIP) {
		t.Errorf("loopback: %v, want ssrf.ErrProhibitedIP", err)
	}
}

func TestSchemesOtherThanHTTPAreRefused(t *testing.T) {
	h := newHarness(t, testConfig())
	for _, u := range []string{"file:///etc/passwd", "gopher://x/", "ftp://example.org/", "javascript:alert(1)"} {
		if _, err := h.c.Run(testCtx(t), reqs(u)); err == nil || !strings.Contains(err.Error(), RejectScheme) {
			t.Errorf("seed %s: err %v", u, err)
		}
	}
	// A redirect to another scheme is refused as SSRF.
	srv := newServer(t, map[string]http.HandlerFunc{
		"/r": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		},
	})
	sum := h.run(t, srv.URL+"/r")
	if sum.Errors[KindSSRF] != 1 {
		t.Fatalf("summary %+v", sum)
	}
}
