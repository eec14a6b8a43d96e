//! The public JSON API, version 1: published content only. Its OpenAPI 3.1 document is made
//! from these handlers and types (utoipa): the routes and the document come from the same
//! list, so they cannot drift apart.

mod articles;
mod changes;
mod downloads;
mod entries;
mod screening;

use std::sync::LazyLock;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{Error, ErrorBody, ErrorDetail};
use super::layers::LastModified;
use super::{ApiError, AppState};
use crate::domain::ArticleKind;
use crate::domain::dates::china_midnight;
use crate::lookup::{Basis, MatchKind, Verdict};

/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "名单公示开放数据接口",
        version = "1",
        description = "互联网金融风险警示与名单公示网站的只读数据接口。只提供已发布、且在公示期内的信息：撤回或公示期满的条目不出现在任何接口中（单条查询回答 410，变更记录中不带内容）。\n\n所有 GET 回答带 ETag 和（名单接口）Last-Modified，条件请求未变化时回答 304；允许任何来源的网页读取（Access-Control-Allow-Origin: *）。每个地址每分钟的请求数有上限，超过时回答 429 和 Retry-After。错误为 {\"error\": {\"code\", \"message\"}}，message 为中文说明。\n\n批量获取请使用数据下载（/data/entries.csv、.xlsx、.json），此后用 /changes 增量同步。"
    ),
    tags(
        (name = "名单", description = "名单条目的列表、查询和批量筛查"),
        (name = "变更", description = "增量同步"),
        (name = "下载", description = "数据下载文件"),
        (name = "文章", description = "风险提示、以案说法、通知公告"),
    ),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

/// The API's routes, with the OpenAPI document made from them.
pub fn routes() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .routes(routes!(entries::list_entries))
        .routes(routes!(entries::show_entry))
        .routes(routes!(entries::suggest))
        .routes(routes!(changes::list_changes))
        .routes(routes!(screening::match_entries))
        .routes(routes!(downloads::list_downloads))
        .routes(routes!(articles::list_articles))
        .routes(routes!(articles::show_article));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(PREFIX, api)
}

/// The OpenAPI document, made once from the routes.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| routes().split_for_parts().1);
    &DOC
}

/// The API router: the documented routes, the document at `/api/openapi.json`, and JSON 404s
/// for every other path under `/api/`.
pub fn router() -> Router<AppState> {
    let (router, _) = routes().split_for_parts();
    router
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/{*rest}", get(not_found).post(not_found))
}

/// The document, naming this site's base URL as its server.
async fn openapi_json(State(state): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    let mut doc = document().clone();
    doc.servers = Some(vec![utoipa::openapi::Server::new(
        state.base_url.clone().unwrap_or_else(|| "/".to_string()),
    )]);
    Json(doc)
}

async fn not_found() -> ApiError {
    ApiError(Error::NotFound)
}

/// When the answers about entries last changed: the last write to any entry, or the China
/// midnight that began today (publicity ends then), whichever is later. It never goes back, so
/// an `If-Modified-Since` is answered rightly.
async fn entries_modified(state: &AppState) -> Result<LastModified, ApiError> {
    let midnight = china_midnight(state.clock.today());
    let changed = state.store.entries_changed_at().await?;
    Ok(LastModified(changed.map_or(midnight, |c| c.max(midnight))))
}

/// A string schema taking one of `keys`, or null when `nullable`.
fn one_of(keys: impl IntoIterator<Item = &'static str>, nullable: bool) -> RefOr<Schema> {
    let t = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    let mut values: Vec<Option<&'static str>> = keys.into_iter().map(Some).collect();
    if nullable {
        values.push(None);
    }
    ObjectBuilder::new()
        .schema_type(t)
        .enum_values(Some(values))
        .into()
}

fn match_kind_schema() -> RefOr<Schema> {
    one_of(
        [MatchKind::Exact, MatchKind::Contains, MatchKind::Similar].map(MatchKind::key),
        false,
    )
}

fn verdict_schema() -> RefOr<Schema> {
    one_of(
        [
            Verdict::Listed,
            Verdict::Removed,
            Verdict::Similar,
            Verdict::None,
        ]
        .map(Verdict::key),
        true,
    )
}

fn basis_schema() -> RefOr<Schema> {
    one_of(Basis::ALL.map(Basis::key), false)
}

fn article_kind_schema() -> RefOr<Schema> {
    one_of(ArticleKind::ALL.iter().map(|k| k.key()), false)
}
