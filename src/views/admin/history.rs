//! Two versions of an item side by side, and the list of all its versions.

use maud::{Markup, html};

use super::{AdminCtx, csrf_field, layout};
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

pub fn page(ctx: &AdminCtx<'_>, m: &HistoryPage<'_>) -> Markup {
    layout(
        ctx,
        "修改历史",
        html! {
            nav.breadcrumb aria-label="位置" { a href=(m.base) { (m.title) } " › 修改历史" }
            h1 { "修改历史：" (m.title) }
            @if m.revisions.is_empty() {
                p { "还没有发布过的版本。" }
            } @else {
                form.filters method="get" action={ (m.base) "/history" } {
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
                div.table-wrap {
                    table.compare {
                        caption { "字段对比（有变化的行已标出）" }
                        thead { tr { th scope="col" { "字段" } th scope="col" { "较早的版本" } th scope="col" { "较新的版本" } } }
                        tbody {
                            @for row in &m.fields {
                                tr.changed[row.changed()] {
                                    th scope="row" { (row.label) @if row.changed() { span.visually-hidden { "（有变化）" } } }
                                    td { (row.old) }
                                    td { (row.new) }
                                }
                            }
                        }
                    }
                }
                @if !m.body.is_empty() {
                    h2 { "正文对比" }
                    pre.diff {
                        @for (kind, line) in &m.body {
                            @match kind {
                                LineKind::Same => { span.same { "  " (line) } "\n" }
                                LineKind::Removed => { del { "- " (line) } "\n" }
                                LineKind::Added => { ins { "+ " (line) } "\n" }
                            }
                        }
                    }
                }
                @if let Some(b) = m.b {
                    form method="post" action={ (m.base) "/restore/" (b) } {
                        (csrf_field(ctx.csrf))
                        button type="submit" { "恢复“较新的版本”为修改草稿" }
                        " " span.help { "恢复会生成一项新的修改，同样需要审核后才公开。" }
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
