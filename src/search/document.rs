//! What goes into a search index: the tokens retrieval matches, the publicity end it filters
//! on, and the id. The index only proposes ids; the database decides what they show.

use serde::{Deserialize, Serialize};
use time::Date;

use super::analysis::{
    TokenKind, ascii_words, bigrams, encode, fold, host_label, is_generic_ascii, phone_digits,
    pinyin_forms, registrable_domain,
};
use crate::domain::article::ArticleData;
use crate::store::Entry;

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

/// A document ready for indexing: what retrieval matches and filters on, and the id the
/// database is asked about. Nothing shown to anyone is taken from an index.
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub key: String,
    pub id: i64,
    pub kind: DocKind,
    /// Day number (Julian day) of the last day of publicity; `i64::MAX` when open-ended.
    pub ends_day: i64,
    pub tokens: Vec<String>,
}

pub fn doc_key(kind: DocKind, id: i64) -> String {
    match kind {
        DocKind::Entry => format!("e{id}"),
        DocKind::Article => format!("a{id}"),
    }
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
    pub fn entry(e: &Entry) -> IndexDoc {
        let d = &e.data;
        let mut tokens = Vec::new();
        // The folded name and aliases come from the database (folding is the costly step).
        for f in &e.keys {
            name_tokens(f, &mut tokens);
        }
        if let Some(code) = &d.credit_code {
            tokens.push(encode(TokenKind::Code, &code.as_str().to_lowercase()));
        }
        for h in &d.websites {
            tokens.push(encode(TokenKind::Host, &registrable_domain(h)));
            tokens.push(encode(TokenKind::Word, &host_label(h)));
        }
        for p in &d.phones {
            tokens.push(encode(TokenKind::Phone, &phone_digits(p)));
        }
        let mut seen = std::collections::HashSet::new();
        tokens.retain(|t| seen.insert(t.clone()));
        IndexDoc {
            key: doc_key(DocKind::Entry, e.id),
            id: e.id,
            kind: DocKind::Entry,
            ends_day: d.publicity_ends_on.map_or(i64::MAX, day),
            tokens,
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
            key: doc_key(DocKind::Article, id),
            id,
            kind: DocKind::Article,
            ends_day: i64::MAX,
            tokens,
        }
    }
}
