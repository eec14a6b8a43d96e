//! The shared queries compiled for SQLite.

type Db = sqlx::Sqlite;

/// Listed before removed, then byte-wise by name (the same as PostgreSQL's `COLLATE "C"`).
const NAME_ORDER: &str = " ORDER BY status, name, id";

/// Entries looked up by id go by their primary key. Otherwise the planner may take a covering
/// index on `publication` and read all of it to find the ids (274 ms for 200 ids at a million
/// entries: a sampled `ANALYZE`, or none, makes `publication` look selective).
const BY_ID: &str = " NOT INDEXED";
/// Nothing to add: a SQLite write transaction (`BEGIN IMMEDIATE`) holds the database.
const LOCK_ROW: &str = "";
/// `$1` ids for new entries, ascending. The caller's transaction holds the write lock, so
/// nothing else takes ids meanwhile.
const RESERVE_ENTRY_IDS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
     WHERE i < $1) SELECT (SELECT COALESCE(MAX(id), 0) FROM entries) + i FROM n";
/// Statistics from a sample of each index (1,000 rows) rather than every row: 25 ms instead of
/// 3 s at a million entries. A sample makes a column every row shares (`publication`) look
/// selective, so lookups by id do not leave the choice to them (`BY_ID`).
const ANALYZE: &str = "PRAGMA analysis_limit = 1000; ANALYZE";

include!("queries.rs");

#[cfg(test)]
mod tests {
    use super::*;

    /// Without statistics (or with sampled ones) SQLite's planner took the covering index on
    /// `publication` for this query and read all of it: a quarter of a second per call at a
    /// million entries, a thousand calls per index sweep.
    #[tokio::test]
    async fn public_ids_among_are_looked_up_by_primary_key() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let store = crate::store::Store::connect(&url).await.unwrap();
        let crate::store::Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite URL")
        };
        let mut qb = QueryBuilder::<Db>::new("EXPLAIN QUERY PLAN ");
        let today = time::macros::date!(2026 - 01 - 01);
        push_public_entry_ids_among(&mut qb, &[3, 1, 2], today);
        let plan: Vec<String> = qb
            .build()
            .fetch_all(&mut *pool.acquire().await.unwrap())
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<String, _>("detail"))
            .collect();
        assert!(
            plan.len() == 1 && plan[0].contains("INTEGER PRIMARY KEY"),
            "{plan:?}"
        );
    }
}
