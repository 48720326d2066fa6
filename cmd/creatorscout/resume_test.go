package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/simnet"
	"github.com/creatorscout/creatorscout/store"
)

// Kill test sizes: the crawl's parallelism bounds the pages one kill can
// cost a second fetch.
const (
	killParallelism = 8
	killRounds      = 24 // kill points drawn; at least 20 must land
	minKills        = 20
)

// TestCrawlResumesAfterKill9 runs `creatorscout crawl` as a subprocess
// against a synthetic network of 150 creators, SIGKILLs it at random points
// (after a random number of distinct URLs have reached the network, seeded)
// and restarts it until it finishes. Every restart resumes the same run.
// The final store must hold what a crawl that was never interrupted stores,
// the index must hold every stored creator, and the network's own request
// logs must show that no process fetched a URL twice and that each kill cost
// at most killParallelism second fetches (the requests in flight when it
// came: a fetch whose outcome was not committed cannot be known to have
// happened).
func TestCrawlResumesAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 resume test skipped in -short mode")
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "creatorscout")
	build := exec.CommandContext(ctx, gobin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the binary in %s", time.Since(start).Round(100*time.Millisecond))

	// Every request wakes the watcher; the hit itself is in the log soon after.
	wake := make(chan struct{}, 1)
	network := simnet.New(simnet.Options{Seed: 11, Creators: 150, Today: time.Now().UTC(), Clock: func() time.Time {
		select {
		case wake <- struct{}{}:
		default:
		}
		return time.Now()
	}})
	sim, err := network.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	refDir, killDir := filepath.Join(dir, "reference"), filepath.Join(dir, "killed")
	refCfg, killCfg := filepath.Join(dir, "reference.yml"), filepath.Join(dir, "killed.yml")
	for _, c := range []struct{ path, data string }{{refCfg, refDir}, {killCfg, killDir}} {
		if err := writeConfig(c.path, killTestConfig(t, sim, network, c.data)); err != nil {
			t.Fatal(err)
		}
	}

	// The reference: one uninterrupted crawl.
	t0 := time.Now()
	p := startCrawl(ctx, t, bin, refCfg, "reference")
	if err := <-p.done; err != nil {
		t.Fatalf("reference crawl: %v\n%s", err, p.stderr.String())
	}
	refHits := fetchesByURL(sim)
	sim.ResetRequests()
	for u, f := range refHits {
		if len(f) > 1 {
			t.Errorf("uninterrupted crawl fetched %s %d times", u, len(f))
		}
	}
	distinct := len(refHits)
	t.Logf("reference crawl: %d distinct URLs in %s", distinct, time.Since(t0).Round(10*time.Millisecond))
	if distinct < 300 {
		t.Fatalf("reference crawl fetched only %d distinct URLs", distinct)
	}

	// Kill points: distinct URLs fetched so far, drawn without replacement.
	rng := rand.New(rand.NewPCG(20261122, 3))
	targets := rng.Perm(distinct - 1)[:killRounds]
	for i := range targets {
		targets[i]++
	}
	sort.Ints(targets)

	t1 := time.Now()
	var kills []int // distinct URLs at each kill
	round := 0
	for {
		round++
		if round > 3*killRounds {
			t.Fatalf("still not finished after %d rounds", round)
		}
		p := startCrawl(ctx, t, bin, killCfg, fmt.Sprintf("round-%d", round))
		finished, n := false, 0
	watch:
		for {
			select {
			case err := <-p.done:
				if err != nil {
					t.Fatalf("round %d: crawl failed on its own: %v\n%s", round, err, p.stderr.String())
				}
				finished = true
				break watch
			case <-wake:
				n = countDistinct(sim)
				if len(targets) > 0 && n >= targets[0] {
					if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
					<-p.done
					kills = append(kills, n)
					for len(targets) > 0 && targets[0] <= n {
						targets = targets[1:]
					}
					break watch
				}
			case <-ctx.Done():
				t.Fatalf("round %d: %v", round, ctx.Err())
			}
		}
		if finished {
			t.Logf("round %d finished the run: %s", round, strings.TrimSpace(p.stdout.String()))
			break
		}
	}
	t.Logf("%d kills (at %v distinct URLs), %d processes, %s; whole test so far %s",
		len(kills), kills, round, time.Since(t1).Round(10*time.Millisecond), time.Since(start).Round(10*time.Millisecond))
	if len(kills) < minKills {
		t.Errorf("only %d kills landed; want at least %d", len(kills), minKills)
	}

	// No process fetched a URL twice; a URL fetched again was fetched by a
	// killed process first, and each kill cost at most killParallelism.
	hits := fetchesByURL(sim)
	again := map[string]int{} // killed process -> its URLs fetched again later
	for u, procs := range hits {
		seen := map[string]bool{}
		for _, pr := range procs {
			if seen[pr] {
				t.Errorf("%s: %s fetched it twice", u, pr)
			}
			seen[pr] = true
		}
		for _, pr := range procs[:len(procs)-1] {
			again[pr]++
		}
	}
	refetched := 0
	for pr, n := range again {
		refetched += n
		if n > killParallelism {
			t.Errorf("%s: %d of its URLs were fetched again after the kill; at most %d can have been in flight", pr, n, killParallelism)
		}
	}
	if last := fmt.Sprintf("round-%d", round); again[last] > 0 {
		t.Errorf("the process that finished, %s, fetched %d URLs that were fetched again", last, again[last])
	}
	t.Logf("%d of %d URLs fetched a second time, by the process after a kill", refetched, len(hits))
	if missing := missingURLs(refHits, hits); len(missing) > 0 {
		t.Errorf("%d URLs of the reference crawl were never fetched, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}

	// The stores hold the same creators and posts; the killed run is one
	// run, done, with nothing left in its frontier; the index has every
	// creator.
	want := storeFacts(ctx, t, refDir)
	got := storeFacts(ctx, t, killDir)
	if len(want) < 100 {
		t.Fatalf("reference store holds only %d creators", len(want))
	}
	for id, w := range want {
		if g, ok := got[id]; !ok {
			t.Errorf("%s: missing after the kills", id)
		} else if g != w {
			t.Errorf("%s differs:\n  killed:    %s\n  reference: %s", id, g, w)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: stored after the kills, not by the reference crawl", id)
		}
	}
	killed := checkRun(ctx, t, killDir, len(got))
	ref := checkRun(ctx, t, refDir, len(want))
	// Pages of killed processes are counted from the frontier on resume.
	if killed.Summary.Pages != ref.Summary.Pages {
		t.Errorf("the resumed run counts %d pages, the reference %d", killed.Summary.Pages, ref.Summary.Pages)
	}
	t.Logf("whole test: %s", time.Since(start).Round(10*time.Millisecond))
}

// killTestConfig is the demo's configuration with parallelism
// killParallelism, generous host rates, and the demo's seeds as jobs.
func killTestConfig(t *testing.T, sim *simnet.Server, n *simnet.Network, dataDir string) config.Config {
	t.Helper()
	cfg := demoConfig(sim, dataDir, "127.0.0.1:0")
	cfg.Log = config.Log{Level: "warn", Format: "json"}
	cfg.Crawler.Parallelism = killParallelism
	cfg.Crawler.Hosts = []config.HostRule{{Glob: "127.0.0.1:*", Rate: 1000, Burst: 50, MaxConns: 4}}
	for _, s := range n.Seeds(1000) {
		if s.Platform == simnet.Web || s.Platform == simnet.TikTok {
			cfg.Jobs.Profiles = append(cfg.Jobs.Profiles, s.URL)
		} else {
			cfg.Jobs.Profiles = append(cfg.Jobs.Profiles, s.Platform+":"+s.Handle)
		}
	}
	cfg.Jobs.Hashtags = n.Hashtags()[:3]
	return cfg
}

type crawlProc struct {
	cmd            *exec.Cmd
	done           chan error
	stdout, stderr *bytes.Buffer
}

// startCrawl starts `creatorscout crawl --config cfg --json` with a user
// agent naming name, so the network's logs tell the processes apart.
func startCrawl(ctx context.Context, t *testing.T, bin, cfg, name string) *crawlProc {
	t.Helper()
	p := &crawlProc{done: make(chan error, 1), stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}
	p.cmd = exec.CommandContext(ctx, bin, "crawl", "--config", cfg, "--json")
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Env = append(os.Environ(), "CREATORSCOUT_CRAWLER_USER_AGENT=creatorscout-test/1.0 ("+name+")")
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p
}

// processOf names the process that sent a request, from its user agent.
func processOf(ua string) string {
	_, rest, ok := strings.Cut(ua, "(")
	if !ok {
		return ua
	}
	return strings.TrimSuffix(rest, ")")
}

// fetchesByURL maps each fetched host+URL (robots.txt aside: each process
// has its own robots.txt cache) to the processes that fetched it, in order.
func fetchesByURL(sim *simnet.Server) map[string][]string {
	out := map[string][]string{}
	for addr, hits := range sim.AllRequests() {
		for _, h := range hits {
			if h.URL == "/robots.txt" {
				continue
			}
			k := addr + h.URL
			out[k] = append(out[k], processOf(h.UserAgent))
		}
	}
	return out
}

func countDistinct(sim *simnet.Server) int {
	n := 0
	for _, hits := range sim.AllRequests() {
		seen := map[string]bool{}
		for _, h := range hits {
			if h.URL != "/robots.txt" && !seen[h.URL] {
				seen[h.URL] = true
				n++
			}
		}
	}
	return n
}

func missingURLs(want, got map[string][]string) []string {
	var out []string
	for u := range want {
		if _, ok := got[u]; !ok {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

// storeFacts reads every creator and its posts, keeping the fields a crawl
// determines (not fetch times or which page said it last), as one line
// per creator.
func storeFacts(ctx context.Context, t *testing.T, dataDir string) map[string]string {
	t.Helper()
	st, err := store.Open(ctx, filepath.Join(dataDir, "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := map[string]string{}
	type postFacts struct {
		ID, URL, Caption, Class string
		Published               *time.Time
		Likes, Comments, Views  *int64
		Hashtags, Mentions      []string
		Brands                  []creator.Brand
	}
	round := func(f *float64) *float64 {
		if f == nil {
			return nil
		}
		v := math.Round(*f*1e9) / 1e9
		return &v
	}
	var mu sync.Mutex
	err = st.EachCreator(ctx, func(c *creator.Creator, posts []creator.Post) error {
		var ps []postFacts
		for _, p := range posts {
			ps = append(ps, postFacts{ID: p.ID, URL: p.URL, Caption: p.Caption, Class: p.Disclosure.Class,
				Published: p.PublishedAt, Likes: p.Likes, Comments: p.Comments, Views: p.Views,
				Hashtags: p.Hashtags, Mentions: p.Mentions, Brands: p.Brands})
		}
		slices.SortFunc(ps, func(a, b postFacts) int { return strings.Compare(a.ID, b.ID) })
		var country, city string
		if c.Location != nil {
			country, city = c.Location.Country, c.Location.City
		}
		b, err := json.Marshal(struct {
			Platform, Handle, PlatformID, URL, Name, Bio, Language, Tier, Country, City string
			Followers, Following, PostsCount                                            *int64
			Verified                                                                    bool
			Niches                                                                      []string
			ER, AvgLikes, AvgComments, AvgViews                                         *float64
			LastPost                                                                    *time.Time
			Posts                                                                       []postFacts
		}{c.Platform, c.Handle, c.PlatformID, c.URL, c.DisplayName, c.Bio, c.Language, c.Tier, country, city,
			c.Followers, c.Following, c.PostsCount, c.Verified, c.Niches,
			round(c.EngagementRate), round(c.AvgLikes), round(c.AvgComments), round(c.AvgViews), c.LastPostAt, ps})
		if err != nil {
			return err
		}
		mu.Lock()
		out[c.ID] = string(b)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkRun checks that the data dir holds exactly one crawl run, done, with
// an empty frontier, and that the index holds the store's creators.
func checkRun(ctx context.Context, t *testing.T, dataDir string, creators int) creator.CrawlRun {
	t.Helper()
	st, err := store.Open(ctx, filepath.Join(dataDir, "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("%s: %d crawl runs, want the one run resumed each time", dataDir, len(runs))
	}
	r := runs[0]
	if r.Status != creator.RunDone || r.FinishedAt == nil || r.Summary.Pages == 0 {
		t.Errorf("%s: run %d is %s (finished %v) with %d pages", dataDir, r.ID, r.Status, r.FinishedAt, r.Summary.Pages)
	}
	if n, err := st.FrontierPending(ctx, r.ID); err != nil || n != 0 {
		t.Errorf("%s: %d frontier items still pending (%v)", dataDir, n, err)
	}
	ix, err := index.Open(filepath.Join(dataDir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n, err := ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != creators {
		t.Errorf("%s: the index holds %d creators, the store %d", dataDir, n, creators)
	}
	return r
}

// TestCrawlResumeFlags: --resume and --new are checked before anything
// runs, and --resume names an unfinished run of this data directory.
func TestCrawlResumeFlags(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	done, err := st.StartRun(ctx, "manual", []string{"hashtag:vegan"}, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	fin := time.Now().UTC()
	if err := st.UpdateRun(ctx, done, creator.RunDone, creator.RunSummary{}, &fin); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--resume", "3", "--new"}, 2, "exclude each other"},
		{[]string{"--resume", "-1"}, 2, "a run id is positive"},
		{[]string{"--data", dir, "--resume", "99"}, 2, "no such crawl run"},
		{[]string{"--data", dir, "--resume", fmt.Sprint(done)}, 2, "the run is done"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(ctx, append([]string{"crawl"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("crawl %v: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.msg)
		}
	}
}
