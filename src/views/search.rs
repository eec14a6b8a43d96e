//! The search page, answer first: a verdict that names the entries it rests on, the real
//! matches, similar names apart (they never make the answer), then the details of the lookup
//! (query, time, a readable URL and a QR code that re-run it) which also head the printout.

use maud::{Markup, html};

use super::components::{no_hit_guidance, pagination, qr_code, status_badge};
use super::{PageCtx, layout};
use crate::domain::dates::iso;
use crate::domain::{Category, EntryStatus, ListKind};
use crate::lookup::{EntryHit, Facets, Filters, Match, MatchKind, Verdict};
use crate::store::{Article, Entry, Public};

/// Text in runs, each flagged when it matched the query (`<mark>`).
pub type Marked = Vec<(String, bool)>;

/// An entry found, how it matched, and the matching parts of its name and aliases marked.
pub struct HitView {
    pub entry: Public<Entry>,
    pub matched: Match,
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
    pub verdict: Verdict,
    /// The real matches (exact or contains) the verdict rests on, before the filters.
    pub matched: Vec<EntryHit>,
    /// How many similar hits there are, before the filters.
    pub similar_total: usize,
    /// This page of hits, after the filters.
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
    /// The same URL for people to read and type: Chinese as it is, not percent-escaped.
    pub readable_url: String,
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A query value for a URL people read: letters and digits of any script as they are, every
/// other character percent-escaped, so that the URL still re-runs the same lookup when typed.
pub fn readable_query(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The search URL for this query with the given filters and tab.
fn link(ctx: &PageCtx<'_>, m: &SearchPage, tab: Tab, filters: &Filters) -> String {
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
    ctx.href(&url)
}

fn marked(runs: &Marked) -> Markup {
    html! {
        @for (part, hit) in runs {
            @if *hit { mark { (part) } } @else { (part) }
        }
    }
}

/// The answer in a word or two, for the title and the lookup details.
fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Listed => "在列",
        Verdict::Removed => "已移出",
        Verdict::Similar => "未查询到一致记录（有相近名称）",
        Verdict::None => "未查询到",
    }
}

/// The title of the page: the query first, so that a saved PDF gets a useful name.
fn title(m: &SearchPage) -> String {
    if m.searched {
        format!("“{}”的查询结果：{}", m.q, verdict_word(m.verdict))
    } else {
        "名单查询".to_string()
    }
}

/// How many entries the verdict box names before it says "等".
const NAMED: usize = 5;

/// One entry the verdict rests on: its name, list and the date that matters for its status.
fn named_entry(ctx: &PageCtx<'_>, e: &Entry) -> Markup {
    let d = &e.data;
    html! {
        li {
            a href=(ctx.href(&format!("/entries/{}", e.id))) { (d.name) }
            span.named-facts {
                (d.list.label())
                @match d.status {
                    // The label and the date each stay whole; the line may break between.
                    EntryStatus::Listed => @if let Some(l) = d.listed_on {
                        "，" span.nowrap { "列入日期" } " " span.nowrap { (iso(l)) }
                    },
                    EntryStatus::Removed => {
                        "，已移出"
                        @if let Some(r) = d.removed_on {
                            "，" span.nowrap { "移出日期" } " " span.nowrap { (iso(r)) }
                        }
                    },
                }
            }
        }
    }
}

fn named_list(ctx: &PageCtx<'_>, entries: &[&Entry]) -> Markup {
    html! {
        ul.named {
            @for e in entries.iter().take(NAMED) { (named_entry(ctx, e)) }
            @if entries.len() > NAMED {
                li.muted { "等共 " (entries.len()) " 条，见下方列表" }
            }
        }
    }
}

/// What 已移出 means, wherever a removed entry is part of the answer.
fn removed_note() -> Markup {
    html! {
        p.verdict-note {
            strong { "已移出不等于安全：" }
            "“已移出”只表示该主体目前不在名单中，不代表其合法合规，也不代表相关风险已经消除。"
            "投资、借贷前请通过金融管理部门官方渠道核实其资质。"
        }
    }
}

fn verdict(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    let with = |status: EntryStatus| -> Vec<&Entry> {
        m.matched
            .iter()
            .map(|h| &*h.entry)
            .filter(|e| e.data.status == status)
            .collect()
    };
    let (listed, removed) = (with(EntryStatus::Listed), with(EntryStatus::Removed));
    let more = if m.capped { "至少 " } else { "" };
    html! {
        @match m.verdict {
            Verdict::Listed => div.verdict.verdict-listed role="status" {
                p.verdict-head {
                    strong.verdict-word { "在列" } span.visually-hidden { "：" }
                    "查询到与“" bdi { (m.q) } "”相符的在列记录 " (more) (listed.len()) " 条："
                }
                (named_list(ctx, &listed))
                @if !removed.is_empty() {
                    p.verdict-sub { "另有已移出记录 " (removed.len()) " 条（目前不在名单中）：" }
                    (named_list(ctx, &removed))
                }
                p.verdict-note { "请核对名称、统一社会信用代码等信息是否与您了解的平台一致。" }
                @if !removed.is_empty() {
                    p.verdict-note { "“已移出”只表示目前不在名单中，不代表合法合规。" }
                }
            },
            Verdict::Removed => div.verdict.verdict-removed role="status" {
                p.verdict-head {
                    strong.verdict-word { "已移出" } span.visually-hidden { "：" }
                    "查询到与“" bdi { (m.q) } "”相符的记录 " (removed.len()) " 条，均已移出名单，目前不在列："
                }
                (named_list(ctx, &removed))
                (removed_note())
            },
            Verdict::Similar => div.verdict.verdict-similar role="status" {
                p.verdict-head {
                    strong.verdict-word { "未查询到一致的记录" } span.visually-hidden { "：" }
                    "名单中没有与“" bdi { (m.q) } "”一致或包含该名称的记录。"
                }
                p.verdict-note {
                    "下方列出 " (m.similar_total) " 个读音或写法相近的名称，它们不是查询结论，请核对是否为同一主体。"
                }
            },
            Verdict::None => div.verdict.verdict-none role="status" {
                p.verdict-head {
                    strong.verdict-word { "未查询到" } span.visually-hidden { "：" }
                    "名单中没有与“" bdi { (m.q) } "”相符的记录。"
                }
            },
        }
    }
}

fn entry_result(ctx: &PageCtx<'_>, m: &SearchPage, h: &HitView) -> Markup {
    let e = &h.entry;
    let d = &e.data;
    let similar = h.matched.kind() == MatchKind::Similar;
    html! {
        li.card.entry-card.card-similar[similar] {
            h3 {
                a href=(ctx.href(&format!("/entries/{}", e.id))) { (marked(&h.name)) }
                " " (status_badge(d.status))
            }
            @if !h.aliases.is_empty() {
                p.aliases { "别名：" @for (i, a) in h.aliases.iter().enumerate() {
                    @if i > 0 { "、" } (marked(a))
                } }
            }
            p.match-basis {
                span.nowrap { @if similar { "相近原因：" } @else { "匹配依据：" } }
                (h.matched.basis.explain(&m.q))
            }
            dl.facts {
                div { dt { "名单类型" } dd { (d.list.label()) } }
                div { dt { "业态" } dd { (d.category.label()) } }
                @if let Some(l) = d.listed_on { div { dt { "列入日期" } dd.nowrap { (iso(l)) } } }
                @if let Some(r) = d.removed_on { div { dt { "移出日期" } dd.nowrap { (iso(r)) } } }
                @if let Some(code) = &d.credit_code { div { dt { "统一社会信用代码" } dd { span.code { (code) } } } }
                // Never a link: a resident must not be one click from a listed platform.
                @if !d.websites.is_empty() { div { dt { "网址" } dd { (d.websites.join("、")) } } }
            }
        }
    }
}

fn facet_group<T: Copy + PartialEq>(
    ctx: &PageCtx<'_>,
    m: &SearchPage,
    title: &str,
    values: &[(T, String, usize)],
    current: Option<T>,
    set: impl Fn(&mut Filters, Option<T>),
) -> Option<Markup> {
    // A group with one value cannot narrow anything (unless it is the one selected).
    if values.len() < 2 && current.is_none() {
        return None;
    }
    let items: Vec<(String, &String, usize, bool)> = values
        .iter()
        .map(|(v, label, n)| {
            let selected = current == Some(*v);
            let mut f = m.filters.clone();
            set(&mut f, if selected { None } else { Some(*v) });
            (link(ctx, m, Tab::Entries, &f), label, *n, selected)
        })
        .collect();
    Some(html! {
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
    })
}

/// Facets help only when there are many hits to narrow, or a filter to undo.
const FACETS_FROM: usize = 10;

fn facets(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    let f = &m.facets;
    let filtered = m.filters != Filters::default();
    if !filtered && f.total() < FACETS_FROM {
        return html! {};
    }
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
    let groups: Vec<Markup> = [
        facet_group(ctx, m, "名单类型", &lists, m.filters.list, |f, v| {
            f.list = v
        }),
        facet_group(ctx, m, "状态", &statuses, m.filters.status, |f, v| {
            f.status = v
        }),
        facet_group(ctx, m, "业态", &categories, m.filters.category, |f, v| {
            f.category = v
        }),
        facet_group(ctx, m, "列入年份", &years, m.filters.year, |f, v| {
            f.year = v
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if groups.is_empty() {
        return html! {};
    }
    let counted = if m.matched.is_empty() {
        "相近名称"
    } else {
        "相符记录"
    };
    html! {
        aside.facets.no-print aria-labelledby="facets-title" {
            h2 #facets-title { "筛选" span.muted { "（按" (counted) "计数）" } }
            @for g in &groups { (g) }
        }
    }
}

/// The heading of the similar names, which never make the answer.
fn similar_heading(m: &SearchPage) -> String {
    if m.matched.is_empty() {
        format!(
            "未查询到与“{}”完全一致的记录；以下名称读音或写法相近，请核对是否为同一主体",
            m.q
        )
    } else {
        format!(
            "以下名称与“{}”读音或写法相近，不属于上述查询结论，请注意区分",
            m.q
        )
    }
}

fn results(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    let (real, similar): (Vec<&HitView>, Vec<&HitView>) =
        m.hits.iter().partition(|h| h.matched.kind().is_real());
    html! {
        @if !real.is_empty() {
            section.matches aria-labelledby="matches-title" {
                h2 #matches-title .visually-hidden { "相符的记录" }
                ul.cards { @for h in &real { (entry_result(ctx, m, h)) } }
            }
        }
        @if !similar.is_empty() {
            section.similar aria-labelledby="similar-title" {
                h2 #similar-title { (similar_heading(m)) }
                ul.cards { @for h in &similar { (entry_result(ctx, m, h)) } }
            }
        }
        @if m.hits.is_empty() && m.verdict != Verdict::None {
            p.muted { "当前筛选条件下没有记录。" }
        }
        (pagination(&link(ctx, m, Tab::Entries, &m.filters), m.page, m.entry_total as i64, m.per_page))
    }
}

/// Query, time, answer and a URL that re-runs the lookup: below the results on screen, at the
/// top of the printout, with a QR code for whoever holds the paper.
fn lookup_details(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    // A QR code of a relative path would lead nowhere from paper.
    let absolute = m.url.starts_with("http://") || m.url.starts_with("https://");
    html! {
        section.lookup-details aria-labelledby="details-title" {
            h2 #details-title { "查询凭证" }
            div.details-body {
                dl.receipt-facts {
                    div { dt { "查询内容" } dd { bdi { (m.q) } } }
                    div { dt { "查询时间" } dd {
                        @for (i, part) in m.looked_up_at.split(' ').enumerate() {
                            @if i > 0 { " " } span.nowrap { (part) }
                        }
                        "（北京时间）"
                    } }
                    div { dt { "查询结论" } dd { (verdict_word(m.verdict)) } }
                    div { dt { "查询网站" } dd { (ctx.site.site_name) } }
                    div { dt { "重新查询" } dd.url { a href=(m.url) { (m.readable_url) } } }
                }
                @if absolute {
                    figure.qr {
                        (qr_code(&m.url, "重新查询本结果的二维码"))
                        figcaption { "扫码重新查询" }
                    }
                }
            }
            p.print-note { "如需留存，可使用浏览器的“打印”功能打印本页或另存为 PDF，打印件包含以上链接和二维码。查询结果仅反映查询时本站公示的信息。" }
        }
    }
}

fn entries_tab(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    let real = !m.matched.is_empty();
    html! {
        div.answer {
            (verdict(ctx, m))
            (results(ctx, m))
            (facets(ctx, m))
            @if !real {
                (no_hit_guidance(&ctx.site.hotline))
            } @else {
                p.muted { "未列入名单不代表该平台合法合规。" a href=(ctx.href("/pages/disclaimer")) { "免责声明" } }
            }
            (lookup_details(ctx, m))
        }
    }
}

fn articles_tab(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    html! {
        section aria-label="相关文章" {
            @if m.articles.is_empty() {
                p.verdict.verdict-none role="status" { "没有找到包含“" bdi { (m.q) } "”的文章。" }
            } @else {
                ul.article-list.long {
                    @for a in &m.articles {
                        li.article-item {
                            a href=(ctx.href(&format!("/articles/{}", a.article.data.slug))) { (marked(&a.title)) }
                            " "
                            span.muted { (a.article.data.kind.label()) }
                        }
                        @if !a.summary.is_empty() {
                            li.summary aria-hidden="true" { (marked(&a.summary)) }
                        }
                    }
                }
                (pagination(&link(ctx, m, Tab::Articles, &Filters::default()), m.page, m.article_total as i64, m.per_page))
            }
        }
    }
}

pub fn page(ctx: &PageCtx<'_>, m: &SearchPage) -> Markup {
    let body = html! {
        // On an answer the heading and the help give way to it (the help stays the box's
        // description for screen readers).
        h1.search-title.visually-hidden[m.searched] { "名单查询" }
        div.answered[m.searched] { (super::components::lookup_form(ctx, &m.q, false)) }
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
        @if m.searched {
            nav.tabs.no-print aria-label="结果类型" {
                a href=(link(ctx, m, Tab::Entries, &m.filters)) aria-current=[(m.tab == Tab::Entries).then_some("page")] {
                    "名单记录（" (m.entry_total) "）"
                }
                a href=(link(ctx, m, Tab::Articles, &Filters::default())) aria-current=[(m.tab == Tab::Articles).then_some("page")] {
                    "相关文章（" (m.article_total) "）"
                }
            }
            @match m.tab {
                Tab::Entries => (entries_tab(ctx, m)),
                Tab::Articles => (articles_tab(ctx, m)),
            }
        } @else if !m.q.is_empty() {
            p.verdict.verdict-none role="status" { "请输入名称、网址或统一社会信用代码中的文字或数字后再查询。" }
        }
    };
    layout(ctx, &title(m), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_urls_keep_chinese_and_escape_the_rest() {
        assert_eq!(readable_query("钱满仓"), "钱满仓");
        assert_eq!(readable_query("ABC 稳盈&x"), "ABC%20稳盈%26x");
        assert_eq!(
            readable_query("https://a.cn/?x=1"),
            "https%3A%2F%2Fa.cn%2F%3Fx%3D1"
        );
    }
}
