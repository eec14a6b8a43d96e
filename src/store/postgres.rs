//! The shared queries compiled for PostgreSQL.

type Db = sqlx::Postgres;

/// Byte-wise name order, independent of the cluster's locale, the same as SQLite's.
const NAME_ORDER: &str = "name COLLATE \"C\"";

include!("queries.rs");
