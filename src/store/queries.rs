// The queries of the store, compiled once per backend: the including module defines `Db`
// (its `sqlx::Database`) and the few fragments that differ. Functions take a pool; each write
// is a single transaction.

use sqlx::{Pool, QueryBuilder};
use time::{Date, OffsetDateTime};

use super::rows::{ArticleRow, EntryRow, to_json};
use super::schema::{Kind, Table, Value};
use super::{
    Actor, Article, ArticleFilter, Entry, EntryFilter, EntrySort, EntryWrite, ListCount,
    OutboxItem, Page, Result, Revision, WriteOutcome,
};
use crate::domain::PubState;
use crate::domain::article::{ArticleData, PageData};
use crate::domain::entry::EntryData;
use crate::domain::normalize::like_escape;

type Tx<'c> = sqlx::Transaction<'c, Db>;

async fn find_entry_for_write(tx: &mut Tx<'_>, data: &EntryData) -> Result<Option<EntryRow>> {
    if let Some(code) = &data.credit_code {
        let by_code = sqlx::query_as::<_, EntryRow>(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM entries WHERE credit_code = $1"
        ))
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?;
        if by_code.is_some() {
            return Ok(by_code);
        }
        // An entry first imported without a code gets its code on a later import.
        return sqlx::query_as::<_, EntryRow>(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM entries WHERE name_key = $1 AND credit_code IS NULL ORDER BY id LIMIT 1"
        ))
        .bind(data.name_key())
        .fetch_optional(&mut **tx)
        .await;
    }
    sqlx::query_as::<_, EntryRow>(concat!(
        "SELECT ",
        entry_columns!(),
        " FROM entries WHERE name_key = $1 ORDER BY id LIMIT 1"
    ))
    .bind(data.name_key())
    .fetch_optional(&mut **tx)
    .await
}

async fn insert_revision(
    tx: &mut Tx<'_>,
    table: Revisions,
    owner_id: i64,
    previous: Option<String>,
    changed: &[&str],
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = match table {
        Revisions::Entry => {
            "INSERT INTO entry_revisions (entry_id, previous, changed, note, changed_by, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        }
        Revisions::Article => {
            "INSERT INTO article_revisions (article_id, previous, changed, note, changed_by, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        }
    };
    let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
    sqlx::query(sql)
        .bind(owner_id)
        .bind(previous)
        .bind(to_json(&changed))
        .bind(&actor.note)
        .bind(&actor.name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records that an entity changed, for the search outbox worker.
async fn enqueue(tx: &mut Tx<'_>, entity: &str, id: i64, now: OffsetDateTime) -> Result<()> {
    sqlx::query("INSERT INTO search_outbox (entity, entity_id, created_at) VALUES ($1, $2, $3)")
        .bind(entity)
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Revisions {
    Entry,
    Article,
}

type Statement<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

/// Binds `$1`–`$26` of the entry insert and update, which list the columns in the same order.
fn bind_entry<'q>(
    q: Statement<'q>,
    d: &'q EntryData,
    state: PubState,
    published_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Statement<'q> {
    q.bind(&d.name)
        .bind(d.name_key())
        .bind(to_json(&d.aliases))
        .bind(&d.credit_code)
        .bind(&d.category)
        .bind(&d.list)
        .bind(&d.reason)
        .bind(&d.basis)
        .bind(&d.authority)
        .bind(&d.decision_no)
        .bind(d.listed_on)
        .bind(d.listed_on.map(|d| i64::from(d.year())))
        .bind(&d.measures)
        .bind(to_json(&d.websites))
        .bind(to_json(&d.phones))
        .bind(&d.remedy)
        .bind(d.publicity_ends_on)
        .bind(&d.address)
        .bind(&d.status)
        .bind(d.removed_on)
        .bind(&d.removal_reason)
        .bind(&d.removal_authority)
        .bind(state.key())
        .bind(d.search_text())
        .bind(published_at)
        .bind(now)
}

/// Creates or updates entries (matched by credit code, else by name) in one transaction,
/// keeping the previous version of every changed entry as a revision.
pub async fn write_entries(
    pool: &Pool<Db>,
    writes: &[EntryWrite],
    actor: &Actor,
    now: OffsetDateTime,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<WriteOutcome> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let mut outcome = WriteOutcome::default();
    for (i, w) in writes.iter().enumerate() {
        let d = &w.data;
        let existing = find_entry_for_write(&mut tx, d).await?;
        match existing {
            None => {
                let state = w.state.unwrap_or(PubState::Draft);
                let published_at = (state == PubState::Published).then_some(now);
                let row = bind_entry(
                    sqlx::query(
                    "INSERT INTO entries (name, name_key, aliases, credit_code, category, list_kind, \
                     reason, basis, authority, decision_no, listed_on, listed_year, measures, \
                     websites, phones, remedy, publicity_ends_on, address, status, removed_on, \
                     removal_reason, removal_authority, state, search_text, published_at, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                     $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, \
                     $26, $26) RETURNING id",
                    ),
                    d,
                    state,
                    published_at,
                    now,
                )
                .fetch_one(&mut *tx)
                .await?;
                let id: i64 = sqlx::Row::try_get(&row, 0)?;
                insert_revision(&mut tx, Revisions::Entry, id, None, &[], actor, now).await?;
                enqueue(&mut tx, "entry", id, now).await?;
                outcome.created += 1;
                outcome.ids.push(id);
            }
            Some(row) => {
                let old = Entry::from(row);
                let changed = old.data.changed_fields(d);
                let state = w.state.unwrap_or(old.state);
                outcome.ids.push(old.id);
                if changed.is_empty() && state == old.state {
                    outcome.unchanged += 1;
                } else {
                    let published_at = match (state, old.published_at) {
                        (PubState::Published, None) => Some(now),
                        (_, at) => at,
                    };
                    bind_entry(
                        sqlx::query(
                        "UPDATE entries SET name = $1, name_key = $2, aliases = $3, credit_code = $4, \
                         category = $5, list_kind = $6, reason = $7, basis = $8, authority = $9, \
                         decision_no = $10, listed_on = $11, listed_year = $12, measures = $13, \
                         websites = $14, phones = $15, remedy = $16, publicity_ends_on = $17, \
                         address = $18, status = $19, removed_on = $20, removal_reason = $21, \
                         removal_authority = $22, state = $23, search_text = $24, \
                         published_at = $25, updated_at = $26 WHERE id = $27",
                        ),
                        d,
                        state,
                        published_at,
                        now,
                    )
                    .bind(old.id)
                    .execute(&mut *tx)
                    .await?;
                    let mut changed = changed;
                    if state != old.state {
                        changed.push("发布状态");
                    }
                    let previous = serde_json::to_string(&old.data).ok();
                    insert_revision(
                        &mut tx,
                        Revisions::Entry,
                        old.id,
                        previous,
                        &changed,
                        actor,
                        now,
                    )
                    .await?;
                    enqueue(&mut tx, "entry", old.id, now).await?;
                    outcome.updated += 1;
                }
            }
        }
        progress(i + 1);
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Appends the conditions of an entry filter (after a `WHERE` of the public condition).
fn push_entry_filter(qb: &mut QueryBuilder<Db>, f: &EntryFilter, today: Date) {
    qb.push(" WHERE state = 'published' AND (publicity_ends_on IS NULL OR publicity_ends_on >= ");
    qb.push_bind(today);
    qb.push(")");
    if let Some(q) = &f.q {
        qb.push(" AND search_text LIKE ");
        qb.push_bind(format!("%{}%", like_escape(q)));
        qb.push(" ESCAPE '\\'");
    }
    if let Some(list) = f.list {
        qb.push(" AND list_kind = ").push_bind(list.key());
    }
    if let Some(category) = f.category {
        qb.push(" AND category = ").push_bind(category.key());
    }
    if let Some(status) = f.status {
        qb.push(" AND status = ").push_bind(status.key());
    }
    if let Some(year) = f.year {
        qb.push(" AND listed_year = ").push_bind(i64::from(year));
    }
}

pub async fn public_entries(
    pool: &Pool<Db>,
    f: &EntryFilter,
    today: Date,
) -> Result<(i64, Vec<Entry>)> {
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM entries");
    push_entry_filter(&mut count, f, today);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut qb = QueryBuilder::<Db>::new(concat!("SELECT ", entry_columns!(), " FROM entries"));
    push_entry_filter(&mut qb, f, today);
    qb.push(match f.sort {
        EntrySort::Newest => " ORDER BY listed_on DESC NULLS LAST, id DESC",
        EntrySort::Oldest => " ORDER BY listed_on ASC NULLS LAST, id ASC",
        // Listed before removed, then by name: what a resident scanning the list expects.
        EntrySort::Name => " ORDER BY ",
    });
    if f.sort == EntrySort::Name {
        qb.push(NAME_ORDER).push(", id");
    }
    qb.push(" LIMIT ").push_bind(f.limit);
    qb.push(" OFFSET ").push_bind(f.offset);
    let rows: Vec<EntryRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok((total, rows.into_iter().map(Entry::from).collect()))
}

pub async fn entry(pool: &Pool<Db>, id: i64) -> Result<Option<Entry>> {
    let row = sqlx::query_as::<_, EntryRow>(concat!(
        "SELECT ",
        entry_columns!(),
        " FROM entries WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Entry::from))
}

pub async fn entry_revisions(pool: &Pool<Db>, id: i64) -> Result<Vec<Revision>> {
    sqlx::query_as(
        "SELECT id, changed, note, changed_by, changed_at FROM entry_revisions \
         WHERE entry_id = $1 ORDER BY changed_at DESC, id DESC",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}

pub async fn public_counts(pool: &Pool<Db>, today: Date) -> Result<Vec<ListCount>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(concat!(
        "SELECT list_kind, status, COUNT(*) FROM entries WHERE ",
        public_entry!(),
        " GROUP BY list_kind, status ORDER BY list_kind, status"
    ))
    .bind(today)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(list, status, count)| ListCount {
            list,
            status,
            count,
        })
        .collect())
}

pub async fn public_years(pool: &Pool<Db>, today: Date) -> Result<Vec<i64>> {
    sqlx::query_scalar(concat!(
        "SELECT DISTINCT listed_year FROM entries WHERE ",
        public_entry!(),
        " AND listed_year IS NOT NULL ORDER BY listed_year DESC"
    ))
    .bind(today)
    .fetch_all(pool)
    .await
}

pub async fn articles_for_entry(pool: &Pool<Db>, entry_id: i64) -> Result<Vec<Article>> {
    let rows: Vec<ArticleRow> = sqlx::query_as(
        "SELECT a.id, a.slug, a.kind, a.title, a.summary, a.body_md, a.doc_no, a.tags, a.state, \
         a.published_on, a.created_at, a.updated_at FROM articles a \
         JOIN article_entries ae ON ae.article_id = a.id \
         WHERE ae.entry_id = $1 AND a.state = 'published' ORDER BY a.published_on DESC, a.id DESC",
    )
    .bind(entry_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Article::from).collect())
}

pub async fn entries_for_article(
    pool: &Pool<Db>,
    article_id: i64,
    today: Date,
) -> Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(concat!(
        "SELECT ",
        entry_columns!(),
        " FROM entries WHERE ",
        public_entry!(),
        " AND id IN (SELECT entry_id FROM article_entries WHERE article_id = $2) ORDER BY id"
    ))
    .bind(today)
    .bind(article_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Entry::from).collect())
}

/// Creates or updates articles by slug in one transaction, with revisions and related entries
/// (named by credit code or exact name; unknown references are ignored).
pub async fn write_articles(
    pool: &Pool<Db>,
    articles: &[(ArticleData, PubState)],
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<WriteOutcome> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let mut outcome = WriteOutcome::default();
    for (a, state) in articles {
        let existing: Option<ArticleRow> = sqlx::query_as(concat!(
            "SELECT ",
            article_columns!(),
            " FROM articles WHERE slug = $1"
        ))
        .bind(&a.slug)
        .fetch_optional(&mut *tx)
        .await?;
        let search_text = crate::domain::normalize::fold(&format!("{} {}", a.title, a.summary));
        let id = match existing {
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO articles (slug, kind, title, summary, body_md, doc_no, tags, state, \
                     published_on, search_text, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                )
                .bind(&a.slug)
                .bind(a.kind.key())
                .bind(&a.title)
                .bind(&a.summary)
                .bind(&a.body_md)
                .bind(&a.doc_no)
                .bind(to_json(&a.tags))
                .bind(state.key())
                .bind(a.published_on)
                .bind(&search_text)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                insert_revision(&mut tx, Revisions::Article, id, None, &[], actor, now).await?;
                enqueue(&mut tx, "article", id, now).await?;
                outcome.created += 1;
                id
            }
            Some(row) => {
                let old = Article::from(row);
                let mut changed = article_changes(&old.data, a);
                if old.state != *state {
                    changed.push("发布状态");
                }
                if changed.is_empty() {
                    outcome.unchanged += 1;
                } else {
                    sqlx::query(
                        "UPDATE articles SET kind = $1, title = $2, summary = $3, body_md = $4, \
                         doc_no = $5, tags = $6, state = $7, published_on = $8, search_text = $9, \
                         updated_at = $10 WHERE id = $11",
                    )
                    .bind(a.kind.key())
                    .bind(&a.title)
                    .bind(&a.summary)
                    .bind(&a.body_md)
                    .bind(&a.doc_no)
                    .bind(to_json(&a.tags))
                    .bind(state.key())
                    .bind(a.published_on)
                    .bind(&search_text)
                    .bind(now)
                    .bind(old.id)
                    .execute(&mut *tx)
                    .await?;
                    let previous = serde_json::to_string(&old.data).ok();
                    insert_revision(
                        &mut tx,
                        Revisions::Article,
                        old.id,
                        previous,
                        &changed,
                        actor,
                        now,
                    )
                    .await?;
                    enqueue(&mut tx, "article", old.id, now).await?;
                    outcome.updated += 1;
                }
                old.id
            }
        };
        sqlx::query("DELETE FROM article_entries WHERE article_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for reference in &a.related_entries {
            sqlx::query(
                "INSERT INTO article_entries (article_id, entry_id) \
                 SELECT $1, id FROM entries WHERE credit_code = $2 OR name = $2 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(reference)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

fn article_changes(old: &ArticleData, new: &ArticleData) -> Vec<&'static str> {
    [
        ("类别", old.kind != new.kind),
        ("标题", old.title != new.title),
        ("摘要", old.summary != new.summary),
        ("正文", old.body_md != new.body_md),
        ("文号", old.doc_no != new.doc_no),
        ("标签", old.tags != new.tags),
        ("发布日期", old.published_on != new.published_on),
    ]
    .into_iter()
    .filter_map(|(label, differs)| differs.then_some(label))
    .collect()
}

fn push_article_filter(qb: &mut QueryBuilder<Db>, f: &ArticleFilter) {
    qb.push(" WHERE state = 'published'");
    if let Some(kind) = f.kind {
        qb.push(" AND kind = ").push_bind(kind.key());
    }
    if let Some(q) = &f.q {
        qb.push(" AND search_text LIKE ");
        qb.push_bind(format!("%{}%", like_escape(q)));
        qb.push(" ESCAPE '\\'");
    }
}

pub async fn public_articles(pool: &Pool<Db>, f: &ArticleFilter) -> Result<(i64, Vec<Article>)> {
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM articles");
    push_article_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut qb = QueryBuilder::<Db>::new(concat!("SELECT ", article_columns!(), " FROM articles"));
    push_article_filter(&mut qb, f);
    qb.push(" ORDER BY published_on DESC, id DESC LIMIT ")
        .push_bind(f.limit)
        .push(" OFFSET ")
        .push_bind(f.offset);
    let rows: Vec<ArticleRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok((total, rows.into_iter().map(Article::from).collect()))
}

pub async fn article(pool: &Pool<Db>, slug: &str) -> Result<Option<Article>> {
    let row: Option<ArticleRow> = sqlx::query_as(concat!(
        "SELECT ",
        article_columns!(),
        " FROM articles WHERE slug = $1"
    ))
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    let Some(mut article) = row.map(Article::from) else {
        return Ok(None);
    };
    article.data.related_entries = sqlx::query_scalar(
        "SELECT COALESCE(e.credit_code, e.name) FROM article_entries ae \
         JOIN entries e ON e.id = ae.entry_id WHERE ae.article_id = $1 ORDER BY e.id",
    )
    .bind(article.id)
    .fetch_all(pool)
    .await?;
    Ok(Some(article))
}

pub async fn article_revisions(pool: &Pool<Db>, id: i64) -> Result<Vec<Revision>> {
    sqlx::query_as(
        "SELECT id, changed, note, changed_by, changed_at FROM article_revisions \
         WHERE article_id = $1 ORDER BY changed_at DESC, id DESC",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}

/// Creates or updates pages by slug in one transaction.
pub async fn write_pages(
    pool: &Pool<Db>,
    pages: &[PageData],
    now: OffsetDateTime,
) -> Result<WriteOutcome> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let mut outcome = WriteOutcome::default();
    for p in pages {
        let old: Option<(String, String, i64)> =
            sqlx::query_as("SELECT title, body_md, sort_order FROM pages WHERE slug = $1")
                .bind(&p.slug)
                .fetch_optional(&mut *tx)
                .await?;
        match old {
            Some((title, body, order))
                if title == p.title && body == p.body_md && order == p.sort_order =>
            {
                outcome.unchanged += 1;
                continue;
            }
            Some(_) => outcome.updated += 1,
            None => outcome.created += 1,
        }
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
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

pub async fn page(pool: &Pool<Db>, slug: &str) -> Result<Option<Page>> {
    sqlx::query_as(
        "SELECT slug, title, body_md, sort_order, updated_at FROM pages \
         WHERE slug = $1 AND state = 'published'",
    )
    .bind(slug)
    .fetch_optional(pool)
    .await
}

pub async fn pages(pool: &Pool<Db>) -> Result<Vec<Page>> {
    sqlx::query_as(
        "SELECT slug, title, body_md, sort_order, updated_at FROM pages \
         WHERE state = 'published' ORDER BY sort_order, slug",
    )
    .fetch_all(pool)
    .await
}

/// Reads up to `limit` rows of a table in key order, starting after row `offset`.
pub async fn read_rows(
    pool: &Pool<Db>,
    table: &Table,
    offset: i64,
    limit: i64,
) -> Result<Vec<Vec<Value>>> {
    use sqlx::Row;
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
    let rows = qb.build().fetch_all(pool).await?;
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
pub async fn upsert_rows(pool: &Pool<Db>, table: &Table, rows: &[Vec<Value>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
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
        if updates.is_empty() {
            qb.push(" DO NOTHING");
        } else {
            qb.push(" DO UPDATE SET ").push(updates.join(", "));
        }
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await
}

pub async fn count_rows(pool: &Pool<Db>, table: &Table) -> Result<i64> {
    let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM ");
    qb.push(table.name);
    qb.build_query_scalar().fetch_one(pool).await
}

/// Takes up to `limit` outbox items, hands them to `apply`, and deletes them only if `apply`
/// succeeds, all in one transaction. `None` when another instance is draining the outbox.
pub async fn drain_outbox<F>(pool: &Pool<Db>, limit: i64, apply: F) -> anyhow::Result<Option<usize>>
where
    F: AsyncFnOnce(Vec<OutboxItem>) -> anyhow::Result<()>,
{
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if !try_outbox_lock(&mut tx).await? {
        return Ok(None);
    }
    let mut items: Vec<OutboxItem> = sqlx::query_as(
        "DELETE FROM search_outbox WHERE id IN \
         (SELECT id FROM search_outbox ORDER BY id LIMIT $1) \
         RETURNING id, entity, entity_id",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    if items.is_empty() {
        tx.commit().await?;
        return Ok(Some(0));
    }
    items.sort_by_key(|i| i.id);
    let n = items.len();
    match apply(items).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(Some(n))
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

pub async fn entries_by_ids(pool: &Pool<Db>, ids: &[i64]) -> Result<Vec<Entry>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        entry_columns!(),
        " FROM entries WHERE id IN ("
    ));
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
    let rows: Vec<EntryRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(Entry::from).collect())
}

pub async fn articles_by_ids(pool: &Pool<Db>, ids: &[i64]) -> Result<Vec<Article>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        article_columns!(),
        " FROM articles WHERE id IN ("
    ));
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
    let rows: Vec<ArticleRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(Article::from).collect())
}

/// Published entries with ids above `after`, in id order (for rebuilding an index).
pub async fn published_entries_after(
    pool: &Pool<Db>,
    after: i64,
    limit: i64,
) -> Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(concat!(
        "SELECT ",
        entry_columns!(),
        " FROM entries WHERE state = 'published' AND id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Entry::from).collect())
}

pub async fn published_articles_after(
    pool: &Pool<Db>,
    after: i64,
    limit: i64,
) -> Result<Vec<Article>> {
    let rows: Vec<ArticleRow> = sqlx::query_as(concat!(
        "SELECT ",
        article_columns!(),
        " FROM articles WHERE state = 'published' AND id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Article::from).collect())
}
