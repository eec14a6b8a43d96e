//! The public list, entry pages, the lookup and what the public must never see.

use jingshi::domain::{Category, ListKind, Publication};
use jingshi::store::Entity;
use time::macros::date;

use crate::harness::{TestApp, fake_entry};
use crate::on_both_databases;

on_both_databases!(
    published_entries_are_listed_and_drafts_never_show,
    an_entry_page_shows_every_field_and_its_status,
    a_removed_entry_is_shown_as_removed_with_date_and_reason,
    an_entry_whose_publicity_ended_answers_410_without_its_name,
    filters_and_pagination_narrow_the_list,
    the_lookup_finds_parts_of_names_aliases_codes_and_hosts,
    a_lookup_with_no_hit_says_absence_is_not_proof_of_safety,
    wildcards_in_a_lookup_match_nothing_special,
    a_reimport_updates_the_entry_and_keeps_a_revision,
);

async fn published_entries_are_listed_and_drafts_never_show(app: TestApp) {
    let mut draft = fake_entry("示例草稿科技有限公司");
    draft.aliases = vec!["草稿宝".into()];
    app.insert(
        &[fake_entry("示例公开网络科技有限公司")],
        Publication::Published,
    )
    .await;
    let draft_id = app.insert(&[draft], Publication::Draft).await[0];
    let withdrawn_id = app
        .insert(
            &[fake_entry("示例撤回投资管理有限公司")],
            Publication::Withdrawn,
        )
        .await[0];

    let (status, list) = app.get("/entries").await;
    assert_eq!(status, 200);
    assert!(list.contains("示例公开网络科技有限公司"));
    assert!(list.contains("共 <strong>1</strong> 条"), "{list}");
    for path in [
        "/entries",
        "/search?q=草稿",
        "/search?q=草稿宝",
        "/api/v1/entries",
        "/api/v1/entries?q=草稿",
        "/",
    ] {
        let (_, body) = app.get(path).await;
        assert!(!body.contains("草稿科技"), "{path} shows a draft");
        assert!(!body.contains("撤回投资"), "{path} shows a withdrawn entry");
    }
    assert_eq!(app.get(&format!("/entries/{draft_id}")).await.0, 404);
    assert_eq!(app.get(&format!("/entries/{withdrawn_id}")).await.0, 404);
    assert_eq!(
        app.get_json(&format!("/api/v1/entries/{draft_id}")).await.0,
        404
    );
}

async fn an_entry_page_shows_every_field_and_its_status(app: TestApp) {
    let mut e = fake_entry("示例鑫利宝网络科技有限公司");
    e.aliases = vec!["鑫利宝APP".into(), "鑫利宝理财".into()];
    e.credit_code = crate::api::code("91410100737459086M");
    e.websites = vec!["xinlibao.example".into()];
    e.phones = vec!["400-000-1818".into()];
    let id = app.insert(&[e], Publication::Published).await[0];

    let (status, page) = app.get(&format!("/entries/{id}")).await;
    assert_eq!(status, 200);
    for text in [
        "示例鑫利宝网络科技有限公司",
        "鑫利宝APP、鑫利宝理财",
        "91410100737459086M",
        "网络借贷",
        "黑名单",
        "该主体目前在列。",
        "以高息为诱饵非法吸收公众存款",
        "示区金整办〔2024〕1号",
        "2024-03-01",
        "xinlibao.example",
        "400-000-1818",
        "可在60日内申请行政复议",
        "变更记录",
        "首次录入",
    ] {
        assert!(page.contains(text), "entry page lacks {text}");
    }
    assert!(page.contains(r#"<html lang="zh-CN">"#));
}

async fn a_removed_entry_is_shown_as_removed_with_date_and_reason(app: TestApp) {
    let mut e = fake_entry("示例易贷通信息技术有限公司");
    e.status = jingshi::domain::EntryStatus::Removed;
    e.removed_on = Some(date!(2025 - 06 - 30));
    e.removal_reason = "整改完成，经复核移出".into();
    e.removal_authority = "示例区金融工作局".into();
    let id = app.insert(&[e], Publication::Published).await[0];

    let (_, page) = app.get(&format!("/entries/{id}")).await;
    assert!(page.contains("该主体已移出名单，目前不在列。"));
    assert!(page.contains("移出日期 2025-06-30"));
    assert!(page.contains("整改完成，经复核移出"));
    assert!(!page.contains("该主体目前在列"));
    // The public history tells when it was listed and when removed, not only when the row
    // was loaded.
    let history = &page[page.find("变更记录").expect("history")..];
    let removed = history.find("2025-06-30").expect("removal in the history");
    let listed = history.find("2024-03-01").expect("listing in the history");
    assert!(removed < listed, "newest first");
    assert!(history.contains("移出名单：整改完成，经复核移出"));
    assert!(history.contains("列入黑名单"));
    let (_, found) = app.get("/search?q=易贷通").await;
    assert!(found.contains("相符的记录 1 条，均已移出名单"), "{found}");
    let (_, json) = app.get_json("/api/v1/entries?q=易贷通").await;
    assert_eq!(json["items"][0]["status"], "removed");
    assert_eq!(json["items"][0]["removed_on"], "2025-06-30");
}

async fn an_entry_whose_publicity_ended_answers_410_without_its_name(app: TestApp) {
    let mut e = fake_entry("示例期满退出商贸有限公司");
    e.publicity_ends_on = Some(date!(2024 - 12 - 31));
    let id = app.insert(&[e], Publication::Published).await[0];

    let (status, page) = app.get(&format!("/entries/{id}")).await;
    assert_eq!(status, 410);
    assert!(page.contains("公示期已满"), "{page}");
    assert!(!page.contains("期满退出"));
    let (status, json) = app.get_json(&format!("/api/v1/entries/{id}")).await;
    assert_eq!(status, 410);
    assert_eq!(json["error"]["code"], "gone");
    for path in ["/entries", "/api/v1/entries", "/api/v1/entries?q=期满退出"] {
        assert!(!app.get(path).await.1.contains("期满退出"), "{path}");
    }
    let (_, search) = app.get("/search?q=期满退出").await;
    assert!(search.contains("未查询到"), "{search}");
    assert!(!search.contains("期满退出商贸"));
}

async fn filters_and_pagination_narrow_the_list(app: TestApp) {
    let mut entries = Vec::new();
    for i in 0..25 {
        let mut e = fake_entry(&format!("示例第{i:02}号投资管理有限公司"));
        e.category = if i % 5 == 0 {
            Category::Payment
        } else {
            Category::P2p
        };
        e.list = if i % 2 == 0 {
            ListKind::Warning
        } else {
            ListKind::Blacklist
        };
        e.listed_on = Some(if i < 10 {
            date!(2023 - 05 - 01)
        } else {
            date!(2025 - 05 - 01)
        });
        entries.push(e);
    }
    app.insert(&entries, Publication::Published).await;

    let (_, page1) = app.get("/entries").await;
    assert!(page1.contains("共 <strong>25</strong> 条"));
    assert!(page1.contains("第 1 页 / 共 2 页"));
    assert!(page1.contains(r#"href="/entries?page=2""#), "{page1}");
    let (_, page2) = app.get("/entries?page=2").await;
    assert_eq!(page2.matches("entry-card").count(), 5);

    let (_, payment) = app.get("/entries?category=payment").await;
    assert!(payment.contains("共 <strong>5</strong> 条"));
    let (_, chinese) = app.get("/entries?category=第三方支付").await;
    assert!(chinese.contains("共 <strong>5</strong> 条"));
    let (_, y2023) = app.get("/entries?year=2023&list=warning").await;
    assert!(y2023.contains("共 <strong>5</strong> 条"), "{y2023}");
    let (_, json) = app
        .get_json("/api/v1/entries?list=blacklist&category=p2p&per_page=5&page=2")
        .await;
    assert_eq!(json["total"], 10);
    assert_eq!(json["items"].as_array().unwrap().len(), 5);
    let (_, by_name) = app.get_json("/api/v1/entries?per_page=100").await;
    assert_eq!(by_name["items"].as_array().unwrap().len(), 25);
    let (_, oldest) = app.get("/entries?sort=oldest").await;
    let first = oldest.find("示例第00号").unwrap();
    let later = oldest.find("示例第10号").unwrap_or(usize::MAX);
    assert!(first < later);
}

async fn the_lookup_finds_parts_of_names_aliases_codes_and_hosts(app: TestApp) {
    let mut e = fake_entry("河南钱满仓金融信息服务有限公司");
    e.aliases = vec!["钱满仓APP".into()];
    e.credit_code = crate::api::code("914100007110665832");
    e.websites = vec!["qianmancang.com".into()];
    app.insert(
        &[e, fake_entry("示例快付宝支付服务有限公司")],
        Publication::Published,
    )
    .await;

    for q in [
        "满仓",
        "钱满仓app",
        "ＱＩＡＮＭＡＮＣＡＮＧ.ＣＯＭ",
        "https://www.qianmancang.com/invest/list?id=3",
        "9141 0000 7110 6658 32",
    ] {
        let (status, page) = app.get(&format!("/search?q={}", urlencode(q))).await;
        assert_eq!(status, 200);
        assert!(page.contains(r#"href="/entries/1""#), "lookup {q}");
        assert!(page.contains("相符的在列记录 1 条"), "lookup {q}");
        assert!(!page.contains("快付宝"), "lookup {q}");
    }
    let (_, json) = app.get_json("/api/v1/entries?q=%E6%BB%A1%E4%BB%93").await;
    assert_eq!(json["total"], 1);
    let (_, page) = app.get("/search?q=91410000711066583A").await;
    assert!(page.contains("该统一社会信用代码校验位有误"));
}

async fn a_lookup_with_no_hit_says_absence_is_not_proof_of_safety(app: TestApp) {
    let (status, page) = app.get("/search?q=钱多多").await;
    assert_eq!(status, 200);
    assert!(page.contains("名单中没有与“<bdi>钱多多</bdi>”相符的记录。"));
    assert!(page.contains("未列入名单不代表该平台合法合规。"));
    assert!(page.contains("110"));
    assert!(page.contains("查询时间"));
    assert!(page.contains(&format!(
        "http://{}/search?q=%E9%92%B1%E5%A4%9A%E5%A4%9A",
        app.addr
    )));
}

async fn wildcards_in_a_lookup_match_nothing_special(app: TestApp) {
    app.insert(&[fake_entry("示例百分百有限公司")], Publication::Published)
        .await;
    for q in ["%25", "_", "%25%25", "%5C", "'%20OR%201=1--"] {
        let (status, body) = app.get(&format!("/search?q={q}")).await;
        assert_eq!(status, 200, "{q}");
        assert!(!body.contains("百分百"), "{q} matched everything");
        let (status, json) = app.get_json(&format!("/api/v1/entries?q={q}")).await;
        assert_eq!(status, 200);
        assert_eq!(json["total"], 0, "{q}");
    }
}

async fn a_reimport_updates_the_entry_and_keeps_a_revision(app: TestApp) {
    let mut e = fake_entry("示例稳盈投资管理有限公司");
    e.credit_code = crate::api::code("91410100206790490B");
    let id = app.insert(&[e.clone()], Publication::Published).await[0];
    e.status = jingshi::domain::EntryStatus::Removed;
    e.removed_on = Some(date!(2025 - 01 - 02));
    e.removal_reason = "信用修复".into();
    e.name = "示例稳盈资产管理有限公司".into();
    let again = app.insert(&[e], Publication::Published).await[0];
    assert_eq!(id, again, "same credit code, same entry");

    let (_, json) = app.get_json("/api/v1/entries").await;
    assert_eq!(json["total"], 1);
    let revisions = app.store.revisions(Entity::Entry, id).await.unwrap();
    assert_eq!(revisions.len(), 2);
    let changed = revisions[0].changed.clone();
    for field in ["主体名称", "状态", "移出日期", "移出原因"] {
        assert!(changed.iter().any(|c| c == field), "{changed:?}");
    }
    let (_, page) = app.get(&format!("/entries/{id}")).await;
    assert!(
        page.contains("更新：主体名称、状态、移出日期、移出原因"),
        "{page}"
    );
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
