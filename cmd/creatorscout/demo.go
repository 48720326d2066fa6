package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/simnet"
)

// Credentials simnet expects; they exist only on loopback.
const (
	demoAPIKey   = "simnet-key"
	demoToken    = "simnet-token"
	demoIGUserID = "17841400000000001"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	n := fs.Int("creators", 2000, "creators in the synthetic network")
	seed := fs.Int64("seed", 1, "seed of the synthetic network (same seed, same network)")
	addr := fs.String("addr", "127.0.0.1:8080", "API listen address")
	dataDir := fs.String("data", "", "data directory (default: a new temporary directory, removed on exit)")
	noServe := fs.Bool("no-serve", false, "crawl, print the summary and exit without serving")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *n < 1 || *n > 1_000_000 {
		return usagef("--creators must be between 1 and 1000000")
	}
	if err := checkAddr(*addr); err != nil {
		return usagef("--addr %q: %v", *addr, err)
	}
	if *dataDir == "" {
		dir, err := os.MkdirTemp("", "creatorscout-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*dataDir = dir
	}

	// Take the address first so a busy port fails before the crawl, not after.
	var ln net.Listener
	if !*noServe {
		l, err := net.Listen("tcp", *addr)
		if err != nil {
			return fmt.Errorf("--addr: %w", err)
		}
		ln = l
		defer ln.Close()
	}
	start := time.Now()
	d, err := startDemo(ctx, *n, *seed, *dataDir, *addr, demoLog(stderr), stderr)
	if d != nil {
		defer d.Close()
	}
	if err != nil {
		return err
	}
	a := d.app
	count, _ := a.index.Count()
	fmt.Fprintf(stderr, "crawled, analysed, stored and indexed %d creators in %s (data in %s)\n",
		count, time.Since(start).Round(100*time.Millisecond), a.cfg.DataDir)
	if *noServe {
		return nil
	}

	crawls := startCrawlQueue(ctx, a) // runs POST /v1/crawls requests
	defer crawls.Stop()
	srv, err := a.server(crawls.wire)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "creatorscout demo API on %s (Ctrl-C to stop)\n", base)
	fmt.Fprintf(stdout, "web UI: %s/\n\n", base)
	fmt.Fprintf(stdout, "  curl '%s/v1/creators?niche=fitness&tier=micro&sort=-engagement_rate'\n", base)
	fmt.Fprintf(stdout, "  curl '%s/v1/creators?q=vegan+skincare&country=GB&min_er=3%%25&facets=niche,city'\n", base)
	fmt.Fprintf(stdout, "  curl '%s/v1/creators?hashtag=pilates&sort=-followers&limit=5'\n", base)
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// demoConfig points every source at the synthetic network and opens
// loopback (closed by default) to the crawler. robots.txt stays on.
func demoConfig(sim *simnet.Server, dataDir, addr string) config.Config {
	cfg := config.Default()
	cfg.DataDir = dataDir
	cfg.API.Addr = addr
	cfg.Log.Format = "text"
	cfg.Crawler.AllowLoopback = true
	cfg.Crawler.Parallelism = 32
	cfg.Crawler.MaxDepth = 3
	// Each simulated host gets its own limiter: generous, since the hosts
	// are ours, but still a rate.
	cfg.Crawler.Hosts = []config.HostRule{{Glob: "127.0.0.1:*", Rate: 200, Burst: 20, MaxConns: 8}}
	urls := sim.BaseURLs()
	first := func(kind string) string {
		if len(urls[kind]) > 0 {
			return urls[kind][0]
		}
		return ""
	}
	s := &cfg.Sources
	s.Mastodon.BaseURL = first("mastodon")
	if len(urls["mastodon"]) > 1 {
		s.Mastodon.Instances = urls["mastodon"][1:]
	}
	s.Bluesky.BaseURL = first("bluesky")
	s.YouTube.BaseURL, s.YouTube.APIKey = first("youtube"), demoAPIKey
	s.Instagram.BaseURL, s.Instagram.AccessToken, s.Instagram.UserID = first("instagram"), demoToken, demoIGUserID
	// The synthetic Graph API has no hourly cap; the real one's 200 calls an
	// hour (the default quota) would leave most of its creators for later runs.
	s.Instagram.Quota = 0
	// Mastodon instances the source may derive URLs for keep the base
	// URL's http scheme.
	s.Mastodon.Hosts, s.HTML.Hosts = sim.SourceHosts()
	for _, src := range []*config.Source{&s.Mastodon, &s.Bluesky, &s.YouTube, &s.Instagram} {
		src.Enabled = src.BaseURL != ""
	}
	return cfg
}

// demoSeeds starts from the network's creator list (as an agency starts from
// a list of handles) plus its three most used hashtags on every source.
func demoSeeds(cfg config.Config, n *simnet.Network, perPlatform int) ([]source.Request, []string, error) {
	var handles []string
	for _, s := range n.Seeds(perPlatform) {
		switch {
		case s.Platform == "web" || s.Platform == "tiktok":
			handles = append(handles, s.URL)
		default:
			handles = append(handles, s.Platform+":"+s.Handle)
		}
	}
	tags := n.Hashtags()
	if len(tags) > 3 {
		tags = tags[:3]
	}
	reqs, err := seeds(cfg, tags, nil, handles)
	if err != nil {
		return nil, nil, err
	}
	labels := labels(tags, nil, nil)
	labels = append(labels, fmt.Sprintf("simnet:%d creators", len(handles)))
	return reqs, labels, nil
}

// demoLog shows the crawler's warnings only when CREATORSCOUT_DEMO_LOG is set,
// so the demo's own output stays readable.
func demoLog(w io.Writer) io.Writer {
	if os.Getenv("CREATORSCOUT_DEMO_LOG") != "" {
		return w
	}
	return io.Discard
}

// demo is a synthetic network crawled into a fresh store and index.
type demo struct {
	network *simnet.Network
	sim     *simnet.Server
	app     *app
	run     *creator.CrawlRun
}

// startDemo starts the synthetic network, crawls it through the real
// crawler (robots.txt and rate limits on) into the store and index under
// dataDir, and returns them open. progress receives the crawl's progress.
func startDemo(ctx context.Context, n int, seed int64, dataDir, addr string, logw, progress io.Writer, tune ...func(*config.Config)) (*demo, error) {
	// The network's data is "as of" today so posts fall in the analysis window.
	network := simnet.New(simnet.Options{Seed: seed, Creators: n, Today: time.Now().UTC()})
	sim, err := network.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("start synthetic network: %w", err)
	}
	d := &demo{network: network, sim: sim}
	fmt.Fprintf(progress, "synthetic network: %d creators on %d loopback hosts\n", n, len(sim.Hosts()))
	cfg := demoConfig(sim, dataDir, addr)
	for _, f := range tune {
		f(&cfg)
	}
	if d.app, err = openApp(ctx, cfg, logw); err != nil {
		return d, err
	}
	reqs, labels, err := demoSeeds(cfg, network, n)
	if err != nil {
		return d, err
	}
	d.run, err = d.app.runner(progressPrinter(progress)).Run(ctx, "demo", reqs, labels)
	if d.run != nil {
		printRun(progress, d.run, false)
	}
	return d, err
}

// Close stops the network and closes the store and index.
func (d *demo) Close() {
	if d.app != nil {
		d.app.Close()
	}
	d.sim.Close()
}
