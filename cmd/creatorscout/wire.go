package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/creatorscout/creatorscout/backup"
	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// loadConfig loads path (or the defaults), the environment, and --data.
func loadConfig(path, dataDir string) (config.Config, error) {
	cfg, err := config.Load(path, os.Environ())
	if err != nil {
		return cfg, err
	}
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	return cfg, nil
}

func storePath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "creatorscout.db") }
func indexPath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "index") }

func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	st, err := store.Open(ctx, storePath(cfg))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", storePath(cfg), err)
	}
	return st, nil
}

// existingData refuses a data directory that does not exist, for the
// commands that read what a crawl stored (search, report, reindex,
// backup): opening the store or the index would create an empty one, and
// a mistyped --data would answer "0 creators" instead of an error.
func existingData(cfg config.Config) error {
	fi, err := os.Stat(cfg.DataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("data directory %s does not exist (set --data or data_dir; crawl or demo creates it)", cfg.DataDir)
	case err != nil:
		return fmt.Errorf("data directory: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("data directory %s is not a directory", cfg.DataDir)
	}
	return noPendingRestore(cfg)
}

// noPendingRestore refuses a data directory a restore was interrupted in:
// its database and index may come from two sources until the restore is
// run again (backup.Pending).
func noPendingRestore(cfg config.Config) error {
	from, pending, err := backup.Pending(cfg.DataDir)
	if err != nil {
		return err
	}
	if pending {
		return fmt.Errorf("a restore into %s from %s did not finish: run creatorscout restore %s again first", cfg.DataDir, from, from)
	}
	return nil
}

func openIndex(cfg config.Config) (*index.Index, error) {
	ix, err := index.Open(indexPath(cfg))
	if err != nil {
		return nil, fmt.Errorf("open index %s (is a server using it? try --api): %w", indexPath(cfg), err)
	}
	return ix, nil
}

// sourceSettings pairs each registered source name with its config.
func sourceSettings(cfg config.Config) map[string]config.Source {
	return map[string]config.Source{
		"mastodon":  cfg.Sources.Mastodon,
		"bluesky":   cfg.Sources.Bluesky,
		"youtube":   cfg.Sources.YouTube,
		"instagram": cfg.Sources.Instagram,
		"html":      cfg.Sources.HTML,
	}
}

func sourceOptions(s config.Source, baseURL string) source.Options {
	return source.Options{
		BaseURL: baseURL, Token: s.AccessToken, APIKey: s.APIKey,
		Hosts: s.Hosts, PostsPerCreator: s.PostsPerCreator, UserID: s.UserID,
	}
}

// buildSources makes every enabled source, in detection order.
func buildSources(cfg config.Config) ([]source.Source, error) {
	settings := sourceSettings(cfg)
	var out []source.Source
	for _, name := range detectOrder {
		s, ok := settings[name]
		if !ok || !s.Enabled {
			continue
		}
		src, err := source.New(name, sourceOptions(s, s.BaseURL))
		if err != nil {
			return nil, fmt.Errorf("sources.%s: %w", name, err)
		}
		out = append(out, src)
	}
	if cfg.Crawler.FollowContactLinks {
		// Last: by URL it claims only link-in-bio hosts; the contact pages
		// the crawler queues name it in their Meta (crawler/contactlinks.go).
		src, err := source.New(crawler.ContactSource, source.Options{})
		if err != nil {
			return nil, fmt.Errorf("crawler.follow_contact_links: %w", err)
		}
		out = append(out, src)
	}
	return out, nil
}

// seeds turns hashtags, URLs and handles into the crawl's first requests.
// Hashtags run on every enabled source that supports them, on each
// configured instance and web or TikTok host (discovery.go); a handle is
// "platform:handle" or a profile URL.
func seeds(cfg config.Config, hashtags, urls, handles []string) ([]source.Request, error) {
	var out []source.Request
	for _, raw := range hashtags {
		tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(raw), "#"))
		if tag == "" || strings.ContainsAny(tag, " /?#&") {
			return nil, usagef("--hashtag %q is not a hashtag", raw)
		}
		reqs, err := hashtagRequests(cfg, tag)
		if err != nil {
			return nil, err
		}
		out = append(out, reqs...)
	}
	for _, u := range urls {
		reqs, err := profileRequests(cfg, u)
		if err != nil {
			return nil, usagef("--url %q: %v", u, err)
		}
		out = append(out, reqs...)
	}
	for _, h := range handles {
		reqs, err := profileRequests(cfg, h)
		if err != nil {
			return nil, usagef("--handle %q: %v", h, err)
		}
		out = append(out, reqs...)
	}
	return dedupeRequests(out), nil
}

// profileRequests asks each enabled profile source to claim a handle or URL;
// an http(s) URL nobody claims is fetched as an HTML profile page.
func profileRequests(cfg config.Config, handleOrURL string) ([]source.Request, error) {
	settings := sourceSettings(cfg)
	target := handleOrURL
	platform := ""
	if p, h, ok := creator.SplitID(handleOrURL); ok {
		platform, target = p, h
	}
	for _, name := range profileOrder(settings, handleOrURL) {
		s := settings[name]
		if !s.Enabled || (platform != "" && name != platform) {
			continue
		}
		src, err := source.New(name, sourceOptions(s, s.BaseURL))
		if err != nil {
			return nil, err
		}
		if ps, ok := src.(source.ProfileSource); ok {
			for _, in := range []string{handleOrURL, target} {
				if reqs, ok := ps.ProfileRequests(in); ok {
					return reqs, nil
				}
			}
		}
	}
	if strings.HasPrefix(handleOrURL, "http://") || strings.HasPrefix(handleOrURL, "https://") {
		return []source.Request{{URL: handleOrURL, Kind: source.KindProfile}}, nil
	}
	return nil, fmt.Errorf("no enabled source takes it; write platform:handle (e.g. mastodon:anna@example.social) or a profile URL")
}

// profileOrder is detectOrder with any source configured for the URL's host
// first: a host named in sources.X.hosts belongs to X, whatever its paths
// look like (a TikTok-style /@user page is not a Mastodon account).
func profileOrder(settings map[string]config.Source, handleOrURL string) []string {
	u, err := url.Parse(handleOrURL)
	if err != nil || u.Host == "" {
		return detectOrder
	}
	var first, rest []string
	for _, name := range detectOrder {
		claimed := false
		for _, h := range settings[name].Hosts {
			h, _, _ = strings.Cut(h, "=")
			if strings.EqualFold(h, u.Host) {
				claimed = true
			}
		}
		if claimed {
			first = append(first, name)
		} else {
			rest = append(rest, name)
		}
	}
	return append(first, rest...)
}
