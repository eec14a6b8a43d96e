//! The audit log: who did what, when (stored in UTC, shown in China time), from which
//! address, to what, with a short summary. Rows are only ever appended (the database refuses
//! updates and deletes), in the same transaction as the change they record.

use std::io::Write;

use time::OffsetDateTime;

use crate::domain::dates::china_minute;
use crate::store::{AuditEntry, AuditRecord, Result, Tx};

/// Someone acting: a staff account, or an operator at the command line.
#[derive(Debug, Clone)]
pub struct Who {
    pub name: String,
    pub user_id: Option<i64>,
    pub address: String,
}

impl Who {
    /// The command line, named by the operating-system user who ran it.
    pub fn cli() -> Who {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".to_string());
        Who {
            name: format!("命令行（{user}）"),
            user_id: None,
            address: "本机".to_string(),
        }
    }

    pub fn user(user: &crate::store::User, address: &str) -> Who {
        Who {
            name: user.username.clone(),
            user_id: Some(user.id),
            address: address.to_string(),
        }
    }
}

/// Declares the actions the log records, each with its stored key and Chinese label.
macro_rules! actions {
    ($($variant:ident => $key:literal, $label:literal;)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action { $($variant),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            pub fn key(self) -> &'static str {
                match self { $(Action::$variant => $key),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $(Action::$variant => $label),+ }
            }

            pub fn from_key(key: &str) -> Option<Action> {
                match key { $($key => Some(Action::$variant),)+ _ => None }
            }
        }
    };
}

actions! {
    LoginSuccess => "login.success", "登录成功";
    LoginPassword => "login.password", "密码验证通过（待两步验证）";
    LoginFailure => "login.failure", "登录失败";
    LoginLocked => "login.locked", "登录锁定";
    Logout => "logout", "退出登录";
    UserCreate => "user.create", "创建用户";
    UserDisable => "user.disable", "停用用户";
    UserEnable => "user.enable", "启用用户";
    UserPasswordReset => "user.password_reset", "重置密码";
    UserRole => "user.role", "变更角色";
    PasswordChange => "account.password", "修改本人密码";
    TotpEnable => "account.totp_enable", "启用两步验证";
    TotpDisable => "account.totp_disable", "关闭两步验证";
    RecoveryCodeUsed => "account.recovery_code", "使用恢复码登录";
    SettingsUpdate => "settings.update", "修改系统设置";
    AuditExport => "audit.export", "导出审计日志";
    ImportEntries => "import.entries", "导入名单";
    ImportContent => "import.content", "导入文章和页面";
    EntryCreate => "entry.create", "新建条目";
    EntryUpdate => "entry.update", "修改条目";
    EntryRemove => "entry.remove", "移出条目";
    ArticleCreate => "article.create", "新建文章";
    ArticleUpdate => "article.update", "修改文章";
    Submit => "review.submit", "提交审核";
    Approve => "review.approve", "审核通过";
    ApproveOwn => "review.approve_own", "审核通过（本人提交）";
    Reject => "review.reject", "退回修改";
    Schedule => "review.schedule", "定时发布";
    Publish => "publish", "发布";
    Withdraw => "withdraw", "撤回";
    Restore => "revision.restore", "恢复历史版本";
    UploadPreview => "upload.preview", "上传表格预览";
    AttachmentAdd => "attachment.add", "上传附件";
}

/// The Chinese label of a stored action key (the key itself when it is not known).
pub fn label_of(key: &str) -> &str {
    match Action::from_key(key) {
        Some(a) => a.label(),
        None => key,
    }
}

/// Appends one row, in the caller's transaction.
pub async fn record(
    tx: &mut Tx,
    who: &Who,
    action: Action,
    target: &str,
    summary: &str,
    now: OffsetDateTime,
) -> Result<()> {
    tx.insert_audit(
        &AuditRecord {
            actor: &who.name,
            actor_id: who.user_id,
            address: &who.address,
            action: action.key(),
            target,
            summary,
        },
        now,
    )
    .await
}

/// A cell as it goes into a CSV file opened in Excel: text that starts like a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return) is prefixed with `'` so Excel never runs it.
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The header of an audit CSV file.
pub const CSV_HEADER: [&str; 7] = [
    "编号",
    "时间（北京时间）",
    "操作人",
    "来源地址",
    "操作",
    "对象",
    "摘要",
];

/// Writes audit rows as CSV lines (the caller writes the BOM and header once).
pub fn write_csv<W: Write>(out: &mut csv::Writer<W>, rows: &[AuditEntry]) -> csv::Result<()> {
    for r in rows {
        out.write_record([
            r.id.to_string(),
            china_minute(r.at),
            safe_cell(&r.actor),
            safe_cell(&r.address),
            label_of(&r.action).to_string(),
            safe_cell(&r.target),
            safe_cell(&r.summary),
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_keys_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_key(a.key()), Some(*a));
        }
        assert_eq!(label_of("login.failure"), "登录失败");
        assert_eq!(label_of("unknown"), "unknown");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("张三"), "张三");
    }
}
