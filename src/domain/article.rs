//! Articles (风险提示, 以案说法, 通知公告) and pages.

use serde::{Deserialize, Serialize};
use time::Date;

use super::vocab::ArticleKind;

/// What an editor writes; what a Markdown file with front matter produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleData {
    pub slug: String,
    pub kind: ArticleKind,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub doc_no: Option<String>,
    pub tags: Vec<String>,
    pub published_on: Date,
    /// Credit codes or names of related entries.
    pub related_entries: Vec<String>,
}

/// A standing page such as 关于本站 or 免责声明.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageData {
    pub slug: String,
    pub title: String,
    pub body_md: String,
    pub sort_order: i64,
}

/// Why a slug cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效的地址名（只能使用小写字母、数字和连字符，最长80个字符）")]
pub struct BadSlug(pub String);

/// Slugs are lower-case ASCII words joined by hyphens, at most 80 characters; anything else
/// cannot exist, so a request for it is a 404 without touching the database.
pub fn parse_slug(s: &str) -> Result<&str, BadSlug> {
    let ok = !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s)
    } else {
        Err(BadSlug(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert!(parse_slug("high-yield-p2p-2025").is_ok());
        for bad in ["", "-a", "a-", "A", "中文", "a_b", "a/b", &"x".repeat(81)] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }
}
