//! Normalisation of what people type and what staff import: names, multi-valued cells,
//! web addresses (stored as bare hosts) and phone numbers; and the one rule for invisible
//! characters, which queries, imported cells and forms share.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Trims and collapses inner runs of whitespace; keeps the characters as written.
pub fn clean_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What kind of invisible character `c` is, when it is one: a character a reader cannot see
/// that can still change what text says or how it displays. A right-to-left override
/// (U+202E) makes `司公限有` display as `有限公司`, so a query or a name holding one can read as
/// something it is not; NUL and other control characters break files and terminals.
/// Whitespace (tab, line breaks) is not counted: it is visible as space and collapsed where a
/// field is one line.
pub fn hidden_kind(c: char) -> Option<&'static str> {
    match c {
        '\0' => Some("空字符"),
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => Some("文字方向控制符"),
        '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}' => {
            Some("零宽字符")
        }
        '\u{E0000}'..='\u{E007F}' => Some("标签字符"),
        c if c.is_control() && !c.is_whitespace() => Some("控制字符"),
        _ => None,
    }
}

/// An invisible character found in text that must not hold one (an imported cell, a form
/// field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("含有不可见字符 U+{:04X}（{}），请删除后重试", u32::from(*.0), hidden_kind(*.0).unwrap_or("控制字符"))]
pub struct HiddenChar(pub char);

/// Refuses text holding an invisible character, naming the first one: for input that must
/// not hold one (imported cells, staff forms).
pub fn check_visible(s: &str) -> Result<(), HiddenChar> {
    match s.chars().find(|c| hidden_kind(*c).is_some()) {
        Some(c) => Err(HiddenChar(c)),
        None => Ok(()),
    }
}

/// One line of typed input (a lookup query, a form field), made safe to match and to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// Invisible characters removed, whitespace collapsed and trimmed.
    pub text: String,
    /// Whether invisible characters were removed (worth telling the person who typed them).
    pub removed: bool,
}

/// Removes invisible characters (see [`hidden_kind`]) and collapses whitespace, so that what
/// is matched is what is shown: a query wrapped in U+202E is matched, and shown on the
/// receipt, in the order its characters really have.
pub fn clean_input(s: &str) -> Cleaned {
    let mut removed = false;
    let kept: String = s
        .chars()
        .filter(|c| {
            let hidden = hidden_kind(*c).is_some();
            removed |= hidden;
            !hidden
        })
        .collect();
    Cleaned {
        text: clean_text(&kept),
        removed,
    }
}

/// The one fold for matching, used by import identity, the database lookup and both search
/// backends alike: NFKC (full width → half width), traditional → simplified (zhconv's OpenCC
/// tables), lower case, and only letters and digits, so `ＡＢＣ 稳盈`, `abc稳盈` and `錢滿倉`/`钱满仓`
/// compare equal.
pub fn fold(s: &str) -> String {
    let nfkc = nfkc(s);
    let simplified = if nfkc.chars().any(is_cjk) {
        Cow::Owned(zhconv::zhconv(&nfkc, zhconv::Variant::ZhHans))
    } else {
        nfkc
    };
    simplified
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// `s` in NFKC. Most text already is, and the quick check says so without decomposing and
/// composing every character (a third of an import's reading time at a million rows).
fn nfkc(s: &str) -> Cow<'_, str> {
    match is_nfkc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        IsNormalized::No | IsNormalized::Maybe => Cow::Owned(s.nfkc().collect()),
    }
}

/// CJK ideographs (the unified blocks and their extensions, and compatibility ideographs).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Splits a multi-valued cell on `;` `；` `、` or newlines, dropping empty parts and duplicates.
pub fn split_multi(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split([';', '；', '、', '\n', '\r']) {
        let v = clean_text(part);
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Why a web address was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效的网址或域名")]
pub struct BadWebsite(pub String);

/// The bare host of a web address: no scheme, no `www.`, no port, path or query; lower case.
/// Accepts `https://www.Example.com/a?b=1`, `www.example.com`, `example.com/path`.
pub fn website_host(input: &str) -> Result<String, BadWebsite> {
    let s = nfkc(input).trim().to_string();
    let with_scheme = if s.contains("://") {
        s.clone()
    } else {
        format!("http://{s}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| BadWebsite(input.trim().to_string()))?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        _ => return Err(BadWebsite(input.trim().to_string())),
    };
    let host = host.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    let valid_domain = host.contains('.')
        && host
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    if !valid_domain {
        return Err(BadWebsite(input.trim().to_string()));
    }
    Ok(host.to_string())
}

/// The registrable domain of a bare host (`m.qianmancang.com` → `qianmancang.com`,
/// `app.kadaiban.com.cn` → `kadaiban.com.cn`), by the Public Suffix List, so that two sites
/// compare as one firm's only when they share the part a registrant owns, never merely a
/// first label such as `m.` or `app.`. Private suffixes count too (`a.github.io` and
/// `b.github.io` belong to different people). An IP address, or a host that is itself a public
/// suffix, is its own registrable domain.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    match psl::domain_str(&host) {
        Some(domain) => domain.to_string(),
        None => host,
    }
}

/// Why a phone number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效的电话号码")]
pub struct BadPhone(pub String);

/// A phone number with full-width digits folded, separators unified to `-`, spaces and
/// brackets dropped and a `+86`/`0086` prefix removed: `（0371）6000 1234` → `0371-60001234`.
pub fn phone(input: &str) -> Result<String, BadPhone> {
    let s = nfkc(input);
    let s = s.trim();
    let s = s
        .strip_prefix("+86")
        .or_else(|| s.strip_prefix("0086"))
        .unwrap_or(s);
    let mut out = String::new();
    let mut pending_sep = false;
    for c in s.chars() {
        match c {
            '0'..='9' => {
                if pending_sep && !out.is_empty() {
                    out.push('-');
                }
                pending_sep = false;
                out.push(c);
            }
            '-' | '—' | '–' | '－' | ')' => pending_sep = true,
            ' ' | '(' => {}
            _ => return Err(BadPhone(input.trim().to_string())),
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    if !(5..=20).contains(&digits) {
        return Err(BadPhone(input.trim().to_string()));
    }
    Ok(out)
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_width_case_space_and_punctuation() {
        assert_eq!(fold("ＡＢＣ 稳盈"), "abc稳盈");
        assert_eq!(fold("金豆荚（河南）"), "金豆荚河南");
        assert_eq!(fold("JDJ-理财!"), "jdj理财");
        assert_eq!(fold("錢滿倉"), "钱满仓");
    }

    #[test]
    fn multi_valued_cells_split_on_every_separator() {
        assert_eq!(
            split_multi("钱满仓；钱满仓APP、 乐 存 ;\n钱满仓"),
            vec!["钱满仓", "钱满仓APP", "乐 存"]
        );
        assert!(split_multi(" ; ").is_empty());
    }

    #[test]
    fn websites_are_stored_as_bare_hosts() {
        assert_eq!(
            website_host("https://www.QianManCang.com/invest/list?id=3").unwrap(),
            "qianmancang.com"
        );
        assert_eq!(website_host("www.example.cn").unwrap(), "example.cn");
        assert_eq!(website_host("ｅｘａｍｐｌｅ.com/a").unwrap(), "example.com");
        assert_eq!(
            website_host("http://app.example.com:8080").unwrap(),
            "app.example.com"
        );
        assert!(website_host("不是网址").is_err());
        assert!(website_host("localhost").is_err());
    }

    #[test]
    fn hosts_compare_by_registrable_domain() {
        assert_eq!(registrable_domain("m.qianmancang.com"), "qianmancang.com");
        assert_eq!(registrable_domain("qianmancang.com"), "qianmancang.com");
        assert_eq!(registrable_domain("app.kadaiban.com.cn"), "kadaiban.com.cn");
        assert_eq!(registrable_domain("m.other.com"), "other.com");
        assert_eq!(registrable_domain("a.github.io"), "a.github.io");
        assert_eq!(registrable_domain("xinlibao.example"), "xinlibao.example");
        assert_eq!(registrable_domain("jucaitong.example.com"), "example.com");
        assert_eq!(registrable_domain("10.0.0.1"), "10.0.0.1");
        assert_eq!(registrable_domain("com.cn"), "com.cn");
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(phone("（0371）6000 1234").unwrap(), "0371-60001234");
        assert_eq!(phone("400－000－1234").unwrap(), "400-000-1234");
        assert_eq!(phone("+86 138 0000 0000").unwrap(), "13800000000");
        assert!(phone("电话").is_err());
        assert!(phone("12").is_err());
    }

    #[test]
    fn invisible_characters_are_named_and_removed() {
        for c in [
            '\0',
            '\u{7}',
            '\u{7f}',
            '\u{9b}',
            '\u{202a}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{200e}',
            '\u{200f}',
            '\u{200b}',
            '\u{feff}',
            '\u{e0041}',
        ] {
            assert!(hidden_kind(c).is_some(), "U+{:04X}", u32::from(c));
            assert_eq!(check_visible(&format!("示例{c}公司")), Err(HiddenChar(c)));
        }
        for c in ['a', '中', ' ', '\t', '\n', '\r', '（', '\u{3000}'] {
            assert_eq!(hidden_kind(c), None, "U+{:04X}", u32::from(c));
        }
        assert_eq!(
            HiddenChar('\u{202e}').to_string(),
            "含有不可见字符 U+202E（文字方向控制符），请删除后重试"
        );
        let reversed = clean_input("\u{202e}司公限有技科 \u{200b}\t通\u{202c}\0 ");
        assert_eq!(reversed.text, "司公限有技科 通");
        assert!(reversed.removed);
        let plain = clean_input("  示例  公司 ");
        assert_eq!(plain.text, "示例 公司");
        assert!(!plain.removed);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("100%_a\\"), "100\\%\\_a\\\\");
    }
}
