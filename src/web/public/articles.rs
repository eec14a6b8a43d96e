use axum::extract::{Path, State};
use maud::Markup;

use crate::domain::ArticleKind;
use crate::domain::article::parse_slug;
use crate::markdown;
use crate::store::{ArticleFilter, Entity};
use crate::views::articles::{ArticleList, ArticlePage, list, show};
use crate::web::error::{Error, Result, visible};
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
) -> Result<Markup> {
    let slug = parse_slug(&slug).map_err(|_| Error::NotFound)?;
    let article = visible(state.store.public_article(slug).await?)?;
    let model = ArticlePage {
        body: markdown::render_public(&state.store, &article.data.body_md).await?,
        entries: state
            .store
            .public_entries_for_article(article.id, state.clock.today())
            .await?,
        revisions: state.store.revisions(Entity::Article, article.id).await?,
        article,
    };
    Ok(show(
        &state.ctx(&page, model.article.data.kind.path()),
        &model,
    ))
}
