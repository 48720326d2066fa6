package searchbench

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/creatorscout/creatorscout/index"
)

// TestDocIsDeterministic: creator i is the same every time, and different
// seeds make different corpora.
func TestDocIsDeterministic(t *testing.T) {
	for _, i := range []int{0, 1, 999, 123456} {
		a, b := Doc(3, i), Doc(3, i)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("creator %d differs between two calls", i)
		}
		if c := Doc(4, i); reflect.DeepEqual(a.Creator.Bio, c.Creator.Bio) && reflect.DeepEqual(a.Posts, c.Posts) {
			t.Fatalf("seeds 3 and 4 give the same creator %d", i)
		}
	}
}

// TestRunSmall runs the whole benchmark on a small corpus: the queries
// find creators, and the PostgreSQL rows match what the index holds.
func TestRunSmall(t *testing.T) {
	rep, err := Run(context.Background(), Options{Creators: 3000, Seed: 1, Dir: t.TempDir(), Runs: 20, Warmup: 2, Clients: 2, PerQPS: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Index) != 4 || rep.IndexPerSec <= 0 || rep.DiskBytes <= 0 || rep.IndexQPS <= 0 || len(rep.UpsertVisible) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, l := range rep.Index {
		if l.MeanHits < 1 || l.P50 > l.P95 || l.P95 > l.P99 {
			t.Errorf("%s: %+v", l.Name, l)
		}
	}
	for _, d := range []index.Doc{Doc(1, 0), Doc(1, 2999)} {
		row, err := pgRow(d)
		if err != nil || len(row) != len(pgColumns) || row[0] != d.Creator.ID {
			t.Fatalf("row of %s: %v %v", d.Creator.ID, row, err)
		}
	}
}

// BenchmarkQueriesOnDir runs Q1–Q4 on an index built by `creatorscout
// bench search --dir DIR` (SEARCHBENCH_DIR=DIR), for profiles at a size
// the test cannot build.
func BenchmarkQueriesOnDir(b *testing.B) {
	dir := os.Getenv("SEARCHBENCH_DIR")
	if dir == "" {
		b.Skip("SEARCHBENCH_DIR is not set")
	}
	ix, err := index.OpenWith(filepath.Join(dir, "index"), index.Options{PollInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	for _, q := range Queries {
		b.Run(q.Name[:2], func(b *testing.B) {
			cpu0, _ := usage()
			for i := 0; i < b.N; i++ {
				cq, opts := q.Q(i)
				if _, err := ix.SearchWith(context.Background(), cq, opts...); err != nil {
					b.Fatal(err)
				}
			}
			cpu, peak := usage()
			// CPU per query is steadier than wall time on a shared machine.
			b.ReportMetric(float64((cpu-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(currentRSS())/1e6, "rss-MB")
			b.ReportMetric(float64(peak)/1e6, "peak-rss-MB")
			anon, file := rssSplit()
			b.ReportMetric(float64(anon)/1e6, "anon-MB")
			b.ReportMetric(float64(file)/1e6, "file-MB")
		})
	}
}
