package ingest

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/store"
)

// MetaFrontierItem is the Meta key by which Frontier tells the Pipeline
// which leased frontier item a page, or a link queued from it, belongs to:
// "RUN/ITEM". Frontier sets it on the items it leases and strips it from
// everything it stores, so it never reaches the database.
const MetaFrontierItem = "creatorscout.frontier_item"

// itemRef names a leased frontier item.
type itemRef struct{ run, item int64 }

func (r itemRef) String() string { return fmt.Sprintf("%d/%d", r.run, r.item) }

func itemRefOf(meta map[string]string) (itemRef, bool) {
	run, item, ok := strings.Cut(meta[MetaFrontierItem], "/")
	if !ok {
		return itemRef{}, false
	}
	r, err1 := strconv.ParseInt(run, 10, 64)
	i, err2 := strconv.ParseInt(item, 10, 64)
	if err1 != nil || err2 != nil || i <= 0 {
		return itemRef{}, false
	}
	return itemRef{run: r, item: i}, true
}

// withItemRef returns a copy of meta naming ref (a copy, since a source may
// share one map between requests).
func withItemRef(meta map[string]string, ref itemRef) map[string]string {
	out := make(map[string]string, len(meta)+1)
	maps.Copy(out, meta)
	out[MetaFrontierItem] = ref.String()
	return out
}

// withoutItemRef returns meta without the key (a copy when it had it).
func withoutItemRef(meta map[string]string) map[string]string {
	if _, ok := meta[MetaFrontierItem]; !ok {
		return meta
	}
	out := make(map[string]string, len(meta))
	for k, v := range meta {
		if k != MetaFrontierItem {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Frontier adapts the store's durable frontier to the crawler's Frontier
// interface (crawler does not import store).
//
// With P set, a leased item's outcome is one transaction: FrontierLease
// marks each item's Meta with MetaFrontierItem; the Pipeline stages the
// page it fetches (Put) and FrontierPush stages the links queued from it;
// FrontierDone stores all of it with the done mark (Pipeline.commitStaged).
// FrontierRetry and FrontierDrop discard what was staged. Leases are tagged
// (store.FrontierLeaseTagged) so a resumed run can take back the items a
// killed process held (Runner.Resume).
type Frontier struct {
	S *store.Store
	P *Pipeline // nil: each call is its own transaction, as the store does it
}

var (
	_ crawler.Frontier       = Frontier{}
	_ crawler.FrontierNexter = Frontier{}
)

func toStore(it crawler.FrontierItem) store.FrontierItem {
	return store.FrontierItem{ID: it.ID, RunID: it.RunID, URL: it.URL, Kind: it.Kind, Meta: withoutItemRef(it.Meta),
		Depth: it.Depth, Host: it.Host, Attempts: it.Attempts, NotBefore: it.NotBefore}
}

func fromStore(it store.FrontierItem) crawler.FrontierItem {
	return crawler.FrontierItem{ID: it.ID, RunID: it.RunID, URL: it.URL, Kind: it.Kind, Meta: it.Meta,
		Depth: it.Depth, Host: it.Host, Attempts: it.Attempts, NotBefore: it.NotBefore}
}

// FrontierPush implements crawler.Frontier. Items that name a leased item
// (the links of its page, the target of its redirect) are staged with it
// and counted as added: the count is only an upper bound until the item's
// FrontierDone stores them.
func (f Frontier) FrontierPush(ctx context.Context, runID int64, items []crawler.FrontierItem, now time.Time, freshness time.Duration) (int, error) {
	var direct []store.FrontierItem
	staged := 0
	for _, it := range items {
		if ref, ok := itemRefOf(it.Meta); ok && f.P != nil && ref.run == runID {
			f.P.stageLinks(ref, []store.FrontierItem{toStore(it)}, now, freshness)
			staged++
			continue
		}
		direct = append(direct, toStore(it))
	}
	if len(direct) == 0 {
		return staged, nil
	}
	n, err := f.S.FrontierPush(ctx, runID, direct, now, freshness)
	return staged + n, err
}

// FrontierLease implements crawler.Frontier.
func (f Frontier) FrontierLease(ctx context.Context, runID int64, n int, now time.Time, lease time.Duration) ([]crawler.FrontierItem, error) {
	items, err := f.S.FrontierLeaseTagged(ctx, runID, n, now, lease)
	out := make([]crawler.FrontierItem, len(items))
	for i, it := range items {
		out[i] = fromStore(it)
		if f.P != nil {
			out[i].Meta = withItemRef(it.Meta, itemRef{run: runID, item: it.ID})
		}
	}
	return out, err
}

// FrontierDone implements crawler.Frontier: the item's staged outcome and
// its done mark in one transaction.
func (f Frontier) FrontierDone(ctx context.Context, id int64, status int, etag, lastModified string, at time.Time) error {
	d := doneMark{id: id, status: status, etag: etag, lastMod: lastModified, at: at}
	if f.P != nil {
		return f.P.commitStaged(ctx, d)
	}
	return f.S.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := tx.FrontierDone(id, status, etag, lastModified, at)
		return err
	})
}

// FrontierRetry implements crawler.Frontier.
func (f Frontier) FrontierRetry(ctx context.Context, id int64, notBefore time.Time, errKind string) error {
	if f.P != nil {
		f.P.discardStaged(id)
	}
	return f.S.FrontierRetry(ctx, id, notBefore, errKind)
}

// FrontierDrop implements crawler.Frontier.
func (f Frontier) FrontierDrop(ctx context.Context, id int64, reason string) error {
	if f.P != nil {
		f.P.discardStaged(id)
	}
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
