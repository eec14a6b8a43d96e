//! Standing pages from `content/pages/`.

use maud::{Markup, html};

use super::open_data::{DownloadsView, downloads};
use super::{PageCtx, layout};
use crate::store::Page;

/// A standing page and its rendered body; the data page lists the download files too.
pub struct PageView {
    pub page: Page,
    pub body: Markup,
    pub downloads: Option<DownloadsView>,
}

pub fn show(ctx: &PageCtx<'_>, m: &PageView) -> Markup {
    let page = &m.page;
    let body = html! {
        article.article {
            h1 { (page.title) }
            div.prose { (m.body) }
            @if let Some(d) = &m.downloads { (downloads(ctx, d)) }
        }
    };
    layout(ctx, &page.title, body)
}
