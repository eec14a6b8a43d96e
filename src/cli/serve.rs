//! `jingshi serve [--demo]`: the public site.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::cli::import::{import_content, import_entries};
use crate::config::GlobalOpts;
use crate::search::{SearchConfig, SearchService, outbox};
use crate::site::Site;
use crate::store::{Backend, Store, redact};
use crate::web::{self, AppState};

#[derive(Debug, Args)]
pub struct Opts {
    /// Address to listen on.
    #[arg(long, env = "JINGSHI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Start on a fresh demo database (<data-dir>/demo.db) loaded from <content-dir>/demo.
    #[arg(long)]
    pub demo: bool,
    /// Public base URL (e.g. https://jingshi.example.gov.cn) for absolute links in the API.
    #[arg(long, env = "JINGSHI_BASE_URL")]
    pub base_url: Option<String>,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let url = if opts.demo {
        fresh_demo_database(&global.data_dir)?
    } else {
        global.database_url()
    };
    let store = Store::connect(&url).await?;
    let site = Site::load(&global.content_dir)?;
    import_content(&store, &global.content_dir).await?;
    if opts.demo {
        let demo = global.content_dir.join("demo");
        import_entries(
            &store,
            &site,
            &demo.join("entries.csv"),
            true,
            &mut std::io::sink(),
        )
        .await
        .context("loading demo entries")?;
        import_content(&store, &demo).await?;
    }
    let index_dir = if opts.demo {
        remove_dir_if_present(&global.data_dir.join(DEMO_INDEX))?;
        DEMO_INDEX
    } else {
        INDEX
    };
    let search_config = global.search_config(index_dir);
    let search = Arc::new(SearchService::open(&search_config, store.clone()).await?);
    if matches!(search_config, SearchConfig::Embedded { .. })
        && store.backend() == Backend::Postgres
    {
        tracing::warn!(
            "the embedded search index belongs to this instance alone: with several instances \
             on one PostgreSQL database, set JINGSHI_MEILI_URL"
        );
    }
    if search.needs_rebuild {
        let n = search.rebuild(&|_, _| {}).await?;
        tracing::info!(documents = n, "search index built from the database");
    }
    if let Err(e) = search.sync().await {
        tracing::warn!(error = %e, "search index not reachable; public search falls back to the database");
    }
    let (stop_worker, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(outbox::run(search.clone(), stopped));
    let state = AppState {
        store: store.clone(),
        site: Arc::new(site),
        search,
        demo: opts.demo,
        base_url: opts.base_url.map(|u| u.trim_end_matches('/').to_string()),
    };
    let listener = tokio::net::TcpListener::bind(&opts.bind)
        .await
        .with_context(|| format!("cannot listen on {}", opts.bind))?;
    tracing::info!(
        address = %listener.local_addr()?,
        database = %redact(&url),
        demo = opts.demo,
        "serving"
    );
    web::serve(listener, state, shutdown_signal()).await?;
    let _ = stop_worker.send(true);
    let _ = worker.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Folders of the embedded search index under the data folder.
pub const INDEX: &str = "search-index";
const DEMO_INDEX: &str = "demo-search-index";

fn remove_dir_if_present(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes a previous demo database so that every demo starts from the same content.
fn fresh_demo_database(data_dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)?;
    let file = data_dir.join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let mut p = file.clone().into_os_string();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(format!("sqlite://{}", file.display()))
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
