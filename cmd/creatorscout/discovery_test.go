package main

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/simnet"
)

// TestDiscoveryOnSyntheticNetwork runs the discovery jobs through the real
// pipeline (crawler with robots.txt and rate limits, store, analysis,
// index) against the synthetic network, and checks what reached the store
// against the network's ground truth.
func TestDiscoveryOnSyntheticNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("discovery crawls skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	network := simnet.New(simnet.Options{Seed: 11, Creators: 500, Today: time.Now().UTC()})
	sim, err := network.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	tr := newTruth(network.Creators())

	t.Run("hashtag", func(t *testing.T) { testHashtagDiscovery(t, ctx, sim, tr, network) })
	t.Run("brand", func(t *testing.T) { testBrandDiscovery(t, ctx, sim, tr) })
	t.Run("snowball", func(t *testing.T) { testSnowballDiscovery(t, ctx, sim, tr) })
}

// testHashtagDiscovery: one hashtag finds creators on at least three
// platforms, every one of whom used the tag; opted-out tag users never
// reach the store.
func testHashtagDiscovery(t *testing.T, ctx context.Context, sim *simnet.Server, tr *truth, network *simnet.Network) {
	// The most used tag whose users are spread over at least four of the
	// platforms that have tag feeds, opted-out users among them.
	tag := ""
	var optedOut []string
	for _, tc := range network.HashtagCounts() {
		platforms := map[string]bool{}
		var out []string
		for _, c := range tr.all {
			if !c.usedTag(tc.Tag) {
				continue
			}
			if c.OptedOut {
				out = append(out, c.ID)
			} else if c.Brand == "" && c.Platform != simnet.Instagram {
				platforms[c.Platform] = true
			}
		}
		if len(platforms) >= 4 && len(out) > 0 {
			tag, optedOut = tc.Tag, out
			break
		}
	}
	if tag == "" {
		t.Fatal("the network has no tag used on four platforms with an opted-out user")
	}

	a, run := discover(t, ctx, sim, jobs{Hashtags: []string{"#" + tag}}, func(c *config.Config) {
		c.Jobs.Snowball.Depth = 0 // the tag's users only
	})
	platforms := map[string]int{}
	stored := storedCreators(t, ctx, a)
	for _, s := range stored {
		c := tr.match(s.c)
		switch {
		case c == nil:
			t.Errorf("stored %s (%s) is not in the network", s.c.ID, s.c.URL)
		case !c.usedTag(tag):
			t.Errorf("stored %s never used #%s", s.c.ID, tag)
		default:
			platforms[s.c.Platform]++
		}
	}
	if len(platforms) < 3 {
		t.Errorf("#%s found creators on %d platforms (%v), want at least 3", tag, len(platforms), platforms)
	}
	if len(stored) < 10 {
		t.Errorf("#%s found only %d creators", tag, len(stored))
	}
	for _, id := range optedOut {
		if _, err := a.store.Creator(ctx, id); err == nil {
			t.Errorf("%s opted out but was stored", id)
		}
	}
	for _, c := range tr.all {
		if c.OptedOut && tr.storedAs(t, ctx, a, c) {
			t.Errorf("%s opted out (%s) but was stored", c.ID, c.OptOutSignal)
		}
	}
	if run.Summary.OptedOut == 0 {
		t.Errorf("no opt-out was seen, though %d users of #%s opted out", len(optedOut), tag)
	}
	t.Logf("#%s: %d creators on %v; %d opt-outs seen; %d pages", tag, len(stored), platforms, run.Summary.OptedOut, run.Summary.Pages)
}

// testBrandDiscovery: a brand job finds the creators whose posts mention
// the brand, and the analysis names the brand on their posts with the
// post's disclosure class.
func testBrandDiscovery(t *testing.T, ctx context.Context, sim *simnet.Server, tr *truth) {
	// The handles a brand goes by: its own, and its accounts' on each network.
	handlesOf := func(b simnet.Brand) []string {
		hs := []string{strings.ToLower(b.Handle)}
		for _, c := range tr.all {
			if h := strings.ToLower(c.Handle); c.Brand == b.Handle && !slices.Contains(hs, h) {
				hs = append(hs, h)
			}
		}
		return hs
	}
	// The brand most mentioned on the platforms with text search.
	var brand simnet.Brand
	best := 0
	for _, b := range simnet.Brands() {
		n := 0
		for _, c := range tr.all {
			if (c.Platform == simnet.Bluesky || c.Platform == simnet.YouTube) && !c.OptedOut && len(c.postsNaming(b.Name, handlesOf(b))) > 0 {
				n++
			}
		}
		if n > best {
			brand, best = b, n
		}
	}
	if best < 3 {
		t.Fatalf("no brand is mentioned by 3 searchable creators (best %q: %d)", brand.Name, best)
	}
	// What a user would configure: the brand's handles and other names.
	handles := handlesOf(brand)
	var aliases []string
	for _, h := range handles {
		aliases = append(aliases, "@"+h)
	}
	aliases = append(aliases, brand.Aliases...)

	a, _ := discover(t, ctx, sim, jobs{Brands: []string{strings.ToUpper(brand.Name)}}, func(c *config.Config) {
		c.Analysis.Brands = map[string][]string{brand.Name: aliases}
		c.Jobs.Snowball.Depth = 0
	})
	stored := storedCreators(t, ctx, a)
	classes := map[string]int{}
	checked, wrong := 0, 0
	for _, s := range stored {
		c := tr.match(s.c)
		if c == nil {
			t.Errorf("stored %s is not in the network", s.c.ID)
			continue
		}
		named := c.postsNaming(brand.Name, handles)
		if len(named) == 0 {
			t.Errorf("stored %s never mentions %s", s.c.ID, brand.Name)
			continue
		}
		for _, p := range s.posts {
			tp, ok := named[p.URL]
			if !ok {
				continue
			}
			checked++
			i := slices.IndexFunc(p.Brands, func(b creator.Brand) bool { return b.Name == brand.Name })
			switch {
			case i < 0:
				wrong++
				t.Errorf("%s: post %s mentions %s but its brands are %v (caption %q)", s.c.ID, p.URL, brand.Name, p.Brands, p.Caption)
			case p.Brands[i].Class != tp.Class:
				wrong++
				t.Errorf("%s: post %s names %s as %s, ground truth %s (signals %v)", s.c.ID, p.URL, brand.Name, p.Brands[i].Class, tp.Class, tp.Signals)
			default:
				classes[tp.Class]++
			}
		}
	}
	if len(stored) < 3 || checked < 3 {
		t.Errorf("brand %s: %d creators stored, %d of their posts naming it checked; want at least 3 of each", brand.Name, len(stored), checked)
	}
	if len(classes) < 2 {
		t.Errorf("brand %s: classes %v; want posts of at least two classes to show the class is read", brand.Name, classes)
	}
	t.Logf("brand %s (aliases %q): %d creators, %d posts naming it, classes %v, %d wrong", brand.Name, aliases, len(stored), checked, classes, wrong)
}

// testSnowballDiscovery: creators @mentioned by the seed creators are
// found up to the budget, and only at the hops the depth allows.
func testSnowballDiscovery(t *testing.T, ctx context.Context, sim *simnet.Server, tr *truth) {
	// Seeds: creators on the API networks whose posts mention other
	// creators of the network.
	var seedHandles []string
	seeds := map[string]bool{}
	for _, c := range tr.all {
		if len(seeds) == 8 {
			break
		}
		if c.OptedOut || c.RobotsDisallowed || c.Brand != "" || len(tr.mentioned(c)) == 0 {
			continue
		}
		switch c.Platform {
		case simnet.Mastodon, simnet.Bluesky, simnet.YouTube:
			seeds[c.ID] = true
			seedHandles = append(seedHandles, c.ID)
		}
	}
	hop1 := map[string]bool{}
	for id := range seeds {
		for _, m := range tr.mentioned(tr.byID[id]) {
			if !seeds[m] {
				hop1[m] = true
			}
		}
	}
	hop2 := map[string]bool{}
	for id := range hop1 {
		for _, m := range tr.mentioned(tr.byID[id]) {
			if !seeds[m] && !hop1[m] {
				hop2[m] = true
			}
		}
	}
	const budget = 3
	if len(hop1) <= budget || len(hop2) == 0 {
		t.Fatalf("seeds mention %d creators and those %d more; need more than %d and some", len(hop1), len(hop2), budget)
	}
	snowballed := func(depth, budget int) []string {
		a, _ := discover(t, ctx, sim, jobs{Handles: seedHandles}, func(c *config.Config) {
			c.Jobs.Snowball.Depth, c.Jobs.Snowball.Budget = depth, budget
		})
		var out []string
		for _, s := range storedCreators(t, ctx, a) {
			if c := tr.match(s.c); c != nil && !seeds[c.ID] {
				out = append(out, c.ID)
				if c.OptedOut {
					t.Errorf("%s opted out but was stored", c.ID)
				}
			} else if c == nil {
				t.Errorf("stored %s is not in the network", s.c.ID)
			}
		}
		sort.Strings(out)
		return out
	}

	tight := snowballed(1, budget)
	if len(tight) == 0 || len(tight) > budget {
		t.Errorf("budget %d: %d snowballed creators stored (%v), want 1 to %d", budget, len(tight), tight, budget)
	}
	wide := snowballed(1, 1000)
	if len(wide) <= budget {
		t.Errorf("budget 1000 stored %d snowballed creators, no more than budget %d did: the budget test proves nothing", len(wide), budget)
	}
	for _, got := range [][]string{tight, wide} {
		for _, id := range got {
			if !hop1[id] {
				t.Errorf("%s was snowballed at depth 1 but no seed mentions it (hop 2: %v)", id, hop2[id])
			}
		}
	}
	deeper := snowballed(2, 1000)
	reached2 := 0
	for _, id := range deeper {
		if hop2[id] {
			reached2++
		}
	}
	if reached2 == 0 {
		t.Errorf("depth 2 reached none of the %d creators two hops away", len(hop2))
	}
	t.Logf("seeds %d, hop-1 candidates %d, hop-2 candidates %d; stored: budget %d -> %d, depth 1 -> %d, depth 2 -> %d (%d at hop 2)",
		len(seeds), len(hop1), len(hop2), budget, len(tight), len(wide), len(deeper), reached2)
}

// discover crawls the synthetic network for j into a fresh store and
// index, as `creatorscout crawl` would with the demo's configuration.
func discover(t *testing.T, ctx context.Context, sim *simnet.Server, j jobs, tune func(*config.Config)) (*app, *creator.CrawlRun) {
	t.Helper()
	cfg := demoConfig(sim, t.TempDir(), "127.0.0.1:0")
	tune(&cfg)
	a, err := openApp(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	reqs, lbls, err := jobSeeds(cfg, j)
	if err != nil {
		t.Fatal(err)
	}
	run, err := a.runner(nil).Run(ctx, "test", reqs, lbls)
	if err != nil {
		t.Fatalf("crawl %v: %v", lbls, err)
	}
	if run.Status != creator.RunDone {
		t.Fatalf("crawl %v: status %s", lbls, run.Status)
	}
	return a, run
}

type storedCreator struct {
	c     *creator.Creator
	posts []creator.Post
}

func storedCreators(t *testing.T, ctx context.Context, a *app) []storedCreator {
	t.Helper()
	var out []storedCreator
	err := a.store.EachCreator(ctx, func(c *creator.Creator, posts []creator.Post) error {
		out = append(out, storedCreator{c, posts})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// truth is the network's ground truth, indexed.
type truth struct {
	all   []*truthCreator
	byID  map[string]*truthCreator
	byURL map[string]*truthCreator
}

type truthCreator struct{ simnet.Creator }

func newTruth(cs []simnet.Creator) *truth {
	tr := &truth{byID: map[string]*truthCreator{}, byURL: map[string]*truthCreator{}}
	for _, c := range cs {
		tc := &truthCreator{c}
		tr.all = append(tr.all, tc)
		tr.byID[c.ID] = tc
		tr.byURL[normProfileURL(c.URL)] = tc
	}
	return tr
}

// match finds the account a stored creator is: by id, or by profile URL
// (web creators' ids name their host, simnet's do not).
func (tr *truth) match(c *creator.Creator) *truthCreator {
	if tc := tr.byID[c.ID]; tc != nil {
		return tc
	}
	return tr.byURL[normProfileURL(c.URL)]
}

// storedAs reports whether the store holds c, by id or profile URL.
func (tr *truth) storedAs(t *testing.T, ctx context.Context, a *app, c *truthCreator) bool {
	if _, err := a.store.Creator(ctx, c.ID); err == nil {
		return true
	}
	found := false
	a.store.EachCreator(ctx, func(s *creator.Creator, _ []creator.Post) error {
		if normProfileURL(s.URL) == normProfileURL(c.URL) {
			found = true
		}
		return nil
	})
	return found
}

// mentioned lists the network creators c's posts @mention, as ids.
func (tr *truth) mentioned(c *truthCreator) []string {
	var out []string
	for _, p := range c.Posts {
		for _, m := range p.Mentions {
			if o := tr.byID[c.Platform+":"+m]; o != nil && o.ID != c.ID && !slices.Contains(out, o.ID) {
				out = append(out, o.ID)
			}
		}
	}
	return out
}

func (c *truthCreator) usedTag(tag string) bool {
	for _, p := range c.Posts {
		if slices.Contains(p.Hashtags, tag) {
			return true
		}
	}
	return false
}

// postsNaming maps the URLs of c's posts about brand that @mention one of
// its handles to the posts. (A post can be about a brand without naming
// it, "#ad" alone: no crawler can tell which brand that is.)
func (c *truthCreator) postsNaming(brand string, handles []string) map[string]simnet.Post {
	out := map[string]simnet.Post{}
	for _, p := range c.Posts {
		if slices.Contains(p.Brands, brand) && slices.ContainsFunc(p.Mentions, func(m string) bool { return slices.Contains(handles, m) }) {
			out[p.URL] = p
		}
	}
	return out
}

func normProfileURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return strings.ToLower(u.Host) + strings.TrimSuffix(u.Path, "/")
}

func TestBrandTerms(t *testing.T) {
	cases := []struct {
		name              string
		aliases           []string
		queries, hashtags []string
	}{
		{"Oat & Ember", []string{"@oatandember", "Oat and Ember", "#OatEmber", "@oatandember.bsky.social", "@oatandember@social.example"},
			[]string{"Oat & Ember", "@oatandember", "Oat and Ember", "@oatandember.bsky.social", "@oatandember@social.example"},
			[]string{"oatember", "oatandember"}},
		{"Lumiere Skin", []string{"Lumière", "lumiere skin", "@LumiereSkin"},
			[]string{"Lumiere Skin", "Lumière", "@LumiereSkin"},
			[]string{"lumiereskin", "lumière"}},
		{"X", []string{"#", "@x.y"}, []string{"X", "@x.y"}, nil},
	}
	for _, tc := range cases {
		q, h := brandTerms(tc.name, tc.aliases)
		if !slices.Equal(q, tc.queries) || !slices.Equal(h, tc.hashtags) {
			t.Errorf("brandTerms(%q, %q) = %q, %q; want %q, %q", tc.name, tc.aliases, q, h, tc.queries, tc.hashtags)
		}
	}
}

func TestJobSeeds(t *testing.T) {
	cfg := config.Default()
	cfg.Sources.Mastodon.BaseURL = "https://kitchen.social"
	cfg.Sources.Mastodon.Instances = []string{"https://crumb.town", "https://kitchen.social"}
	cfg.Sources.Instagram.Enabled = false
	cfg.Sources.HTML.Hosts = []string{"127.0.0.1:8091", "127.0.0.1:8095=tiktok", "www.instagram.com=instagram", "creators.example"}
	cfg.Analysis.Brands = map[string][]string{"PeakFuel": {"@peakfuel", "Peak Fuel"}}

	reqs, lbls, err := jobSeeds(cfg, jobs{Hashtags: []string{"#Trail"}, Brands: []string{"peakfuel"}, Handles: []string{"bluesky:maya.bsky.social"}})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	brands := 0
	for _, r := range reqs {
		urls = append(urls, r.URL)
		if r.Meta[source.MetaBrand] == "PeakFuel" {
			brands++
		}
	}
	for _, want := range []string{
		"https://kitchen.social/api/v1/timelines/tag/trail?limit=40",
		"https://crumb.town/api/v1/timelines/tag/trail?limit=40",
		"https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?limit=25&q=%23trail",
		"http://127.0.0.1:8091/tags/trail",
		"http://127.0.0.1:8095/tag/trail",
		"https://creators.example/tags/trail",
		"https://kitchen.social/api/v1/timelines/tag/peakfuel?limit=40",
		"https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?limit=25&q=%40peakfuel",
		"https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?limit=25&q=Peak+Fuel",
		"https://www.googleapis.com/youtube/v3/search?maxResults=50&part=snippet&q=%40peakfuel&type=video",
		"http://127.0.0.1:8095/tag/peakfuel",
		"https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=maya.bsky.social",
	} {
		if !slices.Contains(urls, want) {
			t.Errorf("no request for %s", want)
		}
	}
	seen := map[string]bool{}
	for _, u := range urls {
		if strings.Contains(u, "instagram.com") || seen[u] {
			t.Errorf("unexpected or repeated request %s", u)
		}
		seen[u] = true
	}
	if brands == 0 || !slices.Equal(lbls, []string{"hashtag:Trail", "bluesky:maya.bsky.social", "brand:peakfuel"}) {
		t.Errorf("%d brand requests, labels %q", brands, lbls)
	}

	if _, _, err := jobSeeds(cfg, jobs{Brands: []string{"Glossier"}}); err == nil || !strings.Contains(err.Error(), `"Glossier" is not in analysis.brands (known: PeakFuel)`) {
		t.Errorf("unknown brand: err %v", err)
	}
}

// TestCrawlBrandFlag checks the CLI: --brand must name a configured brand,
// and a crawl with no job at all is a usage error that names --brand.
func TestCrawlBrandFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"crawl", "--data", t.TempDir(), "--brand", "Nobody"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), `brand "Nobody" is not in analysis.brands`) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	code = run(context.Background(), []string{"crawl", "--data", t.TempDir()}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--brand") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
