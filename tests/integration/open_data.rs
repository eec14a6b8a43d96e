//! Open data: exports that import back as the same entries, and the download files, cached
//! and made again when what the public sees changes.

use jingshi::domain::entry::{EntryData, Field};
use jingshi::domain::{EntryStatus, ListKind, Publication};
use jingshi::open_data::export::{self, Dataset, Format};
use jingshi::store::Store;
use sha2::Digest;
use time::Duration;
use time::macros::date;

use crate::api::code;
use crate::harness::{Backend, TestApp, TestDb, fake_entry, import_file};
use crate::on_both_databases;

on_both_databases!(
    an_export_imports_into_an_empty_database_as_the_same_entries,
    downloads_are_listed_and_made_again_when_the_data_changes,
);

/// Entries that try every column: several values, dates, a removal, a formula-like text.
pub fn varied_entries() -> Vec<EntryData> {
    let mut a = fake_entry("示例钱满仓金融信息服务有限公司");
    a.aliases = vec!["钱满仓".into(), "钱满仓APP".into()];
    a.credit_code = code("91410100737459086M");
    a.websites = vec!["qianmancang.example".into(), "m.qmc.example".into()];
    a.phones = vec!["400-000-1818".into(), "0371-12345678".into()];
    a.reason = "=HYPERLINK(\"http://evil.example\",\"点击\")，以高息为诱饵非法吸收公众存款".into();
    a.measures = "-限制高消费\n-联合惩戒".into();
    a.publicity_ends_on = Some(date!(2099 - 12 - 31));
    let mut b = fake_entry("示例汇鑫宝网络科技有限公司");
    b.list = ListKind::Warning;
    b.status = EntryStatus::Removed;
    b.removed_on = Some(date!(2025 - 06 - 30));
    b.removal_reason = "整改完成".into();
    b.removal_authority = "示例区金融工作局".into();
    b.remedy = "@复议：60日内".into();
    let mut c = fake_entry("示例+号开头的投资管理有限公司");
    c.listed_on = None;
    c.basis = String::new();
    c.decision_no = String::new();
    c.address = "+86 示例路".into();
    vec![a, b, c]
}

fn by_name(mut v: Vec<EntryData>) -> Vec<EntryData> {
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

async fn public_data(store: &Store, today: time::Date) -> Vec<EntryData> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.public_entries_after(after, 100, today).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.id;
        out.extend(batch.into_iter().map(|e| e.into_inner().data));
    }
    by_name(out)
}

async fn an_export_imports_into_an_empty_database_as_the_same_entries(app: TestApp) {
    let published = varied_entries();
    app.insert(&published, Publication::Published).await;
    // Never public, or not any more: none of these may leave the site.
    app.insert(
        &[fake_entry("示例草稿从未公开有限公司")],
        Publication::Draft,
    )
    .await;
    let mut ended = fake_entry("示例公示期满有限公司");
    ended.publicity_ends_on = Some(app.today() - Duration::days(1));
    app.insert(&[ended], Publication::Published).await;

    let dir = tempfile::tempdir().unwrap();
    let url = |p: &str| format!("https://jingshi.example{p}");
    for format in Format::ALL {
        let file = dir.path().join(format!("entries.{}", format.ext()));
        let written = export::write(
            &app.store,
            app.today(),
            &url,
            Dataset::Entries,
            format,
            &file,
        )
        .await
        .unwrap();
        assert_eq!(written.records, 3, "{format:?}");
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["草稿从未公开", "公示期满有限公司"] {
            assert!(!text.contains(secret), "{format:?} leaks {secret}");
        }
        if format == Format::Csv {
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
            let header = text.lines().next().unwrap().trim_start_matches('\u{feff}');
            let labels: Vec<&str> = Field::ALL.iter().map(|f| f.label()).collect();
            assert!(header.starts_with(&labels.join(",")), "{header}");
            assert!(
                text.contains("\"'=HYPERLINK("),
                "a formula is neutralised: {text}"
            );
            assert!(text.contains("'@复议"));
            assert!(text.contains("'+86 示例路"));
            assert!(text.contains("https://jingshi.example/entries/"));
        }

        // Into an empty database of the same kind, through the import itself.
        let backend = match app.backend() {
            crate::harness::Backend::Sqlite => Backend::Sqlite,
            crate::harness::Backend::Postgres => Backend::Postgres,
        };
        let empty = TestDb::new(backend).await.unwrap();
        let store = Store::connect(&empty.url).await.unwrap();
        let (imported, report) = import_file(&store, &app.clock, &file, true).await;
        let outcome = imported.unwrap_or_else(|e| panic!("{format:?}: {e}\n{report}"));
        assert_eq!(outcome.created, 3, "{format:?}");
        assert!(
            !report.contains("警告"),
            "{format:?} imports without warnings:\n{report}"
        );
        assert_eq!(
            public_data(&store, app.today()).await,
            by_name(published.clone()),
            "{format:?} imports back as the same entries"
        );
        store.close().await;
    }
}

async fn downloads_are_listed_and_made_again_when_the_data_changes(app: TestApp) {
    let mut ending = fake_entry("示例明日期满有限公司");
    ending.publicity_ends_on = Some(app.today());
    app.insert(
        &[fake_entry("示例第一家有限公司"), ending],
        Publication::Published,
    )
    .await;

    let res = app.get_download("/data/entries.csv").await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(!etag.starts_with("W/"), "a strong validator: {etag}");
    assert_eq!(res.headers()["x-record-count"], "2");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"jingshi-entries-")
    );
    let sha = res.headers()["x-content-sha256"]
        .to_str()
        .unwrap()
        .to_string();
    let body = res.bytes().await.unwrap();
    assert_eq!(
        hex(&sha2::Sha256::digest(&body)),
        sha,
        "the checksum is the file's"
    );

    // The same file while nothing changes: a conditional GET answers 304.
    let again = app
        .client
        .get(app.url("/data/entries.csv"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // The data page and the API list the file with its size, count, time and checksum.
    let (_, listing) = app.get_json("/api/v1/downloads").await;
    let csv = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["dataset"] == "entries" && i["format"] == "csv")
        .unwrap();
    assert_eq!(csv["ready"], true);
    assert_eq!(csv["sha256"], sha.as_str());
    assert_eq!(csv["records"], 2);
    assert_eq!(csv["size"], body.len());
    crate::harness::import_content(&app.store, &app.clock, &crate::harness::content_dir()).await;
    let (_, page) = app.get("/pages/data").await;
    assert!(page.contains(&sha), "the data page shows the checksum");
    assert!(page.contains("href=\"/data/entries.xlsx\""));

    // A new listing makes a new file.
    app.insert(&[fake_entry("示例第二家有限公司")], Publication::Published)
        .await;
    let res = app.get_download("/data/entries.csv").await;
    assert_ne!(res.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(res.headers()["x-record-count"], "3");
    assert!(res.text().await.unwrap().contains("示例第二家有限公司"));

    // At China midnight an entry's publicity ends: the file is made again without it.
    app.clock.advance(Duration::days(1));
    let res = app.get_download("/data/entries.json").await;
    let json: serde_json::Value = res.json().await.unwrap();
    assert_eq!(json["count"], 2);
    let names: Vec<&str> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"示例明日期满有限公司"), "{names:?}");
    assert!(json["changes_cursor"].as_i64().unwrap() > 0);

    // The history names the ended entry by number only.
    let res = app.get_download("/data/history.csv").await;
    let text = res.text().await.unwrap();
    assert!(text.contains("公示期满"), "{text}");
    assert!(!text.contains("示例明日期满有限公司"), "{text}");
    let res = app.get_download("/data/history.xlsx").await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/data/entries.pdf").await.0, 404);
    assert_eq!(app.get("/data/secrets.csv").await.0, 404);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
