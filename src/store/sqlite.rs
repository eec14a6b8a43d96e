//! The shared queries compiled for SQLite.

type Db = sqlx::Sqlite;

/// Byte-wise name order, the same as PostgreSQL's `COLLATE "C"`.
const NAME_ORDER: &str = "name";

include!("queries.rs");
