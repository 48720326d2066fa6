package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// BenchmarkCrawlUnthrottled measures the crawler's own cost per page
// (dispatch, colly, decoding, a trivial parse, the frontier) against
// loopback servers posing as 4 hosts, with ~20 KB pages and no rate limit.
// The full pipeline benchmark with real formats, the store and the index is
// cmd's `creatorscout bench crawl`.
func BenchmarkCrawlUnthrottled(b *testing.B) {
	body := strings.Repeat("filler line of a page that the test source ignores\n", 400)
	var srvs []*httptest.Server
	for i := 0; i < 4; i++ {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte(body))
		}))
		defer s.Close()
		srvs = append(srvs, s)
	}
	cfg := testConfig()
	cfg.Parallelism = 32
	cfg.DefaultRate = 1e9
	cfg.DefaultBurst = 1e6
	cfg.DefaultMaxConns = 32
	seeds := make([]source.Request, b.N)
	for i := range seeds {
		seeds[i] = source.Request{URL: fmt.Sprintf("%s/p/%d", srvs[i%len(srvs)].URL, i)}
	}
	c, err := New(cfg, []source.Source{lineSource{}}, SinkFunc(func(context.Context, *source.Page, *source.Result) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	start := time.Now()
	sum, err := c.Run(context.Background(), seeds)
	if err != nil || sum.Pages != b.N {
		b.Fatalf("%+v %v", sum, err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pages/s")
}
