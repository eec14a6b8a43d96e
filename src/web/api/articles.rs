use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::ArticleKind;
use crate::domain::article::parse_slug;
use crate::domain::dates::iso;
use crate::lookup::understand::understand;
use crate::markdown;
use crate::store::{Article, ArticleFilter, ArticleVisibility};
use crate::web::error::{Error, ErrorBody};
use crate::web::params::{Params, limit_offset};
use crate::web::{ApiError, AppState};

/// An article: a risk warning, a case study or a notice.
#[derive(Serialize, ToSchema)]
pub struct ArticleItem {
    slug: String,
    /// warning 风险提示、case 以案说法、notice 通知公告。
    #[schema(schema_with = super::article_kind_schema)]
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

/// A page of articles.
#[derive(Serialize, ToSchema)]
pub struct ArticlePage {
    total: i64,
    page: u32,
    per_page: u32,
    items: Vec<ArticleItem>,
}

/// Published articles, newest first.
#[utoipa::path(
    get,
    path = "/articles",
    tag = "文章",
    summary = "风险提示、以案说法、通知公告",
    params(
        ("kind" = Option<String>, Query, description = "warning、case 或 notice（或中文名称）"),
        ("q" = Option<String>, Query, description = "标题或摘要中的文字"),
        ("page" = Option<u32>, Query, description = "页码，从 1 开始"),
        ("per_page" = Option<u32>, Query, description = "每页条数，1–100，默认 20"),
    ),
    responses(
        (status = 200, description = "一页文章", body = ArticlePage),
        (status = 400, description = "参数有误", body = ErrorBody),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
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

/// An article with its body.
#[derive(Serialize, ToSchema)]
pub struct ArticleDetail {
    #[serde(flatten)]
    item: ArticleItem,
    body_markdown: String,
    body_html: String,
    updated_at: String,
}

/// One published article.
#[utoipa::path(
    get,
    path = "/articles/{slug}",
    tag = "文章",
    summary = "单篇文章（正文为 Markdown 和经过净化的 HTML）",
    params(("slug" = String, Path, description = "文章地址名", example = "high-yield-p2p-warning")),
    responses(
        (status = 200, description = "文章", body = ArticleDetail),
        (status = 404, description = "没有该文章或未发布", body = ErrorBody),
        (status = 410, description = "已撤回", body = ErrorBody),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
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
