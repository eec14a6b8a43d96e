//! The store's errors, in terms the layers above can act on: a missing row, a conflicting
//! write (a unique or check constraint, or a stale version), a database too busy to answer
//! now, and anything else.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A constraint refused the write, or the row changed since it was read (`version`).
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// The database could not answer in time (locked, pool exhausted, unreachable).
    #[error("database busy: {0}")]
    Busy(String),
    #[error(transparent)]
    Other(sqlx::Error),
}

/// The `constraint` of a write that lost a race against another editor or import.
pub const STALE_VERSION: &str = "version";

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        use sqlx::error::ErrorKind;
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Busy(e.to_string())
            }
            sqlx::Error::Database(ref db) => {
                let busy_code = matches!(
                    db.code().as_deref(),
                    // SQLite: BUSY, LOCKED; PostgreSQL: serialization failure, deadlock,
                    // lock not available, too many connections, cannot connect now.
                    Some("5" | "6" | "517" | "40001" | "40P01" | "55P03" | "53300" | "57P03")
                );
                if busy_code {
                    return StoreError::Busy(db.message().to_string());
                }
                match db.kind() {
                    ErrorKind::UniqueViolation
                    | ErrorKind::ForeignKeyViolation
                    | ErrorKind::NotNullViolation
                    | ErrorKind::CheckViolation
                    | ErrorKind::ExclusionViolation => StoreError::Conflict {
                        constraint: db
                            .constraint()
                            .map(str::to_string)
                            .unwrap_or_else(|| constraint_of_message(db.message())),
                    },
                    _ => StoreError::Other(e),
                }
            }
            other => StoreError::Other(other),
        }
    }
}

/// SQLite names the constraint only in its message (`UNIQUE constraint failed: entries.credit_code`).
fn constraint_of_message(message: &str) -> String {
    message
        .rsplit(": ")
        .next()
        .unwrap_or(message)
        .trim()
        .to_string()
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_name_their_constraint() {
        assert_eq!(
            constraint_of_message("UNIQUE constraint failed: entries.credit_code"),
            "entries.credit_code"
        );
    }
}
