//! The list as open data a machine can rely on: exports of the current list and of its
//! history (CSV, XLSX, JSON) with cached download files, and the records the API and the
//! exports share. Everything here reads through the store's visibility rule, so nothing
//! unpublished or past its publicity leaves the site.

pub mod downloads;
pub mod export;
pub mod feeds;
pub mod records;
pub mod sitemap;

pub use downloads::{Downloads, FileInfo, NotReady};
pub use export::{Dataset, Format, Written};
pub use records::{ChangeRecord, EntryRecord};
