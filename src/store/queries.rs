// The queries of the store, compiled once per backend: the including module defines `Db`
// (its `sqlx::Database`) and the few fragments that differ. Every function takes a connection;
// whether that is a pooled connection or the caller's transaction is the caller's choice.
// Rows are decoded one by one: a row that fails to decode is logged and left out, never shown.

use std::sync::{Arc, LazyLock};

use sqlx::{FromRow, QueryBuilder, Row};
use time::{Date, OffsetDateTime};

use super::error::{Result, STALE_VERSION, StoreError};
use super::events::{ChangeEvent, FeedState};
use super::rows::{
    ArticleRow, Attachment, AuditEntry, Change, ChangeSet, EntryJson, EntryRow, RevisionRow, Session,
    User,
};
use super::schema::{Kind, Table, Value};
use super::types::JsonList;
use super::visibility::{
    ArticleVisibility, PUBLIC_ARTICLE, PUBLIC_PAGE, Public, Visibility, WithdrawnNotice,
    push_entry_visibility, push_public_entry,
};
use super::{
    Actor, Article, ArticleFilter, AuditFilter, AuditRecord, ChangeFilter, ChangeState, Derived, Entity,
    Entry, EntryFilter, EntrySort, KEYS_VERSION, ListCount, NewAttachment, NewChange,
    OutboxItem, OutboxLag, Page, PageWrite, ParkedItem, Revision, StaffFilter, Transition, UserChange,
};
use crate::domain::article::{ArticleData, PageData};
use crate::domain::entry::{EntryData, EntryKeys};
use crate::domain::normalize::{fold, like_escape};
use crate::domain::{ChangeKind, EntryStatus, ListKind, Publication, Role};

type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

/// Decodes rows one by one; a row that does not decode is logged and left out.
fn decode<R, T>(rows: &[DbRow], what: &'static str) -> Vec<T>
where
    R: for<'r> FromRow<'r, DbRow>,
    T: From<R>,
{
    rows.iter()
        .filter_map(|row| decode_one::<R, T>(row, what))
        .collect()
}

fn decode_one<R, T>(row: &DbRow, what: &'static str) -> Option<T>
where
    R: for<'r> FromRow<'r, DbRow>,
    T: From<R>,
{
    match R::from_row(row) {
        Ok(r) => Some(T::from(r)),
        Err(e) => {
            let id: Option<i64> = row.try_get("id").ok();
            tracing::error!(what, id, error = %e, "a stored row does not decode; it stays hidden");
            None
        }
    }
}

fn public<T>(items: Vec<T>) -> Vec<Public<T>> {
    items.into_iter().map(Public::admitted).collect()
}

fn push_ids(qb: &mut QueryBuilder<Db>, ids: &[i64]) {
    qb.push("(");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
}

fn push_texts(qb: &mut QueryBuilder<Db>, values: &[String]) {
    qb.push("(");
    let mut list = qb.separated(", ");
    for v in values {
        list.push_bind(v.as_str());
    }
    qb.push(")");
}

fn entry_select() -> QueryBuilder<Db> {
    QueryBuilder::new(concat!("SELECT ", entry_columns!(), " FROM entries"))
}

fn article_select() -> QueryBuilder<Db> {
    QueryBuilder::new(concat!("SELECT ", article_columns!(), " FROM articles"))
}

// ---- Public reads: every one goes through the visibility rule. ----

/// Appends `WHERE <public> AND <filters>` for the public entry list.
fn push_entry_filter(qb: &mut QueryBuilder<Db>, f: &EntryFilter, today: Date) {
    qb.push(" WHERE ");
    push_public_entry(qb, today);
    if let Some(q) = &f.q {
        qb.push(" AND search_text LIKE ");
        qb.push_bind(format!("%{}%", like_escape(q)));
        qb.push(" ESCAPE '\\'");
    }
    if let Some(list) = f.list {
        qb.push(" AND list_kind = ").push_bind(list);
    }
    if let Some(category) = f.category {
        qb.push(" AND category = ").push_bind(category);
    }
    if let Some(status) = f.status {
        qb.push(" AND status = ").push_bind(status);
    }
    if let Some(year) = f.year {
        qb.push(" AND listed_year = ").push_bind(i64::from(year));
    }
    if let Some(since) = f.updated_since {
        qb.push(" AND updated_at >= ").push_bind(since);
    }
}

pub async fn public_entries(
    c: &mut Conn,
    f: &EntryFilter,
    today: Date,
) -> Result<(i64, Vec<Public<Entry>>)> {
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM entries");
    push_entry_filter(&mut count, f, today);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *c).await?;
    Ok((total, public_entry_rows(c, f, today).await?))
}

/// One page of the public entry list, without counting the whole list.
pub async fn public_entry_rows(
    c: &mut Conn,
    f: &EntryFilter,
    today: Date,
) -> Result<Vec<Public<Entry>>> {
    let mut qb = entry_select();
    push_entry_filter(&mut qb, f, today);
    if let Some(after) = f.after_id {
        qb.push(" AND id > ").push_bind(after);
    }
    qb.push(match f.sort {
        EntrySort::Newest => " ORDER BY listed_on DESC NULLS LAST, id DESC",
        EntrySort::Oldest => " ORDER BY listed_on ASC NULLS LAST, id ASC",
        EntrySort::Id => " ORDER BY id",
        // Listed before removed, then by name: what a resident scanning the list expects.
        EntrySort::Name => NAME_ORDER,
    });
    qb.push(" LIMIT ").push_bind(f.limit);
    qb.push(" OFFSET ").push_bind(f.offset);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<EntryRow, Entry>(&rows, "entry")))
}

pub async fn public_entry(c: &mut Conn, id: i64, today: Date) -> Result<Visibility<Public<Entry>>> {
    let mut qb = QueryBuilder::<Db>::new(concat!("SELECT ", entry_columns!(), ", "));
    push_entry_visibility(&mut qb, today);
    qb.push(" FROM entries WHERE id = ").push_bind(id);
    let Some(row) = qb.build().fetch_optional(&mut *c).await? else {
        return Ok(Visibility::Hidden);
    };
    let code: i64 = row.try_get("visibility")?;
    Ok(match decode_one::<EntryRow, Entry>(&row, "entry") {
        Some(entry) => Visibility::from_code(code, entry),
        None => Visibility::Hidden,
    })
}

/// Public entries among `ids`, in no particular order (the search proposes; this decides).
pub async fn public_entries_by_ids(
    c: &mut Conn,
    ids: &[i64],
    today: Date,
) -> Result<Vec<Public<Entry>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(rows_as_json) = ENTRY_ROWS_AS_JSON {
        let mut qb = QueryBuilder::<Db>::new("SELECT ");
        qb.push(rows_as_json);
        push_public_entries_among(&mut qb, ids, today);
        // A value JSON cannot hold (a blob) fails the whole query: then row by row.
        if let Ok(text) = qb.build_query_scalar::<String>().fetch_one(&mut *c).await
            && let Some((mut found, again)) = entries_from_json(&text)
        {
            found.extend(public_entries_row_by_row(c, &again, today).await?);
            return Ok(found);
        }
    }
    public_entries_row_by_row(c, ids, today).await
}

/// The entries of a JSON array of rows (`ENTRY_ROWS_AS_JSON`), and the ids to read again row
/// by row: those whose values are not all in the form written; `None` when the text does not
/// parse (everything is read again).
fn entries_from_json(text: &str) -> Option<(Vec<Public<Entry>>, Vec<i64>)> {
    fn take(row: EntryJson<'_>, found: &mut Vec<Entry>, again: &mut Vec<i64>) {
        let id = row.id;
        match row.into_entry() {
            Some(entry) => found.push(entry),
            None => again.push(id),
        }
    }
    let mut found = Vec::new();
    let mut again = Vec::new();
    // Every row of the shape written: one pass over the text.
    if let Ok(rows) = serde_json::from_str::<Vec<EntryJson<'_>>>(text) {
        found.reserve(rows.len());
        for row in rows {
            take(row, &mut found, &mut again);
        }
    } else {
        // Some row is not: row by row, each that is not read again by its id.
        let rows = serde_json::from_str::<Vec<&serde_json::value::RawValue>>(text).ok()?;
        for raw in rows {
            match serde_json::from_str::<EntryJson<'_>>(raw.get()) {
                Ok(row) => take(row, &mut found, &mut again),
                Err(_) => {
                    let row: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
                    // Not even an id: everything is read again.
                    again.push(row.get(0)?.as_i64()?);
                }
            }
        }
    }
    Some((public(found), again))
}

async fn public_entries_row_by_row(
    c: &mut Conn,
    ids: &[i64],
    today: Date,
) -> Result<Vec<Public<Entry>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(concat!("SELECT ", entry_columns!()));
    push_public_entries_among(&mut qb, ids, today);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<EntryRow, Entry>(&rows, "entry")))
}

/// Public entries that have any of these exact keys (see `EntryData::keys`), lowest ids
/// first, at most `limit`. Read with their rows: checking each entry's visibility apart from
/// reading it read every row twice (a lookup whose part is a brand of 80 entries spent a
/// millisecond and a half on the check alone at a million entries).
pub async fn public_entries_by_keys(
    c: &mut Conn,
    keys: &[String],
    today: Date,
    limit: i64,
) -> Result<Vec<Public<Entry>>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // Each entry by its primary key, for the ids its keys list (see `BY_ID`), in id order.
    let push_among = |qb: &mut QueryBuilder<Db>| {
        qb.push(" FROM entries");
        qb.push(BY_ID);
        qb.push(" WHERE ");
        push_public_entry(qb, today);
        qb.push(" AND id IN (SELECT entry_id FROM entry_keys WHERE key IN ");
        push_texts(qb, keys);
        qb.push(") ORDER BY id LIMIT ").push_bind(limit);
    };
    if let Some(rows_as_json) = ENTRY_ROWS_AS_JSON {
        let mut qb = QueryBuilder::<Db>::new("SELECT ");
        qb.push(rows_as_json);
        qb.push(concat!(" FROM (SELECT ", entry_columns!()));
        push_among(&mut qb);
        qb.push(")");
        if let Ok(text) = qb.build_query_scalar::<String>().fetch_one(&mut *c).await
            && let Some((mut found, again)) = entries_from_json(&text)
        {
            found.extend(public_entries_row_by_row(c, &again, today).await?);
            found.sort_unstable_by_key(|e| e.id);
            return Ok(found);
        }
    }
    let mut qb = QueryBuilder::<Db>::new(concat!("SELECT ", entry_columns!()));
    push_among(&mut qb);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<EntryRow, Entry>(&rows, "entry")))
}

/// The keys among `keys` that any entry has, whatever its publication state (content must
/// not link to a platform staff are about to list either).
pub async fn entry_keys_among(c: &mut Conn, keys: &[String]) -> Result<Vec<String>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT DISTINCT key FROM entry_keys WHERE key IN ");
    push_texts(&mut qb, keys);
    Ok(qb.build_query_scalar().fetch_all(&mut *c).await?)
}

/// The ids among `ids` whose entries are public (the index sweep keeps only these).
pub async fn public_entry_ids_among(c: &mut Conn, ids: &[i64], today: Date) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new("");
    push_public_entry_ids_among(&mut qb, ids, today);
    Ok(qb.build_query_scalar().fetch_all(&mut *c).await?)
}

fn push_public_entry_ids_among(qb: &mut QueryBuilder<Db>, ids: &[i64], today: Date) {
    qb.push("SELECT id");
    push_public_entries_among(qb, ids, today);
}

/// ` FROM entries … WHERE <public> AND id IN (…)`, by primary key (see `BY_ID`).
fn push_public_entries_among(qb: &mut QueryBuilder<Db>, ids: &[i64], today: Date) {
    qb.push(" FROM entries");
    qb.push(BY_ID);
    qb.push(" WHERE ");
    push_public_entry(qb, today);
    qb.push(" AND id IN ");
    push_ids(qb, ids);
}

/// Public entries with ids above `after`, in id order (for rebuilding an index).
pub async fn public_entries_after(
    c: &mut Conn,
    after: i64,
    limit: i64,
    today: Date,
) -> Result<Vec<Public<Entry>>> {
    let mut qb = entry_select();
    qb.push(" WHERE ");
    push_public_entry(&mut qb, today);
    qb.push(" AND id > ").push_bind(after);
    qb.push(" ORDER BY id LIMIT ").push_bind(limit);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<EntryRow, Entry>(&rows, "entry")))
}

/// Public entries per list and status, from the tallies the triggers keep (migration
/// `entry_tallies`): the visibility rule reads the same columns there.
pub async fn public_counts(c: &mut Conn, today: Date) -> Result<Vec<ListCount>> {
    let mut qb =
        QueryBuilder::<Db>::new("SELECT list_kind, status, CAST(SUM(n) AS BIGINT) FROM entry_tallies WHERE ");
    push_public_entry(&mut qb, today);
    qb.push(" GROUP BY list_kind, status HAVING SUM(n) > 0 ORDER BY list_kind, status");
    let rows = qb.build().fetch_all(&mut *c).await?;
    let mut out = Vec::new();
    for row in rows {
        let decoded: std::result::Result<(ListKind, EntryStatus, i64), sqlx::Error> =
            <(ListKind, EntryStatus, i64)>::from_row(&row);
        match decoded {
            Ok((list, status, count)) => out.push(ListCount {
                list,
                status,
                count,
            }),
            Err(e) => tracing::error!(error = %e, "a stored list count does not decode; left out"),
        }
    }
    Ok(out)
}

pub async fn public_years(c: &mut Conn, today: Date) -> Result<Vec<i64>> {
    let mut qb = QueryBuilder::<Db>::new("SELECT listed_year FROM entry_tallies WHERE ");
    push_public_entry(&mut qb, today);
    qb.push(" AND listed_year IS NOT NULL GROUP BY listed_year HAVING SUM(n) > 0");
    qb.push(" ORDER BY listed_year DESC");
    Ok(qb.build_query_scalar().fetch_all(&mut *c).await?)
}

pub async fn public_entries_for_article(
    c: &mut Conn,
    article_id: i64,
    today: Date,
) -> Result<Vec<Public<Entry>>> {
    let mut qb = entry_select();
    qb.push(" WHERE ");
    push_public_entry(&mut qb, today);
    qb.push(" AND id IN (SELECT entry_id FROM article_entries WHERE article_id = ")
        .push_bind(article_id)
        .push(") ORDER BY id");
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<EntryRow, Entry>(&rows, "entry")))
}

pub async fn public_articles_for_entry(
    c: &mut Conn,
    entry_id: i64,
) -> Result<Vec<Public<Article>>> {
    let mut qb = article_select();
    qb.push(" WHERE ").push(PUBLIC_ARTICLE);
    qb.push(" AND id IN (SELECT article_id FROM article_entries WHERE entry_id = ")
        .push_bind(entry_id)
        .push(") ORDER BY published_on DESC, id DESC");
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<ArticleRow, Article>(&rows, "article")))
}

fn push_article_filter(qb: &mut QueryBuilder<Db>, f: &ArticleFilter) {
    qb.push(" WHERE ").push(PUBLIC_ARTICLE);
    if let Some(kind) = f.kind {
        qb.push(" AND kind = ").push_bind(kind);
    }
    if let Some(q) = &f.q {
        qb.push(" AND search_text LIKE ");
        qb.push_bind(format!("%{}%", like_escape(q)));
        qb.push(" ESCAPE '\\'");
    }
}

pub async fn public_articles(
    c: &mut Conn,
    f: &ArticleFilter,
) -> Result<(i64, Vec<Public<Article>>)> {
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM articles");
    push_article_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *c).await?;

    let mut qb = article_select();
    push_article_filter(&mut qb, f);
    qb.push(" ORDER BY published_on DESC, id DESC LIMIT ")
        .push_bind(f.limit)
        .push(" OFFSET ")
        .push_bind(f.offset);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok((total, public(decode::<ArticleRow, Article>(&rows, "article"))))
}

pub async fn public_article(c: &mut Conn, slug: &str) -> Result<ArticleVisibility> {
    let mut qb = QueryBuilder::<Db>::new(concat!("SELECT ", article_columns!(), ", CASE WHEN "));
    qb.push(PUBLIC_ARTICLE).push(
        " THEN CAST(0 AS BIGINT) WHEN publication = 'withdrawn' AND first_published_at IS NOT NULL \
         THEN CAST(1 AS BIGINT) ELSE CAST(2 AS BIGINT) END AS visibility FROM articles WHERE slug = ",
    );
    qb.push_bind(slug);
    let Some(row) = qb.build().fetch_optional(&mut *c).await? else {
        return Ok(ArticleVisibility::Hidden);
    };
    let code: i64 = row.try_get("visibility")?;
    let Some(article) = decode_one::<ArticleRow, Article>(&row, "article") else {
        return Ok(ArticleVisibility::Hidden);
    };
    Ok(match (code, article.withdrawn_at) {
        (0, _) => ArticleVisibility::Public(Box::new(Public::admitted(article))),
        (1, Some(at)) => ArticleVisibility::Withdrawn(WithdrawnNotice {
            title: article.data.title,
            kind: article.data.kind,
            withdrawn_at: at,
            reason: article.withdrawal_reason,
        }),
        _ => ArticleVisibility::Hidden,
    })
}

pub async fn public_articles_by_ids(c: &mut Conn, ids: &[i64]) -> Result<Vec<Public<Article>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = article_select();
    qb.push(" WHERE ").push(PUBLIC_ARTICLE).push(" AND id IN ");
    push_ids(&mut qb, ids);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<ArticleRow, Article>(&rows, "article")))
}

pub async fn public_article_ids_among(c: &mut Conn, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT id FROM articles WHERE ");
    qb.push(PUBLIC_ARTICLE).push(" AND id IN ");
    push_ids(&mut qb, ids);
    Ok(qb.build_query_scalar().fetch_all(&mut *c).await?)
}

pub async fn public_articles_after(
    c: &mut Conn,
    after: i64,
    limit: i64,
) -> Result<Vec<Public<Article>>> {
    let mut qb = article_select();
    qb.push(" WHERE ").push(PUBLIC_ARTICLE);
    qb.push(" AND id > ").push_bind(after);
    qb.push(" ORDER BY id LIMIT ").push_bind(limit);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(public(decode::<ArticleRow, Article>(&rows, "article")))
}

pub async fn page(c: &mut Conn, slug: &str) -> Result<Option<Page>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT slug, title, body_md, sort_order, updated_at FROM pages WHERE ",
    );
    qb.push(PUBLIC_PAGE).push(" AND slug = ").push_bind(slug);
    Ok(qb.build_query_as().fetch_optional(&mut *c).await?)
}

pub async fn pages(c: &mut Conn) -> Result<Vec<Page>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT slug, title, body_md, sort_order, updated_at FROM pages WHERE ",
    );
    qb.push(PUBLIC_PAGE).push(" ORDER BY sort_order, slug");
    Ok(qb.build_query_as().fetch_all(&mut *c).await?)
}

/// The history of an entry or article, newest first.
pub async fn revisions(c: &mut Conn, entity: Entity, id: i64) -> Result<Vec<Revision>> {
    let sql = match entity {
        Entity::Entry => {
            "SELECT id, changed, note, changed_by, changed_at, previous, data FROM \
             entry_revisions WHERE entry_id = $1 ORDER BY changed_at DESC, id DESC"
        }
        Entity::Article => {
            "SELECT id, changed, note, changed_by, changed_at, previous, data FROM \
             article_revisions WHERE article_id = $1 ORDER BY changed_at DESC, id DESC"
        }
    };
    let rows = sqlx::query(sql).bind(id).fetch_all(&mut *c).await?;
    Ok(decode::<RevisionRow, Revision>(&rows, "revision"))
}

// ---- Staff reads: any publication state. ----

pub async fn entry(c: &mut Conn, id: i64) -> Result<Option<Entry>> {
    let mut qb = entry_select();
    qb.push(" WHERE id = ").push_bind(id);
    let row = qb.build().fetch_optional(&mut *c).await?;
    Ok(row.and_then(|r| decode_one::<EntryRow, Entry>(&r, "entry")))
}

/// Entries in any state whose `column` is one of the values `push_list` writes, by id.
async fn entries_where_in(
    c: &mut Conn,
    column: &'static str,
    push_list: impl FnOnce(&mut QueryBuilder<Db>),
) -> Result<Vec<Entry>> {
    let mut qb = entry_select();
    qb.push(" WHERE ").push(column).push(" IN ");
    push_list(&mut qb);
    qb.push(" ORDER BY id");
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(decode::<EntryRow, Entry>(&rows, "entry"))
}

pub async fn entries_by_ids(c: &mut Conn, ids: &[i64]) -> Result<Vec<Entry>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    entries_where_in(c, "id", |qb| push_ids(qb, ids)).await
}

pub async fn entries_by_codes(c: &mut Conn, codes: &[String]) -> Result<Vec<Entry>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    entries_where_in(c, "credit_code", |qb| push_texts(qb, codes)).await
}

pub async fn entries_by_name_keys(c: &mut Conn, keys: &[String]) -> Result<Vec<Entry>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    entries_where_in(c, "name_key", |qb| push_texts(qb, keys)).await
}

/// An article in any state, with the references (code, else name) of its related entries.
pub async fn article(c: &mut Conn, slug: &str) -> Result<Option<Article>> {
    let mut qb = article_select();
    qb.push(" WHERE slug = ").push_bind(slug);
    let row = qb.build().fetch_optional(&mut *c).await?;
    let Some(mut article) = row.and_then(|r| decode_one::<ArticleRow, Article>(&r, "article"))
    else {
        return Ok(None);
    };
    article.data.related_entries = sqlx::query_scalar(
        "SELECT COALESCE(e.credit_code, e.name) FROM article_entries ae \
         JOIN entries e ON e.id = ae.entry_id WHERE ae.article_id = $1 ORDER BY e.id",
    )
    .bind(article.id)
    .fetch_all(&mut *c)
    .await?;
    Ok(Some(article))
}

// ---- Writes: the caller's transaction. ----

type Statement<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

/// Binds `$1`–`$27` of the entry insert and update, which list the columns in the same order.
fn bind_entry<'q>(
    q: Statement<'q>,
    d: &'q EntryData,
    keys: &'q EntryKeys,
    publication: Publication,
    now: OffsetDateTime,
) -> Statement<'q> {
    q.bind(&d.name)
        .bind(&keys.name_key)
        .bind(JsonList::encode(&d.aliases))
        .bind(JsonList::encode(&keys.alias_keys))
        .bind(&d.credit_code)
        .bind(d.category)
        .bind(d.list)
        .bind(&d.reason)
        .bind(&d.basis)
        .bind(&d.authority)
        .bind(&d.decision_no)
        .bind(d.listed_on)
        .bind(d.listed_on.map(|d| i64::from(d.year())))
        .bind(&d.measures)
        .bind(JsonList::encode(&d.websites))
        .bind(JsonList::encode(&d.phones))
        .bind(&d.remedy)
        .bind(d.publicity_ends_on)
        .bind(&d.address)
        .bind(d.status)
        .bind(d.removed_on)
        .bind(&d.removal_reason)
        .bind(&d.removal_authority)
        .bind(publication)
        .bind(&keys.search_text)
        .bind(KEYS_VERSION)
        .bind(now)
}

/// Inserts an entry and its exact-match keys; returns its id.
pub async fn insert_entry(
    c: &mut Conn,
    d: &EntryData,
    publication: Publication,
    now: OffsetDateTime,
) -> Result<i64> {
    let keys = d.keys();
    let id: i64 = bind_entry(
        sqlx::query(
            "INSERT INTO entries (name, name_key, aliases, alias_keys, credit_code, category, \
             list_kind, reason, basis, authority, decision_no, listed_on, listed_year, measures, \
             websites, phones, remedy, publicity_ends_on, address, status, removed_on, \
             removal_reason, removal_authority, publication, search_text, keys_version, \
             published_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, \
             CASE WHEN $24 = 'published' THEN $27 END, $27, $27) RETURNING id",
        ),
        d,
        &keys,
        publication,
        now,
    )
    .fetch_one(&mut *c)
    .await?
    .try_get(0)?;
    set_entry_keys(c, id, &keys.match_keys).await?;
    Ok(id)
}

/// Rows per multi-row insert: far below either database's limit on bound parameters.
const ROWS_PER_INSERT: usize = 200;

/// The rows of a multi-row insert whose first `shared` columns are the same for every row,
/// bound once for the statement (and so, on SQLite, copied and freed once instead of once per
/// row): `SELECT <shared>, v.* FROM (VALUES <rows>) AS v`, `rows` rows of `per_row` values
/// each. The values are bound in the order they appear (see `NUMBERED_VALUES`).
fn shared_values(shared: usize, rows: usize, per_row: usize) -> String {
    use std::fmt::Write;
    let mut n = 0;
    let mut next = |sql: &mut String| {
        n += 1;
        if NUMBERED_VALUES {
            let _ = write!(sql, "${n}");
        } else {
            sql.push('?');
        }
    };
    let mut sql = String::with_capacity((shared + rows * per_row) * 7 + 64);
    sql.push_str(" SELECT ");
    for _ in 0..shared {
        next(&mut sql);
        sql.push_str(", ");
    }
    sql.push_str("v.* FROM (VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for i in 0..per_row {
            if i > 0 {
                sql.push_str(", ");
            }
            next(&mut sql);
        }
        sql.push(')');
    }
    sql.push_str(") AS v");
    sql
}

/// A multi-row insert's statements (see [`shared_values`]): the one for a whole chunk of
/// `rows_per_insert` rows, made once per process (each caller keeps its own in a static), and
/// the one for the last, shorter chunk.
struct MultiRowInsert {
    head: &'static str,
    shared: usize,
    per_row: usize,
    full_size: usize,
    full: Arc<str>,
}

impl MultiRowInsert {
    fn new(head: &'static str, shared: usize, per_row: usize, rows_per_insert: usize) -> Self {
        let full = format!("{head}{}", shared_values(shared, rows_per_insert, per_row));
        MultiRowInsert {
            head,
            shared,
            per_row,
            full_size: rows_per_insert,
            full: full.into(),
        }
    }

    fn sql(&self, rows: usize) -> sqlx::AssertSqlSafe<Arc<str>> {
        sqlx::AssertSqlSafe(if rows == self.full_size {
            self.full.clone()
        } else {
            let values = shared_values(self.shared, rows, self.per_row);
            format!("{}{values}", self.head).into()
        })
    }
}

/// Inserts many new entries and their exact-match keys, many rows per statement (an import
/// of a million rows would otherwise make millions of round trips); returns their ids in the
/// order given.
pub async fn insert_entries(
    c: &mut Conn,
    entries: &[(&EntryData, &Derived)],
    publication: Publication,
    now: OffsetDateTime,
) -> Result<Vec<i64>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = sqlx::query_scalar(RESERVE_ENTRY_IDS)
        .bind(entries.len() as i64)
        .fetch_all(&mut *c)
        .await?;
    ids.sort_unstable();
    let published_at = (publication == Publication::Published).then_some(now);
    static INSERT: LazyLock<MultiRowInsert> = LazyLock::new(|| {
        MultiRowInsert::new(
            "INSERT INTO entries (publication, keys_version, published_at, created_at, \
             updated_at, id, name, name_key, aliases, alias_keys, credit_code, category, \
             list_kind, reason, basis, authority, decision_no, listed_on, listed_year, measures, \
             websites, phones, remedy, publicity_ends_on, address, status, removed_on, \
             removal_reason, removal_authority, search_text)",
            5,
            25,
            ROWS_PER_INSERT,
        )
    });
    for (chunk, chunk_ids) in entries
        .chunks(ROWS_PER_INSERT)
        .zip(ids.chunks(ROWS_PER_INSERT))
    {
        let mut q = sqlx::query(INSERT.sql(chunk.len()))
            .bind(publication)
            .bind(KEYS_VERSION)
            .bind(published_at)
            .bind(now)
            .bind(now);
        for ((d, derived), id) in chunk.iter().zip(chunk_ids) {
            q = q
                .bind(*id)
                .bind(derived.name.clone())
                .bind(derived.name_key.clone())
                .bind(derived.aliases.clone())
                .bind(derived.alias_keys.clone())
                .bind(derived.credit_code.clone())
                .bind(d.category)
                .bind(d.list)
                .bind(derived.reason.clone())
                .bind(derived.basis.clone())
                .bind(derived.authority.clone())
                .bind(derived.decision_no.clone())
                .bind(d.listed_on)
                .bind(d.listed_on.map(|d| i64::from(d.year())))
                .bind(derived.measures.clone())
                .bind(derived.websites.clone())
                .bind(derived.phones.clone())
                .bind(derived.remedy.clone())
                .bind(d.publicity_ends_on)
                .bind(derived.address.clone())
                .bind(d.status)
                .bind(d.removed_on)
                .bind(derived.removal_reason.clone())
                .bind(derived.removal_authority.clone())
                .bind(derived.search_text.clone());
        }
        q.execute(&mut *c).await?;
    }
    let keys: Vec<(&Arc<str>, i64)> = entries
        .iter()
        .zip(&ids)
        .flat_map(|((_, derived), id)| derived.match_keys.iter().map(move |k| (k, *id)))
        .collect();
    for chunk in keys.chunks(ROWS_PER_INSERT * 5) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO entry_keys (key, entry_id) ");
        qb.push_values(chunk, |mut b, (k, id)| {
            b.push_bind(Arc::clone(k)).push_bind(*id);
        });
        qb.build().execute(&mut *c).await?;
    }
    Ok(ids)
}

/// Updates an entry that still has `version`; returns the new version, or a conflict when
/// someone else wrote it since it was read.
pub async fn update_entry(
    c: &mut Conn,
    id: i64,
    version: i64,
    d: &EntryData,
    publication: Publication,
    now: OffsetDateTime,
) -> Result<i64> {
    let keys = d.keys();
    let row = bind_entry(
        sqlx::query(
            "UPDATE entries SET name = $1, name_key = $2, aliases = $3, alias_keys = $4, \
             credit_code = $5, category = $6, list_kind = $7, reason = $8, basis = $9, \
             authority = $10, decision_no = $11, listed_on = $12, listed_year = $13, \
             measures = $14, websites = $15, phones = $16, remedy = $17, \
             publicity_ends_on = $18, address = $19, status = $20, removed_on = $21, \
             removal_reason = $22, removal_authority = $23, publication = $24, \
             search_text = $25, keys_version = $26, updated_at = $27, \
             published_at = COALESCE(published_at, CASE WHEN $24 = 'published' THEN $27 END), \
             version = version + 1 WHERE id = $28 AND version = $29 RETURNING version",
        ),
        d,
        &keys,
        publication,
        now,
    )
    .bind(id)
    .bind(version)
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::Conflict {
            constraint: STALE_VERSION.to_string(),
        });
    };
    set_entry_keys(c, id, &keys.match_keys).await?;
    Ok(row.try_get(0)?)
}

/// Replaces the exact-match keys of an entry.
async fn set_entry_keys(c: &mut Conn, id: i64, keys: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM entry_keys WHERE entry_id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    if keys.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("INSERT INTO entry_keys (key, entry_id) ");
    qb.push_values(keys, |mut b, k| {
        b.push_bind(k.as_str()).push_bind(id);
    });
    qb.build().execute(&mut *c).await?;
    Ok(())
}

/// Whether any entry was stored before the derivation of its keys last changed.
pub async fn has_stale_entry_keys(c: &mut Conn) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM entries WHERE keys_version < $1)")
            .bind(KEYS_VERSION)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// Recomputes what is derived from an entry's data (folded keys, lookup text, exact keys), for
/// entries stored before the derivation changed. Returns the highest id handled, if any.
pub async fn refresh_entry_keys(c: &mut Conn, after: i64, limit: i64) -> Result<Option<i64>> {
    let mut qb = entry_select();
    qb.push(" WHERE keys_version < ")
        .push_bind(KEYS_VERSION)
        .push(" AND id > ")
        .push_bind(after)
        .push(" ORDER BY id LIMIT ")
        .push_bind(limit);
    let rows = qb.build().fetch_all(&mut *c).await?;
    let last: Option<i64> = rows.last().map(|r| r.try_get("id")).transpose()?;
    for e in decode::<EntryRow, Entry>(&rows, "entry") {
        let keys = e.data.keys();
        sqlx::query(
            "UPDATE entries SET name_key = $1, alias_keys = $2, search_text = $3, \
             keys_version = $4 WHERE id = $5",
        )
        .bind(&keys.name_key)
        .bind(JsonList::encode(&keys.alias_keys))
        .bind(&keys.search_text)
        .bind(KEYS_VERSION)
        .bind(e.id)
        .execute(&mut *c)
        .await?;
        set_entry_keys(c, e.id, &keys.match_keys).await?;
    }
    Ok(last)
}

/// Keeps a revision: the data before (`None` when the item is new) and after the change.
/// `previous` and `data` are JSON snapshots (see `store::snapshot`).
/// For an entry, `event` is what the change did to the public list (see `events::change_of`);
/// articles have none.
#[allow(clippy::too_many_arguments)]
pub async fn insert_revision(
    c: &mut Conn,
    entity: Entity,
    owner_id: i64,
    previous: Option<&str>,
    data: &str,
    changed: &[&str],
    actor: &Actor,
    now: OffsetDateTime,
    event: Option<ChangeKind>,
) -> Result<()> {
    let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
    let q = match entity {
        Entity::Entry => sqlx::query(
            "INSERT INTO entry_revisions (entry_id, previous, data, changed, note, changed_by, \
             changed_at, event) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ),
        Entity::Article => sqlx::query(
            "INSERT INTO article_revisions (article_id, previous, data, changed, note, changed_by, \
             changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ),
    };
    let q = q
        .bind(owner_id)
        .bind(previous)
        .bind(data)
        .bind(JsonList::encode(&changed))
        .bind(&actor.note)
        .bind(&actor.name)
        .bind(now);
    match entity {
        Entity::Entry => q.bind(event).execute(&mut *c).await?,
        Entity::Article => q.execute(&mut *c).await?,
    };
    Ok(())
}

/// The first revision of each of many new entries or articles (`(id, data, event)`; an
/// article has no changes-feed event; `data` NULL when the item is its own snapshot), many
/// rows per statement.
pub async fn insert_first_revisions(
    c: &mut Conn,
    entity: Entity,
    items: &[super::FirstRevision],
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<()> {
    // `previous` left out: NULL, the item being new.
    static ENTRY: LazyLock<MultiRowInsert> = LazyLock::new(|| {
        MultiRowInsert::new(
            "INSERT INTO entry_revisions (changed, note, changed_by, changed_at, entry_id, \
             data, event)",
            4,
            3,
            ROWS_PER_INSERT * 2,
        )
    });
    static ARTICLE: LazyLock<MultiRowInsert> = LazyLock::new(|| {
        MultiRowInsert::new(
            "INSERT INTO article_revisions (changed, note, changed_by, changed_at, article_id, \
             data)",
            4,
            2,
            ROWS_PER_INSERT * 2,
        )
    });
    let insert = match entity {
        Entity::Entry => &*ENTRY,
        Entity::Article => &*ARTICLE,
    };
    let unchanged = JsonList::encode(&Vec::<String>::new());
    for chunk in items.chunks(insert.full_size) {
        let mut q = sqlx::query(insert.sql(chunk.len()))
            .bind(unchanged.as_str())
            .bind(actor.note.as_str())
            .bind(actor.name.as_str())
            .bind(now);
        for (id, data, event) in chunk {
            q = q.bind(*id).bind(data.clone());
            if entity == Entity::Entry {
                q = q.bind(*event);
            }
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Records that many items changed, for the search outbox worker, many rows per statement.
pub async fn enqueue_many(
    c: &mut Conn,
    entity: Entity,
    ids: &[i64],
    now: OffsetDateTime,
) -> Result<()> {
    static INSERT: LazyLock<MultiRowInsert> = LazyLock::new(|| {
        MultiRowInsert::new(
            "INSERT INTO search_outbox (entity, created_at, entity_id)",
            2,
            1,
            ROWS_PER_INSERT * 5,
        )
    });
    for chunk in ids.chunks(INSERT.full_size) {
        let mut q = sqlx::query(INSERT.sql(chunk.len()))
            .bind(entity.key())
            .bind(now);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Records that an item changed, for the search outbox worker; in the writer's transaction.
pub async fn enqueue(c: &mut Conn, entity: Entity, id: i64, now: OffsetDateTime) -> Result<()> {
    sqlx::query("INSERT INTO search_outbox (entity, entity_id, created_at) VALUES ($1, $2, $3)")
        .bind(entity.key())
        .bind(id)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn insert_article(
    c: &mut Conn,
    a: &ArticleData,
    publication: Publication,
    now: OffsetDateTime,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO articles (slug, kind, title, summary, body_md, doc_no, tags, publication, \
         published_on, search_text, created_at, updated_at, first_published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, \
         CASE WHEN $8 = 'published' THEN $11 END) RETURNING id",
    )
    .bind(&a.slug)
    .bind(a.kind)
    .bind(&a.title)
    .bind(&a.summary)
    .bind(&a.body_md)
    .bind(&a.doc_no)
    .bind(JsonList::encode(&a.tags))
    .bind(publication)
    .bind(a.published_on)
    .bind(fold(&format!("{} {}", a.title, a.summary)))
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    set_article_entries(c, id, &a.related_entries).await?;
    Ok(id)
}

pub async fn update_article(
    c: &mut Conn,
    id: i64,
    version: i64,
    a: &ArticleData,
    publication: Publication,
    now: OffsetDateTime,
) -> Result<i64> {
    let new_version: Option<i64> = sqlx::query_scalar(
        "UPDATE articles SET kind = $1, title = $2, summary = $3, body_md = $4, doc_no = $5, \
         tags = $6, publication = $7, published_on = $8, search_text = $9, updated_at = $10, \
         first_published_at = COALESCE(first_published_at, \
         CASE WHEN $7 = 'published' THEN $10 END), version = version + 1 \
         WHERE id = $11 AND version = $12 RETURNING version",
    )
    .bind(a.kind)
    .bind(&a.title)
    .bind(&a.summary)
    .bind(&a.body_md)
    .bind(&a.doc_no)
    .bind(JsonList::encode(&a.tags))
    .bind(publication)
    .bind(a.published_on)
    .bind(fold(&format!("{} {}", a.title, a.summary)))
    .bind(now)
    .bind(id)
    .bind(version)
    .fetch_optional(&mut *c)
    .await?;
    let Some(new_version) = new_version else {
        return Err(StoreError::Conflict {
            constraint: STALE_VERSION.to_string(),
        });
    };
    set_article_entries(c, id, &a.related_entries).await?;
    Ok(new_version)
}

/// Links an article to the entries its references name (`#id`, a credit code or an exact
/// name); references that name no entry are ignored.
async fn set_article_entries(c: &mut Conn, id: i64, references: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM article_entries WHERE article_id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    for reference in references {
        if let Some(entry_id) = reference.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
            sqlx::query(
                "INSERT INTO article_entries (article_id, entry_id) \
                 SELECT $1, id FROM entries WHERE id = $2 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(entry_id)
            .execute(&mut *c)
            .await?;
            continue;
        }
        sqlx::query(
            "INSERT INTO article_entries (article_id, entry_id) \
             SELECT $1, id FROM entries WHERE credit_code = $2 OR name = $2 \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(reference)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Creates or updates a page by slug.
pub async fn upsert_page(c: &mut Conn, p: &PageData, now: OffsetDateTime) -> Result<PageWrite> {
    let old: Option<(String, String, i64)> =
        sqlx::query_as("SELECT title, body_md, sort_order FROM pages WHERE slug = $1")
            .bind(&p.slug)
            .fetch_optional(&mut *c)
            .await?;
    let outcome = match old {
        Some((title, body, order))
            if title == p.title && body == p.body_md && order == p.sort_order =>
        {
            return Ok(PageWrite::Unchanged);
        }
        Some(_) => PageWrite::Updated,
        None => PageWrite::Created,
    };
    sqlx::query(
        "INSERT INTO pages (slug, title, body_md, sort_order, state, updated_at) \
         VALUES ($1, $2, $3, $4, 'published', $5) ON CONFLICT (slug) DO UPDATE SET \
         title = excluded.title, body_md = excluded.body_md, sort_order = excluded.sort_order, \
         updated_at = excluded.updated_at",
    )
    .bind(&p.slug)
    .bind(&p.title)
    .bind(&p.body_md)
    .bind(p.sort_order)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(outcome)
}

// ---- The search outbox and its lease. ----

/// Outbox items waiting, oldest first; parked items are left out. A read: an idle worker
/// never takes a write lock.
pub async fn pending_outbox(c: &mut Conn, limit: i64) -> Result<Vec<OutboxItem>> {
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT id, entity, entity_id, attempts FROM search_outbox WHERE parked_at IS NULL \
         ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, entity, entity_id, attempts)| {
            let entity = Entity::from_key(&entity).or_else(|| {
                tracing::error!(id, entity, "an outbox item names no known entity; skipped");
                None
            })?;
            Some(OutboxItem {
                id,
                entity,
                entity_id,
                attempts,
            })
        })
        .collect())
}

pub async fn outbox_high_water(c: &mut Conn) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MAX(id) FROM search_outbox")
        .fetch_one(&mut *c)
        .await?)
}

/// Deletes up to `limit` waiting (not parked) outbox items with ids up to `through`; how many.
pub async fn delete_outbox_through(c: &mut Conn, through: i64, limit: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM search_outbox WHERE id IN (SELECT id FROM search_outbox \
         WHERE id <= $1 AND parked_at IS NULL ORDER BY id LIMIT $2)",
    )
    .bind(through)
    .bind(limit)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected())
}

pub async fn delete_outbox(c: &mut Conn, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("DELETE FROM search_outbox WHERE id IN ");
    push_ids(&mut qb, ids);
    qb.build().execute(&mut *c).await?;
    Ok(())
}

/// Counts a failed attempt at an item; `park` takes it out of the queue for good.
pub async fn outbox_failed(
    c: &mut Conn,
    id: i64,
    error: &str,
    park: bool,
    now: OffsetDateTime,
) -> Result<()> {
    sqlx::query(
        "UPDATE search_outbox SET attempts = attempts + 1, last_error = $1, \
         parked_at = CASE WHEN $2 THEN $3 ELSE parked_at END WHERE id = $4",
    )
    .bind(error)
    .bind(park)
    .bind(now)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// How far the search index is behind: when the oldest waiting (not parked) outbox item was
/// written, and how many wait, counted up to `cap`; `None` when nothing waits. Two short
/// reads (the oldest by primary key, a bounded count), cheap enough for every lookup.
pub async fn outbox_lag(c: &mut Conn, cap: i64) -> Result<Option<OutboxLag>> {
    let oldest: Option<OffsetDateTime> = sqlx::query_scalar(
        "SELECT created_at FROM search_outbox WHERE parked_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_optional(&mut *c)
    .await?;
    let Some(oldest) = oldest else {
        return Ok(None);
    };
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM search_outbox WHERE parked_at IS NULL LIMIT $1) \
         AS waiting",
    )
    .bind(cap)
    .fetch_one(&mut *c)
    .await?;
    Ok(Some(OutboxLag { oldest, pending }))
}

/// Refreshes the query planner's statistics. Needed after a bulk write: without them SQLite
/// takes the publication index to read "public entries in id order" and sorts the whole table
/// for every batch of a reindex (quadratic at a million entries).
pub async fn analyze(c: &mut Conn) -> Result<()> {
    sqlx::query(ANALYZE).execute(&mut *c).await?;
    Ok(())
}

/// The data version: bumped (by triggers, in the writing transaction) whenever anything the
/// public may see could have changed.
pub async fn data_version(c: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1")
            .fetch_one(&mut *c)
            .await?,
    )
}

/// Waiting and parked outbox items, and the parked ones with their errors (newest first).
pub async fn outbox_status(c: &mut Conn) -> Result<(i64, Vec<ParkedItem>)> {
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM search_outbox WHERE parked_at IS NULL")
            .fetch_one(&mut *c)
            .await?;
    let parked: Vec<(i64, String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT id, entity, entity_id, attempts, last_error FROM search_outbox \
         WHERE parked_at IS NOT NULL ORDER BY id DESC LIMIT 100",
    )
    .fetch_all(&mut *c)
    .await?;
    Ok((
        pending,
        parked
            .into_iter()
            .map(|(id, entity, entity_id, attempts, error)| ParkedItem {
                id,
                entity,
                entity_id,
                attempts,
                error: error.unwrap_or_default(),
            })
            .collect(),
    ))
}

/// Takes (or renews) the lease `name` for `holder` until `until`, unless someone else holds
/// it unexpired. One short autocommitted write.
pub async fn try_lease(
    c: &mut Conn,
    name: &str,
    holder: &str,
    now: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO search_lease (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
         expires_at = excluded.expires_at \
         WHERE search_lease.holder = excluded.holder OR search_lease.expires_at < $4",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn release_lease(c: &mut Conn, name: &str, holder: &str) -> Result<()> {
    sqlx::query("DELETE FROM search_lease WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(&mut *c)
        .await?;
    Ok(())
}

// ---- Copying whole tables (`jingshi migrate-data`). ----

/// Reads up to `limit` rows of a table in key order, starting after row `offset`.
pub async fn read_rows(
    c: &mut Conn,
    table: &Table,
    offset: i64,
    limit: i64,
) -> Result<Vec<Vec<Value>>> {
    let mut qb = QueryBuilder::<Db>::new("SELECT ");
    qb.push(table.column_list())
        .push(" FROM ")
        .push(table.name)
        .push(" ORDER BY ")
        .push(table.key.join(", "))
        .push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rows = qb.build().fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(table.columns.len());
        for (i, (_, kind)) in table.columns.iter().enumerate() {
            values.push(match kind {
                Kind::Int => Value::Int(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Date => Value::Date(row.try_get(i)?),
                Kind::Timestamp => Value::Timestamp(row.try_get(i)?),
            });
        }
        out.push(values);
    }
    Ok(out)
}

/// Inserts rows, replacing any row with the same key, so that copying twice is harmless.
pub async fn upsert_rows(c: &mut Conn, table: &Table, rows: &[Vec<Value>]) -> Result<()> {
    // Bound parameters per statement stay far below either database's limit.
    for chunk in rows.chunks(500) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO ");
        qb.push(table.name)
            .push(" (")
            .push(table.column_list())
            .push(") ");
        qb.push_values(chunk, |mut b, row| {
            for v in row {
                match v {
                    Value::Int(x) => b.push_bind(*x),
                    Value::Text(x) => b.push_bind(x.clone()),
                    Value::Date(x) => b.push_bind(*x),
                    Value::Timestamp(x) => b.push_bind(*x),
                };
            }
        });
        qb.push(" ON CONFLICT (")
            .push(table.key.join(", "))
            .push(")");
        let updates: Vec<String> = table
            .columns
            .iter()
            .filter(|(c, _)| !table.key.contains(c))
            .map(|(c, _)| format!("{c} = excluded.{c}"))
            .collect();
        if updates.is_empty() || table.append_only {
            qb.push(" DO NOTHING");
        } else {
            qb.push(" DO UPDATE SET ").push(updates.join(", "));
        }
        qb.build().execute(&mut *c).await?;
    }
    Ok(())
}

pub async fn count_rows(c: &mut Conn, table: &Table) -> Result<i64> {
    let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM ");
    qb.push(table.name);
    Ok(qb.build_query_scalar().fetch_one(&mut *c).await?)
}

// ---- Staff: accounts, sessions, throttling, settings, the audit log. ----

const USER_COLUMNS: &str = "SELECT id, username, display_name, role, password_hash, totp_secret, \
     totp_pending, disabled_at, password_changed_at, created_at, updated_at, version FROM users";

pub async fn insert_user(
    c: &mut Conn,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, password_hash, password_changed_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id",
    )
    .bind(username)
    .bind(display_name)
    .bind(role)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn user(c: &mut Conn, id: i64) -> Result<Option<User>> {
    let mut qb = QueryBuilder::<Db>::new(USER_COLUMNS);
    qb.push(" WHERE id = ").push_bind(id);
    let row = qb.build().fetch_optional(&mut *c).await?;
    Ok(row.and_then(|r| decode_one::<User, User>(&r, "user")))
}

pub async fn user_by_name(c: &mut Conn, username: &str) -> Result<Option<User>> {
    let mut qb = QueryBuilder::<Db>::new(USER_COLUMNS);
    qb.push(" WHERE username = ").push_bind(username);
    let row = qb.build().fetch_optional(&mut *c).await?;
    Ok(row.and_then(|r| decode_one::<User, User>(&r, "user")))
}

pub async fn users(c: &mut Conn) -> Result<Vec<User>> {
    let mut qb = QueryBuilder::<Db>::new(USER_COLUMNS);
    qb.push(" ORDER BY username");
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(decode::<User, User>(&rows, "user"))
}

/// Changes what a user row holds about the account; `None` leaves a field as it is.
pub async fn update_user(
    c: &mut Conn,
    id: i64,
    change: &UserChange,
    now: OffsetDateTime,
) -> Result<()> {
    let mut qb = QueryBuilder::<Db>::new("UPDATE users SET updated_at = ");
    qb.push_bind(now).push(", version = version + 1");
    if let Some(hash) = &change.password_hash {
        qb.push(", password_hash = ").push_bind(hash.clone());
        qb.push(", password_changed_at = ").push_bind(now);
    }
    if let Some(role) = change.role {
        qb.push(", role = ").push_bind(role);
    }
    if let Some(disabled) = change.disabled {
        qb.push(", disabled_at = ")
            .push_bind(disabled.then_some(now));
    }
    if let Some(secret) = &change.totp_secret {
        qb.push(", totp_secret = ").push_bind(secret.clone());
    }
    if let Some(pending) = &change.totp_pending {
        qb.push(", totp_pending = ").push_bind(pending.clone());
    }
    qb.push(" WHERE id = ").push_bind(id);
    let done = qb.build().execute(&mut *c).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn replace_recovery_codes(c: &mut Conn, user_id: i64, hashes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    if hashes.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("INSERT INTO recovery_codes (user_id, code_hash) ");
    qb.push_values(hashes, |mut b, h| {
        b.push_bind(user_id).push_bind(h.clone());
    });
    qb.build().execute(&mut *c).await?;
    Ok(())
}

/// Marks an unused recovery code used; false when there is no such unused code.
pub async fn use_recovery_code(
    c: &mut Conn,
    user_id: i64,
    hash: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 \
         AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(hash)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_recovery_codes(c: &mut Conn, user_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn insert_session(c: &mut Conn, s: &Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, stage, csrf_token, flash, address, created_at, \
         last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&s.id)
    .bind(s.user_id)
    .bind(s.stage)
    .bind(&s.csrf_token)
    .bind(&s.flash)
    .bind(&s.address)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn session(c: &mut Conn, id: &str) -> Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT id, user_id, stage, csrf_token, flash, address, created_at, last_seen_at, \
         expires_at FROM sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.and_then(|r| decode_one::<Session, Session>(&r, "session")))
}

/// Records activity on a session (the idle expiry counts from it); `flash` replaces the
/// message shown once on the next page.
pub async fn touch_session(
    c: &mut Conn,
    id: &str,
    now: OffsetDateTime,
    flash: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, flash = $2 WHERE id = $3")
        .bind(now)
        .bind(flash)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn delete_session(c: &mut Conn, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Ends every session of a user; returns how many there were.
pub async fn delete_user_sessions(c: &mut Conn, user_id: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired_sessions(c: &mut Conn, before: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2")
        .bind(before)
        .bind(before - time::Duration::days(1))
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}

/// When a throttled key (an account name or a client address) is locked until, if it is.
pub async fn throttle_lock(c: &mut Conn, key: &str) -> Result<Option<OffsetDateTime>> {
    let locked: Option<Option<OffsetDateTime>> =
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *c)
            .await?;
    Ok(locked.flatten())
}

/// Counts a failed sign-in for `key`; the `limit`-th failure in a row locks it until
/// `lock_until` (and starts the count again). Returns the lock, when this failure set one.
pub async fn throttle_failure(
    c: &mut Conn,
    key: &str,
    limit: i64,
    now: OffsetDateTime,
    lock_until: OffsetDateTime,
) -> Result<Option<OffsetDateTime>> {
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_throttle (key, failures, updated_at) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1, \
         updated_at = excluded.updated_at RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    if failures < limit {
        return Ok(None);
    }
    sqlx::query("UPDATE login_throttle SET failures = 0, locked_until = $1 WHERE key = $2")
        .bind(lock_until)
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(Some(lock_until))
}

pub async fn throttle_clear(c: &mut Conn, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn settings(c: &mut Conn) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
        .fetch_all(&mut *c)
        .await?)
}

pub async fn set_setting(c: &mut Conn, key: &str, value: &str, now: OffsetDateTime) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Appends to the audit log (which nothing ever updates or deletes).
pub async fn insert_audit(c: &mut Conn, e: &AuditRecord<'_>, at: OffsetDateTime) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, actor_id, address, action, target, summary) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(e.actor)
    .bind(e.actor_id)
    .bind(e.address)
    .bind(e.action)
    .bind(e.target)
    .bind(e.summary)
    .execute(&mut *c)
    .await?;
    Ok(())
}

fn push_audit_filter(qb: &mut QueryBuilder<Db>, f: &AuditFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(actor) = &f.actor {
        qb.push(" AND actor = ").push_bind(actor.clone());
    }
    if let Some(action) = &f.action {
        qb.push(" AND action = ").push_bind(action.clone());
    }
    if let Some(from) = f.from {
        qb.push(" AND at >= ").push_bind(from);
    }
    if let Some(until) = f.until {
        qb.push(" AND at < ").push_bind(until);
    }
    if let Some(after) = f.after_id {
        qb.push(" AND id > ").push_bind(after);
    }
}

/// Audit rows matching a filter, newest first (or oldest first with `after_id`, for exports),
/// with the total.
pub async fn audit_entries(c: &mut Conn, f: &AuditFilter) -> Result<(i64, Vec<AuditEntry>)> {
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM audit_log");
    push_audit_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *c).await?;
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT id, at, actor, actor_id, address, action, target, summary FROM audit_log",
    );
    push_audit_filter(&mut qb, f);
    qb.push(if f.after_id.is_some() {
        " ORDER BY id"
    } else {
        " ORDER BY id DESC"
    });
    qb.push(" LIMIT ").push_bind(f.limit);
    qb.push(" OFFSET ").push_bind(f.offset);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok((total, decode::<AuditEntry, AuditEntry>(&rows, "audit entry")))
}

/// The distinct actors of the audit log, for the filter of its page.
pub async fn audit_actors(c: &mut Conn) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT actor FROM audit_log ORDER BY actor LIMIT 500")
            .fetch_all(&mut *c)
            .await?,
    )
}

// ---- The publishing workflow: changes, change sets, attachments, staff lists. ----

const CHANGE_COLUMNS: &str = "SELECT id, entity, entity_id, change_set_id, data, base_version, \
     note, state, author_id, author, created_at, updated_at, submitted_at, reviewer_id, \
     reviewer, reviewed_at, review_comment, publish_at, published_at, version FROM changes";

/// States of a change that is still open (one per item at most).
const OPEN_STATES: &str = "('draft', 'in_review', 'rejected', 'scheduled')";

pub async fn insert_change(c: &mut Conn, n: &NewChange<'_>, now: OffsetDateTime) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO changes (entity, entity_id, change_set_id, data, base_version, note, state, \
         author_id, author, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(n.entity.key())
    .bind(n.entity_id)
    .bind(n.change_set_id)
    .bind(n.data)
    .bind(n.base_version)
    .bind(n.note)
    .bind(n.state.key())
    .bind(n.author_id)
    .bind(n.author)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn change(c: &mut Conn, id: i64) -> Result<Option<Change>> {
    let mut qb = QueryBuilder::<Db>::new(CHANGE_COLUMNS);
    qb.push(" WHERE id = ").push_bind(id);
    let row = qb.build().fetch_optional(&mut *c).await?;
    Ok(row.and_then(|r| decode_one::<Change, Change>(&r, "change")))
}

/// The open change of an item, if any.
pub async fn open_change(c: &mut Conn, entity: Entity, entity_id: i64) -> Result<Option<Change>> {
    let mut qb = QueryBuilder::<Db>::new(CHANGE_COLUMNS);
    qb.push(" WHERE entity = ")
        .push_bind(entity.key())
        .push(" AND entity_id = ")
        .push_bind(entity_id)
        .push(" AND state IN ")
        .push(OPEN_STATES)
        .push(" ORDER BY id DESC LIMIT 1");
    let row = qb.build().fetch_optional(&mut *c).await?;
    Ok(row.and_then(|r| decode_one::<Change, Change>(&r, "change")))
}

/// Changes matching a filter, newest first.
pub async fn changes(c: &mut Conn, f: &ChangeFilter) -> Result<Vec<Change>> {
    let mut qb = QueryBuilder::<Db>::new(CHANGE_COLUMNS);
    qb.push(" WHERE 1 = 1");
    if let Some(author) = f.author_id {
        qb.push(" AND author_id = ").push_bind(author);
    }
    if let Some(not_author) = f.not_author_id {
        qb.push(" AND (author_id IS NULL OR author_id <> ")
            .push_bind(not_author)
            .push(")");
    }
    if !f.states.is_empty() {
        qb.push(" AND state IN (");
        let mut list = qb.separated(", ");
        for s in &f.states {
            list.push_bind(s.key());
        }
        qb.push(")");
    }
    if let Some(set) = f.change_set_id {
        qb.push(" AND change_set_id = ").push_bind(set);
    }
    if let Some(entity) = f.entity {
        qb.push(" AND entity = ").push_bind(entity.key());
    }
    if let Some(id) = f.entity_id {
        qb.push(" AND entity_id = ").push_bind(id);
    }
    if let Some(due) = f.due_by {
        qb.push(" AND publish_at <= ").push_bind(due);
    }
    qb.push(" ORDER BY updated_at DESC, id DESC LIMIT ")
        .push_bind(f.limit.max(1));
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok(decode::<Change, Change>(&rows, "change"))
}

/// Rewrites the content of a change that is still at `version`; a conflict otherwise (someone
/// else saved it meanwhile). A rejected change becomes a draft again.
pub async fn update_change(
    c: &mut Conn,
    id: i64,
    version: i64,
    data: &str,
    note: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let v: Option<i64> = sqlx::query_scalar(
        "UPDATE changes SET data = $1, note = $2, updated_at = $3, version = version + 1, \
         state = CASE WHEN state = 'rejected' THEN 'draft' ELSE state END \
         WHERE id = $4 AND version = $5 AND state IN ('draft', 'rejected') RETURNING version",
    )
    .bind(data)
    .bind(note)
    .bind(now)
    .bind(id)
    .bind(version)
    .fetch_optional(&mut *c)
    .await?;
    v.ok_or_else(|| StoreError::Conflict {
        constraint: STALE_VERSION.to_string(),
    })
}

/// Moves a change still at `version` and in one of `from` to the transition's state.
pub async fn transition_change(
    c: &mut Conn,
    id: i64,
    version: i64,
    from: &[ChangeState],
    t: &Transition<'_>,
    now: OffsetDateTime,
) -> Result<i64> {
    let mut qb = QueryBuilder::<Db>::new("UPDATE changes SET state = ");
    qb.push_bind(t.to.key())
        .push(", updated_at = ")
        .push_bind(now)
        .push(", version = version + 1");
    if t.to == ChangeState::InReview {
        qb.push(", submitted_at = ").push_bind(now);
    }
    if let Some((reviewer_id, reviewer)) = t.reviewer {
        qb.push(", reviewer_id = ")
            .push_bind(reviewer_id)
            .push(", reviewer = ")
            .push_bind(reviewer.to_string())
            .push(", reviewed_at = ")
            .push_bind(now);
    }
    if let Some(comment) = t.comment {
        qb.push(", review_comment = ").push_bind(comment.to_string());
    }
    if let Some(at) = t.publish_at {
        qb.push(", publish_at = ").push_bind(at);
    }
    if t.to == ChangeState::Published {
        qb.push(", published_at = ").push_bind(now);
    }
    qb.push(" WHERE id = ")
        .push_bind(id)
        .push(" AND version = ")
        .push_bind(version)
        .push(" AND state IN (");
    let mut list = qb.separated(", ");
    for s in from {
        list.push_bind(s.key());
    }
    qb.push(") RETURNING version");
    let v: Option<i64> = qb.build_query_scalar().fetch_optional(&mut *c).await?;
    v.ok_or_else(|| StoreError::Conflict {
        constraint: STALE_VERSION.to_string(),
    })
}

pub async fn insert_change_set(
    c: &mut Conn,
    file_name: &str,
    author_id: Option<i64>,
    author: &str,
    summary: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO change_sets (file_name, author_id, author, summary, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(file_name)
    .bind(author_id)
    .bind(author)
    .bind(summary)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn change_set(c: &mut Conn, id: i64) -> Result<Option<ChangeSet>> {
    Ok(sqlx::query_as(
        "SELECT id, file_name, author_id, author, summary, created_at FROM change_sets \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await?)
}

/// Withdraws a published item still at `version`: it leaves public view (410 for entries,
/// a page saying so for articles), with the reason.
pub async fn withdraw(
    c: &mut Conn,
    entity: Entity,
    id: i64,
    version: i64,
    reason: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    let sql = match entity {
        Entity::Entry => {
            "UPDATE entries SET publication = 'withdrawn', withdrawn_at = $1, \
             withdrawal_reason = $2, updated_at = $1, version = version + 1 \
             WHERE id = $3 AND version = $4 AND publication = 'published' RETURNING version"
        }
        Entity::Article => {
            "UPDATE articles SET publication = 'withdrawn', withdrawn_at = $1, \
             withdrawal_reason = $2, updated_at = $1, version = version + 1 \
             WHERE id = $3 AND version = $4 AND publication = 'published' RETURNING version"
        }
    };
    let v: Option<i64> = sqlx::query_scalar(sql)
        .bind(now)
        .bind(reason)
        .bind(id)
        .bind(version)
        .fetch_optional(&mut *c)
        .await?;
    v.ok_or_else(|| StoreError::Conflict {
        constraint: STALE_VERSION.to_string(),
    })
}

/// The two lists staff browse.
#[derive(Clone, Copy)]
enum StaffList {
    Entries,
    Articles,
}

/// Appends the staff list filter for `list`: the publication state and the folded text for
/// both; list, category and status for entries; the kind for articles.
fn push_staff_filter(qb: &mut QueryBuilder<Db>, list: StaffList, f: &StaffFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(p) = f.publication {
        qb.push(" AND publication = ").push_bind(p);
    }
    match list {
        StaffList::Entries => {
            if let Some(l) = f.list {
                qb.push(" AND list_kind = ").push_bind(l);
            }
            if let Some(cat) = f.category {
                qb.push(" AND category = ").push_bind(cat);
            }
            if let Some(s) = f.status {
                qb.push(" AND status = ").push_bind(s);
            }
        }
        StaffList::Articles => {
            if let Some(k) = f.kind {
                qb.push(" AND kind = ").push_bind(k);
            }
        }
    }
    if let Some(q) = &f.q {
        qb.push(" AND search_text LIKE ");
        qb.push_bind(format!("%{}%", like_escape(q)));
        qb.push(" ESCAPE '\\'");
    }
}

/// One page of a staff list (every publication state), newest change first, and how many
/// match in all.
async fn staff_page<R, T>(
    c: &mut Conn,
    list: StaffList,
    mut qb: QueryBuilder<Db>,
    f: &StaffFilter,
    what: &'static str,
) -> Result<(i64, Vec<T>)>
where
    R: for<'r> FromRow<'r, DbRow>,
    T: From<R>,
{
    let mut count = QueryBuilder::<Db>::new(match list {
        StaffList::Entries => "SELECT COUNT(*) FROM entries",
        StaffList::Articles => "SELECT COUNT(*) FROM articles",
    });
    push_staff_filter(&mut count, list, f);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *c).await?;
    push_staff_filter(&mut qb, list, f);
    qb.push(" ORDER BY updated_at DESC, id DESC LIMIT ")
        .push_bind(f.limit)
        .push(" OFFSET ")
        .push_bind(f.offset);
    let rows = qb.build().fetch_all(&mut *c).await?;
    Ok((total, decode::<R, T>(&rows, what)))
}

/// Entries in every publication state, for staff, newest change first.
pub async fn staff_entries(c: &mut Conn, f: &StaffFilter) -> Result<(i64, Vec<Entry>)> {
    staff_page::<EntryRow, Entry>(c, StaffList::Entries, entry_select(), f, "entry").await
}

/// Articles in every publication state, for staff.
pub async fn staff_articles(c: &mut Conn, f: &StaffFilter) -> Result<(i64, Vec<Article>)> {
    staff_page::<ArticleRow, Article>(c, StaffList::Articles, article_select(), f, "article").await
}

pub async fn article_by_id(c: &mut Conn, id: i64) -> Result<Option<Article>> {
    let mut qb = article_select();
    qb.push(" WHERE id = ").push_bind(id);
    let row = qb.build().fetch_optional(&mut *c).await?;
    Ok(row.and_then(|r| decode_one::<ArticleRow, Article>(&r, "article")))
}

/// The entries an article is linked to: id and name (any state, for staff).
pub async fn article_links(c: &mut Conn, article_id: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.name FROM article_entries ae JOIN entries e ON e.id = ae.entry_id \
         WHERE ae.article_id = $1 ORDER BY e.id",
    )
    .bind(article_id)
    .fetch_all(&mut *c)
    .await?)
}

pub async fn insert_attachment(
    c: &mut Conn,
    a: &NewAttachment<'_>,
    now: OffsetDateTime,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO attachments (article_id, file_name, content_type, size, sha256, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(a.article_id)
    .bind(a.file_name)
    .bind(a.content_type)
    .bind(a.size)
    .bind(a.sha256)
    .bind(a.created_by)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn attachment(c: &mut Conn, id: i64) -> Result<Option<Attachment>> {
    Ok(sqlx::query_as(
        "SELECT id, article_id, file_name, content_type, size, sha256, created_by, created_at \
         FROM attachments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *c)
    .await?)
}

/// An attachment the public may fetch: its article is public.
pub async fn public_attachment(c: &mut Conn, id: i64) -> Result<Option<Public<Attachment>>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT id, article_id, file_name, content_type, size, sha256, created_by, created_at \
         FROM attachments WHERE id = ",
    );
    qb.push_bind(id)
        .push(" AND article_id IN (SELECT id FROM articles WHERE ")
        .push(PUBLIC_ARTICLE)
        .push(")");
    let found: Option<Attachment> = qb.build_query_as().fetch_optional(&mut *c).await?;
    Ok(found.map(Public::admitted))
}

pub async fn attachments(c: &mut Conn, article_id: i64) -> Result<Vec<Attachment>> {
    Ok(sqlx::query_as(
        "SELECT id, article_id, file_name, content_type, size, sha256, created_by, created_at \
         FROM attachments WHERE article_id = $1 ORDER BY id",
    )
    .bind(article_id)
    .fetch_all(&mut *c)
    .await?)
}

// ---- Open data: the changes feed and what exports and sitemaps read. ----

/// Where the changes feed stands, in two short reads.
pub async fn change_feed_state(c: &mut Conn) -> Result<FeedState> {
    let (last_seq, ended_through): (i64, Option<Date>) =
        sqlx::query_as("SELECT last_seq, ended_through FROM change_feed WHERE id = 1")
            .fetch_one(&mut *c)
            .await?;
    let unsequenced: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM entry_revisions WHERE event IS NOT NULL AND seq IS NULL LIMIT 1",
    )
    .fetch_optional(&mut *c)
    .await?;
    Ok(FeedState {
        last_seq,
        ended_through,
        unsequenced: unsequenced.is_some(),
    })
}

/// Completes the changes feed as of `today`, in the caller's transaction, which it holds the
/// feed's row for (the only lock it takes, so it cannot deadlock with writers): records the
/// end of publicity of every entry whose publicity ended since the last time and that the feed
/// still shows as public (a revision by 系统, dated the China midnight it ended at), then gives
/// every committed event without a position the next positions, in id order. A writer's event
/// committed later gets a later position, so a consumer's cursor never passes over it. Returns
/// the last position.
pub async fn settle_change_feed(c: &mut Conn, today: Date) -> Result<i64> {
    let mut lock = QueryBuilder::<Db>::new("SELECT ended_through FROM change_feed WHERE id = 1");
    lock.push(LOCK_ROW);
    let ended_through: Option<Date> = lock.build_query_scalar().fetch_one(&mut *c).await?;
    let yesterday = today.previous_day().unwrap_or(today);
    if ended_through.is_none_or(|d| d < yesterday) {
        let mut qb = entry_select();
        qb.push(" WHERE publicity_ends_on < ").push_bind(today);
        if let Some(from) = ended_through {
            qb.push(" AND publicity_ends_on > ").push_bind(from);
        }
        qb.push(
            " AND (SELECT r.event FROM entry_revisions r WHERE r.entry_id = entries.id \
             AND r.event IS NOT NULL ORDER BY r.id DESC LIMIT 1) IN ('listed', 'updated', 'removed') \
             ORDER BY id",
        );
        let rows = qb.build().fetch_all(&mut *c).await?;
        for e in decode::<EntryRow, Entry>(&rows, "entry") {
            let Some(ended) = e.data.publicity_ends_on else {
                continue;
            };
            let data = super::snapshot(&e.data);
            let actor = Actor {
                name: "系统".into(),
                note: format!(
                    "公示期满：公示截止日期 {} 已过，自动停止公示",
                    crate::domain::dates::iso(ended)
                ),
            };
            let at = crate::domain::dates::china_midnight(ended.next_day().unwrap_or(ended));
            insert_revision(
                c,
                Entity::Entry,
                e.id,
                Some(&data),
                &data,
                &["公示状态"],
                &actor,
                at,
                Some(ChangeKind::PublicityEnded),
            )
            .await?;
        }
    }
    let last: i64 = sqlx::query_scalar("SELECT last_seq FROM change_feed WHERE id = 1")
        .fetch_one(&mut *c)
        .await?;
    sqlx::query(
        "UPDATE entry_revisions SET seq = $1 + numbered.n FROM (SELECT id, \
         ROW_NUMBER() OVER (ORDER BY id) AS n FROM entry_revisions \
         WHERE event IS NOT NULL AND seq IS NULL) AS numbered \
         WHERE entry_revisions.id = numbered.id",
    )
    .bind(last)
    .execute(&mut *c)
    .await?;
    let last: i64 = sqlx::query_scalar(
        "UPDATE change_feed SET last_seq = COALESCE((SELECT MAX(seq) FROM entry_revisions), 0), \
         ended_through = $1 WHERE id = 1 RETURNING last_seq",
    )
    .bind(yesterday)
    .fetch_one(&mut *c)
    .await?;
    Ok(last)
}

/// Events of the changes feed after position `after`, in feed order.
pub async fn change_events(c: &mut Conn, after: i64, limit: i64) -> Result<Vec<ChangeEvent>> {
    let rows: Vec<(i64, i64, ChangeKind, OffsetDateTime)> = sqlx::query_as(
        "SELECT seq, entry_id, event, changed_at FROM entry_revisions WHERE seq > $1 \
         ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, entry_id, kind, at)| ChangeEvent {
            seq,
            entry_id,
            kind,
            at,
        })
        .collect())
}

/// When any entry last changed (in any state): what entry answers were last modified at, at
/// the latest, besides the China midnight publicity ends at. Entries are never deleted, so it
/// never goes back.
pub async fn entries_changed_at(c: &mut Conn) -> Result<Option<OffsetDateTime>> {
    Ok(sqlx::query_scalar("SELECT MAX(updated_at) FROM entries")
        .fetch_one(&mut *c)
        .await?)
}

/// The number of public entries and the highest public id, for planning sitemaps.
pub async fn public_entry_span(c: &mut Conn, today: Date) -> Result<(i64, i64)> {
    let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM entries WHERE ");
    push_public_entry(&mut qb, today);
    Ok(qb.build_query_as().fetch_one(&mut *c).await?)
}

/// Ids and last changes of the public entries with ids in `(after, up_to]`, in id order.
pub async fn public_entry_stamps(
    c: &mut Conn,
    after: i64,
    up_to: i64,
    today: Date,
) -> Result<Vec<(i64, OffsetDateTime)>> {
    let mut qb = QueryBuilder::<Db>::new("SELECT id, updated_at FROM entries WHERE ");
    push_public_entry(&mut qb, today);
    qb.push(" AND id > ").push_bind(after);
    qb.push(" AND id <= ").push_bind(up_to);
    qb.push(" ORDER BY id");
    Ok(qb.build_query_as().fetch_all(&mut *c).await?)
}

/// The newest events of these kinds whose entries are public now, newest first (for the
/// changes' Atom feed).
pub async fn public_change_events(
    c: &mut Conn,
    kinds: &[ChangeKind],
    limit: i64,
    today: Date,
) -> Result<Vec<ChangeEvent>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT seq, entry_id, event, changed_at FROM entry_revisions WHERE seq IS NOT NULL \
         AND event IN (",
    );
    let mut list = qb.separated(", ");
    for k in kinds {
        list.push_bind(*k);
    }
    qb.push(
        ") AND EXISTS (SELECT 1 FROM entries WHERE entries.id = entry_revisions.entry_id AND ",
    );
    push_public_entry(&mut qb, today);
    qb.push(") ORDER BY seq DESC LIMIT ").push_bind(limit);
    let rows: Vec<(i64, i64, ChangeKind, OffsetDateTime)> =
        qb.build_query_as().fetch_all(&mut *c).await?;
    Ok(rows
        .into_iter()
        .map(|(seq, entry_id, kind, at)| ChangeEvent {
            seq,
            entry_id,
            kind,
            at,
        })
        .collect())
}
