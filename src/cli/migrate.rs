//! `jingshi migrate`: connect and apply migrations.

use crate::config::GlobalOpts;
use crate::store::{Store, redact};

pub async fn run(global: &GlobalOpts) -> anyhow::Result<()> {
    let url = global.database_url();
    let store = Store::connect(&url).await?;
    println!("数据库已是最新结构：{}", redact(&url));
    store.close().await;
    Ok(())
}
