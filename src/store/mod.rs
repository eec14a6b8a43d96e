//! The data layer: one set of queries (`queries.rs`) compiled for SQLite and for PostgreSQL.
//!
//! `queries.rs` is included into `sqlite.rs` and `postgres.rs`, each of which names its
//! `sqlx::Database`; the rare fragment that differs between the two is a constant there.
//! Both instantiations use the native drivers, so dates and timestamps keep real types
//! (the `Any` driver cannot carry them).
//!
//! Every query is a method on [`Store`] (a pooled connection per call) and on [`Tx`] (the
//! caller's transaction, which the caller commits). What the public may see is decided in
//! `visibility.rs`, once. All SQL of the application lives under this folder.

/// The columns every entry query selects, in the order of `rows::EntryRow`; a macro so that
/// `concat!` can build `&'static str` queries from it.
macro_rules! entry_columns {
    () => {
        "id, name, name_key, aliases, alias_keys, credit_code, category, list_kind, reason, \
         basis, authority, decision_no, listed_on, measures, websites, phones, remedy, \
         publicity_ends_on, address, status, removed_on, removal_reason, removal_authority, \
         publication, version, published_at, created_at, updated_at, withdrawn_at, \
         withdrawal_reason"
    };
}

/// The columns every article query selects, in the order of `rows::ArticleRow`.
macro_rules! article_columns {
    () => {
        "id, slug, kind, title, summary, body_md, doc_no, tags, publication, version, \
         published_on, created_at, updated_at, first_published_at, withdrawn_at, \
         withdrawal_reason"
    };
}

mod error;
mod events;
mod postgres;
mod rows;
pub mod schema;
mod sqlite;
mod types;
mod visibility;

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::ConnectOptions;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use time::{Date, OffsetDateTime};

use crate::domain::article::{ArticleData, PageData};
use crate::domain::entry::EntryData;
use crate::domain::{ArticleKind, Category, ChangeKind, EntryStatus, ListKind, Publication, Role};

pub use error::{Result, STALE_VERSION, StoreError};
pub use events::{ChangeEvent, FeedState, change_of};
pub use rows::{
    Article, Attachment, AuditEntry, Change, ChangeSet, Entry, Page, Revision, Session, User,
};
pub use visibility::{ArticleVisibility, Public, Visibility, WithdrawnNotice, admits};

/// Bumped whenever what is derived from an entry's data (folded keys, lookup text, exact
/// keys) changes meaning; older rows are recomputed when the store connects. Version 2 keys
/// websites by registrable domain.
pub const KEYS_VERSION: i64 = 2;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// Transactions committed through this handle and its clones: a reader of the data
    /// version looks again at once after one (see [`Store::commits`]).
    commits: Arc<AtomicU64>,
}

/// A write transaction, owned by the caller: nothing is written until [`Tx::commit`], and
/// dropping it rolls back.
pub struct Tx {
    inner: TxInner,
    commits: Arc<AtomicU64>,
    /// The connection's page cache size before [`Tx::widen_cache`], put back at the end.
    narrow_cache: Option<i64>,
    /// What a bulk load ([`Store::begin_import`]) puts back at commit.
    bulk: Option<BulkLoad>,
}

/// What a bulk load dropped and what it counted instead of the dropped triggers.
struct BulkLoad {
    /// The statements that create what it dropped again.
    dropped: Vec<String>,
    /// Its new entries per tally slot, counted as [`Tx::insert_entries`] writes them: every
    /// entry of a bulk load is new (the list was empty), so nothing else writes any.
    tallies: BTreeMap<sqlite::TallySlot, i64>,
}

/// SQLite's page cache (KiB) while a transaction writes many rows: with the default 2 MB,
/// dirty index pages spill to the WAL and are read back again and again (an import of
/// 200,000 rows took 42 s, 26–34 s with this). At a million rows the indexes outgrow any cache
/// that keeps an import's memory flat, and this no longer helps.
const WIDE_CACHE_KIB: i64 = 32_768;

enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Declares query functions (defined in `queries.rs` for both backends) as methods: reads on
/// both [`Store`] and [`Tx`], writes on [`Tx`] only.
macro_rules! queries {
    (
        reads { $( $(#[$rm:meta])* fn $r:ident($($ra:ident: $rt:ty),* $(,)?) -> $rret:ty; )* }
        writes { $( $(#[$wm:meta])* fn $w:ident($($wa:ident: $wt:ty),* $(,)?) -> $wret:ty; )* }
    ) => {
        impl Store {
            $(
                $(#[$rm])*
                pub async fn $r(&self, $($ra: $rt),*) -> Result<$rret> {
                    match &self.pool {
                        Pool::Sqlite(p) => sqlite::$r(&mut *p.acquire().await?, $($ra),*).await,
                        Pool::Postgres(p) => postgres::$r(&mut *p.acquire().await?, $($ra),*).await,
                    }
                }
            )*
        }
        impl Tx {
            $(
                $(#[$rm])*
                pub async fn $r(&mut self, $($ra: $rt),*) -> Result<$rret> {
                    match &mut self.inner {
                        TxInner::Sqlite(t) => sqlite::$r(&mut **t, $($ra),*).await,
                        TxInner::Postgres(t) => postgres::$r(&mut **t, $($ra),*).await,
                    }
                }
            )*
            $(
                $(#[$wm])*
                #[allow(clippy::too_many_arguments)]
                pub async fn $w(&mut self, $($wa: $wt),*) -> Result<$wret> {
                    match &mut self.inner {
                        TxInner::Sqlite(t) => sqlite::$w(&mut **t, $($wa),*).await,
                        TxInner::Postgres(t) => postgres::$w(&mut **t, $($wa),*).await,
                    }
                }
            )*
        }
    };
}

queries! {
    reads {
        /// The public entry list (and the simple database lookup), with its total.
        fn public_entries(f: &EntryFilter, today: Date) -> (i64, Vec<Public<Entry>>);
        /// One page of the public entry list, without its total.
        fn public_entry_rows(f: &EntryFilter, today: Date) -> Vec<Public<Entry>>;
        /// One entry as the public may see it: public, gone (410) or hidden (404).
        fn public_entry(id: i64, today: Date) -> Visibility<Public<Entry>>;
        /// The public entries among `ids`, in no particular order.
        fn public_entries_by_ids(ids: &[i64], today: Date) -> Vec<Public<Entry>>;
        /// Public entries with any of these exact keys, lowest ids first, at most `limit`.
        fn public_entries_by_keys(keys: &[String], today: Date, limit: i64) -> Vec<Public<Entry>>;
        fn public_entry_ids_among(ids: &[i64], today: Date) -> Vec<i64>;
        /// The keys among these that any entry has (see `EntryData::keys`).
        fn entry_keys_among(keys: &[String]) -> Vec<String>;
        fn public_entries_after(after: i64, limit: i64, today: Date) -> Vec<Public<Entry>>;
        fn public_counts(today: Date) -> Vec<ListCount>;
        fn public_years(today: Date) -> Vec<i64>;
        fn public_entries_for_article(article_id: i64, today: Date) -> Vec<Public<Entry>>;
        fn public_articles_for_entry(entry_id: i64) -> Vec<Public<Article>>;
        fn public_articles(f: &ArticleFilter) -> (i64, Vec<Public<Article>>);
        fn public_article(slug: &str) -> ArticleVisibility;
        fn public_articles_by_ids(ids: &[i64]) -> Vec<Public<Article>>;
        fn public_article_ids_among(ids: &[i64]) -> Vec<i64>;
        fn public_articles_after(after: i64, limit: i64) -> Vec<Public<Article>>;
        fn page(slug: &str) -> Option<Page>;
        fn pages() -> Vec<Page>;
        /// The history of an entry or article, newest first.
        fn revisions(entity: Entity, id: i64) -> Vec<Revision>;
        /// An entry in any publication state (staff, import).
        fn entry(id: i64) -> Option<Entry>;
        fn entries_by_ids(ids: &[i64]) -> Vec<Entry>;
        fn entries_by_codes(codes: &[String]) -> Vec<Entry>;
        fn entries_by_name_keys(keys: &[String]) -> Vec<Entry>;
        /// Whether any entry's derived keys predate [`KEYS_VERSION`].
        fn has_stale_entry_keys() -> bool;
        /// An article in any publication state, with its related-entry references.
        fn article(slug: &str) -> Option<Article>;
        fn pending_outbox(limit: i64) -> Vec<OutboxItem>;
        /// The highest outbox item id, if any: items up to it are waiting or parked now.
        fn outbox_high_water() -> Option<i64>;
        fn outbox_status() -> (i64, Vec<ParkedItem>);
        /// The oldest waiting outbox item and how many wait (up to `cap`).
        fn outbox_lag(cap: i64) -> Option<OutboxLag>;
        /// What the public may see changes with this number (see `migrations/*/0007`).
        fn data_version() -> i64;
        /// Refreshes the planner's statistics (after a bulk write).
        fn analyze() -> ();
        fn count_rows(table: &schema::Table) -> i64;
        fn user(id: i64) -> Option<User>;
        fn user_by_name(username: &str) -> Option<User>;
        fn users() -> Vec<User>;
        fn unused_recovery_codes(user_id: i64) -> i64;
        fn session(id: &str) -> Option<Session>;
        fn throttle_lock(key: &str) -> Option<OffsetDateTime>;
        fn settings() -> Vec<(String, String)>;
        fn audit_entries(f: &AuditFilter) -> (i64, Vec<AuditEntry>);
        fn audit_actors() -> Vec<String>;
        fn change(id: i64) -> Option<Change>;
        fn open_change(entity: Entity, entity_id: i64) -> Option<Change>;
        fn changes(f: &ChangeFilter) -> Vec<Change>;
        fn change_set(id: i64) -> Option<ChangeSet>;
        fn staff_entries(f: &StaffFilter) -> (i64, Vec<Entry>);
        fn staff_articles(f: &StaffFilter) -> (i64, Vec<Article>);
        fn article_by_id(id: i64) -> Option<Article>;
        fn article_links(article_id: i64) -> Vec<(i64, String)>;
        fn attachment(id: i64) -> Option<Attachment>;
        fn public_attachment(id: i64) -> Option<Public<Attachment>>;
        fn attachments(article_id: i64) -> Vec<Attachment>;
        fn read_rows(table: &schema::Table, offset: i64, limit: i64) -> Vec<schema::RowValues>;
        /// Where the changes feed stands (see `settle_change_feed`).
        fn change_feed_state() -> FeedState;
        /// Events of the changes feed after a position, in feed order.
        fn change_events(after: i64, limit: i64) -> Vec<ChangeEvent>;
        /// When any entry last changed, in any state.
        fn entries_changed_at() -> Option<OffsetDateTime>;
        /// How many entries are public, and the highest public id.
        fn public_entry_span(today: Date) -> (i64, i64);
        /// The newest events of these kinds whose entries are public now, newest first.
        fn public_change_events(kinds: &[ChangeKind], limit: i64, today: Date) -> Vec<ChangeEvent>;
        /// Ids and last changes of public entries with ids in `(after, up_to]`.
        fn public_entry_stamps(after: i64, up_to: i64, today: Date) -> Vec<(i64, OffsetDateTime)>;
    }
    writes {
        fn insert_entry(d: &EntryData, publication: Publication, now: OffsetDateTime) -> i64;
        /// Conflict ([`STALE_VERSION`]) when the entry is no longer at `version`.
        fn update_entry(
            id: i64,
            version: i64,
            d: &EntryData,
            publication: Publication,
            now: OffsetDateTime,
        ) -> i64;
        fn refresh_entry_keys(after: i64, limit: i64) -> Option<i64>;
        fn insert_revision(
            entity: Entity,
            owner_id: i64,
            previous: Option<&str>,
            data: &str,
            changed: &[&str],
            actor: &Actor,
            now: OffsetDateTime,
            event: Option<ChangeKind>,
        ) -> ();
        fn enqueue(entity: Entity, id: i64, now: OffsetDateTime) -> ();
        /// Records publicity ends and gives committed events their feed positions; returns
        /// the last position. Holds the feed's row until the caller commits.
        fn settle_change_feed(today: Date) -> i64;
        fn enqueue_many(entity: Entity, ids: &[i64], now: OffsetDateTime) -> ();
        /// The first revision of each new item: `(id, snapshot, changes-feed event)`; no
        /// snapshot when the item itself holds it until its next revision.
        fn insert_first_revisions(
            entity: Entity,
            items: &[FirstRevision],
            actor: &Actor,
            now: OffsetDateTime,
        ) -> ();
        fn insert_article(a: &ArticleData, publication: Publication, now: OffsetDateTime) -> i64;
        fn update_article(
            id: i64,
            version: i64,
            a: &ArticleData,
            publication: Publication,
            now: OffsetDateTime,
        ) -> i64;
        fn upsert_page(p: &PageData, now: OffsetDateTime) -> PageWrite;
        fn delete_outbox(ids: &[i64]) -> ();
        /// Deletes up to `limit` waiting outbox items with ids up to `through`; how many.
        fn delete_outbox_through(through: i64, limit: i64) -> u64;
        fn outbox_failed(id: i64, error: &str, park: bool, now: OffsetDateTime) -> ();
        fn upsert_rows(table: &schema::Table, rows: &[schema::RowValues]) -> ();
        fn insert_user(
            username: &str,
            display_name: &str,
            role: Role,
            password_hash: &str,
            now: OffsetDateTime,
        ) -> i64;
        /// NotFound when there is no such user.
        fn update_user(id: i64, change: &UserChange, now: OffsetDateTime) -> ();
        fn replace_recovery_codes(user_id: i64, hashes: &[String]) -> ();
        fn use_recovery_code(user_id: i64, hash: &str, now: OffsetDateTime) -> bool;
        fn insert_session(s: &Session) -> ();
        fn touch_session(id: &str, now: OffsetDateTime, flash: Option<&str>) -> ();
        fn delete_session(id: &str) -> ();
        fn delete_user_sessions(user_id: i64) -> u64;
        fn delete_expired_sessions(before: OffsetDateTime) -> u64;
        fn throttle_failure(
            key: &str,
            limit: i64,
            now: OffsetDateTime,
            lock_until: OffsetDateTime,
        ) -> Option<OffsetDateTime>;
        fn throttle_clear(key: &str) -> ();
        fn set_setting(key: &str, value: &str, now: OffsetDateTime) -> ();
        fn insert_audit(e: &AuditRecord<'_>, at: OffsetDateTime) -> ();
        fn insert_change(n: &NewChange<'_>, now: OffsetDateTime) -> i64;
        /// Conflict when the change moved on (saved by someone else, or submitted).
        fn update_change(id: i64, version: i64, data: &str, note: &str, now: OffsetDateTime) -> i64;
        fn transition_change(
            id: i64,
            version: i64,
            from: &[ChangeState],
            t: &Transition<'_>,
            now: OffsetDateTime,
        ) -> i64;
        fn insert_change_set(
            file_name: &str,
            author_id: Option<i64>,
            author: &str,
            summary: &str,
            now: OffsetDateTime,
        ) -> i64;
        fn withdraw(entity: Entity, id: i64, version: i64, reason: &str, now: OffsetDateTime) -> i64;
        fn insert_attachment(a: &NewAttachment<'_>, now: OffsetDateTime) -> i64;
    }
}

/// A change to a user row; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    /// `Some(true)` disables the account now, `Some(false)` enables it.
    pub disabled: Option<bool>,
    /// `Some(None)` clears the TOTP secret.
    pub totp_secret: Option<Option<String>>,
    pub totp_pending: Option<Option<String>>,
}

/// One audit row to append.
#[derive(Debug, Clone, Copy)]
pub struct AuditRecord<'a> {
    pub actor: &'a str,
    pub actor_id: Option<i64>,
    pub address: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub summary: &'a str,
}

/// Which audit rows to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// For exports: rows after this id, oldest first.
    pub after_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Where a proposed change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeState {
    Draft,
    InReview,
    /// Sent back to its author with a comment.
    Rejected,
    /// Approved, to be published at `publish_at`.
    Scheduled,
    Published,
    Discarded,
}

impl ChangeState {
    pub fn key(self) -> &'static str {
        match self {
            ChangeState::Draft => "draft",
            ChangeState::InReview => "in_review",
            ChangeState::Rejected => "rejected",
            ChangeState::Scheduled => "scheduled",
            ChangeState::Published => "published",
            ChangeState::Discarded => "discarded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeState::Draft => "草稿",
            ChangeState::InReview => "待审核",
            ChangeState::Rejected => "已退回",
            ChangeState::Scheduled => "定时发布",
            ChangeState::Published => "已发布",
            ChangeState::Discarded => "已放弃",
        }
    }

    pub fn from_key(s: &str) -> Option<ChangeState> {
        [
            ChangeState::Draft,
            ChangeState::InReview,
            ChangeState::Rejected,
            ChangeState::Scheduled,
            ChangeState::Published,
            ChangeState::Discarded,
        ]
        .into_iter()
        .find(|c| c.key() == s)
    }
}

/// A change to propose.
#[derive(Debug, Clone, Copy)]
pub struct NewChange<'a> {
    pub entity: Entity,
    pub entity_id: i64,
    pub change_set_id: Option<i64>,
    pub data: &'a str,
    pub base_version: i64,
    pub note: &'a str,
    pub state: ChangeState,
    pub author_id: Option<i64>,
    pub author: &'a str,
}

/// A move of a change from one state to another, with what the move records.
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    pub to: ChangeState,
    pub reviewer: Option<(i64, &'a str)>,
    pub comment: Option<&'a str>,
    pub publish_at: Option<OffsetDateTime>,
}

/// Which changes to list.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub author_id: Option<i64>,
    pub not_author_id: Option<i64>,
    pub states: Vec<ChangeState>,
    pub change_set_id: Option<i64>,
    pub entity: Option<Entity>,
    pub entity_id: Option<i64>,
    /// Only changes to publish at or before this instant.
    pub due_by: Option<OffsetDateTime>,
    pub limit: i64,
}

/// Filters of the staff lists of entries and articles (every publication state).
#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    pub publication: Option<Publication>,
    pub list: Option<ListKind>,
    pub category: Option<Category>,
    pub status: Option<EntryStatus>,
    pub kind: Option<ArticleKind>,
    /// Folded text matched as a substring.
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// An attachment to record.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    pub article_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub created_by: &'a str,
}

/// A JSON snapshot of an entry or article for its revision history.
pub fn snapshot<T: serde::Serialize>(data: &T) -> String {
    serde_json::to_string(data).unwrap_or_default()
}

/// What the store writes for a new entry: its texts, and what is derived from them (keys,
/// lookup text, lists as stored, the first revision's snapshot). Computed ahead, so that an
/// import derives it on its reading thread while the database writes the batch before. Each
/// text is shared (`Arc<str>`), so that binding it to a statement copies nothing: otherwise
/// every value was copied for the database's thread and freed there, a fifth of the time
/// of the writing side a million-row import waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    name: Arc<str>,
    name_key: Arc<str>,
    aliases: Arc<str>,
    alias_keys: Arc<str>,
    credit_code: Option<Arc<str>>,
    reason: Arc<str>,
    basis: Arc<str>,
    authority: Arc<str>,
    decision_no: Arc<str>,
    measures: Arc<str>,
    websites: Arc<str>,
    phones: Arc<str>,
    remedy: Arc<str>,
    address: Arc<str>,
    removal_reason: Arc<str>,
    removal_authority: Arc<str>,
    search_text: Arc<str>,
    match_keys: Vec<Arc<str>>,
    snapshot: Arc<str>,
}

impl Derived {
    pub fn of(d: &EntryData) -> Derived {
        let keys = d.keys();
        Derived {
            name: d.name.as_str().into(),
            name_key: keys.name_key.into(),
            aliases: types::JsonList::encode(&d.aliases).into(),
            alias_keys: types::JsonList::encode(&keys.alias_keys).into(),
            credit_code: d.credit_code.as_ref().map(|c| c.as_str().into()),
            reason: d.reason.as_str().into(),
            basis: d.basis.as_str().into(),
            authority: d.authority.as_str().into(),
            decision_no: d.decision_no.as_str().into(),
            measures: d.measures.as_str().into(),
            websites: types::JsonList::encode(&d.websites).into(),
            phones: types::JsonList::encode(&d.phones).into(),
            remedy: d.remedy.as_str().into(),
            address: d.address.as_str().into(),
            removal_reason: d.removal_reason.as_str().into(),
            removal_authority: d.removal_authority.as_str().into(),
            search_text: keys.search_text.into(),
            match_keys: keys.match_keys.into_iter().map(Arc::from).collect(),
            snapshot: snapshot(d).into(),
        }
    }

    /// The folded name, by which an import matches an entry.
    pub fn name_key(&self) -> &str {
        &self.name_key
    }

    /// The entry as a revision records it.
    pub fn snapshot(&self) -> &Arc<str> {
        &self.snapshot
    }
}

/// A new item's first revision: its id, its snapshot (`None` when the item holds it until its
/// next revision) and its changes-feed event.
pub type FirstRevision = (i64, Option<Arc<str>>, Option<ChangeKind>);

/// The kinds of item the search outbox carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Entry,
    Article,
}

impl Entity {
    pub fn key(self) -> &'static str {
        match self {
            Entity::Entry => "entry",
            Entity::Article => "article",
        }
    }

    pub fn from_key(s: &str) -> Option<Entity> {
        match s {
            "entry" => Some(Entity::Entry),
            "article" => Some(Entity::Article),
            _ => None,
        }
    }
}

/// Filters and paging of the public entry list (and the simple database lookup).
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Folded lookup text (see `domain::normalize::fold`); matched as a substring.
    pub q: Option<String>,
    pub list: Option<ListKind>,
    pub category: Option<Category>,
    pub status: Option<EntryStatus>,
    pub year: Option<i32>,
    pub sort: EntrySort,
    /// Keyset paging for [`EntrySort::Id`]: only ids above this.
    pub after_id: Option<i64>,
    /// Only entries changed at or after this instant.
    pub updated_since: Option<OffsetDateTime>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntrySort {
    /// Newest listing first.
    #[default]
    Newest,
    Oldest,
    /// Listed before removed, then by name.
    Name,
    /// By id, for keyset paging.
    Id,
}

/// Filters and paging of public articles.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub kind: Option<ArticleKind>,
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// What writing a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageWrite {
    Created,
    Updated,
    Unchanged,
}

/// A change waiting in the search outbox.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub id: i64,
    pub entity: Entity,
    pub entity_id: i64,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// Changes waiting for the search index: when the oldest was written, and how many wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLag {
    pub oldest: OffsetDateTime,
    /// Counted up to the cap the caller gave.
    pub pending: i64,
}

/// An outbox item taken out of the queue after repeated failures, with the last error.
#[derive(Debug, Clone)]
pub struct ParkedItem {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub attempts: i64,
    pub error: String,
}

/// Who made a change and why, for the revision table.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub note: String,
}

/// Counts of public entries by list kind and listing status, for the home page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCount {
    pub list: ListKind,
    pub status: EntryStatus,
    pub count: i64,
}

impl Store {
    /// Connects (creating a SQLite file and its folder when missing), applies migrations and
    /// recomputes derived keys of rows stored by an older version.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        let store = match Backend::of_url(url) {
            Some(Backend::Sqlite) => {
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(std::time::Duration::from_secs(10));
                if let Some(parent) = opts.get_filename().parent()
                    && parent != Path::new("")
                {
                    std::fs::create_dir_all(parent)?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(std::time::Duration::from_secs(10))
                    .connect_with(opts)
                    .await?;
                sqlx::migrate!("migrations/sqlite").run(&pool).await?;
                Store {
                    pool: Pool::Sqlite(pool),
                    commits: Arc::default(),
                }
            }
            Some(Backend::Postgres) => {
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(std::time::Duration::from_secs(10))
                    .connect(url)
                    .await?;
                sqlx::migrate!("migrations/postgres").run(&pool).await?;
                Store {
                    pool: Pool::Postgres(pool),
                    commits: Arc::default(),
                }
            }
            None => anyhow::bail!(
                "unsupported database URL (expected sqlite://… or postgres://…): {}",
                redact(url)
            ),
        };
        store.refresh_keys().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that read first would fail with "database is
    /// locked" when another connection wrote in between.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            commits: self.commits.clone(),
            narrow_cache: None,
            bulk: None,
        })
    }

    /// Begins the transaction of an import. Into an empty list on SQLite it is a bulk load:
    /// on a connection of its own without foreign-key checks, the secondary indexes of
    /// entries, their keys and revisions are dropped, and so are the triggers that count each
    /// new entry; [`Tx::insert_entries`] counts them in memory and [`Tx::commit`] writes the
    /// counts and builds each index again in one sorted pass (a million rows: each index
    /// written in order instead of a random page per row, each key's entry not looked up
    /// again, no trigger run per row, no scan of every entry to count them). Still one
    /// transaction: what it drops comes back with the rollback too. Otherwise an ordinary
    /// write transaction.
    pub async fn begin_import(&self) -> Result<Tx> {
        let Pool::Sqlite(p) = &self.pool else {
            return self.begin().await;
        };
        // The import writes each key's entry in the same transaction; checking every key
        // against it again is a random read of the entries per key.
        // Sorting for an index may use a second thread (the reading thread is done by then).
        // Building an index of a million rows takes seconds: expected, not worth a warning.
        let options = (*p.connect_options())
            .clone()
            .foreign_keys(false)
            .pragma("threads", "2")
            .disable_statement_logging();
        let own = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await?;
        let mut t = own.begin_with("BEGIN IMMEDIATE").await?;
        match sqlite::begin_bulk_load(&mut t).await? {
            Some(dropped) => Ok(Tx {
                inner: TxInner::Sqlite(t),
                commits: self.commits.clone(),
                narrow_cache: None,
                bulk: Some(BulkLoad {
                    dropped,
                    tallies: BTreeMap::new(),
                }),
            }),
            None => {
                t.rollback().await?;
                self.begin().await
            }
        }
    }

    /// Begins a read-only transaction that sees one state of the database throughout (an
    /// export reads a million rows in batches): on SQLite a deferred transaction (WAL keeps
    /// its snapshot while others write), on PostgreSQL `REPEATABLE READ READ ONLY`. Dropping
    /// it ends it.
    pub async fn begin_read(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN DEFERRED").await?),
            Pool::Postgres(p) => TxInner::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        };
        Ok(Tx {
            inner,
            commits: self.commits.clone(),
            narrow_cache: None,
            bulk: None,
        })
    }

    /// Completes the changes feed as of `today` (publicity ends recorded, committed events
    /// given their positions) and returns the last position. Two short reads when there is
    /// nothing to do; otherwise one short write transaction.
    pub async fn settle_feed(&self, today: Date) -> Result<i64> {
        let state = self.change_feed_state().await?;
        if state.settled(today) {
            return Ok(state.last_seq);
        }
        let mut tx = self.begin().await?;
        let last = tx.settle_change_feed(today).await?;
        tx.commit().await?;
        Ok(last)
    }

    /// How many transactions were committed through this store (and its clones) so far: when
    /// it moves, this process wrote, and the data version is worth reading again.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }

    /// Recomputes the derived keys of entries written before [`KEYS_VERSION`], in batches.
    async fn refresh_keys(&self) -> Result<()> {
        // Asked of the `keys_version` index alone: the batches below walk the entries in id
        // order, which at a million entries took a second at every start with nothing to do.
        if !self.has_stale_entry_keys().await? {
            return Ok(());
        }
        let mut after = 0;
        loop {
            let mut tx = self.begin().await?;
            let last = tx.refresh_entry_keys(after, 1_000).await?;
            tx.commit().await?;
            match last {
                Some(id) => after = id,
                None => return Ok(()),
            }
        }
    }

    /// Takes (or renews) a lease for `holder` for `ttl`; false while someone else holds it.
    pub async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: OffsetDateTime,
        ttl: time::Duration,
    ) -> Result<bool> {
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlite::try_lease(&mut *p.acquire().await?, name, holder, now, now + ttl).await
            }
            Pool::Postgres(p) => {
                postgres::try_lease(&mut *p.acquire().await?, name, holder, now, now + ttl).await
            }
        }
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlite::release_lease(&mut *p.acquire().await?, name, holder).await,
            Pool::Postgres(p) => {
                postgres::release_lease(&mut *p.acquire().await?, name, holder).await
            }
        }
    }
}

impl Tx {
    /// Gives this transaction a larger page cache (SQLite), for an import that writes many
    /// rows; the usual size comes back when it commits or rolls back. Dropped without either,
    /// its connection keeps the larger cache, which stays bounded.
    pub async fn widen_cache(&mut self) -> Result<()> {
        if let (TxInner::Sqlite(t), None) = (&mut self.inner, self.narrow_cache) {
            let size: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(&mut **t)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA cache_size = -{WIDE_CACHE_KIB}"
            )))
            .execute(&mut **t)
            .await?;
            self.narrow_cache = Some(size);
        }
        Ok(())
    }

    /// Puts back the page cache size of [`Tx::widen_cache`]; the pages over it are let go
    /// once they are written.
    async fn narrow_cache(&mut self) -> Result<()> {
        if let (TxInner::Sqlite(t), Some(size)) = (&mut self.inner, self.narrow_cache.take()) {
            sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = {size}")))
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// Whether this transaction is a bulk load ([`Store::begin_import`]).
    pub fn is_bulk_load(&self) -> bool {
        self.bulk.is_some()
    }

    /// Many new entries at once (an import); their ids in the order given.
    pub async fn insert_entries(
        &mut self,
        entries: &[(&EntryData, &Derived)],
        publication: Publication,
        now: OffsetDateTime,
    ) -> Result<Vec<i64>> {
        let ids = match &mut self.inner {
            TxInner::Sqlite(t) => sqlite::insert_entries(t, entries, publication, now).await?,
            TxInner::Postgres(t) => postgres::insert_entries(t, entries, publication, now).await?,
        };
        if let Some(bulk) = &mut self.bulk {
            for (d, _) in entries {
                let year = d.listed_on.map(|l| i64::from(l.year()));
                let slot = (publication, d.list, d.status, year, d.publicity_ends_on);
                *bulk.tallies.entry(slot).or_default() += 1;
            }
        }
        Ok(ids)
    }

    pub async fn commit(mut self) -> Result<()> {
        if let (TxInner::Sqlite(t), Some(bulk)) = (&mut self.inner, self.bulk.take()) {
            sqlite::finish_bulk_load(t, &bulk.dropped, &bulk.tallies).await?;
        }
        self.narrow_cache().await?;
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        self.commits.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<()> {
        self.narrow_cache().await?;
        match self.inner {
            TxInner::Sqlite(t) => t.rollback().await?,
            TxInner::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// How many rows of each table a copy moved, and how many each side holds afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: &'static str,
    pub source: i64,
    pub target: i64,
}

impl Store {
    /// Copies every table into `target` (any backend to any backend), key by key, so that a
    /// second run changes nothing; then counts both sides.
    pub async fn copy_into(
        &self,
        target: &Store,
        progress: &(dyn Fn(&str, i64) + Sync),
    ) -> anyhow::Result<Vec<TableCount>> {
        const BATCH: i64 = 2_000;
        for table in schema::TABLES {
            let mut offset = 0;
            loop {
                let rows = self.read_rows(table, offset, BATCH).await?;
                if rows.is_empty() {
                    break;
                }
                let mut tx = target.begin().await?;
                tx.upsert_rows(table, &rows).await?;
                tx.commit().await?;
                offset += rows.len() as i64;
                progress(table.name, offset);
            }
        }
        if let Pool::Postgres(p) = &target.pool {
            postgres::reset_identities(&mut *p.acquire().await?).await?;
        }
        let mut counts = Vec::new();
        for table in schema::TABLES {
            counts.push(TableCount {
                table: table.name,
                source: self.count_rows(table).await?,
                target: target.count_rows(table).await?,
            });
        }
        Ok(counts)
    }

    /// Writes a consistent copy of a SQLite database to `file` while the site keeps running
    /// (`VACUUM INTO` reads inside one transaction).
    pub async fn backup_sqlite(&self, file: &Path) -> anyhow::Result<()> {
        let Pool::Sqlite(p) = &self.pool else {
            anyhow::bail!("jingshi backup is for SQLite; back up PostgreSQL with pg_dump");
        };
        if file.exists() {
            anyhow::bail!("{} already exists", file.display());
        }
        sqlx::query("VACUUM INTO $1")
            .bind(file.to_string_lossy().into_owned())
            .execute(p)
            .await?;
        Ok(())
    }

    /// The tables the database actually has, with their number of columns (for the test that
    /// keeps `schema::TABLES` complete).
    pub async fn tables(&self) -> Result<Vec<(String, i64)>> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, COUNT(c.name) FROM sqlite_master m \
                     JOIN pragma_table_info(m.name) c WHERE m.type = 'table' \
                     AND m.name NOT LIKE 'sqlite%' AND m.name <> '_sqlx_migrations' \
                     GROUP BY m.name ORDER BY m.name",
                )
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, COUNT(*) FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                     GROUP BY table_name ORDER BY table_name",
                )
                .fetch_all(p)
                .await?
            }
        })
    }
}

/// A database URL with its password replaced, for logs and error messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
