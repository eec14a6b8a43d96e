//! The shared queries compiled for SQLite.

use std::collections::BTreeMap;

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

/// How a multi-row insert writes its values (see `shared_values`): plain `?`, numbered in
/// order. With 5,000 `$n` in a statement, sqlx asked SQLite for each value's name to bind it,
/// and SQLite finds a number's name by scanning every name: an import was 4× slower.
const NUMBERED_VALUES: bool = false;

include!("queries.rs");

/// Triggers on `entries` that a bulk load drops, each run once per row otherwise (the
/// tallies' upsert and the data version's bump: 12 of the 14 s SQLite takes to insert a
/// million entries); [`finish_bulk_load`] does their work once, for all rows together.
const BULK_TRIGGERS: [&str; 2] = ["entry_tallies_insert", "entries_version_insert"];

/// Indexes a bulk load keeps. New rows extend each of them at its end: their leading columns
/// are the same for every row of one import (`publication`, `keys_version`, `updated_at`,
/// a revision's `seq` still NULL) and then grow with the row's id. Kept, each costs an append
/// per row; dropped, building it again reads every row (5 s more than keeping these seven, of
/// the 11 s it took to rebuild them after copying a million entries and revisions in the
/// sqlite3 shell).
const APPEND_ORDER_INDEXES: [&str; 7] = [
    "entries_keys_version",
    "entries_public_id",
    "entries_updated_at",
    "entry_revisions_entry",
    "entry_revisions_entry_event",
    "entry_revisions_seq",
    "entry_revisions_unsequenced",
];

/// The columns of an `entry_tallies` slot: publication, list, status, year listed, last day of
/// publicity.
pub(super) type TallySlot = (
    Publication,
    ListKind,
    EntryStatus,
    Option<i64>,
    Option<Date>,
);

/// One slot's count of new entries, its `slot` key made by the same expression as the
/// dropped trigger's (migration `0009_entry_tallies`), from the values bound as the entries'
/// columns are.
const INSERT_TALLY: &str = "INSERT INTO entry_tallies (slot, publication, list_kind, status, \
     listed_year, publicity_ends_on, n) \
     SELECT p || '|' || l || '|' || s || '|' || COALESCE(CAST(y AS TEXT), '') || '|' \
     || COALESCE(CAST(e AS TEXT), ''), p, l, s, y, e, n \
     FROM (SELECT $1 AS p, $2 AS l, $3 AS s, $4 AS y, $5 AS e, $6 AS n)";

/// Makes the caller's transaction a bulk load when the list is empty (see
/// `Store::begin_import`): drops the secondary indexes of the tables an import fills (but
/// those it appends to, [`APPEND_ORDER_INDEXES`]) and the per-row triggers of `entries`, and
/// returns the statements that create them again; `None` (nothing done) when there are
/// entries.
pub(super) async fn begin_bulk_load(c: &mut Conn) -> Result<Option<Vec<String>>> {
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM entries)")
        .fetch_one(&mut *c)
        .await?;
    if !empty {
        return Ok(None);
    }
    // Indexes a constraint made (`sql IS NULL`) cannot be dropped, and stay.
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('entries', 'entry_keys', 'entry_revisions') ORDER BY name",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut dropped = Vec::new();
    for (name, sql) in indexes
        .into_iter()
        .filter(|(name, _)| !APPEND_ORDER_INDEXES.contains(&name.as_str()))
    {
        let name = name.replace('"', "\"\"");
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
            .execute(&mut *c)
            .await?;
        dropped.push(sql);
    }
    // By name, so that a migration renaming one fails here (not found) instead of loading
    // without its work redone.
    for name in BULK_TRIGGERS {
        let sql: String = sqlx::query_scalar(
            "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = $1",
        )
        .bind(name)
        .fetch_one(&mut *c)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {name}")))
            .execute(&mut *c)
            .await?;
        dropped.push(sql);
    }
    Ok(Some(dropped))
}

/// Ends a bulk load, before its commit: the dropped indexes and triggers, and the triggers'
/// work for every new entry at once: the tallies of the entries it counted as they were
/// written (the list was empty: they are all its entries), one new data version.
pub(super) async fn finish_bulk_load(
    c: &mut Conn,
    dropped: &[String],
    tallies: &BTreeMap<TallySlot, i64>,
) -> Result<()> {
    for sql in dropped {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut *c)
            .await?;
    }
    sqlx::query("DELETE FROM entry_tallies")
        .execute(&mut *c)
        .await?;
    for ((publication, list, status, year, ends), n) in tallies {
        sqlx::query(INSERT_TALLY)
            .bind(publication)
            .bind(list)
            .bind(status)
            .bind(year)
            .bind(ends)
            .bind(n)
            .execute(&mut *c)
            .await?;
    }
    sqlx::query("UPDATE data_version SET version = version + 1 WHERE id = 1")
        .execute(&mut *c)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_pool(store: &crate::store::Store) -> &sqlx::SqlitePool {
        let crate::store::Pool::Sqlite(pool) = &store.pool else {
            unreachable!("a SQLite URL")
        };
        pool
    }

    /// The steps of a query plan (`qb` starts with `EXPLAIN QUERY PLAN`).
    async fn plan_of(pool: &sqlx::SqlitePool, qb: &mut QueryBuilder<Db>) -> Vec<String> {
        qb.build()
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<String, _>("detail"))
            .collect()
    }

    /// What `PRAGMA integrity_check` finds: `["ok"]` when nothing.
    async fn integrity(pool: &sqlx::SqlitePool) -> Vec<String> {
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    /// Without statistics (or with sampled ones) SQLite's planner took the covering index on
    /// `publication` for this query and read all of it: a quarter of a second per call at a
    /// million entries, a thousand calls per index sweep.
    #[tokio::test]
    async fn public_ids_among_are_looked_up_by_primary_key() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let store = crate::store::Store::connect(&url).await.unwrap();
        let pool = sqlite_pool(&store);
        let mut qb = QueryBuilder::<Db>::new("EXPLAIN QUERY PLAN ");
        let today = time::macros::date!(2026 - 01 - 01);
        push_public_entry_ids_among(&mut qb, &[3, 1, 2], today);
        let plan = plan_of(pool, &mut qb).await;
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
        let derived: Vec<crate::store::Derived> =
            entries.iter().map(crate::store::Derived::of).collect();
        let refs: Vec<(&EntryData, &crate::store::Derived)> =
            entries.iter().zip(&derived).collect();
        let ids = tx
            .insert_entries(&refs, Publication::Published, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let pool = sqlite_pool(&store);
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
            // A value read in place from the JSON text that JSON escapes.
            (
                "UPDATE entries SET list_kind = 'black\"list' WHERE id = $1",
                ids[6],
            ),
        ] {
            sqlx::query(sql).bind(id).execute(&mut *c).await.unwrap();
        }
        let (by_json, by_rows) = both_ways(&mut c, &ids, today).await;
        assert_eq!(by_json.len(), 6, "the damaged entries stay hidden");
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

    /// Migration 0010 orders `entry_keys` by entry: every key of a database made before it
    /// is still there, and a lookup by key reads the new index alone.
    #[tokio::test]
    async fn entry_keys_survive_their_reordering() {
        let dir = tempfile::tempdir().unwrap();
        let before = dir.path().join("before-0010");
        std::fs::create_dir(&before).unwrap();
        let all = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
        for file in std::fs::read_dir(all).unwrap() {
            let file = file.unwrap();
            let name = file.file_name().into_string().unwrap();
            if name.as_str() < "0010" {
                std::fs::copy(file.path(), before.join(&name)).unwrap();
            }
        }
        let path = dir.path().join("old.db");
        let old = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        sqlx::migrate::Migrator::new(before.as_path())
            .await
            .unwrap()
            .run(&old)
            .await
            .unwrap();
        let mut keys = Vec::new();
        for id in 1..=40_i64 {
            sqlx::query(
                "INSERT INTO entries (id, name, name_key, category, list_kind, reason, \
                 authority, status, created_at, updated_at) VALUES ($1, $2, $2, 'other', \
                 'blacklist', '事由', '机关', 'listed', '2026-01-01', '2026-01-01')",
            )
            .bind(id)
            .bind(format!("示例{id}有限公司"))
            .execute(&old)
            .await
            .unwrap();
            keys.push((format!("n:示例{id}有限公司"), id));
            keys.push((format!("h:site{}example", id % 7), id));
        }
        for (key, id) in &keys {
            sqlx::query("INSERT INTO entry_keys (key, entry_id) VALUES ($1, $2)")
                .bind(key)
                .bind(id)
                .execute(&old)
                .await
                .unwrap();
        }
        old.close().await;

        let store = crate::store::Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        keys.sort();
        assert_eq!(all_keys(&store).await, keys);
        let pool = sqlite_pool(&store);
        let mut qb = QueryBuilder::<Db>::new(
            "EXPLAIN QUERY PLAN SELECT entry_id FROM entry_keys \
             WHERE key IN ('h:site3example', 'n:示例5有限公司')",
        );
        let plan = plan_of(pool, &mut qb).await;
        assert!(
            plan.iter()
                .any(|p| p.contains("COVERING INDEX entry_keys_key")),
            "{plan:?}"
        );
        assert_eq!(integrity(pool).await, ["ok"]);
    }

    async fn schema(store: &crate::store::Store) -> Vec<(String, String, Option<String>)> {
        sqlx::query_as("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name")
            .fetch_all(sqlite_pool(store))
            .await
            .unwrap()
    }

    async fn data_version(store: &crate::store::Store) -> i64 {
        sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1")
            .fetch_one(sqlite_pool(store))
            .await
            .unwrap()
    }

    async fn all_keys(store: &crate::store::Store) -> Vec<(String, i64)> {
        sqlx::query_as("SELECT key, entry_id FROM entry_keys ORDER BY key, entry_id")
            .fetch_all(sqlite_pool(store))
            .await
            .unwrap()
    }

    /// A bulk load (an import into an empty list) writes what an ordinary transaction writes,
    /// and ends with every index it dropped, whether it commits or rolls back; only an empty
    /// list is loaded so, and the store's own connections keep checking foreign keys.
    #[tokio::test]
    async fn a_bulk_load_writes_what_a_transaction_writes_and_keeps_the_schema() {
        use crate::domain::entry::tests::sample;
        use crate::domain::{CreditCode, Publication};

        let now = time::macros::datetime!(2025-12-31 08:00:00 UTC);
        let entries: Vec<EntryData> = (0..30)
            .map(|i| {
                let mut e = sample();
                e.name = format!("示例第{i}号网络科技有限公司");
                e.aliases = vec![format!("第{i}号APP"), format!("第{i}号宝")];
                e.websites = vec![format!("https://www.site{i}.example/")];
                // Several tallies: years, and a publicity end for some.
                e.listed_on = time::Date::from_ordinal_date(2020 + i as i32 % 3, 100).ok();
                e.publicity_ends_on = (i % 4 == 0).then_some(time::macros::date!(2026 - 06 - 30));
                e.credit_code = ["91410100737459086M", "914100007110665832"]
                    .get(i)
                    .map(|c| CreditCode::from_stored(c).unwrap());
                e
            })
            .collect();
        let derived: Vec<crate::store::Derived> =
            entries.iter().map(crate::store::Derived::of).collect();
        let refs: Vec<(&EntryData, &crate::store::Derived)> =
            entries.iter().zip(&derived).collect();
        let dir = tempfile::tempdir().unwrap();
        let store_at = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
        let plain = crate::store::Store::connect(&store_at("plain.db"))
            .await
            .unwrap();
        let bulk = crate::store::Store::connect(&store_at("bulk.db"))
            .await
            .unwrap();
        let before = schema(&bulk).await;

        let mut tx = bulk.begin_import().await.unwrap();
        assert!(tx.is_bulk_load(), "an empty list is loaded in bulk");
        tx.insert_entries(&refs, Publication::Published, now)
            .await
            .unwrap();
        drop(tx);
        assert_eq!(
            schema(&bulk).await,
            before,
            "a rollback brings the indexes back"
        );
        assert!(all_keys(&bulk).await.is_empty());

        let version = data_version(&bulk).await;
        let mut tx = bulk.begin_import().await.unwrap();
        assert!(tx.is_bulk_load());
        let bulk_ids = tx
            .insert_entries(&refs, Publication::Published, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            schema(&bulk).await,
            before,
            "a commit builds the indexes again"
        );
        // The indexes a load keeps exist (a name out of date would only make loads slower),
        // and every index agrees with its table, the kept ones included.
        for name in APPEND_ORDER_INDEXES {
            assert!(
                before
                    .iter()
                    .any(|(kind, n, _)| kind == "index" && n == name),
                "{name} is not an index"
            );
        }
        assert_eq!(integrity(sqlite_pool(&bulk)).await, ["ok"]);
        let mut tx = plain.begin().await.unwrap();
        let plain_ids = tx
            .insert_entries(&refs, Publication::Published, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(bulk_ids, plain_ids);
        let keys = all_keys(&bulk).await;
        assert!(keys.len() > 3 * entries.len(), "{} keys", keys.len());
        assert_eq!(keys, all_keys(&plain).await);
        // The per-row triggers were dropped for the load: their work is done all the same.
        let tallies = |store| async move {
            sqlx::query_as::<_, (String, i64)>("SELECT slot, n FROM entry_tallies ORDER BY slot")
                .fetch_all(sqlite_pool(store))
                .await
                .unwrap()
        };
        let counted = tallies(&bulk).await;
        assert!(!counted.is_empty());
        assert_eq!(counted, tallies(&plain).await);
        assert!(
            data_version(&bulk).await > version,
            "a bulk load changes the data"
        );

        let tx = bulk.begin_import().await.unwrap();
        assert!(
            !tx.is_bulk_load(),
            "a list with entries is not loaded in bulk"
        );
        drop(tx);
        // Each import opens a connection of its own (two open files: the database and its
        // log): it must be closed after, not kept. Closing happens on the connection's
        // thread, and the store's own pool may open one more connection meanwhile.
        let database = dir.path().join("bulk.db").display().to_string();
        let open_files = || {
            std::fs::read_dir("/proc/self/fd")
                .unwrap()
                .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter(|target| target.display().to_string().starts_with(&database))
                .count()
        };
        let before_imports = open_files();
        for _ in 0..5 {
            bulk.begin_import().await.unwrap().commit().await.unwrap();
        }
        let mut waited = 0;
        while open_files() > before_imports + 2 {
            assert!(
                waited < 100,
                "imports' connections are kept: {} open files, {before_imports} before",
                open_files()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            waited += 1;
        }
        let pool = sqlite_pool(&bulk);
        let checked: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(checked, 1);
        let check: Vec<(String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(pool)
            .await
            .map(|rows: Vec<(String, i64, String, i64)>| {
                rows.into_iter().map(|r| (r.0, r.1)).collect()
            })
            .unwrap();
        assert!(check.is_empty(), "{check:?}");
    }
}
