//! Rows as both databases return them, and their conversion into domain values.

use time::{Date, OffsetDateTime};

use crate::domain::article::ArticleData;
use crate::domain::entry::EntryData;
use crate::domain::{ArticleKind, PubState};

#[derive(sqlx::FromRow)]
pub(super) struct EntryRow {
    id: i64,
    name: String,
    aliases: String,
    credit_code: Option<String>,
    category: String,
    list_kind: String,
    reason: String,
    basis: String,
    authority: String,
    decision_no: String,
    listed_on: Option<Date>,
    measures: String,
    websites: String,
    phones: String,
    remedy: String,
    publicity_ends_on: Option<Date>,
    address: String,
    status: String,
    removed_on: Option<Date>,
    removal_reason: String,
    removal_authority: String,
    state: String,
    published_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

/// A stored list entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub data: EntryData,
    pub state: PubState,
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

pub(super) fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(super) fn to_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl From<EntryRow> for Entry {
    fn from(r: EntryRow) -> Entry {
        Entry {
            id: r.id,
            state: PubState::parse(&r.state).unwrap_or(PubState::Draft),
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            data: EntryData {
                name: r.name,
                aliases: json_list(&r.aliases),
                credit_code: r.credit_code,
                category: r.category,
                list: r.list_kind,
                reason: r.reason,
                basis: r.basis,
                authority: r.authority,
                decision_no: r.decision_no,
                listed_on: r.listed_on,
                measures: r.measures,
                websites: json_list(&r.websites),
                phones: json_list(&r.phones),
                remedy: r.remedy,
                publicity_ends_on: r.publicity_ends_on,
                address: r.address,
                status: r.status,
                removed_on: r.removed_on,
                removal_reason: r.removal_reason,
                removal_authority: r.removal_authority,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ArticleRow {
    id: i64,
    slug: String,
    kind: String,
    title: String,
    summary: String,
    body_md: String,
    doc_no: Option<String>,
    tags: String,
    state: String,
    published_on: Date,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

/// A stored article.
#[derive(Debug, Clone)]
pub struct Article {
    pub id: i64,
    pub data: ArticleData,
    pub state: PubState,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl From<ArticleRow> for Article {
    fn from(r: ArticleRow) -> Article {
        Article {
            id: r.id,
            state: PubState::parse(&r.state).unwrap_or(PubState::Draft),
            created_at: r.created_at,
            updated_at: r.updated_at,
            data: ArticleData {
                slug: r.slug,
                kind: ArticleKind::parse(&r.kind).unwrap_or(ArticleKind::Notice),
                title: r.title,
                summary: r.summary,
                body_md: r.body_md,
                doc_no: r.doc_no,
                tags: json_list(&r.tags),
                published_on: r.published_on,
                related_entries: Vec::new(),
            },
        }
    }
}

/// A standing page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub body_md: String,
    pub sort_order: i64,
    pub updated_at: OffsetDateTime,
}

/// One change to an entry or article, as its public history shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Revision {
    pub id: i64,
    /// JSON list of the labels of the changed fields; empty for the creating revision.
    pub changed: String,
    pub note: String,
    pub changed_by: String,
    pub changed_at: OffsetDateTime,
}

impl Revision {
    pub fn changed_fields(&self) -> Vec<String> {
        json_list(&self.changed)
    }
}
