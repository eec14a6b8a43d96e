//! Errors of the web layer: a Chinese HTML page for people, `{"error": …}` JSON for the API.
//! Internal details are logged once here and never reach a client.

use axum::Json;

use crate::store::{StoreError, Visibility};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    /// Published once, but no longer shown (its publicity period is over, or withdrawn).
    #[error("gone")]
    Gone,
    /// The database could not answer in time.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The request lost a race or does not fit the item's state; the message says what to do.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Busy(why) => Error::Unavailable(why),
            other => Error::Internal(other.into()),
        }
    }
}

/// The one mapping of what the public may see to an answer: 404 for what was never public,
/// 410 (nothing named) for what was public once.
pub fn visible<T>(v: Visibility<T>) -> Result<T> {
    match v {
        Visibility::Public(item) => Ok(item),
        Visibility::Gone => Err(Error::Gone),
        Visibility::Hidden => Err(Error::NotFound),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Marks a response whose HTML error page the error-page middleware renders (it has the
/// site's layout, which `IntoResponse` cannot reach).
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub message: Option<String>,
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Gone => StatusCode::GONE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log(&self) {
        match self {
            Error::Internal(e) => tracing::error!(error = ?e, "internal error"),
            Error::Unavailable(why) => tracing::warn!(%why, "database unavailable"),
            _ => {}
        }
    }

    /// The message people may read.
    pub fn public_message(&self) -> String {
        match self {
            Error::BadRequest(m) => m.clone(),
            Error::NotFound => "您访问的页面不存在或尚未公开。".to_string(),
            Error::Gone => "该信息已停止公示（公示期已满或已撤回）。".to_string(),
            Error::Unavailable(_) => "系统繁忙，请稍后再试。".to_string(),
            Error::Conflict(m) => m.clone(),
            Error::Internal(_) => "服务器暂时出现问题，请稍后再试。".to_string(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let message = match &self {
            Error::BadRequest(m) | Error::Conflict(m) => Some(m.clone()),
            _ => None,
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(ErrorPage { message });
        res
    }
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        json_error(self.0.status(), &self.0.public_message())
    }
}

/// The API's error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// 机器可读的错误类别：bad_request、not_found、gone、too_many_requests、payload_too_large 等。
    pub code: String,
    /// 中文说明。
    pub message: String,
}

/// `{"error": {"code", "message"}}` with a code derived from the status.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::GONE => "gone",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_string(),
            message: message.to_string(),
        },
    };
    (status, Json(body)).into_response()
}
