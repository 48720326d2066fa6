-- 0001: the initial schema. Times in *_at TEXT columns are fixed-width UTC
-- RFC 3339 with nanoseconds; frontier and seen times are Unix nanoseconds.

CREATE TABLE creators (
    pk              INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,   -- platform:handle, changes on rename
    platform        TEXT    NOT NULL,
    handle          TEXT    NOT NULL,
    platform_id     TEXT,                      -- NULL when unknown
    url             TEXT    NOT NULL DEFAULT '',
    display_name    TEXT    NOT NULL DEFAULT '',
    bio             TEXT    NOT NULL DEFAULT '',
    followers       INTEGER,
    following       INTEGER,
    posts_count     INTEGER,
    verified        INTEGER NOT NULL DEFAULT 0,
    location        TEXT,                      -- JSON creator.Location
    country         TEXT,                      -- copied from location, for filters
    city            TEXT,
    language        TEXT    NOT NULL DEFAULT '',
    email           TEXT    NOT NULL DEFAULT '',
    website         TEXT    NOT NULL DEFAULT '',
    links           TEXT,                      -- JSON array, NULL for nil
    niches          TEXT,                      -- JSON array, NULL for nil
    tier            TEXT    NOT NULL DEFAULT '',
    engagement_rate REAL,
    avg_likes       REAL,
    avg_comments    REAL,
    avg_views       REAL,
    last_post_at    TEXT,
    fetched_at      TEXT,
    source_url      TEXT    NOT NULL DEFAULT '',
    analysis        TEXT,                      -- JSON creator.Analysis
    first_seen_at   TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0, -- consecutive failed fetches
    last_error_kind TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    last_error_at   TEXT,
    gone_at         TEXT                       -- non-NULL: gone, hidden from search
) STRICT;

CREATE UNIQUE INDEX creators_platform_id ON creators (platform, platform_id)
    WHERE platform_id IS NOT NULL;
CREATE INDEX creators_fetched_at ON creators (fetched_at);
CREATE INDEX creators_first_seen_at ON creators (first_seen_at);

CREATE TABLE posts (
    pk            INTEGER PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,     -- platform:native id
    creator_pk    INTEGER NOT NULL REFERENCES creators (pk) ON DELETE CASCADE,
    url           TEXT    NOT NULL DEFAULT '',
    published_at  TEXT,
    caption       TEXT    NOT NULL DEFAULT '',
    likes         INTEGER,
    comments      INTEGER,
    views         INTEGER,
    shares        INTEGER,
    hashtags      TEXT,                        -- JSON array
    mentions      TEXT,                        -- JSON array
    platform_paid INTEGER NOT NULL DEFAULT 0,
    disclosure    TEXT    NOT NULL,            -- JSON creator.Disclosure
    brands        TEXT,                        -- JSON array of creator.Brand
    undisclosed   TEXT,                        -- JSON creator.Flag
    fetched_at    TEXT,
    source_url    TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX posts_creator ON posts (creator_pk, published_at);

CREATE TABLE snapshots (
    creator_pk      INTEGER NOT NULL REFERENCES creators (pk) ON DELETE CASCADE,
    day             TEXT    NOT NULL,          -- YYYY-MM-DD, UTC
    followers       INTEGER,
    following       INTEGER,
    posts_count     INTEGER,
    engagement_rate REAL,
    avg_likes       REAL,
    avg_views       REAL,
    PRIMARY KEY (creator_pk, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE crawl_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    seeds       TEXT,                          -- JSON array
    summary     TEXT NOT NULL                  -- JSON creator.RunSummary
) STRICT;

CREATE TABLE frontier (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL,
    url        TEXT    NOT NULL,
    kind       TEXT    NOT NULL DEFAULT '',
    meta       TEXT,                           -- JSON object
    depth      INTEGER NOT NULL DEFAULT 0,
    host       TEXT    NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL,               -- Unix ns; a lease moves it to the lease expiry
    state      INTEGER NOT NULL DEFAULT 0,     -- 0 queued, 1 done, 2 dropped
    err_kind   TEXT    NOT NULL DEFAULT '',
    UNIQUE (run_id, url)
) STRICT;

CREATE INDEX frontier_ready ON frontier (run_id, not_before, id) WHERE state = 0;

CREATE TABLE seen (
    url           TEXT    PRIMARY KEY,
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    fetched_at    INTEGER NOT NULL,            -- Unix ns
    status        INTEGER NOT NULL
) STRICT;

CREATE TABLE lists (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE list_items (
    list_id    INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    creator_pk INTEGER NOT NULL REFERENCES creators (pk) ON DELETE CASCADE,
    note       TEXT    NOT NULL DEFAULT '',
    status     TEXT    NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'contacted', 'replied', 'agreed', 'declined')),
    added_at   TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (list_id, creator_pk)
) STRICT, WITHOUT ROWID;

CREATE INDEX list_items_creator ON list_items (creator_pk);

CREATE TABLE saved_searches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,                 -- JSON creator.Query
    created_at  TEXT NOT NULL,
    last_run_at TEXT
) STRICT;

CREATE TABLE saved_search_results (
    search_id        INTEGER NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    creator_pk       INTEGER NOT NULL REFERENCES creators (pk) ON DELETE CASCADE,
    first_matched_at TEXT    NOT NULL,
    PRIMARY KEY (search_id, creator_pk)
) STRICT, WITHOUT ROWID;

CREATE INDEX saved_search_results_creator ON saved_search_results (creator_pk);

CREATE TABLE do_not_crawl (
    key_hash TEXT PRIMARY KEY,                 -- hex SHA-256 of the normalised key
    kind     TEXT NOT NULL,                    -- id, handle, url, platform_id, key
    added_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
) STRICT;
