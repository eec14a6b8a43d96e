//! Spreadsheet uploads in the browser: every row and every problem previewed (the CLI's
//! messages, row and column) before anything is written; confirming writes one change set,
//! in one transaction, that goes through review like any edit.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::entries::refusal;
use super::{Staff, done};
use crate::domain::Role;
use crate::import::{self, read_file, validate};
use crate::staff::audit::{self, Action, Who};
use crate::staff::session::random_token;
use crate::staff::settings;
use crate::store::{ChangeFilter, ChangeState};
use crate::views::admin::uploads::{self as views, PreviewPage, PreviewRow};
use crate::web::client::ClientAddr;
use crate::web::{AppState, Error};
use crate::workflow::{self, By};

/// Largest spreadsheet accepted.
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

fn folder(state: &AppState) -> std::path::PathBuf {
    state.data_dir.join("uploads")
}

/// Tokens are ours (random, URL-safe); anything else names no upload.
fn upload_path(state: &AppState, token: &str) -> Option<(std::path::PathBuf, String)> {
    if token.len() < 20
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let dir = folder(state);
    for ext in ["csv", "xlsx"] {
        let p = dir.join(format!("{token}.{ext}"));
        if p.exists() {
            let name = std::fs::read_to_string(dir.join(format!("{token}.name")))
                .unwrap_or_else(|_| format!("upload.{ext}"));
            return Some((p, name));
        }
    }
    None
}

pub async fn form(State(state): State<AppState>, staff: Staff) -> Response {
    views::form(&staff.ctx(&state, "/admin/entries"), None).into_response()
}

pub async fn receive(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    mut multipart: Multipart,
) -> Result<Response, Error> {
    let refuse = |state: &AppState, staff: &Staff, m: &str| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            views::form(&staff.ctx(state, "/admin/entries"), Some(m)),
        )
            .into_response()
    };
    let mut upload: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_UPLOAD => {
                    return Ok(refuse(&state, &staff, "文件超过 20 MB，请拆分后上传。"));
                }
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(_) => return Ok(refuse(&state, &staff, "上传中断，请重试。")),
            }
        }
        upload = Some((name, bytes));
    }
    let Some((name, bytes)) = upload.filter(|(_, b)| !b.is_empty()) else {
        return Ok(refuse(&state, &staff, "请选择要上传的表格文件。"));
    };
    let ext = match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
        Some(e) if e == "csv" || e == "txt" => "csv",
        Some(e) if e == "xlsx" => "xlsx",
        _ => return Ok(refuse(&state, &staff, "只支持 .csv 和 .xlsx 文件。")),
    };
    let token = random_token();
    let dir = folder(&state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let path = dir.join(format!("{token}.{ext}"));
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let display: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    tokio::fs::write(dir.join(format!("{token}.name")), &display)
        .await
        .map_err(|e| Error::Internal(e.into()))?;

    let today = state.clock.today();
    let defaults = state.site.publicity_months;
    let reading = path.clone();
    let checked = tokio::task::spawn_blocking(move || {
        read_file(&reading).map(|sheet| validate(&sheet, &defaults, today))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    let checked = match checked {
        Ok(c) => c,
        Err(e) => return Ok(refuse(&state, &staff, &e.to_string())),
    };
    let mut errors = checked.errors;
    let mut decisions = vec![None; checked.entries.len()];
    if errors.is_empty() {
        let mut tx = state.store.begin().await?;
        let plan = import::plan(&mut tx, &checked.entries, None).await?;
        tx.rollback().await?;
        errors.extend(plan.errors);
        decisions = plan.decisions;
    }
    let rows: Vec<PreviewRow> = checked
        .entries
        .iter()
        .zip(decisions)
        .map(|(r, d)| PreviewRow {
            row: r.row,
            name: r.data.name.clone(),
            decision: d,
        })
        .collect();
    let mut tx = state.store.begin().await?;
    audit::record(
        &mut tx,
        &Who::user(&staff.user, &address),
        Action::UploadPreview,
        &display,
        &format!("{} 行，{} 处错误", rows.len(), errors.total()),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let page = PreviewPage {
        file_name: &display,
        token: &token,
        rows,
        errors: &errors,
        warnings: &checked.warnings,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        views::preview(&staff.ctx(&state, "/admin/entries"), &page),
    )
        .into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    let (path, name) = upload_path(&state, &token).ok_or(Error::NotFound)?;
    let today = state.clock.today();
    let defaults = state.site.publicity_months;
    let reading = path.clone();
    let checked = tokio::task::spawn_blocking(move || {
        read_file(&reading).map(|sheet| validate(&sheet, &defaults, today))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(|e| Error::Conflict(e.to_string()))?;
    if !checked.errors.is_empty() {
        return Err(Error::Conflict(
            "文件有错误，不能导入。请重新上传预览。".into(),
        ));
    }
    let by = By {
        user: &staff.user,
        address: &address,
    };
    match workflow::create_change_set(&state.store, &state.clock, by, &name, &checked.entries).await
    {
        Ok(set) => {
            for ext in ["csv", "xlsx", "name"] {
                let _ = tokio::fs::remove_file(folder(&state).join(format!("{token}.{ext}"))).await;
            }
            Ok(done(
                &state,
                &staff,
                "已导入为变更集并提交审核。",
                &format!("/admin/change-sets/{set}"),
            )
            .await)
        }
        Err(e) => {
            let errors = refusal(e, "/admin/uploads")?;
            let message = errors.0.values().next().cloned().unwrap_or_default();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                views::form(&staff.ctx(&state, "/admin/entries"), Some(&message)),
            )
                .into_response())
        }
    }
}

async fn render_set(
    state: &AppState,
    staff: &Staff,
    raw: &str,
    error: Option<&str>,
) -> Result<Response, Error> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    let set = state.store.change_set(id).await?.ok_or(Error::NotFound)?;
    let changes = state
        .store
        .changes(&ChangeFilter {
            change_set_id: Some(id),
            limit: 100_000,
            ..ChangeFilter::default()
        })
        .await?;
    let reviewable = staff.user.role.allows(Role::Reviewer)
        && changes
            .iter()
            .any(|c| c.state == ChangeState::InReview.key());
    let own = set.author_id == Some(staff.user.id);
    let blocked = (own && !settings::load(&state.store).await?.allow_self_approval)
        .then_some("这是您本人上传的变更集，须由另一位审核员审核。");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        views::change_set(
            &staff.ctx(state, "/admin"),
            &set,
            &changes,
            reviewable,
            blocked,
            error,
        ),
    )
        .into_response())
}

pub async fn show_set(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    render_set(&state, &staff, &raw, None).await
}

async fn review_set(
    state: AppState,
    staff: Staff,
    address: String,
    raw: String,
    approve: bool,
    comment: &str,
) -> Result<Response, Error> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let here = format!("/admin/change-sets/{id}");
    match workflow::review_change_set(&state.store, &state.clock, by, id, approve, comment).await {
        Ok(n) => {
            let message = if approve {
                format!("已批准并发布 {n} 项修改。")
            } else {
                format!("已退回 {n} 项修改。")
            };
            Ok(done(&state, &staff, &message, &here).await)
        }
        Err(e) => {
            let errors = refusal(e, &here)?;
            let message = errors.0.values().next().cloned();
            render_set(&state, &staff, &raw, message.as_deref()).await
        }
    }
}

pub async fn approve_set(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    review_set(state, staff, address, raw, true, "").await
}

pub async fn reject_set(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, Error> {
    let comment = form.get("comment").cloned().unwrap_or_default();
    review_set(state, staff, address, raw, false, &comment).await
}
