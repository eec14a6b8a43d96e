//! The 名单公示 list and the entry page.

use maud::{Markup, html};

use super::components::{
    article_item, category_options, entry_card, list_options, pagination, status_badge,
    status_options,
};
use super::layout::excerpt;
use super::{Meta, PageCtx, layout, page};
use crate::domain::dates::{CHINA, china_minute, iso};
use crate::domain::entry::Field;
use crate::domain::{Category, EntryStatus, ListKind};
use crate::open_data::feeds::FeedKind;
use crate::store::{Article, Entry, EntrySort, Public, Revision};

pub struct EntryList {
    pub entries: Vec<Public<Entry>>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub list: Option<ListKind>,
    pub category: Option<Category>,
    pub status: Option<EntryStatus>,
    pub year: Option<i32>,
    pub years: Vec<i64>,
    pub sort: EntrySort,
    /// This list's URL without `page`, for pagination links.
    pub base: String,
}

pub fn list(ctx: &PageCtx<'_>, m: &EntryList) -> Markup {
    let sort_option = |value: &str, label: &str, s: EntrySort| {
        html! { option value=(value) selected[m.sort == s] { (label) } }
    };
    let body = html! {
        h1 { "名单公示" }
        p.lead { "以下为经认定列入名单、且仍在公示期内的机构。状态为“已移出”的机构已不在名单中，仅作历史公示。" }
        form.filters method="get" action=(ctx.href("/entries")) {
            div.field {
                label for="f-list" { "名单类型" }
                select #f-list name="list" { (list_options(m.list)) }
            }
            div.field {
                label for="f-category" { "业态" }
                select #f-category name="category" { (category_options(m.category)) }
            }
            div.field {
                label for="f-status" { "状态" }
                select #f-status name="status" { (status_options(m.status)) }
            }
            div.field {
                label for="f-year" { "列入年份" }
                select #f-year name="year" {
                    option value="" selected[m.year.is_none()] { "全部" }
                    @for y in &m.years {
                        option value=(y) selected[m.year.map(i64::from) == Some(*y)] { (y) "年" }
                    }
                }
            }
            div.field {
                label for="f-sort" { "排序" }
                select #f-sort name="sort" {
                    (sort_option("newest", "列入日期（新→旧）", EntrySort::Newest))
                    (sort_option("oldest", "列入日期（旧→新）", EntrySort::Oldest))
                    (sort_option("name", "名称", EntrySort::Name))
                }
            }
            div.field.actions {
                button type="submit" { "筛选" }
                a href=(ctx.href("/entries")) { "清除条件" }
            }
        }
        p.result-count role="status" { "共 " strong { (m.total) } " 条" }
        @if m.entries.is_empty() {
            p.muted { "没有符合条件的条目。" }
        } @else {
            h2.visually-hidden { "名单条目" }
            ul.cards { @for e in &m.entries { (entry_card(ctx, e)) } }
        }
        (pagination(&ctx.href(&m.base), m.page, m.total, m.per_page))
        p.downloads {
            "开放数据："
            a href=(api_href(m)) { "JSON 接口" }
            @if api_href(m).contains('?') { "（当前筛选条件）" }
            "；下载全部名单："
            a href="/data/entries.csv" { "CSV" } "、"
            a href="/data/entries.xlsx" { "XLSX" } "、"
            a href="/data/entries.json" { "JSON" }
            "；订阅名单变动："
            a href=(FeedKind::Changes.path()) type="application/atom+xml" { "Atom" }
            "；"
            a href=(ctx.href("/data/api")) { "接口说明" }
        }
    };
    layout(ctx, "名单公示", body)
}

/// The API's URL for the entries this list shows: the same filters.
fn api_href(m: &EntryList) -> String {
    let mut query: Vec<String> = Vec::new();
    if let Some(l) = m.list {
        query.push(format!("list={}", l.key()));
    }
    if let Some(c) = m.category {
        query.push(format!("category={}", c.key()));
    }
    if let Some(s) = m.status {
        query.push(format!("status={}", s.key()));
    }
    if let Some(y) = m.year {
        query.push(format!("year={y}"));
    }
    if query.is_empty() {
        "/api/v1/entries".to_string()
    } else {
        format!("/api/v1/entries?{}", query.join("&"))
    }
}

pub struct EntryPage {
    pub entry: Public<Entry>,
    pub revisions: Vec<Revision>,
    pub articles: Vec<Public<Article>>,
    /// When the page was made: a printout says so, with its URL.
    pub printed_at: time::OffsetDateTime,
}

/// What a search result or a shared link says about an entry.
fn description(d: &crate::domain::entry::EntryData) -> String {
    let mut out = format!("{}：{}，{}。", d.name, d.list.label(), d.status.label());
    if !d.reason.is_empty() {
        out.push_str(&format!("列入事由：{}", excerpt(&d.reason, 80)));
    }
    if !d.authority.is_empty() {
        out.push_str(&format!("（认定机关：{}）", d.authority));
    }
    out
}

/// The public history of an entry, newest first: its listing and removal (from 列入日期 and
/// 移出日期), and every recorded change to its record.
fn history(m: &EntryPage) -> Vec<(time::Date, String, Markup)> {
    let d = &m.entry.data;
    let mut items: Vec<(time::Date, String, Markup)> = Vec::new();
    if let Some(listed) = d.listed_on {
        items.push((
            listed,
            iso(listed),
            html! { "列入" (d.list.label()) @if !d.decision_no.is_empty() { "（" (d.decision_no) "）" } },
        ));
    }
    if let Some(removed) = d.removed_on {
        items.push((
            removed,
            iso(removed),
            html! { "移出名单" @if !d.removal_reason.is_empty() { "：" (d.removal_reason) } },
        ));
    }
    for r in &m.revisions {
        items.push((
            r.changed_at.to_offset(CHINA).date(),
            china_minute(r.changed_at),
            html! {
                @if r.changed.is_empty() { "信息首次录入" } @else { "信息更新：" (r.changed.join("、")) }
                @if !r.changed.is_empty() && !r.note.is_empty() { "。更新说明：" (r.note) }
            },
        ));
    }
    // Newest first; on the same day a listing or removal comes after the record's changes.
    items.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.len().cmp(&a.1.len())));
    items
}

fn row(field: Field, value: Markup) -> Markup {
    html! { div { dt { (field.label()) } dd { (value) } } }
}

fn text_row(field: Field, value: &str) -> Markup {
    if value.trim().is_empty() {
        return html! {};
    }
    row(field, html! { (value) })
}

pub fn show(ctx: &PageCtx<'_>, m: &EntryPage) -> Markup {
    let d = &m.entry.data;
    let status = d.status;
    let body = html! {
        nav.breadcrumb aria-label="位置" { a href=(ctx.href("/entries")) { "名单公示" } " › 条目详情" }
        h1 { (d.name) " " (status_badge(status)) }
        @match status {
            EntryStatus::Listed => div.banner.banner-listed role="status" {
                strong { "该主体目前在列。" }
                "已被列入" (d.list.label())
                @if let Some(l) = d.listed_on { "，列入日期 " (iso(l)) }
                "。请勿与其发生投融资往来。"
            },
            EntryStatus::Removed => div.banner.banner-removed role="status" {
                strong { "该主体已移出名单，目前不在列。" }
                @if let Some(r) = d.removed_on { "移出日期 " (iso(r)) "；" }
                @if !d.removal_reason.is_empty() { "移出原因：" (d.removal_reason) "；" }
                @if !d.removal_authority.is_empty() { "移出机关：" (d.removal_authority) "。" }
                "以下为历史公示信息。"
            },
        }
        dl.record {
            (text_row(Field::Name, &d.name))
            @if !d.aliases.is_empty() { (row(Field::Aliases, html! { (d.aliases.join("、")) })) }
            @if let Some(code) = &d.credit_code { (row(Field::CreditCode, html! { span.code { (code) } })) }
            (row(Field::Category, html! { (d.category.label()) }))
            (row(Field::List, html! { (d.list.label()) }))
            (row(Field::Status, html! { (status.label()) }))
            (text_row(Field::Reason, &d.reason))
            (text_row(Field::Basis, &d.basis))
            (text_row(Field::Authority, &d.authority))
            (text_row(Field::DecisionNo, &d.decision_no))
            @if let Some(l) = d.listed_on { (row(Field::ListedOn, html! { (iso(l)) })) }
            (text_row(Field::Measures, &d.measures))
            (text_row(Field::Remedy, &d.remedy))
            @if !d.websites.is_empty() { (row(Field::Websites, html! { (d.websites.join("、")) })) }
            @if !d.phones.is_empty() { (row(Field::Phones, html! { (d.phones.join("、")) })) }
            (text_row(Field::Address, &d.address))
            @if let Some(r) = d.removed_on { (row(Field::RemovedOn, html! { (iso(r)) })) }
            (text_row(Field::RemovalReason, &d.removal_reason))
            (text_row(Field::RemovalAuthority, &d.removal_authority))
            @if let Some(p) = d.publicity_ends_on { (row(Field::PublicityEndsOn, html! { (iso(p)) })) }
        }
        @if !m.articles.is_empty() {
            section.block.no-print {
                h2 { "相关文章" }
                ul.article-list { @for a in &m.articles { (article_item(ctx, a)) } }
            }
        }
        section.block.no-print {
            h2 { "变更记录" }
            ol.history {
                @for (_, when, what) in history(m) {
                    li { time { (when) } " " (what) }
                }
            }
        }
        p.muted { "如对公示信息有异议，请按上方“权利救济途径”办理，或拨打 " (ctx.site.hotline) " 咨询。" }
        div.print-only {
            p { "本页网址：" (ctx.canonical) }
            p { "打印时间：" (china_minute(m.printed_at)) "（北京时间）。公示信息以本站网页为准。" }
        }
    };
    page(
        ctx,
        &Meta {
            title: &d.name,
            description: Some(description(d)),
            kind: "article",
        },
        body,
    )
}
