//! Search benchmark: generates N realistic fictional entries as a CSV file and imports it with
//! `jingshi import entries` (and adds N/100 articles), rebuilds the index with `jingshi
//! reindex` (time and peak memory of each), then prints in-process and HTTP search latency
//! (p50/p99), page times and resident memory. Not a test: figures, for the issue notes.
//!
//!     cargo bench --bench search -- 100000
//!     cargo bench --bench search -- 1000000

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jingshi::clock::Clock;
use jingshi::domain::article::ArticleData;
use jingshi::domain::credit_code::CreditCode;
use jingshi::domain::entry::{EntryData, Field};
use jingshi::domain::{ArticleKind, Category, EntryStatus, ListKind, Publication};
use jingshi::lookup::{self, AnalyzedQuery, Filters};
use jingshi::search::{SearchConfig, SearchService};
use jingshi::site::Site;
use jingshi::store::{Actor, Entity, Store, snapshot};
use jingshi::web::{self, AppState};

const REGIONS: &[&str] = &[
    "郑州", "河南", "洛阳", "开封", "示例", "中原", "华夏", "北京", "上海", "深圳", "杭州", "广州",
    "成都", "武汉", "南京", "西安", "长沙", "合肥", "济南", "青岛",
];
const BRAND_CHARS: &str = "鑫汇宝金银富贵盈利财通达聚融信诚安康泰丰瑞祥和顺恒隆昌盛兴旺福禄寿喜乐天地人中华宏伟德仁义礼智勤俭博远鼎新源泉海洋江河湖山川云雨风雷星月日光明辉煌锦绣";
const TRADES: &[&str] = &[
    "网络科技",
    "金融信息服务",
    "投资管理",
    "资产管理",
    "商务信息咨询",
    "电子商务",
    "信息技术",
    "健康管理",
    "商贸",
    "保险代理",
    "支付服务",
    "股权投资",
    "供应链管理",
    "文化传媒",
];
const LISTS: &[ListKind] = &[
    ListKind::Blacklist,
    ListKind::Blacklist,
    ListKind::Warning,
    ListKind::Abnormal,
];

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn brand(rng: &mut Rng) -> String {
    let chars: Vec<char> = BRAND_CHARS.chars().collect();
    let len = 2 + rng.below(2);
    (0..len).map(|_| chars[rng.below(chars.len())]).collect()
}

fn entry(i: usize, rng: &mut Rng) -> EntryData {
    const CODE_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let b = brand(rng);
    let body: String = format!("91{:06}", 100_000 + rng.below(900_000))
        + &(0..9)
            .map(|_| CODE_CHARS[rng.below(31)] as char)
            .collect::<String>();
    let removed = rng.below(5) == 0;
    EntryData {
        name: format!("{}{}{}有限公司", rng.pick(REGIONS), b, rng.pick(TRADES)),
        aliases: vec![format!("{b}APP"), format!("{b}理财")],
        credit_code: CreditCode::with_check(&body),
        category: *rng.pick(Category::ALL),
        list: *rng.pick(LISTS),
        reason: "以高息为诱饵非法吸收公众存款".into(),
        basis: "《防范和处置非法集资条例》".into(),
        authority: "示例区互联网金融风险专项整治工作领导小组办公室".into(),
        decision_no: format!("示区金整办〔2024〕{i}号"),
        listed_on: time::Date::from_calendar_date(
            2017 + rng.below(9) as i32,
            time::Month::March,
            1,
        )
        .ok(),
        measures: "联合惩戒".into(),
        websites: vec![format!("site{i}.example")],
        phones: vec![format!(
            "400-{:03}-{:04}",
            rng.below(1000),
            rng.below(10_000)
        )],
        remedy: String::new(),
        publicity_ends_on: None,
        address: "示例路1号".into(),
        status: if removed {
            EntryStatus::Removed
        } else {
            EntryStatus::Listed
        },
        removed_on: removed.then_some(time::macros::date!(2026 - 01 - 01)),
        removal_reason: if removed {
            "整改完成".into()
        } else {
            String::new()
        },
        removal_authority: String::new(),
    }
}

/// An entry whose name no earlier one has (an import refuses two entries of one name with
/// different codes).
fn unique_entry(i: usize, rng: &mut Rng, seen: &mut HashSet<String>) -> EntryData {
    loop {
        let e = entry(i, rng);
        if seen.insert(e.name.clone()) {
            return e;
        }
    }
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    // JINGSHI_BENCH_DIR keeps the generated database and index between runs (each is made
    // when the folder has none); by default a temporary folder is used and removed.
    let temp = tempfile::tempdir()?;
    let dir = std::env::var("JINGSHI_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let reuse = dir.join("jingshi.db").exists();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut names = Vec::with_capacity(n);
    let mut seen = HashSet::with_capacity(n);
    let csv_path = dir.join("entries.csv");
    let mut csv = (!reuse)
        .then(|| csv::Writer::from_path(&csv_path))
        .transpose()?;
    if let Some(w) = csv.as_mut() {
        w.write_record(Field::ALL.map(Field::label))?;
    }
    for i in 0..n {
        let e = unique_entry(i, &mut rng, &mut seen);
        names.push((e.name.clone(), e.credit_code.clone(), e.aliases[0].clone()));
        if let Some(w) = csv.as_mut() {
            w.write_record(Field::ALL.map(|f| e.text(f)))?;
        }
    }
    drop(seen);
    if let Some(w) = csv {
        // On disk before the import is timed: a file a person imports was written long
        // before, and the kernel writing this one back would slow the import's own writes.
        w.into_inner()?.sync_all()?;
        let mib = std::fs::metadata(&csv_path)?.len() as f64 / (1 << 20) as f64;
        println!("entries: {n} generated as CSV ({mib:.0} MiB)");
        let (secs, peak) = run_jingshi(&dir, &["import", "entries", "entries.csv", "--publish"])?;
        println!(
            "jingshi import entries (CSV, {n} rows, --publish): {secs:.1} s, peak memory {peak:.0} MiB  (load {})",
            load()
        );
        std::fs::remove_file(&csv_path)?;
    }
    let store = Store::connect(&format!("sqlite://{}", dir.join("jingshi.db").display())).await?;
    let actor = Actor {
        name: "bench".into(),
        note: String::new(),
    };
    let clock = Clock::system();
    let articles: Vec<(ArticleData, Publication)> = (0..n / 100)
        .map(|i| {
            let b = brand(&mut rng);
            (
                ArticleData {
                    slug: format!("bench-{i}"),
                    kind: ArticleKind::Warning,
                    title: format!("关于警惕“{b}”平台以高收益为诱饵非法集资的风险提示"),
                    summary: format!("近期{b}平台承诺保本保息，涉嫌非法集资。"),
                    body_md: format!("{b}平台以“高收益、低风险”为诱饵，虚构借款项目，设立资金池。请广大群众提高警惕。").repeat(5),
                    doc_no: None,
                    tags: vec!["非法集资".into()],
                    published_on: time::macros::date!(2025 - 01 - 01),
                    related_entries: Vec::new(),
                },
                Publication::Published,
            )
        })
        .collect();
    if !reuse {
        let mut tx = store.begin().await?;
        for (a, state) in &articles {
            let id = tx.insert_article(a, *state, clock.now()).await?;
            tx.insert_revision(
                Entity::Article,
                id,
                None,
                &snapshot(a),
                &[],
                &actor,
                clock.now(),
                None,
            )
            .await?;
        }
        tx.commit().await?;
    }
    println!("entries: {n}, articles: {}", articles.len());
    // A kept folder keeps its index too: delete `search-index` in it to measure again.
    if !dir.join(jingshi::cli::serve::INDEX).exists() {
        let (secs, peak) = run_jingshi(&dir, &["reindex"])?;
        println!(
            "jingshi reindex (embedded index): {secs:.1} s, peak memory {peak:.0} MiB  (load {})",
            load()
        );
    }
    let config = SearchConfig::Embedded {
        dir: dir.join(jingshi::cli::serve::INDEX),
    };
    let search = Arc::new(SearchService::open(&config, store.clone(), clock.clone()).await?);
    println!(
        "resident memory of the bench with the index open: {:.0} MiB",
        rss_mib()
    );

    // A mix of what residents type: whole names, parts, brands, codes, pasted URLs, pinyin, misses.
    let mut queries: Vec<String> = Vec::new();
    for k in 0..1_000 {
        let (name, code, alias) = &names[rng.below(names.len())];
        let chars: Vec<char> = name.chars().collect();
        queries.push(match k % 8 {
            0 => name.clone(),
            1 => chars[2..5.min(chars.len())].iter().collect(),
            2 => alias.clone(),
            3 => code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            4 => format!("https://www.site{}.example/x?y=1", rng.below(n)),
            5 => "qianmancang".into(),
            6 => "钱多多理财".into(),
            _ => format!("{}科技", &alias[..alias.len() - 3]),
        });
    }
    let today = clock.today();
    // JINGSHI_BENCH_ONLY_MEILI=1 goes straight to the Meilisearch figures.
    if std::env::var("JINGSHI_BENCH_ONLY_MEILI").is_ok_and(|v| v == "1") {
        let url = std::env::var("JINGSHI_BENCH_MEILI_URL")?;
        return meili(&dir, &url, n, &store, &clock, &queries).await;
    }
    lookup_times("embedded index", &store, &search, &queries, today).await?;
    // The worker sweeps the index daily and at start: every document's id confirmed by the
    // database, a thousand at a time.
    let t = Instant::now();
    let removed = search.sweep().await?;
    println!(
        "index sweep (every id confirmed by the database): {:.1} s, {removed} removed  (load {})",
        t.elapsed().as_secs_f64(),
        load()
    );

    let site = Arc::new(Site::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/content"
    )))?);
    // Two servers over the same data: as deployed (answers kept in memory until the data
    // changes) and with the cache off (every request rendered), for the honest cold figures.
    let serve = |cache: jingshi::web::CacheConfig| {
        let state = AppState {
            store: store.clone(),
            site: site.clone(),
            search: search.clone(),
            clock: clock.clone(),
            limits: jingshi::web::Limits::default(),
            demo: false,
            base_url: None,
            client_ip_header: None,
            admin: jingshi::web::admin::AdminConfig::default(),
            data_dir: dir.clone(),
            downloads: jingshi::open_data::Downloads::new(store.clone(), &dir, None),
            cache: Arc::new(jingshi::web::ResponseCache::new(cache)),
        };
        async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let connections = state.limits.connections;
            tokio::spawn(web::serve_router(
                listener,
                web::public_app(state),
                connections,
                std::future::pending(),
            ));
            anyhow::Ok(addr)
        }
    };
    let cached = serve(jingshi::web::CacheConfig::default()).await?;
    let uncached = serve(jingshi::web::CacheConfig {
        budget: 0,
        ..jingshi::web::CacheConfig::default()
    })
    .await?;
    let client = reqwest::Client::new();

    println!("pages over HTTP (first request, then 200 sequential requests):");
    for path in [
        "/",
        "/entries",
        "/entries?page=2&list=blacklist",
        "/entries?page=501",
        "/entries?page=40000",
        "/elder/entries",
    ] {
        let url = format!("http://{cached}{path}");
        let t = Instant::now();
        let status = client.get(&url).send().await?.status();
        let first = t.elapsed().as_secs_f64() * 1000.0;
        let times = fetch_times(&client, std::iter::repeat_n(url, 200)).await?;
        println!(
            "  {path:<32} {status}  first {first:.1} ms, then p50 {:.2} ms, p99 {:.2} ms  (load {})",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            load()
        );
    }

    for (label, addr) in [("cache on", cached), ("cache off", uncached)] {
        let urls = queries.iter().map(|q| {
            format!(
                "http://{addr}/api/v1/entries?q={}",
                url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            )
        });
        let mut timed: Vec<(Duration, &String)> = Vec::with_capacity(queries.len());
        for (url, q) in urls.zip(&queries) {
            let t = fetch_times(&client, [url]).await?;
            timed.push((t[0], q));
        }
        let mut times: Vec<Duration> = timed.iter().map(|(t, _)| *t).collect();
        times.sort();
        println!(
            "HTTP /api/v1/entries?q= ({} requests, sequential, {label}): p50 {:.2} ms, p99 {:.2} ms  (load {})",
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            load()
        );
        // What the tail is made of, for whoever works on it next.
        timed.sort_by_key(|t| std::cmp::Reverse(t.0));
        let slowest: Vec<String> = timed
            .iter()
            .take(10)
            .map(|(t, q)| format!("{q} {:.1} ms", t.as_secs_f64() * 1000.0))
            .collect();
        println!("  slowest: {}", slowest.join(", "));
    }
    for (label, q) in [
        ("absent name", "钱多多理财"),
        ("whole name", names[0].0.as_str()),
    ] {
        let url = format!(
            "http://{uncached}/api/v1/entries?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let rate = concurrent_rate(&client, &url, 16, Duration::from_secs(5)).await?;
        println!(
            "HTTP lookup of one {label} under 16 connections, cache off: {rate:.0} req/s  (load {})",
            load()
        );
    }
    println!("resident memory after queries: {:.0} MiB", rss_mib());
    if let Ok(url) = std::env::var("JINGSHI_BENCH_MEILI_URL") {
        meili(&dir, &url, n, &store, &clock, &queries).await?;
    }
    Ok(())
}

/// The same lookups on Meilisearch (`JINGSHI_BENCH_MEILI_URL`, `JINGSHI_BENCH_MEILI_KEY`):
/// `jingshi reindex` into the index `bench-<n>`, its size, and in-process lookup times; with
/// `JINGSHI_BENCH_MEILI_PLAIN=1` also the size of a plain index of the same entries (their
/// names, aliases, codes and websites as text, default settings), the reference the issue
/// compares with.
async fn meili(
    dir: &std::path::Path,
    url: &str,
    n: usize,
    store: &Store,
    clock: &Clock,
    queries: &[String],
) -> anyhow::Result<()> {
    let key = std::env::var("JINGSHI_BENCH_MEILI_KEY").ok();
    let index = format!("bench-{n}");
    let plain = format!("{index}-plain");
    let http = MeiliHttp {
        client: reqwest::Client::new(),
        url: url.trim_end_matches('/').to_string(),
        key,
    };
    let config = SearchConfig::Meilisearch {
        url: url.to_string(),
        key: http.key.clone(),
        index: index.clone(),
    };
    let open = || async {
        let search = SearchService::open(&config, store.clone(), clock.clone()).await?;
        search.prepare().await?;
        anyhow::Ok(search)
    };
    // An index left by an earlier run is kept, like the bench folder, unless its documents
    // are of an older shape: delete the index `bench-<n>` to time the reindex again.
    if http.documents(&index).await? == 0 || open().await?.needs_rebuild() {
        let mut args = vec!["--meili-url", url, "--meili-index", index.as_str()];
        if let Some(k) = &http.key {
            args.extend(["--meili-key", k.as_str()]);
        }
        args.push("reindex");
        let (secs, peak) = run_jingshi(dir, &args)?;
        println!(
            "jingshi reindex (Meilisearch): {secs:.1} s, peak memory of jingshi {peak:.0} MiB  (load {})",
            load()
        );
    }
    http.print_size(&index).await?;
    if std::env::var("JINGSHI_BENCH_MEILI_PLAIN").is_ok_and(|v| v == "1") {
        http.fill_plain(&plain, store, clock.today()).await?;
        http.print_size(&plain).await?;
    }
    let search = open().await?;
    lookup_times("Meilisearch", store, &search, queries, clock.today()).await
}

struct MeiliHttp {
    client: reqwest::Client,
    url: String,
    key: Option<String>,
}

impl MeiliHttp {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.url));
        match &self.key {
            Some(k) => r.bearer_auth(k),
            None => r,
        }
    }

    /// How many documents the index has (0 when there is no index).
    async fn documents(&self, index: &str) -> anyhow::Result<u64> {
        let res = self
            .request(reqwest::Method::GET, &format!("/indexes/{index}/stats"))
            .send()
            .await?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(0);
        }
        let stats: serde_json::Value = res.error_for_status()?.json().await?;
        Ok(stats["numberOfDocuments"].as_u64().unwrap_or(0))
    }

    /// The index's size on disk and its largest internal databases.
    async fn print_size(&self, index: &str) -> anyhow::Result<()> {
        let stats: serde_json::Value = self
            .request(
                reqwest::Method::GET,
                &format!("/indexes/{index}/stats?showInternalDatabaseSizes=true"),
            )
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mib = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0) / (1 << 20) as f64;
        let parse = |v: &serde_json::Value| -> f64 {
            // Sizes come as byte counts or as strings like "12.3 MiB".
            if let Some(n) = v.as_f64() {
                return n;
            }
            let s = v.as_str().unwrap_or("0");
            let (n, unit) = s.split_once(' ').unwrap_or((s, "B"));
            let n: f64 = n.parse().unwrap_or(0.0);
            n * match unit {
                "KiB" => 1024.0,
                "MiB" => 1024.0 * 1024.0,
                "GiB" => 1024.0 * 1024.0 * 1024.0,
                _ => 1.0,
            }
        };
        let mut parts: Vec<(String, f64)> = stats["internalDatabaseSizes"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), parse(v))).collect())
            .unwrap_or_default();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1));
        let total: f64 = parts.iter().map(|p| p.1).sum();
        let largest: Vec<String> = parts
            .iter()
            .take(4)
            .map(|(k, v)| format!("{k} {:.0}", v / (1 << 20) as f64))
            .collect();
        println!(
            "Meilisearch index {index}: {} documents, {:.0} MiB in its databases (documents {:.0} MiB; largest: {})",
            stats["numberOfDocuments"],
            total / (1 << 20) as f64,
            mib(&stats["rawDocumentDbSize"]),
            largest.join(", ")
        );
        Ok(())
    }

    /// A plain index of the same public entries, for comparison.
    async fn fill_plain(
        &self,
        index: &str,
        store: &Store,
        today: time::Date,
    ) -> anyhow::Result<()> {
        let _ = self
            .request(reqwest::Method::DELETE, &format!("/indexes/{index}"))
            .send()
            .await?;
        let started = Instant::now();
        let mut after = 0;
        let mut last_task = None;
        loop {
            let batch = store.public_entries_after(after, 50_000, today).await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let docs: Vec<serde_json::Value> = batch
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "id": e.id,
                        "name": e.data.name,
                        "aliases": e.data.aliases,
                        "credit_code": e.data.credit_code.as_ref().map(|c| c.to_string()),
                        "websites": e.data.websites,
                    })
                })
                .collect();
            let task: serde_json::Value = self
                .request(
                    reqwest::Method::POST,
                    &format!("/indexes/{index}/documents?primaryKey=id"),
                )
                .json(&docs)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            last_task = task["taskUid"].as_u64();
        }
        if let Some(uid) = last_task {
            loop {
                let task: serde_json::Value = self
                    .request(reqwest::Method::GET, &format!("/tasks/{uid}"))
                    .send()
                    .await?
                    .json()
                    .await?;
                match task["status"].as_str() {
                    Some("succeeded") => break,
                    Some("failed" | "canceled") => anyhow::bail!("plain index: {task}"),
                    _ => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        }
        println!(
            "plain Meilisearch index of the same entries: {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// In-process lookup times of the mixed queries, by kind and overall.
async fn lookup_times(
    backend: &str,
    store: &Store,
    search: &SearchService,
    queries: &[String],
    today: time::Date,
) -> anyhow::Result<()> {
    let filters = Filters::default();
    let mut times = Vec::with_capacity(queries.len());
    let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); 8];
    for (k, q) in queries.iter().enumerate() {
        let t = Instant::now();
        let q = AnalyzedQuery::new(q);
        let hits = lookup::find_entries(store, search, &q, &filters, 1, 20, today).await?;
        std::hint::black_box(hits);
        times.push(t.elapsed());
        by_kind[k % 8].push(t.elapsed());
    }
    let kinds = [
        "whole name",
        "3-char part",
        "alias",
        "credit code",
        "URL",
        "pinyin",
        "miss",
        "brand+科技",
    ];
    for (label, mut v) in kinds.iter().zip(by_kind) {
        v.sort();
        println!(
            "  {label:<12} p50 {:.2} ms  p99 {:.2} ms",
            percentile(&v, 0.5),
            percentile(&v, 0.99)
        );
    }
    times.sort();
    println!(
        "in-process search, {backend} ({} queries): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms  (load {})",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
        load()
    );
    Ok(())
}

/// Each URL fetched in turn, body read whole: the times, sorted.
async fn fetch_times(
    client: &reqwest::Client,
    urls: impl IntoIterator<Item = String>,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for url in urls {
        let t = Instant::now();
        let body = client.get(&url).send().await?.bytes().await?;
        std::hint::black_box(body);
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times)
}

/// Requests per second that `connections` clients get for `url` during `time`.
async fn concurrent_rate(
    client: &reqwest::Client,
    url: &str,
    connections: usize,
    time: Duration,
) -> anyhow::Result<f64> {
    let until = Instant::now() + time;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = client.clone();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < until {
                client.get(&url).send().await?.bytes().await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// The machine's load average over the last minute, printed with every figure.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

/// Runs the `jingshi` binary on the bench's data folder; its wall time in seconds and peak
/// resident memory in MiB (sampled every 20 ms from /proc).
fn run_jingshi(dir: &std::path::Path, args: &[&str]) -> anyhow::Result<(f64, f64)> {
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jingshi"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--content-dir")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/content"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()?;
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0.0_f64;
    loop {
        if let Some(s) = child.try_wait()? {
            anyhow::ensure!(s.success(), "jingshi {args:?} failed: {s}");
            break;
        }
        // VmHWM is the high-water mark: a late sample still sees an early peak.
        let hwm = std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
            .unwrap_or(0.0);
        peak_kib = peak_kib.max(hwm);
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((started.elapsed().as_secs_f64(), peak_kib / 1024.0))
}
