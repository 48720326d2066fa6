-- 0004: crawler state that must outlive a crawl process (crawler.StateStore).

-- The last robots.txt result that decided something for an origin
-- (scheme://host:port): a 2xx with its body (at most 500 KiB), a 4xx, a
-- 401/403. A new process uses a copy fetched less than 24 hours ago as it
-- is, and an older one (up to 30 days, RFC 9309) while the server answers
-- 5xx or cannot be reached. Copies over 31 days old are pruned on save.
CREATE TABLE robots (
    origin     TEXT    PRIMARY KEY,
    status     INTEGER NOT NULL,
    body       BLOB    NOT NULL,
    fetched_at INTEGER NOT NULL            -- Unix ns
) STRICT;

CREATE INDEX robots_fetched_at ON robots (fetched_at);

-- How many snowball profiles each run has admitted, so that a run resumed
-- after kill -9 keeps its budget (crawler.Snowball). It names no creator.
CREATE TABLE snowball_spent (
    run_id INTEGER PRIMARY KEY REFERENCES crawl_runs (id) ON DELETE CASCADE,
    spent  INTEGER NOT NULL CHECK (spent >= 0)
) STRICT;
