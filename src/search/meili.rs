//! The Meilisearch backend, for deployments with several instances. It receives the same
//! tokens as the embedded index, each as one short word of letters (so jieba never
//! re-segments Chinese, and a long name costs no more than a short one), in a field `words`.
//! A lookup asks one-word queries in two multi-searches: first one per identity token (the
//! whole name, a code, a phone) and per pinyin pair, with a count of each part's documents;
//! then, for the parts, only the rarest as many as a document with enough of them must have
//! one of (it needs `need` of `n`, so it has one of any `n - need + 1`), leaving out common
//! parts as the embedded index does. Ranking then happens over database rows, as for the
//! embedded backend. (Meilisearch's `frequency` and `last` strategies cannot say "at least
//! `need` of these": they require the rarest, or the first, word.) Its cost is per document
//! returned.
//!
//! Every call has a deadline: a Meilisearch that accepts connections but never answers costs
//! a search at most [`SEARCH_TIMEOUT`] (then the lookup falls back to the database) and a
//! write at most [`WRITE_TIMEOUT`] (then the outbox keeps the change and retries).

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::documents::{DocumentDeletionQuery, DocumentsQuery};
use meilisearch_sdk::search::{MatchingStrategies, SearchQuery};
use meilisearch_sdk::settings::{
    FilterableAttribute, PrefixSearchSettings, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use serde::{Deserialize, Serialize};

use super::SearchError;
use super::analysis::{TokenKind, as_word};
use super::document::{DocKind, IndexDoc, doc_key};
use super::embedded::{COMMON_AT_LEAST, COMMON_SHARE};
use super::query::Retrieval;

/// Meilisearch filters compare numbers as doubles; an open-ended publicity gets a day far
/// beyond any real date instead of `i64::MAX`.
const OPEN_ENDED_DAY: i64 = 100_000_000;
/// Most identity queries sent in one multi-search request.
const MAX_TOKENS: usize = 24;
/// The fewest documents asked of one query of a pinyin pair (those queries share the
/// candidate budget).
const MIN_PAGE: usize = 40;
/// Most candidates a lookup takes, in multiples of its limit (each query may bring its own).
const MAX_PAGES: usize = 4;
/// The shape of the documents this version writes, stored in each one: an index holding
/// documents of another shape (or none) must be filled again.
const SHAPE: u32 = 2;
/// Words of a query Meilisearch reads; it ignores the rest.
pub const QUERY_WORDS: usize = 10;
/// The searchable field. Its name is the document shape's version: an index whose
/// searchable field differs was filled by another shape and must be filled again.
const FIELD: &str = "words";
/// The longest a search may take before the lookup answers from the database instead.
pub const SEARCH_TIMEOUT: Duration = Duration::from_millis(1500);
/// The longest a write (including waiting for its task) may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Documents fetched per request by the sweep.
const SWEEP_PAGE: usize = 5_000;

#[derive(Serialize, Deserialize)]
struct MeiliDoc {
    key: String,
    id: i64,
    kind: String,
    ends_day: i64,
    /// When the document was written (Unix seconds), to drop stale ones after a rebuild.
    generation: i64,
    shape: u32,
    words: Vec<String>,
}

#[derive(Deserialize)]
struct Hit {
    id: i64,
}

pub struct Meili {
    client: Client,
    index: String,
}

fn unavailable(e: impl std::fmt::Display) -> SearchError {
    SearchError::Unavailable(e.to_string())
}

/// Runs a call with a deadline; a missed deadline counts as the backend being unavailable.
async fn within<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, SearchError>>,
) -> Result<T, SearchError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(SearchError::Unavailable(format!(
            "no answer within {} ms",
            limit.as_millis()
        ))),
    }
}

impl Meili {
    pub fn new(url: &str, key: Option<&str>, index: &str) -> Result<Meili, SearchError> {
        Ok(Meili {
            client: Client::new(url, key).map_err(unavailable)?,
            index: index.to_string(),
        })
    }

    /// Waits for a task; a failed task means Meilisearch rejected what it was sent.
    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        let task = task
            .wait_for_completion(
                &self.client,
                Some(Duration::from_millis(50)),
                Some(WRITE_TIMEOUT),
            )
            .await
            .map_err(unavailable)?;
        if task.is_failure() {
            return Err(SearchError::Rejected(format!(
                "{:?}",
                task.unwrap_failure()
            )));
        }
        Ok(())
    }

    fn settings() -> Settings {
        Settings::new()
            .with_searchable_attributes([FIELD])
            .with_filterable_attributes(["kind", "ends_day", "generation", "shape"])
            .with_displayed_attributes(["id"])
            .with_ranking_rules(["words"])
            .with_proximity_precision("byAttribute")
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(false),
                ..TypoToleranceSettings::default()
            })
    }

    /// The index's settings, or `None` when there is no index yet.
    async fn current_settings(&self) -> Result<Option<Settings>, SearchError> {
        match self.client.index(&self.index).get_settings().await {
            Ok(s) => Ok(Some(s)),
            Err(meilisearch_sdk::errors::Error::Meilisearch(_)) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Whether the index already has jingshi's settings (so a restart sends nothing).
    async fn configured(&self, current: &Settings) -> Result<bool, SearchError> {
        let index = self.client.index(&self.index);
        let prefix = index.get_prefix_search().await.map_err(unavailable)?;
        let want = Self::settings();
        let set =
            |v: &Option<Vec<String>>| -> HashSet<String> { v.iter().flatten().cloned().collect() };
        // Meilisearch may answer plain names or granular settings objects for the same list.
        let filterable = |s: &Settings| -> HashSet<String> {
            s.filterable_attributes
                .iter()
                .flatten()
                .flat_map(|a| match a {
                    FilterableAttribute::Attribute(name) => vec![name.clone()],
                    FilterableAttribute::Settings(s) => s.attribute_patterns.clone(),
                })
                .collect()
        };
        Ok(current.searchable_attributes == want.searchable_attributes
            && set(&current.displayed_attributes) == set(&want.displayed_attributes)
            && current.ranking_rules == want.ranking_rules
            && filterable(current) == filterable(&want)
            && current.typo_tolerance.as_ref().and_then(|t| t.enabled) == Some(false)
            && matches!(prefix, PrefixSearchSettings::Disabled))
    }

    /// Creates the index if needed and applies jingshi's settings when they differ: only the
    /// token field is searchable; no typo tolerance or prefix search on opaque tokens
    /// (homophones and typos are handled by pinyin tokens); filters on kind and publicity.
    pub async fn configure(&self) -> Result<(), SearchError> {
        within(WRITE_TIMEOUT, async {
            let current = self.current_settings().await?;
            if let Some(current) = &current
                && self.configured(current).await?
            {
                return Ok(());
            }
            let task = self
                .client
                .create_index(&self.index, Some("key"))
                .await
                .map_err(unavailable)?;
            // An existing index answers with a failed task; that is fine.
            let _ = task
                .wait_for_completion(&self.client, Some(Duration::from_millis(50)), None)
                .await;
            let index = self.client.index(&self.index);
            self.wait(
                index
                    .set_settings(&Self::settings())
                    .await
                    .map_err(unavailable)?,
            )
            .await?;
            self.wait(
                index
                    .set_prefix_search(PrefixSearchSettings::Disabled)
                    .await
                    .map_err(unavailable)?,
            )
            .await
        })
        .await
    }

    /// Whether some document was written by another version's shape (an upgrade changed
    /// what is indexed): such documents match no query of this one.
    pub async fn has_other_shapes(&self) -> Result<bool, SearchError> {
        let index = self.client.index(&self.index);
        let filter = format!("shape NOT EXISTS OR shape != {SHAPE}");
        within(SEARCH_TIMEOUT, async {
            let mut query = SearchQuery::new(&index);
            query.with_filter(&filter).with_limit(1);
            // Any document will do, whatever fields an older shape gave it.
            let response = self
                .client
                .multi_search()
                .with_search_query(query)
                .execute::<serde::de::IgnoredAny>()
                .await
                .map_err(unavailable)?;
            Ok(response.results.iter().any(|r| !r.hits.is_empty()))
        })
        .await
    }

    pub async fn num_docs(&self) -> Result<u64, SearchError> {
        within(SEARCH_TIMEOUT, async {
            let stats = self
                .client
                .index(&self.index)
                .get_stats()
                .await
                .map_err(unavailable)?;
            Ok(stats.number_of_documents as u64)
        })
        .await
    }

    pub async fn apply(&self, upserts: &[IndexDoc], deletes: &[String]) -> Result<(), SearchError> {
        within(WRITE_TIMEOUT, async {
            let index = self.client.index(&self.index);
            if !deletes.is_empty() {
                self.wait(index.delete_documents(deletes).await.map_err(unavailable)?)
                    .await?;
            }
            if !upserts.is_empty() {
                let task = self.send(upserts).await?;
                self.wait(task).await?;
            }
            Ok(())
        })
        .await
    }

    /// Sends documents without waiting for Meilisearch to index them (a rebuild sends batch
    /// after batch, which Meilisearch indexes together); [`Meili::finish`] waits.
    pub async fn send(&self, upserts: &[IndexDoc]) -> Result<TaskInfo, SearchError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let docs: Vec<MeiliDoc> = upserts
            .iter()
            .map(|d| MeiliDoc {
                key: d.key.clone(),
                id: d.id,
                kind: d.kind.key().to_string(),
                ends_day: d.ends_day.min(OPEN_ENDED_DAY),
                generation: now,
                shape: SHAPE,
                words: d.tokens.iter().map(|t| as_word(t)).collect(),
            })
            .collect();
        within(WRITE_TIMEOUT, async {
            self.client
                .index(&self.index)
                .add_or_replace(&docs, Some("key"))
                .await
                .map_err(unavailable)
        })
        .await
    }

    /// Waits for a task [`Meili::send`] returned; an error if Meilisearch refused it.
    pub async fn finish(&self, task: TaskInfo) -> Result<(), SearchError> {
        self.wait(task).await
    }

    async fn delete_where(&self, filter: &str) -> Result<(), SearchError> {
        within(WRITE_TIMEOUT, async {
            let index = self.client.index(&self.index);
            let mut query = DocumentDeletionQuery::new(&index);
            query.with_filter(filter);
            self.wait(
                index
                    .delete_documents_with(&query)
                    .await
                    .map_err(unavailable)?,
            )
            .await
        })
        .await
    }

    /// Deletes documents written before `stamp` (Unix seconds), or by another shape (which
    /// may have no `generation`): after a rebuild has rewritten everything public, they were
    /// not rewritten and are stale.
    pub async fn remove_older_than(&self, stamp: i64) -> Result<(), SearchError> {
        self.delete_where(&format!(
            "generation < {stamp} OR shape NOT EXISTS OR shape != {SHAPE}"
        ))
        .await
    }

    /// Deletes every document whose publicity ended before `today` (a day number).
    pub async fn delete_ended(&self, today: i64) -> Result<(), SearchError> {
        self.delete_where(&format!("ends_day < {today}")).await
    }

    /// The ids of every document of `kind` (for the sweep), a page at a time.
    pub async fn ids(&self, kind: DocKind) -> Result<Vec<i64>, SearchError> {
        let index = self.client.index(&self.index);
        let filter = format!("kind = {}", kind.key());
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = within(SEARCH_TIMEOUT * 4, async {
                let mut query = DocumentsQuery::new(&index);
                query
                    .with_fields(["id"])
                    .with_filter(&filter)
                    .with_offset(offset)
                    .with_limit(SWEEP_PAGE);
                index
                    .get_documents_with::<Hit>(&query)
                    .await
                    .map_err(unavailable)
            })
            .await?;
            let n = page.results.len();
            out.extend(page.results.into_iter().map(|h| h.id));
            if n < SWEEP_PAGE {
                return Ok(out);
            }
            offset += n;
        }
    }

    pub async fn delete_ids(&self, kind: DocKind, ids: &[i64]) -> Result<(), SearchError> {
        let keys: Vec<String> = ids.iter().map(|id| doc_key(kind, *id)).collect();
        self.apply(&[], &keys).await
    }

    /// Ids of documents of `kind` whose publicity lasts at least until `today` (the filter
    /// applies before the cut) that have an identity token or one of the parts a document
    /// with enough of them must have (every token, when all are needed); and whether some
    /// query had more than `limit`. Parts are weighed as the embedded index weighs them: a
    /// first round counts each part's documents (asking for none), a second asks for the
    /// rarest.
    pub async fn candidates(
        &self,
        kind: DocKind,
        wanted: &Retrieval,
        today: i64,
        limit: usize,
    ) -> Result<(Vec<i64>, bool), SearchError> {
        let filter = format!("kind = {} AND ends_day >= {today}", kind.key());
        if wanted.needs_all() {
            // Meilisearch reads the first QUERY_WORDS words; `article_candidates` checks
            // the rest.
            let words: Vec<String> = wanted.parts.iter().map(|t| as_word(t)).collect();
            let pages = within(
                SEARCH_TIMEOUT,
                self.search(&[(words.join(" "), limit)], &filter),
            )
            .await?;
            return Ok(merge(pages, limit));
        }
        let (pinyin, identity): (Vec<&String>, Vec<&String>) =
            wanted.any.iter().partition(|t| TokenKind::Pinyin.marks(t));
        let pinyin_page = limit
            .div_ceil(pinyin.len().clamp(1, MAX_TOKENS))
            .max(MIN_PAGE)
            .min(limit);
        let mut first: Vec<(String, usize)> = identity
            .iter()
            .take(MAX_TOKENS)
            .map(|t| (as_word(t), limit))
            .chain(
                pinyin
                    .iter()
                    .take(MAX_TOKENS)
                    .map(|t| (as_word(t), pinyin_page)),
            )
            .collect();
        let asked = first.len();
        first.extend(wanted.parts.iter().map(|t| (as_word(t), 0)));
        // An empty query counts the documents.
        first.push((String::new(), 0));
        let within_deadline = async {
            let mut pages = self.search(&first, &filter).await?;
            let total = pages.pop().map_or(0, |p| p.total);
            let counts: Vec<usize> = pages.drain(asked..).map(|p| p.total).collect();
            let common = (total as u64 / COMMON_SHARE).max(COMMON_AT_LEAST) as usize;
            let parts = pages_of_parts(
                parts_to_ask(&wanted.parts, &counts, wanted.need, common),
                limit,
            );
            if !parts.is_empty() {
                pages.extend(self.search(&parts, &filter).await?);
            }
            Ok::<_, SearchError>(pages)
        };
        let pages = within(SEARCH_TIMEOUT, within_deadline).await?;
        Ok(merge(pages, limit))
    }

    /// Runs `(query, documents wanted)` pairs as one multi-search, asking one more than
    /// wanted to tell whether there are more.
    async fn search(
        &self,
        asks: &[(String, usize)],
        filter: &str,
    ) -> Result<Vec<Page>, SearchError> {
        let index = self.client.index(&self.index);
        let mut multi = self.client.multi_search();
        for (words, wanted) in asks {
            let mut sq = SearchQuery::new(&index);
            sq.with_query(words)
                .with_matching_strategy(MatchingStrategies::ALL);
            // A count (no documents wanted) weighs a part across the index, as the embedded
            // index does, without the filter's cost.
            if *wanted > 0 {
                sq.with_filter(filter).with_limit(wanted + 1);
            } else {
                sq.with_limit(0);
            }
            multi.with_search_query(sq);
        }
        let response = multi.execute::<Hit>().await.map_err(unavailable)?;
        Ok(response
            .results
            .into_iter()
            .zip(asks)
            .map(|(result, (_, wanted))| Page {
                more: result.hits.len() > *wanted,
                ids: result
                    .hits
                    .into_iter()
                    .take(*wanted)
                    .map(|h| h.result.id)
                    .collect(),
                total: result.estimated_total_hits.unwrap_or(0),
            })
            .collect())
    }
}

/// What one query answered.
struct Page {
    ids: Vec<i64>,
    /// There were more documents than wanted.
    more: bool,
    /// How many documents have the query's words (as Meilisearch estimates).
    total: usize,
}

/// The pages' ids, each once, at most `limit` of them, and whether some page had more.
fn merge(pages: Vec<Page>, limit: usize) -> (Vec<i64>, bool) {
    let mut seen = HashSet::new();
    let capped = pages.iter().any(|p| p.more);
    let ids = pages
        .into_iter()
        .flat_map(|p| p.ids)
        .filter(|id| seen.insert(*id))
        .collect::<Vec<_>>();
    let over = ids.len() > limit * MAX_PAGES;
    let mut ids = ids;
    ids.truncate(limit * MAX_PAGES);
    (ids, capped || over)
}

/// The parts to ask for, given how many documents have each: as the embedded index weighs
/// them, a part in more than `common` documents tells nothing and is left out, lowering
/// `need` by one (unless every part is: then the rarest alone); a part no document has is
/// left out too; then the `n - need + 1` rarest, one of which any document with `need` of the
/// `n` has.
fn parts_to_ask<'a>(
    parts: &'a [String],
    counts: &[usize],
    need: usize,
    common: usize,
) -> Vec<(usize, &'a String)> {
    let mut counted: Vec<(usize, &String)> = counts.iter().copied().zip(parts).collect();
    counted.sort_by_key(|(n, _)| *n);
    let mut need = need.max(1);
    if counted.iter().any(|(n, _)| *n <= common) {
        let before = counted.len();
        counted.retain(|(n, _)| *n <= common);
        need = need.saturating_sub(before - counted.len()).max(1);
    } else {
        counted.truncate(1);
        need = 1;
    }
    counted.retain(|(n, _)| *n > 0);
    let ask = (counted.len() + 1).saturating_sub(need);
    counted.truncate(ask);
    counted
}

/// The queries for the parts to ask, rarest first with their counts, sharing `limit`: each
/// asks for all its documents when they fit its share of what is left (rare parts, whose
/// documents are all kept), the commoner ones share the rest (at least [`MIN_PAGE`] each).
fn pages_of_parts(asked: Vec<(usize, &String)>, limit: usize) -> Vec<(String, usize)> {
    let mut left = limit;
    let k = asked.len();
    asked
        .into_iter()
        .enumerate()
        .map(|(i, (count, t))| {
            let share = (left / (k - i)).max(MIN_PAGE);
            let page = count.clamp(1, share);
            left = left.saturating_sub(page);
            (as_word(t), page)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("b{i}")).collect()
    }

    #[test]
    fn the_rarest_parts_are_asked_as_many_as_a_name_with_enough_must_have_one_of() {
        let p = parts(5);
        // Three of five needed: the three rarest, whatever their order in the query.
        let asked = parts_to_ask(&p, &[900, 3, 40, 7, 2], 3, 5_000);
        assert_eq!(asked, [(2, &p[4]), (3, &p[1]), (7, &p[3])]);
        // A common part is left out and lowers the need: two of the other four, so three.
        let asked = parts_to_ask(&p, &[90_000, 3, 40, 7, 2], 3, 5_000);
        assert_eq!(asked, [(2, &p[4]), (3, &p[1]), (7, &p[3])]);
        // A part no name has is left out: three of the other four are needed, so two.
        let asked = parts_to_ask(&p, &[0, 3, 40, 7, 2], 3, 5_000);
        assert_eq!(asked, [(2, &p[4]), (3, &p[1])]);
        // Fewer parts exist than are needed: nothing can have enough.
        assert!(parts_to_ask(&p, &[0, 0, 0, 7, 2], 3, 5_000).is_empty());
        // Every part common: the rarest alone.
        let asked = parts_to_ask(&p, &[90_000, 80_000, 70_000, 60_000, 50_000], 3, 5_000);
        assert_eq!(asked, [(50_000, &p[4])]);
        // One needed: every part.
        assert_eq!(parts_to_ask(&p, &[1, 2, 3, 4, 5], 1, 5_000).len(), 5);
    }

    #[test]
    fn rare_parts_bring_all_their_documents_and_common_ones_share_the_rest() {
        let p = parts(4);
        let asked = vec![(3, &p[0]), (12, &p[1]), (900, &p[2]), (4_000, &p[3])];
        let pages: Vec<usize> = pages_of_parts(asked, 200)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(pages, [3, 12, 92, 93]);
        let asked = vec![
            (5_000, &p[0]),
            (6_000, &p[1]),
            (7_000, &p[2]),
            (8_000, &p[3]),
        ];
        let pages: Vec<usize> = pages_of_parts(asked, 200)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(pages, [50, 50, 50, 50]);
    }
}
