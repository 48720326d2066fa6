package store

// One page's outcome in one transaction.
//
// The crawler used to store a page in three steps: the creators and posts
// (two transactions: the facts, then the analysis over them), the links the
// page leads to, and the frontier item's "done" with the URL's seen record.
// A kill -9 between them lost the links or fetched the page again. WriteTx
// and Tx make the whole outcome one SQLite transaction: either the page is
// stored, analysed, its links queued and its URL seen, or none of it
// happened and the page is fetched again.
//
// Each write a page's outcome needs is a method of Tx (UpsertAnalysed,
// PutSnapshot, FrontierPush, FrontierDone, ...) that lives beside its Store
// counterpart, and the Store method is that Tx method in a transaction of
// its own, so there is one copy of each.
//
// Tagged leases let a resumed run tell the items a killed process had
// leased (and will never finish) from items deferred on purpose (backoff,
// Retry-After, a spent quota), so that it takes the first back at once and
// leaves the second alone.

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Statements of this file, prepared once at Open with the others.
const (
	qTxLeaseUpd = `UPDATE frontier SET not_before=?,
			err_kind = CASE WHEN err_kind LIKE 'leased:%' THEN err_kind ELSE 'leased:' || err_kind END
			WHERE id=?`
)

func init() {
	hotQueries = append(hotQueries, qTxLeaseUpd)
}

// leaseTag prefixes the err_kind of a queued item leased by
// FrontierLeaseTagged. FrontierRetry and FrontierDrop overwrite err_kind, so
// the tag is present exactly while the lease is the item's latest event.
const leaseTag = "leased:"

// Tx is one write transaction, from WriteTx. Its methods may only be called
// from inside the function given to WriteTx.
type Tx struct {
	ctx  context.Context
	tx   *txn
	s    *Store
	call *txCall
}

// OnCommit runs f once the transaction holding this function's writes has
// committed, and not at all if they are rolled back. The functions of all
// WriteTx calls run in commit order, before the next group of calls
// begins and before WriteTx returns: what they publish (a queued index
// update, say) follows the order in which the writes were made, even for
// calls that committed together. f may run on another goroutine than the
// caller's; it must be quick and must not write to the store.
func (t *Tx) OnCommit(f func()) {
	t.call.onCommit = append(t.call.onCommit, f)
}

// WriteTx runs fn as one write transaction: everything fn wrote is
// committed when it returns nil, and none of it when it returns an error or
// panics (the panic is raised again here). Calls from several goroutines
// that wait for the writer commit together, each in a savepoint of its own
// (group.go); WriteTx returns only once the commit holding fn's work is
// done. Writes of other goroutines wait for fn, so fn should do storage
// work, not network I/O. A ctx done before fn starts is returned, and fn
// does not run; once started, fn runs to its end (its Tx carries ctx's
// values, not its cancellation).
func (s *Store) WriteTx(ctx context.Context, fn func(tx *Tx) error) error {
	if err := s.groupTx(ctx, fn); err != nil {
		return wrapErr("write transaction", err)
	}
	return nil
}

// inTx runs fn as the one write transaction of a Store method that has a
// Tx counterpart. An error of fn comes back as fn made it (the Tx methods
// say what failed and where); a failure to begin or commit is wrapped
// with op.
func (s *Store) inTx(ctx context.Context, op string, fn func(t *Tx) error) error {
	failed := false
	err := s.groupTx(ctx, func(t *Tx) error {
		err := fn(t)
		failed = err != nil
		return err
	})
	if err == nil || failed {
		return err
	}
	return wrapErr(op, err)
}

// FrontierLeaseTagged is FrontierLease that also tags each leased item, so
// that FrontierReleaseLeases can hand back, after a crash, exactly the
// items that were leased and not finished, retried or dropped since.
func (s *Store) FrontierLeaseTagged(ctx context.Context, runID int64, n int, now time.Time, lease time.Duration) ([]FrontierItem, error) {
	return s.lease(ctx, runID, n, now, lease, qTxLeaseUpd)
}

// FrontierReleaseLeases makes every item of run runID that a tagged lease
// still holds leasable at now, and returns how many. Call it only when no
// process is working on the run (on resume after a crash): their leases
// would otherwise keep the items back until they expire. Items deferred by
// FrontierRetry keep their time.
func (s *Store) FrontierReleaseLeases(ctx context.Context, runID int64, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE frontier SET not_before = min(not_before, ?), err_kind = substr(err_kind, 8)
			WHERE run_id=? AND state=0 AND err_kind LIKE 'leased:%'`, now.UnixNano(), runID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: frontier release leases (run %d): %w", runID, err)
	}
	return int(n), nil
}

// CreatorsTouchedSince returns the ids of creators that are not gone and
// were stored, or had a post stored, at or after since (by the fetch time
// the crawl recorded), sorted. A resumed run re-indexes them: the index
// is written after the store and a crash can come between.
func (s *Store) CreatorsTouchedSince(ctx context.Context, since time.Time) ([]string, error) {
	at := since.UTC().Format(timeLayout)
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM creators WHERE gone_at IS NULL AND (last_seen_at >= ?
		OR pk IN (SELECT creator_pk FROM posts WHERE fetched_at >= ?))`, at, at)
	if err != nil {
		return nil, fmt.Errorf("store: creators touched since %s: %w", at, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: creators touched since %s: %w", at, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: creators touched since %s: %w", at, err)
	}
	sort.Strings(out)
	return out, nil
}

// FrontierFetched counts run runID's finished items by the status their
// fetch recorded in the seen set: pages (2xx) and not-modified (304)
// responses. A run resumed after a kill counts its pages from here: the
// processes that were killed could not report theirs.
func (s *Store) FrontierFetched(ctx context.Context, runID int64) (pages, notModified int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT
			coalesce(sum(s.status BETWEEN 200 AND 299), 0), coalesce(sum(s.status = 304), 0)
		FROM frontier f JOIN seen s ON s.url = f.url WHERE f.run_id=? AND f.state=?`, runID, frontierDone).
		Scan(&pages, &notModified)
	if err != nil {
		return 0, 0, fmt.Errorf("store: frontier fetched (run %d): %w", runID, err)
	}
	return pages, notModified, nil
}
