//! The shared queries compiled for PostgreSQL.

type Db = sqlx::Postgres;

/// Byte-wise name order, independent of the cluster's locale, the same as SQLite's.
const NAME_ORDER: &str = "name COLLATE \"C\"";

/// Write transactions start as usual; row locks and the outbox lock do the rest.
const BEGIN_WRITE: &str = "BEGIN";

include!("queries.rs");

/// One instance at a time drains the outbox: a transaction-scoped advisory lock, released at
/// commit or rollback; the others skip their turn instead of waiting.
async fn try_outbox_lock(tx: &mut Tx<'_>) -> Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(7354101)")
        .fetch_one(&mut **tx)
        .await
}

/// Moves identity sequences past copied ids, so that new rows do not collide with them.
pub async fn reset_identities(pool: &Pool<Db>) -> Result<()> {
    for table in super::schema::TABLES.iter().filter(|t| t.identity) {
        let mut qb = QueryBuilder::<Db>::new("SELECT setval(pg_get_serial_sequence('");
        qb.push(table.name)
            .push("', 'id'), COALESCE((SELECT MAX(id) FROM ")
            .push(table.name)
            .push("), 0) + 1, false)");
        qb.build().execute(pool).await?;
    }
    Ok(())
}
