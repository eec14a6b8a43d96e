//! The entry lookup used by the search page and the API: the search engine first, the
//! database lookup when the engine cannot answer. Results are always re-read from the
//! database (the source of truth) and re-checked for visibility before they are shown.

use time::Date;

use super::AppState;
use super::error::Result;
use crate::domain::entry::{Visibility, visibility};
use crate::search::ENTRY_CANDIDATES;
use crate::search::query::AnalyzedQuery;
use crate::search::rank::{EntryHit, Facets, Filters, facets};
use crate::store::Entry;

pub struct EntryResults {
    /// The entries of the requested page, in rank order.
    pub entries: Vec<Entry>,
    pub total: usize,
    /// The engine stopped at its candidate limit: there may be more.
    pub capped: bool,
    /// Counts over all matches, before the filters.
    pub facets: Facets,
    /// The search engine could not answer; these come from the simple database lookup.
    pub degraded: bool,
}

pub async fn find_entries(
    state: &AppState,
    q: &AnalyzedQuery,
    filters: &Filters,
    page: u32,
    per_page: u32,
    today: Date,
) -> Result<EntryResults> {
    let (limit, offset) = super::params::limit_offset(page, per_page);
    if q.is_empty() {
        return Ok(EntryResults {
            entries: Vec::new(),
            total: 0,
            capped: false,
            facets: Facets::default(),
            degraded: false,
        });
    }
    match state.search.entries(q, today).await {
        Ok(hits) => {
            let capped = hits.len() >= ENTRY_CANDIDATES;
            let all_facets = facets(&hits);
            let kept: Vec<&EntryHit> = hits.iter().filter(|h| filters.keeps(h)).collect();
            let ids: Vec<i64> = kept
                .iter()
                .skip(offset as usize)
                .take(limit as usize)
                .map(|h| h.doc.id)
                .collect();
            let rows = state.store.entries_by_ids(&ids).await?;
            let entries = ids
                .iter()
                .filter_map(|id| rows.iter().find(|e| e.id == *id))
                .filter(|e| {
                    matches!(
                        visibility(e.state, e.data.publicity_ends_on, today),
                        Visibility::Public
                    )
                })
                .cloned()
                .collect();
            Ok(EntryResults {
                entries,
                total: kept.len(),
                capped,
                facets: all_facets,
                degraded: false,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "search engine unavailable; using the database lookup");
            let key = crate::lookup::understand(&q.raw).key;
            let filter = filters.entry_filter(Some(key).filter(|k| !k.is_empty()), limit, offset);
            let (total, entries) = state.store.public_entries(&filter, today).await?;
            Ok(EntryResults {
                entries,
                total: total as usize,
                capped: false,
                facets: Facets::default(),
                degraded: true,
            })
        }
    }
}
