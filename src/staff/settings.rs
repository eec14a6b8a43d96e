//! Settings an admin changes in the admin side (kept in the database, shared by instances).

use time::OffsetDateTime;

use super::audit::{self, Action, Who};
use crate::store::{Result, Store, Tx};

/// Every setting, with its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    /// Admins must sign in with a second factor (common practice at 等保 level 3).
    pub require_totp_for_admins: bool,
    /// A reviewer may approve their own work (one-person offices); each such approval says
    /// so in the audit log.
    pub allow_self_approval: bool,
}

const REQUIRE_TOTP: &str = "require_totp_for_admins";
const SELF_APPROVAL: &str = "allow_self_approval";

pub async fn load(store: &Store) -> Result<Settings> {
    let mut s = Settings::default();
    for (key, value) in store.settings().await? {
        let on = value == "true";
        match key.as_str() {
            REQUIRE_TOTP => s.require_totp_for_admins = on,
            SELF_APPROVAL => s.allow_self_approval = on,
            _ => {}
        }
    }
    Ok(s)
}

/// Saves the settings that changed, each with an audit row, in the caller's transaction.
pub async fn save(
    tx: &mut Tx,
    old: &Settings,
    new: &Settings,
    who: &Who,
    now: OffsetDateTime,
) -> Result<()> {
    let on_off = |b: bool| if b { "开启" } else { "关闭" };
    for (key, label, before, after) in [
        (
            REQUIRE_TOTP,
            "管理员必须使用两步验证",
            old.require_totp_for_admins,
            new.require_totp_for_admins,
        ),
        (
            SELF_APPROVAL,
            "允许审核本人提交的内容",
            old.allow_self_approval,
            new.allow_self_approval,
        ),
    ] {
        if before != after {
            tx.set_setting(key, if after { "true" } else { "false" }, now)
                .await?;
            audit::record(
                tx,
                who,
                Action::SettingsUpdate,
                label,
                &format!("{} → {}", on_off(before), on_off(after)),
                now,
            )
            .await?;
        }
    }
    Ok(())
}
