//! Standing pages from `content/pages/`.

use maud::{Markup, html};

use super::{PageCtx, layout};
use crate::store::Page;

/// A standing page and its rendered body.
pub struct PageView {
    pub page: Page,
    pub body: Markup,
}

pub fn show(ctx: &PageCtx<'_>, m: &PageView) -> Markup {
    let page = &m.page;
    let body = html! {
        article.article {
            h1 { (page.title) }
            div.prose { (m.body) }
        }
    };
    layout(ctx, &page.title, body)
}
