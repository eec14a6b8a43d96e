//! `jingshi import entries FILE [--publish]` and `jingshi import content DIR`.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Subcommand;

use crate::config::GlobalOpts;
use crate::content;
use crate::domain::PubState;
use crate::domain::dates::today;
use crate::import;
use crate::site::Site;
use crate::store::{Actor, EntryWrite, Store, WriteOutcome};

#[derive(Debug, Subcommand)]
pub enum What {
    /// Import list entries from a .csv or .xlsx file (all-or-nothing).
    Entries {
        file: PathBuf,
        /// Publish what is imported; without it new entries stay drafts.
        #[arg(long)]
        publish: bool,
    },
    /// Import articles (DIR/articles/*.md) and pages (DIR/pages/*.md).
    Content { dir: PathBuf },
}

pub async fn run(global: &GlobalOpts, what: What) -> anyhow::Result<()> {
    let store = Store::connect(&global.database_url()).await?;
    let site = Site::load(&global.content_dir)?;
    let result = match what {
        What::Entries { file, publish } => {
            import_entries(&store, &site, &file, publish, &mut std::io::stderr()).await
        }
        What::Content { dir } => import_content(&store, &dir).await,
    };
    store.close().await;
    let outcome = result?;
    println!(
        "导入完成：新增 {} 条，更新 {} 条，未变化 {} 条。",
        outcome.created, outcome.updated, outcome.unchanged
    );
    Ok(())
}

/// Validates a whole file, prints every problem, and writes only when there is no error.
pub async fn import_entries(
    store: &Store,
    site: &Site,
    file: &Path,
    publish: bool,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<WriteOutcome> {
    let sheet = match import::read_file(file) {
        Ok(s) => s,
        Err(e) => bail!("{}: {e}", file.display()),
    };
    let checked = import::validate(&sheet, &site.publicity_months, today());
    for w in &checked.warnings {
        writeln!(out, "警告 {w}")?;
    }
    if !checked.errors.is_empty() {
        for e in &checked.errors {
            writeln!(out, "错误 {e}")?;
        }
        bail!(
            "{} 有 {} 处错误，整个文件未导入，数据库没有任何改动。",
            file.display(),
            checked.errors.len()
        );
    }
    let total = checked.entries.len();
    let writes: Vec<EntryWrite> = checked
        .entries
        .into_iter()
        .map(|(_, data)| EntryWrite {
            data,
            state: publish.then_some(PubState::Published),
        })
        .collect();
    let actor = Actor {
        name: format!("命令行导入（{}）", whoami()),
        note: format!(
            "从文件 {} 导入",
            file.file_name().unwrap_or_default().to_string_lossy()
        ),
    };
    let progress = |done: usize| {
        if total >= 1000 && (done.is_multiple_of(1000) || done == total) {
            eprintln!("已写入 {done}/{total} 条");
        }
    };
    Ok(store.write_entries(&writes, &actor, &progress).await?)
}

/// Imports every article and page of a content folder in one go; any bad file rejects all.
pub async fn import_content(store: &Store, dir: &Path) -> anyhow::Result<WriteOutcome> {
    let set = match content::load_dir(dir) {
        Ok(set) => set,
        Err(errors) => {
            for e in &errors {
                eprintln!("错误 {e}");
            }
            bail!(
                "{} 有 {} 处错误，未导入任何内容。",
                dir.display(),
                errors.len()
            );
        }
    };
    let actor = Actor {
        name: format!("内容导入（{}）", whoami()),
        note: format!("从目录 {} 导入", dir.display()),
    };
    let articles: Vec<_> = set
        .articles
        .into_iter()
        .map(|a| {
            let state = if a.draft {
                PubState::Draft
            } else {
                PubState::Published
            };
            (a.data, state)
        })
        .collect();
    let mut outcome = store.write_articles(&articles, &actor).await?;
    let pages = store.write_pages(&set.pages).await?;
    outcome.created += pages.created;
    outcome.updated += pages.updated;
    outcome.unchanged += pages.unchanged;
    Ok(outcome)
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "unknown".to_string())
}
