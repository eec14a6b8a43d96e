//! Settings shared by every subcommand, from flags or `JINGSHI_*` environment variables.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Database URL: sqlite://FILE (created when missing) or postgres://…
    /// [default: sqlite://<data-dir>/jingshi.db]
    #[arg(
        long,
        env = "JINGSHI_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Folder for the embedded database and other local state.
    #[arg(long, env = "JINGSHI_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Folder with site.toml, pages/ and demo/.
    #[arg(
        long,
        env = "JINGSHI_CONTENT_DIR",
        default_value = "content",
        global = true
    )]
    pub content_dir: PathBuf,
}

impl GlobalOpts {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("jingshi.db").display()))
    }
}
