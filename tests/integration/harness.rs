//! The test harness: a real server on port 0 over a fresh database per test, SQLite or
//! PostgreSQL. PostgreSQL comes from `JINGSHI_TEST_POSTGRES_URL` (an admin URL; each test
//! creates its own database there) or from a throwaway cluster this binary starts itself with
//! `initdb`/`pg_ctl` (from PATH or Debian's /usr/lib/postgresql/*/bin), which a watchdog stops
//! and removes when the test process ends.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use jingshi::app::{App, AppConfig};
use jingshi::clock::Clock;
use jingshi::domain::entry::EntryData;
use jingshi::domain::{Category, EntryStatus, ListKind, Publication};
use jingshi::import::{self, ImportRow, Outcome};
use jingshi::search::outbox::WorkerConfig;
use jingshi::search::{SearchConfig, SearchService};
use jingshi::site::Site;
use jingshi::store::{Actor, Store};
use jingshi::web::Limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named story (an `async fn(TestApp)`) once on SQLite and once on PostgreSQL, as
/// `story::sqlite` and `story::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            use $crate::harness::{Backend, TestApp};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$story(TestApp::spawn(Backend::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = TestApp::try_spawn(Backend::Postgres).await {
                    super::$story(app).await;
                }
            }
        }
    )*};
}

pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

pub fn site() -> Site {
    Site::load(&content_dir()).expect("content/site.toml")
}

/// A database for one test; dropping it removes a SQLite folder (PostgreSQL test databases
/// go with their throwaway cluster).
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A database that exists already and that the test does not own.
    pub fn at(url: String) -> TestDb {
        TestDb { url, _dir: None }
    }

    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Some(TestDb {
                    url,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let admin = postgres_admin_url()?;
                let name = format!(
                    "jingshi_test_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst)
                );
                let pool = sqlx::PgPool::connect(&admin)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .expect("create test database");
                pool.close().await;
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&name);
                Some(TestDb {
                    url: url.to_string(),
                    _dir: None,
                })
            }
        }
    }
}

/// The admin URL of the PostgreSQL server for tests, or `None` (loudly) when there is none.
/// With `CI=true` a missing PostgreSQL fails the test instead.
fn postgres_admin_url() -> Option<String> {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    let found = URL.get_or_init(|| match std::env::var("JINGSHI_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Ok(url),
        _ => start_cluster(),
    });
    match found {
        Ok(url) => Some(url.clone()),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("PostgreSQL is required in CI but unavailable: {why}")
        }
        Err(why) => {
            eprintln!(
                "\n*** SKIPPED PostgreSQL test: {why}. Install PostgreSQL (Debian: postgresql) \
                 or set JINGSHI_TEST_POSTGRES_URL. ***\n"
            );
            None
        }
    }
}

fn pg_bin(tool: &str) -> Option<PathBuf> {
    if let Ok(out) = Command::new("which").arg(tool).output()
        && out.status.success()
    {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !p.is_empty() {
            return Some(PathBuf::from(p));
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join(tool))
        .filter(|p| p.exists())
        .collect();
    candidates.sort();
    candidates.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `initdb` refuses to run as root, so as root the cluster runs as the `postgres` user.
fn as_cluster_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start_cluster() -> Result<String, String> {
    let initdb = pg_bin("initdb").ok_or("initdb not found")?;
    let pg_ctl = pg_bin("pg_ctl").ok_or("pg_ctl not found")?;
    let dir = tempfile::Builder::new()
        .prefix("jingshi-pg-")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("cannot hand the cluster folder to the postgres user".into());
        }
    }
    let data = dir.join("data");
    let out = as_cluster_user(&initdb)
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "-D",
        ])
        .arg(&data)
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=400",
        dir.display()
    );
    let out = as_cluster_user(&pg_ctl)
        .arg("-D")
        .arg(&data)
        .args(["-o", &options, "-l"])
        .arg(dir.join("log"))
        .args(["-w", "start"])
        .output()
        .map_err(|e| format!("pg_ctl: {e}"))?;
    if !out.status.success() {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        return Err(format!("pg_ctl start failed: {log}"));
    }
    // Stop and remove the cluster once this test process has gone.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runas} {pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        runas = if is_root() {
            "runuser -u postgres --"
        } else {
            ""
        },
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("sh")
        .args(["-c", &stop])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

/// A running site over its own database, with its own embedded search index, started the way
/// `jingshi serve` starts it (`App::start`), on a clock the test can move.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The internal admin listener.
    pub admin_addr: SocketAddr,
    pub store: Store,
    pub search: Arc<SearchService>,
    /// The app's cache of public answers.
    pub cache: Arc<jingshi::web::ResponseCache>,
    pub clock: Clock,
    pub db: TestDb,
    pub client: reqwest::Client,
    _index_dir: Option<tempfile::TempDir>,
}

/// The test apps' clock starts at the real time, so that fixture dates read as they do on
/// the public site today.
fn test_clock() -> Clock {
    Clock::fixed(time::OffsetDateTime::now_utc())
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::try_spawn(backend).await.expect("database for tests")
    }

    pub async fn try_spawn(backend: Backend) -> Option<TestApp> {
        let db = TestDb::new(backend).await?;
        Some(Self::start(db, None, test_clock()).await)
    }

    /// Another instance on the same database (several instances behind a load balancer),
    /// with its own search index unless a search configuration is given.
    pub async fn another_instance(&self, search: Option<SearchConfig>) -> TestApp {
        let db = TestDb::at(self.db.url.clone());
        Self::start(db, search, self.clock.clone()).await
    }

    /// A site whose search backend is given (Meilisearch, say) instead of its own index.
    pub async fn try_spawn_with_search(backend: Backend, config: SearchConfig) -> Option<TestApp> {
        let db = TestDb::new(backend).await?;
        Some(Self::start(db, Some(config), test_clock()).await)
    }

    /// A site over a database that already exists.
    pub async fn on_db(db: TestDb) -> TestApp {
        Self::start(db, None, test_clock()).await
    }

    pub fn config(db: &TestDb, search: SearchConfig, clock: Clock) -> AppConfig {
        AppConfig {
            database_url: db.url.clone(),
            search,
            content_dir: content_dir(),
            // One folder per database: instances of one site share their open-data files,
            // but a test's files are never taken for an older version of another test's
            // (file versions are ordered by the changes feed, which is per database).
            data_dir: std::env::temp_dir()
                .join(format!("jingshi-test-{}", std::process::id()))
                .join({
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    db.url.hash(&mut h);
                    format!("{:016x}", h.finish())
                }),
            demo: false,
            base_url: None,
            single_instance: true,
            clock,
            worker: WorkerConfig::default(),
            limits: Limits::default(),
            admin: jingshi::web::admin::AdminConfig::default(),
            client_ip_header: None,
            cache: jingshi::web::CacheConfig::default(),
        }
    }

    /// A site whose start-up settings the test adjusts (limits, search backend …).
    pub async fn try_spawn_configured(
        backend: Backend,
        search: Option<SearchConfig>,
        tweak: impl FnOnce(&mut AppConfig),
    ) -> Option<TestApp> {
        let db = TestDb::new(backend).await?;
        Some(Self::start_with(db, search, test_clock(), tweak).await)
    }

    async fn start(db: TestDb, search: Option<SearchConfig>, clock: Clock) -> TestApp {
        Self::start_with(db, search, clock, |_| {}).await
    }

    async fn start_with(
        db: TestDb,
        search: Option<SearchConfig>,
        clock: Clock,
        tweak: impl FnOnce(&mut AppConfig),
    ) -> TestApp {
        // Logs go to the test's captured output, shown when it fails.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("jingshi=info")
            .with_test_writer()
            .try_init();
        let (search, index_dir) = match search {
            Some(s) => (s, None),
            None => {
                let dir = tempfile::tempdir().unwrap();
                let config = SearchConfig::Embedded {
                    dir: dir.path().join("index"),
                };
                (config, Some(dir))
            }
        };
        // Bound first, as `serve` does: links are made from the configured base URL only,
        // which defaults to the listen address.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = Self::config(&db, search, clock.clone());
        config.base_url = Some(format!("http://{addr}"));
        tweak(&mut config);
        let app = App::start(config).await.expect("app starts");
        let state = app.state.clone();
        let admin = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_addr = admin.local_addr().unwrap();
        tokio::spawn(app.serve(listener, Some(admin), std::future::pending()));
        let test = TestApp {
            addr,
            admin_addr,
            store: state.store.clone(),
            search: state.search.clone(),
            cache: state.cache.clone(),
            clock,
            db,
            _index_dir: index_dir,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        };
        test.wait_until_indexed().await;
        test
    }

    /// Waits until the worker has built a new index.
    pub async fn wait_until_indexed(&self) {
        for _ in 0..3000 {
            if !self.search.needs_rebuild() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the search index was not built within 60 s");
    }

    /// The database this app runs on, to start another app like it.
    pub fn backend(&self) -> Backend {
        match self.store.backend() {
            jingshi::store::Backend::Sqlite => Backend::Sqlite,
            jingshi::store::Backend::Postgres => Backend::Postgres,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET a page: its status and body text.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(
            ct.starts_with("application/json"),
            "{path}: content-type {ct}"
        );
        (status, res.json().await.unwrap())
    }

    /// GET a download, waiting while the file is being made (503 with Retry-After); a loaded
    /// machine running the whole suite may take a while.
    pub async fn get_download(&self, path: &str) -> reqwest::Response {
        for _ in 0..600 {
            let res = self.client.get(self.url(path)).send().await.unwrap();
            if res.status() != 503 {
                return res;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{path} was not generated");
    }

    /// Writes entries in the given state, as an import would; returns their ids in order.
    pub async fn insert(&self, entries: &[EntryData], state: Publication) -> Vec<i64> {
        let ids = write_entries(&self.store, &self.clock, entries, Some(state))
            .await
            .expect("write entries")
            .ids;
        self.sync().await;
        ids
    }

    /// Applies the search outbox now, as the background worker would.
    pub async fn sync(&self) {
        self.search.sync().await.expect("search outbox applied");
    }

    pub fn today(&self) -> time::Date {
        self.clock.today()
    }

    /// Sends `request` as it is (any bytes, any headers) on a fresh connection and reads the
    /// answer until the server closes it.
    pub async fn raw(&self, request: &[u8]) -> RawAnswer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut bytes = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut bytes),
        )
        .await
        .expect("the server answers and closes within 10 s")
        .unwrap();
        RawAnswer::parse(&bytes)
    }
}

/// An HTTP/1.1 answer read off the wire.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    /// Header lines, lower-cased.
    pub headers: String,
    pub body: String,
}

impl RawAnswer {
    fn parse(bytes: &[u8]) -> RawAnswer {
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(bytes.len());
        let head = String::from_utf8_lossy(&bytes[..split]).to_lowercase();
        let mut body = bytes.get(split + 4..).unwrap_or_default().to_vec();
        if head.contains("transfer-encoding: chunked") {
            body = dechunk(&body);
        }
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        RawAnswer {
            status,
            headers: head,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = rest.get(start + size + 2..).unwrap_or_default();
    }
    out
}

/// Writes entries through the import's identity rules, in one transaction.
pub async fn write_entries(
    store: &Store,
    clock: &Clock,
    entries: &[EntryData],
    publication: Option<Publication>,
) -> Result<Outcome, String> {
    let rows: Vec<ImportRow> = entries
        .iter()
        .enumerate()
        .map(|(i, d)| ImportRow::new(i + 2, None, d.clone()))
        .collect();
    let actor = Actor {
        name: "测试".into(),
        note: "测试数据".into(),
    };
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let plan = import::plan(&mut tx, &rows, publication)
        .await
        .map_err(|e| e.to_string())?;
    if !plan.errors.is_empty() {
        let errors: Vec<String> = plan.errors.iter().map(ToString::to_string).collect();
        return Err(errors.join("\n"));
    }
    let outcome = import::apply(
        &mut tx,
        &rows,
        &plan,
        publication,
        &actor,
        clock.now(),
        &|_| {},
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(outcome)
}

/// A valid entry to adjust per test.
pub fn fake_entry(name: &str) -> EntryData {
    EntryData {
        name: name.to_string(),
        aliases: Vec::new(),
        credit_code: None,
        category: Category::P2p,
        list: ListKind::Blacklist,
        reason: "以高息为诱饵非法吸收公众存款".into(),
        basis: "《防范和处置非法集资条例》".into(),
        authority: "示例区互联网金融风险专项整治工作领导小组办公室".into(),
        decision_no: "示区金整办〔2024〕1号".into(),
        listed_on: Some(time::macros::date!(2024 - 03 - 01)),
        measures: "联合惩戒".into(),
        websites: Vec::new(),
        phones: Vec::new(),
        remedy: "可在60日内申请行政复议".into(),
        publicity_ends_on: None,
        address: "示例路1号".into(),
        status: EntryStatus::Listed,
        removed_on: None,
        removal_reason: String::new(),
        removal_authority: String::new(),
    }
}

/// Imports a file as `jingshi import entries` does: its result, and the report as printed.
pub async fn import_file(
    store: &Store,
    clock: &Clock,
    file: &Path,
    publish: bool,
) -> (Result<Outcome, jingshi::import::ImportError>, String) {
    let actor = Actor {
        name: "测试导入".into(),
        note: String::new(),
    };
    let site = site();
    let options = jingshi::import::ImportOptions {
        publication: publish.then_some(Publication::Published),
        defaults: &site.publicity_months,
        today: clock.today(),
        now: clock.now(),
        actor: &actor,
        audited: None,
    };
    let mut report = jingshi::import::Report::default();
    let result = import::import_file(store, file, &options, &mut report, &|_| {}).await;
    let mut text = String::new();
    for line in report.lines() {
        text.push_str(&line);
        text.push('\n');
    }
    (result, text)
}

/// Imports a content folder as `jingshi import content` does.
pub async fn import_content(store: &Store, clock: &Clock, dir: &Path) {
    let actor = Actor {
        name: "测试导入".into(),
        note: String::new(),
    };
    jingshi::content::import_dir(store, dir, &actor, None, clock.now())
        .await
        .expect("content imports");
}

/// The demo entries and articles and the standing pages, as `serve --demo` loads them.
pub async fn fill_demo(store: &Store, clock: &Clock) {
    let demo = content_dir().join("demo");
    let (r, report) = import_file(store, clock, &demo.join("entries.csv"), true).await;
    r.unwrap_or_else(|e| panic!("{e}\n{report}"));
    import_content(store, clock, &demo).await;
    import_content(store, clock, &content_dir()).await;
}
