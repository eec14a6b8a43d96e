use axum::extract::State;
use maud::Markup;

use crate::domain::ArticleKind;
use crate::store::ArticleFilter;
use crate::views::home::{Home, page as view};
use crate::web::error::Result;
use crate::web::{AppState, PageRequest};

pub async fn show_home(State(state): State<AppState>, page: PageRequest) -> Result<Markup> {
    let store = &state.store;
    let latest = |kind, limit| ArticleFilter {
        kind: Some(kind),
        limit,
        ..ArticleFilter::default()
    };
    let home = Home {
        counts: state
            .cache
            .facts(store, state.clock.now())
            .await?
            .counts
            .clone(),
        warnings: store
            .public_articles(&latest(ArticleKind::Warning, 5))
            .await?
            .1,
        cases: store
            .public_articles(&latest(ArticleKind::Case, 5))
            .await?
            .1,
        notices: store
            .public_articles(&latest(ArticleKind::Notice, 3))
            .await?
            .1,
    };
    Ok(view(&state.ctx(&page, "/"), &home))
}
