package crawler

// SSRF vectors: each test proves that the crawler refused the vector
// without connecting. Two witnesses say so:
//   - counting loopback listeners, which count every connection accepted;
//   - a dial probe: the crawler's own guard (newGuard on the same config)
//     is the dialer's Control function, which runs after socket(2) and
//     before connect(2). The probe records every address the guard lets
//     through; an address outside loopback is recorded and then stopped,
//     so that a broken guard fails the test instead of reaching the
//     network.
// Host names resolve through an in-process DNS server (fakeDNS), so the
// tests can answer with any address and change the answer between lookups
// (rebinding). Numeric IPv4 forms (2130706433, 0177.0.0.1, 0x7f.1) are
// tried both ways: Go's resolver refuses all-numeric names outright, but
// glibc's getaddrinfo (the cgo resolver) reads them with inet_aton(3) as
// 127.0.0.1, so with getaddrinfo set the dialer resolves them that way
// first and the guard must refuse the address.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"code.dny.dev/ssrf"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// publicAddr is a public address the fake DNS hands out. Nothing ever
// connects to it: the probe stops any dial that is not loopback.
var publicAddr = netip.MustParseAddr("93.184.215.14")

// fakeDNS answers A and AAAA queries from its tables, over the stream
// protocol (a net.Pipe is not a PacketConn, so Go's resolver frames
// messages with a two-byte length).
type fakeDNS struct {
	mu     sync.Mutex
	hosts  map[string][]netip.Addr
	rebind map[string][2]netip.Addr // first A answer, then the second for good
	asked  map[string]int           // A queries by name
}

func newFakeDNS() *fakeDNS {
	d := &fakeDNS{hosts: map[string][]netip.Addr{}, rebind: map[string][2]netip.Addr{}, asked: map[string]int{}}
	for name, addrs := range map[string][]string{
		"loopback.test":    {"127.0.0.1"},
		"loopback2.test":   {"127.0.0.2"},
		"loopback6.test":   {"::1"},
		"private10.test":   {"10.0.0.1"},
		"private172.test":  {"172.16.0.1"},
		"private192.test":  {"192.168.1.1"},
		"linklocal.test":   {"169.254.1.1"},
		"cgnat.test":       {"100.64.0.1"},
		"metadata.test":    {"169.254.169.254"},
		"unspecified.test": {"0.0.0.0"},
		"mapped.test":      {"::ffff:127.0.0.1"},
		"mappedmeta.test":  {"::ffff:169.254.169.254"},
		"ula.test":         {"fd00::1"},
		"ll6.test":         {"fe80::1"},
		"public.test":      {publicAddr.String()},
	} {
		for _, a := range addrs {
			d.hosts[name] = append(d.hosts[name], netip.MustParseAddr(a))
		}
	}
	return d
}

// answer returns the addresses of name of one family.
func (d *fakeDNS) answer(name string, typ dnsmessage.Type) ([]netip.Addr, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if rb, ok := d.rebind[name]; ok {
		if typ != dnsmessage.TypeA {
			return nil, true
		}
		d.asked[name]++
		if d.asked[name] == 1 {
			return []netip.Addr{rb[0]}, true
		}
		return []netip.Addr{rb[1]}, true
	}
	all, ok := d.hosts[name]
	var out []netip.Addr
	for _, a := range all {
		if (typ == dnsmessage.TypeA) == a.Is4() {
			out = append(out, a)
		}
	}
	return out, ok
}

func (d *fakeDNS) queries(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.asked[name]
}

// resolver returns a Go resolver whose every server is d.
func (d *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		client, server := net.Pipe()
		go d.serve(server)
		return client, nil
	}}
}

func (d *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	for {
		var n uint16
		if err := binary.Read(c, binary.BigEndian, &n); err != nil {
			return
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		resp, err := d.reply(msg)
		if err != nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

func (d *fakeDNS) reply(msg []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
	addrs, known := d.answer(name, q.Type)
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, a := range addrs {
		rrh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
		if a.Is4() {
			err = b.AResource(rrh, dnsmessage.AResource{A: a.As4()})
		} else {
			err = b.AAAAResource(rrh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
		if err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

// errNoNetwork stops a dial the guard let through to an address outside
// loopback: a test never leaves the machine.
var errNoNetwork = errors.New("test: dial outside loopback stopped")

// dialProbe wraps the crawler's guard as the dialer's Control.
type dialProbe struct {
	guard *guard

	mu       sync.Mutex
	passed   []string // addresses the guard let through
	refusals []error
	escaped  atomic.Int64 // non-loopback addresses the guard let through
}

func (p *dialProbe) control(network, address string, rc syscall.RawConn) error {
	err := p.guard.control(network, address, rc)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.refusals = append(p.refusals, err)
		return err
	}
	p.passed = append(p.passed, address)
	if ap, perr := netip.ParseAddrPort(address); perr != nil || !ap.Addr().Unmap().IsLoopback() {
		p.escaped.Add(1)
		return errNoNetwork
	}
	return nil
}

func (p *dialProbe) passedAddrs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.passed...)
}

func (p *dialProbe) refused(target error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.refusals {
		if errors.Is(e, target) {
			return true
		}
	}
	return false
}

// counter is a loopback listener that counts the connections it accepts
// and answers each with an empty 200.
type counter struct {
	ln       net.Listener
	accepted atomic.Int64
}

func newCounter(t *testing.T, addr string) *counter {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	c := &counter{ln: ln}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }),
		ReadHeaderTimeout: time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				c.accepted.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return c
}

func (c *counter) port() string { return fmt.Sprint(c.ln.Addr().(*net.TCPAddr).Port) }

// vecSource claims every page and reads nothing from it.
type vecSource struct{}

func (vecSource) Name() string                               { return "vec" }
func (vecSource) Detect(*url.URL, []byte) bool               { return true }
func (vecSource) Parse(*source.Page) (*source.Result, error) { return &source.Result{}, nil }

func vecConfig() Config {
	cfg := DefaultConfig()
	cfg.UserAgent = "creatorscout-test/1.0"
	cfg.Parallelism = 2
	cfg.DefaultRate, cfg.DefaultBurst, cfg.DefaultMaxConns = 1000, 1000, 4
	cfg.RequestTimeout, cfg.HeaderTimeout = 5*time.Second, 2*time.Second
	cfg.BackoffBase, cfg.MaxIdleWait, cfg.MaxRetries = time.Hour, 0, 0
	cfg.Quotas = nil
	cfg.AllowLoopback = false // the default; the point of these tests
	return cfg
}

// inetAton reads host as inet_aton(3) does: one to four dot-separated
// parts, each decimal, octal (leading 0) or hex (0x), the last filling the
// remaining bytes.
func inetAton(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var ip uint64
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case strings.HasPrefix(p, "0x"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if v > 0xff {
				return netip.Addr{}, false
			}
			ip |= v << (24 - 8*uint(i))
		} else {
			if v >= 1<<(8*uint(5-len(parts))) {
				return netip.Addr{}, false
			}
			ip |= v
		}
	}
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

// getaddrinfo is the cgo resolver's reading of numeric hosts, put in
// front of the dialer: the guard then sees the address getaddrinfo gives.
type getaddrinfo bool

// crawlVectors runs one crawl of seeds through a crawler whose dialer
// resolves with dns (and, with aton, reads numeric hosts as getaddrinfo
// does) and connects through the probe.
func crawlVectors(t *testing.T, cfg Config, dns *fakeDNS, aton getaddrinfo, seeds ...string) (creator.RunSummary, *dialProbe, int) {
	t.Helper()
	var pages atomic.Int64
	sink := SinkFunc(func(context.Context, *source.Page, *source.Result) error { pages.Add(1); return nil })
	c, err := New(cfg, []source.Source{vecSource{}}, sink, WithFrontier(NewMemFrontier()), WithRand(func() float64 { return 0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := newGuard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	probe := &dialProbe{guard: g}
	// newTransport's dialer, with the test resolver.
	dial := (&net.Dialer{Timeout: cfg.HeaderTimeout, Resolver: dns.resolver(), Control: probe.control}).DialContext
	c.transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil && bool(aton) {
			if a, ok := inetAton(host); ok {
				addr = net.JoinHostPort(a.String(), port)
			}
		}
		return dial(ctx, network, addr)
	}
	var reqs []source.Request
	for _, s := range seeds {
		reqs = append(reqs, source.Request{URL: s, Kind: source.KindPage})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum, err := c.Run(ctx, reqs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return sum, probe, int(pages.Load())
}

func ipv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// TestSSRFVectorsNoConnection seeds the crawler with each vector. Port 80
// vectors show the address rule refused them (ssrf.ErrProhibitedIP), not
// only the port rule.
func TestSSRFVectorsNoConnection(t *testing.T) {
	lo := newCounter(t, "127.0.0.1:0")
	p := lo.port()
	v6 := ipv6Loopback()
	type vector struct {
		name, url string
		ipRule    bool        // refused for its address (port 80/443)
		needsV6   bool        // resolves to IPv6
		aton      getaddrinfo // numeric hosts read as getaddrinfo does
		goDNS     bool        // Go's resolver refuses the name before any dial
	}
	vectors := []vector{
		{name: "loopback", url: "http://127.0.0.1:" + p + "/"},
		{name: "loopback, port 80", url: "http://127.0.0.1/", ipRule: true},
		{name: "localhost from /etc/hosts", url: "http://localhost:" + p + "/"},
		{name: "loopback by name", url: "http://loopback.test/", ipRule: true},
		{name: "IPv6 loopback by name", url: "http://loopback6.test/", ipRule: true, needsV6: true},
		{name: "private 10/8", url: "http://private10.test/", ipRule: true},
		{name: "private 172.16/12", url: "http://private172.test/", ipRule: true},
		{name: "private 192.168/16", url: "https://private192.test/", ipRule: true},
		{name: "link-local", url: "http://linklocal.test/", ipRule: true},
		{name: "CGNAT", url: "http://cgnat.test/", ipRule: true},
		{name: "cloud metadata", url: "http://metadata.test/latest/meta-data/", ipRule: true},
		{name: "cloud metadata, literal", url: "http://169.254.169.254/latest/meta-data/", ipRule: true},
		{name: "unspecified", url: "http://unspecified.test/", ipRule: true},
		{name: "IPv6 unique local", url: "http://ula.test/", ipRule: true, needsV6: true},
		{name: "IPv6 link-local", url: "http://ll6.test/", ipRule: true, needsV6: true},
		{name: "IPv4-mapped IPv6 literal", url: "http://[::ffff:127.0.0.1]:" + p + "/"},
		{name: "IPv4-mapped IPv6 literal, port 80", url: "http://[::ffff:127.0.0.1]/", ipRule: true},
		{name: "IPv4-mapped IPv6 by name", url: "http://mapped.test/", ipRule: true, needsV6: true},
		{name: "IPv4-mapped metadata by name", url: "http://mappedmeta.test/", ipRule: true, needsV6: true},
		{name: "public address, port 8080", url: "http://public.test:8080/"},
		{name: "public address, port 22", url: "https://public.test:22/"},
	}
	for _, n := range []struct{ name, host string }{
		{"decimal IPv4", "2130706433"}, {"octal IPv4", "0177.0.0.1"}, {"hex IPv4", "0x7f.1"},
		{"hex IPv4, one part", "0x7f000001"}, {"short IPv4", "127.1"}, {"decimal metadata", "2852039166"},
	} {
		vectors = append(vectors,
			vector{name: n.name + ", getaddrinfo", url: "http://" + n.host + ":" + p + "/", aton: true},
			vector{name: n.name + ", getaddrinfo, port 80", url: "http://" + n.host + "/", aton: true, ipRule: true},
			vector{name: n.name + ", Go resolver", url: "http://" + n.host + ":" + p + "/", goDNS: true})
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			if v.needsV6 && !v6 {
				t.Skip("no IPv6 loopback here")
			}
			sum, probe, pages := crawlVectors(t, vecConfig(), newFakeDNS(), v.aton, v.url)
			if n := lo.accepted.Load(); n != 0 {
				t.Fatalf("%d connections reached the loopback listener", n)
			}
			if got := probe.passedAddrs(); len(got) != 0 || probe.escaped.Load() != 0 {
				t.Fatalf("the guard let %v through", got)
			}
			if pages != 0 {
				t.Errorf("%d pages fetched", pages)
			}
			if v.goDNS {
				if len(probe.refusals) != 0 || sum.Errors[KindSSRF] != 0 {
					t.Errorf("expected Go's resolver to refuse the name before any dial: refusals %v, summary %+v", probe.refusals, sum)
				}
				return
			}
			if sum.Errors[KindSSRF] == 0 {
				t.Errorf("summary %+v: want the URL refused as %s", sum, KindSSRF)
			}
			if v.ipRule && !probe.refused(ssrf.ErrProhibitedIP) {
				t.Errorf("not refused for its address: %v", probe.refusals)
			}
			if strings.Contains(v.name, "port 8080") || strings.Contains(v.name, "port 22") {
				if !probe.refused(ssrf.ErrProhibitedPort) {
					t.Errorf("not refused for its port: %v", probe.refusals)
				}
			}
		})
	}
}

// TestSSRFSchemesNoConnection: only http and https are fetched.
func TestSSRFSchemesNoConnection(t *testing.T) {
	lo := newCounter(t, "127.0.0.1:0")
	for _, u := range []string{"file:///etc/passwd", "gopher://127.0.0.1:" + lo.port() + "/", "ftp://127.0.0.1:" + lo.port() + "/",
		"javascript:alert(1)", "data:text/plain,x", "ws://127.0.0.1:" + lo.port() + "/"} {
		c, err := New(vecConfig(), []source.Source{vecSource{}}, SinkFunc(func(context.Context, *source.Page, *source.Result) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Run(context.Background(), []source.Request{{URL: u, Kind: source.KindPage}}); err == nil || !strings.Contains(err.Error(), RejectScheme) {
			t.Errorf("%s: err %v, want a %s refusal", u, err, RejectScheme)
		}
		c.Close()
	}
	if n := lo.accepted.Load(); n != 0 {
		t.Fatalf("%d connections reached the loopback listener", n)
	}
}

// TestSSRFDNSRebinding: the name resolves to a public address when a
// validate-then-fetch design would check it, then to loopback. The guard
// judges the address the crawler actually connects to.
func TestSSRFDNSRebinding(t *testing.T) {
	lo := newCounter(t, "127.0.0.1:0")
	dns := newFakeDNS()
	dns.rebind["rebind.test"] = [2]netip.Addr{publicAddr, netip.MustParseAddr("127.0.0.1")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first, err := dns.resolver().LookupNetIP(ctx, "ip4", "rebind.test")
	if err != nil || len(first) != 1 || first[0] != publicAddr {
		t.Fatalf("the check sees %v, %v; want the public address", first, err)
	}
	sum, probe, pages := crawlVectors(t, vecConfig(), dns, false, "http://rebind.test:"+lo.port()+"/", "http://rebind.test/")
	if n := lo.accepted.Load(); n != 0 {
		t.Fatalf("%d connections reached the loopback listener", n)
	}
	if got := probe.passedAddrs(); len(got) != 0 {
		t.Fatalf("the guard let %v through", got)
	}
	if dns.queries("rebind.test") < 2 {
		t.Fatalf("the crawler did not resolve the name again (%d queries)", dns.queries("rebind.test"))
	}
	if pages != 0 || sum.Errors[KindSSRF] == 0 || !probe.refused(ssrf.ErrProhibitedIP) {
		t.Errorf("pages %d, summary %+v, refusals %v", pages, sum, probe.refusals)
	}
}

// TestSSRFRedirectsNoConnection: an allowed origin (127.0.0.1 opened by
// AllowedCIDRs) redirects into each vector, from a page and from its
// robots.txt; the target, whose listener is on 127.0.0.2, is never reached.
func TestSSRFRedirectsNoConnection(t *testing.T) {
	for _, from := range []string{"page", "robots.txt"} {
		t.Run(from, func(t *testing.T) { testSSRFRedirects(t, from == "robots.txt") })
	}
}

func testSSRFRedirects(t *testing.T, fromRobots bool) {
	target := newCounter(t, "127.0.0.2:0")
	p2 := target.port()
	v6 := ipv6Loopback()
	var origin atomic.Int64
	var redirectTo atomic.Pointer[string]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" && !fromRobots {
			http.NotFound(w, r)
			return
		}
		origin.Add(1)
		http.Redirect(w, r, *redirectTo.Load(), http.StatusFound)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	originAddr := ln.Addr().String()
	cfg := vecConfig()
	cfg.AllowedCIDRs = []string{"127.0.0.1/32"}

	for _, v := range []struct {
		name, to string
		needsV6  bool
	}{
		{"loopback", "http://127.0.0.2:" + p2 + "/", false},
		{"loopback by name", "http://loopback2.test:" + p2 + "/", false},
		{"IPv4-mapped IPv6", "http://[::ffff:127.0.0.2]:" + p2 + "/", false},
		{"decimal IPv4", "http://2130706434:" + p2 + "/", false},
		{"octal IPv4", "http://0177.0.0.2:" + p2 + "/", false},
		{"hex IPv4", "http://0x7f.2:" + p2 + "/", false},
		{"private", "http://private10.test/", false},
		{"link-local", "http://linklocal.test/", false},
		{"CGNAT", "http://cgnat.test/", false},
		{"cloud metadata", "http://metadata.test/latest/meta-data/", false},
		{"cloud metadata literal", "http://169.254.169.254/latest/meta-data/", false},
		{"IPv6 unique local", "http://ula.test/", true},
		{"rebinding name", "http://rebind2.test:" + p2 + "/", false},
		{"public address, port 8080", "http://public.test:8080/", false},
		{"file scheme", "file:///etc/passwd", false},
		{"gopher scheme", "gopher://127.0.0.2:" + p2 + "/", false},
	} {
		t.Run(v.name, func(t *testing.T) {
			if v.needsV6 && !v6 {
				t.Skip("no IPv6 loopback here")
			}
			dns := newFakeDNS()
			dns.rebind["rebind2.test"] = [2]netip.Addr{publicAddr, netip.MustParseAddr("127.0.0.2")}
			if v.name == "rebinding name" {
				if a, err := dns.resolver().LookupNetIP(context.Background(), "ip4", "rebind2.test"); err != nil || a[0] != publicAddr {
					t.Fatalf("the check sees %v, %v", a, err)
				}
			}
			redirectTo.Store(&v.to)
			before := origin.Load()
			sum, probe, pages := crawlVectors(t, cfg, dns, true, "http://"+originAddr+"/start")
			if origin.Load() == before {
				t.Fatalf("the origin was never asked: the redirect was not exercised")
			}
			if n := target.accepted.Load(); n != 0 {
				t.Fatalf("%d connections reached the target", n)
			}
			for _, a := range probe.passedAddrs() {
				if a != originAddr {
					t.Fatalf("the guard let %s through; only the origin %s is allowed", a, originAddr)
				}
			}
			if probe.escaped.Load() != 0 || pages != 0 || sum.Errors[KindSSRF] == 0 {
				t.Errorf("escaped %d, pages %d, summary %+v", probe.escaped.Load(), pages, sum)
			}
		})
	}
}

// TestSSRFAllowLoopbackOpensOnlyLoopback: crawler.allow_loopback lets the
// demo and tests crawl loopback, and nothing else.
func TestSSRFAllowLoopbackOpensOnlyLoopback(t *testing.T) {
	lo := newCounter(t, "127.0.0.1:0")
	cfg := vecConfig()
	cfg.AllowLoopback = true
	_, _, pages := crawlVectors(t, cfg, newFakeDNS(), false, "http://127.0.0.1:"+lo.port()+"/")
	if lo.accepted.Load() == 0 || pages != 1 {
		t.Fatalf("allow_loopback: %d connections, %d pages; want the page fetched", lo.accepted.Load(), pages)
	}
	for _, u := range []string{"http://private10.test/", "http://metadata.test/", "http://cgnat.test/"} {
		sum, probe, _ := crawlVectors(t, cfg, newFakeDNS(), false, u)
		if len(probe.passedAddrs()) != 0 || sum.Errors[KindSSRF] == 0 {
			t.Errorf("%s with allow_loopback: passed %v, summary %+v", u, probe.passedAddrs(), sum)
		}
	}
}
