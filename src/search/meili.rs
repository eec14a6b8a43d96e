//! The Meilisearch backend, for deployments with several instances. It receives the same
//! tokens as the embedded index, spelt in letters (so jieba never re-segments Chinese), and is
//! asked one token per query in a multi-search, which gives "any token matches" retrieval;
//! ranking then happens in `rank`, as for the embedded backend.

use std::collections::HashSet;
use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::documents::DocumentDeletionQuery;
use meilisearch_sdk::search::{MatchingStrategies, SearchQuery};
use meilisearch_sdk::settings::{PrefixSearchSettings, Settings, TypoToleranceSettings};
use serde::{Deserialize, Serialize};

use super::SearchError;
use super::analysis::as_letters;
use super::document::{DocKind, IndexDoc, Stored};

/// Meilisearch filters compare numbers as doubles; an open-ended publicity gets a day far
/// beyond any real date instead of `i64::MAX`.
const OPEN_ENDED_DAY: i64 = 100_000_000;
/// Most queries sent in one multi-search request.
const MAX_TOKENS: usize = 24;

#[derive(Serialize, Deserialize)]
struct MeiliDoc {
    key: String,
    kind: String,
    ends_day: i64,
    /// When the document was written (Unix seconds), to drop stale ones after a rebuild.
    generation: i64,
    tokens: Vec<String>,
    doc: Stored,
}

#[derive(Deserialize)]
struct Hit {
    key: String,
    doc: Stored,
}

pub struct Meili {
    client: Client,
    index: String,
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Unavailable(e.to_string())
}

impl Meili {
    pub fn new(url: &str, key: Option<&str>, index: &str) -> Result<Meili, SearchError> {
        Ok(Meili {
            client: Client::new(url, key).map_err(err)?,
            index: index.to_string(),
        })
    }

    async fn wait(&self, task: meilisearch_sdk::task_info::TaskInfo) -> Result<(), SearchError> {
        let task = task
            .wait_for_completion(
                &self.client,
                Some(Duration::from_millis(50)),
                Some(Duration::from_secs(300)),
            )
            .await
            .map_err(err)?;
        if task.is_failure() {
            return Err(SearchError::Backend(format!("{:?}", task.unwrap_failure())));
        }
        Ok(())
    }

    /// Creates the index if needed and applies jingshi's settings: only the token field is
    /// searchable; no typo tolerance or prefix search on opaque tokens (homophones and typos
    /// are handled by pinyin tokens); filters on kind and publicity.
    pub async fn configure(&self) -> Result<(), SearchError> {
        let task = self
            .client
            .create_index(&self.index, Some("key"))
            .await
            .map_err(err)?;
        // An existing index answers with a failed task; that is fine.
        let _ = task
            .wait_for_completion(&self.client, Some(Duration::from_millis(50)), None)
            .await;
        let index = self.client.index(&self.index);
        let settings = Settings::new()
            .with_searchable_attributes(["tokens"])
            .with_filterable_attributes(["kind", "ends_day", "generation"])
            .with_displayed_attributes(["key", "doc"])
            .with_ranking_rules(["words", "exactness"])
            .with_proximity_precision("byAttribute")
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(false),
                ..TypoToleranceSettings::default()
            });
        self.wait(index.set_settings(&settings).await.map_err(err)?)
            .await?;
        self.wait(
            index
                .set_prefix_search(PrefixSearchSettings::Disabled)
                .await
                .map_err(err)?,
        )
        .await
    }

    pub async fn num_docs(&self) -> Result<u64, SearchError> {
        let stats = self
            .client
            .index(&self.index)
            .get_stats()
            .await
            .map_err(err)?;
        Ok(stats.number_of_documents as u64)
    }

    pub async fn apply(&self, upserts: &[IndexDoc], deletes: &[String]) -> Result<(), SearchError> {
        let index = self.client.index(&self.index);
        if !deletes.is_empty() {
            self.wait(index.delete_documents(deletes).await.map_err(err)?)
                .await?;
        }
        if !upserts.is_empty() {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let docs: Vec<MeiliDoc> = upserts
                .iter()
                .map(|d| MeiliDoc {
                    key: d.key.clone(),
                    kind: d.kind.key().to_string(),
                    ends_day: d.ends_day.min(OPEN_ENDED_DAY),
                    generation: now,
                    tokens: d.tokens.iter().map(|t| as_letters(t)).collect(),
                    doc: d.stored.clone(),
                })
                .collect();
            self.wait(
                index
                    .add_or_replace(&docs, Some("key"))
                    .await
                    .map_err(err)?,
            )
            .await?;
        }
        Ok(())
    }

    /// Deletes documents written before `stamp` (Unix seconds): after a rebuild has rewritten
    /// everything published, what is older was not rewritten and is stale.
    pub async fn remove_older_than(&self, stamp: i64) -> Result<(), SearchError> {
        let index = self.client.index(&self.index);
        let filter = format!("generation < {stamp}");
        let mut query = DocumentDeletionQuery::new(&index);
        query.with_filter(&filter);
        self.wait(index.delete_documents_with(&query).await.map_err(err)?)
            .await
    }

    pub async fn candidates(
        &self,
        kind: DocKind,
        tokens: &[String],
        all: bool,
        today: i64,
        limit: usize,
    ) -> Result<Vec<Stored>, SearchError> {
        let index = self.client.index(&self.index);
        let filter = format!("kind = {} AND ends_day >= {today}", kind.key());
        let spelt: Vec<String> = tokens.iter().map(|t| as_letters(t)).collect();
        let joined = spelt.join(" ");
        let queries: Vec<&str> = if all {
            vec![joined.as_str()]
        } else {
            spelt.iter().take(MAX_TOKENS).map(String::as_str).collect()
        };
        let mut multi = self.client.multi_search();
        for q in &queries {
            let mut sq = SearchQuery::new(&index);
            sq.with_query(q)
                .with_filter(&filter)
                .with_limit(limit)
                .with_matching_strategy(MatchingStrategies::ALL);
            multi.with_search_query(sq);
        }
        let response = multi.execute::<Hit>().await.map_err(err)?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for result in response.results {
            for hit in result.hits {
                if seen.insert(hit.result.key.clone()) {
                    out.push(hit.result.doc);
                }
            }
        }
        Ok(out)
    }
}
