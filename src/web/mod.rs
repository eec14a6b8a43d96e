//! The HTTP layer: public pages and the JSON API, split by audience, merged in `routes.rs`.

pub mod api;
mod error;
mod layers;
mod params;
pub mod public;
mod routes;
mod server;

use std::future::Future;
use std::sync::Arc;

use crate::clock::Clock;
use crate::search::SearchService;
use crate::site::Site;
use crate::store::Store;

pub use error::{ApiError, Error};
pub use layers::Limits;
pub use routes::public_app;
pub use server::{ConnectionLimits, bind, serve_router};

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
    /// Public base URL for absolute links (the API, printed receipts); relative links when
    /// `None`. Never taken from a request: a `Host` header is the client's to choose.
    pub base_url: Option<String>,
}

impl AppState {
    /// What the page frame needs, for a page at `path`.
    pub fn ctx<'a>(&'a self, path: &'a str) -> crate::views::PageCtx<'a> {
        crate::views::PageCtx {
            site: &self.site,
            demo: self.demo,
            path,
        }
    }

    /// A site path as an absolute URL when a base URL is configured (`serve` always has one).
    pub fn url(&self, path: &str) -> String {
        match &self.base_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }
}

/// Serves the public site until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let connections = state.limits.connections;
    serve_router(listener, public_app(state), connections, shutdown).await
}
