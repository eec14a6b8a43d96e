//! Feeds, crawlers and sharing: the Atom feeds parse and hold public items only; the sitemap
//! lists every public page and nothing else; robots.txt; canonical URLs, descriptions and
//! Open Graph cards; the printable entry page; the list's JSON link keeps its filters.

use atom_syndication::Feed;
use jingshi::domain::{ArticleKind, EntryStatus, Publication, Role};
use jingshi::store::Entity;
use jingshi::workflow::{self, By};
use time::Duration;
use time::macros::date;

use crate::api::{article, write_articles};
use crate::harness::{TestApp, content_dir, fake_entry, import_content, write_entries};
use crate::on_both_databases;
use crate::staff::make_user;

on_both_databases!(
    the_feeds_parse_as_atom_and_hold_public_items_only,
    the_sitemap_lists_every_public_page_and_nothing_else,
);

async fn feed(app: &TestApp, path: &str) -> Feed {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml"),
        "{path}"
    );
    let text = res.text().await.unwrap();
    let feed: Feed = text
        .parse()
        .unwrap_or_else(|e| panic!("{path}: {e}\n{text}"));
    assert!(
        text.contains("xmlns=\"http://www.w3.org/2005/Atom\""),
        "{text}"
    );
    assert!(!feed.id.is_empty() && !feed.title.value.is_empty());
    assert!(
        feed.links
            .iter()
            .any(|l| l.rel == "self" && l.href.ends_with(path))
    );
    for e in &feed.entries {
        assert!(!e.id.is_empty() && !e.title.value.is_empty(), "{path}");
        assert!(e.links.iter().any(|l| l.rel == "alternate"), "{path}");
    }
    feed
}

async fn the_feeds_parse_as_atom_and_hold_public_items_only(app: TestApp) {
    let mut removed = fake_entry("示例已移出有限公司");
    removed.status = EntryStatus::Removed;
    removed.removed_on = Some(date!(2025 - 06 - 30));
    removed.removal_reason = "整改完成".into();
    let ids = app
        .insert(
            &[
                fake_entry("示例新列入有限公司"),
                removed,
                fake_entry("示例将撤回有限公司"),
            ],
            Publication::Published,
        )
        .await;
    app.insert(&[fake_entry("示例草稿有限公司")], Publication::Draft)
        .await;
    // The entry listed first is removed later: a removal event.
    let mut later = fake_entry("示例新列入有限公司");
    later.status = EntryStatus::Removed;
    later.removed_on = Some(date!(2025 - 07 - 01));
    later.removal_reason = "信用修复".into();
    write_entries(&app.store, &app.clock, &[later], None)
        .await
        .unwrap();
    make_user(&app, "reviewer", Role::Reviewer).await;
    let user = app.store.user_by_name("reviewer").await.unwrap().unwrap();
    let version = app.store.entry(ids[2]).await.unwrap().unwrap().version;
    let by = By {
        user: &user,
        address: "127.0.0.1",
    };
    workflow::withdraw(
        &app.store,
        &app.clock,
        by,
        Entity::Entry,
        ids[2],
        version,
        "撤销",
    )
    .await
    .unwrap();
    write_articles(
        &app,
        &[
            (
                article("a-warning", ArticleKind::Warning, "警惕高息理财"),
                Publication::Published,
            ),
            (
                article("a-case", ArticleKind::Case, "张某集资诈骗案"),
                Publication::Published,
            ),
            (
                article("a-notice", ArticleKind::Notice, "关于名单调整的通知"),
                Publication::Published,
            ),
            (
                article("a-draft", ArticleKind::Warning, "未发布的提示"),
                Publication::Draft,
            ),
        ],
    )
    .await;

    let warnings = feed(&app, "/feeds/warnings.xml").await;
    assert_eq!(warnings.entries.len(), 1);
    assert_eq!(warnings.entries[0].title.value, "警惕高息理财");
    assert_eq!(feed(&app, "/feeds/cases.xml").await.entries.len(), 1);
    assert_eq!(feed(&app, "/feeds/notices.xml").await.entries.len(), 1);

    let changes = feed(&app, "/feeds/changes.xml").await;
    let titles: Vec<&str> = changes
        .entries
        .iter()
        .map(|e| e.title.value.as_str())
        .collect();
    assert!(
        titles.contains(&"列入黑名单：示例新列入有限公司"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"移出名单：示例新列入有限公司"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"列入黑名单：示例已移出有限公司"),
        "{titles:?}"
    );
    let all = titles.join("\n");
    assert!(
        !all.contains("示例将撤回有限公司"),
        "withdrawn: nothing named"
    );
    assert!(!all.contains("示例草稿有限公司"));
    assert_eq!(titles[0], "移出名单：示例新列入有限公司", "newest first");

    // Pages name their feeds.
    let (_, home) = app.get("/").await;
    assert!(home.contains("rel=\"alternate\" type=\"application/atom+xml\""));
    for path in [
        "/feeds/warnings.xml",
        "/feeds/cases.xml",
        "/feeds/notices.xml",
        "/feeds/changes.xml",
    ] {
        assert!(
            home.contains(&format!("href=\"{path}\"")),
            "home links {path}"
        );
    }
    let (_, list) = app.get("/warnings").await;
    assert!(list.contains("href=\"/feeds/warnings.xml\""));
    let (_, entries) = app.get("/entries").await;
    assert!(entries.contains("href=\"/feeds/changes.xml\""));
    assert_eq!(app.get("/feeds/unknown.xml").await.0, 404);
}

/// The `<loc>`s of a sitemap.
fn locs(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap().replace("&amp;", "&"))
        .collect()
}

async fn the_sitemap_lists_every_public_page_and_nothing_else(app: TestApp) {
    import_content(&app.store, &app.clock, &content_dir()).await;
    let mut ended = fake_entry("示例公示期满有限公司");
    ended.publicity_ends_on = Some(app.today() - Duration::days(1));
    let public = app
        .insert(
            &[
                fake_entry("示例公开甲有限公司"),
                fake_entry("示例公开乙有限公司"),
                ended,
            ],
            Publication::Published,
        )
        .await;
    let draft = app
        .insert(&[fake_entry("示例草稿有限公司")], Publication::Draft)
        .await[0];
    write_articles(
        &app,
        &[
            (
                article("public-one", ArticleKind::Warning, "公开的提示"),
                Publication::Published,
            ),
            (
                article("draft-one", ArticleKind::Case, "未发布的案例"),
                Publication::Draft,
            ),
        ],
    )
    .await;

    let res = app
        .client
        .get(app.url("/sitemap.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let xml = res.text().await.unwrap();
    assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let urls = locs(&xml);
    let base = app.url("");
    let expected_in = [
        "/".to_string(),
        "/entries".into(),
        "/warnings".into(),
        "/cases".into(),
        "/notices".into(),
        "/data/api".into(),
        "/pages/about".into(),
        "/pages/data".into(),
        "/pages/disclaimer".into(),
        "/pages/lookup-help".into(),
        "/articles/public-one".into(),
        format!("/entries/{}", public[0]),
        format!("/entries/{}", public[1]),
    ];
    let mut expected: Vec<String> = expected_in.iter().map(|p| format!("{base}{p}")).collect();
    expected.sort();
    let mut got = urls.clone();
    got.sort();
    assert_eq!(got, expected, "every public page and nothing else");
    for url in &urls {
        let path = url.strip_prefix(&base).unwrap();
        assert_eq!(app.get(path).await.0, 200, "{path}");
    }
    for hidden in [
        format!("/entries/{}", public[2]),
        format!("/entries/{draft}"),
    ] {
        assert!(!xml.contains(&format!("{hidden}<")), "{hidden}");
    }

    let (status, robots) = app.get("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains("Disallow: /api/"));
    assert!(robots.contains("Disallow: /admin"));
    assert!(robots.contains(&format!("Sitemap: {base}/sitemap.xml")));
    assert_eq!(app.get("/sitemaps/entries-1.xml").await.0, 200);
    assert_eq!(app.get("/sitemaps/nothing.xml").await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_name_their_canonical_url_and_a_card_for_chat_apps() {
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    let mut e = fake_entry("示例分享卡片有限公司");
    e.reason = "以高息为诱饵非法吸收公众存款".into();
    let id = app.insert(&[e], Publication::Published).await[0];
    let (_, page) = app.get(&format!("/entries/{id}")).await;
    let url = app.url(&format!("/entries/{id}"));
    assert!(
        page.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")),
        "{page}"
    );
    assert!(page.contains(&format!("<meta property=\"og:url\" content=\"{url}\">")));
    assert!(page.contains("<meta property=\"og:title\" content=\"示例分享卡片有限公司\">"));
    assert!(page.contains("<meta property=\"og:type\" content=\"article\">"));
    assert!(page.contains("<meta name=\"description\" content=\"示例分享卡片有限公司：黑名单，在列。列入事由：以高息为诱饵非法吸收公众存款"));
    assert!(page.contains("og:description"));
    // The printout names its URL and when it was printed.
    assert!(page.contains(&format!("本页网址：{url}")));
    assert!(page.contains("打印时间："));
    // 长者模式 names the standard page.
    let (_, elder) = app.get(&format!("/elder/entries/{id}")).await;
    assert!(elder.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")));

    // The JSON link of a filtered list keeps its filters.
    let (_, list) = app
        .get("/entries?list=warning&status=removed&year=2024&sort=name")
        .await;
    assert!(
        list.contains("href=\"/api/v1/entries?list=warning&amp;status=removed&amp;year=2024\""),
        "{list}"
    );
    let (_, all) = app.get("/entries").await;
    assert!(all.contains("href=\"/api/v1/entries\""));
    let (status, json) = app
        .get_json("/api/v1/entries?list=warning&status=removed&year=2024")
        .await;
    assert_eq!(status, 200);
    assert_eq!(json["total"], 0);
}
