//! Hostile import files: oversized cells, invisible characters, truncated CSV and forged
//! XLSX files are refused at once with Chinese row and column errors, and nothing they hold
//! can reach a public page.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rust_xlsxwriter::Workbook;

use crate::entries::urlencode;
use crate::harness::{TestApp, import_file};
use crate::on_both_databases;

on_both_databases!(
    oversized_cells_are_refused_and_every_public_page_keeps_answering,
    a_truncated_csv_is_refused_with_its_row_named,
    invisible_characters_in_cells_are_refused,
    a_sheet_with_a_cell_at_xfd1048576_is_refused_at_once,
    a_zip_bomb_of_empty_rows_is_refused_at_once,
    a_forged_shared_string_count_is_refused_at_once,
    a_cell_beyond_the_declared_range_is_refused_while_reading,
);

const HEADER: &str = "主体名称,别名,业态,列入事由,认定机关\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Imports a file the test expects refused: the report as printed, and how long it took.
async fn refused(app: &TestApp, file: &Path) -> (String, Duration) {
    let started = Instant::now();
    let (result, report) = import_file(&app.store, &app.clock, file, true).await;
    let took = started.elapsed();
    let err = result.expect_err("the file is refused");
    (format!("{report}{err}"), took)
}

async fn public_total(app: &TestApp) -> i64 {
    app.get_json("/api/v1/entries").await.1["total"]
        .as_i64()
        .unwrap()
}

async fn oversized_cells_are_refused_and_every_public_page_keeps_answering(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let huge_reason = "以高息为诱饵非法吸收公众存款".repeat(350_000);
    let many_aliases: Vec<String> = (0..20_000).map(|i| format!("别名{i}")).collect();
    let mut body = format!("示例巨长事由有限公司,,p2p,{huge_reason},示例区金融办\n");
    for i in 0..30 {
        body.push_str(&format!(
            "示例别名{i}号有限公司,{},p2p,事由,示例区金融办\n",
            many_aliases.join("；")
        ));
    }
    body.push_str(&format!(
        "示例巨长名称{}有限公司,,p2p,事由,示例区金融办\n",
        "很".repeat(300)
    ));
    let file = write(dir.path(), "huge.csv", format!("{HEADER}{body}").as_bytes());
    assert!(std::fs::metadata(&file).unwrap().len() > 4_000_000);
    let (report, _) = refused(&app, &file).await;
    assert!(
        report.contains("错误 第2行 列入事由: 列入事由过长：4900000 个字符，最多 5000 个"),
        "{report}"
    );
    assert!(
        report.contains("错误 第3行 别名: 别名过长：") && report.contains("最多 2000 个"),
        "{report}"
    );
    assert!(
        report.contains("错误 第33行 主体名称: 主体名称过长："),
        "{report}"
    );
    assert!(
        !report.contains("以高息为诱饵非法吸收公众存款以高息"),
        "a refused cell is never echoed"
    );
    assert_eq!(public_total(&app).await, 0);
    for path in [
        "/entries".to_string(),
        format!("/search?q={}", urlencode("别名1")),
        "/api/v1/entries?per_page=100".to_string(),
    ] {
        assert_eq!(app.get(&path).await.0, 200, "{path}");
    }

    // At the limits the same file imports, and every page still answers.
    let at_limit = format!(
        "{HEADER}示例恰好事由有限公司,,p2p,{},示例区金融办\n示例恰好别名有限公司,{},p2p,事由,示例区金融办\n",
        "事".repeat(5_000),
        (0..50)
            .map(|i| format!("示例别名{i:02}"))
            .collect::<Vec<_>>()
            .join("；"),
    );
    let file = write(dir.path(), "limit.csv", at_limit.as_bytes());
    let (result, report) = import_file(&app.store, &app.clock, &file, true).await;
    assert_eq!(result.expect(&report).created, 2);
    app.sync().await;
    for path in [
        "/entries".to_string(),
        format!("/search?q={}", urlencode("示例别名07")),
        "/api/v1/entries?per_page=100".to_string(),
    ] {
        assert_eq!(app.get(&path).await.0, 200, "{path}");
    }
    let (_, page) = app
        .get(&format!("/search?q={}", urlencode("示例别名07")))
        .await;
    assert!(page.contains("”相符的在列记录 1 条："));
}

async fn a_truncated_csv_is_refused_with_its_row_named(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let whole = format!(
        "{HEADER}示例完整一有限公司,,p2p,事由,示例区金融办\n示例完整二有限公司,,p2p,事由,示例区金融办\n"
    );
    // The file ends in the middle of its last row, as a copy cut short leaves it.
    let cut = &whole[..whole.len() - "p2p,事由,示例区金融办\n".len()];
    let file = write(dir.path(), "cut.csv", cut.as_bytes());
    let (report, _) = refused(&app, &file).await;
    assert!(
        report.contains("错误 第3行: 该行只有 3 列，表头有 5 列"),
        "{report}"
    );
    assert!(report.contains("整个文件未导入"));
    assert_eq!(public_total(&app).await, 0, "not even the complete row");

    // An unquoted comma shifts a row's fields: refused, not imported askew.
    let shifted = format!("{HEADER}示例甲,乙有限公司,,p2p,事由,示例区金融办\n");
    let file = write(dir.path(), "shifted.csv", shifted.as_bytes());
    let (report, _) = refused(&app, &file).await;
    assert!(
        report.contains("错误 第2行: 该行第 6 列有内容，但表头只有 5 列"),
        "{report}"
    );
}

async fn invisible_characters_in_cells_are_refused(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let reversed: String = "示例市速结通科技有限公司".chars().rev().collect();
    let body = format!(
        "\u{202e}{reversed},,p2p,事由,示例区金融办\n示例零宽有限公司,零\u{200b}宽,p2p,事由,示例区金融办\n示例空字符有限公司,,p2p,事由\0,示例区金融办\n"
    );
    let file = write(dir.path(), "bidi.csv", format!("{HEADER}{body}").as_bytes());
    let (report, _) = refused(&app, &file).await;
    for line in [
        "错误 第2行 主体名称: 含有不可见字符 U+202E（文字方向控制符），请删除后重试",
        "错误 第3行 别名: 含有不可见字符 U+200B（零宽字符），请删除后重试",
        "错误 第4行 列入事由: 含有不可见字符 U+0000（空字符），请删除后重试",
    ] {
        assert!(report.contains(line), "{line}\n{report}");
    }
    assert_eq!(public_total(&app).await, 0);
}

/// A valid workbook (headers and one row) written by rust_xlsxwriter, with `tweak` applied to
/// its first sheet.
fn workbook(
    dir: &Path,
    name: &str,
    tweak: impl FnOnce(&mut rust_xlsxwriter::Worksheet),
) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["name", "category", "reason", "authority"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["示例表格有限公司", "p2p", "事由", "示例区金融办"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    tweak(ws);
    let p = dir.join(name);
    wb.save(&p).unwrap();
    p
}

/// The same workbook with one part replaced, as a forger would make it.
fn with_part(file: &Path, part: &str, content: &[u8]) -> PathBuf {
    let mut source = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let out = file.with_file_name(format!("forged-{}.xlsx", part.replace('/', "-")));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&out).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for i in 0..source.len() {
        let mut entry = source.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(if name == part { content } else { &bytes })
            .unwrap();
    }
    zip.finish().unwrap();
    out
}

/// A workbook whose only cell has a reference forged to overflow calamine's arithmetic (a
/// panic in a debug build): it must be refused, never crash the import.
pub fn overflowing_reference(dir: &Path) -> PathBuf {
    let base = workbook(dir, "base.xlsx", |_| {});
    let sheet = format!(
        r#"{SHEET_START}<sheetData><row r="1"><c r="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA99999999999999" t="inlineStr"><is><t>name</t></is></c></row></sheetData></worksheet>"#
    );
    with_part(&base, "xl/worksheets/sheet1.xml", sheet.as_bytes())
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

async fn a_sheet_with_a_cell_at_xfd1048576_is_refused_at_once(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = workbook(dir.path(), "far.xlsx", |ws| {
        ws.write_string(1_048_575, 16_383, "x").unwrap();
    });
    assert!(
        std::fs::metadata(&file).unwrap().len() < 10_000,
        "a small file"
    );
    let (report, took) = refused(&app, &file).await;
    assert!(
        report.contains("工作表声明的已用区域 A1:XFD1048576 超出上限（最多 200001 行、100 列）"),
        "{report}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(public_total(&app).await, 0);
}

async fn a_zip_bomb_of_empty_rows_is_refused_at_once(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let base = workbook(dir.path(), "base.xlsx", |_| {});
    let mut sheet = format!("{SHEET_START}<sheetData>");
    sheet.push_str(&"<row></row>".repeat(3_200_000));
    sheet.push_str("</sheetData></worksheet>");
    let bomb = with_part(&base, "xl/worksheets/sheet1.xml", sheet.as_bytes());
    assert!(
        std::fs::metadata(&bomb).unwrap().len() < 200_000,
        "a small file"
    );
    let (report, took) = refused(&app, &bomb).await;
    assert!(
        report.contains("Excel 文件中的“xl/worksheets/sheet1.xml”解压后有 33.6 MB"),
        "{report}"
    );
    assert!(report.contains("可能是异常文件，已拒绝读取"), "{report}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

async fn a_forged_shared_string_count_is_refused_at_once(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let base = workbook(dir.path(), "base.xlsx", |_| {});
    let sst = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="8" uniqueCount="1000000000000"><si><t>name</t></si></sst>"#;
    let forged = with_part(&base, "xl/sharedStrings.xml", sst);
    let (report, took) = refused(&app, &forged).await;
    assert!(
        report.contains("共享字符串表声明了 1000000000000 个字符串，超出上限"),
        "{report}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

async fn a_cell_beyond_the_declared_range_is_refused_while_reading(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let base = workbook(dir.path(), "base.xlsx", |_| {});
    // The range declared is small; a cell far below it is found while reading.
    let sheet = format!(
        r#"{SHEET_START}<dimension ref="A1:D2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="250000"><c r="A250000" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#
    );
    let far = with_part(&base, "xl/worksheets/sheet1.xml", sheet.as_bytes());
    let (report, took) = refused(&app, &far).await;
    assert!(
        report.contains("工作表的已用区域 A1:A250000 超出上限"),
        "{report}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");

    let forged = overflowing_reference(dir.path());
    let (result, report) = import_file(&app.store, &app.clock, &forged, true).await;
    assert!(result.is_err(), "{report}");
    assert_eq!(public_total(&app).await, 0);
}
