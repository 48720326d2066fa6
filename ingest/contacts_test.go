package ingest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	_ "github.com/creatorscout/creatorscout/crawler/source/all"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/simnet"
	"github.com/creatorscout/creatorscout/store"
)

// hasEmail lists the ids the index returns for has_email=true.
func hasEmail(t *testing.T, ix *index.Index) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	q := creator.Query{HasEmail: ptr(true), Limit: creator.MaxLimit, Facets: []string{}}
	for {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			out[h.ID] = true
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			return out
		}
		q.Cursor = res.NextCursor
	}
}

// emailEvidence is "address <- source" for each e-mail of c's contact evidence.
func emailEvidence(c *creator.Creator) []string {
	var out []string
	if c.Analysis == nil || c.Analysis.Contact == nil {
		return nil
	}
	for _, e := range c.Analysis.Contact.Emails {
		out = append(out, e.Value+" <- "+e.Source)
	}
	return out
}

// TestContactPageFacts: a contact page's facts are stored, the creator is
// analysed again and indexed, a profile recrawl keeps them, and the page
// read again without the address takes it away.
func TestContactPageFacts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c, res := profile("mira", 25000)
	u, _ := url.Parse(c.URL)
	if err := f.p.Put(ctx, &source.Page{URL: u, Status: 200, FetchedAt: t0}, res); err != nil {
		t.Fatal(err)
	}
	if err := f.p.Flush(); err != nil {
		t.Fatal(err)
	}
	if hasEmail(t, f.ix)[c.ID] {
		t.Fatal("has_email before any contact page")
	}

	lt := "https://linktr.ee/mira.makes"
	lu, _ := url.Parse(lt)
	at := t0.Add(time.Minute)
	page := &source.Page{URL: lu, Status: 200, FetchedAt: at, Meta: map[string]string{source.MetaCreatorID: c.ID}}
	contacts := &source.Result{Contacts: []creator.ContactFact{
		{CreatorID: c.ID, Kind: creator.ContactEmail, Value: "hello@miramakes.example", SourceURL: lt, FetchedAt: at},
		{CreatorID: c.ID, Kind: creator.ContactLink, Value: "https://shop.miramakes.example/", SourceURL: lt, FetchedAt: at},
		{CreatorID: "web:someone-never-stored", Kind: creator.ContactEmail, Value: "x@y.example", SourceURL: lt, FetchedAt: at},
	}}
	if err := f.p.Put(ctx, page, contacts); err != nil {
		t.Fatal(err)
	}
	if err := f.p.Flush(); err != nil {
		t.Fatal(err)
	}
	check := func(step string, wantEmail bool) {
		t.Helper()
		got, err := f.st.Creator(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := emailEvidence(got)
		if wantEmail {
			if got.Email != "hello@miramakes.example" || len(ev) != 1 || ev[0] != "hello@miramakes.example <- "+lt {
				t.Errorf("%s: email %q evidence %q; want the link page's, credited to it", step, got.Email, ev)
			}
			if e := got.Analysis.Contact.Emails[0]; e.FetchedAt == nil || !e.FetchedAt.Equal(at) {
				t.Errorf("%s: evidence %+v without the page's fetch time", step, e)
			}
		} else if got.Email != "" || len(ev) != 0 {
			t.Errorf("%s: email %q evidence %q; want none", step, got.Email, ev)
		}
		if hasEmail(t, f.ix)[c.ID] != wantEmail {
			t.Errorf("%s: has_email filter finds %s: %v, want %v", step, c.ID, !wantEmail, wantEmail)
		}
	}
	check("after the link page", true)
	if _, err := f.st.Creator(ctx, "web:someone-never-stored"); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("a contact page created a creator: %v", err)
	}

	// The profile crawled again (no e-mail on it) keeps what the page said.
	_, res = profile("mira", 26000)
	if err := f.p.Put(ctx, &source.Page{URL: u, Status: 200, FetchedAt: t0.Add(time.Hour)}, res); err != nil {
		t.Fatal(err)
	}
	if err := f.p.Flush(); err != nil {
		t.Fatal(err)
	}
	check("after a profile recrawl", true)
	if err := f.p.Refresh(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.p.Flush(); err != nil {
		t.Fatal(err)
	}
	check("after a refresh", true)

	// The page read again without the address: it goes.
	page.FetchedAt = at.Add(time.Hour)
	if err := f.p.Put(ctx, page, &source.Result{Contacts: []creator.ContactFact{
		{CreatorID: c.ID, Kind: creator.ContactLink, Value: "https://shop.miramakes.example/", SourceURL: lt, FetchedAt: page.FetchedAt},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := f.p.Flush(); err != nil {
		t.Fatal(err)
	}
	check("after the page dropped the address", false)
	got, _ := f.st.Creator(ctx, c.ID)
	if !containsLink(got.Links, "https://shop.miramakes.example") {
		t.Errorf("links %q lack the page's shop link", got.Links)
	}
}

func containsLink(links []string, want string) bool {
	for _, l := range links {
		if strings.TrimRight(l, "/") == want {
			return true
		}
	}
	return false
}

// TestContactPagesOnSyntheticNetwork crawls profiles of the synthetic
// network through the real crawler and sources into a real store and
// index, and measures the contact facts against the network's truth: a
// creator whose address is only on its link-in-bio page ends up with
// has_email and evidence naming that page, and no page robots.txt
// disallows is fetched.
func TestContactPagesOnSyntheticNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls a synthetic network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	network := simnet.New(simnet.Options{Seed: 7, Creators: 400})
	sim, err := network.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	r, ix := simnetRunner(t, network, sim)
	st, srcs := r.Store, r.Sources
	// Profile 0, its posts and contact pages 1, a website's about and
	// contact pages 2; mentioned creators (depth 2) are fetched but not
	// followed further.
	r.Crawler.MaxDepth = 2
	r.Crawler.Parallelism = 8

	// Seeds: every creator with a contact page, and as many without.
	var seeds []source.Request
	var withPage []simnet.Creator
	without := 0
	for _, c := range network.Creators() {
		if c.Brand != "" || c.Gone || c.OptedOut || c.RobotsDisallowed {
			continue
		}
		if c.ContactPage == "" {
			if without >= 40 {
				continue
			}
			without++
		} else {
			withPage = append(withPage, c)
		}
		seeds = append(seeds, profileSeed(t, srcs, c)...)
	}

	run, err := r.Run(ctx, "test", seeds, []string{"contact pages"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run: %d pages, %d creators, robots denied %d", run.Summary.Pages, run.Summary.CreatorsNew, run.Summary.RobotsDenied)

	// No disallowed contact page was requested, though stored creators
	// link to some.
	disallowed := 0
	for _, c := range withPage {
		if !c.ContactPageDisallowed {
			continue
		}
		if _, err := st.Creator(ctx, c.ID); err == nil {
			disallowed++
		}
		cu, _ := url.Parse(c.ContactPage)
		for _, h := range sim.Requests(cu.Host) {
			if h.URL != "/robots.txt" {
				t.Errorf("fetched %s on a host whose robots.txt disallows it", h.URL)
			}
		}
	}

	if disallowed == 0 {
		t.Fatal("no stored creator links to a contact page robots.txt disallows: the check above proves nothing")
	}

	// Precision and recall of the contact e-mails and links, per creator
	// and value, over the creators the crawl stored.
	indexed := hasEmail(t, ix)
	var tpE, fpE, fnE, tpL, fpL, fnL, onlyThere int
	for _, c := range withPage {
		got, err := st.Creator(ctx, c.ID)
		if creator.ErrorCode(err) == creator.ENOTFOUND {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		facts, err := st.ContactFacts(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantE, wantL := map[string]bool{}, map[string]bool{}
		if !c.ContactPageDisallowed {
			for _, e := range c.ContactEmails {
				wantE[e] = true
			}
			for _, l := range c.ContactLinks {
				wantL[linkID(l)] = true
			}
		}
		gotE, gotL := map[string]bool{}, map[string]bool{}
		for _, f := range facts {
			if f.Kind == creator.ContactEmail {
				gotE[f.Value] = true
			} else {
				gotL[linkID(f.Value)] = true
			}
		}
		tp, fp, fn := score(wantE, gotE)
		tpE, fpE, fnE = tpE+tp, fpE+fp, fnE+fn
		tp, fp, fn = score(wantL, gotL)
		tpL, fpL, fnL = tpL+tp, fpL+fp, fnL+fn
		if fp+fn > 0 {
			t.Logf("%s (%s): links want %v got %v", c.ID, c.ContactPage, keys(wantL), keys(gotL))
		}

		// An address only on the contact page: has_email, and the evidence
		// names the page.
		if c.Email == "" && len(wantE) > 0 {
			onlyThere++
			e := c.ContactEmails[0]
			if got.Email != e || !indexed[c.ID] {
				t.Errorf("%s: email %q, in has_email results %v; want %q from %s", c.ID, got.Email, indexed[c.ID], e, c.ContactPage)
			}
			found := false
			for _, s := range got.Analysis.Contact.Emails {
				found = found || s.Value == e && strings.HasPrefix(s.Source, c.ContactPage) && s.FetchedAt != nil
			}
			if !found {
				t.Errorf("%s: contact evidence %q does not credit %s to %s", c.ID, emailEvidence(got), e, c.ContactPage)
			}
		}
	}
	precE, recE := ratio(tpE, tpE+fpE), ratio(tpE, tpE+fnE)
	precL, recL := ratio(tpL, tpL+fpL), ratio(tpL, tpL+fnL)
	t.Logf("contact e-mails: precision %.3f (%d/%d), recall %.3f (%d/%d); links: precision %.3f (%d/%d), recall %.3f (%d/%d); %d creators with an address only on their page",
		precE, tpE, tpE+fpE, recE, tpE, tpE+fnE, precL, tpL, tpL+fpL, recL, tpL, tpL+fnL, onlyThere)
	if onlyThere == 0 || tpE == 0 {
		t.Fatalf("the crawl reached no address that is only on a contact page (%d true positives)", tpE)
	}
	if precE < 1 || recE < 0.95 || precL < 0.95 || recL < 0.95 {
		t.Errorf("contact facts below the floors (e-mail precision 1, recall 0.95; links 0.95, 0.95)")
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func score(want, got map[string]bool) (tp, fp, fn int) {
	for v := range got {
		if want[v] {
			tp++
		} else {
			fp++
		}
	}
	for v := range want {
		if !got[v] {
			fn++
		}
	}
	return tp, fp, fn
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// linkID compares links as NormalizeLink writes them, without a trailing
// slash or "www.".
func linkID(l string) string {
	if n, ok := creator.NormalizeLink(l); ok {
		l = n
	}
	l = strings.TrimPrefix(strings.TrimPrefix(l, "https://"), "http://")
	return strings.TrimRight(strings.TrimPrefix(l, "www."), "/")
}

// simnetSources configures every source for the synthetic network, as the
// demo does, with the contact source last.
// simnetRunner is a Runner over a new store and index in a temporary
// directory (closed when the test ends) that crawls the synthetic network
// sim with every source, fast on loopback, at noon of the network's day.
func simnetRunner(t *testing.T, network *simnet.Network, sim *simnet.Server) (*Runner, *index.Index) {
	t.Helper()
	st, ix := openStoreAndIndex(t, time.Now)
	now := network.Today().Add(12 * time.Hour)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := New(st, ix, creator.DefaultOptions(), func() time.Time { return now }, log)
	cfg := crawler.DefaultConfig()
	cfg.AllowLoopback = true
	cfg.HostRules = []crawler.HostRule{{Glob: "127.0.0.1:*", Rate: 500, Burst: 50, MaxConns: 8}}
	cfg.MaxIdleWait = 0
	cfg.Quotas = nil
	r := &Runner{Store: st, Pipeline: p, Sources: simnetSources(t, sim), Crawler: cfg, Logger: log, Now: func() time.Time { return now }}
	return r, ix
}

func simnetSources(t *testing.T, sim *simnet.Server) []source.Source {
	t.Helper()
	urls := sim.BaseURLs()
	mastoHosts, htmlHosts := sim.SourceHosts()
	opts := map[string]source.Options{
		"mastodon":  {BaseURL: urls[simnet.KindMastodon][0], Hosts: mastoHosts, PostsPerCreator: 20},
		"bluesky":   {BaseURL: urls[simnet.KindBluesky][0], PostsPerCreator: 20},
		"youtube":   {BaseURL: urls[simnet.KindYouTube][0], APIKey: "simnet-key", PostsPerCreator: 10},
		"instagram": {BaseURL: urls[simnet.KindInstagram][0], Token: "simnet-token", UserID: "17841400000000001", PostsPerCreator: 10},
		"html":      {Hosts: htmlHosts},
		"linkpage":  {},
	}
	var out []source.Source
	for _, name := range []string{"mastodon", "bluesky", "youtube", "instagram", "html", crawler.ContactSource} {
		s, err := source.New(name, opts[name])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// profileSeed is the profile job for one creator of the network, as the
// CLI makes it from "platform:handle" or a profile URL.
func profileSeed(t *testing.T, srcs []source.Source, c simnet.Creator) []source.Request {
	t.Helper()
	for _, s := range srcs {
		ps, ok := s.(source.ProfileSource)
		if !ok {
			continue
		}
		for _, in := range []string{c.Platform + ":" + c.Handle, c.Handle, c.URL} {
			if reqs, ok := ps.ProfileRequests(in); ok && (s.Name() == c.Platform || in == c.URL) {
				return reqs
			}
		}
	}
	t.Fatalf("no source takes %s", c.ID)
	return nil
}

// TestContactPageSharedByAccounts: one person's accounts link to one
// link-in-bio page, which the frontier fetches once. An account stored
// before the page lands gets its facts when it lands; one stored after
// gets a copy when it is stored; each credits the page.
func TestContactPageSharedByAccounts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	lt := "https://linktr.ee/mira.makes"
	acct := func(platform, handle string) (*creator.Creator, *source.Page, *source.Result) {
		u := "https://" + platform + ".example/" + handle
		c := creator.Creator{ID: creator.MakeID(platform, handle), Platform: platform, Handle: handle, URL: u,
			Bio: "ceramics", Website: lt, Followers: ptr(int64(12000)), FetchedAt: t0, SourceURL: u}
		res := &source.Result{Creators: []creator.Creator{c}}
		res.Next = crawler.ContactLinkRequests(res.Creators, nil, nil, crawler.MaxContactPages)
		pu, _ := url.Parse(u)
		return &c, &source.Page{URL: pu, Status: 200, FetchedAt: t0}, res
	}
	put := func(page *source.Page, res *source.Result) {
		t.Helper()
		if err := f.p.Put(ctx, page, res); err != nil {
			t.Fatal(err)
		}
		if err := f.p.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	ig, igPage, igRes := acct(creator.Instagram, "mira.makes")
	yt, ytPage, ytRes := acct(creator.YouTube, "miramakes")
	tt, ttPage, ttRes := acct(creator.TikTok, "mira.makes")
	if len(igRes.Next) != 1 || igRes.Next[0].URL != lt {
		t.Fatalf("contact requests %+v", igRes.Next)
	}
	put(igPage, igRes)
	put(ytPage, ytRes) // its request would be dropped by the frontier: the page is queued for ig

	lu, _ := url.Parse(lt)
	at := t0.Add(time.Minute)
	put(&source.Page{URL: lu, Status: 200, FetchedAt: at, Meta: igRes.Next[0].Meta}, &source.Result{Contacts: []creator.ContactFact{
		{CreatorID: ig.ID, Kind: creator.ContactEmail, Value: "studio@miramakes.example", SourceURL: lt, FetchedAt: at},
	}})
	put(ttPage, ttRes) // linked after the page landed

	indexed := hasEmail(t, f.ix)
	for _, c := range []*creator.Creator{ig, yt, tt} {
		got, err := f.st.Creator(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := emailEvidence(got)
		if got.Email != "studio@miramakes.example" || len(ev) != 1 || ev[0] != "studio@miramakes.example <- "+lt || !indexed[c.ID] {
			t.Errorf("%s: email %q evidence %q indexed %v; want the link page's", c.ID, got.Email, ev, indexed[c.ID])
		}
	}
}

// TestStaleContactFactsExpire: a contact page not read again for
// creator.ContactFactMaxAge while its creator's profile is still fetched
// stops counting (no e-mail, no has_email) and its facts are deleted, with
// the analysis made ahead of the write and inside it alike. A 304 from the
// page counts as reading it again.
func TestStaleContactFactsExpire(t *testing.T) {
	for _, ahead := range []bool{true, false} {
		t.Run(map[bool]string{true: "ahead", false: "in transaction"}[ahead], func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			f.p.noAhead = !ahead
			c, _ := profile("mira", 25000)
			u, _ := url.Parse(c.URL)
			putProfile := func(at time.Time) {
				t.Helper()
				_, res := profile("mira", 25000)
				res.Creators[0].FetchedAt = at
				for i := range res.Posts {
					res.Posts[i].FetchedAt = at
				}
				if err := f.p.Put(ctx, &source.Page{URL: u, Status: 200, FetchedAt: at}, res); err != nil {
					t.Fatal(err)
				}
				if err := f.p.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			putProfile(t0)
			lt := "https://linktr.ee/mira.makes"
			lu, _ := url.Parse(lt)
			at := t0.Add(time.Minute)
			page := &source.Page{URL: lu, Status: 200, FetchedAt: at, Meta: map[string]string{source.MetaCreatorID: c.ID}}
			if err := f.p.Put(ctx, page, &source.Result{Contacts: []creator.ContactFact{
				{CreatorID: c.ID, Kind: creator.ContactEmail, Value: "hello@miramakes.example", SourceURL: lt, FetchedAt: at},
			}}); err != nil {
				t.Fatal(err)
			}
			if err := f.p.Flush(); err != nil {
				t.Fatal(err)
			}
			check := func(step string, want bool) {
				t.Helper()
				got, err := f.st.Creator(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				facts, err := f.st.ContactFacts(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if has := got.Email == "hello@miramakes.example" && len(emailEvidence(got)) == 1; has != want {
					t.Errorf("%s: email %q evidence %q; want the page's: %v", step, got.Email, emailEvidence(got), want)
				}
				if (len(facts) == 1) != want {
					t.Errorf("%s: stored facts %+v; want the page's: %v", step, facts, want)
				}
				if hasEmail(t, f.ix)[c.ID] != want {
					t.Errorf("%s: has_email finds %s: %v, want %v", step, c.ID, !want, want)
				}
			}
			check("page just read", true)
			// The page answering 304 Not Modified confirms its facts: 20
			// days on, they hold for another ContactFactMaxAge.
			it := f.leaseOne(t, lt)
			confirmed := at.Add(20 * 24 * time.Hour)
			if err := f.fr.FrontierDone(ctx, it.ID, http.StatusNotModified, `"v1"`, "", confirmed); err != nil {
				t.Fatal(err)
			}
			putProfile(at.Add(creator.ContactFactMaxAge + time.Hour))
			check("profile fetched past the max age of the page's read, within that of its 304", true)
			at = confirmed
			putProfile(at.Add(creator.ContactFactMaxAge - time.Hour))
			check("profile fetched within the max age of the page", true)
			if err := f.p.Refresh(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			check("refreshed", true)
			putProfile(at.Add(creator.ContactFactMaxAge + time.Hour))
			check("profile fetched past the max age of the page", false)
			if err := f.p.Refresh(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			check("refreshed after", false)
		})
	}
}

// TestDoneRunClearsItsFrontier: a run that finishes (here on its page
// budget, with profiles' posts and mentions still queued) leaves nothing
// in the frontier; it cannot be resumed, and its leftovers would only
// grow the database run after run. The seen set stays.
func TestDoneRunClearsItsFrontier(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	network := simnet.New(simnet.Options{Seed: 3, Creators: 40})
	sim, err := network.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	r, _ := simnetRunner(t, network, sim)
	st := r.Store
	r.Crawler.MaxPages = 10
	var logs bytes.Buffer
	r.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	var seeds []source.Request
	for _, c := range network.Creators() {
		if c.Brand == "" && !c.Gone && !c.OptedOut && !c.RobotsDisallowed {
			seeds = append(seeds, profileSeed(t, r.Sources, c)...)
		}
	}
	run, err := r.Run(ctx, "test", seeds, []string{"budget"})
	if err != nil {
		t.Fatal(err)
	}
	now := network.Today().Add(12 * time.Hour)
	if run.Status != creator.RunDone || run.Summary.Pages == 0 || len(seeds) <= r.Crawler.MaxPages {
		t.Fatalf("run %+v with %d seeds: want done on its budget", run, len(seeds))
	}
	if n, err := st.FrontierPending(ctx, run.ID); err != nil || n != 0 {
		t.Errorf("%d items pending in a done run's frontier (%v)", n, err)
	}
	if !strings.Contains(logs.String(), `"msg":"run finished with URLs still queued`) {
		t.Errorf("the run did not say it left URLs unfetched: %s", logs.String())
	}
	fetched := ""
	for _, s := range seeds {
		if _, _, _, ok, err := st.Seen(ctx, s.URL); err == nil && ok {
			fetched = s.URL
			break
		}
	}
	if fetched == "" {
		t.Fatal("no seed is in the seen set")
	}
	if _, err := st.FrontierPush(ctx, run.ID, []store.FrontierItem{{URL: fetched}}, now, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n, err := st.FrontierPending(ctx, run.ID); err != nil || n != 0 {
		t.Errorf("a URL the run fetched was queued again within the freshness window (%d pending, %v): the seen set went with the frontier", n, err)
	}
}
