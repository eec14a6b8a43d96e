use axum::extract::{Path, State};
use maud::Markup;

use crate::domain::ArticleKind;
use crate::domain::article::parse_slug;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::markdown;
use crate::store::{ArticleFilter, ArticleVisibility, Entity};
use crate::views::articles::{ArticleList, ArticlePage, list, show, withdrawn};
use crate::web::error::{Error, Result};
use crate::web::params::{Params, limit_offset};
use crate::web::{AppState, PageRequest};

const PER_PAGE: u32 = 20;

async fn list_kind(
    state: AppState,
    page_request: PageRequest,
    params: Params,
    kind: ArticleKind,
) -> Result<Markup> {
    let page = params.page()?;
    let (limit, offset) = limit_offset(page, PER_PAGE);
    let filter = ArticleFilter {
        kind: Some(kind),
        limit,
        offset,
        ..ArticleFilter::default()
    };
    let (total, articles) = state.store.public_articles(&filter).await?;
    let model = ArticleList {
        kind,
        articles,
        total,
        page,
        per_page: PER_PAGE,
    };
    Ok(list(&state.ctx(&page_request, kind.path()), &model))
}

pub async fn list_warnings(
    State(state): State<AppState>,
    page: PageRequest,
    params: Params,
) -> Result<Markup> {
    list_kind(state, page, params, ArticleKind::Warning).await
}

pub async fn list_cases(
    State(state): State<AppState>,
    page: PageRequest,
    params: Params,
) -> Result<Markup> {
    list_kind(state, page, params, ArticleKind::Case).await
}

pub async fn list_notices(
    State(state): State<AppState>,
    page: PageRequest,
    params: Params,
) -> Result<Markup> {
    list_kind(state, page, params, ArticleKind::Notice).await
}

pub async fn show_article(
    State(state): State<AppState>,
    page: PageRequest,
    Path(slug): Path<String>,
) -> Result<Response> {
    let slug = parse_slug(&slug).map_err(|_| Error::NotFound)?;
    let article = match state.store.public_article(slug).await? {
        ArticleVisibility::Public(a) => *a,
        ArticleVisibility::Withdrawn(notice) => {
            let page = withdrawn(&state.ctx(&page, notice.kind.path()), &notice);
            return Ok((StatusCode::GONE, page).into_response());
        }
        ArticleVisibility::Hidden => return Err(Error::NotFound),
    };
    let model = ArticlePage {
        attachments: state.store.attachments(article.id).await?,
        body: markdown::render_public(&state.store, &article.data.body_md).await?,
        entries: state
            .store
            .public_entries_for_article(article.id, state.clock.today())
            .await?,
        revisions: state.store.revisions(Entity::Article, article.id).await?,
        article,
    };
    Ok(show(&state.ctx(&page, model.article.data.kind.path()), &model).into_response())
}

/// An attachment of a public article, with a content type it was checked to be and a
/// `Content-Disposition`: images shown inline, anything else downloaded.
pub async fn show_attachment(
    State(state): State<AppState>,
    Path((raw, _name)): Path<(String, String)>,
) -> Result<Response> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    let attachment = state
        .store
        .public_attachment(id)
        .await?
        .ok_or(Error::NotFound)?;
    crate::web::attachments::serve(&state, &attachment).await
}
