use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::dates::iso;
use crate::lookup::{self, AnalyzedQuery, IndexLag};
use crate::store::{Entry, EntrySort, Public};
use crate::web::cache::NotCached;
use crate::web::error::visible;
use crate::web::params::{Params, limit_offset};
use crate::web::public::entries::parse_id;
use crate::web::{ApiError, AppState};

#[derive(Serialize)]
pub struct EntryItem {
    id: i64,
    name: String,
    aliases: Vec<String>,
    credit_code: Option<String>,
    category: &'static str,
    list: &'static str,
    status: &'static str,
    listed_on: Option<String>,
    removed_on: Option<String>,
    url: String,
    /// With `q`: how the entry matched (`exact`, `contains` or `similar`).
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    matched: Option<&'static str>,
}

impl EntryItem {
    fn new(state: &AppState, e: Public<Entry>) -> EntryItem {
        let e = e.into_inner();
        let d = e.data;
        EntryItem {
            matched: None,
            url: state.url(&format!("/entries/{}", e.id)),
            id: e.id,
            name: d.name,
            aliases: d.aliases,
            credit_code: d.credit_code.map(|c| c.as_str().to_string()),
            category: d.category.key(),
            list: d.list.key(),
            status: d.status.key(),
            listed_on: d.listed_on.map(iso),
            removed_on: d.removed_on.map(iso),
        }
    }
}

#[derive(Serialize)]
pub struct EntryPage {
    /// With `q`: `listed`, `removed`, `similar` or `none`, from real matches only (null
    /// without `q`).
    verdict: Option<&'static str>,
    total: i64,
    page: u32,
    per_page: u32,
    items: Vec<EntryItem>,
    /// Present only when the search engine could not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    /// Present only on a lookup while the search index is behind the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    index_behind: Option<IndexBehind>,
    /// With `after`: the `after` of the next page, when there may be one.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_after: Option<i64>,
}

/// The search index is behind: exact identities (whole name, alias, credit code, website,
/// phone) are current, parts of names and pinyin may miss the newest entries.
#[derive(Serialize)]
pub struct IndexBehind {
    rebuilding: bool,
    pending: i64,
    lag_seconds: i64,
    notice: String,
}

impl From<IndexLag> for IndexBehind {
    fn from(l: IndexLag) -> Self {
        IndexBehind {
            rebuilding: l.rebuilding,
            pending: l.pending,
            lag_seconds: l.seconds,
            notice: l.notice(),
        }
    }
}

pub async fn list_entries(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let per_page = params.per_page(20)?;
    let page = params.bounded_page(per_page, "更深的分页请使用 after 参数（按编号翻页）。")?;
    let after = params.after()?;
    let filters = params.filters()?;
    let today = state.clock.today();
    let mut next_after = None;
    let mut verdict = None;
    let mut index_behind = None;
    let mut settled = true;
    let (total, items, degraded) = match params.q()? {
        // A lookup: the same answer as the search page.
        Some(q) => {
            let query = AnalyzedQuery::new(q);
            if !query.is_empty() {
                let index =
                    lookup::index_state(&state.store, &state.search, state.clock.now()).await?;
                settled = index.settled;
                index_behind = index.lag.map(IndexBehind::from);
            }
            let found = lookup::find_entries(
                &state.store,
                &state.search,
                &query,
                &filters,
                page,
                per_page,
                today,
            )
            .await?;
            verdict = Some(found.verdict.key());
            let items = found
                .hits
                .into_iter()
                .map(|h| EntryItem {
                    matched: Some(h.kind().key()),
                    ..EntryItem::new(&state, h.entry)
                })
                .collect();
            (found.total as i64, items, found.degraded)
        }
        // Keyset paging by id: as deep as the list goes, at the same cost.
        None if after.is_some() => {
            let mut filter = filters.entry_filter(None, i64::from(per_page), 0);
            filter.sort = EntrySort::Id;
            filter.after_id = after;
            let (total, entries) = state.store.public_entries(&filter, today).await?;
            if entries.len() == per_page as usize {
                next_after = entries.last().map(|e| e.id);
            }
            (total, items(&state, entries), false)
        }
        None => {
            let (limit, offset) = limit_offset(page, per_page);
            let filter = filters.entry_filter(None, limit, offset);
            let (total, entries) = state.store.public_entries(&filter, today).await?;
            (total, items(&state, entries), false)
        }
    };
    let answer = Json(EntryPage {
        verdict,
        total,
        page,
        per_page,
        items,
        notice: degraded.then_some("检索服务暂时不可用，结果来自简易查询，可能不完整"),
        index_behind,
        next_after,
    });
    Ok(kept_if(settled && !degraded, answer))
}

/// An answer, marked not to be kept in memory unless `kept`.
fn kept_if(kept: bool, answer: impl IntoResponse) -> Response {
    let mut res = answer.into_response();
    if !kept {
        res.extensions_mut().insert(NotCached);
    }
    res
}

fn items(state: &AppState, entries: Vec<Public<Entry>>) -> Vec<EntryItem> {
    entries
        .into_iter()
        .map(|e| EntryItem::new(state, e))
        .collect()
}

#[derive(Serialize)]
pub struct Suggestions {
    items: Vec<Suggestion>,
}

#[derive(Serialize)]
struct Suggestion {
    name: String,
    status: &'static str,
    url: String,
}

/// Names for the lookup box while typing (progressive enhancement; the page works without).
pub async fn suggest(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let Some(q) = params.q()? else {
        return Ok(Json(Suggestions { items: Vec::new() }).into_response());
    };
    let today = state.clock.today();
    let index = lookup::index_state(&state.store, &state.search, state.clock.now()).await?;
    let (found, degraded) =
        lookup::suggest(&state.store, &state.search, &AnalyzedQuery::new(q), today).await?;
    let items = found
        .into_iter()
        .map(|e| Suggestion {
            status: e.data.status.label(),
            url: state.url(&format!("/entries/{}", e.id)),
            name: e.data.name.clone(),
        })
        .collect();
    Ok(kept_if(
        index.settled && !degraded,
        Json(Suggestions { items }),
    ))
}

/// One entry with every public field.
#[derive(Serialize)]
pub struct EntryDetail {
    #[serde(flatten)]
    item: EntryItem,
    reason: String,
    basis: String,
    authority: String,
    decision_no: String,
    measures: String,
    remedy: String,
    websites: Vec<String>,
    phones: Vec<String>,
    address: String,
    removal_reason: String,
    removal_authority: String,
    publicity_ends_on: Option<String>,
    updated_at: String,
}

pub async fn show_entry(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<EntryDetail>, ApiError> {
    let id = parse_id(&raw)?;
    let entry = visible(state.store.public_entry(id, state.clock.today()).await?)?;
    let d = entry.data.clone();
    let updated_at = entry
        .updated_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Ok(Json(EntryDetail {
        item: EntryItem::new(&state, entry),
        reason: d.reason,
        basis: d.basis,
        authority: d.authority,
        decision_no: d.decision_no,
        measures: d.measures,
        remedy: d.remedy,
        websites: d.websites,
        phones: d.phones,
        address: d.address,
        removal_reason: d.removal_reason,
        removal_authority: d.removal_authority,
        publicity_ends_on: d.publicity_ends_on.map(iso),
        updated_at,
    }))
}
