//! The shared queries compiled for PostgreSQL.

type Db = sqlx::Postgres;

/// Listed before removed, then byte-wise by name, independent of the cluster's locale (the
/// same order as SQLite's).
const NAME_ORDER: &str = " ORDER BY status, name COLLATE \"C\", id";

/// Nothing to add: PostgreSQL's statistics cover every column.
const BY_ID: &str = "";
/// Rows as rows: the PostgreSQL driver has no per-row hand-off to avoid.
const ENTRY_ROWS_AS_JSON: Option<&str> = None;
/// Holds the row read until the transaction ends.
const LOCK_ROW: &str = " FOR UPDATE";
/// `$1` ids for new entries from the identity sequence (ascending once sorted).
const RESERVE_ENTRY_IDS: &str =
    "SELECT nextval(pg_get_serial_sequence('entries', 'id')) FROM generate_series(1, $1)";
/// PostgreSQL samples by itself.
const ANALYZE: &str = "ANALYZE";

/// How a multi-row insert writes its values (see `shared_values`): `$n`, the only placeholder
/// PostgreSQL knows.
const NUMBERED_VALUES: bool = true;

include!("queries.rs");

/// Moves identity sequences past copied ids, so that new rows do not collide with them.
pub async fn reset_identities(c: &mut Conn) -> Result<()> {
    for table in super::schema::TABLES.iter().filter(|t| t.identity) {
        let mut qb = QueryBuilder::<Db>::new("SELECT setval(pg_get_serial_sequence('");
        qb.push(table.name)
            .push("', 'id'), COALESCE((SELECT MAX(id) FROM ")
            .push(table.name)
            .push("), 0) + 1, false)");
        qb.build().execute(&mut *c).await?;
    }
    Ok(())
}
