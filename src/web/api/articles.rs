use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::domain::ArticleKind;
use crate::domain::article::parse_slug;
use crate::domain::dates::iso;
use crate::lookup::understand::understand;
use crate::markdown;
use crate::store::{Article, ArticleFilter, ArticleVisibility};
use crate::web::error::Error;
use crate::web::params::{Params, limit_offset};
use crate::web::{ApiError, AppState};

#[derive(Serialize)]
pub struct ArticleItem {
    slug: String,
    kind: &'static str,
    title: String,
    summary: String,
    doc_no: Option<String>,
    tags: Vec<String>,
    published_on: String,
    url: String,
}

impl ArticleItem {
    fn new(state: &AppState, a: &Article) -> ArticleItem {
        let d = &a.data;
        ArticleItem {
            url: state.url(&format!("/articles/{}", d.slug)),
            slug: d.slug.clone(),
            kind: d.kind.key(),
            title: d.title.clone(),
            summary: d.summary.clone(),
            doc_no: d.doc_no.clone(),
            tags: d.tags.clone(),
            published_on: iso(d.published_on),
        }
    }
}

#[derive(Serialize)]
pub struct ArticlePage {
    total: i64,
    page: u32,
    per_page: u32,
    items: Vec<ArticleItem>,
}

pub async fn list_articles(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<ArticlePage>, ApiError> {
    let page = params.page()?;
    let per_page = params.per_page(20)?;
    let (limit, offset) = limit_offset(page, per_page);
    let kind = params.choice("kind", "kind", ArticleKind::parse, ArticleKind::accepted)?;
    let q = params.q()?.map(understand);
    if q.as_ref().is_some_and(|q| q.key.is_empty()) {
        return Ok(Json(ArticlePage {
            total: 0,
            page,
            per_page,
            items: Vec::new(),
        }));
    }
    let filter = ArticleFilter {
        kind,
        q: q.map(|q| q.key),
        limit,
        offset,
    };
    let (total, articles) = state.store.public_articles(&filter).await?;
    Ok(Json(ArticlePage {
        total,
        page,
        per_page,
        items: articles
            .iter()
            .map(|a| ArticleItem::new(&state, a))
            .collect(),
    }))
}

#[derive(Serialize)]
pub struct ArticleDetail {
    #[serde(flatten)]
    item: ArticleItem,
    body_markdown: String,
    body_html: String,
    updated_at: String,
}

pub async fn show_article(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<ArticleDetail>, ApiError> {
    let slug = parse_slug(&slug).map_err(|_| Error::NotFound)?;
    let article = match state.store.public_article(slug).await? {
        ArticleVisibility::Public(a) => *a,
        ArticleVisibility::Withdrawn(_) => return Err(Error::Gone.into()),
        ArticleVisibility::Hidden => return Err(Error::NotFound.into()),
    };
    Ok(Json(ArticleDetail {
        item: ArticleItem::new(&state, &article),
        body_html: markdown::render_public(&state.store, &article.data.body_md)
            .await?
            .into_string(),
        body_markdown: article.data.body_md.clone(),
        updated_at: article
            .updated_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }))
}
