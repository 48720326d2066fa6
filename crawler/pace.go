package crawler

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// PaceWindow is the window of the per-host burst promise: a host limited to
// Rate requests per second never receives more than ceil(Rate) requests (at
// least one) in any PaceWindow, counted by when they reach it.
const PaceWindow = time.Second

// pacer spaces the requests of one host. The dispatcher owns it; workers
// only stamp the marks it hands out.
//
// The promise: a host at Rate req/s never receives more than n = ceil(Rate)
// (at least 1) requests in any PaceWindow, however its Burst is set and
// however late the dispatcher runs, and a busy host gets close to its
// Rate. Two rules, both must allow a request:
//
//   - A token bucket (x/time/rate at Rate, with the host's Burst but at
//     most n), consulted by reservation: the next request's slot is reserved
//     when the previous one goes, so a dispatcher that wakes late sends late
//     but keeps the slot time, and the lateness (up to one interval per
//     token of burst) is made up by the next request instead of being
//     carried into every later one. Asking AllowN at wake-up time instead
//     loses each wake-up's lateness: a burst-1 limiter at 5 req/s woken
//     20 ms late gives 4.55 req/s.
//   - A sliding window that holds whatever the network and the scheduler
//     do: no request goes before PaceWindow has passed since the n-th latest
//     request was answered. The worker stamps a request's mark when its
//     response headers arrive (or the dispatcher, when the request ends
//     without any); the server saw the request before it answered, and sees
//     the next one after it is sent, so no PaceWindow at the server holds
//     n+1 requests. A request neither answered nor ended holds the host back
//     until its report comes in. The cost is the time from sending a
//     request to its answer, once per n requests: at 5 req/s and a 5 ms
//     answer, 0.5% of the rate. Counting send times instead left the
//     server's own scheduling jitter uncovered (6 requests in a second now
//     and then on a loaded machine).
type pacer struct {
	lim  *rate.Limiter
	n    int         // window cap
	slot time.Time   // reserved send time of the next request; zero when none is reserved
	reqs []*paceMark // the requests that may still count in a window, in dispatch order

	scratch []time.Time
}

// paceMark bounds when one request reached its host. A worker stamps it
// when the response headers arrive; the dispatcher marks it done when the
// request's report comes in.
type paceMark struct {
	answered atomic.Int64 // Unix ns; 0 until the response headers arrive
	done     time.Time    // dispatcher only: when the report came in
}

// stamp records when the response arrived; only the first call counts.
func (m *paceMark) stamp(t time.Time) {
	if m != nil {
		m.answered.CompareAndSwap(0, t.UnixNano())
	}
}

// reached is the latest the request can have reached its host: when it
// was answered, or when it ended. ok is false while it is neither.
func (m *paceMark) reached() (time.Time, bool) {
	if ns := m.answered.Load(); ns != 0 {
		return time.Unix(0, ns), true
	}
	return m.done, !m.done.IsZero()
}

// windowCap is the most requests a host at r req/s may get in PaceWindow.
func windowCap(r float64) int {
	n := math.Ceil(r*PaceWindow.Seconds() - 1e-9)
	if !(n >= 1) {
		return 1
	}
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(n)
}

// paceBurst is the token bucket burst the pacer uses: the configured one,
// at most the window cap.
func paceBurst(r float64, burst int) int {
	return max(1, min(burst, windowCap(r)))
}

func newPacer(r float64, burst int) *pacer {
	return &pacer{lim: rate.NewLimiter(rate.Limit(r), paceBurst(r, burst)), n: windowCap(r)}
}

// set changes the rate and burst (robots.txt Crawl-delay) from now on.
// Made slower, the host starts again from an empty bucket at the new rate:
// the tokens saved at the old rate, and a slot reserved at it, would let
// the requests right after robots.txt go sooner than its Crawl-delay
// allows (at 20 req/s, burst 5, Crawl-delay 2 gave gaps of 1, 1, then 2 s).
// Made faster or kept, a slot already reserved keeps its time.
func (p *pacer) set(now time.Time, r float64, burst int) {
	b := paceBurst(r, burst)
	p.n = windowCap(r)
	if rate.Limit(r) < p.lim.Limit() || b < p.lim.Burst() {
		p.lim = rate.NewLimiter(rate.Limit(r), b)
		p.lim.ReserveN(now, b) // empty now: the next request waits 1/r
		p.slot = time.Time{}
		return
	}
	p.lim.SetLimitAt(now, rate.Limit(r))
	p.lim.SetBurstAt(now, b)
}

// ready returns when the next request may go (now or later), reserving its
// token bucket slot if none is reserved yet. ok is false when that depends
// on a request still in flight: the host must wait for its report.
func (p *pacer) ready(now time.Time) (at time.Time, ok bool) {
	if p.slot.IsZero() {
		p.slot = now.Add(p.lim.ReserveN(now, 1).DelayFrom(now))
	}
	at = p.slot
	// Forget the requests that no longer count in any window.
	for len(p.reqs) > 0 {
		t, known := p.reqs[0].reached()
		if !known || now.Sub(t) < PaceWindow {
			break
		}
		p.reqs[0] = nil
		p.reqs = p.reqs[1:]
	}
	if len(p.reqs) >= p.n {
		// The next request goes a window after the n-th latest arrival.
		// One not known yet may be later than all the known ones.
		p.scratch = p.scratch[:0]
		unknown := 0
		for _, m := range p.reqs {
			if t, known := m.reached(); known {
				p.scratch = append(p.scratch, t)
			} else {
				unknown++
			}
		}
		if unknown >= p.n {
			return time.Time{}, false
		}
		slices.SortFunc(p.scratch, time.Time.Compare)
		if t := p.scratch[len(p.scratch)-(p.n-unknown)].Add(PaceWindow); t.After(at) {
			at = t
		}
	}
	if at.Before(now) {
		return now, true
	}
	return at, true
}

// take spends the reserved slot on a request handed to a worker now, and
// returns the mark the worker stamps. Call it only when ready(now) is now.
func (p *pacer) take() *paceMark {
	p.slot = time.Time{}
	m := &paceMark{}
	p.reqs = append(p.reqs, m)
	// ready forgets requests older than the window; one that hangs at the
	// front holds the rest back, so bound the slice here too.
	if len(p.reqs) > 2*p.n+64 {
		p.reqs = append([]*paceMark(nil), p.reqs[len(p.reqs)-p.n-32:]...)
	}
	return m
}
