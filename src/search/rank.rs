//! Ranking shared by every backend: backends only propose candidate ids; which of the
//! entries the database confirmed match, and in what order, is decided here from their stored
//! data, so both backends answer alike.

use std::collections::HashSet;

use super::analysis::{bigrams, fold, host_label, is_cjk, phone_digits, pinyin_forms};
use super::query::AnalyzedQuery;
use crate::domain::EntryStatus;
use crate::domain::article::ArticleData;
use crate::store::{Entry, Public};

/// Relevance of a folded name (or alias) to the query; 0 when it does not match well enough.
/// Runs for every candidate of every query, so it avoids allocating where it can.
fn score_name(q: &AnalyzedQuery, f: &str, alias: bool) -> u32 {
    if f.is_empty() || q.folded.is_empty() {
        return 0;
    }
    if f == q.folded {
        return if alias { 8_000 } else { 8_500 };
    }
    let (qlen, flen) = (q.folded.chars().count(), f.chars().count());
    let mut best = 0;
    if qlen >= 2 && f.contains(q.folded.as_str()) {
        // The query is a contiguous part of the name: the larger the part, the better.
        best = 5_000 + (1_000 * qlen / flen) as u32;
    } else if flen >= 2 && q.folded.contains(f) && leftover_is_generic(q, f) {
        // The whole name plus generic words (`汇鑫宝科技` for the alias `汇鑫宝`).
        best = 4_000 + (1_000 * flen / qlen) as u32;
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

    // Pinyin is the costlier check and only a fallback for what characters did not find.
    let cjk = f.chars().filter(|c| is_cjk(*c)).count();
    if !q.pinyin.is_empty() && best < 1_900 && cjk > q.pinyin.len() {
        // Homophones and typed pinyin: every adjacent syllable pair is in the name.
        let (pairs, string) = pinyin_forms(f);
        let name_pinyin: HashSet<String> = pairs.into_iter().collect();
        let all_pairs = q
            .pinyin
            .iter()
            .all(|group| group.iter().any(|p| name_pinyin.contains(p)));
        if all_pairs {
            best = best.max(1_800 + 10 * q.pinyin.len().min(20) as u32);
        }
        if let Some(typed) = &q.typed_pinyin
            && string.contains(typed.as_str())
        {
            best = best.max(1_900);
        }
    }
    best
}

/// Whether what the query has beyond `part` is only generic words.
fn leftover_is_generic(q: &AnalyzedQuery, part: &str) -> bool {
    let rest = q.folded.replacen(part, "", 1);
    bigrams(&rest).iter().all(|b| b.generic) && !rest.chars().any(|c| c.is_ascii_alphanumeric())
}

/// The relevance of an entry, or `None` when it does not match.
pub fn score_entry(q: &AnalyzedQuery, e: &Entry) -> Option<u32> {
    let d = &e.data;
    if let Some(code) = &q.code {
        let same = d
            .credit_code
            .as_ref()
            .is_some_and(|c| c.as_str().eq_ignore_ascii_case(code));
        return same.then_some(10_000);
    }
    if let Some(host) = &q.host {
        if d.websites.iter().any(|w| w == host) {
            return Some(9_000);
        }
        return d
            .websites
            .iter()
            .any(|w| host_label(w) == host_label(host))
            .then_some(6_000);
    }
    let mut best = 0;
    if let Some(p) = &q.phone
        && d.phones.iter().any(|x| phone_digits(x) == *p)
    {
        best = 9_000;
    }
    for (i, f) in e.keys.iter().enumerate() {
        best = best.max(score_name(q, f, i > 0));
    }
    let label_hit = d.websites.iter().any(|w| {
        let label = host_label(w);
        q.words.iter().any(|x| x == label) || q.typed_pinyin.as_deref() == Some(label)
    });
    if label_hit {
        best = best.max(3_000);
    }
    (best > 0).then_some(best)
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

/// An item that matched, with its relevance.
#[derive(Debug, Clone)]
pub struct Ranked<T> {
    pub item: T,
    pub score: u32,
}

/// Scores the entries the database confirmed, drops those that do not match, and orders the
/// rest: relevance, then listed before removed, then the shorter (more specific) name.
pub fn rank_entries(
    q: &AnalyzedQuery,
    candidates: Vec<Public<Entry>>,
) -> Vec<Ranked<Public<Entry>>> {
    let mut hits: Vec<Ranked<Public<Entry>>> = candidates
        .into_iter()
        .filter_map(|item| score_entry(q, &item).map(|score| Ranked { item, score }))
        .collect();
    let listed = |e: &Entry| e.data.status == EntryStatus::Listed;
    hits.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(listed(&b.item).cmp(&listed(&a.item)))
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
