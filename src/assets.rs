//! The site's static files, embedded in the binary at build time, with content-hashed names
//! (so they can be cached for a year and change name when they change) and gzip and brotli
//! variants computed once, at first use.

use std::io::Write;
use std::sync::LazyLock;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

/// One embedded file and its variants.
pub struct Asset {
    pub name: &'static str,
    /// `site.1a2b3c4d5e6f.css`: the name with the start of its content's SHA-256.
    pub hashed: String,
    pub content_type: &'static str,
    pub bytes: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
    /// A validator for the content (every variant shares it, so it is weak).
    pub etag: String,
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "site.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/site.css"),
    ),
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/admin.css"),
    ),
    (
        "suggest.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/suggest.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
];

/// `bytes` gzipped at `level` (0–9).
pub fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    // Writing into a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

/// `bytes` compressed with brotli at `quality` (0–11).
pub fn brotli(bytes: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        let _ = w.write_all(bytes);
    }
    out
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, content_type, bytes)| {
            let digest = Sha256::digest(bytes);
            let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            let hashed = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
                None => format!("{name}.{hex}"),
            };
            Asset {
                name,
                hashed,
                content_type,
                bytes: Bytes::from_static(bytes),
                gzip: Bytes::from(gzip(bytes, 9)),
                brotli: Bytes::from(brotli(bytes, 11)),
                etag: format!("W/\"{hex}\""),
            }
        })
        .collect()
});

/// The URL of an asset by its plain name (`site.css` → `/static/site.1a2b3c4d5e6f.css`).
pub fn url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}", a.hashed),
        None => format!("/static/{name}"),
    }
}

/// An asset by the file part of its URL, and whether that was its hashed (immutable) name.
pub fn find(file: &str) -> Option<(&'static Asset, bool)> {
    ASSETS.iter().find_map(|a| {
        if a.hashed == file {
            Some((a, true))
        } else if a.name == file {
            Some((a, false))
        } else {
            None
        }
    })
}

/// Computes every variant now (at start-up) rather than on the first request.
pub fn prepare() {
    LazyLock::force(&ASSETS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_found_and_compress() {
        let css = url("site.css");
        let file = css.trim_start_matches("/static/");
        assert!(file.starts_with("site.") && file.ends_with(".css") && file.len() > 10);
        let (asset, immutable) = find(file).unwrap();
        assert!(immutable);
        assert!(!asset.gzip.is_empty() && asset.brotli.len() < asset.bytes.len());
        assert!(matches!(find("site.css"), Some((_, false))));
        assert!(find("nothing.css").is_none());
    }
}
