//! Signing in and out. Every step that changes who the session belongs to starts a new
//! session (a new id), so a session id seen before sign-in is worthless after it.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AdminSession, Staff, session_cookie};
use crate::domain::Role;
use crate::staff::audit::{self, Action, Who};
use crate::staff::login::{self, PasswordOutcome};
use crate::staff::session::{self};
use crate::staff::{SessionStage, settings};
use crate::store::User;
use crate::views::admin::{AdminCtx, login as views};
use crate::web::client::ClientAddr;
use crate::web::{AppState, Error};

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    bye: Option<String>,
}

/// Only paths of the admin side are followed after signing in.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/admin") && !n.starts_with("//") && !n.contains("://") => n,
        _ => "/admin",
    }
}

fn with_cookie(mut res: Response, value: HeaderValue) -> Response {
    res.headers_mut().insert(header::SET_COOKIE, value);
    res
}

fn ctx<'a>(state: &'a AppState, csrf: &'a str) -> AdminCtx<'a> {
    AdminCtx {
        site: &state.site,
        user: None,
        csrf,
        flash: None,
        path: "/admin/login",
        demo: state.demo,
    }
}

/// The sign-in form; an anonymous session holds its CSRF token.
pub async fn form(
    State(state): State<AppState>,
    found: AdminSession,
    ClientAddr(address): ClientAddr,
    Query(q): Query<NextQuery>,
) -> Result<Response, Error> {
    let next = safe_next(q.next.as_deref()).to_string();
    let notice = q.bye.map(|_| "您已安全退出。");
    if let Some(s) = &found.session {
        match s.stage {
            SessionStage::Full => return Ok(Redirect::to(&next).into_response()),
            SessionStage::Anonymous => {
                let page = views::form(&ctx(&state, &s.csrf_token), "", None, &next, notice);
                return Ok(page.into_response());
            }
            _ => {}
        }
    }
    let (token, s) = session::start(
        &state.store,
        &state.clock,
        &state.admin.sessions,
        None,
        SessionStage::Anonymous,
        &address,
    )
    .await?;
    let page = views::form(&ctx(&state, &s.csrf_token), "", None, &next, notice);
    Ok(with_cookie(
        page.into_response(),
        session_cookie(&state.admin, Some(&token)),
    ))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Replaces the request's session with a new one for `user` at `stage`.
async fn rotate(
    state: &AppState,
    found: &AdminSession,
    user: &User,
    stage: SessionStage,
    address: &str,
) -> Result<String, Error> {
    if let Some(old) = &found.session {
        let mut tx = state.store.begin().await?;
        tx.delete_session(&old.id).await?;
        tx.commit().await?;
    }
    let (token, _) = session::start(
        &state.store,
        &state.clock,
        &state.admin.sessions,
        Some(user),
        stage,
        address,
    )
    .await?;
    Ok(token)
}

/// Where a user whose password step passed goes next, and the session stage for it.
async fn after_password(
    state: &AppState,
    user: &User,
) -> Result<(SessionStage, &'static str), Error> {
    if user.totp_secret.is_some() {
        return Ok((SessionStage::Totp, "/admin/login/totp"));
    }
    let required = settings::load(&state.store).await?.require_totp_for_admins;
    if required && user.role == Role::Admin {
        return Ok((SessionStage::Enrol, "/admin/account/totp"));
    }
    Ok((SessionStage::Full, ""))
}

async fn record(state: &AppState, who: &Who, action: Action, summary: &str) -> Result<(), Error> {
    let mut tx = state.store.begin().await?;
    audit::record(&mut tx, who, action, "", summary, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn submit(
    State(state): State<AppState>,
    found: AdminSession,
    ClientAddr(address): ClientAddr,
    Form(f): Form<LoginForm>,
) -> Result<Response, Error> {
    let next = safe_next(f.next.as_deref()).to_string();
    let outcome = login::check_password(
        &state.store,
        &state.clock,
        &f.username,
        &f.password,
        &address,
    )
    .await?;
    let user = match outcome {
        PasswordOutcome::Accepted(user) => user,
        PasswordOutcome::Refused(message) => {
            let csrf = found
                .session
                .as_ref()
                .map(|s| s.csrf_token.clone())
                .unwrap_or_default();
            let page = views::form(
                &ctx(&state, &csrf),
                &f.username,
                Some(&message),
                &next,
                None,
            );
            return Ok((axum::http::StatusCode::UNAUTHORIZED, page).into_response());
        }
    };
    let who = Who::user(&user, &address);
    let (stage, to) = after_password(&state, &user).await?;
    let token = rotate(&state, &found, &user, stage, &address).await?;
    match stage {
        SessionStage::Totp => record(&state, &who, Action::LoginPassword, "").await?,
        SessionStage::Enrol => {
            record(&state, &who, Action::LoginSuccess, "须先启用两步验证").await?
        }
        _ => record(&state, &who, Action::LoginSuccess, "").await?,
    }
    let to = if to.is_empty() { next.as_str() } else { to };
    Ok(with_cookie(
        Redirect::to(to).into_response(),
        session_cookie(&state.admin, Some(&token)),
    ))
}

pub async fn totp_form(State(state): State<AppState>, staff: Staff) -> Response {
    views::totp_form(&ctx(&state, &staff.session.csrf_token), None).into_response()
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_submit(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(f): Form<CodeForm>,
) -> Result<Response, Error> {
    let ok = login::check_second_factor(&state.store, &state.clock, &staff.user, &f.code, &address)
        .await?;
    if !ok {
        let page = views::totp_form(
            &ctx(&state, &staff.session.csrf_token),
            Some("验证码不正确或已过期，请重新输入。"),
        );
        return Ok((axum::http::StatusCode::UNAUTHORIZED, page).into_response());
    }
    let found = AdminSession {
        session: Some(staff.session.clone()),
        ..AdminSession::default()
    };
    let token = rotate(&state, &found, &staff.user, SessionStage::Full, &address).await?;
    record(
        &state,
        &Who::user(&staff.user, &address),
        Action::LoginSuccess,
        "两步验证通过",
    )
    .await?;
    Ok(with_cookie(
        Redirect::to("/admin").into_response(),
        session_cookie(&state.admin, Some(&token)),
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
) -> Result<Response, Error> {
    let mut tx = state.store.begin().await?;
    tx.delete_session(&staff.session.id).await?;
    audit::record(
        &mut tx,
        &Who::user(&staff.user, &address),
        Action::Logout,
        "",
        "",
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(with_cookie(
        Redirect::to("/admin/login?bye=1").into_response(),
        session_cookie(&state.admin, None),
    ))
}
