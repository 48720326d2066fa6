package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/creatorscout/creatorscout/creator"
)

// SnowballSpent returns how many snowball profiles run runID has admitted
// (0 for a run that has admitted none). It implements part of
// crawler.StateStore.
func (s *Store) SnowballSpent(ctx context.Context, runID int64) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT spent FROM snowball_spent WHERE run_id=?`, runID).Scan(&n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("store: snowball spend of run %d: %w", runID, err)
	}
	return n, nil
}

// AddSnowballSpent adds n snowball profiles to run runID's spend. The run
// must exist. It implements part of crawler.StateStore.
func (s *Store) AddSnowballSpent(ctx context.Context, runID int64, n int) error {
	if n < 0 {
		return creator.Invalid("n", "snowball spend of run %d: %d is negative", runID, n)
	}
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO snowball_spent (run_id, spent) VALUES (?,?)
			ON CONFLICT (run_id) DO UPDATE SET spent = spent + excluded.spent`, runID, n)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add to the snowball spend of run %d: %w", runID, err)
	}
	return nil
}
