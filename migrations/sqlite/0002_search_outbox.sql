-- Changes waiting to reach the search index; written in the same transaction as the change.
CREATE TABLE search_outbox (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL,
    entity_id   BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
