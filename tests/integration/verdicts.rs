//! The verdict suite: `../shared/search-verdicts.toml` over the entries of
//! `../shared/search-cases.toml` (both read in place), and our own cases with their entries in
//! `tests/search-verdicts-extra.toml`, on the embedded backend (both databases) and on
//! Meilisearch when `JINGSHI_TEST_MEILI_URL` is set. The verdict must come from real matches
//! only: a near miss may be shown as similar, never answer 在列 or 已移出.

use jingshi::search::SearchService;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::harness::{Backend, TestApp};
use crate::on_both_databases;
use crate::suites::{
    SuiteEntry, SuiteFile, insert_entries, load, look_up, meili_url, meilisearch, own_file,
    shared_file,
};

#[derive(Deserialize)]
struct Case {
    query: String,
    verdict: Option<String>,
    #[serde(default)]
    verdict_in: Vec<String>,
    #[serde(default)]
    top: Vec<String>,
    #[serde(default)]
    k: usize,
}

/// A suite to run: its name, the entries to load, the cases.
struct Suite {
    name: &'static str,
    entries: Vec<SuiteEntry>,
    cases: Vec<Case>,
}

fn shared() -> Option<Suite> {
    let cases = shared_file("search-verdicts.toml")?;
    let entries = shared_file("search-cases.toml")?;
    Some(Suite {
        name: "shared/search-verdicts.toml",
        entries: load::<SuiteFile<IgnoredAny>>(&entries).entries,
        cases: load::<SuiteFile<Case>>(&cases).cases,
    })
}

fn ours() -> Suite {
    let file: SuiteFile<Case> = load(&own_file("search-verdicts-extra.toml"));
    Suite {
        name: "tests/search-verdicts-extra.toml",
        entries: file.entries,
        cases: file.cases,
    }
}

/// Loads the suite's entries, builds `search` from the database, checks every case; returns
/// the failures and the verdict of every case (for the report).
async fn run(app: &TestApp, search: &SearchService, suite: &Suite) -> Vec<String> {
    insert_entries(app, &suite.entries).await;
    search.rebuild(&|_, _| {}).await.unwrap();
    let mut failures = Vec::new();
    for case in &suite.cases {
        let found = look_up(app, search, &case.query).await;
        let got = found.verdict.key();
        let allowed: Vec<&str> = case
            .verdict
            .iter()
            .chain(&case.verdict_in)
            .map(String::as_str)
            .collect();
        assert!(
            !allowed.is_empty(),
            "{}: a case without a verdict",
            case.query
        );
        let hits: Vec<(&str, &str)> = found
            .hits
            .iter()
            .map(|h| (h.entry.data.name.as_str(), h.kind().key()))
            .collect();
        if !allowed.contains(&got) {
            failures.push(format!(
                "{}: “{}” answers {got}, expected {allowed:?}; hits {hits:?}",
                suite.name, case.query
            ));
        }
        for want in &case.top {
            let ok = hits
                .iter()
                .take(case.k)
                .any(|(name, kind)| name == want && matches!(*kind, "exact" | "contains"));
            if !ok {
                failures.push(format!(
                    "{}: “{}” should have {want} as an exact or contains hit in the first {}, got {hits:?}",
                    suite.name, case.query, case.k
                ));
            }
        }
    }
    failures
}

fn assert_passed(suite: &Suite, failures: &[String], backend: &str) {
    assert!(
        failures.is_empty(),
        "{} of {} cases of {} failed on {backend}:\n{}",
        failures.len(),
        suite.cases.len(),
        suite.name,
        failures.join("\n")
    );
}

on_both_databases!(
    the_shared_verdict_suite_passes_on_the_embedded_backend,
    our_verdict_cases_pass_on_the_embedded_backend,
);

async fn the_shared_verdict_suite_passes_on_the_embedded_backend(app: TestApp) {
    let Some(suite) = shared() else { return };
    assert!(suite.cases.len() >= 15, "only {} cases", suite.cases.len());
    let failures = run(&app, &app.search.clone(), &suite).await;
    assert_passed(&suite, &failures, "the embedded backend");
}

async fn our_verdict_cases_pass_on_the_embedded_backend(app: TestApp) {
    let suite = ours();
    let failures = run(&app, &app.search.clone(), &suite).await;
    assert_passed(&suite, &failures, "the embedded backend");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verdict_suites_pass_on_meilisearch() {
    let Some(url) = meili_url("verdict suites") else {
        return;
    };
    let suites: Vec<(&str, Suite)> = shared()
        .map(|s| ("shared", s))
        .into_iter()
        .chain([("extra", ours())])
        .collect();
    for (tag, suite) in suites {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let index = format!("jingshi_test_verdicts_{tag}_{}", std::process::id());
        let meili = meilisearch(&app, &url, index).await;
        let failures = run(&app, &meili, &suite).await;
        assert_passed(&suite, &failures, "Meilisearch");
    }
}
