//! Spreadsheet uploads: the form, the preview of every row and every problem before anything
//! is written, and the change set it becomes.

use maud::{Markup, html};

use super::entries::change_item;
use super::{AdminCtx, csrf_field, layout};
use crate::domain::dates::china_minute;
use crate::import::{Decision, Problems};
use crate::store::{Change, ChangeSet};

pub fn form(ctx: &AdminCtx<'_>, error: Option<&str>) -> Markup {
    let action = format!(
        "/admin/uploads?csrf_token={}",
        url::form_urlencoded::byte_serialize(ctx.csrf.as_bytes()).collect::<String>()
    );
    layout(
        ctx,
        "上传表格",
        html! {
            h1 { "上传表格批量导入名单" }
            p { "支持 CSV（UTF-8 或 GBK）和 XLSX 文件，第一行为表头（中文或英文列名，见"
                a href="/admin/uploads#columns" { "列说明" } "）。上传后先预览每一行的结果和所有问题，确认后才写入，并作为一个变更集提交审核。" }
            @if let Some(e) = error { p.form-error role="alert" { (e) } }
            form method="post" action=(action) enctype="multipart/form-data" {
                div.form-field {
                    label for="f-file" { "表格文件（最大 20 MB）" }
                    input #f-file type="file" name="file" accept=".csv,.xlsx,.txt";
                }
                button type="submit" { "上传并预览" }
            }
            h2 #columns { "列说明" }
            p { "必填：主体名称、列入事由、认定机关。可选：别名、统一社会信用代码、业态、名单类型、列入依据、决定文号、列入日期、惩戒措施、网址、联系电话、权利救济途径、公示截止日期、经营地址、状态、移出日期、移出原因、移出机关，以及用于更正已有条目的“编号”。" }
        },
    )
}

/// One row of the preview.
pub struct PreviewRow {
    pub row: usize,
    pub name: String,
    pub decision: Option<Decision>,
}

pub struct PreviewPage<'a> {
    pub file_name: &'a str,
    pub token: &'a str,
    pub rows: Vec<PreviewRow>,
    pub errors: &'a Problems,
    pub warnings: &'a Problems,
}

/// Rows listed one by one at most; a large file's preview stays a page a browser can show.
const ROWS_SHOWN: usize = 1000;

/// Problems of one kind, then how many were left out.
fn problems(label: &str, list: &Problems) -> Markup {
    html! {
        ul.problems {
            @for p in list.shown() { li { (label) " " (p.to_string()) } }
            @if list.left_out() > 0 {
                li { "……另有 " (list.left_out()) " 处未列出（共 " (list.total()) " 处）" }
            }
        }
    }
}

pub fn preview(ctx: &AdminCtx<'_>, m: &PreviewPage<'_>) -> Markup {
    let count = |f: fn(&Decision) -> bool| {
        m.rows
            .iter()
            .filter(|r| r.decision.as_ref().is_some_and(f))
            .count()
    };
    let new = count(|d| matches!(d, Decision::New));
    let changed = count(|d| matches!(d, Decision::Changed { .. }));
    let unchanged = count(|d| matches!(d, Decision::Unchanged { .. }));
    layout(
        ctx,
        "导入预览",
        html! {
            h1 { "导入预览：" (m.file_name) }
            @if m.errors.is_empty() {
                p { "共 " (m.rows.len()) " 行：新增 " strong { (new) } " 条，修改 " strong { (changed) } " 条，未变化 " (unchanged) " 条。尚未写入任何内容。" }
                form method="post" action={ "/admin/uploads/" (m.token) "/confirm" } {
                    (csrf_field(ctx.csrf))
                    button type="submit" { "确认导入并提交审核" }
                    " " a href="/admin/uploads" { "取消" }
                }
            } @else {
                p.form-error role="alert" { "文件有 " (m.errors.total()) " 处错误，整个文件不能导入，未写入任何内容。请修改后重新上传。" }
                (problems("错误", m.errors))
            }
            @if !m.warnings.is_empty() {
                h2 { "提示" }
                (problems("警告", m.warnings))
            }
            h2 { "逐行结果" }
            div.table-wrap {
                table {
                    thead { tr { th scope="col" { "行号" } th scope="col" { "主体名称" } th scope="col" { "结果" } } }
                    tbody {
                        @for r in m.rows.iter().take(ROWS_SHOWN) {
                            tr {
                                td { (r.row) }
                                td { (r.name) }
                                td {
                                    @match &r.decision {
                                        Some(Decision::New) => "新增",
                                        Some(Decision::Changed { id, fields, .. }) => { "修改条目 #" (id) "：" (fields.join("、")) }
                                        Some(Decision::Unchanged { id }) => { "未变化（条目 #" (id) "）" }
                                        None => "有错误",
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if m.rows.len() > ROWS_SHOWN {
                p.muted { "只列出前 " (ROWS_SHOWN) " 行，另有 " (m.rows.len() - ROWS_SHOWN) " 行未列出。" }
            }
        },
    )
}

pub fn change_set(
    ctx: &AdminCtx<'_>,
    set: &ChangeSet,
    changes: &[Change],
    reviewable: bool,
    blocked: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout(
        ctx,
        "变更集",
        html! {
            h1 { "变更集 #" (set.id) "：" (set.file_name) }
            p { (set.summary) " · " (set.author) " · " (china_minute(set.created_at)) }
            @if let Some(e) = error { p.form-error role="alert" { (e) } }
            @if reviewable {
                @if let Some(why) = blocked {
                    p { (why) }
                } @else {
                    form method="post" action={ "/admin/change-sets/" (set.id) "/approve" } {
                        (csrf_field(ctx.csrf))
                        button type="submit" { "全部批准并发布" }
                    }
                    form method="post" action={ "/admin/change-sets/" (set.id) "/reject" } {
                        (csrf_field(ctx.csrf))
                        div.form-field {
                            label for="f-comment" { "退回意见" }
                            textarea #f-comment name="comment" rows="2" {}
                        }
                        button.danger type="submit" { "全部退回" }
                    }
                }
            }
            h2 { "包含的修改" }
            ul.admin-links { @for c in changes { (change_item(c)) } }
        },
    )
}
