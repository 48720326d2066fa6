package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

func cmdSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("search", stderr)
	cfgPath := fs.String("config", "", "config file (for data_dir)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	apiURL := fs.String("api", "", "query a running server at this base URL instead of the local index")
	asJSON := fs.Bool("json", false, "print the JSON result instead of a table")
	params := map[string]*multiFlag{}
	for _, p := range []struct{ name, help string }{
		{"q", "text in bio, captions and name"}, {"platform", "platform (repeatable)"},
		{"niche", "niche (repeatable)"}, {"country", "ISO country code (repeatable)"},
		{"city", "city (repeatable)"}, {"tier", "nano|micro|macro|mega (repeatable)"},
		{"hashtag", "hashtag posted lately (repeatable)"}, {"brand", "brand mentioned (repeatable)"},
		{"min-followers", "at least this many followers"}, {"max-followers", "at most this many followers"},
		{"min-er", "engagement rate at least (0.03 or 3%)"}, {"max-er", "engagement rate at most"},
		{"sort", "relevance, followers, engagement_rate, growth, last_post_at, authenticity ('-' = descending)"},
		{"limit", "results per page (1-100)"}, {"cursor", "next_cursor from the previous page"},
		{"hashtag-all", "true: every --hashtag, not any"}, {"niche-all", "true: every --niche, not any"},
		{"brand-class", "gifted|sponsored|affiliate|organic|any: the class of the --brand mention"},
		{"language", "ISO 639-1 language (repeatable)"}, {"region", "region or state (repeatable)"},
		{"verified", "true or false"}, {"has-email", "true or false"},
		{"undisclosed", "true: a recent post is flagged as an undisclosed sponsorship"},
		{"last-post-since", "posted at or after: 2025-05-01, an RFC 3339 time, or 30d / 2w ago"},
		{"min-authenticity", "authenticity score at least (0-100)"},
		{"min-growth", "30-day follower growth at least (0.05 or 5%)"}, {"max-growth", "30-day follower growth at most"},
		{"near", "lat,lon or a place name (Austin, \"Paris, France\")"}, {"radius", "distance from --near: 50km, 800m, 30mi (default 50km)"},
		{"similar-to", "lookalikes of this creator id (platform:handle)"},
		{"offset", "skip this many results (at most 1000; page with --cursor beyond)"},
		{"facets", "facets to count (repeatable): platform, tier, niche, country, city, language, brand, hashtag"},
		{"facet-size", "values per facet (1-100, default 10)"},
	} {
		m := &multiFlag{}
		params[p.name] = m
		fs.Var(m, p.name, p.help)
	}
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	v := url.Values{}
	for name, m := range params {
		for _, val := range *m {
			v.Add(strings.ReplaceAll(name, "-", "_"), val)
		}
	}
	q, err := creator.QueryFromValues(v)
	if err != nil {
		return usagef("--%s: %s", strings.ReplaceAll(creator.ErrorParam(err), "_", "-"), creator.ErrorMessage(err))
	}

	var res *creator.SearchResult
	if *apiURL != "" {
		res, err = searchAPI(ctx, *apiURL, v)
	} else {
		cfg, lerr := loadConfig(*cfgPath, *dataDir)
		if lerr != nil {
			return lerr
		}
		if err := existingData(cfg); err != nil {
			return err
		}
		ix, oerr := openIndex(cfg)
		if oerr != nil {
			return oerr
		}
		defer ix.Close()
		res, err = ix.Search(ctx, q)
	}
	if p := creator.ErrorParam(err); p != "" && creator.ErrorCode(err) == creator.EINVALID {
		// A value only the search can judge (a cursor from another query,
		// a place --near does not know) is still a bad flag.
		return usagef("--%s: %s", strings.ReplaceAll(p, "_", "-"), creator.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printTable(stdout, res)
	if len(*params["facets"]) > 0 {
		printFacets(stdout, res)
	}
	return nil
}

func searchAPI(ctx context.Context, base string, v url.Values) (*creator.SearchResult, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + "/v1/creators")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, usagef("--api %q is not an http(s) URL", base)
	}
	u.RawQuery = v.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message, Param string } `json:"error"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
		return nil, fmt.Errorf("%s: %s %s", resp.Status, e.Error.Param, e.Error.Message)
	}
	var res creator.SearchResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return &res, nil
}

func printTable(w io.Writer, res *creator.SearchResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFOLLOWERS\tTIER\tER\tNICHES\tLOCATION")
	for _, h := range res.Hits {
		loc := ""
		if h.Location != nil {
			loc = strings.Trim(strings.Join([]string{h.Location.City, h.Location.Country}, ", "), ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", oneLine(h.ID), count(h.Followers), h.Tier,
			percent(h.EngagementRate), oneLine(strings.Join(h.Niches, ",")), oneLine(loc))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d", len(res.Hits), res.Total)
	if res.NextCursor != "" {
		fmt.Fprintf(w, "; next page: --cursor %s", res.NextCursor)
	}
	fmt.Fprintln(w)
	if g := res.Near; g != nil {
		place := g.Place
		if place == "" {
			place = "the point"
		}
		fmt.Fprintf(w, "near %s (%.4f,%.4f) within %g km\n", oneLine(place), g.Lat, g.Lon, g.RadiusKm)
	}
	for _, h := range res.Hits {
		if h.Similarity != nil {
			fmt.Fprintf(w, "%s: %.3f, %s\n", oneLine(h.ID), h.Similarity.Score, oneLine(h.Similarity.Why))
		}
	}
}

// printFacets prints each facet's counts on one line, in facet order.
func printFacets(w io.Writer, res *creator.SearchResult) {
	for _, name := range creator.FacetFields {
		fs, ok := res.Facets[name]
		if !ok {
			continue
		}
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = fmt.Sprintf("%s %d", oneLine(f.Value), f.Count)
		}
		fmt.Fprintf(w, "%s: %s\n", name, strings.Join(parts, ", "))
	}
}

// oneLine keeps crawled text from breaking the table or the terminal:
// control characters (escape sequences among them) become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

func count(n *int64) string {
	if n == nil {
		return "?"
	}
	return fmt.Sprint(*n)
}

func percent(f *float64) string {
	if f == nil {
		return "?"
	}
	return fmt.Sprintf("%.2f%%", *f*100)
}
