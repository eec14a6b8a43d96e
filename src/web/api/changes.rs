//! `GET /api/v1/changes?cursor=`: what changed on the list, in order, so that a consumer keeps
//! a copy in sync without downloading everything daily.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::open_data::{ChangeRecord, EntryRecord};
use crate::web::error::{Error, ErrorBody};
use crate::web::params::Params;
use crate::web::{ApiError, AppState};

/// A page of the changes feed.
#[derive(Serialize, ToSchema)]
pub struct ChangePage {
    /// 按顺序排列的事件。
    items: Vec<ChangeRecord>,
    /// 下次请求用的 cursor（本页最后一个事件的序号；没有新事件时与请求的相同）。
    next_cursor: i64,
    /// 是否还有更多事件：有则立即用 next_cursor 继续请求。
    has_more: bool,
}

/// Events after a cursor.
#[utoipa::path(
    get,
    path = "/changes",
    tag = "变更",
    summary = "变更记录：列入、更新、移出、撤回、公示期满，按发生顺序",
    description = "从 cursor 之后按顺序列出事件。首次同步可先下载 /data/entries.json（其中 changes_cursor 为文件对应的位置），之后每次以上次的 next_cursor 请求，直到 has_more 为 false。事件带有条目现在公示的内容；条目已撤回或公示期满时 entry 为 null，不提供任何内容，请在本地删除该条目。同一条目可能有多个事件，按顺序处理即可：entry 不为 null 时以其更新本地副本，为 null 时删除。",
    params(
        ("cursor" = Option<i64>, Query, description = "上次收到的 next_cursor；不填或 0 从头开始"),
        ("limit" = Option<u32>, Query, description = "每页事件数，1–1000，默认 100"),
    ),
    responses(
        (status = 200, description = "一页事件", body = ChangePage),
        (status = 400, description = "参数有误", body = ErrorBody),
        (status = 429, description = "请求过于频繁，见 Retry-After", body = ErrorBody),
    )
)]
pub async fn list_changes(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<ChangePage>, ApiError> {
    let cursor = match params.get("cursor") {
        None => 0,
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            Error::BadRequest("参数“cursor”应为非负整数（上次的 next_cursor）。".into())
        })?,
    };
    let limit = match params.get("limit") {
        None => 100,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| Error::BadRequest("参数“limit”应为 1 到 1000 之间的整数。".into()))?,
    };
    let today = state.clock.today();
    state.store.settle_feed(today).await?;
    let mut events = state.store.change_events(cursor, limit + 1).await?;
    let has_more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    let mut ids: Vec<i64> = events.iter().map(|e| e.entry_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let public = state.store.public_entries_by_ids(&ids, today).await?;
    let items: Vec<ChangeRecord> = events
        .iter()
        .map(|e| {
            let entry = public
                .iter()
                .find(|p| p.id == e.entry_id)
                .map(|p| EntryRecord::new(p, |path| state.url(path)));
            ChangeRecord::new(e, entry)
        })
        .collect();
    Ok(Json(ChangePage {
        next_cursor: items.last().map_or(cursor, |i| i.cursor),
        has_more,
        items,
    }))
}
