//! The composition root: `jingshi serve` and the tests build the application through
//! [`App::start`], so the start-up wiring (database, demo content, search index, outbox worker,
//! shutdown) is what the tests exercise.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::content;
use crate::domain::Publication;
use crate::import::{self, ImportOptions, Report};
use crate::search::outbox::{self, WorkerConfig};
use crate::search::{SearchConfig, SearchService};
use crate::site::Site;
use crate::store::{Actor, Backend, Store};
use crate::web::{self, AppState, Limits};

/// Everything the application is started with.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub database_url: String,
    pub search: SearchConfig,
    /// `site.toml` (and, in demo mode, `pages/` and `demo/`).
    pub content_dir: PathBuf,
    /// Load the demo content into the (fresh) database and mark every page 示例数据.
    pub demo: bool,
    pub base_url: Option<String>,
    /// Told that no other instance shares the database (required for the embedded index on
    /// PostgreSQL, whose index belongs to one instance).
    pub single_instance: bool,
    pub clock: Clock,
    pub worker: WorkerConfig,
    pub limits: Limits,
}

/// A started application: its state, and the background worker that keeps the search index.
pub struct App {
    pub state: AppState,
    stop: watch::Sender<bool>,
    worker: JoinHandle<()>,
}

impl App {
    pub async fn start(config: AppConfig) -> anyhow::Result<App> {
        let store = Store::connect(&config.database_url).await?;
        if matches!(config.search, SearchConfig::Embedded { .. })
            && store.backend() == Backend::Postgres
            && !config.single_instance
        {
            anyhow::bail!(
                "the embedded search index belongs to one instance: with PostgreSQL, set \
                 JINGSHI_MEILI_URL for several instances, or --single-instance \
                 (JINGSHI_SINGLE_INSTANCE=true) when this is the only one"
            );
        }
        let site = Site::load(&config.content_dir)?;
        if config.demo {
            load_demo(&store, &site, &config.content_dir, &config.clock).await?;
        }
        let search = Arc::new(
            SearchService::open(&config.search, store.clone(), config.clock.clone()).await?,
        );
        crate::assets::prepare();
        let (stop, stopped) = watch::channel(false);
        let worker = tokio::spawn(outbox::run(
            search.clone(),
            config.clock.clone(),
            config.worker.clone(),
            stopped,
        ));
        let state = AppState {
            store,
            site: Arc::new(site),
            search,
            clock: config.clock,
            limits: config.limits,
            demo: config.demo,
            base_url: config.base_url.map(|u| u.trim_end_matches('/').to_string()),
        };
        Ok(App {
            state,
            stop,
            worker,
        })
    }

    /// Serves the public site until `shutdown` resolves, then stops the worker and closes
    /// the database.
    pub async fn serve(
        self,
        public: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let served = web::serve(public, self.state.clone(), shutdown).await;
        self.stop().await;
        Ok(served?)
    }

    /// Stops the background worker and closes the database.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.worker.await;
        self.state.store.close().await;
    }
}

/// Fills a fresh demo database: the pages of the content folder, the demo entries and the
/// demo articles, all published.
async fn load_demo(
    store: &Store,
    site: &Site,
    content_dir: &Path,
    clock: &Clock,
) -> anyhow::Result<()> {
    let actor = Actor {
        name: "示例数据".into(),
        note: "载入示例数据".into(),
    };
    let now = clock.now();
    content::import_dir(store, content_dir, &actor, now)
        .await
        .context("loading the pages")?;
    let demo = content_dir.join("demo");
    let mut report = Report::default();
    let options = ImportOptions {
        publication: Some(Publication::Published),
        defaults: &site.publicity_months,
        today: clock.today(),
        now,
        actor: &actor,
    };
    let imported = import::import_file(
        store,
        &demo.join("entries.csv"),
        &options,
        &mut report,
        &|_, _| {},
    )
    .await;
    if let Err(e) = imported {
        for line in report.lines() {
            tracing::error!(problem = %line, "demo entries");
        }
        return Err(e).context("loading the demo entries");
    }
    content::import_dir(store, &demo, &actor, now)
        .await
        .context("loading the demo articles")?;
    Ok(())
}
