//! Integration tests: the real app over real databases and a real HTTP server. Every story
//! runs on SQLite and on PostgreSQL (see `harness.rs`).

mod fake_meili;
mod harness;
mod staff;
mod suites;

mod admin;
mod answers;
mod api;
mod browser;
mod cache;
mod changes;
mod cli;
mod connections;
mod content;
mod core;
mod crawl;
mod entries;
mod hostile;
mod import;
mod import_limits;
mod instances;
mod migrate;
mod open_data;
mod openapi;
mod outbox;
mod relevance;
mod screening;
mod security;
mod verdicts;
mod workflow;
