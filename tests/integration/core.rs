//! The core the staff side stands on: one visibility rule that no public route escapes, rows
//! that fail closed, transactions the caller owns, optimistic versions, ended publicity never
//! crowding current entries out, the database as the source of truth for content, and the
//! HTTP layers of the public audience.

use std::time::Duration;

use jingshi::domain::article::ArticleData;
use jingshi::domain::{ArticleKind, EntryStatus, Publication};
use jingshi::lookup::{self, AnalyzedQuery, Filters};
use jingshi::search::{SearchConfig, SearchService};
use jingshi::store::{Entity, STALE_VERSION, StoreError, snapshot};
use time::macros::date;

use crate::api::{code, write_articles};
use crate::entries::urlencode;
use crate::fake_meili;
use crate::harness::{Backend, TestApp, fake_entry, import_content, write_entries};
use crate::on_both_databases;

on_both_databases!(
    no_public_route_or_api_names_an_entry_that_is_not_public,
    a_damaged_row_is_hidden_and_never_shown_as_listed,
    check_constraints_refuse_values_outside_the_vocabularies,
    a_transaction_belongs_to_the_caller,
    a_stale_version_is_a_conflict_never_a_silent_overwrite,
    ended_entries_never_crowd_current_ones_out_of_a_lookup,
    publicity_ends_at_china_midnight,
    a_restart_never_republishes_what_staff_withdrew,
    the_public_layers_answer_in_chinese_and_cache_by_policy,
    a_request_that_takes_too_long_answers_503_in_chinese,
    fresh_entries_are_found_by_exact_identity_before_the_index_has_them,
    a_brand_of_more_entries_than_a_lookup_weighs_is_answered_as_at_least,
    keys_derived_by_an_older_version_are_recomputed_at_connect,
    exact_keys_find_public_entries_lowest_first_with_their_whole_rows,
    public_counts_come_from_tallies_that_agree_with_counting_the_entries,
);

/// Every public route and API, for entries `ids` and queries `qs`: the one list a test walks
/// to prove the visibility rule. A new public route belongs here.
fn public_paths(ids: &[i64], qs: &[&str], slugs: &[&str]) -> Vec<String> {
    let mut paths: Vec<String> = [
        "/",
        "/entries",
        "/entries?status=listed",
        "/entries?status=removed",
        "/entries?sort=name",
        "/entries?sort=oldest",
        "/entries?list=blacklist",
        "/entries?year=2024",
        "/warnings",
        "/cases",
        "/notices",
        "/pages/about",
        "/api/v1/entries",
        "/api/v1/entries?per_page=100",
        "/api/v1/entries?after=0&per_page=100",
        "/api/v1/entries?status=listed",
        "/api/v1/articles",
        "/api/v1/articles?per_page=100",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for id in ids {
        paths.push(format!("/entries/{id}"));
        paths.push(format!("/api/v1/entries/{id}"));
    }
    for q in qs {
        let q = urlencode(q);
        paths.push(format!("/search?q={q}"));
        paths.push(format!("/search?q={q}&tab=articles"));
        paths.push(format!("/search?q={q}&status=listed"));
        paths.push(format!("/api/v1/entries?q={q}"));
        paths.push(format!("/api/v1/suggest?q={q}"));
        paths.push(format!("/api/v1/articles?q={q}"));
    }
    for slug in slugs {
        paths.push(format!("/articles/{slug}"));
        paths.push(format!("/api/v1/articles/{slug}"));
    }
    paths.extend(OPEN_DATA_PATHS.iter().map(|p| p.to_string()));
    paths
}

/// What the open-data side gives: files, feeds, the changes API, crawl files.
const OPEN_DATA_PATHS: [&str; 17] = [
    "/pages/data",
    "/data/entries.csv",
    "/data/entries.json",
    "/data/entries.xlsx",
    "/data/history.csv",
    "/data/history.json",
    "/data/history.xlsx",
    "/api/v1/downloads",
    "/api/v1/changes",
    "/api/v1/changes?cursor=0&limit=100",
    "/api/v1/entries?updated_since=2000-01-01",
    "/feeds/changes.xml",
    "/feeds/warnings.xml",
    "/feeds/cases.xml",
    "/feeds/notices.xml",
    "/sitemap.xml",
    "/robots.txt",
];

/// The text of a public answer: a download is awaited while it is made, and an XLSX file is
/// read as the text of all its parts.
async fn public_text(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.get_download(path).await;
    let status = res.status().as_u16();
    let bytes = res.bytes().await.unwrap();
    if !path.ends_with(".xlsx") || status != 200 {
        return (status, String::from_utf8_lossy(&bytes).into_owned());
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    for i in 0..zip.len() {
        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut text).unwrap();
    }
    (status, text)
}

async fn no_public_route_or_api_names_an_entry_that_is_not_public(app: TestApp) {
    let hidden_name = |tag: &str| format!("示例{tag}隐藏科技有限公司");
    let mut writes = Vec::new();
    for (i, (tag, state)) in [
        ("草稿", Publication::Draft),
        ("待审", Publication::InReview),
        ("撤回", Publication::Withdrawn),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = fake_entry(&hidden_name(tag));
        e.aliases = vec![format!("{tag}宝")];
        e.websites = vec![format!("hidden{i}.example")];
        e.phones = vec![format!("400-000-900{i}")];
        writes.push((e, state));
    }
    let mut ended = fake_entry(&hidden_name("期满"));
    ended.aliases = vec!["期满宝".into()];
    ended.credit_code = code("91410100737459086M");
    ended.publicity_ends_on = Some(date!(2024 - 12 - 31));
    writes.push((ended, Publication::Published));
    let mut ids = Vec::new();
    for (e, state) in &writes {
        ids.extend(app.insert(std::slice::from_ref(e), *state).await);
    }
    // A published entry withdrawn later: gone, not hidden.
    let mut withdrawn_later = fake_entry(&hidden_name("后撤"));
    withdrawn_later.aliases = vec!["后撤宝".into()];
    let id = app
        .insert(&[withdrawn_later.clone()], Publication::Published)
        .await[0];
    app.insert(&[withdrawn_later], Publication::Withdrawn).await;
    ids.push(id);
    let shown = app
        .insert(
            &[fake_entry("示例公开可见有限公司")],
            Publication::Published,
        )
        .await;
    let mut article = ArticleData {
        slug: "hidden-related".into(),
        kind: ArticleKind::Case,
        title: "示例隐藏相关案例".into(),
        summary: "隐藏科技".into(),
        body_md: "涉及隐藏科技的案例。".into(),
        doc_no: None,
        tags: Vec::new(),
        published_on: date!(2025 - 01 - 01),
        related_entries: writes.iter().map(|(e, _)| e.name.clone()).collect(),
    };
    let mut draft = article.clone();
    draft.slug = "hidden-draft".into();
    draft.title = "示例草稿期满宝文章".into();
    article.related_entries.push("示例公开可见有限公司".into());
    write_articles(
        &app,
        &[
            (article, Publication::Published),
            (draft, Publication::Draft),
        ],
    )
    .await;

    let mut queries = vec![
        "隐藏科技",
        "草稿宝",
        "待审宝",
        "撤回宝",
        "期满宝",
        "后撤宝",
        "91410100737459086M",
        "hidden0.example",
        "https://hidden1.example/x",
        "4000009002",
        "yinzang",
    ];
    let names: Vec<String> = ["草稿", "待审", "撤回", "期满", "后撤"]
        .iter()
        .map(|t| hidden_name(t))
        .collect();
    queries.extend(names.iter().map(String::as_str));
    let mut paths = public_paths(&ids, &queries, &["hidden-related", "hidden-draft"]);
    let (_, sitemap) = app.get("/sitemap.xml").await;
    paths.extend(
        sitemap
            .split("<loc>")
            .filter_map(|l| l.split_once("</loc>"))
            .filter_map(|(url, _)| url.find("/sitemaps/").map(|at| url[at..].to_string())),
    );
    assert!(paths.len() > 110, "{} paths", paths.len());
    for path in &paths {
        let (status, body) = public_text(&app, path).await;
        assert!(status < 500, "{path}: {status}");
        let body = without_query(path, &body);
        for name in &names {
            assert!(!body.contains(name.as_str()), "{path} names {name}");
        }
        for alias in ["草稿宝", "待审宝", "撤回宝", "期满宝", "后撤宝"] {
            assert!(
                !body.contains(&format!(">{alias}<")) && !body.contains(&format!("\"{alias}\"")),
                "{path} shows the alias {alias}"
            );
        }
        assert!(!body.contains("草稿期满宝"), "{path} shows a draft article");
    }
    // Batch screening answers every hidden identifier as not found, naming nothing.
    let items: Vec<serde_json::Value> = queries
        .iter()
        .map(|q| serde_json::json!({ "name": q }))
        .chain(["91410100737459086M"].map(|c| serde_json::json!({ "credit_code": c })))
        .chain(["hidden0.example"].map(|w| serde_json::json!({ "website": w })))
        .chain(["400-000-9002"].map(|p| serde_json::json!({ "phone": p })))
        .collect();
    let res = app
        .client
        .post(app.url("/api/v1/match"))
        .json(&serde_json::json!({ "items": items }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer = res.text().await.unwrap();
    for name in &names {
        assert!(
            !answer.contains(name.as_str()),
            "/api/v1/match names {name}"
        );
    }
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    for item in answer["items"].as_array().unwrap() {
        assert!(
            !matches!(item["verdict"].as_str(), Some("listed" | "removed")),
            "/api/v1/match: {item}"
        );
    }
    // Never public: 404; public once: 410; and neither names the entry.
    for (id, want) in ids.iter().zip([404, 404, 404, 410, 410]) {
        assert_eq!(
            app.get(&format!("/entries/{id}")).await.0,
            want,
            "entry {id}"
        );
        assert_eq!(
            app.get_json(&format!("/api/v1/entries/{id}")).await.0,
            want,
            "entry {id}"
        );
    }
    // The public entry is there, so the walk could have seen the others.
    let (_, page) = app.get("/articles/hidden-related").await;
    assert!(page.contains("示例公开可见有限公司"));
    let (_, json) = app.get_json("/api/v1/entries").await;
    assert_eq!(json["total"], 1);
    assert_eq!(json["items"][0]["id"], shown[0]);
}

/// A page without the echo of its own query (the lookup box, the receipt), so that what is
/// left is what the site found.
fn without_query(path: &str, body: &str) -> String {
    let Some((_, query)) = path.split_once('?') else {
        return body.to_string();
    };
    let mut out = body.to_string();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k == "q" && !v.is_empty() {
            out = out.replace(v.as_ref(), "");
        }
    }
    out
}

/// Runs raw SQL on the test database, behind the store's back.
async fn raw(app: &TestApp, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if app.db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await?;
        let mut c = pool.acquire().await?;
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *c)
            .await?;
        let r = sqlx::query(sql).execute(&mut *c).await.map(|_| ());
        drop(c);
        pool.close().await;
        r
    } else {
        let pool = sqlx::PgPool::connect(&app.db.url).await?;
        let r = sqlx::query(sql).execute(&pool).await.map(|_| ());
        pool.close().await;
        r
    }
}

async fn a_damaged_row_is_hidden_and_never_shown_as_listed(app: TestApp) {
    let mut e = fake_entry("示例损坏记录投资管理有限公司");
    e.status = EntryStatus::Removed;
    e.removed_on = Some(date!(2025 - 01 - 02));
    e.removal_reason = "整改完成".into();
    let ids = app
        .insert(
            &[
                e,
                fake_entry("示例完好记录投资管理有限公司"),
                fake_entry("示例残缺别名投资管理有限公司"),
            ],
            Publication::Published,
        )
        .await;
    // Damaged where a lookup's brief of its candidates does not read: the whole row decides.
    raw(
        &app,
        &format!(
            "UPDATE entries SET aliases = '{{broken' WHERE id = {}",
            ids[2]
        ),
    )
    .await
    .unwrap();
    if app.db.url.starts_with("postgres") {
        raw(
            &app,
            "ALTER TABLE entries DROP CONSTRAINT entries_status_check",
        )
        .await
        .unwrap();
    }
    raw(
        &app,
        &format!("UPDATE entries SET status = 'maybe' WHERE id = {}", ids[0]),
    )
    .await
    .unwrap();
    for (part, whole) in [
        ("损坏记录", "示例损坏记录投资管理有限公司"),
        ("残缺别名", "示例残缺别名投资管理有限公司"),
    ] {
        for path in [
            "/entries".to_string(),
            format!("/search?q={part}"),
            format!("/search?q={whole}"),
            "/api/v1/entries".to_string(),
            format!("/api/v1/entries?q={part}"),
            format!("/api/v1/entries?q={whole}"),
            format!("/api/v1/suggest?q={part}"),
        ] {
            let (status, body) = app.get(&path).await;
            assert_eq!(status, 200, "{path}");
            let body = without_query(&path, &body);
            assert!(!body.contains(part), "{path} shows the damaged row");
        }
        for q in [part, whole] {
            let (_, page) = app.get(&format!("/search?q={q}")).await;
            assert!(
                !page.contains("在列："),
                "a damaged row never answers 在列 ({q})"
            );
            let (_, answer) = app.get_json(&format!("/api/v1/entries?q={q}")).await;
            assert_ne!(answer["verdict"], "listed", "{q}: {answer}");
        }
    }
    assert_eq!(app.get(&format!("/entries/{}", ids[0])).await.0, 404);
    assert_eq!(
        app.get_json(&format!("/api/v1/entries/{}", ids[0])).await.0,
        404
    );
    let (_, list) = app.get("/entries").await;
    assert!(list.contains("示例完好记录投资管理有限公司"));
}

async fn check_constraints_refuse_values_outside_the_vocabularies(app: TestApp) {
    let id = app
        .insert(
            &[fake_entry("示例约束检查有限公司")],
            Publication::Published,
        )
        .await[0];
    let url = app.db.url.clone();
    for sql in [
        format!("UPDATE entries SET category = 'bank' WHERE id = {id}"),
        format!("UPDATE entries SET list_kind = 'whitelist' WHERE id = {id}"),
        format!("UPDATE entries SET status = 'safe' WHERE id = {id}"),
        format!("UPDATE entries SET publication = 'live' WHERE id = {id}"),
        format!("UPDATE entries SET credit_code = 'SHORT' WHERE id = {id}"),
    ] {
        let refused = if url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let r = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&pool)
                .await;
            pool.close().await;
            r.is_err()
        } else {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            let r = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&pool)
                .await;
            pool.close().await;
            r.is_err()
        };
        assert!(refused, "the database accepted: {sql}");
    }
}

async fn a_transaction_belongs_to_the_caller(app: TestApp) {
    let e = fake_entry("示例事务回滚有限公司");
    let now = app.clock.now();
    let mut tx = app.store.begin().await.unwrap();
    let id = tx
        .insert_entry(&e, Publication::Published, now)
        .await
        .unwrap();
    tx.enqueue(Entity::Entry, id, now).await.unwrap();
    assert!(tx.entry(id).await.unwrap().is_some(), "visible inside");
    tx.rollback().await.unwrap();
    assert!(app.store.entry(id).await.unwrap().is_none());

    let mut tx = app.store.begin().await.unwrap();
    let id = tx
        .insert_entry(&e, Publication::Published, now)
        .await
        .unwrap();
    tx.insert_revision(
        Entity::Entry,
        id,
        None,
        &snapshot(&e),
        &[],
        &actor(),
        now,
        Some(jingshi::domain::ChangeKind::Listed),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(app.store.entry(id).await.unwrap().is_some());

    // A unique constraint names itself in the conflict.
    let mut coded = fake_entry("示例代码冲突甲有限公司");
    coded.credit_code = code("91410100737459086M");
    let mut tx = app.store.begin().await.unwrap();
    tx.insert_entry(&coded, Publication::Draft, now)
        .await
        .unwrap();
    coded.name = "示例代码冲突乙有限公司".into();
    match tx.insert_entry(&coded, Publication::Draft, now).await {
        Err(StoreError::Conflict { constraint }) => {
            assert!(constraint.contains("credit_code"), "{constraint}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn actor() -> jingshi::store::Actor {
    jingshi::store::Actor {
        name: "测试".into(),
        note: String::new(),
    }
}

async fn a_stale_version_is_a_conflict_never_a_silent_overwrite(app: TestApp) {
    let id = app
        .insert(
            &[fake_entry("示例并发编辑有限公司")],
            Publication::Published,
        )
        .await[0];
    let read = app.store.entry(id).await.unwrap().unwrap();
    let now = app.clock.now();
    let mut first = read.data.clone();
    first.reason = "编辑甲的修改".into();
    let mut tx = app.store.begin().await.unwrap();
    let v = tx
        .update_entry(id, read.version, &first, read.publication, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(v, read.version + 1);

    let mut second = read.data.clone();
    second.reason = "编辑乙的修改".into();
    let mut tx = app.store.begin().await.unwrap();
    match tx
        .update_entry(id, read.version, &second, read.publication, now)
        .await
    {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, STALE_VERSION),
        other => panic!("expected a stale-version conflict, got {other:?}"),
    }
    drop(tx);
    let now_stored = app.store.entry(id).await.unwrap().unwrap();
    assert_eq!(now_stored.data.reason, "编辑甲的修改");
}

async fn ended_entries_never_crowd_current_ones_out_of_a_lookup(app: TestApp) {
    let mut entries = Vec::new();
    for i in 0..250 {
        let mut e = fake_entry(&format!("示例汇通达期满第{i:03}号有限公司"));
        e.publicity_ends_on = Some(date!(2023 - 12 - 31));
        entries.push(e);
    }
    for i in 0..50 {
        entries.push(fake_entry(&format!("示例汇通达在列第{i:03}号有限公司")));
    }
    write_entries(
        &app.store,
        &app.clock,
        &entries,
        Some(Publication::Published),
    )
    .await
    .unwrap();
    app.sync().await;
    let (_, json) = app
        .get_json("/api/v1/entries?q=%E6%B1%87%E9%80%9A%E8%BE%BE&per_page=100")
        .await;
    assert_eq!(json["total"], 50, "every current entry is found");
    let (_, page) = app.get("/search?q=汇通达").await;
    assert!(page.contains("相符的在列记录 50 条"), "{page}");
    assert!(!page.contains("至少"), "50 of 50 is not “at least”");
}

async fn publicity_ends_at_china_midnight(app: TestApp) {
    let today = app.today();
    let mut e = fake_entry("示例今日期满有限公司");
    e.publicity_ends_on = Some(today);
    let id = app.insert(&[e], Publication::Published).await[0];
    // The last second of the last day of publicity, China time (UTC+8).
    let last = time::PrimitiveDateTime::new(today, time::macros::time!(15:59:59)).assume_utc();
    app.clock.set(last);
    assert_eq!(app.get(&format!("/entries/{id}")).await.0, 200);
    app.clock.advance(time::Duration::seconds(1));
    let (status, page) = app.get(&format!("/entries/{id}")).await;
    assert_eq!(status, 410);
    assert!(!page.contains("今日期满"));
    let (_, json) = app.get_json("/api/v1/entries?q=示例今日期满有限公司").await;
    assert_eq!(json["total"], 0);
}

async fn a_restart_never_republishes_what_staff_withdrew(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("articles")).unwrap();
    std::fs::write(
        dir.path().join("articles/a.md"),
        "+++\nslug = \"restart-test\"\nkind = \"warning\"\ntitle = \"重启测试提示\"\npublished_on = 2025-01-01\n+++\n正文",
    )
    .unwrap();
    import_content(&app.store, &app.clock, dir.path()).await;
    assert_eq!(app.get("/articles/restart-test").await.0, 200);
    let stored = app.store.article("restart-test").await.unwrap().unwrap();
    let mut tx = app.store.begin().await.unwrap();
    tx.update_article(
        stored.id,
        stored.version,
        &stored.data,
        Publication::Withdrawn,
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Another start over the same database (a restart): nothing is re-imported.
    let restarted = app.another_instance(None).await;
    assert_eq!(restarted.get("/articles/restart-test").await.0, 404);
    assert_eq!(
        restarted.get("/pages/about").await.0,
        404,
        "pages come from an explicit import only"
    );
}

async fn the_public_layers_answer_in_chinese_and_cache_by_policy(app: TestApp) {
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "public, max-age=60");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    let page = res.text().await.unwrap();
    // Both the weak and the strong form of the validator revalidate.
    for tag in [etag.clone(), etag.trim_start_matches("W/").to_string()] {
        let res = app
            .client
            .get(app.url("/"))
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 304);
    }
    let res = app.client.get(app.url("/nothing")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(res.headers()["cache-control"], "no-store");

    // Static assets under their hashed names: a year, immutable, precompressed.
    let css = page
        .split('"')
        .find(|s| s.starts_with("/static/site.") && s.ends_with(".css"))
        .expect("hashed stylesheet link")
        .to_string();
    let res = app
        .client
        .get(app.url(&css))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()["content-encoding"], "br");
    let res = app
        .client
        .get(app.url("/entries"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");

    // An oversized body: 413, in Chinese, for pages and the API alike.
    // A fresh connection each: the server answers before reading such a body and closes.
    let big = "x".repeat(100 * 1024);
    let res = reqwest::Client::new()
        .post(app.url("/search"))
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    assert!(res.text().await.unwrap().contains("提交内容过大"));
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/entries"))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let json: serde_json::Value = res.json().await.unwrap();
    assert_eq!(json["error"]["code"], "payload_too_large");
    assert!(json["error"]["message"].as_str().unwrap().contains("超过"));
    // A method the API does not take: a JSON error in Chinese.
    let res = app
        .client
        .delete(app.url("/api/v1/entries"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
    let json: serde_json::Value = res.json().await.unwrap();
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("请求方式")
    );
}

/// A site whose search backend never answers, with a request timeout shorter than the
/// backend's: a lookup takes too long.
async fn too_slow(app: &TestApp) -> Option<TestApp> {
    let stalled = fake_meili::stalled().await;
    let backend = match app.store.backend() {
        jingshi::store::Backend::Sqlite => Backend::Sqlite,
        jingshi::store::Backend::Postgres => Backend::Postgres,
    };
    TestApp::try_spawn_configured(
        backend,
        Some(jingshi::search::SearchConfig::Meilisearch {
            url: format!("http://{stalled}"),
            key: None,
            index: "jingshi".into(),
        }),
        |c| c.limits.request_timeout = Duration::from_millis(300),
    )
    .await
}

async fn a_request_that_takes_too_long_answers_503_in_chinese(app: TestApp) {
    let Some(slow) = too_slow(&app).await else {
        return;
    };
    let res = slow
        .client
        .get(slow.url("/search?q=慢查询"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.text().await.unwrap().contains("系统繁忙"));
    let Some(slow) = too_slow(&app).await else {
        return;
    };
    let res = slow
        .client
        .get(slow.url("/api/v1/entries?q=慢查询"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);
    let json: serde_json::Value = res.json().await.unwrap();
    assert!(json["error"]["message"].as_str().unwrap().contains("繁忙"));
}

/// An embedded index built from what the database holds now, which no worker feeds: it falls
/// behind every later write. Kept as long as its folder is.
async fn index_built_now(app: &TestApp) -> (tempfile::TempDir, SearchService) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchService::open(
        &SearchConfig::Embedded {
            dir: dir.path().join("index"),
        },
        app.store.clone(),
        app.clock.clone(),
    )
    .await
    .unwrap();
    index.rebuild(&|_, _| {}).await.unwrap();
    (dir, index)
}

async fn fresh_entries_are_found_by_exact_identity_before_the_index_has_them(app: TestApp) {
    // An index built before the entry exists, which no worker feeds.
    let (_dir, behind) = index_built_now(&app).await;
    let mut e = fake_entry("示例刚刚导入有限公司");
    e.aliases = vec!["刚导入宝".into()];
    e.credit_code = code("914100007110665832");
    e.websites = vec!["ganggang.example".into()];
    e.phones = vec!["400-000-7788".into()];
    let id = write_entries(&app.store, &app.clock, &[e], Some(Publication::Published))
        .await
        .unwrap()
        .ids[0];
    for q in [
        "示例刚刚导入有限公司",
        "刚导入宝",
        "914100007110665832",
        "https://www.ganggang.example/app",
        "400 000 7788",
    ] {
        let found = lookup::find_entries(
            &app.store,
            &behind,
            &AnalyzedQuery::new(q),
            &Filters::default(),
            1,
            20,
            app.today(),
        )
        .await
        .unwrap();
        assert!(!found.degraded);
        assert_eq!(found.hits.first().map(|h| h.entry.id), Some(id), "{q}");
    }
    assert!(
        behind
            .entry_candidates(&AnalyzedQuery::new("刚刚导入"), false, app.today())
            .await
            .unwrap()
            .ids
            .is_empty(),
        "the index really is behind"
    );
}

async fn a_brand_of_more_entries_than_a_lookup_weighs_is_answered_as_at_least(app: TestApp) {
    // An index that has none of them: only the database's exact matches answer.
    let (_dir, behind) = index_built_now(&app).await;
    let entries: Vec<_> = (0..230)
        .map(|i| {
            let mut e = fake_entry(&format!("示例共用品牌第{i:03}号有限公司"));
            e.aliases = vec!["汇通共用宝".into()];
            e
        })
        .collect();
    write_entries(
        &app.store,
        &app.clock,
        &entries,
        Some(Publication::Published),
    )
    .await
    .unwrap();
    let find = |index| {
        let (store, today) = (app.store.clone(), app.today());
        async move {
            lookup::find_entries(
                &store,
                index,
                &AnalyzedQuery::new("汇通共用宝"),
                &Filters::default(),
                1,
                20,
                today,
            )
            .await
            .unwrap()
        }
    };
    let found = find(&behind).await;
    assert_eq!(
        found.matched.len(),
        200,
        "exact matches are weighed up to 200"
    );
    assert!(found.capped, "and the answer says there are more");
    assert_eq!(found.hits.len(), 20);
    app.sync().await;
    let (_, page) = app.get("/search?q=汇通共用宝").await;
    assert!(page.contains("相符的在列记录 至少 "), "{page}");
}

async fn keys_derived_by_an_older_version_are_recomputed_at_connect(app: TestApp) {
    let id = app
        .insert(
            &[fake_entry("示例旧版键值有限公司")],
            Publication::Published,
        )
        .await[0];
    // As an older version left it: other keys, no exact-match keys.
    raw(
        &app,
        &format!("UPDATE entries SET keys_version = 1, name_key = 'old' WHERE id = {id}"),
    )
    .await
    .unwrap();
    raw(
        &app,
        &format!("DELETE FROM entry_keys WHERE entry_id = {id}"),
    )
    .await
    .unwrap();
    let store = jingshi::store::Store::connect(&app.db.url).await.unwrap();
    assert!(!store.has_stale_entry_keys().await.unwrap());
    let stored = store.entry(id).await.unwrap().unwrap();
    assert_eq!(stored.keys[0], "示例旧版键值有限公司");
    let found: Vec<i64> = store
        .public_entries_by_keys(&stored.data.keys().match_keys, app.today(), 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(found, vec![id], "its exact-match keys are back");
}

/// A lookup's exact matches come with their rows, read once: only public entries (no draft,
/// no ended publicity), lowest ids first, at most the limit, each the same as read by id.
async fn exact_keys_find_public_entries_lowest_first_with_their_whole_rows(app: TestApp) {
    let today = app.today();
    let shared = |i: usize| {
        let mut e = fake_entry(&format!("示例同键第{i}号有限公司"));
        e.aliases = vec!["示例同键宝".into()];
        e
    };
    let drafts = app.insert(&[shared(0)], Publication::Draft).await;
    let mut ended = shared(1);
    ended.publicity_ends_on = Some(today - time::Duration::days(1));
    let ended = app.insert(&[ended], Publication::Published).await;
    let public = app
        .insert(&[shared(2), shared(3), shared(4)], Publication::Published)
        .await;
    let keys = AnalyzedQuery::new("示例同键宝");
    let keys = vec![jingshi::domain::entry::KeyKind::Name.key(&keys.folded)];
    let ids = |found: &[jingshi::store::Public<jingshi::store::Entry>]| -> Vec<i64> {
        found.iter().map(|e| e.id).collect()
    };
    let all = app
        .store
        .public_entries_by_keys(&keys, today, 10)
        .await
        .unwrap();
    assert_eq!(
        ids(&all),
        public,
        "drafts {drafts:?} and ended {ended:?} stay out"
    );
    let first = app
        .store
        .public_entries_by_keys(&keys, today, 2)
        .await
        .unwrap();
    assert_eq!(ids(&first), public[..2], "the lowest ids, up to the limit");
    let by_id = app
        .store
        .public_entries_by_ids(&public, today)
        .await
        .unwrap();
    let rows = |found: &[jingshi::store::Public<jingshi::store::Entry>]| -> Vec<String> {
        let mut rows: Vec<String> = found.iter().map(|e| format!("{:?}", **e)).collect();
        rows.sort();
        rows
    };
    assert_eq!(rows(&all), rows(&by_id), "whole rows, as read by id");
    assert!(
        app.store
            .public_entries_by_keys(&[], today, 10)
            .await
            .unwrap()
            .is_empty()
            && app
                .store
                .public_entries_by_keys(&["n示例无此键".into()], today, 10)
                .await
                .unwrap()
                .is_empty()
    );
}

/// The public counts and years come from tallies the database keeps in every transaction
/// that writes entries (no count over every entry per page); after inserts, edits that move
/// entries between lists, statuses, years and publicity ends, a withdrawal, a deletion and
/// the end of a publicity, they say what counting the entries themselves says.
async fn public_counts_come_from_tallies_that_agree_with_counting_the_entries(app: TestApp) {
    use jingshi::domain::ListKind;
    use jingshi::store::EntryFilter;
    let today = app.today();
    let entries: Vec<_> = (0..12)
        .map(|i| {
            let mut e = fake_entry(&format!("示例计数第{i}号投资管理有限公司"));
            e.list = [ListKind::Blacklist, ListKind::Warning, ListKind::Abnormal][i % 3];
            e.listed_on = Some([date!(2023 - 05 - 01), date!(2024 - 03 - 01)][i % 2]);
            if i % 4 == 0 {
                e.publicity_ends_on = Some(today + time::Duration::days(1));
            }
            if i % 5 == 0 {
                e.status = EntryStatus::Removed;
                e.removed_on = Some(date!(2025 - 01 - 02));
                e.removal_reason = "整改完成".into();
                e.removal_authority = "示例区金融工作局".into();
            }
            e
        })
        .collect();
    let published = app.insert(&entries[..9], Publication::Published).await;
    let drafts = app.insert(&entries[9..], Publication::Draft).await;
    raw(
        &app,
        &format!(
            "UPDATE entries SET list_kind = 'warning', listed_year = 2020 WHERE id = {}",
            published[0]
        ),
    )
    .await
    .unwrap();
    raw(
        &app,
        &format!(
            "UPDATE entries SET publication = 'withdrawn' WHERE id = {}",
            published[1]
        ),
    )
    .await
    .unwrap();
    raw(
        &app,
        &format!(
            "UPDATE entries SET publication = 'published' WHERE id = {}",
            drafts[0]
        ),
    )
    .await
    .unwrap();
    raw(&app, &format!("UPDATE entries SET publicity_ends_on = NULL, status = 'removed', removed_on = '2025-02-03', removal_reason = '整改完成', removal_authority = '示例区金融工作局' WHERE id = {}", published[4])).await.unwrap();
    for table in ["entry_keys", "entry_revisions", "search_outbox"] {
        let column = if table == "search_outbox" {
            "entity_id"
        } else {
            "entry_id"
        };
        raw(
            &app,
            &format!("DELETE FROM {table} WHERE {column} = {}", published[2]),
        )
        .await
        .unwrap();
    }
    raw(
        &app,
        &format!("DELETE FROM entries WHERE id = {}", published[2]),
    )
    .await
    .unwrap();

    for day in [today, today + time::Duration::days(2)] {
        let counts = app.store.public_counts(day).await.unwrap();
        let mut listed = 0;
        for list in [ListKind::Blacklist, ListKind::Warning, ListKind::Abnormal] {
            for status in [EntryStatus::Listed, EntryStatus::Removed] {
                let filter = EntryFilter {
                    list: Some(list),
                    status: Some(status),
                    limit: 1,
                    ..EntryFilter::default()
                };
                let (counted, _) = app.store.public_entries(&filter, day).await.unwrap();
                let tallied = counts
                    .iter()
                    .find(|c| c.list == list && c.status == status)
                    .map_or(0, |c| c.count);
                assert_eq!(tallied, counted, "{list:?} {status:?} on {day}: {counts:?}");
                listed += counted;
            }
        }
        assert!(listed > 0, "the test counts something on {day}");
        let years = app.store.public_years(day).await.unwrap();
        for year in [2020, 2023, 2024] {
            let filter = EntryFilter {
                year: Some(year),
                limit: 1,
                ..EntryFilter::default()
            };
            let (counted, _) = app.store.public_entries(&filter, day).await.unwrap();
            assert_eq!(
                years.contains(&i64::from(year)),
                counted > 0,
                "{year} on {day}: {years:?}"
            );
        }
    }
    // The end of a publicity changes the counts without any write.
    let now = app.store.public_counts(today).await.unwrap();
    let later = app
        .store
        .public_counts(today + time::Duration::days(2))
        .await
        .unwrap();
    assert_ne!(now, later);
}
