package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// Day returns the UTC calendar day of t, as UTC midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Statements of this file, prepared once at Open with the others.
const (
	qSnapshotPut = `INSERT INTO snapshots (creator_pk, day, followers, following, posts_count,
		engagement_rate, avg_likes, avg_views) VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (creator_pk, day) DO UPDATE SET
			followers = COALESCE(excluded.followers, snapshots.followers),
			following = COALESCE(excluded.following, snapshots.following),
			posts_count = COALESCE(excluded.posts_count, snapshots.posts_count),
			engagement_rate = COALESCE(excluded.engagement_rate, snapshots.engagement_rate),
			avg_likes = COALESCE(excluded.avg_likes, snapshots.avg_likes),
			avg_views = COALESCE(excluded.avg_views, snapshots.avg_views)`
	qHistory = `SELECT day, followers, following, posts_count, engagement_rate,
			avg_likes, avg_views FROM snapshots WHERE creator_pk=? ORDER BY day`
)

func init() {
	hotQueries = append(hotQueries, qSnapshotPut, qHistory)
}

// PutSnapshot stores a creator's metrics for the UTC day of snap.Day; there
// is one snapshot per creator per day. Putting the same day again replaces
// its known numbers (so re-running a night adds nothing), but, as with
// creators, a nil number does not erase a number already stored for that day.
// An unknown creator is ENOTFOUND.
func (s *Store) PutSnapshot(ctx context.Context, snap creator.Snapshot) error {
	return s.inTx(ctx, "put snapshot of "+snap.CreatorID, func(t *Tx) error { return t.PutSnapshot(snap) })
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
	_, err := t.tx.ExecContext(t.ctx, qSnapshotPut,
		pk, Day(snap.Day).Format(dayLayout), ptrArg(snap.Followers), ptrArg(snap.Following), ptrArg(snap.PostsCount),
		ptrArg(snap.EngagementRate), ptrArg(snap.AvgLikes), ptrArg(snap.AvgViews))
	if err != nil {
		return fmt.Errorf("store: put snapshot of %s: %w", snap.CreatorID, err)
	}
	return nil
}

// History returns a creator's daily snapshots, oldest first, with CreatorID
// set to the creator's current id. An unknown creator is ENOTFOUND.
func (s *Store) History(ctx context.Context, creatorID string) ([]creator.Snapshot, error) {
	var out []creator.Snapshot
	err := s.read(ctx, func(tx *sql.Tx) error {
		var pk int64
		if err := tx.QueryRowContext(ctx, qCreatorPK, creatorID).Scan(&pk); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("creator", creatorID)
			}
			return err
		}
		var err error
		out, err = readHistory(ctx, tx, pk, creatorID)
		return err
	})
	if err != nil {
		return nil, wrapErr("history of "+creatorID, err)
	}
	return out, nil
}

// readHistory reads the snapshots of creator row pk, oldest first, naming
// the creator id.
func readHistory(ctx context.Context, q querier, pk int64, id string) ([]creator.Snapshot, error) {
	rows, err := q.QueryContext(ctx, qHistory, pk)
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
