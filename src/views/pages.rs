//! Standing pages from `content/pages/`.

use maud::{Markup, html};

use super::{PageCtx, layout};
use crate::markdown;
use crate::store::Page;

pub fn show(ctx: &PageCtx<'_>, page: &Page) -> Markup {
    let body = html! {
        article.article {
            h1 { (page.title) }
            div.prose { (markdown::render(&page.body_md)) }
        }
    };
    layout(ctx, &page.title, body)
}
