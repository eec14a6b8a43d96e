use axum::extract::State;
use axum::http::HeaderMap;
use maud::Markup;
use time::OffsetDateTime;

use crate::domain::dates::{china_minute, today};
use crate::lookup::understand;
use crate::store::{ArticleFilter, EntryFilter};
use crate::views::search::{SearchPage, page, urlencode};
use crate::web::AppState;
use crate::web::error::Result;
use crate::web::params::{Params, limit_offset};

const PER_PAGE: u32 = 20;

pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Markup> {
    let q = params.q()?.unwrap_or("").to_string();
    let page_no = params.page()?;
    let query = understand(&q);
    let searched = !query.key.is_empty();
    let (mut total, mut entries, mut articles) = (0, Vec::new(), Vec::new());
    if searched {
        let (limit, offset) = limit_offset(page_no, PER_PAGE);
        let filter = EntryFilter {
            q: Some(query.key.clone()),
            limit,
            offset,
            ..EntryFilter::default()
        };
        (total, entries) = state.store.public_entries(&filter, today()).await?;
        let article_filter = ArticleFilter {
            q: Some(query.key.clone()),
            limit: 10,
            ..ArticleFilter::default()
        };
        articles = state.store.public_articles(&article_filter).await?.1;
    }
    let model = SearchPage {
        url: state.absolute_url(&headers, &format!("/search?q={}", urlencode(&q))),
        q,
        hint: query.hint,
        searched,
        entries,
        total,
        articles,
        page: page_no,
        per_page: PER_PAGE,
        looked_up_at: china_minute(OffsetDateTime::now_utc()),
    };
    Ok(page(&state.ctx("/search"), &model))
}
