//! Open data for people: the download table of the data page and the API page, which is the
//! API's OpenAPI document laid out as a page.

use maud::{Markup, html};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr, Required};

use super::{PageCtx, layout};
use crate::domain::dates::china_minute;
use crate::open_data::feeds::FeedKind;
use crate::open_data::{Dataset, FileInfo, Format};

/// The download files as the data page lists them.
pub struct DownloadsView {
    pub files: Vec<(Dataset, Format, Option<FileInfo>)>,
}

fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} 字节"),
        b if b < 1 << 20 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
    }
}

fn format_label(f: Format) -> &'static str {
    match f {
        Format::Csv => "CSV（UTF-8，带 BOM，Excel 可直接打开）",
        Format::Xlsx => "XLSX（Excel 工作簿）",
        Format::Json => "JSON",
    }
}

/// The table of download files, the feeds and the API, appended to the data page.
pub fn downloads(ctx: &PageCtx<'_>, m: &DownloadsView) -> Markup {
    html! {
        section.block #downloads {
            h2 { "数据下载" }
            p {
                "以下文件在数据变化后自动重新生成，地址固定不变。名单文件的列与批量导入格式相同（中文表头），可直接导入其他系统；"
                "变更记录列出每一次列入、更新、移出、撤回和公示期满。已撤回或公示期满的条目不出现在任何文件中，变更记录中只保留其编号。"
            }
            div.table-wrap {
                table.downloads {
                    caption { "下载文件（生成时间为北京时间）" }
                    thead { tr {
                        th scope="col" { "内容" } th scope="col" { "格式" } th scope="col" { "大小" }
                        th scope="col" { "记录数" } th scope="col" { "生成时间" } th scope="col" { "SHA-256" }
                    } }
                    tbody {
                        @for (dataset, format, info) in &m.files {
                            @let href = format!("/data/{}.{}", dataset.stem(), format.ext());
                            tr {
                                th scope="row" { (dataset.label()) }
                                td { a href=(href) download { (format_label(*format)) } }
                                @match info {
                                    Some(i) => {
                                        td.nowrap { (size_text(i.size)) }
                                        td { (i.records) }
                                        td.nowrap { (china_minute(i.generated_at)) }
                                        td { code.hash { (i.sha256) } }
                                    }
                                    None => td colspan="4" { "正在生成，请稍后刷新本页。" },
                                }
                            }
                        }
                    }
                }
            }
            p.muted { "同样的信息也可从 " a href="/api/v1/downloads" { "/api/v1/downloads" } " 以 JSON 获取，下载后可用 SHA-256 核对文件完整。" }
            h2 { "订阅（Atom）" }
            ul {
                @for f in FeedKind::ALL {
                    li { a href=(f.path()) type="application/atom+xml" { (f.title()) } " " code { (f.path()) } }
                }
            }
            h2 { "数据接口" }
            p {
                "名单、变更记录、批量筛查和文章均可通过 JSON 接口获取，说明见 "
                a href=(ctx.href("/data/api")) { "数据接口说明" }
                "（机器可读的 OpenAPI 3.1 文档："
                a href="/api/openapi.json" { "/api/openapi.json" } "）。"
            }
        }
    }
}

fn method_rows(doc: &OpenApi) -> Vec<(&'static str, &str, &Operation)> {
    let mut rows = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [("GET", &item.get), ("POST", &item.post)] {
            if let Some(op) = op {
                rows.push((method, path.as_str(), op));
            }
        }
    }
    rows
}

fn anchor(method: &str, path: &str) -> String {
    let mut a = method.to_ascii_lowercase();
    for c in path.chars() {
        a.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    a
}

/// The API page: what each path takes and answers, from the OpenAPI document.
pub fn api_page(ctx: &PageCtx<'_>, doc: &OpenApi, base: &str) -> Markup {
    let rows = method_rows(doc);
    let body = html! {
        article.article.api-doc {
            h1 { "数据接口说明" }
            @if let Some(d) = &doc.info.description {
                @for para in d.split("\n\n") { p { (para) } }
            }
            p {
                "完整的机器可读说明为 OpenAPI 3.1 文档 "
                a href="/api/openapi.json" { code { "/api/openapi.json" } }
                "，可导入常用的接口工具或生成客户端代码。下载文件见"
                a href=(ctx.href("/pages/data")) { "数据说明" } "。"
            }
            nav aria-label="接口目录" {
                ul {
                    @for (method, path, op) in &rows {
                        li { a href={ "#" (anchor(method, path)) } { code { (method) " " (path) } } " " (op.summary.as_deref().unwrap_or("")) }
                    }
                }
            }
            @for (method, path, op) in &rows {
                section.block id=(anchor(method, path)) {
                    h2 { code { (method) " " (path) } }
                    @if let Some(s) = &op.summary { p { strong { (s) } } }
                    @if let Some(d) = &op.description { p { (d) } }
                    @if let Some(params) = &op.parameters {
                        div.table-wrap {
                            table {
                                caption { "参数" }
                                thead { tr { th scope="col" { "名称" } th scope="col" { "位置" } th scope="col" { "必填" } th scope="col" { "说明" } } }
                                tbody {
                                    @for p in params {
                                        @if let RefOr::T(p) = p {
                                            tr {
                                                th scope="row" { code { (p.name) } }
                                                td { @match p.parameter_in { ParameterIn::Path => "路径", ParameterIn::Query => "查询串", ParameterIn::Header => "请求头", ParameterIn::Cookie => "Cookie", _ => "其他" } }
                                                td { @if matches!(p.required, Required::True) { "是" } @else { "否" } }
                                                td { (p.description.as_deref().unwrap_or("")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if op.request_body.is_some() {
                        p { "请求体：JSON，结构见 OpenAPI 文档。" }
                    }
                    h3 { "回答" }
                    ul {
                        @for (status, response) in &op.responses.responses {
                            @if let RefOr::T(r) = response {
                                li { code { (status) } " " (r.description) }
                            }
                        }
                    }
                    @if *method == "GET" && !path.contains('{') {
                        p { "示例：" code { "curl '" (base) (path) "'" } }
                    }
                }
            }
        }
    };
    layout(ctx, "数据接口说明", body)
}
