//! `GET /api/v1/downloads`: the download files, with what a machine needs to fetch and check
//! them.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::dates::rfc3339;
use crate::web::cache::kept_if;
use crate::web::error::ErrorBody;
use crate::web::{ApiError, AppState};

#[derive(Serialize, ToSchema)]
pub struct DownloadList {
    items: Vec<Download>,
}

/// One download file.
#[derive(Serialize, ToSchema)]
pub struct Download {
    /// entries 当前名单，history 变更记录。
    dataset: &'static str,
    /// csv、xlsx 或 json。
    format: &'static str,
    /// 固定的下载地址。
    url: String,
    /// 文件已生成时为 true；为 false 时正在生成，稍后再查。
    ready: bool,
    /// 字节数。
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    /// 条目数（变更记录为事件数）。
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<u64>,
    /// 生成时间（RFC 3339，UTC）。
    #[serde(skip_serializing_if = "Option::is_none")]
    generated_at: Option<String>,
    /// 文件的 SHA-256（十六进制）。
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    /// 文件对应的变更序号：此后的变化见 /changes?cursor=。
    #[serde(skip_serializing_if = "Option::is_none")]
    changes_cursor: Option<i64>,
}

/// The download files and their checksums.
#[utoipa::path(
    get,
    path = "/downloads",
    tag = "下载",
    summary = "数据下载文件：地址、大小、条目数、生成时间、SHA-256",
    description = "名单和变更记录的 CSV（UTF-8 带 BOM）、XLSX 和 JSON 文件。数据变化后文件重新生成，生成期间 ready 为 false。",
    responses(
        (status = 200, description = "全部下载文件", body = DownloadList),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
pub async fn list_downloads(State(state): State<AppState>) -> Result<Response, ApiError> {
    let listing = state
        .downloads
        .listing(state.clock.today())
        .await
        .map_err(crate::web::Error::Internal)?;
    let items: Vec<Download> = listing
        .into_iter()
        .map(|(dataset, format, info)| Download {
            dataset: dataset.stem(),
            format: format.ext(),
            url: state.url(&format!("/data/{}.{}", dataset.stem(), format.ext())),
            ready: info.is_some(),
            size: info.as_ref().map(|i| i.size),
            records: info.as_ref().map(|i| i.records),
            generated_at: info.as_ref().map(|i| rfc3339(i.generated_at)),
            sha256: info.as_ref().map(|i| i.sha256.clone()),
            changes_cursor: info.as_ref().map(|i| i.cursor),
        })
        .collect();
    let ready = items.iter().all(|d| d.ready);
    Ok(kept_if(ready, Json(DownloadList { items })))
}
