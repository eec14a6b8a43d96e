//! Search: one interface over two backends (an embedded tantivy index, or Meilisearch),
//! fed from the database through an outbox, with ranking shared by both.
//!
//! - `analysis`: folding, traditional → simplified, bigrams, pinyin, token encoding;
//! - `document` / `query`: what is indexed, what is asked;
//! - `rank`: which candidates match and in what order (backend-independent);
//! - `embedded` / `meili`: candidate retrieval;
//! - `outbox`: the worker that carries every change from the database to the index.

pub mod analysis;
pub mod document;
mod embedded;
pub mod highlight;
mod meili;
pub mod outbox;
pub mod query;
pub mod rank;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use time::Date;

use crate::domain::PubState;
use crate::store::{OutboxItem, Store};
use document::{DocKind, IndexDoc, Stored, article_key, day, entry_key};
use embedded::Embedded;
use meili::Meili;
use query::AnalyzedQuery;
use rank::{EntryHit, rank_entries, score_article};

pub use document::ArticleDoc;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The backend cannot be reached (Meilisearch down, say); public search falls back.
    #[error("search backend unavailable: {0}")]
    Unavailable(String),
    #[error("search backend error: {0}")]
    Backend(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Which backend to use.
#[derive(Debug, Clone)]
pub enum SearchConfig {
    Embedded {
        dir: PathBuf,
    },
    Meilisearch {
        url: String,
        key: Option<String>,
        index: String,
    },
}

enum Backend {
    Embedded(Box<Embedded>),
    Meili(Meili),
}

/// Most entry candidates a query considers; more is reported as "at least".
pub const ENTRY_CANDIDATES: usize = 200;
const ARTICLE_CANDIDATES: usize = 200;
/// Outbox items applied per transaction.
const OUTBOX_BATCH: i64 = 500;
/// Documents per write when rebuilding.
const REBUILD_BATCH: i64 = 5_000;

pub struct SearchService {
    backend: Backend,
    store: Store,
    configured: AtomicBool,
    /// Outbox items this instance has applied (a metric; tests check that each item is
    /// applied once across instances).
    applied: AtomicUsize,
    /// Whether the embedded index was new or discarded when opened (it needs a rebuild).
    pub needs_rebuild: bool,
}

/// An article that matched.
#[derive(Debug, Clone)]
pub struct ArticleHit {
    pub doc: ArticleDoc,
    pub score: u32,
}

impl SearchService {
    pub async fn open(config: &SearchConfig, store: Store) -> Result<SearchService, SearchError> {
        let (backend, needs_rebuild) = match config {
            SearchConfig::Embedded { dir } => {
                let dir = dir.clone();
                let (index, empty) = tokio::task::spawn_blocking(move || Embedded::open(&dir))
                    .await
                    .map_err(|e| SearchError::Backend(e.to_string()))??;
                (Backend::Embedded(Box::new(index)), empty)
            }
            SearchConfig::Meilisearch { url, key, index } => (
                Backend::Meili(Meili::new(url, key.as_deref(), index)?),
                false,
            ),
        };
        let service = SearchService {
            backend,
            store,
            configured: AtomicBool::new(false),
            applied: AtomicUsize::new(0),
            needs_rebuild,
        };
        // Meilisearch may be down at start; the worker configures it once it answers.
        let _ = service.ensure_configured().await;
        Ok(service)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Embedded(_) => "embedded",
            Backend::Meili(_) => "meilisearch",
        }
    }

    async fn ensure_configured(&self) -> Result<(), SearchError> {
        if self.configured.load(Ordering::Acquire) {
            return Ok(());
        }
        if let Backend::Meili(m) = &self.backend {
            m.configure().await?;
        }
        self.configured.store(true, Ordering::Release);
        Ok(())
    }

    async fn candidates(
        &self,
        kind: DocKind,
        tokens: &[String],
        all: bool,
        today: Date,
        limit: usize,
    ) -> Result<Vec<Stored>, SearchError> {
        // An empty disjunction would match nothing in one backend and everything in another.
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        match &self.backend {
            Backend::Embedded(e) => e.candidates(kind, tokens, all, day(today), limit),
            Backend::Meili(m) => m.candidates(kind, tokens, all, day(today), limit).await,
        }
    }

    /// Entries matching the query, best first.
    pub async fn entries(
        &self,
        q: &AnalyzedQuery,
        today: Date,
    ) -> Result<Vec<EntryHit>, SearchError> {
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let hits = self.entry_hits(q, false, today).await?;
        if !hits.is_empty() || q.pinyin.is_empty() {
            return Ok(hits);
        }
        self.entry_hits(q, true, today).await
    }

    async fn entry_hits(
        &self,
        q: &AnalyzedQuery,
        with_pinyin: bool,
        today: Date,
    ) -> Result<Vec<EntryHit>, SearchError> {
        let tokens = q.entry_tokens(with_pinyin);
        let stored = self
            .candidates(DocKind::Entry, &tokens, false, today, ENTRY_CANDIDATES)
            .await?;
        let docs = stored
            .into_iter()
            .filter_map(|s| match s {
                Stored::Entry(e) => Some(e),
                Stored::Article(_) => None,
            })
            .collect();
        Ok(rank_entries(q, docs))
    }

    /// Articles containing the query, best first.
    pub async fn articles(
        &self,
        q: &AnalyzedQuery,
        today: Date,
    ) -> Result<Vec<ArticleHit>, SearchError> {
        let tokens = q.article_tokens();
        let stored = self
            .candidates(DocKind::Article, &tokens, true, today, ARTICLE_CANDIDATES)
            .await?;
        let mut hits: Vec<(usize, ArticleHit)> = stored
            .into_iter()
            .filter_map(|s| match s {
                Stored::Article(doc) => Some(doc),
                Stored::Entry(_) => None,
            })
            .enumerate()
            .map(|(i, doc)| {
                let score = score_article(q, &doc);
                (i, ArticleHit { doc, score })
            })
            .collect();
        // Relevance, then the backend's own order (BM25).
        hits.sort_by(|(ia, a), (ib, b)| b.score.cmp(&a.score).then(ia.cmp(ib)));
        Ok(hits.into_iter().map(|(_, h)| h).collect())
    }

    async fn apply(&self, upserts: Vec<IndexDoc>, deletes: Vec<String>) -> Result<(), SearchError> {
        self.ensure_configured().await?;
        match &self.backend {
            Backend::Embedded(e) => tokio::task::block_in_place(|| e.apply(&upserts, &deletes)),
            Backend::Meili(m) => m.apply(&upserts, &deletes).await,
        }
    }

    /// Applies outbox items: what is published goes in with its current content, anything
    /// else (draft, withdrawn, deleted) comes out.
    async fn apply_items(&self, items: &[OutboxItem]) -> Result<(), SearchError> {
        let mut entry_ids: Vec<i64> = Vec::new();
        let mut article_ids: Vec<i64> = Vec::new();
        for item in items {
            let ids = if item.entity == "article" {
                &mut article_ids
            } else {
                &mut entry_ids
            };
            if !ids.contains(&item.entity_id) {
                ids.push(item.entity_id);
            }
        }
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        let entries = self.store.entries_by_ids(&entry_ids).await?;
        for id in &entry_ids {
            match entries.iter().find(|e| e.id == *id) {
                Some(e) if e.state == PubState::Published => {
                    upserts.push(IndexDoc::entry(e.id, &e.data))
                }
                _ => deletes.push(entry_key(*id)),
            }
        }
        let articles = self.store.articles_by_ids(&article_ids).await?;
        for id in &article_ids {
            match articles.iter().find(|a| a.id == *id) {
                Some(a) if a.state == PubState::Published => {
                    upserts.push(IndexDoc::article(a.id, &a.data))
                }
                _ => deletes.push(article_key(*id)),
            }
        }
        self.apply(upserts, deletes).await
    }

    /// Applies one batch of the outbox; `None` when another instance holds the outbox.
    pub async fn drain_once(&self) -> anyhow::Result<Option<usize>> {
        let done = self
            .store
            .drain_outbox(OUTBOX_BATCH, async |items: Vec<OutboxItem>| {
                self.apply_items(&items).await.map_err(anyhow::Error::from)
            })
            .await?;
        if let Some(n) = done {
            self.applied.fetch_add(n, Ordering::Relaxed);
        }
        Ok(done)
    }

    /// Outbox items this instance has applied since it started.
    pub fn applied(&self) -> usize {
        self.applied.load(Ordering::Relaxed)
    }

    /// Applies the whole outbox now (tests, `reindex`, start-up).
    pub async fn sync(&self) -> anyhow::Result<()> {
        while let Some(n) = self.drain_once().await? {
            if n == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Fills the index again from the database. Searches keep answering from the old content
    /// meanwhile: the embedded index swaps at its single commit; Meilisearch documents are
    /// overwritten and the ones not rewritten are deleted at the end.
    pub async fn rebuild(&self, progress: &(dyn Fn(&str, usize) + Sync)) -> anyhow::Result<usize> {
        self.ensure_configured().await?;
        // A minute of slack for clocks of other instances writing meanwhile.
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
        if let Backend::Embedded(e) = &self.backend {
            tokio::task::block_in_place(|| e.clear_uncommitted())?;
        }
        let result = self.refill(progress).await;
        match (&self.backend, &result) {
            (Backend::Embedded(e), Ok(_)) => tokio::task::block_in_place(|| e.commit())?,
            (Backend::Embedded(e), Err(_)) => tokio::task::block_in_place(|| e.rollback())?,
            (Backend::Meili(m), Ok(_)) => m.remove_older_than(stamp).await?,
            (Backend::Meili(_), Err(_)) => {}
        }
        result
    }

    async fn refill(&self, progress: &(dyn Fn(&str, usize) + Sync)) -> anyhow::Result<usize> {
        let mut total = 0;
        let mut after = 0;
        loop {
            let batch = self
                .store
                .published_entries_after(after, REBUILD_BATCH)
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let docs: Vec<IndexDoc> = batch
                .iter()
                .map(|e| IndexDoc::entry(e.id, &e.data))
                .collect();
            self.add_for_rebuild(docs).await?;
            total += batch.len();
            progress("entries", total);
        }
        let mut after = 0;
        let mut articles = 0;
        loop {
            let batch = self
                .store
                .published_articles_after(after, REBUILD_BATCH)
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let docs: Vec<IndexDoc> = batch
                .iter()
                .map(|a| IndexDoc::article(a.id, &a.data))
                .collect();
            self.add_for_rebuild(docs).await?;
            articles += batch.len();
            progress("articles", articles);
        }
        Ok(total + articles)
    }

    /// Adds documents to an index being rebuilt: the embedded index commits once at the end
    /// (a commit per batch costs a segment flush each); Meilisearch takes them as a task.
    async fn add_for_rebuild(&self, docs: Vec<IndexDoc>) -> Result<(), SearchError> {
        match &self.backend {
            Backend::Embedded(e) => tokio::task::block_in_place(|| e.add(&docs, false)),
            Backend::Meili(m) => m.apply(&docs, &[]).await,
        }
    }

    /// Number of documents in the index.
    pub async fn num_docs(&self) -> Result<u64, SearchError> {
        match &self.backend {
            Backend::Embedded(e) => Ok(e.num_docs()),
            Backend::Meili(m) => m.num_docs().await,
        }
    }
}
