//! What the lookup answers, on the page and in the API: a verdict built from real matches
//! only, the match kind of every hit, mixed and removed answers that name their entries, the
//! receipt (readable URL, QR code, title), 长者模式, and content that never links to a listed
//! platform or promises what the site does not do.

use jingshi::domain::article::ArticleData;
use jingshi::domain::{ArticleKind, EntryStatus, Publication};
use serde_json::Value;
use time::macros::date;

use crate::api::{code, write_articles};
use crate::entries::urlencode;
use crate::harness::{TestApp, content_dir, fake_entry, import_content};
use crate::on_both_databases;

on_both_databases!(
    each_match_kind_gives_its_verdict_on_the_page_and_in_the_api,
    a_mixed_answer_names_the_listed_and_the_removed_entry,
    the_exact_alias_of_a_removed_entry_answers_removed_whatever_its_neighbours,
    the_receipt_prints_a_readable_url_and_a_qr_code_and_its_title_names_the_query,
    elder_mode_is_the_same_site_under_its_own_urls_and_every_link_stays_in_it,
    entry_websites_are_never_links_not_even_from_articles,
    the_standing_pages_promise_nothing_the_site_does_not_do,
);

/// 钱满仓 (listed, with every kind of identity), and 润泽 twice: one listed, one removed whose
/// exact alias 润泽财富 is part of no other name.
async fn fixtures(app: &TestApp) -> (i64, i64, i64) {
    let mut qmc = fake_entry("河南钱满仓金融信息服务有限公司");
    qmc.aliases = vec!["钱满仓".into(), "钱满仓APP".into()];
    qmc.credit_code = code("914100007110665832");
    qmc.websites = vec!["qianmancang.com".into()];
    qmc.phones = vec!["138-0000-1111".into()];
    qmc.listed_on = Some(date!(2017 - 02 - 08));
    let mut dai = fake_entry("示例市润泽贷网络科技有限公司");
    dai.listed_on = Some(date!(2019 - 01 - 20));
    let mut caifu = fake_entry("润泽（示例）财富管理有限公司");
    caifu.aliases = vec!["润泽财富".into()];
    caifu.status = EntryStatus::Removed;
    caifu.removed_on = Some(date!(2021 - 06 - 30));
    caifu.removal_reason = "整改完成，经复核移出".into();
    let ids = app.insert(&[qmc, dai, caifu], Publication::Published).await;
    (ids[0], ids[1], ids[2])
}

async fn api(app: &TestApp, q: &str) -> Value {
    let (status, json) = app
        .get_json(&format!("/api/v1/entries?q={}", urlencode(q)))
        .await;
    assert_eq!(status, 200, "{q}");
    json
}

async fn page(app: &TestApp, q: &str) -> String {
    let (status, page) = app.get(&format!("/search?q={}", urlencode(q))).await;
    assert_eq!(status, 200, "{q}");
    page
}

/// The verdict box of a search page.
fn verdict_box(page: &str) -> &str {
    let start = page.find(r#"<div class="verdict "#).expect("a verdict");
    let end = start + page[start..].find("</div>").unwrap();
    &page[start..end]
}

async fn each_match_kind_gives_its_verdict_on_the_page_and_in_the_api(app: TestApp) {
    let (qmc, _, _) = fixtures(&app).await;

    for (q, basis) in [
        ("钱满仓", "与该主体的别名完全一致"),
        ("914100007110665832", "统一社会信用代码一致"),
        (
            "https://m.qianmancang.com/app/download",
            "网址与该主体的网址属于同一网站",
        ),
        ("+86 138-0000-1111", "联系电话一致"),
    ] {
        let json = api(&app, q).await;
        assert_eq!(json["verdict"], "listed", "{q}");
        assert_eq!(json["items"][0]["id"], qmc, "{q}");
        assert_eq!(json["items"][0]["match"], "exact", "{q}");
        let page = page(&app, q).await;
        assert!(
            verdict_box(&page).contains("河南钱满仓金融信息服务有限公司"),
            "{q}: the verdict names the entry"
        );
        assert!(verdict_box(&page).contains("2017-02-08"), "{q}");
        assert!(page.contains(basis), "{q}: {basis}");
    }

    for q in ["满仓", "钱满仓是不是骗子"] {
        let json = api(&app, q).await;
        assert_eq!(json["verdict"], "listed", "{q}");
        assert_eq!(json["items"][0]["match"], "contains", "{q}");
    }
    assert!(page(&app, "满仓").await.contains("别名中包含“满仓”"));
    assert!(
        page(&app, "钱满仓是不是骗子")
            .await
            .contains("查询内容中包含该主体的别名")
    );

    // A homophone is only similar: never 在列, shown apart, with the reason.
    let json = api(&app, "钱满苍").await;
    assert_eq!(json["verdict"], "similar");
    assert_eq!(json["items"][0]["id"], qmc);
    assert_eq!(json["items"][0]["match"], "similar");
    let similar = page(&app, "钱满苍").await;
    assert!(verdict_box(&similar).contains("未查询到一致的记录"));
    assert!(!verdict_box(&similar).contains("在列"));
    assert!(similar.contains(
        "未查询到与“钱满苍”完全一致的记录；以下名称读音或写法相近，请核对是否为同一主体"
    ));
    assert!(similar.contains("读音与“钱满苍”相同或相近"));
    assert!(similar.contains("card-similar"));
    assert!(similar.contains("<title>“钱满苍”的查询结果：未查询到一致记录"));

    let json = api(&app, "钱多多").await;
    assert_eq!(json["verdict"], "none");
    assert_eq!(json["total"], 0);
    let none = page(&app, "钱多多").await;
    assert!(verdict_box(&none).contains("未查询到"));
    assert!(none.contains("未列入名单不代表该平台合法合规"));
}

async fn a_mixed_answer_names_the_listed_and_the_removed_entry(app: TestApp) {
    let (_, dai, caifu) = fixtures(&app).await;
    let json = api(&app, "润泽").await;
    assert_eq!(json["verdict"], "listed");
    let items: Vec<(i64, &str, &str)> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_i64().unwrap(),
                i["match"].as_str().unwrap(),
                i["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [(dai, "contains", "listed"), (caifu, "contains", "removed")],
        "listed before removed within a kind"
    );
    let page = page(&app, "润泽").await;
    let verdict = verdict_box(&page);
    assert!(verdict.contains("verdict-listed"));
    assert!(verdict.contains("相符的在列记录 1 条"));
    assert!(verdict.contains("示例市润泽贷网络科技有限公司"));
    assert!(verdict.contains("另有已移出记录 1 条（目前不在名单中）"));
    assert!(verdict.contains("润泽（示例）财富管理有限公司"));
    assert!(verdict.contains(
        "<span class=\"nowrap\">移出日期</span> <span class=\"nowrap\">2021-06-30</span>"
    ));
    assert!(verdict.contains("“已移出”只表示目前不在名单中，不代表合法合规"));
}

async fn the_exact_alias_of_a_removed_entry_answers_removed_whatever_its_neighbours(app: TestApp) {
    let (_, dai, caifu) = fixtures(&app).await;
    let json = api(&app, "润泽财富").await;
    assert_eq!(json["verdict"], "removed");
    assert_eq!(json["items"][0]["id"], caifu);
    assert_eq!(json["items"][0]["match"], "exact");
    assert_eq!(json["items"][1]["id"], dai);
    assert_eq!(json["items"][1]["match"], "similar");

    let page = page(&app, "润泽财富").await;
    let verdict = verdict_box(&page);
    assert!(verdict.contains("verdict-removed"), "{verdict}");
    assert!(verdict.contains("已移出"));
    assert!(verdict.contains("均已移出名单，目前不在列"));
    assert!(verdict.contains("润泽（示例）财富管理有限公司"));
    assert!(!verdict.contains("示例市润泽贷网络科技有限公司"));
    assert!(verdict.contains("已移出不等于安全"));
    // The listed neighbour is shown apart, as similar only.
    let similar = &page[page.find(r#"<section class="similar""#).expect("similar")..];
    assert!(similar.contains("不属于上述查询结论"));
    assert!(similar.contains(&format!(r#"href="/entries/{dai}""#)));
    assert!(page.contains("<title>“润泽财富”的查询结果：已移出"));
}

async fn the_receipt_prints_a_readable_url_and_a_qr_code_and_its_title_names_the_query(
    app: TestApp,
) {
    let Some(site) = TestApp::try_spawn_configured(app.backend(), None, |c| {
        c.base_url = Some("https://jingshi.example.gov.cn".into())
    })
    .await
    else {
        return;
    };
    fixtures(&site).await;
    let page = page(&site, "钱满仓").await;
    assert!(page.contains("<title>“钱满仓”的查询结果：在列 - "));
    let details = &page[page.find("查询凭证").expect("lookup details")..];
    assert!(details.contains("<dd><bdi>钱满仓</bdi></dd>"), "the query");
    assert!(details.contains("（北京时间）"), "the time");
    assert!(details.contains("<dt>查询结论</dt><dd>在列</dd>"));
    assert!(details.contains(concat!(
        r#"<a href="https://jingshi.example.gov.cn/search?q=%E9%92%B1%E6%BB%A1%E4%BB%93">"#,
        "https://jingshi.example.gov.cn/search?q=钱满仓</a>"
    )));
    assert!(details.contains(r#"<svg class="qr-code""#));
    assert!(details.contains(r#"aria-label="重新查询本结果的二维码""#));
    // The lookup details come after the answer on screen (print CSS moves them first).
    assert!(page.find("verdict-listed").unwrap() < page.find("查询凭证").unwrap());
}

/// Every site link of a page (`href` and form `action` starting with `/`).
fn site_links(page: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for attr in [r#"href=""#, r#"action=""#] {
        let mut rest = page;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let value = &rest[..rest.find('"').unwrap()];
            if value.starts_with('/') {
                out.push(value);
            }
        }
    }
    out
}

async fn elder_mode_is_the_same_site_under_its_own_urls_and_every_link_stays_in_it(app: TestApp) {
    let (qmc, _, _) = fixtures(&app).await;
    import_content(&app.store, &app.clock, &content_dir()).await;
    let (_, standard) = app.get("/search?q=%E9%92%B1%E6%BB%A1%E4%BB%93").await;
    assert!(standard.contains(
        r#"<a class="mode-switch" href="/elder/search?q=%E9%92%B1%E6%BB%A1%E4%BB%93">长者模式</a>"#
    ));
    for path in [
        "/elder".to_string(),
        "/elder/entries".into(),
        format!("/elder/entries/{qmc}"),
        "/elder/warnings".into(),
        "/elder/pages/lookup-help".into(),
        "/elder/search?q=%E9%92%B1%E6%BB%A1%E4%BB%93".into(),
        "/elder/search?q=%E6%B6%A6%E6%B3%BD".into(),
    ] {
        let res = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let headers = res.headers().clone();
        let body = res.text().await.unwrap();
        assert!(
            body.contains(r#"<html lang="zh-CN" class="elder">"#),
            "{path}"
        );
        assert!(body.contains(r#"<link rel="canonical""#), "{path}");
        // Cached like the default pages: by URL, for everyone, no cookie involved.
        assert_eq!(headers["cache-control"], "public, max-age=60", "{path}");
        assert!(headers.get("set-cookie").is_none(), "{path}");
        let standard_path = path.strip_prefix("/elder").unwrap();
        let exit = if standard_path.is_empty() {
            "/"
        } else {
            standard_path
        };
        for link in site_links(&body) {
            let stays = link == "/elder"
                || link.starts_with("/elder/")
                || link.starts_with("/elder?")
                || link.starts_with("/static/")
                || link.starts_with("/api/")
                // Feeds and download files are files, not pages: no 长者模式 of them.
                || link.starts_with("/feeds/")
                || (link.starts_with("/data/") && link.contains('.'));
            let is_exit = link == exit;
            assert!(stays || is_exit, "{path} links out of 长者模式 to {link}");
        }
        assert!(body.contains("退出长者模式"), "{path}");
    }
    let (status, missing) = app.get("/elder/no-such-page").await;
    assert_eq!(status, 404);
    assert!(missing.contains(r#"class="elder""#));
    // The default pages are untouched.
    let (_, home) = app.get("/").await;
    assert!(home.contains(r#"<html lang="zh-CN">"#));
    assert!(home.contains(r#"href="/entries""#));
}

async fn entry_websites_are_never_links_not_even_from_articles(app: TestApp) {
    let (qmc, _, _) = fixtures(&app).await;
    let article = ArticleData {
        slug: "qianmancang-case".into(),
        kind: ArticleKind::Case,
        title: "钱满仓案例".into(),
        summary: "摘要".into(),
        body_md: "该平台的[手机网站](https://m.qianmancang.com/invest)、\
                  <https://www.qianmancang.com/> 和 https://qianmancang.com/app 均已关停。\
                  请到[国家企业信用信息公示系统](https://www.gsxt.gov.cn/)核实。"
            .into(),
        doc_no: None,
        tags: Vec::new(),
        published_on: date!(2025 - 01 - 01),
        related_entries: Vec::new(),
    };
    write_articles(&app, &[(article, Publication::Published)]).await;
    for path in [
        "/articles/qianmancang-case".to_string(),
        format!("/entries/{qmc}"),
        "/search?q=qianmancang.com".into(),
        "/elder/articles/qianmancang-case".into(),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("qianmancang.com"), "{path} names the site");
        assert!(
            !body.contains(r#"href="https://m.qianmancang"#)
                && !body.contains(r#"href="https://www.qianmancang"#)
                && !body.contains(r#"href="https://qianmancang"#)
                && !body.contains(r#"href="http://qianmancang"#),
            "{path} links to a listed platform"
        );
    }
    let (_, article) = app.get("/articles/qianmancang-case").await;
    assert!(article.contains("该平台的手机网站、https://www.qianmancang.com/ 和"));
    assert!(article.contains(r#"href="https://www.gsxt.gov.cn/""#));
    let (_, json) = app.get_json("/api/v1/articles/qianmancang-case").await;
    let html = json["body_html"].as_str().unwrap();
    assert!(!html.contains("href=\"https://m.qianmancang"), "{html}");
}

async fn the_standing_pages_promise_nothing_the_site_does_not_do(app: TestApp) {
    import_content(&app.store, &app.clock, &content_dir()).await;
    let mut all = String::new();
    for slug in ["about", "lookup-help", "disclaimer", "data"] {
        let (status, page) = app.get(&format!("/pages/{slug}")).await;
        assert_eq!(status, 200, "{slug}");
        let body = &page[page.find("<main").unwrap()..page.find("</main>").unwrap()];
        all.push_str(body);
    }
    // The downloads, feeds and API the data page promises answer, each with its own format.
    for promise in ["XLSX", "CSV", "Atom", "订阅", "下载"] {
        assert!(all.contains(promise), "the data page names {promise}");
    }
    let (_, data) = app.get("/pages/data").await;
    let mut links: Vec<&str> = data
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with("/data/") || h.starts_with("/feeds/") || h.starts_with("/api/"))
        .collect();
    links.sort_unstable();
    links.dedup();
    assert!(links.len() >= 10, "{links:?}");
    for link in links {
        // A download file may still be being made (503 with Retry-After): ask again.
        let mut res = app.client.get(app.url(link)).send().await.unwrap();
        for _ in 0..100 {
            if res.status() != 503 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            res = app.client.get(app.url(link)).send().await.unwrap();
        }
        assert_eq!(res.status(), 200, "{link}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        let expected = match link.rsplit_once('.').map(|(_, ext)| ext) {
            Some("csv") => "text/csv",
            Some("xlsx") => "application/vnd.openxmlformats",
            Some("xml") => "application/atom+xml",
            Some("json") => "application/json",
            _ if link.starts_with("/api/") => "application/json",
            _ => "text/html",
        };
        assert!(ct.starts_with(expected), "{link}: {ct}");
    }
    // The publicity rule the site applies, not a rule of thumb it does not.
    let (_, data) = app.get("/pages/data").await;
    assert!(data.contains("公示截止日期"));
    assert!(data.contains("未载明公示截止日期"));
    assert!(!data.contains("最长不超过3年"));
    // The example address is plain text and the sentence goes on.
    let (_, help) = app.get("/pages/lookup-help").await;
    assert!(!help.contains(r#"href="https://www.xinlibao"#));
    assert!(help.contains("https://www.xinlibao.example/”，系统会自动识别其中的域名"));
}
