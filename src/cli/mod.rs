//! The `jingshi` command line: one file per subcommand, each an `Opts` and a `run`.

pub mod audit;
pub mod backup;
pub mod export;
pub mod import;
pub mod migrate;
pub mod migrate_data;
pub mod reindex;
pub mod serve;
pub mod user;

use clap::{Parser, Subcommand};

use crate::config::GlobalOpts;

#[derive(Debug, Parser)]
#[command(name = "jingshi", version, about = "互联网金融风险警示与名单公示网站")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the public site.
    Serve(serve::Opts),
    /// Apply database migrations (every command also does this first).
    Migrate,
    /// Import list entries or articles and pages.
    #[command(subcommand)]
    Import(import::What),
    /// Copy every table from one database to another (e.g. SQLite to PostgreSQL).
    MigrateData(migrate_data::Opts),
    /// Write a consistent copy of the SQLite database to a file.
    Backup(backup::Opts),
    /// Rebuild the search index from the database (or show its outbox with --status).
    Reindex(reindex::Opts),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Export the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Export the public list as open data (CSV, JSON or XLSX).
    #[command(subcommand)]
    Export(export::ExportCommand),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(opts) => serve::run(&cli.global, opts).await,
        Command::Migrate => migrate::run(&cli.global).await,
        Command::Import(what) => import::run(&cli.global, what).await,
        Command::MigrateData(opts) => migrate_data::run(opts).await,
        Command::Backup(opts) => backup::run(&cli.global, opts).await,
        Command::Reindex(opts) => reindex::run(&cli.global, opts).await,
        Command::User(command) => user::run(&cli.global, command).await,
        Command::Audit(command) => audit::run(&cli.global, command).await,
        Command::Export(command) => export::run(&cli.global, command).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
