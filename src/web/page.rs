//! Which presentation of a public page a request asks for: the standard site or 长者模式
//! under its path prefix (see `views::Mode`), and the page's path in the standard site.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::Uri;
use axum::http::request::Parts;

use crate::views::Mode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub mode: Mode,
    /// The path and query of the page in the standard site.
    pub here: String,
}

impl PageRequest {
    pub fn of(uri: &Uri) -> PageRequest {
        let (mode, path) = Mode::of_path(uri.path());
        let here = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        PageRequest { mode, here }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        // Inside the 长者模式 router the path arrives without its prefix; the original has it.
        let uri = match parts.extensions.get::<OriginalUri>() {
            Some(OriginalUri(uri)) => uri,
            None => &parts.uri,
        };
        Ok(PageRequest::of(uri))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_chooses_the_mode_and_the_query_is_kept() {
        let r = PageRequest::of(&"/elder/search?q=%E9%92%B1".parse().unwrap());
        assert_eq!(r.mode, Mode::Elder);
        assert_eq!(r.here, "/search?q=%E9%92%B1");
        let r = PageRequest::of(&"/entries".parse().unwrap());
        assert_eq!(r.mode, Mode::Standard);
        assert_eq!(r.here, "/entries");
    }
}
