//! Server-side sessions, in the database so that several instances share them. The cookie
//! holds a random token; the database keeps only its SHA-256, so a leaked database copy holds
//! no usable session. A session expires after a time idle and after an absolute lifetime.

use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};
use time::Duration;

use crate::clock::Clock;
use crate::store::{Result, Session, Store, User};

/// Where a session stands in signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Nobody signed in yet (the sign-in form's CSRF token lives here).
    Anonymous,
    /// The password was right; the second factor is awaited.
    Totp,
    /// Signed in, but two-factor sign-in must be enrolled before anything else.
    Enrol,
    Full,
}

impl SessionStage {
    pub fn key(self) -> &'static str {
        match self {
            SessionStage::Anonymous => "anonymous",
            SessionStage::Totp => "totp",
            SessionStage::Enrol => "enrol",
            SessionStage::Full => "full",
        }
    }

    pub fn from_key(s: &str) -> Option<SessionStage> {
        match s {
            "anonymous" => Some(SessionStage::Anonymous),
            "totp" => Some(SessionStage::Totp),
            "enrol" => Some(SessionStage::Enrol),
            "full" => Some(SessionStage::Full),
            _ => None,
        }
    }
}

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// A random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Starts a session (a new token every time: the id rotates at every step of signing in);
/// returns the token for the cookie.
pub async fn start(
    store: &Store,
    clock: &Clock,
    policy: &SessionPolicy,
    user: Option<&User>,
    stage: SessionStage,
    address: &str,
) -> Result<(String, Session)> {
    let token = random_token();
    let now = clock.now();
    let session = Session {
        id: token_hash(&token),
        user_id: user.map(|u| u.id),
        stage,
        csrf_token: random_token(),
        flash: None,
        address: address.to_string(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + policy.absolute,
    };
    let mut tx = store.begin().await?;
    tx.insert_session(&session).await?;
    tx.commit().await?;
    Ok((token, session))
}

/// The live session of a token and its user: `None` when unknown, expired (idle or
/// absolute), or its user is disabled (then the session is deleted too).
pub async fn load(
    store: &Store,
    clock: &Clock,
    policy: &SessionPolicy,
    token: &str,
) -> Result<Option<(Session, Option<User>)>> {
    let Some(session) = store.session(&token_hash(token)).await? else {
        return Ok(None);
    };
    let now = clock.now();
    let expired = now >= session.expires_at || now - session.last_seen_at >= policy.idle;
    let user = match session.user_id {
        Some(id) => store.user(id).await?,
        None => None,
    };
    let user_gone = session.user_id.is_some() && !user.as_ref().is_some_and(User::is_active);
    if expired || user_gone {
        let mut tx = store.begin().await?;
        tx.delete_session(&session.id).await?;
        tx.commit().await?;
        return Ok(None);
    }
    Ok(Some((session, user)))
}

/// Records activity (at most once a minute, so that reading pages does not write on every
/// request) and replaces the one-time message.
pub async fn touch(
    store: &Store,
    clock: &Clock,
    session: &Session,
    flash: Option<&str>,
) -> Result<()> {
    let now = clock.now();
    if flash.is_none()
        && session.flash.is_none()
        && now - session.last_seen_at < Duration::minutes(1)
    {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    tx.touch_session(&session.id, now, flash).await?;
    tx.commit().await
}
