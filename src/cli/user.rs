//! `jingshi user …`: staff accounts from the command line (the first admin is made here).
//! Passwords are read twice from the terminal, or as two lines from standard input when it is
//! not a terminal; `--generate` prints a strong one once instead. Every change is audited
//! with the operating-system user as the actor.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::clock::Clock;
use crate::config::GlobalOpts;
use crate::domain::Role;
use crate::staff::accounts::{self, AccountError};
use crate::staff::{Who, password};
use crate::store::{Store, User};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account.
    Add {
        name: String,
        /// editor (编辑), reviewer (审核员) or admin (管理员).
        #[arg(long)]
        role: String,
        /// Display name (姓名).
        #[arg(long, default_value = "")]
        display_name: String,
        /// Generate a strong password and print it once.
        #[arg(long)]
        generate: bool,
    },
    /// List the staff accounts.
    List,
    /// Disable an account (its sessions end at once).
    Disable { name: String },
    /// Enable a disabled account.
    Enable { name: String },
    /// Set a new password (the account's sessions end at once).
    ResetPassword {
        name: String,
        #[arg(long)]
        generate: bool,
    },
    /// Change an account's role.
    SetRole { name: String, role: String },
}

fn role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text).with_context(|| format!("角色应为：{}", Role::accepted()))
}

/// A new password: generated, or typed twice (terminal) / two lines (standard input).
fn new_password(username: &str, generate: bool) -> anyhow::Result<(String, bool)> {
    if generate {
        return Ok((password::generate(), true));
    }
    let (first, second) = if std::io::stdin().is_terminal() {
        (
            rpassword::prompt_password(format!("为 {username} 设置密码（至少 12 位）："))?,
            rpassword::prompt_password("再次输入密码：")?,
        )
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = || -> anyhow::Result<String> {
            Ok(lines
                .next()
                .context("标准输入中缺少密码（应为两行相同的密码）")??)
        };
        (next()?, next()?)
    };
    if first != second {
        bail!("两次输入的密码不一致。");
    }
    password::check(username, &first).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((first, false))
}

async fn find(store: &Store, name: &str) -> anyhow::Result<User> {
    store
        .user_by_name(&name.trim().to_lowercase())
        .await?
        .with_context(|| format!("没有名为“{name}”的用户。"))
}

fn explain(e: AccountError) -> anyhow::Error {
    match e {
        AccountError::Invalid { message, .. } => anyhow::anyhow!(message),
        other => anyhow::anyhow!(other),
    }
}

pub async fn run(global: &GlobalOpts, command: UserCommand) -> anyhow::Result<()> {
    let store = Store::connect(&global.database_url()).await?;
    let result = execute(&store, command).await;
    store.close().await;
    result
}

async fn execute(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    let clock = Clock::system();
    let who = Who::cli();
    match command {
        UserCommand::Add {
            name,
            role: r,
            display_name,
            generate,
        } => {
            let r = role(&r)?;
            let username = accounts::check_username(&name).map_err(explain)?;
            let (pw, shown) = new_password(&username, generate)?;
            let user = accounts::create(store, &clock, &who, &username, &display_name, r, &pw)
                .await
                .map_err(explain)?;
            println!("已创建用户 {}（{}）。", user.username, user.role.label());
            if shown {
                println!("初始密码（只显示这一次）：{pw}");
            }
        }
        UserCommand::List => {
            println!(
                "{:<24} {:<8} {:<6} {:<8} 姓名",
                "用户名", "角色", "状态", "两步验证"
            );
            for u in store.users().await? {
                println!(
                    "{:<24} {:<8} {:<6} {:<8} {}",
                    u.username,
                    u.role.label(),
                    if u.is_active() { "正常" } else { "已停用" },
                    if u.totp_secret.is_some() {
                        "已启用"
                    } else {
                        "未启用"
                    },
                    u.display_name
                );
            }
        }
        UserCommand::Disable { name } => {
            let u = find(store, &name).await?;
            accounts::set_disabled(store, &clock, &who, u.id, true)
                .await
                .map_err(explain)?;
            println!("已停用 {}，其所有登录已退出。", u.username);
        }
        UserCommand::Enable { name } => {
            let u = find(store, &name).await?;
            accounts::set_disabled(store, &clock, &who, u.id, false)
                .await
                .map_err(explain)?;
            println!("已启用 {}。", u.username);
        }
        UserCommand::ResetPassword { name, generate } => {
            let u = find(store, &name).await?;
            let (pw, shown) = new_password(&u.username, generate)?;
            accounts::reset_password(store, &clock, &who, u.id, &pw)
                .await
                .map_err(explain)?;
            println!("已重置 {} 的密码，其所有登录已退出。", u.username);
            if shown {
                println!("新密码（只显示这一次）：{pw}");
            }
        }
        UserCommand::SetRole { name, role: r } => {
            let u = find(store, &name).await?;
            let u = accounts::set_role(store, &clock, &who, u.id, role(&r)?)
                .await
                .map_err(explain)?;
            println!("{} 的角色已设为{}。", u.username, u.role.label());
        }
    }
    Ok(())
}
