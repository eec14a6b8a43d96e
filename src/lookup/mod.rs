//! The lookup a resident runs ("is this platform on the list?"), as a service the search page,
//! the API and suggestions share, testable without HTTP.
//!
//! The database decides, the search index only proposes: exact identities (the whole name or
//! an alias, the credit code, a host, a phone) come straight from the database, so a fresh
//! entry is found at once; the index adds candidate ids for parts of names, pinyin and
//! homophones; the database confirms which candidates are public and returns their rows;
//! ranking, totals and facets are computed from those rows alone. When the index cannot answer,
//! a simple database lookup takes its place and the answer says so.

pub mod screen;
pub mod understand;
pub mod verdict;

use std::collections::{BTreeMap, HashSet};

use time::Date;

use crate::domain::entry::KeyKind;
use crate::domain::normalize::registrable_domain;
use crate::domain::{Category, EntryStatus, ListKind};
pub use crate::search::highlight::highlight;
pub use crate::search::query::AnalyzedQuery;
use crate::search::rank::{Ranked, rank_entries, score_article};
use crate::search::{ENTRY_CANDIDATES, SearchService};
use crate::store::{Article, ArticleFilter, Entry, EntryFilter, Public, Store, StoreError};

pub use understand::MAX_QUERY_CHARS;
pub use verdict::{Basis, Match, MatchKind, Verdict};

/// Facet filters a resident can set on the results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub list: Option<ListKind>,
    pub category: Option<Category>,
    pub status: Option<EntryStatus>,
    pub year: Option<i32>,
}

impl Filters {
    /// The same filters for the public list and the simple database lookup.
    pub fn entry_filter(&self, q: Option<String>, limit: i64, offset: i64) -> EntryFilter {
        EntryFilter {
            q,
            list: self.list,
            category: self.category,
            status: self.status,
            year: self.year,
            limit,
            offset,
            ..EntryFilter::default()
        }
    }

    pub fn keeps(&self, e: &Entry) -> bool {
        let d = &e.data;
        self.list.is_none_or(|l| d.list == l)
            && self.category.is_none_or(|c| d.category == c)
            && self.status.is_none_or(|s| d.status == s)
            && self
                .year
                .is_none_or(|y| d.listed_on.is_some_and(|l| l.year() == y))
    }
}

/// Counts over the entries the verdict speaks of (the real matches, or the similar ones when
/// there are none), before the filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub list: BTreeMap<ListKind, usize>,
    pub category: BTreeMap<Category, usize>,
    pub status: BTreeMap<EntryStatus, usize>,
    pub year: BTreeMap<i32, usize>,
}

impl Facets {
    fn of<'a>(entries: impl Iterator<Item = &'a Entry>) -> Facets {
        let mut f = Facets::default();
        for e in entries {
            let d = &e.data;
            *f.list.entry(d.list).or_default() += 1;
            *f.category.entry(d.category).or_default() += 1;
            *f.status.entry(d.status).or_default() += 1;
            if let Some(l) = d.listed_on {
                *f.year.entry(l.year()).or_default() += 1;
            }
        }
        f
    }

    pub fn count(&self, status: EntryStatus) -> usize {
        self.status.get(&status).copied().unwrap_or(0)
    }

    /// How many entries were counted.
    pub fn total(&self) -> usize {
        self.status.values().sum()
    }
}

/// An entry that matched, and how.
#[derive(Debug, Clone)]
pub struct EntryHit {
    pub entry: Public<Entry>,
    pub matched: Match,
}

impl EntryHit {
    pub fn kind(&self) -> MatchKind {
        self.matched.kind()
    }
}

/// The answer to a lookup, one page of it.
#[derive(Debug, Clone, Default)]
pub struct EntryResults {
    /// The answer, from the real matches only, whatever the filters.
    pub verdict: Verdict,
    /// The real matches (exact or contains), before the filters, in rank order: the entries
    /// the verdict names.
    pub matched: Vec<EntryHit>,
    /// Similar hits, before the filters.
    pub similar: usize,
    /// The hits of the requested page, after the filters, in rank order.
    pub hits: Vec<EntryHit>,
    /// Matches after the filters.
    pub total: usize,
    /// There may be more matches than were considered.
    pub capped: bool,
    /// Counts over the entries the verdict speaks of, before the filters.
    pub facets: Facets,
    /// The search index could not answer; these come from the simple database lookup.
    pub degraded: bool,
}

/// Longest query whose parts are all looked up as whole names (see [`exact_keys`]).
const PARTS_UP_TO: usize = 40;

/// The keys a query can match exactly in the database (see `EntryData::keys`): its
/// code, the registrable domain of its web address, its phone number, or, for text, the
/// whole query and every part of it of two or more characters, so that a name inside the query
/// (`钱满仓是不是骗子`) is found by the database too, not only by the index.
fn exact_keys(q: &AnalyzedQuery) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(code) = &q.code {
        keys.push(KeyKind::Code.key(&code.to_uppercase()));
    }
    if let Some(host) = &q.host {
        keys.push(KeyKind::Host.key(&registrable_domain(host)));
    }
    if let Some(phone) = &q.phone {
        keys.push(KeyKind::Phone.key(phone));
    }
    if q.code.is_none() && q.host.is_none() && !q.folded.is_empty() {
        keys.push(KeyKind::Name.key(&q.folded));
        let chars: Vec<char> = q.folded.chars().collect();
        if chars.len() <= PARTS_UP_TO {
            for start in 0..chars.len() {
                for end in start + 2..=chars.len() {
                    if end - start < chars.len() {
                        let part: String = chars[start..end].iter().collect();
                        keys.push(KeyKind::Name.key(&part));
                    }
                }
            }
        }
    }
    keys
}

/// All matches of a query, ranked, before filters and paging; and whether the index answered.
async fn matches(
    store: &Store,
    search: &SearchService,
    q: &AnalyzedQuery,
    today: Date,
) -> Result<(Vec<Ranked<Public<Entry>>>, bool, bool), StoreError> {
    // As many exact matches as index candidates: a brand shared by thousands of entries costs
    // no more than a generic word, and the answer says "at least".
    let mut exact = store
        .public_entries_by_keys(&exact_keys(q), today, ENTRY_CANDIDATES as i64 + 1)
        .await?;
    let mut capped = exact.len() > ENTRY_CANDIDATES;
    exact.truncate(ENTRY_CANDIDATES);
    for with_pinyin in [false, true] {
        if with_pinyin && q.pinyin.is_empty() {
            break;
        }
        match search.entry_candidates(q, with_pinyin, today).await {
            Ok(found) => {
                capped |= found.capped;
                let known: HashSet<i64> = exact.iter().map(|e| e.id).collect();
                let mut ids: Vec<i64> = found
                    .ids
                    .into_iter()
                    .filter(|id| !known.contains(id))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                // Taken, not copied: whether an entry matches depends on it and the query
                // alone, so when nothing matches in the first round the exact ones do not
                // match in the second either.
                let mut entries = std::mem::take(&mut exact);
                entries.extend(store.public_entries_by_ids(&ids, today).await?);
                let ranked = rank_entries(q, entries);
                if !ranked.is_empty() {
                    return Ok((ranked, capped, false));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "search index unavailable; using the database lookup");
                let (ranked, more, degraded) = fallback(store, q, exact, today).await?;
                return Ok((ranked, capped || more, degraded));
            }
        }
    }
    Ok((Vec::new(), capped, false))
}

/// The simple database lookup: a substring of the folded name, aliases, code, hosts and
/// phones, plus the exact matches; ranked like the index's candidates.
async fn fallback(
    store: &Store,
    q: &AnalyzedQuery,
    mut entries: Vec<Public<Entry>>,
    today: Date,
) -> Result<(Vec<Ranked<Public<Entry>>>, bool, bool), StoreError> {
    let key = understand::understand(&q.raw).key;
    let mut capped = false;
    if !key.is_empty() {
        let limit = ENTRY_CANDIDATES as i64;
        let filter = Filters::default().entry_filter(Some(key), limit, 0);
        let (total, found) = store.public_entries(&filter, today).await?;
        capped = total > limit;
        for e in found {
            if !entries.iter().any(|x| x.id == e.id) {
                entries.push(e);
            }
        }
    }
    Ok((rank_entries(q, entries), capped, true))
}

/// Changes waiting longer than this mean the index is behind (the worker normally applies
/// them within a second).
pub const INDEX_LAG_AFTER: time::Duration = time::Duration::seconds(5);
/// Waiting changes are counted up to this many.
pub const INDEX_LAG_COUNT: i64 = 10_000;

/// The search index is behind the database: a rebuild is under way, or changes have waited
/// longer than [`INDEX_LAG_AFTER`]. Exact identities still come from the database; parts of
/// names, pinyin and homophones may miss the newest entries meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexLag {
    /// The index is being built from the database.
    pub rebuilding: bool,
    /// Changes waiting (at most [`INDEX_LAG_COUNT`]).
    pub pending: i64,
    /// How long the oldest has waited, in seconds.
    pub seconds: i64,
}

impl IndexLag {
    /// What the page and the API say about it.
    pub fn notice(&self) -> String {
        let what = if self.rebuilding {
            "检索索引正在重建".to_string()
        } else {
            let more = if self.pending >= INDEX_LAG_COUNT {
                "以上"
            } else {
                ""
            };
            format!(
                "名单刚有更新，检索索引尚在同步（{} 条{more}变更待处理，最早的已等待 {} 秒）",
                self.pending, self.seconds
            )
        };
        format!(
            "{what}：按完整名称、别名、统一社会信用代码、网址或电话查询的结果已包含最新数据；\
             按名称的一部分或拼音查询，可能暂时查不到最新的条目。"
        )
    }
}

/// Where the search index stands against the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexState {
    /// Behind enough to say so.
    pub lag: Option<IndexLag>,
    /// Nothing waits for it and it is not being rebuilt: a lookup that starts now sees
    /// everything committed so far (an answer may then be kept until the data changes).
    pub settled: bool,
}

/// Where the search index stands, as of `now`; ask before a lookup, so that a settled index
/// vouches for the answer that follows.
pub async fn index_state(
    store: &Store,
    search: &SearchService,
    now: time::OffsetDateTime,
) -> Result<IndexState, StoreError> {
    let waiting = store.outbox_lag(INDEX_LAG_COUNT).await?;
    let rebuilding = search.needs_rebuild();
    let settled = waiting.is_none() && !rebuilding;
    let (pending, seconds) = match waiting {
        Some(w) => (w.pending, (now - w.oldest).whole_seconds().max(0)),
        None => (0, 0),
    };
    let lag = (rebuilding || seconds >= INDEX_LAG_AFTER.whole_seconds()).then_some(IndexLag {
        rebuilding,
        pending,
        seconds,
    });
    Ok(IndexState { lag, settled })
}

/// Looks a query up: the verdict, and one page of hits after `filters`, with totals and
/// facets over all matches.
pub async fn find_entries(
    store: &Store,
    search: &SearchService,
    q: &AnalyzedQuery,
    filters: &Filters,
    page: u32,
    per_page: u32,
    today: Date,
) -> Result<EntryResults, StoreError> {
    if q.is_empty() {
        return Ok(EntryResults::default());
    }
    let (ranked, capped, degraded) = matches(store, search, q, today).await?;
    let hit = |r: &Ranked<Public<Entry>>| EntryHit {
        entry: r.item.clone(),
        matched: r.matched,
    };
    let verdict = Verdict::of(
        ranked
            .iter()
            .map(|r| (r.matched.kind(), r.item.data.status)),
    );
    let matched: Vec<EntryHit> = ranked
        .iter()
        .filter(|r| r.matched.kind().is_real())
        .map(hit)
        .collect();
    let similar = ranked.len() - matched.len();
    let facets = if matched.is_empty() {
        Facets::of(ranked.iter().map(|r| &*r.item))
    } else {
        Facets::of(matched.iter().map(|h| &*h.entry))
    };
    let kept: Vec<&Ranked<Public<Entry>>> =
        ranked.iter().filter(|r| filters.keeps(&r.item)).collect();
    let total = kept.len();
    let skip = (page.saturating_sub(1) as usize).saturating_mul(per_page as usize);
    let hits = kept
        .into_iter()
        .skip(skip)
        .take(per_page as usize)
        .map(hit)
        .collect();
    Ok(EntryResults {
        verdict,
        matched,
        similar,
        hits,
        total,
        capped,
        facets,
        degraded,
    })
}

/// The first few matches, for suggestions while typing, and whether the database fallback
/// found them (the search index could not answer).
pub async fn suggest(
    store: &Store,
    search: &SearchService,
    q: &AnalyzedQuery,
    today: Date,
) -> Result<(Vec<Public<Entry>>, bool), StoreError> {
    let found = find_entries(store, search, q, &Filters::default(), 1, 8, today).await?;
    let entries = found.hits.into_iter().map(|h| h.entry).collect();
    Ok((entries, found.degraded))
}

/// Public articles whose text contains every distinctive part of the query, best first; the
/// database lookup of titles and summaries when the index cannot answer.
pub async fn find_articles(
    store: &Store,
    search: &SearchService,
    q: &AnalyzedQuery,
    today: Date,
) -> Result<Vec<Public<Article>>, StoreError> {
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let ids = match search.article_candidates(q, today).await {
        Ok(found) => found.ids,
        Err(e) => {
            tracing::warn!(error = %e, "search index unavailable; using the database lookup");
            let filter = ArticleFilter {
                q: Some(q.folded.clone()).filter(|k| !k.is_empty()),
                limit: 200,
                ..ArticleFilter::default()
            };
            return Ok(store.public_articles(&filter).await?.1);
        }
    };
    let rows = store.public_articles_by_ids(&ids).await?;
    // Relevance, then the index's own order (BM25).
    let mut ranked: Vec<(u32, usize, Public<Article>)> = rows
        .into_iter()
        .map(|a| {
            let position = ids.iter().position(|id| *id == a.id).unwrap_or(usize::MAX);
            (score_article(q, &a.data), position, a)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(ranked.into_iter().map(|(_, _, a)| a).collect())
}
