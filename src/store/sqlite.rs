//! The shared queries compiled for SQLite.

type Db = sqlx::Sqlite;

/// Byte-wise name order, the same as PostgreSQL's `COLLATE "C"`.
const NAME_ORDER: &str = "name";

/// Write transactions take the write lock at once: a deferred transaction that read first
/// fails with "database is locked" when another connection wrote in between.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

include!("queries.rs");

/// SQLite has one writer at a time: whoever runs the `DELETE` of the outbox holds it.
async fn try_outbox_lock(_: &mut Tx<'_>) -> Result<bool> {
    Ok(true)
}
