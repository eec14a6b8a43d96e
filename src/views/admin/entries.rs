//! Staff pages of list entries: the list in every state, the form, one entry with its open
//! change, history and actions, removal and withdrawal.

use std::collections::HashMap;

use maud::{Markup, html};

use super::{
    AdminCtx, FieldErrors, csrf_field, error_summary, field, layout, table_region, text_area,
    title_with_errors,
};
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
            p.form-actions.no-print {
                a.button href="/admin/entries/new" { "新建条目" }
                a href="/admin/uploads" { "上传表格批量导入" }
            }
            form.filters.no-print method="get" action="/admin/entries" {
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
            @if m.entries.is_empty() {
                p.empty {
                    @if m.query.is_empty() { "还没有名单条目。可以新建条目，或上传表格批量导入。" }
                    @else { "没有符合条件的条目。请减少筛选条件，或 " a href="/admin/entries" { "清除条件" } "。" }
                }
            } @else {
                (table_region("名单条目列表", html! {
                    table.list {
                        caption.visually-hidden { "名单条目（第 " (m.page) " 页）" }
                        thead { tr { th scope="col" { "编号" } th.wide scope="col" { "主体名称" } th scope="col" { "名单类型" }
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
                }))
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
    let described: Vec<String> = [
        error.map(|_| format!("{id}-error")),
        warning.map(|_| format!("{id}-warning")),
        hint.map(|_| format!("{id}-hint")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let required = f.required();
    html! {
        div.form-field.has-error[error.is_some()] {
            label for=(id) { (f.label()) @if required { " " span.required { "（必填）" } } }
            @if let Some(h) = hint {
                p.help id={ (id) "-hint" } { (h) }
            }
            @if let Some(e) = error {
                p.field-error id={ (id) "-error" } { span.visually-hidden { "错误：" } (e) }
            }
            @if let Some(w) = warning {
                p.field-warning id={ (id) "-warning" } { "提示：" (w) }
            }
            @if kind == "textarea" {
                textarea #(id) name=(name) rows="3" aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[described.as_deref()] { (value) }
            } @else {
                input #(id) type=(kind) name=(name) value=(value) aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[described.as_deref()];
            }
        }
    }
}

/// The fields of the entry form in their order, for the summary of messages.
fn entry_fields() -> Vec<(&'static str, String, String)> {
    let mut v: Vec<_> = Field::ALL
        .into_iter()
        .map(|f| (f.key(), format!("f-{}", f.key()), f.label().to_string()))
        .collect();
    v.push(("note", "f-note".into(), "更新说明".into()));
    v
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
        &title_with_errors(
            &m.errors,
            &item_title(m.title, &m.action, m.values.get("name")),
        ),
        html! {
            h1 { (m.title) }
            (error_summary(&m.errors, &entry_fields()))
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
                div.form-actions {
                    button type="submit" aria-describedby="save-hint" { "保存草稿" }
                    span.help #save-hint { "保存后在条目页面“提交审核”；审核通过后才会公开。" }
                }
            }
        },
    )
}

/// The change note (更新说明) field.
pub fn note_field(note: &str, required: bool, errors: &FieldErrors) -> Markup {
    let label = html! { "更新说明" @if required { " " span.required { "（必填，公众可见）" } } };
    text_area(errors, "note", "f-note", label, note, 2, None)
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
                div.form-error { "已于 " (china_minute(at)) " 撤回：" (e.withdrawal_reason) }
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
            section.block.no-print {
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
    let fields = [
        (
            "removed_on",
            "f-removed_on".to_string(),
            "移出日期".to_string(),
        ),
        (
            "removal_reason",
            "f-removal_reason".into(),
            "移出原因".into(),
        ),
        (
            "removal_authority",
            "f-removal_authority".into(),
            "移出机关".into(),
        ),
        ("note", "f-note".into(), "更新说明".into()),
    ];
    layout(
        ctx,
        &title_with_errors(&m.errors, &format!("{title}：{}", d.name)),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/entries" { "名单条目" } " › " a href={ "/admin/entries/" (m.entry.id) } { (d.name) } " › " (title) }
            h1 { (title) "：" (d.name) }
            (error_summary(&m.errors, &fields))
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
                (field(&m.errors, "removed_on", "移出日期", "date", &m.removed_on, None))
                (field(&m.errors, "removal_reason", "移出原因", "text", &m.reason,
                    Some("如：整改完成、信用修复、公示期满")))
                (field(&m.errors, "removal_authority", "移出机关", "text", &m.authority,
                    Some("留空时同认定机关")))
                (note_field(&m.note, true, &m.errors))
                div.form-actions {
                    button type="submit" { "保存草稿" }
                    a href={ "/admin/entries/" (m.entry.id) } { "取消" }
                }
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
    let fields = [("reason", "f-reason".to_string(), "撤回原因".to_string())];
    let label = html! { "撤回原因 " span.required { "（必填，记入历史）" } };
    layout(
        ctx,
        &title_with_errors(errors, &format!("撤回条目：{}", entry.data.name)),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/entries" { "名单条目" } " › " a href={ "/admin/entries/" (entry.id) } { (entry.data.name) } " › 撤回" }
            h1 { "确认撤回“" (entry.data.name) "”？" }
            (error_summary(errors, &fields))
            div.warning-box {
                p { strong { "此操作立即生效。" } }
                p { "撤回后该条目立即停止公示：公开地址回答“已停止公示”，不显示名称；搜索和接口中不再出现。记录和历史全部保留，可通过新的修改重新发布。" }
            }
            form method="post" action={ "/admin/entries/" (entry.id) "/withdraw" } {
                (csrf_field(ctx.csrf))
                input type="hidden" name="version" value=(entry.version);
                (text_area(errors, "reason", "f-reason", label, reason, 2, None))
                div.form-actions {
                    button.danger type="submit" { "确认撤回" }
                    a href={ "/admin/entries/" (entry.id) } { "取消，返回条目" }
                }
            }
        },
    )
}

/// The title of a form page: an edit form names what it edits (`编辑条目 #48：名称`), so that
/// two open tabs, the history and a screen reader tell them apart.
pub fn item_title(title: &str, action: &str, name: Option<&String>) -> String {
    let id = action
        .strip_suffix("/edit")
        .and_then(|p| p.rsplit('/').next())
        .filter(|id| id.bytes().all(|b| b.is_ascii_digit()));
    match (id, name.filter(|n| !n.trim().is_empty())) {
        (Some(id), Some(name)) => format!("{title} #{id}：{name}"),
        (Some(id), None) => format!("{title} #{id}"),
        _ => title.to_string(),
    }
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
            @if !c.review_comment.is_empty() { br; span.review-comment { "退回意见：" (c.review_comment) } }
            @if let Some(at) = c.publish_at { @if c.state == "scheduled" { br; span { "定时：" (china_minute(at)) } } }
        }
    }
}
