//! The JSON API: shapes, errors and bad input.

use jingshi::domain::article::ArticleData;
use jingshi::domain::{ArticleKind, CreditCode, Publication};
use jingshi::store::{Actor, Entity, snapshot};
use time::macros::date;

use crate::harness::{TestApp, fake_entry};
use crate::on_both_databases;

on_both_databases!(
    the_entries_api_pages_by_keyset_as_deep_as_the_list_goes,
    the_entries_api_answers_the_documented_shape,
    the_articles_api_lists_and_shows_published_articles_only,
    bad_api_input_answers_json_errors_never_500,
);

pub fn article(slug: &str, kind: ArticleKind, title: &str) -> ArticleData {
    ArticleData {
        slug: slug.into(),
        kind,
        title: title.into(),
        summary: "摘要".into(),
        body_md: "**风险提示：**请勿轻信高收益承诺。\n\n<script>alert(1)</script>".into(),
        doc_no: Some("示区金整办〔2025〕3号".into()),
        tags: vec!["网络借贷".into()],
        published_on: date!(2025 - 03 - 12),
        related_entries: vec!["91410100737459086M".into()],
    }
}

/// Writes new articles in the given states, with their revisions and outbox items.
pub async fn write_articles(app: &TestApp, articles: &[(ArticleData, Publication)]) -> Vec<i64> {
    let actor = Actor {
        name: "测试".into(),
        note: String::new(),
    };
    let now = app.clock.now();
    let mut tx = app.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for (a, state) in articles {
        let id = tx.insert_article(a, *state, now).await.unwrap();
        tx.insert_revision(
            Entity::Article,
            id,
            None,
            &snapshot(a),
            &[],
            &actor,
            now,
            None,
        )
        .await
        .unwrap();
        tx.enqueue(Entity::Article, id, now).await.unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    app.sync().await;
    ids
}

pub fn code(s: &str) -> Option<CreditCode> {
    Some(CreditCode::from_stored(s).unwrap())
}

async fn the_entries_api_answers_the_documented_shape(app: TestApp) {
    let mut e = fake_entry("示例汇鑫宝网络科技有限公司");
    e.aliases = vec!["汇鑫宝".into()];
    e.credit_code = code("91410100737459086M");
    let id = app.insert(&[e], Publication::Published).await[0];

    let (status, json) = app.get_json("/api/v1/entries?q=汇鑫宝").await;
    assert_eq!(status, 200);
    assert_eq!(json["total"], 1);
    assert_eq!(json["verdict"], "listed");
    assert_eq!(json["page"], 1);
    assert_eq!(json["per_page"], 20);
    let item = &json["items"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "address",
            "aliases",
            "authority",
            "basis",
            "category",
            "credit_code",
            "decision_no",
            "id",
            "list",
            "listed_on",
            "match",
            "measures",
            "name",
            "phones",
            "publicity_ends_on",
            "reason",
            "remedy",
            "removal_authority",
            "removal_reason",
            "removed_on",
            "status",
            "updated_at",
            "url",
            "websites"
        ]
    );
    assert_eq!(item["id"], id);
    assert_eq!(item["aliases"][0], "汇鑫宝");
    assert_eq!(item["category"], "p2p");
    assert_eq!(item["list"], "blacklist");
    assert_eq!(item["listed_on"], "2024-03-01");
    assert_eq!(item["url"], format!("http://{}/entries/{id}", app.addr));
    assert_eq!(item["match"], "exact");
    let (_, list) = app.get_json("/api/v1/entries").await;
    assert!(list["verdict"].is_null(), "no verdict without a query");
    assert!(list["items"][0].get("match").is_none());

    let (status, one) = app.get_json(&format!("/api/v1/entries/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "示例汇鑫宝网络科技有限公司");
    assert_eq!(
        one["authority"],
        "示例区互联网金融风险专项整治工作领导小组办公室"
    );
}

async fn the_articles_api_lists_and_shows_published_articles_only(app: TestApp) {
    let mut e = fake_entry("示例汇鑫宝网络科技有限公司");
    e.credit_code = code("91410100737459086M");
    let entry_id = app.insert(&[e], Publication::Published).await[0];
    write_articles(
        &app,
        &[
            (
                article("p2p-warning", ArticleKind::Warning, "警惕高收益网贷"),
                Publication::Published,
            ),
            (
                article("case-one", ArticleKind::Case, "张某非法吸收公众存款案"),
                Publication::Published,
            ),
            (
                article("secret-draft", ArticleKind::Warning, "未发布的草稿"),
                Publication::Draft,
            ),
        ],
    )
    .await;

    let (_, all) = app.get_json("/api/v1/articles").await;
    assert_eq!(all["total"], 2);
    let (_, warnings) = app.get_json("/api/v1/articles?kind=warning").await;
    assert_eq!(warnings["total"], 1);
    assert_eq!(warnings["items"][0]["slug"], "p2p-warning");
    let (_, found) = app.get_json("/api/v1/articles?q=张某").await;
    assert_eq!(found["items"][0]["slug"], "case-one");
    let (status, one) = app.get_json("/api/v1/articles/p2p-warning").await;
    assert_eq!(status, 200);
    assert!(
        one["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>风险提示：</strong>")
    );
    assert!(!one["body_html"].as_str().unwrap().contains("<script"));
    assert_eq!(app.get_json("/api/v1/articles/secret-draft").await.0, 404);

    let (status, page) = app.get("/articles/p2p-warning").await;
    assert_eq!(status, 200);
    assert!(page.contains("<strong>风险提示：</strong>请勿轻信高收益承诺。"));
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("示例汇鑫宝网络科技有限公司"), "related entry");
    let (_, entry_page) = app.get(&format!("/entries/{entry_id}")).await;
    assert!(entry_page.contains("警惕高收益网贷"), "related article");
    assert!(!entry_page.contains("未发布的草稿"));
    assert_eq!(app.get("/articles/secret-draft").await.0, 404);
    let (_, list) = app.get("/warnings").await;
    assert!(list.contains("警惕高收益网贷") && !list.contains("未发布的草稿"));
    let (_, home) = app.get("/").await;
    assert!(home.contains("警惕高收益网贷") && home.contains("张某非法吸收公众存款案"));
    assert!(home.contains("查询平台是否被列入名单"));
}

async fn bad_api_input_answers_json_errors_never_500(app: TestApp) {
    app.insert(&[fake_entry("示例某某有限公司")], Publication::Published)
        .await;
    let long = "a".repeat(10_000);
    let long_chinese = "钱".repeat(1_000);
    for (path, status) in [
        ("/api/v1/entries?page=-1".to_string(), 400),
        ("/api/v1/entries?page=1000000000000".to_string(), 400),
        ("/api/v1/entries?page=abc".to_string(), 400),
        ("/api/v1/entries?per_page=0".to_string(), 400),
        ("/api/v1/entries?per_page=1000".to_string(), 400),
        ("/api/v1/entries?list=whitelist".to_string(), 400),
        ("/api/v1/entries?category=%FF%FE".to_string(), 400),
        (format!("/api/v1/entries?q={long}"), 400),
        (format!("/api/v1/entries?q={long_chinese}"), 400),
        ("/api/v1/entries/999999".to_string(), 404),
        ("/api/v1/entries/abc".to_string(), 404),
        ("/api/v1/entries/-1".to_string(), 404),
        ("/api/v1/entries/99999999999999999999999".to_string(), 404),
        ("/api/v1/articles/NOT_A_SLUG".to_string(), 404),
        ("/api/v1/nothing".to_string(), 404),
        ("/api/v1/articles?kind=poem".to_string(), 400),
    ] {
        let (got, json) = app.get_json(&path).await;
        assert_eq!(got, status, "{path}");
        assert!(json["error"]["code"].is_string(), "{path}");
        assert!(json["error"]["message"].is_string(), "{path}");
    }
    let (status, json) = app.get_json("/api/v1/entries?page=100000").await;
    assert_eq!(
        status, 400,
        "deep offsets are refused, pointing to keyset paging"
    );
    assert!(
        json["error"]["message"].as_str().unwrap().contains("after"),
        "{json}"
    );
    let (status, json) = app.get_json("/api/v1/entries?page=501").await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["items"].as_array().unwrap().len(), 0);
    let (status, _) = app.get_json("/api/v1/entries?%zz=%%&q=%E4").await;
    assert_eq!(status, 200);
}

async fn the_entries_api_pages_by_keyset_as_deep_as_the_list_goes(app: TestApp) {
    let entries: Vec<_> = (0..7)
        .map(|i| fake_entry(&format!("示例翻页第{i}号有限公司")))
        .collect();
    let ids = app.insert(&entries, Publication::Published).await;
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let (status, json) = app
            .get_json(&format!("/api/v1/entries?after={after}&per_page=3"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(json["total"], 7);
        for item in json["items"].as_array().unwrap() {
            seen.push(item["id"].as_i64().unwrap());
        }
        match json["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(seen, ids, "every entry once, in id order");
    assert_eq!(app.get_json("/api/v1/entries?after=x").await.0, 400);
}
