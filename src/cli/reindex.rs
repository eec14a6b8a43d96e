//! `jingshi reindex [--status]`: rebuild the search index (embedded or Meilisearch) from the
//! database, or show how far the index is behind.

use std::time::Instant;

use clap::Args;

use crate::cli::serve::INDEX;
use crate::clock::Clock;
use crate::config::GlobalOpts;
use crate::search::SearchService;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct Opts {
    /// Show the outbox (changes waiting for the index, and parked ones with their errors)
    /// instead of rebuilding.
    #[arg(long)]
    pub status: bool,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let store = Store::connect(&global.database_url()).await?;
    let result = if opts.status {
        status(&store).await
    } else {
        rebuild(global, &store).await
    };
    store.close().await;
    result
}

async fn status(store: &Store) -> anyhow::Result<()> {
    let (pending, parked) = store.outbox_status().await?;
    println!("待同步到检索索引的变更：{pending} 项");
    if parked.is_empty() {
        println!("被检索服务拒绝而搁置的变更：无");
    } else {
        println!("被检索服务拒绝而搁置的变更（最近 {} 项）：", parked.len());
        for p in &parked {
            println!(
                "  #{} {} {}，尝试 {} 次：{}",
                p.id, p.entity, p.entity_id, p.attempts, p.error
            );
        }
        println!("修正数据后运行 jingshi reindex 可重新写入全部内容。");
    }
    Ok(())
}

async fn rebuild(global: &GlobalOpts, store: &Store) -> anyhow::Result<()> {
    let search =
        SearchService::open(&global.search_config(INDEX), store.clone(), Clock::system()).await?;
    let started = Instant::now();
    let total = search
        .rebuild(&|kind, done| {
            if done % 50_000 == 0 {
                eprintln!("{kind}: 已索引 {done}");
            }
        })
        .await?;
    println!(
        "索引重建完成（{}）：{total} 个文档，用时 {:.1} 秒。",
        search.backend_name(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
