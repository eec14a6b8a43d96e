use axum::extract::{Path, State};
use maud::Markup;

use crate::store::{Entity, EntryFilter, EntrySort};
use crate::views::entries::{EntryList, EntryPage, list, show};
use crate::views::search::urlencode;
use crate::web::error::{Error, Result, visible};
use crate::web::params::{Params, limit_offset};
use crate::web::{AppState, PageRequest};

const PER_PAGE: u32 = 20;

pub async fn list_entries(
    State(state): State<AppState>,
    page_request: PageRequest,
    params: Params,
) -> Result<Markup> {
    let filters = params.filters()?;
    let (list_kind, category, status, year) =
        (filters.list, filters.category, filters.status, filters.year);
    let sort = match params.get("sort") {
        None | Some("newest") => EntrySort::Newest,
        Some("oldest") => EntrySort::Oldest,
        Some("name") => EntrySort::Name,
        Some(_) => return Err(Error::BadRequest("参数“排序”无法识别。".into())),
    };
    let page = params.bounded_page(
        PER_PAGE,
        "请使用上方的筛选条件缩小范围，或使用开放数据接口。",
    )?;
    let (limit, offset) = limit_offset(page, PER_PAGE);
    let filter = EntryFilter {
        sort,
        ..filters.entry_filter(None, limit, offset)
    };
    let today = state.clock.today();
    let facts = state.cache.facts(&state.store, state.clock.now()).await?;
    // Filtered by list kind and status at most, the total is known without counting.
    let (total, entries) =
        if filter.q.is_none() && filter.category.is_none() && filter.year.is_none() {
            let total = facts.total(filter.list, filter.status);
            (total, state.store.public_entry_rows(&filter, today).await?)
        } else {
            state.store.public_entries(&filter, today).await?
        };
    let mut query: Vec<String> = Vec::new();
    for (k, v) in [
        ("list", list_kind.map(|l| l.key().to_string())),
        ("category", category.map(|c| c.key().to_string())),
        ("status", status.map(|s| s.key().to_string())),
        ("year", year.map(|y| y.to_string())),
        ("sort", params.get("sort").map(urlencode)),
    ] {
        if let Some(v) = v {
            query.push(format!("{k}={v}"));
        }
    }
    let base = if query.is_empty() {
        "/entries".to_string()
    } else {
        format!("/entries?{}", query.join("&"))
    };
    let model = EntryList {
        entries,
        total,
        page,
        per_page: PER_PAGE,
        list: list_kind,
        category,
        status,
        year,
        years: facts.years.clone(),
        sort,
        base,
    };
    Ok(list(&state.ctx(&page_request, "/entries"), &model))
}

/// An entry id from the path; anything else cannot exist.
pub fn parse_id(raw: &str) -> Result<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(Error::NotFound)
}

pub async fn show_entry(
    State(state): State<AppState>,
    page: PageRequest,
    Path(raw): Path<String>,
) -> Result<Markup> {
    let id = parse_id(&raw)?;
    let entry = visible(state.store.public_entry(id, state.clock.today()).await?)?;
    let model = EntryPage {
        revisions: state.store.revisions(Entity::Entry, id).await?,
        articles: state.store.public_articles_for_entry(id).await?,
        entry,
        printed_at: state.clock.now(),
    };
    Ok(show(&state.ctx(&page, "/entries"), &model))
}
