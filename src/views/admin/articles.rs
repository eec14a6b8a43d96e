//! Staff pages of articles: the list, the form (with a server-rendered preview and related
//! entries chosen by searching), one article with its attachments, withdrawal.

use maud::{Markup, html};

use super::entries::publication_badge;
use super::{
    AdminCtx, FieldErrors, csrf_field, error_summary, field, layout, table_region, text_area,
    title_with_errors,
};
use crate::domain::ArticleKind;
use crate::domain::dates::china_minute;
use crate::store::{Article, Attachment, Change, Entry, Revision};
use crate::views::articles::human_size;
use crate::views::components::pagination;
use crate::workflow::state_of;

pub struct ArticleListPage {
    pub articles: Vec<Article>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub query: String,
}

pub fn list(ctx: &AdminCtx<'_>, m: &ArticleListPage) -> Markup {
    let base = if m.query.is_empty() {
        "/admin/articles".to_string()
    } else {
        format!("/admin/articles?{}", m.query)
    };
    layout(
        ctx,
        "文章",
        html! {
            h1 { "文章" }
            p.no-print { a.button href="/admin/articles/new" { "新建文章" } }
            p.result-count role="status" { "共 " strong { (m.total) } " 篇" }
            @if m.articles.is_empty() {
                p.empty { "还没有文章。" }
            } @else {
                (table_region("文章列表", html! {
                    table.list {
                        caption.visually-hidden { "文章（第 " (m.page) " 页）" }
                        thead { tr { th.wide scope="col" { "标题" } th scope="col" { "类别" } th scope="col" { "发布" } th scope="col" { "最近修改" } } }
                        tbody {
                            @for a in &m.articles {
                                tr {
                                    td { a href={ "/admin/articles/" (a.id) } { (a.data.title) } }
                                    td { (a.data.kind.label()) }
                                    td { (publication_badge(a.publication)) }
                                    td.nowrap { (china_minute(a.updated_at)) }
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

/// What the article form holds.
#[derive(Debug, Clone, Default)]
pub struct ArticleForm {
    pub kind: String,
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body_md: String,
    pub tags: String,
    pub doc_no: String,
    pub published_on: String,
    /// Related entries: id and name.
    pub related: Vec<(i64, String)>,
    pub note: String,
}

pub struct ArticleFormPage<'a> {
    pub title: &'a str,
    pub action: String,
    pub form: ArticleForm,
    /// The slug can be set only when the article is created.
    pub new: bool,
    pub errors: FieldErrors,
    pub note_required: bool,
    pub expected: Vec<(&'static str, String)>,
    /// The body rendered as the public will see it, when a preview was asked for.
    pub preview: Option<Markup>,
    /// Entries found by the related-entry search.
    pub found: Vec<Entry>,
    pub find: String,
}

fn input(
    errors: &FieldErrors,
    name: &'static str,
    label: &str,
    value: &str,
    hint: Option<&str>,
) -> Markup {
    field(errors, name, label, "text", value, hint)
}

/// The fields of the article form in their order, for the summary of messages.
fn article_fields() -> Vec<(&'static str, String, String)> {
    [
        ("kind", "f-kind", "类别"),
        ("title", "f-title", "标题"),
        ("slug", "f-slug", "地址名"),
        ("summary", "f-summary", "摘要"),
        ("body_md", "f-body", "正文"),
        ("tags", "f-tags", "标签"),
        ("doc_no", "f-doc_no", "文号"),
        ("published_on", "f-published_on", "发布日期"),
        ("related", "f-find", "相关名单条目"),
        ("note", "f-note", "更新说明"),
    ]
    .into_iter()
    .map(|(name, id, label)| (name, id.to_string(), label.to_string()))
    .collect()
}

pub fn form(ctx: &AdminCtx<'_>, m: &ArticleFormPage<'_>) -> Markup {
    let f = &m.form;
    let body_hint =
        "**加粗**、## 小标题、- 列表；插入图片：先在文章页面上传附件，再复制其插入代码。";
    layout(
        ctx,
        &title_with_errors(
            &m.errors,
            &super::entries::item_title(m.title, &m.action, Some(&f.title)),
        ),
        html! {
            h1 { (m.title) }
            (error_summary(&m.errors, &article_fields()))
            form method="post" action=(m.action) {
                (csrf_field(ctx.csrf))
                @for (name, value) in &m.expected { input type="hidden" name=(name) value=(value); }
                div.form-field {
                    label for="f-kind" { "类别" }
                    select #f-kind name="kind" {
                        @for k in ArticleKind::ALL {
                            option value=(k.key()) selected[f.kind == k.key()] { (k.label()) }
                        }
                    }
                }
                (input(&m.errors, "title", "标题（必填）", &f.title, None))
                @if m.new {
                    (input(&m.errors, "slug", "地址名", &f.slug,
                        Some("网址中的名称：小写字母、数字和连字符；留空时按标题拼音自动生成")))
                } @else {
                    p { "地址名：" code { (f.slug) } " " span.help { "（已创建的文章不能修改地址名）" } }
                    input type="hidden" name="slug" value=(f.slug);
                }
                (text_area(&m.errors, "summary", "f-summary", html! { "摘要" }, &f.summary, 2, None))
                (text_area(&m.errors, "body_md", "f-body", html! { "正文（Markdown）" }, &f.body_md, 16, Some(body_hint)))
                @if let Some(body) = &m.preview {
                    section.preview aria-label="正文预览" {
                        h2 { "预览" }
                        div.prose { (body) }
                    }
                }
                (input(&m.errors, "tags", "标签", &f.tags, Some("多个用“、”或逗号分隔")))
                (input(&m.errors, "doc_no", "文号", &f.doc_no, None))
                (field(&m.errors, "published_on", "发布日期", "date", &f.published_on, None))
                fieldset {
                    legend { "相关名单条目" }
                    @if f.related.is_empty() { p.help { "尚未关联条目。" } }
                    @for (id, name) in &f.related {
                        div.form-field.check {
                            input id={ "f-rel-" (id) } type="checkbox" name="related" value={ "#" (id) } checked;
                            label for={ "f-rel-" (id) } { (name) "（#" (id) "）" }
                        }
                    }
                    div.form-field {
                        label for="f-find" { "搜索条目（名称、代码）" }
                        input #f-find type="search" name="find" value=(m.find);
                    }
                    button.secondary type="submit" name="step" value="find" { "搜索" }
                    @for e in &m.found {
                        div.form-field.check {
                            input id={ "f-add-" (e.id) } type="checkbox" name="related" value={ "#" (e.id) };
                            label for={ "f-add-" (e.id) } { "添加：" (e.data.name) "（#" (e.id) "，" (e.publication.label()) "）" }
                        }
                    }
                    @if !m.find.is_empty() && m.found.is_empty() { p.help { "没有找到匹配的条目。" } }
                }
                (super::entries::note_field(&f.note, m.note_required, &m.errors))
                div.form-actions {
                    button.secondary type="submit" name="step" value="preview" { "预览" }
                    button type="submit" name="step" value="save" { "保存草稿" }
                }
            }
        },
    )
}

pub struct ArticlePage<'a> {
    pub article: &'a Article,
    /// The body rendered as the public sees it.
    pub body: Markup,
    pub open: Option<&'a Change>,
    pub revisions: &'a [Revision],
    pub attachments: &'a [Attachment],
    pub can_review: bool,
    pub errors: FieldErrors,
}

pub fn show(ctx: &AdminCtx<'_>, m: &ArticlePage<'_>) -> Markup {
    let a = m.article;
    let upload = format!(
        "/admin/articles/{}/attachments?csrf_token={}",
        a.id,
        url::form_urlencoded::byte_serialize(ctx.csrf.as_bytes()).collect::<String>()
    );
    layout(
        ctx,
        &a.data.title,
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/articles" { "文章" } " › #" (a.id) }
            h1 { (a.data.title) " " (publication_badge(a.publication)) }
            @if a.publication == crate::domain::Publication::Published {
                p { a href={ "/articles/" (a.data.slug) } { "公开页面" } }
            }
            @if let Some(at) = a.withdrawn_at {
                div.form-error { "已于 " (china_minute(at)) " 撤回：" (a.withdrawal_reason) }
            }
            @if let Some(c) = m.open {
                section.block.open-change {
                    h2 { "待处理的修改" }
                    p { (state_of(c).label()) " · " (c.author) " · " (china_minute(c.updated_at)) }
                    p { a.button href={ "/admin/changes/" (c.id) } { "查看并处理这项修改" } }
                }
            }
            section.block.no-print {
                h2 { "操作" }
                ul.admin-links {
                    li { a href={ "/admin/articles/" (a.id) "/edit" } { "编辑" } }
                    @if m.can_review && a.publication == crate::domain::Publication::Published {
                        li { a href={ "/admin/articles/" (a.id) "/withdraw" } { "撤回" } "（公开页面改为显示撤回时间和原因）" }
                    }
                    li { a href={ "/admin/articles/" (a.id) "/history" } { "修改历史与版本比较" } }
                }
            }
            section.block {
                h2 { "附件" }
                @if m.attachments.is_empty() { p.help { "暂无附件。" } }
                ul.admin-links {
                    @for f in m.attachments {
                        li {
                            a href={ "/admin/attachments/" (f.id) } { (f.file_name) }
                            " " span.muted { (human_size(f.size)) } br;
                            "插入代码："
                            @if f.content_type.starts_with("image/") {
                                code { "![" (f.file_name) "](/attachments/" (f.id) "/" (f.file_name) ")" }
                            } @else {
                                code { "[" (f.file_name) "](/attachments/" (f.id) "/" (f.file_name) ")" }
                            }
                        }
                    }
                }
                form.no-print method="post" action=(upload) enctype="multipart/form-data" {
                    div.form-field.has-error[m.errors.get("file").is_some()] {
                        label for="f-file" { "上传附件（PDF 或图片，最大 10 MB）" }
                        @if let Some(e) = m.errors.get("file") {
                            p.field-error #f-file-error role="alert" { span.visually-hidden { "错误：" } (e) }
                        }
                        input #f-file type="file" name="file" accept=".pdf,.png,.jpg,.jpeg,.gif,.webp"
                            aria-invalid=[m.errors.get("file").map(|_| "true")]
                            aria-describedby=[m.errors.get("file").map(|_| "f-file-error")];
                    }
                    button type="submit" { "上传" }
                }
            }
            h2 { "当前内容" }
            dl.record {
                div { dt { "类别" } dd { (a.data.kind.label()) } }
                div { dt { "地址名" } dd { (a.data.slug) } }
                div { dt { "摘要" } dd { (a.data.summary) } }
            }
            div.prose { (m.body) }
            @if !m.revisions.is_empty() {
                h2 { "最近修改" }
                (super::entries::revision_list(m.revisions, &format!("/admin/articles/{}", a.id)))
            }
        },
    )
}

pub fn withdraw_confirm(
    ctx: &AdminCtx<'_>,
    a: &Article,
    reason: &str,
    errors: &FieldErrors,
) -> Markup {
    let fields = [("reason", "f-reason".to_string(), "撤回原因".to_string())];
    let label = html! { "撤回原因 " span.required { "（必填，公众可见）" } };
    layout(
        ctx,
        &title_with_errors(errors, &format!("撤回文章：{}", a.data.title)),
        html! {
            nav.breadcrumb aria-label="位置" { a href="/admin/articles" { "文章" } " › " a href={ "/admin/articles/" (a.id) } { (a.data.title) } " › 撤回" }
            h1 { "确认撤回“" (a.data.title) "”？" }
            (error_summary(errors, &fields))
            div.warning-box {
                p { strong { "此操作立即生效。" } }
                p { "撤回后，文章内容不再公开；原地址显示“本文已撤回”及撤回时间和原因。" }
            }
            form method="post" action={ "/admin/articles/" (a.id) "/withdraw" } {
                (csrf_field(ctx.csrf))
                input type="hidden" name="version" value=(a.version);
                (text_area(errors, "reason", "f-reason", label, reason, 2, None))
                div.form-actions {
                    button.danger type="submit" { "确认撤回" }
                    a href={ "/admin/articles/" (a.id) } { "取消，返回文章" }
                }
            }
        },
    )
}
