//! The history of an item: every published revision, two of them compared side by side
//! (fields, and a line diff of an article's Markdown), and any one restored as a new change.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::entries::refusal;
use super::{Staff, done};
use crate::domain::article::ArticleData;
use crate::domain::dates::china_minute;
use crate::domain::entry::EntryData;
use crate::store::{Entity, Revision, snapshot};
use crate::views::admin::history::{self as views, HistoryPage};
use crate::web::client::ClientAddr;
use crate::web::params::Params;
use crate::web::{AppState, Error};
use crate::workflow::{self, By, Draft, Expected, Proposal, diff};

/// Each revision (newest first) with the content it left: its own snapshot, or — for
/// revisions kept before snapshots were, and a published import's first revisions — the
/// `previous` of the next newer one, or the live content for the newest.
pub fn snapshots(revisions: &[Revision], current: &str) -> Vec<(Revision, String)> {
    revisions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let after = r.data.clone().or_else(|| {
                if i == 0 {
                    Some(current.to_string())
                } else {
                    revisions[i - 1].previous.clone()
                }
            });
            (r.clone(), after.unwrap_or_default())
        })
        .collect()
}

/// The two revisions to compare: `b` (default the newest) and `a` (default the one before).
fn pick(params: &Params, snaps: &[(Revision, String)]) -> (Option<usize>, Option<usize>) {
    let find = |key: &str| {
        params
            .get(key)
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|id| snaps.iter().position(|(r, _)| r.id == id))
    };
    let b = find("b").or(if snaps.is_empty() { None } else { Some(0) });
    let a = find("a").or(b.map(|b| b + 1).filter(|a| *a < snaps.len()));
    (a, b)
}

pub async fn entry(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    params: Params,
) -> Result<Response, Error> {
    let entry = super::entries::load(&state, &raw).await?;
    let revisions = state.store.revisions(Entity::Entry, entry.id).await?;
    let snaps = snapshots(&revisions, &snapshot(&entry.data));
    let (a, b) = pick(&params, &snaps);
    let parse = |i: Option<usize>| -> Option<EntryData> {
        i.and_then(|i| serde_json::from_str(&snaps[i].1).ok())
    };
    let (old, new) = (parse(a), parse(b));
    let rows = new
        .as_ref()
        .map(|n| diff::entry_fields(old.as_ref(), n))
        .unwrap_or_default();
    let page = HistoryPage {
        title: &entry.data.name,
        base: format!("/admin/entries/{}", entry.id),
        revisions: &revisions,
        a: a.map(|i| snaps[i].0.id),
        b: b.map(|i| snaps[i].0.id),
        fields: rows,
        body: Vec::new(),
    };
    Ok(views::page(&staff.ctx(&state, "/admin/entries"), &page).into_response())
}

pub async fn article(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    params: Params,
) -> Result<Response, Error> {
    let article = super::articles::load(&state, &raw).await?;
    let revisions = state.store.revisions(Entity::Article, article.id).await?;
    let snaps = snapshots(&revisions, &snapshot(&article.data));
    let (a, b) = pick(&params, &snaps);
    let parse = |i: Option<usize>| -> Option<ArticleData> {
        i.and_then(|i| serde_json::from_str(&snaps[i].1).ok())
    };
    let (old, new) = (parse(a), parse(b));
    let (fields, body) = match &new {
        Some(n) => (
            diff::article_fields(old.as_ref(), n),
            diff::lines(old.as_ref().map_or("", |o| o.body_md.as_str()), &n.body_md),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let page = HistoryPage {
        title: &article.data.title,
        base: format!("/admin/articles/{}", article.id),
        revisions: &revisions,
        a: a.map(|i| snaps[i].0.id),
        b: b.map(|i| snaps[i].0.id),
        fields,
        body,
    };
    Ok(views::page(&staff.ctx(&state, "/admin/articles"), &page).into_response())
}

/// The item a revision is restored into.
struct Restoring {
    entity: Entity,
    id: i64,
    version: i64,
    /// Its live content, as a snapshot.
    current: String,
    /// Its admin page.
    page: String,
}

/// Restores one revision as a new change of the item, which then goes through review.
async fn restore(
    state: &AppState,
    staff: &Staff,
    address: &str,
    item: Restoring,
    revision: &str,
    proposal: impl Fn(&str) -> Option<Proposal>,
) -> Result<Response, Error> {
    let revision_id: i64 = revision.parse().map_err(|_| Error::NotFound)?;
    let revisions = state.store.revisions(item.entity, item.id).await?;
    let (chosen, content) = snapshots(&revisions, &item.current)
        .into_iter()
        .find(|(r, _)| r.id == revision_id)
        .ok_or(Error::NotFound)?;
    let proposal = proposal(&content).ok_or(Error::NotFound)?;
    let note = format!("恢复为 {} 的版本", china_minute(chosen.changed_at));
    let saved = workflow::save(
        &state.store,
        &state.clock,
        By {
            user: &staff.user,
            address,
        },
        Draft {
            entity: item.entity,
            id: Some(item.id),
            proposal: &proposal,
            note: &note,
            expected: Expected::Live {
                version: item.version,
            },
        },
    )
    .await;
    match saved {
        Ok(_) => Ok(done(
            state,
            staff,
            "已按所选版本生成修改草稿，请核对后提交审核。",
            &item.page,
        )
        .await),
        Err(e) => {
            refusal(e, &item.page)?;
            Ok(Redirect::to(&item.page).into_response())
        }
    }
}

pub async fn restore_entry(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path((raw, revision)): Path<(String, String)>,
) -> Result<Response, Error> {
    let entry = super::entries::load(&state, &raw).await?;
    let item = Restoring {
        entity: Entity::Entry,
        id: entry.id,
        version: entry.version,
        current: snapshot(&entry.data),
        page: format!("/admin/entries/{}", entry.id),
    };
    restore(&state, &staff, &address, item, &revision, |json| {
        serde_json::from_str::<EntryData>(json)
            .ok()
            .map(Proposal::Entry)
    })
    .await
}

pub async fn restore_article(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path((raw, revision)): Path<(String, String)>,
) -> Result<Response, Error> {
    let article = super::articles::load(&state, &raw).await?;
    let item = Restoring {
        entity: Entity::Article,
        id: article.id,
        version: article.version,
        current: snapshot(&article.data),
        page: format!("/admin/articles/{}", article.id),
    };
    restore(&state, &staff, &address, item, &revision, |json| {
        serde_json::from_str::<ArticleData>(json)
            .ok()
            .map(Proposal::Article)
    })
    .await
}
