//! What goes into a search index: published, publicly visible entries and articles, with the
//! fields ranking needs and the tokens retrieval matches.

use serde::{Deserialize, Serialize};
use time::Date;

use super::analysis::{
    TokenKind, ascii_words, bigrams, encode, fold, host_label, is_generic_ascii, phone_digits,
    pinyin_forms,
};
use crate::domain::article::ArticleData;
use crate::domain::entry::EntryData;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Entry,
    Article,
}

impl DocKind {
    pub fn key(self) -> &'static str {
        match self {
            DocKind::Entry => "entry",
            DocKind::Article => "article",
        }
    }
}

/// The fields of an entry that ranking, facets and highlighting use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDoc {
    pub id: i64,
    pub name: String,
    pub aliases: Vec<String>,
    pub credit_code: Option<String>,
    pub websites: Vec<String>,
    pub phones: Vec<String>,
    pub list: String,
    pub category: String,
    pub status: String,
    pub year: Option<i64>,
    /// Last day of publicity (Julian day), for filtering at query time.
    #[serde(default = "open_ended")]
    pub ends_day: i64,
    /// The name and aliases, folded, computed once at indexing time for ranking.
    #[serde(default)]
    pub folded: Vec<String>,
}

fn open_ended() -> i64 {
    i64::MAX
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDoc {
    pub id: i64,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
}

/// A document as stored in an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Stored {
    Entry(EntryDoc),
    Article(ArticleDoc),
}

/// A document ready for indexing.
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub key: String,
    pub kind: DocKind,
    /// Day number (Julian day) of the last day of publicity; `i64::MAX` when open-ended.
    pub ends_day: i64,
    pub tokens: Vec<String>,
    pub stored: Stored,
}

pub fn entry_key(id: i64) -> String {
    format!("e{id}")
}

pub fn article_key(id: i64) -> String {
    format!("a{id}")
}

pub fn day(d: Date) -> i64 {
    i64::from(d.to_julian_day())
}

/// Tokens of one name or alias.
fn name_tokens(f: &str, out: &mut Vec<String>) {
    if f.is_empty() {
        return;
    }
    out.push(encode(TokenKind::Name, f));
    for b in bigrams(f) {
        out.push(encode(TokenKind::Bigram, &b.text));
    }
    let (pairs, py) = pinyin_forms(f);
    for p in pairs {
        out.push(encode(TokenKind::Pinyin, &p));
    }
    if py.len() >= 4 {
        out.push(encode(TokenKind::Word, &py));
    }
    for w in ascii_words(f) {
        if !is_generic_ascii(&w) {
            out.push(encode(TokenKind::Word, &w));
        }
    }
}

impl IndexDoc {
    pub fn entry(id: i64, d: &EntryData) -> IndexDoc {
        // Folding (with traditional → simplified) is the costly step: once per name.
        let folded: Vec<String> = std::iter::once(&d.name)
            .chain(d.aliases.iter())
            .map(|n| fold(n))
            .collect();
        let mut tokens = Vec::new();
        for f in &folded {
            name_tokens(f, &mut tokens);
        }
        if let Some(code) = &d.credit_code {
            tokens.push(encode(TokenKind::Code, &code.to_lowercase()));
        }
        for h in &d.websites {
            tokens.push(encode(TokenKind::Host, h));
            tokens.push(encode(TokenKind::Word, host_label(h)));
        }
        for p in &d.phones {
            tokens.push(encode(TokenKind::Phone, &phone_digits(p)));
        }
        let mut seen = std::collections::HashSet::new();
        tokens.retain(|t| seen.insert(t.clone()));
        IndexDoc {
            key: entry_key(id),
            kind: DocKind::Entry,
            ends_day: d.publicity_ends_on.map_or(i64::MAX, day),
            tokens,
            stored: Stored::Entry(EntryDoc {
                id,
                name: d.name.clone(),
                aliases: d.aliases.clone(),
                credit_code: d.credit_code.clone(),
                websites: d.websites.clone(),
                phones: d.phones.clone(),
                list: d.list.clone(),
                category: d.category.clone(),
                status: d.status.clone(),
                year: d.listed_on.map(|l| i64::from(l.year())),
                ends_day: d.publicity_ends_on.map_or(i64::MAX, day),
                folded,
            }),
        }
    }

    pub fn article(id: i64, a: &ArticleData) -> IndexDoc {
        let mut tokens: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for text in [&a.title, &a.summary, &a.body_md] {
            for b in bigrams(&fold(text)) {
                let t = encode(TokenKind::Bigram, &b.text);
                if seen.insert(t.clone()) {
                    tokens.push(t);
                }
            }
        }
        IndexDoc {
            key: article_key(id),
            kind: DocKind::Article,
            ends_day: i64::MAX,
            tokens,
            stored: Stored::Article(ArticleDoc {
                id,
                slug: a.slug.clone(),
                kind: a.kind.key().to_string(),
                title: a.title.clone(),
                summary: a.summary.clone(),
            }),
        }
    }
}
