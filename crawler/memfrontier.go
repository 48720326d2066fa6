package crawler

import (
	"container/heap"
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Item states in MemFrontier.
const (
	StatePending = "pending"
	StateLeased  = "leased"
	StateDone    = "done"
	StateDropped = "dropped"
)

// MemFrontier is an in-memory Frontier: the default when New is given none,
// and the one the tests use. It is safe for concurrent use. It loses
// everything when the process ends; a run that must survive a crash uses the
// store's frontier.
type MemFrontier struct {
	mu     sync.Mutex
	nextID int64
	items  map[int64]*memItem
	runs   map[int64]*memRun
	seen   map[string]memSeen
}

type memItem struct {
	FrontierItem
	state      string
	leaseUntil time.Time
	status     int    // for done items
	reason     string // drop reason, or the last retry's error kind
}

type memRun struct {
	byURL   map[string]int64
	ready   []int64  // FIFO of pending ids whose NotBefore has passed (lazily checked)
	delayed timeHeap // pending ids waiting for NotBefore
	leases  timeHeap // leased ids by lease expiry
	pending int      // pending + leased
}

type memSeen struct {
	etag, lastModified string
	at                 time.Time
	status             int
}

// NewMemFrontier returns an empty in-memory frontier.
func NewMemFrontier() *MemFrontier {
	return &MemFrontier{items: map[int64]*memItem{}, runs: map[int64]*memRun{}, seen: map[string]memSeen{}}
}

var (
	_ Frontier       = (*MemFrontier)(nil)
	_ FrontierNexter = (*MemFrontier)(nil)
)

func (f *MemFrontier) run(id int64) *memRun {
	r := f.runs[id]
	if r == nil {
		r = &memRun{byURL: map[string]int64{}}
		f.runs[id] = r
	}
	return r
}

// FrontierPush adds items not already in the run and not fetched within
// freshness of now.
func (f *MemFrontier) FrontierPush(_ context.Context, runID int64, items []FrontierItem, now time.Time, freshness time.Duration) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.run(runID)
	n := 0
	for _, it := range items {
		if it.URL == "" {
			return n, fmt.Errorf("memfrontier: push: item with empty URL")
		}
		if _, dup := r.byURL[it.URL]; dup {
			continue
		}
		if s, ok := f.seen[it.URL]; ok && freshness > 0 && now.Sub(s.at) < freshness {
			continue
		}
		f.nextID++
		it.ID, it.RunID = f.nextID, runID
		it.Meta = maps.Clone(it.Meta)
		mi := &memItem{FrontierItem: it, state: StatePending}
		f.items[it.ID] = mi
		r.byURL[it.URL] = it.ID
		r.pending++
		if it.NotBefore.After(now) {
			heap.Push(&r.delayed, timeEntry{it.NotBefore, it.ID})
		} else {
			r.ready = append(r.ready, it.ID)
		}
		n++
	}
	return n, nil
}

// FrontierLease leases up to n ready items of the run.
func (f *MemFrontier) FrontierLease(_ context.Context, runID int64, n int, now time.Time, lease time.Duration) ([]FrontierItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.run(runID)
	// Delayed items whose time has come, and expired leases, become ready.
	for r.delayed.Len() > 0 && !r.delayed[0].at.After(now) {
		e := heap.Pop(&r.delayed).(timeEntry)
		if mi := f.items[e.id]; mi != nil && mi.state == StatePending && mi.NotBefore.Equal(e.at) {
			r.ready = append(r.ready, e.id)
		}
	}
	for r.leases.Len() > 0 && !r.leases[0].at.After(now) {
		e := heap.Pop(&r.leases).(timeEntry)
		if mi := f.items[e.id]; mi != nil && mi.state == StateLeased && mi.leaseUntil.Equal(e.at) {
			mi.state = StatePending
			r.ready = append(r.ready, e.id)
		}
	}
	var out []FrontierItem
	for len(out) < n && len(r.ready) > 0 {
		id := r.ready[0]
		r.ready = r.ready[1:]
		mi := f.items[id]
		if mi == nil || mi.state != StatePending || mi.NotBefore.After(now) {
			continue
		}
		mi.state = StateLeased
		mi.leaseUntil = now.Add(lease)
		heap.Push(&r.leases, timeEntry{mi.leaseUntil, id})
		it := mi.FrontierItem
		it.Meta = maps.Clone(it.Meta)
		out = append(out, it)
	}
	return out, nil
}

func (f *MemFrontier) finish(id int64, state string) (*memItem, error) {
	mi := f.items[id]
	if mi == nil {
		return nil, fmt.Errorf("memfrontier: item %d does not exist", id)
	}
	if mi.state == StateDone || mi.state == StateDropped {
		return mi, fmt.Errorf("memfrontier: item %d (%s) is already %s", id, mi.URL, mi.state)
	}
	mi.state = state
	f.runs[mi.RunID].pending--
	return mi, nil
}

// FrontierDone finishes an item and records it as seen.
func (f *MemFrontier) FrontierDone(_ context.Context, id int64, status int, etag, lastModified string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	mi, err := f.finish(id, StateDone)
	if err != nil {
		return err
	}
	mi.status = status
	f.seen[mi.URL] = memSeen{etag: etag, lastModified: lastModified, at: at, status: status}
	return nil
}

// FrontierRetry puts an item back, not before notBefore, counting an
// attempt unless errKind is DeferredKind.
func (f *MemFrontier) FrontierRetry(_ context.Context, id int64, notBefore time.Time, errKind string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	mi := f.items[id]
	if mi == nil {
		return fmt.Errorf("memfrontier: item %d does not exist", id)
	}
	if mi.state == StateDone || mi.state == StateDropped {
		return fmt.Errorf("memfrontier: item %d (%s) is already %s", id, mi.URL, mi.state)
	}
	mi.state = StatePending
	if errKind != DeferredKind {
		mi.Attempts++
	}
	mi.NotBefore = notBefore
	mi.reason = errKind
	heap.Push(&f.runs[mi.RunID].delayed, timeEntry{notBefore, id})
	return nil
}

// FrontierDrop finishes an item without fetching it.
func (f *MemFrontier) FrontierDrop(_ context.Context, id int64, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	mi, err := f.finish(id, StateDropped)
	if err != nil {
		return err
	}
	mi.reason = reason
	return nil
}

// FrontierPending counts unfinished items of the run.
func (f *MemFrontier) FrontierPending(_ context.Context, runID int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.runs[runID]; r != nil {
		return r.pending, nil
	}
	return 0, nil
}

// FrontierNext returns when the run's next unfinished item may be leased.
func (f *MemFrontier) FrontierNext(_ context.Context, runID int64) (time.Time, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var next time.Time
	found := false
	for _, mi := range f.items {
		if mi.RunID != runID {
			continue
		}
		var at time.Time
		switch mi.state {
		case StatePending:
			at = mi.NotBefore
		case StateLeased:
			at = mi.leaseUntil
		default:
			continue
		}
		if !found || at.Before(next) {
			next, found = at, true
		}
	}
	return next, found, nil
}

// Seen returns what FrontierDone recorded for url.
func (f *MemFrontier) Seen(_ context.Context, url string) (etag, lastModified string, fetchedAt time.Time, ok bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.seen[url]
	return s.etag, s.lastModified, s.at, ok, nil
}

// MemItemState is a snapshot of one item, for tests and debugging.
type MemItemState struct {
	FrontierItem
	State  string // StatePending, StateLeased, StateDone, StateDropped
	Status int    // HTTP status recorded by FrontierDone
	Reason string // drop reason, or the error kind of the last retry
}

// Lookup returns the item for url in run runID.
func (f *MemFrontier) Lookup(runID int64, url string) (MemItemState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.runs[runID]
	if r == nil {
		return MemItemState{}, false
	}
	id, ok := r.byURL[url]
	if !ok {
		return MemItemState{}, false
	}
	mi := f.items[id]
	return MemItemState{FrontierItem: mi.FrontierItem, State: mi.state, Status: mi.status, Reason: mi.reason}, true
}

// Items returns a snapshot of every item of run runID, in push order.
func (f *MemFrontier) Items(runID int64) []MemItemState {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []MemItemState
	for id := int64(1); id <= f.nextID; id++ {
		mi := f.items[id]
		if mi == nil || mi.RunID != runID {
			continue
		}
		out = append(out, MemItemState{FrontierItem: mi.FrontierItem, State: mi.state, Status: mi.status, Reason: mi.reason})
	}
	return out
}

type timeEntry struct {
	at time.Time
	id int64
}

type timeHeap []timeEntry

func (h timeHeap) Len() int { return len(h) }
func (h timeHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].id < h[j].id
	}
	return h[i].at.Before(h[j].at)
}
func (h timeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timeHeap) Push(x any)   { *h = append(*h, x.(timeEntry)) }
func (h *timeHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
