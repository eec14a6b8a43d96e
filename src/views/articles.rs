//! Article lists (风险提示, 以案说法, 通知公告) and article pages.

use maud::{Markup, html};

use super::components::{article_item, pagination, status_badge};
use super::layout::excerpt;
use super::{Meta, PageCtx, layout, page};
use crate::domain::ArticleKind;
use crate::domain::dates::{china_minute, iso};
use crate::store::{Article, Attachment, Entry, Public, Revision, WithdrawnNotice};

pub struct ArticleList {
    pub kind: ArticleKind,
    pub articles: Vec<Public<Article>>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

pub fn list(ctx: &PageCtx<'_>, m: &ArticleList) -> Markup {
    let body = html! {
        h1 { (m.kind.label()) }
        @if m.articles.is_empty() {
            p.muted { "暂无内容。" }
        } @else {
            ul.article-list.long {
                @for a in &m.articles {
                    (article_item(ctx, a))
                    @if !a.data.summary.is_empty() { li.summary aria-hidden="true" { (a.data.summary) } }
                }
            }
        }
        (pagination(&ctx.href(m.kind.path()), m.page, m.total, m.per_page))
    };
    layout(ctx, m.kind.label(), body)
}

pub struct ArticlePage {
    pub article: Public<Article>,
    /// The rendered body.
    pub body: Markup,
    pub entries: Vec<Public<Entry>>,
    pub revisions: Vec<Revision>,
    pub attachments: Vec<Attachment>,
}

/// `1.2 MB`, `340 KB`.
pub fn human_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// The page a withdrawn article keeps: that it was withdrawn, when and why.
pub fn withdrawn(ctx: &PageCtx<'_>, n: &WithdrawnNotice) -> Markup {
    let body = html! {
        nav.breadcrumb aria-label="位置" { a href=(n.kind.path()) { (n.kind.label()) } " › 正文" }
        article.article {
            h1 { (n.title) }
            div.banner.banner-removed role="status" {
                strong { "本文已撤回。" }
                "撤回时间：" (china_minute(n.withdrawn_at)) "（北京时间）"
                @if !n.reason.is_empty() { "；撤回原因：" (n.reason) }
                "。本文内容不再公开，请以本站最新发布的信息为准。"
            }
        }
    };
    layout(ctx, &n.title, body)
}

pub fn show(ctx: &PageCtx<'_>, m: &ArticlePage) -> Markup {
    let a = &m.article.data;
    let updates: Vec<&Revision> = m
        .revisions
        .iter()
        .filter(|r| !r.changed.is_empty())
        .collect();
    let body = html! {
        nav.breadcrumb aria-label="位置" { a href=(ctx.href(a.kind.path())) { (a.kind.label()) } " › 正文" }
        article.article {
            h1 { (a.title) }
            p.meta {
                @if let Some(no) = &a.doc_no { span { (no) } }
                span { "发布日期：" time datetime=(iso(a.published_on)) { (iso(a.published_on)) } }
                @if let Some(last) = updates.first() { span { "更新：" (china_minute(last.changed_at)) } }
            }
            @if !a.tags.is_empty() {
                ul.tags aria-label="标签" { @for t in &a.tags { li { (t) } } }
            }
            @if !a.summary.is_empty() { p.summary-lead { (a.summary) } }
            div.prose { (m.body) }
            @if !m.attachments.is_empty() {
                section.block aria-labelledby="attachments-title" {
                    h2 #attachments-title { "附件" }
                    ul.article-list {
                        @for f in &m.attachments {
                            li {
                                a href={ "/attachments/" (f.id) "/" (f.file_name) } { (f.file_name) }
                                " " span.muted { "（" (human_size(f.size)) "）" }
                            }
                        }
                    }
                }
            }
        }
        @if !m.entries.is_empty() {
            section.block {
                h2 { "涉及的名单条目" }
                ul.article-list {
                    @for e in &m.entries {
                        li { a href=(ctx.href(&format!("/entries/{}", e.id))) { (e.data.name) } " " (status_badge(e.data.status)) }
                    }
                }
            }
        }
        @if !updates.is_empty() {
            section.block {
                h2 { "更新记录" }
                ol.history {
                    @for r in &updates {
                        li { time { (china_minute(r.changed_at)) } " 更新：" (r.changed.join("、"))
                            @if !r.note.is_empty() { "。更新说明：" (r.note) } }
                    }
                }
            }
        }
    };
    let description = if a.summary.is_empty() {
        format!("{}：{}", a.kind.label(), a.title)
    } else {
        excerpt(&a.summary, 120)
    };
    page(
        ctx,
        &Meta {
            title: &a.title,
            description: Some(description),
            kind: "article",
        },
        body,
    )
}
