package crawler

import (
	"container/heap"
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
	"golang.org/x/time/rate"

	"github.com/creatorscout/creatorscout/crawler/robots"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// run is the state of one crawl. The dispatcher (the goroutine in run.run)
// owns the hosts, the ready heap, the buffer of leased items, the budgets
// and the quotas; workers only fetch, parse, store and report back.
//
// Scheduling: leased items wait in per-host queues. A host is in the ready
// heap, keyed by the time its next request may go, while it has queued
// items. The dispatcher hands a host's next item to a worker only when a
// worker is free AND the host's limiter has a token at that moment, so a
// request never waits on its host's limiter while holding a worker: waiting
// inside the slot starved the other hosts (COLLY_NOTES: "x/time/rate, burst
// 1, waited before taking a global slot" held 5.000 req/s per host).
type run struct {
	c      *Crawler
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	id     int64
	cc     *colly.Collector

	jobs   chan job
	events chan event
	wg     sync.WaitGroup

	hosts    map[string]*hostState // by origin
	ready    hostHeap
	buffered int
	held     map[int64]bool // items leased and not yet reported
	inflight int

	bufCap     int
	leaseNow   bool
	nextPoll   time.Time
	lastLease  time.Time
	nextSweep  time.Time
	idleSince  time.Time
	deferred   map[int64]time.Time // items this run handed back, by the time they come due
	dispatched int
	hostPages  map[string]int // requests per host key this run
	budgetDone bool
	skipped    map[string]string // origin -> reason
	// robotsLoaded: origins whose robots.txt this run looked up in the
	// StateStore.
	robotsLoaded map[string]bool
	quotas       map[string]*quotaTracker
	start        time.Time
	nextReport   time.Time

	fatal error

	mu  sync.Mutex // guards sum
	sum creator.RunSummary
}

type hostState struct {
	origin    string // scheme://host:port, the robots.txt key
	key       string // host:port, the politeness key
	robotsURL string
	pace      *pacer
	base      HostRule
	queue     []queued

	inflight       int
	pausedUntil    time.Time
	failures       int // consecutive transient failures
	robotsFetching bool
	// robotsHops: redirects of robots.txt fetches (this origin's or
	// another's) that lead to this host. Each waits for a slot of this
	// host's pacer like any other request.
	robotsHops []job
	delayFrom  *robots.Rules // the rules whose Crawl-delay is applied
	lastActive time.Time

	heapIdx int
	readyAt time.Time
}

type queued struct {
	item FrontierItem
	u    *url.URL
}

type jobKind int

const (
	jobFetch jobKind = iota
	jobRobots
)

type job struct {
	kind   jobKind
	item   FrontierItem
	u      *url.URL
	origin string
	key    string
	robots string    // robots.txt URL (of this hop, for a redirected one)
	mark   *paceMark // stamped when the response arrives (pace.go)
	// robotsFor is the origin whose robots.txt a robots job fetches; it
	// differs from origin (the host asked) after a redirect to another
	// origin. hops counts the redirects followed so far.
	robotsFor string
	hops      int
}

type event struct {
	kind   jobKind
	origin string
	item   FrontierItem
	mark   *paceMark

	success    bool   // resets the host's failure count
	transient  string // error kind of a failure worth retrying
	retryAfter time.Duration
	hasRetry   bool
	canceled   bool   // the run ended under the request; hand the item back
	pushed     int    // new frontier items
	skip       string // skip the host for the run: KindSSRF (its address refused), KindDNS (its name does not exist)
	fatal      error

	robotsFor string   // of a robots job: whose robots.txt
	redirect  *url.URL // of a robots job: the next hop, not yet fetched
	hops      int      // redirects followed to reach redirect
}

func newRun(ctx context.Context, c *Crawler, id int64) *run {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	p := c.cfg.Parallelism
	r := &run{
		c:            c,
		parent:       parent,
		ctx:          ctx,
		cancel:       cancel,
		id:           id,
		jobs:         make(chan job, p),
		events:       make(chan event, p),
		hosts:        map[string]*hostState{},
		held:         map[int64]bool{},
		bufCap:       max(256, 16*p),
		leaseNow:     true,
		deferred:     map[int64]time.Time{},
		hostPages:    map[string]int{},
		skipped:      map[string]string{},
		robotsLoaded: map[string]bool{},
		quotas:       map[string]*quotaTracker{},
		sum:          creator.RunSummary{Errors: map[string]int{}},
	}
	for name, q := range c.cfg.Quotas {
		r.quotas[name] = &quotaTracker{q: q}
	}
	r.cc = r.newCollector()
	return r
}

func (r *run) now() time.Time { return r.c.clock.Now() }

func (r *run) countErr(kind string, n int) {
	if n <= 0 {
		return
	}
	r.mu.Lock()
	r.sum.Errors[kind] += n
	r.mu.Unlock()
	r.c.metrics.errors.WithLabelValues(kind).Add(float64(n))
}

func (r *run) summary() creator.RunSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sum
	s.Errors = make(map[string]int, len(r.sum.Errors))
	for k, v := range r.sum.Errors {
		s.Errors[k] = v
	}
	s.HostsSkipped = append([]string(nil), r.sum.HostsSkipped...)
	sort.Strings(s.HostsSkipped)
	return s
}

func (r *run) run(seeds []source.Request) (creator.RunSummary, error) {
	r.start = r.now()
	r.nextReport = r.start
	if err := r.pushSeeds(seeds); err != nil {
		return r.summary(), err
	}
	for i := 0; i < r.c.cfg.Parallelism; i++ {
		r.wg.Add(1)
		go r.worker()
	}
	r.loop()
	r.shutdown()
	r.report(true)
	sum := r.summary()
	switch {
	case r.fatal != nil:
		return sum, r.fatal
	case r.parent.Err() != nil:
		return sum, fmt.Errorf("crawler: run %d canceled: %w", r.id, r.parent.Err())
	}
	return sum, nil
}

func (r *run) pushSeeds(seeds []source.Request) error {
	if len(seeds) == 0 {
		return nil
	}
	now := r.now()
	var items []FrontierItem
	for _, s := range seeds {
		u, reason := canonicalURL(s.URL, nil, r.c.cfg.MaxURLLength, r.c.cfg.MaxSegmentRepeats)
		if reason != "" {
			return fmt.Errorf("crawler: seed %q refused: %s", s.URL, reason)
		}
		items = append(items, FrontierItem{URL: u.String(), Kind: s.Kind, Meta: s.Meta, Depth: 0, Host: hostKey(u)})
	}
	n, err := r.c.frontier.FrontierPush(r.ctx, r.id, items, now, r.c.cfg.Freshness)
	if err != nil {
		return fmt.Errorf("crawler: push seeds: %w", err)
	}
	if n < len(items) {
		// Say so: a run asked for a URL and fetching nothing is otherwise a
		// mystery.
		r.c.log.Info("seeds not queued: already queued in this run, or fetched within the freshness window",
			"seeds", len(items), "queued", n, "freshness", r.c.cfg.Freshness)
	}
	return nil
}

// loop is the dispatcher.
func (r *run) loop() {
	for r.ctx.Err() == nil && r.fatal == nil {
		now := r.now()
		r.sweep(now)
		if err := r.lease(now); err != nil {
			r.fail(err)
			break
		}
		r.dispatch()
		if r.inflight == 0 && r.buffered > 0 && len(r.ready) == 0 && !r.budgetDone {
			// Cannot happen if the invariants hold; never hang on it.
			r.c.log.Error("dispatcher: buffered items with no ready host; rescheduling", "buffered", r.buffered)
			for _, h := range r.hosts {
				r.wake(h, now)
			}
			continue
		}
		r.report(false)
		wake := time.Time{}
		if r.inflight == 0 && (r.buffered == 0 || r.budgetDone) {
			done, w, err := r.idle(now)
			if err != nil {
				r.fail(err)
				break
			}
			if done {
				break
			}
			wake = w
		} else {
			r.idleSince = time.Time{}
		}
		wake = r.nextWake(now, wake)
		var timer Timer
		var tc <-chan time.Time
		if !wake.IsZero() {
			timer = r.c.clock.NewTimer(max(wake.Sub(now), 0))
			tc = timer.C()
			if r.c.waitHook != nil && r.inflight == 0 {
				r.c.waitHook(wake)
			}
		}
		select {
		case ev := <-r.events:
			r.handle(ev)
			for drained := false; !drained; {
				select {
				case ev := <-r.events:
					r.handle(ev)
				default:
					drained = true
				}
			}
		case <-tc:
		case <-r.ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

func (r *run) fail(err error) {
	if r.fatal == nil {
		r.fatal = err
		r.c.log.Error("crawl stopped", "run", r.id, "err", err)
	}
	r.cancel()
}

// nextWake is the earliest of: the next ready host, the next frontier
// poll (while the buffer has room), the next progress report, and w.
func (r *run) nextWake(now time.Time, w time.Time) time.Time {
	earliest := func(t time.Time) {
		if !t.IsZero() && (w.IsZero() || t.Before(w)) {
			w = t
		}
	}
	if r.inflight < r.c.cfg.Parallelism && len(r.ready) > 0 && !r.budgetDone {
		earliest(r.ready[0].readyAt)
	}
	if !r.budgetDone && r.buffered <= r.bufCap/2 && r.inflight > 0 {
		earliest(r.nextPoll)
	}
	if r.c.progress != nil || r.c.metrics.registered {
		earliest(r.nextReport)
	}
	return w
}

const pollEvery = time.Second

// lease refills the buffer from the frontier.
func (r *run) lease(now time.Time) error {
	if r.budgetDone || r.buffered > r.bufCap/2 {
		return nil
	}
	if !r.leaseNow && now.Before(r.nextPoll) {
		return nil
	}
	want := r.bufCap - r.buffered
	items, err := r.c.frontier.FrontierLease(r.ctx, r.id, want, now, r.c.cfg.LeaseDuration)
	if err != nil {
		if r.ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("crawler: lease: %w", err)
	}
	r.leaseNow = len(items) == want
	r.nextPoll = now.Add(pollEvery)
	r.lastLease = now
	for _, it := range items {
		if r.held[it.ID] {
			continue // our own lease expired and came back; we still hold it
		}
		delete(r.deferred, it.ID)
		if err := r.enqueue(it, now); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) enqueue(it FrontierItem, now time.Time) error {
	u, err := url.Parse(it.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.countErr(KindBadURL, 1)
		return r.drop(it, KindBadURL)
	}
	h := r.host(u, now)
	if reason, ok := r.skipped[h.origin]; ok {
		if reason == KindSSRF {
			r.countErr(KindSSRF, 1)
		}
		return r.drop(it, reason)
	}
	r.held[it.ID] = true
	r.buffered++
	h.queue = append(h.queue, queued{item: it, u: u})
	if h.heapIdx < 0 {
		r.schedule(h, now)
	}
	return nil
}

// host returns the state of u's origin, creating it.
func (r *run) host(u *url.URL, now time.Time) *hostState {
	origin := originKey(u)
	if h := r.hosts[origin]; h != nil {
		return h
	}
	key := hostKey(u)
	rule := r.c.rule(u.Hostname(), key)
	h := &hostState{
		origin:     origin,
		key:        key,
		robotsURL:  u.Scheme + "://" + u.Host + "/robots.txt",
		pace:       newPacer(rule.Rate, rule.Burst),
		base:       rule,
		heapIdx:    -1,
		lastActive: now,
	}
	r.c.hostMu.Lock()
	if m, ok := r.c.hostMem[origin]; ok {
		h.pausedUntil, h.failures = m.until, m.failures
	}
	r.c.hostMu.Unlock()
	r.hosts[origin] = h
	return h
}

// remember keeps h's pause and failure count on the Crawler, so the next
// run on it does not knock on a host that asked to be left alone.
func (r *run) remember(h *hostState) {
	r.c.hostMu.Lock()
	defer r.c.hostMu.Unlock()
	if h.failures == 0 && !h.pausedUntil.After(r.now()) {
		delete(r.c.hostMem, h.origin)
		return
	}
	r.c.hostMem[h.origin] = hostMemory{until: h.pausedUntil, failures: h.failures}
}

func (r *run) schedule(h *hostState, at time.Time) {
	h.readyAt = at
	if h.heapIdx >= 0 {
		heap.Fix(&r.ready, h.heapIdx)
	} else {
		heap.Push(&r.ready, h)
	}
}

// dispatch services the hosts whose time has come. It reads the clock for
// each host rather than using the loop's now: the lease before it may have
// taken a while, and a pacer told a time in the past would let the next
// request go early by as much.
func (r *run) dispatch() {
	for !r.budgetDone && r.inflight < r.c.cfg.Parallelism && len(r.ready) > 0 {
		now := r.now()
		if r.ready[0].readyAt.After(now) {
			return
		}
		h := heap.Pop(&r.ready).(*hostState)
		if err := r.service(h, now); err != nil {
			r.fail(err)
			return
		}
	}
}

// service looks at a host whose time has come: it fetches robots.txt,
// drops what robots.txt or the budgets forbid, defers what the quota
// forbids, or hands one request to a worker. It puts the host back in the
// heap when it still has work it can do without waiting for an event.
func (r *run) service(h *hostState, now time.Time) error {
	cfg := &r.c.cfg
	if h.inflight >= h.base.MaxConns || (h.robotsFetching && len(h.robotsHops) == 0) {
		return nil // a finishing request puts it back
	}
	if now.Before(h.pausedUntil) {
		return r.pause(h, h.pausedUntil, now, "paused")
	}
	if len(h.robotsHops) > 0 {
		// A redirected robots.txt fetch goes first: some host's whole
		// queue waits for it. It is paced here, as this host's request.
		if !r.paced(h, now) {
			return nil
		}
		j := h.robotsHops[0]
		h.robotsHops[0] = job{}
		h.robotsHops = h.robotsHops[1:]
		j.origin, j.key, j.mark = h.origin, h.key, h.pace.take()
		r.start1(h, j)
		if (len(h.robotsHops) > 0 || len(h.queue) > 0) && h.inflight < h.base.MaxConns {
			if at, ok := h.pace.ready(now); ok {
				r.schedule(h, at)
			}
		}
		return nil
	}
	if h.robotsFetching {
		return nil
	}
	if reason, ok := r.skipped[h.origin]; ok {
		return r.dropQueue(h, reason)
	}
	var rules *robots.Rules
	if cfg.RespectRobots {
		st := r.c.robots.Lookup(h.origin, now)
		switch {
		case st.Fetch && r.needRobotsLoad(h):
			// An earlier process may have left a copy (state.go).
			h.robotsFetching = true
			r.start1(h, job{kind: jobRobotsLoad, origin: h.origin, key: h.key, robots: h.robotsURL, robotsFor: h.origin})
			return nil
		case st.Fetch:
			if !r.paced(h, now) {
				return nil
			}
			h.robotsFetching = true
			r.start1(h, job{kind: jobRobots, origin: h.origin, key: h.key, robots: h.robotsURL, robotsFor: h.origin, mark: h.pace.take()})
			return nil
		case !st.BlockedUntil.IsZero():
			return r.pause(h, st.BlockedUntil, now, "robots_unreachable")
		}
		if over, err := r.applyCrawlDelay(h, st.Rules, now); over || err != nil {
			return err
		}
		rules = st.Rules
	}
	for len(h.queue) > 0 {
		q := h.queue[0]
		if cfg.RespectRobots && !rules.Allowed(r.c.agent, pathQuery(q.u)) {
			r.popHead(h)
			r.mu.Lock()
			r.sum.RobotsDenied++
			r.mu.Unlock()
			r.c.metrics.robotsDenials.WithLabelValues(r.c.metrics.host(h.key)).Inc()
			r.c.log.Debug("robots.txt disallows", "url", q.item.URL)
			if err := r.drop(q.item, DropRobots); err != nil {
				return err
			}
			continue
		}
		if cfg.MaxPagesPerHost > 0 && r.hostPages[h.key] >= cfg.MaxPagesPerHost {
			r.c.log.Info("host page budget spent", "host", h.key, "budget", cfg.MaxPagesPerHost)
			return r.dropQueue(h, DropHostBudget)
		}
		if cfg.MaxPages > 0 && r.dispatched >= cfg.MaxPages {
			r.budgetDone = true
			r.c.log.Info("run page budget spent", "run", r.id, "budget", cfg.MaxPages)
			r.schedule(h, now)
			return nil
		}
		src := r.c.sourceFor(q.item, q.u, nil)
		var qt *quotaTracker
		cost := 1
		if src != nil {
			qt = r.quotas[src.Name()]
		}
		if qt != nil {
			if v, err := strconv.Atoi(q.item.Meta[MetaQuotaCost]); err == nil && v > 0 {
				cost = v
			}
			ok, at, never := qt.fits(now, cost)
			if never {
				r.popHead(h)
				r.countErr(KindQuota, 1)
				r.c.log.Warn("request costs more than its source's whole quota", "url", q.item.URL, "cost", cost, "quota", qt.q.Units)
				if err := r.drop(q.item, KindQuota); err != nil {
					return err
				}
				continue
			}
			if !ok {
				r.popHead(h)
				r.countErr(KindQuota, 1)
				r.c.log.Debug("quota spent; deferred", "url", q.item.URL, "source", src.Name(), "until", at)
				if err := r.handBack(q.item, at, DeferredKind); err != nil {
					return err
				}
				continue
			}
		}
		if !r.paced(h, now) {
			return nil
		}
		if qt != nil {
			qt.take(now, cost)
		}
		r.popHead(h)
		r.dispatched++
		r.hostPages[h.key]++
		r.start1(h, job{kind: jobFetch, item: q.item, u: q.u, origin: h.origin, key: h.key, mark: h.pace.take()})
		if len(h.queue) > 0 && h.inflight < h.base.MaxConns {
			// Reserve the next slot now, so that waking late for it does
			// not move every later one.
			if at, ok := h.pace.ready(now); ok {
				r.schedule(h, at)
			}
		}
		return nil
	}
	return nil
}

// paced reports whether h's pacer lets a request go now. When it does not,
// h is put back in the heap for when it will, or left out of it until the
// report of a request in flight (handle puts it back).
func (r *run) paced(h *hostState, now time.Time) bool {
	at, ok := h.pace.ready(now)
	switch {
	case !ok:
		return false
	case at.After(now):
		r.schedule(h, at)
		return false
	}
	return true
}

// popHead takes the first item off h's queue and out of the buffer.
func (r *run) popHead(h *hostState) {
	h.queue[0] = queued{}
	h.queue = h.queue[1:]
	r.buffered--
}

// start1 hands a job to a worker. The jobs channel has room for every
// worker, and inflight never exceeds Parallelism, so this never blocks.
func (r *run) start1(h *hostState, j job) {
	h.inflight++
	r.inflight++
	h.lastActive = r.now()
	r.jobs <- j
}

// applyCrawlDelay slows h to its robots.txt Crawl-delay, or skips the host
// when the delay is over the cap.
func (r *run) applyCrawlDelay(h *hostState, rules *robots.Rules, now time.Time) (skipped bool, err error) {
	if rules == nil || h.delayFrom == rules {
		return false, nil
	}
	h.delayFrom = rules
	d, ok := rules.CrawlDelay(r.c.agent)
	if ok && d > r.c.cfg.CrawlDelayCap {
		r.skipped[h.origin] = DropCrawlDelay
		r.mu.Lock()
		r.sum.HostsSkipped = append(r.sum.HostsSkipped, h.key)
		r.mu.Unlock()
		r.c.log.Warn("host skipped: Crawl-delay over the cap", "host", h.key, "crawl_delay", d, "cap", r.c.cfg.CrawlDelayCap)
		return true, r.dropQueue(h, DropCrawlDelay)
	}
	lim, burst := h.base.Rate, h.base.Burst
	if ok && d > 0 {
		lim = min(lim, float64(rate.Every(d)))
		burst = 1
	}
	h.pace.set(now, lim, burst)
	return false, nil
}

// pause stops h until until. Its queued items stay in the buffer when the
// pause is short; when it is longer than half a lease they go back to the
// frontier, so that they neither outlive their lease here nor fill the
// buffer other hosts need.
func (r *run) pause(h *hostState, until, now time.Time, why string) error {
	if until.After(h.pausedUntil) {
		h.pausedUntil = until
	}
	r.remember(h)
	if h.pausedUntil.Sub(now) <= r.c.cfg.LeaseDuration/2 {
		if len(h.queue)+len(h.robotsHops) > 0 {
			r.schedule(h, h.pausedUntil)
		}
		return nil
	}
	// Redirected robots.txt fetches that lead here cannot wait that long:
	// each origin they serve counts its robots.txt as unreachable until
	// the pause ends (RFC 9309 §2.3.1.4: disallow all, retry later).
	for _, j := range h.robotsHops {
		r.robotsHopFailed(j, h, now)
	}
	h.robotsHops = nil
	r.c.log.Info("host paused; its queue goes back to the frontier", "host", h.key, "until", h.pausedUntil, "why", why, "items", len(h.queue))
	for len(h.queue) > 0 {
		q := h.queue[0]
		r.popHead(h)
		delete(r.held, q.item.ID)
		if err := r.handBack(q.item, h.pausedUntil, DeferredKind); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) dropQueue(h *hostState, reason string) error {
	n := len(h.queue)
	for len(h.queue) > 0 {
		q := h.queue[0]
		r.popHead(h)
		delete(r.held, q.item.ID)
		if err := r.drop(q.item, reason); err != nil {
			return err
		}
	}
	if reason == KindSSRF {
		r.countErr(KindSSRF, n)
	}
	return nil
}

// drop finishes an item unfetched. Items that are still buffered must be
// popped by the caller first.
func (r *run) drop(it FrontierItem, reason string) error {
	delete(r.held, it.ID)
	if err := r.c.frontier.FrontierDrop(r.ctx, it.ID, reason); err != nil && r.ctx.Err() == nil {
		return fmt.Errorf("crawler: drop %s: %w", it.URL, err)
	}
	return nil
}

// handBack returns an item to the frontier until at, remembering when it
// comes due so an idle run knows how long to wait.
func (r *run) handBack(it FrontierItem, at time.Time, kind string) error {
	delete(r.held, it.ID)
	if err := r.c.frontier.FrontierRetry(r.ctx, it.ID, at, kind); err != nil && r.ctx.Err() == nil {
		return fmt.Errorf("crawler: defer %s: %w", it.URL, err)
	}
	r.deferred[it.ID] = at
	return nil
}

// handle applies a worker's report.
func (r *run) handle(ev event) {
	now := r.now()
	h := r.hosts[ev.origin]
	h.inflight--
	r.inflight--
	if ev.mark != nil {
		ev.mark.done = now // bounds its arrival if it was never answered
	}
	h.lastActive = now
	if ev.kind == jobFetch {
		delete(r.held, ev.item.ID)
	} else if owner := r.robotsOwner(ev, h, now); owner != h {
		// A hop of another origin's robots.txt: this host only served it.
		if owner != nil && ev.skip != "" {
			r.skipHost(owner, ev.skip, "its robots.txt redirects to "+h.key)
		}
		r.wake(h, now)
		return
	}
	if ev.kind == jobRobotsLoad {
		r.robotsLoaded[h.origin] = true
	}
	if ev.fatal != nil {
		r.fail(ev.fatal)
		return
	}
	if ev.pushed > 0 {
		r.leaseNow = true
	}
	switch {
	case ev.skip != "":
		r.skipHost(h, ev.skip, "")
	case ev.canceled:
		if ev.kind == jobFetch {
			r.finishCanceled(ev.item, now)
		}
	case ev.transient != "":
		h.failures++
		d, ok := ev.retryAfter, ev.hasRetry
		reason := "retry_after"
		if !ok {
			d = Backoff(r.c.cfg.BackoffBase, r.c.cfg.BackoffMax, h.failures-1, r.c.jitter())
			reason = "backoff"
		}
		r.c.metrics.backoffs.WithLabelValues(r.c.metrics.host(h.key), reason).Inc()
		until := now.Add(d)
		r.c.log.Info("host backs off", "host", h.key, "kind", ev.transient, "for", d, "why", reason, "failures", h.failures)
		if ev.kind == jobFetch {
			it := ev.item
			if it.Attempts >= r.c.cfg.MaxRetries {
				r.c.log.Warn("giving up", "url", it.URL, "kind", ev.transient, "attempts", it.Attempts+1)
				if err := r.drop(it, ev.transient); err != nil {
					r.fail(err)
					return
				}
			} else {
				// The server's Retry-After is the time; otherwise the later
				// of the host's and the URL's own backoff.
				at := now.Add(d)
				if !ok {
					at = now.Add(max(d, Backoff(r.c.cfg.BackoffBase, r.c.cfg.BackoffMax, it.Attempts, r.c.jitter())))
				}
				if err := r.handBack(it, at, ev.transient); err != nil {
					r.fail(err)
					return
				}
			}
		}
		if err := r.pause(h, until, now, ev.transient); err != nil {
			r.fail(err)
			return
		}
	case ev.success:
		if h.failures > 0 {
			h.failures = 0
			r.remember(h)
		}
	}
	r.wake(h, now)
}

// robotsOwner settles the robots.txt part of ev, a robots job's report from
// host h, and returns the host whose robots.txt it was (nil if that host
// is gone). When the answer was a redirect, the next hop is queued on its
// target's host, to go when that host's pacer lets it, and the owner stays
// fetching; otherwise the owner's fetch is over.
func (r *run) robotsOwner(ev event, h *hostState, now time.Time) *hostState {
	owner := h
	if ev.robotsFor != "" && ev.robotsFor != h.origin {
		owner = r.hosts[ev.robotsFor]
	}
	if ev.redirect != nil { // set only on an answer: never with canceled or fatal
		th := r.host(ev.redirect, now)
		th.robotsHops = append(th.robotsHops, job{kind: jobRobots, robots: ev.redirect.String(), robotsFor: ev.robotsFor, hops: ev.hops})
		th.lastActive = now
		if th.heapIdx < 0 {
			r.schedule(th, now)
		}
		return owner
	}
	if owner != nil {
		r.robotsDone(owner, now)
	}
	return owner
}

// robotsDone ends owner's robots.txt fetch and looks at its queue again.
func (r *run) robotsDone(owner *hostState, now time.Time) {
	owner.robotsFetching = false
	r.wake(owner, now)
}

// wake puts h in the ready heap at now when it has work waiting (queued
// items or robots.txt hops) and is not there yet.
func (r *run) wake(h *hostState, now time.Time) {
	if len(h.queue)+len(h.robotsHops) > 0 && h.heapIdx < 0 {
		r.schedule(h, now)
	}
}

// robotsHopFailed ends a redirected robots.txt fetch whose next hop, j,
// cannot go to host h before h's pause ends: j's origin has its robots.txt
// unreachable until then.
func (r *run) robotsHopFailed(j job, h *hostState, now time.Time) {
	r.c.robots.Store(j.robotsFor, now, robots.Unreachable, nil, h.pausedUntil)
	r.countErr(KindRobots, 1)
	r.reportOutcome(FrontierItem{URL: j.robots}, 0, KindRobots, true)
	r.c.log.Warn("robots.txt redirects to a paused host; its origin waits", "url", j.robots, "for", j.robotsFor, "until", h.pausedUntil)
	if owner := r.hosts[j.robotsFor]; owner != nil {
		r.robotsDone(owner, now)
	}
}

// skipHost skips a host for the run: the SSRF guard refused its address
// (KindSSRF), its name does not exist (KindDNS) or its robots.txt stayed
// unreachable through every retry (KindRobots), or those of the host its
// robots.txt redirects to (via says so). Its queued items are dropped
// with that kind as they come up.
func (r *run) skipHost(h *hostState, kind, via string) {
	if _, done := r.skipped[h.origin]; done {
		return
	}
	r.skipped[h.origin] = kind
	r.mu.Lock()
	r.sum.HostsSkipped = append(r.sum.HostsSkipped, h.key)
	r.mu.Unlock()
	switch {
	case via != "":
		r.c.log.Warn("host skipped: "+via+", which cannot be fetched", "host", h.key, "kind", kind)
	case kind == KindRobots:
		r.c.log.Warn("host skipped: its robots.txt could not be fetched in MaxRetries+1 tries", "host", h.key, "tries", r.c.cfg.MaxRetries+1)
	case kind == KindDNS:
		r.c.log.Warn("host skipped: its name does not exist", "host", h.key)
	default:
		r.c.log.Warn("host refused by the SSRF guard", "host", h.key)
	}
}

// finishCanceled hands back an item whose fetch the end of the run cut.
func (r *run) finishCanceled(it FrontierItem, now time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 5*time.Second)
	defer cancel()
	if err := r.c.frontier.FrontierRetry(ctx, it.ID, now, DeferredKind); err != nil {
		r.c.log.Warn("could not hand back an item; its lease will expire", "url", it.URL, "err", err)
	}
}

// idle decides what an idle dispatcher does: finish, or wait until w.
func (r *run) idle(now time.Time) (done bool, w time.Time, err error) {
	if r.budgetDone {
		return true, time.Time{}, nil
	}
	pending, err := r.c.frontier.FrontierPending(r.ctx, r.id)
	if err != nil {
		if r.ctx.Err() != nil {
			return true, time.Time{}, nil
		}
		return false, time.Time{}, fmt.Errorf("crawler: pending: %w", err)
	}
	if pending == 0 {
		return true, time.Time{}, nil
	}
	if fn, ok := r.c.frontier.(FrontierNexter); ok {
		next, ok, err := fn.FrontierNext(r.ctx, r.id)
		if err != nil {
			if r.ctx.Err() != nil {
				return true, time.Time{}, nil
			}
			return false, time.Time{}, fmt.Errorf("crawler: next: %w", err)
		}
		switch {
		case !ok:
			return true, time.Time{}, nil
		case !next.After(now):
			// Due. Lease now, unless a lease at this very moment found
			// nothing (another process holds it); then poll.
			if r.lastLease.Equal(now) {
				r.nextPoll = now.Add(pollEvery)
				return false, r.nextPoll, nil
			}
			r.leaseNow = true
			return false, now, nil
		case next.Sub(now) > r.c.cfg.MaxIdleWait:
			r.c.log.Info("run ends with deferred requests left for a later run", "run", r.id, "pending", pending, "next_due", next)
			return true, time.Time{}, nil
		}
		r.nextPoll = next
		return false, next, nil
	}
	var earliest time.Time
	known := 0
	for id, at := range r.deferred {
		if !at.After(now) {
			// Due but not leased: someone else has it, or the frontier
			// delays it. Treat it as unknown.
			delete(r.deferred, id)
			continue
		}
		known++
		if earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	if known >= pending {
		if earliest.Sub(now) > r.c.cfg.MaxIdleWait {
			r.c.log.Info("run ends with deferred requests left for a later run", "run", r.id, "pending", pending, "next_due", earliest)
			return true, time.Time{}, nil
		}
		r.nextPoll = minTime(r.nextPoll, earliest)
		return false, earliest, nil
	}
	// Some pending items are not ours to time: leased by another process,
	// or deferred before this run started. Poll for them, up to MaxIdleWait.
	if r.idleSince.IsZero() {
		r.idleSince = now
	}
	giveUp := r.idleSince.Add(r.c.cfg.MaxIdleWait)
	if !now.Before(giveUp) {
		r.c.log.Info("run ends with requests still pending", "run", r.id, "pending", pending)
		return true, time.Time{}, nil
	}
	w = minTime(now.Add(pollEvery), giveUp)
	if !earliest.IsZero() {
		w = minTime(w, earliest)
	}
	r.nextPoll = minTime(r.nextPoll, w)
	return false, w, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// sweep forgets idle hosts (and their limiters) and old robots.txt entries.
func (r *run) sweep(now time.Time) {
	if now.Before(r.nextSweep) {
		return
	}
	r.nextSweep = now.Add(time.Minute)
	for k, h := range r.hosts {
		if len(h.queue) == 0 && len(h.robotsHops) == 0 && h.inflight == 0 && h.heapIdx < 0 && !h.robotsFetching &&
			!now.Before(h.pausedUntil) && now.Sub(h.lastActive) > r.c.cfg.IdleHostTTL {
			delete(r.hosts, k)
		}
	}
	r.c.robots.Evict(now)
	r.c.hostMu.Lock()
	for k, m := range r.c.hostMem {
		if now.Sub(m.until) > r.c.cfg.BackoffMax {
			delete(r.c.hostMem, k)
		}
	}
	r.c.hostMu.Unlock()
}

// shutdown hands back what is still buffered, stops the workers and
// applies their last reports.
func (r *run) shutdown() {
	now := r.now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Second)
	defer cancel()
	for _, h := range r.hosts {
		for _, q := range h.queue {
			if err := r.c.frontier.FrontierRetry(ctx, q.item.ID, now, DeferredKind); err != nil {
				r.c.log.Warn("could not hand back an item; its lease will expire", "url", q.item.URL, "err", err)
			}
		}
		r.buffered -= len(h.queue)
		h.queue = nil
	}
	close(r.jobs)
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	for {
		select {
		case ev := <-r.events:
			r.handle(ev)
		case <-done:
			for {
				select {
				case ev := <-r.events:
					r.handle(ev)
				default:
					return
				}
			}
		}
	}
}

// hostHeap orders hosts by readyAt.
type hostHeap []*hostState

func (h hostHeap) Len() int           { return len(h) }
func (h hostHeap) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h hostHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}
func (h *hostHeap) Push(x any) {
	hs := x.(*hostState)
	hs.heapIdx = len(*h)
	*h = append(*h, hs)
}
func (h *hostHeap) Pop() any {
	old := *h
	hs := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	hs.heapIdx = -1
	return hs
}
