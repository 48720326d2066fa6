package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/simnet"
)

// hostRate is one host's politeness as its own request log shows it: the
// server's arrival times (simnet logs a hit when its handler starts).
type hostRate struct {
	Host     string
	Requests int
	Rate     float64       // (requests-1) / (last - first): the pace the host saw
	MaxIn1s  int           // largest burst: most requests in any sliding 1 s window [t, t+1s)
	MinGap   time.Duration // smallest gap between two requests
	First    time.Time     // first request (robots.txt)
	Last     time.Time
}

// hostRates reads every host's request log.
func hostRates(sim *simnet.Server) []hostRate {
	var out []hostRate
	for _, h := range sim.Hosts() {
		hits := sim.Requests(h.Addr)
		if len(hits) == 0 {
			continue
		}
		times := make([]time.Time, len(hits))
		for i, x := range hits {
			times[i] = x.At
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		hr := hostRate{Host: h.Name, Requests: len(hits), MaxIn1s: sim.MaxRequestsIn(h.Addr, time.Second), MinGap: -1,
			First: times[0], Last: times[len(times)-1]}
		if span := times[len(times)-1].Sub(times[0]); len(times) > 1 && span > 0 {
			hr.Rate = float64(len(times)-1) / span.Seconds()
		}
		for i := 1; i < len(times); i++ {
			if g := times[i].Sub(times[i-1]); hr.MinGap < 0 || g < hr.MinGap {
				hr.MinGap = g
			}
		}
		out = append(out, hr)
	}
	return out
}

// writeHits writes every host's request log as CSV (host, arrival in Unix
// ns, status, URL), for a closer look at a run kept with --data.
func writeHits(path string, sim *simnet.Server) error {
	var b strings.Builder
	b.WriteString("host,at_unix_ns,status,url\n")
	for _, h := range sim.Hosts() {
		for _, x := range sim.Requests(h.Addr) {
			fmt.Fprintf(&b, "%s,%d,%d,%q\n", h.Name, x.At.UnixNano(), x.Status, x.URL)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("bench: request log: %w", err)
	}
	return nil
}

// throttledRun sums up one throttled run over its hosts.
type throttledRun struct {
	MinRate, MedRate, MaxRate float64
	Burst                     int           // largest burst of any host
	StartSpread               time.Duration // last host's first request after the first host's
}

func summarizeThrottled(hr []hostRate) throttledRun {
	var s throttledRun
	if len(hr) == 0 {
		return s
	}
	rates := make([]float64, len(hr))
	first, lastFirst := hr[0].First, hr[0].First
	for i, h := range hr {
		rates[i] = h.Rate
		s.Burst = max(s.Burst, h.MaxIn1s)
		if h.First.Before(first) {
			first = h.First
		}
		if h.First.After(lastFirst) {
			lastFirst = h.First
		}
	}
	s.MinRate, s.MedRate, s.MaxRate = slices.Min(rates), median(rates), slices.Max(rates)
	s.StartSpread = lastFirst.Sub(first)
	return s
}

// benchThrottled crawls o.Hosts hosts at o.Rate req/s each (burst 1) for
// o.Duration and reports what each host saw: its achieved rate and its
// largest burst in any 1 s window, by the server's arrival times.
func benchThrottled(ctx context.Context, o benchCrawlOpts, dir string, stdout, stderr io.Writer) error {
	perHost := int(o.Rate * o.Duration.Seconds())
	// Enough pages that no host runs out before its budget.
	creators := max(o.Pages, perHost*o.Hosts*3/2)
	bn, err := startBenchNet(ctx, creators, o.Hosts, o.Pad, o.Seed, false)
	if err != nil {
		return err
	}
	defer bn.sim.Close()
	fmt.Fprintf(stderr, "synthetic network: %d profile pages on %d hosts; each host gets %.3g req/s, burst 1, %d pages (+ robots.txt)\n",
		len(bn.urls), len(bn.sim.Hosts()), o.Rate, perHost)
	var rates [][]hostRate
	var runs []throttledRun
	for i := 0; i < o.Runs; i++ {
		bn.sim.ResetRequests()
		dataDir := filepath.Join(dir, fmt.Sprintf("throttled-%d", i+1))
		cfg := benchConfig(bn, dataDir, o.Parallel, o.Rate, 1, 2, bn.urls)
		// robots.txt takes the first token; then perHost-1 pages keep each
		// host busy for the whole duration.
		cfg.Crawler.MaxPagesPerHost = perHost
		cfgPath := filepath.Join(dir, fmt.Sprintf("throttled-%d.yml", i+1))
		if err := writeConfig(cfgPath, cfg); err != nil {
			return err
		}
		m, err := runCrawlChild(ctx, o.Exe, filepath.Join(dir, fmt.Sprintf("throttled-%d.log", i+1)), o.childEnv(), "--config", cfgPath)
		if err != nil {
			return err
		}
		hr := hostRates(bn.sim)
		rates = append(rates, hr)
		if o.Keep != "" {
			if err := writeHits(filepath.Join(dir, fmt.Sprintf("throttled-%d-hits.csv", i+1)), bn.sim); err != nil {
				return err
			}
		}
		s := summarizeThrottled(hr)
		runs = append(runs, s)
		fmt.Fprintf(stderr, "run %d: %d pages in %s; per host rate min %.3f median %.3f max %.3f req/s, largest burst %d, hosts started within %s\n",
			i+1, m.Run.Summary.Pages, m.Wall.Round(10*time.Millisecond), s.MinRate, s.MedRate, s.MaxRate, s.Burst, s.StartSpread.Round(time.Millisecond))
	}
	hr := rates[len(rates)-1]
	fmt.Fprintf(stdout, "bench crawl --throttled: %d hosts at %.3g req/s (burst 1) for %s, parallelism %d, %d run(s)\n",
		len(hr), o.Rate, o.Duration, o.Parallel, o.Runs)
	fmt.Fprintf(stdout, "  achieved rate = (requests-1)/(last-first) and largest burst = most requests in any sliding 1 s window, both by the server's arrival times\n")
	fmt.Fprintf(stdout, "  last run per host:\n")
	fmt.Fprintf(stdout, "  %-10s %8s %10s %8s %10s %10s\n", "host", "requests", "req/s", "of limit", "max in 1s", "min gap")
	for _, h := range hr {
		fmt.Fprintf(stdout, "  %-10s %8d %10.3f %7.1f%% %10d %10s\n", h.Host, h.Requests, h.Rate, 100*h.Rate/o.Rate, h.MaxIn1s, h.MinGap.Round(100*time.Microsecond))
	}
	fmt.Fprintf(stdout, "  %-5s %22s %22s %22s %8s\n", "run", "min req/s", "median req/s", "max req/s", "burst")
	for i, s := range runs {
		fmt.Fprintf(stdout, "  %-5d %13.3f (%5.1f%%) %13.3f (%5.1f%%) %13.3f (%5.1f%%) %8d\n", i+1,
			s.MinRate, 100*s.MinRate/o.Rate, s.MedRate, 100*s.MedRate/o.Rate, s.MaxRate, 100*s.MaxRate/o.Rate, s.Burst)
	}
	med := func(f func(throttledRun) float64) float64 {
		xs := make([]float64, len(runs))
		for i, s := range runs {
			xs[i] = f(s)
		}
		return median(xs)
	}
	mn, md, mx := med(func(s throttledRun) float64 { return s.MinRate }), med(func(s throttledRun) float64 { return s.MedRate }),
		med(func(s throttledRun) float64 { return s.MaxRate })
	burst := med(func(s throttledRun) float64 { return float64(s.Burst) })
	worst := 0
	for _, s := range runs {
		worst = max(worst, s.Burst)
	}
	fmt.Fprintf(stdout, "  %-5s %13.3f (%5.1f%%) %13.3f (%5.1f%%) %13.3f (%5.1f%%) %8g   (median of the runs; largest burst of any run %d, limit %d)\n", "med",
		mn, 100*mn/o.Rate, md, 100*md/o.Rate, mx, 100*mx/o.Rate, burst, worst, int(math.Ceil(o.Rate)))
	return nil
}
