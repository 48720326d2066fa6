package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/creatorscout/creatorscout/api"
	"github.com/creatorscout/creatorscout/config"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	cfgPath := fs.String("config", "", "config file (see creatorscout.example.yaml)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	addr := fs.String("addr", "", "listen address (overrides api.addr)")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, *dataDir)
	if err != nil {
		return err
	}
	if *addr != "" {
		if err := checkAddr(*addr); err != nil {
			return usagef("--addr %q: %v", *addr, err)
		}
		cfg.API.Addr = *addr
	}
	// Take the address first: a busy or bad one fails before the store,
	// the scheduler and the crawl queue start, and "serving on" is only
	// said of an address that is listening.
	ln, err := net.Listen("tcp", cfg.API.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.API.Addr, err)
	}
	defer ln.Close()
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	crawls := startCrawlQueue(ctx, a) // runs POST /v1/crawls requests
	defer crawls.Stop()
	defer startScheduler(ctx, a)() // the nightly job on schedule (nightly.go)
	srv, err := a.server(crawls.wire, a.wireForget)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving on http://%s\n", ln.Addr())
	return srv.Serve(ctx, ln)
}

// checkAddr reports what is wrong with a listen address: host:port with a
// port from 0 to 65535.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("not host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a port number", port)
	}
	return nil
}

// apiConfig maps the file's api settings to the API's.
func apiConfig(c config.API) api.Config {
	out := api.DefaultConfig()
	out.BodyLimit = int64(c.BodyLimit)
	out.RequestTimeout = c.SearchTimeout
	out.ReadHeaderTimeout = c.ReadHeaderTimeout
	out.ReadTimeout = c.ReadTimeout
	out.WriteTimeout = c.WriteTimeout
	out.IdleTimeout = c.IdleTimeout
	out.CORSOrigins = c.CORSOrigins
	out.TrustedProxies = c.TrustedProxies
	out.RateLimit = api.Rate{Rate: c.RateLimit.Rate, Burst: c.RateLimit.Burst}
	for _, k := range c.Keys {
		out.Keys = append(out.Keys, api.Key{Name: k.Name, Hash: k.SHA256, Scope: k.Scope})
	}
	return out
}

// server builds the API over the app; opts add dependencies (the crawl
// queue, which only a serving process runs).
func (a *app) server(opts ...func(*api.Deps)) (*api.Server, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	conf := apiConfig(a.cfg.API)
	conf.CrawlAllowed = crawlAllowed(a.cfg.Crawler)
	deps := api.Deps{
		Searcher: a.index, Creators: a.store, Runs: a.store, Metrics: reg, Logger: a.log,
		Lists: storeLists{a.store}, Searches: storeSearches{a.store},
	}
	for _, o := range opts {
		o(&deps)
	}
	return api.New(conf, deps)
}

func cmdHashKey(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("hash-key", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: creatorscout hash-key KEY   (prints the sha256 to put in api.keys)")
	}
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 1 || len(fs.Arg(0)) < 16 {
		return usagef("give one KEY of at least 16 characters")
	}
	fmt.Fprintln(stdout, api.HashKey(fs.Arg(0)))
	return nil
}
