-- The data version: one number that changes whenever anything the public site shows may have
-- changed, in the same transaction as the change (triggers, so that no write path can forget
-- it). Every instance keys its in-process cache of pages and API answers on it.
-- Revisions and exact-match keys are written only together with their entry or article, so
-- they need no trigger of their own.

-- `bumped_by` is PostgreSQL's (the transaction that bumped last); here it stays NULL.
CREATE TABLE data_version (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    version   INTEGER NOT NULL,
    bumped_by INTEGER
);
INSERT INTO data_version (id, version) VALUES (1, 1);

CREATE TRIGGER entries_version_insert AFTER INSERT ON entries
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER entries_version_update AFTER UPDATE ON entries
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER entries_version_delete AFTER DELETE ON entries
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER articles_version_insert AFTER INSERT ON articles
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_version_update AFTER UPDATE ON articles
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_version_delete AFTER DELETE ON articles
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER article_entries_version_insert AFTER INSERT ON article_entries
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_entries_version_update AFTER UPDATE ON article_entries
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_entries_version_delete AFTER DELETE ON article_entries
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER pages_version_insert AFTER INSERT ON pages
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER pages_version_update AFTER UPDATE ON pages
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER pages_version_delete AFTER DELETE ON pages
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER attachments_version_insert AFTER INSERT ON attachments
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER attachments_version_update AFTER UPDATE ON attachments
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER attachments_version_delete AFTER DELETE ON attachments
BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
