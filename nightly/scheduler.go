package nightly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/creator"
)

// Scheduler calls a function at the times of a cron schedule, in a time
// zone, each time delayed by a random jitter so a fleet of servers does not
// crawl in step. Runs never overlap: the next time is computed when a run
// ends, so a run that outlasts the next scheduled time skips it rather
// than queueing behind it.
type Scheduler struct {
	spec   cron.Schedule
	expr   string
	loc    *time.Location
	jitter time.Duration
	run    func(ctx context.Context) error
	clock  crawler.Clock
	rand   func() float64
	log    *slog.Logger
}

// SchedulerOption configures a Scheduler.
type SchedulerOption func(*Scheduler)

// WithSchedulerClock sets the clock (default: the system clock).
func WithSchedulerClock(c crawler.Clock) SchedulerOption {
	return func(s *Scheduler) { s.clock = c }
}

// WithJitterSource sets the source of the jitter: a function returning
// values in [0,1) (default: math/rand).
func WithJitterSource(f func() float64) SchedulerOption {
	return func(s *Scheduler) { s.rand = f }
}

// WithSchedulerLogger sets the logger (default: discard).
func WithSchedulerLogger(l *slog.Logger) SchedulerOption {
	return func(s *Scheduler) { s.log = l }
}

// NewScheduler parses a standard five-field cron expression (or a
// descriptor such as "@daily") to be read in the IANA time zone tz ("" is
// UTC); jitter is the longest random delay added to each time.
func NewScheduler(expr, tz string, jitter time.Duration, run func(ctx context.Context) error, opts ...SchedulerOption) (*Scheduler, error) {
	spec, err := cron.ParseStandard(strings.TrimSpace(expr))
	if err != nil {
		return nil, creator.Invalid("schedule.cron", "%q: %v", expr, err)
	}
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, creator.Invalid("schedule.time_zone", "%q is not a time zone such as Europe/London", tz)
	}
	if jitter < 0 {
		return nil, creator.Invalid("schedule.jitter", "jitter %s must not be negative", jitter)
	}
	if run == nil {
		return nil, errors.New("nightly: scheduler: run is nil")
	}
	s := &Scheduler{spec: spec, expr: expr, loc: loc, jitter: jitter, run: run}
	for _, o := range opts {
		o(s)
	}
	if s.clock == nil {
		s.clock = crawler.SystemClock{}
	}
	if s.rand == nil {
		s.rand = rand.Float64
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s, nil
}

// Next returns the first scheduled time after now, in the schedule's time
// zone, plus a jitter in [0, jitter).
func (s *Scheduler) Next(now time.Time) time.Time {
	t := s.spec.Next(now.In(s.loc))
	if t.IsZero() {
		return t
	}
	if s.jitter > 0 {
		t = t.Add(time.Duration(s.rand() * float64(s.jitter)))
	}
	return t
}

// Loop waits for each scheduled time and calls run, until ctx ends. An
// error from run is logged and the schedule goes on.
func (s *Scheduler) Loop(ctx context.Context) error {
	for {
		now := s.clock.Now()
		next := s.Next(now)
		if next.IsZero() {
			return fmt.Errorf("nightly: schedule %q never fires", s.expr)
		}
		s.log.Info("nightly run scheduled", "at", next, "schedule", s.expr, "time_zone", s.loc.String())
		t := s.clock.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C():
		}
		start := s.clock.Now()
		if err := s.run(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			level := slog.LevelError
			if errors.Is(err, ErrBusy) {
				level = slog.LevelWarn
			}
			s.log.Log(ctx, level, "nightly run", "err", err, "took", s.clock.Now().Sub(start))
			continue
		}
		s.log.Info("nightly run done", "took", s.clock.Now().Sub(start))
	}
}
