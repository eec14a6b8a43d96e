//! Account management, shared by the command line and the admin side: each change checks its
//! input (with Chinese messages naming the field), writes in one transaction with its audit
//! row, and ends the user's sessions when it should (password changed or reset, account
//! disabled).

use super::audit::{self, Action, Who};
use super::{password, totp};
use crate::clock::Clock;
use crate::domain::Role;
use crate::store::{Store, StoreError, User, UserChange};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Input that cannot be accepted; `field` names the form field it belongs to.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("用户不存在。")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn invalid(field: &'static str, message: impl Into<String>) -> AccountError {
    AccountError::Invalid {
        field,
        message: message.into(),
    }
}

/// User names: 3 to 32 lower-case letters, digits, `.`, `_` or `-`, starting with a letter.
pub fn check_username(name: &str) -> Result<String, AccountError> {
    let name = name.trim().to_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(invalid(
            "username",
            "用户名应为 3 到 32 个字符，以字母开头，只能包含小写字母、数字和 . _ -。",
        ))
    }
}

fn check_password(username: &str, password_text: &str) -> Result<(), AccountError> {
    password::check(username, password_text).map_err(|e| invalid("password", e.to_string()))
}

async fn load(store: &Store, user_id: i64) -> Result<User, AccountError> {
    store.user(user_id).await?.ok_or(AccountError::NotFound)
}

/// Refuses a change that would leave no active admin.
async fn keep_an_admin(store: &Store, target: &User) -> Result<(), AccountError> {
    let others = store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.id != target.id && u.role == Role::Admin && u.is_active())
        .count();
    if target.role == Role::Admin && others == 0 {
        return Err(invalid("role", "至少需要保留一名可用的管理员账户。"));
    }
    Ok(())
}

pub async fn create(
    store: &Store,
    clock: &Clock,
    who: &Who,
    username: &str,
    display_name: &str,
    role: Role,
    password_text: &str,
) -> Result<User, AccountError> {
    let username = check_username(username)?;
    let display_name: String = display_name.trim().chars().take(64).collect();
    check_password(&username, password_text)?;
    if store.user_by_name(&username).await?.is_some() {
        return Err(invalid("username", format!("用户名“{username}”已存在。")));
    }
    let hash = password::hash(password_text).await?;
    let now = clock.now();
    let mut tx = store.begin().await?;
    let id = match tx
        .insert_user(&username, &display_name, role, &hash, now)
        .await
    {
        Err(StoreError::Conflict { .. }) => {
            return Err(invalid("username", format!("用户名“{username}”已存在。")));
        }
        other => other?,
    };
    audit::record(
        &mut tx,
        who,
        Action::UserCreate,
        &format!("用户 {username}"),
        &format!("角色：{}", role.label()),
        now,
    )
    .await?;
    tx.commit().await?;
    load(store, id).await
}

/// Disables (ending every session at once) or enables an account.
pub async fn set_disabled(
    store: &Store,
    clock: &Clock,
    who: &Who,
    user_id: i64,
    disabled: bool,
) -> Result<User, AccountError> {
    let user = load(store, user_id).await?;
    if disabled {
        keep_an_admin(store, &user).await?;
    }
    let now = clock.now();
    let mut tx = store.begin().await?;
    tx.update_user(
        user.id,
        &UserChange {
            disabled: Some(disabled),
            ..UserChange::default()
        },
        now,
    )
    .await?;
    let ended = if disabled {
        tx.delete_user_sessions(user.id).await?
    } else {
        0
    };
    let (action, summary) = if disabled {
        (Action::UserDisable, format!("结束会话 {ended} 个"))
    } else {
        (Action::UserEnable, String::new())
    };
    audit::record(
        &mut tx,
        who,
        action,
        &format!("用户 {}", user.username),
        &summary,
        now,
    )
    .await?;
    tx.commit().await?;
    load(store, user_id).await
}

pub async fn set_role(
    store: &Store,
    clock: &Clock,
    who: &Who,
    user_id: i64,
    role: Role,
) -> Result<User, AccountError> {
    let user = load(store, user_id).await?;
    if user.role == role {
        return Ok(user);
    }
    if role != Role::Admin {
        keep_an_admin(store, &user).await?;
    }
    let now = clock.now();
    let mut tx = store.begin().await?;
    tx.update_user(
        user.id,
        &UserChange {
            role: Some(role),
            ..UserChange::default()
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        who,
        Action::UserRole,
        &format!("用户 {}", user.username),
        &format!("{} → {}", user.role.label(), role.label()),
        now,
    )
    .await?;
    tx.commit().await?;
    load(store, user_id).await
}

/// Sets a new password chosen by an admin (or the command line) and ends the user's sessions.
pub async fn reset_password(
    store: &Store,
    clock: &Clock,
    who: &Who,
    user_id: i64,
    new_password: &str,
) -> Result<(), AccountError> {
    let user = load(store, user_id).await?;
    check_password(&user.username, new_password)?;
    let hash = password::hash(new_password).await?;
    let now = clock.now();
    let mut tx = store.begin().await?;
    tx.update_user(
        user.id,
        &UserChange {
            password_hash: Some(hash),
            ..UserChange::default()
        },
        now,
    )
    .await?;
    let ended = tx.delete_user_sessions(user.id).await?;
    audit::record(
        &mut tx,
        who,
        Action::UserPasswordReset,
        &format!("用户 {}", user.username),
        &format!("结束会话 {ended} 个"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A user changes their own password, giving the old one; every session ends, this one too.
pub async fn change_own_password(
    store: &Store,
    clock: &Clock,
    user: &User,
    address: &str,
    old: &str,
    new: &str,
) -> Result<(), AccountError> {
    if !password::verify(&user.password_hash, old).await {
        return Err(invalid("old_password", "原密码不正确。"));
    }
    if old == new {
        return Err(invalid("password", "新密码不能与原密码相同。"));
    }
    check_password(&user.username, new)?;
    let hash = password::hash(new).await?;
    let now = clock.now();
    let mut tx = store.begin().await?;
    tx.update_user(
        user.id,
        &UserChange {
            password_hash: Some(hash),
            ..UserChange::default()
        },
        now,
    )
    .await?;
    tx.delete_user_sessions(user.id).await?;
    audit::record(
        &mut tx,
        &Who::user(user, address),
        Action::PasswordChange,
        &format!("用户 {}", user.username),
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts enrolling a second factor: a new pending secret, shown as a QR code.
pub async fn begin_totp(store: &Store, clock: &Clock, user: &User) -> Result<String, AccountError> {
    if let Some(pending) = &user.totp_pending {
        return Ok(pending.clone());
    }
    let secret = totp::new_secret();
    let mut tx = store.begin().await?;
    tx.update_user(
        user.id,
        &UserChange {
            totp_pending: Some(Some(secret.clone())),
            ..UserChange::default()
        },
        clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// Confirms enrolment with a code from the app; returns the recovery codes, shown once.
pub async fn confirm_totp(
    store: &Store,
    clock: &Clock,
    user: &User,
    address: &str,
    code: &str,
) -> Result<Vec<String>, AccountError> {
    let Some(pending) = &user.totp_pending else {
        return Err(invalid("code", "请先生成二维码，再输入验证码。"));
    };
    let now = clock.now();
    if !totp::verify(pending, code, now.unix_timestamp()) {
        return Err(invalid(
            "code",
            "验证码不正确，请确认手机时间准确后，输入应用中当前显示的 6 位数字。",
        ));
    }
    let codes = totp::recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::hash_code(c)).collect();
    let mut tx = store.begin().await?;
    tx.update_user(
        user.id,
        &UserChange {
            totp_secret: Some(Some(pending.clone())),
            totp_pending: Some(None),
            ..UserChange::default()
        },
        now,
    )
    .await?;
    tx.replace_recovery_codes(user.id, &hashes).await?;
    audit::record(
        &mut tx,
        &Who::user(user, address),
        Action::TotpEnable,
        &format!("用户 {}", user.username),
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns two-factor sign-in off, with the password; refused when the settings require it.
pub async fn disable_totp(
    store: &Store,
    clock: &Clock,
    user: &User,
    address: &str,
    password_text: &str,
    required: bool,
) -> Result<(), AccountError> {
    if required {
        return Err(invalid(
            "password_current",
            "系统设置要求管理员必须使用两步验证，不能关闭。",
        ));
    }
    if !password::verify(&user.password_hash, password_text).await {
        return Err(invalid("password_current", "密码不正确。"));
    }
    let now = clock.now();
    let mut tx = store.begin().await?;
    tx.update_user(
        user.id,
        &UserChange {
            totp_secret: Some(None),
            totp_pending: Some(None),
            ..UserChange::default()
        },
        now,
    )
    .await?;
    tx.replace_recovery_codes(user.id, &[]).await?;
    audit::record(
        &mut tx,
        &Who::user(user, address),
        Action::TotpDisable,
        &format!("用户 {}", user.username),
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_checked() {
        assert_eq!(check_username(" Zhang.San ").unwrap(), "zhang.san");
        for bad in ["ab", "1abc", "张三", "a b", &"a".repeat(33)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }
}
