//! Search: one interface over two backends (an embedded tantivy index, or Meilisearch),
//! fed from the database through an outbox, with ranking shared by both.
//!
//! - `analysis`: folding, traditional → simplified, bigrams, pinyin, token encoding;
//! - `document` / `query`: what is indexed, what is asked;
//! - `rank`: which confirmed candidates match and in what order (backend-independent);
//! - `embedded` / `meili`: candidate retrieval (ids only: the database decides);
//! - `outbox`: the worker that carries every change from the database to the index, sweeps
//!   out what is no longer public and rebuilds.

pub mod analysis;
pub mod document;
mod embedded;
pub mod highlight;
mod meili;
pub mod outbox;
pub mod query;
pub mod rank;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use time::Date;

use crate::clock::Clock;
use crate::store::{Entity, Entry, OutboxItem, Public, Store, StoreError};
use document::{DocKind, IndexDoc, day, doc_key};
use embedded::Embedded;
use meili::Meili;
use query::{AnalyzedQuery, Retrieval};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The backend cannot be reached or did not answer in time; public search falls back.
    #[error("search backend unavailable: {0}")]
    Unavailable(String),
    /// The backend refused what it was sent (a document it cannot index, say).
    #[error("search backend rejected the change: {0}")]
    Rejected(String),
    #[error("search backend error: {0}")]
    Backend(String),
    #[error(transparent)]
    Database(#[from] StoreError),
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
/// Outbox items applied per round.
const OUTBOX_BATCH: i64 = 500;
/// Documents per write when rebuilding.
const REBUILD_BATCH: i64 = 5_000;
/// Batches a rebuild sends Meilisearch before waiting for the oldest: enough for it to
/// index many together (each indexing pass costs more as the index grows), few enough to
/// bound what waits on its disk.
const REBUILD_IN_FLIGHT: usize = 40;
/// Failed attempts after which an outbox item the backend rejects is parked.
pub const MAX_ATTEMPTS: i64 = 3;
/// The lease that one holder at a time takes to write to the index.
const LEASE: &str = "search-index";
const LEASE_TTL: time::Duration = time::Duration::seconds(60);
/// After a failed search, how long searches go straight to the database fallback instead of
/// waiting for the backend again.
const COOL_OFF: Duration = Duration::from_secs(10);

/// The documents of a batch of entries, analysed on every core.
fn entry_docs(batch: &[Public<Entry>]) -> Result<Vec<IndexDoc>, SearchError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let size = batch.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = batch
            .chunks(size)
            .map(|part| s.spawn(move || part.iter().map(|e| IndexDoc::entry(e)).collect()))
            .collect();
        let mut docs = Vec::with_capacity(batch.len());
        for part in parts {
            let part: Vec<IndexDoc> = part
                .join()
                .map_err(|_| SearchError::Backend("analysing a batch of entries failed".into()))?;
            docs.extend(part);
        }
        Ok(docs)
    })
}

/// Candidate ids proposed by the backend.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    pub ids: Vec<i64>,
    /// The backend had more than it proposed.
    pub capped: bool,
}

/// What one round of the outbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Nothing was waiting.
    Idle,
    /// Another instance (or a rebuild) holds the index now.
    Busy,
    /// This many items were applied (or parked).
    Applied(usize),
}

pub struct SearchService {
    backend: Backend,
    store: Store,
    clock: Clock,
    /// This instance's name in the index lease.
    instance: String,
    /// In this process, one writer to the index at a time (the outbox worker, a rebuild or
    /// a sweep); across instances the lease in the database does the same.
    writing: tokio::sync::Mutex<()>,
    configured: AtomicBool,
    /// One check of the backend's settings and documents at a time (the worker and the
    /// first lookups may all ask).
    configuring: tokio::sync::Mutex<()>,
    /// The index holds everything public (false until a needed rebuild has finished); while
    /// false, searches answer `Unavailable` and the lookup uses the database.
    ready: AtomicBool,
    /// Searches skip the backend until then, after it failed.
    cool_off_until: Mutex<Option<Instant>>,
    /// Outbox items this instance has applied (a metric; tests check that each item is
    /// applied once across instances).
    applied: AtomicUsize,
}

impl SearchService {
    /// Opens the backend without waiting for the network: a Meilisearch that is down or
    /// stalled never stops the site from starting. An embedded index that is new or was
    /// discarded is not ready until [`SearchService::rebuild`] has filled it.
    pub async fn open(
        config: &SearchConfig,
        store: Store,
        clock: Clock,
    ) -> Result<SearchService, SearchError> {
        let (backend, ready) = match config {
            SearchConfig::Embedded { dir } => {
                let dir = dir.clone();
                let (index, empty) = tokio::task::spawn_blocking(move || Embedded::open(&dir))
                    .await
                    .map_err(|e| SearchError::Backend(e.to_string()))??;
                (Backend::Embedded(Box::new(index)), !empty)
            }
            SearchConfig::Meilisearch { url, key, index } => (
                Backend::Meili(Meili::new(url, key.as_deref(), index)?),
                true,
            ),
        };
        Ok(SearchService {
            backend,
            store,
            clock,
            instance: instance_name(),
            writing: tokio::sync::Mutex::new(()),
            configured: AtomicBool::new(false),
            configuring: tokio::sync::Mutex::new(()),
            ready: AtomicBool::new(ready),
            cool_off_until: Mutex::new(None),
            applied: AtomicUsize::new(0),
        })
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Embedded(_) => "embedded",
            Backend::Meili(_) => "meilisearch",
        }
    }

    /// Whether the index must be filled before it can answer.
    pub fn needs_rebuild(&self) -> bool {
        !self.ready.load(Ordering::Acquire)
    }

    /// Applies the backend's settings and checks what its documents hold (the outbox worker
    /// does this first; a service without a worker calls it before searching).
    pub async fn prepare(&self) -> Result<(), SearchError> {
        self.ensure_configured().await
    }

    async fn ensure_configured(&self) -> Result<(), SearchError> {
        if self.configured.load(Ordering::Acquire) {
            return Ok(());
        }
        let _one = self.configuring.lock().await;
        if self.configured.load(Ordering::Acquire) {
            return Ok(());
        }
        if let Backend::Meili(m) = &self.backend {
            m.configure().await?;
            // Documents of an older shape match no query of this one: searches use the
            // database until the worker has written them again (asked of the documents, so
            // a rebuild cut short is taken up again by the next start).
            if m.has_other_shapes().await? {
                tracing::warn!(
                    "the Meilisearch index holds documents of an older shape; rebuilding"
                );
                self.ready.store(false, Ordering::Release);
            }
        }
        self.configured.store(true, Ordering::Release);
        Ok(())
    }

    fn cooling_off(&self) -> bool {
        let until = self
            .cool_off_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        until.is_some_and(|t| Instant::now() < t)
    }

    fn note_search(&self, ok: bool) {
        let mut until = self
            .cool_off_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *until = if ok {
            None
        } else {
            Some(Instant::now() + COOL_OFF)
        };
    }

    async fn candidates(
        &self,
        kind: DocKind,
        wanted: &Retrieval,
        today: Date,
        limit: usize,
    ) -> Result<Candidates, SearchError> {
        if !self.ready.load(Ordering::Acquire) {
            return Err(SearchError::Unavailable("the index is being built".into()));
        }
        if self.cooling_off() {
            return Err(SearchError::Unavailable(
                "the backend failed recently".into(),
            ));
        }
        // One deadline for all a lookup asks of Meilisearch (the check below, then its rounds
        // of queries): past it, the lookup falls back to the database.
        let deadline = tokio::time::Instant::now() + meili::SEARCH_TIMEOUT;
        // Until its documents' shape is checked, a Meilisearch index may hold documents no
        // query matches: a lookup before the worker has checked does it.
        if matches!(self.backend, Backend::Meili(_)) && !self.configured.load(Ordering::Acquire) {
            let checked = tokio::time::timeout_at(deadline, self.ensure_configured()).await;
            let checked = checked.unwrap_or_else(|_| {
                Err(SearchError::Unavailable(
                    "the index was not checked in time".into(),
                ))
            });
            if let Err(e) = checked {
                self.note_search(false);
                return Err(e);
            }
            if !self.ready.load(Ordering::Acquire) {
                return Err(SearchError::Unavailable("the index is being built".into()));
            }
        }
        // An empty disjunction would match nothing in one backend and everything in another.
        if wanted.is_empty() {
            return Ok(Candidates::default());
        }
        let found = match &self.backend {
            Backend::Embedded(e) => e.candidates(kind, wanted, day(today), limit),
            Backend::Meili(m) => {
                tokio::time::timeout_at(deadline, m.candidates(kind, wanted, day(today), limit))
                    .await
                    .unwrap_or_else(|_| {
                        Err(SearchError::Unavailable(
                            "no answer before the lookup's deadline".into(),
                        ))
                    })
            }
        };
        self.note_search(!matches!(found, Err(SearchError::Unavailable(_))));
        let (ids, capped) = found?;
        Ok(Candidates { ids, capped })
    }

    /// Entry ids the backend proposes for a query (pinyin pairs only `with_pinyin`: they are
    /// for homophones and typed pinyin, a second try when the characters found nothing).
    pub async fn entry_candidates(
        &self,
        q: &AnalyzedQuery,
        with_pinyin: bool,
        today: Date,
    ) -> Result<Candidates, SearchError> {
        let wanted = q.entry_retrieval(with_pinyin);
        self.candidates(DocKind::Entry, &wanted, today, ENTRY_CANDIDATES)
            .await
    }

    /// Article ids whose text contains every distinctive part of the query, best first.
    pub async fn article_candidates(
        &self,
        q: &AnalyzedQuery,
        today: Date,
    ) -> Result<Candidates, SearchError> {
        let wanted = q.article_retrieval();
        let mut found = self
            .candidates(DocKind::Article, &wanted, today, ARTICLE_CANDIDATES)
            .await?;
        if matches!(self.backend, Backend::Meili(_)) && wanted.parts.len() > meili::QUERY_WORDS {
            // Meilisearch matched only the first words: the articles' own tokens confirm
            // the rest.
            let articles = self.store.public_articles_by_ids(&found.ids).await?;
            let whole: HashSet<i64> = articles
                .iter()
                .filter(|a| {
                    let tokens: HashSet<String> = IndexDoc::article(a.id, &a.data)
                        .tokens
                        .into_iter()
                        .collect();
                    wanted.parts.iter().all(|p| tokens.contains(p))
                })
                .map(|a| a.id)
                .collect();
            found.ids.retain(|id| whole.contains(id));
        }
        Ok(found)
    }

    async fn apply(&self, upserts: &[IndexDoc], deletes: &[String]) -> Result<(), SearchError> {
        self.ensure_configured().await?;
        match &self.backend {
            Backend::Embedded(e) => tokio::task::block_in_place(|| e.apply(upserts, deletes)),
            Backend::Meili(m) => m.apply(upserts, deletes).await,
        }
    }

    /// What the index should hold for these items: the public ones with their current content,
    /// the rest (draft, withdrawn, publicity ended, deleted) out.
    async fn documents_for(
        &self,
        items: &[OutboxItem],
    ) -> Result<(Vec<IndexDoc>, Vec<String>), SearchError> {
        let today = self.clock.today();
        let ids = |entity: Entity| -> Vec<i64> {
            let mut ids: Vec<i64> = items
                .iter()
                .filter(|i| i.entity == entity)
                .map(|i| i.entity_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let (entry_ids, article_ids) = (ids(Entity::Entry), ids(Entity::Article));
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        let entries = self.store.public_entries_by_ids(&entry_ids, today).await?;
        for id in &entry_ids {
            match entries.iter().find(|e| e.id == *id) {
                Some(e) => upserts.push(IndexDoc::entry(e)),
                None => deletes.push(doc_key(DocKind::Entry, *id)),
            }
        }
        let articles = self.store.public_articles_by_ids(&article_ids).await?;
        for id in &article_ids {
            match articles.iter().find(|a| a.id == *id) {
                Some(a) => upserts.push(IndexDoc::article(a.id, &a.data)),
                None => deletes.push(doc_key(DocKind::Article, *id)),
            }
        }
        Ok((upserts, deletes))
    }

    /// Applies items and removes them from the outbox. A batch the backend rejects is retried
    /// item by item, so one bad document never blocks the others; an item rejected
    /// [`MAX_ATTEMPTS`] times is parked with its error.
    async fn apply_items(&self, items: &[OutboxItem]) -> Result<usize, SearchError> {
        let (upserts, deletes) = self.documents_for(items).await?;
        match self.apply(&upserts, &deletes).await {
            Ok(()) => {
                let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
                let mut tx = self.store.begin().await?;
                tx.delete_outbox(&ids).await?;
                tx.commit().await?;
                // Counted as soon as the items are gone from the outbox.
                self.applied.fetch_add(items.len(), Ordering::Relaxed);
                Ok(items.len())
            }
            Err(SearchError::Rejected(why)) if items.len() == 1 => {
                let item = &items[0];
                let park = item.attempts + 1 >= MAX_ATTEMPTS;
                if park {
                    tracing::error!(
                        entity = item.entity.key(),
                        id = item.entity_id,
                        error = %why,
                        "the search backend keeps rejecting this change; parked (see `jingshi reindex --status`)"
                    );
                } else {
                    tracing::warn!(entity = item.entity.key(), id = item.entity_id, error = %why, "the search backend rejected a change; will retry");
                }
                let mut tx = self.store.begin().await?;
                tx.outbox_failed(item.id, &why, park, self.clock.now())
                    .await?;
                tx.commit().await?;
                Ok(1)
            }
            Err(SearchError::Rejected(_)) => {
                let mut done = 0;
                for item in items {
                    done += Box::pin(self.apply_items(std::slice::from_ref(item))).await?;
                }
                Ok(done)
            }
            Err(e) => Err(e),
        }
    }

    /// Takes the index lease (this process's writer lock first, then the database lease).
    async fn lease(&self) -> Result<Option<tokio::sync::MutexGuard<'_, ()>>, SearchError> {
        let guard = self.writing.lock().await;
        let now = self.clock.now();
        if self
            .store
            .try_lease(LEASE, &self.instance, now, LEASE_TTL)
            .await?
        {
            Ok(Some(guard))
        } else {
            Ok(None)
        }
    }

    async fn release(&self) {
        if let Err(e) = self.store.release_lease(LEASE, &self.instance).await {
            tracing::warn!(error = %e, "could not release the search index lease; it expires by itself");
        }
    }

    /// Applies one batch of the outbox. Looks first without writing anything, so that an idle
    /// worker never takes a database write lock; no database transaction is open while the
    /// backend is called.
    pub async fn drain_once(&self) -> Result<Drained, SearchError> {
        if self.store.pending_outbox(1).await?.is_empty() {
            return Ok(Drained::Idle);
        }
        let Some(_guard) = self.lease().await? else {
            return Ok(Drained::Busy);
        };
        let result = async {
            let items = self.store.pending_outbox(OUTBOX_BATCH).await?;
            if items.is_empty() {
                return Ok(Drained::Idle);
            }
            self.apply_items(&items).await.map(Drained::Applied)
        }
        .await;
        self.release().await;
        result
    }

    /// Outbox items this instance has applied since it started.
    pub fn applied(&self) -> usize {
        self.applied.load(Ordering::Relaxed)
    }

    /// Applies the whole outbox now (tests, `reindex`); waits while another holder has the
    /// index, up to a minute.
    pub async fn sync(&self) -> Result<(), SearchError> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match self.drain_once().await? {
                Drained::Idle => return Ok(()),
                Drained::Applied(_) => {}
                Drained::Busy if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Drained::Busy => {
                    return Err(SearchError::Unavailable(
                        "another instance holds the search index".into(),
                    ));
                }
            }
        }
    }

    /// Waits until this instance holds the index lease (a rebuild must not race the worker of
    /// another instance, or a withdrawal it applies could be overwritten by a batch read
    /// before it).
    async fn lease_waiting(&self) -> Result<tokio::sync::MutexGuard<'_, ()>, SearchError> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(guard) = self.lease().await? {
                return Ok(guard);
            }
            if Instant::now() > deadline {
                return Err(SearchError::Unavailable(
                    "another instance holds the search index".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Fills the index again from the database, holding the index lease throughout, so no
    /// outbox item is applied meanwhile; what changed during the rebuild is still in the
    /// outbox and is applied before the lease is released. Searches keep answering from the
    /// old content meanwhile: the embedded index swaps at its single commit; Meilisearch
    /// documents are overwritten and the ones not rewritten are deleted at the end.
    pub async fn rebuild(
        &self,
        progress: &(dyn Fn(&str, usize) + Sync),
    ) -> Result<usize, SearchError> {
        self.ensure_configured().await?;
        let _guard = self.lease_waiting().await?;
        let result = self.rebuild_holding_lease(progress).await;
        self.release().await;
        if result.is_ok() {
            self.ready.store(true, Ordering::Release);
        }
        result
    }

    async fn rebuild_holding_lease(
        &self,
        progress: &(dyn Fn(&str, usize) + Sync),
    ) -> Result<usize, SearchError> {
        // A minute of slack for clocks of other instances writing meanwhile.
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
        // What waits in the outbox now is committed, so the refill reads what it changed; an
        // embedded index starts empty, so once the refill is in, those items are done.
        // (Applying them batch by batch afterwards took twice as long as the refill itself
        // after a large import, which queues an item per entry.)
        // Remembered as the highest id, not the ids themselves: after a million-row import
        // that list took over a second to read and 8 MB to hold.
        let mut covered = None;
        if let Backend::Embedded(e) = &self.backend {
            covered = self.store.outbox_high_water().await?;
            tokio::task::block_in_place(|| e.clear_uncommitted())?;
        }
        let result = self.refill(progress).await;
        match (&self.backend, &result) {
            (Backend::Embedded(e), Ok(_)) => tokio::task::block_in_place(|| e.finish_rebuild())?,
            (Backend::Embedded(e), Err(_)) => tokio::task::block_in_place(|| e.rollback())?,
            (Backend::Meili(m), Ok(_)) => m.remove_older_than(stamp).await?,
            (Backend::Meili(_), Err(_)) => {}
        }
        let total = result?;
        if let Some(through) = covered {
            // In short transactions, so that staff writes are not held up meanwhile.
            loop {
                let mut tx = self.store.begin().await?;
                let deleted = tx.delete_outbox_through(through, 10_000).await?;
                tx.commit().await?;
                if deleted == 0 {
                    break;
                }
            }
        }
        // Changes made while the batches were read: applied now, under the same lease.
        loop {
            let items = self.store.pending_outbox(OUTBOX_BATCH).await?;
            if items.is_empty() {
                break;
            }
            self.apply_items(&items).await?;
        }
        Ok(total)
    }

    async fn refill(&self, progress: &(dyn Fn(&str, usize) + Sync)) -> Result<usize, SearchError> {
        let today = self.clock.today();
        let mut total = 0;
        // Batches are read in id order; fresh statistics let the database walk the ids.
        self.store.analyze().await?;
        // The next batch is read from the database while this one is analysed (on every
        // core) and indexed.
        let read = |after: i64| {
            let store = self.store.clone();
            tokio::spawn(async move {
                store
                    .public_entries_after(after, REBUILD_BATCH, today)
                    .await
            })
        };
        let mut next = read(0);
        let mut sent = std::collections::VecDeque::new();
        loop {
            self.renew_lease().await?;
            let batch = next
                .await
                .map_err(|e| SearchError::Backend(e.to_string()))??;
            let Some(last) = batch.last() else { break };
            next = read(last.id);
            let docs = tokio::task::block_in_place(|| entry_docs(&batch))?;
            self.add_for_rebuild(docs, &mut sent).await?;
            total += batch.len();
            progress("entries", total);
        }
        let mut after = 0;
        let mut articles = 0;
        loop {
            let batch = self
                .store
                .public_articles_after(after, REBUILD_BATCH)
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let docs: Vec<IndexDoc> = batch
                .iter()
                .map(|a| IndexDoc::article(a.id, &a.data))
                .collect();
            self.add_for_rebuild(docs, &mut sent).await?;
            articles += batch.len();
            progress("articles", articles);
        }
        if let Backend::Meili(m) = &self.backend {
            for task in sent {
                m.finish(task).await?;
            }
        }
        Ok(total + articles)
    }

    async fn renew_lease(&self) -> Result<(), SearchError> {
        let held = self
            .store
            .try_lease(LEASE, &self.instance, self.clock.now(), LEASE_TTL)
            .await?;
        if held {
            Ok(())
        } else {
            Err(SearchError::Unavailable(
                "the search index lease was lost".into(),
            ))
        }
    }

    /// Adds documents to an index being rebuilt: the embedded index commits once at the end
    /// (a commit per batch costs a segment flush each); Meilisearch takes them as a task,
    /// waited for once [`REBUILD_IN_FLIGHT`] are `sent` (the rest at the end of the refill).
    async fn add_for_rebuild(
        &self,
        docs: Vec<IndexDoc>,
        sent: &mut std::collections::VecDeque<meilisearch_sdk::task_info::TaskInfo>,
    ) -> Result<(), SearchError> {
        match &self.backend {
            Backend::Embedded(e) => tokio::task::block_in_place(|| e.add(&docs, false)),
            Backend::Meili(m) => {
                sent.push_back(m.send(&docs).await?);
                if sent.len() > REBUILD_IN_FLIGHT
                    && let Some(oldest) = sent.pop_front()
                {
                    m.finish(oldest).await?;
                }
                Ok(())
            }
        }
    }

    /// Removes from the index every document whose item is no longer public: entries whose
    /// publicity ended (a day number filter), then any document the database does not confirm
    /// (a change that never reached the index, say). Returns how many were removed.
    pub async fn sweep(&self) -> Result<usize, SearchError> {
        let Some(_guard) = self.lease().await? else {
            return Ok(0);
        };
        let result = self.sweep_holding_lease().await;
        self.release().await;
        result
    }

    async fn sweep_holding_lease(&self) -> Result<usize, SearchError> {
        self.ensure_configured().await?;
        let today = self.clock.today();
        match &self.backend {
            Backend::Embedded(e) => tokio::task::block_in_place(|| e.delete_ended(day(today)))?,
            Backend::Meili(m) => m.delete_ended(day(today)).await?,
        }
        let mut removed = 0;
        for kind in [DocKind::Entry, DocKind::Article] {
            let ids = match &self.backend {
                Backend::Embedded(e) => tokio::task::block_in_place(|| e.ids(kind))?,
                Backend::Meili(m) => m.ids(kind).await?,
            };
            for chunk in ids.chunks(1_000) {
                let public = match kind {
                    DocKind::Entry => self.store.public_entry_ids_among(chunk, today).await?,
                    DocKind::Article => self.store.public_article_ids_among(chunk).await?,
                };
                let stale: Vec<i64> = chunk
                    .iter()
                    .copied()
                    .filter(|id| !public.contains(id))
                    .collect();
                if stale.is_empty() {
                    continue;
                }
                tracing::info!(
                    kind = kind.key(),
                    count = stale.len(),
                    "removing index documents that are no longer public"
                );
                match &self.backend {
                    Backend::Embedded(e) => {
                        tokio::task::block_in_place(|| e.delete_ids(kind, &stale))?
                    }
                    Backend::Meili(m) => m.delete_ids(kind, &stale).await?,
                }
                removed += stale.len();
            }
        }
        Ok(removed)
    }

    /// Number of documents in the index.
    pub async fn num_docs(&self) -> Result<u64, SearchError> {
        match &self.backend {
            Backend::Embedded(e) => Ok(e.num_docs()),
            Backend::Meili(m) => m.num_docs().await,
        }
    }
}

/// A name for this process in the index lease: host and process id, and a random part so that
/// a restarted process with a recycled pid is another holder.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let nonce = std::collections::hash_map::RandomState::new();
    let random = std::hash::BuildHasher::hash_one(&nonce, std::process::id());
    format!("{host}:{}:{random:016x}", std::process::id())
}
