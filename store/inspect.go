package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/creatorscout/creatorscout/creator"
)

// FileInfo describes a database file without opening it as a Store (which
// would write to it).
type FileInfo struct {
	SchemaVersion int `json:"schema_version"`
	Creators      int `json:"creators"` // not gone
}

// Inspect opens the database file at path read-only, checks it (PRAGMA
// quick_check, a schema this binary knows) and counts its creators. A
// backup is checked with it before it is trusted.
func Inspect(ctx context.Context, path string) (*FileInfo, error) {
	if err := checkBackup(ctx, path); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, creator.Invalid("path", "%s: %v", path, err)
	}
	db, err := sql.Open("sqlite", path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("store: inspect %s: %w", path, err)
	}
	defer db.Close()
	var fi FileInfo
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&fi.SchemaVersion); err != nil {
		return nil, fmt.Errorf("store: inspect %s: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM creators WHERE gone_at IS NULL`).Scan(&fi.Creators); err != nil {
		return nil, fmt.Errorf("store: inspect %s: %w", path, err)
	}
	return &fi, nil
}
