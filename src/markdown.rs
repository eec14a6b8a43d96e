//! Markdown → HTML for articles and pages: comrak (with CJK-friendly emphasis, so that
//! `**风险提示：**本公司` is bold) and then ammonia, so that only safe HTML reaches a page.
//!
//! A resident must never be one click from a listed platform: bare addresses are not turned
//! into links (comrak's autolinker would also run on past CJK punctuation and swallow the rest
//! of a sentence), and a link to a website that belongs to a list entry is rendered as its
//! plain text.

use std::collections::HashSet;

use comrak::nodes::NodeValue;
use comrak::{Arena, Options};
use maud::{Markup, PreEscaped};

use crate::domain::entry::KeyKind;
use crate::domain::normalize::registrable_domain;
use crate::store::{Store, StoreError};

fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.cjk_friendly_emphasis = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = false;
    options
}

/// The registrable domain a link points to, if it leaves the site.
fn link_domain(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    parsed.host_str().map(registrable_domain)
}

/// The registrable domains the links of `md` point to.
pub fn link_domains(md: &str) -> Vec<String> {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, md, &options());
    let mut out: Vec<String> = Vec::new();
    for node in root.descendants() {
        if let NodeValue::Link(link) = &node.data.borrow().value
            && let Some(domain) = link_domain(&link.url)
            && !out.contains(&domain)
        {
            out.push(domain);
        }
    }
    out
}

/// Renders `md`; a link to any of the `blocked` registrable domains becomes its plain text.
pub fn render(md: &str, blocked: &HashSet<String>) -> Markup {
    let options = options();
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, md, &options);
    let unlink: Vec<_> = root
        .descendants()
        .filter(|node| match &node.data.borrow().value {
            NodeValue::Link(link) => {
                link_domain(&link.url).is_some_and(|domain| blocked.contains(&domain))
            }
            _ => false,
        })
        .collect();
    for link in unlink {
        let children: Vec<_> = link.children().collect();
        for child in children {
            link.insert_before(child);
        }
        link.detach();
    }
    let mut html = String::new();
    if let Err(e) = comrak::format_html(root, &options, &mut html) {
        tracing::error!(error = %e, "Markdown could not be rendered");
        html.clear();
    }
    PreEscaped(
        ammonia::Builder::default()
            .link_rel(Some("noopener noreferrer nofollow"))
            .clean(&html)
            .to_string(),
    )
}

/// Renders content for the public: links to the website of any list entry are plain text.
pub async fn render_public(store: &Store, md: &str) -> Result<Markup, StoreError> {
    let keys: Vec<String> = link_domains(md)
        .iter()
        .map(|d| KeyKind::Host.key(d))
        .collect();
    let blocked: HashSet<String> = store
        .entry_keys_among(&keys)
        .await?
        .into_iter()
        .filter_map(|k| k.strip_prefix('h').map(str::to_string))
        .collect();
    Ok(render(md, &blocked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(md: &str) -> String {
        render(md, &HashSet::new()).into_string()
    }

    #[test]
    fn cjk_emphasis_is_bold() {
        let html = plain("**风险提示：**本公司");
        assert!(html.contains("<strong>风险提示：</strong>本公司"), "{html}");
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html =
            plain("<script>alert(1)</script><img src=x onerror=alert(1)>[a](javascript:alert(1))");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn bare_addresses_are_not_links_and_keep_the_sentence() {
        let html = plain("例如“https://www.xinlibao.example/”，系统会自动识别其中的域名。");
        assert!(!html.contains("<a"), "{html}");
        assert!(html.contains("”，系统会自动识别其中的域名。"), "{html}");
    }

    #[test]
    fn links_to_an_entry_website_become_plain_text() {
        let md = "见[钱满仓官网](https://m.qianmancang.com/x)和<https://qianmancang.com>，\
                  另见[国家企业信用信息公示系统](https://www.gsxt.gov.cn/)。";
        assert_eq!(
            link_domains(md),
            vec!["qianmancang.com".to_string(), "gsxt.gov.cn".to_string()]
        );
        let blocked: HashSet<String> = ["qianmancang.com".to_string()].into();
        let html = render(md, &blocked).into_string();
        assert!(!html.contains("qianmancang.com/x\""), "{html}");
        assert!(
            html.contains("见钱满仓官网和https://qianmancang.com，"),
            "{html}"
        );
        assert!(html.contains("href=\"https://www.gsxt.gov.cn/\""), "{html}");
    }
}
