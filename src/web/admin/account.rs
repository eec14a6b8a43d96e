//! The own-account page: password change and two-factor sign-in.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Staff, done, session_cookie};
use crate::domain::Role;
use crate::staff::accounts::{self, AccountError};
use crate::staff::{SessionStage, settings, totp};
use crate::views::admin::FieldErrors;
use crate::views::admin::account::{self as views, AccountPage, TotpEnrolPage};
use crate::web::client::ClientAddr;
use crate::web::{AppState, Error};

/// A field message from an account error; other errors go up.
fn field_errors(e: AccountError) -> Result<FieldErrors, Error> {
    match e {
        AccountError::Invalid { field, message } => Ok(FieldErrors::one(field, message)),
        AccountError::NotFound => Err(Error::NotFound),
        AccountError::Store(e) => Err(e.into()),
        AccountError::Other(e) => Err(Error::Internal(e)),
    }
}

async fn totp_required(state: &AppState, staff: &Staff) -> Result<bool, Error> {
    Ok(staff.user.role == Role::Admin
        && settings::load(&state.store).await?.require_totp_for_admins)
}

async fn page(state: &AppState, staff: &Staff, errors: FieldErrors) -> Result<Response, Error> {
    let model = AccountPage {
        user: &staff.user,
        recovery_left: state.store.unused_recovery_codes(staff.user.id).await?,
        totp_required: totp_required(state, staff).await?,
        errors,
    };
    let status = if model.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        views::page(&staff.ctx(state, "/admin/account"), &model),
    )
        .into_response())
}

pub async fn show(State(state): State<AppState>, staff: Staff) -> Result<Response, Error> {
    page(&state, &staff, FieldErrors::default()).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(f): Form<PasswordForm>,
) -> Result<Response, Error> {
    if f.password != f.password_again {
        let errors = FieldErrors::one("password_again", "两次输入的新密码不一致。");
        return page(&state, &staff, errors).await;
    }
    match accounts::change_own_password(
        &state.store,
        &state.clock,
        &staff.user,
        &address,
        &f.old_password,
        &f.password,
    )
    .await
    {
        Ok(()) => {
            let mut res = Redirect::to("/admin/login?bye=1").into_response();
            res.headers_mut().insert(
                axum::http::header::SET_COOKIE,
                session_cookie(&state.admin, None),
            );
            Ok(res)
        }
        Err(e) => page(&state, &staff, field_errors(e)?).await,
    }
}

async fn enrol_page(
    state: &AppState,
    staff: &Staff,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let secret = accounts::begin_totp(&state.store, &state.clock, &staff.user)
        .await
        .map_err(|e| match e {
            AccountError::Store(e) => e.into(),
            other => Error::Internal(other.into()),
        })?;
    let url = totp::url(&secret, &staff.user.username, &state.site.site_name);
    let model = TotpEnrolPage {
        secret: &secret,
        qr_svg: &totp::qr_svg(&url),
        errors,
        required: staff.session.stage == SessionStage::Enrol,
    };
    let status = if model.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        views::totp_enrol(&staff.ctx(state, "/admin/account"), &model),
    )
        .into_response())
}

pub async fn totp_form(State(state): State<AppState>, staff: Staff) -> Result<Response, Error> {
    if staff.user.totp_secret.is_some() {
        return Ok(Redirect::to("/admin/account").into_response());
    }
    enrol_page(&state, &staff, FieldErrors::default()).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(f): Form<CodeForm>,
) -> Result<Response, Error> {
    match accounts::confirm_totp(&state.store, &state.clock, &staff.user, &address, &f.code).await {
        Ok(codes) => {
            if staff.session.stage == SessionStage::Enrol {
                // Enrolled: the session becomes a full one, under a new id.
                let mut tx = state.store.begin().await?;
                tx.delete_session(&staff.session.id).await?;
                tx.commit().await?;
                let (token, session) = crate::staff::session::start(
                    &state.store,
                    &state.clock,
                    &state.admin.sessions,
                    Some(&staff.user),
                    SessionStage::Full,
                    &address,
                )
                .await?;
                let fresh = Staff {
                    session,
                    ..staff.clone()
                };
                let mut res = views::recovery_codes(&fresh.ctx(&state, "/admin/account"), &codes)
                    .into_response();
                res.headers_mut().insert(
                    axum::http::header::SET_COOKIE,
                    session_cookie(&state.admin, Some(&token)),
                );
                return Ok(res);
            }
            Ok(views::recovery_codes(&staff.ctx(&state, "/admin/account"), &codes).into_response())
        }
        Err(e) => enrol_page(&state, &staff, field_errors(e)?).await,
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    password_current: String,
}

pub async fn totp_disable(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(f): Form<DisableForm>,
) -> Result<Response, Error> {
    let required = totp_required(&state, &staff).await?;
    match accounts::disable_totp(
        &state.store,
        &state.clock,
        &staff.user,
        &address,
        &f.password_current,
        required,
    )
    .await
    {
        Ok(()) => Ok(done(&state, &staff, "两步验证已关闭。", "/admin/account").await),
        Err(e) => page(&state, &staff, field_errors(e)?).await,
    }
}
