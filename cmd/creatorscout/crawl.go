package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
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

// newLogger makes the command's logger and the default one: net/http
// writes some of its complaints through the log package ("Unsolicited
// response received on idle HTTP channel starting with ..." from a server
// that sent more than its Content-Length), which would otherwise put
// plain lines, quoting page bytes, among the JSON logs.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	var l *slog.Logger
	if cfg.Log.Format == "text" {
		l = slog.New(slog.NewTextHandler(w, opts))
	} else {
		l = slog.New(slog.NewJSONHandler(w, opts))
	}
	slog.SetDefault(l)
	return l
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
	if err := noPendingRestore(cfg); err != nil {
		return nil, err
	}
	srcs, err := buildSources(cfg)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// Writes that race a `creatorscout reindex` are replayed from the store.
	ix, err := index.OpenWith(indexPath(cfg), index.Options{Reload: storeReload(st)})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open index %s: %w", indexPath(cfg), err)
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
		Store: a.store, Pipeline: a.pipeline, Sources: runSources(a.cfg, a.sources),
		Crawler: crawlerConfig(a.cfg), Logger: a.log, Progress: progress, Every: time.Second,
	}
}

func cmdCrawl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("crawl", stderr)
	cfgPath := fs.String("config", "", "config file (see creatorscout.example.yaml)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	var hashtags, urls, handles, brands multiFlag
	fs.Var(&hashtags, "hashtag", "crawl posts with this hashtag on every source (repeatable)")
	fs.Var(&urls, "url", "crawl this profile URL (repeatable)")
	fs.Var(&handles, "handle", "crawl this platform:handle (repeatable)")
	fs.Var(&brands, "brand", "find creators who mention this brand from analysis.brands (repeatable)")
	asJSON := fs.Bool("json", false, "print the run summary as JSON")
	resumeID := fs.Int64("resume", 0, "continue crawl run ID (after a crash or kill); flags' jobs are added to it")
	fresh := fs.Bool("new", false, "start a new run even if an interrupted run of the same jobs could be resumed")
	nightlyRun := fs.Bool("nightly", false, "run the nightly job now (refresh due creators, the config's jobs, snowball) and print its report")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	tuneGC()
	if *resumeID < 0 {
		return usagef("--resume %d: a run id is positive", *resumeID)
	}
	if *resumeID > 0 && *fresh {
		return usagef("--resume and --new exclude each other")
	}
	cfg, err := loadConfig(*cfgPath, *dataDir)
	if err != nil {
		return err
	}
	if *nightlyRun {
		return nightlyCrawl(ctx, cfg, len(hashtags)+len(urls)+len(handles)+len(brands) > 0 || *resumeID != 0 || *fresh, *asJSON, stdout, stderr)
	}
	j := jobs{Hashtags: hashtags, URLs: urls, Handles: handles, Brands: brands}
	if *resumeID > 0 {
		return resumeCrawl(ctx, cfg, *resumeID, j, *asJSON, stdout, stderr)
	}
	if j.empty() {
		j = jobs{Hashtags: cfg.Jobs.Hashtags, URLs: cfg.Jobs.Profiles, Brands: cfg.Jobs.Brands}
	}
	if j.empty() {
		return usagef("nothing to crawl: give --hashtag, --url, --handle or --brand, or jobs in the config")
	}
	reqs, lbls, err := jobSeeds(cfg, j)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	runner := a.runner(progressPrinter(stderr))
	var run *creator.CrawlRun
	id, others, err := interruptedRun(ctx, a.store, lbls)
	if err != nil {
		return err
	}
	for _, o := range others {
		fmt.Fprintf(stderr, "crawl run %d was interrupted too; continue it with --resume %d\n", o, o)
	}
	if id > 0 && !*fresh {
		fmt.Fprintf(stderr, "crawl run %d of the same jobs was interrupted: resuming it (--new starts a new run)\n", id)
		run, err = runner.Resume(ctx, id, reqs)
	} else {
		run, err = runner.Run(ctx, "manual", reqs, lbls)
	}
	if run != nil {
		printRun(stdout, run, *asJSON)
	}
	return err
}

// Crawl GC policy: the crawler's live heap is small (about 55 MB: the
// gazetteer, buffers, the pending index batch) while every 90 KB page
// allocates about 1.7 MB of garbage, so at the default GOGC=100 the
// collector ran every 30-odd pages (9% of the CPU by gctrace). In a
// 2,000-page `bench crawl` (one run each, on a loaded machine) CPU per page
// was 5.85 ms at GOGC=100 (peak RSS 188 MB), 4.89 ms at 400 (391 MB), and
// 5.3 ms at 400 under this soft memory limit (188 MB): the limit keeps the
// heap, and so the RSS, bounded. GOGC or GOMEMLIMIT in the environment win.
const (
	crawlGCPercent   = 400
	crawlMemoryLimit = 160 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(crawlGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(crawlMemoryLimit)
	}
}

// Bulk index build GC policy (reindex, bench search's build): every
// creator allocates about 30 KB that dies within its batch (its decoded
// documents, analysed text and log record) while the live heap is about
// 290 MB at 1M creators (the table's ids and dictionaries, the pending
// batches), so at GOGC=100 the collector ran every few thousand creators:
// about 18% of the build's CPU (a 1M-creator profile: marking 28 s, write
// barriers 14 s of 243 s). GOGC=200 under an 800 MiB soft limit lets the
// heap grow to the limit instead. GOGC or GOMEMLIMIT in the environment
// win. See the closing notes of issue 6 for the measured effect.
const (
	bulkGCPercent   = 200
	bulkMemoryLimit = 800 << 20
)

// bulkGC sets the bulk build policy and returns what puts the previous one
// back, so that a process that serves afterwards (bench search) serves
// with the default.
func bulkGC() (restore func()) {
	pct, lim := -2, int64(-2)
	if os.Getenv("GOGC") == "" {
		pct = debug.SetGCPercent(bulkGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		lim = debug.SetMemoryLimit(bulkMemoryLimit)
	}
	return func() {
		if pct != -2 {
			debug.SetGCPercent(pct)
		}
		if lim != -2 {
			debug.SetMemoryLimit(lim)
		}
	}
}

// resumeCrawl continues run id (--resume), adding the flags' jobs, if any.
func resumeCrawl(ctx context.Context, cfg config.Config, id int64, j jobs, asJSON bool, stdout, stderr io.Writer) error {
	var reqs []source.Request
	if !j.empty() {
		var err error
		if reqs, _, err = jobSeeds(cfg, j); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	prev, err := a.store.Run(ctx, id)
	if creator.ErrorCode(err) == creator.ENOTFOUND {
		return usagef("--resume %d: no such crawl run", id)
	}
	if err != nil {
		return err
	}
	if prev.Status == creator.RunDone {
		return usagef("--resume %d: the run is done; only an unfinished run (interrupted, canceled, failed or queued) can go on", id)
	}
	run, err := a.runner(progressPrinter(stderr)).Resume(ctx, id, reqs)
	if run != nil {
		printRun(stdout, run, asJSON)
	}
	return err
}

// interruptedRun finds the newest crawl run of these jobs that a crash or a
// kill left "running", among the latest 100 runs: once this process holds
// the index, no other process can be crawling into this data directory, so
// such a run is dead. It also returns the other interrupted runs that
// still have work queued.
func interruptedRun(ctx context.Context, st *store.Store, labels []string) (id int64, others []int64, err error) {
	runs, err := st.Runs(ctx, 100)
	if err != nil {
		return 0, nil, err
	}
	want := slices.Sorted(slices.Values(labels))
	for _, r := range runs {
		if r.Status != creator.RunRunning {
			continue
		}
		if id == 0 && slices.Equal(slices.Sorted(slices.Values(r.Seeds)), want) {
			id = r.ID
			continue
		}
		if n, err := st.FrontierPending(ctx, r.ID); err == nil && n > 0 {
			others = append(others, r.ID)
		}
	}
	return id, others, nil
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
