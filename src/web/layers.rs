//! The HTTP layers, per audience: the public pages (Chinese error pages), the API (JSON
//! errors) and static assets. Each chooses its own cache policy; timeouts answer 503 and an
//! oversized body 413, in Chinese, never an empty body.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::cache::serve_cached;
use super::error::{ErrorPage, json_error};
use super::rate_limit::{self, RateLimiter};
use super::server::ConnectionLimits;
use super::{AppState, PageRequest};
use crate::views;

/// No inline script or style anywhere, so the policy can be strict.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Limits every request of an audience is held to, and the connections it comes on.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest a request may take before it answers 503.
    pub request_timeout: Duration,
    /// Largest request body accepted (the public side takes no uploads).
    pub body: usize,
    pub connections: ConnectionLimits,
    /// API requests per minute per client address; 0 turns the limit off (`serve`'s
    /// default is 600).
    pub api_rate_limit: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(15),
            body: 64 * 1024,
            connections: ConnectionLimits::default(),
            api_rate_limit: 0,
        }
    }
}
/// Longest request target (path and query) accepted; longer ones answer 414 in Chinese. (A
/// target longer than 64 KiB never gets here: hyper answers it with an empty 414 itself.)
const MAX_URI_BYTES: usize = 16 * 1024;

/// Largest response body that gets an ETag; larger ones (exports) are streamed untouched.
const ETAG_LIMIT: u64 = 4 * 1024 * 1024;

/// How long a response may be kept by browsers and shared caches; a handler may set its own
/// as a response extension, else its router's default applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Public content that changes only when staff publish: cached briefly, revalidated.
    Public { max_age: u32 },
    /// Content-hashed files: never change under their name.
    Immutable,
    /// Anything personal or internal.
    NoStore,
}

impl CachePolicy {
    pub(super) fn header(self) -> HeaderValue {
        match self {
            CachePolicy::Public { max_age } => {
                HeaderValue::from_str(&format!("public, max-age={max_age}"))
                    .unwrap_or(HeaderValue::from_static("no-store"))
            }
            CachePolicy::Immutable => {
                HeaderValue::from_static("public, max-age=31536000, immutable")
            }
            CachePolicy::NoStore => HeaderValue::from_static("no-store"),
        }
    }
}

/// Public pages and API answers: a minute.
pub const PUBLIC_CACHE: CachePolicy = CachePolicy::Public { max_age: 60 };

/// Sets `Cache-Control` from the handler's policy, else `default` for successful answers and
/// `no-store` for errors.
async fn cache_policy(default: CachePolicy, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let ok = matches!(res.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
    let policy = match res.extensions().get::<CachePolicy>() {
        Some(p) => *p,
        None if ok => default,
        None => CachePolicy::NoStore,
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, policy.header());
    res
}

/// When an answer last changed: `Last-Modified`, and a 304 to an `If-Modified-Since` that is
/// not older (unless the request has `If-None-Match`, which then decides alone).
#[derive(Debug, Clone, Copy)]
pub struct LastModified(pub time::OffsetDateTime);

impl axum::response::IntoResponseParts for LastModified {
    type Error = std::convert::Infallible;

    fn into_response_parts(
        self,
        mut res: axum::response::ResponseParts,
    ) -> Result<axum::response::ResponseParts, Self::Error> {
        let at = std::time::SystemTime::from(self.0);
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(at)) {
            res.headers_mut().insert(header::LAST_MODIFIED, v);
        }
        Ok(res)
    }
}

/// Whether an answer with these headers has not changed since `If-Modified-Since`.
pub(super) fn unmodified_since(
    headers: &HeaderMap,
    if_modified_since: Option<&HeaderValue>,
) -> bool {
    let parse = |v: &HeaderValue| httpdate::parse_http_date(v.to_str().ok()?).ok();
    match (
        headers.get(header::LAST_MODIFIED).and_then(parse),
        if_modified_since.and_then(parse),
    ) {
        (Some(modified), Some(since)) => modified <= since,
        _ => false,
    }
}

/// Strips the weak marker: validators compare weakly (RFC 9110 §8.8.3.2).
fn opaque(tag: &str) -> &str {
    let tag = tag.trim();
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// Whether an `If-None-Match` header matches `etag`.
pub fn none_match(if_none_match: Option<&HeaderValue>, etag: &str) -> bool {
    if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == "*" || opaque(t) == opaque(etag))
        })
}

/// Adds a weak ETag to successful GET answers of known, moderate size and answers a matching
/// `If-None-Match` with 304, so that a phone on a slow network revalidates instead of
/// downloading a page again. Bodies of unknown or large size pass through untouched.
async fn etag(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let if_modified_since = req.headers().get(header::IF_MODIFIED_SINCE).cloned();
    let res = next.run(req).await;
    if res.status() == StatusCode::OK
        && if_none_match.is_none()
        && unmodified_since(res.headers(), if_modified_since.as_ref())
    {
        let (mut parts, _) = res.into_parts();
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    if res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return res;
    }
    let known = res.body().size_hint().exact();
    if known.is_none_or(|n| n > ETAG_LIMIT) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, ETAG_LIMIT as usize).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "response body could not be read for its ETag");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let tag = format!("W/\"{hex}\"");
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    if none_match(if_none_match.as_ref(), &tag) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn content_type(res: &Response) -> &str {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Renders the Chinese error page for any error answer without one: those raised by handlers
/// (which carry an [`ErrorPage`]) and those from layers such as timeouts or body limits.
async fn html_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let page = PageRequest::of(req.uri());
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || content_type(&res).starts_with("text/html")
    {
        return res;
    }
    let message = res
        .extensions()
        .get::<ErrorPage>()
        .and_then(|p| p.message.clone());
    let mut out = (
        status,
        views::errors::page(&state.ctx(&page, ""), status, message.as_deref()),
    )
        .into_response();
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// Turns any error answer that is not JSON yet into `{"error": …}` with a Chinese message.
async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || content_type(&res).starts_with("application/json")
    {
        return res;
    }
    let mut out = json_error(status, views::errors::describe(status).1);
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

fn security_header(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// What every answer of every audience gets: security headers, compression and request logs.
pub fn common(router: Router) -> Router {
    router
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TraceLayer::new_for_http())
}

/// Refuses an overlong request target before any handler parses it.
async fn uri_limit(req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return StatusCode::URI_TOO_LONG.into_response();
    }
    next.run(req).await
}

/// What every audience's handlers run inside: panics caught, ETags, the time, body and
/// target limits.
fn limited(router: Router, limits: Limits) -> Router {
    router
        .layer(CatchPanicLayer::new())
        .layer(from_fn(etag))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(limits.body))
        .layer(from_fn(uri_limit))
}

/// Public pages: Chinese error pages, short public caching, kept in memory.
pub fn pages(router: Router, state: AppState) -> Router {
    limited(router, state.limits)
        .layer(from_fn_with_state(state.clone(), html_errors))
        .layer(from_fn(|req, next| cache_policy(PUBLIC_CACHE, req, next)))
        .layer(from_fn_with_state(state, serve_cached))
}

/// Static assets: their handler sets the cache policy; errors (an unknown file, a method
/// other than GET) are Chinese pages that are not stored.
pub fn statics(router: Router, state: AppState) -> Router {
    router
        .layer(from_fn(uri_limit))
        .layer(from_fn_with_state(state, html_errors))
        .layer(from_fn(|req, next| {
            cache_policy(CachePolicy::NoStore, req, next)
        }))
}

/// The JSON API: JSON errors, short public caching, kept in memory, any origin may read it,
/// and per-address rate limiting (counted before the memory answers, so a kept answer is
/// still a request).
pub fn api(router: Router, state: AppState) -> Router {
    let limiter = Arc::new(RateLimiter::new(state.limits.api_rate_limit));
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .expose_headers([header::ETAG, header::LAST_MODIFIED, header::RETRY_AFTER]);
    limited(router, state.limits)
        .layer(from_fn(json_errors))
        .layer(from_fn(|req, next| cache_policy(PUBLIC_CACHE, req, next)))
        .layer(from_fn_with_state(state.clone(), serve_cached))
        .layer(from_fn_with_state((state, limiter), rate_limit::enforce))
        .layer(cors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn call(router: Router, uri: &str) -> Response {
        router
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn large_or_streamed_bodies_pass_the_etag_layer_untouched() {
        let big = "字".repeat(2 * 1024 * 1024);
        let router = Router::new()
            .route("/big", get(move || async move { big.clone() }))
            .route(
                "/stream",
                get(|| async {
                    let chunks = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
                        axum::body::Bytes::from_static(b"part"),
                    )]);
                    Body::from_stream(chunks)
                }),
            )
            .route("/small", get(|| async { "小" }))
            .layer(from_fn(etag));
        let res = call(router.clone(), "/big").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get(header::ETAG).is_none());
        let res = call(router.clone(), "/stream").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get(header::ETAG).is_none());
        let res = call(router, "/small").await;
        assert!(
            res.headers()[header::ETAG]
                .to_str()
                .unwrap()
                .starts_with("W/")
        );
    }

    #[test]
    fn validators_compare_weakly() {
        let tag = "W/\"abc\"";
        assert!(none_match(Some(&HeaderValue::from_static("\"abc\"")), tag));
        assert!(none_match(
            Some(&HeaderValue::from_static("W/\"x\", W/\"abc\"")),
            tag
        ));
        assert!(none_match(Some(&HeaderValue::from_static("*")), tag));
        assert!(!none_match(Some(&HeaderValue::from_static("\"abd\"")), tag));
        assert!(!none_match(None, tag));
    }
}
