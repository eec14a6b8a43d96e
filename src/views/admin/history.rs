//! Two versions of an item side by side, and the list of all its versions.

use maud::{Markup, html};

use super::{AdminCtx, csrf_field, layout, table_region};
use crate::domain::dates::china_minute;
use crate::store::Revision;
use crate::workflow::diff::{FieldRow, LineKind};

pub struct HistoryPage<'a> {
    pub title: &'a str,
    /// The item's admin path.
    pub base: String,
    pub revisions: &'a [Revision],
    pub a: Option<i64>,
    pub b: Option<i64>,
    pub fields: Vec<FieldRow>,
    pub body: Vec<(LineKind, String)>,
}

fn revision_options(revisions: &[Revision], current: Option<i64>) -> Markup {
    html! {
        @for r in revisions {
            option value=(r.id) selected[current == Some(r.id)] {
                (china_minute(r.changed_at)) " " (r.changed_by)
                @if !r.note.is_empty() { "（" (r.note) "）" }
            }
        }
    }
}

/// Two versions field by field; changed rows say so in words as well as by colour.
pub fn compare_table(caption: &str, old: &str, new: &str, rows: &[FieldRow]) -> Markup {
    let changed = rows.iter().filter(|r| r.changed()).count();
    table_region(
        caption,
        html! {
            table.compare {
                caption { (caption) span.muted { "（" (changed) " 项有变化，已标出）" } }
                thead { tr { th scope="col" { "字段" } th scope="col" { (old) } th scope="col" { (new) } } }
                tbody {
                    @for row in rows {
                        tr.changed[row.changed()] {
                            th scope="row" {
                                (row.label)
                                @if row.changed() { " " span.tag { "有变化" } }
                            }
                            td { (row.old) }
                            td { (row.new) }
                        }
                    }
                }
            }
        },
    )
}

/// A line diff of a body text: each line marked by a sign and a word, not by colour alone.
pub fn body_diff(lines: &[(LineKind, String)]) -> Markup {
    let removed = lines
        .iter()
        .filter(|(k, _)| *k == LineKind::Removed)
        .count();
    let added = lines.iter().filter(|(k, _)| *k == LineKind::Added).count();
    html! {
        p.help { "删除 " (removed) " 行，新增 " (added) " 行。" span.diff-key.removed { "− 删除的行" } " " span.diff-key.added { "+ 新增的行" } }
        div.diff {
            @for (kind, line) in lines {
                @match kind {
                    LineKind::Same => { div.line.same { span.sign aria-hidden="true" { " " } span.text { (line) } } }
                    LineKind::Removed => { del.line.removed { span.sign aria-hidden="true" { "−" } span.visually-hidden { "删除：" } span.text { (line) } } }
                    LineKind::Added => { ins.line.added { span.sign aria-hidden="true" { "+" } span.visually-hidden { "新增：" } span.text { (line) } } }
                }
            }
        }
    }
}

pub fn page(ctx: &AdminCtx<'_>, m: &HistoryPage<'_>) -> Markup {
    let section = if m.base.starts_with("/admin/articles") {
        ("/admin/articles", "文章")
    } else {
        ("/admin/entries", "名单条目")
    };
    layout(
        ctx,
        &format!("修改历史：{}", m.title),
        html! {
            nav.breadcrumb aria-label="位置" { a href=(section.0) { (section.1) } " › " a href=(m.base) { (m.title) } " › 修改历史" }
            h1 { "修改历史：" (m.title) }
            @if m.revisions.is_empty() {
                p { "还没有发布过的版本。" }
            } @else {
                form.filters.no-print method="get" action={ (m.base) "/history" } {
                    div.field {
                        label for="f-a" { "较早的版本" }
                        select #f-a name="a" { (revision_options(m.revisions, m.a)) }
                    }
                    div.field {
                        label for="f-b" { "较新的版本" }
                        select #f-b name="b" { (revision_options(m.revisions, m.b)) }
                    }
                    div.field.actions { button type="submit" { "比较" } }
                }
                (compare_table("字段对比", "较早的版本", "较新的版本", &m.fields))
                @if !m.body.is_empty() {
                    h2 { "正文对比" }
                    (body_diff(&m.body))
                }
                @if let Some(b) = m.b {
                    form.form-actions.no-print method="post" action={ (m.base) "/restore/" (b) } {
                        (csrf_field(ctx.csrf))
                        button.secondary type="submit" aria-describedby="restore-hint" { "恢复“较新的版本”为修改草稿" }
                        span.help #restore-hint { "恢复会生成一项新的修改，同样需要审核后才公开。" }
                    }
                }
                h2 { "全部版本" }
                ol.history {
                    @for r in m.revisions {
                        li {
                            time { (china_minute(r.changed_at)) } " " (r.changed_by) "："
                            @if r.changed.is_empty() { "首次发布" } @else { (r.changed.join("、")) }
                            @if !r.note.is_empty() { "（" (r.note) "）" }
                        }
                    }
                }
            }
        },
    )
}
