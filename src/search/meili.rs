//! The Meilisearch backend, for deployments with several instances. It receives the same
//! tokens as the embedded index, each as one short word of letters (so jieba never
//! re-segments Chinese, and a long name costs no more than a short one), in a field `words`.
//! A lookup is one multi-search: a query per identity token (the whole name, a code, a
//! phone) and one query for the parts, answered best first by how many parts a document has
//! (Meilisearch's `frequency` strategy drops the commonest parts first); ranking then happens
//! over database rows, as for the embedded backend. Meilisearch's cost is per hit returned,
//! so one query for the parts instead of one per part is what keeps lookups fast.
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
use super::query::Retrieval;

/// Meilisearch filters compare numbers as doubles; an open-ended publicity gets a day far
/// beyond any real date instead of `i64::MAX`.
const OPEN_ENDED_DAY: i64 = 100_000_000;
/// Most identity queries sent in one multi-search request.
const MAX_TOKENS: usize = 24;
/// Meilisearch reads at most ten words of a query; longer lists of parts are split.
const QUERY_WORDS: usize = 10;
/// Documents first asked of a query of parts.
const FIRST: usize = 40;
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
            .with_filterable_attributes(["kind", "ends_day", "generation"])
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
    /// True when the index holds documents of another shape (an upgrade changed it), which
    /// must all be written again.
    pub async fn configure(&self) -> Result<bool, SearchError> {
        within(WRITE_TIMEOUT, async {
            let current = self.current_settings().await?;
            if let Some(current) = &current
                && self.configured(current).await?
            {
                return Ok(false);
            }
            let reshaped = current
                .as_ref()
                .is_some_and(|c| c.searchable_attributes != Self::settings().searchable_attributes);
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
            .await?;
            Ok(reshaped)
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

    /// Deletes documents written before `stamp` (Unix seconds): after a rebuild has rewritten
    /// everything public, what is older was not rewritten and is stale.
    pub async fn remove_older_than(&self, stamp: i64) -> Result<(), SearchError> {
        self.delete_where(&format!("generation < {stamp}")).await
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
    /// applies before the cut) with an identity token or enough of the parts (every token,
    /// when all are needed); and whether some query had more than `limit` such documents.
    /// Queries that need several parts ask for [`FIRST`] documents, and for the rest up to
    /// `limit` only when the last of those still had enough parts (Meilisearch's cost is per
    /// document returned, and most names have few near matches).
    pub async fn candidates(
        &self,
        kind: DocKind,
        wanted: &Retrieval,
        today: i64,
        limit: usize,
    ) -> Result<(Vec<i64>, bool), SearchError> {
        let filter = format!("kind = {} AND ends_day >= {today}", kind.key());
        let asks = asks(wanted);
        let first: Vec<usize> = asks
            .iter()
            .map(|a| if a.need > 1 { FIRST.min(limit) } else { limit })
            .collect();
        let all: Vec<(&Ask, usize, usize)> =
            asks.iter().zip(&first).map(|(a, &n)| (a, 0, n)).collect();
        let mut pages = within(SEARCH_TIMEOUT, self.search(&all, &filter)).await?;
        let again: Vec<usize> = (0..asks.len())
            .filter(|&i| first[i] < limit && pages[i].more)
            .collect();
        if !again.is_empty() {
            let second: Vec<(&Ask, usize, usize)> = again
                .iter()
                .map(|&i| (&asks[i], first[i], limit - first[i]))
                .collect();
            let rest = within(SEARCH_TIMEOUT, self.search(&second, &filter)).await?;
            // A second page says for its query whether there is still more.
            for (i, r) in again.into_iter().zip(rest) {
                pages[i].ids.extend(r.ids);
                pages[i].more = r.more;
            }
        }
        let capped = pages.iter().any(|p| p.more);
        let mut seen = HashSet::new();
        let ids = pages
            .into_iter()
            .flat_map(|p| p.ids)
            .filter(|id| seen.insert(*id))
            .collect();
        Ok((ids, capped))
    }

    /// Runs `(query, offset, limit)`s as one multi-search.
    async fn search(
        &self,
        asks: &[(&Ask, usize, usize)],
        filter: &str,
    ) -> Result<Vec<Page>, SearchError> {
        let index = self.client.index(&self.index);
        let mut multi = self.client.multi_search();
        for (ask, offset, limit) in asks {
            let mut sq = SearchQuery::new(&index);
            sq.with_query(&ask.words)
                .with_filter(filter)
                .with_offset(*offset)
                .with_limit(*limit)
                .with_matching_strategy(ask.strategy.clone())
                .with_show_ranking_score_details(ask.need > 1);
            multi.with_search_query(sq);
        }
        let response = multi.execute::<Hit>().await.map_err(unavailable)?;
        Ok(response
            .results
            .into_iter()
            .zip(asks)
            .map(|(result, (ask, _, limit))| {
                let enough = |details: &Option<serde_json::Map<String, serde_json::Value>>| {
                    let matching = details
                        .as_ref()
                        .and_then(|d| d.get("words")?.get("matchingWords")?.as_u64());
                    matching.is_none_or(|m| m as usize >= ask.need)
                };
                let last_enough = result
                    .hits
                    .last()
                    .is_some_and(|h| enough(&h.ranking_score_details));
                let full = result.hits.len() >= *limit;
                Page {
                    ids: result
                        .hits
                        .into_iter()
                        .filter(|h| enough(&h.ranking_score_details))
                        .map(|h| h.result.id)
                        .collect(),
                    more: full && last_enough,
                }
            })
            .collect())
    }
}

/// One query of a lookup's multi-search: its words, and how many of them a document needs
/// (at most one: any document it finds).
struct Ask {
    words: String,
    strategy: MatchingStrategies,
    need: usize,
}

/// What one query answered: the documents with enough words, and whether there may be
/// more (the page was full and its last document still had enough).
struct Page {
    ids: Vec<i64>,
    more: bool,
}

/// The queries of a retrieval: one per identity token, the pinyin pairs together (any one is
/// enough, as in the embedded index; those with the most come first) and the parts together
/// (in tens, as Meilisearch reads ten words; a document needs what the other tens cannot
/// make up of `need`); or every token at once when all are needed.
fn asks(wanted: &Retrieval) -> Vec<Ask> {
    let words = |tokens: &[String]| -> String {
        tokens
            .iter()
            .map(|t| as_word(t))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if wanted.needs_all() {
        return vec![Ask {
            words: words(&wanted.parts),
            strategy: MatchingStrategies::ALL,
            need: 0,
        }];
    }
    let (pinyin, identity): (Vec<String>, Vec<String>) = wanted
        .any
        .iter()
        .cloned()
        .partition(|t| TokenKind::Pinyin.marks(t));
    let mut asks: Vec<Ask> = identity
        .iter()
        .take(MAX_TOKENS)
        .map(|t| Ask {
            words: as_word(t),
            strategy: MatchingStrategies::ALL,
            need: 0,
        })
        .collect();
    asks.extend(pinyin.chunks(QUERY_WORDS).map(|chunk| Ask {
        words: words(chunk),
        strategy: MatchingStrategies::FREQUENCY,
        need: 1,
    }));
    let n = wanted.parts.len();
    asks.extend(wanted.parts.chunks(QUERY_WORDS).map(|chunk| Ask {
        words: words(chunk),
        strategy: MatchingStrategies::FREQUENCY,
        need: wanted.need.saturating_sub(n - chunk.len()).max(1),
    }));
    asks
}
