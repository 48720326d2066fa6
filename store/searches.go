package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// SavedSearch is a named creator query that can be re-run to find what is
// new since the last run.
type SavedSearch struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	Query     creator.Query `json:"query"`
	CreatedAt time.Time     `json:"created_at"`
	LastRunAt *time.Time    `json:"last_run_at"` // nil until first run
}

// SavedSearchResult is a creator a saved search has matched, and when it
// first did.
type SavedSearchResult struct {
	SearchID       int64     `json:"search_id"`
	CreatorID      string    `json:"creator_id"`
	FirstMatchedAt time.Time `json:"first_matched_at"`
}

// CreateSavedSearch stores a named query.
func (s *Store) CreateSavedSearch(ctx context.Context, name string, q creator.Query, at time.Time) (*SavedSearch, error) {
	name, err := checkName(name)
	if err != nil {
		return nil, err
	}
	if err := checkAt("at", at); err != nil {
		return nil, err
	}
	qb, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("store: create saved search: query: %w", err)
	}
	ss := &SavedSearch{Name: name, Query: q, CreatedAt: at.UTC()}
	err = s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO saved_searches (name, query, created_at) VALUES (?,?,?)`,
			name, string(qb), fmtTime(at))
		if err != nil {
			return err
		}
		ss.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: create saved search: %w", err)
	}
	return ss, nil
}

const savedCols = `id, name, query, created_at, last_run_at`

func scanSaved(sc scanner) (*SavedSearch, error) {
	var ss SavedSearch
	var q, created, last sql.NullString
	if err := sc.Scan(&ss.ID, &ss.Name, &q, &created, &last); err != nil {
		return nil, err
	}
	if err := jsonScan(q, &ss.Query); err != nil {
		return nil, fmt.Errorf("saved search %d query: %w", ss.ID, err)
	}
	var err error
	if ss.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if ss.LastRunAt, err = parseTimePtr(last); err != nil {
		return nil, err
	}
	return &ss, nil
}

// SavedSearch returns one saved search; an unknown id is ENOTFOUND.
func (s *Store) SavedSearch(ctx context.Context, id int64) (*SavedSearch, error) {
	ss, err := scanSaved(s.r.QueryRowContext(ctx, `SELECT `+savedCols+` FROM saved_searches WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("saved search", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: saved search %d: %w", id, err)
	}
	return ss, nil
}

// SavedSearches returns every saved search, by id.
func (s *Store) SavedSearches(ctx context.Context) ([]SavedSearch, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+savedCols+` FROM saved_searches ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: saved searches: %w", err)
	}
	defer rows.Close()
	var out []SavedSearch
	for rows.Next() {
		ss, err := scanSaved(rows)
		if err != nil {
			return nil, fmt.Errorf("store: saved searches: %w", err)
		}
		out = append(out, *ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: saved searches: %w", err)
	}
	return out, nil
}

// DeleteSavedSearch deletes a saved search and its recorded results.
func (s *Store) DeleteSavedSearch(ctx context.Context, id int64) error {
	err := s.write(ctx, func(tx *txn) error {
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM saved_searches WHERE id=?`, id))(notFound("saved search", id))
	})
	if err != nil {
		return wrapErr(fmt.Sprintf("delete saved search %d", id), err)
	}
	return nil
}

// MarkSavedSearchRun sets a saved search's last run time to at and returns
// the previous one (nil on the first run): the "since" of "new since the
// last run".
func (s *Store) MarkSavedSearchRun(ctx context.Context, id int64, at time.Time) (prev *time.Time, err error) {
	if err := checkAt("at", at); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *txn) error {
		var last sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT last_run_at FROM saved_searches WHERE id=?`, id).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("saved search", id)
		}
		if err != nil {
			return err
		}
		if prev, err = parseTimePtr(last); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE saved_searches SET last_run_at=? WHERE id=?`, fmtTime(at), id)
		return err
	})
	if err != nil {
		return nil, wrapErr(fmt.Sprintf("mark saved search %d run", id), err)
	}
	return prev, nil
}

// RecordSavedSearchResults records that a saved search matched these
// creators at time at and returns, in the given order, those it had not
// matched before. Ids of creators not stored (or since forgotten) are
// skipped.
func (s *Store) RecordSavedSearchResults(ctx context.Context, id int64, creatorIDs []string, at time.Time) (newIDs []string, err error) {
	if err := checkAt("at", at); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *txn) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM saved_searches WHERE id=?`, id).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("saved search", id)
			}
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO saved_search_results (search_id, creator_pk, first_matched_at)
			SELECT ?, pk, ? FROM creators WHERE id=? ON CONFLICT (search_id, creator_pk) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, cid := range creatorIDs {
			res, err := ins.ExecContext(ctx, id, fmtTime(at), cid)
			if err != nil {
				return fmt.Errorf("%s: %w", cid, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				newIDs = append(newIDs, cid)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(fmt.Sprintf("record saved search %d results", id), err)
	}
	return newIDs, nil
}

// SavedSearchResults returns the creators a saved search has matched, in
// the order it first matched them, with their current ids.
func (s *Store) SavedSearchResults(ctx context.Context, id int64) ([]SavedSearchResult, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.search_id, c.id, r.first_matched_at FROM saved_search_results r
		JOIN creators c ON c.pk = r.creator_pk WHERE r.search_id=? ORDER BY r.first_matched_at, c.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: saved search %d results: %w", id, err)
	}
	defer rows.Close()
	var out []SavedSearchResult
	for rows.Next() {
		var r SavedSearchResult
		var at sql.NullString
		if err := rows.Scan(&r.SearchID, &r.CreatorID, &at); err != nil {
			return nil, fmt.Errorf("store: saved search %d results: %w", id, err)
		}
		if r.FirstMatchedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: saved search %d results: %w", id, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: saved search %d results: %w", id, err)
	}
	return out, nil
}
