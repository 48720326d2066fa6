package nightly

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	_ "github.com/creatorscout/creatorscout/crawler/source/all"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/ingest"
	"github.com/creatorscout/creatorscout/simnet"
	"github.com/creatorscout/creatorscout/store"
)

// world is a synthetic network on loopback crawled by the real crawler,
// sources, pipeline, store and index, on a clock the test moves by days.
type world struct {
	t    *testing.T
	clk  *offsetClock
	day0 time.Time
	net  *simnet.Network
	sim  *simnet.Server
	st   *store.Store
	ix   *index.Index
	pl   *ingest.Pipeline
	srcs []source.Source
	job  *Job
	days int // days since day0
}

// Credentials simnet expects (loopback only).
const (
	simKey    = "simnet-key"
	simToken  = "simnet-token"
	simIGUser = "17841400000000001"
)

func testLogger() *slog.Logger {
	if os.Getenv("NIGHTLY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newWorld(t *testing.T, creators int, seed int64) *world {
	t.Helper()
	day0 := simnet.DefaultToday
	clk := newOffsetClock(day0.Add(2 * time.Hour))
	n := simnet.New(simnet.Options{Seed: seed, Creators: creators, Today: day0, Clock: clk.Now})
	ctx := context.Background()
	sim, err := n.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })

	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "creatorscout.db"), store.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := index.OpenWith(filepath.Join(dir, "index"), index.Options{PollInterval: -1, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })

	srcs := simSources(t, sim)
	opts := creator.DefaultOptions()
	opts.Brands = map[string][]string{}
	var brands []string
	for _, b := range simnet.Brands() {
		opts.Brands[b.Handle] = append([]string{"@" + b.Handle, b.Name}, b.Aliases...)
		brands = append(brands, b.Handle)
	}
	log := testLogger()
	pl := ingest.New(st, ix, opts, clk.Now, log)

	ccfg := crawler.DefaultConfig()
	ccfg.UserAgent = "creatorscout-test/1.0"
	ccfg.AllowLoopback = true
	ccfg.Parallelism = 16
	ccfg.HostRules = []crawler.HostRule{{Glob: "127.0.0.1:*", Rate: 500, Burst: 50, MaxConns: 8}}
	ccfg.MaxDepth = 3
	ccfg.Quotas = nil
	ccfg.Freshness = 20 * time.Hour
	// A host that stays down is given up on within the run.
	ccfg.MaxRetries = 1
	ccfg.BackoffBase = 20 * time.Millisecond
	ccfg.BackoffMax = 10 * time.Second
	ccfg.MaxIdleWait = 500 * time.Millisecond

	w := &world{t: t, clk: clk, day0: day0, net: n, sim: sim, st: st, ix: ix, pl: pl, srcs: srcs}
	pol := DefaultPolicy()
	w.job = &Job{
		Store: st, Index: ix, Pipeline: pl,
		Runner:  ingest.Runner{Store: st, Pipeline: pl, Sources: srcs, Crawler: ccfg, Logger: log},
		Targets: NewTargets(srcs), Policy: pol, Brands: brands,
		SnowballDepth: 1, SnowballBudget: 5,
		Clock: clk, Log: log,
	}
	return w
}

// simSources configures every source for the network, as the demo does.
func simSources(t *testing.T, sim *simnet.Server) []source.Source {
	t.Helper()
	urls := sim.BaseURLs()
	mastodonHosts, htmlHosts := sim.SourceHosts()
	mk := func(name string, o source.Options) source.Source {
		s, err := source.New(name, o)
		if err != nil {
			t.Fatalf("source %s: %v", name, err)
		}
		return s
	}
	return []source.Source{
		mk("mastodon", source.Options{BaseURL: urls[simnet.KindMastodon][0], Hosts: mastodonHosts, PostsPerCreator: 40}),
		mk("bluesky", source.Options{BaseURL: urls[simnet.KindBluesky][0], PostsPerCreator: 30}),
		mk("youtube", source.Options{BaseURL: urls[simnet.KindYouTube][0], APIKey: simKey, PostsPerCreator: 20}),
		mk("instagram", source.Options{BaseURL: urls[simnet.KindInstagram][0], Token: simToken, UserID: simIGUser, PostsPerCreator: 20}),
		mk("html", source.Options{Hosts: htmlHosts}),
	}
}

// seedRequests are profile requests for perPlatform creators of each
// platform, as an agency starts from a list of handles.
func (w *world) seedRequests(perPlatform int) []source.Request {
	w.t.Helper()
	tg := NewTargets(w.srcs)
	var out []source.Request
	for _, s := range w.net.Seeds(perPlatform) {
		h := strings.TrimPrefix(s.Handle, "@")
		ref := store.RefreshRef{ID: s.Platform + ":" + strings.ToLower(h), Platform: s.Platform, Handle: h, URL: s.URL, SourceURL: s.URL}
		reqs, err := tg.Requests(ref)
		if err != nil {
			w.t.Fatalf("seed %+v: %v", s, err)
		}
		for i := range reqs {
			delete(reqs[i].Meta, MetaRefresh)
		}
		out = append(out, reqs...)
	}
	return out
}

// hashtagRequests is the hashtag job for tags on every source that has one.
func (w *world) hashtagRequests(tags ...string) []source.Request {
	var out []source.Request
	for _, tag := range tags {
		for _, s := range w.srcs {
			if hs, ok := s.(source.HashtagSource); ok {
				out = append(out, hs.HashtagRequests(tag)...)
			}
		}
	}
	return out
}

// nextDay moves the network and the clock one day on, to 02:00.
func (w *world) nextDay() {
	w.net.AdvanceDay()
	w.days++
	w.clk.SetTo(w.day0.Add(time.Duration(w.days)*day + 2*time.Hour))
}

// run runs the nightly job now.
func (w *world) run(o RunOptions) *Result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := w.job.Run(ctx, o)
	if err != nil {
		w.t.Fatalf("nightly run on day %d: %v", w.days, err)
	}
	if res.Run.Status != creator.RunDone || res.Run.Kind != Kind {
		w.t.Fatalf("run %d kind %q status %q, summary %+v", res.Run.ID, res.Run.Kind, res.Run.Status, res.Run.Summary)
	}
	// What the run returned is what the store (and GET /v1/crawls/{id}) serves.
	got, err := w.st.RunReport(ctx, res.Run.ID)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(res.Report)
	if err != nil || string(gb) != string(wb) || got.RunID != res.Run.ID {
		w.t.Fatalf("run %d: stored report %s differs from the returned %s (%v)", res.Run.ID, gb, wb, err)
	}
	return res
}

// stored returns every stored creator that is not gone, by id.
func (w *world) stored() map[string]*creator.Creator {
	w.t.Helper()
	out := map[string]*creator.Creator{}
	err := w.st.EachCreator(context.Background(), func(c *creator.Creator, _ []creator.Post) error {
		out[c.ID] = c
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// indexed reports whether the index holds id.
func (w *world) indexed(id string) bool {
	w.t.Helper()
	q := creator.Query{Limit: creator.MaxLimit, Facets: []string{}}
	for {
		res, err := w.ix.Search(context.Background(), q)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, h := range res.Hits {
			if h.ID == id {
				return true
			}
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			return false
		}
		q.Cursor = res.NextCursor
	}
}
