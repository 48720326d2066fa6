package api

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxBuckets bounds the limiter's memory: at this many clients it drops
// the buckets that have refilled (they are the same as new ones), and if
// that is not enough, arbitrary others.
const maxBuckets = 100_000

// limiter is a token bucket per client (an API key or an IP). Time comes
// from the caller so tests drive it with a fake clock.
type limiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(limit rate.Limit, burst, max int) *limiter {
	return &limiter{limit: limit, burst: burst, max: max, buckets: map[string]*bucket{}}
}

// allow takes one token from client's bucket at now. When the bucket is
// empty it takes nothing and says how long until a token is there.
func (l *limiter) allow(client string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[client]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[client] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return true, 0
	}
	r.CancelAt(now)
	return false, d
}

// sweep drops the buckets idle long enough to have refilled, then, while
// still at the cap, arbitrary ones (map order). Called with mu held.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= full {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

// clientBucket is the rate-limit bucket of an IP: the address itself for
// IPv4, its /64 for IPv6 (one host usually holds a whole /64).
func clientBucket(ip string) string {
	p := net.ParseIP(ip)
	if p == nil {
		return "ip:" + ip
	}
	if p.To4() != nil {
		return "ip:" + p.String()
	}
	return "ip:" + p.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
