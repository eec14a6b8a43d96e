//! The outbox worker: every write to entries and articles adds a row to `search_outbox` in the
//! same transaction; this worker applies those rows to the search index and deletes them in
//! one database transaction, so a change reaches the index once even with several instances
//! (the outbox is drained by one instance at a time) and nothing is lost while the backend is
//! down (the rows stay, and the worker backs off and retries).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::SearchService;

const POLL: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Runs until `stop` turns true.
pub async fn run(search: Arc<SearchService>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_secs(1);
    let mut failing = false;
    loop {
        let wait = match search.drain_once().await {
            Ok(Some(n)) if n > 0 => {
                if failing {
                    tracing::info!("search index reachable again; outbox draining");
                    failing = false;
                }
                backoff = Duration::from_secs(1);
                Duration::ZERO
            }
            Ok(_) => POLL,
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
