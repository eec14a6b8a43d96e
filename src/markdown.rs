//! Markdown → HTML for articles and pages: comrak (with CJK-friendly emphasis, so that
//! `**风险提示：**本公司` is bold) and then ammonia, so that only safe HTML reaches a page.

use maud::{Markup, PreEscaped};

pub fn render(md: &str) -> Markup {
    let mut options = comrak::Options::default();
    options.extension.cjk_friendly_emphasis = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    let html = comrak::markdown_to_html(md, &options);
    PreEscaped(
        ammonia::Builder::default()
            .link_rel(Some("noopener noreferrer nofollow"))
            .clean(&html)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_emphasis_is_bold() {
        let html = render("**风险提示：**本公司").into_string();
        assert!(html.contains("<strong>风险提示：</strong>本公司"), "{html}");
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html =
            render("<script>alert(1)</script><img src=x onerror=alert(1)>[a](javascript:alert(1))")
                .into_string();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
