package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"code.dny.dev/ssrf"
	"github.com/labstack/echo/v4"
	"golang.org/x/net/idna"

	"github.com/creatorscout/creatorscout/creator"
)

// CrawlRequest is the body of POST /v1/crawls, checked and normalised:
// hashtags and brands lower case without '#' or '@', no duplicates.
type CrawlRequest struct {
	Hashtags []string `json:"hashtags"`
	URLs     []string `json:"urls"`    // profile pages, http(s) on port 80 or 443
	Handles  []string `json:"handles"` // "platform:handle" or a profile URL
	Brands   []string `json:"brands"`  // crawled as hashtags on every source
}

// Limits of a crawl request.
const (
	MaxCrawlSeeds  = 100  // hashtags, URLs, handles and brands together
	maxTagLen      = 100  // runes in a hashtag or brand
	maxCrawlURLLen = 2048 // bytes in a URL
)

// CrawlProgress is the live state of a crawl this process is running.
type CrawlProgress struct {
	ElapsedSeconds float64        `json:"elapsed_seconds"`
	Pages          int            `json:"pages"`
	NotModified    int            `json:"not_modified"`
	PagesPerSec    float64        `json:"pages_per_sec"`
	Queue          int            `json:"queue"` // requests not yet done
	InFlight       int            `json:"in_flight"`
	HostsWaiting   int            `json:"hosts_waiting"`
	RobotsDenied   int            `json:"robots_denied"`
	Errors         map[string]int `json:"errors"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Crawls queues crawl requests and reports on running ones. cmd/
// implements it over the store and a worker that runs each queued run
// through the crawler, whose connect-time SSRF guard every URL passes.
type Crawls interface {
	// QueueCrawl records a queued crawl run for req and returns it. An
	// entry no configured source can crawl is EINVALID naming it
	// ("handles[2]").
	QueueCrawl(ctx context.Context, req CrawlRequest, at time.Time) (*creator.CrawlRun, error)
	// CrawlProgress returns the live progress of run id while this process
	// crawls it.
	CrawlProgress(id int64) (*CrawlProgress, bool)
}

// crawlView is GET /v1/crawls/:id: the run with its live progress (null
// unless it is running here).
type crawlView struct {
	*creator.CrawlRun
	Progress *CrawlProgress `json:"progress"`
	// Report is a nightly run's report (forget.go), null for other runs.
	Report *creator.RunReport `json:"report"`
}

// POST /v1/crawls queues a crawl run and answers 202 with it.
func (s *Server) createCrawl(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	var req CrawlRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req, err := checkCrawlRequest(req, s.cfg.CrawlAllowed)
	if err != nil {
		return err
	}
	if s.deps.Crawls == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "crawl requests are not available")
	}
	run, err := s.deps.Crawls.QueueCrawl(c.Request().Context(), req, s.now().UTC())
	if err != nil {
		return fmt.Errorf("api: queue crawl: %w", err)
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/v1/crawls/%d", run.ID))
	return c.JSON(http.StatusAccepted, crawlView{CrawlRun: run})
}

// GET /v1/crawls/:id
func (s *Server) getCrawl(c echo.Context) error {
	if err := noParams(c); err != nil {
		return err
	}
	id, err := positiveID(c, "id", "crawl run")
	if err != nil {
		return err
	}
	if s.deps.Runs == nil {
		return creator.Errorf(creator.EUNAVAILABLE, "crawl runs are not available")
	}
	run, err := s.deps.Runs.Run(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("api: crawl run %d: %w", id, err)
	}
	if run == nil {
		return creator.Errorf(creator.ENOTFOUND, "no crawl run %d", id)
	}
	v := crawlView{CrawlRun: run}
	if v.Report, err = s.runReport(c.Request().Context(), id); err != nil {
		return err
	}
	if s.deps.Crawls != nil && run.Status == creator.RunRunning {
		if p, ok := s.deps.Crawls.CrawlProgress(id); ok {
			v.Progress = p
		}
	}
	return c.JSON(http.StatusOK, v)
}

// checkCrawlRequest normalises req and names the first bad entry.
func checkCrawlRequest(req CrawlRequest, allowed []netip.Prefix) (CrawlRequest, error) {
	var out CrawlRequest
	n := len(req.Hashtags) + len(req.URLs) + len(req.Handles) + len(req.Brands)
	switch {
	case n == 0:
		return out, creator.Invalid("body", "names nothing to crawl: give hashtags, urls, handles or brands")
	case n > MaxCrawlSeeds:
		return out, creator.Invalid("body", "names %d things to crawl; at most %d in one request", n, MaxCrawlSeeds)
	}
	var err error
	if out.Hashtags, err = checkList("hashtags", req.Hashtags, func(v string) (string, error) { return checkTag(v, "#") }); err != nil {
		return out, err
	}
	if out.Brands, err = checkList("brands", req.Brands, func(v string) (string, error) { return checkTag(v, "@") }); err != nil {
		return out, err
	}
	if out.URLs, err = checkList("urls", req.URLs, func(v string) (string, error) { return checkCrawlURL(v, allowed) }); err != nil {
		return out, err
	}
	out.Handles, err = checkList("handles", req.Handles, func(v string) (string, error) {
		if _, _, ok := creator.SplitID(strings.TrimSpace(v)); ok {
			return checkHandle(v)
		}
		u, err := checkCrawlURL(v, allowed)
		if err != nil {
			return "", fmt.Errorf("%w (a handle is platform:handle, such as mastodon:anna@example.social, or a profile URL; platforms: %s)",
				err, strings.Join(creator.Platforms, ", "))
		}
		return u, nil
	})
	return out, err
}

// checkList applies check to each value, names a bad one "field[i]" and
// drops duplicates.
func checkList(field string, vals []string, check func(string) (string, error)) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for i, v := range vals {
		nv, err := check(v)
		if err != nil {
			return nil, creator.Invalid(fmt.Sprintf("%s[%d]", field, i), "%v", err)
		}
		if !seen[nv] {
			seen[nv] = true
			out = append(out, nv)
		}
	}
	return out, nil
}

// checkTag normalises a hashtag (prefix "#") or a brand (prefix "@"):
// letters, digits and '_' only, as a hashtag is written.
func checkTag(v, prefix string) (string, error) {
	t := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), prefix))
	switch {
	case t == "":
		return "", fmt.Errorf("is empty")
	case !utf8.ValidString(t):
		return "", fmt.Errorf("is not valid UTF-8")
	case utf8.RuneCountInString(t) > maxTagLen:
		return "", fmt.Errorf("is longer than %d characters", maxTagLen)
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && !unicode.Is(unicode.Mn, r) {
			return "", fmt.Errorf("%q has %q; a hashtag is letters, digits and _ only", truncate(v, 60), r)
		}
	}
	return t, nil
}

// checkHandle checks "platform:handle".
func checkHandle(v string) (string, error) {
	v = strings.TrimSpace(v)
	p, h, ok := creator.SplitID(v)
	if !ok {
		return "", fmt.Errorf("%q is not platform:handle (platforms: %s)", truncate(v, 80), strings.Join(creator.Platforms, ", "))
	}
	if len(v) > maxIDLen || !utf8.ValidString(h) {
		return "", fmt.Errorf("is not a valid handle")
	}
	for _, r := range h {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`/\?#<>"'`, r) && p != creator.Web {
			return "", fmt.Errorf("handle %q has %q", truncate(h, 60), r)
		}
	}
	return p + ":" + h, nil
}

// checkCrawlURL is the up-front check of a URL a user asks to crawl: http
// or https, no user info, port 80 or 443, and a host that is not an IP
// literal in a network the crawler refuses nor a numeric IPv4 form a
// resolver might read as one (2130706433, 0177.0.0.1, 0x7f.1). Literals
// inside allowed pass on any port. Host names are checked again, on the
// address actually dialled, by the crawler's connect-time guard, which is
// what stops DNS rebinding and redirects.
func checkCrawlURL(raw string, allowed []netip.Prefix) (string, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return "", fmt.Errorf("is empty")
	case len(raw) > maxCrawlURLLen:
		return "", fmt.Errorf("is %d bytes; at most %d", len(raw), maxCrawlURLLen)
	}
	for _, r := range raw {
		if r <= ' ' || r == 0x7f {
			return "", fmt.Errorf("has a space or control character")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("is not a URL: %v", strings.TrimPrefix(err.Error(), "parse "))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		if scheme == "" {
			return "", fmt.Errorf("%q has no scheme; write http:// or https://", truncate(raw, 80))
		}
		return "", fmt.Errorf("scheme %q is not allowed; only http and https", truncate(scheme, 20))
	}
	if u.Opaque != "" || u.Host == "" {
		return "", fmt.Errorf("%q has no host", truncate(raw, 80))
	}
	if u.User != nil {
		return "", fmt.Errorf("must not carry a user name or password")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", fmt.Errorf("%q has no host", truncate(raw, 80))
	}
	u.Scheme, u.Host = scheme, strings.ToLower(u.Host)
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("port %q is not a port number", truncate(port, 10))
		}
	}
	if _, err := netip.ParseAddr(host); err != nil {
		// A name is checked as it will be dialled: net/http maps it by
		// UTS #46 first, so "１０.0.0.1" and "10。0。0。1" are 10.0.0.1.
		ascii, err := idna.Lookup.ToASCII(host)
		switch {
		case err == nil:
			host = ascii
		case !isASCII(host):
			return "", fmt.Errorf("host %q is not a valid host name: %v", truncate(host, 80), err)
		}
		u.Host = host
		if port != "" {
			u.Host = net.JoinHostPort(host, port)
		}
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return "", fmt.Errorf("host %s has an IPv6 zone", host)
		}
		if addr.Is4In6() {
			return "", fmt.Errorf("host %s is an IPv4-mapped IPv6 address; crawl requests may not use one", host)
		}
		for _, p := range allowed {
			if p.Contains(addr) {
				return u.String(), nil // opened by crawler.allow_loopback or crawler.allowed_cidrs, on any port
			}
		}
		if why := refusedAddr(addr); why != "" {
			return "", fmt.Errorf("host %s is %s; crawl requests may not reach it", host, why)
		}
	} else if a, ok := numericIPv4(host); ok {
		return "", fmt.Errorf("host %q is a numeric IPv4 form (decimal, octal or hex) that resolvers read as %s; write a host name", host, a)
	} else if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if !allowedAddr(allowed, netip.MustParseAddr("127.0.0.1")) {
			return "", fmt.Errorf("host %s is loopback; crawl requests may not reach it", host)
		}
		return u.String(), nil
	}
	if port != "" && port != "80" && port != "443" {
		return "", fmt.Errorf("port %s is not allowed; crawl requests use port 80 or 443", port)
	}
	return u.String(), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allowedAddr(allowed []netip.Prefix, a netip.Addr) bool {
	for _, p := range allowed {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	metadata4 = netip.MustParseAddr("169.254.169.254")
	strict    = ssrf.New()
)

// refusedAddr says why the crawler's guard refuses an address, or "" when
// it is a public one.
func refusedAddr(a netip.Addr) string {
	switch {
	case a == metadata4:
		return "the cloud metadata address"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.Is4() && cgnat.Contains(a):
		return "a carrier-grade NAT (CGNAT) address"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsMulticast():
		return "multicast"
	}
	if err := strict.SafeAddr(a); err != nil {
		return "a reserved address"
	}
	return ""
}

// numericIPv4 reads host as inet_aton(3) does (what getaddrinfo and many
// URL parsers accept): one to four dot-separated parts, each decimal,
// octal (leading 0) or hex (0x), the last filling the remaining bytes.
func numericIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case strings.HasPrefix(p, "0x"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if p == "" {
			return netip.Addr{}, false
		}
		if digits == "" {
			if base != 16 {
				return netip.Addr{}, false
			}
			digits = "0" // "0x" is 0 to inet_aton
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var ip uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		ip |= v << (24 - 8*uint(i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return netip.Addr{}, false
	}
	ip |= last
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}
