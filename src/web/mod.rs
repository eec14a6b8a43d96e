//! The HTTP layer, split by audience: the public pages and the JSON API (`routes.rs`) on the
//! public listener, and the staff side (`admin/`) on its own internal listener.

pub mod admin;
pub mod api;
mod attachments;
mod client;
mod error;
mod layers;
pub mod page;
pub(crate) mod params;
pub mod public;
mod routes;

use std::future::Future;
use std::sync::Arc;

use crate::clock::Clock;
use crate::search::SearchService;
use crate::site::Site;
use crate::store::Store;

pub use error::{ApiError, Error};
pub use layers::Limits;
pub use page::PageRequest;
pub use routes::public_app;

/// What every handler may need; cloned per request (everything inside is shared).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub site: Arc<Site>,
    pub search: Arc<SearchService>,
    pub clock: Clock,
    pub limits: Limits,
    /// Marks every page 示例数据.
    pub demo: bool,
    /// Public base URL for absolute links in the API; relative links when `None`.
    pub base_url: Option<String>,
    /// The header a trusted reverse proxy sets to the client's address, if any.
    pub client_ip_header: Option<axum::http::HeaderName>,
    pub admin: admin::AdminConfig,
    /// Local state: attachments live under it.
    pub data_dir: std::path::PathBuf,
}

impl AppState {
    /// What the page frame needs, for a page at `path` (its navigation item) as `page` asked
    /// for it.
    pub fn ctx<'a>(&'a self, page: &PageRequest, path: &'a str) -> crate::views::PageCtx<'a> {
        crate::views::PageCtx {
            site: &self.site,
            demo: self.demo,
            path,
            mode: page.mode,
            here: page.here.clone(),
            canonical: self.url(&page.here),
        }
    }

    /// A site path as an absolute URL when a base URL is configured.
    pub fn url(&self, path: &str) -> String {
        match &self.base_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }
}

impl AppState {
    /// An absolute URL for a page, for printed receipts: the configured base URL, else the
    /// host the request came to (a proxy's `X-Forwarded-Proto` telling the scheme).
    pub fn absolute_url(&self, headers: &axum::http::HeaderMap, path: &str) -> String {
        if self.base_url.is_some() {
            return self.url(path);
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        match header("host") {
            Some(host) => {
                let scheme = header("x-forwarded-proto").unwrap_or("http");
                format!("{scheme}://{host}{path}")
            }
            None => path.to_string(),
        }
    }
}

/// Serves a router until `shutdown` resolves, then finishes in-flight requests. Handlers can
/// read the peer address (`ConnectInfo`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
