package main

// The stages of `bench crawl`: the pipeline's own crawl, by the same
// crawler with the same config over the same network, stopped early, so
// the run shows what each part of the pipeline costs beside the parse
// ceiling:
//
//   - "fetch": each page goes to a source that reads nothing. What is left
//     is fetching itself: politeness and robots.txt, HTTP on loopback,
//     decompression, charset handling and the crawler's own dispatch and
//     (in-memory) frontier.
//   - "parse": each page goes to the html source, and its result is
//     dropped: no analysis, store or index.
//
// Each stage runs in a `bench stage-child` process of its own, as the
// pipeline and the ceiling do.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
)

func init() {
	benchCommands["stage-child"] = command{"", cmdBenchStageChild}
}

// benchStages are the stages, in the order they run, and stageWhat says
// what each measures, for the summary.
var (
	benchStages = []string{"fetch", "parse"}
	stageWhat   = map[string]string{
		"fetch": "the same crawl, each page read by nothing: fetching alone",
		"parse": "the same crawl, each page parsed by the html source, the result dropped",
	}
)

// stageMeasure is one stage's crawl, as its process measured it.
type stageMeasure struct {
	Stage       string  `json:"stage"`
	Pages       int     `json:"pages"`  // fetched and handed to the source (2xx)
	Errors      int     `json:"errors"` // requests that failed (a gone profile's 404 among them)
	Denied      int     `json:"robots_denied"`
	Creators    int     `json:"creators"` // read by the parse stage, a check that it parsed
	PagesPerSec float64 `json:"pages_per_sec"`
	CPUPerPage  float64 `json:"cpu_ms_per_page"`
	PeakRSS     int64   `json:"peak_rss"`
}

// runStageChild runs `exe bench stage-child` for stage over the crawl
// config at cfgPath and checks that it accounts for all of want pages
// (fetched, failed or denied by robots.txt) and fetched at least 90% of
// them.
func runStageChild(ctx context.Context, exe, logPath string, env []string, cfgPath, stage string, want int) (stageMeasure, error) {
	var m stageMeasure
	if err := runMeasureChild(ctx, exe, logPath, env, "the "+stage+" stage", &m, "stage-child", "--config", cfgPath, "--stage", stage); err != nil {
		return m, err
	}
	if m.Pages+m.Errors+m.Denied < want || m.Pages < want*9/10 {
		return m, fmt.Errorf("bench: the %s stage fetched %d of %d pages, %d failed, robots.txt denied %d (log in %s)", stage, m.Pages, want, m.Errors, m.Denied, logPath)
	}
	if stage == "parse" && m.Creators == 0 {
		return m, fmt.Errorf("bench: the parse stage read no creator (log in %s)", logPath)
	}
	return m, nil
}

// cmdBenchStageChild crawls the config's profile jobs with the crawler
// alone (an in-memory frontier, no store) and a source that stops at the
// stage, under the crawl's GC policy, and prints the measure as JSON.
func cmdBenchStageChild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench stage-child", stderr)
	cfgPath := fs.String("config", "", "the crawl's config file")
	stage := fs.String("stage", "fetch", "fetch (read nothing) or parse (the html source, result dropped)")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *stage != "fetch" && *stage != "parse" {
		return usagef("--stage must be fetch or parse, not %q", *stage)
	}
	cfg, html, err := benchChildSetup(*cfgPath)
	if err != nil {
		return err
	}
	reqs, err := seeds(cfg, nil, cfg.Jobs.Profiles, nil)
	if err != nil {
		return err
	}
	var creators atomic.Int64
	sink := crawler.SinkFunc(func(_ context.Context, _ *source.Page, res *source.Result) error {
		if res != nil {
			creators.Add(int64(len(res.Creators)))
		}
		return nil
	})
	c, err := crawler.New(crawlerConfig(cfg), []source.Source{stageSource{Source: html, parse: *stage == "parse"}}, sink)
	if err != nil {
		return err
	}
	defer c.Close()
	cpu0, _ := selfUsage()
	start := time.Now()
	sum, err := c.Run(ctx, reqs)
	if err != nil {
		return fmt.Errorf("bench: %s stage: %w", *stage, err)
	}
	wall := time.Since(start)
	cpu1, _ := selfUsage()
	peak, _ := ownPeakRSS() // not getrusage's: it keeps the parent's across exec
	n := sum.Pages          // handed to the source, as the pipeline's run counts them
	m := stageMeasure{Stage: *stage, Pages: n, Denied: sum.RobotsDenied, Creators: int(creators.Load()), PeakRSS: peak}
	for _, k := range sum.Errors {
		m.Errors += k
	}
	if n > 0 {
		m.PagesPerSec = float64(n) / wall.Seconds()
		m.CPUPerPage = float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(n)
	}
	return json.NewEncoder(stdout).Encode(m)
}

// stageSource is the html source, detecting as it does, whose Parse reads
// nothing in the fetch stage.
type stageSource struct {
	source.Source
	parse bool
}

func (s stageSource) Parse(p *source.Page) (*source.Result, error) {
	if !s.parse {
		return &source.Result{}, nil
	}
	return s.Source.Parse(p)
}
