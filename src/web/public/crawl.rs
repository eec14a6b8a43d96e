//! What crawlers read: `robots.txt` and the sitemaps (every public page, and nothing else).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::open_data::sitemap::{self, MAX_URLS, Plan};
use crate::web::AppState;
use crate::web::error::{Error, Result};
use crate::web::layers::CachePolicy;

/// Pages that are always there.
const FIXED: [&str; 6] = [
    "/",
    "/entries",
    "/warnings",
    "/cases",
    "/notices",
    "/data/api",
];

/// Articles read per query.
const ARTICLE_BATCH: i64 = 1_000;

/// Crawlers may read every page but the API, the admin side (never on this listener anyway),
/// lookups (endless and personal) and 长者模式 (the same pages under another URL).
pub async fn robots(State(state): State<AppState>) -> Response {
    let text = format!(
        "User-agent: *\nDisallow: /api/\nDisallow: /admin\nDisallow: /search\nDisallow: /elder\n\nSitemap: {}\n",
        state.url("/sitemap.xml")
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn xml(body: String) -> Response {
    let mut res = (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response();
    res.extensions_mut()
        .insert(CachePolicy::Public { max_age: 3600 });
    res
}

/// The fixed pages, the standing pages and the articles, with their last changes.
async fn site_urls(state: &AppState) -> Result<Vec<(String, Option<OffsetDateTime>)>> {
    let mut urls: Vec<(String, Option<OffsetDateTime>)> =
        FIXED.iter().map(|p| (state.url(p), None)).collect();
    for page in state.store.pages().await? {
        urls.push((
            state.url(&format!("/pages/{}", page.slug)),
            Some(page.updated_at),
        ));
    }
    let mut after = 0;
    loop {
        let batch = state
            .store
            .public_articles_after(after, ARTICLE_BATCH)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for a in &batch {
            urls.push((
                state.url(&format!("/articles/{}", a.data.slug)),
                Some(a.updated_at),
            ));
        }
    }
    Ok(urls)
}

async fn entry_urls(
    state: &AppState,
    after: i64,
    up_to: i64,
) -> Result<Vec<(String, Option<OffsetDateTime>)>> {
    let stamps = state
        .store
        .public_entry_stamps(after, up_to, state.clock.today())
        .await?;
    Ok(stamps
        .into_iter()
        .map(|(id, at)| (state.url(&format!("/entries/{id}")), Some(at)))
        .collect())
}

pub async fn sitemap(State(state): State<AppState>) -> Result<Response> {
    let today = state.clock.today();
    let (count, max_id) = state.store.public_entry_span(today).await?;
    let site = site_urls(&state).await?;
    Ok(xml(
        match sitemap::plan(site.len() as i64, count, max_id, MAX_URLS) {
            Plan::Single => {
                let mut urls = site;
                urls.extend(entry_urls(&state, 0, max_id).await?);
                sitemap::urlset(urls)
            }
            Plan::Index { entry_files } => {
                let mut files = vec![state.url("/sitemaps/site.xml")];
                files.extend(
                    (1..=entry_files).map(|n| state.url(&format!("/sitemaps/entries-{n}.xml"))),
                );
                sitemap::index(files)
            }
        },
    ))
}

/// One file of a split sitemap: `site.xml` or `entries-N.xml`.
pub async fn sitemap_part(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response> {
    if file == "site.xml" {
        return Ok(xml(sitemap::urlset(site_urls(&state).await?)));
    }
    let n: i64 = file
        .strip_prefix("entries-")
        .and_then(|f| f.strip_suffix(".xml"))
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=i64::MAX / MAX_URLS).contains(n))
        .ok_or(Error::NotFound)?;
    let (after, up_to) = sitemap::entry_range(n, MAX_URLS);
    Ok(xml(sitemap::urlset(
        entry_urls(&state, after, up_to).await?,
    )))
}
