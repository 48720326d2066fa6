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
// Tagged leases let a resumed run tell the items a killed process had
// leased (and will never finish) from items deferred on purpose (backoff,
// Retry-After, a spent quota), so that it takes the first back at once and
// leaves the second alone.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// Statements of this file, prepared once at Open with the others.
const (
	qTxRecentPosts = `SELECT ` + postCols + `, p.disclosure, p.brands, p.undisclosed
		FROM posts p JOIN creators c ON c.pk = p.creator_pk
		WHERE p.creator_pk=?` + postOrder + ` LIMIT ?`
	qTxHistory = `SELECT day, followers, following, posts_count, engagement_rate,
			avg_likes, avg_views FROM snapshots WHERE creator_pk=? ORDER BY day`
	qTxDisclosure = `UPDATE posts SET disclosure=?, brands=?, undisclosed=? WHERE id=?`
	qTxSnapshot   = `INSERT INTO snapshots (creator_pk, day, followers, following, posts_count,
		engagement_rate, avg_likes, avg_views) VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (creator_pk, day) DO UPDATE SET
			followers = COALESCE(excluded.followers, snapshots.followers),
			following = COALESCE(excluded.following, snapshots.following),
			posts_count = COALESCE(excluded.posts_count, snapshots.posts_count),
			engagement_rate = COALESCE(excluded.engagement_rate, snapshots.engagement_rate),
			avg_likes = COALESCE(excluded.avg_likes, snapshots.avg_likes),
			avg_views = COALESCE(excluded.avg_views, snapshots.avg_views)`
	qTxDone = `UPDATE frontier SET state=?,
		err_kind = CASE WHEN err_kind LIKE 'leased:%' THEN substr(err_kind, 8) ELSE err_kind END
		WHERE id=? RETURNING url`
	qTxLeaseUpd = `UPDATE frontier SET not_before=?,
			err_kind = CASE WHEN err_kind LIKE 'leased:%' THEN err_kind ELSE 'leased:' || err_kind END
			WHERE id=?`
)

func init() {
	hotQueries = append(hotQueries, qTxRecentPosts, qTxHistory, qTxDisclosure, qTxSnapshot, qTxDone, qTxLeaseUpd)
}

// leaseTag prefixes the err_kind of a queued item leased by
// FrontierLeaseTagged. FrontierRetry and FrontierDrop overwrite err_kind, so
// the tag is present exactly while the lease is the item's latest event.
const leaseTag = "leased:"

// Tx is one write transaction, from WriteTx. Its methods may only be called
// from inside the function given to WriteTx.
type Tx struct {
	ctx context.Context
	tx  *txn
	s   *Store
}

// WriteTx runs fn in one write transaction and commits when fn returns nil;
// any error rolls everything back. Writes of other goroutines wait for it,
// so fn should do storage work, not network I/O.
func (s *Store) WriteTx(ctx context.Context, fn func(tx *Tx) error) error {
	err := s.write(ctx, func(tx *txn) error { return fn(&Tx{ctx: ctx, tx: tx, s: s}) })
	if err != nil {
		return wrapErr("write transaction", err)
	}
	return nil
}

// AnalyseFunc recomputes a creator's figures from its stored recent posts
// (newest first) and history (oldest first), in place, as creator.Analyze
// does. It may change each post's Disclosure, Brands and Undisclosed.
type AnalyseFunc func(c *creator.Creator, posts []creator.Post, history []creator.Snapshot)

// Upserted is what Tx.UpsertAnalysed stored.
type Upserted struct {
	Creator *creator.Creator // as stored, analysed
	Posts   []creator.Post   // its most recent stored posts, newest first, analysed
	Created bool
}

// UpsertAnalysed stores c and posts as Store.UpsertCreator does (same keys,
// keep-last-good merge, do-not-crawl refusal with ErrDoNotCrawl, ECONFLICT
// for an id held by another account), then reads back the creator's recent
// stored posts (at most recent; all when recent <= 0) and its history,
// calls analyse on them, and stores the analysed creator (a figure analyse
// leaves nil keeps the stored one) and the posts whose disclosure analysis
// changed. It refuses (with a *creator.Error) before
// writing anything, so the transaction stays usable for the page's other
// creators.
func (t *Tx) UpsertAnalysed(c *creator.Creator, posts []creator.Post, recent int, analyse AnalyseFunc) (*Upserted, error) {
	if err := validateCreator(c, posts); err != nil {
		return nil, err
	}
	ctx, tx := t.ctx, t.tx
	seenAt := c.FetchedAt
	if seenAt.IsZero() {
		seenAt = t.s.now()
	}
	for _, k := range []struct{ kind, key string }{{"id", c.ID}, {"url", c.URL}, {"platform_id", c.PlatformID}} {
		if k.key == "" {
			continue
		}
		blocked, err := dncHas(ctx, tx, k.key)
		if err != nil {
			return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
		}
		if blocked {
			return nil, wrapErr("upsert creator "+c.ID, fmt.Errorf("by %s: %w", k.kind, ErrDoNotCrawl))
		}
	}
	pk, old, err := findForUpsert(ctx, tx, c)
	if err != nil {
		return nil, wrapErr("upsert creator "+c.ID, err)
	}
	m := *c
	if old != nil {
		m = mergeKeepLastGood(old, c)
	}
	out := &Upserted{Creator: &m, Created: old == nil}
	if old == nil {
		args, err := creatorArgs(&m)
		if err != nil {
			return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
		}
		res, err := tx.ExecContext(ctx, qCreatorInsert, append(args, fmtTime(seenAt), fmtTime(seenAt))...)
		if err != nil {
			return nil, fmt.Errorf("store: upsert creator %s: insert: %w", c.ID, err)
		}
		if pk, err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
		}
	}
	if err := upsertPosts(ctx, tx, pk, posts); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	stored, raw, err := t.recentPosts(pk, recent)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: read posts: %w", c.ID, err)
	}
	hist, err := t.history(pk, m.ID)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: read history: %w", c.ID, err)
	}
	if analyse != nil {
		// As two upserts would: a figure the analysis leaves unknown keeps
		// the stored one.
		pre := m
		analyse(&m, stored, hist)
		m = mergeKeepLastGood(&pre, &m)
	}
	if err := validateCreator(&m, nil); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: analysis: %w", c.ID, err)
	}
	args, err := creatorArgs(&m)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	if _, err := tx.ExecContext(ctx, qCreatorUpdate, append(args, fmtTime(seenAt), pk)...); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: update: %w", c.ID, err)
	}
	if err := t.updateDisclosures(stored, raw); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	out.Posts = stored
	return out, nil
}

// rawDisclosure is a post's analysis columns as read, to write back only
// what the analysis changed.
type rawDisclosure struct {
	disclosure, brands, undisclosed sql.NullString
}

func (t *Tx) recentPosts(pk int64, limit int) ([]creator.Post, []rawDisclosure, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := t.tx.QueryContext(t.ctx, qTxRecentPosts, pk, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var (
		out []creator.Post
		raw []rawDisclosure
	)
	for rows.Next() {
		var r rawDisclosure
		p, err := scanPost(rows, &r.disclosure, &r.brands, &r.undisclosed)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, p)
		raw = append(raw, r)
	}
	return out, raw, rows.Err()
}

func (t *Tx) history(pk int64, id string) ([]creator.Snapshot, error) {
	rows, err := t.tx.QueryContext(t.ctx, qTxHistory, pk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []creator.Snapshot
	for rows.Next() {
		var (
			day                              string
			followers, following, postsCount sql.NullInt64
			er, likes, views                 sql.NullFloat64
		)
		if err := rows.Scan(&day, &followers, &following, &postsCount, &er, &likes, &views); err != nil {
			return nil, err
		}
		d, err := time.Parse(dayLayout, day)
		if err != nil {
			return nil, fmt.Errorf("stored day %q: %w", day, err)
		}
		out = append(out, creator.Snapshot{
			CreatorID: id, Day: d,
			Followers: int64Ptr(followers), Following: int64Ptr(following), PostsCount: int64Ptr(postsCount),
			EngagementRate: float64Ptr(er), AvgLikes: float64Ptr(likes), AvgViews: float64Ptr(views),
		})
	}
	return out, rows.Err()
}

// updateDisclosures writes back the analysis columns of the posts whose
// analysis changed them.
func (t *Tx) updateDisclosures(posts []creator.Post, raw []rawDisclosure) error {
	for i := range posts {
		p := &posts[i]
		disc, err := jsonArg(p.Disclosure)
		if err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
		brands, err := jsonArg(p.Brands)
		if err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
		und, err := jsonArg(p.Undisclosed)
		if err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
		if sameJSON(disc, raw[i].disclosure) && sameJSON(brands, raw[i].brands) && sameJSON(und, raw[i].undisclosed) {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, qTxDisclosure, disc, brands, und, p.ID); err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
	}
	return nil
}

// sameJSON compares a jsonArg value (nil or a string) with a stored column.
func sameJSON(v any, stored sql.NullString) bool {
	s, ok := v.(string)
	if !ok {
		return !stored.Valid
	}
	return stored.Valid && stored.String == s
}

// Creator returns the stored creator with this id (ENOTFOUND when missing),
// as Store.Creator does, inside the transaction.
func (t *Tx) Creator(id string) (*creator.Creator, error) {
	_, c, err := scanCreator(t.tx.QueryRowContext(t.ctx, qCreatorByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("creator", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: creator %s: %w", id, err)
	}
	return c, nil
}

// PutSnapshot is Store.PutSnapshot inside the transaction.
func (t *Tx) PutSnapshot(snap creator.Snapshot) error {
	if snap.Day.IsZero() {
		return creator.Invalid("day", "snapshot of %s has no day", snap.CreatorID)
	}
	if err := checkTime("day", snap.Day); err != nil {
		return err
	}
	var pk int64
	if err := t.tx.QueryRowContext(t.ctx, qCreatorPK, snap.CreatorID).Scan(&pk); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("creator", snap.CreatorID)
		}
		return fmt.Errorf("store: put snapshot of %s: %w", snap.CreatorID, err)
	}
	_, err := t.tx.ExecContext(t.ctx, qTxSnapshot,
		pk, Day(snap.Day).Format(dayLayout), ptrArg(snap.Followers), ptrArg(snap.Following), ptrArg(snap.PostsCount),
		ptrArg(snap.EngagementRate), ptrArg(snap.AvgLikes), ptrArg(snap.AvgViews))
	if err != nil {
		return fmt.Errorf("store: put snapshot of %s: %w", snap.CreatorID, err)
	}
	return nil
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

// FrontierDone is Store.FrontierDone inside the transaction; it also
// clears the tag of a tagged lease.
func (t *Tx) FrontierDone(id int64, status int, etag, lastModified string, at time.Time) error {
	if at.IsZero() {
		return creator.Invalid("at", "fetch time is zero")
	}
	var u string
	err := t.tx.QueryRowContext(t.ctx, qTxDone, frontierDone, id).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("frontier item", id)
	}
	if err != nil {
		return fmt.Errorf("store: frontier done %d: %w", id, err)
	}
	if err := putSeen(t.ctx, t.tx, u, status, etag, lastModified, at); err != nil {
		return fmt.Errorf("store: frontier done %d: %w", id, err)
	}
	return nil
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
