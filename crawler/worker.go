package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"code.dny.dev/ssrf"
	"github.com/gocolly/colly/v2"

	"github.com/creatorscout/creatorscout/crawler/robots"
	"github.com/creatorscout/creatorscout/crawler/source"
)

// Keys in a colly request Context.
const (
	ctxResponse    = "creatorscout.response"
	ctxContentType = "creatorscout.content-type"
	ctxSent        = "creatorscout.sent"
	ctxMark        = "creatorscout.pace-mark" // *paceMark
)

// newCollector configures colly for what it does well here (the request and
// response plumbing and callbacks) and switches off what COLLY_NOTES shows
// to be unsafe. The fields are set after NewCollector, which reads COLLY_*
// environment variables, so the environment cannot undo them.
func (r *run) newCollector() *colly.Collector {
	cfg := &r.c.cfg
	cc := colly.NewCollector()
	cc.UserAgent = cfg.UserAgent
	// We do robots.txt ourselves (RFC 9309): colly's ignores Crawl-delay,
	// skips the rate limit, and allows everything on a 4xx or a 429.
	cc.IgnoreRobotsTxt = true
	// The frontier's seen set is the visited set. colly's checks and marks
	// in two steps (0-127 duplicate fetches per crawl), lives in memory
	// and is never pruned.
	cc.AllowURLRevisit = true
	// colly caps the body before its own gunzip; limitTransport caps it
	// after decompression and stops colly from gunzipping at all.
	cc.MaxBodySize = 0
	// Every status reaches OnResponse; the worker classifies them.
	cc.ParseHTTPErrorResponse = true
	// The fixed worker pool calls the collector synchronously: Async
	// starts a goroutine per URL (stack-scanning GC cost, unbounded memory,
	// MaxRequests exceeded) and no LimitRule is set (a "*" rule is a global
	// limit, Delay is not a rate, and a shared rule can deadlock).
	cc.Async = false
	cc.MaxDepth, cc.MaxRequests = 0, 0
	cc.CacheDir = ""
	cc.DetectCharset = false
	cc.Context = r.ctx
	// No cookie jar: nothing to leak between hosts, no session to trap us.
	cc.SetClient(&http.Client{Transport: r.c.client, Timeout: cfg.RequestTimeout})
	cc.SetRedirectHandler(r.c.checkRedirect)

	// colly re-encodes a body whose Content-Type names a charset before
	// OnResponse sees it, guessing windows-1252 for labels it does not know
	// and leaving invalid UTF-8 alone. Hide the charset from it here and
	// decode in toUTF8 instead.
	// Marks that colly got as far as sending: an error before that is the
	// URL's (colly's WHATWG parser refused it), not the network's.
	cc.OnRequest(func(req *colly.Request) { req.Ctx.Put(ctxSent, true) })
	cc.OnResponseHeaders(func(resp *colly.Response) {
		// The host's pacer counts from when it answered (pace.go).
		if m, ok := resp.Ctx.GetAny(ctxMark).(*paceMark); ok {
			m.stamp(r.c.clock.Now())
		}
		ct := resp.Headers.Get("Content-Type")
		if ct == "" {
			return
		}
		resp.Ctx.Put(ctxContentType, ct)
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			resp.Headers.Set("Content-Type", mt)
		} else {
			resp.Headers.Del("Content-Type")
		}
	})
	cc.OnResponse(func(resp *colly.Response) {
		if ct, ok := resp.Ctx.GetAny(ctxContentType).(string); ok {
			resp.Headers.Set("Content-Type", ct)
		}
		resp.Ctx.Put(ctxResponse, resp)
	})
	return cc
}

// checkRedirect is the redirect policy of page fetches: no redirect is
// followed inside the request. Its target, when it is an http(s) URL
// within the length limit, is queued as a request of its own (redirected),
// so that the host's pacer, robots.txt, budgets and SSRF guard see every
// request a redirect causes, on the same origin as on another one.
func (c *Crawler) checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to scheme %q", ErrSSRF, req.URL.Scheme)
	}
	target := req.URL.String()
	if len(target) > c.cfg.MaxURLLength {
		return fmt.Errorf("%w: redirect target is %d bytes long", ErrTooManyRedirects, len(target))
	}
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return &RedirectError{Status: status, Target: target}
}

// errKind names the kind of a failed fetch. Only KindTimeout and
// KindNetwork are retried (transientKind): a kind that would fail the same
// way again (a body that does not decode, headers over the limit, a
// Location that is not a URL, a host name that does not exist) is not.
func errKind(err error) string {
	var ne net.Error
	var de *net.DNSError
	switch {
	case errors.Is(err, ErrTooLarge), headersTooLarge(err):
		return KindTooLarge
	case malformedResponse(err):
		return KindProtocol
	case errors.Is(err, ErrSSRF):
		return KindSSRF
	case errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrRedirectLoop), badLocation(err):
		return KindRedirects
	case errors.Is(err, ErrRobotsDenied):
		return KindRobots
	case errors.Is(err, ErrEncoding), errors.Is(err, ErrCorrupt):
		return KindEncoding
	case errors.As(err, &de) && de.IsNotFound:
		return KindDNS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return KindTimeout
	default:
		return KindNetwork
	}
}

// headersTooLarge reports net/http's refusal of response headers over
// Transport.MaxResponseHeaderBytes, which it returns as a plain string.
func headersTooLarge(err error) bool {
	return err != nil && strings.Contains(err.Error(), "server response headers exceeded")
}

// malformedParts are what net/http's errors say of a response that is not
// valid HTTP/1.x (it returns them as plain strings): a bare CR or a NUL in
// a header, two Content-Lengths, a status line that is not one.
var malformedParts = []string{
	"malformed HTTP", "malformed MIME header", "invalid header field", "multiple Content-Length",
	"bad Content-Length", "invalid Content-Length", "unsupported transfer encoding",
	"too many transfer encodings", "invalid Trailer key",
}

// malformedResponse reports a response net/http refused as not HTTP.
func malformedResponse(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, p := range malformedParts {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// badLocation reports net/http's refusal of a redirect whose Location is
// not a URL, which it returns as a plain string.
func badLocation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "failed to parse Location header")
}

// hostRefused reports whether the SSRF guard refused the address dialled
// (rather than, say, a redirect to another scheme).
func hostRefused(err error) bool {
	return errors.Is(err, ssrf.ErrProhibitedIP) || errors.Is(err, ssrf.ErrProhibitedPort) ||
		errors.Is(err, ssrf.ErrProhibitedNetwork) || errors.Is(err, ssrf.ErrInvalidHostPort)
}

// transientKind reports whether a failure of this kind is worth a retry.
func transientKind(kind string) bool {
	return kind == KindTimeout || kind == KindNetwork
}

func (r *run) worker() {
	defer r.wg.Done()
	for j := range r.jobs {
		r.events <- r.do(j)
	}
}

// do runs one job and never panics.
func (r *run) do(j job) (ev event) {
	fresh := event{kind: j.kind, origin: j.origin, item: j.item, mark: j.mark, robotsFor: j.robotsFor}
	ev = fresh
	defer func() {
		if p := recover(); p != nil {
			r.c.log.Error("panic in a fetch", "url", j.item.URL, "panic", p, "stack", string(debug.Stack()))
			r.countErr(KindPanic, 1)
			ev = fresh
			if j.kind == jobFetch {
				if err := r.c.frontier.FrontierDrop(r.ctx, j.item.ID, KindPanic); err != nil && r.ctx.Err() == nil {
					ev.fatal = fmt.Errorf("crawler: drop %s: %w", j.item.URL, err)
				}
			}
		}
	}()
	switch j.kind {
	case jobRobots:
		r.fetchRobots(j, &ev)
	case jobRobotsLoad:
		r.loadRobots(j)
	default:
		r.fetch(j, &ev)
	}
	return ev
}

// fetchRobots fetches one hop of an origin's robots.txt: it classifies
// and caches the answer, or, for a redirect, reports the next hop in
// ev.redirect. The run queues that hop on its target's host, so each hop is
// paced like any other request to that host (RFC 9309 §2.3.1.2: at most
// robots.MaxRedirects of them).
func (r *run) fetchRobots(j job, ev *event) {
	c := r.c
	now := c.clock.Now()
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, j.robots, nil)
	if err != nil {
		c.robots.Store(j.robotsFor, now, robots.Unavailable, nil, time.Time{})
		return
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "text/plain,*/*;q=0.5")
	resp, err := c.robotsClient.Do(req)
	if err == nil {
		j.mark.stamp(c.clock.Now()) // the pacer counts from the answer (pace.go)
		if next, rerr := robotsRedirect(resp, j.hops); next != nil || rerr != nil {
			c.metrics.fetches.WithLabelValues(c.metrics.host(j.key), statusLabel(resp.StatusCode)).Inc()
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			if next != nil {
				ev.redirect, ev.hops = next, j.hops+1
				c.log.Debug("robots.txt redirects", "url", j.robots, "to", next.String(), "hops", j.hops+1)
				return
			}
			resp, err = nil, rerr
		}
	}
	var (
		outcome robots.Outcome
		body    []byte
		status  int
		header  http.Header
		kind    string
	)
	switch {
	case err != nil && r.ctx.Err() != nil:
		ev.canceled = true
		return
	case err != nil && errors.Is(err, errRobotsRedirects):
		outcome = robots.Unavailable // RFC 9309 §2.3.1.2
	case err != nil && errors.Is(err, ErrSSRF):
		ev.skip = KindSSRF
		c.log.Warn("robots.txt refused by the SSRF guard", "url", j.robots, "err", errText(err))
		return
	case err != nil && errKind(err) == KindDNS:
		ev.skip = KindDNS // no robots.txt, no pages: retrying would only keep the run waiting
		c.log.Warn("robots.txt host name does not exist", "url", j.robots, "err", errText(err))
		return
	case err != nil:
		outcome, kind = robots.Unreachable, errKind(err)
	default:
		status, header = resp.StatusCode, resp.Header
		body, err = io.ReadAll(io.LimitReader(resp.Body, robots.MaxSize+1))
		resp.Body.Close()
		c.metrics.fetches.WithLabelValues(c.metrics.host(j.key), statusLabel(status)).Inc()
		c.metrics.bytes.WithLabelValues(c.metrics.host(j.key)).Add(float64(len(body)))
		switch {
		case err != nil && r.ctx.Err() != nil:
			ev.canceled = true
			return
		case err != nil && !errors.Is(err, ErrTooLarge):
			outcome, kind = robots.Unreachable, errKind(err)
		default:
			outcome = robots.Classify(status)
			if outcome == robots.Unreachable {
				kind = statusKind(status)
			}
		}
	}
	retryAt := time.Time{}
	if outcome == robots.Unreachable {
		// The wait counts from the answer (or the failure), not from the
		// request: a robots.txt sent a byte a second must not use up its
		// host's backoff while it is being read.
		end := c.clock.Now()
		d, ok := time.Duration(0), false
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			d, ok = RetryAfter(header, end)
		}
		if !ok {
			d = Backoff(c.cfg.BackoffBase, c.cfg.BackoffMax, c.robots.Failures(j.robotsFor), c.jitter())
		}
		retryAt = end.Add(d)
		r.countErr(KindRobots, 1)
		r.reportOutcome(FrontierItem{URL: j.robots}, status, kind, true)
		c.log.Warn("robots.txt unreachable; host waits", "url", j.robots, "status", status, "kind", kind, "err", errText(err), "retry_at", retryAt)
	}
	rules := c.robots.Store(j.robotsFor, now, outcome, body, retryAt)
	r.saveRobots(j, outcome, status, body, now)
	// Retried like a page (MaxRetries), then given up on for the run when
	// no good copy stands in: a host that refuses every connection must
	// not keep the run waiting on its backoff for good.
	if outcome == robots.Unreachable && c.robots.Failures(j.robotsFor) > c.cfg.MaxRetries &&
		c.robots.Lookup(j.robotsFor, retryAt.Add(-time.Nanosecond)).Rules == nil {
		ev.skip = KindRobots
	}
	c.log.Debug("robots.txt", "url", j.robots, "status", status, "outcome", outcome.String(), "disallow_all", rules.DisallowsAll())
}

func statusKind(status int) string {
	switch {
	case status >= 500:
		return Kind5xx
	case status >= 400:
		return Kind4xx
	case status >= 300:
		return KindRedirects
	default:
		return KindNetwork
	}
}

func statusLabel(status int) string {
	return fmt.Sprintf("%d", status)
}

// fetch gets one page through colly and takes it to the sink.
func (r *run) fetch(j job, ev *event) {
	c := r.c
	it := j.item
	hdr := http.Header{}
	hdr.Set("User-Agent", c.cfg.UserAgent)
	hdr.Set("Accept", "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8")
	oldETag, oldLM, _, seen, err := c.frontier.Seen(r.ctx, it.URL)
	if err != nil {
		if r.ctx.Err() != nil {
			ev.canceled = true
			return
		}
		ev.fatal = fmt.Errorf("crawler: seen %s: %w", it.URL, err)
		return
	}
	if seen {
		if oldETag != "" {
			hdr.Set("If-None-Match", oldETag)
		}
		if oldLM != "" {
			hdr.Set("If-Modified-Since", oldLM)
		}
	}
	cctx := colly.NewContext()
	cctx.Put(ctxMark, j.mark)
	start := time.Now()
	err = r.cc.Request(http.MethodGet, it.URL, nil, cctx, hdr)
	resp, _ := cctx.GetAny(ctxResponse).(*colly.Response)
	if resp == nil {
		if err == nil {
			err = errors.New("no response")
		}
		if sent, _ := cctx.GetAny(ctxSent).(bool); !sent && r.ctx.Err() == nil {
			c.log.Info("colly refused the URL", "url", it.URL, "err", errText(err))
			r.countErr(KindBadURL, 1)
			if err := c.frontier.FrontierDrop(r.ctx, it.ID, KindBadURL); err != nil {
				r.frontierErr(ev, it, err)
			}
			return
		}
		r.fetchFailed(j, ev, err)
		return
	}
	now := c.clock.Now()
	status := resp.StatusCode
	r.reportOutcome(it, status, "", false)
	host := c.metrics.host(j.key)
	c.metrics.fetches.WithLabelValues(host, statusLabel(status)).Inc()
	c.metrics.bytes.WithLabelValues(host).Add(float64(len(resp.Body)))
	c.log.Debug("fetched", "url", it.URL, "status", status, "bytes", len(resp.Body), "ms", time.Since(start).Milliseconds())

	switch {
	case status == http.StatusNotModified:
		etag, lm := resp.Headers.Get("ETag"), resp.Headers.Get("Last-Modified")
		if etag == "" {
			etag = oldETag
		}
		if lm == "" {
			lm = oldLM
		}
		if err := c.frontier.FrontierDone(r.ctx, it.ID, status, etag, lm, now); err != nil {
			r.frontierErr(ev, it, err)
			return
		}
		r.mu.Lock()
		r.sum.NotModified++
		r.mu.Unlock()
		ev.success = true
	case status >= 200 && status < 300:
		r.page(j, resp, now, ev)
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable ||
		status == http.StatusRequestTimeout || status >= 500:
		kind := statusKind(status)
		r.countErr(kind, 1)
		ev.transient = kind
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			ev.retryAfter, ev.hasRetry = RetryAfter(*resp.Headers, now)
		}
	default:
		kind := statusKind(status)
		r.countErr(kind, 1)
		c.log.Info("fetch failed", "url", it.URL, "status", status, "kind", kind)
		if err := c.frontier.FrontierDrop(r.ctx, it.ID, kind); err != nil {
			r.frontierErr(ev, it, err)
		}
	}
}

func (r *run) frontierErr(ev *event, it FrontierItem, err error) {
	if r.ctx.Err() != nil {
		ev.canceled = true
		return
	}
	ev.fatal = fmt.Errorf("crawler: frontier: %s: %w", it.URL, err)
}

// fetchFailed handles a fetch that got no response.
func (r *run) fetchFailed(j job, ev *event, err error) {
	c := r.c
	it := j.item
	if r.ctx.Err() != nil {
		ev.canceled = true
		return
	}
	var re *RedirectError
	if errors.As(err, &re) {
		r.redirected(j, ev, re)
		return
	}
	kind := errKind(err)
	c.metrics.fetches.WithLabelValues(c.metrics.host(j.key), kind).Inc()
	if transientKind(kind) {
		r.failed(it, 0, kind, err)
		ev.transient = kind
		return
	}
	switch {
	case kind == KindSSRF && hostRefused(err):
		ev.skip = KindSSRF // the host's own address is refused: skip the host
	case kind == KindDNS:
		ev.skip = KindDNS // so is every URL of a host whose name does not exist
	}
	if kind == KindRobots {
		r.mu.Lock()
		r.sum.RobotsDenied++
		r.mu.Unlock()
	}
	r.failedForGood(it, ev, 0, kind, err)
}

// failed reports and logs a fetch of it that failed with kind.
func (r *run) failed(it FrontierItem, status int, kind string, err error) {
	r.reportOutcome(it, status, kind, false)
	r.countErr(kind, 1)
	r.c.log.Info("fetch failed", "url", it.URL, "kind", kind, "err", errText(err))
}

// failedForGood reports a fetch of it that failed for good with kind, and
// takes it off the frontier.
func (r *run) failedForGood(it FrontierItem, ev *event, status int, kind string, err error) {
	r.failed(it, status, kind, err)
	if err := r.c.frontier.FrontierDrop(r.ctx, it.ID, kind); err != nil {
		r.frontierErr(ev, it, err)
	}
}

// redirected queues the target of a redirect as a request of its own, at
// the same depth, and finishes the item. The target carries the chain of
// URLs that led to it (MetaRedirectedFrom): a chain longer than
// MaxRedirects, or one that comes back to a URL already in it, ends in a
// redirects error instead.
func (r *run) redirected(j job, ev *event, re *RedirectError) {
	c := r.c
	it := j.item
	now := c.clock.Now()
	c.metrics.fetches.WithLabelValues(c.metrics.host(j.key), statusLabel(re.Status)).Inc()
	u, reason := canonicalURL(re.Target, nil, c.cfg.MaxURLLength, c.cfg.MaxSegmentRepeats)
	chain := append(strings.Fields(it.Meta[MetaRedirectedFrom]), it.URL)
	switch {
	case reason != "":
		c.log.Info("redirect target refused", "url", it.URL, "target", truncate(re.Target, maxLogText), "reason", reason)
	case len(chain) > c.cfg.MaxRedirects:
		r.failedForGood(it, ev, re.Status, KindRedirects, fmt.Errorf("%w: more than %d", ErrTooManyRedirects, c.cfg.MaxRedirects))
		return
	case slices.Contains(chain, u.String()):
		r.failedForGood(it, ev, re.Status, KindRedirects, fmt.Errorf("%w: back to %s", ErrRedirectLoop, u))
		return
	default:
		meta := maps.Clone(it.Meta)
		if meta == nil {
			meta = map[string]string{}
		}
		meta[MetaRedirectedFrom] = strings.Join(chain, " ")
		n, err := c.frontier.FrontierPush(r.ctx, r.id, []FrontierItem{{
			URL: u.String(), Kind: it.Kind, Meta: meta, Depth: it.Depth, Host: hostKey(u),
		}}, now, c.cfg.Freshness)
		if err != nil {
			r.frontierErr(ev, it, err)
			return
		}
		ev.pushed = n
	}
	if err := c.frontier.FrontierDone(r.ctx, it.ID, re.Status, "", "", now); err != nil {
		r.frontierErr(ev, it, err)
		return
	}
	ev.success = true
}

// mediaType is the lower-case media type of a Content-Type, "" when none.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// isMedia reports the media types no source reads: images, audio, video
// and fonts.
func isMedia(mt string) bool {
	major, _, _ := strings.Cut(mt, "/")
	switch major {
	case "image", "audio", "video", "font":
		return true
	}
	return false
}

// page decodes, parses and stores a 2xx response and queues its links.
func (r *run) page(j job, resp *colly.Response, now time.Time, ev *event) {
	c := r.c
	it := j.item
	header := resp.Headers.Clone()
	body, _ := toUTF8(resp.Body, header.Get("Content-Type"))
	final := resp.Request.URL
	if final == nil {
		final = j.u
	}
	page := &source.Page{URL: final, Status: resp.StatusCode, Header: header, Body: body, Meta: it.Meta, FetchedAt: now}
	var src source.Source
	if mt := mediaType(header.Get("Content-Type")); isMedia(mt) {
		// A server that says it sent an image, a sound, a video or a font
		// is taken at its word, whatever the bytes look like.
		c.log.Info("not a page: its Content-Type is "+mt, "url", final.String())
	} else {
		src = c.sourceFor(it, final, body)
	}
	etag, lm := header.Get("ETag"), header.Get("Last-Modified")
	if src == nil {
		r.countErr(KindNoSource, 1)
		c.log.Info("no source reads this page", "url", final.String())
	} else {
		res, perr := safeParse(src, page)
		c.addContactLinks(res) // contactlinks.go: a profile's link-in-bio and website pages
		if perr != nil {
			r.countErr(KindParse, 1)
			c.metrics.parseErrors.WithLabelValues(src.Name()).Inc()
			c.log.Info("parse", "url", final.String(), "source", src.Name(), "err", perr)
		}
		if res != nil {
			if err := c.sink.Put(r.ctx, page, res); err != nil {
				if r.ctx.Err() != nil {
					ev.canceled = true
					return
				}
				ev.fatal = fmt.Errorf("crawler: sink: %s: %w", final.String(), err)
				return
			}
			r.mu.Lock()
			r.sum.Posts += len(res.Posts)
			r.sum.OptedOut += len(res.OptedOut)
			r.mu.Unlock()
			n, err := r.pushNext(it, final, res.Next, now)
			if err != nil {
				r.frontierErr(ev, it, err)
				return
			}
			ev.pushed = n
		}
	}
	if err := c.frontier.FrontierDone(r.ctx, it.ID, resp.StatusCode, etag, lm, now); err != nil {
		r.frontierErr(ev, it, err)
		return
	}
	r.mu.Lock()
	r.sum.Pages++
	r.mu.Unlock()
	ev.success = true
}

// pushNext queues a page's next requests one level deeper, refusing traps.
func (r *run) pushNext(it FrontierItem, base *url.URL, next []source.Request, now time.Time) (int, error) {
	cfg := &r.c.cfg
	if len(next) == 0 {
		return 0, nil
	}
	depth := it.Depth + 1
	if depth > cfg.MaxDepth && !restartsDepth(next) {
		r.c.metrics.rejected.WithLabelValues(RejectDepth).Add(float64(len(next)))
		return 0, nil
	}
	items := make([]FrontierItem, 0, len(next))
	for _, n := range next {
		d := nextDepth(depth, n) // snowball.go: an admitted snowball profile starts again at 1
		if d > cfg.MaxDepth {
			r.c.metrics.rejected.WithLabelValues(RejectDepth).Inc()
			continue
		}
		u, reason := canonicalURL(n.URL, base, cfg.MaxURLLength, cfg.MaxSegmentRepeats)
		if reason != "" {
			r.c.metrics.rejected.WithLabelValues(reason).Inc()
			r.c.log.Debug("link refused", "from", it.URL, "url", truncate(n.URL, 200), "reason", reason)
			continue
		}
		items = append(items, FrontierItem{URL: u.String(), Kind: n.Kind, Meta: n.Meta, Depth: d, Host: hostKey(u)})
	}
	if len(items) == 0 {
		return 0, nil
	}
	return r.c.frontier.FrontierPush(r.ctx, r.id, items, now, cfg.Freshness)
}

// maxLogText bounds a URL or an error message in a log record: a server
// controls both (a 60 KB Location header ends up in the client's error).
const maxLogText = 1000

// errText is err's message for a log record, at most maxLogText bytes.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return truncate(err.Error(), maxLogText)
}

// truncate cuts s to at most n bytes, at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// sourceFor picks the source of a request: the one its Meta names, or the
// first whose Detect accepts the URL and body (body may be nil).
func (c *Crawler) sourceFor(it FrontierItem, u *url.URL, body []byte) source.Source {
	if name := it.Meta[MetaSource]; name != "" {
		if s := c.byName[name]; s != nil {
			return s
		}
	}
	for _, s := range c.sources {
		if safeDetect(s, u, body) {
			return s
		}
	}
	return nil
}

func safeDetect(s source.Source, u *url.URL, body []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return s.Detect(u, body)
}

// safeParse calls a source's Parse, turning a panic into an error: the
// page is hostile input and the source is someone else's code.
func safeParse(s source.Source, p *source.Page) (res *source.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, fmt.Errorf("%s: %s: parser panicked: %v", s.Name(), p.URL, v)
		}
	}()
	return s.Parse(p)
}
