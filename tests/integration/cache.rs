//! The in-process cache of public answers: what staff publish shows at once, what is not
//! public never comes out of it, the day turns at China midnight, another process's writes
//! show after the recheck interval, and memory stays within the budget.

use std::time::{Duration, Instant};

use jingshi::domain::{EntryStatus, ListKind, Publication, Role};
use jingshi::store::Store;

use crate::harness::{Backend, TestApp, fake_entry, write_entries};
use crate::on_both_databases;
use crate::staff::signed_in;
use crate::workflow::{approve, draft_and_submit};

on_both_databases!(
    a_publish_is_visible_at_once_despite_the_cache,
    a_draft_is_never_served_from_the_cache,
    a_cached_page_leaves_at_china_midnight_when_publicity_ends,
    list_totals_known_without_counting_are_the_public_ones,
);

/// The pages and answers a resident would have open, each asked twice so that the second
/// comes from memory.
const PRIMED: &[&str] = &[
    "/",
    "/elder",
    "/entries",
    "/elder/entries",
    "/api/v1/entries",
    "/search?q=示例缓存发布科技有限公司",
    "/api/v1/entries?q=示例缓存发布科技有限公司",
];

async fn prime(app: &TestApp, paths: &[&str]) {
    for path in paths {
        for _ in 0..2 {
            assert_eq!(app.get(path).await.0, 200, "{path}");
        }
    }
}

async fn a_publish_is_visible_at_once_despite_the_cache(app: TestApp) {
    app.insert(
        &[fake_entry("示例缓存在先有限公司")],
        Publication::Published,
    )
    .await;
    let (hits, _) = app.cache.hits_and_misses();
    prime(&app, PRIMED).await;
    let (primed, _) = app.cache.hits_and_misses();
    assert!(
        primed - hits >= PRIMED.len() as u64,
        "the second request of each is served from memory"
    );
    let (_, home) = app.get("/").await;

    let mut editor = signed_in(&app, "huancun-bianji", Role::Editor).await;
    let mut reviewer = signed_in(&app, "huancun-shenhe", Role::Reviewer).await;
    let (entry, change) = draft_and_submit(&mut editor, "示例缓存发布科技有限公司").await;
    assert_eq!(approve(&mut reviewer, change, "").await.status, 303);

    // No waiting: the publishing transaction bumped the data version.
    for path in [
        "/entries",
        "/elder/entries",
        "/search?q=示例缓存发布科技有限公司",
    ] {
        let (status, page) = app.get(path).await;
        assert_eq!(status, 200);
        assert!(page.contains("示例缓存发布科技有限公司"), "{path}");
    }
    assert_ne!(app.get("/").await.1, home, "the home page counts it");
    let (_, json) = app.get_json("/api/v1/entries").await;
    assert_eq!(json["total"], 2);
    let (_, json) = app
        .get_json("/api/v1/entries?q=示例缓存发布科技有限公司")
        .await;
    assert_eq!(json["items"][0]["id"], entry);
    assert_eq!(json["verdict"], "listed");
}

async fn a_draft_is_never_served_from_the_cache(app: TestApp) {
    let mut editor = signed_in(&app, "caogao-bianji", Role::Editor).await;
    let (entry, _) = draft_and_submit(&mut editor, "示例缓存草稿科技有限公司").await;
    let hidden = [
        format!("/entries/{entry}"),
        format!("/elder/entries/{entry}"),
        format!("/api/v1/entries/{entry}"),
    ];
    let listing = [
        "/entries",
        "/api/v1/entries",
        "/search?q=示例缓存草稿科技有限公司",
        "/api/v1/entries?q=示例缓存草稿科技有限公司",
        "/api/v1/suggest?q=示例缓存草稿科技有限公司",
    ];
    let (hits, _) = app.cache.hits_and_misses();
    for _ in 0..2 {
        for path in &hidden {
            assert_eq!(app.get(path).await.0, 404, "{path}");
        }
    }
    assert_eq!(
        app.cache.hits_and_misses().0,
        hits,
        "a 404 is never kept, so never served from memory"
    );
    for _ in 0..2 {
        for path in listing {
            let (status, body) = app.get(path).await;
            assert_eq!(status, 200);
            assert!(!shows(&body, entry), "{path}");
        }
    }

    // Published, then withdrawn: each shows at once, over pages that were kept.
    let mut reviewer = signed_in(&app, "caogao-shenhe", Role::Reviewer).await;
    let change = app
        .store
        .open_change(jingshi::store::Entity::Entry, entry)
        .await
        .unwrap()
        .expect("the change in review")
        .id;
    assert_eq!(approve(&mut reviewer, change, "").await.status, 303);
    for _ in 0..2 {
        let (status, page) = app.get(&hidden[0]).await;
        assert_eq!(status, 200);
        assert!(page.contains("示例缓存草稿科技有限公司"));
        for path in listing {
            assert!(shows(&app.get(path).await.1, entry), "published: {path}");
        }
    }
    let stored = app.store.entry(entry).await.unwrap().unwrap();
    let mut tx = app.store.begin().await.unwrap();
    tx.withdraw(
        jingshi::store::Entity::Entry,
        entry,
        stored.version,
        "更正",
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, page) = app.get(&hidden[0]).await;
    assert_eq!(status, 410);
    assert!(!page.contains("示例缓存草稿"));
    for path in listing {
        assert!(!shows(&app.get(path).await.1, entry), "withdrawn: {path}");
    }
}

/// Whether a page or an answer shows the entry: links to it (pages, suggestions) or lists it
/// (the API). A lookup page repeats the query, so the name alone proves nothing.
fn shows(body: &str, entry: i64) -> bool {
    body.contains(&format!("/entries/{entry}\"")) || body.contains(&format!("\"id\":{entry},"))
}

async fn a_cached_page_leaves_at_china_midnight_when_publicity_ends(app: TestApp) {
    let today = app.today();
    let mut e = fake_entry("示例缓存期满有限公司");
    e.publicity_ends_on = Some(today);
    let id = app.insert(&[e], Publication::Published).await[0];
    let last = time::PrimitiveDateTime::new(today, time::macros::time!(15:59:59)).assume_utc();
    app.clock.set(last);
    let path = format!("/entries/{id}");
    let (hits, _) = app.cache.hits_and_misses();
    prime(&app, &[&path, "/entries"]).await;
    assert_eq!(app.cache.hits_and_misses().0, hits + 2);
    app.clock.advance(time::Duration::seconds(1));
    let (status, page) = app.get(&path).await;
    assert_eq!(status, 410);
    assert!(!page.contains("缓存期满"));
    assert!(!app.get("/entries").await.1.contains("缓存期满"));
}

/// `jingshi import` in another process (or another instance) writes through a store of its
/// own: this instance sees it when it next reads the data version, at most the recheck
/// interval later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_write_shows_within_the_recheck_interval() {
    let recheck = Duration::from_secs(2);
    let app = TestApp::try_spawn_configured(Backend::Sqlite, None, |c| {
        c.cache.recheck = recheck;
    })
    .await
    .expect("SQLite");
    prime(&app, &["/entries"]).await;
    let other = Store::connect(&app.db.url).await.unwrap();
    let written = Instant::now();
    write_entries(
        &other,
        &app.clock,
        &[fake_entry("示例另一进程科技有限公司")],
        Some(Publication::Published),
    )
    .await
    .unwrap();
    loop {
        let (_, page) = app.get("/entries").await;
        if page.contains("示例另一进程科技有限公司") {
            break;
        }
        assert!(
            written.elapsed() < recheck + Duration::from_secs(3),
            "not seen after the recheck interval"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    other.close().await;
}

/// Every distinct query string is a key a stranger chooses: the cache never holds more than
/// its budget, and still serves what is asked again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_stays_within_its_budget() {
    let budget = 2 * 1024 * 1024;
    let app = TestApp::try_spawn_configured(Backend::Sqlite, None, |c| {
        c.cache.budget = budget;
    })
    .await
    .expect("SQLite");
    for i in 0..300 {
        assert_eq!(app.get(&format!("/entries?x={i}")).await.0, 200);
        assert!(app.cache.weight() <= budget, "{} bytes", app.cache.weight());
    }
    let (hits, _) = app.cache.hits_and_misses();
    app.get("/entries?x=299").await;
    assert_eq!(app.cache.hits_and_misses().0, hits + 1);
}

/// The list's totals by list kind and status come from figures kept per data version, not
/// from counting: they count only public entries, and move at once with a publish.
async fn list_totals_known_without_counting_are_the_public_ones(app: TestApp) {
    let today = app.today();
    let mut warning = fake_entry("示例计数警示有限公司");
    warning.list = ListKind::Warning;
    let mut removed = fake_entry("示例计数移出有限公司");
    removed.status = EntryStatus::Removed;
    removed.removed_on = Some(today);
    removed.removal_reason = "整改完成".into();
    let mut ended = fake_entry("示例计数期满有限公司");
    ended.publicity_ends_on = Some(today - time::Duration::days(1));
    app.insert(
        &[fake_entry("示例计数在列有限公司"), warning, removed, ended],
        Publication::Published,
    )
    .await;
    app.insert(&[fake_entry("示例计数草稿有限公司")], Publication::Draft)
        .await;
    let total = |body: &str| {
        let start = body.find("共 <strong>").expect("a total") + "共 <strong>".len();
        body[start..].split('<').next().unwrap().to_string()
    };
    for (path, expected) in [
        ("/entries", "3"),
        ("/entries?list=blacklist", "2"),
        ("/entries?list=warning", "1"),
        ("/entries?status=removed", "1"),
        ("/entries?list=blacklist&status=listed", "1"),
        ("/elder/entries?status=listed", "2"),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200);
        assert_eq!(total(&body), expected, "{path}");
    }
    app.insert(
        &[fake_entry("示例计数新增有限公司")],
        Publication::Published,
    )
    .await;
    assert_eq!(total(&app.get("/entries").await.1), "4");
}
