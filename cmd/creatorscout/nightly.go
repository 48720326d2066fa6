package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/ingest"
	"github.com/creatorscout/creatorscout/nightly"
	"github.com/creatorscout/creatorscout/store"
)

// nightlyJob is the nightly job over an open app: the config's discovery
// jobs, its snowball bounds and its competitor brands, and the refresh
// policy in schedule.refresh.
func (a *app) nightlyJob(progress func(crawler.Progress)) *nightly.Job {
	cfg := a.cfg
	return &nightly.Job{
		Store: a.store, Index: a.index, Pipeline: a.pipeline,
		// The raw sources: the job puts a fresh snowball bound in front of
		// them for every run.
		Runner: ingest.Runner{
			Store: a.store, Pipeline: a.pipeline, Sources: a.sources, Crawler: crawlerConfig(cfg),
			Logger: a.log, Progress: progress, Every: time.Second,
		},
		Targets:        nightly.NewTargets(a.sources),
		Discovery:      configDiscovery(cfg),
		Policy:         refreshPolicy(cfg.Schedule.Refresh),
		SnowballDepth:  cfg.Jobs.Snowball.Depth,
		SnowballBudget: cfg.Jobs.Snowball.Budget,
		Brands:         competitorBrands(cfg),
		Log:            a.log,
	}
}

// refreshPolicy is the nightly policy the config's schedule.refresh sets.
func refreshPolicy(r config.Refresh) nightly.Policy {
	return nightly.Policy{
		Intervals: map[string]time.Duration{
			creator.Nano: r.Nano, creator.Micro: r.Micro, creator.Macro: r.Macro, creator.Mega: r.Mega, "": r.Unknown,
		},
		InactiveAfter: r.InactiveAfter, InactiveInterval: r.InactiveInterval, Slack: r.Slack,
		GoneAfter: r.GoneAfter, MaxRefresh: r.MaxCreators,
		FollowerJump: r.FollowerJump, FollowerJumpMin: r.FollowerJumpMin, MaxSavedMatches: r.MaxSavedMatches,
	}
}

// configDiscovery re-runs the config's jobs: hashtags, profiles, brands.
func configDiscovery(cfg config.Config) nightly.Discovery {
	return func(context.Context) ([]source.Request, []string, error) {
		j := jobs{Hashtags: cfg.Jobs.Hashtags, URLs: cfg.Jobs.Profiles, Brands: cfg.Jobs.Brands}
		if j.empty() {
			return nil, nil, nil
		}
		return jobSeeds(cfg, j)
	}
}

// competitorBrands are the brands whose new mentions a run reports: the
// brand jobs, or every brand the analysis knows when there are none.
func competitorBrands(cfg config.Config) []string {
	if len(cfg.Jobs.Brands) > 0 {
		return cfg.Jobs.Brands
	}
	var out []string
	for b := range cfg.Analysis.Brands {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// startScheduler runs the nightly job on the config's schedule until ctx
// ends; serve calls it. The returned function stops the scheduler and
// waits for a run in progress to wind down, so the app can be closed after.
func startScheduler(ctx context.Context, a *app) (stop func()) {
	job := a.nightlyJob(nil)
	sc := a.cfg.Schedule
	s, err := nightly.NewScheduler(sc.Cron, sc.TimeZone, sc.Jitter, func(ctx context.Context) error {
		res, err := job.Run(ctx, nightly.RunOptions{})
		if res != nil {
			r := res.Report
			a.log.Info("nightly run", "run", res.Run.ID, "status", res.Run.Status, "due", r.Due, "refreshed", r.Refreshed,
				"failed", r.Failed, "new", r.New, "changes", len(r.Changes))
		}
		return err
	}, nightly.WithSchedulerLogger(a.log))
	if err != nil {
		// The config was validated; this cannot happen, but never crash serve on it.
		a.log.Error("nightly schedule not started", "err", err)
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Loop(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("nightly schedule stopped", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// nightlyCrawl is `crawl --nightly`: one nightly run now, its report
// printed. It takes its jobs from the config, so job flags, --resume and
// --new (conflicting) are refused.
func nightlyCrawl(ctx context.Context, cfg config.Config, conflicting, asJSON bool, stdout, stderr io.Writer) error {
	if conflicting {
		return usagef("--nightly runs the config's jobs: it takes no --hashtag, --url, --handle, --brand, --resume or --new")
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.nightlyJob(progressPrinter(stderr)).Run(ctx, nightly.RunOptions{})
	if errors.Is(err, nightly.ErrBusy) {
		return fmt.Errorf("%w; nothing done", err)
	}
	if res != nil {
		printNightly(stdout, res.Run, res.Report, asJSON)
	}
	return err
}

// cmdReport prints the report of a nightly run (the latest without an id).
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	cfgPath := fs.String("config", "", "config file (see creatorscout.example.yaml)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	asJSON := fs.Bool("json", false, "print the run and its report as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: creatorscout report [--json] [--config FILE | --data DIR] [RUN_ID]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("give at most one RUN_ID")
	}
	var id int64
	if fs.NArg() == 1 {
		n, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || n < 1 {
			return usagef("RUN_ID %q is not a crawl run id (a positive whole number)", fs.Arg(0))
		}
		id = n
	}
	cfg, err := loadConfig(*cfgPath, *dataDir)
	if err != nil {
		return err
	}
	if err := existingData(cfg); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if id == 0 {
		runs, err := st.Runs(ctx, 0)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.Kind == nightly.Kind && r.Status != creator.RunRunning && r.Status != creator.RunQueued {
				id = r.ID
				break
			}
		}
		if id == 0 {
			return fmt.Errorf("no finished nightly run yet: run `creatorscout crawl --nightly` or let serve's schedule run one")
		}
	}
	run, err := st.Run(ctx, id)
	if err != nil {
		return err
	}
	rep, err := st.RunReport(ctx, id)
	if creator.ErrorCode(err) == creator.ENOTFOUND {
		return fmt.Errorf("crawl run %d (%s) has no report: only nightly runs do", id, run.Kind)
	}
	if err != nil {
		return err
	}
	printNightly(stdout, run, rep, *asJSON)
	return nil
}

// printNightly prints a nightly run and its report. Creator ids and saved
// search names are crawled or user text: control characters are escaped.
func printNightly(w io.Writer, run *creator.CrawlRun, rep *creator.RunReport, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			*creator.CrawlRun
			Report *creator.RunReport `json:"report"`
		}{run, rep})
		return
	}
	printRun(w, run, false)
	if rep == nil {
		return
	}
	fmt.Fprintf(w, "nightly report\n")
	fmt.Fprintf(w, "  due              %d (refreshed %d, unchanged %d, deferred %d, skipped %d)\n",
		rep.Due, rep.Refreshed, rep.Unchanged, rep.Deferred, rep.Skipped)
	fmt.Fprintf(w, "  new creators     %d\n  renamed          %d\n  forgotten        %d (opted out)\n  marked gone      %d\n",
		rep.New, rep.Renamed, rep.Forgotten, rep.MarkedGone)
	kinds := make([]string, 0, len(rep.Failures))
	for k := range rep.Failures {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if len(kinds) == 0 {
		fmt.Fprintln(w, "  failures         none")
	}
	for _, k := range kinds {
		fmt.Fprintf(w, "  failures %-22s %d\n", k, rep.Failures[k])
	}
	jobs := "none"
	if len(rep.Jobs) > 0 {
		jobs = safe(strings.Join(rep.Jobs, ", "))
	}
	fmt.Fprintf(w, "  jobs             %s\n", jobs)
	fmt.Fprintf(w, "  snowball         %d of %d (%d refused)\n", rep.Snowball, rep.SnowballBudget, rep.SnowballDropped)
	fmt.Fprintf(w, "changes worth a look: %d\n", len(rep.Changes))
	for _, c := range rep.Changes {
		fmt.Fprintf(w, "  %-18s %s  %s\n", c.Kind, safe(c.CreatorID), changeDetail(c))
	}
}

func changeDetail(c creator.Change) string {
	switch c.Kind {
	case creator.ChangeFollowerJump:
		if c.From != nil && c.To != nil && c.Relative != nil {
			return fmt.Sprintf("followers %d -> %d (%+.1f%%)", *c.From, *c.To, *c.Relative*100)
		}
	case creator.ChangeCompetitorMention:
		return fmt.Sprintf("%s (%s) in post %s", safe(c.Brand), safe(c.Class), safe(c.PostID))
	case creator.ChangeSavedSearchMatch:
		return fmt.Sprintf("new match for saved search %d %s", c.SearchID, strconv.Quote(c.SearchName))
	case creator.ChangeRenamed:
		return "was " + safe(c.OldID)
	case creator.ChangeGone:
		return safe(c.Reason)
	}
	return ""
}

// safe escapes control and format characters so crawled text cannot move
// the terminal's cursor or change its colours.
func safe(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// ensure the store type is the one the job reports through.
var _ interface {
	RunReport(context.Context, int64) (*creator.RunReport, error)
} = (*store.Store)(nil)
