//! Comparing two versions of an item: field by field for entries and articles, line by line
//! for Markdown.

use similar::{ChangeTag, TextDiff};

use crate::domain::article::ArticleData;
use crate::domain::dates::iso;
use crate::domain::entry::{EntryData, Field};

/// One field of two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRow {
    pub label: &'static str,
    pub old: String,
    pub new: String,
}

impl FieldRow {
    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// Every field of an entry, before and after (`None` before: a new entry).
pub fn entry_fields(old: Option<&EntryData>, new: &EntryData) -> Vec<FieldRow> {
    Field::ALL
        .into_iter()
        .map(|f| FieldRow {
            label: f.label(),
            old: old.map(|o| o.text(f)).unwrap_or_default(),
            new: new.text(f),
        })
        .collect()
}

/// The fields of an article other than its body, before and after.
pub fn article_fields(old: Option<&ArticleData>, new: &ArticleData) -> Vec<FieldRow> {
    let rows = |a: &ArticleData| -> Vec<(&'static str, String)> {
        vec![
            ("类别", a.kind.label().to_string()),
            ("标题", a.title.clone()),
            ("地址名", a.slug.clone()),
            ("摘要", a.summary.clone()),
            ("文号", a.doc_no.clone().unwrap_or_default()),
            ("标签", a.tags.join("、")),
            ("发布日期", iso(a.published_on)),
        ]
    };
    let new_rows = rows(new);
    let old_rows = old.map(rows);
    new_rows
        .into_iter()
        .enumerate()
        .map(|(i, (label, n))| FieldRow {
            label,
            old: old_rows
                .as_ref()
                .map(|o| o[i].1.clone())
                .unwrap_or_default(),
            new: n,
        })
        .collect()
}

/// How a line of a text diff reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Same,
    Removed,
    Added,
}

/// The lines of two texts, marked as kept, removed or added.
pub fn lines(old: &str, new: &str) -> Vec<(LineKind, String)> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| {
            let kind = match c.tag() {
                ChangeTag::Equal => LineKind::Same,
                ChangeTag::Delete => LineKind::Removed,
                ChangeTag::Insert => LineKind::Added,
            };
            (kind, c.value().trim_end_matches('\n').to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_diff_marks_what_changed() {
        let d = lines("一\n二\n三\n", "一\n贰\n三\n");
        assert_eq!(
            d,
            vec![
                (LineKind::Same, "一".to_string()),
                (LineKind::Removed, "二".to_string()),
                (LineKind::Added, "贰".to_string()),
                (LineKind::Same, "三".to_string()),
            ]
        );
    }
}
