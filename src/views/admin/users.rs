//! User management (admins): the list with the add form, one user's page, and the
//! confirmation pages of destructive actions.

use maud::{Markup, html};

use super::{
    AdminCtx, FieldErrors, csrf_field, error_summary, field, layout, table_region,
    title_with_errors,
};
use crate::domain::Role;
use crate::domain::dates::china_minute;
use crate::staff::password::MIN_LEN;
use crate::store::User;

/// What the add form holds when it is shown again with messages.
#[derive(Debug, Clone, Default)]
pub struct NewUserForm {
    pub username: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub generate: bool,
}

fn role_select(name: &str, id: &str, current: Option<Role>, error: bool) -> Markup {
    let described = error.then(|| format!("{id}-error"));
    html! {
        select #(id) name=(name) aria-invalid=[error.then_some("true")] aria-describedby=[described] {
            @for r in Role::ALL {
                option value=(r.key()) selected[current == Some(*r)] { (r.label()) }
            }
        }
    }
}

fn status(u: &User) -> &'static str {
    if u.is_active() { "正常" } else { "已停用" }
}

pub fn list(
    ctx: &AdminCtx<'_>,
    users: &[User],
    form: &NewUserForm,
    errors: &FieldErrors,
) -> Markup {
    let fields = [
        ("username", "f-username".to_string(), "用户名".to_string()),
        ("display_name", "f-display_name".into(), "姓名".into()),
        ("role", "f-role".into(), "角色".into()),
        ("password", "f-password".into(), "初始密码".into()),
    ];
    layout(
        ctx,
        &title_with_errors(errors, "用户管理"),
        html! {
            h1 { "用户管理" }
            (error_summary(errors, &fields))
            p.help { "编辑：撰写文章、维护名单并提交审核；审核员：另可审核、发布和撤回；管理员：另可管理用户、设置和审计日志。" }
            (table_region("工作人员账户", html! {
                table.list {
                    caption.visually-hidden { "工作人员账户" }
                    thead { tr { th scope="col" { "用户名" } th scope="col" { "姓名" } th scope="col" { "角色" }
                        th scope="col" { "状态" } th scope="col" { "两步验证" } th scope="col" { "创建时间" } } }
                    tbody {
                        @for u in users {
                            tr {
                                td { a href={ "/admin/users/" (u.id) } { (u.username) } }
                                td { (u.display_name) }
                                td { (u.role.label()) }
                                td { (status(u)) }
                                td { @if u.totp_secret.is_some() { "已启用" } @else { "未启用" } }
                                td.nowrap { (china_minute(u.created_at)) }
                            }
                        }
                    }
                }
            }))
            section.block aria-labelledby="add-title" {
                h2 #add-title { "添加用户" }
                form method="post" action="/admin/users" {
                    (csrf_field(ctx.csrf))
                    (field(errors, "username", "用户名", "text", &form.username,
                        Some("3 到 32 个字符，以字母开头，可用小写字母、数字和 . _ -")))
                    (field(errors, "display_name", "姓名（可选）", "text", &form.display_name, None))
                    div.form-field.has-error[errors.get("role").is_some()] {
                        label for="f-role" { "角色" }
                        @if let Some(e) = errors.get("role") { p.field-error #f-role-error { (e) } }
                        (role_select("role", "f-role", form.role.or(Some(Role::Editor)), errors.get("role").is_some()))
                    }
                    div.form-field.check {
                        input #f-generate type="checkbox" name="generate" value="1" checked[form.generate];
                        label for="f-generate" { "生成随机密码（创建后只显示一次）" }
                    }
                    (field(errors, "password", "或者设定初始密码", "password", "",
                        Some(&format!("至少 {MIN_LEN} 个字符；勾选“生成随机密码”时不用填写。"))))
                    button type="submit" { "添加用户" }
                }
            }
        },
    )
}

pub fn show(ctx: &AdminCtx<'_>, u: &User, errors: &FieldErrors) -> Markup {
    layout(
        ctx,
        &title_with_errors(errors, &format!("用户 {}", u.username)),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/users" { "用户管理" } " › " (u.username) }
            h1 { "用户 " (u.username) }
            dl.record {
                div { dt { "姓名" } dd { (u.display_name) } }
                div { dt { "角色" } dd { (u.role.label()) } }
                div { dt { "状态" } dd { (status(u)) } }
                div { dt { "两步验证" } dd { @if u.totp_secret.is_some() { "已启用" } @else { "未启用" } } }
                div { dt { "密码修改时间" } dd { (china_minute(u.password_changed_at)) } }
            }
            section.block {
                h2 { "调整角色" }
                form method="post" action={ "/admin/users/" (u.id) "/role" } {
                    (csrf_field(ctx.csrf))
                    div.form-field.has-error[errors.get("role").is_some()] {
                        label for="f-role" { "角色" }
                        @if let Some(e) = errors.get("role") { p.field-error #f-role-error role="alert" { (e) } }
                        (role_select("role", "f-role", Some(u.role), errors.get("role").is_some()))
                    }
                    button type="submit" { "保存角色" }
                }
            }
            section.block.no-print {
                h2 { "账户操作" }
                ul.admin-links {
                    li { a href={ "/admin/users/" (u.id) "/reset-password" } { "重置密码" } "（该用户的所有登录会立即退出）" }
                    @if u.is_active() {
                        li { a href={ "/admin/users/" (u.id) "/disable" } { "停用账户" } "（立即退出并不能再登录，记录保留）" }
                    } @else {
                        li {
                            form.inline method="post" action={ "/admin/users/" (u.id) "/enable" } {
                                (csrf_field(ctx.csrf))
                                button type="submit" { "重新启用账户" }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn confirm_disable(ctx: &AdminCtx<'_>, u: &User, error: Option<&str>) -> Markup {
    layout(
        ctx,
        &format!(
            "{}停用账户：{}",
            if error.is_some() { "错误：" } else { "" },
            u.username
        ),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/users" { "用户管理" } " › " a href={ "/admin/users/" (u.id) } { (u.username) } " › 停用" }
            h1 { "确认停用账户“" (u.username) "”？" }
            @if let Some(e) = error { div.form-error role="alert" { (e) } }
            div.warning-box {
                p { strong { "此操作立即生效。" } }
                p { "停用后，该用户的所有登录会立即退出，且不能再登录；其历史操作记录全部保留。之后可重新启用。" }
            }
            form.form-actions method="post" action={ "/admin/users/" (u.id) "/disable" } {
                (csrf_field(ctx.csrf))
                button.danger type="submit" { "确认停用" }
                a href={ "/admin/users/" (u.id) } { "取消，返回用户" }
            }
        },
    )
}

pub fn confirm_reset(ctx: &AdminCtx<'_>, u: &User, errors: &FieldErrors) -> Markup {
    let fields = [("password", "f-password".to_string(), "新密码".to_string())];
    layout(
        ctx,
        &title_with_errors(errors, &format!("重置密码：{}", u.username)),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/users" { "用户管理" } " › " a href={ "/admin/users/" (u.id) } { (u.username) } " › 重置密码" }
            h1 { "重置“" (u.username) "”的密码" }
            (error_summary(errors, &fields))
            div.warning-box {
                p { strong { "此操作立即生效。" } }
                p { "重置后，该用户的所有登录会立即退出。请通过安全渠道把新密码告知本人，并请其登录后自行修改。" }
            }
            form method="post" action={ "/admin/users/" (u.id) "/reset-password" } {
                (csrf_field(ctx.csrf))
                div.form-field.check {
                    input #f-generate type="checkbox" name="generate" value="1" checked;
                    label for="f-generate" { "生成随机密码（只显示一次）" }
                }
                (field(errors, "password", "或者设定新密码", "password", "",
                    Some(&format!("至少 {MIN_LEN} 个字符；勾选“生成随机密码”时不用填写。"))))
                div.form-actions {
                    button.danger type="submit" { "确认重置" }
                    a href={ "/admin/users/" (u.id) } { "取消，返回用户" }
                }
            }
        },
    )
}

/// Shows a generated password once (this answer is never cached).
pub fn password_shown(ctx: &AdminCtx<'_>, u: &User, password: &str, created: bool) -> Markup {
    layout(
        ctx,
        &format!(
            "{}：{}",
            if created { "初始密码" } else { "新密码" },
            u.username
        ),
        html! {
            h1 { @if created { "已创建用户“" (u.username) "”" } @else { "已重置“" (u.username) "”的密码" } }
            p { "密码：" code.code.big { (password) } }
            p { strong { "该密码只显示这一次。" } "请通过安全渠道告知本人，并请其登录后立即修改。" }
            p { a.button href={ "/admin/users/" (u.id) } { "完成" } }
        },
    )
}
