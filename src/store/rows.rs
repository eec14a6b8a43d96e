//! Rows as both databases return them, decoded strictly into domain values.

use time::{Date, OffsetDateTime};

use super::types::JsonList;
use crate::domain::article::ArticleData;
use crate::domain::entry::EntryData;
use crate::domain::{ArticleKind, Category, CreditCode, EntryStatus, ListKind, Publication};

#[derive(sqlx::FromRow)]
pub(super) struct EntryRow {
    id: i64,
    name: String,
    name_key: String,
    aliases: JsonList,
    alias_keys: JsonList,
    credit_code: Option<CreditCode>,
    category: Category,
    list_kind: ListKind,
    reason: String,
    basis: String,
    authority: String,
    decision_no: String,
    listed_on: Option<Date>,
    measures: String,
    websites: JsonList,
    phones: JsonList,
    remedy: String,
    publicity_ends_on: Option<Date>,
    address: String,
    status: EntryStatus,
    removed_on: Option<Date>,
    removal_reason: String,
    removal_authority: String,
    publication: Publication,
    version: i64,
    published_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    withdrawn_at: Option<OffsetDateTime>,
    withdrawal_reason: String,
}

/// A stored list entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub data: EntryData,
    pub publication: Publication,
    /// Bumped by every write; a write names the version it read (optimistic concurrency).
    pub version: i64,
    /// The folded name, then the folded aliases (see `domain::normalize::fold`), for ranking.
    pub keys: Vec<String>,
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdrawal_reason: String,
}

impl From<EntryRow> for Entry {
    fn from(r: EntryRow) -> Entry {
        let mut keys = vec![r.name_key];
        keys.extend(r.alias_keys.0);
        Entry {
            id: r.id,
            publication: r.publication,
            version: r.version,
            keys,
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            withdrawn_at: r.withdrawn_at,
            withdrawal_reason: r.withdrawal_reason,
            data: EntryData {
                name: r.name,
                aliases: r.aliases.0,
                credit_code: r.credit_code,
                category: r.category,
                list: r.list_kind,
                reason: r.reason,
                basis: r.basis,
                authority: r.authority,
                decision_no: r.decision_no,
                listed_on: r.listed_on,
                measures: r.measures,
                websites: r.websites.0,
                phones: r.phones.0,
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

/// An entry row as one element of SQLite's `json_group_array(json_array(<entry columns>))`
/// (see `queries::public_entries_by_ids`). Only values in the very form this crate writes are
/// taken, each by the same rule as [`EntryRow`]'s decoding; for any other the caller reads the
/// row again through [`EntryRow`], whose decoding decides.
#[derive(serde::Deserialize)]
pub(super) struct EntryJson<'a> {
    pub(super) id: i64,
    name: String,
    name_key: String,
    aliases: String,
    alias_keys: String,
    // Borrowed from the text: values only parsed, never kept, cost no allocation of their
    // own. Written without escapes; one with an escape fails the row, which is then read
    // again through `EntryRow`.
    credit_code: Option<&'a str>,
    category: &'a str,
    list_kind: &'a str,
    reason: String,
    basis: String,
    authority: String,
    decision_no: String,
    listed_on: Option<&'a str>,
    measures: String,
    websites: String,
    phones: String,
    remedy: String,
    publicity_ends_on: Option<&'a str>,
    address: String,
    status: &'a str,
    removed_on: Option<&'a str>,
    removal_reason: String,
    removal_authority: String,
    publication: &'a str,
    version: i64,
    published_at: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
    withdrawn_at: Option<&'a str>,
    withdrawal_reason: String,
}

impl EntryJson<'_> {
    /// The entry, or `None` when a value is not in the form sqlx's decoding takes first.
    pub(super) fn into_entry(self) -> Option<Entry> {
        fn list(s: &str) -> Option<JsonList> {
            serde_json::from_str(s).ok().map(JsonList)
        }
        // sqlx stores a `Date` as `[year]-[month]-[day]` and an `OffsetDateTime` as RFC 3339,
        // and tries those forms first when decoding.
        fn date(s: Option<&str>) -> Option<Option<Date>> {
            match s {
                None => Some(None),
                Some(s) => {
                    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                        .ok()
                        .map(Some)
                }
            }
        }
        fn stamp(s: &str) -> Option<OffsetDateTime> {
            OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        }
        fn maybe_stamp(s: Option<&str>) -> Option<Option<OffsetDateTime>> {
            match s {
                None => Some(None),
                Some(s) => stamp(s).map(Some),
            }
        }
        let credit_code = match self.credit_code {
            None => None,
            Some(c) => Some(CreditCode::from_stored(c).ok()?),
        };
        let row = EntryRow {
            id: self.id,
            name: self.name,
            name_key: self.name_key,
            aliases: list(&self.aliases)?,
            alias_keys: list(&self.alias_keys)?,
            credit_code,
            category: Category::from_key(self.category)?,
            list_kind: ListKind::from_key(self.list_kind)?,
            reason: self.reason,
            basis: self.basis,
            authority: self.authority,
            decision_no: self.decision_no,
            listed_on: date(self.listed_on)?,
            measures: self.measures,
            websites: list(&self.websites)?,
            phones: list(&self.phones)?,
            remedy: self.remedy,
            publicity_ends_on: date(self.publicity_ends_on)?,
            address: self.address,
            status: EntryStatus::from_key(self.status)?,
            removed_on: date(self.removed_on)?,
            removal_reason: self.removal_reason,
            removal_authority: self.removal_authority,
            publication: Publication::from_key(self.publication)?,
            version: self.version,
            published_at: maybe_stamp(self.published_at)?,
            created_at: stamp(self.created_at)?,
            updated_at: stamp(self.updated_at)?,
            withdrawn_at: maybe_stamp(self.withdrawn_at)?,
            withdrawal_reason: self.withdrawal_reason,
        };
        Some(Entry::from(row))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ArticleRow {
    id: i64,
    slug: String,
    kind: ArticleKind,
    title: String,
    summary: String,
    body_md: String,
    doc_no: Option<String>,
    tags: JsonList,
    publication: Publication,
    version: i64,
    published_on: Date,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    first_published_at: Option<OffsetDateTime>,
    withdrawn_at: Option<OffsetDateTime>,
    withdrawal_reason: String,
}

/// A stored article.
#[derive(Debug, Clone)]
pub struct Article {
    pub id: i64,
    pub data: ArticleData,
    pub publication: Publication,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub first_published_at: Option<OffsetDateTime>,
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdrawal_reason: String,
}

impl From<ArticleRow> for Article {
    fn from(r: ArticleRow) -> Article {
        Article {
            id: r.id,
            publication: r.publication,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            first_published_at: r.first_published_at,
            withdrawn_at: r.withdrawn_at,
            withdrawal_reason: r.withdrawal_reason,
            data: ArticleData {
                slug: r.slug,
                kind: r.kind,
                title: r.title,
                summary: r.summary,
                body_md: r.body_md,
                doc_no: r.doc_no,
                tags: r.tags.0,
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

#[derive(sqlx::FromRow)]
pub(super) struct RevisionRow {
    id: i64,
    changed: JsonList,
    note: String,
    changed_by: String,
    changed_at: OffsetDateTime,
    previous: Option<String>,
    data: Option<String>,
}

/// One change to an entry or article, as its history shows it.
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: i64,
    /// The labels of the changed fields; empty for the revision that created the item.
    pub changed: Vec<String>,
    pub note: String,
    pub changed_by: String,
    pub changed_at: OffsetDateTime,
    /// JSON snapshots before and after (older revisions kept only the one before).
    pub previous: Option<String>,
    pub data: Option<String>,
}

impl From<RevisionRow> for Revision {
    fn from(r: RevisionRow) -> Revision {
        Revision {
            id: r.id,
            changed: r.changed.0,
            note: r.note,
            changed_by: r.changed_by,
            changed_at: r.changed_at,
            previous: r.previous,
            data: r.data,
        }
    }
}

/// A proposed change to an entry or article, and where it stands in review.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Change {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub change_set_id: Option<i64>,
    /// The whole proposed content, as JSON.
    pub data: String,
    /// The live version this change was based on.
    pub base_version: i64,
    /// 更新说明.
    pub note: String,
    pub state: String,
    pub author_id: Option<i64>,
    pub author: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub reviewer_id: Option<i64>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<OffsetDateTime>,
    pub review_comment: String,
    pub publish_at: Option<OffsetDateTime>,
    pub published_at: Option<OffsetDateTime>,
    pub version: i64,
}

/// A spreadsheet upload turned into one reviewable set of changes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangeSet {
    pub id: i64,
    pub file_name: String,
    pub author_id: Option<i64>,
    pub author: String,
    pub summary: String,
    pub created_at: OffsetDateTime,
}

/// A file attached to an article.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub article_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

/// A staff account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: crate::domain::Role,
    pub password_hash: String,
    /// Base32 TOTP secret, once two-factor sign-in is enrolled.
    pub totp_secret: Option<String>,
    /// A secret shown during enrolment, not yet confirmed with a code.
    pub totp_pending: Option<String>,
    pub disabled_at: Option<OffsetDateTime>,
    pub password_changed_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }

    /// The name to show: the display name, else the user name.
    pub fn shown_name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// A server-side session; the cookie holds a token whose SHA-256 is `id`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: String,
    pub user_id: Option<i64>,
    pub stage: crate::staff::SessionStage,
    pub csrf_token: String,
    pub flash: Option<String>,
    pub address: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// One row of the audit log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub address: String,
    pub action: String,
    pub target: String,
    pub summary: String,
}
