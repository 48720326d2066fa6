package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"
	"go.yaml.in/yaml/v3"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/simnet"
	"github.com/creatorscout/creatorscout/store"
)

// benchCommands are the subcommands of `creatorscout bench`, by name. Each
// lives in its own file; a file adds its entry in an init function, e.g.
// bench_search.go: func init() { benchCommands["search"] = command{...} }.
var benchCommands = map[string]command{
	"crawl": {"crawl a synthetic network through the whole pipeline: pages/s, CPU ms per page, peak RSS, parse ceiling", cmdBenchCrawl},
	// The crawl and parse-ceiling processes of `bench crawl` (not listed:
	// no summary).
	"crawl-child":   {"", cmdBenchCrawlChild},
	"ceiling-child": {"", cmdBenchCeilingChild},
}

// cmdBench dispatches `creatorscout bench SUBCOMMAND`.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, "usage: creatorscout bench SUBCOMMAND [flags]   (creatorscout bench SUBCOMMAND -h for its flags)")
		fmt.Fprintln(stderr)
		names := make([]string, 0, len(benchCommands))
		for n := range benchCommands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if benchCommands[n].summary != "" {
				fmt.Fprintf(stderr, "  %-9s %s\n", n, benchCommands[n].summary)
			}
		}
		if len(args) == 0 {
			return usagef("name a subcommand")
		}
		return flag.ErrHelp
	}
	sub, ok := benchCommands[args[0]]
	if !ok {
		return usagef("unknown bench subcommand %q", args[0])
	}
	return sub.run(ctx, args[1:], stdout, stderr)
}

// benchCrawlOpts are the flags of `bench crawl`.
type benchCrawlOpts struct {
	Pages     int // creators in the network (profile pages, about)
	Hosts     int
	Pad       int
	Parallel  int
	Seed      int64
	Runs      int
	Throttled bool
	Rate      float64
	Duration  time.Duration
	Frontier  int
	Keep      string
	Profile   string // CPU profile of the crawl child
	Exe       string // the binary that runs `crawl`; default this one
}

func cmdBenchCrawl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench crawl", stderr)
	o := benchCrawlOpts{}
	fs.IntVar(&o.Pages, "pages", 6000, "creators in the synthetic network (web and TikTok profile pages)")
	fs.IntVar(&o.Hosts, "hosts", 20, "hosts serving them")
	fs.IntVar(&o.Pad, "pad", 90000, "pad each profile page to about this many bytes")
	fs.IntVar(&o.Parallel, "parallel", 32, "crawler parallelism")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the synthetic network")
	fs.IntVar(&o.Runs, "runs", 1, "measure this many times, side by side, and report the medians")
	fs.BoolVar(&o.Throttled, "throttled", false, "politeness run: every host at --rate for --duration; reports each host's achieved rate and largest burst")
	fs.Float64Var(&o.Rate, "rate", 5, "--throttled: requests per second per host")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "--throttled: how long each host is crawled")
	fs.IntVar(&o.Frontier, "frontier", 0, "fill the run's store-backed frontier with this many URLs (the profiles plus fillers) before crawling, to measure peak RSS with a large frontier")
	fs.StringVar(&o.Keep, "data", "", "keep the data directories under DIR (default: a temporary directory, removed)")
	fs.StringVar(&o.Profile, "cpuprofile", "", "write a CPU profile of the (last) crawl process to FILE")
	fs.StringVar(&o.Exe, "exe", "", "run the crawl with this creatorscout binary (default: this one; the ceiling always runs with this one), to compare two builds under one harness")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !o.Throttled && (given["rate"] || given["duration"]) {
		return usagef("--rate and --duration are for --throttled runs; add --throttled or drop them")
	}
	if o.Exe != "" {
		if fi, err := os.Stat(o.Exe); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return usagef("--exe %q is not an executable file", o.Exe)
		}
	}
	switch {
	case o.Pages < 1 || o.Pages > 1_000_000:
		return usagef("--pages must be between 1 and 1000000")
	case o.Hosts < 2 || o.Hosts > 200:
		return usagef("--hosts must be between 2 and 200")
	case o.Pad < 0:
		return usagef("--pad must not be negative")
	case o.Parallel < 1:
		return usagef("--parallel must be at least 1")
	case o.Runs < 1 || o.Runs > 50:
		return usagef("--runs must be between 1 and 50")
	case !(o.Rate > 0):
		return usagef("--rate must be positive")
	case o.Duration < time.Second:
		return usagef("--duration must be at least 1s")
	case o.Frontier < 0 || o.Frontier > 50_000_000:
		return usagef("--frontier must be between 0 and 50000000")
	}
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench: find this binary: %w", err)
		}
		o.Exe = exe
	}
	dir := o.Keep
	if dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("bench: --data: %w", err)
		}
	} else {
		var err error
		if dir, err = os.MkdirTemp("", "creatorscout-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if o.Throttled {
		return benchThrottled(ctx, o, dir, stdout, stderr)
	}
	return benchUnthrottled(ctx, o, dir, stdout, stderr)
}

// childEnv is the crawl child's environment: this one without
// CREATORSCOUT_CPUPROFILE (so two processes never write one file), plus the
// child's own profile path when --cpuprofile is set.
func (o benchCrawlOpts) childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CREATORSCOUT_CPUPROFILE=") {
			env = append(env, kv)
		}
	}
	if o.Profile != "" {
		env = append(env, "CREATORSCOUT_CPUPROFILE="+o.Profile)
	}
	return env
}

// benchNet is a started synthetic network of profile pages.
type benchNet struct {
	network *simnet.Network
	sim     *simnet.Server
	urls    []string // every creator's profile page
}

// startBenchNet starts a network whose creators are all on web hosts (and
// a share on the one TikTok host when withTikTok), hosts in all.
func startBenchNet(ctx context.Context, creators, hosts, pad int, seed int64, withTikTok bool) (*benchNet, error) {
	mix := map[string]float64{simnet.Web: 1}
	webHosts := hosts
	if withTikTok {
		mix = map[string]float64{simnet.Web: 0.85, simnet.TikTok: 0.15}
		webHosts = hosts - 1
	}
	n := simnet.New(simnet.Options{Seed: seed, Creators: creators, WebHosts: webHosts, PadHTML: pad,
		Prerender: true, Platforms: mix, Today: time.Now().UTC()})
	sim, err := n.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: start synthetic network: %w", err)
	}
	b := &benchNet{network: n, sim: sim}
	for _, s := range n.Seeds(creators + 1) {
		if s.Platform == simnet.Web || s.Platform == simnet.TikTok {
			b.urls = append(b.urls, s.URL)
		}
	}
	return b, nil
}

// benchConfig is the demo's configuration narrowed to the HTML source,
// with every simulated host at rate req/s (burst, conns) and the profile
// URLs as the crawl's jobs.
func benchConfig(bn *benchNet, dataDir string, parallel int, rate float64, burst, conns int, urls []string) config.Config {
	cfg := demoConfig(bn.sim, dataDir, "127.0.0.1:0")
	cfg.Log = config.Log{Level: "warn", Format: "json"}
	cfg.Crawler.Parallelism = parallel
	cfg.Crawler.Hosts = []config.HostRule{{Glob: "127.0.0.1:*", Rate: rate, Burst: burst, MaxConns: conns}}
	cfg.Crawler.MaxPages = 4*len(urls) + 1000
	cfg.Crawler.MaxPagesPerHost = 4*len(urls) + 1000
	cfg.Jobs.Profiles = urls
	cfg.Jobs.Hashtags = nil
	return cfg
}

func writeConfig(path string, cfg config.Config) error {
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("bench: config: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("bench: config: %w", err)
	}
	if _, err := config.Load(path, nil); err != nil {
		return fmt.Errorf("bench: the written config does not load: %w", err)
	}
	return nil
}

// crawlMeasure is one `creatorscout crawl` child process, measured.
type crawlMeasure struct {
	Run       creator.CrawlRun
	Wall      time.Duration // process start to exit
	CPU       time.Duration // user + system of the child
	PeakRSS   int64         // bytes
	ServerCPU time.Duration // this process (the synthetic network) meanwhile
}

func (m crawlMeasure) pagesPerSec() float64 { return float64(m.Run.Summary.Pages) / m.Wall.Seconds() }
func (m crawlMeasure) cpuPerPage() float64 {
	return float64(m.CPU.Microseconds()) / 1000 / float64(max(1, m.Run.Summary.Pages))
}

// runCrawlChild runs `exe crawl --json ARGS` (through `bench crawl-child`,
// which reports the process's own peak RSS) in environment env and measures
// it. Its stderr (progress and logs) goes to logPath.
func runCrawlChild(ctx context.Context, exe, logPath string, env []string, args ...string) (crawlMeasure, error) {
	var m crawlMeasure
	logf, err := os.Create(logPath)
	if err != nil {
		return m, err
	}
	defer logf.Close()
	var out bytes.Buffer
	rssFile := logPath + ".rss"
	cmd := exec.CommandContext(ctx, exe, append([]string{"bench", "crawl-child", "--rss-file", rssFile, "--", "--json"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, logf
	cmd.Env = env
	cpu0, _ := selfUsage()
	start := time.Now()
	runErr := cmd.Run()
	m.Wall = time.Since(start)
	cpu1, _ := selfUsage()
	m.ServerCPU = cpu1 - cpu0
	if cmd.ProcessState != nil {
		m.CPU, m.PeakRSS = childUsage(cmd.ProcessState)
	}
	// getrusage's maxrss of a child counts the parent's peak too (exec
	// records the high-water mark of the address space it replaces, which
	// after vfork is the parent's); the child's own VmHWM does not.
	if b, err := os.ReadFile(rssFile); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 {
			m.PeakRSS = v
		}
	}
	if err := json.Unmarshal(out.Bytes(), &m.Run); err != nil {
		return m, fmt.Errorf("bench: crawl printed no run summary (%v; exit: %v; log in %s)", err, runErr, logPath)
	}
	if runErr != nil {
		return m, fmt.Errorf("bench: crawl: %w (run %s; log in %s)", runErr, m.Run.Status, logPath)
	}
	return m, nil
}

// cmdBenchCrawlChild runs `crawl` with the arguments after "--", then
// writes the process's peak resident set (VmHWM, bytes) to --rss-file.
func cmdBenchCrawlChild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench crawl-child", stderr)
	rssFile := fs.String("rss-file", "", "write the peak RSS in bytes here")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	err := cmdCrawl(ctx, fs.Args(), stdout, stderr)
	if *rssFile != "" {
		if hwm, ok := ownPeakRSS(); ok {
			if werr := os.WriteFile(*rssFile, []byte(strconv.FormatInt(hwm, 10)+"\n"), 0o600); werr != nil && err == nil {
				err = werr
			}
		}
	}
	return err
}

// ownPeakRSS reads this process's peak resident set from /proc (Linux).
func ownPeakRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return n << 10, true
				}
			}
		}
	}
	return 0, false
}

// benchUnthrottled measures the whole pipeline against the parse ceiling,
// each in a process of its own, side by side: run i crawls the network in
// a `crawl` child, then parses the same pages, saved to disk, in a
// `bench ceiling-child`. Both children start from the same binary with the
// same GC policy (tuneGC) and hold only what they work on: measured in this
// process, the ceiling paid for marking the synthetic network's heap
// (about 0.8 GB) on every GC cycle, and varied with it.
func benchUnthrottled(ctx context.Context, o benchCrawlOpts, dir string, stdout, stderr io.Writer) error {
	// GOGC and GOMEMLIMIT in the environment are meant for the measured
	// processes (tuneGC lets them win there). This one holds the synthetic
	// network (about 0.8 GB live) and keeps the runtime's defaults: a limit
	// below its live heap would have it collect without end, next to the
	// crawl it serves.
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	t0 := time.Now()
	bn, err := startBenchNet(ctx, o.Pages, o.Hosts, o.Pad, o.Seed, true)
	if err != nil {
		return err
	}
	defer bn.sim.Close()
	fmt.Fprintf(stderr, "synthetic network: %d profile pages on %d hosts, pre-rendered in %s\n",
		len(bn.urls), len(bn.sim.Hosts()), time.Since(t0).Round(100*time.Millisecond))

	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find this binary: %w", err)
	}
	pagesDir := filepath.Join(dir, "pages")
	n, total, err := savePages(ctx, bn.urls, pagesDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "fetched %d pages for the parse ceiling: mean %.1f KB\n", n, float64(total)/float64(n)/1000)

	var crawls []crawlMeasure
	var ceilings []ceilingMeasure
	var stages []map[string]stageMeasure
	for i := 0; i < o.Runs; i++ {
		dataDir := filepath.Join(dir, fmt.Sprintf("run-%d", i+1))
		cfg := benchConfig(bn, dataDir, o.Parallel, 1e6, 1000, o.Parallel, bn.urls)
		cfgPath := filepath.Join(dir, fmt.Sprintf("run-%d.yml", i+1))
		// The stages crawl the profile URLs from an in-memory frontier,
		// whatever --frontier puts in the run's store.
		stageCfgPath := filepath.Join(dir, fmt.Sprintf("stage-%d.yml", i+1))
		if err := writeConfig(stageCfgPath, cfg); err != nil {
			return err
		}
		args := []string{"--config", cfgPath}
		if o.Frontier > 0 {
			cfg.Jobs.Profiles = nil
			cfg.Crawler.MaxPages = len(bn.urls) + 2000
			cfg.Crawler.MaxPagesPerHost = cfg.Crawler.MaxPages
			id, took, err := fillFrontier(ctx, cfg, bn, o.Frontier)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "run %d: pushed %d URLs into run %d's frontier in %s\n", i+1, o.Frontier, id, took.Round(100*time.Millisecond))
			args = append(args, "--resume", strconv.FormatInt(id, 10))
		}
		if err := writeConfig(cfgPath, cfg); err != nil {
			return err
		}
		m, err := runCrawlChild(ctx, o.Exe, filepath.Join(dir, fmt.Sprintf("run-%d.log", i+1)), o.childEnv(), args...)
		if err != nil {
			return err
		}
		crawls = append(crawls, m)
		noProfile := o
		noProfile.Profile = "" // --cpuprofile is the crawl's
		c, err := runCeilingChild(ctx, self, filepath.Join(dir, fmt.Sprintf("ceiling-%d.log", i+1)), noProfile.childEnv(), cfgPath, pagesDir)
		if err != nil {
			return err
		}
		ceilings = append(ceilings, c)
		st := map[string]stageMeasure{}
		for _, name := range benchStages {
			sm, err := runStageChild(ctx, self, filepath.Join(dir, fmt.Sprintf("stage-%s-%d.log", name, i+1)), noProfile.childEnv(), stageCfgPath, name, len(bn.urls))
			if err != nil {
				return err
			}
			st[name] = sm
			fmt.Fprintf(stderr, "run %d: %s stage %d pages = %.0f pages/s, %.2f CPU ms/page, peak RSS %.0f MB\n", i+1, name, sm.Pages, sm.PagesPerSec, sm.CPUPerPage, mb(sm.PeakRSS))
		}
		stages = append(stages, st)
		fmt.Fprintf(stderr, "run %d: pipeline %d pages in %s = %.0f pages/s, %.2f CPU ms/page, peak RSS %.0f MB (server CPU %.2f ms/page); ceiling %.0f pages/s, %.2f CPU ms/page, peak RSS %.0f MB; bare goquery parse %.0f pages/s, %.2f CPU ms/page\n",
			i+1, m.Run.Summary.Pages, m.Wall.Round(10*time.Millisecond), m.pagesPerSec(), m.cpuPerPage(), mb(m.PeakRSS),
			float64(m.ServerCPU.Microseconds())/1000/float64(max(1, m.Run.Summary.Pages)), c.PagesPerSec, c.CPUPerPage, mb(c.PeakRSS), c.Bare.PagesPerSec, c.Bare.CPUPerPage)
	}
	med := func(f func(i int) float64) float64 {
		xs := make([]float64, o.Runs)
		for i := range xs {
			xs[i] = f(i)
		}
		return median(xs)
	}
	pps := med(func(i int) float64 { return crawls[i].pagesPerSec() })
	cpp := med(func(i int) float64 { return crawls[i].cpuPerPage() })
	rss := med(func(i int) float64 { return mb(crawls[i].PeakRSS) })
	srv := med(func(i int) float64 {
		return float64(crawls[i].ServerCPU.Microseconds()) / 1000 / float64(max(1, crawls[i].Run.Summary.Pages))
	})
	ceil := med(func(i int) float64 { return ceilings[i].PagesPerSec })
	ceilCPU := med(func(i int) float64 { return ceilings[i].CPUPerPage })
	ceilRSS := med(func(i int) float64 { return mb(ceilings[i].PeakRSS) })
	mbps := med(func(i int) float64 { return ceilings[i].MBPerSec })
	bare := med(func(i int) float64 { return ceilings[i].Bare.PagesPerSec })
	bareCPU := med(func(i int) float64 { return ceilings[i].Bare.CPUPerPage })
	bareRatio := med(func(i int) float64 { return crawls[i].pagesPerSec() / ceilings[i].Bare.PagesPerSec })
	bareCPURatio := med(func(i int) float64 { return ceilings[i].Bare.CPUPerPage / crawls[i].cpuPerPage() })
	// The ratio of each run, then their median: a run's crawl and ceiling
	// share the machine's load of the moment.
	ratio := med(func(i int) float64 { return crawls[i].pagesPerSec() / ceilings[i].PagesPerSec })
	cpuRatio := med(func(i int) float64 { return ceilings[i].CPUPerPage / crawls[i].cpuPerPage() })
	last := crawls[len(crawls)-1].Run.Summary
	workers := ceilings[len(ceilings)-1].Workers

	fmt.Fprintf(stdout, "bench crawl: %d profile pages (mean %.1f KB) on %d hosts, parallelism %d, GOMAXPROCS %d, %d run(s), medians\n",
		n, float64(total)/float64(n)/1000, len(bn.sim.Hosts()), o.Parallel, runtime.GOMAXPROCS(0), o.Runs)
	if o.Frontier > 0 {
		fmt.Fprintf(stdout, "  frontier             %d URLs in the store (the crawl stops after %d requests)\n", o.Frontier, len(bn.urls)+2000)
	}
	fmt.Fprintf(stdout, "  %-20s %9s %13s %10s\n", "", "pages/s", "CPU ms/page", "peak RSS")
	fmt.Fprintf(stdout, "  %-20s %9.0f %13.2f %7.0f MB   (fetch, extract, analyse, store, index)\n", "pipeline", pps, cpp, rss)
	fmt.Fprintf(stdout, "  %-20s %9.0f %13.2f %7.0f MB   (html source: parse + extraction, %d workers, %.1f MB/s)\n", "parse ceiling", ceil, ceilCPU, ceilRSS, workers, mbps)
	fmt.Fprintf(stdout, "  %-20s %8.0f%% %12.0f%%              (median of the runs' ratios; CPU: ceiling/pipeline per page)\n", "pipeline / ceiling", 100*ratio, 100*cpuRatio)
	fmt.Fprintf(stdout, "  %-20s %9.0f %13.2f              (goquery.NewDocumentFromReader alone, same pages and workers)\n", "bare goquery parse", bare, bareCPU)
	fmt.Fprintf(stdout, "  %-20s %8.0f%% %12.0f%%\n", "pipeline / bare", 100*bareRatio, 100*bareCPURatio)
	for _, name := range benchStages {
		sp := med(func(i int) float64 { return stages[i][name].PagesPerSec })
		sc := med(func(i int) float64 { return stages[i][name].CPUPerPage })
		sr := med(func(i int) float64 { return mb(stages[i][name].PeakRSS) })
		fmt.Fprintf(stdout, "  %-20s %9.0f %13.2f %7.0f MB   (%s)\n", name+" stage", sp, sc, sr, stageWhat[name])
	}
	// The best any crawl that fetches these pages and parses them with
	// goquery could do against the bare parse: fetching's CPU plus the
	// parse's, and nothing else.
	bound := med(func(i int) float64 {
		b := ceilings[i].Bare.CPUPerPage
		return b / (stages[i]["fetch"].CPUPerPage + b)
	})
	fmt.Fprintf(stdout, "  %-20s %22.0f%%              (bare parse CPU / (fetch stage + bare parse CPU): a crawl that only fetched and parsed with goquery)\n", "fetch + bare bound", 100*bound)
	fmt.Fprintf(stdout, "  synthetic network    %.2f CPU ms/page (in this command's process, not counted above)\n", srv)
	fmt.Fprintf(stdout, "  last run             %d pages, %d creators new, %d posts, errors %v\n", last.Pages, last.CreatorsNew, last.Posts, last.Errors)
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// savedPage is one page of the ceiling's page file: its URL, its
// Content-Type, and where its (decompressed) body lies in the file.
type savedPage struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Offset      int64  `json:"offset"`
	Length      int    `json:"length"`
}

// savePages downloads every URL once (decompressed) into dir/bodies and
// indexes them in dir/pages.json, for the ceiling child. It returns how
// many pages and bytes it saved.
func savePages(ctx context.Context, urls []string, dir string) (n, total int, err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, 0, fmt.Errorf("bench: pages: %w", err)
	}
	pages, err := fetchPages(ctx, urls)
	if err != nil {
		return 0, 0, err
	}
	f, err := os.Create(filepath.Join(dir, "bodies"))
	if err != nil {
		return 0, 0, fmt.Errorf("bench: pages: %w", err)
	}
	defer f.Close()
	index := make([]savedPage, len(pages))
	var off int64
	for i, p := range pages {
		if _, err := f.Write(p.Body); err != nil {
			return 0, 0, fmt.Errorf("bench: pages: %w", err)
		}
		index[i] = savedPage{URL: p.URL.String(), ContentType: p.Header.Get("Content-Type"), Offset: off, Length: len(p.Body)}
		off += int64(len(p.Body))
	}
	if err := f.Close(); err != nil {
		return 0, 0, fmt.Errorf("bench: pages: %w", err)
	}
	b, err := json.Marshal(index)
	if err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pages.json"), b, 0o600); err != nil {
		return 0, 0, fmt.Errorf("bench: pages: %w", err)
	}
	return len(pages), int(off), nil
}

// fetchPages downloads every URL once (decompressed), for the ceiling.
func fetchPages(ctx context.Context, urls []string) ([]*source.Page, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	out := make([]*source.Page, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = fetchPage(ctx, client, urls[i])
			}
		}()
	}
	for i := range urls {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bench: fetch pages: %w", err)
	}
	return out, nil
}

func fetchPage(ctx context.Context, client *http.Client, raw string) (*source.Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: status %d", raw, resp.StatusCode)
	}
	return &source.Page{URL: resp.Request.URL, Status: resp.StatusCode, Header: resp.Header, Body: body, FetchedAt: time.Now().UTC()}, nil
}

// ceilingMeasure is the parse ceiling, as its process measured it.
type ceilingMeasure struct {
	PagesPerSec float64 `json:"pages_per_sec"`
	CPUPerPage  float64 `json:"cpu_ms_per_page"`
	// Bare is the bare goquery parse over the same pages (no extraction);
	// the fields above are goquery's parse plus the html source's
	// extraction.
	Bare     *ceilingMeasure `json:"bare,omitempty"`
	MBPerSec float64         `json:"mb_per_sec"`
	Creators int             `json:"creators"` // read, a check that the parse did its work
	Workers  int             `json:"workers"`
	PeakRSS  int64           `json:"peak_rss"` // bytes, of the whole process
}

// runCeilingChild runs `exe bench ceiling-child` over the pages saved in
// pagesDir with the html source as the crawl config at cfgPath sets it up.
func runCeilingChild(ctx context.Context, exe, logPath string, env []string, cfgPath, pagesDir string) (ceilingMeasure, error) {
	var c ceilingMeasure
	if err := runMeasureChild(ctx, exe, logPath, env, "the ceiling", &c, "ceiling-child", "--config", cfgPath, "--pages", pagesDir); err != nil {
		return c, err
	}
	if c.Creators == 0 {
		return c, fmt.Errorf("bench: the ceiling read no creator from its pages (log in %s)", logPath)
	}
	return c, nil
}

// runMeasureChild runs `exe bench args...` with env, its stderr going to
// logPath, and decodes the JSON measure it prints into v. what names the
// child in errors.
func runMeasureChild(ctx context.Context, exe, logPath string, env []string, what string, v any, args ...string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, append([]string{"bench"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, logf
	cmd.Env = env
	runErr := cmd.Run()
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return fmt.Errorf("bench: %s printed no measure (%v; exit: %v; log in %s)", what, err, runErr, logPath)
	}
	if runErr != nil {
		return fmt.Errorf("bench: %s: %w (log in %s)", what, runErr, logPath)
	}
	return nil
}

// benchChildSetup is what every measured child of `bench crawl` starts
// with: the crawl's GC policy, the crawl's config and its html source.
func benchChildSetup(cfgPath string) (config.Config, source.Source, error) {
	tuneGC()
	cfg, err := config.Load(cfgPath, nil)
	if err != nil {
		return cfg, nil, err
	}
	src, err := source.New("html", sourceOptions(cfg.Sources.HTML, cfg.Sources.HTML.BaseURL))
	return cfg, src, err
}

// cmdBenchCeilingChild parses the pages savePages saved with the html
// source as the crawl configures it, on GOMAXPROCS workers, under the
// crawl's GC policy, and prints the measure as JSON.
func cmdBenchCeilingChild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench ceiling-child", stderr)
	cfgPath := fs.String("config", "", "the crawl's config file")
	dir := fs.String("pages", "", "directory of the saved pages")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	_, src, err := benchChildSetup(*cfgPath)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(*dir, "pages.json"))
	if err != nil {
		return fmt.Errorf("bench ceiling: %w", err)
	}
	var index []savedPage
	if err := json.Unmarshal(b, &index); err != nil {
		return fmt.Errorf("bench ceiling: pages.json: %w", err)
	}
	bodies, err := os.Open(filepath.Join(*dir, "bodies"))
	if err != nil {
		return fmt.Errorf("bench ceiling: %w", err)
	}
	defer bodies.Close()
	c, err := parseCeiling(src, bodies, index, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	c.PeakRSS, _ = ownPeakRSS()
	return json.NewEncoder(stdout).Encode(c)
}

// parseCeiling measures two ceilings over the saved pages, one after the
// other, on workers goroutines: the bare goquery parse
// (goquery.NewDocumentFromReader, nothing else), then the html source's
// whole Parse: its own parse (htmldoc, which skims long script and style
// text) and the extraction. Each page's body is read from bodies into a
// buffer of its own, as a crawl reads it from its connection, so the
// process holds only the pages being parsed.
func parseCeiling(src source.Source, bodies io.ReaderAt, index []savedPage, workers int) (ceilingMeasure, error) {
	pages := make([]*source.Page, len(index))
	var bytesTotal int
	for i, sp := range index {
		u, err := url.Parse(sp.URL)
		if err != nil {
			return ceilingMeasure{}, fmt.Errorf("bench ceiling: page %d: %w", i, err)
		}
		pages[i] = &source.Page{URL: u, Status: http.StatusOK, Header: http.Header{"Content-Type": {sp.ContentType}}}
		bytesTotal += sp.Length
	}
	bare, parsed, err := timeParses(pages, bodies, index, workers, func(p *source.Page) int {
		if _, err := goquery.NewDocumentFromReader(bytes.NewReader(p.Body)); err != nil {
			return 0
		}
		return 1
	})
	if err != nil {
		return ceilingMeasure{}, err
	}
	c, creators, err := timeParses(pages, bodies, index, workers, func(p *source.Page) int {
		if res, _ := src.Parse(p); res != nil {
			return len(res.Creators)
		}
		return 0
	})
	if err != nil {
		return ceilingMeasure{}, err
	}
	if parsed != len(pages) {
		return ceilingMeasure{}, fmt.Errorf("bench ceiling: goquery parsed %d of %d pages", parsed, len(pages))
	}
	c.Bare = &bare
	c.MBPerSec = float64(bytesTotal) / 1e6 / (float64(len(pages)) / c.PagesPerSec)
	c.Creators, c.Workers = creators, workers
	return c, nil
}

// timeParses runs parse over every page on workers goroutines and returns
// the pages per second and CPU per page of the whole, and the sum of what
// parse returned.
func timeParses(pages []*source.Page, bodies io.ReaderAt, index []savedPage, workers int, parse func(*source.Page) int) (ceilingMeasure, int, error) {
	var mu sync.Mutex
	total := 0
	var errs []error
	next := make(chan int, workers)
	var wg sync.WaitGroup
	runtime.GC()
	cpu0, _ := selfUsage()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			var err error
			for i := range next {
				p := *pages[i]
				p.Body = make([]byte, index[i].Length)
				if _, rerr := bodies.ReadAt(p.Body, index[i].Offset); rerr != nil && err == nil {
					err = fmt.Errorf("bench ceiling: read page %d: %w", i, rerr)
				}
				p.FetchedAt = time.Now().UTC()
				n += parse(&p)
			}
			mu.Lock()
			total += n
			errs = append(errs, err)
			mu.Unlock()
		}()
	}
	for i := range pages {
		next <- i
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)
	cpu1, _ := selfUsage()
	if err := errors.Join(errs...); err != nil {
		return ceilingMeasure{}, 0, err
	}
	return ceilingMeasure{
		PagesPerSec: float64(len(pages)) / wall.Seconds(),
		CPUPerPage:  float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(len(pages)),
	}, total, nil
}

// fillFrontier records a run and pushes n URLs into its frontier: the
// profile pages first, then fillers spread over the hosts (they answer
// 404). It returns the run id for `crawl --resume`.
func fillFrontier(ctx context.Context, cfg config.Config, bn *benchNet, n int) (int64, time.Duration, error) {
	start := time.Now()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	id, err := st.StartRun(ctx, "bench", []string{fmt.Sprintf("bench:frontier %d", n)}, time.Now().UTC())
	if err != nil {
		return 0, 0, err
	}
	var hosts []string
	for _, h := range bn.sim.Hosts() {
		hosts = append(hosts, h.Addr)
	}
	const chunk = 20000
	items := make([]store.FrontierItem, 0, chunk)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		_, err := st.FrontierPush(ctx, id, items, time.Now().UTC(), 0)
		items = items[:0]
		return err
	}
	for i := 0; i < n; i++ {
		var raw string
		if i < len(bn.urls) {
			raw = bn.urls[i]
		} else {
			raw = fmt.Sprintf("http://%s/filler/%d", hosts[i%len(hosts)], i)
		}
		u, err := url.Parse(raw)
		if err != nil {
			return 0, 0, err
		}
		items = append(items, store.FrontierItem{URL: raw, Kind: source.KindProfile, Host: u.Host})
		if len(items) == chunk {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, 0, err
	}
	return id, time.Since(start), nil
}
