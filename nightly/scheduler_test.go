package nightly

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

func TestSchedulerNextReadsTheTimeZoneAndAddsJitter(t *testing.T) {
	s, err := NewScheduler("0 2 * * *", "America/New_York", 10*time.Minute, func(context.Context) error { return nil },
		WithJitterSource(func() float64 { return 0.5 }))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC) // 08:00 in New York (EDT, UTC-4)
	want := time.Date(2026, 7, 2, 6, 5, 0, 0, time.UTC) // 02:00 EDT + 5 min jitter
	if got := s.Next(now); !got.Equal(want) {
		t.Fatalf("Next(%s) = %s, want %s", now, got.UTC(), want)
	}
	// In winter the same local time is an hour later in UTC.
	now = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	want = time.Date(2026, 1, 11, 7, 5, 0, 0, time.UTC)
	if got := s.Next(now); !got.Equal(want) {
		t.Fatalf("Next(%s) = %s, want %s", now, got.UTC(), want)
	}
	// Without jitter, exactly on the schedule.
	s0, err := NewScheduler("30 3 * * 1", "", 0, func(context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s0.Next(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)), time.Date(2026, 7, 6, 3, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Monday 03:30 UTC: Next = %s, want %s", got, want)
	}
}

func TestSchedulerRejectsBadSettings(t *testing.T) {
	run := func(context.Context) error { return nil }
	for _, tc := range []struct {
		expr, tz string
		jitter   time.Duration
		param    string
	}{
		{"0 2 * *", "UTC", 0, "schedule.cron"},
		{"61 2 * * *", "UTC", 0, "schedule.cron"},
		{"0 2 * * *", "Mars/Olympus", 0, "schedule.time_zone"},
		{"0 2 * * *", "UTC", -time.Second, "schedule.jitter"},
	} {
		_, err := NewScheduler(tc.expr, tc.tz, tc.jitter, run)
		if creator.ErrorCode(err) != creator.EINVALID || creator.ErrorParam(err) != tc.param {
			t.Errorf("NewScheduler(%q, %q, %s) = %v, want EINVALID on %s", tc.expr, tc.tz, tc.jitter, err, tc.param)
		}
	}
	if _, err := NewScheduler("@daily", "UTC", 0, nil); err == nil {
		t.Error("a nil run was accepted")
	}
}

func TestSchedulerLoopRunsOnScheduleAndNeverOverlaps(t *testing.T) {
	start := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	clk := newManualClock(start)
	started := make(chan time.Time, 10)
	release := make(chan error)
	s, err := NewScheduler("0 2 * * *", "UTC", time.Hour, func(context.Context) error {
		started <- clk.Now()
		return <-release
	}, WithSchedulerClock(clk), WithJitterSource(func() float64 { return 0.25 }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Loop(ctx) }()

	first := time.Date(2026, 7, 2, 2, 15, 0, 0, time.UTC)
	if at := clk.waitTimer(t); !at.Equal(first) {
		t.Fatalf("first run armed for %s, want %s", at, first)
	}
	clk.Set(first.Add(-time.Second))
	select {
	case at := <-started:
		t.Fatalf("ran at %s, before its time", at)
	default:
	}
	clk.Set(first)
	if at := <-started; !at.Equal(first) {
		t.Fatalf("ran at %s, want %s", at, first)
	}
	// The run outlasts the next scheduled time: no second run starts, and
	// none is armed, while the first is going.
	clk.Set(first.Add(30 * time.Hour))
	if at, ok := clk.pending(); ok {
		t.Fatalf("a timer for %s was armed while a run was in progress", at)
	}
	select {
	case at := <-started:
		t.Fatalf("a second run started at %s while the first was going", at)
	default:
	}
	// It fails; the schedule goes on from where the clock is, skipping the
	// time it missed (2026-07-03 02:15) rather than catching up.
	release <- errors.New("network down")
	next := time.Date(2026, 7, 4, 2, 15, 0, 0, time.UTC)
	if at := clk.waitTimer(t); !at.Equal(next) {
		t.Fatalf("after a long run the next was armed for %s, want %s", at, next)
	}
	clk.Set(next)
	<-started
	release <- nil
	clk.waitTimer(t)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Loop returned %v, want context.Canceled", err)
	}
}
