//! Query-string parameters, read leniently (a malformed query string never fails the
//! request) and validated one by one with Chinese messages.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::{Error, Result};
use crate::domain::{Category, EntryStatus, ListKind};
use crate::lookup::{Filters, MAX_QUERY_CHARS};

/// The deepest a page may start (`OFFSET`); deeper lists are read by keyset (the API's
/// `after`) or narrowed with filters, so no request makes the database skip a million rows.
pub const MAX_OFFSET: u32 = 10_000;

/// The last value of each key, trimmed; empty values are absent.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let query = parts.uri.query().unwrap_or("");
        Ok(Params(
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        ))
    }
}

pub const MAX_PER_PAGE: u32 = 100;
/// Pages past this are refused rather than scanned for.
const MAX_PAGE: u32 = 100_000;

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
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
