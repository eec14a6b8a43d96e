//! The unified social credit code (统一社会信用代码) of GB 32100-2015.
//!
//! 18 characters from `0-9 A-H J-N P-R T U W-Y`; the last is a check character computed with
//! modulus 31 over the first 17. A code whose check character fails is accepted with a warning:
//! some legally issued pilot-era codes (e.g. `91350100M0001TGQXM`) fail the check.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// The 31 characters allowed in a code, in the order of their values (GB 32100-2015, table 1).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
pub const LEN: usize = 18;

/// A well-formed credit code: 18 upper-case characters from the GB 32100 charset. Its check
/// character may fail (pilot-era codes); anything else cannot be a `CreditCode`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl<'de> serde::Deserialize<'de> for CreditCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CreditCode::from_stored(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a credit code at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为18位，实为{0}位")]
    Length(usize),
    #[error("统一社会信用代码第{position}位“{found}”不是允许的字符（不含 I、O、Z、S、V）")]
    Character { position: usize, found: char },
}

/// The result of parsing: the code, and whether its check character holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub code: CreditCode,
    pub check_ok: bool,
}

pub const CHECK_WARNING: &str =
    "该统一社会信用代码校验位有误，请核对（部分早期试点代码校验位不符，已照录）";

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters of a code.
fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value_of(c).unwrap_or(0) * w)
        .sum();
    CHARSET[((31 - sum % 31) % 31) as usize]
}

/// Upper-cases and removes what people type around a code: spaces, dashes, full width.
pub fn compact(input: &str) -> String {
    input
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '—' | '–' | '_' | '.'))
        .flat_map(char::to_uppercase)
        .collect()
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Parsed, CreditCodeError> {
        let compacted = compact(input);
        let chars: Vec<char> = compacted.chars().collect();
        if chars.len() != LEN {
            return Err(CreditCodeError::Length(chars.len()));
        }
        if let Some((i, &c)) = chars
            .iter()
            .enumerate()
            .find(|&(_, &c)| !c.is_ascii() || value_of(c as u8).is_none())
        {
            return Err(CreditCodeError::Character {
                position: i + 1,
                found: c,
            });
        }
        let bytes = compacted.as_bytes();
        let check_ok = check_char(&bytes[..17]) == bytes[17];
        Ok(Parsed {
            code: CreditCode(compacted),
            check_ok,
        })
    }

    /// A code as stored: exactly 18 characters of the charset, nothing to compact. Anything else
    /// is refused, so that a damaged stored value never passes for a code.
    pub fn from_stored(s: &str) -> Result<CreditCode, CreditCodeError> {
        let n = s.chars().count();
        if n != LEN {
            return Err(CreditCodeError::Length(n));
        }
        match s
            .chars()
            .enumerate()
            .find(|&(_, c)| !c.is_ascii() || value_of(c as u8).is_none())
        {
            Some((i, found)) => Err(CreditCodeError::Character {
                position: i + 1,
                found,
            }),
            None => Ok(CreditCode(s.to_string())),
        }
    }

    /// Whether a query looks like someone meant to type a credit code (for search hints).
    pub fn looks_like_code(input: &str) -> bool {
        let c = compact(input);
        let n = c.chars().count();
        (15..=20).contains(&n)
            && c.chars().filter(char::is_ascii_digit).count() >= 8
            && c.chars().all(|ch| ch.is_ascii_alphanumeric())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Completes 17 characters with their check character (used by tests and demo generators).
    pub fn with_check(first17: &str) -> Option<CreditCode> {
        let c = compact(first17);
        if c.len() != 17 || !c.bytes().all(|b| value_of(b).is_some()) {
            return None;
        }
        let check = check_char(c.as_bytes()) as char;
        Some(CreditCode(format!("{c}{check}")))
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn charset_char() -> impl Strategy<Value = char> {
        (0..31usize).prop_map(|i| CHARSET[i] as char)
    }

    fn body() -> impl Strategy<Value = String> {
        proptest::collection::vec(charset_char(), 17).prop_map(|v| v.into_iter().collect())
    }

    #[test]
    fn known_valid_codes_pass_the_check() {
        for code in [
            "914100007110665832",
            "91410100737459086M",
            "91410000055086673P",
        ] {
            let p = CreditCode::parse(code).unwrap();
            assert!(p.check_ok, "{code}");
        }
    }

    #[test]
    fn stored_codes_must_be_exact() {
        assert!(CreditCode::from_stored("91350100M0001TGQXM").is_ok());
        assert!(CreditCode::from_stored("91350100m0001tgqxm").is_err());
        assert!(CreditCode::from_stored("9135 0100M0001TGQXM").is_err());
        assert!(CreditCode::from_stored("").is_err());
        let json = serde_json::to_string(&CreditCode::from_stored("91410100737459086M").unwrap());
        assert_eq!(json.unwrap(), "\"91410100737459086M\"");
        assert!(serde_json::from_str::<CreditCode>("\"BAD\"").is_err());
    }

    #[test]
    fn a_pilot_era_code_parses_with_a_failed_check() {
        let p = CreditCode::parse("91350100M0001TGQXM").unwrap();
        assert!(!p.check_ok);
        assert_eq!(p.code.as_str(), "91350100M0001TGQXM");
    }

    #[test]
    fn spaces_dashes_case_and_full_width_are_folded() {
        let p = CreditCode::parse("91 410100-737459086 m").unwrap();
        assert_eq!(p.code.as_str(), "91410100737459086M");
        let p = CreditCode::parse("９１４１０１００７３７４５９０８６Ｍ").unwrap();
        assert_eq!(p.code.as_str(), "91410100737459086M");
    }

    #[test]
    fn wrong_length_and_forbidden_letters_are_errors() {
        assert_eq!(CreditCode::parse("9141"), Err(CreditCodeError::Length(4)));
        assert_eq!(
            CreditCode::parse("91410100737459086I"),
            Err(CreditCodeError::Character {
                position: 18,
                found: 'I'
            })
        );
        assert!(matches!(
            CreditCode::parse("9141010073745908钱M"),
            Err(CreditCodeError::Character { position: 17, .. })
        ));
    }

    proptest! {
        #[test]
        fn every_code_with_its_check_character_passes(b in body()) {
            let code = CreditCode::with_check(&b).unwrap();
            let p = CreditCode::parse(code.as_str()).unwrap();
            prop_assert!(p.check_ok);
        }

        #[test]
        fn any_single_substitution_is_detected(b in body(), pos in 0..18usize, sub in charset_char()) {
            let code = CreditCode::with_check(&b).unwrap();
            let mut chars: Vec<char> = code.as_str().chars().collect();
            prop_assume!(chars[pos] != sub);
            chars[pos] = sub;
            let changed: String = chars.into_iter().collect();
            let p = CreditCode::parse(&changed).unwrap();
            prop_assert!(!p.check_ok);
        }

        #[test]
        fn parsing_never_panics_and_accepts_only_18_charset_chars(s in "\\PC{0,30}") {
            if let Ok(p) = CreditCode::parse(&s) {
                prop_assert_eq!(p.code.as_str().len(), 18);
                prop_assert!(p.code.as_str().bytes().all(|b| value_of(b).is_some()));
            }
        }

        #[test]
        fn lower_case_and_separators_do_not_change_the_code(b in body(), sep in "[ -]{0,2}") {
            let code = CreditCode::with_check(&b).unwrap();
            let messy = format!("{}{sep}{}", &code.as_str()[..6].to_lowercase(), &code.as_str()[6..]);
            prop_assert_eq!(CreditCode::parse(&messy).unwrap().code, code);
        }
    }
}
