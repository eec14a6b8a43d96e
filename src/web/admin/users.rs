//! User management for admins.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Staff, done};
use crate::domain::Role;
use crate::staff::accounts::{self, AccountError};
use crate::staff::{Who, password};
use crate::store::User;
use crate::views::admin::FieldErrors;
use crate::views::admin::users::{self as views, NewUserForm};
use crate::web::client::ClientAddr;
use crate::web::{AppState, Error};

fn field_errors(e: AccountError) -> Result<FieldErrors, Error> {
    match e {
        AccountError::Invalid { field, message } => Ok(FieldErrors::one(field, message)),
        AccountError::NotFound => Err(Error::NotFound),
        AccountError::Store(e) => Err(e.into()),
        AccountError::Other(e) => Err(Error::Internal(e)),
    }
}

fn unprocessable(page: maud::Markup) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

async fn target(state: &AppState, raw: &str) -> Result<User, Error> {
    let id = raw.parse::<i64>().map_err(|_| Error::NotFound)?;
    state.store.user(id).await?.ok_or(Error::NotFound)
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response, Error> {
    let users = state.store.users().await?;
    let form = NewUserForm {
        generate: true,
        ..NewUserForm::default()
    };
    Ok(views::list(
        &staff.ctx(&state, "/admin/users"),
        &users,
        &form,
        &FieldErrors::default(),
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    generate: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Form(f): Form<CreateForm>,
) -> Result<Response, Error> {
    let form = NewUserForm {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: Role::from_key(&f.role),
        generate: f.generate.is_some(),
    };
    let Some(role) = Role::from_key(&f.role) else {
        let errors = FieldErrors::one("role", "请选择角色。");
        return list_again(&state, &staff, &form, &errors).await;
    };
    let generated = f.generate.is_some().then(password::generate);
    let chosen = generated.clone().unwrap_or(f.password.clone());
    let who = Who::user(&staff.user, &address);
    match accounts::create(
        &state.store,
        &state.clock,
        &who,
        &f.username,
        &f.display_name,
        role,
        &chosen,
    )
    .await
    {
        Ok(user) => match generated {
            Some(p) => {
                Ok(
                    views::password_shown(&staff.ctx(&state, "/admin/users"), &user, &p, true)
                        .into_response(),
                )
            }
            None => {
                let msg = format!("已创建用户“{}”。", user.username);
                Ok(done(&state, &staff, &msg, &format!("/admin/users/{}", user.id)).await)
            }
        },
        Err(e) => list_again(&state, &staff, &form, &field_errors(e)?).await,
    }
}

/// The list with the add form shown again, with its messages.
async fn list_again(
    state: &AppState,
    staff: &Staff,
    form: &NewUserForm,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let users = state.store.users().await?;
    Ok(unprocessable(views::list(
        &staff.ctx(state, "/admin/users"),
        &users,
        form,
        errors,
    )))
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let user = target(&state, &raw).await?;
    Ok(views::show(
        &staff.ctx(&state, "/admin/users"),
        &user,
        &FieldErrors::default(),
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(f): Form<RoleForm>,
) -> Result<Response, Error> {
    let user = target(&state, &raw).await?;
    let Some(role) = Role::from_key(&f.role) else {
        let errors = FieldErrors::one("role", "请选择角色。");
        return Ok(unprocessable(views::show(
            &staff.ctx(&state, "/admin/users"),
            &user,
            &errors,
        )));
    };
    let who = Who::user(&staff.user, &address);
    match accounts::set_role(&state.store, &state.clock, &who, user.id, role).await {
        Ok(u) => {
            let msg = format!("已将“{}”的角色设为{}。", u.username, u.role.label());
            Ok(done(&state, &staff, &msg, &format!("/admin/users/{}", u.id)).await)
        }
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(unprocessable(views::show(
                &staff.ctx(&state, "/admin/users"),
                &user,
                &errors,
            )))
        }
    }
}

pub async fn confirm_disable(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let user = target(&state, &raw).await?;
    Ok(views::confirm_disable(&staff.ctx(&state, "/admin/users"), &user, None).into_response())
}

pub async fn disable(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let user = target(&state, &raw).await?;
    let who = Who::user(&staff.user, &address);
    match accounts::set_disabled(&state.store, &state.clock, &who, user.id, true).await {
        Ok(u) => {
            let msg = format!("已停用“{}”，其所有登录已退出。", u.username);
            Ok(done(&state, &staff, &msg, &format!("/admin/users/{}", u.id)).await)
        }
        Err(e) => {
            let errors = field_errors(e)?;
            let message = errors.0.values().next().cloned();
            Ok(unprocessable(views::confirm_disable(
                &staff.ctx(&state, "/admin/users"),
                &user,
                message.as_deref(),
            )))
        }
    }
}

pub async fn enable(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let user = target(&state, &raw).await?;
    let who = Who::user(&staff.user, &address);
    let u = accounts::set_disabled(&state.store, &state.clock, &who, user.id, false)
        .await
        .map_err(|e| field_errors(e).err().unwrap_or(Error::NotFound))?;
    let msg = format!("已重新启用“{}”。", u.username);
    Ok(done(&state, &staff, &msg, &format!("/admin/users/{}", u.id)).await)
}

pub async fn confirm_reset(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let user = target(&state, &raw).await?;
    Ok(views::confirm_reset(
        &staff.ctx(&state, "/admin/users"),
        &user,
        &FieldErrors::default(),
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    generate: Option<String>,
}

pub async fn reset_password(
    State(state): State<AppState>,
    staff: Staff,
    ClientAddr(address): ClientAddr,
    Path(raw): Path<String>,
    Form(f): Form<ResetForm>,
) -> Result<Response, Error> {
    let user = target(&state, &raw).await?;
    let generated = f.generate.is_some().then(password::generate);
    let chosen = generated.clone().unwrap_or(f.password);
    let who = Who::user(&staff.user, &address);
    match accounts::reset_password(&state.store, &state.clock, &who, user.id, &chosen).await {
        Ok(()) => match generated {
            Some(p) => {
                Ok(
                    views::password_shown(&staff.ctx(&state, "/admin/users"), &user, &p, false)
                        .into_response(),
                )
            }
            None => {
                let msg = format!("已重置“{}”的密码，其所有登录已退出。", user.username);
                Ok(done(&state, &staff, &msg, &format!("/admin/users/{}", user.id)).await)
            }
        },
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(unprocessable(views::confirm_reset(
                &staff.ctx(&state, "/admin/users"),
                &user,
                &errors,
            )))
        }
    }
}
