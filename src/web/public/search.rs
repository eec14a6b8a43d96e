use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::domain::dates::china_minute;
use crate::lookup::{self, AnalyzedQuery, highlight};
use crate::views::search::{
    ArticleHitView, HitView, SearchPage, Tab, page, readable_query, urlencode,
};
use crate::web::cache::NotCached;
use crate::web::error::{Error, Result};
use crate::web::params::Params;
use crate::web::{AppState, PageRequest};

const PER_PAGE: u32 = 20;

pub async fn search(
    State(state): State<AppState>,
    page_request: PageRequest,
    params: Params,
) -> Result<Response> {
    let typed = params.q()?.unwrap_or("");
    let page_no = params.page()?;
    let tab = match params.get("tab") {
        None | Some("entries") => Tab::Entries,
        Some("articles") => Tab::Articles,
        Some(_) => return Err(Error::BadRequest("参数“tab”无法识别。".into())),
    };
    let filters = params.filters()?;
    let query = AnalyzedQuery::new(typed);
    // The receipt states the query exactly as it was matched.
    let q = query.raw.clone();
    let today = state.clock.today();
    let index = if query.is_empty() {
        None
    } else {
        Some(lookup::index_state(&state.store, &state.search, state.clock.now()).await?)
    };
    let entry_page = if tab == Tab::Entries { page_no } else { 1 };
    let found = lookup::find_entries(
        &state.store,
        &state.search,
        &query,
        &filters,
        entry_page,
        PER_PAGE,
        today,
    )
    .await?;
    let articles = lookup::find_articles(&state.store, &state.search, &query, today).await?;
    let kept = index.is_none_or(|i| i.settled) && !found.degraded;
    let article_total = articles.len();
    let articles = if tab == Tab::Articles {
        articles
            .into_iter()
            .skip(((page_no - 1) * PER_PAGE) as usize)
            .take(PER_PAGE as usize)
            .map(|article| ArticleHitView {
                title: highlight(&article.data.title, &query),
                summary: highlight(&article.data.summary, &query),
                article,
            })
            .collect()
    } else {
        Vec::new()
    };
    let hits = found
        .hits
        .into_iter()
        .map(|h| HitView {
            name: highlight(&h.entry.data.name, &query),
            aliases: h
                .entry
                .data
                .aliases
                .iter()
                .map(|a| highlight(a, &query))
                .collect(),
            matched: h.matched,
            entry: h.entry,
        })
        .collect();
    let model = SearchPage {
        url: state.url(&format!("/search?q={}", urlencode(&q))),
        readable_url: state.url(&format!("/search?q={}", readable_query(&q))),
        searched: !query.is_empty(),
        hint: query.hint.clone(),
        hidden_removed: params.hidden_removed(),
        q,
        tab,
        filters,
        verdict: found.verdict,
        matched: found.matched,
        similar_total: found.similar,
        hits,
        entry_total: found.total,
        capped: found.capped,
        facets: found.facets,
        degraded: found.degraded,
        index_lag: index.and_then(|i| i.lag).map(|l| l.notice()),
        articles,
        article_total,
        page: page_no,
        per_page: PER_PAGE,
        looked_up_at: china_minute(state.clock.now()),
    };
    let mut res = page(&state.ctx(&page_request, "/search"), &model).into_response();
    if !kept {
        res.extensions_mut().insert(NotCached);
    }
    Ok(res)
}
