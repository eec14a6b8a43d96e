//! Import of list entries from CSV (UTF-8, UTF-8 with BOM, GBK) and XLSX, per DESIGN.md.
//!
//! Reading a file gives a [`Sheet`] of cells with the row numbers a person sees in Excel;
//! [`validate`] turns it into entries, errors and warnings. An import is all-or-nothing: the
//! caller writes only when there are no errors.

mod read;
mod rows;

use std::fmt;

pub use read::{Cell, ReadError, Sheet, read_file};
pub use rows::{Validated, validate};

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
