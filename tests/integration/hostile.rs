//! Hostile queries, headers and requests: the answer is never misleading, links never come
//! from the request, and every rejection is in Chinese.

use jingshi::domain::Publication;

use crate::entries::urlencode;
use crate::harness::{TestApp, fake_entry, write_entries};
use crate::on_both_databases;

on_both_databases!(
    a_query_with_bidi_controls_is_matched_and_shown_as_its_real_characters,
    a_host_header_never_reaches_a_page,
    malformed_requests_get_chinese_answers,
    while_the_index_is_behind_the_page_and_the_api_say_so,
);

const NAME: &str = "示例市速结通科技有限公司";

/// Bidi controls and other invisible characters are removed before matching, and the receipt
/// shows the characters that were matched, in their real order.
async fn a_query_with_bidi_controls_is_matched_and_shown_as_its_real_characters(app: TestApp) {
    app.insert(&[fake_entry(NAME)], Publication::Published)
        .await;
    // What a browser displays as the listed name: a right-to-left override, then the name
    // reversed.
    let reversed: String = NAME.chars().rev().collect();
    let (status, page) = app
        .get(&format!(
            "/search?q={}",
            urlencode(&format!("\u{202e}{reversed}\u{202c}"))
        ))
        .await;
    assert_eq!(status, 200);
    assert!(!page.contains('\u{202e}') && !page.contains('\u{202c}'));
    assert!(
        page.contains(&format!("名单中没有与“<bdi>{reversed}</bdi>”相符的记录。")),
        "the receipt states the characters that were looked up"
    );
    assert!(!page.contains(&format!("“<bdi>{NAME}</bdi>”相符")));
    assert!(page.contains("已删除后按下方“查询内容”所示文字查询"));
    assert!(page.contains(&format!("<dd><bdi>{reversed}</bdi></dd>")));
    assert!(
        page.contains(&format!(
            "http://{}/search?q={}",
            app.addr,
            urlencode(&reversed)
        )),
        "the link re-runs the query as matched"
    );

    // Invisible characters inside the real name change nothing.
    let hidden = "\u{200b}示例市\u{200e}速结通\u{2066}科技有限公司\u{2069}\0";
    let (status, page) = app.get(&format!("/search?q={}", urlencode(hidden))).await;
    assert_eq!(status, 200);
    assert!(page.contains("”相符的在列记录 1 条："), "{page}");
    assert!(page.contains(&format!("<dd><bdi>{NAME}</bdi></dd>")));
    let (status, json) = app
        .get_json(&format!("/api/v1/entries?q={}", urlencode(hidden)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(json["total"], 1, "{json}");
    let (_, json) = app
        .get_json(&format!("/api/v1/suggest?q={}", urlencode(hidden)))
        .await;
    assert_eq!(json["items"][0]["name"], NAME);
    // A query of nothing but invisible characters is no query.
    let (status, page) = app.get("/search?q=%E2%80%AE%00%E2%80%8B").await;
    assert_eq!(status, 200);
    assert!(!page.contains("未查询到"));
}

/// Absolute links come from the configured base URL only: a forged `Host` (or forwarded
/// host) header never appears in a page, a receipt or an API answer.
async fn a_host_header_never_reaches_a_page(app: TestApp) {
    let id = app
        .insert(&[fake_entry(NAME)], Publication::Published)
        .await[0];
    let q = urlencode("速结通");
    for path in [
        format!("/search?q={q}"),
        "/".to_string(),
        "/entries".to_string(),
        format!("/entries/{id}"),
        format!("/api/v1/entries?q={q}"),
        format!("/api/v1/entries/{id}"),
        format!("/api/v1/suggest?q={q}"),
        "/no/such/page".to_string(),
    ] {
        let answer = app
            .raw(
                format!(
                    "GET {path} HTTP/1.1\r\nHost: evil.example\r\n\
                     X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n\
                     Connection: close\r\n\r\n"
                )
                .as_bytes(),
            )
            .await;
        assert!(answer.status > 0, "{path}");
        assert!(!answer.body.contains("evil.example"), "{path}");
        assert!(!answer.headers.contains("evil.example"), "{path}");
    }
    let answer = app
        .raw(
            format!(
                "GET /search?q={q} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await;
    assert!(
        answer
            .body
            .contains(&format!("http://{}/search?q={q}", app.addr)),
        "the receipt links to the configured address"
    );
}

/// Whether text holds a Chinese character.
fn chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every rejection that reaches the application (from a handler or from the HTTP layers) is
/// a Chinese page, or a JSON error with a Chinese message; none is empty or English.
async fn malformed_requests_get_chinese_answers(app: TestApp) {
    let long = "a".repeat(20_000);
    let big_body = "x".repeat(100 * 1024);
    // (request line and headers, status); paths that are not UTF-8 once decoded are 400.
    let requests: Vec<(String, u16)> = vec![
        ("GET /no/such/page HTTP/1.1".into(), 404),
        ("POST /search HTTP/1.1\r\nContent-Length: 0".into(), 405),
        ("OPTIONS / HTTP/1.1".into(), 405),
        ("PUT /entries/1 HTTP/1.1\r\nContent-Length: 0".into(), 405),
        ("DELETE /api/v1/entries HTTP/1.1".into(), 405),
        (
            "POST /static/site.css HTTP/1.1\r\nContent-Length: 0".into(),
            405,
        ),
        ("GET /static/nothing.css HTTP/1.1".into(), 404),
        ("GET /entries/%FF%FE HTTP/1.1".into(), 400),
        ("GET /pages/%FF HTTP/1.1".into(), 400),
        ("GET /articles/%C0%AF HTTP/1.1".into(), 400),
        ("GET /api/v1/entries/%FF HTTP/1.1".into(), 400),
        ("GET /api/v1/articles/%00 HTTP/1.1".into(), 404),
        ("GET /api/v1/nothing HTTP/1.1".into(), 404),
        ("GET /entries?page=%FF HTTP/1.1".into(), 400),
        ("GET /api/v1/entries?per_page=0 HTTP/1.1".into(), 400),
        ("GET /search?tab=%E2%80%AEx HTTP/1.1".into(), 400),
        (format!("GET /search?q={long} HTTP/1.1"), 414),
        (format!("GET /api/v1/entries?q={long} HTTP/1.1"), 414),
        (format!("GET /static/{long}.css HTTP/1.1"), 414),
        (
            format!(
                "POST /search HTTP/1.1\r\nContent-Length: {}\r\n\r\n{big_body}",
                big_body.len()
            ),
            413,
        ),
    ];
    for (head, status) in requests {
        let request = if head.contains("\r\n\r\n") {
            head.replacen("\r\n", "\r\nHost: x\r\nConnection: close\r\n", 1)
        } else {
            format!("{head}\r\nHost: x\r\nConnection: close\r\n\r\n")
        };
        let answer = app.raw(request.as_bytes()).await;
        let line: String = head.chars().take(60).collect();
        assert_eq!(answer.status, status, "{line}");
        assert!(chinese(&answer.body), "{line}: {}", answer.body);
        if answer.headers.contains("content-type: application/json") {
            let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
            assert!(
                chinese(json["error"]["message"].as_str().unwrap()),
                "{line}"
            );
        } else {
            assert!(answer.headers.contains("content-type: text/html"), "{line}");
            assert!(answer.body.contains(r#"lang="zh-CN""#), "{line}");
        }
        assert!(answer.headers.contains("cache-control: no-store"), "{line}");
    }
}

/// A fresh entry is found by its exact identity at once, and while the index has not caught
/// up the page and the API say that parts of names may still miss it.
async fn while_the_index_is_behind_the_page_and_the_api_say_so(app: TestApp) {
    // Another instance holds the index: this one's worker cannot apply the outbox.
    let ten_minutes = time::Duration::minutes(10);
    let held = app
        .store
        .try_lease(
            "search-index",
            "another-instance",
            app.clock.now(),
            ten_minutes,
        )
        .await
        .unwrap();
    assert!(held);
    let mut e = fake_entry("示例刚刚上架科技有限公司");
    e.aliases = vec!["上架宝".into()];
    write_entries(&app.store, &app.clock, &[e], Some(Publication::Published))
        .await
        .unwrap();
    let whole = format!("/search?q={}", urlencode("示例刚刚上架科技有限公司"));
    let (_, page) = app.get(&whole).await;
    assert!(page.contains("”相符的在列记录 1 条："));
    assert!(!page.contains("检索索引尚在同步"), "a moment is not a lag");

    app.clock.advance(time::Duration::seconds(12));
    let (_, page) = app.get(&whole).await;
    assert!(
        page.contains("”相符的在列记录 1 条："),
        "exact names come from the database"
    );
    assert!(
        page.contains("名单刚有更新，检索索引尚在同步（1 条变更待处理，最早的已等待 12 秒）"),
        "{page}"
    );
    let (_, page) = app
        .get(&format!("/search?q={}", urlencode("刚刚上架")))
        .await;
    assert!(page.contains("按名称的一部分或拼音查询，可能暂时查不到最新的条目"));
    let (_, json) = app
        .get_json(&format!("/api/v1/entries?q={}", urlencode("上架宝")))
        .await;
    assert_eq!(json["total"], 1, "{json}");
    assert_eq!(json["index_behind"]["pending"], 1, "{json}");
    assert_eq!(json["index_behind"]["lag_seconds"], 12);
    assert_eq!(json["index_behind"]["rebuilding"], false);
    assert!(chinese(json["index_behind"]["notice"].as_str().unwrap()));
    let (_, json) = app.get_json("/api/v1/entries").await;
    assert!(json.get("index_behind").is_none(), "only lookups say so");

    app.store
        .release_lease("search-index", "another-instance")
        .await
        .unwrap();
    app.sync().await;
    let (_, page) = app
        .get(&format!("/search?q={}", urlencode("刚刚上架")))
        .await;
    assert!(page.contains("”相符的在列记录 1 条："));
    assert!(!page.contains("检索索引尚在同步"));
    let (_, json) = app
        .get_json(&format!("/api/v1/entries?q={}", urlencode("上架宝")))
        .await;
    assert!(json.get("index_behind").is_none(), "{json}");
}
