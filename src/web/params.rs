//! Query-string parameters, read leniently (a malformed query string never fails the
//! request), cleaned of invisible characters and validated one by one with Chinese messages.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::{Error, Result};
use crate::domain::normalize::clean_input;
use crate::domain::{Category, EntryStatus, ListKind};
use crate::lookup::{Filters, MAX_QUERY_CHARS};

/// The deepest a page may start (`OFFSET`); deeper lists are read by keyset (the API's
/// `after`) or narrowed with filters, so no request makes the database skip a million rows.
pub const MAX_OFFSET: u32 = 10_000;

/// The last value of each key, cleaned (invisible characters such as bidi controls and NUL
/// removed, whitespace collapsed); empty values are absent.
#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, String>,
    /// Some value held invisible characters, now removed.
    hidden_removed: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Params::parse(parts.uri.query().unwrap_or("")))
    }
}

pub const MAX_PER_PAGE: u32 = 100;
/// Pages past this are refused rather than scanned for.
const MAX_PAGE: u32 = 100_000;

impl Params {
    pub fn parse(query: &str) -> Params {
        let mut params = Params::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let cleaned = clean_input(&v);
            params.hidden_removed |= cleaned.removed;
            if cleaned.text.is_empty() {
                params.values.remove(k.as_ref());
            } else {
                params.values.insert(k.into_owned(), cleaned.text);
            }
        }
        params
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Whether invisible characters were removed from a value: the page says so, since
    /// what it shows then differs from what a browser displayed.
    pub fn hidden_removed(&self) -> bool {
        self.hidden_removed
    }

    /// The lookup text, at most [`MAX_QUERY_CHARS`] characters.
    pub fn q(&self) -> Result<Option<&str>> {
        match self.get("q") {
            Some(q) if q.chars().count() > MAX_QUERY_CHARS => Err(Error::BadRequest(format!(
                "查询内容过长，请不超过{MAX_QUERY_CHARS}个字符。"
            ))),
            q => Ok(q),
        }
    }

    fn number(&self, key: &str, label: &str, min: u32, max: u32) -> Result<Option<u32>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Error::BadRequest(format!(
                "参数“{label}”应为 {min} 到 {max} 之间的整数。"
            ))),
        }
    }

    pub fn page(&self) -> Result<u32> {
        Ok(self.number("page", "页码", 1, MAX_PAGE)?.unwrap_or(1))
    }

    pub fn per_page(&self, default: u32) -> Result<u32> {
        Ok(self
            .number("per_page", "每页条数", 1, MAX_PER_PAGE)?
            .unwrap_or(default))
    }

    pub fn year(&self) -> Result<Option<i32>> {
        Ok(self.number("year", "年份", 1990, 2200)?.map(|y| y as i32))
    }

    /// A vocabulary value given by key or Chinese label.
    pub fn choice<T>(
        &self,
        key: &str,
        label: &str,
        parse: fn(&str) -> Option<T>,
        accepted: fn() -> String,
    ) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse(v).map(Some).ok_or_else(|| {
                Error::BadRequest(format!("参数“{label}”无法识别，可填：{}", accepted()))
            }),
        }
    }
}

impl Params {
    /// The entry filters (`list`, `category`, `status`, `year`) of the list, the lookup and
    /// the API, each by key or Chinese label.
    pub fn filters(&self) -> Result<Filters> {
        Ok(Filters {
            list: self.choice("list", "名单类型", ListKind::parse, ListKind::accepted)?,
            category: self.choice("category", "业态", Category::parse, Category::accepted)?,
            status: self.choice("status", "状态", EntryStatus::parse, EntryStatus::accepted)?,
            year: self.year()?,
        })
    }
}

/// `LIMIT` and `OFFSET` for a page.
pub fn limit_offset(page: u32, per_page: u32) -> (i64, i64) {
    (
        i64::from(per_page),
        (i64::from(page) - 1) * i64::from(per_page),
    )
}

impl Params {
    /// The page number, refused when the page would start deeper than [`MAX_OFFSET`].
    pub fn bounded_page(&self, per_page: u32, deeper: &str) -> Result<u32> {
        let page = self.page()?;
        if u64::from(page - 1) * u64::from(per_page) > u64::from(MAX_OFFSET) {
            let last = MAX_OFFSET / per_page + 1;
            return Err(Error::BadRequest(format!(
                "页码过大：最多可翻到第 {last} 页。{deeper}"
            )));
        }
        Ok(page)
    }

    /// A keyset position: an id from a previous page's `next_after`.
    pub fn after(&self) -> Result<Option<i64>> {
        match self.get("after") {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(Some)
                .ok_or_else(|| Error::BadRequest("参数“after”应为非负整数。".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cleaned_of_invisible_characters() {
        // U+202E then the name reversed: what a browser shows is not what was sent.
        let p = Params::parse("q=%E2%80%AE%E5%8F%B8%E5%85%AC%00&page=2%E2%80%8B&empty=%E2%80%8F");
        assert_eq!(p.get("q"), Some("司公"));
        assert_eq!(p.page().unwrap(), 2);
        assert_eq!(p.get("empty"), None);
        assert!(p.hidden_removed());
        let plain = Params::parse("q=+%E7%A4%BA%E4%BE%8B++a+&q=b");
        assert_eq!(plain.get("q"), Some("b"), "the last value counts");
        assert!(!plain.hidden_removed());
    }
}
