package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// storeCrawls queues runs in the real store, as cmd/'s crawl queue does,
// and reports the progress a test sets.
type storeCrawls struct {
	s        *store.Store
	mu       sync.Mutex
	progress map[int64]*CrawlProgress
	queued   []CrawlRequest
}

func (c *storeCrawls) QueueCrawl(ctx context.Context, req CrawlRequest, at time.Time) (*creator.CrawlRun, error) {
	for i, h := range req.Handles {
		if strings.HasPrefix(h, "tiktok:") {
			return nil, creator.Invalid(fmt.Sprintf("handles[%d]", i), "no enabled source takes it")
		}
	}
	var labels []string
	for _, h := range req.Hashtags {
		labels = append(labels, "hashtag:"+h)
	}
	for _, b := range req.Brands {
		labels = append(labels, "brand:"+b)
	}
	labels = append(append(labels, req.URLs...), req.Handles...)
	id, err := c.s.QueueRun(ctx, "api", labels, at)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.queued = append(c.queued, req)
	c.mu.Unlock()
	return c.s.Run(ctx, id)
}

func (c *storeCrawls) CrawlProgress(id int64) (*CrawlProgress, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.progress[id]
	return p, ok
}

// countingListener is a loopback listener that counts the connections it
// accepts: the proof that nothing connected.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func newCountingListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return cl
}

func (l *countingListener) port() int { return l.Addr().(*net.TCPAddr).Port }

// ssrfVectors are URLs a crawl request must not name, each with a part of
// the reason the 400 must give. port is the counting listener's.
func ssrfVectors(port int) []struct{ url, why string } {
	p := fmt.Sprint(port)
	return []struct{ url, why string }{
		{"http://127.0.0.1:" + p + "/", "loopback"},
		{"http://127.0.0.1/", "loopback"},
		{"http://localhost:" + p + "/", "loopback"},
		{"http://LOCALHOST./", "loopback"},
		{"http://[::1]:" + p + "/", "loopback"},
		{"http://10.0.0.1/", "private"},
		{"http://172.16.5.4/", "private"},
		{"https://192.168.1.1/", "private"},
		{"http://[fd00::1]/", "private"},
		{"http://169.254.1.1/", "link-local"},
		{"http://[fe80::1]/", "link-local"},
		{"http://100.64.0.1/", "CGNAT"},
		{"http://169.254.169.254/latest/meta-data/", "metadata"},
		{"http://0.0.0.0/", "unspecified"},
		{"http://[::ffff:127.0.0.1]:" + p + "/", "IPv4-mapped"},
		{"http://[::ffff:a9fe:a9fe]/", "IPv4-mapped"}, // 169.254.169.254
		{"http://[::ffff:8.8.8.8]/", "IPv4-mapped"},
		{"http://2130706433:" + p + "/", "numeric IPv4 form"}, // decimal 127.0.0.1
		{"http://2852039166/", "numeric IPv4 form"},           // decimal 169.254.169.254
		{"http://0177.0.0.1:" + p + "/", "numeric IPv4 form"}, // octal
		{"http://0x7f.1:" + p + "/", "numeric IPv4 form"},     // hex
		{"http://0x7f000001/", "numeric IPv4 form"},
		{"http://127.1/", "numeric IPv4 form"},
		{"http://0xa9.0xfe.0xa9.0xfe/", "numeric IPv4 form"},
		// Names that UTS #46 maps to addresses, as net/http does before it
		// dials: ideographic full stops, fullwidth digits.
		{"http://10\u30020\u30020\u30021/", "private"},
		{"http://\uff11\uff10.0.0.1/", "private"},
		{"http://\uff11\uff12\uff17.0.0.1:" + p + "/", "loopback"},
		{"ftp://example.com/", "scheme"},
		{"file:///etc/passwd", "scheme"},
		{"gopher://example.com:70/", "scheme"},
		{"javascript:alert(1)", "scheme"},
		{"data:text/html,<script>alert(1)</script>", "scheme"},
		{"http://example.com:8080/", "port 8080"},
		{"https://example.com:22/", "port 22"},
		{"http://example.com:0/", "port"},
		{"http://example.com:99999/", "port"},
		{"http://user:pw@example.com/", "user name"},
		{"example.com/anna", "scheme"},
		{"//example.com/anna", "scheme"},
		{"http:///anna", "host"},
		{"http://exa mple.com/", "space"},
		{"http://[fe80::1%25eth0]/", "zone"},
	}
}

func TestCrawlRequestURLsAreRefusedUpFront(t *testing.T) {
	e := newEnv(t)
	crawls := &storeCrawls{s: e.st}
	deps := e.deps()
	deps.Crawls = crawls
	s := newTestServer(t, Config{}, deps)
	ln := newCountingListener(t)
	var cases []apiCase
	for _, v := range ssrfVectors(ln.port()) {
		u, _ := json.Marshal(v.url)
		for _, field := range []string{"urls", "handles"} {
			cases = append(cases, apiCase{Desc: field + " " + v.url, Method: "POST", Path: "/v1/crawls",
				Body:   fmt.Sprintf(`{"hashtags":["fine"],"%s":["https://example.com/ok",%s]}`, field, u),
				Status: 400, Code: "invalid", Param: field + "[1]", ResponseMatch: map[string]bool{v.why: true}})
		}
	}
	runCases(t, s.Handler(), cases)
	if n := ln.accepted.Load(); n != 0 {
		t.Errorf("%d connections reached the loopback listener", n)
	}
	runs, err := e.st.Runs(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || len(crawls.queued) != 0 {
		t.Errorf("a refused request queued a run: %d runs, %d queued", len(runs), len(crawls.queued))
	}
}

func TestCrawlRequests(t *testing.T) {
	e := newEnv(t)
	clock := &fakeClock{now: fetched.Add(time.Hour)}
	crawls := &storeCrawls{s: e.st, progress: map[int64]*CrawlProgress{}}
	deps := e.deps()
	deps.Crawls, deps.Now = crawls, clock.Now
	s := newTestServer(t, Config{}, deps)
	tags := make([]string, MaxCrawlSeeds+1)
	for i := range tags {
		tags[i] = fmt.Sprintf(`"t%d"`, i)
	}
	runCases(t, s.Handler(), []apiCase{
		{Desc: "queue", Method: "POST", Path: "/v1/crawls", Status: 202,
			Body: `{"hashtags":["#Pilates","pilates","vegan_food"],"urls":["https://Example.com/anna"],` +
				`"handles":["mastodon:anna@host.example","http://example.org:80/@bob"],"brands":["@Acme"]}`,
			HeaderMatch: map[string]string{"Location": "/v1/crawls/2"},
			Check: decodeInto(func(t *testing.T, v struct {
				creator.CrawlRun
				Progress *CrawlProgress `json:"progress"`
			}) {
				want := "hashtag:pilates,hashtag:vegan_food,brand:acme,https://example.com/anna,mastodon:anna@host.example,http://example.org:80/@bob"
				if v.ID != 2 || v.Status != creator.RunQueued || v.Kind != "api" || strings.Join(v.Seeds, ",") != want ||
					!v.StartedAt.Equal(fetched.Add(time.Hour)) || v.Progress != nil {
					t.Errorf("run %+v, seeds %q", v.CrawlRun, v.Seeds)
				}
			})},
		{Desc: "follow it", Path: "/v1/crawls/2", Status: 200,
			ResponseMatch: map[string]bool{`"status":"queued"`: true, `"progress":null`: true, `"summary":{`: true}},
		{Desc: "no progress for a run that is not running", Path: "/v1/crawls/1", Status: 200,
			ResponseMatch: map[string]bool{`"status":"done"`: true, `"progress":null`: true},
			Check: func(t *testing.T, _ []byte) {
				if err := e.st.UpdateRun(context.Background(), 2, creator.RunRunning, creator.RunSummary{}, nil); err != nil {
					t.Fatal(err)
				}
				crawls.mu.Lock()
				crawls.progress[2] = &CrawlProgress{Pages: 17, Queue: 40, Errors: map[string]int{"ssrf": 1}}
				crawls.mu.Unlock()
			}},
		{Desc: "progress while running", Path: "/v1/crawls/2", Status: 200,
			ResponseMatch: map[string]bool{`"status":"running"`: true, `"pages":17`: true, `"queue":40`: true, `"ssrf":1`: true}},
		{Desc: "the loopback address is allowed only when configured", Method: "POST", Path: "/v1/crawls",
			Body: `{"urls":["http://127.0.0.1:8080/"]}`, Status: 400, Code: "invalid", Param: "urls[0]"},
		{Desc: "nothing to crawl", Method: "POST", Path: "/v1/crawls", Body: `{}`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "empty lists", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":[],"urls":[]}`, Status: 400, Code: "invalid", Param: "body"},
		{Desc: "too many", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":[` + strings.Join(tags[:30], ",") + `]}`,
			Status: 202}, // 30 is fine
		{Desc: "empty hashtag", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["ok","#"]}`, Status: 400, Code: "invalid", Param: "hashtags[1]"},
		{Desc: "hashtag with a space", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["two words"]}`, Status: 400, Code: "invalid", Param: "hashtags[0]"},
		{Desc: "hashtag with query syntax", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["a&b=c"]}`, Status: 400, Code: "invalid", Param: "hashtags[0]"},
		{Desc: "hashtag too long", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["` + strings.Repeat("a", maxTagLen+1) + `"]}`, Status: 400, Code: "invalid", Param: "hashtags[0]"},
		{Desc: "unicode hashtag is fine", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["#café","ヨガ"]}`, Status: 202,
			ResponseMatch: map[string]bool{`"hashtag:café"`: true, `"hashtag:ヨガ"`: true}},
		{Desc: "bad brand", Method: "POST", Path: "/v1/crawls", Body: `{"brands":["acme","@"]}`, Status: 400, Code: "invalid", Param: "brands[1]"},
		{Desc: "brand with a dot", Method: "POST", Path: "/v1/crawls", Body: `{"brands":["acme.com"]}`, Status: 400, Code: "invalid", Param: "brands[0]"},
		{Desc: "handle without a platform", Method: "POST", Path: "/v1/crawls", Body: `{"handles":["anna"]}`, Status: 400, Code: "invalid", Param: "handles[0]"},
		{Desc: "handle on an unknown platform", Method: "POST", Path: "/v1/crawls", Body: `{"handles":["myspace:anna"]}`, Status: 400, Code: "invalid", Param: "handles[0]"},
		{Desc: "handle with a slash", Method: "POST", Path: "/v1/crawls", Body: `{"handles":["mastodon:../../admin"]}`, Status: 400, Code: "invalid", Param: "handles[0]"},
		{Desc: "handle no source takes", Method: "POST", Path: "/v1/crawls", Body: `{"handles":["youtube:ok","tiktok:anna"]}`, Status: 400, Code: "invalid", Param: "handles[1]"},
		{Desc: "over the seed limit", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":[` + strings.Join(tags, ",") + `]}`,
			Status: 400, Code: "invalid", Param: "body"},
		{Desc: "urls not a list", Method: "POST", Path: "/v1/crawls", Body: `{"urls":"https://example.com/"}`, Status: 400, Code: "invalid", Param: "urls"},
		{Desc: "unknown field", Method: "POST", Path: "/v1/crawls", Body: `{"hashtag":["x"]}`, Status: 400, Code: "invalid", Param: "hashtag"},
		{Desc: "query parameter", Method: "POST", Path: "/v1/crawls?priority=high", Body: `{"hashtags":["x"]}`, Status: 400, Code: "invalid", Param: "priority"},
		{Desc: "body over the limit", Method: "POST", Path: "/v1/crawls", Body: `{"hashtags":["` + strings.Repeat("a", 1100) + `"]}`,
			Status: 413, Code: "too_large", Param: "body"},
		{Desc: "unknown run", Path: "/v1/crawls/999", Status: 404, Code: "not_found"},
		{Desc: "run id not a number", Path: "/v1/crawls/latest", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "run: parameter", Path: "/v1/crawls/2?verbose=1", Status: 400, Code: "invalid", Param: "verbose"},
	})
}

// TestCrawlAllowList: crawler.allow_loopback (CrawlAllowed) opens loopback
// literals on any port, as the demo needs, and nothing else.
func TestCrawlAllowList(t *testing.T) {
	e := newEnv(t)
	deps := e.deps()
	deps.Crawls = &storeCrawls{s: e.st}
	s := newTestServer(t, Config{CrawlAllowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}, deps)
	crawl := func(u string) string { return `{"urls":["` + u + `"]}` }
	runCases(t, s.Handler(), []apiCase{
		{Desc: "loopback on any port", Method: "POST", Path: "/v1/crawls", Body: crawl("http://127.0.0.1:8080/@anna"), Status: 202},
		{Desc: "localhost", Method: "POST", Path: "/v1/crawls", Body: crawl("http://localhost:9000/"), Status: 202},
		{Desc: "IPv6 loopback", Method: "POST", Path: "/v1/crawls", Body: crawl("http://[::1]:9000/"), Status: 202},
		{Desc: "private is still refused", Method: "POST", Path: "/v1/crawls", Body: crawl("http://10.0.0.1/"), Status: 400, Code: "invalid", Param: "urls[0]"},
		{Desc: "metadata is still refused", Method: "POST", Path: "/v1/crawls", Body: crawl("http://169.254.169.254/"), Status: 400, Code: "invalid", Param: "urls[0]"},
		{Desc: "numeric forms are still refused", Method: "POST", Path: "/v1/crawls", Body: crawl("http://2130706433/"), Status: 400, Code: "invalid", Param: "urls[0]"},
		{Desc: "mapped IPv6 is still refused", Method: "POST", Path: "/v1/crawls", Body: crawl("http://[::ffff:127.0.0.1]/"), Status: 400, Code: "invalid", Param: "urls[0]"},
		{Desc: "a public host on another port is still refused", Method: "POST", Path: "/v1/crawls", Body: crawl("http://example.com:8080/"), Status: 400, Code: "invalid", Param: "urls[0]"},
	})
}

func TestNumericIPv4(t *testing.T) {
	for _, tc := range []struct {
		host string
		want string // "" when not a numeric form
	}{
		{"2130706433", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0xa9fea9fe", "169.254.169.254"},
		{"10.0.0.1", "10.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"4294967296", ""}, // over 32 bits
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"1..2", ""},
		{"08.0.0.1", ""}, // 8 is not an octal digit
		{"example.com", ""},
		{"cafe.be", ""},
		{"123.com", ""},
	} {
		a, ok := numericIPv4(tc.host)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tc.want {
			t.Errorf("numericIPv4(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
}
