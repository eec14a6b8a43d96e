//! The HTTP layer, split by audience: the public pages and the JSON API (`routes.rs`) on the
//! public listener, and the staff side (`admin/`) on its own internal listener.

pub mod admin;
pub mod api;
mod attachments;
pub mod cache;
mod client;
mod error;
mod layers;
pub mod page;
pub(crate) mod params;
pub mod public;
mod rate_limit;
mod routes;
mod server;

use std::sync::Arc;

use crate::clock::Clock;
use crate::search::SearchService;
use crate::site::Site;
use crate::store::Store;

pub use cache::{CacheConfig, ResponseCache};
pub use error::{ApiError, Error};
pub use layers::Limits;
pub use page::PageRequest;
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
    /// The header a trusted reverse proxy sets to the client's address, if any.
    pub client_ip_header: Option<axum::http::HeaderName>,
    pub admin: admin::AdminConfig,
    /// Local state: attachments live under it.
    pub data_dir: std::path::PathBuf,
    /// The open-data download files of this instance.
    pub downloads: crate::open_data::Downloads,
    /// Public answers kept in memory (see `cache.rs`).
    pub cache: Arc<cache::ResponseCache>,
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

    /// A site path as an absolute URL when a base URL is configured (`serve` always has one).
    pub fn url(&self, path: &str) -> String {
        match &self.base_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }
}
