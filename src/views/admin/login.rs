//! Signing in: the password form and the second-factor form.

use maud::{Markup, html};

use super::{AdminCtx, csrf_field, layout};

pub fn form(
    ctx: &AdminCtx<'_>,
    username: &str,
    error: Option<&str>,
    next: &str,
    notice: Option<&str>,
) -> Markup {
    layout(
        ctx,
        if error.is_some() {
            "错误：登录"
        } else {
            "登录"
        },
        html! {
            div.narrow {
                h1 { "内部管理登录" }
                @if let Some(n) = notice { p.flash role="status" { (n) } }
                @if let Some(e) = error { div.form-error #login-error role="alert" { (e) } }
                form method="post" action="/admin/login" aria-describedby=[error.map(|_| "login-error")] {
                    (csrf_field(ctx.csrf))
                    input type="hidden" name="next" value=(next);
                    div.form-field {
                        label for="f-username" { "用户名" }
                        input #f-username type="text" name="username" value=(username)
                            autocomplete="username" autocapitalize="none" required;
                    }
                    div.form-field {
                        label for="f-password" { "密码" }
                        input #f-password type="password" name="password"
                            autocomplete="current-password" required;
                    }
                    button type="submit" { "登录" }
                }
                p.help { "本系统仅供工作人员使用。忘记密码请联系系统管理员重置。" }
            }
        },
    )
}

pub fn totp_form(ctx: &AdminCtx<'_>, error: Option<&str>) -> Markup {
    layout(
        ctx,
        if error.is_some() {
            "错误：两步验证"
        } else {
            "两步验证"
        },
        html! {
            div.narrow {
                h1 { "两步验证" }
                p { "请输入手机验证器应用中显示的 6 位验证码；如手机不在身边，可输入一个恢复码。" }
                form method="post" action="/admin/login/totp" {
                    (csrf_field(ctx.csrf))
                    div.form-field.has-error[error.is_some()] {
                        label for="f-code" { "验证码或恢复码" }
                        @if let Some(e) = error {
                            p.field-error #f-code-error role="alert" { span.visually-hidden { "错误：" } (e) }
                        }
                        input #f-code type="text" name="code" inputmode="numeric"
                            autocomplete="one-time-code" required
                            aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "f-code-error")];
                    }
                    button type="submit" { "验证" }
                }
                form.inline method="post" action="/admin/logout" {
                    (csrf_field(ctx.csrf))
                    button.link-button type="submit" { "取消并退出" }
                }
            }
        },
    )
}
