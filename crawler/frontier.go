package crawler

import (
	"context"
	"time"
)

// FrontierItem is one URL waiting in, or leased from, the frontier. It has
// the same fields as store.FrontierItem so that cmd can adapt one to the
// other field by field; crawler does not import store.
type FrontierItem struct {
	ID        int64
	RunID     int64
	URL       string
	Kind      string
	Meta      map[string]string
	Depth     int
	Host      string // host:port, the politeness key
	Attempts  int    // failed attempts so far
	NotBefore time.Time
}

// Frontier is the durable queue of URLs to fetch and the set of URLs already
// fetched. The store implements it in SQLite so that a run survives kill -9;
// MemFrontier implements it in memory for tests and one-off runs.
//
// The crawler relies on these semantics:
//   - FrontierPush skips a URL already in the run (in any state) and a URL
//     fetched less than freshness before now; it returns how many it added.
//   - FrontierLease returns up to n pending items of the run whose NotBefore
//     is not after now and that are not leased (or whose lease has expired),
//     and leases them until now+lease.
//   - FrontierDone finishes an item and records the URL in the seen set with
//     its validators (ETag, Last-Modified) and fetch time.
//   - FrontierRetry returns an item to the queue, not to be leased before
//     notBefore, and counts one more attempt; it should not count one when
//     errKind is DeferredKind (the item was handed back unfetched because
//     its host is paused, its quota is spent or the run is ending). A
//     Frontier that counts those too only makes MaxRetries bite sooner.
//   - FrontierDrop finishes an item without fetching it (robots, budget,
//     a permanent error, too many attempts).
//   - FrontierPending counts the run's items that are not finished,
//     leased ones included.
//   - Seen returns the validators recorded by FrontierDone for a URL.
type Frontier interface {
	FrontierPush(ctx context.Context, runID int64, items []FrontierItem, now time.Time, freshness time.Duration) (int, error)
	FrontierLease(ctx context.Context, runID int64, n int, now time.Time, lease time.Duration) ([]FrontierItem, error)
	FrontierDone(ctx context.Context, id int64, status int, etag, lastModified string, at time.Time) error
	FrontierRetry(ctx context.Context, id int64, notBefore time.Time, errKind string) error
	FrontierDrop(ctx context.Context, id int64, reason string) error
	FrontierPending(ctx context.Context, runID int64) (int, error)
	Seen(ctx context.Context, url string) (etag, lastModified string, fetchedAt time.Time, ok bool, err error)
}

// FrontierNexter is an optional Frontier method: when the run's next queued
// item becomes leasable (its NotBefore, or the expiry of its lease). ok is
// false when nothing is queued. With it, an idle run sleeps exactly until
// then instead of polling; the store and MemFrontier implement it.
type FrontierNexter interface {
	FrontierNext(ctx context.Context, runID int64) (next time.Time, ok bool, err error)
}
