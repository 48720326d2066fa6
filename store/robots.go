package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// RobotsRetention is how long a saved robots.txt copy is kept: RFC 9309
// lets a crawler use a good copy for 30 days while the server is down, so
// one older than that (plus a day's slack) is of use to nobody.
const RobotsRetention = 31 * 24 * time.Hour

// maxRobotsBody bounds a saved robots.txt body (the crawler parses 500 KiB).
const maxRobotsBody = 1 << 20

// LoadRobots returns the robots.txt result last saved for origin
// ("scheme://host:port"); ok is false when there is none. It implements
// part of crawler.StateStore.
func (s *Store) LoadRobots(ctx context.Context, origin string) (body []byte, status int, fetchedAt time.Time, ok bool, err error) {
	if strings.TrimSpace(origin) == "" {
		return nil, 0, time.Time{}, false, creator.Invalid("origin", "robots.txt origin is empty")
	}
	var ns int64
	err = s.r.QueryRowContext(ctx, `SELECT body, status, fetched_at FROM robots WHERE origin=?`, origin).Scan(&body, &status, &ns)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, 0, time.Time{}, false, nil
	case err != nil:
		return nil, 0, time.Time{}, false, fmt.Errorf("store: load robots.txt of %s: %w", origin, err)
	}
	return body, status, nsTime(ns), true, nil
}

// SaveRobots records the robots.txt result of origin fetched at fetchedAt,
// replacing the one saved before, and prunes copies older than
// RobotsRetention before fetchedAt. It implements part of
// crawler.StateStore.
func (s *Store) SaveRobots(ctx context.Context, origin string, body []byte, status int, fetchedAt time.Time) error {
	switch {
	case strings.TrimSpace(origin) == "":
		return creator.Invalid("origin", "robots.txt origin is empty")
	case status < 100 || status > 599:
		return creator.Invalid("status", "robots.txt of %s: HTTP status %d is not one", origin, status)
	case fetchedAt.IsZero():
		return creator.Invalid("fetched_at", "robots.txt of %s: fetch time is zero", origin)
	case len(body) > maxRobotsBody:
		return creator.Invalid("body", "robots.txt of %s: %d bytes, over the %d kept", origin, len(body), maxRobotsBody)
	}
	if body == nil {
		body = []byte{}
	}
	err := s.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO robots (origin, status, body, fetched_at) VALUES (?,?,?,?)
			ON CONFLICT (origin) DO UPDATE SET status=excluded.status, body=excluded.body, fetched_at=excluded.fetched_at`,
			origin, status, body, fetchedAt.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM robots WHERE fetched_at < ?`, fetchedAt.Add(-RobotsRetention).UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save robots.txt of %s: %w", origin, err)
	}
	return nil
}
