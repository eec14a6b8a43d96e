-- The core redesign, kept in step with migrations/sqlite/0003_core.sql: typed columns with
-- CHECK constraints, `publication` for the publication state, an optimistic-concurrency
-- `version`, folded alias keys, exact-match keys, and an outbox that retries and parks.

ALTER TABLE entries RENAME COLUMN state TO publication;
ALTER TABLE entries ADD COLUMN alias_keys TEXT NOT NULL DEFAULT '[]';
ALTER TABLE entries ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE entries ADD COLUMN keys_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entries ADD CONSTRAINT entries_credit_code_check
    CHECK (credit_code IS NULL OR length(credit_code) = 18);
ALTER TABLE entries ADD CONSTRAINT entries_category_check CHECK (category IN
    ('p2p', 'crowdfunding', 'insurance', 'payment', 'asset_management', 'cross_sector', 'other'));
ALTER TABLE entries ADD CONSTRAINT entries_list_kind_check
    CHECK (list_kind IN ('blacklist', 'warning', 'abnormal'));
ALTER TABLE entries ADD CONSTRAINT entries_status_check CHECK (status IN ('listed', 'removed'));
ALTER TABLE entries ADD CONSTRAINT entries_publication_check
    CHECK (publication IN ('draft', 'in_review', 'published', 'withdrawn'));
DROP INDEX entries_public;
CREATE INDEX entries_public ON entries (publication, publicity_ends_on);
CREATE INDEX entries_keys_version ON entries (keys_version);

ALTER TABLE articles RENAME COLUMN state TO publication;
ALTER TABLE articles ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE articles ADD CONSTRAINT articles_kind_check
    CHECK (kind IN ('warning', 'case', 'notice'));
ALTER TABLE articles ADD CONSTRAINT articles_publication_check
    CHECK (publication IN ('draft', 'in_review', 'published', 'withdrawn'));
DROP INDEX articles_public;
CREATE INDEX articles_public ON articles (publication, kind, published_on);

CREATE TABLE entry_keys (
    key       TEXT NOT NULL,
    entry_id  BIGINT NOT NULL REFERENCES entries (id),
    PRIMARY KEY (key, entry_id)
);
CREATE INDEX entry_keys_entry ON entry_keys (entry_id);

ALTER TABLE search_outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE search_outbox ADD COLUMN last_error TEXT;
ALTER TABLE search_outbox ADD COLUMN parked_at TIMESTAMPTZ;

CREATE TABLE search_lease (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

ALTER TABLE entry_revisions ADD COLUMN data TEXT;
ALTER TABLE article_revisions ADD COLUMN data TEXT;
