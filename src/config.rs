//! Settings shared by every subcommand, from flags or `JINGSHI_*` environment variables.

use std::path::PathBuf;

use clap::Args;

use crate::search::SearchConfig;

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

    /// Meilisearch URL; when set, search uses Meilisearch instead of the embedded index.
    #[arg(long, env = "JINGSHI_MEILI_URL", global = true)]
    pub meili_url: Option<String>,

    /// Meilisearch API key (a key allowed to search, add documents and change settings).
    #[arg(long, env = "JINGSHI_MEILI_KEY", global = true, hide_env_values = true)]
    pub meili_key: Option<String>,

    /// Meilisearch index name.
    #[arg(
        long,
        env = "JINGSHI_MEILI_INDEX",
        default_value = "jingshi",
        global = true
    )]
    pub meili_index: String,
}

impl GlobalOpts {
    /// The search backend: Meilisearch when a URL is given, else the embedded index in
    /// `<data-dir>/<index_dir>`.
    pub fn search_config(&self, index_dir: &str) -> SearchConfig {
        match &self.meili_url {
            Some(url) if !url.is_empty() => SearchConfig::Meilisearch {
                url: url.clone(),
                key: self.meili_key.clone().filter(|k| !k.is_empty()),
                index: self.meili_index.clone(),
            },
            _ => SearchConfig::Embedded {
                dir: self.data_dir.join(index_dir),
            },
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("jingshi.db").display()))
    }
}
