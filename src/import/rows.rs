//! Validation of import rows into entries, with every problem named by row and column.
//! Cells holding invisible characters, or longer than their field allows, are refused before
//! anything else reads them.

use std::collections::{HashMap, HashSet};

use time::Date;

use super::read::{Cell, Sheet};
use super::{Problem, Problems};
use crate::domain::credit_code::{CHECK_WARNING, CreditCode};
use crate::domain::dates::{from_excel_serial, iso, parse_date};
use crate::domain::entry::{EntryData, Field, PublicityDefaults};
use crate::domain::normalize::{check_visible, clean_text, phone, split_multi, website_host};
use crate::domain::{Category, EntryStatus, ListKind};
use crate::store::Derived;

/// One valid row: its number, the entry it names by `id` (to correct a code or name), the
/// entry's data, and what the store derives from it (computed as the row is read).
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub row: usize,
    pub id: Option<i64>,
    pub data: EntryData,
    pub derived: Derived,
}

impl ImportRow {
    pub fn new(row: usize, id: Option<i64>, data: EntryData) -> ImportRow {
        ImportRow {
            row,
            id,
            derived: Derived::of(&data),
            data,
        }
    }
}

/// The outcome of validating a sheet.
#[derive(Debug, Default)]
pub struct Validated {
    /// Valid rows, in file order.
    pub entries: Vec<ImportRow>,
    pub errors: Problems,
    pub warnings: Problems,
}

/// Columns an export adds after the import's own (the entry's URL and last change): skipped
/// without a warning, so that an export imports back cleanly.
const SITE_HEADERS: [&str; 2] = crate::open_data::export::SITE_COLUMNS;

/// The optional column that names an existing entry by its number.
const ID_HEADERS: [&str; 3] = ["id", "编号", "条目编号"];
/// Longest text of the `id` column.
const MAX_ID_CHARS: usize = 20;
/// What a refused cell is read as, so that nothing else reads its content.
static REFUSED: Cell = Cell::Empty;

/// Cell text as a person would read it (numbers without a trailing `.0`).
fn text_of(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Date(d) => iso(*d),
    }
}

/// Collects the problems of one row.
struct RowCheck<'a> {
    row: usize,
    headers: &'a HashMap<Field, String>,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Fields whose cell was refused: one error per cell is enough.
    refused: HashSet<Field>,
}

impl RowCheck<'_> {
    fn problem(&self, field: Field, message: String) -> Problem {
        Problem {
            row: self.row,
            column: Some(
                self.headers
                    .get(&field)
                    .cloned()
                    .unwrap_or_else(|| field.label().to_string()),
            ),
            message,
        }
    }

    fn error(&mut self, field: Field, message: impl Into<String>) {
        if self.refused.contains(&field) {
            return;
        }
        let p = self.problem(field, message.into());
        self.errors.push(p);
    }

    /// Refuses a cell holding invisible characters or more text than its field allows; the
    /// cell then reads as empty.
    fn screen<'c>(&mut self, field: Field, cell: &'c Cell) -> &'c Cell {
        let Cell::Text(text) = cell else {
            return cell;
        };
        let checked = check_visible(text)
            .map_err(|e| e.to_string())
            .and_then(|()| field.check_length(text.trim()));
        match checked {
            Ok(()) => cell,
            Err(message) => {
                self.error(field, message);
                self.refused.insert(field);
                &REFUSED
            }
        }
    }

    /// The values of a several-valued field, or none when there are too many or one is too
    /// long.
    fn values(&mut self, field: Field, text: &str) -> Vec<String> {
        let values = split_multi(text);
        match field.check_values(&values) {
            Ok(()) => values,
            Err(message) => {
                self.error(field, message);
                self.refused.insert(field);
                Vec::new()
            }
        }
    }

    fn warn(&mut self, field: Field, message: impl Into<String>) {
        let p = self.problem(field, message.into());
        self.warnings.push(p);
    }

    fn date(&mut self, field: Field, cell: Option<&Cell>) -> Option<Date> {
        match cell {
            None | Some(Cell::Empty) => None,
            Some(Cell::Date(d)) => Some(*d),
            Some(Cell::Number(n)) => {
                let d = from_excel_serial(*n);
                if d.is_none() {
                    self.error(field, format!("“{n}”不是有效日期"));
                }
                d
            }
            Some(Cell::Text(s)) if s.trim().is_empty() => None,
            Some(Cell::Text(s)) => match parse_date(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.error(field, e.to_string());
                    None
                }
            },
        }
    }
}

/// Maps header cells to fields, and finds the `id` column; unknown headers are ignored with a
/// warning.
fn map_headers(
    header_row: usize,
    header_cells: &[String],
    errors: &mut Problems,
    warnings: &mut Problems,
) -> (HashMap<usize, Field>, Option<usize>) {
    let mut columns = HashMap::new();
    let mut seen: HashMap<Field, usize> = HashMap::new();
    let mut id_column = None;
    for (i, h) in header_cells.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        let bare = h.trim().trim_start_matches('\u{feff}').trim();
        if ID_HEADERS.iter().any(|k| bare.eq_ignore_ascii_case(k)) {
            id_column = Some(i);
            continue;
        }
        if SITE_HEADERS.contains(&bare) {
            continue;
        }
        let problem = |message: String| Problem {
            row: header_row,
            column: Some(h.trim().chars().take(50).collect()),
            message,
        };
        match Field::from_header(h) {
            Some(f) if seen.contains_key(&f) => {
                errors.push(problem(format!("与第{}列重复", seen[&f] + 1)))
            }
            Some(f) => {
                seen.insert(f, i);
                columns.insert(i, f);
            }
            None => warnings.push(problem("无法识别的表头，该列已忽略".to_string())),
        }
    }
    for f in Field::ALL.into_iter().filter(|f| f.required()) {
        if !seen.contains_key(&f) {
            errors.push(Problem {
                row: header_row,
                column: None,
                message: format!("缺少必填列“{}”（或 {}）", f.label(), f.key()),
            });
        }
    }
    (columns, id_column)
}

/// A fingerprint of a code or name key, so that checking a million rows for repeats keeps
/// 16 bytes a row rather than the text (two different keys share one with odds of 1 in 2^128).
fn fingerprint(key: &str) -> u128 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    u128::from_le_bytes(digest[..16].try_into().expect("16 bytes"))
}

/// Validates rows one at a time, so that a file of any length is checked with memory that
/// grows only by a fingerprint per row.
pub struct Validator<'a> {
    header_row: usize,
    /// Column index to field, in column order, so a row's problems read left to right.
    ordered: Vec<(usize, Field)>,
    headers: HashMap<Field, String>,
    id_column: Option<(usize, String)>,
    defaults: &'a PublicityDefaults,
    today: Date,
    /// The first row of each credit code and name seen.
    codes: HashMap<u128, usize>,
    names: HashMap<u128, usize>,
    valid_rows: usize,
    pub errors: Problems,
    pub warnings: Problems,
}

impl<'a> Validator<'a> {
    /// Reads the header; its problems are the first errors and warnings.
    pub fn new(
        header_row: usize,
        header_cells: &[String],
        defaults: &'a PublicityDefaults,
        today: Date,
    ) -> Validator<'a> {
        let mut errors = Problems::default();
        let mut warnings = Problems::default();
        let (columns, id_column) =
            map_headers(header_row, header_cells, &mut errors, &mut warnings);
        let headers = columns
            .iter()
            .map(|(&i, &f)| (f, header_cells[i].trim().to_string()))
            .collect();
        let mut ordered: Vec<(usize, Field)> = columns.into_iter().collect();
        ordered.sort_unstable_by_key(|(i, _)| *i);
        Validator {
            header_row,
            ordered,
            headers,
            id_column: id_column.map(|i| (i, header_cells[i].trim().to_string())),
            defaults,
            today,
            codes: HashMap::new(),
            names: HashMap::new(),
            valid_rows: 0,
            errors,
            warnings,
        }
    }

    /// Checks one row: the entry when it is valid, else its problems are recorded. Blank rows
    /// are skipped.
    pub fn row(&mut self, row_no: usize, cells: &[Cell]) -> Option<ImportRow> {
        if cells.iter().all(Cell::is_blank) {
            return None;
        }
        let mut check = RowCheck {
            row: row_no,
            headers: &self.headers,
            errors: Vec::new(),
            warnings: Vec::new(),
            refused: HashSet::new(),
        };
        let by_field: HashMap<Field, &Cell> = self
            .ordered
            .iter()
            .filter_map(|&(i, f)| cells.get(i).map(|c| (f, check.screen(f, c))))
            .collect();
        let id = self.id_column.as_ref().and_then(|(i, header)| {
            let raw = cells.get(*i).map(text_of).unwrap_or_default();
            if raw.is_empty() {
                return None;
            }
            let parsed = raw.parse::<i64>().ok().filter(|n| *n > 0);
            if parsed.is_none() {
                let shown = if raw.chars().count() > MAX_ID_CHARS || check_visible(&raw).is_err() {
                    String::new()
                } else {
                    format!("“{raw}”")
                };
                check.errors.push(Problem {
                    row: row_no,
                    column: Some(header.clone()),
                    message: format!("{shown}不是有效的条目编号（应为正整数）"),
                });
            }
            parsed
        });
        let entry = validate_row(&mut check, &by_field, self.defaults, self.today);
        let mut valid = None;
        if let Some(entry) = entry.filter(|_| check.errors.is_empty()) {
            let row = ImportRow::new(row_no, id, entry);
            // Within one file each firm appears once: by code, and by name.
            let mut duplicate = row
                .data
                .credit_code
                .as_ref()
                .and_then(|code| self.codes.insert(fingerprint(code.as_str()), row_no))
                .map(|first| (Field::CreditCode, first));
            if let Some(first) = self
                .names
                .insert(fingerprint(row.derived.name_key()), row_no)
            {
                duplicate = duplicate.or(Some((Field::Name, first)));
            }
            match duplicate {
                Some((field, first)) => check.error(
                    field,
                    format!("与第{first}行重复（同一文件中每个主体只能出现一次）"),
                ),
                None => {
                    self.valid_rows += 1;
                    valid = Some(row);
                }
            }
        }
        self.errors.extend(check.errors);
        self.warnings.extend(check.warnings);
        valid
    }

    /// Ends the check: a file without a single data row is an error.
    pub fn finish(&mut self) {
        if self.valid_rows == 0 && self.errors.is_empty() {
            self.errors.push(Problem {
                row: self.header_row + 1,
                column: None,
                message: "文件中没有数据行".to_string(),
            });
        }
    }
}

/// Validates every row of a sheet. `today` decides which dates lie in the future.
pub fn validate(sheet: &Sheet, defaults: &PublicityDefaults, today: Date) -> Validated {
    let mut v = Validator::new(sheet.header_row, &sheet.headers, defaults, today);
    let mut out = Validated::default();
    out.errors.absorb(sheet.problems.clone());
    out.entries = sheet
        .rows
        .iter()
        .filter_map(|(row_no, cells)| v.row(*row_no, cells))
        .collect();
    v.finish();
    out.errors.absorb(v.errors);
    out.warnings.absorb(v.warnings);
    out
}

/// Checks the fields of one entry as a form gives them (text by field), by the same rules as
/// an import row: the entry when valid, and the errors and warnings, each naming its field by
/// key (`Problem::column`).
pub fn check_fields(
    values: &HashMap<Field, String>,
    defaults: &PublicityDefaults,
    today: Date,
) -> (Option<EntryData>, Vec<Problem>, Vec<Problem>) {
    let headers: HashMap<Field, String> = Field::ALL
        .into_iter()
        .map(|f| (f, f.key().to_string()))
        .collect();
    let cells: HashMap<Field, Cell> = values
        .iter()
        .map(|(f, v)| (*f, Cell::Text(v.clone())))
        .collect();
    let by_field: HashMap<Field, &Cell> = cells.iter().map(|(f, c)| (*f, c)).collect();
    let mut check = RowCheck {
        row: 1,
        headers: &headers,
        errors: Vec::new(),
        warnings: Vec::new(),
        refused: HashSet::new(),
    };
    let entry = validate_row(&mut check, &by_field, defaults, today);
    let entry = entry.filter(|_| check.errors.is_empty());
    (entry, check.errors, check.warnings)
}

fn validate_row(
    c: &mut RowCheck<'_>,
    cells: &HashMap<Field, &Cell>,
    defaults: &PublicityDefaults,
    today: Date,
) -> Option<EntryData> {
    let text = |f: Field| cells.get(&f).map(|c| text_of(c)).unwrap_or_default();

    let name = clean_text(&text(Field::Name));
    if name.is_empty() {
        c.error(Field::Name, "主体名称不能为空");
    }
    for f in [Field::Reason, Field::Authority] {
        if text(f).is_empty() {
            c.error(f, format!("{}不能为空", f.label()));
        }
    }

    let credit_code = match cells.get(&Field::CreditCode) {
        Some(Cell::Number(_)) => {
            c.error(
                Field::CreditCode,
                "该单元格是数字格式，Excel 已截断长数字：请将此列设为“文本”格式后重新录入",
            );
            None
        }
        _ => {
            let raw = text(Field::CreditCode);
            if raw.is_empty() {
                None
            } else {
                match CreditCode::parse(&raw) {
                    Ok(p) => {
                        if !p.check_ok {
                            c.warn(Field::CreditCode, CHECK_WARNING);
                        }
                        Some(p.code)
                    }
                    Err(e) => {
                        c.error(Field::CreditCode, e.to_string());
                        None
                    }
                }
            }
        }
    };

    let category = match text(Field::Category) {
        s if s.is_empty() => {
            c.warn(Field::Category, "业态为空，已按“其他”处理");
            Category::Other
        }
        s => Category::parse(&s).unwrap_or_else(|| {
            c.error(
                Field::Category,
                format!("无法识别“{s}”，可填：{}", Category::accepted()),
            );
            Category::Other
        }),
    };
    let list = match text(Field::List) {
        s if s.is_empty() => ListKind::Blacklist,
        s => ListKind::parse(&s).unwrap_or_else(|| {
            c.error(
                Field::List,
                format!("无法识别“{s}”，可填：{}", ListKind::accepted()),
            );
            ListKind::Blacklist
        }),
    };
    let status = match text(Field::Status) {
        s if s.is_empty() => EntryStatus::Listed,
        s => EntryStatus::parse(&s).unwrap_or_else(|| {
            c.error(
                Field::Status,
                format!("无法识别“{s}”，可填：{}", EntryStatus::accepted()),
            );
            EntryStatus::Listed
        }),
    };

    let mut websites = Vec::new();
    for w in c.values(Field::Websites, &text(Field::Websites)) {
        match website_host(&w) {
            Ok(h) if !websites.contains(&h) => websites.push(h),
            Ok(_) => {}
            Err(e) => c.error(Field::Websites, e.to_string()),
        }
    }
    let mut phones = Vec::new();
    for p in c.values(Field::Phones, &text(Field::Phones)) {
        match phone(&p) {
            Ok(p) if !phones.contains(&p) => phones.push(p),
            Ok(_) => {}
            Err(e) => c.error(Field::Phones, e.to_string()),
        }
    }

    let listed_on = c.date(Field::ListedOn, cells.get(&Field::ListedOn).copied());
    let removed_on = c.date(Field::RemovedOn, cells.get(&Field::RemovedOn).copied());
    let publicity = c.date(
        Field::PublicityEndsOn,
        cells.get(&Field::PublicityEndsOn).copied(),
    );
    let removal_reason = clean_text(&text(Field::RemovalReason));

    if let Some(d) = listed_on.filter(|d| *d > today) {
        c.warn(Field::ListedOn, format!("列入日期 {} 晚于今天", iso(d)));
    }
    match status {
        EntryStatus::Removed => {
            let removed_blank = cells
                .get(&Field::RemovedOn)
                .is_none_or(|cell| cell.is_blank());
            if removed_blank {
                c.error(Field::RemovedOn, "状态为“已移出”时必须填写移出日期");
            }
            if removal_reason.is_empty() {
                c.error(Field::RemovalReason, "状态为“已移出”时必须填写移出原因");
            }
        }
        EntryStatus::Listed => {
            if removed_on.is_some() {
                c.error(
                    Field::RemovedOn,
                    "状态为“在列”时不应填写移出日期（已移出请将状态改为“已移出”）",
                );
            }
            if !removal_reason.is_empty() {
                c.error(Field::RemovalReason, "状态为“在列”时不应填写移出原因");
            }
        }
    }
    if let (Some(l), Some(r)) = (listed_on, removed_on)
        && r < l
    {
        c.error(
            Field::RemovedOn,
            format!("移出日期 {} 早于列入日期 {}", iso(r), iso(l)),
        );
    }
    if let (Some(l), Some(p)) = (listed_on, publicity)
        && p < l
    {
        c.error(
            Field::PublicityEndsOn,
            format!("公示截止日期 {} 早于列入日期 {}", iso(p), iso(l)),
        );
    }
    let publicity_ends_on = publicity.or_else(|| listed_on.and_then(|l| defaults.ends_on(list, l)));
    let aliases = c.values(Field::Aliases, &text(Field::Aliases));
    let removal_authority = match clean_text(&text(Field::RemovalAuthority)) {
        s if s.is_empty() && status == EntryStatus::Removed => clean_text(&text(Field::Authority)),
        s => s,
    };

    Some(EntryData {
        name,
        aliases,
        credit_code,
        category,
        list,
        reason: text(Field::Reason),
        basis: text(Field::Basis),
        authority: clean_text(&text(Field::Authority)),
        decision_no: clean_text(&text(Field::DecisionNo)),
        listed_on,
        measures: text(Field::Measures),
        websites,
        phones,
        remedy: text(Field::Remedy),
        publicity_ends_on,
        address: clean_text(&text(Field::Address)),
        status,
        removed_on,
        removal_reason,
        removal_authority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read::read_csv;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);
    const HEADER: &str = "主体名称,别名,统一社会信用代码,业态,名单类型,列入事由,认定机关,列入日期,网址,状态,移出日期,移出原因\n";

    fn run(body: &str) -> Validated {
        let sheet = read_csv(format!("{HEADER}{body}").as_bytes()).unwrap();
        let defaults = PublicityDefaults {
            blacklist: Some(36),
            ..PublicityDefaults::default()
        };
        validate(&sheet, &defaults, TODAY)
    }

    #[test]
    fn a_good_row_becomes_an_entry_with_normalised_fields() {
        let v = run(
            "示例鑫利宝网络科技有限公司,鑫利宝；鑫利宝APP,91 410100-737459086m,网络借贷,黑名单,拒不配合,示例区金融办,2024年3月1日,https://www.xinlibao.example/a?b=1,在列,,\n",
        );
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        let r = &v.entries[0];
        let e = &r.data;
        assert_eq!(r.row, 2);
        assert_eq!(e.aliases, vec!["鑫利宝", "鑫利宝APP"]);
        assert_eq!(
            e.credit_code.as_ref().map(|c| c.as_str()),
            Some("91410100737459086M")
        );
        assert_eq!(e.category, Category::P2p);
        assert_eq!(e.websites, vec!["xinlibao.example"]);
        assert_eq!(e.listed_on, Some(date!(2024 - 03 - 01)));
        assert_eq!(e.publicity_ends_on, Some(date!(2027 - 03 - 01)));
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_and_column() {
        let v = run(concat!(
            "好公司,,,其他,黑名单,事由,机关,2024-01-01,,在列,,\n",
            ",,9141,银行,白名单,,机关,2024-02-30,不是网址,已移出,,\n",
        ));
        let lines: Vec<String> = v.errors.shown().iter().map(ToString::to_string).collect();
        for expected in [
            "第3行 主体名称: 主体名称不能为空",
            "第3行 统一社会信用代码: 统一社会信用代码应为18位，实为4位",
            "第3行 列入事由: 列入事由不能为空",
            "第3行 移出原因: 状态为“已移出”时必须填写移出原因",
        ] {
            assert!(
                lines.iter().any(|l| l == expected),
                "missing {expected} in {lines:#?}"
            );
        }
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("第3行 业态: 无法识别“银行”"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("第3行 名单类型: 无法识别“白名单”"))
        );
        assert!(lines.iter().any(|l| l.starts_with("第3行 列入日期:")));
        assert!(lines.iter().any(|l| l.starts_with("第3行 网址:")));
        assert!(!lines.iter().any(|l| l.starts_with("第2行")));
    }

    #[test]
    fn invisible_characters_and_oversized_cells_are_refused_by_row_and_column() {
        let long = "字".repeat(5_001);
        let aliases: Vec<String> = (0..60).map(|i| format!("别名{i}")).collect();
        let v = run(&format!(
            "示例{}司公,,,其他,,事由,机关,,,,,\n\
             示例二公司,,,其他,,{long},机关,,,,,\n\
             示例三公司,{},,其他,,事由\0,机关,,,,,\n\
             示例四公司,{},,其他,,事由,机关,,,,,\n",
            '\u{202e}',
            aliases.join("；"),
            aliases[..50].join("；"),
        ));
        let lines: Vec<String> = v.errors.shown().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "第2行 主体名称: 含有不可见字符 U+202E（文字方向控制符），请删除后重试",
                "第3行 列入事由: 列入事由过长：5001 个字符，最多 5000 个",
                "第4行 列入事由: 含有不可见字符 U+0000（空字符），请删除后重试",
                "第4行 别名: 别名最多 50 个，实有 60 个",
            ]
        );
        assert_eq!(v.entries.len(), 1, "fifty aliases are fine");
    }

    #[test]
    fn only_the_first_problems_are_kept_and_the_rest_counted() {
        let body: String = (0..300).map(|_| ",,,其他,,事由,机关,,,,,\n").collect();
        let v = run(&body);
        assert_eq!(v.errors.total(), 300);
        assert_eq!(v.errors.shown().len(), crate::import::MAX_SHOWN);
        let report = crate::import::Report {
            errors: v.errors,
            ..crate::import::Report::default()
        };
        let lines = report.lines();
        assert_eq!(lines.len(), crate::import::MAX_SHOWN + 1);
        assert_eq!(
            lines.last().unwrap(),
            "……另有 100 处错误未列出（共 300 处，只列出前 200 处）"
        );
    }

    #[test]
    fn a_failed_check_character_is_only_a_warning() {
        let v = run("某公司,,91350100M0001TGQXM,其他,,事由,机关,,,,,\n");
        assert!(v.errors.is_empty());
        assert_eq!(v.warnings.total(), 1);
        assert_eq!(
            v.warnings.shown()[0].to_string(),
            format!("第2行 统一社会信用代码: {CHECK_WARNING}")
        );
    }

    #[test]
    fn duplicates_within_a_file_are_errors() {
        let v = run(concat!(
            "甲公司,,91410100737459086M,其他,,事由,机关,,,,,\n",
            "乙公司,,91410100737459086M,其他,,事由,机关,,,,,\n",
        ));
        assert_eq!(
            v.errors.shown()[0].to_string(),
            "第3行 统一社会信用代码: 与第2行重复（同一文件中每个主体只能出现一次）"
        );
    }

    #[test]
    fn missing_required_columns_are_named() {
        let sheet = read_csv("name,aliases\n甲,\n".as_bytes()).unwrap();
        let v = validate(&sheet, &PublicityDefaults::default(), TODAY);
        let lines: Vec<String> = v.errors.shown().iter().map(ToString::to_string).collect();
        assert!(lines.contains(&"第1行: 缺少必填列“列入事由”（或 reason）".to_string()));
        assert!(lines.contains(&"第1行: 缺少必填列“认定机关”（或 authority）".to_string()));
    }

    #[test]
    fn removed_rows_need_a_date_and_reason_and_listed_rows_must_not_have_them() {
        let v = run(concat!(
            "甲公司,,,其他,,事由,机关,2020-01-01,,已移出,2019-01-01,整改完成\n",
            "乙公司,,,其他,,事由,机关,2020-01-01,,在列,2021-01-01,\n",
        ));
        let lines: Vec<String> = v.errors.shown().iter().map(ToString::to_string).collect();
        assert!(
            lines.contains(
                &"第2行 移出日期: 移出日期 2019-01-01 早于列入日期 2020-01-01".to_string()
            )
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("第3行 移出日期: 状态为“在列”时不应填写"))
        );
    }

    #[test]
    fn blank_rows_are_skipped() {
        let v = run("甲公司,,,其他,,事由,机关,,,,,\n,,,,,,,,,,,\n");
        assert!(v.errors.is_empty());
        assert_eq!(v.entries.len(), 1);
    }

    #[test]
    fn traditional_and_simplified_names_are_one_firm_within_a_file() {
        let v = run(concat!(
            "錢滿倉,,,其他,,事由,机关,,,,,\n",
            "钱满仓,,,其他,,事由,机关,,,,,\n",
        ));
        assert_eq!(
            v.errors.shown()[0].to_string(),
            "第3行 主体名称: 与第2行重复（同一文件中每个主体只能出现一次）"
        );
    }

    #[test]
    fn an_id_column_names_the_entry_to_correct() {
        let sheet = read_csv(
            "编号,主体名称,业态,列入事由,认定机关\n7,甲公司,其他,事由,机关\n,乙公司,其他,事由,机关\nx,丙公司,其他,事由,机关\n"
                .as_bytes(),
        )
        .unwrap();
        let v = validate(&sheet, &PublicityDefaults::default(), TODAY);
        assert_eq!(v.entries[0].id, Some(7));
        assert_eq!(v.entries[1].id, None);
        assert_eq!(
            v.errors.shown()[0].to_string(),
            "第4行 编号: “x”不是有效的条目编号（应为正整数）"
        );
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    }
}
