package index

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// go test -run '^$' -bench . -benchtime 200x ./index/ runs the canonical
// queries of issue 6 at a small N. -index.bench-n changes N.
var benchN = flag.Int("index.bench-n", 5000, "creators in the benchmark corpus")

var (
	benchOnce sync.Once
	benchIx   *Index
	benchErr  error
	benchDir  string
)

func TestMain(m *testing.M) {
	if os.Getenv(crashHelperEnv) != "" {
		crashHelper()
		return
	}
	flag.Parse()
	code := m.Run()
	if benchIx != nil {
		benchIx.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchIndex is one compacted index of benchN creators shared by the
// search benchmarks.
func benchIndex(b *testing.B) *Index {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "creatorscout-index-bench-")
		if benchErr != nil {
			return
		}
		benchIx, benchErr = Open(filepath.Join(benchDir, "idx"))
		if benchErr != nil {
			return
		}
		if benchErr = benchIx.UpsertBatch(genCorpus(42, *benchN)); benchErr != nil {
			return
		}
		benchErr = benchIx.Compact()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchIx
}

// BenchmarkIndexBatch bulk-loads benchN creators into a fresh index per
// iteration, as a reindex does, and reports creators per second (the load
// alone, not the force-merge after it) and the bytes on disk per creator
// after the merge.
func BenchmarkIndexBatch(b *testing.B) {
	docs := genCorpus(42, *benchN)
	b.ResetTimer()
	var total time.Duration
	var size int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), fmt.Sprint("idx", i))
		ix, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := ix.UpsertBatch(docs); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		if err := ix.Compact(); err != nil {
			b.Fatal(err)
		}
		ix.Close()
		size = dirSize(path)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(docs)*b.N)/total.Seconds(), "creators/s")
	b.ReportMetric(float64(size)/float64(len(docs)), "disk-B/creator")
}

// benchQuery is one of issue 6's canonical queries; i varies its terms.
type benchQuery func(i int) (creator.Query, []SearchOption)

var q1Texts = []string{"vegan skincare", "vegan recipe", "skincare routine", "plant based", "morning yoga", "budget travel"}
var benchCountries = []string{"US", "GB", "DE", "ES", "BR", "AU"}

// Q1: text + platform + followers 10k–100k + ER >= 3%, sorted by ER.
func q1(i int) (creator.Query, []SearchOption) {
	return creator.Query{
		Text:         q1Texts[i%len(q1Texts)],
		Platforms:    []string{creator.Platforms[i%len(creator.Platforms)]},
		MinFollowers: i64(10_000), MaxFollowers: i64(100_000),
		MinER: f64(0.03),
		Sort:  "-engagement_rate",
	}, nil
}

// Q2: hashtag + country, sorted by followers.
func q2(i int) (creator.Query, []SearchOption) {
	return creator.Query{
		Hashtags:  []string{genTags[i%len(genTags)]},
		Countries: []string{benchCountries[i%len(benchCountries)]},
		Sort:      "-followers",
	}, nil
}

// Q3: brand mention with facet counts by tier and niche.
func q3(i int) (creator.Query, []SearchOption) {
	return creator.Query{
		Brands: []string{strings.ToLower(genBrands[i%len(genBrands)])},
		Facets: []string{"tier", "niche"},
	}, nil
}

// Q4: within 50 km of a point + niche.
func q4(i int) (creator.Query, []SearchOption) {
	c := genCities[i%len(genCities)]
	return creator.Query{Niches: []string{genNiches[i%len(genNiches)]}},
		[]SearchOption{Near(GeoFilter{Lat: c.lat, Lon: c.lon, RadiusKm: 50})}
}

// runBench times each search and reports p50/p95 latency and mean hits.
// Q1, Q2 and Q4 count every facet (Query.Facets nil), Q3 tier and niche.
func runBench(b *testing.B, bq benchQuery) {
	ix := benchIndex(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	var hits uint64
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q, opts := bq(i)
		start := time.Now()
		res, err := ix.SearchWith(ctx, q, opts...)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		hits += res.Total
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
	// CPU time per search: steadier than wall time when other jobs share
	// the machine.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// processCPU is the user+system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkSearchQ1(b *testing.B) { runBench(b, q1) }
func BenchmarkSearchQ2(b *testing.B) { runBench(b, q2) }
func BenchmarkSearchQ3(b *testing.B) { runBench(b, q3) }
func BenchmarkSearchQ4(b *testing.B) { runBench(b, q4) }

// BenchmarkSearchParallel runs Q1–Q4 in turn from 4 concurrent clients on
// this 2-core machine; qps is 1e9 / ns/op.
func BenchmarkSearchParallel(b *testing.B) {
	ix := benchIndex(b)
	qs := []benchQuery{q1, q2, q3, q4}
	b.SetParallelism(max(1, 4/runtime.GOMAXPROCS(0)))
	var mu sync.Mutex
	next := 0
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			q, opts := qs[i%len(qs)](i / len(qs))
			if _, err := ix.SearchWith(context.Background(), q, opts...); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkUpsertVisible times one upsert into the loaded benchmark index
// until a search finds it (issue 6: within 1 s).
func BenchmarkUpsertVisible(b *testing.B) {
	ix := benchIndex(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := mkCreator(fmt.Sprintf("web:fresh%d", i), "tech")
		c.DisplayName = fmt.Sprintf("Zzquokka%d", i)
		if err := ix.Upsert(Doc{Creator: c}); err != nil {
			b.Fatal(err)
		}
		res, err := ix.SearchWith(context.Background(), creator.Query{Text: c.DisplayName}, WithoutFacets())
		if err != nil || res.Total != 1 {
			b.Fatalf("%v, %d hits", err, res.Total)
		}
	}
}
