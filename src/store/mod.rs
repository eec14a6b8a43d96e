//! The data layer: one set of queries (`queries.rs`) compiled for SQLite and for PostgreSQL.
//!
//! `queries.rs` is included into `sqlite.rs` and `postgres.rs`, each of which names its
//! `sqlx::Database`; the rare fragment that differs between the two is a constant there.
//! Both instantiations use the native drivers, so dates and timestamps keep real types
//! (the `Any` driver cannot carry them). [`Store`] picks one at run time. Operations that must
//! be atomic (an import, a content sync) are one function each and own their transaction.

/// The columns every entry query selects, in the order of `rows::EntryRow`; a macro so that
/// `concat!` can build `&'static str` queries from it.
macro_rules! entry_columns {
    () => {
        "id, name, aliases, credit_code, category, list_kind, reason, basis, authority, \
         decision_no, listed_on, measures, websites, phones, remedy, publicity_ends_on, address, \
         status, removed_on, removal_reason, removal_authority, state, published_at, created_at, \
         updated_at"
    };
}

/// The columns every article query selects, in the order of `rows::ArticleRow`.
macro_rules! article_columns {
    () => {
        "id, slug, kind, title, summary, body_md, doc_no, tags, state, published_on, created_at, \
         updated_at"
    };
}

/// The condition for an entry the public may see on the date bound as `$1`.
macro_rules! public_entry {
    () => {
        "state = 'published' AND (publicity_ends_on IS NULL OR publicity_ends_on >= $1)"
    };
}

mod postgres;
mod rows;
pub mod schema;
mod sqlite;

use std::path::Path;
use std::str::FromStr;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use time::{Date, OffsetDateTime};

use crate::domain::article::{ArticleData, PageData};
use crate::domain::entry::EntryData;
use crate::domain::{ArticleKind, Category, EntryStatus, ListKind, PubState};

pub use rows::{Article, Entry, Page, Revision};

pub type Result<T, E = sqlx::Error> = std::result::Result<T, E>;

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
}

/// Runs the same query function on whichever backend this store uses.
macro_rules! dispatch {
    ($self:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            Pool::Sqlite(p) => sqlite::$f(p, $($arg),*).await,
            Pool::Postgres(p) => postgres::$f(p, $($arg),*).await,
        }
    };
}

/// Filters and paging of the public entry list (and the basic lookup).
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Folded lookup text (see `domain::normalize::fold`); matched as a substring.
    pub q: Option<String>,
    pub list: Option<ListKind>,
    pub category: Option<Category>,
    pub status: Option<EntryStatus>,
    pub year: Option<i32>,
    pub sort: EntrySort,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntrySort {
    /// Newest listing first.
    #[default]
    Newest,
    Oldest,
    Name,
}

/// Filters and paging of public articles.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub kind: Option<ArticleKind>,
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// One entry to create or update, with who does it and why.
#[derive(Debug, Clone)]
pub struct EntryWrite {
    pub data: EntryData,
    /// `Some` sets the state; `None` keeps an existing entry's state (new ones are drafts).
    pub state: Option<PubState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The id of each written item, in input order.
    pub ids: Vec<i64>,
}

/// A change waiting in the search outbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    /// `entry` or `article`.
    pub entity: String,
    pub entity_id: i64,
}

/// Who made a change and why, for the revision table.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub note: String,
}

/// Counts of public entries by list kind and status, for the home page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCount {
    pub list: String,
    pub status: String,
    pub count: i64,
}

impl Store {
    /// Connects (creating a SQLite file and its folder when missing) and applies migrations.
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
                    .connect_with(opts)
                    .await?;
                sqlx::migrate!("migrations/sqlite").run(&pool).await?;
                Store {
                    pool: Pool::Sqlite(pool),
                }
            }
            Some(Backend::Postgres) => {
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .connect(url)
                    .await?;
                sqlx::migrate!("migrations/postgres").run(&pool).await?;
                Store {
                    pool: Pool::Postgres(pool),
                }
            }
            None => anyhow::bail!(
                "unsupported database URL (expected sqlite://… or postgres://…): {}",
                redact(url)
            ),
        };
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

    pub async fn write_entries(
        &self,
        writes: &[EntryWrite],
        actor: &Actor,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<WriteOutcome> {
        let now = OffsetDateTime::now_utc();
        dispatch!(self, write_entries(writes, actor, now, progress))
    }

    pub async fn public_entries(&self, f: &EntryFilter, today: Date) -> Result<(i64, Vec<Entry>)> {
        dispatch!(self, public_entries(f, today))
    }

    /// An entry in any state; callers decide what the public may see.
    pub async fn entry(&self, id: i64) -> Result<Option<Entry>> {
        dispatch!(self, entry(id))
    }

    pub async fn entry_revisions(&self, id: i64) -> Result<Vec<Revision>> {
        dispatch!(self, entry_revisions(id))
    }

    pub async fn public_counts(&self, today: Date) -> Result<Vec<ListCount>> {
        dispatch!(self, public_counts(today))
    }

    pub async fn public_years(&self, today: Date) -> Result<Vec<i64>> {
        dispatch!(self, public_years(today))
    }

    pub async fn articles_for_entry(&self, entry_id: i64) -> Result<Vec<Article>> {
        dispatch!(self, articles_for_entry(entry_id))
    }

    pub async fn entries_for_article(&self, article_id: i64, today: Date) -> Result<Vec<Entry>> {
        dispatch!(self, entries_for_article(article_id, today))
    }

    pub async fn write_articles(
        &self,
        articles: &[(ArticleData, PubState)],
        actor: &Actor,
    ) -> Result<WriteOutcome> {
        let now = OffsetDateTime::now_utc();
        dispatch!(self, write_articles(articles, actor, now))
    }

    pub async fn public_articles(&self, f: &ArticleFilter) -> Result<(i64, Vec<Article>)> {
        dispatch!(self, public_articles(f))
    }

    /// An article in any state; callers decide what the public may see.
    pub async fn article(&self, slug: &str) -> Result<Option<Article>> {
        dispatch!(self, article(slug))
    }

    pub async fn article_revisions(&self, id: i64) -> Result<Vec<Revision>> {
        dispatch!(self, article_revisions(id))
    }

    /// See `queries::drain_outbox`.
    pub async fn drain_outbox<F>(&self, limit: i64, apply: F) -> anyhow::Result<Option<usize>>
    where
        F: AsyncFnOnce(Vec<OutboxItem>) -> anyhow::Result<()>,
    {
        dispatch!(self, drain_outbox(limit, apply))
    }

    /// Entries in any state, in no particular order.
    pub async fn entries_by_ids(&self, ids: &[i64]) -> Result<Vec<Entry>> {
        dispatch!(self, entries_by_ids(ids))
    }

    /// Articles in any state, in no particular order.
    pub async fn articles_by_ids(&self, ids: &[i64]) -> Result<Vec<Article>> {
        dispatch!(self, articles_by_ids(ids))
    }

    pub async fn published_entries_after(&self, after: i64, limit: i64) -> Result<Vec<Entry>> {
        dispatch!(self, published_entries_after(after, limit))
    }

    pub async fn published_articles_after(&self, after: i64, limit: i64) -> Result<Vec<Article>> {
        dispatch!(self, published_articles_after(after, limit))
    }

    pub async fn write_pages(&self, pages: &[PageData]) -> Result<WriteOutcome> {
        let now = OffsetDateTime::now_utc();
        dispatch!(self, write_pages(pages, now))
    }

    pub async fn page(&self, slug: &str) -> Result<Option<Page>> {
        dispatch!(self, page(slug))
    }

    pub async fn pages(&self) -> Result<Vec<Page>> {
        dispatch!(self, pages())
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
                let rows = dispatch!(self, read_rows(table, offset, BATCH))?;
                if rows.is_empty() {
                    break;
                }
                dispatch!(target, upsert_rows(table, &rows))?;
                offset += rows.len() as i64;
                progress(table.name, offset);
            }
        }
        if let Pool::Postgres(p) = &target.pool {
            postgres::reset_identities(p).await?;
        }
        let mut counts = Vec::new();
        for table in schema::TABLES {
            counts.push(TableCount {
                table: table.name,
                source: dispatch!(self, count_rows(table))?,
                target: dispatch!(target, count_rows(table))?,
            });
        }
        Ok(counts)
    }

    /// The number of rows of a table.
    pub async fn count(&self, table: &schema::Table) -> Result<i64> {
        dispatch!(self, count_rows(table))
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
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, COUNT(c.name) FROM sqlite_master m \
                     JOIN pragma_table_info(m.name) c WHERE m.type = 'table' \
                     AND m.name NOT LIKE 'sqlite%' AND m.name <> '_sqlx_migrations' \
                     GROUP BY m.name ORDER BY m.name",
                )
                .fetch_all(p)
                .await
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, COUNT(*) FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                     GROUP BY table_name ORDER BY table_name",
                )
                .fetch_all(p)
                .await
            }
        }
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
