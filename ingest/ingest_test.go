package ingest

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

type fixture struct {
	st  *store.Store
	ix  *index.Index
	p   *Pipeline
	fr  Frontier
	run int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := func() time.Time { return t0 }
	st, ix := openStoreAndIndex(t, clock)
	p := New(st, ix, creator.DefaultOptions(), clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	run, err := st.StartRun(ctx, "test", []string{"test"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, ix: ix, p: p, fr: Frontier{S: st, P: p}, run: run}
}

// openStoreAndIndex opens a store (on clock) and an index in a temporary
// directory, closed when the test ends.
func openStoreAndIndex(t *testing.T, clock func() time.Time) (*store.Store, *index.Index) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "db.sqlite"), store.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return st, ix
}

func ptr[T any](v T) *T { return &v }

// page builds what the html source would read from a profile page at u.
func profile(handle string, followers int64, next ...string) (*creator.Creator, *source.Result) {
	u := "http://127.0.0.1:9/@" + handle
	c := creator.Creator{ID: creator.MakeID(creator.Web, handle), Platform: creator.Web, Handle: handle, URL: u,
		DisplayName: handle, Bio: "vegan recipes and pilates", Followers: ptr(followers), FetchedAt: t0, SourceURL: u}
	posts := []creator.Post{
		{ID: "web:" + handle + "-1", CreatorID: c.ID, URL: u + "/1", PublishedAt: ptr(t0.Add(-24 * time.Hour)),
			Caption: "my #vegan bowl #ad with @brand", Likes: ptr(int64(500)), Comments: ptr(int64(20)), FetchedAt: t0, SourceURL: u},
		{ID: "web:" + handle + "-2", CreatorID: c.ID, URL: u + "/2", PublishedAt: ptr(t0.Add(-48 * time.Hour)),
			Caption: "morning pilates", Likes: ptr(int64(300)), Comments: ptr(int64(10)), FetchedAt: t0, SourceURL: u},
	}
	res := &source.Result{Creators: []creator.Creator{c}, Posts: posts}
	for _, n := range next {
		res.Next = append(res.Next, source.Request{URL: n, Kind: source.KindProfile})
	}
	return &c, res
}

// leaseOne pushes u as a seed and leases it as the crawler would.
func (f *fixture) leaseOne(t *testing.T, u string) crawler.FrontierItem {
	t.Helper()
	ctx := context.Background()
	if _, err := f.fr.FrontierPush(ctx, f.run, []crawler.FrontierItem{{URL: u, Kind: source.KindProfile, Host: "127.0.0.1:9"}}, t0, time.Hour); err != nil {
		t.Fatal(err)
	}
	items, err := f.fr.FrontierLease(ctx, f.run, 10, t0, 5*time.Minute)
	if err != nil || len(items) != 1 {
		t.Fatalf("lease: %v %v", items, err)
	}
	return items[0]
}

// fetched hands the page to the sink and queues its links, as the crawler
// does between a 200 and FrontierDone.
func (f *fixture) fetched(t *testing.T, it crawler.FrontierItem, res *source.Result) {
	t.Helper()
	ctx := context.Background()
	u, _ := url.Parse(it.URL)
	page := &source.Page{URL: u, Status: 200, Meta: it.Meta, FetchedAt: t0}
	if err := f.p.Put(ctx, page, res); err != nil {
		t.Fatal(err)
	}
	var links []crawler.FrontierItem
	for _, n := range res.Next {
		links = append(links, crawler.FrontierItem{URL: n.URL, Kind: n.Kind, Meta: n.Meta, Depth: it.Depth + 1, Host: "127.0.0.1:9"})
	}
	if len(links) > 0 {
		if n, err := f.fr.FrontierPush(ctx, f.run, links, t0, time.Hour); err != nil || n != len(links) {
			t.Fatalf("push links: %d %v", n, err)
		}
	}
}

func (f *fixture) stored(t *testing.T, id string) bool {
	t.Helper()
	_, err := f.st.Creator(context.Background(), id)
	if err != nil && creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Fatal(err)
	}
	return err == nil
}

func (f *fixture) pending(t *testing.T) int {
	t.Helper()
	n, err := f.st.FrontierPending(context.Background(), f.run)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A page's data, its links and its done mark are stored together, when
// the crawler finishes the item, and not before.
func TestPageOutcomeIsOneStep(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	it := f.leaseOne(t, "http://127.0.0.1:9/@anna")
	if it.Meta[MetaFrontierItem] == "" {
		t.Fatalf("leased item lacks %s: %v", MetaFrontierItem, it.Meta)
	}
	c, res := profile("anna", 25000, "http://127.0.0.1:9/@ben", "http://127.0.0.1:9/@cleo")
	f.fetched(t, it, res)

	// Killed here: nothing of the page is stored, the item is still queued.
	if f.stored(t, c.ID) {
		t.Error("creator stored before the item was finished")
	}
	if n := f.pending(t); n != 1 {
		t.Errorf("pending %d before done, want only the page itself", n)
	}
	if _, _, _, ok, _ := f.st.Seen(ctx, it.URL); ok {
		t.Error("URL seen before the item was finished")
	}

	if err := f.fr.FrontierDone(ctx, it.ID, 200, `"v1"`, "", t0); err != nil {
		t.Fatal(err)
	}
	got, err := f.st.Creator(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Analysis == nil || got.Tier != creator.Micro || got.EngagementRate == nil {
		t.Errorf("stored without its analysis: tier %q ER %v analysis %v", got.Tier, got.EngagementRate, got.Analysis != nil)
	}
	posts, err := f.st.Posts(ctx, c.ID, 0)
	if err != nil || len(posts) != 2 {
		t.Fatalf("posts %d %v", len(posts), err)
	}
	for _, p := range posts {
		if p.Disclosure.Class == "" {
			t.Errorf("post %s stored without its disclosure class", p.ID)
		}
	}
	if hist, err := f.st.History(ctx, c.ID); err != nil || len(hist) != 1 {
		t.Errorf("history %v %v, want today's snapshot", hist, err)
	}
	if etag, _, at, ok, err := f.st.Seen(ctx, it.URL); err != nil || !ok || etag != `"v1"` || !at.Equal(t0) {
		t.Errorf("seen: %q %v %v %v", etag, at, ok, err)
	}
	if n := f.pending(t); n != 2 {
		t.Errorf("pending %d after done, want the 2 links", n)
	}
	// The links are stored without the pipeline's own Meta key.
	links, err := f.st.FrontierLease(ctx, f.run, 10, t0, time.Minute)
	if err != nil || len(links) != 2 {
		t.Fatalf("links %v %v", links, err)
	}
	for _, l := range links {
		if _, ok := l.Meta[MetaFrontierItem]; ok || l.Depth != 1 {
			t.Errorf("stored link %s: meta %v depth %d", l.URL, l.Meta, l.Depth)
		}
	}
	// Searchable once flushed.
	if err := f.p.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.ix.Count(); n != 1 {
		t.Errorf("index holds %d creators, want 1", n)
	}
	if s := f.p.Stats(); s.CreatorsNew != 1 || s.Posts != 2 {
		t.Errorf("stats %+v", s)
	}
}

// A retried or dropped item leaves nothing of its page behind.
func TestRetryDiscardsStagedPage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	it := f.leaseOne(t, "http://127.0.0.1:9/@anna")
	c, res := profile("anna", 25000, "http://127.0.0.1:9/@ben")
	f.fetched(t, it, res)
	if err := f.fr.FrontierRetry(ctx, it.ID, t0, crawler.DeferredKind); err != nil {
		t.Fatal(err)
	}
	// The crawler never finishes an item it handed back; if anything ever
	// did, it would find nothing staged.
	if len(f.p.staged) != 0 {
		t.Errorf("%d outcomes still staged", len(f.p.staged))
	}
	if f.stored(t, c.ID) || f.pending(t) != 1 {
		t.Errorf("after retry: stored %v, pending %d", f.stored(t, c.ID), f.pending(t))
	}
}

// When the last step of a page's transaction fails, none of it stays.
func TestFailedCommitRollsBackThePage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	it := f.leaseOne(t, "http://127.0.0.1:9/@anna")
	// A later item, so that SQLite does not give the deleted id to a link.
	if _, err := f.st.FrontierPush(ctx, f.run, []store.FrontierItem{{URL: "http://127.0.0.1:9/@zed", NotBefore: t0.Add(time.Hour)}}, t0, 0); err != nil {
		t.Fatal(err)
	}
	c, res := profile("anna", 25000, "http://127.0.0.1:9/@ben")
	f.fetched(t, it, res)
	// The item's row disappears meanwhile (another tool cleared it), so the
	// last statement of the page's transaction fails.
	db, err := sql.Open("sqlite", f.st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DELETE FROM frontier WHERE id=?`, it.ID); err != nil {
		t.Fatal(err)
	}
	err = f.fr.FrontierDone(ctx, it.ID, 200, "", "", t0)
	if creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Fatalf("done on a missing item: %v, want ENOTFOUND", err)
	}
	if f.stored(t, c.ID) || f.pending(t) != 1 {
		t.Errorf("after the failed commit: creator stored %v, pending %d (want only @zed)", f.stored(t, c.ID), f.pending(t))
	}
	if s := f.p.Stats(); s.CreatorsNew != 0 {
		t.Errorf("a rolled-back page was counted: %+v", s)
	}
	if err := f.p.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.ix.Count(); n != 0 {
		t.Errorf("a rolled-back creator reached the index")
	}
}

// A creator the store refuses is skipped; the rest of the page is stored
// and the item finished.
func TestRefusedCreatorDoesNotFailThePage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if err := f.st.Forget(ctx, "web:ben", "asked", t0); err != nil {
		t.Fatal(err)
	}
	it := f.leaseOne(t, "http://127.0.0.1:9/tags/vegan")
	_, a := profile("anna", 25000)
	_, b := profile("ben", 40000)
	res := &source.Result{Creators: append(a.Creators, b.Creators...), Posts: append(a.Posts, b.Posts...)}
	f.fetched(t, it, res)
	if err := f.fr.FrontierDone(ctx, it.ID, 200, "", "", t0); err != nil {
		t.Fatal(err)
	}
	if !f.stored(t, "web:anna") || f.stored(t, "web:ben") {
		t.Errorf("anna stored %v, ben (do not crawl) stored %v", f.stored(t, "web:anna"), f.stored(t, "web:ben"))
	}
	if s := f.p.Stats(); s.Skipped != 1 || s.CreatorsNew != 1 {
		t.Errorf("stats %+v, want 1 new and 1 skipped", s)
	}
}

// A page without a frontier item (another frontier, a test) is stored at
// once, in one transaction.
func TestPutWithoutFrontierItemStoresAtOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c, res := profile("anna", 25000)
	u, _ := url.Parse(c.URL)
	if err := f.p.Put(ctx, &source.Page{URL: u, Status: 200, FetchedAt: t0}, res); err != nil {
		t.Fatal(err)
	}
	if !f.stored(t, c.ID) {
		t.Fatal("not stored")
	}
	// Posts of a creator stored earlier attach to it.
	_, later := profile("anna", 25000)
	later.Creators = nil
	later.Posts = later.Posts[:1]
	later.Posts[0].ID = "web:anna-3"
	later.Posts = append(later.Posts, creator.Post{ID: "web:nobody-1", CreatorID: "web:nobody", FetchedAt: t0})
	if err := f.p.Put(ctx, &source.Page{URL: u, Status: 200, FetchedAt: t0}, later); err != nil {
		t.Fatal(err)
	}
	posts, err := f.st.Posts(ctx, c.ID, 0)
	if err != nil || len(posts) != 3 {
		t.Errorf("posts %d %v, want 3", len(posts), err)
	}
	if f.stored(t, "web:nobody") {
		t.Error("posts of an unknown creator created it")
	}
}

// Resuming an interrupted run takes back the leases the dead process held,
// leaves deliberately deferred items alone, and re-indexes what the run
// stored.
func TestResumeRecoversAnInterruptedRun(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	push := func(u string) {
		if _, err := f.st.FrontierPush(ctx, f.run, []store.FrontierItem{{URL: u}}, t0, 0); err != nil {
			t.Fatal(err)
		}
	}
	push("http://127.0.0.1:9/@leased")
	push("http://127.0.0.1:9/@deferred")
	items, err := f.fr.FrontierLease(ctx, f.run, 10, t0, time.Hour)
	if err != nil || len(items) != 2 {
		t.Fatal(items, err)
	}
	for _, it := range items {
		if it.URL == "http://127.0.0.1:9/@deferred" {
			if err := f.fr.FrontierRetry(ctx, it.ID, t0.Add(2*time.Hour), "http_5xx"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A creator the dead process stored but never got to the index.
	c, res := profile("anna", 25000)
	u, _ := url.Parse(c.URL)
	if err := f.p.Put(ctx, &source.Page{URL: u, Status: 200, FetchedAt: t0}, res); err != nil {
		t.Fatal(err)
	}
	f.p.mu.Lock()
	f.p.pending = map[string]index.Doc{}
	f.p.mu.Unlock()

	now := t0.Add(time.Minute)
	r := &Runner{Store: f.st, Pipeline: f.p, Now: func() time.Time { return now }}
	run, err := f.st.Run(ctx, f.run)
	if err != nil || run.Status != creator.RunRunning {
		t.Fatalf("run %+v %v", run, err)
	}
	if err := r.recover(ctx, run, true); err != nil {
		t.Fatal(err)
	}
	got, err := f.st.FrontierLease(ctx, f.run, 10, now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].URL != "http://127.0.0.1:9/@leased" {
		t.Errorf("leasable after recovery: %v, want only the leased item", got)
	}
	if n, _ := f.ix.Count(); n != 1 {
		t.Errorf("index holds %d creators after recovery, want 1", n)
	}
	if next, ok, err := f.st.FrontierNext(ctx, f.run); err != nil || !ok || next.Before(t0.Add(time.Minute)) {
		t.Errorf("next %v %v %v", next, ok, err)
	}
}

func TestAddSummary(t *testing.T) {
	a := creator.RunSummary{Pages: 3, Errors: map[string]int{"timeout": 1}, HostsSkipped: []string{"b:80"}}
	b := creator.RunSummary{Pages: 2, CreatorsNew: 1, Errors: map[string]int{"timeout": 2, "http_4xx": 1}, HostsSkipped: []string{"a:80", "b:80"}}
	s := addSummary(a, b)
	if s.Pages != 5 || s.CreatorsNew != 1 || s.Errors["timeout"] != 3 || s.Errors["http_4xx"] != 1 ||
		len(s.HostsSkipped) != 2 || s.HostsSkipped[0] != "a:80" {
		t.Errorf("%+v", s)
	}
}

func TestItemRef(t *testing.T) {
	for _, bad := range []string{"", "1", "x/2", "1/y", "1/0", "1/-3"} {
		if _, ok := itemRefOf(map[string]string{MetaFrontierItem: bad}); ok {
			t.Errorf("%q parsed as an item", bad)
		}
	}
	m := withItemRef(map[string]string{"hashtag": "vegan"}, itemRef{run: 4, item: 9})
	if ref, ok := itemRefOf(m); !ok || ref != (itemRef{4, 9}) || m["hashtag"] != "vegan" {
		t.Errorf("%v %v", ref, ok)
	}
	if got := withoutItemRef(m); len(got) != 1 || got["hashtag"] != "vegan" {
		t.Errorf("without: %v", got)
	}
	if got := withoutItemRef(map[string]string{MetaFrontierItem: "4/9"}); got != nil {
		t.Errorf("without leaves %v, want nil", got)
	}
	var nilMap map[string]string
	if withoutItemRef(nilMap) != nil {
		t.Error("nil meta grew")
	}
}
