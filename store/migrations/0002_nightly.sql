-- 0002: the nightly job's bookkeeping: a named lock with a lease, so a run
-- never overlaps itself across processes, and each run's report.

CREATE TABLE job_locks (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,             -- host:pid:random of the holder
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL              -- the lease; a holder renews it
) STRICT, WITHOUT ROWID;

-- The counts of a run's report (creator.RunReport without Changes). They
-- name no creator.
CREATE TABLE run_reports (
    run_id INTEGER PRIMARY KEY REFERENCES crawl_runs (id) ON DELETE CASCADE,
    report TEXT NOT NULL                   -- JSON creator.RunReport, changes empty
) STRICT;

-- The changes worth a look. Each references its creator, so forgetting the
-- creator deletes its changes (ON DELETE CASCADE) and a rename shows the
-- current id.
CREATE TABLE run_changes (
    run_id     INTEGER NOT NULL REFERENCES crawl_runs (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    creator_pk INTEGER NOT NULL REFERENCES creators (pk) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    detail     TEXT    NOT NULL,           -- JSON creator.Change without creator_id
    PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX run_changes_creator ON run_changes (creator_pk);
