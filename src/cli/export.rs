//! `jingshi export entries --format csv|json|xlsx [--history] --output FILE`: the public list
//! (or the history of its changes) as a file, exactly what the site's downloads hold. Only what
//! the public may see today is written.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use crate::clock::Clock;
use crate::config::GlobalOpts;
use crate::open_data::export::{self, Dataset, Format};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the public list of entries (or, with --history, its changes).
    Entries {
        #[arg(long, value_enum)]
        format: FileFormat,
        /// The history of listings, updates, removals, withdrawals and publicity ends
        /// instead of the current list.
        #[arg(long)]
        history: bool,
        #[arg(long)]
        output: PathBuf,
        /// The site's public URL, for the entries' links (relative links without it).
        #[arg(long, env = "JINGSHI_BASE_URL")]
        base_url: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FileFormat {
    Csv,
    Json,
    Xlsx,
}

impl From<FileFormat> for Format {
    fn from(f: FileFormat) -> Format {
        match f {
            FileFormat::Csv => Format::Csv,
            FileFormat::Json => Format::Json,
            FileFormat::Xlsx => Format::Xlsx,
        }
    }
}

pub async fn run(global: &GlobalOpts, command: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Entries {
        format,
        history,
        output,
        base_url,
    } = command;
    let dataset = if history {
        Dataset::History
    } else {
        Dataset::Entries
    };
    let base = base_url.map(|u| u.trim_end_matches('/').to_string());
    let url = move |path: &str| match &base {
        Some(b) => format!("{b}{path}"),
        None => path.to_string(),
    };
    let store = Store::connect(&global.database_url()).await?;
    let today = Clock::system().today();
    let written = export::write(&store, today, &url, dataset, format.into(), &output).await;
    store.close().await;
    let written = written?;
    let what = match dataset {
        Dataset::Entries => "条名单条目",
        Dataset::History => "条变更记录",
    };
    println!(
        "已导出 {} {what}到 {}（变更序号截至 {}）",
        written.records,
        output.display(),
        written.cursor
    );
    Ok(())
}
