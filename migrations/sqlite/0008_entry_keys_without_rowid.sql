-- The exact-match keys as a table ordered by its primary key (WITHOUT ROWID): as a rowid table
-- every key was written twice, once in the table and once in the primary key's index, and
-- keys are most of what an import writes (five or so per entry). PostgreSQL keeps its table.
CREATE TABLE entry_keys_new (
    key       TEXT NOT NULL,
    entry_id  BIGINT NOT NULL REFERENCES entries (id),
    PRIMARY KEY (key, entry_id)
) WITHOUT ROWID;
INSERT INTO entry_keys_new (key, entry_id) SELECT key, entry_id FROM entry_keys;
DROP TABLE entry_keys;
ALTER TABLE entry_keys_new RENAME TO entry_keys;
CREATE INDEX entry_keys_entry ON entry_keys (entry_id);
