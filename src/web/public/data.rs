//! Open data for people and programs: the download files at their stable URLs
//! (`/data/entries.csv` …) and the API's human-readable page (`/data/api`).

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::open_data::{Dataset, Format, NotReady};
use crate::views::open_data::api_page;
use crate::web::error::{Error, ErrorPage, Result};
use crate::web::layers::none_match;
use crate::web::{AppState, PageRequest};

/// Seconds a client is told to wait while a file is generated.
const RETRY_SECONDS: u32 = 30;

/// A download file: generated first when the data changed since the last one (waiting for it
/// a while), then sent from disk with a strong ETag, its checksum and a file name.
pub async fn download(
    State(state): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> Result<Response> {
    let (stem, ext) = file.rsplit_once('.').ok_or(Error::NotFound)?;
    let dataset = Dataset::parse(stem).ok_or(Error::NotFound)?;
    let format = Format::parse(ext).ok_or(Error::NotFound)?;
    let today = state.clock.today();
    // Leave time to answer before the request's own deadline.
    let wait = state
        .limits
        .request_timeout
        .mul_f32(0.6)
        .max(Duration::from_secs(1));
    let info = match state.downloads.file(today, dataset, format, wait).await {
        Ok(info) => info,
        Err(NotReady::Generating) => {
            let mut res = (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, RETRY_SECONDS.to_string())],
            )
                .into_response();
            res.extensions_mut().insert(ErrorPage {
                message: Some(format!(
                    "数据已更新，下载文件正在重新生成，请约 {RETRY_SECONDS} 秒后再试。"
                )),
            });
            return Ok(res);
        }
        Err(NotReady::Failed(e)) => return Err(Error::Internal(e)),
    };
    let etag = format!("\"{}\"", &info.sha256[..32.min(info.sha256.len())]);
    if none_match(req.headers().get(header::IF_NONE_MATCH), &etag) {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res);
    }
    // Whole files only: a range of a file that may be compressed on the way is no use.
    let (mut parts, body) = req.into_parts();
    parts.headers.remove(header::RANGE);
    let served = ServeFile::new(state.downloads.path(&info))
        .oneshot(Request::from_parts(parts, body))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let mut res = served.into_response();
    if res.status().is_success() {
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        let name = format!(
            "jingshi-{}-{}.{}",
            dataset.stem(),
            crate::domain::dates::iso(today),
            format.ext()
        );
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        if let Ok(v) = HeaderValue::from_str(&info.sha256) {
            h.insert("x-content-sha256", v);
        }
        h.insert("x-record-count", HeaderValue::from(info.records));
    }
    Ok(res)
}

/// The API described for people, from its OpenAPI document.
pub async fn show_api(State(state): State<AppState>, page: PageRequest) -> Markup {
    api_page(
        &state.ctx(&page, "/data/api"),
        crate::web::api::document(),
        &state.url(""),
    )
}
