//! Cross-cutting response handling: Chinese error pages, ETags and cache headers.

use std::hash::{Hash, Hasher};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ErrorPage, json_error};
use crate::views;

/// Renders the Chinese error page for any HTML-side error: those raised by handlers (which
/// carry an [`ErrorPage`]) and those from layers such as timeouts or body limits.
pub async fn error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if is_api {
        if content_type.starts_with("application/json") {
            return res;
        }
        let message = status.canonical_reason().unwrap_or("error");
        return json_error(status, message);
    }
    if content_type.starts_with("text/html") {
        return res;
    }
    let page = res.extensions().get::<ErrorPage>().cloned();
    let message = page.and_then(|p| p.message);
    let mut out = (
        status,
        views::errors::page(&state.ctx(""), status, message.as_deref()),
    )
        .into_response();
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// Largest response body that gets an ETag; larger ones (exports) are streamed untouched.
const ETAG_LIMIT: usize = 4 * 1024 * 1024;

/// Adds a strong ETag to successful GET responses and answers `If-None-Match` with 304, so
/// that a phone on a slow network revalidates instead of downloading a page again.
pub async fn etag(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let is_static = req.uri().path().starts_with("/static/");
    let res = next.run(req).await;
    if res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, ETAG_LIMIT).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let tag = format!("\"{:016x}\"", hasher.finish());
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    if !parts.headers.contains_key(header::CACHE_CONTROL) {
        let policy = if is_static {
            "public, max-age=3600"
        } else {
            "public, max-age=60"
        };
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}
