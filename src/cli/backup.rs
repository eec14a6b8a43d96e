//! `jingshi backup FILE`: a consistent copy of the embedded SQLite database, taken while the
//! site runs. PostgreSQL deployments use `pg_dump` (see docs/deployment.md).

use std::path::PathBuf;

use clap::Args;

use crate::config::GlobalOpts;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct Opts {
    /// Where to write the copy; must not exist yet.
    pub file: PathBuf,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let store = Store::connect(&global.database_url()).await?;
    let result = store.backup_sqlite(&opts.file).await;
    store.close().await;
    result?;
    println!("备份已写入 {}", opts.file.display());
    Ok(())
}
