//! Staff pages of list entries: the list in every state, the form, one entry with its open
//! change, history and actions, removal and withdrawal.

use std::collections::HashMap;

use maud::{Markup, html};

use super::{AdminCtx, FieldErrors, csrf_field, layout};
use crate::domain::dates::{china_minute, iso};
use crate::domain::entry::Field;
use crate::domain::{Category, EntryStatus, ListKind, Publication, Role};
use crate::store::{Change, Entry, Revision};
use crate::views::components::pagination;
use crate::workflow::{change_title, state_of};

pub fn publication_badge(p: Publication) -> Markup {
    let class = match p {
        Publication::Published => "state state-published",
        Publication::Withdrawn => "state state-withdrawn",
        _ => "state state-draft",
    };
    html! { span class=(class) { (p.label()) } }
}

pub struct EntryListPage {
    pub entries: Vec<Entry>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub q: String,
    pub publication: Option<Publication>,
    pub list: Option<ListKind>,
    pub category: Option<Category>,
    pub status: Option<EntryStatus>,
    /// The filters as a query string, without `page`.
    pub query: String,
}

fn select<T: Copy + PartialEq>(
    id: &str,
    name: &str,
    all: &[T],
    current: Option<T>,
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    any: bool,
) -> Markup {
    html! {
        select #(id) name=(name) {
            @if any { option value="" selected[current.is_none()] { "全部" } }
            @for v in all {
                option value=(key(*v)) selected[current == Some(*v)] { (label(*v)) }
            }
        }
    }
}

pub fn list(ctx: &AdminCtx<'_>, m: &EntryListPage) -> Markup {
    let base = if m.query.is_empty() {
        "/admin/entries".to_string()
    } else {
        format!("/admin/entries?{}", m.query)
    };
    layout(
        ctx,
        "名单条目",
        html! {
            h1 { "名单条目" }
            p {
                a.button href="/admin/entries/new" { "新建条目" }
                " "
                a href="/admin/uploads" { "上传表格批量导入" }
            }
            form.filters method="get" action="/admin/entries" {
                div.field {
                    label for="f-q" { "名称、代码或网址" }
                    input #f-q type="search" name="q" value=(m.q);
                }
                div.field {
                    label for="f-pub" { "发布状态" }
                    (select("f-pub", "publication", Publication::ALL, m.publication, Publication::key, Publication::label, true))
                }
                div.field {
                    label for="f-list" { "名单类型" }
                    (select("f-list", "list", ListKind::ALL, m.list, ListKind::key, ListKind::label, true))
                }
                div.field {
                    label for="f-category" { "业态" }
                    (select("f-category", "category", Category::ALL, m.category, Category::key, Category::label, true))
                }
                div.field {
                    label for="f-status" { "状态" }
                    (select("f-status", "status", EntryStatus::ALL, m.status, EntryStatus::key, EntryStatus::label, true))
                }
                div.field.actions {
                    button type="submit" { "筛选" }
                    a href="/admin/entries" { "清除条件" }
                }
            }
            p.result-count role="status" { "共 " strong { (m.total) } " 条" }
            div.table-wrap {
                table {
                    caption.visually-hidden { "名单条目" }
                    thead { tr { th scope="col" { "编号" } th scope="col" { "主体名称" } th scope="col" { "名单类型" }
                        th scope="col" { "状态" } th scope="col" { "发布" } th scope="col" { "最近修改" } } }
                    tbody {
                        @for e in &m.entries {
                            tr {
                                td { (e.id) }
                                td { a href={ "/admin/entries/" (e.id) } { (e.data.name) } }
                                td { (e.data.list.label()) }
                                td { (e.data.status.label()) }
                                td { (publication_badge(e.publication)) }
                                td.nowrap { (china_minute(e.updated_at)) }
                            }
                        }
                    }
                }
            }
            (pagination(&base, m.page, m.total, m.per_page))
        },
    )
}

/// What an entry form holds and how it was opened.
pub struct EntryFormPage<'a> {
    pub title: &'a str,
    pub action: String,
    pub values: HashMap<&'static str, String>,
    pub note: String,
    pub errors: FieldErrors,
    pub warnings: Vec<(String, String)>,
    /// The entry is public (or was): an update note is required.
    pub note_required: bool,
    /// Hidden fields that tell the server what the form saw.
    pub expected: Vec<(&'static str, String)>,
}

fn text_field(m: &EntryFormPage<'_>, f: Field, kind: &str, hint: Option<&str>) -> Markup {
    let name = f.key();
    let id = format!("f-{name}");
    let value = m.values.get(name).map(String::as_str).unwrap_or("");
    let error = m.errors.get(name);
    let warning = m
        .warnings
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, w)| w.as_str());
    let described = match (error, warning, hint) {
        (Some(_), _, _) => Some(format!("{id}-error")),
        (None, Some(_), _) => Some(format!("{id}-warning")),
        (None, None, Some(_)) => Some(format!("{id}-hint")),
        _ => None,
    };
    let required = f.required();
    html! {
        div.form-field.has-error[error.is_some()] {
            label for=(id) { (f.label()) @if required { " " span.required { "（必填）" } } }
            @if kind == "textarea" {
                textarea #(id) name=(name) rows="3" aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[described.as_deref()] { (value) }
            } @else {
                input #(id) type=(kind) name=(name) value=(value) aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[described.as_deref()];
            }
            @if let Some(e) = error {
                p.field-error id={ (id) "-error" } { (e) }
            } @else if let Some(w) = warning {
                p.field-warning id={ (id) "-warning" } { "提示：" (w) }
            } @else if let Some(h) = hint {
                p.help id={ (id) "-hint" } { (h) }
            }
        }
    }
}

fn select_field<T: Copy + PartialEq>(
    m: &EntryFormPage<'_>,
    f: Field,
    all: &[T],
    parse: fn(&str) -> Option<T>,
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Markup {
    let name = f.key();
    let current = m.values.get(name).and_then(|v| parse(v));
    html! {
        div.form-field {
            label for={ "f-" (name) } { (f.label()) }
            (select(&format!("f-{name}"), name, all, current, key, label, false))
        }
    }
}

pub fn form(ctx: &AdminCtx<'_>, m: &EntryFormPage<'_>) -> Markup {
    let multi = "可填多个，每行一个，或用“；”“、”分隔";
    layout(
        ctx,
        m.title,
        html! {
            h1 { (m.title) }
            @if !m.errors.is_empty() {
                p.form-error role="alert" { "有 " (m.errors.0.len()) " 处需要修改，见下方各栏的提示。" }
            }
            form method="post" action=(m.action) {
                (csrf_field(ctx.csrf))
                @for (name, value) in &m.expected { input type="hidden" name=(name) value=(value); }
                fieldset {
                    legend { "主体" }
                    (text_field(m, Field::Name, "text", None))
                    (text_field(m, Field::Aliases, "textarea", Some(multi)))
                    (text_field(m, Field::CreditCode, "text", Some("18 位；可带空格或连字符")))
                    (select_field(m, Field::Category, Category::ALL, Category::from_key, Category::key, Category::label))
                    (text_field(m, Field::Websites, "textarea", Some(multi)))
                    (text_field(m, Field::Phones, "textarea", Some(multi)))
                    (text_field(m, Field::Address, "text", None))
                }
                fieldset {
                    legend { "列入" }
                    (select_field(m, Field::List, ListKind::ALL, ListKind::from_key, ListKind::key, ListKind::label))
                    (text_field(m, Field::Reason, "textarea", None))
                    (text_field(m, Field::Basis, "textarea", None))
                    (text_field(m, Field::Authority, "text", None))
                    (text_field(m, Field::DecisionNo, "text", None))
                    (text_field(m, Field::ListedOn, "date", None))
                    (text_field(m, Field::Measures, "textarea", None))
                    (text_field(m, Field::Remedy, "textarea", Some("如对决定不服，申请复议或提起诉讼的期限和途径")))
                    (text_field(m, Field::PublicityEndsOn, "date", Some("留空时按站点设置的公示期计算；没有设置则长期公示")))
                }
                fieldset {
                    legend { "移出" }
                    (select_field(m, Field::Status, EntryStatus::ALL, EntryStatus::from_key, EntryStatus::key, EntryStatus::label))
                    (text_field(m, Field::RemovedOn, "date", Some("状态为“已移出”时必填")))
                    (text_field(m, Field::RemovalReason, "text", Some("状态为“已移出”时必填")))
                    (text_field(m, Field::RemovalAuthority, "text", Some("留空时同认定机关")))
                }
                (note_field(&m.note, m.note_required, &m.errors))
                button type="submit" { "保存草稿" }
                " "
                span.help { "保存后在条目页面“提交审核”；审核通过后才会公开。" }
            }
        },
    )
}

/// The change note (更新说明) field.
pub fn note_field(note: &str, required: bool, errors: &FieldErrors) -> Markup {
    let error = errors.get("note");
    html! {
        div.form-field.has-error[error.is_some()] {
            label for="f-note" { "更新说明" @if required { " " span.required { "（必填，公众可见）" } } }
            textarea #f-note name="note" rows="2" aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| "f-note-error")] { (note) }
            @if let Some(e) = error { p.field-error #f-note-error { (e) } }
        }
    }
}

pub struct EntryPage<'a> {
    pub entry: &'a Entry,
    pub open: Option<&'a Change>,
    pub revisions: &'a [Revision],
    pub can_review: bool,
    pub errors: FieldErrors,
}

pub fn show(ctx: &AdminCtx<'_>, m: &EntryPage<'_>) -> Markup {
    let e = m.entry;
    let d = &e.data;
    layout(
        ctx,
        &d.name,
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/entries" { "名单条目" } " › #" (e.id) }
            h1 { (d.name) " " (publication_badge(e.publication)) }
            @if e.publication == Publication::Published {
                p { a href={ "/entries/" (e.id) } { "公开页面" } "（在公开网站上）" }
            }
            @if let Some(at) = e.withdrawn_at {
                p.form-error { "已于 " (china_minute(at)) " 撤回：" (e.withdrawal_reason) }
            }
            @match m.open {
                Some(c) => {
                    section.block.open-change {
                        h2 { "待处理的修改" }
                        p { (state_of(c).label()) " · " (c.author) " · " (china_minute(c.updated_at)) }
                        p { a.button href={ "/admin/changes/" (c.id) } { "查看并处理这项修改" } }
                    }
                }
                None => {}
            }
            section.block {
                h2 { "操作" }
                ul.admin-links {
                    li { a href={ "/admin/entries/" (e.id) "/edit" } { "编辑" } }
                    @if e.publication == Publication::Published {
                        @if d.status == EntryStatus::Listed {
                            li { a href={ "/admin/entries/" (e.id) "/remove" } { "移出名单" } "（填写移出日期、原因和机关，经审核后生效）" }
                        } @else {
                            li { a href={ "/admin/entries/" (e.id) "/remove" } { "更正移出信息" } }
                        }
                        @if m.can_review {
                            li { a href={ "/admin/entries/" (e.id) "/withdraw" } { "撤回" } "（停止公示，公开地址显示“已停止公示”）" }
                        }
                    }
                    li { a href={ "/admin/entries/" (e.id) "/history" } { "修改历史与版本比较" } }
                }
            }
            h2 { "当前内容" }
            dl.record {
                @for row in crate::workflow::diff::entry_fields(None, d) {
                    @if !row.new.is_empty() { div { dt { (row.label) } dd { (row.new) } } }
                }
            }
            @if !m.revisions.is_empty() {
                h2 { "最近修改" }
                (revision_list(m.revisions, &format!("/admin/entries/{}", e.id)))
            }
        },
    )
}

pub fn revision_list(revisions: &[Revision], base: &str) -> Markup {
    html! {
        ol.history {
            @for r in revisions.iter().take(20) {
                li {
                    time { (china_minute(r.changed_at)) } " " (r.changed_by) "："
                    @if r.changed.is_empty() { "首次发布" } @else { (r.changed.join("、")) }
                    @if !r.note.is_empty() { "（" (r.note) "）" }
                    " "
                    a href={ (base) "/history?b=" (r.id) } { "查看" }
                }
            }
        }
    }
}

pub struct RemovalPage<'a> {
    pub entry: &'a Entry,
    pub removed_on: String,
    pub reason: String,
    pub authority: String,
    pub relist: bool,
    pub note: String,
    pub errors: FieldErrors,
    pub expected: Vec<(&'static str, String)>,
}

pub fn removal(ctx: &AdminCtx<'_>, m: &RemovalPage<'_>) -> Markup {
    let d = &m.entry.data;
    let correcting = d.status == EntryStatus::Removed;
    let title = if correcting {
        "更正移出信息"
    } else {
        "移出名单"
    };
    let err = |f: &str| m.errors.get(f);
    layout(
        ctx,
        title,
        html! {
            nav.breadcrumb aria-label="位置" { a href={ "/admin/entries/" (m.entry.id) } { (d.name) } " › " (title) }
            h1 { (title) "：" (d.name) }
            p { "移出后，该主体在公开页面显示为“已移出”（不在列），并继续作历史公示至公示期满。提交后需经审核才生效。" }
            form method="post" action={ "/admin/entries/" (m.entry.id) "/remove" } {
                (csrf_field(ctx.csrf))
                @for (name, value) in &m.expected { input type="hidden" name=(name) value=(value); }
                @if correcting {
                    div.form-field.check {
                        input #f-relist type="checkbox" name="relist" value="1" checked[m.relist];
                        label for="f-relist" { "移出有误，恢复为“在列”" }
                    }
                }
                div.form-field.has-error[err("removed_on").is_some()] {
                    label for="f-removed_on" { "移出日期" }
                    input #f-removed_on type="date" name="removed_on" value=(m.removed_on);
                    @if let Some(e) = err("removed_on") { p.field-error { (e) } }
                }
                div.form-field.has-error[err("removal_reason").is_some()] {
                    label for="f-removal_reason" { "移出原因" }
                    input #f-removal_reason type="text" name="removal_reason" value=(m.reason);
                    @if let Some(e) = err("removal_reason") { p.field-error { (e) } }
                }
                div.form-field {
                    label for="f-removal_authority" { "移出机关" }
                    input #f-removal_authority type="text" name="removal_authority" value=(m.authority);
                }
                (note_field(&m.note, true, &m.errors))
                button type="submit" { "保存草稿" }
            }
        },
    )
}

pub fn withdraw_confirm(
    ctx: &AdminCtx<'_>,
    entry: &Entry,
    reason: &str,
    errors: &FieldErrors,
) -> Markup {
    layout(
        ctx,
        "撤回条目",
        html! {
            h1 { "确认撤回“" (entry.data.name) "”？" }
            p { "撤回后该条目立即停止公示：公开地址回答“已停止公示”，不显示名称；搜索和接口中不再出现。记录和历史全部保留，可通过新的修改重新发布。" }
            form method="post" action={ "/admin/entries/" (entry.id) "/withdraw" } {
                (csrf_field(ctx.csrf))
                input type="hidden" name="version" value=(entry.version);
                div.form-field.has-error[errors.get("reason").is_some()] {
                    label for="f-reason" { "撤回原因（必填，记入历史）" }
                    textarea #f-reason name="reason" rows="2" { (reason) }
                    @if let Some(e) = errors.get("reason") { p.field-error { (e) } }
                }
                button.danger type="submit" { "确认撤回" }
                " " a href={ "/admin/entries/" (entry.id) } { "取消" }
            }
        },
    )
}

/// Dates as the form shows them.
pub fn date_text(d: Option<time::Date>) -> String {
    d.map(iso).unwrap_or_default()
}

/// Whether a user may review (and so withdraw).
pub fn reviews(role: Role) -> bool {
    role.allows(Role::Reviewer)
}

/// A change in a list: the item, what state, by whom, when.
pub fn change_item(c: &Change) -> Markup {
    html! {
        li {
            a href={ "/admin/changes/" (c.id) } { (change_title(c)) }
            " " span.muted { (if c.entity == "article" { "文章" } else { "条目" }) " · " (state_of(c).label()) " · " (c.author) " · " (china_minute(c.updated_at)) }
            @if !c.review_comment.is_empty() { br; span.field-error { "退回意见：" (c.review_comment) } }
            @if let Some(at) = c.publish_at { @if c.state == "scheduled" { br; span { "定时：" (china_minute(at)) } } }
        }
    }
}
