//! `POST /api/v1/match`: screening up to [`MAX_ITEMS`] counterparties in one call, each by
//! the lookup's own matching (`lookup::screen`). A bad item gets an error of its own; the
//! others are answered.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::lookup::screen::{self, Counterparty, Identifier, ScreenHit};
use crate::open_data::EntryRecord;
use crate::web::error::{Error, ErrorBody, ErrorDetail};
use crate::web::{ApiError, AppState};

/// Items per request at most.
pub const MAX_ITEMS: usize = 100;

/// The request: counterparties to screen.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"items": [
    {"ref": "客户-001", "name": "河南钱满仓金融信息服务有限公司"},
    {"ref": "客户-002", "credit_code": "91410100737459086M", "website": "https://www.qianmancang.com/"},
    {"ref": "客户-003", "phone": "400-000-1818"}
]}))]
pub struct MatchRequest {
    /// 待筛查的对象，1–100 项（逐项检查，有误的项单独返回 error）。
    #[schema(value_type = Vec<MatchItem>)]
    items: Vec<Value>,
}

/// One counterparty: at least one identifier.
#[derive(Deserialize, ToSchema)]
pub struct MatchItem {
    /// 调用方自己的编号，原样返回。
    #[serde(rename = "ref")]
    reference: Option<String>,
    /// 名称（或名称的一部分、别名、App 名称）。
    name: Option<String>,
    /// 统一社会信用代码。
    credit_code: Option<String>,
    /// 网址或域名。
    website: Option<String>,
    /// 电话。
    phone: Option<String>,
}

/// The answers, one per item, in request order.
#[derive(Serialize, ToSchema)]
pub struct MatchResponse {
    items: Vec<MatchResult>,
}

/// The answer for one item: a verdict with its matches, or an error for this item alone.
#[derive(Serialize, ToSchema)]
pub struct MatchResult {
    /// 该项在请求中的位置，从 0 开始。
    index: usize,
    /// 请求中的 ref。
    #[serde(rename = "ref")]
    reference: Option<String>,
    /// listed 在列、removed 已移出、similar 只有相似名称、none 未查到；该项有误时不出现。
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = super::verdict_schema)]
    verdict: Option<&'static str>,
    /// 匹配到的条目，最强的匹配在前；该项有误时不出现。
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<Vec<MatchedEntry>>,
    /// 提示（如统一社会信用代码校验位有误，仍已查询）。
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// 该项有误时的说明。
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorDetail>,
}

/// An entry an item matched, and why.
#[derive(Serialize, ToSchema)]
pub struct MatchedEntry {
    /// exact 完全一致、contains 包含、similar 相似：与查询页面的匹配方式相同。
    #[serde(rename = "match")]
    #[schema(schema_with = super::match_kind_schema)]
    matched: &'static str,
    /// 匹配依据。
    #[schema(schema_with = super::basis_schema)]
    basis: &'static str,
    /// 匹配依据的中文说明。
    explanation: String,
    /// 匹配到该条目的字段（name、credit_code、website、phone），最强的在前。
    matched_by: Vec<&'static str>,
    entry: EntryRecord,
}

impl MatchedEntry {
    fn new(state: &AppState, h: &ScreenHit) -> MatchedEntry {
        let (_, query, best) = &h.best;
        let mut by = h.by.clone();
        by.sort_by(|a, b| {
            (a.1.kind(), std::cmp::Reverse(a.1.score))
                .cmp(&(b.1.kind(), std::cmp::Reverse(b.1.score)))
        });
        let mut matched_by: Vec<&'static str> = Vec::new();
        for (id, _) in by {
            if !matched_by.contains(&id.key()) {
                matched_by.push(id.key());
            }
        }
        MatchedEntry {
            matched: best.kind().key(),
            basis: best.basis.key(),
            explanation: best.basis.explain(query),
            matched_by,
            entry: EntryRecord::new(&h.entry, |p| state.url(p)),
        }
    }
}

/// Reads one item's identifiers; a Chinese message when it cannot be screened.
fn read_item(item: &Value) -> Result<(Option<String>, Counterparty), (Option<String>, String)> {
    let shown_ref = || {
        item.get("ref")
            .and_then(Value::as_str)
            .map(|s| s.chars().take(100).collect::<String>())
    };
    let parsed: MatchItem = serde_json::from_value(item.clone()).map_err(|_| {
        (
            shown_ref(),
            "该项应为对象，其中 ref、name、credit_code、website、phone 均为字符串".to_string(),
        )
    })?;
    let reference = parsed.reference.map(|r| r.chars().take(100).collect());
    let given = [
        (Identifier::Name, parsed.name.as_deref()),
        (Identifier::CreditCode, parsed.credit_code.as_deref()),
        (Identifier::Website, parsed.website.as_deref()),
        (Identifier::Phone, parsed.phone.as_deref()),
    ];
    match Counterparty::check(&given) {
        Ok(c) => Ok((reference, c)),
        Err(m) => Err((reference, m)),
    }
}

/// Screens counterparties against the list.
#[utoipa::path(
    post,
    path = "/match",
    tag = "名单",
    summary = "批量筛查：一次最多 100 个对象",
    description = "每个对象可给出名称、统一社会信用代码、网址、电话中的一项或几项（同一对象的几项一起查）。每项返回结论 verdict（规则与查询页面相同，只由 exact/contains 真实匹配得出）和匹配到的条目，含匹配方式 match、依据 basis 及其中文说明。有误的项单独返回 error，其余项照常返回。请求体不超过 64 KB。",
    request_body(content = MatchRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "每项一个结果，顺序与请求相同", body = MatchResponse),
        (status = 400, description = "请求体不是 JSON、没有 items、或超过 100 项", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
pub async fn match_entries(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<MatchResponse>, ApiError> {
    let bad = |m: &str| ApiError(Error::BadRequest(m.to_string()));
    let request: MatchRequest = serde_json::from_slice(&body).map_err(|_| {
        bad("请求体应为 JSON 对象，其中 items 为数组，如 {\"items\": [{\"name\": \"…\"}]}。")
    })?;
    let items = request.items;
    if items.is_empty() {
        return Err(bad("items 不能为空。"));
    }
    if items.len() > MAX_ITEMS {
        return Err(bad(&format!(
            "一次最多筛查 {MAX_ITEMS} 项，本次 {} 项，请分批提交。",
            items.len()
        )));
    }
    let today = state.clock.today();
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        out.push(match read_item(item) {
            Err((reference, message)) => MatchResult {
                index,
                reference,
                verdict: None,
                matches: None,
                warnings: Vec::new(),
                error: Some(ErrorDetail {
                    code: "invalid_item".into(),
                    message,
                }),
            },
            Ok((reference, c)) => {
                let screened = screen::screen(&state.store, &state.search, &c, today).await?;
                MatchResult {
                    index,
                    reference,
                    verdict: Some(screened.verdict.key()),
                    matches: Some(
                        screened
                            .hits
                            .iter()
                            .map(|h| MatchedEntry::new(&state, h))
                            .collect(),
                    ),
                    warnings: c.warnings,
                    error: None,
                }
            }
        });
    }
    Ok(Json(MatchResponse { items: out }))
}
