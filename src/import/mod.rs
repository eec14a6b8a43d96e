//! Import of list entries from CSV (UTF-8, UTF-8 with BOM, GBK) and XLSX, per DESIGN.md, as a
//! service the command line, the admin side and the tests share.
//!
//! Reading a file gives rows of cells with the row numbers a person sees in Excel (a
//! [`RowReader`] streams them; a [`Sheet`] holds them all, for a preview); a [`Validator`]
//! turns them into entries, errors and warnings; a [`Planner`] decides against the database
//! which entry each row updates; [`apply_batch`] writes. An import is all-or-nothing: one
//! transaction, committed only when there is no error.

mod plan;
mod read;
mod rows;

use std::fmt;
use std::path::Path;

use time::Date;

use crate::domain::Publication;
use crate::domain::entry::PublicityDefaults;
use crate::staff::audit::{self, Action, Who};
use crate::store::{Actor, Store, StoreError};

pub use plan::{Decision, Outcome, Plan, Planner, apply, apply_batch, plan};
pub use read::{Cell, ReadError, RowReader, Sheet, read_file};
pub use rows::{ImportRow, Validated, Validator, check_fields, validate};

/// One problem with an import file, printed as `第N行 列名: 问题`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The row number a person sees in Excel; the header is row 1.
    pub row: usize,
    /// The column header as it appears in the file, when the problem is about one cell.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "第{}行 {}: {}", self.row, c, self.message),
            None => write!(f, "第{}行: {}", self.row, self.message),
        }
    }
}

/// Problems printed (and kept) at most, per kind; the rest are only counted, so that a file
/// with a million bad rows costs neither memory nor a flood of output.
pub const MAX_SHOWN: usize = 200;

/// Problems of one kind: the first [`MAX_SHOWN`], and how many there were in all.
#[derive(Debug, Clone, Default)]
pub struct Problems {
    shown: Vec<Problem>,
    total: usize,
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.total += 1;
        if self.shown.len() < MAX_SHOWN {
            self.shown.push(p);
        }
    }

    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            self.push(p);
        }
    }

    /// Takes over another collection's problems and count.
    pub fn absorb(&mut self, other: Problems) {
        let left_out = other.total - other.shown.len();
        self.extend(other.shown);
        self.total += left_out;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many problems there were, shown or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The problems kept, in the order found.
    pub fn shown(&self) -> &[Problem] {
        &self.shown
    }

    /// How many were counted but not kept.
    pub fn left_out(&self) -> usize {
        self.total - self.shown.len()
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Read(#[from] ReadError),
    /// The file has errors (listed in the report); nothing was written.
    #[error("文件有 {0} 处错误，整个文件未导入，数据库没有任何改动。")]
    Refused(usize),
    #[error("写入数据库失败，整个文件未导入：{0}")]
    Store(#[from] StoreError),
    /// The reading thread ended without its last word (it panicked: a bug).
    #[error("读取文件时出现内部错误，整个文件未导入，数据库没有任何改动。")]
    Interrupted,
}

/// The warnings and errors of an import, as people read them.
#[derive(Debug, Default)]
pub struct Report {
    pub warnings: Problems,
    pub errors: Problems,
}

impl Report {
    /// The report as printed: `警告 …` then `错误 …` lines, each kind followed by a count of
    /// those left out.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (label, problems, unit) in
            [("警告", &self.warnings, "条"), ("错误", &self.errors, "处")]
        {
            out.extend(problems.shown().iter().map(|p| format!("{label} {p}")));
            if problems.left_out() > 0 {
                out.push(format!(
                    "……另有 {} {unit}{label}未列出（共 {} {unit}，只列出前 {MAX_SHOWN} {unit}）",
                    problems.left_out(),
                    problems.total(),
                ));
            }
        }
        out
    }
}

/// How to import a file.
pub struct ImportOptions<'a> {
    /// `Some` sets the publication state of every row; `None` keeps existing entries' state
    /// and makes new ones drafts.
    pub publication: Option<Publication>,
    pub defaults: &'a PublicityDefaults,
    pub today: Date,
    pub now: time::OffsetDateTime,
    pub actor: &'a Actor,
    /// Who is audited for the import (in the import's own transaction), when anyone is.
    pub audited: Option<&'a Who>,
}

/// How far an import has come.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// Entries written so far, and the share of the file read (0 to 1).
    Writing { written: usize, read: f64 },
    /// Every row is written; a bulk load now writes the keys and builds the indexes (tens of
    /// seconds at a million rows).
    Indexing { written: usize },
}

pub type ProgressFn<'a> = &'a (dyn Fn(Progress) + Sync);

/// What the reading thread of [`import_file`] sends: batches of valid rows (with the share of
/// the file read) while the file has no error, then the file's warnings and errors.
enum Read {
    Batch(Vec<ImportRow>, f64),
    Done(Problems, Problems),
}

/// Reads and checks the file on its own thread, so that parsing and validating the next
/// batch overlaps writing this one. Once an error is found no batch is sent any more, but
/// the file is still read to the end, so that the report lists every error.
fn read_batches(
    mut rows: RowReader<'static>,
    defaults: PublicityDefaults,
    today: Date,
    out: tokio::sync::mpsc::Sender<Result<Read, ReadError>>,
    written: std::sync::mpsc::Receiver<Vec<ImportRow>>,
) {
    let mut run = || -> Result<Read, ReadError> {
        let mut check = Validator::new(rows.header_row, &rows.headers, &defaults, today);
        let mut batch: Vec<ImportRow> = Vec::with_capacity(plan::BATCH);
        loop {
            // Written batches come back to be freed by the thread that allocated them:
            // glibc frees another thread's memory slowly (a sixth of the writing side's time,
            // which is what an import waits for).
            while let Ok(done) = written.try_recv() {
                drop(done);
            }
            let next = rows.next_row()?;
            check.errors.absorb(rows.take_problems());
            let end = next.is_none();
            if let Some((row_no, cells)) = next
                && let Some(row) = check.row(row_no, &cells)
                && check.errors.is_empty()
            {
                batch.push(row);
            }
            if !check.errors.is_empty() {
                batch.clear();
            }
            if batch.len() == plan::BATCH || (end && !batch.is_empty()) {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(plan::BATCH));
                if out
                    .blocking_send(Ok(Read::Batch(full, rows.fraction_read())))
                    .is_err()
                {
                    // The import stopped (its writing failed): nothing waits for the rest.
                    return Ok(Read::Done(Problems::default(), Problems::default()));
                }
            }
            if end {
                check.finish();
                return Ok(Read::Done(check.warnings, check.errors));
            }
        }
    };
    let last = run();
    let _ = out.blocking_send(last);
}

/// Reads, validates and writes a whole file in one transaction, or nothing at all. Rows are
/// read, checked and written a batch at a time, so memory stays flat whatever the file's
/// length; the first error stops the writing (the file is still read to the end, so that the
/// report lists every error) and the transaction is rolled back.
pub async fn import_file(
    store: &Store,
    file: &Path,
    options: &ImportOptions<'_>,
    report: &mut Report,
    progress: ProgressFn<'_>,
) -> Result<Outcome, ImportError> {
    let rows = RowReader::open(file)?;
    let (send, mut batches) = tokio::sync::mpsc::channel(2);
    let (written, spent) = std::sync::mpsc::channel();
    let reading = {
        let (defaults, today) = (*options.defaults, options.today);
        tokio::task::spawn_blocking(move || read_batches(rows, defaults, today, send, spent))
    };
    let mut tx = store.begin_import().await?;
    tx.widen_cache().await?;
    let mut planner = Planner::new(options.publication);
    let mut outcome = Outcome::default();
    // Problems found against the database; once there is one, nothing more is written.
    let mut refused = Problems::default();
    loop {
        let read = match batches.recv().await {
            Some(read) => read?,
            None => return Err(ImportError::Interrupted),
        };
        let (batch, fraction) = match read {
            Read::Batch(batch, fraction) => (batch, fraction),
            Read::Done(warnings, errors) => {
                report.warnings.absorb(warnings);
                report.errors.absorb(refused);
                report.errors.absorb(errors);
                break;
            }
        };
        if !refused.is_empty() {
            continue;
        }
        let mut planned = Plan::default();
        planner.batch(&mut tx, &batch, &mut planned).await?;
        if planned.errors.is_empty() {
            apply_batch(
                &mut tx,
                &batch,
                &planned.decisions,
                options.publication,
                options.actor,
                options.now,
                &mut outcome,
            )
            .await?;
            progress(Progress::Writing {
                written: outcome.created + outcome.updated + outcome.unchanged,
                read: fraction,
            });
            let _ = written.send(batch);
        } else {
            refused.extend(planned.errors);
        }
    }
    reading.await.map_err(|_| ImportError::Interrupted)?;
    if !report.errors.is_empty() {
        tx.rollback().await?;
        return Err(ImportError::Refused(report.errors.total()));
    }
    if let Some(who) = options.audited {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let summary = format!(
            "新增 {} 条，更新 {} 条，未变化 {} 条{}",
            outcome.created,
            outcome.updated,
            outcome.unchanged,
            if options.publication == Some(Publication::Published) {
                "，已发布"
            } else {
                ""
            }
        );
        audit::record(
            &mut tx,
            who,
            Action::ImportEntries,
            &name,
            &summary,
            options.now,
        )
        .await?;
    }
    if tx.is_bulk_load() {
        progress(Progress::Indexing {
            written: outcome.created,
        });
    }
    tx.commit().await?;
    // Written: statistics that miss the new rows slow reads down but lose nothing.
    if let Err(e) = store.analyze().await {
        tracing::warn!(error = %e, "statistics not refreshed after an import");
    }
    Ok(outcome)
}
