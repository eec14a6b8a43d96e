//! The shared queries compiled for SQLite.

type Db = sqlx::Sqlite;

/// Listed before removed, then byte-wise by name (the same as PostgreSQL's `COLLATE "C"`).
const NAME_ORDER: &str = " ORDER BY status, name, id";

/// Nothing to add: a SQLite write transaction (`BEGIN IMMEDIATE`) holds the database.
const LOCK_ROW: &str = "";

include!("queries.rs");
