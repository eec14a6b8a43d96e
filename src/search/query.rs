//! A resident's query, analysed into what retrieval asks the index for and what ranking
//! compares names against.

use super::analysis::{
    Bigram, TokenKind, ascii_words, bigrams, encode, fold, host_label, is_cjk, is_generic_ascii,
    phone_digits, pinyin_pairs, registrable_domain, segment_pinyin,
};
use crate::lookup::understand::{QueryKind, understand};

#[derive(Debug, Clone)]
pub struct AnalyzedQuery {
    /// The query as matched: invisible characters removed, whitespace collapsed.
    pub raw: String,
    pub kind: QueryKind,
    /// Folded, simplified text.
    pub folded: String,
    pub hint: Option<String>,
    pub code: Option<String>,
    pub host: Option<String>,
    pub phone: Option<String>,
    pub bigrams: Vec<Bigram>,
    /// ASCII words that are not generic (`jdj`).
    pub words: Vec<String>,
    /// Pinyin syllable bigrams, one group of alternatives per adjacent pair, from Chinese
    /// characters (all readings) or from typed pinyin.
    pub pinyin: Vec<Vec<String>>,
    /// Typed pinyin, joined (`qianmancang`), when the query is pinyin.
    pub typed_pinyin: Option<String>,
}

impl AnalyzedQuery {
    pub fn new(typed: &str) -> AnalyzedQuery {
        let mut looked = understand(typed);
        // Everything below reads the cleaned text, never what was typed.
        let raw = looked.raw.clone();
        let raw = raw.as_str();
        let folded = fold(raw);
        if folded.chars().count() == 1 && folded.chars().all(is_cjk) {
            // One character matches thousands of names; a name needs at least two.
            looked.hint = Some("请输入至少两个字的名称、简称或网址。".to_string());
        }
        let mut q = AnalyzedQuery {
            raw: looked.raw.clone(),
            kind: looked.kind,
            hint: looked.hint.clone(),
            code: None,
            host: None,
            phone: None,
            bigrams: Vec::new(),
            words: Vec::new(),
            pinyin: Vec::new(),
            typed_pinyin: None,
            folded: folded.clone(),
        };
        match looked.kind {
            QueryKind::CreditCode => {
                q.code = Some(looked.key.clone());
                return q;
            }
            QueryKind::Website => {
                let nfkc: String = {
                    use unicode_normalization::UnicodeNormalization;
                    raw.nfkc().collect()
                };
                q.host = crate::domain::normalize::website_host(&nfkc).ok();
                return q;
            }
            QueryKind::Text => {}
        }
        // A phone number as people write it: `+86`, spaces, dashes and brackets do not matter.
        if let Ok(phone) = crate::domain::normalize::phone(raw) {
            q.phone = Some(phone_digits(&phone));
        }
        q.bigrams = bigrams(&folded);
        q.words = ascii_words(&folded)
            .into_iter()
            .filter(|w| !is_generic_ascii(w))
            .collect();
        let ascii_only = !folded.chars().any(is_cjk);
        if ascii_only {
            let spaced: String = raw
                .chars()
                .map(|c| if c.is_ascii_alphabetic() { c } else { ' ' })
                .collect();
            if let Some(syllables) = segment_pinyin(&spaced)
                && syllables.len() >= 2
            {
                q.pinyin = syllables
                    .windows(2)
                    .map(|w| vec![format!("{}|{}", w[0], w[1])])
                    .collect();
                q.typed_pinyin = Some(syllables.concat());
            }
        } else {
            q.pinyin = pinyin_pairs(&folded);
        }
        q
    }

    /// Nothing searchable was typed (only punctuation, say).
    pub fn is_empty(&self) -> bool {
        self.folded.is_empty() && self.code.is_none() && self.host.is_none()
    }

    pub fn distinctive_bigrams(&self) -> impl Iterator<Item = &Bigram> {
        self.bigrams.iter().filter(|b| !b.generic)
    }

    /// Tokens to retrieve entry candidates with, most telling first. A document matching any
    /// of them is a candidate; ranking decides what is shown. Pinyin pairs are asked for only
    /// `with_pinyin`: they are for homophones and typed pinyin, a second try when the
    /// characters found nothing, and they are common enough to slow every query down.
    pub fn entry_tokens(&self, with_pinyin: bool) -> Vec<String> {
        let mut t = Vec::new();
        if let Some(code) = &self.code {
            t.push(encode(TokenKind::Code, code));
            return t;
        }
        if let Some(host) = &self.host {
            t.push(encode(TokenKind::Host, &registrable_domain(host)));
            t.push(encode(TokenKind::Word, &host_label(host)));
            return t;
        }
        if !self.folded.is_empty() {
            t.push(encode(TokenKind::Name, &self.folded));
        }
        if let Some(p) = &self.phone {
            t.push(encode(TokenKind::Phone, p));
        }
        let distinctive: Vec<&Bigram> = self.distinctive_bigrams().collect();
        let bigrams: Vec<&Bigram> = if distinctive.is_empty() {
            self.bigrams.iter().collect()
        } else {
            distinctive
        };
        t.extend(bigrams.iter().map(|b| encode(TokenKind::Bigram, &b.text)));
        t.extend(self.words.iter().map(|w| encode(TokenKind::Word, w)));
        if let Some(p) = &self.typed_pinyin {
            t.push(encode(TokenKind::Word, p));
        }
        if with_pinyin {
            t.extend(
                self.pinyin
                    .iter()
                    .flatten()
                    .map(|p| encode(TokenKind::Pinyin, p)),
            );
        }
        let mut seen = std::collections::HashSet::new();
        t.retain(|x| seen.insert(x.clone()));
        t
    }

    /// Tokens an article must all contain (its text is matched by bigrams only).
    pub fn article_tokens(&self) -> Vec<String> {
        let distinctive: Vec<&Bigram> = self.distinctive_bigrams().collect();
        let chosen: Vec<&Bigram> = if distinctive.is_empty() {
            self.bigrams.iter().collect()
        } else {
            distinctive
        };
        chosen
            .iter()
            .map(|b| encode(TokenKind::Bigram, &b.text))
            .collect()
    }
}
