//! One proposed change: what it changes (compared with the live content) and the steps the
//! viewer may take (submit, discard, approve now or at a time, send back).

use maud::{Markup, html};

use super::entries::publication_badge;
use super::history::{body_diff, compare_table};
use super::{AdminCtx, FieldErrors, csrf_field, field, layout, text_area, title_with_errors};
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
    let kind = if c.entity == "article" {
        "文章"
    } else {
        "条目"
    };
    let title = format!("修改 #{}（{}）：{}", c.id, st.label(), change_title(c));
    // Messages that belong to no field of this page are shown at the top.
    let general = m
        .errors
        .0
        .iter()
        .find(|(k, _)| !matches!(**k, "comment" | "publish_at"))
        .map(|(_, e)| e.as_str());
    layout(
        ctx,
        &title_with_errors(&m.errors, &title),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin" { "工作台" } " › 修改 #" (c.id) }
            h1 { span.kind { (kind) "修改 #" (c.id) "：" } (change_title(c)) }
            dl.record {
                div { dt { "修改状态" } dd { strong { (st.label()) } } }
                div { dt { "当前公开状态" } dd { (publication_badge(m.live)) " " a href=(m.item) { "查看" } } }
                div { dt { "提交人" } dd { (c.author) "，" (china_minute(c.updated_at)) } }
                @if !c.note.is_empty() { div { dt { "更新说明" } dd { (c.note) } } }
                @if let Some(r) = &c.reviewer { div { dt { "审核人" } dd { (r) @if let Some(at) = c.reviewed_at { "，" (china_minute(at)) } } } }
                @if !c.review_comment.is_empty() { div { dt { "退回意见" } dd.review-comment { (c.review_comment) } } }
                @if st == ChangeState::Scheduled { @if let Some(at) = c.publish_at { div { dt { "定时发布" } dd { (china_minute(at)) "（北京时间）" } } } }
                @if let Some(set) = c.change_set_id { div { dt { "来自表格导入" } dd { a href={ "/admin/change-sets/" (set) } { "变更集 #" (set) } } } }
            }
            @if let Some(e) = general { div.form-error role="alert" { (e) } }
            section.block.no-print aria-labelledby="steps-title" {
                h2 #steps-title { "处理" }
                @if matches!(st, ChangeState::Draft | ChangeState::Rejected) && m.may_edit {
                    div.form-actions {
                        a.button.secondary href={ (m.item) "/edit" } { "继续编辑" }
                        form.inline method="post" action={ "/admin/changes/" (c.id) "/submit" } {
                            (csrf_field(ctx.csrf))
                            input type="hidden" name="version" value=(version);
                            button type="submit" { "提交审核" }
                        }
                        a.danger-link href={ "/admin/changes/" (c.id) "/discard" } { "放弃这项修改…" }
                    }
                }
                @if st == ChangeState::InReview {
                    @if let Some(why) = m.review_blocked {
                        p { (why) }
                    } @else if m.may_review {
                        div.review {
                            form.review-step method="post" action={ "/admin/changes/" (c.id) "/approve" } {
                                h3 { "批准" }
                                (csrf_field(ctx.csrf))
                                input type="hidden" name="version" value=(version);
                                (field(&m.errors, "publish_at", "定时发布（北京时间，可选）", "datetime-local", "",
                                    Some("留空则批准后立即发布；填写则到时自动发布（一分钟内）。")))
                                button type="submit" { "批准" }
                            }
                            form.review-step method="post" action={ "/admin/changes/" (c.id) "/reject" } {
                                h3 { "退回" }
                                (csrf_field(ctx.csrf))
                                input type="hidden" name="version" value=(version);
                                (text_area(&m.errors, "comment", "f-comment", html! { "退回意见" }, "", 3,
                                    Some("写明需要修改的地方，提交人会在工作台看到。")))
                                button.danger type="submit" { "退回修改" }
                            }
                        }
                    } @else {
                        p { "等待审核员审核。" }
                    }
                }
                @if st == ChangeState::Scheduled && m.may_review {
                    form method="post" action={ "/admin/changes/" (c.id) "/reject" } {
                        (csrf_field(ctx.csrf))
                        input type="hidden" name="version" value=(version);
                        (text_area(&m.errors, "comment", "f-comment", html! { "取消定时发布并退回，意见" }, "", 3, None))
                        button.danger type="submit" { "取消定时并退回" }
                    }
                }
                @if matches!(st, ChangeState::Published | ChangeState::Discarded) {
                    p { "这项修改已处理完毕，无需操作。" }
                }
            }
            h2 { "修改内容" }
            (compare_table("与当前公开版本对比", "当前版本", "修改后", &m.fields))
            @if !m.body.is_empty() {
                h2 { "正文对比" }
                (body_diff(&m.body))
            }
        },
    )
}

/// Asks before a change is thrown away: what is lost, and the way back.
pub fn discard_confirm(ctx: &AdminCtx<'_>, c: &Change) -> Markup {
    let name = change_title(c);
    layout(
        ctx,
        &format!("放弃修改 #{}：{}", c.id, name),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin" { "工作台" } " › " a href={ "/admin/changes/" (c.id) } { "修改 #" (c.id) } " › 放弃" }
            h1 { "确认放弃对“" (name) "”的这项修改？" }
            div.warning-box {
                p { strong { "放弃后，这项修改中的内容不会发布，也不能再继续编辑。" } }
                p { "已公开的内容不受影响。" }
            }
            form method="post" action={ "/admin/changes/" (c.id) "/discard" } {
                (csrf_field(ctx.csrf))
                input type="hidden" name="version" value=(c.version);
                div.form-actions {
                    button.danger type="submit" { "确认放弃" }
                    a href={ "/admin/changes/" (c.id) } { "取消，返回修改" }
                }
            }
        },
    )
}
