package crawler

import "time"

// quotaTracker keeps one source's API budget over a sliding window. It is
// used by the dispatcher goroutine only.
type quotaTracker struct {
	q    Quota
	uses []quotaUse // in time order
	used int
}

type quotaUse struct {
	at   time.Time
	cost int
}

func (t *quotaTracker) expire(now time.Time) {
	i := 0
	for i < len(t.uses) && !t.uses[i].at.Add(t.q.Window).After(now) {
		t.used -= t.uses[i].cost
		i++
	}
	t.uses = t.uses[i:]
}

// fits reports whether cost units may be spent at now. When not, at is the
// earliest time they may, and never is true when cost alone is over the
// budget.
func (t *quotaTracker) fits(now time.Time, cost int) (ok bool, at time.Time, never bool) {
	if cost > t.q.Units {
		return false, time.Time{}, true
	}
	t.expire(now)
	if t.used+cost <= t.q.Units {
		return true, now, false
	}
	used := t.used
	for _, u := range t.uses {
		used -= u.cost
		if used+cost <= t.q.Units {
			return false, u.at.Add(t.q.Window), false
		}
	}
	return false, now.Add(t.q.Window), false // not reached: cost <= Units
}

func (t *quotaTracker) take(now time.Time, cost int) {
	t.uses = append(t.uses, quotaUse{now, cost})
	t.used += cost
}
