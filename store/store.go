package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// BusyTimeout is how long a connection waits for another process's write
// lock before failing with SQLITE_BUSY.
const BusyTimeout = 10 * time.Second

// timeLayout is RFC 3339 with a fixed nine-digit fraction: it parses with
// time.RFC3339Nano and, unlike RFC3339Nano output, sorts correctly as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// dayLayout is the key of a snapshot: one UTC calendar day.
const dayLayout = "2006-01-02"

// Store is the SQLite-backed source of truth. It is safe for concurrent use.
type Store struct {
	path string
	w    *sql.DB // exactly one connection: every write goes through it
	r    *sql.DB // query_only pool for reads
	now  func() time.Time

	prepared map[string]*sql.Stmt // hotQueries, on w
	reads    readStmtSet          // readQueries, on r, prepared at first use
	group    committer            // WriteTx calls waiting for w (group.go)
}

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock used where a method takes no explicit time (the
// first-seen time of a creator stored without a fetch time). Tests inject it.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open opens (creating the directory and file when missing) the database at
// path and applies any pending migrations.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if strings.TrimSpace(path) == "" {
		return nil, creator.Invalid("path", "database path is empty")
	}
	if path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?#") {
		return nil, creator.Invalid("path", "database path %q must be a plain file path (no ':memory:', 'file:' URI, '?' or '#')", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	s := &Store{path: path, now: time.Now}
	for _, o := range opts {
		o(s)
	}

	busy := strconv.FormatInt(BusyTimeout.Milliseconds(), 10)
	wdsn := path + "?_pragma=busy_timeout(" + busy + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_pragma=secure_delete(FAST)" +
		"&_pragma=journal_size_limit(67108864)" +
		"&_pragma=temp_store(MEMORY)" +
		"&_txlock=immediate"
	w, err := openWriter(ctx, wdsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.w = w
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: journal mode: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, fmt.Errorf("store: open %s: journal mode is %q, want wal (is the file on a filesystem without shared memory?)", path, mode)
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}

	rdsn := path + "?_pragma=busy_timeout(" + busy + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=query_only(1)"
	r, err := sql.Open("sqlite", rdsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.r = r
	return s, nil
}

// openWriter opens the single writer connection and touches it, so the
// file exists and is in WAL mode before any reader connects. Switching a
// fresh file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY
// at once, without its busy handler, when another process is creating the
// same file (TestOpenConcurrentFreshFile saw it about once in 100 opens);
// that is retried until BusyTimeout.
func openWriter(ctx context.Context, dsn string) (*sql.DB, error) {
	deadline := time.Now().Add(BusyTimeout)
	wait := 5 * time.Millisecond
	for {
		w, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		err = w.PingContext(ctx)
		if err == nil {
			return w, nil
		}
		w.Close()
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().Add(wait).After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// Close closes both pools. It is safe to call once.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	for _, st := range s.prepared {
		errs = append(errs, st.Close())
	}
	if s.w != nil {
		// Best effort: let SQLite refresh its planner statistics.
		_, _ = s.w.Exec("PRAGMA optimize")
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", name)
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d (migrations must be numbered 1, 2, 3, ... without gaps)", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion returns the highest migration number embedded in this binary.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies pending migrations, each in its own IMMEDIATE transaction
// that re-reads user_version, so concurrent Opens apply each one once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", s.path, err)
	}
	for _, m := range ms {
		err := s.write(ctx, func(tx *txn) error {
			var cur int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
				return err
			}
			if cur > len(ms) {
				return fmt.Errorf("database schema version %d is newer than this binary's %d; upgrade creatorscout", cur, len(ms))
			}
			if cur >= m.version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
			// PRAGMA takes no bound parameters; the version is our own integer.
			if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
				return fmt.Errorf("apply %s: set user_version: %w", m.name, err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", s.path, err)
		}
	}
	return nil
}

// querier is what the helpers need from a transaction: a read
// transaction (*sql.Tx) or a write one (*txn).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// txn is a write transaction that runs the hot statements through
// statements prepared once at Open, instead of parsing them every time.
type txn struct {
	*sql.Tx
	prepared map[string]*sql.Stmt
}

func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.prepared[query]; ok {
		return t.Tx.StmtContext(ctx, st)
	}
	return nil
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func (t *txn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st, nil
	}
	return t.Tx.PrepareContext(ctx, query)
}

// hotQueries are prepared on the writer connection at Open.
var hotQueries = []string{
	qCreatorByPID, qCreatorByID, qCreatorInsert, qCreatorUpdate, qIDTaken, qPostUpsert, qDNCHas, qDNCAny,
	qFrontierSeen, qFrontierInsert, qFrontierReady, qFrontierLeaseUpd, qFrontierDone, qSeenPut,
	qFrontierState, qFrontierRetry, qFrontierDrop, qCreatorPK,
}

func (s *Store) prepare(ctx context.Context) error {
	s.prepared = make(map[string]*sql.Stmt, len(hotQueries))
	for _, q := range hotQueries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %.60q: %w", q, err)
		}
		s.prepared[q] = st
	}
	return nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE on the single writer
// connection) and commits when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *txn) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	return s.runTx(tx, fn)
}

func (s *Store) runTx(tx *sql.Tx, fn func(tx *txn) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(&txn{Tx: tx, prepared: s.prepared}); err != nil {
		return err
	}
	return tx.Commit()
}

// read runs fn in a read transaction on the reader pool, so several queries
// see one consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() {
		// A read transaction has nothing to commit; Rollback just ends it.
		_ = tx.Rollback()
	}()
	return fn(tx)
}

// ---- value conversions ----

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	if t.IsZero() {
		// A known zero time is still a value: keep it distinct from nil.
		return time.Time{}.Format(timeLayout)
	}
	return fmtTime(*t)
}

func parseTime(ns sql.NullString) (time.Time, error) {
	if !ns.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, ns.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", ns.String, err)
	}
	return t.UTC(), nil
}

func parseTimePtr(ns sql.NullString) (*time.Time, error) {
	if !ns.Valid {
		return nil, nil
	}
	t, err := parseTime(ns)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// checkTime refuses times that the fixed-width layout cannot hold.
func checkTime(param string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return creator.Invalid(param, "time %s is outside years 0001-9999", t)
	}
	return nil
}

func checkTimePtr(param string, t *time.Time) error {
	if t == nil {
		return nil
	}
	return checkTime(param, *t)
}

func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func float64Ptr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

func ptrArg[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// jsonArg marshals v, or returns NULL for a nil slice, map or pointer so nil
// and empty stay distinct.
func jsonArg(v any) (any, error) {
	switch x := v.(type) {
	case []string:
		if x == nil {
			return nil, nil
		}
	case []creator.Brand:
		if x == nil {
			return nil, nil
		}
	case map[string]string:
		if x == nil {
			return nil, nil
		}
	case *creator.Location:
		if x == nil {
			return nil, nil
		}
	case *creator.Analysis:
		if x == nil {
			return nil, nil
		}
	case *creator.Flag:
		if x == nil {
			return nil, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func jsonScan(ns sql.NullString, dst any) error {
	if !ns.Valid {
		return nil
	}
	if err := json.Unmarshal([]byte(ns.String), dst); err != nil {
		return fmt.Errorf("stored JSON %.40q: %w", ns.String, err)
	}
	return nil
}

func notFound(what string, key any) error {
	return creator.Errorf(creator.ENOTFOUND, "%s %v not found", what, key)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkAt refuses a zero or out-of-range event time.
func checkAt(param string, t time.Time) error {
	if t.IsZero() {
		return creator.Invalid(param, "time is zero")
	}
	return checkTime(param, t)
}
