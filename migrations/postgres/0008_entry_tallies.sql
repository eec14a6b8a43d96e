-- Public counts (the home page, the list's totals, its years) from a tally of entries per
-- publication, list, status, year and publicity end, kept by triggers in the transaction
-- that writes the entries: a million entries are counted in a few hundred rows, and the
-- visibility rule reads the tally's columns as it reads the entries'. `slot` joins the five
-- (NULL as empty) so that each combination has one row.
-- Instances still running keep writing entries while this runs: held until the triggers
-- exist, so no write falls between the count and them.
LOCK TABLE entries IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE entry_tallies (
    slot              TEXT PRIMARY KEY,
    publication       TEXT NOT NULL,
    list_kind         TEXT NOT NULL,
    status            TEXT NOT NULL,
    listed_year       BIGINT,
    publicity_ends_on DATE,
    n                 BIGINT NOT NULL
);

CREATE FUNCTION entry_tally_slot(p TEXT, l TEXT, s TEXT, y BIGINT, e DATE) RETURNS TEXT
LANGUAGE SQL IMMUTABLE AS $$
    SELECT p || '|' || l || '|' || s || '|' || COALESCE(CAST(y AS TEXT), '') || '|'
        || COALESCE(to_char(e, 'YYYY-MM-DD'), '')
$$;

INSERT INTO entry_tallies (slot, publication, list_kind, status, listed_year, publicity_ends_on, n)
SELECT entry_tally_slot(publication, list_kind, status, listed_year, publicity_ends_on),
       publication, list_kind, status, listed_year, publicity_ends_on, COUNT(*)
FROM entries
GROUP BY publication, list_kind, status, listed_year, publicity_ends_on;

-- Once per statement, over the rows it changed (an import's batch is one upsert per slot).
CREATE FUNCTION entry_tallies_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One transaction at a time changes tallies (until it ends): two moving entries between
    -- the same slots in opposite orders would otherwise deadlock on the tally rows.
    PERFORM pg_advisory_xact_lock(1785292391);
    IF TG_OP <> 'INSERT' THEN
        UPDATE entry_tallies t SET n = t.n - d.n
        FROM (SELECT entry_tally_slot(publication, list_kind, status, listed_year,
                                      publicity_ends_on) AS slot, COUNT(*) AS n
              FROM old_rows GROUP BY 1) d
        WHERE t.slot = d.slot;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO entry_tallies (slot, publication, list_kind, status, listed_year,
                                   publicity_ends_on, n)
        SELECT entry_tally_slot(publication, list_kind, status, listed_year, publicity_ends_on),
               publication, list_kind, status, listed_year, publicity_ends_on, COUNT(*)
        FROM new_rows
        GROUP BY publication, list_kind, status, listed_year, publicity_ends_on
        ON CONFLICT (slot) DO UPDATE SET n = entry_tallies.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entry_tallies_insert AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entry_tallies_count();
CREATE TRIGGER entry_tallies_update AFTER UPDATE ON entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entry_tallies_count();
CREATE TRIGGER entry_tallies_delete AFTER DELETE ON entries
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entry_tallies_count();

-- The public list, newest first (its default order), read from an index instead of sorting
-- every public entry.
CREATE INDEX entries_public_newest ON entries (publication, listed_on DESC NULLS LAST, id DESC);
