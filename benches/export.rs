//! Export benchmark: fills a SQLite file with N published fictional entries (default
//! 1,000,000), then writes the list as CSV, XLSX and JSON, each in a child process of its own,
//! and prints the time, the file size and the child's peak resident memory (VmHWM), next to a
//! child that only connects, so that flat memory shows as a flat figure.
//!
//!     cargo bench --bench export              # 1,000,000 entries
//!     cargo bench --bench export -- 100000
//!
//! `JINGSHI_BENCH_DIR=…` keeps the generated database for the next run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use jingshi::clock::Clock;
use jingshi::domain::entry::EntryData;
use jingshi::domain::{Category, EntryStatus, ListKind, Publication};
use jingshi::import::{self, ImportRow};
use jingshi::open_data::{Dataset, Format};
use jingshi::store::{Actor, Store};

/// Entry `i` of the benchmark: every column filled, a fifth removed.
fn entry(i: usize) -> EntryData {
    let removed = i.is_multiple_of(5);
    EntryData {
        name: format!("示例{i}号网络科技有限公司"),
        aliases: vec![format!("示例{i}号"), format!("示例{i}号理财APP")],
        credit_code: None,
        category: Category::ALL[i % Category::ALL.len()],
        list: ListKind::ALL[i % ListKind::ALL.len()],
        reason: "以高息为诱饵，通过网络平台向社会不特定对象吸收资金，涉嫌非法吸收公众存款".into(),
        basis: "《防范和处置非法集资条例》第二条".into(),
        authority: "示例区互联网金融风险专项整治工作领导小组办公室".into(),
        decision_no: format!("示区金整办〔2024〕{i}号"),
        listed_on: time::Date::from_ordinal_date(2018 + (i % 8) as i32, 1 + (i % 365) as u16).ok(),
        measures: "联合惩戒；限制高消费".into(),
        websites: vec![format!("site{i}.example")],
        phones: vec![format!("400-{:03}-{:04}", i % 1000, i % 10_000)],
        remedy: "可在收到决定之日起60日内申请行政复议，或6个月内提起行政诉讼".into(),
        publicity_ends_on: None,
        address: format!("示例市示例区示例路{i}号"),
        status: if removed {
            EntryStatus::Removed
        } else {
            EntryStatus::Listed
        },
        removed_on: removed.then_some(time::macros::date!(2025 - 01 - 01)),
        removal_reason: if removed {
            "整改完成".into()
        } else {
            String::new()
        },
        removal_authority: String::new(),
    }
}

async fn fill(store: &Store, n: usize) -> anyhow::Result<()> {
    let actor = Actor {
        name: "bench".into(),
        note: String::new(),
    };
    let clock = Clock::system();
    let published = Some(Publication::Published);
    for start in (0..n).step_by(20_000) {
        let rows: Vec<ImportRow> = (start..(start + 20_000).min(n))
            .map(|i| ImportRow::new(i + 2, None, entry(i)))
            .collect();
        let mut tx = store.begin().await?;
        let plan = import::plan(&mut tx, &rows, published).await?;
        anyhow::ensure!(plan.errors.is_empty(), "{:?}", plan.errors.first());
        import::apply(
            &mut tx,
            &rows,
            &plan,
            published,
            &actor,
            clock.now(),
            &|_| {},
        )
        .await?;
        tx.commit().await?;
        eprint!("\r{} / {n}", (start + 20_000).min(n));
    }
    eprintln!();
    Ok(())
}

/// This process's peak resident memory, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The child: connects, exports in `format` (or nothing), prints its figures as one line.
async fn child(db: &Path, format: Option<Format>, out: &Path) -> anyhow::Result<()> {
    let store = Store::connect(&format!("sqlite://{}", db.display())).await?;
    let started = Instant::now();
    let records = match format {
        Some(f) => {
            let url = |p: &str| format!("https://jingshi.example{p}");
            let today = Clock::system().today();
            jingshi::open_data::export::write(&store, today, &url, Dataset::Entries, f, out)
                .await?
                .records
        }
        None => 0,
    };
    let secs = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!("{records} {secs:.2} {size} {:.1}", peak_mib());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let format = Format::parse(&args[2]);
        return child(Path::new(&args[1]), format, Path::new(&args[3])).await;
    }
    let n: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir()?;
    let dir = std::env::var("JINGSHI_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let db = dir.join(format!("export-{n}.db"));
    if !db.exists() {
        let started = Instant::now();
        let store = Store::connect(&format!("sqlite://{}", db.display())).await?;
        fill(&store, n).await?;
        // Number the events once, as the first download would.
        store.settle_feed(Clock::system().today()).await?;
        store.close().await;
        println!(
            "database load: {n} entries in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    println!("entries: {n}");
    let me = std::env::current_exe()?;
    for format in [
        None,
        Some(Format::Csv),
        Some(Format::Xlsx),
        Some(Format::Json),
    ] {
        let ext = format.map_or("none", Format::ext);
        let out = dir.join(format!("export.{ext}"));
        let output = Command::new(&me)
            .args([
                "--child",
                &db.display().to_string(),
                ext,
                &out.display().to_string(),
            ])
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = String::from_utf8_lossy(&output.stdout);
        let f: Vec<&str> = line.split_whitespace().collect();
        match format {
            None => println!("baseline (connect only): peak RSS {} MiB", f[3]),
            Some(_) => println!(
                "{ext:>4}: {} records in {} s, {:.1} MiB file, peak RSS {} MiB",
                f[0],
                f[1],
                f[2].parse::<f64>().unwrap_or(0.0) / (1 << 20) as f64,
                f[3]
            ),
        }
        let _ = std::fs::remove_file(&out);
    }
    Ok(())
}
