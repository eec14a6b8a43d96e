//! Small pieces shared by several pages.

use maud::{Markup, html};

use crate::domain::dates::iso;
use crate::domain::{Category, EntryStatus, ListKind};
use crate::store::{Article, Entry};
use crate::views::PageCtx;

/// 在列 / 已移出, coloured and worded so that nobody reads a removed firm as listed.
pub fn status_badge(status: EntryStatus) -> Markup {
    match status {
        EntryStatus::Listed => html! { span.badge.badge-listed { "在列" } },
        EntryStatus::Removed => html! { span.badge.badge-removed { "已移出" } },
    }
}

/// One entry in a list of results.
pub fn entry_card(ctx: &PageCtx<'_>, e: &Entry) -> Markup {
    let d = &e.data;
    html! {
        li.card.entry-card {
            h3 {
                a href=(ctx.href(&format!("/entries/{}", e.id))) { (d.name) }
                " " (status_badge(d.status))
            }
            @if !d.aliases.is_empty() {
                p.aliases { "别名：" (d.aliases.join("、")) }
            }
            dl.facts {
                div { dt { "名单类型" } dd { (d.list.label()) } }
                div { dt { "业态" } dd { (d.category.label()) } }
                @if let Some(listed) = d.listed_on {
                    div { dt { "列入日期" } dd { (iso(listed)) } }
                }
                @if let Some(removed) = d.removed_on {
                    div { dt { "移出日期" } dd { (iso(removed)) } }
                }
                @if let Some(code) = &d.credit_code {
                    div { dt { "统一社会信用代码" } dd.code { (code) } }
                }
            }
        }
    }
}

pub fn article_item(ctx: &PageCtx<'_>, a: &Article) -> Markup {
    html! {
        li.article-item {
            a href=(ctx.href(&format!("/articles/{}", a.data.slug))) { (a.data.title) }
            " "
            time datetime=(iso(a.data.published_on)) { (iso(a.data.published_on)) }
        }
    }
}

/// The lookup form; `big` on the home page.
pub fn lookup_form(ctx: &PageCtx<'_>, q: &str, big: bool) -> Markup {
    html! {
        form.lookup.big[big] action=(ctx.href("/search")) method="get" role="search" {
            label for="q" { "查询平台是否被列入名单" }
            div.lookup-row {
                // Short enough to fit the box at 360 px and at large text; the hint says more.
                input #q type="search" name="q" value=(q) maxlength="100"
                    placeholder="名称或网址"
                    aria-describedby="q-help" autocomplete="off";
                button type="submit" { "查询" }
            }
            p #q-help .help {
                "可输入名称或其中一部分（如“鑫利宝”）、APP或公众号名称、网址，或18位统一社会信用代码；网址可直接粘贴。"
            }
        }
    }
}

/// Page links for `base` (a path with its query string, without `page`).
pub fn pagination(base: &str, page: u32, total: i64, per_page: u32) -> Markup {
    let pages = ((total.max(0) as u64).div_ceil(u64::from(per_page))).max(1) as u32;
    if pages <= 1 {
        return html! {};
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    let link = |p: u32| format!("{base}{sep}page={p}");
    html! {
        nav.pagination aria-label="分页" {
            @if page > 1 {
                a rel="prev" href=(link(page - 1)) { "上一页" }
            }
            span { "第 " (page.min(pages)) " 页 / 共 " (pages) " 页" }
            @if page < pages {
                a rel="next" href=(link(page + 1)) { "下一页" }
            }
        }
    }
}

/// A QR code of `text` as inline SVG, drawn on the server (no script, no image request):
/// one path of dark modules inside the standard four-module quiet zone.
pub fn qr_code(text: &str, label: &str) -> Markup {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) else {
        return html! {};
    };
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let mut path = String::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                path.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + quiet,
                    y + quiet,
                    x - start,
                    x - start
                ));
            } else {
                x += 1;
            }
        }
    }
    let size = width + 2 * quiet;
    html! {
        svg.qr-code xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (size) " " (size) }
            role="img" aria-label=(label) shape-rendering="crispEdges" {
            rect width=(size) height=(size) fill="#fff" {}
            path d=(path) fill="#000" {}
        }
    }
}

/// `<select>` options for a vocabulary, with the current value selected.
pub fn options<T: Copy + PartialEq>(
    all: &[T],
    current: Option<T>,
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Markup {
    html! {
        option value="" selected[current.is_none()] { "全部" }
        @for v in all {
            option value=(key(*v)) selected[current == Some(*v)] { (label(*v)) }
        }
    }
}

pub fn category_options(current: Option<Category>) -> Markup {
    options(Category::ALL, current, Category::key, Category::label)
}

pub fn list_options(current: Option<ListKind>) -> Markup {
    options(ListKind::ALL, current, ListKind::key, ListKind::label)
}

pub fn status_options(current: Option<EntryStatus>) -> Markup {
    options(
        EntryStatus::ALL,
        current,
        EntryStatus::key,
        EntryStatus::label,
    )
}

/// What to do when a lookup finds nothing: absence is not proof of safety.
pub fn no_hit_guidance(hotline: &str) -> Markup {
    html! {
        div.guidance {
            p { strong { "未列入名单不代表该平台合法合规。" }
                "本站只公示已经认定的机构，许多非法平台尚未被发现或认定。" }
            ul {
                li { "核对名称是否准确，可尝试输入名称的一部分、APP名称或网址。" }
                li { "登录国家企业信用信息公示系统查询其登记信息和经营范围；从事金融业务须持有金融管理部门颁发的许可证。" }
                li { "凡是承诺“高收益、保本保息、稳赚不赔”的，都要高度警惕。" }
                li { "如发现可疑平台，请拨打举报电话 " a href={ "tel:" (hotline) } { (hotline) } "；如已受骗，请立即拨打 110 报警，并保存好合同、转账记录和聊天记录。" }
            }
        }
    }
}
