//! The shared queries compiled for SQLite.

type Db = sqlx::Sqlite;

/// Listed before removed, then byte-wise by name (the same as PostgreSQL's `COLLATE "C"`).
const NAME_ORDER: &str = " ORDER BY status, name, id";

/// Nothing to add: a SQLite write transaction (`BEGIN IMMEDIATE`) holds the database.
const LOCK_ROW: &str = "";
/// `$1` ids for new entries, ascending. The caller's transaction holds the write lock, so
/// nothing else takes ids meanwhile.
const RESERVE_ENTRY_IDS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
     WHERE i < $1) SELECT (SELECT COALESCE(MAX(id), 0) FROM entries) + i FROM n";
/// Statistics from a sample of each index (1,000 rows) rather than every row: enough for the
/// planner's choices here, and 25 ms instead of 3 s at a million entries.
const ANALYZE: &str = "PRAGMA analysis_limit = 1000; ANALYZE";

include!("queries.rs");
