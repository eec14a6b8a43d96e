-- Entries, articles, pages and their revisions. Kept in step with migrations/postgres.
-- Dates are ISO text (YYYY-MM-DD) and timestamps RFC 3339 UTC text, as sqlx's `time` encodes them.

CREATE TABLE entries (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    name_key          TEXT NOT NULL,
    aliases           TEXT NOT NULL DEFAULT '[]',
    credit_code       TEXT UNIQUE,
    category          TEXT NOT NULL,
    list_kind         TEXT NOT NULL,
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
    status            TEXT NOT NULL,
    removed_on        DATE,
    removal_reason    TEXT NOT NULL DEFAULT '',
    removal_authority TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT 'draft',
    search_text       TEXT NOT NULL DEFAULT '',
    published_at      TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX entries_name_key ON entries (name_key);
CREATE INDEX entries_public ON entries (state, publicity_ends_on);
CREATE INDEX entries_listed_on ON entries (listed_on);

CREATE TABLE entry_revisions (
    id          INTEGER PRIMARY KEY,
    entry_id    BIGINT NOT NULL REFERENCES entries (id),
    -- The entry as it was before this change; NULL for the revision that created it.
    previous    TEXT,
    changed     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMP NOT NULL
);
CREATE INDEX entry_revisions_entry ON entry_revisions (entry_id, changed_at);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    body_md       TEXT NOT NULL,
    doc_no        TEXT,
    tags          TEXT NOT NULL DEFAULT '[]',
    state         TEXT NOT NULL DEFAULT 'draft',
    published_on  DATE NOT NULL,
    search_text   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX articles_public ON articles (state, kind, published_on);

CREATE TABLE article_revisions (
    id          INTEGER PRIMARY KEY,
    article_id  BIGINT NOT NULL REFERENCES articles (id),
    previous    TEXT,
    changed     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMP NOT NULL
);
CREATE INDEX article_revisions_article ON article_revisions (article_id, changed_at);

CREATE TABLE article_entries (
    article_id  BIGINT NOT NULL REFERENCES articles (id),
    entry_id    BIGINT NOT NULL REFERENCES entries (id),
    PRIMARY KEY (article_id, entry_id)
);
CREATE INDEX article_entries_entry ON article_entries (entry_id);

CREATE TABLE pages (
    slug        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    sort_order  BIGINT NOT NULL DEFAULT 0,
    state       TEXT NOT NULL DEFAULT 'published',
    updated_at  TIMESTAMP NOT NULL
);
