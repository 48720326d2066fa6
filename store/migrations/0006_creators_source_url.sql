-- 0006: creators by the page they were read from. A page that answers 304
-- Not Modified confirms the creators read from it (Tx.CreatorsReadFrom).

CREATE INDEX creators_source_url ON creators (source_url) WHERE gone_at IS NULL;
