//! Spreadsheet uploads: the form, the preview of every row and every problem before anything
//! is written, and the change set it becomes.

use maud::{Markup, html};

use super::entries::change_item;
use super::{AdminCtx, csrf_field, layout, table_region};
use crate::domain::dates::china_minute;
use crate::import::{Decision, Problems};
use crate::store::{Change, ChangeSet};

pub fn form(ctx: &AdminCtx<'_>, error: Option<&str>) -> Markup {
    let action = format!(
        "/admin/uploads?csrf_token={}",
        url::form_urlencoded::byte_serialize(ctx.csrf.as_bytes()).collect::<String>()
    );
    let title = if error.is_some() {
        "错误：上传表格"
    } else {
        "上传表格"
    };
    layout(
        ctx,
        title,
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/entries" { "名单条目" } " › 上传表格" }
            h1 { "上传表格批量导入名单" }
            p { "支持 CSV（UTF-8 或 GBK）和 XLSX 文件，第一行为表头（中文或英文列名，见"
                a href="/admin/uploads#columns" { "列说明" } "）。上传后先预览每一行的结果和所有问题，确认后才写入，并作为一个变更集提交审核。" }
            form method="post" action=(action) enctype="multipart/form-data" {
                div.form-field.has-error[error.is_some()] {
                    label for="f-file" { "表格文件（最大 20 MB）" }
                    @if let Some(e) = error {
                        p.field-error #f-file-error role="alert" { span.visually-hidden { "错误：" } (e) }
                    }
                    input #f-file type="file" name="file" accept=".csv,.xlsx,.txt"
                        aria-invalid=[error.map(|_| "true")]
                        aria-describedby=[error.map(|_| "f-file-error")];
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

/// Problems of one kind as a table (row, column, what is wrong), then how many were left out.
fn problems(caption: &str, list: &Problems) -> Markup {
    table_region(
        caption,
        html! {
            table.problems {
                caption.visually-hidden { (caption) }
                thead { tr { th scope="col" { "行号" } th scope="col" { "列" } th scope="col" { "问题" } } }
                tbody {
                    @for p in list.shown() {
                        tr {
                            td.nowrap { "第 " (p.row) " 行" }
                            td.nowrap { (p.column.as_deref().unwrap_or("—")) }
                            td { (p.message) }
                        }
                    }
                }
            }
            @if list.left_out() > 0 {
                p.muted { "……另有 " (list.left_out()) " 处未列出（共 " (list.total()) " 处）。" }
            }
        },
    )
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
    let failed = !m.errors.is_empty();
    let title = if failed {
        format!("错误：导入预览：{}", m.file_name)
    } else {
        format!("导入预览：{}", m.file_name)
    };
    layout(
        ctx,
        &title,
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/entries" { "名单条目" } " › " a href="/admin/uploads" { "上传表格" } " › 预览" }
            h1 { "导入预览：" (m.file_name) }
            @if !failed {
                p { "共 " (m.rows.len()) " 行：新增 " strong { (new) } " 条，修改 " strong { (changed) } " 条，未变化 " (unchanged) " 条。尚未写入任何内容。" }
                form.form-actions method="post" action={ "/admin/uploads/" (m.token) "/confirm" } {
                    (csrf_field(ctx.csrf))
                    button type="submit" { "确认导入并提交审核" }
                    a href="/admin/uploads" { "取消" }
                }
            } @else {
                div.error-summary role="alert" aria-labelledby="error-summary-title" {
                    h2 #error-summary-title { "文件有 " (m.errors.total()) " 处错误，不能导入" }
                    p { "导入是全部或全不：整个文件未写入任何内容。请按下表逐行修改后 " a href="/admin/uploads" { "重新上传" } "。" }
                }
                (problems("错误", m.errors))
            }
            @if !m.warnings.is_empty() {
                h2 { "提示（不影响导入）" }
                (problems("提示", m.warnings))
            }
            h2 { "逐行结果" }
            @if failed {
                p.help { "下表列出没有错误的行；有错误的行见上方错误表。" }
            }
            @if m.rows.is_empty() {
                p.empty { "没有可以导入的行。" }
            } @else {
                (table_region("逐行结果", html! {
                    table.list {
                        caption.visually-hidden { "逐行结果" }
                        thead { tr { th scope="col" { "行号" } th.wide scope="col" { "主体名称" } th.wide scope="col" { "结果" } } }
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
                                            None => "本行无误（文件有错误，未比对）",
                                        }
                                    }
                                }
                            }
                        }
                    }
                }))
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
    let title = format!("变更集 #{}：{}", set.id, set.file_name);
    layout(
        ctx,
        &if error.is_some() {
            format!("错误：{title}")
        } else {
            title
        },
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin" { "工作台" } " › 变更集 #" (set.id) }
            h1 { "变更集 #" (set.id) "：" (set.file_name) }
            p { (set.summary) " · " (set.author) " · " (china_minute(set.created_at)) }
            @if let Some(e) = error { div.form-error role="alert" { (e) } }
            @if reviewable {
                section.block.no-print aria-labelledby="steps-title" {
                    h2 #steps-title { "审核" }
                    @if let Some(why) = blocked {
                        p { (why) }
                    } @else {
                        div.review {
                            form.review-step method="post" action={ "/admin/change-sets/" (set.id) "/approve" } {
                                h3 { "批准" }
                                (csrf_field(ctx.csrf))
                                p.help { "一次批准下列全部待审核的修改，并立即发布。" }
                                button type="submit" { "全部批准并发布" }
                            }
                            form.review-step method="post" action={ "/admin/change-sets/" (set.id) "/reject" } {
                                h3 { "退回" }
                                (csrf_field(ctx.csrf))
                                div.form-field {
                                    label for="f-comment" { "退回意见" }
                                    textarea #f-comment name="comment" rows="3" aria-describedby="f-comment-hint" {}
                                    p.help #f-comment-hint { "写明需要修改的地方，提交人会在工作台看到。" }
                                }
                                button.danger type="submit" { "全部退回" }
                            }
                        }
                    }
                }
            }
            h2 { "包含的修改（" (changes.len()) " 项）" }
            @if changes.is_empty() {
                p.empty { "这个变更集没有修改。" }
            } @else {
                ul.admin-links { @for c in changes { (change_item(c)) } }
            }
        },
    )
}
