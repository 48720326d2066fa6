// Package store is creatorscout's source of truth: creators, their posts and
// daily metric snapshots, crawl runs, the durable crawl frontier and seen set,
// prospect lists, saved searches, the do-not-crawl list and the audit log, all
// in one SQLite file (modernc.org/sqlite, pure Go, no cgo).
//
// # Schema and migrations
//
// The schema lives in numbered SQL files embedded from migrations/
// (0001_init.sql, 0002_...). Open applies the ones newer than the file's
// PRAGMA user_version, each in its own IMMEDIATE transaction that also bumps
// user_version, so a crash mid-migration leaves the previous version intact and
// two processes opening the same file at once apply each migration exactly
// once. A file written by a newer binary is refused rather than guessed at.
//
// # Connections
//
// The database runs in WAL mode with foreign keys on and a busy timeout.
// Writes go through a pool of exactly one connection whose transactions begin
// IMMEDIATE, so writers in this process queue in Go instead of racing for the
// SQLite write lock (no SQLITE_BUSY), and a second process (a `crawl` next to
// a `serve`) waits on the busy timeout. Reads use a separate query_only pool
// of several connections, which WAL lets run alongside the writer. The hot
// write statements (creator and post upserts, frontier operations) are
// prepared once at Open on the writer connection.
//
// # Storage rules
//
//   - A creator row has an internal integer key (pk) that posts, snapshots,
//     list entries and saved-search results reference; the public id
//     "platform:handle" is a unique column, so a renamed handle keeps all of
//     them. UpsertCreator matches on platform + platform_id first.
//   - Keep-last-good: a nil pointer (count, figure, location, last post time,
//     analysis) and an empty tier or zero fetch time mean "unknown" and never
//     overwrite a stored value. Strings, booleans and slices are taken as given.
//   - Unknown numbers are NULL, never 0; nil and empty slices stay distinct.
//   - Times are stored as fixed-width UTC RFC 3339 with nanoseconds, so they
//     sort as text and read back equal to what was written (in UTC). The
//     frontier and seen set, which are internal and large, use integer Unix
//     nanoseconds.
//   - Forget removes a creator from every table. The do-not-crawl list and the
//     audit log keep only SHA-256 digests of the forgotten keys, so no table
//     holds the creator's id, handle, URL or platform id in clear afterwards.
//     The writer runs with secure_delete=FAST (ON during Forget) and Forget
//     checkpoints the WAL, so the deleted bytes do not linger in the file.
//
// Domain errors are *creator.Error (ENOTFOUND, EINVALID, ECONFLICT); anything
// else is wrapped with a "store:" prefix.
package store
