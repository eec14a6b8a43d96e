//! Reading CSV and XLSX files into a sheet of cells.

use std::path::Path;

use calamine::{Data, Reader};

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

/// The first sheet of a file: the header row and the data rows, each with its row number.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("无法打开文件：{0}")]
    Open(#[from] std::io::Error),
    #[error("文件格式不受支持（请使用 .csv 或 .xlsx 文件）")]
    UnsupportedFormat,
    #[error("文件编码无法识别（请另存为 UTF-8 或 GBK 编码的 CSV）")]
    Encoding,
    #[error("CSV 文件格式有误：{0}")]
    Csv(String),
    #[error("Excel 文件无法读取：{0}")]
    Excel(String),
    #[error("文件中没有工作表或表头")]
    Empty,
}

pub fn read_file(path: &Path) -> Result<Sheet, ReadError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => read_csv(&std::fs::read(path)?),
        "xlsx" | "xlsm" | "xls" => read_excel(path),
        _ => Err(ReadError::UnsupportedFormat),
    }
}

/// Decodes CSV bytes: UTF-8 (with or without BOM) when valid, else GB 18030 (a superset of GBK,
/// which Chinese Excel writes).
fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(ReadError::Encoding);
    }
    Ok(text.into_owned())
}

pub fn read_csv(bytes: &[u8]) -> Result<Sheet, ReadError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet {
        header_row: 1,
        ..Sheet::default()
    };
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReadError::Csv(e.to_string()))?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        // Excel shows one row per record, even when a quoted cell holds line breaks.
        let row_no = i + 1;
        if row_no == 1 {
            sheet.headers = cells;
        } else {
            sheet
                .rows
                .push((row_no, cells.into_iter().map(Cell::Text).collect()));
        }
    }
    if sheet.headers.iter().all(|h| h.trim().is_empty()) {
        return Err(ReadError::Empty);
    }
    Ok(sheet)
}

fn read_excel(path: &Path) -> Result<Sheet, ReadError> {
    let mut workbook =
        calamine::open_workbook_auto(path).map_err(|e| ReadError::Excel(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(ReadError::Empty)?
        .map_err(|e| ReadError::Excel(e.to_string()))?;
    // Row numbers are absolute so that they match what Excel shows, even when the used
    // range does not start at A1.
    let Some((first_row, _)) = range.start() else {
        return Err(ReadError::Empty);
    };
    let mut sheet = Sheet {
        header_row: first_row as usize + 1,
        ..Sheet::default()
    };
    for (i, row) in range.rows().enumerate() {
        let row_no = first_row as usize + 1 + i;
        let cells: Vec<Cell> = row.iter().map(cell_of).collect();
        if i == 0 {
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
    Ok(sheet)
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.to_string()),
        Data::DateTime(dt) => {
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
        assert_eq!(decode(&bom).unwrap(), text);
        assert_eq!(decode(&gbk).unwrap(), text);
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
    }

    #[test]
    fn csv_rows_are_numbered_as_excel_shows_them() {
        let sheet = read_csv("主体名称,别名\n甲,\"a\nb\"\n乙,c\n".as_bytes()).unwrap();
        assert_eq!(sheet.headers, vec!["主体名称", "别名"]);
        let numbers: Vec<usize> = sheet.rows.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, vec![2, 3]);
    }
}
