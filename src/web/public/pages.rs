use axum::extract::{Path, State};
use axum::response::Response;

use crate::domain::article::parse_slug;
use crate::markdown;
use crate::views::open_data::DownloadsView;
use crate::views::pages::{PageView, show};
use crate::web::cache::kept_if;
use crate::web::error::{Error, Result};
use crate::web::{AppState, PageRequest};

/// The standing page that describes the open data, and lists the download files.
const DATA_PAGE: &str = "data";

pub async fn show_page(
    State(state): State<AppState>,
    page_request: PageRequest,
    Path(slug): Path<String>,
) -> Result<Response> {
    let slug = parse_slug(&slug).map_err(|_| Error::NotFound)?;
    let page = state.store.page(slug).await?.ok_or(Error::NotFound)?;
    let body = markdown::render_public(&state.store, &page.body_md).await?;
    let path = format!("/pages/{slug}");
    let downloads = match slug {
        DATA_PAGE => Some(DownloadsView {
            files: state
                .downloads
                .listing(state.clock.today())
                .await
                .map_err(Error::Internal)?,
        }),
        _ => None,
    };
    // Until every file is made the listing changes without a data change: not kept.
    let ready = downloads
        .as_ref()
        .is_none_or(|d| d.files.iter().all(|(_, _, info)| info.is_some()));
    Ok(kept_if(
        ready,
        show(
            &state.ctx(&page_request, &path),
            &PageView {
                page,
                body,
                downloads,
            },
        ),
    ))
}
