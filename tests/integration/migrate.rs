//! Moving up: copying a whole database between backends, and SQLite backups.

use std::process::Command;

use jingshi::domain::Publication;
use jingshi::store::Store;
use jingshi::store::schema::{DERIVED, TABLES};

use crate::harness::{Backend, TestApp, TestDb, fake_entry, fill_demo};
use crate::on_both_databases;

on_both_databases!(the_copy_schema_names_every_table_and_column);

async fn the_copy_schema_names_every_table_and_column(app: TestApp) {
    let mut actual = app.store.tables().await.unwrap();
    actual.retain(|(name, _)| !DERIVED.contains(&name.as_str()));
    let mut expected: Vec<(String, i64)> = TABLES
        .iter()
        .map(|t| (t.name.to_string(), t.columns.len() as i64))
        .collect();
    expected.sort();
    assert_eq!(
        actual, expected,
        "store::schema::TABLES is out of step with the migrations"
    );
}

/// An API answer as text, without the site's own address in its links: two sites on two
/// addresses give the same answer.
async fn answer(site: &TestApp, path: &str) -> String {
    let json = site.get_json(path).await.1.to_string();
    json.replace(&format!("http://{}", site.addr), "")
}

/// A page, its own address (canonical URL, card, printout) and the printout's time taken out.
async fn page(site: &TestApp, path: &str) -> String {
    let text = site
        .get(path)
        .await
        .1
        .replace(&format!("http://{}", site.addr), "");
    let from = text
        .find("打印时间：")
        .expect("the printout names its time");
    let to = from + text[from..].find("（北京时间）").expect("in China time");
    format!("{}{}", &text[..from], &text[to..])
}

fn jingshi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jingshi"));
    c.env("RUST_LOG", "warn");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_data_moves_the_demo_database_to_postgres_and_can_run_again() {
    let source = TestApp::spawn(Backend::Sqlite).await;
    fill_demo(&source.store, &source.clock).await;
    source.sync().await;
    // Staff, their audit trail and their work in progress move too.
    crate::staff::make_user(&source, "qianyi", jingshi::domain::Role::Admin).await;
    work_in_progress(&source).await;
    let mut changed = fake_entry("示例迁移修订有限公司");
    source
        .insert(&[changed.clone()], Publication::Published)
        .await;
    changed.reason = "更正后的事由".into();
    source.insert(&[changed], Publication::Published).await;
    let Some(target) = TestDb::new(Backend::Postgres).await else {
        return;
    };

    for run in 0..2 {
        let out = jingshi()
            .args([
                "migrate-data",
                "--from",
                &source.db.url,
                "--to",
                &target.url,
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "run {run}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("复制完成，各表行数一致。"), "{stdout}");
        assert!(!stdout.contains("不一致"), "{stdout}");
    }

    let store = Store::connect(&target.url).await.unwrap();
    for table in TABLES {
        let (src, dst) = (
            count(&source.store, table.name).await,
            count(&store, table.name).await,
        );
        assert_eq!(src, dst, "{}", table.name);
        // Tables of passing state may be empty: the outbox is drained, no one holds the
        // index lease, nobody is signed in or locked out, no setting was changed.
        let passing = [
            "search_outbox",
            "search_lease",
            "sessions",
            "login_throttle",
            "recovery_codes",
            "settings",
        ];
        if !passing.contains(&table.name) {
            assert!(src > 0, "{} is empty in the demo data", table.name);
        }
    }
    store.close().await;
    let moved = TestApp::on_db(target).await;
    let all = "/api/v1/entries?per_page=100";
    assert_eq!(answer(&source, all).await, answer(&moved, all).await);
    let (_, from_sqlite) = source.get_json(all).await;
    let id = from_sqlite["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        page(&source, &format!("/entries/{id}")).await,
        page(&moved, &format!("/entries/{id}")).await
    );
    let new = moved
        .insert(
            &[fake_entry("示例迁移后新增有限公司")],
            Publication::Published,
        )
        .await[0];
    let max = from_sqlite["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert!(new > max, "identity sequences continue after copied ids");
}

/// A draft change, a change set from an upload, and an attachment.
async fn work_in_progress(app: &TestApp) {
    use jingshi::import::ImportRow;
    use jingshi::workflow::{self, By, Draft, Expected, Proposal};
    let user = app.store.user_by_name("qianyi").await.unwrap().unwrap();
    let by = By {
        user: &user,
        address: "127.0.0.1",
    };
    let proposal = Proposal::Entry(fake_entry("示例迁移草稿有限公司"));
    workflow::save(
        &app.store,
        &app.clock,
        by,
        Draft {
            entity: jingshi::store::Entity::Entry,
            id: None,
            proposal: &proposal,
            note: "",
            expected: Expected::New,
        },
    )
    .await
    .unwrap();
    let rows = vec![ImportRow::new(
        2,
        None,
        fake_entry("示例迁移变更集有限公司"),
    )];
    workflow::create_change_set(&app.store, &app.clock, by, "set.csv", &rows)
        .await
        .unwrap();
    let mut tx = app.store.begin().await.unwrap();
    tx.insert_attachment(
        &jingshi::store::NewAttachment {
            article_id: 1,
            file_name: "a.pdf",
            content_type: "application/pdf",
            size: 1,
            sha256: "00",
            created_by: "qianyi",
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn count(store: &Store, table: &str) -> i64 {
    let t = TABLES.iter().find(|t| t.name == table).unwrap();
    store.count_rows(t).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_restores_to_the_same_site() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    fill_demo(&app.store, &app.clock).await;
    app.sync().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let db_arg = ["--database-url", app.db.url.as_str()];

    let out = jingshi()
        .args(db_arg)
        .arg("backup")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = jingshi()
        .args(db_arg)
        .arg("backup")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "an existing backup is never overwritten"
    );

    let restored_db = TestDb::at(format!("sqlite://{}", file.display()));
    let restored = TestApp::on_db(restored_db).await;
    for path in [
        "/api/v1/entries?per_page=100",
        "/api/v1/articles?per_page=100",
    ] {
        assert_eq!(
            answer(&app, path).await,
            answer(&restored, path).await,
            "{path}"
        );
    }
}
