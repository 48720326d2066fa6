package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// RefreshRef is what the nightly job needs to decide whether a creator is
// due and to build its refresh request, and, after the run, to see what
// became of it. Key is the internal row key: it survives a rename, so the
// job can follow a creator whose id changed during the run.
type RefreshRef struct {
	Key           int64      `json:"-"`
	ID            string     `json:"id"`
	Platform      string     `json:"platform"`
	Handle        string     `json:"handle"`
	PlatformID    string     `json:"platform_id"`
	URL           string     `json:"url"`
	SourceURL     string     `json:"source_url"`
	Tier          string     `json:"tier"`
	Followers     *int64     `json:"followers"`
	FetchedAt     time.Time  `json:"fetched_at"` // zero when never fetched
	LastPostAt    *time.Time `json:"last_post_at"`
	LastSeenAt    time.Time  `json:"last_seen_at"`
	Failures      int        `json:"failures"`
	LastErrorKind string     `json:"last_error_kind"`
	GoneAt        *time.Time `json:"gone_at"`
}

const refreshCols = `pk, id, platform, handle, platform_id, url, source_url, tier, followers, fetched_at,
	last_post_at, last_seen_at, failures, last_error_kind, gone_at`

func scanRefresh(sc scanner) (RefreshRef, error) {
	var (
		r                               RefreshRef
		pid                             sql.NullString
		followers                       sql.NullInt64
		fetched, lastPost, seen, goneAt sql.NullString
	)
	if err := sc.Scan(&r.Key, &r.ID, &r.Platform, &r.Handle, &pid, &r.URL, &r.SourceURL, &r.Tier, &followers,
		&fetched, &lastPost, &seen, &r.Failures, &r.LastErrorKind, &goneAt); err != nil {
		return r, err
	}
	r.PlatformID, r.Followers = pid.String, int64Ptr(followers)
	var err error
	if r.FetchedAt, err = parseTime(fetched); err != nil {
		return r, fmt.Errorf("creator %s: %w", r.ID, err)
	}
	if r.LastPostAt, err = parseTimePtr(lastPost); err != nil {
		return r, fmt.Errorf("creator %s: %w", r.ID, err)
	}
	if r.LastSeenAt, err = parseTime(seen); err != nil {
		return r, fmt.Errorf("creator %s: %w", r.ID, err)
	}
	if r.GoneAt, err = parseTimePtr(goneAt); err != nil {
		return r, fmt.Errorf("creator %s: %w", r.ID, err)
	}
	return r, nil
}

// RefreshQueue returns the creators that are not gone and were last fetched
// before the given time (or never), oldest fetch first, at most limit
// (limit <= 0: all). The nightly job applies its per-creator intervals.
func (s *Store) RefreshQueue(ctx context.Context, before time.Time, limit int) ([]RefreshRef, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+refreshCols+` FROM creators
		WHERE gone_at IS NULL AND (fetched_at IS NULL OR fetched_at < ?)
		ORDER BY fetched_at IS NOT NULL, fetched_at, pk LIMIT ?`, fmtTime(before), limit)
	if err != nil {
		return nil, fmt.Errorf("store: refresh queue: %w", err)
	}
	defer rows.Close()
	var out []RefreshRef
	for rows.Next() {
		r, err := scanRefresh(rows)
		if err != nil {
			return nil, fmt.Errorf("store: refresh queue: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: refresh queue: %w", err)
	}
	return out, nil
}

// RefreshState returns the current state of the creators with these keys,
// gone ones included. A key absent from the map is a creator no longer
// stored (forgotten or opted out).
func (s *Store) RefreshState(ctx context.Context, keys []int64) (map[int64]RefreshRef, error) {
	out := make(map[int64]RefreshRef, len(keys))
	err := s.read(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `SELECT `+refreshCols+` FROM creators WHERE pk=?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range keys {
			r, err := scanRefresh(stmt.QueryRowContext(ctx, k))
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			out[k] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: refresh state: %w", err)
	}
	return out, nil
}

// Watermark is the highest creator and post row keys at one moment. Rows
// inserted later have higher keys (SQLite gives a new row a key above the
// current maximum), so a watermark taken before a run tells what the run
// added, even for posts, whose fetch time a re-fetch moves.
type Watermark struct {
	Creator int64 `json:"creator"`
	Post    int64 `json:"post"`
}

// Watermark returns the current highest creator and post keys.
func (s *Store) Watermark(ctx context.Context) (Watermark, error) {
	var w Watermark
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(pk), 0) FROM creators`).Scan(&w.Creator); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(pk), 0) FROM posts`).Scan(&w.Post)
	})
	if err != nil {
		return w, fmt.Errorf("store: watermark: %w", err)
	}
	return w, nil
}

// CreatorsAfter returns the ids of the creators stored after watermark w
// (gone or not), in key order.
func (s *Store) CreatorsAfter(ctx context.Context, w Watermark) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM creators WHERE pk > ? ORDER BY pk`, w.Creator)
	if err != nil {
		return nil, fmt.Errorf("store: creators after %d: %w", w.Creator, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: creators after %d: %w", w.Creator, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: creators after %d: %w", w.Creator, err)
	}
	return out, nil
}

// BrandMention is a stored post that names a brand.
type BrandMention struct {
	PostID    string        `json:"post_id"`
	CreatorID string        `json:"creator_id"`
	Brand     creator.Brand `json:"brand"`
}

// BrandMentionsAfter returns the mentions of the given brands (compared
// case-insensitively, without a leading '@') in posts stored after
// watermark w, by post key. An empty brand list matches every brand.
func (s *Store) BrandMentionsAfter(ctx context.Context, w Watermark, brands []string) ([]BrandMention, error) {
	want := map[string]bool{}
	for _, b := range brands {
		if b = normBrand(b); b != "" {
			want[b] = true
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, c.id, p.brands FROM posts p JOIN creators c ON c.pk = p.creator_pk
		WHERE p.pk > ? AND p.brands IS NOT NULL AND p.brands <> '[]' ORDER BY p.pk`, w.Post)
	if err != nil {
		return nil, fmt.Errorf("store: brand mentions: %w", err)
	}
	defer rows.Close()
	var out []BrandMention
	for rows.Next() {
		var pid, cid string
		var raw sql.NullString
		if err := rows.Scan(&pid, &cid, &raw); err != nil {
			return nil, fmt.Errorf("store: brand mentions: %w", err)
		}
		var bs []creator.Brand
		if err := jsonScan(raw, &bs); err != nil {
			return nil, fmt.Errorf("store: brand mentions: post %s: %w", pid, err)
		}
		for _, b := range bs {
			if len(want) == 0 || want[normBrand(b.Name)] {
				out = append(out, BrandMention{PostID: pid, CreatorID: cid, Brand: b})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: brand mentions: %w", err)
	}
	return out, nil
}

func normBrand(b string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(b), "@"))
}

// CreatorIDByKey returns the id of the stored creator that key names: its
// id (any case) or its profile or source URL. ok is false when none does.
func (s *Store) CreatorIDByKey(ctx context.Context, key string) (id string, ok bool, err error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", false, creator.Invalid("id", "creator id or URL is empty")
	}
	err = s.r.QueryRowContext(ctx, `SELECT id FROM creators WHERE id=? OR id=? OR (url<>'' AND url=?) OR (source_url<>'' AND source_url=?)
		ORDER BY id=? DESC, id=? DESC LIMIT 1`, key, strings.ToLower(key), key, key, key, strings.ToLower(key)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: creator by key: %w", err)
	}
	return id, true, nil
}

// ---- the job lock ----

// ErrLocked is returned (wrapped, with the holder) by TryLock when another
// owner holds an unexpired lock.
var ErrLocked = &creator.Error{Code: creator.ECONFLICT, Message: "the lock is held by another process"}

// LockHolder is who holds a lock and until when.
type LockHolder struct {
	Name       string    `json:"name"`
	Owner      string    `json:"owner"`
	AcquiredAt time.Time `json:"acquired_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// TryLock takes the lock called name for owner until now+ttl, when it is
// free, expired, or already owner's (then the lease is renewed). Otherwise
// it returns the holder and an error wrapping ErrLocked. Processes sharing
// the database file share the lock; a holder that dies without Unlock
// loses it when its lease expires.
func (s *Store) TryLock(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (*LockHolder, error) {
	if strings.TrimSpace(name) == "" || strings.TrimSpace(owner) == "" {
		return nil, creator.Invalid("lock", "lock name and owner must be set")
	}
	if err := checkAt("now", now); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, creator.Invalid("ttl", "lock lease %s must be positive", ttl)
	}
	var held *LockHolder
	err := s.write(ctx, func(tx *txn) error {
		var (
			curOwner         string
			acquired, expiry sql.NullString
		)
		err := tx.QueryRowContext(ctx, `SELECT owner, acquired_at, expires_at FROM job_locks WHERE name=?`, name).
			Scan(&curOwner, &acquired, &expiry)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			exp, err := parseTime(expiry)
			if err != nil {
				return err
			}
			if curOwner != owner && exp.After(now) {
				acq, err := parseTime(acquired)
				if err != nil {
					return err
				}
				held = &LockHolder{Name: name, Owner: curOwner, AcquiredAt: acq, ExpiresAt: exp}
				return fmt.Errorf("lock %s held by %s until %s: %w", name, curOwner, exp.Format(time.RFC3339), ErrLocked)
			}
			if curOwner == owner {
				_, err := tx.ExecContext(ctx, `UPDATE job_locks SET expires_at=? WHERE name=?`, fmtTime(now.Add(ttl)), name)
				if err != nil {
					return err
				}
				acq, err := parseTime(acquired)
				held = &LockHolder{Name: name, Owner: owner, AcquiredAt: acq, ExpiresAt: now.Add(ttl).UTC()}
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO job_locks (name, owner, acquired_at, expires_at) VALUES (?,?,?,?)
			ON CONFLICT (name) DO UPDATE SET owner=excluded.owner, acquired_at=excluded.acquired_at,
			expires_at=excluded.expires_at`, name, owner, fmtTime(now), fmtTime(now.Add(ttl)))
		held = &LockHolder{Name: name, Owner: owner, AcquiredAt: now.UTC(), ExpiresAt: now.Add(ttl).UTC()}
		return err
	})
	if err != nil {
		if errors.Is(err, ErrLocked) {
			return held, err
		}
		return nil, fmt.Errorf("store: lock %s: %w", name, err)
	}
	return held, nil
}

// RenewLock extends owner's lease on name to now+ttl. It fails with an
// error wrapping ErrLocked when owner no longer holds the lock (it expired
// and someone else took it).
func (s *Store) RenewLock(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) error {
	if ttl <= 0 {
		return creator.Invalid("ttl", "lock lease %s must be positive", ttl)
	}
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE job_locks SET expires_at=? WHERE name=? AND owner=?`,
			fmtTime(now.Add(ttl)), name, owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("lock %s is no longer held by %s: %w", name, owner, ErrLocked)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrLocked) {
			return err
		}
		return fmt.Errorf("store: renew lock %s: %w", name, err)
	}
	return nil
}

// Unlock releases owner's lock on name; releasing a lock one does not hold
// is not an error.
func (s *Store) Unlock(ctx context.Context, name, owner string) error {
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM job_locks WHERE name=? AND owner=?`, name, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: unlock %s: %w", name, err)
	}
	return nil
}

// ---- carrying the do-not-crawl list over a restore ----

// DoNotCrawlEntry is one digest on the do-not-crawl list.
type DoNotCrawlEntry struct {
	Hash    string    `json:"hash"`
	Kind    string    `json:"kind"`
	AddedAt time.Time `json:"added_at"`
}

// DoNotCrawlEntries returns the whole do-not-crawl list (digests only).
func (s *Store) DoNotCrawlEntries(ctx context.Context) ([]DoNotCrawlEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT key_hash, kind, added_at FROM do_not_crawl ORDER BY added_at, key_hash`)
	if err != nil {
		return nil, fmt.Errorf("store: do-not-crawl entries: %w", err)
	}
	defer rows.Close()
	var out []DoNotCrawlEntry
	for rows.Next() {
		var e DoNotCrawlEntry
		var at sql.NullString
		if err := rows.Scan(&e.Hash, &e.Kind, &at); err != nil {
			return nil, fmt.Errorf("store: do-not-crawl entries: %w", err)
		}
		if e.AddedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: do-not-crawl entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: do-not-crawl entries: %w", err)
	}
	return out, nil
}

// AddDoNotCrawlEntries puts digests taken from another database (see
// DoNotCrawlEntries) on this one's list, and returns the ids of stored
// creators any of them names by id or profile URL: the caller forgets
// those. Entries already listed are kept as they are.
func (s *Store) AddDoNotCrawlEntries(ctx context.Context, entries []DoNotCrawlEntry) (named []string, err error) {
	set := make(map[string]bool, len(entries))
	for i, e := range entries {
		if len(e.Hash) != 64 || strings.Trim(e.Hash, "0123456789abcdef") != "" {
			return nil, creator.Invalid(fmt.Sprintf("entries[%d].hash", i), "%q is not a hex SHA-256", e.Hash)
		}
		if e.AddedAt.IsZero() {
			return nil, creator.Invalid(fmt.Sprintf("entries[%d].added_at", i), "time is zero")
		}
		set[e.Hash] = true
	}
	err = s.write(ctx, func(tx *txn) error {
		for _, e := range entries {
			kind := e.Kind
			if kind == "" {
				kind = "key"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO do_not_crawl (key_hash, kind, added_at) VALUES (?,?,?)
				ON CONFLICT (key_hash) DO NOTHING`, e.Hash, kind, fmtTime(e.AddedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: add do-not-crawl entries: %w", err)
	}
	if len(set) == 0 {
		return nil, nil
	}
	// Only the keys that name one creator: a bare handle or platform id may
	// be another platform's account, and a source URL may be a feed page
	// many creators were read from.
	rows, err := s.r.QueryContext(ctx, `SELECT id, url FROM creators ORDER BY pk`)
	if err != nil {
		return nil, fmt.Errorf("store: add do-not-crawl entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, u string
		if err := rows.Scan(&id, &u); err != nil {
			return nil, fmt.Errorf("store: add do-not-crawl entries: %w", err)
		}
		for _, k := range []string{id, u} {
			if normKey(k) != "" && set[KeyHash(k)] {
				named = append(named, id)
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: add do-not-crawl entries: %w", err)
	}
	return named, nil
}

// ---- run reports ----

// PutRunReport stores the report of run rep.RunID, replacing any earlier
// one. Each change is tied to its creator's row, so forgetting the creator
// deletes it; a change whose creator is no longer stored is dropped.
func (s *Store) PutRunReport(ctx context.Context, rep creator.RunReport) error {
	if rep.RunID <= 0 {
		return creator.Invalid("run_id", "report has no run id")
	}
	counts := rep
	counts.Changes = nil
	body, err := json.Marshal(counts)
	if err != nil {
		return fmt.Errorf("store: put run report %d: %w", rep.RunID, err)
	}
	err = s.write(ctx, func(tx *txn) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM crawl_runs WHERE id=?`, rep.RunID).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("crawl run", rep.RunID)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO run_reports (run_id, report) VALUES (?,?)
			ON CONFLICT (run_id) DO UPDATE SET report=excluded.report`, rep.RunID, string(body)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM run_changes WHERE run_id=?`, rep.RunID); err != nil {
			return err
		}
		for i, ch := range rep.Changes {
			var pk int64
			err := tx.QueryRowContext(ctx, qCreatorPK, ch.CreatorID).Scan(&pk)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			d := ch
			d.CreatorID = ""
			detail, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO run_changes (run_id, seq, creator_pk, kind, detail) VALUES (?,?,?,?,?)`,
				rep.RunID, i, pk, ch.Kind, string(detail)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("put run report %d", rep.RunID), err)
	}
	return nil
}

// RunReport returns the stored report of a run, its changes naming each
// creator by its current id. A run without a report is ENOTFOUND.
func (s *Store) RunReport(ctx context.Context, runID int64) (*creator.RunReport, error) {
	var rep creator.RunReport
	err := s.read(ctx, func(tx *sql.Tx) error {
		var body sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT report FROM run_reports WHERE run_id=?`, runID).Scan(&body); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("report of crawl run", runID)
			}
			return err
		}
		if err := jsonScan(body, &rep); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT c.id, r.detail FROM run_changes r JOIN creators c ON c.pk = r.creator_pk
			WHERE r.run_id=? ORDER BY r.seq`, runID)
		if err != nil {
			return err
		}
		defer rows.Close()
		rep.Changes = []creator.Change{}
		for rows.Next() {
			var id string
			var detail sql.NullString
			if err := rows.Scan(&id, &detail); err != nil {
				return err
			}
			var ch creator.Change
			if err := jsonScan(detail, &ch); err != nil {
				return err
			}
			ch.CreatorID = id
			rep.Changes = append(rep.Changes, ch)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr(fmt.Sprintf("run report %d", runID), err)
	}
	return &rep, nil
}
