//! One proposed change and its review steps.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::{OffsetDateTime, PrimitiveDateTime};

use super::entries::refusal;
use super::{Staff, done};
use crate::domain::Role;
use crate::domain::article::ArticleData;
use crate::domain::dates::from_china;
use crate::domain::entry::EntryData;
use crate::staff::settings;
use crate::store::{Change, Entity};
use crate::views::admin::FieldErrors;
use crate::views::admin::changes::{ChangePage, discard_confirm, page};
use crate::web::client::ClientAddr;
use crate::web::{AppState, Error};
use crate::workflow::{self, By, diff};

async fn load(state: &AppState, raw: &str) -> Result<Change, Error> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    state.store.change(id).await?.ok_or(Error::NotFound)
}

fn item_path(c: &Change) -> String {
    match c.entity.as_str() {
        "article" => format!("/admin/articles/{}", c.entity_id),
        _ => format!("/admin/entries/{}", c.entity_id),
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    c: &Change,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let (live, fields, body) = match Entity::from_key(&c.entity) {
        Some(Entity::Entry) => {
            let live = state
                .store
                .entry(c.entity_id)
                .await?
                .ok_or(Error::NotFound)?;
            let new: EntryData =
                serde_json::from_str(&c.data).map_err(|e| Error::Internal(e.into()))?;
            let old = live.published_at.is_some().then_some(&live.data);
            (live.publication, diff::entry_fields(old, &new), Vec::new())
        }
        Some(Entity::Article) => {
            let live = state
                .store
                .article_by_id(c.entity_id)
                .await?
                .ok_or(Error::NotFound)?;
            let new: ArticleData =
                serde_json::from_str(&c.data).map_err(|e| Error::Internal(e.into()))?;
            let old = live.first_published_at.is_some().then_some(&live.data);
            let body = diff::lines(old.map_or("", |o| o.body_md.as_str()), &new.body_md);
            (live.publication, diff::article_fields(old, &new), body)
        }
        None => return Err(Error::NotFound),
    };
    let may_review = staff.user.role.allows(Role::Reviewer);
    let own = c.author_id == Some(staff.user.id);
    let review_blocked =
        (may_review && own && !settings::load(&state.store).await?.allow_self_approval)
            .then_some("这是您本人提交的修改，须由另一位审核员审核。");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let model = ChangePage {
        change: c,
        item: item_path(c),
        live,
        fields,
        body,
        may_edit: true,
        may_review,
        review_blocked,
        errors,
    };
    Ok((status, page(&staff.ctx(state, "/admin"), &model)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let c = load(&state, &raw).await?;
    render(&state, &staff, &c, FieldErrors::default()).await
}

type FormData = HashMap<String, String>;

fn version_of(form: &FormData) -> i64 {
    form.get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

/// Runs a review step; a refusal with a field message shows the change again with it.
async fn step(
    state: &AppState,
    staff: &Staff,
    c: &Change,
    result: workflow::Result<()>,
    message: &str,
) -> Result<Response, Error> {
    let here = format!("/admin/changes/{}", c.id);
    match result {
        Ok(()) => Ok(done(state, staff, message, &here).await),
        Err(e) => {
            let errors = refusal(e, &here)?;
            let fresh = state.store.change(c.id).await?.ok_or(Error::NotFound)?;
            render(state, staff, &fresh, errors).await
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let c = load(&state, &raw).await?;
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let r = workflow::submit(&state.store, &state.clock, by, c.id, version_of(&form)).await;
    step(&state, &staff, &c, r, "已提交审核。").await
}

/// Asks before a draft is thrown away; a change past that point has nothing to discard.
pub async fn discard_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let c = load(&state, &raw).await?;
    if !matches!(c.state.as_str(), "draft" | "rejected") {
        return Err(Error::Conflict("这项修改已提交或已处理，不能放弃。".into()));
    }
    let ctx = staff.ctx(&state, "/admin");
    Ok(discard_confirm(&ctx, &c).into_response())
}

pub async fn discard(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let c = load(&state, &raw).await?;
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let r = workflow::discard(&state.store, &state.clock, by, c.id, version_of(&form)).await;
    step(&state, &staff, &c, r, "已放弃这项修改。").await
}

/// `2026-11-29T14:30` as typed in a China-time field.
fn china_time(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(from_china)
}

pub async fn approve(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let c = load(&state, &raw).await?;
    let publish_at = match form
        .get("publish_at")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(text) => match china_time(text) {
            Some(at) if at > state.clock.now() => Some(at),
            Some(_) => {
                let errors = FieldErrors::one(
                    "publish_at",
                    "定时发布的时间已经过去，请填写将来的时间，或留空立即发布。",
                );
                return render(&state, &staff, &c, errors).await;
            }
            None => {
                let errors = FieldErrors::one("publish_at", "时间格式有误。");
                return render(&state, &staff, &c, errors).await;
            }
        },
    };
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let r = workflow::approve(
        &state.store,
        &state.clock,
        by,
        c.id,
        version_of(&form),
        publish_at,
    )
    .await;
    let message = if publish_at.is_some() {
        "已批准，将按时自动发布。"
    } else {
        "已批准并发布。"
    };
    step(&state, &staff, &c, r, message).await
}

pub async fn reject(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(form): Form<FormData>,
) -> Result<Response, Error> {
    let c = load(&state, &raw).await?;
    let by = By {
        user: &staff.user,
        address: &address,
    };
    let comment = form.get("comment").cloned().unwrap_or_default();
    let r = workflow::reject(
        &state.store,
        &state.clock,
        by,
        c.id,
        version_of(&form),
        &comment,
    )
    .await;
    step(&state, &staff, &c, r, "已退回给提交人。").await
}
