//! `jingshi import entries FILE [--publish]` and `jingshi import content DIR`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::clock::Clock;
use crate::config::GlobalOpts;
use crate::content::{self, ContentImportError};
use crate::domain::Publication;
use crate::import::{self, ImportOptions, Progress, Report};
use crate::site::Site;
use crate::staff::Who;
use crate::store::{Actor, Store};

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
    quiet_panics();
    let store = Store::connect(&global.database_url())
        .await
        .context("无法打开数据库")?;
    let result = match what {
        What::Entries { file, publish } => import_entries(&store, global, &file, publish).await,
        What::Content { dir } => import_content(&store, &dir).await,
    };
    store.close().await;
    result
}

/// Reports a panic (a bug, or a library tripping over a hostile file, which the reader then
/// refuses) in one line, never with a backtrace, whatever RUST_BACKTRACE says: staff read
/// this output.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("");
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("内部错误：{message}（{at}）");
    }));
}

/// The operating-system user who ran a command, for revisions and the audit log.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_string())
}

async fn import_entries(
    store: &Store,
    global: &GlobalOpts,
    file: &std::path::Path,
    publish: bool,
) -> anyhow::Result<()> {
    let site = Site::load(&global.content_dir)?;
    let clock = Clock::system();
    let actor = Actor {
        name: format!("命令行导入（{}）", os_user()),
        note: format!(
            "从文件 {} 导入",
            file.file_name().unwrap_or_default().to_string_lossy()
        ),
    };
    let options = ImportOptions {
        publication: publish.then_some(Publication::Published),
        defaults: &site.publicity_months,
        today: clock.today(),
        now: clock.now(),
        actor: &actor,
        audited: Some(&Who::cli()),
    };
    let mut report = Report::default();
    let started = std::time::Instant::now();
    // A line at every tenth of the file, so that a long import shows it is alive.
    let shown = std::sync::atomic::AtomicUsize::new(0);
    let progress = |p: Progress| match p {
        Progress::Writing { written, read } => {
            let tenth = (read * 10.0) as usize;
            if tenth > shown.load(std::sync::atomic::Ordering::Relaxed) {
                shown.store(tenth, std::sync::atomic::Ordering::Relaxed);
                eprintln!(
                    "已读取约 {}%，已写入 {written} 条（{:.0} 秒）",
                    tenth * 10,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Progress::Indexing { written } => eprintln!(
            "{written} 条已全部写入，正在建立索引（{:.0} 秒）……",
            started.elapsed().as_secs_f64()
        ),
    };
    let result = import::import_file(store, file, &options, &mut report, &progress).await;
    for line in report.lines() {
        eprintln!("{line}");
    }
    match result {
        Ok(outcome) => {
            println!(
                "导入完成：新增 {} 条，更新 {} 条，未变化 {} 条（用时 {:.1} 秒）。",
                outcome.created,
                outcome.updated,
                outcome.unchanged,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(e) => anyhow::bail!("{}: {e}", file.display()),
    }
}

async fn import_content(store: &Store, dir: &std::path::Path) -> anyhow::Result<()> {
    let clock = Clock::system();
    let actor = Actor {
        name: format!("内容导入（{}）", os_user()),
        note: format!("从目录 {} 导入", dir.display()),
    };
    match content::import_dir(store, dir, &actor, Some(&Who::cli()), clock.now()).await {
        Ok(o) => {
            println!(
                "导入完成：新增 {} 项，更新 {} 项，未变化 {} 项。",
                o.created, o.updated, o.unchanged
            );
            Ok(())
        }
        Err(ContentImportError::Invalid(errors)) => {
            for e in &errors {
                eprintln!("错误 {e}");
            }
            anyhow::bail!(
                "{} 有 {} 处错误，未导入任何内容。",
                dir.display(),
                errors.len()
            )
        }
        Err(e) => Err(e.into()),
    }
}
