use axum::extract::{Path, State};
use maud::Markup;

use crate::domain::article::parse_slug;
use crate::views::pages::show;
use crate::web::AppState;
use crate::web::error::{Error, Result};

pub async fn show_page(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Markup> {
    let slug = parse_slug(&slug).map_err(|_| Error::NotFound)?;
    let page = state.store.page(slug).await?.ok_or(Error::NotFound)?;
    let path = format!("/pages/{slug}");
    Ok(show(&state.ctx(&path), &page))
}
