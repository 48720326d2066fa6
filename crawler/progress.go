package crawler

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Progress is a snapshot of a running crawl, for a TTY progress line or a
// periodic log record.
type Progress struct {
	RunID        int64
	Elapsed      time.Duration
	Pages        int            // pages fetched and handed to the sink
	NotModified  int            // 304 responses
	PagesPerSec  float64        // (Pages+NotModified) / Elapsed
	Queue        int            // frontier items of the run not yet finished
	InFlight     int            // requests being fetched
	HostsWaiting int            // hosts with queued requests that must wait (rate, pause, robots)
	HostsPaused  int            // of those, hosts paused by Retry-After, backoff or robots.txt
	RobotsDenied int            // URLs robots.txt disallowed
	Errors       map[string]int // by kind
	Done         bool           // the last report of the run
}

// String renders one line: "12.0s pages 340 (28.3/s) 304s 2 queue 1200
// in-flight 8 hosts waiting 5 (paused 1) robots 3 errors http_5xx=2 timeout=1".
func (p Progress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.1fs pages %d (%.1f/s)", p.Elapsed.Seconds(), p.Pages, p.PagesPerSec)
	if p.NotModified > 0 {
		fmt.Fprintf(&b, " 304s %d", p.NotModified)
	}
	fmt.Fprintf(&b, " queue %d in-flight %d hosts waiting %d", p.Queue, p.InFlight, p.HostsWaiting)
	if p.HostsPaused > 0 {
		fmt.Fprintf(&b, " (paused %d)", p.HostsPaused)
	}
	if p.RobotsDenied > 0 {
		fmt.Fprintf(&b, " robots %d", p.RobotsDenied)
	}
	if len(p.Errors) > 0 {
		kinds := make([]string, 0, len(p.Errors))
		for k := range p.Errors {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		b.WriteString(" errors")
		for _, k := range kinds {
			fmt.Fprintf(&b, " %s=%d", k, p.Errors[k])
		}
	}
	return b.String()
}

// report sends a progress snapshot when one is due (or final), and updates
// the queue and in-flight gauges.
func (r *run) report(final bool) {
	if r.c.progress == nil && !r.c.metrics.registered {
		return
	}
	now := r.now()
	if !final && now.Before(r.nextReport) {
		return
	}
	every := r.c.progressEvery
	if every <= 0 {
		every = time.Second
	}
	r.nextReport = now.Add(every)
	pending, err := r.c.frontier.FrontierPending(r.ctx, r.id)
	if err != nil && final {
		pending, _ = r.c.frontier.FrontierPending(r.parent, r.id)
	}
	r.c.metrics.queueDepth.Set(float64(pending))
	r.c.metrics.inflight.Set(float64(r.inflight))
	if r.c.progress == nil {
		return
	}
	sum := r.summary()
	p := Progress{
		RunID:        r.id,
		Elapsed:      now.Sub(r.start),
		Pages:        sum.Pages,
		NotModified:  sum.NotModified,
		Queue:        pending,
		InFlight:     r.inflight,
		RobotsDenied: sum.RobotsDenied,
		Errors:       sum.Errors,
		Done:         final,
	}
	if s := p.Elapsed.Seconds(); s > 0 {
		p.PagesPerSec = float64(sum.Pages+sum.NotModified) / s
	}
	for _, h := range r.hosts {
		if len(h.queue) == 0 {
			continue
		}
		if now.Before(h.pausedUntil) {
			p.HostsPaused++
			p.HostsWaiting++
		} else if h.readyAt.After(now) || h.robotsFetching {
			p.HostsWaiting++
		}
	}
	r.c.progress(p)
}
