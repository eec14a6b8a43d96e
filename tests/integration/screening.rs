//! Batch screening: `POST /api/v1/match` answers each counterparty with the lookup's verdict
//! and match kinds; a bad item gets its own error and the rest are answered.

use jingshi::domain::{EntryStatus, Publication};
use serde_json::{Value, json};
use time::macros::date;

use crate::api::code;
use crate::harness::{TestApp, fake_entry};
use crate::on_both_databases;

on_both_databases!(
    match_answers_a_hundred_items_with_one_bad_item_among_them,
    match_refuses_what_it_cannot_read_with_json_errors,
);

async fn post(app: &TestApp, body: &Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/match"))
        .json(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn match_answers_a_hundred_items_with_one_bad_item_among_them(app: TestApp) {
    let mut listed = fake_entry("河南钱满仓金融信息服务有限公司");
    listed.aliases = vec!["钱满仓".into()];
    listed.credit_code = code("91410100737459086M");
    listed.websites = vec!["qianmancang.com".into()];
    listed.phones = vec!["400-000-1818".into()];
    let mut removed = fake_entry("郑州汇鑫宝网络科技有限公司");
    removed.status = EntryStatus::Removed;
    removed.removed_on = Some(date!(2025 - 01 - 01));
    removed.removal_reason = "整改完成".into();
    let ids = app.insert(&[listed, removed], Publication::Published).await;
    app.insert(&[fake_entry("示例尚未公开有限公司")], Publication::Draft)
        .await;

    let mut items: Vec<Value> = vec![
        json!({"ref": "by-code", "credit_code": "91410100737459086m"}),
        json!({"ref": "by-site", "website": "https://m.qianmancang.com/app?x=1"}),
        json!({"ref": "by-phone", "phone": "4000001818"}),
        json!({"ref": "by-part", "name": "汇鑫宝"}),
        json!({"ref": "several", "name": "河南钱满仓金融信息服务有限公司", "phone": "400-000-1818"}),
        json!({"ref": "bad", "credit_code": "12345"}),
        json!({"ref": "draft", "name": "示例尚未公开有限公司"}),
        json!({"ref": "sound", "name": "钱满苍"}),
    ];
    while items.len() < 100 {
        items.push(json!({"ref": format!("none-{}", items.len()), "name": format!("毫无关系的名称{}", items.len())}));
    }
    let (status, body) = post(&app, &json!({ "items": items })).await;
    assert_eq!(status, 200, "{body}");
    let results = body["items"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i);
        assert_eq!(r["ref"], items[i]["ref"]);
    }
    let by_ref = |r: &str| results.iter().find(|x| x["ref"] == r).unwrap();

    for r in ["by-code", "by-site", "by-phone"] {
        let x = by_ref(r);
        assert_eq!(x["verdict"], "listed", "{x}");
        assert_eq!(x["matches"][0]["match"], "exact", "{x}");
        assert_eq!(x["matches"][0]["entry"]["id"], ids[0]);
        assert!(x["matches"][0]["entry"]["reason"].is_string());
    }
    assert_eq!(by_ref("by-code")["matches"][0]["basis"], "credit_code");
    assert_eq!(
        by_ref("by-code")["matches"][0]["explanation"],
        "统一社会信用代码一致"
    );
    assert_eq!(by_ref("by-site")["matches"][0]["basis"], "website");
    assert_eq!(by_ref("by-phone")["matches"][0]["basis"], "phone");
    let part = by_ref("by-part");
    assert_eq!(part["verdict"], "removed", "{part}");
    assert_eq!(part["matches"][0]["match"], "contains");
    assert_eq!(part["matches"][0]["entry"]["status"], "removed");
    let several = by_ref("several");
    assert_eq!(several["verdict"], "listed");
    assert_eq!(
        several["matches"].as_array().unwrap().len(),
        1,
        "one entry, {several}"
    );
    // Both identifiers found it; the strongest (the phone, an exact identifier) comes first
    // and is the one the match is explained by.
    assert_eq!(
        several["matches"][0]["matched_by"],
        json!(["phone", "name"]),
        "{several}"
    );
    assert_eq!(several["matches"][0]["basis"], "phone", "{several}");
    let bad = by_ref("bad");
    assert!(bad.get("verdict").is_none() && bad.get("matches").is_none());
    assert_eq!(bad["error"]["code"], "invalid_item");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("统一社会信用代码")
    );
    assert_eq!(by_ref("draft")["verdict"], "none", "a draft is never found");
    let sound = by_ref("sound");
    assert_ne!(
        sound["verdict"], "listed",
        "a sound alike never decides: {sound}"
    );
    assert!(
        sound["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["match"] == "similar")
    );
    assert_eq!(by_ref("none-50")["verdict"], "none");
    let text = body.to_string();
    assert!(!text.contains("示例尚未公开有限公司\",\"aliases"));
}

async fn match_refuses_what_it_cannot_read_with_json_errors(app: TestApp) {
    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"name": format!("名称{i}")}))
        .collect();
    let (status, body) = post(&app, &json!({ "items": too_many })).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("100"));
    for bad in [
        json!({}),
        json!({"items": []}),
        json!({"items": "x"}),
        json!([1, 2]),
    ] {
        let (status, body) = post(&app, &bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], "bad_request");
    }
    // Not JSON at all.
    let res = app
        .client
        .post(app.url("/api/v1/match"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("JSON"));
    // A body past the limit. A fresh connection: the server answers before reading such a
    // body and closes the connection.
    let huge = json!({"items": [{"name": "钱".repeat(40_000)}]});
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/match"))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    // Items of the wrong shape are answered one by one.
    let (status, body) = post(
        &app,
        &json!({"items": [1, {"name": 5}, {"ref": "empty"}, {"name": "钱".repeat(101)}, {"name": "正常名称"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let results = body["items"].as_array().unwrap();
    for r in &results[..4] {
        assert_eq!(r["error"]["code"], "invalid_item", "{r}");
    }
    assert_eq!(results[4]["verdict"], "none");
    assert_eq!(app.get_json("/api/v1/match").await.0, 405);
}
