//! The public JSON API, version 1: read-only, published content only.

mod articles;
mod entries;

use axum::Router;
use axum::routing::get;

use super::error::Error;
use super::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/entries", get(entries::list_entries))
        .route("/entries/{id}", get(entries::show_entry))
        .route("/suggest", get(entries::suggest))
        .route("/articles", get(articles::list_articles))
        .route("/articles/{slug}", get(articles::show_article))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(Error::NotFound)
}
