use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::domain::dates::{iso, today};
use crate::domain::entry::{Visibility, visibility};
use crate::domain::{Category, EntryStatus, ListKind};
use crate::search::query::AnalyzedQuery;
use crate::search::rank::Filters;
use crate::store::Entry;
use crate::web::error::Error;
use crate::web::lookup::find_entries;
use crate::web::params::{Params, limit_offset};
use crate::web::public::entries::parse_id;
use crate::web::{ApiError, AppState};

#[derive(Serialize)]
pub struct EntryItem {
    id: i64,
    name: String,
    aliases: Vec<String>,
    credit_code: Option<String>,
    category: String,
    list: String,
    status: String,
    listed_on: Option<String>,
    removed_on: Option<String>,
    url: String,
}

impl EntryItem {
    fn new(state: &AppState, e: Entry) -> EntryItem {
        let d = e.data;
        EntryItem {
            url: state.url(&format!("/entries/{}", e.id)),
            id: e.id,
            name: d.name,
            aliases: d.aliases,
            credit_code: d.credit_code,
            category: d.category,
            list: d.list,
            status: d.status,
            listed_on: d.listed_on.map(iso),
            removed_on: d.removed_on.map(iso),
        }
    }
}

#[derive(Serialize)]
pub struct EntryPage {
    total: i64,
    page: u32,
    per_page: u32,
    items: Vec<EntryItem>,
    /// Present only when the search engine could not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
}

pub async fn list_entries(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<EntryPage>, ApiError> {
    let page = params.page()?;
    let per_page = params.per_page(20)?;
    let filters = Filters {
        list: params.choice("list", "list", ListKind::parse, ListKind::accepted)?,
        category: params.choice("category", "category", Category::parse, Category::accepted)?,
        status: params.choice(
            "status",
            "status",
            EntryStatus::parse,
            EntryStatus::accepted,
        )?,
        year: params.year()?,
    };
    let today = today();
    let (total, entries, degraded) = match params.q()? {
        // A lookup: the search engine's ranking, as on the search page.
        Some(q) => {
            let found = find_entries(
                &state,
                &AnalyzedQuery::new(q),
                &filters,
                page,
                per_page,
                today,
            )
            .await?;
            (found.total as i64, found.entries, found.degraded)
        }
        None => {
            let (limit, offset) = limit_offset(page, per_page);
            let filter = filters.entry_filter(None, limit, offset);
            let (total, entries) = state.store.public_entries(&filter, today).await?;
            (total, entries, false)
        }
    };
    let items = entries
        .into_iter()
        .map(|e| EntryItem::new(&state, e))
        .collect();
    Ok(Json(EntryPage {
        total,
        page,
        per_page,
        items,
        notice: degraded.then_some("检索服务暂时不可用，结果来自简易查询，可能不完整"),
    }))
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
pub async fn suggest(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Suggestions>, ApiError> {
    let Some(q) = params.q()? else {
        return Ok(Json(Suggestions { items: Vec::new() }));
    };
    let hits = state
        .search
        .entries(&AnalyzedQuery::new(q), today())
        .await
        .unwrap_or_default();
    let items = hits
        .into_iter()
        .take(8)
        .map(|h| Suggestion {
            status: EntryStatus::parse(&h.doc.status).map_or("", |s| s.label()),
            url: state.url(&format!("/entries/{}", h.doc.id)),
            name: h.doc.name,
        })
        .collect();
    Ok(Json(Suggestions { items }))
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
    let entry = state.store.entry(id).await?.ok_or(Error::NotFound)?;
    match visibility(entry.state, entry.data.publicity_ends_on, today()) {
        Visibility::Public => {}
        Visibility::PublicityEnded => return Err(Error::Gone.into()),
        Visibility::Hidden => return Err(Error::NotFound.into()),
    }
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
