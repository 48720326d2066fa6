package main

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"github.com/creatorscout/creatorscout/index/searchbench"
)

func init() {
	benchCommands["search"] = command{"build the index from a synthetic corpus and time issue 6's queries Q1–Q4 (and PostgreSQL's with --vs-postgres)", cmdBenchSearch}
}

// cmdBenchSearch is `creatorscout bench search`.
func cmdBenchSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench search", stderr)
	n := fs.Int("creators", 100_000, "creators in the synthetic corpus")
	seed := fs.Uint64("seed", 1, "corpus seed")
	dir := fs.String("dir", "", "directory for the index (default: a temporary one, removed after)")
	runs := fs.Int("runs", 200, "timed runs of each query")
	warmup := fs.Int("warmup", 20, "untimed runs of each query first")
	clients := fs.Int("clients", 4, "concurrent clients for the qps figure")
	perClient := fs.Int("per-client", 200, "queries each client runs for the qps figure")
	dsn := fs.String("vs-postgres", "", "PostgreSQL DSN (postgres://user@127.0.0.1:5432/db): load the same corpus there and compare")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	profile := fs.String("profile", "", "directory for pprof profiles of the build and the searches")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *n < 1 || *runs < 1 || *clients < 1 || *perClient < 1 || *warmup < 0 {
		return usagef("--creators, --runs, --clients and --per-client must be at least 1, --warmup at least 0")
	}
	d := *dir
	if d == "" {
		tmp, err := os.MkdirTemp("", "creatorscout-bench-search-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		d = tmp
	}
	rep, err := searchbench.Run(ctx, searchbench.Options{Creators: *n, Seed: *seed, Dir: d, Runs: *runs, Warmup: *warmup,
		Clients: *clients, PerQPS: *perClient, PostgresDSN: *dsn, Log: stderr, ProfileDir: *profile, BuildGC: bulkGC})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.Print(stdout)
	return nil
}
