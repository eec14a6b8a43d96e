//! The Atom feeds: `/feeds/warnings.xml`, `/feeds/cases.xml`, `/feeds/notices.xml` and
//! `/feeds/changes.xml` (new listings and removals).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::domain::ChangeKind;
use crate::domain::dates::china_midnight;
use crate::open_data::feeds::{self, FEED_ITEMS, FeedKind};
use crate::store::ArticleFilter;
use crate::web::AppState;
use crate::web::error::{Error, Result};

pub async fn show_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response> {
    let kind = FeedKind::of_path(&format!("/feeds/{file}")).ok_or(Error::NotFound)?;
    let today = state.clock.today();
    let url = |p: &str| state.url(p);
    // An empty feed is as new as the day.
    let since = china_midnight(today);
    let xml = match kind {
        FeedKind::Articles(k) => {
            let filter = ArticleFilter {
                kind: Some(k),
                limit: FEED_ITEMS,
                ..ArticleFilter::default()
            };
            let (_, articles) = state.store.public_articles(&filter).await?;
            feeds::articles(&state.site, k, &articles, &url, since)
        }
        FeedKind::Changes => {
            state.store.settle_feed(today).await?;
            let events = state
                .store
                .public_change_events(
                    &[ChangeKind::Listed, ChangeKind::Removed],
                    FEED_ITEMS,
                    today,
                )
                .await?;
            let ids: Vec<i64> = events.iter().map(|e| e.entry_id).collect();
            let entries = state.store.public_entries_by_ids(&ids, today).await?;
            let items: Vec<_> = events
                .into_iter()
                .filter_map(|ev| {
                    let e = entries.iter().find(|e| e.id == ev.entry_id)?.clone();
                    Some((ev, e))
                })
                .collect();
            feeds::changes(&state.site, &items, &url, since)
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}
