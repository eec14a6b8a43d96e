-- The exact-match keys ordered by entry, then found by key through an index. An import
-- appends each new entry's keys at the table's end this way; ordered by key, a bulk load had
-- to stage every key in a temporary table, sort them all and copy them over (9 s of a million
-- entries' import). The index on `key` holds each row's entry too: lookups by key read it alone.
-- PostgreSQL keeps its table.
CREATE TABLE entry_keys_new (
    entry_id  BIGINT NOT NULL REFERENCES entries (id),
    key       TEXT NOT NULL,
    PRIMARY KEY (entry_id, key)
) WITHOUT ROWID;
INSERT INTO entry_keys_new (entry_id, key) SELECT entry_id, key FROM entry_keys ORDER BY entry_id, key;
DROP TABLE entry_keys;
ALTER TABLE entry_keys_new RENAME TO entry_keys;
CREATE INDEX entry_keys_key ON entry_keys (key);
