package ingest

import (
	"context"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/store"
)

// Frontier adapts the store's durable frontier to the crawler's Frontier
// interface (crawler does not import store).
type Frontier struct{ S *store.Store }

var (
	_ crawler.Frontier       = Frontier{}
	_ crawler.FrontierNexter = Frontier{}
)

func toStore(it crawler.FrontierItem) store.FrontierItem {
	return store.FrontierItem{ID: it.ID, RunID: it.RunID, URL: it.URL, Kind: it.Kind, Meta: it.Meta,
		Depth: it.Depth, Host: it.Host, Attempts: it.Attempts, NotBefore: it.NotBefore}
}

func fromStore(it store.FrontierItem) crawler.FrontierItem {
	return crawler.FrontierItem{ID: it.ID, RunID: it.RunID, URL: it.URL, Kind: it.Kind, Meta: it.Meta,
		Depth: it.Depth, Host: it.Host, Attempts: it.Attempts, NotBefore: it.NotBefore}
}

// FrontierPush implements crawler.Frontier.
func (f Frontier) FrontierPush(ctx context.Context, runID int64, items []crawler.FrontierItem, now time.Time, freshness time.Duration) (int, error) {
	out := make([]store.FrontierItem, len(items))
	for i, it := range items {
		out[i] = toStore(it)
	}
	return f.S.FrontierPush(ctx, runID, out, now, freshness)
}

// FrontierLease implements crawler.Frontier.
func (f Frontier) FrontierLease(ctx context.Context, runID int64, n int, now time.Time, lease time.Duration) ([]crawler.FrontierItem, error) {
	items, err := f.S.FrontierLease(ctx, runID, n, now, lease)
	out := make([]crawler.FrontierItem, len(items))
	for i, it := range items {
		out[i] = fromStore(it)
	}
	return out, err
}

// FrontierDone implements crawler.Frontier.
func (f Frontier) FrontierDone(ctx context.Context, id int64, status int, etag, lastModified string, at time.Time) error {
	return f.S.FrontierDone(ctx, id, status, etag, lastModified, at)
}

// FrontierRetry implements crawler.Frontier.
func (f Frontier) FrontierRetry(ctx context.Context, id int64, notBefore time.Time, errKind string) error {
	return f.S.FrontierRetry(ctx, id, notBefore, errKind)
}

// FrontierDrop implements crawler.Frontier.
func (f Frontier) FrontierDrop(ctx context.Context, id int64, reason string) error {
	return f.S.FrontierDrop(ctx, id, reason)
}

// FrontierPending implements crawler.Frontier.
func (f Frontier) FrontierPending(ctx context.Context, runID int64) (int, error) {
	return f.S.FrontierPending(ctx, runID)
}

// FrontierNext implements crawler.FrontierNexter.
func (f Frontier) FrontierNext(ctx context.Context, runID int64) (time.Time, bool, error) {
	return f.S.FrontierNext(ctx, runID)
}

// Seen implements crawler.Frontier.
func (f Frontier) Seen(ctx context.Context, u string) (string, string, time.Time, bool, error) {
	return f.S.Seen(ctx, u)
}
