//! Views: plain functions returning `maud::Markup`. Handlers load a view model, views render
//! it; no SQL here.

pub mod admin;
pub mod articles;
pub mod components;
pub mod entries;
pub mod errors;
pub mod home;
pub mod layout;
pub mod open_data;
pub mod pages;
pub mod search;

pub use layout::{ELDER_PREFIX, Meta, Mode, PageCtx, layout, page};
