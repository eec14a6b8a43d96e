//! Headers, escaping, error pages and hostile input on the HTML side.

use jingshi::domain::Publication;

use crate::harness::{TestApp, fake_entry};
use crate::on_both_databases;

on_both_databases!(
    every_page_carries_the_security_headers,
    names_are_escaped_everywhere,
    bad_html_input_gets_a_chinese_4xx_page_never_a_500,
    an_unchanged_page_revalidates_with_304,
    the_standing_pages_are_served_from_content,
);

async fn every_page_carries_the_security_headers(app: TestApp) {
    for path in [
        "/",
        "/entries",
        "/nope",
        "/api/v1/entries",
        "/static/site.css",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
}

async fn names_are_escaped_everywhere(app: TestApp) {
    let mut e = fake_entry("<script>alert('x')</script>有限公司");
    e.aliases = vec!["<img src=x onerror=alert(1)>".into()];
    let id = app.insert(&[e], Publication::Published).await[0];
    for path in [
        format!("/entries/{id}"),
        "/entries".into(),
        "/search?q=有限公司".into(),
    ] {
        let (_, body) = app.get(&path).await;
        assert!(!body.contains("<script>alert"), "{path}");
        assert!(!body.contains("<img src=x"), "{path}");
        assert!(body.contains("&lt;script&gt;"), "{path}");
    }
    let (_, body) = app.get("/search?q=%3Cscript%3E").await;
    assert!(!body.contains("<script>"));
}

async fn bad_html_input_gets_a_chinese_4xx_page_never_a_500(app: TestApp) {
    let long = "a".repeat(10_000);
    for (path, status, text) in [
        ("/entries?page=-1".to_string(), 400, "页码"),
        ("/entries?page=1000000000000".to_string(), 400, "页码"),
        ("/entries?status=maybe".to_string(), 400, "状态"),
        ("/entries?year=abc".to_string(), 400, "年份"),
        (format!("/search?q={long}"), 400, "查询内容过长"),
        ("/entries/0".to_string(), 404, "页面不存在"),
        (
            "/entries/12345678901234567890".to_string(),
            404,
            "页面不存在",
        ),
        ("/entries/%E4%B8%AD".to_string(), 404, "页面不存在"),
        (
            "/articles/..%2F..%2Fetc%2Fpasswd".to_string(),
            404,
            "页面不存在",
        ),
        ("/pages/NOPE".to_string(), 404, "页面不存在"),
        ("/no/such/page".to_string(), 404, "页面不存在"),
        ("/static/../Cargo.toml".to_string(), 404, "页面不存在"),
    ] {
        let (got, body) = app.get(&path).await;
        assert_eq!(got, status, "{path}");
        assert!(body.contains(text), "{path}: {body}");
        assert!(body.contains(r#"lang="zh-CN""#), "{path}");
    }
    let (status, _) = app.get("/search?q=%E4%zz&page=%").await;
    assert!(status == 200 || status == 400, "{status}");
    let res = app
        .client
        .post(app.url("/entries"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert!(res.text().await.unwrap().contains("不支持该请求方式"));
}

async fn an_unchanged_page_revalidates_with_304(app: TestApp) {
    let res = app.client.get(app.url("/entries")).send().await.unwrap();
    let etag = res.headers()["etag"].clone();
    let again = app
        .client
        .get(app.url("/entries"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    app.insert(&[fake_entry("示例新增有限公司")], Publication::Published)
        .await;
    let changed = app
        .client
        .get(app.url("/entries"))
        .header("if-none-match", res.headers()["etag"].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200);
}

async fn the_standing_pages_are_served_from_content(app: TestApp) {
    crate::harness::import_content(&app.store, &app.clock, &crate::harness::content_dir()).await;
    let (status, page) = app.get("/pages/disclaimer").await;
    assert_eq!(status, 200);
    assert!(page.contains("未列入名单不代表该平台合法合规"));
    for slug in ["about", "lookup-help", "data"] {
        assert_eq!(app.get(&format!("/pages/{slug}")).await.0, 200, "{slug}");
    }
    let (_, home) = app.get("/").await;
    let site = crate::harness::site();
    assert!(home.contains(&site.office_name));
    assert!(home.contains(&site.icp) && home.contains(&site.website_id));
}
