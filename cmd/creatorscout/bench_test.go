package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// BenchmarkPipeline crawls a small synthetic network (300 profile pages of
// about 90 KB on 4 hosts, unthrottled) through the whole pipeline in
// process: fetch, extract, analyse, store, index. Each iteration is a fresh
// store and index. CPU ms/page counts this whole process, the synthetic
// network's serving included; `creatorscout bench crawl` runs the crawl
// in a process of its own and measures it apart.
func BenchmarkPipeline(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bn, err := startBenchNet(ctx, 300, 4, 90000, 1, true)
	if err != nil {
		b.Fatal(err)
	}
	defer bn.sim.Close()
	pages, cpu := 0, time.Duration(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := benchConfig(bn, b.TempDir(), 32, 1e6, 1000, 32, bn.urls)
		a, err := openApp(ctx, cfg, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		reqs, err := seeds(cfg, nil, bn.urls, nil)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		cpu0, _ := selfUsage()
		b.StartTimer()
		run, err := a.runner(nil).Run(ctx, "bench", reqs, []string{fmt.Sprintf("bench %d", i)})
		b.StopTimer()
		cpu1, _ := selfUsage()
		a.Close()
		if err != nil || run.Status != creator.RunDone || run.Summary.Pages < len(bn.urls)*9/10 {
			b.Fatalf("run %+v: %v", run, err)
		}
		pages += run.Summary.Pages
		cpu += cpu1 - cpu0
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(max(1, pages)), "cpu-ms/page")
}
