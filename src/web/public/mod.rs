//! Handlers of the public site: load a view model, render a view.

pub mod articles;
pub mod crawl;
pub mod data;
pub mod entries;
pub mod feeds;
pub mod home;
pub mod pages;
pub mod search;

use super::error::Error;

/// Any path the site map does not know.
pub async fn not_found() -> Error {
    Error::NotFound
}
