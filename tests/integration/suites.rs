//! The search suites' shared parts: the fictional entries of `../shared/search-cases.toml`
//! (read in place, never copied) and of our own files, and how they are loaded into a test
//! app.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jingshi::domain::entry::EntryData;
use jingshi::domain::{Category, CreditCode, EntryStatus, ListKind, Publication};
use jingshi::lookup::{self, AnalyzedQuery, EntryResults, Filters};
use jingshi::search::{SearchConfig, SearchService};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::harness::TestApp;

#[derive(Deserialize)]
pub struct SuiteEntry {
    pub name: String,
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
    pub draft: bool,
}

/// A suite file: entries to load, then cases of the suite's own kind (`IgnoredAny` to read
/// only the entries).
#[derive(Deserialize)]
#[serde(bound = "C: Deserialize<'de>")]
pub struct SuiteFile<C> {
    #[serde(default, rename = "entry")]
    pub entries: Vec<SuiteEntry>,
    #[serde(default, rename = "case")]
    pub cases: Vec<C>,
}

/// A file of `../shared/` (read in place; `JINGSHI_TEST_SHARED_DIR` names the folder for a
/// checkout that is not next to it, such as a git worktree); `None`, loudly, when it is
/// missing outside CI.
pub fn shared_file(name: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("JINGSHI_TEST_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    let p = dir.join(name);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{} is missing", p.display());
    }
    eprintln!(
        "\n*** SKIPPED shared suite: {} not found ***\n",
        p.display()
    );
    None
}

/// One of our own files under `tests/`.
pub fn own_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

pub fn load<T: DeserializeOwned>(path: &Path) -> T {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The Meilisearch server to run a suite against (`JINGSHI_TEST_MEILI_URL`); `None`, saying
/// which suite was skipped, when there is none.
pub fn meili_url(suite: &str) -> Option<String> {
    let url = std::env::var("JINGSHI_TEST_MEILI_URL").ok();
    if url.is_none() {
        eprintln!(
            "\n*** SKIPPED Meilisearch {suite}: set JINGSHI_TEST_MEILI_URL (and \
             JINGSHI_TEST_MEILI_KEY) to run it against a real server ***\n"
        );
    }
    url
}

/// A search service over `app`'s database on the Meilisearch index `index` at `url`.
pub async fn meilisearch(app: &TestApp, url: &str, index: String) -> Arc<SearchService> {
    let config = SearchConfig::Meilisearch {
        url: url.to_string(),
        key: std::env::var("JINGSHI_TEST_MEILI_KEY").ok(),
        index,
    };
    let search = SearchService::open(&config, app.store.clone(), app.clock.clone())
        .await
        .unwrap();
    search.prepare().await.unwrap();
    Arc::new(search)
}

/// A lookup of `query` through `search`, unfiltered, first 100 hits; the index must have
/// answered (not the database fallback).
pub async fn look_up(app: &TestApp, search: &SearchService, query: &str) -> EntryResults {
    let q = AnalyzedQuery::new(query);
    let found = lookup::find_entries(
        &app.store,
        search,
        &q,
        &Filters::default(),
        1,
        100,
        app.today(),
    )
    .await
    .unwrap();
    assert!(!found.degraded, "the index answered “{query}”");
    found
}

/// Writes suite entries (published unless marked draft).
pub async fn insert_entries(app: &TestApp, entries: &[SuiteEntry]) {
    for e in entries {
        let state = if e.draft {
            Publication::Draft
        } else {
            Publication::Published
        };
        app.insert(&[entry_data(e)], state).await;
    }
}

fn date(s: &Option<String>) -> Option<time::Date> {
    s.as_deref()
        .map(|d| jingshi::domain::dates::parse_date(d).expect("suite date"))
}

pub fn entry_data(e: &SuiteEntry) -> EntryData {
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
