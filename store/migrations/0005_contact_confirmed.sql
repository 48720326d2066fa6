-- 0005: a contact page that answers 304 Not Modified confirms what it said:
-- its facts' fetched_at moves to the time of the 304 (Tx.FrontierDone,
-- Store.MarkSeen), so that they do not expire (creator.ContactFactMaxAge)
-- while the page stands unchanged. The facts are found by the page they
-- were read from.
CREATE INDEX contact_facts_source ON contact_facts (source_url);
