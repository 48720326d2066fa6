package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/ingest"
	"github.com/creatorscout/creatorscout/store"
)

// crawlerConfig maps the file's crawler and source settings to the crawler's.
func crawlerConfig(cfg config.Config) crawler.Config {
	c := crawler.DefaultConfig()
	cc := cfg.Crawler
	c.UserAgent = cc.UserAgent
	c.Parallelism = cc.Parallelism
	c.RespectRobots = cc.RespectRobots
	c.CrawlDelayCap = cc.CrawlDelayCap
	c.DefaultRate = cc.DefaultRate
	c.DefaultBurst = cc.DefaultBurst
	for _, h := range cc.Hosts {
		c.HostRules = append(c.HostRules, crawler.HostRule{Glob: h.Glob, Rate: h.Rate, Burst: h.Burst, MaxConns: h.MaxConns})
	}
	c.RequestTimeout = cc.RequestTimeout
	c.HeaderTimeout = cc.HeaderTimeout
	c.MaxBodyBytes = int64(cc.MaxBodyBytes)
	c.MaxRedirects = cc.MaxRedirects
	c.MaxURLLength = cc.MaxURLLength
	c.MaxDepth = cc.MaxDepth
	c.MaxPages = cc.MaxPages
	c.MaxPagesPerHost = cc.MaxPagesPerHost
	c.MaxRetries = cc.MaxRetries
	c.BackoffBase = cc.BackoffBase
	c.BackoffMax = cc.BackoffMax
	c.Freshness = cc.Freshness
	c.AllowLoopback = cc.AllowLoopback
	c.AllowedCIDRs = cc.AllowedCIDRs
	c.Quotas = map[string]crawler.Quota{}
	for name, s := range sourceSettings(cfg) {
		if s.Quota > 0 && s.QuotaWindow > 0 {
			c.Quotas[name] = crawler.Quota{Units: s.Quota, Window: s.QuotaWindow}
		}
	}
	return c
}

func analysisOptions(cfg config.Config) creator.Options {
	o := creator.DefaultOptions()
	o.WindowPosts = cfg.Analysis.WindowPosts
	o.WindowDays = cfg.Analysis.WindowDays
	o.Tiers = creator.TierThresholds{Micro: cfg.Analysis.Tiers.Micro, Macro: cfg.Analysis.Tiers.Macro, Mega: cfg.Analysis.Tiers.Mega}
	o.Brands = cfg.Analysis.Brands
	o.ExtraNiches = cfg.Analysis.Niches
	o.Prices = cfg.Analysis.Prices.PriceTable()
	return o
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// app is everything a crawl or a server works on.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	store    *store.Store
	index    *index.Index
	pipeline *ingest.Pipeline
	sources  []source.Source
}

func openApp(ctx context.Context, cfg config.Config, logw io.Writer) (*app, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	srcs, err := buildSources(cfg)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ix, err := openIndex(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	log := newLogger(cfg, logw)
	return &app{
		cfg: cfg, log: log, store: st, index: ix, sources: srcs,
		pipeline: ingest.New(st, ix, analysisOptions(cfg), time.Now, log),
	}, nil
}

func (a *app) Close() error {
	err1 := a.index.Close()
	err2 := a.store.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

func (a *app) runner(progress func(crawler.Progress)) *ingest.Runner {
	return &ingest.Runner{
		Store: a.store, Pipeline: a.pipeline, Sources: a.sources,
		Crawler: crawlerConfig(a.cfg), Logger: a.log, Progress: progress, Every: time.Second,
	}
}

func cmdCrawl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("crawl", stderr)
	cfgPath := fs.String("config", "", "config file (see creatorscout.example.yaml)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	var hashtags, urls, handles multiFlag
	fs.Var(&hashtags, "hashtag", "crawl posts with this hashtag on every source (repeatable)")
	fs.Var(&urls, "url", "crawl this profile URL (repeatable)")
	fs.Var(&handles, "handle", "crawl this platform:handle (repeatable)")
	asJSON := fs.Bool("json", false, "print the run summary as JSON")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, *dataDir)
	if err != nil {
		return err
	}
	if len(hashtags)+len(urls)+len(handles) == 0 {
		hashtags, urls = cfg.Jobs.Hashtags, cfg.Jobs.Profiles
	}
	if len(hashtags)+len(urls)+len(handles) == 0 {
		return usagef("nothing to crawl: give --hashtag, --url or --handle, or jobs in the config")
	}
	reqs, err := seeds(cfg, hashtags, urls, handles)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	run, err := a.runner(progressPrinter(stderr)).Run(ctx, "manual", reqs, labels(hashtags, urls, handles))
	if run != nil {
		printRun(stdout, run, *asJSON)
	}
	return err
}

func labels(hashtags, urls, handles []string) []string {
	var out []string
	for _, h := range hashtags {
		out = append(out, "hashtag:"+strings.TrimPrefix(h, "#"))
	}
	out = append(out, urls...)
	return append(out, handles...)
}

// progressPrinter renders a live line on a TTY and JSON log lines elsewhere.
func progressPrinter(w io.Writer) func(crawler.Progress) {
	f, ok := w.(*os.File)
	if ok && term.IsTerminal(int(f.Fd())) {
		return func(p crawler.Progress) {
			fmt.Fprintf(w, "\r\033[K%s", p.String())
			if p.Done {
				fmt.Fprintln(w)
			}
		}
	}
	log := slog.New(slog.NewJSONHandler(w, nil))
	return func(p crawler.Progress) {
		log.Info("crawl progress", "run", p.RunID, "pages", p.Pages, "pages_per_sec", p.PagesPerSec,
			"queue", p.Queue, "hosts_waiting", p.HostsWaiting, "errors", p.Errors, "done", p.Done)
	}
}

func printRun(w io.Writer, run *creator.CrawlRun, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(run)
		return
	}
	s := run.Summary
	fmt.Fprintf(w, "crawl run %d: %s\n", run.ID, run.Status)
	fmt.Fprintf(w, "  pages fetched    %d (%d not modified)\n", s.Pages, s.NotModified)
	fmt.Fprintf(w, "  creators new     %d\n  creators updated %d\n  posts            %d\n", s.CreatorsNew, s.CreatorsUpdated, s.Posts)
	fmt.Fprintf(w, "  opted out        %d\n  robots denied    %d\n", s.OptedOut, s.RobotsDenied)
	kinds := make([]string, 0, len(s.Errors))
	for k := range s.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if len(kinds) == 0 {
		fmt.Fprintln(w, "  errors           none")
	}
	for _, k := range kinds {
		fmt.Fprintf(w, "  errors %-9s %d\n", k, s.Errors[k])
	}
	if len(s.HostsSkipped) > 0 {
		fmt.Fprintf(w, "  hosts skipped    %s\n", strings.Join(s.HostsSkipped, ", "))
	}
}
