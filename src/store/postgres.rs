//! The shared queries compiled for PostgreSQL.

type Db = sqlx::Postgres;

/// Byte-wise name order, independent of the cluster's locale, the same as SQLite's.
const NAME_ORDER: &str = "name COLLATE \"C\"";

include!("queries.rs");

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
