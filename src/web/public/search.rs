use axum::extract::State;
use axum::http::HeaderMap;
use maud::Markup;
use time::OffsetDateTime;

use crate::domain::dates::{china_minute, today};
use crate::domain::{Category, EntryStatus, ListKind};
use crate::search::query::AnalyzedQuery;
use crate::search::rank::Filters;
use crate::views::search::{SearchPage, Tab, page, urlencode};
use crate::web::AppState;
use crate::web::error::{Error, Result};
use crate::web::lookup::find_entries;
use crate::web::params::Params;

const PER_PAGE: u32 = 20;

pub fn filters(params: &Params) -> Result<Filters> {
    Ok(Filters {
        list: params.choice("list", "名单类型", ListKind::parse, ListKind::accepted)?,
        category: params.choice("category", "业态", Category::parse, Category::accepted)?,
        status: params.choice("status", "状态", EntryStatus::parse, EntryStatus::accepted)?,
        year: params.year()?,
    })
}

pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Markup> {
    let q = params.q()?.unwrap_or("").to_string();
    let page_no = params.page()?;
    let tab = match params.get("tab") {
        None | Some("entries") => Tab::Entries,
        Some("articles") => Tab::Articles,
        Some(_) => return Err(Error::BadRequest("参数“tab”无法识别。".into())),
    };
    let filters = filters(&params)?;
    let query = AnalyzedQuery::new(&q);
    let today = today();
    let entry_page = if tab == Tab::Entries { page_no } else { 1 };
    let found = find_entries(&state, &query, &filters, entry_page, PER_PAGE, today).await?;
    let articles = if query.is_empty() {
        Vec::new()
    } else {
        state
            .search
            .articles(&query, today)
            .await
            .unwrap_or_default()
    };
    let article_total = articles.len();
    let articles = if tab == Tab::Articles {
        articles
            .into_iter()
            .skip(((page_no - 1) * PER_PAGE) as usize)
            .take(PER_PAGE as usize)
            .collect()
    } else {
        Vec::new()
    };
    let model = SearchPage {
        url: state.absolute_url(&headers, &format!("/search?q={}", urlencode(&q))),
        q,
        query,
        tab,
        filters,
        entries: found.entries,
        entry_total: found.total,
        capped: found.capped,
        facets: found.facets,
        degraded: found.degraded,
        articles,
        article_total,
        page: page_no,
        per_page: PER_PAGE,
        looked_up_at: china_minute(OffsetDateTime::now_utc()),
    };
    Ok(page(&state.ctx("/search"), &model))
}
