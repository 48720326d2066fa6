package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/creator"
)

// TestEndToEnd drives the whole spine through real servers on loopback:
// synthetic network -> crawler (robots.txt and rate limits on) -> store ->
// index -> API, with no stand-ins for our own packages.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end crawl skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := startDemo(ctx, 400, 7, t.TempDir(), "127.0.0.1:0", io.Discard, io.Discard)
	if d != nil {
		defer d.Close()
	}
	if err != nil {
		t.Fatalf("demo crawl: %v", err)
	}
	if d.run.Status != creator.RunDone {
		t.Fatalf("run status %q, want done; summary %+v", d.run.Status, d.run.Summary)
	}

	srv, err := d.app.server()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ctx, ln)
	base := "http://" + ln.Addr().String()

	// The query: micro fitness creators sorted by ER.
	var res struct {
		Total    int               `json:"total"`
		Creators []json.RawMessage `json:"creators"`
	}
	getJSON(t, base+"/v1/creators?niche=fitness&tier=micro&sort=-engagement_rate&limit=100", &res)
	if len(res.Creators) < 3 {
		t.Fatalf("want several micro fitness creators, got %d (total %d)", len(res.Creators), res.Total)
	}
	var prevER *float64
	sawNilER := false
	var withPosts string
	for _, raw := range res.Creators {
		var c struct {
			ID             string            `json:"id"`
			Tier           string            `json:"tier"`
			Followers      *int64            `json:"followers"`
			EngagementRate *float64          `json:"engagement_rate"`
			Niches         []string          `json:"niches"`
			Location       *creator.Location `json:"location"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"followers"`, `"engagement_rate"`, `"niches"`, `"location"`} {
			if !strings.Contains(string(raw), key) {
				t.Errorf("%s: response lacks %s", c.ID, key)
			}
		}
		if c.Tier != creator.Micro || c.Followers == nil || *c.Followers < 10_000 || *c.Followers >= 100_000 {
			t.Errorf("%s: tier %q followers %v is not micro", c.ID, c.Tier, c.Followers)
		}
		if !contains(c.Niches, "fitness") {
			t.Errorf("%s: niches %v lack fitness", c.ID, c.Niches)
		}
		if c.EngagementRate != nil && prevER != nil && *c.EngagementRate > *prevER {
			t.Errorf("%s: ER %v after %v: not sorted descending", c.ID, *c.EngagementRate, *prevER)
		}
		if c.EngagementRate == nil && prevER != nil {
			sawNilER = true
		} else if c.EngagementRate != nil && sawNilER {
			t.Errorf("%s: a known ER after an unknown one: unknown must sort last", c.ID)
		}
		if c.EngagementRate != nil {
			prevER = c.EngagementRate
		}
		if withPosts == "" {
			withPosts = c.ID
		}
	}

	// Their posts are at /v1/creators/{id}.
	var one struct {
		Creator creator.Creator `json:"creator"`
		Posts   []creator.Post  `json:"posts"`
	}
	getJSON(t, base+"/v1/creators/"+url.PathEscape(withPosts), &one)
	if one.Creator.ID != withPosts || len(one.Posts) == 0 {
		t.Fatalf("creator %s: got id %q with %d posts", withPosts, one.Creator.ID, len(one.Posts))
	}
	// Every figure comes with its evidence.
	a := one.Creator.Analysis
	switch {
	case a == nil:
		t.Fatalf("creator %s has no analysis evidence", withPosts)
	case a.Engagement == nil || len(a.Engagement.PostIDs) == 0 || a.Engagement.Formula == "":
		t.Errorf("engagement evidence missing: %+v", a.Engagement)
	case len(a.Niches) == 0 || len(a.Niches[0].Evidence) == 0:
		t.Errorf("niche evidence missing: %+v", a.Niches)
	case a.Tier == nil || a.Authenticity == nil || len(a.Authenticity.Signals) == 0 || a.Price == nil || a.Disclosures == nil:
		t.Errorf("tier, authenticity, price or disclosure evidence missing: %+v", a)
	}
	for _, p := range one.Posts {
		if p.Disclosure.Class == "" || p.SourceURL == "" || p.FetchedAt.IsZero() {
			t.Errorf("post %s lacks disclosure class, source URL or fetch time", p.ID)
		}
	}

	// Ground truth: no opted-out account and no robots-disallowed profile
	// page reached the store; real creators did.
	found := 0
	for _, truth := range d.network.Creators() {
		_, err := d.app.store.Creator(ctx, truth.ID)
		stored := err == nil
		switch {
		case truth.OptedOut && stored:
			t.Errorf("%s opted out (%s) but was stored", truth.ID, truth.OptOutSignal)
		case truth.RobotsDisallowed && stored:
			t.Errorf("%s is disallowed by robots.txt but was stored", truth.ID)
		case stored:
			found++
		}
	}
	if found < 300 {
		t.Errorf("only %d of 400 creators stored", found)
	}

	// A bad parameter is a 400 naming it.
	resp, err := http.Get(base + "/v1/creators?min_er=lots")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code, Param string } `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 400 || e.Error.Param != "min_er" {
		t.Errorf("min_er=lots: status %d param %q, want 400 min_er", resp.StatusCode, e.Error.Param)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s: %s", u, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestPoliteOnSyntheticNetwork crawls the synthetic network at 10 requests/s
// per host and checks, from each host's own request log, that no host saw
// more than its rate, that nothing robots.txt disallows was fetched, and
// that opted-out accounts never reached the store.
func TestPoliteOnSyntheticNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("crawl skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const rate = 10
	d, err := startDemo(ctx, 60, 3, t.TempDir(), "127.0.0.1:0", io.Discard, io.Discard, func(c *config.Config) {
		c.Crawler.Hosts = []config.HostRule{{Glob: "127.0.0.1:*", Rate: rate, Burst: 1, MaxConns: 4}}
	})
	if d != nil {
		defer d.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, h := range d.sim.Hosts() {
		hits := d.sim.Requests(h.Addr)
		total += len(hits)
		// Burst 1 at 10/s: any 1 s window holds at most 10 requests, plus
		// one at the window's edge.
		if got := d.sim.MaxRequestsIn(h.Addr, time.Second); got > rate+1 {
			t.Errorf("%s (%s) saw %d requests within 1 s; limit %d/s", h.Name, h.Addr, got, rate)
		}
		for _, hit := range hits {
			if strings.HasPrefix(hit.URL, "/private/") {
				t.Errorf("%s: fetched %s, which robots.txt disallows", h.Name, hit.URL)
			}
		}
	}
	if total < 60 {
		t.Fatalf("only %d requests reached the network", total)
	}
	disallowed := 0
	for _, c := range d.network.Creators() {
		if !c.RobotsDisallowed {
			continue
		}
		disallowed++
		u, _ := url.Parse(c.FetchURL)
		for _, hit := range d.sim.Requests(c.Host) {
			if hit.URL == u.RequestURI() {
				t.Errorf("fetched %s, a profile robots.txt disallows", c.FetchURL)
			}
		}
	}
	if d.run.Summary.RobotsDenied == 0 && disallowed > 0 {
		t.Errorf("robots.txt denied nothing, yet %d profiles are disallowed", disallowed)
	}
	for _, c := range d.network.Creators() {
		if _, err := d.app.store.Creator(ctx, c.ID); err == nil && c.OptedOut {
			t.Errorf("%s opted out (%s) but was stored", c.ID, c.OptOutSignal)
		}
	}
}
