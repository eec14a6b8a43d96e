//! The dashboard: where a staff member starts.

use maud::{Markup, html};

use super::{AdminCtx, layout};
use crate::domain::Role;

pub fn page(ctx: &AdminCtx<'_>) -> Markup {
    let Some(user) = ctx.user else {
        return layout(ctx, "工作台", html! {});
    };
    layout(
        ctx,
        "工作台",
        html! {
            h1 { "工作台" }
            p { "您好，" (user.shown_name()) "。您的角色是" strong { (user.role.label()) } "。" }
            ul.admin-links {
                li { a href="/admin/account" { "我的账户" } "：修改密码、设置两步验证。" }
                @if user.role.allows(Role::Admin) {
                    li { a href="/admin/users" { "用户管理" } "：添加、停用工作人员账户，重置密码，调整角色。" }
                    li { a href="/admin/audit" { "审计日志" } "：查看和导出所有登录与操作记录。" }
                    li { a href="/admin/settings" { "系统设置" } }
                }
            }
        },
    )
}
