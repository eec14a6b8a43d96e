-- The data version, kept in step with migrations/sqlite/0007_performance.sql: one number that
-- changes whenever anything the public site shows may have changed, in the same transaction as
-- the change, so every instance sharing the database keys its cache on the same number.
-- Statement triggers bump it once per transaction (the row remembers which transaction bumped
-- it last), so a large import does not rewrite the row a million times.

CREATE TABLE data_version (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    version   BIGINT NOT NULL,
    bumped_by BIGINT
);
INSERT INTO data_version (id, version) VALUES (1, 1);

CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, bumped_by = txid_current()
    WHERE id = 1 AND bumped_by IS DISTINCT FROM txid_current();
    RETURN NULL;
END;
$$;

CREATE TRIGGER entries_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER articles_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER article_entries_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON article_entries FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER pages_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pages
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER attachments_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON attachments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
