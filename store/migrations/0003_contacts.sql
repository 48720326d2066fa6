-- 0003: contact facts, the e-mail addresses and links read from the pages
-- a creator links to (a link-in-bio page, a website's home, about and
-- contact pages), each with the page it came from and when. They are kept
-- apart from the creators row, which a profile recrawl rewrites, and merged
-- into the analysis whenever it runs. Each fact is filed under the creator
-- the page was fetched for and under the contact page the profile links to
-- (page_key, creator.ContactPageKey), so another account of the same person
-- that links to that page gets it too. A page read again replaces what it
-- said. Forgetting the creator deletes them (ON DELETE CASCADE).

CREATE TABLE contact_facts (
    creator_pk INTEGER NOT NULL REFERENCES creators (pk) ON DELETE CASCADE,
    page_key   TEXT    NOT NULL,           -- the contact page the profile links to
    source_url TEXT    NOT NULL,           -- the page the fact was read from: that page, or its about or contact page
    kind       TEXT    NOT NULL CHECK (kind IN ('email', 'link')),
    value      TEXT    NOT NULL,           -- lower-case address, or creator.NormalizeLink's form
    seq        INTEGER NOT NULL,           -- order on the page
    fetched_at TEXT    NOT NULL,
    PRIMARY KEY (creator_pk, source_url, kind, value)
) STRICT, WITHOUT ROWID;

CREATE INDEX contact_facts_page ON contact_facts (page_key);
