//! The own-account page: password change and two-factor sign-in.

use maud::{Markup, PreEscaped, html};

use super::{AdminCtx, FieldErrors, csrf_field, error_summary, field, layout, title_with_errors};
use crate::staff::password::MIN_LEN;
use crate::store::User;

pub struct AccountPage<'a> {
    pub user: &'a User,
    pub errors: FieldErrors,
    pub recovery_left: i64,
    /// Two-factor sign-in is required for this user (an admin, by setting).
    pub totp_required: bool,
}

pub fn page(ctx: &AdminCtx<'_>, m: &AccountPage<'_>) -> Markup {
    let u = m.user;
    let fields = [
        (
            "old_password",
            "f-old_password".to_string(),
            "原密码".to_string(),
        ),
        ("password", "f-password".into(), "新密码".into()),
        (
            "password_again",
            "f-password_again".into(),
            "再次输入新密码".into(),
        ),
        (
            "password_current",
            "f-password_current".into(),
            "确认密码".into(),
        ),
    ];
    layout(
        ctx,
        &title_with_errors(&m.errors, "我的账户"),
        html! {
            h1 { "我的账户" }
            (error_summary(&m.errors, &fields))
            dl.record {
                div { dt { "用户名" } dd { (u.username) } }
                @if !u.display_name.is_empty() { div { dt { "姓名" } dd { (u.display_name) } } }
                div { dt { "角色" } dd { (u.role.label()) } }
            }
            section.block aria-labelledby="pw-title" {
                h2 #pw-title { "修改密码" }
                p.help { "修改后，您在所有设备上的登录都会退出，请用新密码重新登录。" }
                form method="post" action="/admin/account/password" {
                    (csrf_field(ctx.csrf))
                    (field(&m.errors, "old_password", "原密码", "password", "", None))
                    (field(&m.errors, "password", "新密码", "password", "",
                        Some(&format!("至少 {MIN_LEN} 个字符，不能包含用户名，不能是常见密码。"))))
                    (field(&m.errors, "password_again", "再次输入新密码", "password", "", None))
                    button type="submit" { "修改密码" }
                }
            }
            section.block aria-labelledby="totp-title" {
                h2 #totp-title { "两步验证" }
                @if u.totp_secret.is_some() {
                    p { "已启用。登录时需输入手机验证器应用中的 6 位验证码。剩余可用恢复码 " (m.recovery_left) " 个。" }
                    @if m.totp_required {
                        p.help { "系统设置要求管理员使用两步验证，不能关闭。" }
                    } @else {
                        form method="post" action="/admin/account/totp/disable" {
                            (csrf_field(ctx.csrf))
                            (field(&m.errors, "password_current", "确认密码后关闭两步验证", "password", "", None))
                            button.danger type="submit" { "关闭两步验证" }
                        }
                    }
                } @else {
                    p { "未启用。启用后，登录时除密码外还需输入手机上的动态验证码，可防止密码泄露后被他人登录。" }
                    p { a.button href="/admin/account/totp" { "启用两步验证" } }
                }
            }
        },
    )
}

pub struct TotpEnrolPage<'a> {
    pub secret: &'a str,
    pub qr_svg: &'a str,
    pub errors: FieldErrors,
    /// Two-factor sign-in must be enrolled before anything else.
    pub required: bool,
}

pub fn totp_enrol(ctx: &AdminCtx<'_>, m: &TotpEnrolPage<'_>) -> Markup {
    layout(
        ctx,
        &title_with_errors(&m.errors, "启用两步验证"),
        html! {
            h1 { "启用两步验证" }
            @if m.required {
                div.form-error role="alert" { "系统要求管理员使用两步验证。请先完成设置，才能继续使用管理功能。" }
            }
            ol.steps {
                li { "在手机上安装支持 TOTP 的验证器应用（如各类“身份验证器”应用）。" }
                li { "用应用扫描下方二维码；无法扫描时，手动输入密钥。" }
                li { "输入应用中显示的 6 位数字，完成启用。" }
            }
            figure.qr {
                (PreEscaped(m.qr_svg))
                figcaption { "密钥：" code.code { (m.secret) } }
            }
            form method="post" action="/admin/account/totp" {
                (csrf_field(ctx.csrf))
                (field(&m.errors, "code", "验证码", "text", "", Some("6 位数字")))
                button type="submit" { "确认启用" }
            }
        },
    )
}

pub fn recovery_codes(ctx: &AdminCtx<'_>, codes: &[String]) -> Markup {
    layout(
        ctx,
        "两步验证已启用：恢复码",
        html! {
            h1 { "两步验证已启用" }
            p { strong { "请立即抄写或打印以下恢复码，并妥善保管。" }
                "手机丢失时，每个恢复码可代替验证码登录一次。本页关闭后不会再次显示。" }
            ul.recovery-codes { @for c in codes { li { code { (c) } } } }
            p { a.button href="/admin" { "我已保存，进入工作台" } }
        },
    )
}
