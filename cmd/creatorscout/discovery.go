package main

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// Discovery jobs, as `crawl` flags or config jobs give them:
//
//   - hashtag: the tag's feed on every enabled source that has one (every
//     configured Mastodon instance, Bluesky and YouTube search, Instagram
//     hashtag search, /tags/{tag} on web hosts and /tag/{tag} on TikTok
//     hosts); the sources queue the authors of the posts found;
//   - profile: a platform:handle or a profile URL;
//   - brand: the competitor search. A brand named in analysis.brands is
//     searched by its handles and names where a source can search text
//     (Bluesky, YouTube) and by its hashtags where a source has tag feeds;
//     the authors of the matching posts are queued, and the analysis tags
//     each of their posts' brands with a disclosure class;
//   - snowball: creators @mentioned by creators already found, bounded by
//     jobs.snowball.depth (hops) and budget (profiles per run); the
//     crawler.Snowball that runSources puts in front of the sources
//     enforces both.

// jobs is what one crawl is asked to discover.
type jobs struct {
	Hashtags, URLs, Handles, Brands []string
}

func (j jobs) empty() bool {
	return len(j.Hashtags)+len(j.URLs)+len(j.Handles)+len(j.Brands) == 0
}

// jobSeeds turns the jobs into the crawl's first requests and the labels
// stored with the run.
func jobSeeds(cfg config.Config, j jobs) ([]source.Request, []string, error) {
	reqs, err := seeds(cfg, j.Hashtags, j.URLs, j.Handles)
	if err != nil {
		return nil, nil, err
	}
	breqs, err := brandSeeds(cfg, j.Brands)
	if err != nil {
		return nil, nil, err
	}
	lbls := labels(j.Hashtags, j.URLs, j.Handles)
	for _, b := range j.Brands {
		lbls = append(lbls, "brand:"+strings.TrimSpace(b))
	}
	return dedupeRequests(append(reqs, breqs...)), lbls, nil
}

// runSources puts a fresh snowball bound (jobs.snowball) in front of the
// sources, for one run.
func runSources(cfg config.Config, srcs []source.Source) []source.Source {
	sb := crawler.NewSnowball(cfg.Jobs.Snowball.Depth, cfg.Jobs.Snowball.Budget)
	return sb.Wrap(srcs)
}

// discoverySources builds every enabled source once for each place it runs
// discovery jobs on: its base URL, each extra instance, and for the html
// source each configured web or TikTok host.
func discoverySources(cfg config.Config) ([]source.Source, error) {
	settings := sourceSettings(cfg)
	var out []source.Source
	for _, name := range detectOrder {
		s := settings[name]
		if !s.Enabled {
			continue
		}
		bases := append([]string{s.BaseURL}, s.Instances...)
		if name == "html" {
			bases = htmlTagBases(s)
		}
		seen := map[string]bool{}
		for _, base := range bases {
			if seen[base] {
				continue
			}
			seen[base] = true
			src, err := source.New(name, sourceOptions(s, base))
			if err != nil {
				return nil, fmt.Errorf("sources.%s: %w", name, err)
			}
			out = append(out, src)
		}
	}
	return out, nil
}

// htmlTagBases are the hosts whose tag pages the html source reads: its base
// URL and each hosts entry that is a web host or a TikTok host.
func htmlTagBases(s config.Source) []string {
	var out []string
	if s.BaseURL != "" {
		out = append(out, s.BaseURL)
	}
	for _, h := range s.Hosts {
		host, platform, _ := strings.Cut(strings.TrimSpace(h), "=")
		if platform != "" && platform != creator.Web && platform != creator.TikTok {
			continue // another network's pages: its tag pages are not ours to guess
		}
		out = append(out, hostOrigin(host, s.BaseURL))
	}
	return out
}

// hostOrigin is scheme://host for a configured host name: the base URL's
// scheme when it is the same host, http on loopback, https elsewhere.
func hostOrigin(host, base string) string {
	if b, err := url.Parse(base); err == nil && b.Host != "" && strings.EqualFold(b.Host, host) {
		return b.Scheme + "://" + host
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if ip := net.ParseIP(name); strings.EqualFold(name, "localhost") || (ip != nil && ip.IsLoopback()) {
		return "http://" + host
	}
	return "https://" + host
}

// hashtagRequests asks every source that has tag feeds for tag's.
func hashtagRequests(cfg config.Config, tag string) ([]source.Request, error) {
	srcs, err := discoverySources(cfg)
	if err != nil {
		return nil, err
	}
	var out []source.Request
	for _, src := range srcs {
		if hs, ok := src.(source.HashtagSource); ok {
			out = append(out, hs.HashtagRequests(tag)...)
		}
	}
	return out, nil
}

// brandSeeds turns brand jobs into searches: each brand's handles and names
// as text searches where a source can search text, and their hashtag forms
// on every source with tag feeds. A brand must be in analysis.brands, which
// gives its handles and aliases and lets the analysis name it on each post.
func brandSeeds(cfg config.Config, brands []string) ([]source.Request, error) {
	if len(brands) == 0 {
		return nil, nil
	}
	srcs, err := discoverySources(cfg)
	if err != nil {
		return nil, err
	}
	var out []source.Request
	for _, b := range brands {
		name, aliases, ok := lookupBrand(cfg.Analysis.Brands, b)
		if !ok {
			return nil, usagef("brand %q is not in analysis.brands (known: %s); add it with its handles and aliases, e.g. analysis.brands: {%q: [\"@handle\", \"other name\"]}",
				b, knownBrands(cfg.Analysis.Brands), strings.TrimSpace(b))
		}
		queries, hashtags := brandTerms(name, aliases)
		for _, src := range srcs {
			var reqs []source.Request
			if ss, ok := src.(source.SearchSource); ok {
				for _, q := range queries {
					reqs = append(reqs, ss.SearchRequests(q)...)
				}
			}
			if hs, ok := src.(source.HashtagSource); ok {
				for _, t := range hashtags {
					reqs = append(reqs, hs.HashtagRequests(t)...)
				}
			}
			for _, r := range reqs {
				r.Meta = maps.Clone(r.Meta)
				if r.Meta == nil {
					r.Meta = map[string]string{}
				}
				r.Meta[source.MetaBrand] = name
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// lookupBrand finds a brand in analysis.brands by name, ignoring case.
func lookupBrand(brands map[string][]string, name string) (string, []string, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, false
	}
	if a, ok := brands[name]; ok {
		return name, a, true
	}
	for k, a := range brands {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return k, a, true
		}
	}
	return "", nil, false
}

func knownBrands(brands map[string][]string) string {
	if len(brands) == 0 {
		return "none"
	}
	names := slices.Collect(maps.Keys(brands))
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// brandTerms lists what to search for a brand: its name and aliases as
// text ("@handle" kept as written), and the hashtag forms of the name,
// handles and aliases ("Oat & Ember" -> oatember, "@glossier" -> glossier).
// A handle with a host or domain in it ("@brand.bsky.social") is searched
// as text only: it has no hashtag form. "#tag" aliases are hashtags only.
func brandTerms(name string, aliases []string) (queries, hashtags []string) {
	seenQ, seenT := map[string]bool{}, map[string]bool{}
	addQ := func(q string) {
		if k := strings.ToLower(q); q != "" && !seenQ[k] {
			seenQ[k] = true
			queries = append(queries, q)
		}
	}
	addT := func(t string) {
		if t != "" && !seenT[t] {
			seenT[t] = true
			hashtags = append(hashtags, t)
		}
	}
	for _, a := range append([]string{name}, aliases...) {
		a = strings.TrimSpace(a)
		switch {
		case strings.HasPrefix(a, "#"):
			addT(hashtagForm(a[1:]))
		case strings.HasPrefix(a, "@"):
			addQ(a)
			if h := a[1:]; !strings.ContainsAny(h, ".@:") {
				addT(hashtagForm(h))
			}
		default:
			addQ(a)
			addT(hashtagForm(a))
		}
	}
	return queries, hashtags
}

// hashtagForm is s as one hashtag: its letters and digits, lower case, or
// "" when fewer than two remain or none is a letter.
func hashtagForm(s string) string {
	var b strings.Builder
	letter := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letter = true
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsDigit(r) || r == '_':
			b.WriteRune(r)
		}
	}
	if !letter || b.Len() < 2 || b.Len() > 100 {
		return ""
	}
	return b.String()
}

// dedupeRequests drops repeated URLs, keeping the first.
func dedupeRequests(in []source.Request) []source.Request {
	seen := map[string]bool{}
	out := in[:0]
	for _, r := range in {
		if !seen[r.URL] {
			seen[r.URL] = true
			out = append(out, r)
		}
	}
	return out
}
