package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// FrontierItem is one URL waiting in (or leased from) a run's durable crawl
// frontier. Kind and Meta are the crawler's own: the store keeps them as
// given.
type FrontierItem struct {
	ID       int64
	RunID    int64
	URL      string
	Kind     string
	Meta     map[string]string
	Depth    int
	Host     string // from URL when empty on push
	Attempts int    // FrontierRetry calls so far
	// NotBefore is when the item may be leased. On push, zero means now. On
	// an item returned by FrontierLease it is the lease expiry: when the item
	// comes back if neither done, retried nor dropped by then.
	NotBefore time.Time
}

// Hot statements, prepared once at Open (see hotQueries).
const (
	qFrontierSeen   = `SELECT fetched_at FROM seen WHERE url=?`
	qFrontierInsert = `INSERT INTO frontier (run_id, url, kind, meta, depth, host, not_before)
			VALUES (?,?,?,?,?,?,?) ON CONFLICT (run_id, url) DO NOTHING`
	qFrontierReady = `SELECT id, run_id, url, kind, meta, depth, host, attempts
			FROM frontier WHERE run_id=? AND state=0 AND not_before<=?
			ORDER BY not_before, id LIMIT ?`
	qFrontierLeaseUpd = `UPDATE frontier SET not_before=? WHERE id=?`
	qFrontierDone     = `UPDATE frontier SET state=?,
		err_kind = CASE WHEN err_kind LIKE 'leased:%' THEN substr(err_kind, 8) ELSE err_kind END
		WHERE id=? RETURNING url`
	qSeenPut = `INSERT INTO seen (url, etag, last_modified, fetched_at, status)
		VALUES (?,?,?,?,?) ON CONFLICT (url) DO UPDATE SET
			etag = CASE WHEN excluded.status = 304 AND excluded.etag = '' THEN seen.etag ELSE excluded.etag END,
			last_modified = CASE WHEN excluded.status = 304 AND excluded.last_modified = '' THEN seen.last_modified ELSE excluded.last_modified END,
			fetched_at = excluded.fetched_at,
			status = excluded.status`
	qFrontierState = `SELECT state FROM frontier WHERE id=?`
	qFrontierRetry = `UPDATE frontier SET attempts=attempts+1, not_before=?, err_kind=? WHERE id=?`
	qFrontierDrop  = `UPDATE frontier SET state=?, err_kind=? WHERE id=?`
)

// Frontier item states.
const (
	frontierQueued  = 0
	frontierDone    = 1
	frontierDropped = 2
)

// FrontierPush adds items to run runID's frontier and returns how many were
// added. It skips a URL already in this run's frontier (queued, leased, done
// or dropped), a URL fetched (in the seen set) within freshness before now,
// and a URL on the do-not-crawl list. Items are checked first: one bad item
// (empty or unparsable URL) fails the whole push with an EINVALID naming it.
func (s *Store) FrontierPush(ctx context.Context, runID int64, items []FrontierItem, now time.Time, freshness time.Duration) (added int, err error) {
	if len(items) == 0 {
		return 0, nil
	}
	err = s.inTx(ctx, fmt.Sprintf("frontier push (run %d)", runID), func(t *Tx) error {
		added, err = t.FrontierPush(runID, items, now, freshness)
		return err
	})
	return added, err
}

// FrontierPush is Store.FrontierPush inside the transaction: the same
// checks, skips and count.
func (t *Tx) FrontierPush(runID int64, items []FrontierItem, now time.Time, freshness time.Duration) (added int, err error) {
	type row struct {
		it   FrontierItem
		meta any
	}
	ctx, tx := t.ctx, t.tx
	rows := make([]row, 0, len(items))
	for i, it := range items {
		param := fmt.Sprintf("items[%d].url", i)
		if strings.TrimSpace(it.URL) == "" {
			return 0, creator.Invalid(param, "frontier URL is empty")
		}
		u, err := url.Parse(it.URL)
		if err != nil || !u.IsAbs() || u.Host == "" {
			return 0, creator.Invalid(param, "frontier URL %q is not an absolute URL with a host", it.URL)
		}
		if it.Host == "" {
			it.Host = strings.ToLower(u.Hostname())
		}
		if it.NotBefore.IsZero() {
			it.NotBefore = now
		}
		meta, err := jsonArg(it.Meta)
		if err != nil {
			return 0, fmt.Errorf("store: frontier push: %s meta: %w", it.URL, err)
		}
		rows = append(rows, row{it: it, meta: meta})
	}
	freshSince := now.Add(-freshness).UnixNano()
	for _, r := range rows {
		if freshness > 0 {
			var fetched int64
			err := tx.QueryRowContext(ctx, qFrontierSeen, r.it.URL).Scan(&fetched)
			if err == nil && fetched > freshSince {
				continue
			}
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, fmt.Errorf("store: frontier push (run %d): %w", runID, err)
			}
		}
		blocked, err := dncHas(ctx, tx, r.it.URL)
		if err != nil {
			return 0, fmt.Errorf("store: frontier push (run %d): %w", runID, err)
		}
		if blocked {
			continue
		}
		res, err := tx.ExecContext(ctx, qFrontierInsert, runID, r.it.URL, r.it.Kind, r.meta, r.it.Depth, r.it.Host, r.it.NotBefore.UnixNano())
		if err != nil {
			return 0, fmt.Errorf("store: frontier push (run %d): %s: %w", runID, r.it.URL, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: frontier push (run %d): %w", runID, err)
		}
		added += int(n)
	}
	return added, nil
}

// FrontierLease leases up to n queued items of run runID whose NotBefore has
// passed and that no live lease holds, oldest first, for the duration lease.
// A lease that expires (the crawler crashed or was killed) lets the item
// come back in a later FrontierLease, so nothing is lost.
func (s *Store) FrontierLease(ctx context.Context, runID int64, n int, now time.Time, lease time.Duration) ([]FrontierItem, error) {
	return s.lease(ctx, runID, n, now, lease, qFrontierLeaseUpd)
}

// lease takes up to n ready items of run runID and moves each one's
// not_before to the lease expiry with upd (plain or tagged, see
// FrontierLeaseTagged).
func (s *Store) lease(ctx context.Context, runID int64, n int, now time.Time, lease time.Duration, upd string) ([]FrontierItem, error) {
	if n <= 0 {
		return nil, creator.Invalid("n", "lease count %d must be positive", n)
	}
	if lease <= 0 {
		return nil, creator.Invalid("lease", "lease duration %s must be positive", lease)
	}
	until := now.Add(lease)
	var out []FrontierItem
	err := s.write(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, qFrontierReady, runID, now.UnixNano(), n)
		if err != nil {
			return err
		}
		for rows.Next() {
			var it FrontierItem
			var meta sql.NullString
			if err := rows.Scan(&it.ID, &it.RunID, &it.URL, &it.Kind, &meta, &it.Depth, &it.Host, &it.Attempts); err != nil {
				rows.Close()
				return err
			}
			if err := jsonScan(meta, &it.Meta); err != nil {
				rows.Close()
				return fmt.Errorf("item %d meta: %w", it.ID, err)
			}
			it.NotBefore = nsTime(until.UnixNano())
			out = append(out, it)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, it := range out {
			if _, err := tx.ExecContext(ctx, upd, until.UnixNano(), it.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: frontier lease (run %d): %w", runID, err)
	}
	return out, nil
}

// FrontierDone marks an item done and records its URL in the seen set with
// the response status, validators and fetch time. On a 304 an empty ETag or
// Last-Modified keeps the stored one (servers may omit them on a 304). It also clears the tag of a tagged
// lease (FrontierLeaseTagged).
func (s *Store) FrontierDone(ctx context.Context, id int64, status int, etag, lastModified string, at time.Time) error {
	return s.inTx(ctx, fmt.Sprintf("frontier done %d", id), func(t *Tx) error {
		_, err := t.FrontierDone(id, status, etag, lastModified, at)
		return err
	})
}

// FrontierDone is Store.FrontierDone inside the transaction; it also
// clears the tag of a tagged lease. It returns the item's URL.
func (t *Tx) FrontierDone(id int64, status int, etag, lastModified string, at time.Time) (string, error) {
	if at.IsZero() {
		return "", creator.Invalid("at", "fetch time is zero")
	}
	var u string
	err := t.tx.QueryRowContext(t.ctx, qFrontierDone, frontierDone, id).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("frontier item", id)
	}
	if err != nil {
		return "", fmt.Errorf("store: frontier done %d: %w", id, err)
	}
	if err := putSeen(t.ctx, t.tx, u, status, etag, lastModified, at); err != nil {
		return "", fmt.Errorf("store: frontier done %d: %w", id, err)
	}
	return u, nil
}

// putSeen records a fetch of u in the seen set. A 304 also confirms the
// contact facts read from u (confirmContactFacts).
func putSeen(ctx context.Context, tx querier, u string, status int, etag, lastModified string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, qSeenPut, u, etag, lastModified, at.UnixNano(), status); err != nil {
		return err
	}
	if status == http.StatusNotModified {
		return confirmContactFacts(ctx, tx, u, at)
	}
	return nil
}

// MarkSeen records a fetch in the seen set without a frontier item (a page
// fetched outside the frontier, such as a profile refresh).
func (s *Store) MarkSeen(ctx context.Context, u string, status int, etag, lastModified string, at time.Time) error {
	if strings.TrimSpace(u) == "" {
		return creator.Invalid("url", "seen URL is empty")
	}
	if at.IsZero() {
		return creator.Invalid("at", "fetch time is zero")
	}
	if err := s.write(ctx, func(tx *txn) error { return putSeen(ctx, tx, u, status, etag, lastModified, at) }); err != nil {
		return fmt.Errorf("store: mark seen %s: %w", u, err)
	}
	return nil
}

// FrontierRetry puts a leased item back for a later attempt: attempts goes
// up, NotBefore becomes notBefore and errKind is recorded. A done or dropped
// item is ECONFLICT.
func (s *Store) FrontierRetry(ctx context.Context, id int64, notBefore time.Time, errKind string) error {
	err := s.write(ctx, func(tx *txn) error {
		var state int
		err := tx.QueryRowContext(ctx, qFrontierState, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("frontier item", id)
		}
		if err != nil {
			return err
		}
		if state != frontierQueued {
			return creator.Errorf(creator.ECONFLICT, "frontier item %d is already done or dropped", id)
		}
		_, err = tx.ExecContext(ctx, qFrontierRetry,
			notBefore.UnixNano(), errKind, id)
		return err
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("frontier retry %d", id), err)
	}
	return nil
}

// FrontierDrop takes an item out of the frontier for good (robots denial,
// too many attempts, a trap), recording why.
func (s *Store) FrontierDrop(ctx context.Context, id int64, reason string) error {
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, qFrontierDrop, frontierDropped, reason, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("frontier item", id)
		}
		return nil
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("frontier drop %d", id), err)
	}
	return nil
}

// FrontierPending counts run runID's items that are neither done nor
// dropped, leased or not.
func (s *Store) FrontierPending(ctx context.Context, runID int64) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM frontier WHERE run_id=? AND state=0`, runID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: frontier pending (run %d): %w", runID, err)
	}
	return n, nil
}

// FrontierNext returns when run runID's next queued item becomes leasable
// (its NotBefore, or a lease expiry), and false when nothing is queued. A
// crawler with nothing to lease sleeps until then on its clock.
func (s *Store) FrontierNext(ctx context.Context, runID int64) (time.Time, bool, error) {
	var ns sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT min(not_before) FROM frontier WHERE run_id=? AND state=0`, runID).Scan(&ns); err != nil {
		return time.Time{}, false, fmt.Errorf("store: frontier next (run %d): %w", runID, err)
	}
	if !ns.Valid {
		return time.Time{}, false, nil
	}
	return nsTime(ns.Int64), true, nil
}

// FrontierClear deletes every frontier item of run runID (after the run has
// finished). The seen set is kept.
func (s *Store) FrontierClear(ctx context.Context, runID int64) error {
	if err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM frontier WHERE run_id=?`, runID)
		return err
	}); err != nil {
		return fmt.Errorf("store: frontier clear (run %d): %w", runID, err)
	}
	return nil
}

// Seen returns what the seen set holds for url: the validators for a
// conditional request and when it was fetched. ok is false when url was
// never fetched.
func (s *Store) Seen(ctx context.Context, u string) (etag, lastModified string, fetchedAt time.Time, ok bool, err error) {
	var ns int64
	err = s.reader(ctx).QueryRowContext(ctx, qSeen, u).Scan(&etag, &lastModified, &ns)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", time.Time{}, false, nil
	}
	if err != nil {
		return "", "", time.Time{}, false, fmt.Errorf("store: seen %s: %w", u, err)
	}
	return etag, lastModified, nsTime(ns), true, nil
}
