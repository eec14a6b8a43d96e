//! The API described: its OpenAPI document validates, and every path in it answers what the
//! document says; conditional requests, CORS and the per-address rate limit.

use jingshi::domain::Publication;
use serde_json::{Value, json};

use crate::api::{article, write_articles};
use crate::harness::{Backend, TestApp, fake_entry};
use crate::on_both_databases;

on_both_databases!(every_path_of_the_openapi_document_answers_by_its_schema);

/// The document, checked: it parses as OpenAPI 3.1 (oas3), every schema in it is a valid JSON
/// Schema 2020-12, and every `$ref` resolves.
fn checked_document(doc: &Value) {
    assert_eq!(doc["openapi"], "3.1.0");
    let text = doc.to_string();
    let parsed = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(!parsed.paths.unwrap_or_default().is_empty());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        jsonschema::meta::validate(schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
    }
    for r in text.split("\"$ref\":\"").skip(1) {
        let target = r.split('"').next().unwrap();
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {target}"));
        assert!(schemas.contains_key(name), "$ref {target} resolves");
    }
}

/// A validator for one response schema, resolving `#/components/...` against the document.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"].clone(),
    });
    for (k, v) in schema.as_object().unwrap() {
        root[k] = v.clone();
    }
    jsonschema::validator_for(&root).expect("a schema the validator takes")
}

/// The example of a request body, from its schema (in components).
fn request_example(doc: &Value, op: &Value) -> Value {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let schema = match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    };
    schema
        .get("examples")
        .and_then(|e| e.get(0))
        .or_else(|| schema.get("example"))
        .cloned()
        .expect("the request body has an example")
}

async fn every_path_of_the_openapi_document_answers_by_its_schema(app: TestApp) {
    let mut e = fake_entry("河南钱满仓金融信息服务有限公司");
    e.credit_code = crate::api::code("91410100737459086M");
    e.websites = vec!["qianmancang.com".into()];
    e.phones = vec!["400-000-1818".into()];
    let id = app.insert(&[e], Publication::Published).await[0];
    write_articles(
        &app,
        &[(
            article(
                "high-yield-p2p-warning",
                jingshi::domain::ArticleKind::Warning,
                "警惕高收益",
            ),
            Publication::Published,
        )],
    )
    .await;

    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    checked_document(&doc);
    let paths = doc["paths"].as_object().unwrap();
    let mut walked = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let url = path
                .replace("{id}", &id.to_string())
                .replace("{slug}", "high-yield-p2p-warning");
            assert!(!url.contains('{'), "every path parameter is known: {path}");
            let res = match method.as_str() {
                "get" => app.client.get(app.url(&url)).send().await.unwrap(),
                "post" => app
                    .client
                    .post(app.url(&url))
                    .json(&request_example(&doc, op))
                    .send()
                    .await
                    .unwrap(),
                other => panic!("unexpected method {other}"),
            };
            let status = res.status().as_u16().to_string();
            let documented = &op["responses"][&status];
            assert!(
                documented.is_object(),
                "{method} {path}: {status} is documented"
            );
            let body: Value = res.json().await.unwrap();
            let schema = &documented["content"]["application/json"]["schema"];
            assert!(schema.is_object(), "{method} {path}: {status} has a schema");
            let v = validator(&doc, schema);
            let errors: Vec<String> = v.iter_errors(&body).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{method} {path}: {errors:?}\n{body}");
            // The error answer matches its schema too.
            if method == "get" {
                let bad = format!(
                    "{url}{}per_page=0",
                    if url.contains('?') { '&' } else { '?' }
                );
                let res = app.client.get(app.url(&bad)).send().await.unwrap();
                let status = res.status().as_u16().to_string();
                let body: Value = res.json().await.unwrap();
                if let Some(schema) =
                    op["responses"][&status]["content"]["application/json"].get("schema")
                {
                    let v = validator(&doc, schema);
                    assert!(v.is_valid(&body), "{method} {bad}: {body}");
                }
            }
            walked += 1;
        }
    }
    assert!(walked >= 8, "{walked} operations");

    // A path that was never public answers the documented 404 shape.
    let (status, body) = app.get_json("/api/v1/entries/999999").await;
    assert_eq!(status, 404);
    let schema = &paths["/api/v1/entries/{id}"]["get"]["responses"]["404"]["content"]["application/json"]
        ["schema"];
    assert!(validator(&doc, schema).is_valid(&body));

    // The page for people lists every operation.
    let (status, page) = app.get("/data/api").await;
    assert_eq!(status, 200);
    for path in paths.keys() {
        assert!(page.contains(path.as_str()), "{path} on the API page");
    }
    let (_, home) = app.get("/").await;
    assert!(
        home.contains("href=\"/data/api\""),
        "the footer links the API page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conditional_get_answers_304() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let id = app
        .insert(
            &[fake_entry("示例条件请求有限公司")],
            Publication::Published,
        )
        .await[0];
    for path in [
        "/api/v1/entries".to_string(),
        format!("/api/v1/entries/{id}"),
    ] {
        let res = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["access-control-allow-origin"], "*");
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        let modified = res.headers()["last-modified"].to_str().unwrap().to_string();
        let again = app
            .client
            .get(app.url(&path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} by ETag");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        let since = app
            .client
            .get(app.url(&path))
            .header("if-modified-since", &modified)
            .send()
            .await
            .unwrap();
        assert_eq!(since.status(), 304, "{path} by Last-Modified");
    }
    // A change answers in full again.
    let (_, first) = app.get_json("/api/v1/entries").await;
    let res = app
        .client
        .get(app.url("/api/v1/entries"))
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let modified = res.headers()["last-modified"].to_str().unwrap().to_string();
    app.clock.advance(time::Duration::seconds(5));
    app.insert(&[fake_entry("示例新列入有限公司")], Publication::Published)
        .await;
    for (header, value) in [("if-none-match", &etag), ("if-modified-since", &modified)] {
        let res = app
            .client
            .get(app.url("/api/v1/entries"))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{header} after a change");
    }
    assert_eq!(first["total"], 1);
    // Every public field is in the list's items.
    let (_, list) = app.get_json("/api/v1/entries").await;
    for key in [
        "reason",
        "basis",
        "authority",
        "decision_no",
        "measures",
        "listed_on",
        "websites",
        "remedy",
        "publicity_ends_on",
        "updated_at",
    ] {
        assert!(list["items"][0].get(key).is_some(), "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_601st_request_in_a_minute_gets_429() {
    let app = TestApp::try_spawn_configured(Backend::Sqlite, None, |c| {
        c.limits.api_rate_limit = 600;
    })
    .await
    .expect("SQLite is always there");
    for i in 0..600 {
        let res = app
            .client
            .get(app.url("/api/v1/suggest?q=示例"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "request {}", i + 1);
    }
    let res = app
        .client
        .get(app.url("/api/v1/entries"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("每分钟最多 600 次")
    );
    // Pages are not counted.
    assert_eq!(app.get("/entries").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_address_comes_from_the_trusted_header_only() {
    let app = TestApp::try_spawn_configured(Backend::Sqlite, None, |c| {
        c.limits.api_rate_limit = 2;
        c.client_ip_header = Some(axum::http::HeaderName::from_static("x-forwarded-for"));
    })
    .await
    .expect("SQLite is always there");
    let get = |from: &'static str| {
        app.client
            .get(app.url("/api/v1/entries"))
            .header("x-forwarded-for", from)
            .header("x-real-ip", "192.0.2.99")
            .send()
    };
    assert_eq!(get("198.51.100.1").await.unwrap().status(), 200);
    assert_eq!(
        get("203.0.113.9, 198.51.100.1").await.unwrap().status(),
        200
    );
    assert_eq!(
        get("198.51.100.1").await.unwrap().status(),
        429,
        "the proxy's last address counts"
    );
    assert_eq!(
        get("198.51.100.2").await.unwrap().status(),
        200,
        "another client"
    );
}
