//! jingshi (警示): the public risk-warning and blacklist site of a local internet-finance risk
//! rectification office. The binary in `main.rs` only parses the command line; everything else
//! lives here so that tests reuse it.

pub mod app;
pub mod assets;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod domain;
pub mod import;
pub mod lookup;
pub mod markdown;
pub mod open_data;
pub mod search;
pub mod site;
pub mod staff;
pub mod store;
pub mod views;
pub mod web;
pub mod workflow;
