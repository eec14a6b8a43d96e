//! What a lookup answers: how each hit matched the query, and the verdict, which is built from
//! real matches only (DESIGN.md, search requirement 11). A name that merely shares characters
//! or a sound with the query is shown apart as similar and never makes the answer 在列 or
//! 已移出: a wrong 在列 names an innocent company on paper, a wrong 已移出 reassures a victim.

use crate::domain::EntryStatus;

/// How a hit matched, strongest first (the order results are ranked in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// The credit code, a website (by registrable domain), a phone, or the whole name or an
    /// alias after folding.
    Exact,
    /// The query is a distinctive part of the name or an alias, or a name or alias lies
    /// inside the query (`钱满仓是不是骗子`).
    Contains,
    /// Anything else the search engine proposes: homophones, pinyin, shared characters.
    Similar,
}

impl MatchKind {
    /// The API's word for it.
    pub fn key(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Contains => "contains",
            MatchKind::Similar => "similar",
        }
    }

    /// Whether a hit of this kind may decide the verdict.
    pub fn is_real(self) -> bool {
        self != MatchKind::Similar
    }
}

/// What matched; each basis belongs to exactly one kind, so the two cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    CreditCode,
    /// A website with the same registrable domain.
    Website,
    Phone,
    /// The whole name.
    Name,
    /// A whole alias.
    Alias,
    /// The query is a part of the name.
    QueryInName,
    /// The query is a part of an alias.
    QueryInAlias,
    /// The whole name is inside the query.
    NameInQuery,
    /// A whole alias is inside the query.
    AliasInQuery,
    /// The Chinese query sounds like (part of) the name: homophones, wrong characters.
    Homophone,
    /// Typed pinyin spells (part of) the name.
    Pinyin,
    /// A website whose name (the label the registrant chose) is the query's, under another
    /// registrable domain (`qianmancang.cn` for `qianmancang.com`).
    WebsiteName,
    /// Some characters or words are shared.
    SharedCharacters,
}

impl Basis {
    /// The API's word for it.
    pub fn key(self) -> &'static str {
        match self {
            Basis::CreditCode => "credit_code",
            Basis::Website => "website",
            Basis::Phone => "phone",
            Basis::Name => "name",
            Basis::Alias => "alias",
            Basis::QueryInName => "query_in_name",
            Basis::QueryInAlias => "query_in_alias",
            Basis::NameInQuery => "name_in_query",
            Basis::AliasInQuery => "alias_in_query",
            Basis::Homophone => "homophone",
            Basis::Pinyin => "pinyin",
            Basis::WebsiteName => "website_name",
            Basis::SharedCharacters => "shared_characters",
        }
    }

    /// Every basis, for the API's documentation.
    pub const ALL: [Basis; 13] = [
        Basis::CreditCode,
        Basis::Website,
        Basis::Phone,
        Basis::Name,
        Basis::Alias,
        Basis::QueryInName,
        Basis::QueryInAlias,
        Basis::NameInQuery,
        Basis::AliasInQuery,
        Basis::Homophone,
        Basis::Pinyin,
        Basis::WebsiteName,
        Basis::SharedCharacters,
    ];

    /// Why a hit for the query `q` matched, in words.
    pub fn explain(self, q: &str) -> String {
        match self {
            Basis::CreditCode => "统一社会信用代码一致".into(),
            Basis::Website => "网址与该主体的网址属于同一网站（同一注册域名）".into(),
            Basis::Phone => "联系电话一致".into(),
            Basis::Name => "名称完全一致".into(),
            Basis::Alias => "与该主体的别名完全一致".into(),
            Basis::QueryInName => format!("名称中包含“{q}”"),
            Basis::QueryInAlias => format!("别名中包含“{q}”"),
            Basis::NameInQuery => "查询内容中包含该主体的名称".into(),
            Basis::AliasInQuery => "查询内容中包含该主体的别名".into(),
            Basis::Homophone => {
                format!("读音与“{q}”相同或相近（可能是同音字或错别字），文字并不一致")
            }
            Basis::Pinyin => format!("名称的拼音与“{q}”相同或相近"),
            Basis::WebsiteName => "网址名称相同，但属于不同的网站（注册域名不同）".into(),
            Basis::SharedCharacters => format!("名称中有部分文字与“{q}”相同"),
        }
    }

    pub fn kind(self) -> MatchKind {
        match self {
            Basis::CreditCode | Basis::Website | Basis::Phone | Basis::Name | Basis::Alias => {
                MatchKind::Exact
            }
            Basis::QueryInName | Basis::QueryInAlias | Basis::NameInQuery | Basis::AliasInQuery => {
                MatchKind::Contains
            }
            Basis::Homophone | Basis::Pinyin | Basis::WebsiteName | Basis::SharedCharacters => {
                MatchKind::Similar
            }
        }
    }
}

/// How one entry matched a query, and how well (to order hits of the same kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub basis: Basis,
    pub score: u32,
}

impl Match {
    pub fn kind(&self) -> MatchKind {
        self.basis.kind()
    }

    /// The better of two matches: the stronger kind, then the higher score.
    pub fn better(self, other: Option<Match>) -> Match {
        match other {
            Some(o)
                if (o.kind(), std::cmp::Reverse(o.score))
                    < (self.kind(), std::cmp::Reverse(self.score)) =>
            {
                o
            }
            _ => self,
        }
    }
}

/// The answer to "is this platform on the list?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verdict {
    /// A real match is currently listed.
    Listed,
    /// There are real matches and every one has been removed from the list.
    Removed,
    /// Only similar names were found; none is the queried platform for sure.
    Similar,
    /// Nothing was found (or nothing was asked).
    #[default]
    None,
}

impl Verdict {
    /// Builds the verdict from the kind and status of every hit.
    pub fn of(hits: impl IntoIterator<Item = (MatchKind, EntryStatus)>) -> Verdict {
        let mut verdict = Verdict::None;
        for (kind, status) in hits {
            verdict = match (kind.is_real(), status, verdict) {
                (true, EntryStatus::Listed, _) => return Verdict::Listed,
                (true, EntryStatus::Removed, _) => Verdict::Removed,
                (false, _, Verdict::None) => Verdict::Similar,
                (false, _, v) => v,
            };
        }
        verdict
    }

    /// The API's word for it.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Listed => "listed",
            Verdict::Removed => "removed",
            Verdict::Similar => "similar",
            Verdict::None => "none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntryStatus::{Listed, Removed};
    use MatchKind::{Contains, Exact, Similar};

    #[test]
    fn only_real_matches_decide_the_verdict() {
        assert_eq!(Verdict::of([]), Verdict::None);
        assert_eq!(Verdict::of([(Similar, Listed)]), Verdict::Similar);
        assert_eq!(
            Verdict::of([(Similar, Listed), (Exact, Removed)]),
            Verdict::Removed
        );
        assert_eq!(
            Verdict::of([(Contains, Removed), (Exact, Listed)]),
            Verdict::Listed
        );
        assert_eq!(
            Verdict::of([(Exact, Removed), (Similar, Listed), (Contains, Removed)]),
            Verdict::Removed
        );
    }

    #[test]
    fn every_basis_has_one_kind_and_kinds_order_from_strongest() {
        assert_eq!(Basis::Website.kind(), Exact);
        assert_eq!(Basis::AliasInQuery.kind(), Contains);
        assert_eq!(Basis::Homophone.kind(), Similar);
        assert!(Exact < Contains && Contains < Similar);
    }

    #[test]
    fn the_better_match_is_the_stronger_kind_then_the_higher_score() {
        let exact = Match {
            basis: Basis::Alias,
            score: 8_000,
        };
        let contains = Match {
            basis: Basis::QueryInName,
            score: 5_900,
        };
        let similar = Match {
            basis: Basis::SharedCharacters,
            score: 2_500,
        };
        assert_eq!(contains.better(Some(exact)), exact);
        assert_eq!(exact.better(Some(contains)), exact);
        assert_eq!(similar.better(None), similar);
        let higher = Match {
            score: 2_900,
            ..similar
        };
        assert_eq!(similar.better(Some(higher)), higher);
    }
}
