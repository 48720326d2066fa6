package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/internal/fsx"
)

// Backup writes a consistent copy of the database to path while the store
// stays in use (SQLite's VACUUM INTO, which reads one snapshot on a
// connection of its own, so writers are not blocked). The copy is written to a
// temporary file in the same directory, synced and then renamed, so a crash
// or kill -9 never leaves a half-written file at path. An existing path is
// ECONFLICT: a backup never overwrites anything.
func (s *Store) Backup(ctx context.Context, path string) error {
	if path == "" {
		return creator.Invalid("path", "backup path is empty")
	}
	if _, err := os.Lstat(path); err == nil {
		return creator.Errorf(creator.ECONFLICT, "backup file %s already exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp-"+randHex())
	defer os.Remove(tmp) // no-op after the rename
	// VACUUM INTO only reads this database, but query_only connections
	// refuse it, so it runs on a connection of its own (not the writer).
	db, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout("+strconv.FormatInt(BusyTimeout.Milliseconds(), 10)+")")
	if err != nil {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	if err := fsx.SyncFile(tmp); err != nil {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	// Link instead of rename: it fails if path appeared meanwhile.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return creator.Errorf(creator.ECONFLICT, "backup file %s already exists", path)
		}
		// A filesystem without hard links: rename (checked for path above).
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("store: backup %s: %w", path, err)
		}
	}
	if err := fsx.SyncDir(dir); err != nil {
		return fmt.Errorf("store: backup %s: %w", path, err)
	}
	return nil
}

// Restore replaces the database at dbPath with the backup at backupPath.
// The store on dbPath must be closed (no process may have it open). The
// backup is checked first (it must open, pass PRAGMA quick_check and have a
// schema this binary knows); then it is copied next to dbPath, synced, the
// old WAL and shared-memory files are removed and the copy is renamed over
// dbPath. A crash at any point leaves either the old or the new database.
func Restore(ctx context.Context, backupPath, dbPath string) error {
	if backupPath == "" || dbPath == "" {
		return creator.Invalid("path", "backup and database paths must both be set")
	}
	if err := checkBackup(ctx, backupPath); err != nil {
		return err
	}
	dir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("store: restore %s: %w", dbPath, err)
	}
	tmp := filepath.Join(dir, "."+filepath.Base(dbPath)+".restore-"+randHex())
	defer os.Remove(tmp)
	if err := fsx.CopyFile(backupPath, tmp); err != nil {
		return fmt.Errorf("store: restore %s: %w", dbPath, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: restore %s: %w", dbPath, err)
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return fmt.Errorf("store: restore %s: %w", dbPath, err)
	}
	if err := fsx.SyncDir(dir); err != nil {
		return fmt.Errorf("store: restore %s: %w", dbPath, err)
	}
	return nil
}

func checkBackup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return creator.Invalid("backup", "backup %s: %v", path, err)
	}
	db, err := sql.Open("sqlite", path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("store: check backup %s: %w", path, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return creator.Invalid("backup", "backup %s is not a readable SQLite database: %v", path, err)
	}
	if res != "ok" {
		return creator.Invalid("backup", "backup %s fails its integrity check: %s", path, res)
	}
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("store: check backup %s: %w", path, err)
	}
	if v < 1 || v > SchemaVersion() {
		return creator.Invalid("backup", "backup %s has schema version %d; this binary knows 1 to %d", path, v, SchemaVersion())
	}
	return nil
}

func randHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
