//! The home page: the lookup box first, then what is new.

use maud::{Markup, html};

use super::components::{article_item, lookup_form};
use super::{PageCtx, layout};
use crate::domain::{EntryStatus, ListKind};
use crate::store::{Article, ListCount, Public};

pub struct Home {
    pub counts: Vec<ListCount>,
    pub warnings: Vec<Public<Article>>,
    pub cases: Vec<Public<Article>>,
    pub notices: Vec<Public<Article>>,
}

fn count(counts: &[ListCount], list: Option<ListKind>, status: EntryStatus) -> i64 {
    counts
        .iter()
        .filter(|c| list.is_none_or(|l| c.list == l) && c.status == status)
        .map(|c| c.count)
        .sum()
}

fn article_block(ctx: &PageCtx<'_>, title: &str, href: &str, items: &[Public<Article>]) -> Markup {
    html! {
        section.block {
            h2 { (title) }
            @if items.is_empty() {
                p.muted { "暂无内容。" }
            } @else {
                ul.article-list { @for a in items { (article_item(ctx, a)) } }
            }
            p.more { a href=(ctx.href(href)) { "查看全部" (title) } }
        }
    }
}

pub fn page(ctx: &PageCtx<'_>, home: &Home) -> Markup {
    let body = html! {
        section.hero {
            h1 { "互联网金融风险警示与名单公示" }
            (lookup_form(ctx, "", true))
        }
        section.block aria-labelledby="counts-title" {
            h2 #counts-title { "名单概况" }
            ul.counts {
                @for list in ListKind::ALL {
                    li {
                        a href=(ctx.href(&format!("/entries?list={}&status=listed", list.key()))) {
                            span.count-number { (count(&home.counts, Some(*list), EntryStatus::Listed)) }
                            span.count-label { (list.label()) "（在列）" }
                        }
                    }
                }
                li {
                    a href=(ctx.href("/entries?status=removed")) {
                        span.count-number { (count(&home.counts, None, EntryStatus::Removed)) }
                        span.count-label { "已移出（仍在公示期）" }
                    }
                }
            }
        }
        div.columns {
            (article_block(ctx, "风险提示", "/warnings", &home.warnings))
            (article_block(ctx, "以案说法", "/cases", &home.cases))
        }
        (article_block(ctx, "通知公告", "/notices", &home.notices))
        aside.block.callout {
            p { strong { "提醒：" } "未列入名单不代表该平台合法合规。" a href=(ctx.href("/pages/disclaimer")) { "阅读免责声明" } }
        }
    };
    layout(ctx, "首页", body)
}
