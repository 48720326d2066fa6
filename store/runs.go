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

// StartRun records a new crawl run with status "running" and returns its id.
func (s *Store) StartRun(ctx context.Context, kind string, seeds []string, at time.Time) (int64, error) {
	return s.insertRun(ctx, creator.RunRunning, kind, seeds, at)
}

// QueueRun records a crawl run that has been asked for but not started
// (status "queued"), as POST /v1/crawls does; UpdateRun moves it on.
func (s *Store) QueueRun(ctx context.Context, kind string, seeds []string, at time.Time) (int64, error) {
	return s.insertRun(ctx, creator.RunQueued, kind, seeds, at)
}

func (s *Store) insertRun(ctx context.Context, status, kind string, seeds []string, at time.Time) (int64, error) {
	if strings.TrimSpace(kind) == "" {
		return 0, creator.Invalid("kind", "run kind is empty")
	}
	if at.IsZero() {
		return 0, creator.Invalid("at", "run start time is zero")
	}
	if err := checkTime("at", at); err != nil {
		return 0, err
	}
	seedsJSON, err := jsonArg(seeds)
	if err != nil {
		return 0, fmt.Errorf("store: start run: seeds: %w", err)
	}
	sum, err := jsonArg(creator.RunSummary{})
	if err != nil {
		return 0, fmt.Errorf("store: start run: %w", err)
	}
	var id int64
	err = s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO crawl_runs (kind, status, started_at, seeds, summary)
			VALUES (?,?,?,?,?)`, kind, status, fmtTime(at), seedsJSON, sum)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: start run: %w", err)
	}
	return id, nil
}

// UpdateRun sets a run's status and summary, and its finish time when
// finished is not nil (a nil finished keeps the stored one).
func (s *Store) UpdateRun(ctx context.Context, id int64, status string, sum creator.RunSummary, finished *time.Time) error {
	if strings.TrimSpace(status) == "" {
		return creator.Invalid("status", "run status is empty")
	}
	if err := checkTimePtr("finished_at", finished); err != nil {
		return err
	}
	sumJSON, err := jsonArg(sum)
	if err != nil {
		return fmt.Errorf("store: update run %d: summary: %w", id, err)
	}
	err = s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE crawl_runs SET status=?, summary=?,
			finished_at=COALESCE(?, finished_at) WHERE id=?`, status, sumJSON, fmtTimePtr(finished), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("crawl run", id)
		}
		return nil
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("update run %d", id), err)
	}
	return nil
}

const runCols = `id, kind, status, started_at, finished_at, seeds, summary`

func scanRun(sc scanner) (*creator.CrawlRun, error) {
	var (
		r                        creator.CrawlRun
		started, finished, seeds sql.NullString
		sum                      sql.NullString
	)
	if err := sc.Scan(&r.ID, &r.Kind, &r.Status, &started, &finished, &seeds, &sum); err != nil {
		return nil, err
	}
	var err error
	if r.StartedAt, err = parseTime(started); err != nil {
		return nil, fmt.Errorf("run %d: %w", r.ID, err)
	}
	if r.FinishedAt, err = parseTimePtr(finished); err != nil {
		return nil, fmt.Errorf("run %d: %w", r.ID, err)
	}
	if err := jsonScan(seeds, &r.Seeds); err != nil {
		return nil, fmt.Errorf("run %d seeds: %w", r.ID, err)
	}
	if err := jsonScan(sum, &r.Summary); err != nil {
		return nil, fmt.Errorf("run %d summary: %w", r.ID, err)
	}
	return &r, nil
}

// Run returns one crawl run; an unknown id is ENOTFOUND.
func (s *Store) Run(ctx context.Context, id int64) (*creator.CrawlRun, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runCols+` FROM crawl_runs WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("crawl run", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: run %d: %w", id, err)
	}
	return r, nil
}

// Runs returns the latest crawl runs, newest first, at most limit
// (limit <= 0: all).
func (s *Store) Runs(ctx context.Context, limit int) ([]creator.CrawlRun, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+runCols+` FROM crawl_runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	defer rows.Close()
	var out []creator.CrawlRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: runs: %w", err)
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	return out, nil
}
