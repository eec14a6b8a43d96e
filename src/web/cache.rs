//! Public pages and API answers kept in memory until what they show may have changed.
//!
//! A stored answer is keyed by the request target (path and query, so 长者模式 pages under
//! `/elder` are other keys), the data version (bumped by triggers in every transaction that
//! writes entries, articles, pages, related entries or attachments; see
//! `migrations/*/0007_performance.sql`), the China date (publicity ends at China midnight),
//! and, for the lookup page that prints the time of the lookup, the China minute. It keeps
//! its headers (ETag included) and its identity, gzip and brotli bodies, so a hit costs no
//! database query, no rendering and no compression; `Accept-Encoding` only picks a variant.
//!
//! Only what the public handlers rendered under the visibility rule is ever stored: `200`
//! answers to `GET` with a public `Cache-Control`, an ETag and no cookie, and never an answer
//! its handler marked [`NotCached`] (a lookup while the search index is behind, or answered by
//! the database fallback). The admin side has its own router and never comes here.
//!
//! The data version is read again after any transaction this process commits, and at least
//! every [`CacheConfig::recheck`] otherwise (another instance, or a `jingshi import` in
//! another process, wrote). Memory is bounded by [`CacheConfig::budget`]: every stored byte
//! (key, headers estimate, all three bodies) counts, and the least useful answers are evicted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use time::{Date, OffsetDateTime};
use tokio::sync::Mutex;

use super::AppState;
use super::layers::{none_match, unmodified_since};
use crate::assets;
use crate::domain::dates::CHINA;
use crate::domain::{EntryStatus, ListKind};
use crate::store::{ListCount, Store, StoreError};
use crate::views::Mode;

/// How much memory the cache may hold and how often it looks at the data version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// Bytes of stored answers at most; zero turns the cache off.
    pub budget: u64,
    /// Longest an answer is served after another process changed the data (this process's
    /// own writes are seen at once); zero reads the version at every request.
    pub recheck: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            budget: 64 * 1024 * 1024,
            recheck: Duration::from_millis(200),
        }
    }
}

/// A response extension: this answer must not be stored (it depends on more than the data
/// version, the date and the request).
#[derive(Debug, Clone, Copy)]
pub struct NotCached;

/// Paths (in the standard site) whose page shows the minute of the request.
const MINUTE_PATHS: &[&str] = &["/search"];

/// The part of the budget one answer may take at most.
const LARGEST_SHARE: u64 = 16;

/// Compression of stored answers: done once per answer, so better than on the fly, but
/// quick enough not to hold up the request that renders it.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: u32 = 6;

/// Bytes counted for an answer besides its bodies and key (headers, bookkeeping).
const OVERHEAD: u64 = 1024;

/// What makes stored answers current: the data version and the China date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Generation {
    version: i64,
    day: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    generation: Generation,
    /// China minutes since the epoch, for pages that show it.
    minute: Option<i64>,
    target: Box<str>,
}

/// One stored answer.
struct Stored {
    headers: HeaderMap,
    etag: String,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<Key, Arc<Stored>> for Weight {
    fn weight(&self, key: &Key, s: &Arc<Stored>) -> u64 {
        let bodies = s.identity.len()
            + s.gzip.as_ref().map_or(0, Bytes::len)
            + s.brotli.as_ref().map_or(0, Bytes::len);
        (key.target.len() + bodies) as u64 + OVERHEAD
    }
}

/// The version last read, and when.
struct Seen {
    generation: Option<Generation>,
    /// `Store::commits` when it was read.
    commits: u64,
    at: Instant,
}

/// Figures about the whole public list, computed once per data version and China date
/// rather than by scanning every entry per request.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Public entries by list kind and status (the home page; unfiltered list totals).
    pub counts: Vec<ListCount>,
    /// Years with public listings, newest first (the list's year filter).
    pub years: Vec<i64>,
}

impl Facts {
    /// Public entries of `list` and `status` (any, when `None`).
    pub fn total(&self, list: Option<ListKind>, status: Option<EntryStatus>) -> i64 {
        self.counts
            .iter()
            .filter(|c| list.is_none_or(|l| l == c.list) && status.is_none_or(|s| s == c.status))
            .map(|c| c.count)
            .sum()
    }
}

/// The in-process cache of public answers (see the module docs).
pub struct ResponseCache {
    config: CacheConfig,
    answers: Option<quick_cache::sync::Cache<Key, Arc<Stored>, Weight>>,
    facts: std::sync::Mutex<Option<(Generation, Arc<Facts>)>>,
    seen: std::sync::Mutex<Seen>,
    /// One reader of the version at a time; the others wait for its answer.
    reading: Mutex<()>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ResponseCache {
    pub fn new(config: CacheConfig) -> ResponseCache {
        let answers = (config.budget > 0).then(|| {
            let items = (config.budget / (32 * 1024)).clamp(16, 1 << 20) as usize;
            quick_cache::sync::Cache::with_weighter(items, config.budget, Weight)
        });
        ResponseCache {
            config,
            answers,
            facts: std::sync::Mutex::new(None),
            seen: std::sync::Mutex::new(Seen {
                generation: None,
                commits: 0,
                at: Instant::now(),
            }),
            reading: Mutex::new(()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Answers served from memory and answers rendered, so far.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Bytes held now.
    pub fn weight(&self) -> u64 {
        self.answers
            .as_ref()
            .map_or(0, quick_cache::sync::Cache::weight)
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current generation when the last reading still holds.
    fn fresh(&self, store: &Store, day: Date) -> Option<Generation> {
        let seen = self.seen();
        let generation = seen.generation?;
        (generation.day == day
            && seen.commits == store.commits()
            && seen.at.elapsed() < self.config.recheck)
            .then_some(generation)
    }

    /// The generation answers are stored under now; `None` when the version cannot be read
    /// (then nothing is served from or stored in memory).
    async fn generation(&self, store: &Store, day: Date) -> Option<Generation> {
        if let Some(g) = self.fresh(store, day) {
            return Some(g);
        }
        let _reading = self.reading.lock().await;
        if let Some(g) = self.fresh(store, day) {
            return Some(g);
        }
        // Counted before reading: a commit during the read makes the next request look again.
        let commits = store.commits();
        let version = match store.data_version().await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "data version unreadable; answering without the cache");
                return None;
            }
        };
        let generation = Generation { version, day };
        let mut seen = self.seen();
        if seen.generation != Some(generation) {
            if let Some(answers) = &self.answers {
                answers.clear();
            }
            seen.generation = Some(generation);
        }
        seen.commits = commits;
        seen.at = Instant::now();
        Some(generation)
    }

    /// The list's counts and years as of `now`: computed once per data version and China
    /// date (every request when the version cannot be read).
    pub async fn facts(
        &self,
        store: &Store,
        now: OffsetDateTime,
    ) -> Result<Arc<Facts>, StoreError> {
        let day = now.to_offset(CHINA).date();
        let generation = self.generation(store, day).await;
        let memo = || self.facts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, facts)) = &*memo()
            && Some(*g) == generation
        {
            return Ok(facts.clone());
        }
        let facts = Arc::new(Facts {
            counts: store.public_counts(day).await?,
            years: store.public_years(day).await?,
        });
        if let Some(g) = generation {
            *memo() = Some((g, facts.clone()));
        }
        Ok(facts)
    }

    async fn key(&self, store: &Store, now: OffsetDateTime, uri: &Uri) -> Option<Key> {
        let local = now.to_offset(CHINA);
        let generation = self.generation(store, local.date()).await?;
        let (_, path) = Mode::of_path(uri.path());
        let minute = MINUTE_PATHS
            .contains(&path)
            .then(|| (now.unix_timestamp() + i64::from(CHINA.whole_seconds())).div_euclid(60));
        let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        Some(Key {
            generation,
            minute,
            target: target.into(),
        })
    }

    fn largest(&self) -> u64 {
        self.config.budget / LARGEST_SHARE
    }
}

/// Serves public `GET` requests from memory when it can, and keeps what it may.
pub async fn serve_cached(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let cache = &state.cache;
    let Some(answers) = &cache.answers else {
        return next.run(req).await;
    };
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let uri = req.uri().clone();
    let Some(key) = cache.key(&state.store, state.clock.now(), &uri).await else {
        return next.run(req).await;
    };
    let wanted = Codings::accepted(req.headers());
    let asked = Validators {
        if_none_match: req.headers_mut().remove(header::IF_NONE_MATCH),
        if_modified_since: req.headers_mut().remove(header::IF_MODIFIED_SINCE),
    };
    if let Some(stored) = answers.get(&key) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        return stored.answer(wanted, &asked);
    }
    cache.misses.fetch_add(1, Ordering::Relaxed);
    // Asked without its validator, the inner layers give the whole answer, which is kept.
    let res = next.run(req).await;
    match Stored::of(res, cache.largest()).await {
        Ok(stored) => {
            let stored = Arc::new(stored);
            let answer = stored.answer(wanted, &asked);
            answers.insert(key, stored);
            answer
        }
        Err(res) => with_validator(res, &asked),
    }
}

/// An answer that is not kept, given as the inner layers would have given it to the request
/// with its `If-None-Match`.
fn with_validator(res: Response, asked: &Validators) -> Response {
    let etag = res
        .headers()
        .get(header::ETAG)
        .and_then(|t| t.to_str().ok());
    if res.status() != StatusCode::OK || !asked.unchanged(etag, res.headers()) {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}

/// The encodings a request accepts (`q=0` refuses one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Codings {
    pub gzip: bool,
    pub brotli: bool,
}

impl Codings {
    pub fn accepted(headers: &HeaderMap) -> Codings {
        let mut c = Codings::default();
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                if refused {
                    continue;
                }
                if coding.eq_ignore_ascii_case("gzip") {
                    c.gzip = true;
                } else if coding.eq_ignore_ascii_case("br") {
                    c.brotli = true;
                }
            }
        }
        c
    }
}

impl Stored {
    /// The answer as stored, or the answer back when it may not be stored.
    async fn of(res: Response, largest: u64) -> Result<Stored, Response> {
        let h = res.headers();
        let public = h
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("public"));
        let size = res.body().size_hint().exact();
        let etag = h
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let keep = res.status() == StatusCode::OK
            && public
            && !h.contains_key(header::SET_COOKIE)
            && !h.contains_key(header::CONTENT_ENCODING)
            && res.extensions().get::<NotCached>().is_none()
            && size.is_some_and(|n| n <= largest);
        let Some(etag) = etag.filter(|_| keep) else {
            return Err(res);
        };
        let (mut parts, body) = res.into_parts();
        let identity = match axum::body::to_bytes(body, largest as usize).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "an answer could not be read to keep it");
                return Err(StatusCode::SERVICE_UNAVAILABLE.into_response());
            }
        };
        parts.headers.remove(header::CONTENT_LENGTH);
        let smaller = |b: Vec<u8>| (b.len() < identity.len()).then(|| Bytes::from(b));
        let gzip = smaller(assets::gzip(&identity, GZIP_LEVEL));
        let brotli = smaller(assets::brotli(&identity, BROTLI_QUALITY));
        if gzip.is_some() || brotli.is_some() {
            parts
                .headers
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        Ok(Stored {
            headers: parts.headers,
            etag,
            identity,
            gzip,
            brotli,
        })
    }

    fn answer(&self, wanted: Codings, asked: &Validators) -> Response {
        let mut res = Response::new(Body::empty());
        *res.headers_mut() = self.headers.clone();
        if asked.unchanged(Some(&self.etag), &self.headers) {
            *res.status_mut() = StatusCode::NOT_MODIFIED;
            return res;
        }
        let (body, coding) = match (&self.brotli, &self.gzip) {
            (Some(b), _) if wanted.brotli => (b, Some("br")),
            (_, Some(g)) if wanted.gzip => (g, Some("gzip")),
            _ => (&self.identity, None),
        };
        if let Some(coding) = coding {
            res.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        *res.body_mut() = Body::from(body.clone());
        res
    }
}

/// The validators of a conditional request, taken off it so that the inner layers give the
/// whole answer to keep.
struct Validators {
    if_none_match: Option<HeaderValue>,
    if_modified_since: Option<HeaderValue>,
}

impl Validators {
    /// Whether the client's copy is still good: `If-None-Match` decides when it is present
    /// (RFC 9110 §13.1.3), otherwise `If-Modified-Since` against `Last-Modified`.
    fn unchanged(&self, etag: Option<&str>, headers: &HeaderMap) -> bool {
        match &self.if_none_match {
            Some(tags) => etag.is_some_and(|t| none_match(Some(tags), t)),
            None => unmodified_since(headers, self.if_modified_since.as_ref()),
        }
    }
}

/// An answer, marked not to be kept in memory unless `kept` (an answer that will change
/// without a data version bump: a lookup while the index catches up, a download still being
/// made).
pub fn kept_if(kept: bool, answer: impl IntoResponse) -> Response {
    let mut res = answer.into_response();
    if !kept {
        res.extensions_mut().insert(NotCached);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_encodings_honour_refusals() {
        let mut h = HeaderMap::new();
        assert_eq!(Codings::accepted(&h), Codings::default());
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br;q=0"),
        );
        assert_eq!(
            Codings::accepted(&h),
            Codings {
                gzip: true,
                brotli: false
            }
        );
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("BR;q=0.5"),
        );
        assert!(Codings::accepted(&h).brotli);
    }

    #[tokio::test]
    async fn answers_too_large_for_their_share_are_not_kept() {
        let small = Response::builder()
            .header(header::CACHE_CONTROL, "public, max-age=60")
            .header(header::ETAG, "W/\"a\"")
            .body(Body::from("示例".repeat(100)))
            .unwrap();
        let stored = Stored::of(small, 4096).await.expect("kept");
        assert!(stored.gzip.is_some() && stored.brotli.is_some());
        let large = Response::builder()
            .header(header::CACHE_CONTROL, "public, max-age=60")
            .header(header::ETAG, "W/\"b\"")
            .body(Body::from("示".repeat(4096)))
            .unwrap();
        assert!(Stored::of(large, 4096).await.is_err());
        let private = Response::builder()
            .header(header::CACHE_CONTROL, "no-store")
            .header(header::ETAG, "W/\"c\"")
            .body(Body::from("x"))
            .unwrap();
        assert!(Stored::of(private, 4096).await.is_err());
    }
}
