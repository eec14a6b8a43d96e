//! `jingshi reindex`: rebuild the search index (embedded or Meilisearch) from the database.

use std::time::Instant;

use crate::cli::serve::INDEX;
use crate::config::GlobalOpts;
use crate::search::SearchService;
use crate::store::Store;

pub async fn run(global: &GlobalOpts) -> anyhow::Result<()> {
    let store = Store::connect(&global.database_url()).await?;
    let search = SearchService::open(&global.search_config(INDEX), store.clone()).await?;
    let started = Instant::now();
    let total = search
        .rebuild(&|kind, done| {
            if done % 50_000 == 0 {
                eprintln!("{kind}: 已索引 {done}");
            }
        })
        .await?;
    // Changes queued before the rebuild are in it already; applying them again is harmless.
    search.sync().await?;
    store.close().await;
    println!(
        "索引重建完成（{}）：{total} 个文档，用时 {:.1} 秒。",
        search.backend_name(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
