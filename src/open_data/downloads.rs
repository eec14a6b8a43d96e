//! The download files at their stable public URLs: generated on demand under
//! `<data-dir>/open-data/`, kept while the data stays the same, and made again when it changes.
//!
//! A file belongs to a *version* of the public data: the China date (publicity ends at China
//! midnight) and the changes feed's last position (every change to what the public sees is an
//! event of the feed), and to the running instance (a token drawn at start, so that a file
//! left by an earlier run, over another database, is never served). Files are named by their
//! version, so several instances on one PostgreSQL database each keep their own copy; a
//! request for a version not made yet starts (once per instance) the one generation of it and
//! waits for it a while. Each file has a sidecar with its size, record count, generation time
//! and SHA-256.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Date;
use tokio::sync::watch;

use super::export::{self, Dataset, Format};
use crate::domain::dates::iso;
use crate::store::Store;

/// A generated file, as its sidecar describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The file's name under the folder.
    pub file: String,
    pub size: u64,
    pub records: u64,
    pub generated_at: time::OffsetDateTime,
    pub sha256: String,
    /// The changes feed's position the file is complete up to.
    pub cursor: i64,
}

/// Why a file cannot be had now.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    /// Being generated; ask again shortly.
    #[error("being generated")]
    Generating,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

type Outcome = Option<Result<FileInfo, String>>;

/// Generations under way: for each file, the version being made and its outcome.
type Building = HashMap<(Dataset, Format), (String, watch::Receiver<Outcome>)>;

struct Shared {
    dir: PathBuf,
    /// Drawn at start: this instance's files.
    token: String,
    base_url: Option<String>,
    store: Store,
    /// Generations under way, by file and version.
    building: Mutex<Building>,
}

/// The download files of one instance; cheap to clone.
#[derive(Clone)]
pub struct Downloads(Arc<Shared>);

impl Downloads {
    /// Files under `<data_dir>/open-data`, links made with `base_url`.
    pub fn new(store: Store, data_dir: &Path, base_url: Option<String>) -> Downloads {
        let token: String = (0..6)
            .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
            .collect();
        Downloads(Arc::new(Shared {
            dir: data_dir.join("open-data"),
            token,
            base_url,
            store,
            building: Mutex::new(HashMap::new()),
        }))
    }

    /// The version of the public data on `today`.
    async fn version(&self, today: Date) -> anyhow::Result<String> {
        let last = self.0.store.settle_feed(today).await?;
        Ok(format!("{}-{}-{last}", self.0.token, iso(today)))
    }

    fn name(dataset: Dataset, format: Format, version: &str) -> String {
        format!("{}-{version}.{}", dataset.stem(), format.ext())
    }

    /// The path of a file named in a [`FileInfo`].
    pub fn path(&self, info: &FileInfo) -> PathBuf {
        self.0.dir.join(&info.file)
    }

    fn read_info(&self, name: &str) -> Option<FileInfo> {
        let text = std::fs::read_to_string(self.0.dir.join(format!("{name}.info.json"))).ok()?;
        let info: FileInfo = serde_json::from_str(&text).ok()?;
        self.0.dir.join(&info.file).exists().then_some(info)
    }

    /// The current file, waiting up to `wait` for its generation (started now if needed).
    pub async fn file(
        &self,
        today: Date,
        dataset: Dataset,
        format: Format,
        wait: Duration,
    ) -> Result<FileInfo, NotReady> {
        let version = self.version(today).await?;
        let mut done = match self.current_or_build(today, dataset, format, &version) {
            Ok(info) => return Ok(info),
            Err(rx) => rx,
        };
        let finished = tokio::time::timeout(wait, done.wait_for(Option::is_some)).await;
        match finished {
            Err(_) => Err(NotReady::Generating),
            Ok(Err(_)) => Err(NotReady::Failed(anyhow::anyhow!("generation stopped"))),
            Ok(Ok(outcome)) => match outcome.clone() {
                Some(Ok(info)) => Ok(info),
                Some(Err(e)) => Err(NotReady::Failed(anyhow::anyhow!(e))),
                None => Err(NotReady::Generating),
            },
        }
    }

    /// Every file: its current description, or `None` while it is generated (started now for
    /// those not made yet).
    pub async fn listing(
        &self,
        today: Date,
    ) -> anyhow::Result<Vec<(Dataset, Format, Option<FileInfo>)>> {
        let version = self.version(today).await?;
        let mut out = Vec::new();
        for dataset in Dataset::ALL {
            for format in Format::ALL {
                let info = self.current_or_build(today, dataset, format, &version).ok();
                out.push((dataset, format, info));
            }
        }
        Ok(out)
    }

    /// The file of `version` if it exists; else a receiver for the generation of it, which
    /// is started unless it is under way.
    fn current_or_build(
        &self,
        today: Date,
        dataset: Dataset,
        format: Format,
        version: &str,
    ) -> Result<FileInfo, watch::Receiver<Outcome>> {
        let name = Self::name(dataset, format, version);
        if let Some(info) = self.read_info(&name) {
            return Ok(info);
        }
        let mut building = self.0.building.lock().unwrap_or_else(|e| e.into_inner());
        // Again under the lock: a generation may have finished since the first look.
        if let Some(info) = self.read_info(&name) {
            return Ok(info);
        }
        if let Some((v, rx)) = building.get(&(dataset, format))
            && v == version
        {
            return Err(rx.clone());
        }
        let (tx, rx) = watch::channel(None);
        building.insert((dataset, format), (version.to_string(), rx.clone()));
        let this = self.clone();
        let version = version.to_string();
        tokio::spawn(async move {
            let outcome = this.build(today, dataset, format, &name).await;
            if let Err(e) = &outcome {
                tracing::error!(file = %name, error = %e, "download file not generated");
            }
            let mut building = this.0.building.lock().unwrap_or_else(|e| e.into_inner());
            if building
                .get(&(dataset, format))
                .is_some_and(|(v, _)| *v == version)
            {
                building.remove(&(dataset, format));
            }
            let _ = tx.send(Some(outcome.map_err(|e| format!("{e:#}"))));
        });
        Err(rx)
    }

    /// Generates a file under a temporary name, describes it, then moves both into place and
    /// removes the files of older versions.
    async fn build(
        &self,
        today: Date,
        dataset: Dataset,
        format: Format,
        name: &str,
    ) -> anyhow::Result<FileInfo> {
        let dir = &self.0.dir;
        std::fs::create_dir_all(dir)?;
        let partial = dir.join(format!(".{name}.partial"));
        let base = self.0.base_url.clone();
        let url = move |path: &str| match &base {
            Some(b) => format!("{b}{path}"),
            None => path.to_string(),
        };
        let written = export::write(&self.0.store, today, &url, dataset, format, &partial).await;
        let written = match written {
            Ok(w) => w,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        let (size, sha256) = {
            let partial = partial.clone();
            tokio::task::spawn_blocking(move || digest(&partial)).await??
        };
        let info = FileInfo {
            file: name.to_string(),
            size,
            records: written.records,
            generated_at: time::OffsetDateTime::now_utc(),
            sha256,
            cursor: written.cursor,
        };
        std::fs::rename(&partial, dir.join(name))?;
        // The sidecar appears whole or not at all: a reader never sees it half written.
        let sidecar = dir.join(format!(".{name}.info.json.partial"));
        std::fs::write(&sidecar, serde_json::to_vec(&info)?)?;
        std::fs::rename(&sidecar, dir.join(format!("{name}.info.json")))?;
        self.remove_older(dataset, format, name);
        Ok(info)
    }

    /// Removes this file's older versions (a download already under way keeps reading its
    /// open file). Only older ones: a generation that finishes after a newer one must not
    /// remove the newer file, which is being served.
    fn remove_older(&self, dataset: Dataset, format: Format, keep: &str) {
        let Some(ours) = version_order(dataset, format, keep) else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(&self.0.dir) else {
            return;
        };
        for e in entries.flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            let data = file.strip_suffix(".info.json").unwrap_or(&file);
            if version_order(dataset, format, data).is_some_and(|v| v < ours) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Where a file of `dataset` and `format` named `{stem}-{token}-{date}-{last}.{ext}` stands
/// among versions: its China date, then the changes feed's last position.
fn version_order(dataset: Dataset, format: Format, name: &str) -> Option<(String, i64)> {
    let version = name
        .strip_prefix(dataset.stem())?
        .strip_prefix('-')?
        .strip_suffix(format.ext())?
        .strip_suffix('.')?;
    let (_token, dated) = version.split_once('-')?;
    let (date, last) = dated.rsplit_once('-')?;
    Some((date.to_string(), last.parse().ok()?))
}

/// The size and SHA-256 (hex) of a file, read in blocks.
fn digest(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    let mut size = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((size, hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_ordered_by_date_then_feed_position() {
        let order = |name| version_order(Dataset::History, Format::Xlsx, name);
        let older = order("history-abcdef-2026-11-29-4.xlsx").unwrap();
        let newer = order("history-abcdef-2026-11-29-12.xlsx").unwrap();
        let tomorrow = order("history-zzzzzz-2026-11-30-1.xlsx").unwrap();
        assert!(older < newer && newer < tomorrow);
        assert_eq!(order("history-abcdef-2026-11-29-4.csv"), None);
        assert_eq!(order("entries-abcdef-2026-11-29-4.xlsx"), None);
        assert_eq!(order(".history-abcdef-2026-11-29-4.xlsx.partial"), None);
    }
}
