//! Every table and column, typed, for copying a whole database between backends
//! (`jingshi migrate-data`). A test checks this list against the migrated schema, so a table
//! added later cannot be forgotten here.

use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Date,
    Timestamp,
}

/// One value of any column; `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Date(Option<Date>),
    Timestamp(Option<OffsetDateTime>),
}

/// One row of a table, in the order of its `columns`.
pub type RowValues = Vec<Value>;

pub struct Table {
    pub name: &'static str,
    /// The primary key columns (leading columns of `columns`).
    pub key: &'static [&'static str],
    pub columns: &'static [(&'static str, Kind)],
    /// Whether `id` comes from an identity sequence that PostgreSQL must be told about.
    pub identity: bool,
    /// Rows are never updated (the audit log refuses it): a copy skips rows it has already.
    pub append_only: bool,
}

use Kind::{Date as D, Int as I, Text as T, Timestamp as Ts};

/// Tables kept by triggers from the others (`entry_tallies` counts entries): a copy leaves
/// them to the target's triggers, which count the entries as they arrive.
pub const DERIVED: &[&str] = &["entry_tallies"];

/// In dependency order: a table comes after those it references.
pub const TABLES: &[Table] = &[
    Table {
        name: "entries",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("name", T),
            ("name_key", T),
            ("aliases", T),
            ("alias_keys", T),
            ("credit_code", T),
            ("category", T),
            ("list_kind", T),
            ("reason", T),
            ("basis", T),
            ("authority", T),
            ("decision_no", T),
            ("listed_on", D),
            ("listed_year", I),
            ("measures", T),
            ("websites", T),
            ("phones", T),
            ("remedy", T),
            ("publicity_ends_on", D),
            ("address", T),
            ("status", T),
            ("removed_on", D),
            ("removal_reason", T),
            ("removal_authority", T),
            ("publication", T),
            ("version", I),
            ("keys_version", I),
            ("search_text", T),
            ("published_at", Ts),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("withdrawn_at", Ts),
            ("withdrawal_reason", T),
        ],
    },
    Table {
        name: "entry_revisions",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("entry_id", I),
            ("previous", T),
            ("data", T),
            ("changed", T),
            ("note", T),
            ("changed_by", T),
            ("changed_at", Ts),
            ("event", T),
            ("seq", I),
        ],
    },
    Table {
        name: "articles",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("slug", T),
            ("kind", T),
            ("title", T),
            ("summary", T),
            ("body_md", T),
            ("doc_no", T),
            ("tags", T),
            ("publication", T),
            ("version", I),
            ("published_on", D),
            ("search_text", T),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("first_published_at", Ts),
            ("withdrawn_at", Ts),
            ("withdrawal_reason", T),
        ],
    },
    Table {
        name: "article_revisions",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("article_id", I),
            ("previous", T),
            ("data", T),
            ("changed", T),
            ("note", T),
            ("changed_by", T),
            ("changed_at", Ts),
        ],
    },
    Table {
        name: "article_entries",
        key: &["article_id", "entry_id"],
        identity: false,
        append_only: false,
        columns: &[("article_id", I), ("entry_id", I)],
    },
    Table {
        name: "pages",
        key: &["slug"],
        identity: false,
        append_only: false,
        columns: &[
            ("slug", T),
            ("title", T),
            ("body_md", T),
            ("sort_order", I),
            ("state", T),
            ("updated_at", Ts),
        ],
    },
    Table {
        name: "search_outbox",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("entity", T),
            ("entity_id", I),
            ("created_at", Ts),
            ("attempts", I),
            ("last_error", T),
            ("parked_at", Ts),
        ],
    },
    Table {
        name: "entry_keys",
        key: &["key", "entry_id"],
        identity: false,
        append_only: false,
        columns: &[("key", T), ("entry_id", I)],
    },
    Table {
        name: "search_lease",
        key: &["name"],
        identity: false,
        append_only: false,
        columns: &[("name", T), ("holder", T), ("expires_at", Ts)],
    },
    Table {
        name: "users",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("username", T),
            ("display_name", T),
            ("role", T),
            ("password_hash", T),
            ("totp_secret", T),
            ("totp_pending", T),
            ("disabled_at", Ts),
            ("password_changed_at", Ts),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("version", I),
        ],
    },
    Table {
        name: "recovery_codes",
        key: &["user_id", "code_hash"],
        identity: false,
        append_only: false,
        columns: &[("user_id", I), ("code_hash", T), ("used_at", Ts)],
    },
    Table {
        name: "sessions",
        key: &["id"],
        identity: false,
        append_only: false,
        columns: &[
            ("id", T),
            ("user_id", I),
            ("stage", T),
            ("csrf_token", T),
            ("flash", T),
            ("address", T),
            ("created_at", Ts),
            ("last_seen_at", Ts),
            ("expires_at", Ts),
        ],
    },
    Table {
        name: "login_throttle",
        key: &["key"],
        identity: false,
        append_only: false,
        columns: &[
            ("key", T),
            ("failures", I),
            ("locked_until", Ts),
            ("updated_at", Ts),
        ],
    },
    Table {
        name: "settings",
        key: &["key"],
        identity: false,
        append_only: false,
        columns: &[("key", T), ("value", T), ("updated_at", Ts)],
    },
    Table {
        name: "change_sets",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("file_name", T),
            ("author_id", I),
            ("author", T),
            ("summary", T),
            ("created_at", Ts),
        ],
    },
    Table {
        name: "changes",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("entity", T),
            ("entity_id", I),
            ("change_set_id", I),
            ("data", T),
            ("base_version", I),
            ("note", T),
            ("state", T),
            ("author_id", I),
            ("author", T),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("submitted_at", Ts),
            ("reviewer_id", I),
            ("reviewer", T),
            ("reviewed_at", Ts),
            ("review_comment", T),
            ("publish_at", Ts),
            ("published_at", Ts),
            ("version", I),
        ],
    },
    Table {
        name: "attachments",
        key: &["id"],
        identity: true,
        append_only: false,
        columns: &[
            ("id", I),
            ("article_id", I),
            ("file_name", T),
            ("content_type", T),
            ("size", I),
            ("sha256", T),
            ("created_by", T),
            ("created_at", Ts),
        ],
    },
    Table {
        name: "audit_log",
        key: &["id"],
        identity: true,
        append_only: true,
        columns: &[
            ("id", I),
            ("at", Ts),
            ("actor", T),
            ("actor_id", I),
            ("address", T),
            ("action", T),
            ("target", T),
            ("summary", T),
        ],
    },
    Table {
        name: "change_feed",
        key: &["id"],
        identity: false,
        append_only: false,
        columns: &[("id", I), ("last_seq", I), ("ended_through", D)],
    },
    Table {
        name: "data_version",
        key: &["id"],
        identity: false,
        append_only: false,
        columns: &[("id", I), ("version", I), ("bumped_by", I)],
    },
];

impl Table {
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
