//! Writing the public list, or the history of its changes, to a file: CSV (UTF-8 with BOM, so
//! that Excel opens it), XLSX or JSON. Rows are read in batches inside one read-only
//! transaction and written as they come, so memory stays flat however long the list is; only
//! what the visibility rule admits is read.
//!
//! The list's CSV and XLSX have the import's columns, in its order, with its Chinese headers
//! (then the entry's URL and last change, which an import skips), so that an export imports
//! back as the same entries; its JSON holds the API's entry records, which the import reads too.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::{Format as CellFormat, Workbook};
use time::Date;

use super::records::{ChangeRecord, EntryRecord};
use crate::domain::dates::{china_minute, iso, rfc3339};
use crate::domain::entry::Field;
use crate::store::{ChangeEvent, Entry, Public, Store, Tx};

/// Rows read per query.
const BATCH: i64 = 1_000;

/// Data rows per XLSX worksheet (Excel holds 1,048,576 rows); a longer list goes on in
/// another worksheet with the same header.
const XLSX_ROWS: u32 = 1_000_000;

/// The columns an export adds after the import's own; an import skips them.
pub const SITE_COLUMNS: [&str; 2] = ["详情页", "更新时间"];

/// The columns of the history's CSV and XLSX.
const HISTORY_COLUMNS: [&str; 12] = [
    "序号",
    "生效时间（北京时间）",
    "事件",
    "条目编号",
    "主体名称",
    "统一社会信用代码",
    "名单类型",
    "状态",
    "列入日期",
    "移出日期",
    "移出原因",
    "详情页",
];

/// A file format of the exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Xlsx, Format::Json];

    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.ext() == s)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataset {
    /// Every entry the public sees now (listed, and removed ones still in publicity).
    Entries,
    /// Every event of the changes feed: listings, updates, removals, withdrawals, publicity
    /// ends; entries no longer public without their details.
    History,
}

impl Dataset {
    pub const ALL: [Dataset; 2] = [Dataset::Entries, Dataset::History];

    /// The file name stem.
    pub fn stem(self) -> &'static str {
        match self {
            Dataset::Entries => "entries",
            Dataset::History => "history",
        }
    }

    pub fn parse(s: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.stem() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Dataset::Entries => "名单（当前公示）",
            Dataset::History => "变更记录（列入、更新、移出、撤回、公示期满）",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Entries (or events) written.
    pub records: u64,
    /// The changes feed's position the export is complete up to: a consumer follows
    /// `/api/v1/changes?cursor=` from here.
    pub cursor: i64,
}

/// A cell that Excel would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
/// first) gets a leading `'`, which Excel shows as text and an import takes off again.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes `dataset` as `format` to `path`, as the public sees it on `today`; links are made
/// with `url` from site paths.
pub async fn write(
    store: &Store,
    today: Date,
    url: &(dyn Fn(&str) -> String + Sync),
    dataset: Dataset,
    format: Format,
    path: &Path,
) -> anyhow::Result<Written> {
    let cursor = store.settle_feed(today).await?;
    let mut sink = Sink::create(format, dataset, path, cursor)?;
    // One state of the database from the first batch to the last.
    let mut tx = store.begin_read().await?;
    let records = match dataset {
        Dataset::Entries => write_entries(&mut tx, today, url, &mut sink).await?,
        Dataset::History => write_history(&mut tx, today, cursor, url, &mut sink).await?,
    };
    drop(tx);
    sink.finish(records).await?;
    Ok(Written { records, cursor })
}

async fn write_entries(
    tx: &mut Tx,
    today: Date,
    url: &(dyn Fn(&str) -> String + Sync),
    sink: &mut Sink,
) -> anyhow::Result<u64> {
    let mut after = 0;
    let mut records = 0;
    loop {
        let batch = tx.public_entries_after(after, BATCH, today).await?;
        let Some(last) = batch.last() else {
            return Ok(records);
        };
        after = last.id;
        for e in &batch {
            sink.entry(e, url)?;
            records += 1;
        }
    }
}

async fn write_history(
    tx: &mut Tx,
    today: Date,
    cursor: i64,
    url: &(dyn Fn(&str) -> String + Sync),
    sink: &mut Sink,
) -> anyhow::Result<u64> {
    let mut after = 0;
    let mut records = 0;
    loop {
        let events = tx.change_events(after, BATCH).await?;
        let events: Vec<ChangeEvent> = events.into_iter().filter(|e| e.seq <= cursor).collect();
        let Some(last) = events.last() else {
            return Ok(records);
        };
        after = last.seq;
        let mut ids: Vec<i64> = events.iter().map(|e| e.entry_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let public = tx.public_entries_by_ids(&ids, today).await?;
        for event in &events {
            let entry = public.iter().find(|e| e.id == event.entry_id);
            sink.change(event, entry, url)?;
            records += 1;
        }
    }
}

/// Where rows go: a table of text cells, or JSON records.
enum Sink {
    Table(Table),
    Json { out: BufWriter<File>, first: bool },
}

enum Table {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Xlsx(Box<XlsxSheet>),
}

impl Table {
    fn row(&mut self, cells: &[String]) -> anyhow::Result<()> {
        match self {
            Table::Csv(w) => w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))?,
            Table::Xlsx(x) => x.row(cells)?,
        }
        Ok(())
    }
}

fn json_record<T: serde::Serialize>(
    out: &mut BufWriter<File>,
    first: &mut bool,
    record: &T,
) -> anyhow::Result<()> {
    out.write_all(if *first { b"\n" } else { b",\n" })?;
    *first = false;
    serde_json::to_writer(&mut *out, record)?;
    Ok(())
}

impl Sink {
    fn create(format: Format, dataset: Dataset, path: &Path, cursor: i64) -> anyhow::Result<Sink> {
        let file =
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let headers = headers(dataset);
        Ok(match format {
            Format::Csv => {
                out.write_all("\u{feff}".as_bytes())?;
                let mut w = csv::Writer::from_writer(out);
                w.write_record(&headers)?;
                Sink::Table(Table::Csv(Box::new(w)))
            }
            Format::Xlsx => {
                drop(out);
                Sink::Table(Table::Xlsx(Box::new(XlsxSheet::new(
                    path, dataset, headers,
                )?)))
            }
            Format::Json => {
                let generated = rfc3339(time::OffsetDateTime::now_utc());
                let key = match dataset {
                    Dataset::Entries => "entries",
                    Dataset::History => "changes",
                };
                write!(
                    out,
                    "{{\"dataset\":\"{}\",\"generated_at\":\"{generated}\",\"changes_cursor\":{cursor},\"{key}\":[",
                    dataset.stem()
                )?;
                Sink::Json { out, first: true }
            }
        })
    }

    fn entry(
        &mut self,
        e: &Public<Entry>,
        url: &(dyn Fn(&str) -> String + Sync),
    ) -> anyhow::Result<()> {
        let table = match self {
            Sink::Json { out, first } => return json_record(out, first, &EntryRecord::new(e, url)),
            Sink::Table(t) => t,
        };
        let mut cells: Vec<String> = Field::ALL.into_iter().map(|f| e.data.text(f)).collect();
        cells.push(url(&format!("/entries/{}", e.id)));
        cells.push(china_minute(e.updated_at));
        table.row(&cells)
    }

    fn change(
        &mut self,
        event: &ChangeEvent,
        entry: Option<&Public<Entry>>,
        url: &(dyn Fn(&str) -> String + Sync),
    ) -> anyhow::Result<()> {
        let table = match self {
            Sink::Json { out, first } => {
                let record = ChangeRecord::new(event, entry.map(|e| EntryRecord::new(e, url)));
                return json_record(out, first, &record);
            }
            Sink::Table(t) => t,
        };
        let mut cells = vec![
            event.seq.to_string(),
            china_minute(event.at),
            event.kind.label().to_string(),
            event.entry_id.to_string(),
        ];
        if let Some(e) = entry {
            let d = &e.data;
            cells.extend([
                d.name.clone(),
                d.text(Field::CreditCode),
                d.list.label().to_string(),
                d.status.label().to_string(),
                d.listed_on.map(iso).unwrap_or_default(),
                d.removed_on.map(iso).unwrap_or_default(),
                d.removal_reason.clone(),
                url(&format!("/entries/{}", e.id)),
            ]);
        }
        // An entry no longer public: its number only, the other cells empty.
        cells.resize(HISTORY_COLUMNS.len(), String::new());
        table.row(&cells)
    }

    async fn finish(self, records: u64) -> anyhow::Result<()> {
        match self {
            Sink::Table(Table::Csv(w)) => {
                w.into_inner()
                    .map_err(|e| anyhow::anyhow!("{}", e.error()))?
                    .flush()?;
            }
            Sink::Table(Table::Xlsx(x)) => {
                // Compressing a million rows takes a while: off the async workers.
                tokio::task::spawn_blocking(move || x.save()).await??;
            }
            Sink::Json { mut out, .. } => {
                write!(out, "\n],\"count\":{records}}}\n")?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

fn headers(dataset: Dataset) -> Vec<String> {
    match dataset {
        Dataset::Entries => Field::ALL
            .into_iter()
            .map(|f| f.label())
            .chain(SITE_COLUMNS)
            .map(String::from)
            .collect(),
        Dataset::History => HISTORY_COLUMNS.into_iter().map(String::from).collect(),
    }
}

/// An XLSX workbook written in constant memory: each row goes to a temporary file as soon as
/// the next one starts. Every cell is a string cell, which Excel never runs as a formula.
struct XlsxSheet {
    workbook: Workbook,
    path: std::path::PathBuf,
    name: &'static str,
    headers: Vec<String>,
    bold: CellFormat,
    sheets: usize,
    row: u32,
}

impl XlsxSheet {
    fn new(path: &Path, dataset: Dataset, headers: Vec<String>) -> anyhow::Result<XlsxSheet> {
        let mut workbook = Workbook::new();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            workbook.set_tempdir(dir)?;
        }
        let mut sheet = XlsxSheet {
            workbook,
            path: path.to_path_buf(),
            name: match dataset {
                Dataset::Entries => "名单",
                Dataset::History => "变更记录",
            },
            headers,
            bold: CellFormat::new().set_bold(),
            sheets: 0,
            row: 0,
        };
        sheet.add_sheet()?;
        Ok(sheet)
    }

    fn add_sheet(&mut self) -> anyhow::Result<()> {
        self.sheets += 1;
        let name = if self.sheets == 1 {
            self.name.to_string()
        } else {
            format!("{}{}", self.name, self.sheets)
        };
        let ws = self.workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        ws.set_freeze_panes(1, 0)?;
        for (col, h) in self.headers.iter().enumerate() {
            ws.set_column_width(col as u16, 18)?;
            ws.write_string_with_format(0, col as u16, h, &self.bold)?;
        }
        self.row = 0;
        Ok(())
    }

    fn row(&mut self, cells: &[String]) -> anyhow::Result<()> {
        if self.row == XLSX_ROWS {
            self.add_sheet()?;
        }
        self.row += 1;
        let ws = self.workbook.worksheet_from_index(self.sheets - 1)?;
        for (col, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(self.row, col as u16, cell)?;
            }
        }
        Ok(())
    }

    fn save(mut self) -> anyhow::Result<()> {
        self.workbook.save(&self.path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_excel_would_run_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+86 400"), "'+86 400");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tcmd"), "'\tcmd");
        assert_eq!(neutralise("示例=公司"), "示例=公司");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn formats_and_datasets_parse_from_their_names() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.ext()), Some(f));
        }
        for d in Dataset::ALL {
            assert_eq!(Dataset::parse(d.stem()), Some(d));
        }
        assert_eq!(Format::parse("pdf"), None);
    }
}
