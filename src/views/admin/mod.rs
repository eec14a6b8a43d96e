//! Views of the staff side: a plain frame (no public navigation), forms with their messages
//! next to each field, and a CSRF token in every form that changes something.

pub mod account;
pub mod articles;
pub mod audit;
pub mod changes;
pub mod dashboard;
pub mod entries;
pub mod history;
pub mod login;
pub mod settings;
pub mod uploads;
pub mod users;

use std::collections::HashMap;

use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

use crate::assets;
use crate::domain::Role;
use crate::site::Site;
use crate::store::User;

/// What the admin frame needs besides the page body.
pub struct AdminCtx<'a> {
    pub site: &'a Site,
    /// The signed-in user, when the page shows the staff navigation.
    pub user: Option<&'a User>,
    pub csrf: &'a str,
    pub flash: Option<&'a str>,
    pub path: &'a str,
    pub demo: bool,
}

/// The admin side's assets live under its own paths (it is served on another listener).
fn asset(name: &str) -> String {
    format!("/admin{}", assets::url(name))
}

const NAV: &[(&str, &str, Role)] = &[
    ("/admin", "工作台", Role::Editor),
    ("/admin/entries", "名单条目", Role::Editor),
    ("/admin/articles", "文章", Role::Editor),
    ("/admin/users", "用户管理", Role::Admin),
    ("/admin/audit", "审计日志", Role::Admin),
    ("/admin/settings", "系统设置", Role::Admin),
    ("/admin/account", "我的账户", Role::Editor),
];

pub fn layout(ctx: &AdminCtx<'_>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                title { (title) " - 内部管理 - " (ctx.site.site_name) }
                link rel="stylesheet" href=(asset("site.css"));
                link rel="stylesheet" href=(asset("admin.css"));
                link rel="icon" href=(asset("favicon.svg")) type="image/svg+xml";
            }
            body.admin {
                a.skip href="#main" { "跳到正文" }
                header.admin-header {
                    @if ctx.demo {
                        div.demo-banner role="note" { strong { "示例数据" } "：演示环境，请勿录入真实信息。" }
                    }
                    div.wrap.admin-bar {
                        span.admin-brand { (ctx.site.site_name) " · 内部管理" }
                        @if let Some(user) = ctx.user {
                            span.admin-who { (user.shown_name()) "（" (user.role.label()) "）" }
                            form.inline method="post" action="/admin/logout" {
                                (csrf_field(ctx.csrf))
                                button.link-button type="submit" { "退出登录" }
                            }
                        }
                    }
                    @if let Some(user) = ctx.user {
                        nav.admin-nav aria-label="管理导航" {
                            ul.wrap {
                                @for (href, label, role) in NAV {
                                    @if user.role.allows(*role) {
                                        li {
                                            @if ctx.path == *href {
                                                a href=(href) aria-current="page" { (label) }
                                            } @else {
                                                a href=(href) { (label) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main .wrap tabindex="-1" {
                    @if let Some(flash) = ctx.flash {
                        p.flash role="status" { (flash) }
                    }
                    (body)
                }
            }
        }
    }
}

/// The hidden field every state-changing form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// Messages for form fields, by field name.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub HashMap<&'static str, String>);

impl FieldErrors {
    pub fn one(field: &'static str, message: impl Into<String>) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.0.insert(field, message.into());
        e
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A labelled input with its message next to it (and linked to it for screen readers).
pub fn field(
    errors: &FieldErrors,
    name: &'static str,
    label: &str,
    kind: &str,
    value: &str,
    hint: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let error = errors.get(name);
    let described = match (error.is_some(), hint.is_some()) {
        (true, _) => Some(format!("{id}-error")),
        (false, true) => Some(format!("{id}-hint")),
        (false, false) => None,
    };
    let autocomplete = match (kind, name) {
        ("password", "old_password" | "password_current") => "current-password",
        ("password", _) => "new-password",
        _ => "off",
    };
    html! {
        div.form-field.has-error[error.is_some()] {
            label for=(id) { (label) }
            @if kind == "password" {
                input #(id) type="password" name=(name) autocomplete=(autocomplete)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[described.as_deref()];
            } @else {
                input #(id) type=(kind) name=(name) value=(value) autocomplete=(autocomplete)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[described.as_deref()];
            }
            @if let Some(e) = error {
                p.field-error id={ (id) "-error" } { (e) }
            } @else if let Some(h) = hint {
                p.help id={ (id) "-hint" } { (h) }
            }
        }
    }
}

/// The error page of the admin side.
pub fn error_page(ctx: &AdminCtx<'_>, status: StatusCode, message: Option<&str>) -> Markup {
    let (title, text) = crate::views::errors::describe(status);
    let text = match status {
        StatusCode::FORBIDDEN => "您没有权限进行此操作。",
        StatusCode::NOT_FOUND => "您访问的管理页面不存在。",
        _ => text,
    };
    let title = if status == StatusCode::FORBIDDEN {
        "无权操作"
    } else {
        title
    };
    layout(
        ctx,
        title,
        html! {
            h1 { (title) }
            p { (message.unwrap_or(text)) }
            p { "错误代码：" (status.as_u16()) }
            p { a href="/admin" { "返回工作台" } }
        },
    )
}
