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
use crate::domain::Role;
use crate::import::{self, ImportOptions, Report};
use crate::search::outbox::{self, WorkerConfig};
use crate::search::{SearchConfig, SearchService};
use crate::site::Site;
use crate::store::{Actor, Backend, Store};
use crate::web::admin::AdminConfig;
use crate::web::{self, AppState, Limits};

/// Everything the application is started with.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub database_url: String,
    pub search: SearchConfig,
    /// `site.toml` (and, in demo mode, `pages/` and `demo/`).
    pub content_dir: PathBuf,
    /// Local state (attachments).
    pub data_dir: PathBuf,
    /// Load the demo content into the (fresh) database and mark every page 示例数据.
    pub demo: bool,
    pub base_url: Option<String>,
    /// Told that no other instance shares the database (required for the embedded index on
    /// PostgreSQL, whose index belongs to one instance).
    pub single_instance: bool,
    pub clock: Clock,
    pub worker: WorkerConfig,
    pub limits: Limits,
    pub admin: AdminConfig,
    /// The header a trusted reverse proxy sets to the client's address.
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// The in-process cache of public answers.
    pub cache: web::CacheConfig,
}

/// A demo account made at start-up, with its password (shown once).
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub role: Role,
    pub username: String,
    pub password: String,
}

/// A started application: its state, and the background tasks (the search index worker,
/// session clean-up).
pub struct App {
    pub state: AppState,
    /// In demo mode, the staff accounts made at start-up.
    pub demo_accounts: Vec<DemoAccount>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
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
        let mut demo_accounts = Vec::new();
        if config.demo {
            load_demo(&store, &site, &config.content_dir, &config.clock).await?;
            demo_accounts = demo_staff(&store, &config.clock).await?;
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
            stopped.clone(),
        ));
        let sweeper = tokio::spawn(expire_sessions(
            store.clone(),
            config.clock.clone(),
            stopped.clone(),
        ));
        let publisher = tokio::spawn(publish_scheduled(
            store.clone(),
            config.clock.clone(),
            config.worker.publish_every,
            stopped,
        ));
        let base_url = config.base_url.map(|u| u.trim_end_matches('/').to_string());
        let downloads =
            crate::open_data::Downloads::new(store.clone(), &config.data_dir, base_url.clone());
        let state = AppState {
            store,
            site: Arc::new(site),
            search,
            clock: config.clock,
            limits: config.limits,
            demo: config.demo,
            base_url,
            client_ip_header: config.client_ip_header,
            admin: config.admin,
            data_dir: config.data_dir,
            downloads,
            cache: Arc::new(web::ResponseCache::new(config.cache)),
        };
        Ok(App {
            state,
            demo_accounts,
            stop,
            tasks: vec![worker, sweeper, publisher],
        })
    }

    /// Serves the public site, and the admin side when it has a listener of its own, until
    /// `shutdown` resolves; then stops the background tasks and closes the database.
    pub async fn serve(
        self,
        public: tokio::net::TcpListener,
        admin: Option<tokio::net::TcpListener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (tell, told) = watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = tell.send(true);
        });
        let until = |mut told: watch::Receiver<bool>| async move {
            let _ = told.wait_for(|stop| *stop).await;
        };
        let connections = self.state.limits.connections;
        let public_side = web::serve_router(
            public,
            web::public_app(self.state.clone()),
            connections,
            until(told.clone()),
        );
        let admin_side = async {
            match admin {
                Some(listener) => {
                    let admin = web::admin::app(self.state.clone());
                    web::serve_router(listener, admin, connections, until(told)).await
                }
                None => Ok(()),
            }
        };
        let (public_result, admin_result) = tokio::join!(public_side, admin_side);
        self.stop().await;
        public_result?;
        admin_result?;
        Ok(())
    }

    /// Stops the background tasks and closes the database.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.state.store.close().await;
    }
}

/// Deletes expired sessions every ten minutes (an expired session is refused anyway; this
/// only keeps the table small).
async fn expire_sessions(store: Store, clock: Clock, mut stop: watch::Receiver<bool>) {
    loop {
        let swept = async {
            let mut tx = store.begin().await?;
            let n = tx.delete_expired_sessions(clock.now()).await?;
            tx.commit().await?;
            Ok::<_, crate::store::StoreError>(n)
        };
        if let Err(e) = swept.await {
            tracing::warn!(error = %e, "expired sessions not deleted");
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Publishes scheduled changes when they are due (within `every` of their time), on every
/// instance: each change is claimed in the transaction that publishes it, so it is published
/// once, and a restart loses nothing (the schedule is in the database).
async fn publish_scheduled(
    store: Store,
    clock: Clock,
    every: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match crate::workflow::publish_due(&store, &clock).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(published = n, "scheduled changes published"),
            Err(e) => tracing::warn!(error = %e, "scheduled publication failed; trying again"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// The demo's staff: an editor, a reviewer and an admin with random passwords.
async fn demo_staff(store: &Store, clock: &Clock) -> anyhow::Result<Vec<DemoAccount>> {
    let who = crate::staff::Who {
        name: "示例数据".into(),
        user_id: None,
        address: "本机".into(),
    };
    let mut made = Vec::new();
    for (role, username, name) in [
        (Role::Editor, "demo-editor", "示例编辑"),
        (Role::Reviewer, "demo-reviewer", "示例审核员"),
        (Role::Admin, "demo-admin", "示例管理员"),
    ] {
        let password = crate::staff::password::generate();
        crate::staff::accounts::create(store, clock, &who, username, name, role, &password)
            .await
            .map_err(|e| anyhow::anyhow!("demo account {username}: {e}"))?;
        made.push(DemoAccount {
            role,
            username: username.to_string(),
            password,
        });
    }
    Ok(made)
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
    content::import_dir(store, content_dir, &actor, None, now)
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
        audited: None,
    };
    let imported = import::import_file(
        store,
        &demo.join("entries.csv"),
        &options,
        &mut report,
        &|_| {},
    )
    .await;
    if let Err(e) = imported {
        for line in report.lines() {
            tracing::error!(problem = %line, "demo entries");
        }
        return Err(e).context("loading the demo entries");
    }
    content::import_dir(store, &demo, &actor, None, now)
        .await
        .context("loading the demo articles")?;
    Ok(())
}
