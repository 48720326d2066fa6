package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/index/searchbench"
	"github.com/creatorscout/creatorscout/store"
)

// seedStore writes n synthetic creators into a store in dir.
func seedStore(t *testing.T, dir string, n int) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "creatorscout.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for i := 0; i < n; i++ {
		d := searchbench.Doc(7, i)
		if _, err := st.UpsertCreator(ctx, d.Creator, d.Posts); err != nil {
			t.Fatalf("store creator %d: %v", i, err)
		}
	}
	return st
}

// TestReindexWhileServing: `creatorscout reindex` runs in "another
// process" while a serving index answers four clients; the serving index
// adopts the new generation, and no search fails.
func TestReindexWhileServing(t *testing.T) {
	dir := t.TempDir()
	st := seedStore(t, dir, 400)
	ix, err := index.OpenWith(filepath.Join(dir, "index"), index.Options{PollInterval: -1, Reload: storeReload(st)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// The serving index starts with part of the store.
	var first []index.Doc
	for i := 0; i < 100; i++ {
		first = append(first, searchbench.Doc(7, i))
	}
	if err := ix.UpsertBatch(first); err != nil {
		t.Fatal(err)
	}
	oldGen := ix.Generation()

	var (
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		searches atomic.Int64
		failed   atomic.Int64
		firstErr atomic.Value
	)
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
				q := creator.Query{Sort: creator.SortFields[(i+c)%len(creator.SortFields)], Niches: []string{"fitness", "beauty"}}
				if i%2 == 0 {
					q.Text = "workout"
				}
				if _, err := ix.Search(context.Background(), q); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				searches.Add(1)
			}
		}(c)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"reindex", "--data", dir, "--json"}, &stdout, &stderr)
	before := searches.Load()
	swapped, rerr := ix.Refresh(context.Background())
	for searches.Load() < before+20 && failed.Load() == 0 {
		runtime.Gosched()
	}
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("reindex exit %d: %s", code, stderr.String())
	}
	if rerr != nil || !swapped {
		t.Fatalf("refresh: %v %v", swapped, rerr)
	}
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d searches failed; first: %v", n, searches.Load(), firstErr.Load())
	}
	var stats reindexStats
	if err := json.Unmarshal(stdout.Bytes(), &stats); err != nil {
		t.Fatalf("reindex output: %v; %s", err, stdout.String())
	}
	if stats.Docs != 400 || stats.Generation != ix.Generation() || ix.Generation() == oldGen || stats.PerSecond <= 0 {
		t.Fatalf("stats %+v, live generation %s (was %s)", stats, ix.Generation(), oldGen)
	}
	if n, _ := ix.Count(); n != 400 {
		t.Fatalf("count after adopting %d, want 400", n)
	}
}

// TestSearchCLINewFilters: the new filters reach the index from the
// command line, and a bad one names its flag.
func TestSearchCLINewFilters(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, 300)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"reindex", "--data", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("reindex: %s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "indexed 300 creators") {
		t.Fatalf("reindex output %q", stdout.String())
	}
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := ix.Search(context.Background(), creator.Query{Near: "London", Radius: "100km", HashtagAll: true,
		Hashtags: []string{"love"}, Sort: "-growth", Limit: 100, MinAuthenticity: ptrF(50)})
	ix.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want.Total == 0 {
		t.Fatal("the corpus has nobody near London with #love; the test checks nothing")
	}
	stdout.Reset()
	code := run(context.Background(), []string{"search", "--data", dir, "--json", "--near", "London", "--radius", "100km",
		"--hashtag", "love", "--hashtag-all", "true", "--sort", "-growth", "--limit", "100", "--min-authenticity", "50"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("search: %s", stderr.String())
	}
	var got creator.SearchResult
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != want.Total || len(got.Hits) != len(want.Hits) || got.Near == nil || got.Near.Place != "London, England, GB" {
		t.Fatalf("CLI search: %d hits near %+v, want %d", got.Total, got.Near, want.Total)
	}
	for i := range got.Hits {
		if got.Hits[i].ID != want.Hits[i].ID {
			t.Fatalf("hit %d: %s, want %s", i, got.Hits[i].ID, want.Hits[i].ID)
		}
	}
	// The table names the place and prints the facets asked for.
	stdout.Reset()
	if code := run(context.Background(), []string{"search", "--data", dir, "--near", "London", "--facets", "tier"}, &stdout, &stderr); code != 0 {
		t.Fatalf("search: %s", stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "near London, England, GB") || !strings.Contains(out, "tier: ") {
		t.Fatalf("table output:\n%s", out)
	}
	for flag, val := range map[string]string{"near": "Zzyzxqville", "radius": "far", "min-growth": "x", "offset": "5000", "language": "english"} {
		args := []string{"search", "--data", dir, "--" + flag, val}
		if flag == "radius" {
			args = append(args, "--near", "London")
		}
		stderr.Reset()
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--"+flag) {
			t.Errorf("--%s %s: exit %d, %s", flag, val, code, stderr.String())
		}
	}
}

func ptrF(v float64) *float64 { return &v }

// BenchmarkReindex times `reindex` of a small store, for the record.
func BenchmarkReindex(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "creatorscout.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < 2000; i++ {
		d := searchbench.Doc(7, i)
		if _, err := st.UpsertCreator(ctx, d.Creator, d.Posts); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := index.Build(ctx, filepath.Join(dir, fmt.Sprint("index", i)), storeEach(st), nil); err != nil {
			b.Fatal(err)
		}
	}
}
