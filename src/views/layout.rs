//! The page frame every public page goes through.

use maud::{DOCTYPE, Markup, html};

use crate::assets;
use crate::site::Site;

/// What the frame needs besides the page body.
pub struct PageCtx<'a> {
    pub site: &'a Site,
    pub demo: bool,
    /// The path of the page, to mark the current navigation item.
    pub path: &'a str,
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

pub fn layout(ctx: &PageCtx<'_>, title: &str, body: Markup) -> Markup {
    let site = ctx.site;
    let full_title = if ctx.path == "/" {
        site.site_name.clone()
    } else {
        format!("{title} - {}", site.site_name)
    };
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (full_title) }
                meta name="description" content={ (site.office_name) "发布的互联网金融风险提示、以案说法和黑名单信息公示。" };
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
                            "：本站当前展示的所有单位、人物和事件均为虚构，仅用于演示。"
                        }
                    }
                    div.wrap {
                        a.brand href="/" {
                            span.brand-name { (site.site_name) }
                            span.brand-office { (site.office_name) }
                        }
                    }
                    nav.site-nav aria-label="主导航" {
                        ul.wrap {
                            @for (href, label) in NAV {
                                li {
                                    @if is_current(ctx.path, href) {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main .wrap tabindex="-1" { (body) }
                (footer(site))
            }
        }
    }
}

fn footer(site: &Site) -> Markup {
    html! {
        footer.site-footer {
            div.wrap {
                nav aria-label="站点信息" {
                    ul.footer-links {
                        li { a href="/pages/about" { "关于本站" } }
                        li { a href="/pages/lookup-help" { "查询说明" } }
                        li { a href="/pages/disclaimer" { "免责声明" } }
                        li { a href="/pages/data" { "数据说明" } }
                        li { a href="/api/v1/entries" { "开放数据接口" } }
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
