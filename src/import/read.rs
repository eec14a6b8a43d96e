//! Reading CSV and XLSX files into a sheet of cells, within limits that are checked before any
//! cell is read: a small hostile file (one cell at XFD1048576, a zip bomb of empty rows, a
//! shared-string table declaring a trillion entries) is refused at once, with bounded memory
//! and a Chinese message.

use std::io::{BufReader, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use super::{Problem, Problems};

/// Data rows a file may have (below the header row).
pub const MAX_ROWS: usize = 200_000;
/// Columns a sheet may use.
pub const MAX_COLUMNS: usize = 100;
/// Cells a sheet may hold.
pub const MAX_CELLS: usize = 4_000_000;
/// Size of the file itself.
pub const MAX_FILE_BYTES: u64 = 128 << 20;
/// Size of one part of an XLSX file (a worksheet, the shared strings), decompressed.
const MAX_PART_BYTES: u64 = 256 << 20;
/// Size of all parts of an XLSX file, decompressed.
const MAX_UNZIPPED_BYTES: u64 = 512 << 20;
/// How many times larger than compressed a large part may be: spreadsheets compress about
/// ten to thirty times, a zip bomb a thousand.
const MAX_RATIO: u64 = 100;
/// Parts smaller than this decompressed are not held to the ratio.
const RATIO_FROM: u64 = 1 << 20;
/// Parts an XLSX file may have.
const MAX_PARTS: usize = 10_000;
/// How much of a part's beginning is read to find its declarations.
const HEAD_BYTES: u64 = 64 << 10;

/// A cell as the file holds it; CSV cells are always text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(time::Date),
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// The first sheet of a file: the header row and the data rows, each with its row number,
/// and the problems found while reading (rows that do not fit the header).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
    pub problems: Problems,
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("无法打开文件：{0}")]
    Open(#[from] std::io::Error),
    #[error(
        "文件格式不受支持（请使用 .csv、.xlsx 或本站导出的 .json 文件；旧版 .xls 文件请在 Excel 中另存为 .xlsx）"
    )]
    UnsupportedFormat,
    #[error("文件编码无法识别（请另存为 UTF-8 或 GBK 编码的 CSV）")]
    Encoding,
    #[error("CSV 文件格式有误：{0}")]
    Csv(String),
    #[error("Excel 文件无法读取，文件可能已损坏或不是 .xlsx 格式（{0}）")]
    Excel(String),
    #[error("文件中没有工作表或表头")]
    Empty,
    #[error("JSON 文件格式有误（应为本站导出的 JSON 或条目数组）：{0}")]
    Json(String),
    /// The file is beyond a limit of this module; the message names it.
    #[error("{0}")]
    Limit(String),
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1 << 20) as f64)
}

pub fn read_file(path: &Path) -> Result<Sheet, ReadError> {
    let format = Format::of(path)?;
    check_size(path, MAX_FILE_BYTES)?;
    match format {
        Format::Csv => read_csv(&std::fs::read(path)?),
        Format::Json => read_json(&std::fs::read(path)?),
        Format::Xlsx => read_xlsx(path),
    }
}

/// The kinds of file an import reads, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
    Xlsx,
}

impl Format {
    fn of(path: &Path) -> Result<Format, ReadError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "csv" | "txt" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "xlsx" | "xlsm" => Ok(Format::Xlsx),
            _ => Err(ReadError::UnsupportedFormat),
        }
    }
}

fn check_size(path: &Path, limit: u64) -> Result<u64, ReadError> {
    let size = std::fs::metadata(path)?.len();
    if size > limit {
        return Err(ReadError::Limit(format!(
            "文件过大（{}，最多 {}），请分成几个文件导入",
            megabytes(size),
            megabytes(limit)
        )));
    }
    Ok(size)
}

fn too_many_rows(limit: usize) -> ReadError {
    ReadError::Limit(format!("文件超过 {limit} 行数据，请分成几个文件导入"))
}

/// The rows of a file, one at a time. A CSV file is streamed, so that a million rows cost a
/// few megabytes whatever the file's size; an XLSX or JSON file is read whole first, within
/// [`read_file`]'s limits.
pub struct RowReader<'a> {
    pub header_row: usize,
    pub headers: Vec<String>,
    source: Source<'a>,
    /// Rows that do not fit the header, found while reading; taken by the caller.
    problems: Problems,
}

enum Source<'a> {
    Sheet {
        rows: std::vec::IntoIter<(usize, Vec<Cell>)>,
        total: usize,
    },
    Csv(Box<CsvRows<'a>>),
}

impl RowReader<'static> {
    /// Opens a file of any format [`read_file`] reads and reads its header.
    pub fn open(path: &Path) -> Result<RowReader<'static>, ReadError> {
        match Format::of(path)? {
            Format::Csv => {
                let size = check_size(path, MAX_CSV_BYTES)?;
                let utf8 = is_utf8(std::fs::File::open(path)?)?;
                let file = std::fs::File::open(path)?;
                let mut csv = CsvRows::new(Box::new(file), utf8, size);
                let headers = csv.headers()?;
                Ok(RowReader {
                    header_row: 1,
                    headers,
                    source: Source::Csv(Box::new(csv)),
                    problems: Problems::default(),
                })
            }
            _ => Ok(RowReader::of_sheet(read_file(path)?)),
        }
    }

    /// Rows of a sheet already read.
    pub fn of_sheet(sheet: Sheet) -> RowReader<'static> {
        RowReader {
            header_row: sheet.header_row,
            headers: sheet.headers,
            source: Source::Sheet {
                total: sheet.rows.len(),
                rows: sheet.rows.into_iter(),
            },
            problems: sheet.problems,
        }
    }
}

impl RowReader<'_> {
    /// The next data row and its number as Excel shows it.
    pub fn next_row(&mut self) -> Result<Option<(usize, Vec<Cell>)>, ReadError> {
        match &mut self.source {
            Source::Sheet { rows, .. } => Ok(rows.next()),
            Source::Csv(csv) => {
                let row = csv.next_row()?;
                if let Some((row_no, cells)) = &row
                    && !cells.iter().all(Cell::is_blank)
                    && let Some(p) = misfit(*row_no, cells, csv.width)
                {
                    self.problems.push(p);
                }
                Ok(row)
            }
        }
    }

    /// The problems found since the last call.
    pub fn take_problems(&mut self) -> Problems {
        std::mem::take(&mut self.problems)
    }

    /// How much of the file has been read, from 0 to 1.
    pub fn fraction_read(&self) -> f64 {
        match &self.source {
            Source::Sheet { rows, total } => 1.0 - rows.len() as f64 / (*total).max(1) as f64,
            Source::Csv(csv) => csv.fraction_read(),
        }
    }
}

/// Size of a CSV file, which is streamed.
pub const MAX_CSV_BYTES: u64 = 1 << 30;
/// Data rows a streamed CSV file may have.
pub const MAX_CSV_ROWS: usize = 2_000_000;
/// Bytes one CSV record may take: far beyond any real row (whose cells are refused by their
/// own limits, with row and column named), and what bounds the memory a hostile file (one
/// endless quoted cell) can make the reader take.
const MAX_RECORD_BYTES: u64 = 32 << 20;

/// Whether a file is valid UTF-8, read in chunks.
fn is_utf8(mut r: impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 64 << 10];
    // Bytes of a character cut by the end of the previous chunk.
    let mut carried = 0;
    loop {
        let n = r.read(&mut buf[carried..])?;
        if n == 0 {
            return Ok(carried == 0);
        }
        let filled = carried + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carried = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// Where the last whole CSV record ended, shared by the parser's owner and its input.
type RecordEnd = std::sync::Arc<std::sync::atomic::AtomicU64>;

/// Counts the bytes the CSV parser takes, and refuses to give it more than
/// [`MAX_RECORD_BYTES`] past the end of the last whole record.
struct Bounded<'a> {
    inner: Box<dyn Read + Send + 'a>,
    given: u64,
    record_end: RecordEnd,
}

impl Read for Bounded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let end = self.record_end.load(std::sync::atomic::Ordering::Relaxed);
        if self.given.saturating_sub(end) > MAX_RECORD_BYTES {
            return Err(std::io::Error::other(format!(
                "一行数据超过 {}，文件可能有未闭合的引号",
                megabytes(MAX_RECORD_BYTES)
            )));
        }
        let n = self.inner.read(buf)?;
        self.given += n as u64;
        Ok(n)
    }
}

/// CSV records decoded to UTF-8 as they are read: UTF-8 (with or without BOM) when the whole
/// input is valid UTF-8, else GB 18030 (a superset of GBK, which Chinese Excel writes).
struct CsvRows<'a> {
    reader: csv::Reader<Bounded<'a>>,
    record: csv::StringRecord,
    record_end: RecordEnd,
    /// Bytes of the input (for GB 18030 the parser counts decoded bytes: close enough for
    /// progress).
    size: u64,
    gb18030: bool,
    /// Columns up to the last one with a header.
    width: usize,
    row_no: usize,
}

impl<'a> CsvRows<'a> {
    fn new(input: Box<dyn Read + Send + 'a>, utf8: bool, size: u64) -> CsvRows<'a> {
        let inner: Box<dyn Read + Send + 'a> = if utf8 {
            input
        } else {
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs::GB18030))
                    .build(input),
            )
        };
        let record_end = RecordEnd::default();
        let bounded = Bounded {
            inner,
            given: 0,
            record_end: record_end.clone(),
        };
        CsvRows {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bounded),
            record: csv::StringRecord::new(),
            record_end,
            size,
            gb18030: !utf8,
            width: 0,
            row_no: 0,
        }
    }

    fn headers(&mut self) -> Result<Vec<String>, ReadError> {
        let (_, mut headers) = self.read_record()?.ok_or(ReadError::Empty)?;
        if let Some(first) = headers.first_mut()
            && let Some(rest) = first.strip_prefix('\u{feff}')
        {
            *first = rest.to_string();
        }
        self.width = headers
            .iter()
            .rposition(|h| !h.trim().is_empty())
            .map_or(0, |i| i + 1);
        if self.width == 0 {
            return Err(ReadError::Empty);
        }
        Ok(headers)
    }

    fn read_record(&mut self) -> Result<Option<(usize, Vec<String>)>, ReadError> {
        let more = self
            .reader
            .read_record(&mut self.record)
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Io(io) => ReadError::Csv(io.to_string()),
                _ => ReadError::Csv(e.to_string()),
            })?;
        if !more {
            return Ok(None);
        }
        self.record_end.store(
            self.reader.position().byte(),
            std::sync::atomic::Ordering::Relaxed,
        );
        // Excel shows one row per record, even when a quoted cell holds line breaks.
        self.row_no += 1;
        let cells: Vec<String> = self.record.iter().map(str::to_string).collect();
        // The decoder puts U+FFFD where bytes are neither UTF-8 nor GB 18030.
        if self.gb18030 && cells.iter().any(|c| c.contains('\u{fffd}')) {
            return Err(ReadError::Encoding);
        }
        Ok(Some((self.row_no, cells)))
    }

    fn next_row(&mut self) -> Result<Option<(usize, Vec<Cell>)>, ReadError> {
        let Some((row_no, cells)) = self.read_record()? else {
            return Ok(None);
        };
        if row_no - 1 > MAX_CSV_ROWS {
            return Err(too_many_rows(MAX_CSV_ROWS));
        }
        let cells = cells
            .into_iter()
            .map(|c| Cell::Text(unneutralise(c)))
            .collect();
        Ok(Some((row_no, cells)))
    }

    fn fraction_read(&self) -> f64 {
        (self.reader.position().byte() as f64 / self.size.max(1) as f64).min(1.0)
    }
}

/// Reads CSV bytes whole into a sheet (at most [`MAX_ROWS`] rows).
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, ReadError> {
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let mut csv = CsvRows::new(Box::new(bytes), utf8, bytes.len() as u64);
    let headers = csv.headers()?;
    let mut reader = RowReader {
        header_row: 1,
        headers,
        source: Source::Csv(Box::new(csv)),
        problems: Problems::default(),
    };
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row()? {
        if rows.len() == MAX_ROWS {
            return Err(too_many_rows(MAX_ROWS));
        }
        rows.push(row);
    }
    Ok(Sheet {
        header_row: 1,
        problems: reader.take_problems(),
        headers: reader.headers,
        rows,
    })
}

/// Takes off the `'` an export puts before a cell Excel would run as a formula (see
/// `open_data::export::neutralise`), so that an export imports back as it was.
fn unneutralise(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => cell,
    }
}

/// The keys of a JSON export's entries that are the site's own (its number, URL and last
/// change): an import skips them.
const JSON_SITE_KEYS: [&str; 3] = ["id", "url", "updated_at"];

/// A JSON file as the site exports it (`{"entries": [...]}`) or a bare array of entries, each
/// an object keyed by the import's English column keys; lists (aliases, websites, phones) may
/// be arrays. Read into a sheet with one column per key, in the order keys first appear.
pub fn read_json(bytes: &[u8]) -> Result<Sheet, ReadError> {
    use serde_json::{Map, Value};
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum File {
        Export { entries: Vec<Map<String, Value>> },
        Bare(Vec<Map<String, Value>>),
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let entries = match serde_json::from_slice::<File>(bytes) {
        Ok(File::Export { entries } | File::Bare(entries)) => entries,
        Err(e) => return Err(ReadError::Json(e.to_string())),
    };
    if entries.len() > MAX_ROWS {
        return Err(too_many_rows(MAX_ROWS));
    }
    let mut sheet = Sheet {
        header_row: 1,
        ..Sheet::default()
    };
    let mut columns: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let mut cells = vec![Cell::Empty; sheet.headers.len()];
        for (key, value) in entry {
            if JSON_SITE_KEYS.contains(&key.as_str()) {
                continue;
            }
            if columns.len() == MAX_COLUMNS && !columns.contains_key(&key) {
                return Err(ReadError::Limit(format!("条目的字段超过 {MAX_COLUMNS} 个")));
            }
            let next = columns.len();
            let col = *columns.entry(key.clone()).or_insert(next);
            if col == sheet.headers.len() {
                sheet.headers.push(key);
            }
            if cells.len() <= col {
                cells.resize(col + 1, Cell::Empty);
            }
            cells[col] = match value {
                Value::Null => Cell::Empty,
                Value::String(s) => Cell::Text(s),
                Value::Number(n) => n.as_f64().map_or(Cell::Empty, Cell::Number),
                Value::Array(items) => Cell::Text(
                    items
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                other => Cell::Text(other.to_string()),
            };
        }
        // Row numbers as if the entries were rows under a header.
        sheet.rows.push((i + 2, cells));
    }
    if sheet.headers.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(sheet)
}

/// A CSV row whose fields do not line up with the header: fewer fields (a truncated file, a
/// lost separator) or text beyond the last header (an unquoted comma shifting the fields).
fn misfit(row: usize, cells: &[Cell], width: usize) -> Option<Problem> {
    let message = if cells.len() < width {
        format!(
            "该行只有 {} 列，表头有 {width} 列：文件可能不完整（被截断），或该行缺少分隔符",
            cells.len()
        )
    } else {
        let extra = cells[width..].iter().position(|c| !c.is_blank())?;
        format!(
            "该行第 {} 列有内容，但表头只有 {width} 列：内容中可能有未加引号的英文逗号",
            width + extra + 1
        )
    };
    Some(Problem {
        row,
        column: None,
        message,
    })
}

/// An XLSX file: its parts are checked from the zip directory (sizes, compression ratio) and
/// the shared-string table's declared size from its first bytes, before calamine reads
/// anything; the used range of the first sheet is checked before its cells are read, and
/// every cell against the same limits as it is read.
fn read_xlsx(path: &Path) -> Result<Sheet, ReadError> {
    let file = BufReader::new(std::fs::File::open(path)?);
    let mut zip = zip::ZipArchive::new(file).map_err(|e| ReadError::Excel(format!("zip: {e}")))?;
    check_parts(&mut zip)?;
    check_shared_strings(&mut zip)?;
    let reader = zip.into_inner();
    // calamine does arithmetic on cell references from the file that can overflow (and so
    // panic) on a forged reference; such a file is refused like any unreadable one.
    catch_unwind(AssertUnwindSafe(|| read_cells(reader)))
        .unwrap_or_else(|_| Err(ReadError::Excel("工作表中有无效的单元格位置".to_string())))
}

fn check_parts<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<(), ReadError> {
    if zip.len() > MAX_PARTS {
        return Err(ReadError::Limit(format!(
            "Excel 文件包含 {} 个部件（最多 {MAX_PARTS} 个），不像正常的表格文件，已拒绝读取",
            zip.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| ReadError::Excel(format!("zip: {e}")))?;
        let size = part.size();
        total = total.saturating_add(size);
        let ratio_exceeded = size >= RATIO_FROM && size / part.compressed_size().max(1) > MAX_RATIO;
        if size > MAX_PART_BYTES || ratio_exceeded {
            return Err(ReadError::Limit(format!(
                "Excel 文件中的“{}”解压后有 {}（压缩后 {}），超出上限（解压后最多 {}，压缩比最多 \
                 {MAX_RATIO} 倍），可能是异常文件，已拒绝读取",
                part.name().unwrap_or_default(),
                megabytes(size),
                megabytes(part.compressed_size()),
                megabytes(MAX_PART_BYTES),
            )));
        }
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(ReadError::Limit(format!(
            "Excel 文件解压后共有 {}，超出上限（最多 {}），已拒绝读取",
            megabytes(total),
            megabytes(MAX_UNZIPPED_BYTES)
        )));
    }
    Ok(())
}

/// calamine reserves room for as many strings as the shared-string table declares
/// (`uniqueCount`), so a forged count would exhaust memory before a single string is read.
fn check_shared_strings<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<(), ReadError> {
    let tables: Vec<usize> = (0..zip.len())
        .filter(|&i| {
            zip.name_for_index(i).is_some_and(|n| {
                n.is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))
            })
        })
        .collect();
    for i in tables {
        let mut head = Vec::new();
        zip.by_index(i)
            .map_err(|e| ReadError::Excel(format!("zip: {e}")))?
            .take(HEAD_BYTES)
            .read_to_end(&mut head)
            .map_err(|e| ReadError::Excel(e.to_string()))?;
        let declared = declared_strings(&head).ok_or_else(|| {
            ReadError::Excel("共享字符串表（sharedStrings.xml）的开头无法识别".to_string())
        })?;
        if declared > MAX_CELLS as u64 {
            return Err(ReadError::Limit(format!(
                "Excel 文件的共享字符串表声明了 {declared} 个字符串，超出上限（最多 {MAX_CELLS} 个），\
                 已拒绝读取"
            )));
        }
    }
    Ok(())
}

/// The largest count (`count`, `uniqueCount`) the `<sst>` element at the head of a
/// shared-string table declares; `None` when the head holds no such element.
fn declared_strings(head: &[u8]) -> Option<u64> {
    let mut reader = quick_xml::Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.local_name().as_ref() == "sst" =>
            {
                let mut most = 0;
                for attr in e.attributes().flatten() {
                    let key = attr.key.local_name();
                    if matches!(key.as_ref(), "count" | "uniqueCount") {
                        let value = attr.value.trim();
                        // A count too long to parse is too large.
                        let n = value.parse::<u64>().unwrap_or(if value.is_empty() {
                            0
                        } else {
                            u64::MAX
                        });
                        most = most.max(n);
                    }
                }
                return Some(most);
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// `A1`-style name of a zero-based (row, column) position.
fn cell_name((row, col): (u32, u32)) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        letters.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

/// Refuses a used range (first and last row and column, zero-based) larger than the limits.
fn check_range(what: &str, start: (u32, u32), end: (u32, u32)) -> Result<(), ReadError> {
    let rows = u64::from(end.0).checked_sub(u64::from(start.0));
    let cols = u64::from(end.1).checked_sub(u64::from(start.1));
    let fits = rows.is_some_and(|r| r < MAX_ROWS as u64 + 1)
        && cols.is_some_and(|c| c < MAX_COLUMNS as u64);
    if fits {
        return Ok(());
    }
    Err(ReadError::Limit(format!(
        "{what} {}:{} 超出上限（最多 {} 行、{MAX_COLUMNS} 列）。如果表格下方或右侧有多余的行列\
         （包括只设置了格式的空行空列），请删除它们，或把数据复制到新的工作表后再导入",
        cell_name(start),
        cell_name(end),
        MAX_ROWS + 1,
    )))
}

fn read_cells<RS: Read + Seek>(reader: RS) -> Result<Sheet, ReadError> {
    let excel = |e: calamine::XlsxError| ReadError::Excel(e.to_string());
    let mut book: Xlsx<RS> = Xlsx::new(reader).map_err(excel)?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(ReadError::Empty)?;
    let mut cells = book.worksheet_cells_reader(&name).map_err(excel)?;
    let declared = cells.dimensions();
    check_range("工作表声明的已用区域", declared.start, declared.end)?;
    let mut found: Vec<((u32, u32), Cell)> = Vec::new();
    let mut read = 0;
    let mut first = (u32::MAX, u32::MAX);
    let mut last = (0, 0);
    while let Some(cell) = cells.next_cell().map_err(excel)? {
        read += 1;
        if read > MAX_CELLS {
            return Err(ReadError::Limit(format!(
                "工作表的单元格超过 {MAX_CELLS} 个，请分成几个文件导入"
            )));
        }
        let value = cell_of(cell.get_value());
        if value == Cell::Empty {
            continue;
        }
        let at = cell.get_position();
        first = (first.0.min(at.0), first.1.min(at.1));
        last = (last.0.max(at.0), last.1.max(at.1));
        check_range("工作表的已用区域", first, last)?;
        found.push((at, value));
    }
    if found.is_empty() {
        return Err(ReadError::Empty);
    }
    found.sort_by_key(|(at, _)| *at);
    // Row numbers are absolute so that they match what Excel shows, even when the used
    // range does not start at A1.
    let mut sheet = Sheet {
        header_row: first.0 as usize + 1,
        ..Sheet::default()
    };
    let mut row: Option<(u32, Vec<Cell>)> = None;
    for ((r, c), value) in found {
        if row.as_ref().is_some_and(|(current, _)| *current != r) {
            push_row(&mut sheet, row.take());
        }
        let (_, cells) = row.get_or_insert_with(|| (r, Vec::new()));
        let i = (c - first.1) as usize;
        if cells.len() <= i {
            cells.resize(i + 1, Cell::Empty);
        }
        cells[i] = value;
    }
    push_row(&mut sheet, row);
    Ok(sheet)
}

fn push_row(sheet: &mut Sheet, row: Option<(u32, Vec<Cell>)>) {
    let Some((r, cells)) = row else {
        return;
    };
    let row_no = r as usize + 1;
    if row_no == sheet.header_row {
        sheet.headers = cells
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Number(n) => n.to_string(),
                _ => String::new(),
            })
            .collect();
    } else {
        sheet.rows.push((row_no, cells));
    }
}

fn cell_of(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty | DataRef::Error(_) => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.to_string()),
        DataRef::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            time::Month::try_from(m)
                .ok()
                .and_then(|m| time::Date::from_calendar_date(i32::from(y), m, d).ok())
                .map_or(Cell::Number(dt.as_f64()), Cell::Date)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_and_gbk_decode_to_the_same_text() {
        let text = "主体名称,列入事由\n某公司,拒不配合\n";
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        for bytes in [&bom[..], &gbk[..], text.as_bytes()] {
            let sheet = read_csv(bytes).unwrap();
            assert_eq!(sheet.headers, vec!["主体名称", "列入事由"]);
            assert_eq!(
                sheet.rows,
                vec![(
                    2,
                    vec![Cell::Text("某公司".into()), Cell::Text("拒不配合".into())]
                )]
            );
        }
        assert!(matches!(
            read_csv(b"a,b\n\xFF\xFF,c\n"),
            Err(ReadError::Encoding)
        ));
    }

    #[test]
    fn utf8_is_recognised_across_chunk_boundaries() {
        // A three-byte character cut by every 64 KiB boundary.
        let text = "a".repeat((64 << 10) - 1) + &"警".repeat(30_000);
        assert!(is_utf8(text.as_bytes()).unwrap());
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        assert!(!is_utf8(&gbk[..]).unwrap());
        assert!(!is_utf8(&text.as_bytes()[..text.len() - 1]).unwrap());
    }

    #[test]
    fn an_endless_quoted_cell_is_refused_with_bounded_memory() {
        let mut bytes = b"name,reason\n\"a".to_vec();
        bytes.resize(bytes.len() + MAX_RECORD_BYTES as usize + (1 << 20), b'x');
        let e = read_csv(&bytes).unwrap_err().to_string();
        assert!(e.contains("一行数据超过"), "{e}");
    }

    #[test]
    fn csv_rows_are_numbered_as_excel_shows_them() {
        let sheet = read_csv("主体名称,别名\n甲,\"a\nb\"\n乙,c\n".as_bytes()).unwrap();
        assert_eq!(sheet.headers, vec!["主体名称", "别名"]);
        let numbers: Vec<usize> = sheet.rows.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, vec![2, 3]);
    }

    #[test]
    fn csv_rows_that_do_not_fit_the_header_are_problems() {
        let sheet = read_csv(
            "主体名称,别名,列入事由,,\n甲,a,事由,,\n乙,b\n丙,c,事由,,多出\n,,\n".as_bytes(),
        )
        .unwrap();
        let lines: Vec<String> = sheet
            .problems
            .shown()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            vec![
                "第3行: 该行只有 2 列，表头有 3 列：文件可能不完整（被截断），或该行缺少分隔符",
                "第4行: 该行第 5 列有内容，但表头只有 3 列：内容中可能有未加引号的英文逗号",
            ]
        );
    }

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name((0, 0)), "A1");
        assert_eq!(cell_name((9, 25)), "Z10");
        assert_eq!(cell_name((0, 26)), "AA1");
        assert_eq!(cell_name((1_048_575, 16_383)), "XFD1048576");
    }

    #[test]
    fn the_declared_size_of_a_shared_string_table_is_read_from_its_head() {
        let head = br#"<?xml version="1.0"?><sst xmlns="x" count="12" uniqueCount='7'><si>"#;
        assert_eq!(declared_strings(head), Some(12));
        let forged = br#"<sst uniqueCount="99999999999999999999999"><si>"#;
        assert_eq!(declared_strings(forged), Some(u64::MAX));
        assert_eq!(declared_strings(b"<sst><si>"), Some(0));
        assert_eq!(declared_strings(b"<other/>"), None);
    }

    #[test]
    fn a_used_range_beyond_the_limits_is_refused() {
        assert!(check_range("区域", (0, 0), (MAX_ROWS as u32, 19)).is_ok());
        assert!(check_range("区域", (5, 3), (MAX_ROWS as u32 + 5, 3 + 99)).is_ok());
        for (start, end) in [
            ((0, 0), (MAX_ROWS as u32 + 1, 0)),
            ((0, 0), (0, MAX_COLUMNS as u32)),
            ((0, 0), (1_048_575, 16_383)),
            ((3, 0), (2, 0)),
        ] {
            let e = check_range("区域", start, end).unwrap_err().to_string();
            assert!(e.contains("超出上限"), "{e}");
        }
    }
}
