package crawler

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

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

// BenchmarkDecompress decodes a 90 KB page of inline style and script
// (the shape of the synthetic network's profile pages), read from a stream
// as an HTTP body is, side by side: gzip with the standard library's
// decoder and with limitTransport's, and zstd with limitTransport's.
func BenchmarkDecompress(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var page bytes.Buffer
	page.WriteString("<style>")
	for page.Len() < 45_000 {
		fmt.Fprintf(&page, ".css-%x-D%x{margin:0 %dpx;color:#%06x}", r.Uint32(), r.Uint32()%1e6, r.IntN(9), r.IntN(1<<24))
	}
	page.WriteString("</style><script>window.__APP__={\"routes\":[")
	for page.Len() < 90_000 {
		fmt.Fprintf(&page, `{"id":"r%d","chunk":"%x.%x.js","preload":%t},`, r.IntN(1e5), r.Uint64(), r.Uint32(), r.IntN(2) == 0)
	}
	page.WriteString("]}</script>")
	var gz bytes.Buffer
	zw, _ := stdgzip.NewWriterLevel(&gz, stdgzip.BestSpeed)
	_, _ = zw.Write(page.Bytes())
	_ = zw.Close()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		b.Fatal(err)
	}
	zs := enc.EncodeAll(page.Bytes(), nil)
	b.Logf("%d bytes, %d gzipped, %d in zstd", page.Len(), gz.Len(), len(zs))
	out := make([]byte, 32<<10)
	run := func(b *testing.B, compressed []byte, read func(io.Reader) (io.Reader, error)) {
		b.SetBytes(int64(page.Len()))
		for b.Loop() {
			zr, err := read(struct{ io.Reader }{bytes.NewReader(compressed)})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				k, err := zr.Read(out)
				n += k
				if err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
			if n != page.Len() {
				b.Fatalf("inflated %d bytes, want %d", n, page.Len())
			}
		}
	}
	// releasing reads z and gives its buffers back at the end, as capBody's
	// Close does.
	releasing := func(z interface {
		io.Reader
		release()
	}) io.Reader {
		return readerFunc(func(p []byte) (int, error) {
			n, err := z.Read(p)
			if err == io.EOF {
				z.release()
			}
			return n, err
		})
	}
	b.Run("gzip-stdlib", func(b *testing.B) {
		run(b, gz.Bytes(), func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) })
	})
	b.Run("gzip-transport", func(b *testing.B) {
		run(b, gz.Bytes(), func(r io.Reader) (io.Reader, error) {
			return releasing(&lazyGzip{src: r, max: 1 << 20}), nil
		})
	})
	var pool sync.Pool
	b.Run("zstd-transport", func(b *testing.B) {
		run(b, zs, func(r io.Reader) (io.Reader, error) {
			return releasing(&lazyZstd{src: r, max: 1 << 20, pool: &pool}), nil
		})
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
