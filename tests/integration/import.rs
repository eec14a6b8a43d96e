//! Importing entries from CSV (UTF-8, BOM, GBK) and XLSX: all-or-nothing, row-numbered errors.

use std::path::{Path, PathBuf};

use jingshi::store::{Entity, EntryFilter};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::harness::{TestApp, import_file};
use crate::on_both_databases;
use crate::staff::signed_in;

on_both_databases!(
    a_good_csv_imports_and_publishes,
    a_file_with_one_bad_row_writes_nothing_and_names_the_row,
    gbk_and_bom_csv_files_import_alike,
    an_xlsx_file_with_date_cells_imports,
    an_xlsx_credit_code_stored_as_a_number_is_refused,
    importing_twice_updates_instead_of_duplicating,
    without_publish_new_entries_stay_drafts,
    a_row_without_a_code_never_takes_over_an_entry_that_has_one,
    a_row_whose_name_belongs_to_an_entry_with_another_code_is_refused,
    traditional_and_simplified_names_update_one_entry,
    an_id_column_corrects_the_code_of_an_entry,
    a_file_of_many_batches_imports_whole,
    an_error_after_written_batches_leaves_nothing_written,
    an_id_column_in_a_file_for_an_empty_list_is_refused,
    a_published_import_leaves_a_history_staff_can_read_and_restore,
);

const HEADER: &str = "主体名称,别名,统一社会信用代码,业态,名单类型,列入事由,认定机关,列入日期,网址,状态,移出日期,移出原因\n";
const GOOD: &str = "示例鑫利宝网络科技有限公司,鑫利宝；鑫利宝APP,91410100737459086M,网络借贷,黑名单,拒不配合清理整顿,示例区金融办,2024/3/1,https://www.xinlibao.example/,在列,,\n\
示例聚财通金融信息服务有限公司,聚财通,914100007110665832,p2p,风险警示名单,未按期退出,示例区金融办,2023年5月6日,,已移出,2025-01-02,整改完成\n\
示例无代码商贸有限公司,,,其他,经营异常,失联,示例区金融办,2022-01-01,,,,\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

async fn import(
    app: &TestApp,
    file: &Path,
    publish: bool,
) -> (Result<usize, jingshi::import::ImportError>, String) {
    let (r, report) = import_file(&app.store, &app.clock, file, publish).await;
    app.sync().await;
    (r.map(|o| o.created + o.updated), report)
}

async fn public_total(app: &TestApp) -> i64 {
    let f = EntryFilter {
        limit: 100,
        ..EntryFilter::default()
    };
    app.store.public_entries(&f, app.today()).await.unwrap().0
}

async fn a_good_csv_imports_and_publishes(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "good.csv", format!("{HEADER}{GOOD}").as_bytes());
    let (r, _) = import(&app, &file, true).await;
    assert_eq!(r.unwrap(), 3);
    let (_, json) = app.get_json("/api/v1/entries?q=鑫利宝").await;
    assert_eq!(
        json["items"][0]["credit_code"], "91410100737459086M",
        "{json}"
    );
    assert_eq!(json["items"][0]["listed_on"], "2024-03-01");
    let (_, json) = app.get_json("/api/v1/entries?q=xinlibao.example").await;
    assert_eq!(json["total"], 1);
    let (_, json) = app.get_json("/api/v1/entries?status=removed").await;
    assert_eq!(json["items"][0]["name"], "示例聚财通金融信息服务有限公司");
    assert_eq!(json["items"][0]["list"], "warning");
}

async fn a_file_with_one_bad_row_writes_nothing_and_names_the_row(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let bad = "示例坏行有限公司,,9141010073745908,网络借贷,黑名单,事由,机关,2024-02-30,,在列,,\n";
    let file = write(
        dir.path(),
        "bad.csv",
        format!("{HEADER}{GOOD}{bad}").as_bytes(),
    );
    let (r, report) = import(&app, &file, true).await;
    let err = r.unwrap_err().to_string();
    assert!(err.contains("整个文件未导入"), "{err}");
    assert!(
        report.contains("错误 第5行 统一社会信用代码: 统一社会信用代码应为18位，实为16位"),
        "{report}"
    );
    assert!(report.contains("错误 第5行 列入日期:"), "{report}");
    assert!(!report.contains("第2行"), "{report}");
    assert_eq!(public_total(&app).await, 0);
    assert_eq!(app.get_json("/api/v1/entries").await.1["total"], 0);
}

async fn gbk_and_bom_csv_files_import_alike(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}{GOOD}");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let gbk_file = write(dir.path(), "gbk.csv", &gbk);
    assert_eq!(import(&app, &gbk_file, true).await.0.unwrap(), 3);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let bom_file = write(dir.path(), "bom.csv", &bom);
    let (r, _) = import(&app, &bom_file, true).await;
    assert_eq!(r.unwrap(), 0, "same content again changes nothing");
    assert_eq!(public_total(&app).await, 3);
    let (_, json) = app.get_json("/api/v1/entries?q=聚财通").await;
    assert_eq!(json["total"], 1);
}

fn xlsx(dir: &Path, code_as_number: bool) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "name",
        "aliases",
        "credit_code",
        "category",
        "list",
        "reason",
        "authority",
        "listed_on",
        "phones",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "示例表格导入科技有限公司").unwrap();
    ws.write_string(1, 1, "表格宝\n表格宝APP").unwrap();
    if code_as_number {
        ws.write_number(1, 2, 914100007110665832.0).unwrap();
    } else {
        ws.write_string(1, 2, "914100007110665832").unwrap();
    }
    ws.write_string(1, 3, "第三方支付").unwrap();
    ws.write_string(1, 4, "黑名单").unwrap();
    ws.write_string(1, 5, "未经许可从事支付业务").unwrap();
    ws.write_string(1, 6, "示例区金融办").unwrap();
    let d = ExcelDateTime::from_ymd(2024, 7, 15).unwrap();
    ws.write_datetime_with_format(1, 7, &d, &date).unwrap();
    ws.write_number(1, 8, 4000001234.0).unwrap();
    let p = dir.join("entries.xlsx");
    wb.save(&p).unwrap();
    p
}

async fn an_xlsx_file_with_date_cells_imports(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = xlsx(dir.path(), false);
    let (r, report) = import(&app, &file, true).await;
    assert_eq!(r.unwrap(), 1, "{report}");
    let (_, json) = app.get_json("/api/v1/entries?q=表格宝app").await;
    let item = &json["items"][0];
    assert_eq!(item["listed_on"], "2024-07-15");
    assert_eq!(item["category"], "payment");
    assert_eq!(item["aliases"], serde_json::json!(["表格宝", "表格宝APP"]));
    let (_, one) = app
        .get_json(&format!("/api/v1/entries/{}", item["id"]))
        .await;
    assert_eq!(one["phones"][0], "4000001234");
}

async fn an_xlsx_credit_code_stored_as_a_number_is_refused(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = xlsx(dir.path(), true);
    let (r, report) = import(&app, &file, true).await;
    assert!(r.is_err());
    assert!(
        report.contains("第2行 credit_code: 该单元格是数字格式"),
        "{report}"
    );
    assert_eq!(public_total(&app).await, 0);
}

async fn importing_twice_updates_instead_of_duplicating(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.csv", format!("{HEADER}{GOOD}").as_bytes());
    import(&app, &first, true).await.0.unwrap();
    let changed = GOOD
        .replace("拒不配合清理整顿", "拒不配合清理整顿，且转移资产")
        .replace("失联", "失联，经营场所已关闭");
    let second = write(dir.path(), "b.csv", format!("{HEADER}{changed}").as_bytes());
    let (r, _) = import(&app, &second, false).await;
    assert_eq!(r.unwrap(), 2);
    assert_eq!(
        public_total(&app).await,
        3,
        "no duplicates, still published"
    );
    let id = app.get_json("/api/v1/entries?q=无代码").await.1["items"][0]["id"]
        .as_i64()
        .unwrap();
    let revisions = app.store.revisions(Entity::Entry, id).await.unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0].changed.clone(), vec!["列入事由"]);
}

async fn without_publish_new_entries_stay_drafts(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "d.csv", format!("{HEADER}{GOOD}").as_bytes());
    assert_eq!(import(&app, &file, false).await.0.unwrap(), 3);
    assert_eq!(public_total(&app).await, 0);
    assert!(!app.get("/search?q=鑫利宝").await.1.contains("示例鑫利宝"));
    let (r, _) = import(&app, &file, true).await;
    assert_eq!(r.unwrap(), 3, "publishing later changes their state");
    assert_eq!(public_total(&app).await, 3);
}

async fn entry_by_name(app: &TestApp, name: &str) -> jingshi::store::Entry {
    let id = app
        .get_json(&format!(
            "/api/v1/entries?q={}",
            crate::entries::urlencode(name)
        ))
        .await
        .1["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{name} not found"));
    app.store.entry(id).await.unwrap().unwrap()
}

async fn a_row_without_a_code_never_takes_over_an_entry_that_has_one(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.csv", format!("{HEADER}{GOOD}").as_bytes());
    import(&app, &first, true).await.0.unwrap();
    let before = entry_by_name(&app, "示例鑫利宝网络科技有限公司").await;
    let no_code = write(
        dir.path(),
        "b.csv",
        format!("{HEADER}示例鑫利宝网络科技有限公司,,,网络借贷,黑名单,另一事由,示例区金融办,2024/3/1,,在列,,\n").as_bytes(),
    );
    let (r, report) = import(&app, &no_code, true).await;
    assert!(r.is_err());
    assert!(
        report.contains(&format!("条目 #{}", before.id)) && report.contains("91410100737459086M"),
        "the error names the entry and its code: {report}"
    );
    assert!(
        report.contains("第2行 统一社会信用代码: 本行未填写统一社会信用代码"),
        "{report}"
    );
    let after = app.store.entry(before.id).await.unwrap().unwrap();
    assert_eq!(after.data, before.data, "nothing was written");
    assert_eq!(public_total(&app).await, 3);
}

async fn a_row_whose_name_belongs_to_an_entry_with_another_code_is_refused(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.csv", format!("{HEADER}{GOOD}").as_bytes());
    import(&app, &first, true).await.0.unwrap();
    let other_code = write(
        dir.path(),
        "b.csv",
        format!("{HEADER}示例鑫利宝网络科技有限公司,,91350100M0001TGQXM,网络借贷,黑名单,事由,示例区金融办,2024/3/1,,在列,,\n").as_bytes(),
    );
    let (r, report) = import(&app, &other_code, true).await;
    assert!(r.is_err());
    assert!(report.contains("名称与条目 #"), "{report}");
    assert!(report.contains("91410100737459086M") && report.contains("91350100M0001TGQXM"));
    assert_eq!(public_total(&app).await, 3, "no duplicate was created");
}

async fn traditional_and_simplified_names_update_one_entry(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let simplified = write(
        dir.path(),
        "a.csv",
        format!(
            "{HEADER}示例钱满仓商贸有限公司,,,其他,黑名单,事由,示例区金融办,2024/3/1,,在列,,\n"
        )
        .as_bytes(),
    );
    import(&app, &simplified, true).await.0.unwrap();
    let traditional = write(
        dir.path(),
        "b.csv",
        format!("{HEADER}示例錢滿倉商貿有限公司,,,其他,黑名单,更正后的事由,示例区金融办,2024/3/1,,在列,,\n").as_bytes(),
    );
    let (r, report) = import(&app, &traditional, true).await;
    assert_eq!(r.unwrap(), 1, "{report}");
    assert_eq!(public_total(&app).await, 1, "one firm, one entry");
    let e = entry_by_name(&app, "示例钱满仓商贸有限公司").await;
    assert_eq!(e.data.reason, "更正后的事由");
}

async fn an_id_column_corrects_the_code_of_an_entry(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.csv", format!("{HEADER}{GOOD}").as_bytes());
    import(&app, &first, true).await.0.unwrap();
    let e = entry_by_name(&app, "示例鑫利宝网络科技有限公司").await;
    let fix = write(
        dir.path(),
        "b.csv",
        format!(
            "编号,{HEADER}{},示例鑫利宝网络科技有限公司,,91350100M0001TGQXM,网络借贷,黑名单,拒不配合清理整顿,示例区金融办,2024/3/1,,在列,,\n",
            e.id
        )
        .as_bytes(),
    );
    let (r, report) = import(&app, &fix, true).await;
    assert_eq!(r.unwrap(), 1, "{report}");
    let fixed = app.store.entry(e.id).await.unwrap().unwrap();
    assert_eq!(
        fixed.data.credit_code.map(|c| c.to_string()).as_deref(),
        Some("91350100M0001TGQXM")
    );
    let revisions = app.store.revisions(Entity::Entry, e.id).await.unwrap();
    assert!(
        revisions[0]
            .changed
            .contains(&"统一社会信用代码".to_string())
    );
    // An id that names no entry is refused.
    let bad = write(
        dir.path(),
        "c.csv",
        format!("编号,{HEADER}999999,示例某某有限公司,,,其他,黑名单,事由,机关,,,,,\n").as_bytes(),
    );
    let (r, report) = import(&app, &bad, true).await;
    assert!(r.is_err());
    assert!(report.contains("编号 999999 没有对应的条目"), "{report}");
}

/// Rows enough for several of the import's write batches (500 rows each).
fn many_rows(n: usize) -> String {
    (0..n)
        .map(|i| format!("示例第{i}号网络科技有限公司,,,网络借贷,黑名单,拒不配合,示例区金融办,2024-03-01,,在列,,\n"))
        .collect()
}

async fn a_file_of_many_batches_imports_whole(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}{}", many_rows(1_234));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let file = write(dir.path(), "many.csv", &gbk);
    let (r, report) = import(&app, &file, true).await;
    assert_eq!(r.unwrap(), 1_234, "{report}");
    assert_eq!(public_total(&app).await, 1_234);
    let (_, json) = app
        .get_json("/api/v1/entries?q=示例第1233号网络科技有限公司")
        .await;
    assert_eq!(
        json["items"][0]["name"], "示例第1233号网络科技有限公司",
        "{json}"
    );
}

async fn an_error_after_written_batches_leaves_nothing_written(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    // Rows 2..=1201 are valid and written batch by batch; row 1202 repeats row 2's firm and
    // row 1203 has a bad date: the whole file must be refused and every batch rolled back.
    let text = format!(
        "{HEADER}{}示例第0号网络科技有限公司,,,网络借贷,黑名单,事由,机关,2024-03-01,,在列,,\n\
         示例最后一行有限公司,,,网络借贷,黑名单,事由,机关,2024-02-30,,在列,,\n",
        many_rows(1_200)
    );
    let file = write(dir.path(), "late-error.csv", text.as_bytes());
    let (r, report) = import(&app, &file, true).await;
    assert!(r.unwrap_err().to_string().contains("整个文件未导入"));
    assert!(
        report.contains("错误 第1202行 主体名称: 与第2行重复"),
        "{report}"
    );
    assert!(report.contains("错误 第1203行 列入日期:"), "{report}");
    assert_eq!(public_total(&app).await, 0);
    let all = jingshi::store::StaffFilter {
        limit: 10,
        ..Default::default()
    };
    let (drafts_too, _) = app.store.staff_entries(&all).await.unwrap();
    assert_eq!(drafts_too, 0, "nothing of the written batches is left");
}

/// Into an empty list (a bulk load on SQLite) every row is new: a row naming an entry by
/// its id is refused, and so is the file.
async fn an_id_column_in_a_file_for_an_empty_list_is_refused(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "编号,{HEADER}\
         ,示例甲网络科技有限公司,,,网络借贷,黑名单,事由,机关,2024-03-01,,在列,,\n\
         1,示例乙网络科技有限公司,,,网络借贷,黑名单,事由,机关,2024-03-01,,在列,,\n"
    );
    let file = write(dir.path(), "ids.csv", text.as_bytes());
    let (r, report) = import(&app, &file, true).await;
    assert!(r.is_err());
    assert!(report.contains("第3行: 编号 1 没有对应的条目"), "{report}");
    let all = jingshi::store::StaffFilter {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(app.store.staff_entries(&all).await.unwrap().0, 0);
}

/// A published import's first revisions record no snapshot (the entry holds it until it
/// changes); the history still shows and restores what the import published, after a later
/// change too. A draft's first revision keeps its snapshot: publishing a draft records no
/// `previous` to read it from.
async fn a_published_import_leaves_a_history_staff_can_read_and_restore(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "a.csv", format!("{HEADER}{GOOD}").as_bytes());
    import(&app, &first, true).await.0.unwrap();
    let entry = entry_by_name(&app, "示例无代码商贸有限公司").await;
    let revisions = app.store.revisions(Entity::Entry, entry.id).await.unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].data, None, "the entry is its own snapshot");
    let mut editor = signed_in(&app, "lishi", jingshi::domain::Role::Editor).await;
    let history = format!("/admin/entries/{}/history", entry.id);
    assert!(editor.get(&history).await.body.contains("失联"));

    let changed = GOOD.replace("失联", "经营场所已关闭");
    let second = write(dir.path(), "b.csv", format!("{HEADER}{changed}").as_bytes());
    assert_eq!(import(&app, &second, true).await.0.unwrap(), 1);
    let page = editor.get(&history).await;
    assert!(
        page.body.contains("失联") && page.body.contains("经营场所已关闭"),
        "the imported content beside the change: {}",
        page.body
    );
    let revisions = app.store.revisions(Entity::Entry, entry.id).await.unwrap();
    let imported = revisions.last().unwrap().id;
    let restored = editor
        .post(
            &format!("/admin/entries/{}/restore/{imported}", entry.id),
            &[],
        )
        .await;
    assert_eq!(restored.status, 303);
    let proposal = editor
        .get(&format!("/admin/entries/{}/edit", entry.id))
        .await;
    assert!(
        proposal.body.contains("失联") && !proposal.body.contains("经营场所已关闭"),
        "the restored proposal is the imported content: {}",
        proposal.body
    );

    let draft = write(
        dir.path(),
        "c.csv",
        format!("{HEADER}示例草稿商贸有限公司,,,其他,经营异常,失联,示例区金融办,2022-01-01,,,,\n")
            .as_bytes(),
    );
    import(&app, &draft, false).await.0.unwrap();
    let draft = app
        .store
        .staff_entries(&jingshi::store::StaffFilter {
            q: Some("示例草稿商贸有限公司".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .1;
    let revisions = app
        .store
        .revisions(Entity::Entry, draft[0].id)
        .await
        .unwrap();
    assert!(revisions[0].data.is_some(), "a draft keeps its snapshot");
}
