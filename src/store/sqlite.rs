//! The shared queries compiled for SQLite.

type Db = sqlx::Sqlite;

/// Listed before removed, then byte-wise by name (the same as PostgreSQL's `COLLATE "C"`).
const NAME_ORDER: &str = " ORDER BY status, name, id";

/// Entries looked up by id go by their primary key. Otherwise the planner may take a covering
/// index on `publication` and read all of it to find the ids (274 ms for 200 ids at a million
/// entries: a sampled `ANALYZE`, or none, makes `publication` look selective).
const BY_ID: &str = " NOT INDEXED";
/// Entries by id come as one row holding a JSON array of rows: sqlx hands each row from its
/// SQLite thread to the runtime and decodes thirty columns one by one, 15–20 µs a row, most of
/// a lookup's time at a million entries (see `public_entries_by_ids`).
const ENTRY_ROWS_AS_JSON: Option<&str> = Some(concat!(
    "json_group_array(json_array(",
    entry_columns!(),
    "))"
));
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

    /// The public entries among `ids` read as one JSON row, then row by row, each sorted.
    async fn both_ways(c: &mut Conn, ids: &[i64], today: Date) -> (Vec<String>, Vec<String>) {
        let sorted = |found: Vec<Public<Entry>>| {
            let mut found: Vec<String> = found.iter().map(|e| format!("{:?}", **e)).collect();
            found.sort();
            found
        };
        let by_json = sorted(public_entries_by_ids(c, ids, today).await.unwrap());
        let by_rows = sorted(public_entries_row_by_row(c, ids, today).await.unwrap());
        (by_json, by_rows)
    }

    /// Entries read as one JSON row are the entries read row by row; a value in another form
    /// than the one written is read again row by row, and a damaged one stays hidden either way.
    #[tokio::test]
    async fn entries_read_as_json_are_the_entries_read_row_by_row() {
        use crate::domain::entry::tests::sample;
        use crate::domain::{Category, CreditCode, Publication};

        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("json.db").display());
        let store = crate::store::Store::connect(&url).await.unwrap();
        let today = time::macros::date!(2026 - 01 - 01);
        let now = time::macros::datetime!(2025-12-31 08:00:00.123456789 UTC);
        let mut entries = Vec::new();
        for i in 0..8 {
            let mut e = sample();
            e.name = format!("示例第{i}号有限公司");
            e.aliases = vec![format!("示例{i}APP"), "引号\"与\\反斜杠".into()];
            e.websites = vec![format!("site{i}.example")];
            e.phones = vec!["400-000-0000".into()];
            e.listed_on = Some(time::macros::date!(2025 - 03 - 01));
            e.publicity_ends_on = Some(time::macros::date!(2027 - 03 - 01));
            e.reason = "事由\n第二行\t制表\u{202e}".into();
            if i == 1 {
                e.credit_code = Some(CreditCode::from_stored("91468378145L356G9R").unwrap());
                e.category = Category::Other;
            }
            entries.push(e);
        }
        let mut tx = store.begin().await.unwrap();
        let refs: Vec<&EntryData> = entries.iter().collect();
        let ids = tx
            .insert_entries(&refs, Publication::Published, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let crate::store::Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite URL")
        };
        let mut c = pool.acquire().await.unwrap();
        let (by_json, by_rows) = both_ways(&mut c, &ids, today).await;
        assert_eq!(by_json.len(), 8);
        assert_eq!(by_json, by_rows);

        // A time in a form sqlx also reads; a damaged category (as written by another tool,
        // past the checks); then a blob, which JSON cannot hold.
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *c)
            .await
            .unwrap();
        for (sql, id) in [
            (
                "UPDATE entries SET created_at = '2025-12-31 08:00:00' WHERE id = $1",
                ids[2],
            ),
            (
                "UPDATE entries SET category = 'bogus' WHERE id = $1",
                ids[3],
            ),
            // A NUL inside a text, which must come through whole.
            (
                "UPDATE entries SET measures = 'a' || char(0) || 'b' WHERE id = $1",
                ids[5],
            ),
        ] {
            sqlx::query(sql).bind(id).execute(&mut *c).await.unwrap();
        }
        let (by_json, by_rows) = both_ways(&mut c, &ids, today).await;
        assert_eq!(by_json.len(), 7, "the damaged entry stays hidden");
        assert_eq!(by_json, by_rows);
        assert!(by_json.iter().any(|e| e.contains(r#"measures: "a\0b""#)));
        sqlx::query("UPDATE entries SET reason = x'00ff' WHERE id = $1")
            .bind(ids[4])
            .execute(&mut *c)
            .await
            .unwrap();
        let (by_json, by_rows) = both_ways(&mut c, &ids, today).await;
        assert_eq!(by_json, by_rows);
    }
}
