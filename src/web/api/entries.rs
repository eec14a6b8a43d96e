use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::domain::dates::{iso, today};
use crate::domain::entry::{Visibility, visibility};
use crate::domain::{Category, EntryStatus, ListKind};
use crate::lookup::understand;
use crate::store::{Entry, EntryFilter};
use crate::web::error::Error;
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
}

pub async fn list_entries(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<EntryPage>, ApiError> {
    let page = params.page()?;
    let per_page = params.per_page(20)?;
    let (limit, offset) = limit_offset(page, per_page);
    let q = params.q()?.map(understand);
    if q.as_ref().is_some_and(|q| q.key.is_empty()) {
        return Ok(Json(EntryPage {
            total: 0,
            page,
            per_page,
            items: Vec::new(),
        }));
    }
    let filter = EntryFilter {
        q: q.map(|q| q.key),
        list: params.choice("list", "list", ListKind::parse, ListKind::accepted)?,
        category: params.choice("category", "category", Category::parse, Category::accepted)?,
        status: params.choice(
            "status",
            "status",
            EntryStatus::parse,
            EntryStatus::accepted,
        )?,
        year: params.year()?,
        limit,
        offset,
        ..EntryFilter::default()
    };
    let (total, entries) = state.store.public_entries(&filter, today()).await?;
    let items = entries
        .into_iter()
        .map(|e| EntryItem::new(&state, e))
        .collect();
    Ok(Json(EntryPage {
        total,
        page,
        per_page,
        items,
    }))
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
