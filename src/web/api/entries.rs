use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::entries_modified;
use crate::lookup::{self, AnalyzedQuery, IndexLag};
use crate::open_data::EntryRecord;
use crate::store::{Entry, EntrySort, Public};
use crate::web::cache::kept_if;
use crate::web::error::{Error, ErrorBody, visible};
use crate::web::layers::LastModified;
use crate::web::params::{Params, limit_offset};
use crate::web::public::entries::parse_id;
use crate::web::{ApiError, AppState};

/// A list entry with every public field; in a lookup, how it matched.
#[derive(Serialize, ToSchema)]
pub struct EntryItem {
    #[serde(flatten)]
    entry: EntryRecord,
    /// 仅在查询（q）时出现：exact 完全一致、contains 包含、similar 相似（与查询页面的匹配方式相同）。
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = super::match_kind_schema)]
    matched: Option<&'static str>,
}

impl EntryItem {
    fn new(state: &AppState, e: &Public<Entry>, matched: Option<&'static str>) -> EntryItem {
        EntryItem {
            entry: EntryRecord::new(e, |p| state.url(p)),
            matched,
        }
    }
}

/// A page of entries.
#[derive(Serialize, ToSchema)]
pub struct EntryPage {
    /// 仅在查询（q）时给出：listed 在列、removed 已移出、similar 只有相似名称、none 未查到；结论只来自真实匹配。
    #[schema(schema_with = super::verdict_schema)]
    verdict: Option<&'static str>,
    total: i64,
    page: u32,
    per_page: u32,
    items: Vec<EntryItem>,
    /// 检索服务不可用时的说明（结果来自简易查询）。
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    /// 仅在查询时、检索索引落后于数据库时出现。
    #[serde(skip_serializing_if = "Option::is_none")]
    index_behind: Option<IndexBehind>,
    /// 按编号翻页（after）时：下一页的 after；没有更多时不出现。
    #[serde(skip_serializing_if = "Option::is_none")]
    next_after: Option<i64>,
}

/// The search index is behind: exact identities (whole name, alias, credit code, website,
/// phone) are current, parts of names and pinyin may miss the newest entries.
#[derive(Serialize, ToSchema)]
pub struct IndexBehind {
    rebuilding: bool,
    pending: i64,
    lag_seconds: i64,
    notice: String,
}

impl From<IndexLag> for IndexBehind {
    fn from(l: IndexLag) -> Self {
        IndexBehind {
            rebuilding: l.rebuilding,
            pending: l.pending,
            lag_seconds: l.seconds,
            notice: l.notice(),
        }
    }
}

/// `updated_since`: an RFC 3339 instant, or a date (China midnight).
fn updated_since(params: &Params) -> Result<Option<time::OffsetDateTime>, Error> {
    let Some(v) = params.get("updated_since") else {
        return Ok(None);
    };
    let rfc = time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(v, &rfc) {
        return Ok(Some(t));
    }
    crate::domain::dates::parse_date(v)
        .map(|d| Some(crate::domain::dates::china_midnight(d)))
        .map_err(|_| {
            Error::BadRequest(
                "参数“updated_since”应为日期（2026-11-01）或 RFC 3339 时间（2026-11-01T08:00:00+08:00）。"
                    .into(),
            )
        })
}

/// List, look up or sync the entries the public sees.
#[utoipa::path(
    get,
    path = "/entries",
    tag = "名单",
    summary = "名单条目：列表、查询、按编号遍历、增量同步",
    description = "不带 q 时按筛选条件列出公示中的条目（含已移出、仍在公示期内的条目），按 page 分页（最深 10,000 条）或按 after 以编号遍历全部。带 q 时与查询页面相同：给出结论 verdict，每个条目带匹配方式 match。updated_since 只列出该时间之后有变化的条目；已撤回或公示期满而不再公示的条目不会出现在列表中，请用 /changes 获取这类变化。",
    params(
        ("q" = Option<String>, Query, description = "查询：名称、名称的一部分、别名、统一社会信用代码、网址或电话（最多 100 个字符）"),
        ("list" = Option<String>, Query, description = "名单类型：blacklist、warning、abnormal（或中文名称）"),
        ("category" = Option<String>, Query, description = "业态：p2p、crowdfunding、insurance、payment、asset_management、cross_sector、other（或中文名称）"),
        ("status" = Option<String>, Query, description = "状态：listed 在列、removed 已移出"),
        ("year" = Option<i32>, Query, description = "列入年份"),
        ("updated_since" = Option<String>, Query, description = "只列出此后有变化的条目：日期（2026-11-01，北京时间零时）或 RFC 3339 时间"),
        ("page" = Option<u32>, Query, description = "页码，从 1 开始"),
        ("per_page" = Option<u32>, Query, description = "每页条数，1–100，默认 20"),
        ("after" = Option<i64>, Query, description = "按编号遍历：只列出编号大于此数的条目（用上一页的 next_after）"),
    ),
    responses(
        (status = 200, description = "一页条目", body = EntryPage, headers(
            ("ETag" = String, description = "内容校验值；带 If-None-Match 再次请求，未变化时回答 304"),
            ("Last-Modified" = String, description = "名单数据最后变化的时间（含北京时间零时公示期满的变化）"),
        )),
        (status = 304, description = "未变化（If-None-Match 或 If-Modified-Since）"),
        (status = 400, description = "参数有误", body = ErrorBody),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
pub async fn list_entries(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let modified = entries_modified(&state).await?;
    let per_page = params.per_page(20)?;
    let page = params.bounded_page(per_page, "更深的分页请使用 after 参数（按编号翻页）。")?;
    let after = params.after()?;
    let filters = params.filters()?;
    let since = updated_since(&params)?;
    if since.is_some() && params.q()?.is_some() {
        return Err(Error::BadRequest("参数“updated_since”不能与查询“q”同时使用。".into()).into());
    }
    let today = state.clock.today();
    let mut next_after = None;
    let mut verdict = None;
    let mut index_behind = None;
    let mut settled = true;
    let (total, items, degraded) = match params.q()? {
        // A lookup: the same answer as the search page.
        Some(q) => {
            let query = AnalyzedQuery::new(q);
            let found = lookup::find_entries(
                &state.store,
                &state.search,
                &query,
                &filters,
                page,
                per_page,
                today,
            )
            .await?;
            verdict = Some(found.verdict.key());
            if !query.is_empty() {
                let index =
                    lookup::index_state(&state.store, &state.search, state.clock.now()).await?;
                settled = index.settled;
                index_behind = index.lag.map(IndexBehind::from);
            }
            let items = found
                .hits
                .iter()
                .map(|h| EntryItem::new(&state, &h.entry, Some(h.kind().key())))
                .collect();
            (found.total as i64, items, found.degraded)
        }
        // Keyset paging by id: as deep as the list goes, at the same cost.
        None if after.is_some() => {
            let mut filter = filters.entry_filter(None, i64::from(per_page), 0);
            filter.sort = EntrySort::Id;
            filter.after_id = after;
            filter.updated_since = since;
            let (total, entries) = state.store.public_entries(&filter, today).await?;
            if entries.len() == per_page as usize {
                next_after = entries.last().map(|e| e.id);
            }
            (total, items(&state, &entries), false)
        }
        None => {
            let (limit, offset) = limit_offset(page, per_page);
            let mut filter = filters.entry_filter(None, limit, offset);
            filter.updated_since = since;
            let (total, entries) = state.store.public_entries(&filter, today).await?;
            (total, items(&state, &entries), false)
        }
    };
    let answer = (
        modified,
        Json(EntryPage {
            verdict,
            total,
            page,
            per_page,
            items,
            notice: degraded.then_some("检索服务暂时不可用，结果来自简易查询，可能不完整"),
            index_behind,
            next_after,
        }),
    );
    Ok(kept_if(settled && !degraded, answer))
}

fn items(state: &AppState, entries: &[Public<Entry>]) -> Vec<EntryItem> {
    entries
        .iter()
        .map(|e| EntryItem::new(state, e, None))
        .collect()
}

/// Names for the lookup box while typing.
#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    items: Vec<Suggestion>,
}

#[derive(Serialize, ToSchema)]
struct Suggestion {
    name: String,
    /// 状态的中文名称：在列、已移出。
    status: &'static str,
    url: String,
}

/// Names for the lookup box while typing (progressive enhancement; the page works without).
#[utoipa::path(
    get,
    path = "/suggest",
    tag = "名单",
    summary = "输入提示：与查询匹配的前几个名称",
    params(("q" = Option<String>, Query, description = "已输入的查询内容")),
    responses(
        (status = 200, description = "至多 8 个名称", body = Suggestions),
        (status = 400, description = "参数有误", body = ErrorBody),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
pub async fn suggest(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let Some(q) = params.q()? else {
        return Ok(Json(Suggestions { items: Vec::new() }).into_response());
    };
    let today = state.clock.today();
    let index = lookup::index_state(&state.store, &state.search, state.clock.now()).await?;
    let (found, degraded) =
        lookup::suggest(&state.store, &state.search, &AnalyzedQuery::new(q), today).await?;
    let items = found
        .into_iter()
        .map(|e| Suggestion {
            status: e.data.status.label(),
            url: state.url(&format!("/entries/{}", e.id)),
            name: e.data.name.clone(),
        })
        .collect();
    Ok(kept_if(
        index.settled && !degraded,
        Json(Suggestions { items }),
    ))
}

/// One entry with every public field.
#[utoipa::path(
    get,
    path = "/entries/{id}",
    tag = "名单",
    summary = "单个条目的全部公示信息",
    params(("id" = i64, Path, description = "条目编号", example = 1)),
    responses(
        (status = 200, description = "条目", body = EntryRecord, headers(
            ("ETag" = String, description = "内容校验值"),
            ("Last-Modified" = String, description = "条目最后更新时间"),
        )),
        (status = 304, description = "未变化"),
        (status = 404, description = "没有该条目或从未公开", body = ErrorBody),
        (status = 410, description = "曾经公示、现已停止公示（撤回或公示期满），不提供任何内容", body = ErrorBody),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
pub async fn show_entry(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<(LastModified, Json<EntryRecord>), ApiError> {
    let id = parse_id(&raw)?;
    let entry = visible(state.store.public_entry(id, state.clock.today()).await?)?;
    Ok((
        LastModified(entry.updated_at),
        Json(EntryRecord::new(&entry, |p| state.url(p))),
    ))
}
