//! The search relevance suite: `../shared/search-cases.toml` (read from there, never copied)
//! plus our own harder cases in `tests/search-cases-extra.toml`, asserted case by case on the
//! embedded backend, and on Meilisearch when `JINGSHI_TEST_MEILI_URL` is set.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jingshi::domain::entry::EntryData;
use jingshi::domain::{Category, CreditCode, EntryStatus, ListKind, Publication};
use jingshi::lookup::{self, AnalyzedQuery, Filters};
use jingshi::search::{SearchConfig, SearchService};
use serde::Deserialize;

use crate::harness::{Backend, TestApp};
use crate::on_both_databases;

#[derive(Deserialize)]
struct Suite {
    #[serde(default, rename = "entry")]
    entries: Vec<SuiteEntry>,
    #[serde(default, rename = "case")]
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct SuiteEntry {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    credit_code: Option<String>,
    category: String,
    list: String,
    reason: String,
    #[serde(default)]
    basis: String,
    authority: String,
    #[serde(default)]
    decision_no: String,
    listed_on: Option<String>,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    websites: Vec<String>,
    #[serde(default)]
    phones: Vec<String>,
    #[serde(default)]
    address: String,
    status: String,
    removed_on: Option<String>,
    #[serde(default)]
    removal_reason: String,
    #[serde(default)]
    draft: bool,
}

#[derive(Deserialize)]
struct Case {
    query: String,
    top: Vec<String>,
    k: usize,
    #[serde(default)]
    never: Vec<String>,
}

fn shared_suite() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/search-cases.toml");
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{} is missing", p.display());
    }
    eprintln!(
        "\n*** SKIPPED shared relevance suite: {} not found ***\n",
        p.display()
    );
    None
}

fn load(path: &Path) -> Suite {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn suites() -> Vec<(String, Suite)> {
    let mut out = Vec::new();
    if let Some(p) = shared_suite() {
        out.push(("shared/search-cases.toml".to_string(), load(&p)));
    }
    let extra = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search-cases-extra.toml");
    out.push(("tests/search-cases-extra.toml".to_string(), load(&extra)));
    out
}

fn date(s: &Option<String>) -> Option<time::Date> {
    s.as_deref()
        .map(|d| jingshi::domain::dates::parse_date(d).expect("suite date"))
}

fn entry_data(e: &SuiteEntry) -> EntryData {
    EntryData {
        name: e.name.clone(),
        aliases: e.aliases.clone(),
        credit_code: e
            .credit_code
            .as_deref()
            .map(|c| CreditCode::parse(c).expect("suite code").code),
        category: Category::parse(&e.category).expect("suite category"),
        list: ListKind::parse(&e.list).expect("suite list"),
        reason: e.reason.clone(),
        basis: e.basis.clone(),
        authority: e.authority.clone(),
        decision_no: e.decision_no.clone(),
        listed_on: date(&e.listed_on),
        measures: e.measures.clone(),
        websites: e.websites.clone(),
        phones: e.phones.clone(),
        remedy: String::new(),
        publicity_ends_on: None,
        address: e.address.clone(),
        status: EntryStatus::parse(&e.status).expect("suite status"),
        removed_on: date(&e.removed_on),
        removal_reason: e.removal_reason.clone(),
        removal_authority: String::new(),
    }
}

/// Loads every suite's entries, then checks every case; returns the failures.
async fn run_suites(app: &TestApp, search: &SearchService) -> (usize, Vec<String>) {
    let suites = suites();
    for (_, suite) in &suites {
        for e in &suite.entries {
            let state = if e.draft {
                Publication::Draft
            } else {
                Publication::Published
            };
            app.insert(&[entry_data(e)], state).await;
        }
    }
    // The app's own outbox worker has fed its embedded index; build this one from the database.
    search.rebuild(&|_, _| {}).await.unwrap();
    let today = app.today();
    let filters = Filters::default();
    let mut failures = Vec::new();
    let mut count = 0;
    for (file, suite) in &suites {
        for case in &suite.cases {
            count += 1;
            let q = AnalyzedQuery::new(&case.query);
            let found = lookup::find_entries(&app.store, search, &q, &filters, 1, 100, today)
                .await
                .unwrap();
            assert!(!found.degraded, "the index answered “{}”", case.query);
            let names: Vec<&str> = found
                .hits
                .iter()
                .map(|h| h.entry.data.name.as_str())
                .collect();
            for want in &case.top {
                if !names.iter().take(case.k).any(|n| n == want) {
                    failures.push(format!(
                        "{file}: “{}” should have {want} in the first {}, got {:?}",
                        case.query, case.k, names
                    ));
                }
            }
            for never in &case.never {
                if names.contains(&never.as_str()) {
                    failures.push(format!(
                        "{file}: “{}” must never return {never}, got {:?}",
                        case.query, names
                    ));
                }
            }
        }
    }
    (count, failures)
}

on_both_databases!(the_relevance_suite_passes_on_the_embedded_backend);

async fn the_relevance_suite_passes_on_the_embedded_backend(app: TestApp) {
    let search = app.search.clone();
    let (count, failures) = run_suites(&app, &search).await;
    assert!(count >= 31, "only {count} cases loaded");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relevance_suite_passes_on_meilisearch() {
    let Ok(url) = std::env::var("JINGSHI_TEST_MEILI_URL") else {
        eprintln!(
            "\n*** SKIPPED Meilisearch relevance suite: set JINGSHI_TEST_MEILI_URL (and \
             JINGSHI_TEST_MEILI_KEY) to run it against a real server ***\n"
        );
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let config = SearchConfig::Meilisearch {
        url,
        key: std::env::var("JINGSHI_TEST_MEILI_KEY").ok(),
        index: format!("jingshi_test_{}", std::process::id()),
    };
    let meili = Arc::new(
        SearchService::open(&config, app.store.clone(), app.clock.clone())
            .await
            .unwrap(),
    );
    let (count, failures) = run_suites(&app, &meili).await;
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed on Meilisearch:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
