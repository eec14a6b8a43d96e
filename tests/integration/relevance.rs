//! The search relevance suite: `../shared/search-cases.toml` (read from there, never copied)
//! plus our own harder cases in `tests/search-cases-extra.toml`, asserted case by case on the
//! embedded backend, and on Meilisearch when `JINGSHI_TEST_MEILI_URL` is set.

use jingshi::search::SearchService;
use serde::Deserialize;

use crate::harness::{Backend, TestApp};
use crate::on_both_databases;
use crate::suites::{
    SuiteFile, insert_entries, load, look_up, meili_url, meilisearch, own_file, shared_file,
};

type Suite = SuiteFile<Case>;

#[derive(Deserialize)]
struct Case {
    query: String,
    top: Vec<String>,
    k: usize,
    #[serde(default)]
    never: Vec<String>,
}

fn suites() -> Vec<(String, Suite)> {
    let mut out = Vec::new();
    if let Some(p) = shared_file("search-cases.toml") {
        out.push(("shared/search-cases.toml".to_string(), load(&p)));
    }
    let extra = own_file("search-cases-extra.toml");
    out.push(("tests/search-cases-extra.toml".to_string(), load(&extra)));
    out
}

/// Loads every suite's entries, then checks every case; returns the failures.
async fn run_suites(app: &TestApp, search: &SearchService) -> (usize, Vec<String>) {
    let suites = suites();
    for (_, suite) in &suites {
        insert_entries(app, &suite.entries).await;
    }
    // The app's own outbox worker has fed its embedded index; build this one from the database.
    search.rebuild(&|_, _| {}).await.unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for (file, suite) in &suites {
        for case in &suite.cases {
            count += 1;
            let found = look_up(app, search, &case.query).await;
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
    let Some(url) = meili_url("relevance suite") else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let meili = meilisearch(&app, &url, format!("jingshi_test_{}", std::process::id())).await;
    let (count, failures) = run_suites(&app, &meili).await;
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed on Meilisearch:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Near names (a character changed, so the query has parts the name lacks and that other
/// names have) are found on Meilisearch as in the embedded index: its retrieval must not
/// require any one part of the query, such as its rarest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_names_are_found_on_meilisearch_as_in_the_embedded_index() {
    let Some(url) = meili_url("near-name parity test") else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Sixty names that share the start of the second target, written before it (a query of
    // a common part alone gets the first written).
    let mut names: Vec<String> = (0..60)
        .map(|i| format!("深圳市第{i}号商贸有限公司"))
        .collect();
    // The first query changes 询 to 调: its rarest part, 咨调, is in one other name only,
    // which has enough parts to be ranked too. The second changes 恒 to 红: of its first
    // parts, the target has only the two it shares with sixty names (its other two are
    // rare), and another name has 红福 (so the pinyin second try never comes).
    let cases = [
        ("示例恒福山信息咨调有限公司", "示例恒福山信息咨询有限公司"),
        ("深圳市红福山科技有限公司", "深圳市恒福山科技有限公司"),
        ("恒福山信息", "示例恒福山信息咨询有限公司"),
    ];
    names.extend([
        "示例恒福山信息咨询有限公司".to_string(),
        "示例恒福山信息咨调服务有限公司".to_string(),
        "深圳市恒福山科技有限公司".to_string(),
        "深圳市红福达科技有限公司".to_string(),
    ]);
    names.extend((0..12).map(|i| format!("示例第{i}信息咨询有限公司")));
    let entries: Vec<_> = names
        .iter()
        .map(|n| crate::harness::fake_entry(n))
        .collect();
    app.insert(&entries, jingshi::domain::Publication::Published)
        .await;
    let meili = meilisearch(&app, &url, format!("jingshi_near_{}", std::process::id())).await;
    meili.rebuild(&|_, _| {}).await.unwrap();
    for (q, target) in cases {
        let embedded = names_found(&app, &app.search, q).await;
        assert!(
            embedded.iter().any(|n| n == target),
            "the embedded index finds {target} for “{q}”: {embedded:?}"
        );
        assert_eq!(
            names_found(&app, &meili, q).await,
            embedded,
            "“{q}” on Meilisearch"
        );
    }
}

/// The names a lookup finds through `search`, sorted.
async fn names_found(app: &TestApp, search: &SearchService, q: &str) -> Vec<String> {
    let mut names: Vec<String> = look_up(app, search, q)
        .await
        .hits
        .iter()
        .map(|h| h.entry.data.name.clone())
        .collect();
    names.sort();
    names
}

/// An article query longer than the words Meilisearch reads (ten) still needs every part:
/// an article with only the first ones is not found, on either backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_article_query_needs_all_its_parts_on_meilisearch_too() {
    let Some(url) = meili_url("long article query test") else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Fifteen distinctive parts; the second article has the first eleven only.
    let phrase = "龙腾凤翔鹤鸣鹿跃麒麟献瑞锦鲤跃门";
    let head: String = phrase.chars().take(12).collect();
    let article = |slug: &str, title: &str, body: &str| {
        let mut a = crate::api::article(slug, jingshi::domain::ArticleKind::Warning, title);
        a.body_md = body.to_string();
        a
    };
    crate::api::write_articles(
        &app,
        &[
            (
                article("whole", "全文包含", &format!("案例：{phrase}。")),
                jingshi::domain::Publication::Published,
            ),
            (
                article("head", "只含开头", &format!("案例：{head}。")),
                jingshi::domain::Publication::Published,
            ),
        ],
    )
    .await;
    let q = jingshi::lookup::AnalyzedQuery::new(phrase);
    assert!(
        q.article_retrieval().parts.len() > 10,
        "the query must be longer than Meilisearch reads"
    );
    let meili = meilisearch(&app, &url, format!("jingshi_long_{}", std::process::id())).await;
    meili.rebuild(&|_, _| {}).await.unwrap();
    for (backend, search) in [("embedded", &app.search), ("meilisearch", &meili)] {
        let found = jingshi::lookup::find_articles(&app.store, search, &q, app.today())
            .await
            .unwrap();
        let slugs: Vec<&str> = found.iter().map(|a| a.data.slug.as_str()).collect();
        assert_eq!(slugs, ["whole"], "{backend}");
    }
}
