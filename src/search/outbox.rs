//! The outbox worker: every write to entries and articles adds a row to `search_outbox` in the
//! same transaction; this worker applies those rows to the search index and then deletes
//! them, so nothing is lost while the backend is down (the rows stay, and the worker backs off
//! and retries). One holder at a time writes to the index (a lease in the database), so with
//! several instances each change is applied once.
//!
//! The worker also fills an index that needs it (first start, or a discarded embedded index)
//! and sweeps out documents that are no longer public: at every change of the China date
//! (publicity ends at midnight) and every [`WorkerConfig::sweep_every`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::{Drained, SearchService};
use crate::clock::Clock;

const POLL: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How often the index is checked against the database even when the date is unchanged.
    pub sweep_every: Duration,
    /// How often scheduled publications that are due are looked for.
    pub publish_every: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            sweep_every: Duration::from_secs(3600),
            publish_every: Duration::from_secs(20),
        }
    }
}

/// Runs until `stop` turns true.
pub async fn run(
    search: Arc<SearchService>,
    clock: Clock,
    config: WorkerConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_secs(1);
    let mut failing = false;
    let mut swept_on = None;
    let mut next_sweep = tokio::time::Instant::now() + config.sweep_every;
    loop {
        let step = async {
            // Settings first: an index of an older document shape needs a rebuild.
            search.ensure_configured().await?;
            if search.needs_rebuild() {
                let n = search.rebuild(&|_, _| {}).await?;
                tracing::info!(documents = n, "search index built from the database");
                swept_on = Some(clock.today());
                return Ok(Duration::ZERO);
            }
            let today = clock.today();
            if swept_on != Some(today) || tokio::time::Instant::now() >= next_sweep {
                // A failed sweep is tried again at the next interval; it never holds up the
                // outbox.
                match search.sweep().await {
                    Ok(0) => {}
                    Ok(removed) => tracing::info!(removed, "search index swept"),
                    Err(e) => tracing::warn!(error = %e, "search index sweep failed"),
                }
                swept_on = Some(today);
                next_sweep = tokio::time::Instant::now() + config.sweep_every;
            }
            Ok::<_, super::SearchError>(match search.drain_once().await? {
                Drained::Applied(_) => Duration::ZERO,
                Drained::Idle | Drained::Busy => POLL,
            })
        };
        let wait = match step.await {
            Ok(wait) => {
                if failing {
                    tracing::info!("search index reachable again; outbox draining");
                    failing = false;
                }
                backoff = Duration::from_secs(1);
                wait
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "search outbox not applied; retrying with back-off");
                    failing = true;
                }
                let wait = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}
