package store

import (
	"context"
	"database/sql"
	"sync"
)

// Statements the hot read paths run on the reader pool (a crawl runs them
// for every page), prepared once per Store rather than parsed per call:
// parsing took about half the time of a PreviewUpsert.
const (
	qPostsByIDs = `SELECT ` + postCols + ` FROM posts p JOIN creators c ON c.pk = p.creator_pk
		WHERE p.id IN (SELECT value FROM json_each(?))`
	qSeen = `SELECT etag, last_modified, fetched_at FROM seen WHERE url=?`
	// Is anything stored that PreviewUpsert of creator (id ?1, platform id
	// ?2 on platform ?3) with posts ?4 (a JSON array of ids) must read?
	qPreviewProbe = `SELECT EXISTS (SELECT 1 FROM creators WHERE id=?1)
		OR (?2 <> '' AND EXISTS (SELECT 1 FROM creators WHERE platform=?3 AND platform_id=?2))
		OR EXISTS (SELECT 1 FROM posts WHERE id IN (SELECT value FROM json_each(?4)))`
)

func init() {
	// insertFresh probes again in the write transaction.
	hotQueries = append(hotQueries, qPreviewProbe)
}

var readQueries = []string{qCreatorByPID, qCreatorByID, qIDTaken, qCreatorPK, qHistory, qPostsByIDs, qPostsOf, qSeen, qContactFacts, qPreviewProbe}

// readStmtSet holds a Store's prepared reader statements. They belong to
// the reader pool and close with it.
type readStmtSet struct {
	once sync.Once
	m    map[string]*sql.Stmt // nil when preparing failed: queries are then parsed per call
}

func (s *Store) readStmts(ctx context.Context) map[string]*sql.Stmt {
	s.reads.once.Do(func() {
		m := make(map[string]*sql.Stmt, len(readQueries))
		for _, q := range readQueries {
			st, err := s.r.PrepareContext(context.WithoutCancel(ctx), q)
			if err != nil {
				for _, st := range m {
					st.Close()
				}
				return
			}
			m[q] = st
		}
		s.reads.m = m
	})
	return s.reads.m
}

// readQ runs readQueries through the reader pool's prepared statements,
// in read transaction tx or (nil) on the pool; other queries it runs as
// they are.
type readQ struct {
	querier
	tx       *sql.Tx
	prepared map[string]*sql.Stmt
}

func (s *Store) reader(ctx context.Context) readQ {
	return readQ{querier: s.r, prepared: s.readStmts(ctx)}
}

func (r readQ) stmt(ctx context.Context, query string) *sql.Stmt {
	st, ok := r.prepared[query]
	if !ok {
		return nil
	}
	if r.tx != nil {
		return r.tx.StmtContext(ctx, st)
	}
	return st
}

func (r readQ) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.querier.QueryContext(ctx, query, args...)
}

func (r readQ) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.querier.QueryRowContext(ctx, query, args...)
}
