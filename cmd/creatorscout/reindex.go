package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// reindexStats is what `creatorscout reindex --json` prints.
type reindexStats struct {
	index.BuildStats
	PerSecond float64 `json:"creators_per_second"`
}

// cmdReindex rebuilds the index from the store into a fresh generation and
// swaps it in (index.Build). A server serving the same data directory
// keeps answering from the old generation and adopts the new one when it
// next looks at the pointer file.
func cmdReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reindex", stderr)
	cfgPath := fs.String("config", "", "config file (for data_dir)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	asJSON := fs.Bool("json", false, "print the statistics as JSON")
	if err := parseFlags(fs, args, false); err != nil {
		return err
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
	restore := bulkGC()
	stats, err := index.Build(ctx, indexPath(cfg), storeEach(st), nil)
	restore()
	if err != nil {
		return fmt.Errorf("reindex %s: %w", indexPath(cfg), err)
	}
	out := reindexStats{BuildStats: stats}
	if s := stats.Load.Seconds(); s > 0 {
		out.PerSecond = float64(stats.Docs) / s
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "indexed %d creators into %s in %s (%.0f/s), merged in %s, %.1f MB on disk\n",
		stats.Docs, stats.Generation, stats.Load.Round(time.Millisecond), out.PerSecond,
		stats.Compact.Round(time.Millisecond), mb(stats.Bytes))
	for _, r := range stats.Removed {
		fmt.Fprintf(stdout, "removed old generation %s\n", r)
	}
	if len(stats.Removed) == 0 {
		fmt.Fprintln(stdout, "the old generation is still open elsewhere: a running server adopts the new one within seconds and then removes it")
	}
	return nil
}

// storeEach reads every creator that is not gone, with its posts, for a
// rebuild.
func storeEach(st *store.Store) index.Each {
	return func(ctx context.Context, yield func(index.Doc) error) error {
		return st.EachCreator(ctx, func(c *creator.Creator, posts []creator.Post) error {
			return yield(index.Doc{Creator: c, Posts: posts})
		})
	}
}

// storeReload returns the index's Options.Reload over the store: the
// current documents of the given ids; gone or missing creators are left
// out, so the index deletes them. Wire it where a long-running process
// opens the index (serve), so that writes racing a `creatorscout reindex`
// in another process are replayed when the new generation is adopted.
func storeReload(st *store.Store) func(ctx context.Context, ids []string) ([]index.Doc, error) {
	return func(ctx context.Context, ids []string) ([]index.Doc, error) {
		var docs []index.Doc
		for _, id := range ids {
			state, err := st.CreatorState(ctx, id)
			if creator.ErrorCode(err) == creator.ENOTFOUND || (err == nil && (state == nil || state.Gone)) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reload %s: %w", id, err)
			}
			c, err := st.Creator(ctx, id)
			if creator.ErrorCode(err) == creator.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reload %s: %w", id, err)
			}
			posts, err := st.Posts(ctx, id, 0) // all, as EachCreator reads them
			if err != nil {
				return nil, fmt.Errorf("reload posts of %s: %w", id, err)
			}
			docs = append(docs, index.Doc{Creator: c, Posts: posts})
		}
		return docs, nil
	}
}
