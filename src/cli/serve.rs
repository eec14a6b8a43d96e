//! `jingshi serve [--demo]`: the public site.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::app::{App, AppConfig};
use crate::clock::Clock;
use crate::config::GlobalOpts;
use crate::search::outbox::WorkerConfig;
use crate::staff::session::SessionPolicy;
use crate::store::redact;
use crate::web::admin::AdminConfig;
use crate::web::{CacheConfig, ConnectionLimits, Limits};

#[derive(Debug, Args)]
pub struct Opts {
    /// Address to listen on.
    #[arg(long, env = "JINGSHI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Start on a fresh demo database (<data-dir>/demo.db) loaded from <content-dir>/demo.
    #[arg(long)]
    pub demo: bool,
    /// Public base URL (e.g. https://jingshi.example.gov.cn) for absolute links in the API
    /// and on printed lookups. Without it, links use the listen address, which must then be
    /// a loopback address.
    #[arg(long, env = "JINGSHI_BASE_URL")]
    pub base_url: Option<String>,
    /// This is the only instance on its database (required for the embedded search index on
    /// PostgreSQL).
    #[arg(long, env = "JINGSHI_SINGLE_INSTANCE")]
    pub single_instance: bool,
    /// Minutes between checks of the search index against the database (documents of
    /// entries no longer public are removed; the check also runs at every China midnight).
    #[arg(long, env = "JINGSHI_SWEEP_MINUTES", default_value_t = 60)]
    pub sweep_minutes: u64,
    /// Seconds a request may take before it answers 503 (服务繁忙).
    #[arg(long, env = "JINGSHI_REQUEST_TIMEOUT", default_value_t = 15)]
    pub request_timeout: u64,
    /// Address of the internal admin side (only the office network should reach it), or
    /// `none` for a public-only instance.
    #[arg(long, env = "JINGSHI_ADMIN_BIND", default_value = "127.0.0.1:8081")]
    pub admin_bind: String,
    /// The admin side's URL as staff reach it (e.g. https://admin.jingshi.example.gov.cn);
    /// forms must come from it, and over HTTPS the session cookie is `Secure`.
    #[arg(long, env = "JINGSHI_ADMIN_BASE_URL")]
    pub admin_base_url: Option<String>,
    /// Minutes a staff session may stay idle.
    #[arg(long, env = "JINGSHI_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,
    /// Hours a staff session lasts at most.
    #[arg(long, env = "JINGSHI_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,
    /// A header that a trusted reverse proxy sets to the client's address (e.g.
    /// X-Forwarded-For); only set it when the proxy overwrites that header.
    #[arg(long, env = "JINGSHI_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Most connections open at once; at the cap, idle connections are closed to make room.
    /// Keep it below the process's file-descriptor limit (`ulimit -n`, LimitNOFILE).
    #[arg(long, env = "JINGSHI_MAX_CONNECTIONS", default_value_t = 512)]
    pub max_connections: usize,
    /// Seconds a client may take to send a request's headers (a connection that sends
    /// nothing is closed after this).
    #[arg(long, env = "JINGSHI_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a kept-alive connection may stay idle between requests.
    #[arg(long, env = "JINGSHI_IDLE_TIMEOUT", default_value_t = 60)]
    pub idle_timeout: u64,
    /// API requests per minute per client address (429 past it); 0 turns the limit off.
    #[arg(long, env = "JINGSHI_API_RATE_LIMIT", default_value_t = 600)]
    pub api_rate_limit: u32,
    /// Megabytes of memory for public pages and API answers kept between changes (0: off).
    #[arg(long, env = "JINGSHI_CACHE_MB", default_value_t = 64)]
    pub cache_mb: u64,
    /// Milliseconds a kept answer may be served after another instance or process changed
    /// the data (this instance's own changes show at once); 0 checks at every request.
    #[arg(long, env = "JINGSHI_CACHE_RECHECK_MS", default_value_t = 200)]
    pub cache_recheck_ms: u64,
}

pub async fn run(global: &GlobalOpts, opts: Opts) -> anyhow::Result<()> {
    let url = if opts.demo {
        fresh_demo_database(&global.data_dir)?
    } else {
        global.database_url()
    };
    let index_dir = if opts.demo {
        remove_dir_if_present(&global.data_dir.join(DEMO_INDEX))?;
        DEMO_INDEX
    } else {
        INDEX
    };
    // Bound first: without a configured base URL, links are made from the address itself.
    let listener = crate::web::bind(&opts.bind)
        .await
        .with_context(|| format!("cannot listen on {}", opts.bind))?;
    let address = listener.local_addr()?;
    let base_url = base_url(opts.base_url.as_deref(), address)?;
    if opts.base_url.is_none() && !opts.demo {
        tracing::warn!(
            %base_url,
            "no --base-url (JINGSHI_BASE_URL): printed lookups link to the listen address"
        );
    }
    let app = App::start(AppConfig {
        database_url: url.clone(),
        search: global.search_config(index_dir),
        content_dir: global.content_dir.clone(),
        data_dir: global.data_dir.clone(),
        demo: opts.demo,
        base_url: Some(base_url.clone()),
        single_instance: opts.single_instance || opts.demo,
        clock: Clock::system(),
        worker: WorkerConfig {
            sweep_every: Duration::from_secs(opts.sweep_minutes.max(1) * 60),
            ..WorkerConfig::default()
        },
        limits: Limits {
            request_timeout: Duration::from_secs(opts.request_timeout.max(1)),
            connections: ConnectionLimits {
                max_connections: opts.max_connections.max(1),
                header_timeout: Duration::from_secs(opts.header_timeout.max(1)),
                idle_timeout: Duration::from_secs(opts.idle_timeout.max(1)),
            },
            api_rate_limit: opts.api_rate_limit,
            ..Limits::default()
        },
        admin: AdminConfig {
            base_url: opts
                .admin_base_url
                .clone()
                .map(|u| u.trim_end_matches('/').to_string()),
            sessions: SessionPolicy {
                idle: time::Duration::minutes(i64::from(opts.session_idle_minutes.max(1))),
                absolute: time::Duration::hours(i64::from(opts.session_hours.max(1))),
            },
        },
        client_ip_header: match &opts.client_ip_header {
            Some(h) => Some(
                axum::http::HeaderName::from_bytes(h.trim().as_bytes())
                    .with_context(|| format!("invalid header name {h}"))?,
            ),
            None => None,
        },
        cache: CacheConfig {
            budget: opts.cache_mb.saturating_mul(1024 * 1024),
            recheck: Duration::from_millis(opts.cache_recheck_ms),
        },
    })
    .await?;
    let admin = match opts.admin_bind.trim() {
        "none" | "" => None,
        bind => Some(
            crate::web::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind} (admin side)"))?,
        ),
    };
    tracing::info!(
        %address,
        %base_url,
        database = %redact(&url),
        demo = opts.demo,
        max_connections = opts.max_connections,
        "serving"
    );
    // Printed, not logged: scripts read these lines.
    println!("public site: http://{address}/");
    match &admin {
        Some(a) => println!("admin side: http://{}/admin", a.local_addr()?),
        None => println!("admin side: off (--admin-bind none)"),
    }
    for a in &app.demo_accounts {
        println!(
            "demo account: {} {} {}",
            a.role.key(),
            a.username,
            a.password
        );
    }
    app.serve(listener, admin, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The public base URL without a trailing slash: the configured one, else the listen address
/// when only this machine can reach it. A site reachable from elsewhere must be told its
/// public address: absolute links (printed lookups, the API) never come from a request's
/// `Host` header, which the client chooses.
fn base_url(configured: Option<&str>, address: SocketAddr) -> anyhow::Result<String> {
    let Some(configured) = configured.map(str::trim).filter(|s| !s.is_empty()) else {
        if address.ip().is_loopback() {
            return Ok(format!("http://{address}"));
        }
        anyhow::bail!(
            "监听地址 {address} 可被其他机器访问，请用 --base-url（或环境变量 JINGSHI_BASE_URL）\
             设置网站的公开地址，例如 https://jingshi.example.gov.cn：打印的查询结果和接口中的\
             链接只使用这个地址，不使用请求中的 Host 头。"
        );
    };
    let parsed = url::Url::parse(configured).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host().is_some()
            && u.query().is_none()
            && u.fragment().is_none()
            && u.username().is_empty()
    });
    match parsed {
        Some(u) => Ok(u.as_str().trim_end_matches('/').to_string()),
        None => anyhow::bail!(
            "--base-url “{configured}”不是有效的网站地址：应为 http:// 或 https:// 开头、\
             不带查询参数的地址，例如 https://jingshi.example.gov.cn"
        ),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_come_from_the_configured_base_url_or_a_loopback_address_only() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let local6: SocketAddr = "[::1]:8080".parse().unwrap();
        assert_eq!(base_url(None, local).unwrap(), "http://127.0.0.1:8080");
        assert_eq!(base_url(None, local6).unwrap(), "http://[::1]:8080");
        let refused = base_url(None, public).unwrap_err().to_string();
        assert!(refused.contains("--base-url"), "{refused}");
        assert_eq!(
            base_url(Some("https://jingshi.example.gov.cn/"), public).unwrap(),
            "https://jingshi.example.gov.cn"
        );
        assert_eq!(
            base_url(Some("https://example.gov.cn/jingshi/"), local).unwrap(),
            "https://example.gov.cn/jingshi"
        );
        for bad in [
            "jingshi.example.gov.cn",
            "ftp://x.example",
            "https://x.example/?a=1",
        ] {
            assert!(base_url(Some(bad), local).is_err(), "{bad}");
        }
    }
}
