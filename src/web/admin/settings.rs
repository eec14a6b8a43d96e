use axum::Form;
use axum::extract::State;
use axum::response::Response;
use maud::Markup;
use serde::Deserialize;

use super::{Staff, done};
use crate::staff::Who;
use crate::staff::settings::{self, Settings};
use crate::views::admin::settings as views;
use crate::web::client::ClientAddr;
use crate::web::{AppState, Error};

pub async fn show(State(state): State<AppState>, staff: Staff) -> Result<Markup, Error> {
    let s = settings::load(&state.store).await?;
    Ok(views::page(&staff.ctx(&state, "/admin/settings"), &s))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    require_totp_for_admins: Option<String>,
    allow_self_approval: Option<String>,
}

pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(f): Form<SettingsForm>,
) -> Result<Response, Error> {
    let old = settings::load(&state.store).await?;
    let new = Settings {
        require_totp_for_admins: f.require_totp_for_admins.is_some(),
        allow_self_approval: f.allow_self_approval.is_some(),
    };
    let mut tx = state.store.begin().await?;
    settings::save(
        &mut tx,
        &old,
        &new,
        &Who::user(&staff.user, &address),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(done(&state, &staff, "设置已保存。", "/admin/settings").await)
}
