package crawler

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// withWaitHook calls f whenever the dispatcher is about to wait until wake
// with nothing in flight.
func withWaitHook(f func(wake time.Time)) Option { return func(o *options) { o.waitHook = f } }

// pacedRun crawls pages pages of one loopback host at rate req/s with
// burst, on a test clock that moves only while the dispatcher waits with
// nothing in flight: to the time it waits for, plus late. Requests take no
// time on that clock, so the server's arrival times are the send times.
// It returns the server's requests (robots.txt included), in arrival order.
func pacedRun(t *testing.T, rate float64, burst, pages int, late time.Duration) []hit {
	t.Helper()
	clk := newFakeClock()
	srv := newServer(t, map[string]http.HandlerFunc{"/p/": text()})
	srv.clock = clk
	cfg := testConfig()
	cfg.Parallelism = 4
	cfg.MaxIdleWait = time.Hour
	cfg.HostRules = []HostRule{{Glob: "127.0.0.1:*", Rate: rate, Burst: burst, MaxConns: 2}}
	h := newHarness(t, cfg, WithClock(clk), withWaitHook(func(wake time.Time) {
		if now := clk.Now(); wake.After(now) {
			clk.Advance(wake.Sub(now) + late)
		}
	}))
	var seeds []string
	for i := 0; i < pages; i++ {
		seeds = append(seeds, fmt.Sprintf("%s/p/%d", srv.URL, i))
	}
	sum := h.run(t, seeds...)
	if sum.Pages != pages {
		t.Fatalf("%d pages fetched, want %d (summary %+v)", sum.Pages, pages, sum)
	}
	hits := srv.requests(true)
	if len(hits) != pages+1 {
		t.Fatalf("%d requests, want %d pages and robots.txt", len(hits), pages)
	}
	return hits
}

// paceStats: achieved is (n-1)/(last-first) in req/s and most the most
// requests in any window [t, t+1s), both by arrival on the test clock.
func paceStats(hits []hit) (achieved float64, most int) {
	first, last := hits[0].Clock, hits[len(hits)-1].Clock
	achieved = float64(len(hits)-1) / last.Sub(first).Seconds()
	most = maxInWindow(hits, time.Second, func(h hit) time.Time { return h.Clock })
	return achieved, most
}

// A dispatcher that wakes 20 ms late for every slot still gives a host at
// 5 req/s (burst 1) at least 95% of its rate, and never more than 5
// requests in any second. A limiter asked only at wake-up time (AllowN at
// now) drops each wake-up's lateness: 1/(200+20 ms) = 4.55 req/s, 91%.
func TestPacingKeepsTheRateWhenWakingLate(t *testing.T) {
	const rate = 5
	hits := pacedRun(t, rate, 1, 60, 20*time.Millisecond)
	got, most := paceStats(hits)
	t.Logf("%d requests: %.3f req/s (%.1f%%), at most %d in any second", len(hits), got, 100*got/rate, most)
	if got < 0.95*rate || got > rate {
		t.Errorf("achieved %.3f req/s, want 95-100%% of %d", got, rate)
	}
	if most > rate {
		t.Errorf("%d requests in one second, limit %d req/s", most, rate)
	}
}

// The configured burst cannot put more requests into any second than the
// rate: at 5 req/s with burst 5 a token bucket alone lets 5 go at once and
// 4 more within the same second (9).
func TestPacingBurstNeverExceedsTheRateInAnySecond(t *testing.T) {
	const rate = 5
	for _, late := range []time.Duration{0, 30 * time.Millisecond} {
		got, most := paceStats(pacedRun(t, rate, rate, 40, late))
		t.Logf("late %v: %.3f req/s, at most %d in any second", late, got, most)
		if most > rate {
			t.Errorf("late %v: %d requests in one second with burst %d, limit %d req/s", late, most, rate, rate)
		}
		if got < 0.95*rate || got > rate {
			t.Errorf("late %v: achieved %.3f req/s, want 95-100%% of %d", late, got, rate)
		}
	}
}

// The window counts from when a request was answered: while the last
// request is unanswered the host waits for its report, and then the next
// request goes a whole PaceWindow after the answer (or the report).
func TestPacerWindowCountsFromTheAnswer(t *testing.T) {
	t0 := newFakeClock().Now()
	p := newPacer(1, 1)
	if at, ok := p.ready(t0); !ok || !at.Equal(t0) {
		t.Fatalf("first request: ready %v %v, want now", at, ok)
	}
	m := p.take()
	// The bucket's next slot is t0+1s, but the request is still in flight.
	if _, ok := p.ready(t0.Add(2 * time.Second)); ok {
		t.Fatal("ready while the only request of a 1 req/s host is neither answered nor reported")
	}
	m.stamp(t0.Add(1500 * time.Millisecond))
	if at, ok := p.ready(t0.Add(2 * time.Second)); !ok || !at.Equal(t0.Add(2500*time.Millisecond)) {
		t.Fatalf("after an answer at 1.5 s: ready %v %v, want 2.5 s", at.Sub(t0), ok)
	}
	p.take()
	m2 := p.reqs[len(p.reqs)-1]
	m2.done = t0.Add(3 * time.Second) // ended without an answer
	if at, ok := p.ready(t0.Add(3 * time.Second)); !ok || !at.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("after a request that ended unanswered at 3 s: ready %v %v, want 4 s", at.Sub(t0), ok)
	}
}

// Burst is capped by the window: Burst 10 at 2 req/s lets 2 go at once.
func TestPacerBurstCappedByTheWindow(t *testing.T) {
	t0 := newFakeClock().Now()
	p := newPacer(2, 10)
	var sent []time.Time
	now := t0
	for len(sent) < 9 {
		at, ok := p.ready(now)
		if !ok {
			t.Fatal("not ready with every request answered")
		}
		now = at
		p.take().stamp(now) // answered at once
		sent = append(sent, now)
	}
	var got []time.Duration
	for _, s := range sent {
		got = append(got, s.Sub(t0))
	}
	if fmt.Sprint(got) != "[0s 0s 1s 1s 2s 2s 3s 3s 4s]" {
		t.Fatalf("sent at %v", got)
	}
}

// A Crawl-delay read from robots.txt spaces the requests after it by the
// delay, from the first: the tokens the host's own rate and burst saved,
// and the slot reserved at that rate, do not carry over.
func TestPacerSlowedStartsEmpty(t *testing.T) {
	t0 := newFakeClock().Now()
	p := newPacer(20, 5)
	if at, ok := p.ready(t0); !ok || !at.Equal(t0) {
		t.Fatalf("robots.txt: ready %v %v, want now", at, ok)
	}
	p.take().stamp(t0.Add(10 * time.Millisecond))
	p.ready(t0.Add(10 * time.Millisecond)) // reserves the next slot at 20 req/s
	t1 := t0.Add(10 * time.Millisecond)
	p.set(t1, 0.5, 1) // Crawl-delay: 2
	now := t1
	var got []time.Duration
	for i := 0; i < 4; i++ {
		at, ok := p.ready(now)
		if !ok {
			t.Fatal("not ready with every request answered")
		}
		now = at
		p.take().stamp(now)
		got = append(got, now.Sub(t1))
	}
	if fmt.Sprint(got) != "[2s 4s 6s 8s]" {
		t.Fatalf("after Crawl-delay 2 s: requests at %v from the delay's reading, want [2s 4s 6s 8s]", got)
	}
	// Made faster again (a new robots.txt without the delay), the host
	// keeps the slot it has.
	at, _ := p.ready(now)
	p.set(now, 20, 5)
	if at2, _ := p.ready(now); !at2.Equal(at) {
		t.Fatalf("a faster rate moved the reserved slot from %v to %v", at.Sub(t1), at2.Sub(t1))
	}
}
