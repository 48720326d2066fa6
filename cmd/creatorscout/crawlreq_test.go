package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/api"
	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/simnet"
)

// simApp is an app configured like the demo (loopback open to the crawler)
// over a fresh synthetic network, with nothing crawled yet.
func simApp(t *testing.T, ctx context.Context, n int, tune ...func(*config.Config)) (*app, *simnet.Network) {
	t.Helper()
	network := simnet.New(simnet.Options{Seed: 11, Creators: n, Today: time.Now().UTC()})
	sim, err := network.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	cfg := demoConfig(sim, t.TempDir(), "127.0.0.1:0")
	for _, f := range tune {
		f(&cfg)
	}
	a, err := openApp(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, network
}

// call makes one request to h and decodes a JSON answer into out (if not
// nil), failing unless the status is want.
func call(t *testing.T, h http.Handler, method, path, body string, want int, out any) []byte {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, rec.Code, want, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
	return rec.Body.Bytes()
}

type crawlStatus struct {
	creator.CrawlRun
	Progress *api.CrawlProgress `json:"progress"`
}

// TestCrawlRequestThroughTheWorker: POST /v1/crawls queues a run; the
// worker crawls it through ingest.Runner into the store and index; the
// creators it found are then searchable, go on a list and come out in the
// export, all through the real wiring.
func TestCrawlRequestThroughTheWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("crawl skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, network := simApp(t, ctx, 40)
	q := newCrawlQueue(a)
	srv, err := a.server(q.wire)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	tag := network.Hashtags()[0]
	seed := network.Seeds(1)[0]
	handle := seed.Platform + ":" + seed.Handle
	if seed.Platform == "web" || seed.Platform == "tiktok" {
		handle = seed.URL
	}

	var queued crawlStatus
	call(t, h, "POST", "/v1/crawls", fmt.Sprintf(`{"hashtags":["#%s"],"handles":[%q]}`, tag, handle), 202, &queued)
	if queued.Status != creator.RunQueued || queued.Kind != crawlRunKind || len(queued.Seeds) != 2 {
		t.Fatalf("queued run %+v", queued.CrawlRun)
	}
	if err := q.runQueued(ctx); err != nil {
		t.Fatal(err)
	}
	var done crawlStatus
	call(t, h, "GET", fmt.Sprintf("/v1/crawls/%d", queued.ID), "", 200, &done)
	if done.Status != creator.RunDone || done.Summary.Pages == 0 || done.Summary.CreatorsNew == 0 || done.FinishedAt == nil || done.Progress != nil {
		t.Fatalf("run after the worker: %+v", done.CrawlRun)
	}
	// Nothing is left queued: a second pass does nothing.
	if err := q.runQueued(ctx); err != nil {
		t.Fatal(err)
	}
	var again crawlStatus
	call(t, h, "GET", fmt.Sprintf("/v1/crawls/%d", queued.ID), "", 200, &again)
	if again.Summary.Pages != done.Summary.Pages {
		t.Fatalf("the run was crawled twice: %+v then %+v", done.Summary, again.Summary)
	}

	var found struct {
		Total    int               `json:"total"`
		Creators []creator.Creator `json:"creators"`
	}
	call(t, h, "GET", "/v1/creators?hashtag="+tag+"&limit=5", "", 200, &found)
	if found.Total == 0 {
		t.Fatalf("nothing searchable with #%s after the crawl", tag)
	}
	c := found.Creators[0]

	// The store-backed lists and export, through cmd's adapters.
	var l api.List
	call(t, h, "POST", "/v1/lists", `{"name":"From the crawl"}`, 201, &l)
	call(t, h, "POST", fmt.Sprintf("/v1/lists/%d/items", l.ID), fmt.Sprintf(`{"creator_id":%q,"note":"=call","status":"contacted"}`, c.ID), 201, nil)
	body := call(t, h, "GET", fmt.Sprintf("/v1/lists/%d/export.csv?bom=1", l.ID), "", 200, nil)
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("export: %v, %d records: %s", err, len(recs), body)
	}
	row := map[string]string{}
	for i, col := range recs[0] {
		row[col] = recs[1][i]
	}
	if row["handle"] != c.Handle || row["note"] != "'=call" || row["status"] != "contacted" {
		t.Errorf("export row %v", row)
	}
	if c.Followers != nil && row["followers"] != fmt.Sprint(*c.Followers) {
		t.Errorf("followers %q, want %d", row["followers"], *c.Followers)
	}

	// Saved searches, through cmd's adapter: everything crawled so far was
	// first seen before the search existed.
	var ss api.SavedSearch
	call(t, h, "POST", "/v1/searches", fmt.Sprintf(`{"name":"tag","query":{"hashtag":[%q]}}`, tag), 201, &ss)
	var run struct {
		Creators []json.RawMessage `json:"creators"`
	}
	call(t, h, "GET", fmt.Sprintf("/v1/searches/%d/new", ss.ID), "", 200, &run)
	if len(run.Creators) != 0 {
		t.Errorf("%d creators new to a search saved after they were crawled", len(run.Creators))
	}
}

// TestCrawlRequestWorkerHonoursTheGuard: with loopback closed (the default)
// a queued run whose URL is on loopback is crawled through the crawler's
// connect-time guard and never connects; the API refuses the same URL up
// front, naming the field.
func TestCrawlRequestWorkerHonoursTheGuard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, _ := simApp(t, ctx, 5, func(c *config.Config) { c.Crawler.AllowLoopback = false })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	target := "http://" + ln.Addr().String() + "/profile"

	q := newCrawlQueue(a)
	srv, err := a.server(q.wire)
	if err != nil {
		t.Fatal(err)
	}
	body := call(t, srv.Handler(), "POST", "/v1/crawls", fmt.Sprintf(`{"urls":[%q]}`, target), 400, nil)
	if !bytes.Contains(body, []byte(`"param":"urls[0]"`)) {
		t.Errorf("400 does not name urls[0]: %s", body)
	}

	// Queued by another way (an older version, a hand-edited database):
	// the worker's crawl still goes through the guard.
	id, err := a.store.QueueRun(ctx, crawlRunKind, []string{target}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := q.runQueued(ctx); err != nil {
		t.Fatal(err)
	}
	run, err := a.store.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("%d connections reached the loopback listener", n)
	}
	if run.Status != creator.RunDone || run.Summary.Errors["ssrf"] == 0 || run.Summary.Pages != 0 {
		t.Errorf("run %+v: want done with the URL refused as ssrf", run)
	}
}

func TestCrawlRequestValidation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, _ := simApp(t, ctx, 5, func(c *config.Config) {
		c.Sources.Mastodon.Enabled, c.Sources.Bluesky.Enabled = false, false
		c.Sources.YouTube.Enabled, c.Sources.Instagram.Enabled, c.Sources.HTML.Enabled = false, false, false
	})
	q := newCrawlQueue(a)
	srv, err := a.server(q.wire)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ body, param string }{
		{`{"hashtags":["pilates"]}`, "hashtags[0]"}, // no enabled source crawls hashtags
		{`{"brands":["acme"]}`, "brands[0]"},
		{`{"urls":["https://example.com/a"],"handles":["youtube:bob"]}`, "handles[0]"}, // YouTube is off
	} {
		body := call(t, srv.Handler(), "POST", "/v1/crawls", tc.body, 400, nil)
		if !bytes.Contains(body, []byte(`"param":"`+tc.param+`"`)) {
			t.Errorf("%s: %s, want param %s", tc.body, body, tc.param)
		}
	}
	runs, err := a.store.Runs(ctx, 0)
	if err != nil || len(runs) != 0 {
		t.Errorf("refused requests queued %d runs (%v)", len(runs), err)
	}
	// A run queued before the config changed fails with its reason.
	id, err := a.store.QueueRun(ctx, crawlRunKind, []string{"hashtag:pilates"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := q.runQueued(ctx); err != nil {
		t.Fatal(err)
	}
	run, err := a.store.Run(ctx, id)
	if err != nil || run.Status != creator.RunFailed || run.Summary.Errors["bad_seed"] != 1 || run.FinishedAt == nil {
		t.Errorf("run %+v, %v: want failed with bad_seed", run, err)
	}
}

func TestCrawlAllowedMirrorsTheCrawler(t *testing.T) {
	got := crawlAllowed(config.Crawler{AllowLoopback: true, AllowedCIDRs: []string{"10.1.2.3/16", " fd00::/8 "}})
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if want := "127.0.0.0/8 ::1/128 10.1.0.0/16 fd00::/8"; strings.Join(s, " ") != want {
		t.Errorf("crawlAllowed = %v, want %s", s, want)
	}
	if got := crawlAllowed(config.Crawler{}); len(got) != 0 {
		t.Errorf("closed by default, got %v", got)
	}
}

// TestCrawlQueueStops: Stop ends the worker.
func TestCrawlQueueStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, _ := simApp(t, ctx, 5)
	q := startCrawlQueue(ctx, a)
	q.Stop()
	select {
	case <-q.done:
	default:
		t.Fatal("the worker is still running after Stop")
	}
}
