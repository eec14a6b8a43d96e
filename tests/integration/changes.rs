//! Change sync: the changes feed lists listings, updates, removals, withdrawals and publicity
//! ends in order, an entry out of public view without its details; `updated_since`.

use jingshi::domain::entry::EntryData;
use jingshi::domain::{EntryStatus, Publication, Role};
use jingshi::store::{Entity, Visibility, admits};
use jingshi::workflow::{self, By};
use serde_json::Value;
use time::Duration;
use time::macros::date;

use crate::harness::{TestApp, fake_entry, write_entries};
use crate::on_both_databases;
use crate::staff::make_user;

on_both_databases!(
    the_changes_feed_shows_a_removal_and_a_withdrawal_in_order,
    an_entry_past_its_publicity_leaves_the_feed_without_its_details,
    updated_since_lists_only_the_entries_changed_since,
    the_visibility_rule_in_rust_says_what_the_sql_says,
);

/// Every event from the start, following `next_cursor` a few at a time.
async fn all_changes(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let (status, page) = app
            .get_json(&format!("/api/v1/changes?cursor={cursor}&limit=2"))
            .await;
        assert_eq!(status, 200, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_i64().unwrap();
        if page["has_more"] == false {
            return out;
        }
    }
}

fn kinds_of(events: &[Value], id: i64) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["entry_id"] == id)
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn withdraw(app: &TestApp, id: i64) {
    make_user(app, "reviewer", Role::Reviewer).await;
    let user = app.store.user_by_name("reviewer").await.unwrap().unwrap();
    let version = app.store.entry(id).await.unwrap().unwrap().version;
    workflow::withdraw(
        &app.store,
        &app.clock,
        By {
            user: &user,
            address: "127.0.0.1",
        },
        Entity::Entry,
        id,
        version,
        "认定机关撤销了列入决定",
    )
    .await
    .unwrap();
}

async fn the_changes_feed_shows_a_removal_and_a_withdrawal_in_order(app: TestApp) {
    let removed = fake_entry("示例后来移出有限公司");
    let withdrawn = fake_entry("示例后来撤回有限公司");
    let ids = app
        .insert(&[removed.clone(), withdrawn], Publication::Published)
        .await;
    // A draft is no event at all.
    app.insert(&[fake_entry("示例草稿有限公司")], Publication::Draft)
        .await;
    let mut update = removed.clone();
    update.measures = "限制高消费".into();
    write_entries(&app.store, &app.clock, &[update.clone()], None)
        .await
        .unwrap();
    let mut removal = update;
    removal.status = EntryStatus::Removed;
    removal.removed_on = Some(date!(2025 - 06 - 30));
    removal.removal_reason = "整改完成".into();
    write_entries(&app.store, &app.clock, &[removal], None)
        .await
        .unwrap();
    withdraw(&app, ids[1]).await;

    let events = all_changes(&app).await;
    let cursors: Vec<i64> = events
        .iter()
        .map(|e| e["cursor"].as_i64().unwrap())
        .collect();
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "in order: {cursors:?}"
    );
    assert_eq!(events.len(), 5, "{events:#?}");
    assert_eq!(kinds_of(&events, ids[0]), ["listed", "updated", "removed"]);
    assert_eq!(kinds_of(&events, ids[1]), ["listed", "withdrawn"]);
    let removal = events.iter().find(|e| e["kind"] == "removed").unwrap();
    let withdrawal = events.iter().find(|e| e["kind"] == "withdrawn").unwrap();
    assert!(removal["cursor"].as_i64() < withdrawal["cursor"].as_i64());
    // The removed entry is still public, as removed; the withdrawn one is named nowhere.
    assert_eq!(removal["entry"]["status"], "removed");
    assert_eq!(removal["entry"]["removal_reason"], "整改完成");
    for e in events.iter().filter(|e| e["entry_id"] == ids[1]) {
        assert!(e["entry"].is_null(), "{e}");
    }
    let (_, page) = app.get("/api/v1/changes").await;
    assert!(!page.contains("示例后来撤回有限公司"));
    assert!(!page.contains("示例草稿有限公司"));

    // A consumer that is up to date gets nothing new, and its cursor stays.
    let last = cursors.last().unwrap();
    let (_, tail) = app
        .get_json(&format!("/api/v1/changes?cursor={last}"))
        .await;
    assert_eq!(tail["items"].as_array().unwrap().len(), 0);
    assert_eq!(tail["next_cursor"], *last);
    assert_eq!(tail["has_more"], false);
    for bad in ["-1", "abc", "1.5"] {
        let (status, body) = app.get_json(&format!("/api/v1/changes?cursor={bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], "bad_request");
    }
    assert_eq!(app.get_json("/api/v1/changes?limit=1001").await.0, 400);

    // The history export is the same events.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.json");
    let url = |p: &str| p.to_string();
    let written = jingshi::open_data::export::write(
        &app.store,
        app.today(),
        &url,
        jingshi::open_data::Dataset::History,
        jingshi::open_data::Format::Json,
        &file,
    )
    .await
    .unwrap();
    assert_eq!(written.records, 5);
    let history: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(history["changes"].as_array().unwrap().len(), 5);
    assert_eq!(history["changes"][4]["kind"], "withdrawn");
    assert!(history["changes"][4]["entry"].is_null());
}

async fn an_entry_past_its_publicity_leaves_the_feed_without_its_details(app: TestApp) {
    let mut ending = fake_entry("示例今天最后一天有限公司");
    ending.publicity_ends_on = Some(app.today());
    let id = app.insert(&[ending], Publication::Published).await[0];
    let events = all_changes(&app).await;
    assert_eq!(kinds_of(&events, id), ["listed"]);
    assert_eq!(events[0]["entry"]["name"], "示例今天最后一天有限公司");

    // At China midnight its publicity ends: an event, dated then, and no details anywhere.
    app.clock.advance(Duration::days(1));
    let events = all_changes(&app).await;
    assert_eq!(kinds_of(&events, id), ["listed", "publicity_ended"]);
    let ended = &events[1];
    assert!(ended["entry"].is_null());
    let midnight = jingshi::domain::dates::china_midnight(app.today());
    assert_eq!(ended["at"], jingshi::domain::dates::rfc3339(midnight));
    let (_, text) = app.get("/api/v1/changes").await;
    assert!(!text.contains("示例今天最后一天有限公司"), "{text}");
    // Recorded once, however often the feed is read.
    let again = all_changes(&app).await;
    assert_eq!(again.len(), 2);
    // The staff still see it in the entry's history.
    let revisions = app.store.revisions(Entity::Entry, id).await.unwrap();
    assert!(
        revisions[0].note.starts_with("公示期满"),
        "{:?}",
        revisions[0]
    );
}

async fn updated_since_lists_only_the_entries_changed_since(app: TestApp) {
    let old = fake_entry("示例早已列入有限公司");
    app.insert(std::slice::from_ref(&old), Publication::Published)
        .await;
    app.clock.advance(Duration::hours(2));
    let since = jingshi::domain::dates::rfc3339(app.clock.now());
    app.clock.advance(Duration::minutes(1));
    let new_id = app
        .insert(
            &[fake_entry("示例新近列入有限公司")],
            Publication::Published,
        )
        .await[0];
    let (status, page) = app
        .get_json(&format!(
            "/api/v1/entries?updated_since={}",
            urlencode(&since)
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], new_id);
    // An update counts as a change; a date means China midnight.
    let mut changed = old;
    changed.measures = "联合惩戒、限制高消费".into();
    write_entries(&app.store, &app.clock, &[changed], None)
        .await
        .unwrap();
    let (_, page) = app
        .get_json(&format!(
            "/api/v1/entries?after=0&updated_since={}",
            urlencode(&since)
        ))
        .await;
    assert_eq!(page["total"], 2);
    let today = jingshi::domain::dates::iso(app.today());
    let (_, page) = app
        .get_json(&format!("/api/v1/entries?updated_since={today}"))
        .await;
    assert!(page["total"].as_i64().unwrap() >= 2);
    for bad in ["yesterday", "2026-13-01"] {
        assert_eq!(
            app.get_json(&format!("/api/v1/entries?updated_since={bad}"))
                .await
                .0,
            400
        );
    }
    assert_eq!(
        app.get_json(&format!("/api/v1/entries?q=示例&updated_since={today}"))
            .await
            .0,
        400
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn the_visibility_rule_in_rust_says_what_the_sql_says(app: TestApp) {
    let today = app.today();
    let mut cases: Vec<(EntryData, Publication)> = Vec::new();
    for (i, ends) in [
        None,
        Some(today),
        Some(today - Duration::days(1)),
        Some(today + Duration::days(1)),
    ]
    .into_iter()
    .enumerate()
    {
        for p in [Publication::Published, Publication::Draft] {
            let mut e = fake_entry(&format!("示例可见性{i}{}有限公司", p.key()));
            e.publicity_ends_on = ends;
            cases.push((e, p));
        }
    }
    for (e, p) in &cases {
        let id = app.insert(std::slice::from_ref(e), *p).await[0];
        let sql = matches!(
            app.store.public_entry(id, today).await.unwrap(),
            Visibility::Public(_)
        );
        assert_eq!(
            admits(*p, e.publicity_ends_on, today),
            sql,
            "{} {p:?}",
            e.name
        );
    }
}

/// On PostgreSQL a second writer waits for the first (both bump the data version row), so a
/// consumer never reads past an event that is still to commit: it sees neither until the
/// first commits, then both, in commit order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_waits_is_not_passed_over() {
    let Some(app) = TestApp::try_spawn(crate::harness::Backend::Postgres).await else {
        return;
    };
    let slow = jingshi::import::ImportRow::new(2, None, fake_entry("示例慢事务有限公司"));
    let actor = jingshi::store::Actor {
        name: "测试".into(),
        note: String::new(),
    };
    let published = Some(Publication::Published);
    let mut tx = app.store.begin().await.unwrap();
    let plan = jingshi::import::plan(&mut tx, std::slice::from_ref(&slow), published)
        .await
        .unwrap();
    jingshi::import::apply(
        &mut tx,
        std::slice::from_ref(&slow),
        &plan,
        published,
        &actor,
        app.clock.now(),
        &|_| {},
    )
    .await
    .unwrap();
    let other = [fake_entry("示例快事务有限公司")];
    let fast = app.insert(&other, Publication::Published);
    let first_commits = async {
        // The other writer has started and waits; a consumer reads meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let (_, meanwhile) = app.get_json("/api/v1/changes").await;
        tx.commit().await.unwrap();
        meanwhile
    };
    let (fast, meanwhile) = tokio::join!(fast, first_commits);
    let fast = fast[0];
    assert_eq!(
        meanwhile["items"].as_array().unwrap().len(),
        0,
        "{meanwhile}"
    );
    let cursor = meanwhile["next_cursor"].as_i64().unwrap_or(0);
    let (_, next) = app
        .get_json(&format!("/api/v1/changes?cursor={cursor}"))
        .await;
    let items = next["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{next}");
    assert_eq!(items[0]["entry"]["name"], "示例慢事务有限公司");
    assert_eq!(items[1]["entry_id"], fast);
}
