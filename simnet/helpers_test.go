package simnet_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/creatorscout/creatorscout/simnet"
)

// fakeClock is an injected clock that advances only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start generates and serves a network for one test.
func start(t testing.TB, o simnet.Options) (*simnet.Network, *simnet.Server) {
	t.Helper()
	n := simnet.New(o)
	s, err := n.Start(context.Background())
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return n, s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// get fetches u with optional header pairs, without transparent gzip, and
// decodes a gzip or zstd body.
func get(t testing.TB, u string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("request %s: %v", u, err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	if resp.Header.Get("Content-Encoding") == "zstd" {
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd %s: %v", u, err)
		}
		defer zr.Close()
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatalf("zstd %s: %v", u, err)
		}
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gunzip %s: %v", u, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatalf("gunzip %s: %v", u, err)
		}
	}
	return response{resp.StatusCode, resp.Header, b}
}

// withKey adds the YouTube key or the Graph token a fetch URL needs.
func withKey(c simnet.Creator, u string) string {
	switch c.Platform {
	case simnet.YouTube:
		return u + "&key=simnet-key"
	case simnet.Instagram:
		return u + "&access_token=simnet-token"
	}
	return u
}

// pick returns the first creator (not a brand account) matching f.
func pick(t testing.TB, cs []simnet.Creator, f func(simnet.Creator) bool) simnet.Creator {
	t.Helper()
	for _, c := range cs {
		if c.Brand == "" && f(c) {
			return c
		}
	}
	t.Fatalf("no creator matches")
	return simnet.Creator{}
}

func onPlatform(p string) func(simnet.Creator) bool {
	return func(c simnet.Creator) bool { return c.Platform == p && !c.Gone }
}

func baseOf(s *simnet.Server, kind string) string { return s.BaseURLs()[kind][0] }

func hostOf(u string) string {
	u = strings.TrimPrefix(u, "http://")
	if i := strings.IndexByte(u, '/'); i >= 0 {
		return u[:i]
	}
	return u
}
