//! One proposed change: what it changes (compared with the live content) and the steps the
//! viewer may take (submit, discard, approve now or at a time, send back).

use maud::{Markup, html};

use super::entries::publication_badge;
use super::{AdminCtx, FieldErrors, csrf_field, layout};
use crate::domain::Publication;
use crate::domain::dates::china_minute;
use crate::store::{Change, ChangeState};
use crate::workflow::diff::{FieldRow, LineKind};
use crate::workflow::{change_title, state_of};

pub struct ChangePage<'a> {
    pub change: &'a Change,
    /// The item's admin path and live publication state.
    pub item: String,
    pub live: Publication,
    pub fields: Vec<FieldRow>,
    pub body: Vec<(LineKind, String)>,
    pub may_edit: bool,
    pub may_review: bool,
    /// Why this viewer may not review it (their own change), when that is so.
    pub review_blocked: Option<&'static str>,
    pub errors: FieldErrors,
}

pub fn page(ctx: &AdminCtx<'_>, m: &ChangePage<'_>) -> Markup {
    let c = m.change;
    let st = state_of(c);
    let version = c.version.to_string();
    layout(
        ctx,
        "修改详情",
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin" { "工作台" } " › 修改 #" (c.id) }
            h1 { (change_title(c)) }
            dl.record {
                div { dt { "修改状态" } dd { strong { (st.label()) } } }
                div { dt { "当前公开状态" } dd { (publication_badge(m.live)) " " a href=(m.item) { "查看" } } }
                div { dt { "提交人" } dd { (c.author) "，" (china_minute(c.updated_at)) } }
                @if !c.note.is_empty() { div { dt { "更新说明" } dd { (c.note) } } }
                @if let Some(r) = &c.reviewer { div { dt { "审核人" } dd { (r) @if let Some(at) = c.reviewed_at { "，" (china_minute(at)) } } } }
                @if !c.review_comment.is_empty() { div { dt { "退回意见" } dd.field-error { (c.review_comment) } } }
                @if st == ChangeState::Scheduled { @if let Some(at) = c.publish_at { div { dt { "定时发布" } dd { (china_minute(at)) "（北京时间）" } } } }
                @if let Some(set) = c.change_set_id { div { dt { "来自表格导入" } dd { a href={ "/admin/change-sets/" (set) } { "变更集 #" (set) } } } }
            }
            @if let Some(e) = m.errors.0.values().next() { p.form-error role="alert" { (e) } }
            section.block {
                h2 { "处理" }
                @if matches!(st, ChangeState::Draft | ChangeState::Rejected) && m.may_edit {
                    p { a.button href={ (m.item) "/edit" } { "继续编辑" } }
                    form.inline method="post" action={ "/admin/changes/" (c.id) "/submit" } {
                        (csrf_field(ctx.csrf))
                        input type="hidden" name="version" value=(version);
                        button type="submit" { "提交审核" }
                    }
                    " "
                    form.inline method="post" action={ "/admin/changes/" (c.id) "/discard" } {
                        (csrf_field(ctx.csrf))
                        input type="hidden" name="version" value=(version);
                        button.link-button type="submit" { "放弃这项修改" }
                    }
                }
                @if st == ChangeState::InReview {
                    @if let Some(why) = m.review_blocked {
                        p { (why) }
                    } @else if m.may_review {
                        form method="post" action={ "/admin/changes/" (c.id) "/approve" } {
                            (csrf_field(ctx.csrf))
                            input type="hidden" name="version" value=(version);
                            div.form-field.has-error[m.errors.get("publish_at").is_some()] {
                                label for="f-at" { "定时发布（北京时间，可选）" }
                                input #f-at type="datetime-local" name="publish_at" aria-describedby="f-at-hint";
                                p.help #f-at-hint { "留空则批准后立即发布；填写则到时自动发布（一分钟内）。" }
                            }
                            button type="submit" { "批准" }
                        }
                        form method="post" action={ "/admin/changes/" (c.id) "/reject" } {
                            (csrf_field(ctx.csrf))
                            input type="hidden" name="version" value=(version);
                            div.form-field.has-error[m.errors.get("comment").is_some()] {
                                label for="f-comment" { "退回意见" }
                                textarea #f-comment name="comment" rows="2" {}
                            }
                            button.danger type="submit" { "退回修改" }
                        }
                    } @else {
                        p { "等待审核员审核。" }
                    }
                }
                @if st == ChangeState::Scheduled && m.may_review {
                    form method="post" action={ "/admin/changes/" (c.id) "/reject" } {
                        (csrf_field(ctx.csrf))
                        input type="hidden" name="version" value=(version);
                        div.form-field {
                            label for="f-comment" { "取消定时发布并退回，意见" }
                            textarea #f-comment name="comment" rows="2" {}
                        }
                        button.danger type="submit" { "取消定时并退回" }
                    }
                }
            }
            h2 { "修改内容（与当前公开版本对比）" }
            div.table-wrap {
                table.compare {
                    thead { tr { th scope="col" { "字段" } th scope="col" { "当前版本" } th scope="col" { "修改后" } } }
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
        },
    )
}
