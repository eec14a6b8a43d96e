//! Articles and pages written as Markdown files with TOML front matter between `+++` lines.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::article::{ArticleData, PageData, parse_slug};
use crate::domain::dates::parse_date;
use crate::domain::{ArticleKind, Publication};
use crate::staff::audit::{self, Action, Who};
use crate::store::{Actor, Entity, PageWrite, Store, StoreError, snapshot};

/// A problem with one content file, in Chinese for the staff who wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ContentError {
    pub path: PathBuf,
    pub message: String,
}

fn err(path: &Path, message: impl Into<String>) -> ContentError {
    ContentError {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Splits `+++\n<toml>\n+++\n<body>`.
fn split_front_matter<'a>(path: &Path, text: &'a str) -> Result<(&'a str, &'a str), ContentError> {
    let text = text.trim_start_matches('\u{feff}');
    let rest = text
        .strip_prefix("+++")
        .ok_or_else(|| err(path, "文件应以 +++ 开头的前置信息（front matter）开始"))?;
    let end = rest
        .find("\n+++")
        .ok_or_else(|| err(path, "前置信息缺少结束的 +++ 行"))?;
    let front = &rest[..end];
    let body = rest[end + 4..].trim_start_matches(['\r', '\n']);
    Ok((front, body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleFront {
    slug: String,
    kind: String,
    title: String,
    #[serde(default)]
    summary: String,
    doc_no: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    published_on: toml::Value,
    #[serde(default)]
    related_entries: Vec<String>,
    #[serde(default)]
    draft: bool,
}

/// An article file: its data and whether it is marked `draft = true`.
pub struct ArticleFile {
    pub data: ArticleData,
    pub draft: bool,
}

pub fn parse_article(path: &Path, text: &str) -> Result<ArticleFile, ContentError> {
    let (front, body) = split_front_matter(path, text)?;
    let f: ArticleFront =
        toml::from_str(front).map_err(|e| err(path, format!("前置信息有误：{}", e.message())))?;
    parse_slug(&f.slug).map_err(|e| err(path, e.to_string()))?;
    let kind = ArticleKind::parse(&f.kind)
        .ok_or_else(|| err(path, format!("kind 应为：{}", ArticleKind::accepted())))?;
    let date_text = match &f.published_on {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let published_on = parse_date(&date_text).map_err(|e| err(path, e.to_string()))?;
    if f.title.trim().is_empty() {
        return Err(err(path, "title 不能为空"));
    }
    Ok(ArticleFile {
        draft: f.draft,
        data: ArticleData {
            slug: f.slug,
            kind,
            title: f.title.trim().to_string(),
            summary: f.summary.trim().to_string(),
            body_md: body.to_string(),
            doc_no: f.doc_no.filter(|d| !d.trim().is_empty()),
            tags: f.tags,
            published_on,
            related_entries: f.related_entries,
        },
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFront {
    slug: String,
    title: String,
    #[serde(default)]
    order: i64,
}

pub fn parse_page(path: &Path, text: &str) -> Result<PageData, ContentError> {
    let (front, body) = split_front_matter(path, text)?;
    let f: PageFront =
        toml::from_str(front).map_err(|e| err(path, format!("前置信息有误：{}", e.message())))?;
    parse_slug(&f.slug).map_err(|e| err(path, e.to_string()))?;
    Ok(PageData {
        slug: f.slug,
        title: f.title.trim().to_string(),
        body_md: body.to_string(),
        sort_order: f.order,
    })
}

/// The `.md` files of a folder, sorted by name; none when the folder does not exist.
fn markdown_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    Ok(files)
}

/// Everything under a content folder: `articles/*.md` and `pages/*.md`.
#[derive(Default)]
pub struct ContentSet {
    pub articles: Vec<ArticleFile>,
    pub pages: Vec<PageData>,
}

/// Reads a content folder, reporting every bad file rather than the first.
pub fn load_dir(dir: &Path) -> Result<ContentSet, Vec<ContentError>> {
    let mut set = ContentSet::default();
    let mut errors = Vec::new();
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| err(p, format!("无法读取：{e}")));
    let list = |sub: &str, errors: &mut Vec<ContentError>| {
        markdown_files(&dir.join(sub)).unwrap_or_else(|e| {
            errors.push(err(&dir.join(sub), format!("无法读取目录：{e}")));
            Vec::new()
        })
    };
    for path in list("articles", &mut errors) {
        match read(&path).and_then(|t| parse_article(&path, &t)) {
            Ok(a) => set.articles.push(a),
            Err(e) => errors.push(e),
        }
    }
    for path in list("pages", &mut errors) {
        match read(&path).and_then(|t| parse_page(&path, &t)) {
            Ok(p) => set.pages.push(p),
            Err(e) => errors.push(e),
        }
    }
    let mut slugs = std::collections::HashSet::new();
    for a in &set.articles {
        if !slugs.insert(a.data.slug.clone()) {
            errors.push(err(dir, format!("文章地址名“{}”重复", a.data.slug)));
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

/// What importing a content folder wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Why a content folder was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ContentImportError {
    /// Some files are bad (every one is listed); nothing was written.
    #[error("{} 个文件有错误，未导入任何内容", .0.len())]
    Invalid(Vec<ContentError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The labels of the fields of an article that differ, for revision summaries.
pub fn article_changes(old: &ArticleData, new: &ArticleData) -> Vec<&'static str> {
    [
        ("类别", old.kind != new.kind),
        ("标题", old.title != new.title),
        ("摘要", old.summary != new.summary),
        ("正文", old.body_md != new.body_md),
        ("文号", old.doc_no != new.doc_no),
        ("标签", old.tags != new.tags),
        ("发布日期", old.published_on != new.published_on),
    ]
    .into_iter()
    .filter_map(|(label, differs)| differs.then_some(label))
    .collect()
}

/// Imports every article and page of a content folder in one transaction: articles by slug
/// (published unless marked `draft`), with a revision for every change; pages by slug. Any
/// bad file rejects the lot. The database is the source of truth afterwards: nothing reads
/// the folder again unless this is run again.
pub async fn import_dir(
    store: &Store,
    dir: &Path,
    actor: &Actor,
    audited: Option<&Who>,
    now: time::OffsetDateTime,
) -> Result<ContentOutcome, ContentImportError> {
    let set = load_dir(dir).map_err(ContentImportError::Invalid)?;
    let mut out = ContentOutcome::default();
    let mut tx = store.begin().await?;
    for file in &set.articles {
        let a = &file.data;
        let publication = if file.draft {
            Publication::Draft
        } else {
            Publication::Published
        };
        match tx.article(&a.slug).await? {
            None => {
                let id = tx.insert_article(a, publication, now).await?;
                tx.insert_revision(
                    Entity::Article,
                    id,
                    None,
                    &snapshot(a),
                    &[],
                    actor,
                    now,
                    None,
                )
                .await?;
                tx.enqueue(Entity::Article, id, now).await?;
                out.created += 1;
            }
            Some(old) => {
                let mut changed = article_changes(&old.data, a);
                if old.publication != publication {
                    changed.push("发布状态");
                }
                if changed.is_empty() {
                    out.unchanged += 1;
                    continue;
                }
                tx.update_article(old.id, old.version, a, publication, now)
                    .await?;
                tx.insert_revision(
                    Entity::Article,
                    old.id,
                    Some(&snapshot(&old.data)),
                    &snapshot(a),
                    &changed,
                    actor,
                    now,
                    None,
                )
                .await?;
                tx.enqueue(Entity::Article, old.id, now).await?;
                out.updated += 1;
            }
        }
    }
    for p in &set.pages {
        match tx.upsert_page(p, now).await? {
            PageWrite::Created => out.created += 1,
            PageWrite::Updated => out.updated += 1,
            PageWrite::Unchanged => out.unchanged += 1,
        }
    }
    if let Some(who) = audited {
        let summary = format!(
            "新增 {} 项，更新 {} 项，未变化 {} 项",
            out.created, out.updated, out.unchanged
        );
        audit::record(
            &mut tx,
            who,
            Action::ImportContent,
            &dir.display().to_string(),
            &summary,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_parses_with_its_front_matter() {
        let text = "+++\nslug = \"a-b\"\nkind = \"风险提示\"\ntitle = \"标题\"\npublished_on = 2025-03-12\ntags = [\"P2P\"]\n+++\n\n正文";
        let a = parse_article(Path::new("a.md"), text).unwrap();
        assert_eq!(a.data.kind, ArticleKind::Warning);
        assert_eq!(a.data.body_md, "正文");
        assert_eq!(a.data.published_on, time::macros::date!(2025 - 03 - 12));
    }

    #[test]
    fn bad_front_matter_names_the_file() {
        let e = parse_article(Path::new("x.md"), "+++\nslug = \"A B\"\n+++\n")
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("x.md: "), "{e}");
        assert!(parse_article(Path::new("x.md"), "no front matter").is_err());
    }
}
