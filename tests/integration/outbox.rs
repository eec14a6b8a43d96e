//! The search outbox: nothing is lost while the search backend is down, public search falls
//! back to the database meanwhile, and with several instances each change is applied once.

use std::sync::Arc;
use std::time::Duration;

use jingshi::domain::PubState;
use jingshi::search::{SearchConfig, SearchService, outbox};
use jingshi::store::schema::TABLES;
use jingshi::store::{Actor, EntryWrite};

use crate::harness::{Backend, TestApp, fake_entry};
use crate::on_both_databases;

on_both_databases!(
    while_the_backend_is_down_search_falls_back_and_changes_wait_in_the_outbox,
    with_two_instances_each_change_is_applied_once,
);

async fn outbox_len(app: &TestApp) -> i64 {
    let table = TABLES.iter().find(|t| t.name == "search_outbox").unwrap();
    app.store.count(table).await.unwrap()
}

async fn write(app: &TestApp, names: &[String]) {
    let writes: Vec<EntryWrite> = names
        .iter()
        .map(|n| EntryWrite {
            data: fake_entry(n),
            state: Some(PubState::Published),
        })
        .collect();
    let actor = Actor {
        name: "测试".into(),
        note: String::new(),
    };
    app.store
        .write_entries(&writes, &actor, &|_| {})
        .await
        .unwrap();
}

async fn while_the_backend_is_down_search_falls_back_and_changes_wait_in_the_outbox(app: TestApp) {
    // A Meilisearch that is not there: a closed loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(down) = TestApp::try_spawn_with_search(
        if app.store.backend() == jingshi::store::Backend::Sqlite {
            Backend::Sqlite
        } else {
            Backend::Postgres
        },
        SearchConfig::Meilisearch {
            url: format!("http://127.0.0.1:{port}"),
            key: None,
            index: "jingshi".into(),
        },
    )
    .await
    else {
        return;
    };
    write(&down, &["示例停机期间发布有限公司".to_string()]).await;
    assert!(down.search.drain_once().await.is_err());
    assert_eq!(outbox_len(&down).await, 1, "the change waits in the outbox");

    let (status, page) = down.get("/search?q=停机期间").await;
    assert_eq!(status, 200);
    assert!(page.contains("检索服务暂时不可用"), "{page}");
    assert!(
        page.contains(r#"href="/entries/1""#),
        "the database lookup still answers"
    );
    let (status, json) = down.get_json("/api/v1/entries?q=停机期间").await;
    assert_eq!(status, 200);
    assert_eq!(json["total"], 1);
    assert!(json["notice"].is_string());
    let (status, json) = down.get_json("/api/v1/suggest?q=停机期间").await;
    assert_eq!(status, 200);
    assert_eq!(json["items"].as_array().unwrap().len(), 0);
}

async fn with_two_instances_each_change_is_applied_once(first: TestApp) {
    let second = first.another_instance(None).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = [
        tokio::spawn(outbox::run(first.search.clone(), stopped.clone())),
        tokio::spawn(outbox::run(second.search.clone(), stopped)),
    ];
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
    for _ in 0..200 {
        if outbox_len(&first).await == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    for w in workers {
        w.await.unwrap();
    }
    assert!(drained, "the workers emptied the outbox");
    let applied = first.search.applied() + second.search.applied() - before;
    assert_eq!(
        applied, written,
        "every change applied exactly once across both instances"
    );
    let one: &Arc<SearchService> = &first.search;
    let other: &Arc<SearchService> = &second.search;
    assert_eq!(
        one.num_docs().await.unwrap() + other.num_docs().await.unwrap(),
        written as u64,
        "each document went to exactly one instance's index"
    );
}
