package crawler

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps a server's Retry-After: a host is never paused for
// longer than a day on its word.
const MaxRetryAfter = 24 * time.Hour

// backoffJitter is the most jitter adds, as a fraction of the delay. Jitter
// only lengthens a delay, so a backoff is never shorter than base*2^n.
const backoffJitter = 0.25

// Backoff is the delay before retry number failures+1: base doubled for
// each earlier failure, stretched by jitter (in [0,1)) times a quarter, and
// capped at max. failures 0 gives base (plus jitter).
func Backoff(base, max time.Duration, failures int, jitter float64) time.Duration {
	if failures < 0 {
		failures = 0
	}
	if jitter < 0 || jitter != jitter {
		jitter = 0
	}
	if jitter >= 1 {
		jitter = 0.999999
	}
	d := base
	for i := 0; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max || d <= 0 {
		d = max
	}
	d += time.Duration(float64(d) * backoffJitter * jitter)
	if d > max {
		d = max
	}
	return d
}

// RetryAfter reads a Retry-After header (delay-seconds or an HTTP date)
// relative to now, capped at MaxRetryAfter. ok is false when the header is
// absent or unreadable.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
		return MaxRetryAfter, true // delay-seconds past int64: longer than the cap
	}
	if err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	if d < 0 {
		d = 0
	}
	if d > MaxRetryAfter {
		d = MaxRetryAfter
	}
	return d, true
}
