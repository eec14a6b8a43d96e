//! Sitemaps (sitemaps.org protocol 0.9): every public page and nothing else. Up to
//! [`MAX_URLS`] URLs, `/sitemap.xml` lists them all; past that it is a sitemap index naming
//! `/sitemaps/site.xml` (the standing pages and articles) and `/sitemaps/entries-N.xml`, each
//! holding the public entries with ids in one range of [`MAX_URLS`] ids, so that each file is
//! read by the primary key, however long the list grows.

use std::fmt::Write;

use quick_xml::escape::escape;
use time::OffsetDateTime;

use crate::domain::dates::rfc3339;

/// The most URLs one sitemap file may list (the protocol's limit).
pub const MAX_URLS: i64 = 50_000;

/// How the sitemap is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// One file lists everything.
    Single,
    /// An index naming the site file and this many entry files.
    Index { entry_files: i64 },
}

/// The layout for `others` URLs besides `entries` public entries whose highest id is `max_id`,
/// at most `limit` URLs a file.
pub fn plan(others: i64, entries: i64, max_id: i64, limit: i64) -> Plan {
    if others + entries <= limit {
        Plan::Single
    } else {
        Plan::Index {
            entry_files: (max_id + limit - 1) / limit,
        }
    }
}

/// The ids the `n`th entry file (from 1) covers: `(after, up_to]`.
pub fn entry_range(n: i64, limit: i64) -> (i64, i64) {
    ((n - 1) * limit, n * limit)
}

/// A `<urlset>` of absolute URLs with their last change.
pub fn urlset(urls: impl IntoIterator<Item = (String, Option<OffsetDateTime>)>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, modified) in urls {
        let _ = write!(out, "<url><loc>{}</loc>", escape(loc.as_str()));
        if let Some(m) = modified {
            let _ = write!(out, "<lastmod>{}</lastmod>", rfc3339(m));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// A `<sitemapindex>` of absolute sitemap URLs.
pub fn index(files: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for loc in files {
        let _ = writeln!(
            out,
            "<sitemap><loc>{}</loc></sitemap>",
            escape(loc.as_str())
        );
    }
    out.push_str("</sitemapindex>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_the_sitemap_is_split_by_id_ranges() {
        assert_eq!(plan(10, 40, 100, 50), Plan::Single);
        assert_eq!(plan(10, 41, 100, 50), Plan::Index { entry_files: 2 });
        assert_eq!(plan(10, 41, 101, 50), Plan::Index { entry_files: 3 });
        assert_eq!(entry_range(1, 50), (0, 50));
        assert_eq!(entry_range(3, 50), (100, 150));
        // Every id up to the highest is in exactly one file.
        let Plan::Index { entry_files } = plan(0, 120_001, 150_001, MAX_URLS) else {
            panic!("an index");
        };
        assert_eq!(entry_files, 4);
        assert!(entry_range(entry_files, MAX_URLS).1 >= 150_001);
    }

    #[test]
    fn urls_are_escaped() {
        let xml = urlset([("https://a.example/search?q=1&x=<".to_string(), None)]);
        assert!(xml.contains("<loc>https://a.example/search?q=1&amp;x=&lt;</loc>"));
        let xml = index(["https://a.example/sitemaps/site.xml".to_string()]);
        assert!(xml.contains("<sitemap><loc>https://a.example/sitemaps/site.xml</loc></sitemap>"));
    }
}
