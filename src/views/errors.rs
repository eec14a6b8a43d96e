//! Chinese error pages.

use axum::http::StatusCode;
use maud::{Markup, html};

use super::components::lookup_form;
use super::{PageCtx, layout};

/// A title and a sentence for an error status, in Chinese (HTML pages and JSON errors alike).
pub fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("页面不存在", "您访问的页面不存在或尚未公开。"),
        StatusCode::GONE => (
            "信息已停止公示",
            "该信息已停止公示（公示期已满或已依法撤回），不再公开展示。如需了解情况，请联系本办。",
        ),
        StatusCode::BAD_REQUEST => ("请求有误", "请求的参数有误，请检查后重试。"),
        StatusCode::REQUEST_TIMEOUT => ("请求超时", "请求未能及时完成，请稍后再试。"),
        StatusCode::PAYLOAD_TOO_LARGE => ("提交内容过大", "提交的内容超过了允许的大小。"),
        StatusCode::URI_TOO_LONG => ("网址过长", "请求的网址过长，请缩短查询内容后重试。"),
        StatusCode::SERVICE_UNAVAILABLE => ("系统繁忙", "系统繁忙，请稍后再试。"),
        StatusCode::CONFLICT => ("无法完成操作", "该内容已被他人修改，请重新载入后再操作。"),
        StatusCode::UNPROCESSABLE_ENTITY => ("内容有误", "提交的内容有误，请修改后重试。"),
        StatusCode::METHOD_NOT_ALLOWED => ("不支持的请求方式", "本页面不支持该请求方式。"),
        s if s.is_server_error() => ("服务暂时不可用", "服务器暂时出现问题，请稍后再试。"),
        _ => ("无法完成请求", "无法完成您的请求。"),
    }
}

pub fn page(ctx: &PageCtx<'_>, status: StatusCode, message: Option<&str>) -> Markup {
    let (title, text) = describe(status);
    let body = html! {
        div.error-page {
            h1 { (title) }
            p { (message.unwrap_or(text)) }
            p { "错误代码：" (status.as_u16()) }
            p { a href=(ctx.href("/")) { "返回首页" } " · " a href=(ctx.href("/entries")) { "查看名单公示" } }
            (lookup_form(ctx, "", false))
        }
    };
    layout(ctx, title, body)
}
