//! `jingshi audit export [--since DATE] --output FILE.csv`: the audit log offline, the same
//! CSV as the admin side's download (the export itself is audited).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use futures_util::StreamExt;

use crate::clock::Clock;
use crate::config::GlobalOpts;
use crate::domain::dates::{china_midnight, parse_date};
use crate::staff::audit::{self, Action, Who};
use crate::store::{AuditFilter, Store};
use crate::web::admin::audit_csv;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write the audit log as CSV (UTF-8 with BOM).
    Export {
        /// Only rows from this China date on (2026-11-01).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        output: PathBuf,
    },
}

pub async fn run(global: &GlobalOpts, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Export { since, output } = command;
    let from = match since {
        Some(s) => Some(china_midnight(
            parse_date(&s).map_err(|e| anyhow::anyhow!("--since: {e}"))?,
        )),
        None => None,
    };
    let store = Store::connect(&global.database_url()).await?;
    let result = export(&store, from, &output).await;
    store.close().await;
    let rows = result?;
    println!("已导出 {rows} 条审计记录到 {}", output.display());
    Ok(())
}

async fn export(
    store: &Store,
    from: Option<time::OffsetDateTime>,
    output: &std::path::Path,
) -> anyhow::Result<usize> {
    let clock = Clock::system();
    let mut tx = store.begin().await?;
    let summary = match from {
        Some(f) => format!("起始时间 {}", crate::domain::dates::china_minute(f)),
        None => "全部".into(),
    };
    audit::record(
        &mut tx,
        &Who::cli(),
        Action::AuditExport,
        &output.display().to_string(),
        &summary,
        clock.now(),
    )
    .await?;
    tx.commit().await?;
    let filter = AuditFilter {
        from,
        ..AuditFilter::default()
    };
    let (total, _) = store
        .audit_entries(&AuditFilter {
            limit: 1,
            ..filter.clone()
        })
        .await?;
    let mut file = std::fs::File::create(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    let mut stream = std::pin::pin!(audit_csv(store.clone(), filter));
    while let Some(chunk) = stream.next().await {
        file.write_all(&chunk?)?;
    }
    file.flush()?;
    Ok(total as usize)
}
