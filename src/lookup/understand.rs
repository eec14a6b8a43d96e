//! What a resident typed into the lookup box, understood: a credit code, a web address or a
//! name, folded so that width, case, spaces and punctuation do not matter.

use crate::domain::credit_code::{self, CHECK_WARNING, CreditCode};
use crate::domain::normalize::{clean_input, fold, website_host};

/// Longest query accepted, in characters; longer ones are a 400, not a scan.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    CreditCode,
    Website,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupQuery {
    /// What was typed, cleaned of invisible characters and extra whitespace: what is matched,
    /// and what a receipt shows.
    pub raw: String,
    /// Folded text to look for; empty when nothing searchable is left.
    pub key: String,
    pub kind: QueryKind,
    /// A note for the resident, such as a failed credit-code check.
    pub hint: Option<String>,
}

fn looks_like_web_address(s: &str) -> bool {
    if s.contains("://") || s.to_ascii_lowercase().starts_with("www.") {
        return true;
    }
    let host = s.split('/').next().unwrap_or("");
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()))
}

pub fn understand(raw: &str) -> LookupQuery {
    let raw = clean_input(raw).text;
    if CreditCode::looks_like_code(&raw) {
        let compact = credit_code::compact(&raw);
        let hint = match CreditCode::parse(&raw) {
            Ok(p) if p.check_ok => None,
            Ok(_) => Some(CHECK_WARNING.to_string()),
            Err(e) => Some(format!("您输入的统一社会信用代码格式有误：{e}")),
        };
        return LookupQuery {
            key: fold(&compact),
            raw,
            kind: QueryKind::CreditCode,
            hint,
        };
    }
    let nfkc: String = {
        use unicode_normalization::UnicodeNormalization;
        raw.nfkc().collect()
    };
    if looks_like_web_address(nfkc.trim())
        && let Ok(host) = website_host(&nfkc)
    {
        return LookupQuery {
            key: fold(&host),
            raw,
            kind: QueryKind::Website,
            hint: None,
        };
    }
    LookupQuery {
        key: fold(&raw),
        raw,
        kind: QueryKind::Text,
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_url_becomes_its_host() {
        let q = understand("https://www.qianmancang.com/invest/list?id=3");
        assert_eq!(q.kind, QueryKind::Website);
        assert_eq!(q.key, "qianmancangcom");
        assert_eq!(understand("QIANMANCANG.COM").key, "qianmancangcom");
    }

    #[test]
    fn a_spaced_credit_code_is_compacted() {
        let q = understand("91 410100 737459086 m");
        assert_eq!(q.kind, QueryKind::CreditCode);
        assert_eq!(q.key, "91410100737459086m");
        assert_eq!(q.hint, None);
        assert_eq!(
            understand("91410100737459086A").hint.as_deref(),
            Some(CHECK_WARNING)
        );
    }

    #[test]
    fn names_are_folded() {
        let q = understand(" ｊｄｊ 理财 ");
        assert_eq!(q.kind, QueryKind::Text);
        assert_eq!(q.key, "jdj理财");
        assert_eq!(understand("%_%").key, "");
    }

    #[test]
    fn invisible_characters_never_reach_the_match() {
        let q = understand("\u{202e}91 410100 737459086 m\u{202c}");
        assert_eq!(q.kind, QueryKind::CreditCode);
        assert_eq!(q.raw, "91 410100 737459086 m");
        let q = understand("\u{200b}www.\u{200e}example.com\0");
        assert_eq!(q.kind, QueryKind::Website);
        assert_eq!(q.key, "examplecom");
        assert_eq!(understand("\u{202e}司公限有\u{202c}").raw, "司公限有");
    }
}
