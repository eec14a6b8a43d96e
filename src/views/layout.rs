//! The page frame every public page goes through.

use maud::{DOCTYPE, Markup, html};

use crate::assets;
use crate::open_data::feeds::FeedKind;
use crate::site::Site;

/// How public pages are presented: the standard site, or 长者模式 for older residents (larger
/// text, higher contrast, larger touch targets, one column), as Chinese government sites offer.
///
/// 长者模式 is the same site under the path prefix [`ELDER_PREFIX`]. Its pages are other URLs,
/// so browsers and shared caches keep the two variants apart by URL alone: no cookie, no
/// `Vary`, and the default pages stay exactly as cacheable as before (a cookie would make
/// every page vary per visitor, which nginx's default cache key ignores and CDNs refuse to
/// cache). The switch is a plain link, so it works without JavaScript, and every link of a
/// page in 长者模式 stays in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Standard,
    Elder,
}

/// Where 长者模式 pages live.
pub const ELDER_PREFIX: &str = "/elder";

impl Mode {
    /// The mode a request path asks for, and the path it names in the standard site.
    pub fn of_path(path: &str) -> (Mode, &str) {
        match path.strip_prefix(ELDER_PREFIX) {
            Some("") => (Mode::Elder, "/"),
            Some(rest) if rest.starts_with('/') => (Mode::Elder, rest),
            _ => (Mode::Standard, path),
        }
    }

    /// A site path (with any query) as it is reached in this mode.
    pub fn href(self, path: &str) -> String {
        match self {
            Mode::Standard => path.to_string(),
            Mode::Elder if path == "/" => ELDER_PREFIX.to_string(),
            Mode::Elder => match path.strip_prefix("/?") {
                Some(query) => format!("{ELDER_PREFIX}?{query}"),
                None => format!("{ELDER_PREFIX}{path}"),
            },
        }
    }
}

/// What the frame needs besides the page body.
pub struct PageCtx<'a> {
    pub site: &'a Site,
    pub demo: bool,
    /// The path of the page, to mark the current navigation item.
    pub path: &'a str,
    pub mode: Mode,
    /// This page's path and query in the standard site, for the mode switch.
    pub here: String,
    /// The standard page's URL: every page names it as canonical (长者模式 pages name the
    /// standard one).
    pub canonical: String,
}

impl PageCtx<'_> {
    /// A site path (with any query) as a link from this page: in 长者模式 it stays there.
    pub fn href(&self, path: &str) -> String {
        self.mode.href(path)
    }
}

const NAV: &[(&str, &str)] = &[
    ("/", "首页"),
    ("/entries", "名单公示"),
    ("/warnings", "风险提示"),
    ("/cases", "以案说法"),
    ("/notices", "通知公告"),
    ("/pages/lookup-help", "查询说明"),
];

fn is_current(path: &str, href: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path == href || path.starts_with(&format!("{href}/"))
    }
}

/// What a page says about itself to search engines and to chat apps that show a card for a
/// shared link (Open Graph).
pub struct Meta<'a> {
    pub title: &'a str,
    /// One or two sentences; the site's description when `None`.
    pub description: Option<String>,
    /// `website`, or `article` for an entry or an article.
    pub kind: &'static str,
}

/// The Atom feeds a page names as its alternates: a list page its own, the home page all.
fn alternates(path: &str) -> Vec<FeedKind> {
    FeedKind::ALL
        .into_iter()
        .filter(|f| path == "/" || f.page() == path)
        .collect()
}

/// At most `n` characters of `text`, on one line, with an ellipsis when cut.
pub fn excerpt(text: &str, n: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= n {
        return line;
    }
    let mut cut: String = line.chars().take(n).collect();
    cut.push('…');
    cut
}

pub fn layout(ctx: &PageCtx<'_>, title: &str, body: Markup) -> Markup {
    page(
        ctx,
        &Meta {
            title,
            description: None,
            kind: "website",
        },
        body,
    )
}

pub fn page(ctx: &PageCtx<'_>, meta: &Meta<'_>, body: Markup) -> Markup {
    let site = ctx.site;
    let title = meta.title;
    let full_title = if ctx.path == "/" {
        site.site_name.clone()
    } else {
        format!("{title} - {}", site.site_name)
    };
    let description = meta.description.clone().unwrap_or_else(|| {
        format!(
            "{}发布的互联网金融风险提示、以案说法和黑名单信息公示，可查询平台是否被列入名单。",
            site.office_name
        )
    });
    let elder = ctx.mode == Mode::Elder;
    html! {
        (DOCTYPE)
        html lang="zh-CN" class=[elder.then_some("elder")] {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (full_title) }
                meta name="description" content=(description);
                link rel="canonical" href=(ctx.canonical);
                meta property="og:site_name" content=(site.site_name);
                meta property="og:title" content=(if ctx.path == "/" { site.site_name.as_str() } else { title });
                meta property="og:description" content=(description);
                meta property="og:type" content=(meta.kind);
                meta property="og:url" content=(ctx.canonical);
                meta property="og:locale" content="zh_CN";
                meta name="twitter:card" content="summary";
                @for f in alternates(ctx.path) {
                    link rel="alternate" type="application/atom+xml" title={ (f.title()) " - " (site.site_name) } href=(f.path());
                }
                link rel="stylesheet" href=(assets::url("site.css"));
                link rel="icon" href=(assets::url("favicon.svg")) type="image/svg+xml";
                script src=(assets::url("suggest.js")) defer {}
            }
            body {
                a.skip href="#main" { "跳到正文" }
                header.site-header {
                    @if ctx.demo {
                        div.demo-banner role="note" {
                            strong { "示例数据" }
                            "：本站所有单位、人物和事件均为虚构。"
                        }
                    }
                    div.wrap {
                        a.brand href=(ctx.href("/")) {
                            span.brand-name { (site.site_name) }
                            span.brand-office { (site.office_name) }
                        }
                    }
                    nav.site-nav aria-label="主导航" {
                        ul.wrap {
                            @for (href, label) in NAV {
                                li {
                                    @if is_current(ctx.path, href) {
                                        a href=(ctx.href(href)) aria-current="page" { (label) }
                                    } @else {
                                        a href=(ctx.href(href)) { (label) }
                                    }
                                }
                            }
                            // The same page in the other presentation, last in the bar as on
                            // most government sites.
                            li.mode-item {
                                @if elder {
                                    a.mode-switch href=(ctx.here) { "退出长者模式" }
                                } @else {
                                    a.mode-switch href=(Mode::Elder.href(&ctx.here)) { "长者模式" }
                                }
                            }
                        }
                    }
                }
                main #main .wrap tabindex="-1" { (body) }
                (footer(ctx))
            }
        }
    }
}

fn footer(ctx: &PageCtx<'_>) -> Markup {
    let site = ctx.site;
    html! {
        footer.site-footer {
            div.wrap {
                nav aria-label="站点信息" {
                    ul.footer-links {
                        li { a href=(ctx.href("/pages/about")) { "关于本站" } }
                        li { a href=(ctx.href("/pages/lookup-help")) { "查询说明" } }
                        li { a href=(ctx.href("/pages/disclaimer")) { "免责声明" } }
                        li { a href=(ctx.href("/pages/data")) { "数据说明" } }
                        li { a href=(ctx.href("/data/api")) { "数据接口" } }
                        li { a href={ (ctx.href("/pages/data")) "#downloads" } { "数据下载" } }
                    }
                }
                p { "主办：" (site.office_name) }
                p {
                    "举报咨询电话：" a href={ "tel:" (site.hotline) } { (site.hotline) }
                    @if !site.office_hours.is_empty() { "（" (site.office_hours) "）" }
                }
                p { "地址：" (site.address)
                    @if !site.email.is_empty() { " 邮箱：" (site.email) }
                }
                p.registration {
                    @if !site.website_id.is_empty() { span { "网站标识码：" (site.website_id) } }
                    @if !site.icp.is_empty() { span { (site.icp) } }
                    @if !site.police_record.is_empty() { span { (site.police_record) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elder_paths_map_to_standard_paths_and_back() {
        assert_eq!(Mode::of_path("/elder"), (Mode::Elder, "/"));
        assert_eq!(Mode::of_path("/elder/search"), (Mode::Elder, "/search"));
        assert_eq!(Mode::of_path("/elderly"), (Mode::Standard, "/elderly"));
        assert_eq!(Mode::of_path("/entries"), (Mode::Standard, "/entries"));
        assert_eq!(Mode::Elder.href("/"), "/elder");
        assert_eq!(Mode::Elder.href("/?a=1"), "/elder?a=1");
        assert_eq!(Mode::Elder.href("/search?q=x"), "/elder/search?q=x");
        assert_eq!(Mode::Standard.href("/search?q=x"), "/search?q=x");
    }
}
