package simnet_test

import (
	"net/http"
	"testing"

	"github.com/creatorscout/creatorscout/simnet"
)

// BenchmarkNew generates the demo's default network of 2,000 creators.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		simnet.New(simnet.Options{Seed: int64(i), Creators: 2000})
	}
}

// BenchmarkCreators builds the ground truth of 2,000 creators.
func BenchmarkCreators(b *testing.B) {
	n := simnet.New(simnet.Options{Seed: 1, Creators: 2000})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.Creators()
	}
}

// BenchmarkServeProfile serves one cached, gzip-compressed HTML profile
// page over loopback: the per-request cost the crawl benchmark pays
// on the server side.
func BenchmarkServeProfile(b *testing.B) {
	n, _ := start(b, simnet.Options{Seed: 1, Creators: 300, Platforms: map[string]float64{simnet.Web: 1}, PadHTML: 90 << 10})
	c := pick(b, n.Creators(), onPlatform(simnet.Web))
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := client.Get(c.URL)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkStartCrawlConfig generates and pre-renders the crawl
// benchmark's network: 6,000 profile pages padded to 90 KB on 20 hosts.
func BenchmarkStartCrawlConfig(b *testing.B) {
	for i := 0; i < b.N; i++ {
		start(b, simnet.Options{Seed: int64(i), Creators: 6000, WebHosts: 20, PadHTML: 90 << 10, Prerender: true,
			Platforms: map[string]float64{simnet.Web: 1}})
	}
}
