package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/creatorscout/creatorscout/api"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/nightly"
)

// forgetReasonCLI goes into the audit log; it never names the creator.
const forgetReasonCLI = "forget requested with creatorscout forget"

// cmdForget removes creators everywhere and keeps them out of later crawls.
func cmdForget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("forget", stderr)
	cfgPath := fs.String("config", "", "config file (see creatorscout.example.yaml)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	reason := fs.String("reason", forgetReasonCLI, "why, for the audit log (do not name the creator)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: creatorscout forget [--reason TEXT] [--config FILE | --data DIR] ID|URL...")
		fmt.Fprintln(stderr, "  ID is platform:handle (mastodon:anna@example.social); URL is a profile URL.")
		fmt.Fprintln(stderr, "  While a server uses the data directory, use DELETE /v1/creators/{id} with an admin key instead.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("give at least one creator id (platform:handle) or profile URL")
	}
	for _, k := range fs.Args() {
		k = strings.TrimSpace(k)
		if k == "" {
			return usagef("an empty creator id")
		}
		if u, err := url.Parse(k); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			if u.Host == "" {
				return usagef("%q is not a profile URL: it has no host", k)
			}
			continue
		}
		if _, _, ok := creator.SplitID(strings.ToLower(k)); !ok {
			return usagef("%q is neither a creator id (platform:handle, platform one of %s) nor an http(s) profile URL", k, strings.Join(creator.Platforms, ", "))
		}
	}
	cfg, err := loadConfig(*cfgPath, *dataDir)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// The index too, or the creator would stay searchable.
	ix, err := openIndex(cfg)
	if err != nil {
		return fmt.Errorf("%w (a running server holds the index: forget through it with DELETE /v1/creators/{id})", err)
	}
	defer ix.Close()
	f := &nightly.Forgetter{Store: st, Index: ix}
	for _, key := range fs.Args() {
		id, stored, err := f.ForgetCreator(ctx, key, *reason)
		if err != nil {
			return err
		}
		if stored {
			fmt.Fprintf(stdout, "forgot %s: removed from the store, its history, lists, saved searches and the index; on the do-not-crawl list\n", safe(id))
		} else {
			fmt.Fprintf(stdout, "no stored creator is %s; put on the do-not-crawl list all the same\n", safe(key))
		}
	}
	return nil
}

// forgettingCreators is the API's Creators with forgetting (DELETE
// /v1/creators/{id}) through the app's pipeline, so a crawl running in the
// server cannot index the creator again from its queue.
type forgettingCreators struct {
	api.Creators
	*nightly.Forgetter
}

// wireForget is an api.Deps option for serve.
func (a *app) wireForget(d *api.Deps) {
	if d.Creators == nil {
		return
	}
	d.Creators = forgettingCreators{Creators: d.Creators, Forgetter: &nightly.Forgetter{Store: a.store, Index: a.index, Pipeline: a.pipeline}}
}
