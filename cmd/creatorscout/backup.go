package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/creatorscout/creatorscout/backup"
)

// cmdBackup takes an online backup of the data directory.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	cfgPath := fs.String("config", "", "config file (see creatorscout.example.yaml)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	asJSON := fs.Bool("json", false, "print the manifest as JSON")
	dated := fs.Bool("dated", false, "BACKUP_DIR is a parent: write into BACKUP_DIR/<UTC time> (for cron and timers)")
	keep := fs.Int("keep", 0, "with --dated, then delete all but the newest N dated backups there (0 keeps all)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: creatorscout backup [--json] [--dated [--keep N]] [--config FILE | --data DIR] BACKUP_DIR")
		fmt.Fprintln(stderr, "  BACKUP_DIR must not exist. The database is copied online (VACUUM INTO), the index with bleve's CopyTo;")
		fmt.Fprintln(stderr, "  while a server holds the index, the backup's index is rebuilt from the database copy instead.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one BACKUP_DIR")
	}
	if *keep < 0 || (*keep > 0 && !*dated) {
		return usagef("--keep takes a count of at least 1, with --dated")
	}
	target := fs.Arg(0)
	if *dated {
		target = filepath.Join(target, time.Now().UTC().Format(datedLayout))
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
	ix, err := openIndex(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "the index is in use (%v): the backup's index is rebuilt from the database copy\n", err)
		ix = nil
	} else {
		defer ix.Close()
	}
	m, err := backup.Create(ctx, st, ix, target, time.Now)
	if err != nil {
		return err
	}
	if *keep > 0 {
		removed, err := pruneDated(fs.Arg(0), *keep)
		for _, r := range removed {
			fmt.Fprintf(stderr, "removed old backup %s\n", r)
		}
		if err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	fmt.Fprintf(stdout, "backup written to %s: %d creators, index of %d (%s), schema %d, %d files\n",
		target, m.Creators, m.IndexDocs, m.Index, m.SchemaVersion, len(m.Files))
	return nil
}

// datedLayout names the directories of --dated backups; they sort by time.
const datedLayout = "2006-01-02T150405.000Z"

// pruneDated deletes all but the newest keep complete dated backups in
// parent. Directories that are not dated backups are left alone.
func pruneDated(parent string, keep int) ([]string, error) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return nil, err
	}
	var dated []string
	for _, e := range ents {
		if _, err := time.Parse(datedLayout, e.Name()); err != nil || !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(parent, e.Name(), backup.ManifestFile)); err != nil {
			continue
		}
		dated = append(dated, e.Name())
	}
	sort.Strings(dated)
	var removed []string
	for len(dated) > keep {
		p := filepath.Join(parent, dated[0])
		if err := os.RemoveAll(p); err != nil {
			return removed, err
		}
		removed = append(removed, p)
		dated = dated[1:]
	}
	return removed, nil
}

// cmdRestore replaces the data directory's database and index with a backup.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	cfgPath := fs.String("config", "", "config file (see creatorscout.example.yaml)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: creatorscout restore [--config FILE | --data DIR] BACKUP_DIR")
		fmt.Fprintln(stderr, "  Stop the server first. Creators forgotten since the backup stay forgotten.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one BACKUP_DIR")
	}
	cfg, err := loadConfig(*cfgPath, *dataDir)
	if err != nil {
		return err
	}
	if from, pending, _ := backup.Pending(cfg.DataDir); pending {
		fmt.Fprintf(stderr, "an earlier restore (from %s) did not finish; this one completes the data directory\n", from)
	}
	res, err := backup.Restore(ctx, fs.Arg(0), storePath(cfg), indexPath(cfg), time.Now)
	if err != nil {
		return err
	}
	m := res.Manifest
	fmt.Fprintf(stdout, "restored %s (taken %s): %d creators, index generation %s; %d forgotten since the backup stay forgotten\n",
		fs.Arg(0), m.CreatedAt.Format(time.RFC3339), m.Creators, res.Generation, res.Forgotten)
	return nil
}
