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

    /// What to retrieve entry candidates with. A document with any identity token (the whole
    /// name, a phone, typed pinyin; pinyin pairs only `with_pinyin`) is a candidate; by parts
    /// (bigrams, words) only one that has enough of them to be at least similar (see
    /// `rank::match_name`: half of the distinctive bigrams and words), so a whole name does not
    /// fetch hundreds of names that only share a word. Pinyin pairs are for homophones and
    /// typed pinyin, a second try when the characters found nothing; they are common enough
    /// to slow every query down.
    pub fn entry_retrieval(&self, with_pinyin: bool) -> Retrieval {
        let mut r = Retrieval::default();
        if let Some(code) = &self.code {
            r.any.push(encode(TokenKind::Code, code));
            return r;
        }
        if let Some(host) = &self.host {
            r.any
                .push(encode(TokenKind::Host, &registrable_domain(host)));
            r.any.push(encode(TokenKind::Word, &host_label(host)));
            return r;
        }
        if !self.folded.is_empty() {
            r.any.push(encode(TokenKind::Name, &self.folded));
        }
        if let Some(p) = &self.phone {
            r.any.push(encode(TokenKind::Phone, p));
        }
        if let Some(p) = &self.typed_pinyin {
            r.any.push(encode(TokenKind::Word, p));
        }
        if with_pinyin {
            r.any.extend(
                self.pinyin
                    .iter()
                    .flatten()
                    .map(|p| encode(TokenKind::Pinyin, p)),
            );
        }
        let distinctive: Vec<&Bigram> = self.distinctive_bigrams().collect();
        let bigrams: Vec<&Bigram> = if distinctive.is_empty() {
            self.bigrams.iter().collect()
        } else {
            distinctive.clone()
        };
        r.parts
            .extend(bigrams.iter().map(|b| encode(TokenKind::Bigram, &b.text)));
        r.parts
            .extend(self.words.iter().map(|w| encode(TokenKind::Word, w)));
        r.need = if distinctive.is_empty() {
            1
        } else {
            // A similar name contains half of the distinctive bigrams and words (rounded up).
            // A word may be inside a longer word of the name without being its token, so only
            // the bigrams, which are always tokens, are counted on.
            let units = distinctive.len() + self.words.len();
            units.div_ceil(2).saturating_sub(self.words.len()).max(1)
        };
        r.dedup();
        r
    }

    /// What an article must all contain (its text is matched by bigrams only).
    pub fn article_retrieval(&self) -> Retrieval {
        let distinctive: Vec<&Bigram> = self.distinctive_bigrams().collect();
        let chosen: Vec<&Bigram> = if distinctive.is_empty() {
            self.bigrams.iter().collect()
        } else {
            distinctive
        };
        let parts: Vec<String> = chosen
            .iter()
            .map(|b| encode(TokenKind::Bigram, &b.text))
            .collect();
        Retrieval {
            any: Vec::new(),
            need: parts.len(),
            parts,
        }
    }
}

/// What retrieval asks an index for: documents with any of `any`, or with at least `need` of
/// `parts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retrieval {
    pub any: Vec<String>,
    pub parts: Vec<String>,
    pub need: usize,
}

impl Retrieval {
    pub fn is_empty(&self) -> bool {
        self.any.is_empty() && self.parts.is_empty()
    }

    /// Every part is needed and nothing else is asked (an article's "contains all").
    pub fn needs_all(&self) -> bool {
        self.any.is_empty() && self.need >= self.parts.len()
    }

    /// Every token, identities first.
    pub fn tokens(&self) -> impl Iterator<Item = &String> {
        self.any.iter().chain(&self.parts)
    }

    /// Drops repeated tokens (a part that is also an identity counts as the identity).
    fn dedup(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.any.retain(|t| seen.insert(t.clone()));
        let before = self.parts.len();
        self.parts.retain(|t| seen.insert(t.clone()));
        let dropped = before - self.parts.len();
        self.need = self.need.saturating_sub(dropped).max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_name_needs_half_its_distinctive_parts_and_a_short_one_any() {
        let whole = AnalyzedQuery::new("汇鑫宝网络科技有限公司").entry_retrieval(false);
        let distinctive = AnalyzedQuery::new("汇鑫宝网络科技有限公司")
            .distinctive_bigrams()
            .count();
        assert!(distinctive >= 3, "{whole:?}");
        assert_eq!(whole.need, distinctive.div_ceil(2));
        assert_eq!(
            whole.any,
            vec![encode(TokenKind::Name, "汇鑫宝网络科技有限公司")]
        );
        let brand = AnalyzedQuery::new("汇鑫宝").entry_retrieval(false);
        assert_eq!((brand.parts.len(), brand.need), (2, 1));
        // A word may sit inside a longer word of a name, so words never raise the need.
        let mixed = AnalyzedQuery::new("jdj汇鑫").entry_retrieval(false);
        assert_eq!(mixed.need, 1, "{mixed:?}");
        let article = AnalyzedQuery::new("汇鑫宝").article_retrieval();
        assert!(article.needs_all() && article.need == 2);
    }
}
