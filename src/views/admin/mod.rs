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
                                                // A section's index page is titled by its
                                                // label; inside the section, the link marks
                                                // where the page belongs, not the page.
                                                a href=(href) aria-current=(if title.trim_start_matches("错误：") == *label { "page" } else { "true" }) { (label) }
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

/// The ids a control is described by: its message (when it has one), then its hint.
fn described_by(id: &str, error: bool, hint: bool) -> Option<String> {
    match (error, hint) {
        (true, true) => Some(format!("{id}-error {id}-hint")),
        (true, false) => Some(format!("{id}-error")),
        (false, true) => Some(format!("{id}-hint")),
        (false, false) => None,
    }
}

/// A field's hint and message, between its label and its control (where the eye and a
/// screen magnifier are when the field is reached), with the ids the control points at.
fn messages(id: &str, error: Option<&str>, hint: Option<&str>) -> Markup {
    html! {
        @if let Some(h) = hint {
            p.help id={ (id) "-hint" } { (h) }
        }
        @if let Some(e) = error {
            p.field-error id={ (id) "-error" } { span.visually-hidden { "错误：" } (e) }
        }
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
    let described = described_by(&id, error.is_some(), hint.is_some());
    let autocomplete = match (kind, name) {
        ("password", "old_password" | "password_current") => "current-password",
        ("password", _) => "new-password",
        _ => "off",
    };
    html! {
        div.form-field.has-error[error.is_some()] {
            label for=(id) { (label) }
            (messages(&id, error, hint))
            @if kind == "password" {
                input #(id) type="password" name=(name) autocomplete=(autocomplete)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[described.as_deref()];
            } @else {
                input #(id) type=(kind) name=(name) value=(value) autocomplete=(autocomplete)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[described.as_deref()];
            }
        }
    }
}

/// A labelled text area (with the given id) and its message, linked as [`field`] does.
pub fn text_area(
    errors: &FieldErrors,
    name: &'static str,
    id: &str,
    label: Markup,
    value: &str,
    rows: u8,
    hint: Option<&str>,
) -> Markup {
    let error = errors.get(name);
    let described = described_by(id, error.is_some(), hint.is_some());
    html! {
        div.form-field.has-error[error.is_some()] {
            label for=(id) { (label) }
            (messages(id, error, hint))
            textarea #(id) name=(name) rows=(rows) aria-invalid=[error.map(|_| "true")]
                aria-describedby=[described.as_deref()] { (value) }
        }
    }
}

/// The box at the top of a form shown again with messages: how many, and a link to each
/// field (in the order of `fields`: name, control id, label), so that nobody has to hunt.
pub fn error_summary(errors: &FieldErrors, fields: &[(&str, String, String)]) -> Markup {
    if errors.is_empty() {
        return html! {};
    }
    let listed: Vec<_> = fields
        .iter()
        .filter_map(|(name, id, label)| errors.get(name).map(|e| (id, label, e)))
        .collect();
    let unlisted: Vec<&str> = errors
        .0
        .iter()
        .filter(|(k, _)| !fields.iter().any(|(name, _, _)| name == *k))
        .map(|(_, e)| e.as_str())
        .collect();
    html! {
        div.error-summary role="alert" aria-labelledby="error-summary-title" {
            h2 #error-summary-title { "有 " (errors.0.len()) " 处需要修改" }
            ul {
                @for (id, label, e) in &listed {
                    li { a href={ "#" (id) } { (label) "：" (e) } }
                }
                @for e in &unlisted { li { (e) } }
            }
        }
    }
}

/// The title of a page shown again with messages says so first (it is what a screen reader
/// announces on arrival).
pub fn title_with_errors(errors: &FieldErrors, title: &str) -> String {
    if errors.is_empty() {
        title.to_string()
    } else {
        format!("错误：{title}")
    }
}

/// A table in a region of its own that scrolls sideways on a narrow screen (and can be
/// scrolled with the keyboard), named for screen readers.
pub fn table_region(label: &str, table: Markup) -> Markup {
    html! {
        div.table-wrap role="region" aria-label=(label) tabindex="0" { (table) }
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
