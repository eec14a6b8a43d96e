//! The lookup page: a clear verdict, the matching entries and articles, and a receipt that
//! prints with the query, the time of the lookup and a URL that re-runs it.

use maud::{Markup, html};

use super::components::{entry_card, lookup_form, no_hit_guidance, pagination};
use super::{PageCtx, layout};
use crate::domain::EntryStatus;
use crate::store::{Article, Entry};

pub struct SearchPage {
    pub q: String,
    pub hint: Option<String>,
    /// False when the query held nothing searchable (only punctuation, say).
    pub searched: bool,
    pub entries: Vec<Entry>,
    pub total: i64,
    pub articles: Vec<Article>,
    pub page: u32,
    pub per_page: u32,
    /// `2026-11-28 14:05` (China Standard Time).
    pub looked_up_at: String,
    /// The URL that re-runs this lookup.
    pub url: String,
}

fn verdict(m: &SearchPage) -> Markup {
    let listed = m
        .entries
        .iter()
        .filter(|e| e.data.status() == EntryStatus::Listed)
        .count();
    let removed = m.entries.len() - listed;
    html! {
        @if m.total == 0 {
            p.verdict.verdict-none role="status" {
                "未查询到与“" (m.q) "”相符的名单记录。"
            }
        } @else if listed > 0 {
            p.verdict.verdict-listed role="status" {
                "查询到 " (m.total) " 条名单记录，"
                @if m.total as usize == m.entries.len() {
                    "其中在列 " (listed) " 条"
                    @if removed > 0 { "、已移出 " (removed) " 条" }
                    "。"
                } @else { "本页列出前 " (m.entries.len()) " 条。" }
            }
        } @else {
            p.verdict.verdict-removed role="status" {
                "查询到 " (m.total) " 条名单记录，均为“已移出”（目前不在列，仅作历史公示）。"
            }
        }
    }
}

pub fn page(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    let body = html! {
        h1 { "名单查询" }
        (lookup_form(&m.q, false))
        @if let Some(h) = &m.hint { p.hint role="note" { (h) } }
        @if m.searched {
            section.receipt aria-labelledby="receipt-title" {
                h2 #receipt-title .visually-hidden { "查询结果" }
                (verdict(m))
                dl.receipt-facts {
                    div { dt { "查询内容" } dd { (m.q) } }
                    div { dt { "查询时间" } dd { (m.looked_up_at) "（北京时间）" } }
                    div { dt { "查询网站" } dd { (ctx.site.site_name) } }
                    div { dt { "结果链接" } dd.url { (m.url) } }
                }
                @if m.total == 0 {
                    (no_hit_guidance(&ctx.site.hotline))
                } @else {
                    ul.cards { @for e in &m.entries { (entry_card(e)) } }
                    (pagination(&format!("/search?q={}", urlencode(&m.q)), m.page, m.total, m.per_page))
                }
                p.print-note { "如需留存，可使用浏览器的“打印”功能打印本页或另存为 PDF。" }
            }
            @if !m.articles.is_empty() {
                section.block.no-print {
                    h2 { "相关文章" }
                    ul.article-list {
                        @for a in &m.articles {
                            li { a href={ "/articles/" (a.data.slug) } { (a.data.title) } " " span.muted { (a.data.kind.label()) } }
                        }
                    }
                }
            }
        } @else if !m.q.is_empty() {
            p.verdict.verdict-none role="status" { "请输入名称、网址或统一社会信用代码中的文字或数字后再查询。" }
        }
    };
    layout(ctx, "名单查询", body)
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
