//! Integration tests: the real app over real databases and a real HTTP server. Every story
//! runs on SQLite and on PostgreSQL (see `harness.rs`).

mod fake_meili;
mod harness;
mod staff;
mod suites;

mod admin;
mod answers;
mod api;
mod cache;
mod cli;
mod connections;
mod content;
mod core;
mod entries;
mod hostile;
mod import;
mod import_limits;
mod instances;
mod migrate;
mod outbox;
mod relevance;
mod security;
mod verdicts;
mod workflow;
