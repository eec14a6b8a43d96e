//! The site map: every route of the public site and the API, and the layers around them.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::{AppState, api, middleware, public};

/// No inline script or style anywhere, so the policy can be strict.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

pub fn app(state: AppState) -> Router {
    let site = Router::new()
        .route("/", get(public::home::show_home))
        .route("/entries", get(public::entries::list_entries))
        .route("/entries/{id}", get(public::entries::show_entry))
        .route("/warnings", get(public::articles::list_warnings))
        .route("/cases", get(public::articles::list_cases))
        .route("/notices", get(public::articles::list_notices))
        .route("/articles/{slug}", get(public::articles::show_article))
        .route("/pages/{slug}", get(public::pages::show_page))
        .route("/search", get(public::search::search))
        .route("/healthz", get(|| async { "ok" }))
        .nest("/api/v1", api::router())
        .nest_service("/static", ServeDir::new(static_dir()))
        .fallback(public::not_found)
        .with_state(state.clone());

    site.layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(middleware::etag))
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::error_pages,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(15),
        ))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TraceLayer::new_for_http())
}

fn security_header(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// `static/` next to the working directory, else the one in the source tree (tests, `cargo run`
/// from elsewhere).
fn static_dir() -> std::path::PathBuf {
    let local = std::path::PathBuf::from("static");
    if local.is_dir() {
        local
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}
