package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// memStore stands in for the store: the source of truth that writers
// update before the index, and that a rebuild reads in small batches.
type memStore struct {
	mu   sync.Mutex
	docs map[string]Doc
}

func newMemStore(docs []Doc) *memStore {
	s := &memStore{docs: map[string]Doc{}}
	for _, d := range docs {
		s.docs[d.Creator.ID] = d
	}
	return s
}

func (s *memStore) put(d Doc) {
	s.mu.Lock()
	s.docs[d.Creator.ID] = d
	s.mu.Unlock()
}

func (s *memStore) del(id string) {
	s.mu.Lock()
	delete(s.docs, id)
	s.mu.Unlock()
}

func (s *memStore) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// each reads the documents one at a time under the lock, as the store's
// batched read transactions do: a write between two reads is seen or not
// depending on where the reader is.
func (s *memStore) each(ctx context.Context, yield func(Doc) error) error {
	for _, id := range s.ids() {
		s.mu.Lock()
		d, ok := s.docs[id]
		s.mu.Unlock()
		if !ok {
			continue
		}
		if err := yield(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) reload(_ context.Context, ids []string) ([]Doc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Doc
	for _, id := range ids {
		if d, ok := s.docs[id]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// renamed returns a copy of d's creator with a new display name.
func renamed(d Doc, name string) Doc {
	c := *d.Creator
	c.DisplayName = name
	return Doc{Creator: &c, Posts: d.Posts}
}

// checkMatchesStore: the index holds exactly the store's creators, each
// with the store's display name.
func checkMatchesStore(t *testing.T, ix *Index, st *memStore) {
	t.Helper()
	want := st.ids()
	got, _ := searchAll(t, ix, creator.Query{Limit: 100}, WithoutFacets())
	if g := hitIDs(got); strings.Join(g, ",") != strings.Join(want, ",") {
		t.Fatalf("index holds %d creators, the store %d", len(g), len(want))
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, h := range got {
		if w := st.docs[h.ID].Creator.DisplayName; h.DisplayName != w {
			t.Fatalf("%s: index has name %q, store %q", h.ID, h.DisplayName, w)
		}
	}
}

// TestRebuildUnderConcurrentSearches: a reindex while four clients search
// and a writer upserts and deletes. No search fails, searches that the
// writes do not touch give the same answer throughout, and afterwards the
// index is exactly the store, in a new generation, with the old one gone.
func TestRebuildUnderConcurrentSearches(t *testing.T) {
	path := t.TempDir() + "/idx"
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := genCorpus(17, 1500)
	st := newMemStore(docs)
	if err := ix.UpsertBatch(docs); err != nil {
		t.Fatal(err)
	}
	oldGen := ix.Generation()
	// The writer only touches web creators; youtube searches must not move.
	stable := creator.Query{Platforms: []string{creator.YouTube}, Sort: "-followers", Limit: 5}
	base, err := ix.Search(context.Background(), stable)
	if err != nil || base.Total == 0 {
		t.Fatalf("stable query: %v, %d hits", err, base.Total)
	}

	var (
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		searches atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
	)
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := creator.Query{Sort: allSorts[(i+c)%len(allSorts)], Niches: []string{genNiches[i%len(genNiches)]}}
				if i%3 == 0 {
					q.Text = "vegan"
				}
				if _, err := ix.Search(context.Background(), q); err != nil {
					fail(err)
				}
				res, err := ix.Search(context.Background(), stable)
				switch {
				case err != nil:
					fail(err)
				case res.Total != base.Total || strings.Join(hitIDs(res.Hits), ",") != strings.Join(hitIDs(base.Hits), ","):
					fail(fmt.Errorf("stable query changed: %d hits %v, was %d %v", res.Total, hitIDs(res.Hits), base.Total, hitIDs(base.Hits)))
				}
				searches.Add(2)
			}
		}(c)
	}
	var web []Doc
	for _, d := range docs {
		if d.Creator.Platform == creator.Web {
			web = append(web, d)
		}
	}
	wg.Add(1)
	writes := 0
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			d := web[i%len(web)]
			var err error
			if i%7 == 3 {
				st.del(d.Creator.ID)
				err = ix.Delete(d.Creator.ID)
			} else {
				d = renamed(d, fmt.Sprintf("Renamed %d", i))
				st.put(d)
				err = ix.Upsert(d)
			}
			if err != nil {
				fail(err)
				return
			}
			writes++
		}
	}()

	stats, err := ix.Rebuild(context.Background(), st.each)
	// Let the clients search the new generation a little too.
	after := searches.Load()
	for searches.Load() < after+40 && failures.Load() == 0 {
		runtime.Gosched()
	}
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d searches failed during the reindex; first: %v", n, searches.Load(), firstErr.Load())
	}
	if after == 0 || writes == 0 {
		t.Fatalf("%d searches and %d writes ran during the reindex; want both", after, writes)
	}
	if ix.Generation() == oldGen || stats.Generation != ix.Generation() {
		t.Fatalf("generation %s after the reindex (was %s, stats %s)", ix.Generation(), oldGen, stats.Generation)
	}
	if _, err := os.Stat(filepath.Join(path, oldGen)); !os.IsNotExist(err) {
		t.Fatalf("old generation still on disk: %v", err)
	}
	p, ok, err := readPointer(path)
	if err != nil || !ok || p.Generation != ix.Generation() {
		t.Fatalf("CURRENT: %+v %v %v", p, ok, err)
	}
	checkMatchesStore(t, ix, st)

	// Reopening finds the new generation.
	ix.Close()
	ix2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if ix2.Generation() != stats.Generation {
		t.Fatalf("reopened generation %s, want %s", ix2.Generation(), stats.Generation)
	}
	checkMatchesStore(t, ix2, st)
}

// TestRebuildErrorsKeepTheOldGeneration: a failing source leaves the live
// generation in place and removes the half-built one; a second concurrent
// rebuild is refused.
func TestRebuildErrorsKeepTheOldGeneration(t *testing.T) {
	path := t.TempDir() + "/idx"
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := genCorpus(2, 50)
	if err := ix.UpsertBatch(docs); err != nil {
		t.Fatal(err)
	}
	gen := ix.Generation()
	boom := fmt.Errorf("store is down")
	_, err = ix.Rebuild(context.Background(), func(ctx context.Context, yield func(Doc) error) error {
		for _, d := range docs[:10] {
			if err := yield(d); err != nil {
				return err
			}
		}
		return boom
	})
	if err == nil || !strings.Contains(err.Error(), "store is down") {
		t.Fatalf("rebuild from a failing source: %v", err)
	}
	bad := []Doc{{Creator: &creator.Creator{ID: ""}}}
	_, err = ix.Rebuild(context.Background(), func(ctx context.Context, yield func(Doc) error) error { return yield(bad[0]) })
	if creator.ErrorParam(err) != "id" {
		t.Fatalf("rebuild with a bad document: %v", err)
	}
	if ix.Generation() != gen {
		t.Fatal("a failed rebuild swapped")
	}
	entries, _ := os.ReadDir(path)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || !strings.Contains(strings.Join(names, ","), gen) {
		t.Fatalf("directory after failed rebuilds: %v", names)
	}
	if n, _ := ix.Count(); n != 50 {
		t.Fatalf("count %d after failed rebuilds", n)
	}

	// One rebuild at a time.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := ix.Rebuild(context.Background(), func(ctx context.Context, yield func(Doc) error) error {
			close(started)
			<-release
			return nil
		})
		done <- err
	}()
	<-started
	if _, err := ix.Rebuild(context.Background(), newMemStore(docs).each); creator.ErrorCode(err) != creator.ECONFLICT {
		t.Fatalf("second rebuild: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Fatalf("rebuild from an empty source left %d creators", n)
	}
}

// TestBuildAndRefresh: another process (Build) rebuilds while this one
// serves and writes; Refresh adopts the new generation, replays the writes
// made after the build started reading, and deletes the old generation,
// which Build could not delete while it was held.
func TestBuildAndRefresh(t *testing.T) {
	path := t.TempDir() + "/idx"
	now := genBase
	clock := func() time.Time { return now }
	docs := genCorpus(23, 400)
	st := newMemStore(docs)
	ix, err := OpenWith(path, Options{PollInterval: -1, Reload: st.reload, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.UpsertBatch(docs); err != nil {
		t.Fatal(err)
	}
	oldGen := ix.Generation()

	// A write before the build reads the store: in the new generation
	// already. Writes after it: replayed at adoption.
	now = now.Add(time.Hour)
	early := renamed(docs[0], "Early Bird")
	st.put(early)
	if err := ix.Upsert(early); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	var late []Doc
	each := func(ctx context.Context, yield func(Doc) error) error {
		err := st.each(ctx, yield)
		// These land while the build compacts: after its source read began.
		now = now.Add(time.Minute)
		for i := 1; i <= 3; i++ {
			d := renamed(docs[i], fmt.Sprintf("Late %d", i))
			late = append(late, d)
			st.put(d)
			if err := ix.Upsert(d); err != nil {
				return err
			}
		}
		st.del(docs[4].Creator.ID)
		if err := ix.Delete(docs[4].Creator.ID); err != nil {
			return err
		}
		return err
	}
	stats, err := Build(context.Background(), path, each, clock)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Docs != uint64(len(docs)) {
		t.Fatalf("built %d docs, want %d", stats.Docs, len(docs))
	}
	for _, r := range stats.Removed {
		if r == oldGen {
			t.Fatal("Build deleted the generation a live index holds")
		}
	}
	if ix.Generation() != oldGen {
		t.Fatal("swapped before Refresh")
	}
	swapped, err := ix.Refresh(context.Background())
	if err != nil || !swapped {
		t.Fatalf("refresh: %v %v", swapped, err)
	}
	if ix.Generation() != stats.Generation {
		t.Fatalf("generation %s, want %s", ix.Generation(), stats.Generation)
	}
	if _, err := os.Stat(filepath.Join(path, oldGen)); !os.IsNotExist(err) {
		t.Fatalf("old generation still on disk after adoption: %v", err)
	}
	checkMatchesStore(t, ix, st)
	if swapped, err := ix.Refresh(context.Background()); swapped || err != nil {
		t.Fatalf("second refresh: %v %v", swapped, err)
	}
}

// TestRefreshWithoutReload says how many writes it could not replay.
func TestRefreshWithoutReload(t *testing.T) {
	path := t.TempDir() + "/idx"
	ix, err := OpenWith(path, Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := genCorpus(29, 20)
	st := newMemStore(docs)
	each := func(ctx context.Context, yield func(Doc) error) error {
		if err := ix.Upsert(docs[0]); err != nil { // after the read began
			return err
		}
		return st.each(ctx, yield)
	}
	if _, err := Build(context.Background(), path, each, nil); err != nil {
		t.Fatal(err)
	}
	swapped, err := ix.Refresh(context.Background())
	if !swapped || err == nil || !strings.Contains(err.Error(), "1 creators") {
		t.Fatalf("refresh without reload: %v %v", swapped, err)
	}
	if n, _ := ix.Count(); n != 20 {
		t.Fatalf("count %d", n)
	}
}

// TestOpenLayout: a fresh directory gets CURRENT and one generation;
// unheld stray generations are removed at Open, held ones and ones still
// being created are kept; a damaged or dangling CURRENT and the old
// single-index layout get clear errors.
func TestOpenLayout(t *testing.T) {
	path := t.TempDir() + "/idx"
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	gen := ix.Generation()
	ix.Close()

	// A stray, complete generation (a crash after a build, before the
	// pointer) and one whose bolt file is not there yet (a build that just
	// started).
	stray, err := createGeneration(path, newMapping(), genBase)
	if err != nil {
		t.Fatal(err)
	}
	stray.close(true)
	fresh := filepath.Join(path, newGenName(genBase.Add(time.Second)))
	if err := os.Mkdir(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	// A generation another open index holds.
	held, err := createGeneration(path, newMapping(), genBase.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer held.close(true)
	os.WriteFile(filepath.Join(path, ".CURRENT-123"), []byte("x"), 0o644)

	ix, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Generation() != gen {
		t.Fatalf("generation %s, want %s", ix.Generation(), gen)
	}
	ix.Close()
	for name, want := range map[string]bool{gen: true, stray.name: false, filepath.Base(fresh): true, held.name: true, ".CURRENT-123": false} {
		_, err := os.Stat(filepath.Join(path, name))
		if exists := err == nil; exists != want {
			t.Errorf("%s exists=%v, want %v", name, exists, want)
		}
	}

	os.WriteFile(filepath.Join(path, pointerFile), []byte("{not json"), 0o644)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged CURRENT: %v", err)
	}
	writePointer(path, pointer{Generation: "g-missing"})
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("dangling CURRENT: %v", err)
	}

	legacy := t.TempDir()
	os.WriteFile(filepath.Join(legacy, "index_meta.json"), []byte(`{"storage":"scorch"}`), 0o644)
	if _, err := Open(legacy); err == nil || !strings.Contains(err.Error(), "older layout") {
		t.Fatalf("old layout: %v", err)
	}
	if _, err := Build(context.Background(), legacy, newMemStore(nil).each, nil); err == nil || !strings.Contains(err.Error(), "older layout") {
		t.Fatalf("build over the old layout: %v", err)
	}
}

// TestUpsertSearchableAtOnce: an upsert into a loaded index is found by
// every kind of filter as soon as Upsert returns, and a delete is gone.
func TestUpsertSearchableAtOnce(t *testing.T) {
	ix := openTemp(t)
	if err := ix.UpsertBatch(genCorpus(31, 3000)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Compact(); err != nil {
		t.Fatal(err)
	}
	lat, lon := 30.27, -97.74
	g, a := 0.12, 91.0
	c := &creator.Creator{ID: "web:fresh", Platform: "web", Handle: "fresh", DisplayName: "Quokka Fresh",
		Tier: "micro", Followers: creator.Int64(42_000), EngagementRate: creator.Float64(0.05), Verified: true,
		Location:  &creator.Location{City: "Austin", Region: "Texas", Country: "US", Lat: &lat, Lon: &lon},
		FetchedAt: genBase, LastPostAt: &genBase,
		Analysis: &creator.Analysis{Growth: &creator.Growth{D30: &creator.GrowthPeriod{Relative: &g}}, Authenticity: &creator.Authenticity{Score: &a}}}
	posts := []creator.Post{{ID: "web:p", PublishedAt: &genBase, Caption: "quokka time", Hashtags: []string{"quokkas"},
		Brands: []creator.Brand{{Name: "Zyx", Class: "gifted"}}}}
	if err := ix.Upsert(Doc{Creator: c, Posts: posts}); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]creator.Query{
		"text":    {Text: "quokka"},
		"hashtag": {Hashtags: []string{"quokkas"}},
		"brand":   {Brands: []string{"zyx"}, BrandClass: "gifted"},
		"geo":     {Near: "30.27,-97.74", Radius: "1km", Verified: boolp(true)},
		"ranges":  {MinGrowth: f64(0.12), MaxGrowth: f64(0.12), MinAuthenticity: f64(91), MinFollowers: i64(42_000), MaxFollowers: i64(42_000)},
	} {
		res := mustSearch(t, ix, q)
		if res.Total != 1 || res.Hits[0].ID != c.ID || *res.Hits[0].Growth30d != g || *res.Hits[0].Authenticity != a {
			t.Errorf("%s: %d hits %v", name, res.Total, hitIDs(res.Hits))
		}
	}
	if err := ix.Delete(c.ID); err != nil {
		t.Fatal(err)
	}
	if res := mustSearch(t, ix, creator.Query{Text: "quokka"}); res.Total != 0 {
		t.Fatalf("deleted creator still found: %v", hitIDs(res.Hits))
	}
}
