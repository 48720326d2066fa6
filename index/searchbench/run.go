package searchbench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
)

// Options configure one run.
type Options struct {
	Creators int    // corpus size
	Seed     uint64 // corpus seed
	Dir      string // where the index is built (a fresh directory)
	Runs     int    // timed runs per query (issue 6: 200)
	Warmup   int    // untimed runs per query first
	Clients  int    // concurrent clients for the qps figure (issue 6: 4)
	PerQPS   int    // queries each client runs for the qps figure
	// PostgresDSN, when set, loads the same corpus into PostgreSQL and runs
	// the same queries there.
	PostgresDSN string
	Log         io.Writer // progress lines; nil is silent
	// ProfileDir, when set, receives CPU profiles of the build
	// (build.cpu.pprof) and of the timed searches (search.cpu.pprof), and
	// a heap profile taken while serving (serve.heap.pprof).
	ProfileDir string

	// BuildGC, when set, is called before the build and the function it
	// returns after it: the command's GC policy for bulk builds, the same
	// one `creatorscout reindex` uses.
	BuildGC func() (restore func())

	pgCorpus string // the corpus file, once Run has written it
}

// Latency is one query's figures.
type Latency struct {
	Name     string  `json:"name"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	MeanHits float64 `json:"mean_hits"`
}

// Report is what a run measured.
type Report struct {
	Creators int `json:"creators"`
	Cores    int `json:"cores"`
	// GenPerSec is the rate of generating the corpus into its file.
	GenPerSec   float64 `json:"generate_per_second"`
	CorpusBytes int64   `json:"corpus_bytes"`
	// ReadCPUSeconds is the CPU time of reading the corpus file alone.
	ReadCPUSeconds float64 `json:"read_cpu_seconds"`
	IndexPerSec    float64 `json:"index_per_second"` // bulk load, without the merge
	IndexSeconds   float64 `json:"index_seconds"`
	// BuildCPUSeconds is the process CPU time (user+system, every core) of
	// the load, reading the corpus file included: steadier than the wall
	// time on a shared machine.
	BuildCPUSeconds float64 `json:"build_cpu_seconds"`
	MergeSeconds    float64 `json:"merge_seconds"`
	OpenSeconds     float64 `json:"open_seconds"` // opening the built index: loading the table
	DiskBytes       int64   `json:"disk_bytes"`
	PeakRSSBuild    int64   `json:"peak_rss_build_bytes"`
	RSSServing      int64   `json:"rss_serving_bytes"` // resident after the searches
	// PeakRSSServing is the largest resident set sampled (every 20 ms)
	// from opening the built index to the end of the searches, after the
	// build's garbage was returned to the system: what a serving process
	// holds.
	PeakRSSServing int64     `json:"peak_rss_serving_bytes"`
	PeakRSS        int64     `json:"peak_rss_bytes"` // of the whole run
	Index          []Latency `json:"index"`
	IndexQPS       float64   `json:"index_qps"`
	UpsertVisible  []float64 `json:"upsert_visible_ms"` // p50, max of upsert + search finding it
	Postgres       *PGReport `json:"postgres,omitempty"`
}

// Query is one of issue 6's canonical queries, run i.
type Query func(i int) (creator.Query, []index.SearchOption)

var q1Texts = []string{"vegan skincare", "vegan recipe", "skincare routine", "plant protein", "morning yoga", "budget travel",
	"sourdough bread", "gaming setup", "trail running", "espresso latte", "thrift outfit", "toddler bedtime"}
var qPlatforms = []string{creator.Instagram, creator.TikTok, creator.YouTube}
var qCountries = []string{"US", "GB", "DE", "BR", "FR", "ES", "AU", "CA"}

// Q1 is text + platform + followers 10k–100k + ER ≥ 3%, sorted by ER, with
// every facet.
func Q1(i int) (creator.Query, []index.SearchOption) {
	return creator.Query{Text: q1Texts[i%len(q1Texts)], Platforms: []string{qPlatforms[i%len(qPlatforms)]},
		MinFollowers: ptr(int64(10_000)), MaxFollowers: ptr(int64(100_000)), MinER: ptr(0.03), Sort: "-engagement_rate"}, nil
}

// Q2 is hashtag + country, sorted by followers, with every facet.
func Q2(i int) (creator.Query, []index.SearchOption) {
	n := niches[i%12]
	return creator.Query{Hashtags: []string{n.tags[(i/12)%4]}, Countries: []string{qCountries[i%len(qCountries)]}, Sort: "-followers"}, nil
}

// Q3 is a brand mention with facet counts by tier and niche.
func Q3(i int) (creator.Query, []index.SearchOption) {
	b := (i % len(niches)) + ((i/len(niches))%3)*len(niches) // the three most popular brands of each niche
	return creator.Query{Brands: []string{strings.ToLower(brandName(b))}, Facets: []string{"tier", "niche"}}, nil
}

// Q4 is within 50 km of a point + niche, with every facet.
func Q4(i int) (creator.Query, []index.SearchOption) {
	c := cities[i%len(cities)]
	return creator.Query{Niches: []string{niches[i%10].name}},
		[]index.SearchOption{index.Near(index.GeoFilter{Lat: c.lat, Lon: c.lon, RadiusKm: 50})}
}

// Queries are Q1–Q4 by name.
var Queries = []struct {
	Name string
	Q    Query
}{{"Q1 text+platform+followers+ER, sort ER", Q1}, {"Q2 hashtag+country, sort followers", Q2},
	{"Q3 brand, facets tier+niche", Q3}, {"Q4 50 km radius+niche", Q4}}

func ptr[T any](v T) *T { return &v }

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Run builds the index, measures it and, with a DSN, PostgreSQL.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Creators < 1 {
		return nil, creator.Invalid("creators", "must be at least 1")
	}
	if o.Runs < 1 {
		o.Runs = 200
	}
	if o.Clients < 1 {
		o.Clients = 4
	}
	if o.PerQPS < 1 {
		o.PerQPS = 100
	}
	rep := &Report{Creators: o.Creators, Cores: runtime.GOMAXPROCS(0)}

	// Step 1: the corpus, generated on every core into a file. The build
	// and PostgreSQL's COPY then read the same file, as a bulk load reads
	// its prepared input: what they are timed on is reading, decoding and
	// loading, not the generator's random draws.
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench dir: %w", err)
	}
	corpus := filepath.Join(o.Dir, "corpus")
	defer os.Remove(corpus)
	o.logf("generating %d creators into %s", o.Creators, corpus)
	start := time.Now()
	size, err := WriteCorpus(ctx, corpus, o.Seed, o.Creators, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	rep.GenPerSec = float64(o.Creators) / time.Since(start).Seconds()
	rep.CorpusBytes = size
	o.pgCorpus = corpus

	// Reading the file alone, so that the build's CPU can be split.
	cpuR, _ := usage()
	if err := ReadCorpus(ctx, corpus, func(index.Doc) error { return nil }); err != nil {
		return nil, err
	}
	cpuR1, _ := usage()
	rep.ReadCPUSeconds = (cpuR1 - cpuR).Seconds()
	runtime.GC()

	path := filepath.Join(o.Dir, "index")
	stopProf, err := o.startCPUProfile("build.cpu.pprof")
	if err != nil {
		return nil, err
	}
	cpu0, _ := usage()
	buildRSS := sampleRSS(o.profilePath("build.heap.pprof"))
	o.logf("building the index of %d creators in %s", o.Creators, path)
	restoreGC := func() {}
	if o.BuildGC != nil {
		restoreGC = o.BuildGC()
	}
	done := 0
	stats, err := index.Build(ctx, path, func(ctx context.Context, yield func(index.Doc) error) error {
		return ReadCorpus(ctx, corpus, func(d index.Doc) error {
			done++
			if done%100000 == 0 {
				o.logf("  %d indexed", done)
			}
			return yield(d)
		})
	}, nil)
	restoreGC()
	stopProf()
	if err != nil {
		return nil, err
	}
	cpu1, _ := usage()
	buildRSS.end()
	rep.BuildCPUSeconds = (cpu1 - cpu0).Seconds()
	rep.IndexSeconds = stats.Load.Seconds()
	rep.IndexPerSec = float64(stats.Docs) / stats.Load.Seconds()
	rep.MergeSeconds = stats.Compact.Seconds()
	rep.DiskBytes = stats.Bytes
	_, rep.PeakRSSBuild = usage()
	// A server opens an index another process built: give the build's
	// memory back before measuring what serving holds.
	runtime.GC()
	debug.FreeOSMemory()
	serveRSS := sampleRSS("")

	start = time.Now()
	ix, err := index.OpenWith(path, index.Options{PollInterval: -1})
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	rep.OpenSeconds = time.Since(start).Seconds()
	o.logf("index built: %.0f creators/s, merge %.1fs, %.0f MB, opened in %.1fs", rep.IndexPerSec, rep.MergeSeconds, float64(rep.DiskBytes)/1e6, rep.OpenSeconds)

	search := func(ctx context.Context, q creator.Query, opts []index.SearchOption) (uint64, error) {
		res, err := ix.SearchWith(ctx, q, opts...)
		if err != nil {
			return 0, err
		}
		return res.Total, nil
	}
	if stopProf, err = o.startCPUProfile("search.cpu.pprof"); err != nil {
		return nil, err
	}
	for _, q := range Queries {
		l, err := timeQuery(ctx, q.Name, q.Q, o.Warmup, o.Runs, search)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		rep.Index = append(rep.Index, l)
		o.logf("  %s: p50 %.1f p95 %.1f p99 %.1f ms, %.0f hits", l.Name, l.P50, l.P95, l.P99, l.MeanHits)
	}
	if rep.IndexQPS, err = qps(ctx, o.Clients, o.PerQPS, search); err != nil {
		return nil, err
	}
	stopProf()
	o.logf("  %d clients: %.0f qps", o.Clients, rep.IndexQPS)
	if err := o.writeHeapProfile("serve.heap.pprof"); err != nil {
		return nil, err
	}
	if rep.UpsertVisible, err = upsertVisible(ix, o.Seed, o.Creators); err != nil {
		return nil, err
	}
	rep.RSSServing = currentRSS()
	rep.PeakRSSServing = serveRSS.end()
	// Size on disk once the index is closed: right after a merge, files
	// the merge made obsolete are still being removed.
	ix.Close()
	rep.DiskBytes = dirBytes(path)

	if o.PostgresDSN != "" {
		if rep.Postgres, err = runPostgres(ctx, o); err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
	}
	_, rep.PeakRSS = usage()
	return rep, nil
}

// startCPUProfile starts a CPU profile into ProfileDir/name; the returned
// function stops it. Without ProfileDir both do nothing.
func (o *Options) startCPUProfile(name string) (func(), error) {
	if o.ProfileDir == "" {
		return func() {}, nil
	}
	f, err := os.Create(filepath.Join(o.ProfileDir, name))
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the live heap into ProfileDir/name.
func (o *Options) writeHeapProfile(name string) error {
	if o.ProfileDir == "" {
		return nil
	}
	f, err := os.Create(filepath.Join(o.ProfileDir, name))
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}

func (o *Options) profilePath(name string) string {
	if o.ProfileDir == "" {
		return ""
	}
	return filepath.Join(o.ProfileDir, name)
}

// rssSampler records the peak resident set while it runs; with a heap
// profile path, it writes the heap there whenever the resident set passes
// its last written peak by a tenth, so the file shows the heap near the
// peak.
type rssSampler struct {
	stop, done chan struct{}
	peak       int64
}

func sampleRSS(heapPath string) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		written := int64(0)
		for {
			if rss := currentRSS(); rss > s.peak {
				s.peak = rss
				if heapPath != "" && rss > written+written/10 {
					written = rss
					if f, err := os.Create(heapPath); err == nil {
						pprof.WriteHeapProfile(f)
						f.Close()
					}
				}
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// end stops the sampler and returns the peak.
func (s *rssSampler) end() int64 {
	close(s.stop)
	<-s.done
	return s.peak
}

type searchFunc func(ctx context.Context, q creator.Query, opts []index.SearchOption) (uint64, error)

// timeQuery runs q warmup times untimed, then runs times timed, each with
// different terms.
func timeQuery(ctx context.Context, name string, q Query, warmup, runs int, search searchFunc) (Latency, error) {
	for i := 0; i < warmup; i++ {
		cq, opts := q(i + 1000)
		if _, err := search(ctx, cq, opts); err != nil {
			return Latency{}, err
		}
	}
	lat := make([]time.Duration, 0, runs)
	var hits uint64
	for i := 0; i < runs; i++ {
		cq, opts := q(i)
		start := time.Now()
		n, err := search(ctx, cq, opts)
		lat = append(lat, time.Since(start))
		if err != nil {
			return Latency{}, err
		}
		hits += n
	}
	return latency(name, lat, float64(hits)/float64(runs)), nil
}

func latency(name string, lat []time.Duration, meanHits float64) Latency {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		k := int(math.Ceil(p*float64(len(lat)))) - 1
		return float64(lat[max(0, k)].Microseconds()) / 1000
	}
	return Latency{Name: name, P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), MeanHits: meanHits}
}

// qps runs Q1–Q4 in turn from clients goroutines, perClient queries each,
// and returns queries per second of wall time.
func qps(ctx context.Context, clients, perClient int, search searchFunc) (float64, error) {
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				k := c*perClient + i
				cq, opts := Queries[k%4].Q(k / 4)
				if _, err := search(ctx, cq, opts); err != nil {
					errs <- err
					return
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(clients*perClient) / time.Since(start).Seconds(), nil
}

// upsertVisible upserts 20 new creators into the loaded index one at a
// time and times each from the start of Upsert until a search finds it:
// the p50 and the max, in ms.
func upsertVisible(ix *index.Index, seed uint64, n int) ([]float64, error) {
	var lat []time.Duration
	for k := 0; k < 20; k++ {
		d := Doc(seed+1, n+k)
		d.Creator.DisplayName = "Zzquokka" + strconv.Itoa(k)
		start := time.Now()
		if err := ix.Upsert(d); err != nil {
			return nil, err
		}
		res, err := ix.SearchWith(context.Background(), creator.Query{Text: d.Creator.DisplayName}, index.WithoutFacets())
		if err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
		if res.Total != 1 {
			return nil, fmt.Errorf("upsert of %s: a search right after finds %d creators, not 1", d.Creator.ID, res.Total)
		}
	}
	l := latency("", lat, 0)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return []float64{l.P50, float64(lat[len(lat)-1].Microseconds()) / 1000}, nil
}

// dirBytes is the size of the regular files under dir.
func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// usage is this process's CPU time and peak RSS in bytes.
func usage() (time.Duration, int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Maxrss * 1024
}

// rssSplit is the resident set now split into anonymous memory (the Go
// heap and the table) and mapped files (the index segments), from
// /proc/self/status; zeros where there is none.
func rssSplit() (anon, file int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "RssAnon:":
			anon = kb * 1024
		case "RssFile:":
			file = kb * 1024
		}
	}
	return anon, file
}

// currentRSS is the resident set now, from /proc (0 where there is none).
func currentRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "creators %d on %d cores\n", r.Creators, r.Cores)
	fmt.Fprintf(w, "bulk index %.0f creators/s (%.1f s) + merge %.1f s; %.0f MB on disk (%.0f B/creator); open %.1f s\n",
		r.IndexPerSec, r.IndexSeconds, r.MergeSeconds, float64(r.DiskBytes)/1e6, float64(r.DiskBytes)/float64(r.Creators), r.OpenSeconds)
	fmt.Fprintf(w, "corpus generated into a %.0f MB file at %.0f creators/s (before the build; the build and COPY read it)\n",
		float64(r.CorpusBytes)/1e6, r.GenPerSec)
	fmt.Fprintf(w, "build CPU %.1f s = %.3f ms per creator, of which reading the corpus file %.1f s (measured alone); the index's own %.3f ms per creator\n",
		r.BuildCPUSeconds, 1000*r.BuildCPUSeconds/float64(r.Creators), r.ReadCPUSeconds, 1000*(r.BuildCPUSeconds-r.ReadCPUSeconds)/float64(r.Creators))
	fmt.Fprintf(w, "RSS: peak while building %.0f MB; serving: peak %.0f MB, at the end %.0f MB; peak of the run %.0f MB\n",
		float64(r.PeakRSSBuild)/1e6, float64(r.PeakRSSServing)/1e6, float64(r.RSSServing)/1e6, float64(r.PeakRSS)/1e6)
	fmt.Fprintf(w, "upsert then search finds it: p50 %.1f ms, max %.1f ms\n", r.UpsertVisible[0], r.UpsertVisible[1])
	fmt.Fprintln(w)
	if r.Postgres == nil {
		fmt.Fprintf(w, "%-42s %8s %8s %8s %10s\n", "query (with facets)", "p50 ms", "p95 ms", "p99 ms", "mean hits")
		for _, l := range r.Index {
			fmt.Fprintf(w, "%-42s %8.1f %8.1f %8.1f %10.0f\n", l.Name, l.P50, l.P95, l.P99, l.MeanHits)
		}
		fmt.Fprintf(w, "%-42s %8.0f\n", "qps, 4 clients", r.IndexQPS)
		return
	}
	pg := r.Postgres
	fmt.Fprintf(w, "PostgreSQL: COPY %.1f s (%.0f rows/s), indexes %.1f s, %.0f MB\n\n", pg.CopySeconds, float64(r.Creators)/pg.CopySeconds, pg.IndexSeconds, float64(pg.Bytes)/1e6)
	fmt.Fprintf(w, "%-42s %22s %22s %14s %10s\n", "", "index p50/p95/p99 ms", "postgres p50/p95/p99 ms", "p95 index/pg", "hits i/pg")
	for i, l := range r.Index {
		p := pg.Latency[i]
		fmt.Fprintf(w, "%-42s %6.1f %6.1f %6.1f   %6.1f %6.1f %6.1f   %12.3f   %.0f/%.0f\n", l.Name, l.P50, l.P95, l.P99, p.P50, p.P95, p.P99, l.P95/p.P95, l.MeanHits, p.MeanHits)
	}
	fmt.Fprintf(w, "%-42s %22.0f %22.0f %14.2f\n", "qps, 4 clients", r.IndexQPS, pg.QPS, r.IndexQPS/pg.QPS)
}
