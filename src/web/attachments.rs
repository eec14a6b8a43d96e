//! Attachments of articles (PDF and images): checked by their content, not their name, when
//! uploaded; stored under the data folder by their SHA-256; served with the content type they
//! were found to be, `nosniff`, and a sandboxing policy.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{Error, Result};
use crate::store::Attachment;

/// Largest attachment accepted.
pub const MAX_SIZE: usize = 10 * 1024 * 1024;

/// The kinds accepted, by their first bytes: what they are, their extension, and whether a
/// browser may show them inline.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str, bool)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf", false))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png", true))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg", true))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif", true))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp", true))
    } else {
        None
    }
}

/// A file name safe to store and show: no path, no control characters, at most 100 chars.
pub fn clean_name(name: &str, ext: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?'))
        .take(100)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "附件" } else { stem };
    format!("{stem}.{ext}")
}

pub fn path_of(state: &AppState, sha256: &str) -> std::path::PathBuf {
    state.data_dir.join("attachments").join(sha256)
}

/// Serves a stored attachment.
pub async fn serve(state: &AppState, a: &Attachment) -> Result<Response> {
    let bytes = tokio::fs::read(path_of(state, &a.sha256))
        .await
        .map_err(|e| {
            tracing::error!(id = a.id, error = %e, "attachment file missing");
            Error::NotFound
        })?;
    let inline = sniff(&bytes).is_some_and(|(_, _, inline)| inline);
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let encoded: String =
        url::form_urlencoded::byte_serialize(a.file_name.as_bytes()).collect::<String>();
    let disposition = format!(
        "{}; filename=\"attachment\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        encoded.replace('+', "%20")
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content_not_names() {
        assert_eq!(sniff(b"%PDF-1.7 ...").unwrap().0, "application/pdf");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap().0, "image/png");
        assert!(sniff(b"<html><script>").is_none());
        assert!(sniff(b"MZ\x90\x00").is_none());
        assert_eq!(clean_name("../../etc/通知.exe", "pdf"), "通知.pdf");
        assert_eq!(clean_name("", "png"), "附件.png");
    }
}
