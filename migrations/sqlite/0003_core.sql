-- no-transaction
-- The core redesign: typed columns with CHECK constraints (a value outside a vocabulary is
-- refused on write; one that slips in anyway fails to decode and the row stays hidden),
-- `publication` for the publication state (never confused with the listing `status`), an
-- optimistic-concurrency `version`, folded alias keys for ranking, exact-match keys, and an
-- outbox that retries and parks. SQLite cannot add a CHECK to an existing table, so entries
-- and articles are rebuilt; foreign keys are off while the tables are swapped.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE entries_new (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    name_key          TEXT NOT NULL,
    aliases           TEXT NOT NULL DEFAULT '[]',
    alias_keys        TEXT NOT NULL DEFAULT '[]',
    credit_code       TEXT UNIQUE CHECK (credit_code IS NULL OR length(credit_code) = 18),
    category          TEXT NOT NULL CHECK (category IN
                          ('p2p', 'crowdfunding', 'insurance', 'payment', 'asset_management',
                           'cross_sector', 'other')),
    list_kind         TEXT NOT NULL CHECK (list_kind IN ('blacklist', 'warning', 'abnormal')),
    reason            TEXT NOT NULL,
    basis             TEXT NOT NULL DEFAULT '',
    authority         TEXT NOT NULL,
    decision_no       TEXT NOT NULL DEFAULT '',
    listed_on         DATE,
    listed_year       INTEGER,
    measures          TEXT NOT NULL DEFAULT '',
    websites          TEXT NOT NULL DEFAULT '[]',
    phones            TEXT NOT NULL DEFAULT '[]',
    remedy            TEXT NOT NULL DEFAULT '',
    publicity_ends_on DATE,
    address           TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('listed', 'removed')),
    removed_on        DATE,
    removal_reason    TEXT NOT NULL DEFAULT '',
    removal_authority TEXT NOT NULL DEFAULT '',
    publication       TEXT NOT NULL DEFAULT 'draft' CHECK (publication IN
                          ('draft', 'in_review', 'published', 'withdrawn')),
    version           INTEGER NOT NULL DEFAULT 1,
    keys_version      INTEGER NOT NULL DEFAULT 0,
    search_text       TEXT NOT NULL DEFAULT '',
    published_at      TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
INSERT INTO entries_new (id, name, name_key, aliases, credit_code, category, list_kind, reason,
    basis, authority, decision_no, listed_on, listed_year, measures, websites, phones, remedy,
    publicity_ends_on, address, status, removed_on, removal_reason, removal_authority,
    publication, search_text, published_at, created_at, updated_at)
SELECT id, name, name_key, aliases, credit_code, category, list_kind, reason, basis, authority,
    decision_no, listed_on, listed_year, measures, websites, phones, remedy, publicity_ends_on,
    address, status, removed_on, removal_reason, removal_authority, state, search_text,
    published_at, created_at, updated_at
FROM entries;
DROP TABLE entries;
ALTER TABLE entries_new RENAME TO entries;
CREATE INDEX entries_name_key ON entries (name_key);
CREATE INDEX entries_public ON entries (publication, publicity_ends_on);
CREATE INDEX entries_listed_on ON entries (listed_on);
CREATE INDEX entries_keys_version ON entries (keys_version);

CREATE TABLE articles_new (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('warning', 'case', 'notice')),
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    body_md       TEXT NOT NULL,
    doc_no        TEXT,
    tags          TEXT NOT NULL DEFAULT '[]',
    publication   TEXT NOT NULL DEFAULT 'draft' CHECK (publication IN
                      ('draft', 'in_review', 'published', 'withdrawn')),
    version       INTEGER NOT NULL DEFAULT 1,
    published_on  DATE NOT NULL,
    search_text   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
INSERT INTO articles_new (id, slug, kind, title, summary, body_md, doc_no, tags, publication,
    published_on, search_text, created_at, updated_at)
SELECT id, slug, kind, title, summary, body_md, doc_no, tags, state, published_on, search_text,
    created_at, updated_at
FROM articles;
DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;
CREATE INDEX articles_public ON articles (publication, kind, published_on);

-- Every exact identity of an entry (folded names, code, hosts, phone digits), so that exact
-- lookups come from the database even while a search index catches up.
CREATE TABLE entry_keys (
    key       TEXT NOT NULL,
    entry_id  BIGINT NOT NULL REFERENCES entries (id),
    PRIMARY KEY (key, entry_id)
);
CREATE INDEX entry_keys_entry ON entry_keys (entry_id);

ALTER TABLE search_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE search_outbox ADD COLUMN last_error TEXT;
ALTER TABLE search_outbox ADD COLUMN parked_at TIMESTAMP;

-- Who may drain the outbox (or rebuild the index) now: one holder at a time across instances,
-- taken with a short write and never held inside a database transaction.
CREATE TABLE search_lease (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);

ALTER TABLE entry_revisions ADD COLUMN data TEXT;
ALTER TABLE article_revisions ADD COLUMN data TEXT;

COMMIT;
PRAGMA foreign_keys = ON;
