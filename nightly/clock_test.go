package nightly

import (
	"sync"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
)

// manualClock moves only when the test advances it.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
	set    chan struct{} // a timer was created
}

type manualTimer struct {
	at      time.Time
	ch      chan time.Time
	stopped bool
	fired   bool
}

func (t *manualTimer) C() <-chan time.Time { return t.ch }
func (t *manualTimer) Stop() bool {
	was := !t.stopped && !t.fired
	t.stopped = true
	return was
}

func newManualClock(now time.Time) *manualClock {
	return &manualClock{now: now, set: make(chan struct{}, 100)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) NewTimer(d time.Duration) crawler.Timer {
	c.mu.Lock()
	t := &manualTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.fired = true
		t.ch <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	c.mu.Unlock()
	c.set <- struct{}{}
	return t
}

// Set moves the clock to at and fires the timers that are due.
func (c *manualClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(at):
			t.fired = true
			t.ch <- at
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
}

// pending returns the earliest armed timer's time.
func (c *manualClock) pending() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var best time.Time
	for _, t := range c.timers {
		if !t.stopped && !t.fired && (best.IsZero() || t.at.Before(best)) {
			best = t.at
		}
	}
	return best, !best.IsZero()
}

// waitTimer waits until a timer is armed and returns its time.
func (c *manualClock) waitTimer(t *testing.T) time.Time {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if at, ok := c.pending(); ok {
			return at
		}
		select {
		case <-c.set:
		case <-deadline:
			t.Fatal("no timer was armed")
		}
	}
}

// offsetClock is the real clock shifted by an offset the test moves: time
// runs (so the crawler's rate limits and backoff behave as in production)
// and whole simulated days pass at once, without sleeping.
type offsetClock struct {
	mu     sync.Mutex
	base   time.Time // fake time at realAt
	realAt time.Time
}

func newOffsetClock(start time.Time) *offsetClock {
	return &offsetClock{base: start, realAt: time.Now()}
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.realAt)).UTC()
}

// SetTo makes Now return at (and run on from there).
func (c *offsetClock) SetTo(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.realAt = at, time.Now()
}

func (c *offsetClock) NewTimer(d time.Duration) crawler.Timer {
	return crawler.SystemClock{}.NewTimer(d)
}
