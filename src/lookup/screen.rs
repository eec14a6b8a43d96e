//! Screening a counterparty (a bank's or a platform's customer) against the list: each of its
//! identifiers (name, credit code, website, phone) is looked up as a resident's query would
//! be, by [`find_entries`](super::find_entries), and the hits are joined per entry, keeping the
//! strongest match. The verdict comes from those matches by the same rule as the lookup's.

use time::Date;

use super::{AnalyzedQuery, EntryHit, Filters, Match, Verdict, find_entries};
use crate::domain::CreditCode;
use crate::domain::normalize::{clean_input, phone, website_host};
use crate::lookup::MAX_QUERY_CHARS;
use crate::search::SearchService;
use crate::store::{Entry, Public, Store, StoreError};

/// Similar names kept per identifier (real matches are all kept).
const SIMILAR_PER_IDENTIFIER: u32 = 5;

/// What a counterparty is known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identifier {
    Name,
    CreditCode,
    Website,
    Phone,
}

impl Identifier {
    pub const ALL: [Identifier; 4] = [
        Identifier::Name,
        Identifier::CreditCode,
        Identifier::Website,
        Identifier::Phone,
    ];

    /// The API's field name.
    pub fn key(self) -> &'static str {
        match self {
            Identifier::Name => "name",
            Identifier::CreditCode => "credit_code",
            Identifier::Website => "website",
            Identifier::Phone => "phone",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Identifier::Name => "名称",
            Identifier::CreditCode => "统一社会信用代码",
            Identifier::Website => "网址",
            Identifier::Phone => "电话",
        }
    }
}

/// A counterparty's identifiers, checked: each one that is given, cleaned, and the warnings
/// (a credit code whose check character fails is still screened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterparty {
    pub identifiers: Vec<(Identifier, String)>,
    pub warnings: Vec<String>,
}

impl Counterparty {
    /// Checks identifiers as given (`None`: not given); a Chinese message for the first
    /// problem.
    pub fn check(given: &[(Identifier, Option<&str>)]) -> Result<Counterparty, String> {
        let mut identifiers = Vec::new();
        let mut warnings = Vec::new();
        for &(id, value) in given {
            let Some(raw) = value else { continue };
            let text = clean_input(raw).text;
            if text.is_empty() {
                continue;
            }
            if text.chars().count() > MAX_QUERY_CHARS {
                return Err(format!("{}过长：最多 {MAX_QUERY_CHARS} 个字符", id.label()));
            }
            match id {
                Identifier::Name => {}
                Identifier::CreditCode => match CreditCode::parse(&text) {
                    Ok(p) if !p.check_ok => warnings
                        .push("统一社会信用代码校验位有误，仍按该代码查询，请核对".to_string()),
                    Ok(_) => {}
                    Err(e) => return Err(format!("统一社会信用代码有误：{e}")),
                },
                Identifier::Website => {
                    website_host(&text).map_err(|e| e.to_string())?;
                }
                Identifier::Phone => {
                    phone(&text).map_err(|e| e.to_string())?;
                }
            }
            identifiers.push((id, text));
        }
        if identifiers.is_empty() {
            return Err("请至少填写名称（name）、统一社会信用代码（credit_code）、网址（website）或电话（phone）之一".into());
        }
        Ok(Counterparty {
            identifiers,
            warnings,
        })
    }
}

/// An entry a counterparty matched: the strongest match, and which identifier matched how.
#[derive(Debug, Clone)]
pub struct ScreenHit {
    pub entry: Public<Entry>,
    /// The identifier and query of the strongest match, and the match.
    pub best: (Identifier, String, Match),
    /// Every identifier that found this entry, with its match.
    pub by: Vec<(Identifier, Match)>,
}

/// The answer for one counterparty.
#[derive(Debug, Clone)]
pub struct Screened {
    pub verdict: Verdict,
    /// Strongest first, listed before removed within a kind.
    pub hits: Vec<ScreenHit>,
}

/// Looks each identifier up and joins the hits per entry.
pub async fn screen(
    store: &Store,
    search: &SearchService,
    c: &Counterparty,
    today: Date,
) -> Result<Screened, StoreError> {
    let mut hits: Vec<ScreenHit> = Vec::new();
    for (id, text) in &c.identifiers {
        let q = AnalyzedQuery::new(text);
        let found = find_entries(
            store,
            search,
            &q,
            &Filters::default(),
            1,
            SIMILAR_PER_IDENTIFIER,
            today,
        )
        .await?;
        let similar = found.hits.into_iter().filter(|h| !h.kind().is_real());
        for EntryHit { entry, matched } in found.matched.into_iter().chain(similar) {
            match hits.iter_mut().find(|h| h.entry.id == entry.id) {
                Some(h) => {
                    if matched.better(Some(h.best.2)) == matched && matched != h.best.2 {
                        h.best = (*id, text.clone(), matched);
                    }
                    h.by.push((*id, matched));
                }
                None => hits.push(ScreenHit {
                    entry,
                    best: (*id, text.clone(), matched),
                    by: vec![(*id, matched)],
                }),
            }
        }
    }
    hits.sort_by(|a, b| {
        (
            a.best.2.kind(),
            a.entry.data.status,
            std::cmp::Reverse(a.best.2.score),
        )
            .cmp(&(
                b.best.2.kind(),
                b.entry.data.status,
                std::cmp::Reverse(b.best.2.score),
            ))
    });
    let verdict = Verdict::of(hits.iter().map(|h| (h.best.2.kind(), h.entry.data.status)));
    Ok(Screened { verdict, hits })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counterparty_needs_one_valid_identifier() {
        assert!(Counterparty::check(&[(Identifier::Name, Some("  "))]).is_err());
        let err = Counterparty::check(&[(Identifier::CreditCode, Some("123"))]).unwrap_err();
        assert!(err.starts_with("统一社会信用代码有误"), "{err}");
        assert!(Counterparty::check(&[(Identifier::Website, Some("not a site"))]).is_err());
        let ok = Counterparty::check(&[
            (Identifier::Name, Some("钱满仓")),
            (Identifier::Phone, Some("400-000-1818")),
            (Identifier::Website, None),
        ])
        .unwrap();
        assert_eq!(ok.identifiers.len(), 2);
        let long = "钱".repeat(101);
        assert!(Counterparty::check(&[(Identifier::Name, Some(long.as_str()))]).is_err());
    }
}
