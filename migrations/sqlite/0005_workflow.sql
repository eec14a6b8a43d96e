-- The publishing workflow: proposed changes that go through review (alone or as a change set
-- from a spreadsheet upload), scheduled publication, withdrawal with a reason, attachments.

ALTER TABLE entries ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE entries ADD COLUMN withdrawal_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN first_published_at TIMESTAMP;
ALTER TABLE articles ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE articles ADD COLUMN withdrawal_reason TEXT NOT NULL DEFAULT '';
-- Articles published before this migration were published when they were loaded.
UPDATE articles SET first_published_at = created_at WHERE publication = 'published';

CREATE TABLE change_sets (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    author_id   BIGINT REFERENCES users (id),
    author      TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

-- A proposed change to an entry or article: its whole proposed content (JSON), the live
-- version it was based on, and where it stands in review.
CREATE TABLE changes (
    id              INTEGER PRIMARY KEY,
    entity          TEXT NOT NULL CHECK (entity IN ('entry', 'article')),
    entity_id       BIGINT NOT NULL,
    change_set_id   BIGINT REFERENCES change_sets (id),
    data            TEXT NOT NULL,
    base_version    BIGINT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN
                        ('draft', 'in_review', 'rejected', 'scheduled', 'published', 'discarded')),
    author_id       BIGINT REFERENCES users (id),
    author          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    submitted_at    TIMESTAMP,
    reviewer_id     BIGINT REFERENCES users (id),
    reviewer        TEXT,
    reviewed_at     TIMESTAMP,
    review_comment  TEXT NOT NULL DEFAULT '',
    publish_at      TIMESTAMP,
    published_at    TIMESTAMP,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX changes_item ON changes (entity, entity_id, state);
CREATE INDEX changes_state ON changes (state, publish_at);
CREATE INDEX changes_author ON changes (author_id, state);
CREATE INDEX changes_set ON changes (change_set_id);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    article_id    BIGINT NOT NULL REFERENCES articles (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX attachments_article ON attachments (article_id);
