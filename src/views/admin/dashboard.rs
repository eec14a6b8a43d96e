//! The dashboard: what waits for this staff member, and what happened lately.

use maud::{Markup, html};

use super::entries::change_item;
use super::{AdminCtx, layout};
use crate::domain::Role;
use crate::store::Change;

pub struct Dashboard {
    pub drafts: Vec<Change>,
    pub returned: Vec<Change>,
    pub to_review: Vec<Change>,
    pub scheduled: Vec<Change>,
    pub published: Vec<Change>,
}

fn block(id: &str, title: &str, empty: &str, items: &[Change]) -> Markup {
    html! {
        section.block aria-labelledby=(id) {
            h2 #(id) { (title) " " span.muted { "（" (items.len()) " 项）" } }
            @if items.is_empty() {
                p.muted { (empty) }
            } @else {
                ul.admin-links { @for c in items { (change_item(c)) } }
            }
        }
    }
}

pub fn page(ctx: &AdminCtx<'_>, d: &Dashboard) -> Markup {
    let Some(user) = ctx.user else {
        return layout(ctx, "工作台", html! {});
    };
    layout(
        ctx,
        "工作台",
        html! {
            h1 { "工作台" }
            p { "您好，" (user.shown_name()) "（" (user.role.label()) "）。" }
            p.quick.form-actions.no-print {
                a.button href="/admin/entries/new" { "新建条目" }
                a.button href="/admin/articles/new" { "新建文章" }
                a href="/admin/uploads" { "上传表格批量导入" }
            }
            @if user.role.allows(Role::Reviewer) {
                (block("to-review", "待我审核", "没有待审核的修改。", &d.to_review))
            }
            (block("returned", "退回给我的", "没有被退回的修改。", &d.returned))
            (block("drafts", "我的草稿", "没有未提交的草稿。", &d.drafts))
            (block("scheduled", "定时发布", "没有定时发布的修改。", &d.scheduled))
            (block("published", "最近发布", "最近没有发布。", &d.published))
        },
    )
}
