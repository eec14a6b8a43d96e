//! The search outbox and the index: nothing is lost while the backend is down, a stalled or
//! rejecting backend never blocks the site or the queue, a rebuild never resurrects what was
//! withdrawn meanwhile, the sweep removes what is no longer public, and with several instances
//! each change is applied once.

use std::time::{Duration, Instant};

use jingshi::domain::Publication;
use jingshi::lookup::AnalyzedQuery;
use jingshi::search::{Drained, MAX_ATTEMPTS, SearchConfig, SearchService};
use jingshi::store::schema::TABLES;

use crate::fake_meili;
use crate::harness::{TestApp, fake_entry, write_entries};
use crate::on_both_databases;

on_both_databases!(
    while_the_backend_is_down_search_falls_back_and_changes_wait_in_the_outbox,
    a_stalled_backend_gives_the_fallback_within_seconds_and_never_stops_start_up,
    a_rejected_document_is_parked_and_does_not_block_the_next_ones,
    a_rebuild_holds_the_index_so_a_withdrawal_meanwhile_is_not_resurrected,
    the_sweep_removes_documents_that_are_no_longer_public,
    with_two_instances_each_change_is_applied_once,
    a_rebuild_takes_in_what_waited_and_still_applies_what_came_during_it,
);

async fn outbox_len(app: &TestApp) -> i64 {
    let table = TABLES.iter().find(|t| t.name == "search_outbox").unwrap();
    app.store.count_rows(table).await.unwrap()
}

async fn write(app: &TestApp, names: &[String]) -> Vec<i64> {
    let entries: Vec<_> = names.iter().map(|n| fake_entry(n)).collect();
    write_entries(
        &app.store,
        &app.clock,
        &entries,
        Some(Publication::Published),
    )
    .await
    .unwrap()
    .ids
}

fn meili(addr: std::net::SocketAddr) -> SearchConfig {
    SearchConfig::Meilisearch {
        url: format!("http://{addr}"),
        key: None,
        index: "jingshi".into(),
    }
}

/// Candidate ids the app's own index proposes for a query.
async fn indexed(search: &SearchService, q: &str) -> Vec<i64> {
    let today = time::OffsetDateTime::now_utc().date();
    search
        .entry_candidates(&AnalyzedQuery::new(q), false, today)
        .await
        .unwrap()
        .ids
}

async fn while_the_backend_is_down_search_falls_back_and_changes_wait_in_the_outbox(app: TestApp) {
    // A Meilisearch that is not there: a closed loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(down) = TestApp::try_spawn_with_search(
        app.backend(),
        meili(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
    )
    .await
    else {
        return;
    };
    let ids = write(&down, &["示例停机期间发布有限公司".to_string()]).await;
    assert!(!matches!(
        down.search.drain_once().await,
        Ok(Drained::Applied(_))
    ));
    assert_eq!(outbox_len(&down).await, 1, "the change waits in the outbox");

    let (status, page) = down.get("/search?q=停机期间").await;
    assert_eq!(status, 200);
    assert!(page.contains("检索服务暂时不可用"), "{page}");
    assert!(
        page.contains(&format!(r#"href="/entries/{}""#, ids[0])),
        "the database lookup still answers"
    );
    let (status, json) = down.get_json("/api/v1/entries?q=停机期间").await;
    assert_eq!(status, 200);
    assert_eq!(json["total"], 1);
    assert!(json["notice"].is_string());
    let (status, json) = down.get_json("/api/v1/suggest?q=停机期间").await;
    assert_eq!(status, 200);
    assert_eq!(json["items"][0]["name"], "示例停机期间发布有限公司");
}

async fn a_stalled_backend_gives_the_fallback_within_seconds_and_never_stops_start_up(
    app: TestApp,
) {
    let stalled = fake_meili::stalled().await;
    let started = Instant::now();
    let Some(site) = TestApp::try_spawn_with_search(app.backend(), meili(stalled)).await else {
        return;
    };
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "start-up waited for the stalled backend: {:?}",
        started.elapsed()
    );
    let ids = write(&site, &["示例无应答期间有限公司".to_string()]).await;
    let asked = Instant::now();
    let (status, page) = site.get("/search?q=无应答期间").await;
    let took = asked.elapsed();
    assert_eq!(status, 200);
    assert!(page.contains("检索服务暂时不可用"), "{page}");
    assert!(page.contains(&format!(r#"href="/entries/{}""#, ids[0])));
    assert!(page.contains("相符的在列记录 1 条"), "{page}");
    assert!(took < Duration::from_secs(3), "the fallback took {took:?}");
    // After a failure the site stops waiting for the backend for a while.
    let asked = Instant::now();
    let (status, _) = site.get("/search?q=无应答").await;
    assert_eq!(status, 200);
    assert!(asked.elapsed() < Duration::from_millis(500));
}

async fn a_rejected_document_is_parked_and_does_not_block_the_next_ones(app: TestApp) {
    let fake = fake_meili::Rejecting::default();
    let addr = fake.start().await;
    let Some(site) = TestApp::try_spawn_with_search(app.backend(), meili(addr)).await else {
        return;
    };
    let ids = write(
        &site,
        &[
            "示例甲文档有限公司".to_string(),
            "示例乙文档有限公司".to_string(),
            "示例丙文档有限公司".to_string(),
        ],
    )
    .await;
    fake.poison(&format!("e{}", ids[1]));
    let mut parked = Vec::new();
    for _ in 0..200 {
        let (pending, p) = site.store.outbox_status().await.unwrap();
        if pending == 0 && !p.is_empty() {
            parked = p;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(parked.len(), 1, "the rejected change is parked");
    assert_eq!(parked[0].entity_id, ids[1]);
    assert_eq!(parked[0].attempts, MAX_ATTEMPTS);
    assert!(
        parked[0].error.contains("cannot be indexed"),
        "{:?}",
        parked[0]
    );
    assert!(fake.has(&format!("e{}", ids[0])) && fake.has(&format!("e{}", ids[2])));
    // New changes still flow.
    let later = write(&site, &["示例丁文档有限公司".to_string()]).await;
    for _ in 0..200 {
        if fake.has(&format!("e{}", later[0])) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fake.has(&format!("e{}", later[0])));
}

async fn a_rebuild_holds_the_index_so_a_withdrawal_meanwhile_is_not_resurrected(app: TestApp) {
    let ids = write(
        &app,
        &(0..20)
            .map(|i| format!("示例重建期间第{i}号有限公司"))
            .collect::<Vec<_>>(),
    )
    .await;
    app.sync().await;
    let other = app.another_instance(None).await;
    let victim = ids[3];
    let handle = tokio::runtime::Handle::current();
    let saw_busy = std::sync::atomic::AtomicBool::new(false);
    let withdrawn = std::sync::atomic::AtomicBool::new(false);
    app.search
        .rebuild(&|kind, _| {
            if kind != "entries" || withdrawn.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            // The batch holding the victim has been read; now it is withdrawn, and another
            // instance tries to apply that at once.
            tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let mut e = fake_entry("示例重建期间第3号有限公司");
                    e.reason = "撤回".into();
                    write_entries(
                        &other.store,
                        &other.clock,
                        &[e],
                        Some(Publication::Withdrawn),
                    )
                    .await
                    .unwrap();
                    let drained = other.search.drain_once().await.unwrap();
                    saw_busy.store(
                        drained == Drained::Busy,
                        std::sync::atomic::Ordering::SeqCst,
                    );
                })
            });
        })
        .await
        .unwrap();
    assert!(
        saw_busy.load(std::sync::atomic::Ordering::SeqCst),
        "the other instance waited for the rebuild"
    );
    let still = indexed(&app.search, "重建期间第3号").await;
    assert!(
        !still.contains(&victim),
        "the withdrawal applied after the rebuild: victim {victim} in {still:?}; outbox {:?}; stored {:?}",
        app.store.outbox_status().await.unwrap(),
        app.store
            .entry(victim)
            .await
            .unwrap()
            .map(|e| e.publication)
    );
    assert_eq!(outbox_len(&app).await, 0);
    assert!(
        indexed(&app.search, "重建期间第4号")
            .await
            .contains(&ids[4])
    );
}

async fn the_sweep_removes_documents_that_are_no_longer_public(app: TestApp) {
    let mut ending = fake_entry("示例明日期满有限公司");
    let today = app.today();
    ending.publicity_ends_on = Some(today);
    let ids = app
        .insert(
            &[ending, fake_entry("示例悄然下线有限公司")],
            Publication::Published,
        )
        .await;
    assert!(indexed(&app.search, "明日期满").await.contains(&ids[0]));
    // A change that never reached the index: the row is unpublished behind its back.
    let url = app.db.url.clone();
    let sql = format!(
        "UPDATE entries SET publication = 'draft' WHERE id = {}",
        ids[1]
    );
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    // China midnight passes: the first entry's last day of publicity is over.
    app.clock.advance(time::Duration::days(1));
    let removed = app.search.sweep().await.unwrap();
    assert!(removed >= 1, "{removed}");
    let tomorrow = app.today();
    let q = AnalyzedQuery::new("明日期满");
    let found = app
        .search
        .entry_candidates(&q, false, tomorrow)
        .await
        .unwrap();
    assert!(!found.ids.contains(&ids[0]));
    assert!(!indexed(&app.search, "悄然下线").await.contains(&ids[1]));
    assert_eq!(app.search.num_docs().await.unwrap(), 0);
}

async fn with_two_instances_each_change_is_applied_once(first: TestApp) {
    let second = first.another_instance(None).await;
    let before = first.search.applied() + second.search.applied();
    let mut written = 0;
    for batch in 0..12 {
        let names: Vec<String> = (0..25)
            .map(|i| format!("示例并发第{batch}批{i}号有限公司"))
            .collect();
        write(&first, &names).await;
        written += names.len();
    }
    let mut drained = false;
    for _ in 0..400 {
        if outbox_len(&first).await == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(drained, "the workers emptied the outbox");
    let applied = first.search.applied() + second.search.applied() - before;
    assert_eq!(
        applied, written,
        "every change applied exactly once across both instances"
    );
    assert_eq!(
        first.search.num_docs().await.unwrap() + second.search.num_docs().await.unwrap(),
        written as u64,
        "each document went to exactly one instance's index"
    );
}

async fn a_rebuild_takes_in_what_waited_and_still_applies_what_came_during_it(app: TestApp) {
    // As after an import: an outbox item per entry, none applied yet.
    let waited = write(
        &app,
        &(0..30)
            .map(|i| format!("示例导入后重建第{i}号有限公司"))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(outbox_len(&app).await, 30);
    let handle = tokio::runtime::Handle::current();
    let during = std::sync::Mutex::new(Vec::new());
    app.search
        .rebuild(&|kind, _| {
            let mut during = during.lock().unwrap();
            if kind != "entries" || !during.is_empty() {
                return;
            }
            // Written after the rebuild read the entries: only the outbox can bring it in.
            *during = tokio::task::block_in_place(|| {
                handle.block_on(write(&app, &["示例重建之中新增有限公司".to_string()]))
            });
        })
        .await
        .unwrap();
    assert_eq!(outbox_len(&app).await, 0, "nothing is left waiting");
    assert_eq!(
        app.search.applied(),
        1,
        "the items that waited were taken in by the rebuild, not applied one by one"
    );
    let found = indexed(&app.search, "导入后重建").await;
    assert!(waited.iter().all(|id| found.contains(id)), "{found:?}");
    let new = during.lock().unwrap().clone();
    assert_eq!(indexed(&app.search, "重建之中新增").await, new);
}

/// A Meilisearch index filled by an older document shape (its searchable field was `tokens`)
/// matches no query of this one: an instance that finds one at start fills it again, and
/// lookups answer from the database meanwhile, so an upgrade never leaves the list unfindable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meilisearch_index_of_an_older_shape_is_filled_again_at_start() {
    let Some(url) = crate::suites::meili_url("older document shape test") else {
        return;
    };
    let key = std::env::var("JINGSHI_TEST_MEILI_KEY").ok();
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    let name = "示例旧索引网络科技有限公司";
    let id = write(&app, &[name.to_string()]).await[0];

    let index = format!("jingshi_shape_{}", std::process::id());
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String| {
        let r = http.request(method, format!("{url}{path}"));
        match &key {
            Some(k) => r.bearer_auth(k),
            None => r,
        }
    };
    let settled = |task: serde_json::Value| {
        let uid = task["taskUid"].as_u64().expect("a task");
        let call = &call;
        async move {
            for _ in 0..300 {
                let t: serde_json::Value = call(reqwest::Method::GET, format!("/tasks/{uid}"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if t["status"] == "succeeded" {
                    return;
                }
                assert_ne!(t["status"], "failed", "{t}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("Meilisearch task {uid} did not finish");
        }
    };
    let send = |method, path: String, body: serde_json::Value| {
        let call = &call;
        async move {
            call(method, path)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    settled(
        send(
            reqwest::Method::POST,
            "/indexes".into(),
            serde_json::json!({ "uid": index, "primaryKey": "key" }),
        )
        .await,
    )
    .await;
    settled(
        send(
            reqwest::Method::PATCH,
            format!("/indexes/{index}/settings"),
            serde_json::json!({
                "searchableAttributes": ["tokens"],
                "filterableAttributes": ["kind", "ends_day", "generation", "id"],
            }),
        )
        .await,
    )
    .await;
    settled(
        send(
            reqwest::Method::POST,
            format!("/indexes/{index}/documents"),
            serde_json::json!([{
                "key": format!("e{id}"), "id": id, "kind": "entry",
                "ends_day": 100_000_000, "generation": 0, "tokens": ["oldshape"],
            }]),
        )
        .await,
    )
    .await;

    let meili = app
        .another_instance(Some(SearchConfig::Meilisearch {
            url: url.clone(),
            key: key.clone(),
            index: index.clone(),
        }))
        .await;
    let today = app.today();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = meili
            .search
            .entry_candidates(&AnalyzedQuery::new(name), false, today)
            .await;
        if found.is_ok_and(|c| c.ids.contains(&id)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the index of the older shape was never filled again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let doc: serde_json::Value = call(
        reqwest::Method::GET,
        format!("/indexes/{index}/documents/e{id}"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(doc.get("tokens").is_none(), "{doc}");
    assert!(
        doc["words"].as_array().is_some_and(|w| !w.is_empty()),
        "{doc}"
    );
    let _ = call(reqwest::Method::DELETE, format!("/indexes/{index}"))
        .send()
        .await;
}
