//! The site's identity (office, hotline, registration numbers) from `content/site.toml`.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::domain::entry::PublicityDefaults;

/// Everything the header, footer and contact blocks show; set per office, never in code.
#[derive(Debug, Clone, Deserialize)]
pub struct Site {
    pub site_name: String,
    pub office_name: String,
    pub hotline: String,
    #[serde(default)]
    pub email: String,
    pub address: String,
    #[serde(default)]
    pub office_hours: String,
    /// 网站标识码 of government websites.
    #[serde(default)]
    pub website_id: String,
    /// ICP备案号.
    #[serde(default)]
    pub icp: String,
    /// 公安机关备案号.
    #[serde(default)]
    pub police_record: String,
    /// Default publicity periods (months) for entries imported without 公示截止日期.
    #[serde(default)]
    pub publicity_months: PublicityDefaults,
}

impl Site {
    pub fn load(content_dir: &Path) -> anyhow::Result<Site> {
        let path = content_dir.join("site.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid {}", path.display()))
    }
}
