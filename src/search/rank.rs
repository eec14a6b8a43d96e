//! Ranking shared by every backend: backends only propose candidate ids; which of the
//! entries the database confirmed match, how (exact, contains or only similar, see
//! `lookup::verdict`) and in what order is decided here from their stored data, so both
//! backends answer alike.

use super::analysis::{
    bigrams, distinctive_in, distinctive_part, fold, host_label, is_cjk, phone_digits,
    pinyin_match, registrable_domain,
};
use super::query::AnalyzedQuery;
use crate::domain::EntryStatus;
use crate::domain::article::ArticleData;
use crate::lookup::verdict::{Basis, Match};
use crate::store::{Entry, Public};

/// How a folded name (or alias) matches the query, if at all. Runs for every candidate of
/// every query, so it avoids allocating where it can.
fn match_name(q: &AnalyzedQuery, f: &str, alias: bool) -> Option<Match> {
    if f.is_empty() || q.folded.is_empty() {
        return None;
    }
    let pick = |name: Basis, alias_basis: Basis| if alias { alias_basis } else { name };
    if f == q.folded {
        return Some(Match {
            basis: pick(Basis::Name, Basis::Alias),
            score: if alias { 8_000 } else { 8_500 },
        });
    }
    let (qlen, flen) = (q.folded.chars().count(), f.chars().count());
    let part = qlen >= 2 && f.contains(q.folded.as_str());
    if part && distinctive_part(f, &q.folded) >= 2 {
        // The query is a distinctive part of the name: the larger the part, the better.
        return Some(Match {
            basis: pick(Basis::QueryInName, Basis::QueryInAlias),
            score: 5_000 + (1_000 * qlen / flen) as u32,
        });
    }
    if flen >= 2 && q.folded.contains(f) && distinctive_in(f, 0, flen) >= 2 {
        // The whole name inside the query (`钱满仓是不是骗子`); best when the rest is only
        // generic words (`汇鑫宝科技` for the alias `汇鑫宝`).
        let generic_rest = if leftover_is_generic(q, f) { 500 } else { 0 };
        return Some(Match {
            basis: pick(Basis::NameInQuery, Basis::AliasInQuery),
            score: 4_000 + generic_rest + (400 * flen / qlen) as u32,
        });
    }

    // Everything else is only similar.
    let mut best = 0;
    if part {
        // A part made of generic words only (`投资管理`).
        best = 1_500 + (400 * qlen / flen) as u32;
    }
    let units = q.distinctive_bigrams().count() + q.words.len();
    let matched = q
        .distinctive_bigrams()
        .filter(|b| f.contains(b.text.as_str()))
        .count()
        + q.words.iter().filter(|w| f.contains(w.as_str())).count();
    if units > 0 {
        // At least half of the distinctive part must be there, and some of it at all.
        if matched > 0 && matched * 2 >= units {
            best = best.max(2_000 + (1_000 * matched / units) as u32);
        }
    } else if !q.bigrams.is_empty() {
        let all = q.bigrams.len();
        let hit = q
            .bigrams
            .iter()
            .filter(|b| f.contains(b.text.as_str()))
            .count();
        if hit * 2 >= all && hit > 0 {
            best = best.max(1_000 + (500 * hit / all) as u32);
        }
    }
    let mut found = (best > 0).then_some(Match {
        basis: Basis::SharedCharacters,
        score: best,
    });

    // Homophones and typed pinyin: the costlier check, only for what is not a real match,
    // and it names the reason when the sound explains the hit better than shared characters.
    let cjk = f.chars().filter(|c| is_cjk(*c)).count();
    if !q.pinyin.is_empty() && cjk > q.pinyin.len() {
        let (all_pairs, typed_in) = pinyin_match(f, &q.pinyin, q.typed_pinyin.as_deref());
        if all_pairs {
            let basis = if q.typed_pinyin.is_some() {
                Basis::Pinyin
            } else {
                Basis::Homophone
            };
            let score = 2_900 + 10 * q.pinyin.len().min(9) as u32;
            found = Some(Match { basis, score }.better(found));
        }
        if typed_in {
            found = Some(
                Match {
                    basis: Basis::Pinyin,
                    score: 2_950,
                }
                .better(found),
            );
        }
    }
    found
}

/// Whether what the query has beyond `part` is only generic words.
fn leftover_is_generic(q: &AnalyzedQuery, part: &str) -> bool {
    let rest = q.folded.replacen(part, "", 1);
    bigrams(&rest).iter().all(|b| b.generic) && !rest.chars().any(|c| c.is_ascii_alphanumeric())
}

/// How an entry matches the query, or `None` when it does not.
pub fn match_entry(q: &AnalyzedQuery, e: &Entry) -> Option<Match> {
    let d = &e.data;
    if let Some(code) = &q.code {
        let same = d
            .credit_code
            .as_ref()
            .is_some_and(|c| c.as_str().eq_ignore_ascii_case(code));
        return same.then_some(Match {
            basis: Basis::CreditCode,
            score: 10_000,
        });
    }
    if let Some(host) = &q.host {
        let domain = registrable_domain(host);
        if d.websites.iter().any(|w| registrable_domain(w) == domain) {
            return Some(Match {
                basis: Basis::Website,
                score: 9_000,
            });
        }
        let label = host_label(host);
        return d
            .websites
            .iter()
            .any(|w| host_label(w) == label)
            .then_some(Match {
                basis: Basis::WebsiteName,
                score: 3_000,
            });
    }
    let mut best: Option<Match> = None;
    if let Some(p) = &q.phone
        && d.phones.iter().any(|x| phone_digits(x) == *p)
    {
        best = Some(Match {
            basis: Basis::Phone,
            score: 9_000,
        });
    }
    for (i, f) in e.keys.iter().enumerate() {
        if let Some(m) = match_name(q, f, i > 0) {
            best = Some(m.better(best));
        }
    }
    let label_hit = d.websites.iter().any(|w| {
        let label = host_label(w);
        q.words.contains(&label) || q.typed_pinyin.as_ref() == Some(&label)
    });
    if label_hit {
        let m = Match {
            basis: Basis::WebsiteName,
            score: 3_000,
        };
        best = Some(m.better(best));
    }
    best
}

/// The relevance of an article whose text already contains every distinctive bigram.
pub fn score_article(q: &AnalyzedQuery, a: &ArticleData) -> u32 {
    let title = fold(&a.title);
    let summary = fold(&a.summary);
    if !q.folded.is_empty() && title.contains(&q.folded) {
        3_000
    } else if !q.folded.is_empty() && summary.contains(&q.folded) {
        2_000
    } else {
        1_000
    }
}

/// An entry that matched, with how it matched.
#[derive(Debug, Clone)]
pub struct Ranked<T> {
    pub item: T,
    pub matched: Match,
}

/// Matches the entries the database confirmed, drops those that do not match, and orders the
/// rest: exact, then contains, then similar; within a kind listed before removed, then
/// relevance, then the shorter (more specific) name.
pub fn rank_entries(
    q: &AnalyzedQuery,
    candidates: Vec<Public<Entry>>,
) -> Vec<Ranked<Public<Entry>>> {
    let mut hits: Vec<Ranked<Public<Entry>>> = candidates
        .into_iter()
        .filter_map(|item| match_entry(q, &item).map(|matched| Ranked { item, matched }))
        .collect();
    let listed = |e: &Entry| e.data.status == EntryStatus::Listed;
    hits.sort_by(|a, b| {
        a.matched
            .kind()
            .cmp(&b.matched.kind())
            .then(listed(&b.item).cmp(&listed(&a.item)))
            .then(b.matched.score.cmp(&a.matched.score))
            .then(
                a.item
                    .data
                    .name
                    .chars()
                    .count()
                    .cmp(&b.item.data.name.chars().count()),
            )
            .then(a.item.id.cmp(&b.item.id))
    });
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Publication;
    use crate::domain::entry::EntryData;
    use crate::lookup::MatchKind;

    fn entry(name: &str, aliases: &[&str], websites: &[&str]) -> Entry {
        let data = EntryData {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            websites: websites.iter().map(|w| w.to_string()).collect(),
            phones: vec!["0371-60001234".into()],
            ..crate::domain::entry::tests::sample()
        };
        let derived = data.keys();
        let mut keys = vec![derived.name_key];
        keys.extend(derived.alias_keys);
        Entry {
            id: 1,
            data,
            publication: Publication::Published,
            version: 1,
            keys,
            published_at: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            withdrawn_at: None,
            withdrawal_reason: String::new(),
        }
    }

    fn basis(q: &str, e: &Entry) -> Option<Basis> {
        match_entry(&AnalyzedQuery::new(q), e).map(|m| m.basis)
    }

    #[test]
    fn whole_names_aliases_codes_and_phones_are_exact() {
        let e = entry("河南钱满仓金融信息服务有限公司", &["钱满仓"], &[]);
        assert_eq!(basis("錢滿倉", &e), Some(Basis::Alias));
        assert_eq!(
            basis("河南钱满仓金融信息服务有限公司", &e),
            Some(Basis::Name)
        );
        assert_eq!(basis("（0371）6000-1234", &e), Some(Basis::Phone));
        assert_eq!(basis("+86 0371 6000 1234", &e), Some(Basis::Phone));
    }

    #[test]
    fn a_distinctive_part_or_a_name_inside_the_query_is_contains() {
        let e = entry("河南钱满仓金融信息服务有限公司", &["钱满仓"], &[]);
        assert_eq!(basis("满仓", &e), Some(Basis::QueryInAlias));
        assert_eq!(basis("钱满仓金融", &e), Some(Basis::QueryInName));
        assert_eq!(basis("钱满仓是不是骗子", &e), Some(Basis::AliasInQuery));
        let company = entry("郑州汇鑫宝网络科技有限公司", &[], &[]);
        assert_eq!(
            basis("郑州汇鑫宝网络科技有限公司靠谱吗", &company),
            Some(Basis::NameInQuery)
        );
    }

    #[test]
    fn generic_words_homophones_and_shared_characters_are_only_similar() {
        let e = entry("河南钱满仓金融信息服务有限公司", &["钱满仓"], &[]);
        let kind = |q: &str| match_entry(&AnalyzedQuery::new(q), &e).map(|m| m.kind());
        assert_eq!(basis("钱满苍", &e), Some(Basis::Homophone));
        assert_eq!(basis("qianmancang", &e), Some(Basis::Pinyin));
        assert_eq!(kind("金融信息服务"), Some(MatchKind::Similar));
        assert_eq!(kind("钱满多"), Some(MatchKind::Similar));
        assert_eq!(kind("仓金融"), Some(MatchKind::Similar));
        assert_eq!(kind("钱多多"), None);
    }

    #[test]
    fn websites_match_by_registrable_domain_never_by_a_first_label() {
        let e = entry("示例", &[], &["qianmancang.com"]);
        assert_eq!(
            basis("https://m.qianmancang.com/x", &e),
            Some(Basis::Website)
        );
        assert_eq!(basis("app.qianmancang.com", &e), Some(Basis::Website));
        assert_eq!(basis("qianmancang.cn", &e), Some(Basis::WebsiteName));
        let mobile = entry("示例", &[], &["m.other.com"]);
        assert_eq!(basis("https://m.qianmancang.com/x", &mobile), None);
        let sub = entry("示例", &[], &["app.kadaiban.com.cn"]);
        assert_eq!(
            basis("https://www.kadaiban.com.cn/", &sub),
            Some(Basis::Website)
        );
    }
}
