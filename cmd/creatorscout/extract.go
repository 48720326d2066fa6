package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// detectOrder tries the specific API formats before generic HTML.
// linkpage claims only link-in-bio URLs (--url https://linktr.ee/...), so it
// goes before html, which claims any HTML page.
var detectOrder = []string{"mastodon", "bluesky", "youtube", "instagram", "linkpage", "html"}

// extractOutput is one file's result: the spec's {"creator", "posts"} plus
// what else the source read, so a user can debug a source from it.
type extractOutput struct {
	File     string            `json:"file"`
	Source   string            `json:"source"`
	Creator  *creator.Creator  `json:"creator"`
	Posts    []creator.Post    `json:"posts"`
	Creators []creator.Creator `json:"creators,omitempty"` // when the page held more than one
	Next     []source.Request  `json:"next,omitempty"`
	OptedOut []string          `json:"opted_out,omitempty"`
	// Contacts are what a contact page (link-in-bio, about, contact) gave.
	Contacts []creator.ContactFact `json:"contacts,omitempty"`
	Error    string                `json:"error,omitempty"`
}

func cmdExtract(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("extract", stderr)
	name := fs.String("source", "", "source format (default: detect from --url or the content): "+fmt.Sprint(source.Names()))
	rawURL := fs.String("url", "", "the URL the files were fetched from (helps detection and relative links)")
	fetched := fs.String("fetched-at", "", "RFC 3339 fetch time to record (default: the file's modification time)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: creatorscout extract [--source NAME] [--url URL] FILE...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("name at least one FILE")
	}
	var pageURL *url.URL
	if *rawURL != "" {
		u, err := url.Parse(*rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--url %q is not an http(s) URL", *rawURL)
		}
		pageURL = u
	}
	var fetchedAt time.Time
	if *fetched != "" {
		t, err := time.Parse(time.RFC3339, *fetched)
		if err != nil {
			return usagef("--fetched-at %q is not an RFC 3339 time such as 2026-11-01T10:00:00Z", *fetched)
		}
		fetchedAt = t.UTC()
	}
	if *name != "" {
		if _, err := source.New(*name, source.Options{}); err != nil {
			return usagef("--source: %v", err)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, file := range fs.Args() {
		out, err := extractFile(file, *name, pageURL, fetchedAt)
		if err != nil {
			fmt.Fprintf(stderr, "creatorscout extract: %s: %v\n", file, err)
			failed++
			continue
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read", failed, fs.NArg())
	}
	return nil
}

func extractFile(file, name string, pageURL *url.URL, fetchedAt time.Time) (*extractOutput, error) {
	body, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if fetchedAt.IsZero() {
		if st, err := os.Stat(file); err == nil {
			fetchedAt = st.ModTime().UTC().Truncate(time.Second)
		}
	}
	u := pageURL
	if u == nil {
		abs, _ := filepath.Abs(file)
		u = &url.URL{Scheme: "file", Path: abs}
	}
	src, err := pickSource(name, pageURL, body)
	if err != nil {
		return nil, err
	}
	page := &source.Page{URL: u, Status: 200, Body: body, FetchedAt: fetchedAt}
	res, perr := src.Parse(page)
	if name == "" && errors.Is(perr, source.ErrNotThisFormat) {
		// Detected by its looks but not of that format (an HTML page with
		// no profile on it): the first other source that reads something
		// from it (a contact page's addresses), else the first error.
		for _, n := range detectOrder {
			other, err := source.New(n, source.Options{})
			if err != nil || n == src.Name() {
				continue
			}
			r, e := other.Parse(page)
			if !errors.Is(e, source.ErrNotThisFormat) && r != nil && len(r.Creators)+len(r.Posts)+len(r.Contacts) > 0 {
				src, res, perr = other, r, e
				break
			}
		}
	}
	out := &extractOutput{File: file, Source: src.Name(), Posts: []creator.Post{}}
	if perr != nil {
		out.Error = perr.Error()
	}
	if res == nil {
		return out, nil
	}
	analyseExtract(res, fetchedAt)
	if len(res.Creators) > 0 {
		out.Creator = &res.Creators[0]
	}
	if len(res.Creators) > 1 {
		out.Creators = res.Creators
	}
	if res.Posts != nil {
		out.Posts = res.Posts
	}
	out.Next, out.OptedOut, out.Contacts = res.Next, res.OptedOut, res.Contacts
	return out, nil
}

// pickSource returns the named source or the first whose Detect claims the page.
func pickSource(name string, u *url.URL, body []byte) (source.Source, error) {
	if name != "" {
		return source.New(name, source.Options{})
	}
	for _, n := range detectOrder {
		s, err := source.New(n, source.Options{})
		if err != nil {
			continue
		}
		if s.Detect(u, body) {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no source recognises this content; name one with --source (%v)", source.Names())
}

// analyseExtract runs the analysis so extract shows each post's disclosure
// class and signals and each creator's figures with their evidence.
func analyseExtract(res *source.Result, now time.Time) {
	opts := creator.DefaultOptions()
	byCreator := map[string][]int{}
	for i, p := range res.Posts {
		byCreator[p.CreatorID] = append(byCreator[p.CreatorID], i)
	}
	for i := range res.Creators {
		c := &res.Creators[i]
		idx := byCreator[c.ID]
		posts := make([]creator.Post, len(idx))
		for j, k := range idx {
			posts[j] = res.Posts[k]
		}
		creator.Analyze(c, posts, nil, now, opts)
		for j, k := range idx {
			res.Posts[k] = posts[j]
		}
		delete(byCreator, c.ID)
	}
	for _, idx := range byCreator {
		for _, k := range idx {
			p := &res.Posts[k]
			d := creator.ClassifyPost(p, opts.Brands)
			p.Disclosure, p.Brands, p.Undisclosed = d.Disclosure, d.Brands, d.Undisclosed
		}
	}
}
