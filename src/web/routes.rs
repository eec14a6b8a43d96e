//! The site map: every route of the public site, the API and the static assets, each behind
//! the layers of its audience (`layers.rs`).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::layers::{self, CachePolicy, none_match};
use super::{AppState, api, public};
use crate::assets;
use crate::views::ELDER_PREFIX;

/// The public pages, as one router that serves both presentations.
fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home::show_home))
        .route("/entries", get(public::entries::list_entries))
        .route("/entries/{id}", get(public::entries::show_entry))
        .route("/warnings", get(public::articles::list_warnings))
        .route("/cases", get(public::articles::list_cases))
        .route("/notices", get(public::articles::list_notices))
        .route("/articles/{slug}", get(public::articles::show_article))
        .route(
            "/attachments/{id}/{name}",
            get(public::articles::show_attachment),
        )
        .route("/pages/{slug}", get(public::pages::show_page))
        .route("/search", get(public::search::search))
}

/// The public listener: pages, the API and static assets, and nothing else (the admin side
/// has its own listener). Every page is also served under `/elder` in 长者模式 (see
/// `views::Mode`): the same handlers, which read the mode from the path.
pub fn public_app(state: AppState) -> Router {
    let pages = Router::new()
        .merge(page_routes())
        .nest(ELDER_PREFIX, page_routes())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(public::not_found)
        .with_state(state.clone());
    let api = Router::new()
        .nest("/api/v1", api::router())
        .with_state(state.clone());
    let statics = Router::new().route("/static/{file}", get(static_file));
    layers::common(
        Router::new()
            .merge(layers::api(api, state.clone()))
            .merge(layers::statics(statics, state.clone()))
            .merge(layers::pages(pages, state)),
    )
}

async fn static_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    asset(&file, &headers)
}

/// An embedded asset: immutable under its hashed name, an hour under its plain one; the
/// precompressed variant the client accepts.
pub(super) fn asset(file: &str, headers: &HeaderMap) -> Response {
    let Some((asset, immutable)) = assets::find(file) else {
        return (StatusCode::NOT_FOUND, "未找到该文件。").into_response();
    };
    let policy = if immutable {
        CachePolicy::Immutable
    } else {
        CachePolicy::Public { max_age: 3600 }
    };
    let accepts = |coding: &str| {
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|c| c.split(';').next().is_some_and(|c| c.trim() == coding))
            })
    };
    let mut res = if none_match(headers.get(header::IF_NONE_MATCH), &asset.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if accepts("br") {
        let mut r = asset.brotli.clone().into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        r
    } else if accepts("gzip") {
        let mut r = asset.gzip.clone().into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        asset.bytes.clone().into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&asset.etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, policy.header());
    res
}
