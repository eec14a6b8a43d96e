//! The search page: entries and articles in tabs, facets with counts, highlighted matches, a
//! clear verdict, and a receipt that prints with the query, the time and a URL that re-runs it.

use maud::{Markup, html};

use super::components::{no_hit_guidance, pagination, status_badge};
use super::{PageCtx, layout};
use crate::domain::dates::iso;
use crate::domain::{Category, EntryStatus, ListKind};
use crate::lookup::{Facets, Filters};
use crate::store::{Article, Entry, Public};

/// Text in runs, each flagged when it matched the query (`<mark>`).
pub type Marked = Vec<(String, bool)>;

/// An entry found, with the matching parts of its name and aliases marked.
pub struct HitView {
    pub entry: Public<Entry>,
    pub name: Marked,
    pub aliases: Vec<Marked>,
}

/// An article found, with the matching parts of its title and summary marked.
pub struct ArticleHitView {
    pub article: Public<Article>,
    pub title: Marked,
    pub summary: Marked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Entries,
    Articles,
}

pub struct SearchPage {
    pub q: String,
    /// Something searchable was typed.
    pub searched: bool,
    /// A note about the query (a failed credit-code check, say).
    pub hint: Option<String>,
    /// Invisible characters (such as a right-to-left override) were removed from the query.
    pub hidden_removed: bool,
    pub tab: Tab,
    pub filters: Filters,
    pub hits: Vec<HitView>,
    pub entry_total: usize,
    pub capped: bool,
    pub facets: Facets,
    pub degraded: bool,
    /// Why results by part of a name may miss the newest entries (the index is behind).
    pub index_lag: Option<String>,
    pub articles: Vec<ArticleHitView>,
    pub article_total: usize,
    pub page: u32,
    pub per_page: u32,
    /// `2026-11-28 14:05` (China Standard Time).
    pub looked_up_at: String,
    /// The URL that re-runs this lookup.
    pub url: String,
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The search URL for this query with the given filters and tab.
fn link(m: &SearchPage, tab: Tab, filters: &Filters) -> String {
    let mut url = format!("/search?q={}", urlencode(&m.q));
    if tab == Tab::Articles {
        url.push_str("&tab=articles");
    }
    if let Some(l) = filters.list {
        url.push_str(&format!("&list={}", l.key()));
    }
    if let Some(c) = filters.category {
        url.push_str(&format!("&category={}", c.key()));
    }
    if let Some(s) = filters.status {
        url.push_str(&format!("&status={}", s.key()));
    }
    if let Some(y) = filters.year {
        url.push_str(&format!("&year={y}"));
    }
    url
}

fn marked(runs: &Marked) -> Markup {
    html! {
        @for (part, hit) in runs {
            @if *hit { mark { (part) } } @else { (part) }
        }
    }
}

fn verdict(m: &SearchPage) -> Markup {
    let (listed, removed) = (
        m.facets.count(EntryStatus::Listed),
        m.facets.count(EntryStatus::Removed),
    );
    let more = if m.capped { "至少 " } else { "" };
    html! {
        @if listed + removed == 0 {
            p.verdict.verdict-none role="status" {
                "未查询到：名单中没有与“" bdi { (m.q) } "”相符的记录。"
            }
        } @else if listed > 0 {
            p.verdict.verdict-listed role="status" {
                "在列：查询到 " (more) (listed) " 条在列记录"
                @if removed > 0 { "，另有 " (removed) " 条已移出记录" }
                "。请核对名称、统一社会信用代码等信息是否一致。"
            }
        } @else {
            p.verdict.verdict-removed role="status" {
                "已移出：查询到 " (removed) " 条记录，均为“已移出”（目前不在列，仅作历史公示）。"
            }
        }
    }
}

fn facet_group<T: Copy + PartialEq>(
    m: &SearchPage,
    title: &str,
    values: &[(T, String, usize)],
    current: Option<T>,
    set: impl Fn(&mut Filters, Option<T>),
) -> Markup {
    if values.is_empty() {
        return html! {};
    }
    let items: Vec<(String, &String, usize, bool)> = values
        .iter()
        .map(|(v, label, n)| {
            let selected = current == Some(*v);
            let mut f = m.filters.clone();
            set(&mut f, if selected { None } else { Some(*v) });
            (link(m, Tab::Entries, &f), label, *n, selected)
        })
        .collect();
    html! {
        div.facet {
            h3 { (title) }
            ul {
                @for (href, label, n, selected) in items {
                    li {
                        a href=(href) aria-current=[selected.then_some("true")] {
                            (label) " (" (n) ")"
                            @if selected { span.visually-hidden { "，已选中，点击取消" } }
                        }
                    }
                }
            }
        }
    }
}

fn facets(m: &SearchPage) -> Markup {
    let f = &m.facets;
    let lists: Vec<(ListKind, String, usize)> = f
        .list
        .iter()
        .map(|(l, n)| (*l, l.label().to_string(), *n))
        .collect();
    let categories: Vec<(Category, String, usize)> = f
        .category
        .iter()
        .map(|(c, n)| (*c, c.label().to_string(), *n))
        .collect();
    let statuses: Vec<(EntryStatus, String, usize)> = f
        .status
        .iter()
        .map(|(s, n)| (*s, s.label().to_string(), *n))
        .collect();
    let years: Vec<(i32, String, usize)> = f
        .year
        .iter()
        .rev()
        .map(|(y, n)| (*y, format!("{y}年"), *n))
        .collect();
    html! {
        aside.facets.no-print aria-label="筛选结果" {
            (facet_group(m, "名单类型", &lists, m.filters.list, |f, v| f.list = v))
            (facet_group(m, "状态", &statuses, m.filters.status, |f, v| f.status = v))
            (facet_group(m, "业态", &categories, m.filters.category, |f, v| f.category = v))
            (facet_group(m, "列入年份", &years, m.filters.year, |f, v| f.year = v))
        }
    }
}

fn entry_result(h: &HitView) -> Markup {
    let e = &h.entry;
    let d = &e.data;
    html! {
        li.card.entry-card {
            h3 {
                a href={ "/entries/" (e.id) } { (marked(&h.name)) }
                " " (status_badge(d.status))
            }
            @if !h.aliases.is_empty() {
                p.aliases { "别名：" @for (i, a) in h.aliases.iter().enumerate() {
                    @if i > 0 { "、" } (marked(a))
                } }
            }
            dl.facts {
                div { dt { "名单类型" } dd { (d.list.label()) } }
                div { dt { "业态" } dd { (d.category.label()) } }
                @if let Some(l) = d.listed_on { div { dt { "列入日期" } dd { (iso(l)) } } }
                @if let Some(r) = d.removed_on { div { dt { "移出日期" } dd { (iso(r)) } } }
                @if let Some(code) = &d.credit_code { div { dt { "统一社会信用代码" } dd.code { (code) } } }
                @if !d.websites.is_empty() { div { dt { "网址" } dd { (d.websites.join("、")) } } }
            }
        }
    }
}

pub fn page(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    let searched = m.searched;
    let body = html! {
        h1 { "名单查询" }
        (super::components::lookup_form(&m.q, false))
        @if m.hidden_removed {
            p.hint role="note" { "查询内容中含有不可见的控制字符（如文字方向控制符），已删除后按下方“查询内容”所示文字查询。" }
        }
        @if let Some(h) = &m.hint { p.hint role="note" { (h) } }
        @if m.degraded {
            p.hint role="note" { "检索服务暂时不可用，以下为简易查询结果（按名称、别名、代码和网址的连续文字匹配），可能不完整。" }
        }
        @if let Some(lag) = &m.index_lag {
            p.hint.index-lag role="note" { (lag) }
        }
        @if searched {
            nav.tabs.no-print aria-label="结果类型" {
                a href=(link(m, Tab::Entries, &m.filters)) aria-current=[(m.tab == Tab::Entries).then_some("page")] {
                    "名单记录（" (m.entry_total) "）"
                }
                a href=(link(m, Tab::Articles, &Filters::default())) aria-current=[(m.tab == Tab::Articles).then_some("page")] {
                    "相关文章（" (m.article_total) "）"
                }
            }
            @match m.tab {
                Tab::Entries => {
                    section.receipt aria-labelledby="receipt-title" {
                        h2 #receipt-title .visually-hidden { "查询结果" }
                        (verdict(m))
                        dl.receipt-facts {
                            div { dt { "查询内容" } dd { bdi { (m.q) } } }
                            div { dt { "查询时间" } dd { (m.looked_up_at) "（北京时间）" } }
                            div { dt { "查询网站" } dd { (ctx.site.site_name) } }
                            div { dt { "结果链接" } dd.url { (m.url) } }
                        }
                        @if m.entry_total == 0 && m.facets.status.is_empty() {
                            (no_hit_guidance(&ctx.site.hotline))
                        } @else {
                            div.results {
                                (facets(m))
                                div.result-list {
                                    @if m.hits.is_empty() {
                                        p.muted { "当前筛选条件下没有记录。" }
                                    } @else {
                                        ul.cards { @for h in &m.hits { (entry_result(h)) } }
                                    }
                                    (pagination(&link(m, Tab::Entries, &m.filters), m.page, m.entry_total as i64, m.per_page))
                                }
                            }
                            p.muted { "未列入名单不代表该平台合法合规。" a href="/pages/disclaimer" { "免责声明" } }
                        }
                        p.print-note { "如需留存，可使用浏览器的“打印”功能打印本页或另存为 PDF。" }
                    }
                }
                Tab::Articles => {
                    section aria-label="相关文章" {
                        @if m.articles.is_empty() {
                            p.verdict.verdict-none role="status" { "没有找到包含“" bdi { (m.q) } "”的文章。" }
                        } @else {
                            ul.article-list.long {
                                @for a in &m.articles {
                                    li.article-item {
                                        a href={ "/articles/" (a.article.data.slug) } { (marked(&a.title)) }
                                        " "
                                        span.muted { (a.article.data.kind.label()) }
                                    }
                                    @if !a.summary.is_empty() {
                                        li.summary aria-hidden="true" { (marked(&a.summary)) }
                                    }
                                }
                            }
                            (pagination(&link(m, Tab::Articles, &Filters::default()), m.page, m.article_total as i64, m.per_page))
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
