//! Signing in: the password step (with throttling per account name and per client address,
//! and the same answer for an unknown name as for a wrong password), then the second factor.

use time::{Duration, OffsetDateTime};

use super::audit::{self, Action, Who};
use super::{password, totp};
use crate::clock::Clock;
use crate::store::{Result, Store, User};

/// Failures in a row that lock an account name.
pub const ACCOUNT_LIMIT: i64 = 6;
/// Failures in a row that lock a client address (it may be a shared office gateway).
pub const ADDRESS_LIMIT: i64 = 30;
/// How long a lock lasts.
pub const LOCK: Duration = Duration::minutes(15);

/// The one answer for an unknown name and a wrong password.
pub const INVALID: &str = "用户名或密码错误。";

/// What the password step decided.
#[derive(Debug)]
pub enum PasswordOutcome {
    /// The password is right and the account active.
    Accepted(User),
    /// Refused, with the message to show.
    Refused(String),
}

fn throttle_key(kind: &str, value: &str) -> String {
    format!("{kind}:{}", value.trim().to_lowercase())
}

fn lock_message(until: OffsetDateTime, now: OffsetDateTime) -> String {
    let minutes = ((until - now).whole_seconds() + 59) / 60;
    format!(
        "连续登录失败次数过多，已暂时锁定。请在 {} 分钟后再试；如忘记密码，请联系系统管理员重置。",
        minutes.max(1)
    )
}

/// Checks a name and password. Every attempt leaves an audit row.
pub async fn check_password(
    store: &Store,
    clock: &Clock,
    username: &str,
    password_text: &str,
    address: &str,
) -> Result<PasswordOutcome> {
    let now = clock.now();
    let account_key = throttle_key("user", username);
    let address_key = throttle_key("addr", address);
    let who = Who {
        name: username.trim().chars().take(64).collect(),
        user_id: None,
        address: address.to_string(),
    };
    for key in [&account_key, &address_key] {
        if let Some(until) = store.throttle_lock(key).await?
            && until > now
        {
            let mut tx = store.begin().await?;
            audit::record(
                &mut tx,
                &who,
                Action::LoginFailure,
                "",
                "锁定期间尝试登录",
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(PasswordOutcome::Refused(lock_message(until, now)));
        }
    }
    let user = store.user_by_name(username.trim()).await?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => password::decoy_hash().await,
    };
    let matches = password::verify(&hash, password_text).await;
    match user {
        Some(u) if matches && u.is_active() => {
            let mut tx = store.begin().await?;
            tx.throttle_clear(&account_key).await?;
            tx.throttle_clear(&address_key).await?;
            tx.commit().await?;
            Ok(PasswordOutcome::Accepted(u))
        }
        user => {
            let why = match &user {
                None => "用户名不存在",
                Some(u) if !u.is_active() => "账户已停用",
                Some(_) => "密码错误",
            };
            let who = match &user {
                Some(u) => Who::user(u, address),
                None => who,
            };
            let mut tx = store.begin().await?;
            let locked = tx
                .throttle_failure(&account_key, ACCOUNT_LIMIT, now, now + LOCK)
                .await?;
            let address_locked = tx
                .throttle_failure(&address_key, ADDRESS_LIMIT, now, now + LOCK)
                .await?;
            audit::record(&mut tx, &who, Action::LoginFailure, "", why, now).await?;
            if locked.is_some() {
                audit::record(
                    &mut tx,
                    &who,
                    Action::LoginLocked,
                    "",
                    "账户名锁定 15 分钟",
                    now,
                )
                .await?;
            }
            if address_locked.is_some() {
                audit::record(
                    &mut tx,
                    &who,
                    Action::LoginLocked,
                    "",
                    "来源地址锁定 15 分钟",
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            Ok(PasswordOutcome::Refused(match locked.or(address_locked) {
                Some(until) => lock_message(until, now),
                None => INVALID.to_string(),
            }))
        }
    }
}

/// Checks a second factor: a current TOTP code, or an unused recovery code (used up here).
pub async fn check_second_factor(
    store: &Store,
    clock: &Clock,
    user: &User,
    code: &str,
    address: &str,
) -> Result<bool> {
    let now = clock.now();
    let who = Who::user(user, address);
    let Some(secret) = &user.totp_secret else {
        return Ok(false);
    };
    if totp::verify(secret, code, now.unix_timestamp()) {
        return Ok(true);
    }
    let mut tx = store.begin().await?;
    let recovered = code.chars().filter(char::is_ascii_alphanumeric).count() == 8
        && tx
            .use_recovery_code(user.id, &totp::hash_code(code), now)
            .await?;
    if recovered {
        audit::record(
            &mut tx,
            &who,
            Action::RecoveryCodeUsed,
            &format!("用户 {}", user.username),
            "",
            now,
        )
        .await?;
    } else {
        audit::record(
            &mut tx,
            &who,
            Action::LoginFailure,
            "",
            "两步验证码错误",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(recovered)
}
