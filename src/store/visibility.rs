//! The one rule for what the public may see, written once.
//!
//! An entry is public when it is published and its publicity period has not ended (the last
//! day of publicity is still public). An entry that was public once and is not any more
//! (withdrawn, or its publicity ended) is *gone*: its URL answers 410 without its name. Anything
//! else (a draft, an entry in review that was never published) is *hidden*: 404.
//!
//! Every public list, count, facet, suggestion, feed and export is built from
//! [`push_public_entry`]; a single entry is judged by [`push_entry_visibility`]. Values of
//! [`Public`] can only be made here and in the query functions that apply these fragments, so a
//! view that takes a `Public<Entry>` cannot be handed an entry the rule did not admit.

use std::ops::Deref;

use sqlx::{Database, Encode, QueryBuilder, Type};
use time::Date;

/// What the public may see of one item.
#[derive(Debug)]
pub enum Visibility<T> {
    Public(T),
    /// Public once, not any more: 410, nothing named.
    Gone,
    /// Never public: 404.
    Hidden,
}

/// An item the visibility rule admitted.
#[derive(Debug, Clone)]
pub struct Public<T>(T);

impl<T> Public<T> {
    /// Only the store makes these, after applying the rule in SQL.
    pub(super) fn admitted(item: T) -> Public<T> {
        Public(item)
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Public<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// `(publication = 'published' AND (publicity_ends_on IS NULL OR publicity_ends_on >= today))`
/// over the columns of `entries` (unqualified).
pub(super) fn push_public_entry<DB>(qb: &mut QueryBuilder<DB>, today: Date)
where
    DB: Database,
    Date: for<'t> Encode<'t, DB> + Type<DB>,
{
    qb.push("(publication = 'published' AND (publicity_ends_on IS NULL OR publicity_ends_on >= ")
        .push_bind(today)
        .push("))");
}

/// The same rule in Rust, for a write that must know whether the entry it changes was public
/// before and is public after (the changes feed records what each write did to the public
/// list). It must say what [`push_public_entry`] says; a test holds the two together.
pub fn admits(publication: crate::domain::Publication, ends_on: Option<Date>, today: Date) -> bool {
    publication == crate::domain::Publication::Published && ends_on.is_none_or(|e| e >= today)
}

/// A `visibility` column for one entry: 0 public, 1 gone (published once: `published_at` is
/// set), 2 hidden.
pub(super) fn push_entry_visibility<DB>(qb: &mut QueryBuilder<DB>, today: Date)
where
    DB: Database,
    Date: for<'t> Encode<'t, DB> + Type<DB>,
{
    qb.push("CASE WHEN ");
    push_public_entry(qb, today);
    qb.push(" THEN CAST(0 AS BIGINT) WHEN published_at IS NOT NULL THEN CAST(1 AS BIGINT) ELSE CAST(2 AS BIGINT) END AS visibility");
}

/// What the public may see of an article: all of it, only that it was withdrawn (title,
/// when and why), or nothing.
#[derive(Debug)]
pub enum ArticleVisibility {
    Public(Box<Public<super::Article>>),
    Withdrawn(WithdrawnNotice),
    Hidden,
}

/// The public notice of a withdrawn article.
#[derive(Debug, Clone)]
pub struct WithdrawnNotice {
    pub title: String,
    pub kind: crate::domain::ArticleKind,
    pub withdrawn_at: time::OffsetDateTime,
    pub reason: String,
}

/// Articles are public when published.
pub(super) const PUBLIC_ARTICLE: &str = "publication = 'published'";

/// Pages are public when published.
pub(super) const PUBLIC_PAGE: &str = "state = 'published'";

impl<T> Visibility<Public<T>> {
    pub(super) fn from_code(code: i64, item: T) -> Visibility<Public<T>> {
        match code {
            0 => Visibility::Public(Public(item)),
            1 => Visibility::Gone,
            _ => Visibility::Hidden,
        }
    }
}
