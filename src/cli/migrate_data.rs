//! `jingshi migrate-data --from URL --to URL`: copy every table between databases (typically
//! from the embedded SQLite file to PostgreSQL) and verify the counts. Safe to run again.

use clap::Args;

use crate::store::{Store, redact};

#[derive(Debug, Args)]
pub struct Opts {
    /// Source database URL.
    #[arg(long)]
    pub from: String,
    /// Target database URL (migrated first).
    #[arg(long)]
    pub to: String,
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let source = Store::connect(&opts.from).await?;
    let target = Store::connect(&opts.to).await?;
    println!("从 {} 复制到 {}", redact(&opts.from), redact(&opts.to));
    let counts = source
        .copy_into(&target, &|table, done| {
            if done % 10_000 == 0 {
                eprintln!("{table}: 已复制 {done} 行");
            }
        })
        .await?;
    source.close().await;
    target.close().await;
    let mut mismatched = 0;
    for c in &counts {
        let mark = if c.source == c.target {
            "一致"
        } else {
            "不一致"
        };
        println!(
            "{:<20} 源 {:>8} 行  目标 {:>8} 行  {mark}",
            c.table, c.source, c.target
        );
        mismatched += usize::from(c.source != c.target);
    }
    if mismatched > 0 {
        anyhow::bail!("{mismatched} 个表的行数不一致：目标库中有源库没有的数据，请检查");
    }
    println!("复制完成，各表行数一致。");
    Ok(())
}
