//! The staff side's domain: accounts and roles, passwords, two-factor sign-in, sessions,
//! sign-in throttling, settings and the audit log. It knows nothing of HTTP: the admin web
//! layer and the command line both call it, and the tests call it directly.

pub mod accounts;
pub mod audit;
pub mod login;
pub mod password;
pub mod session;
pub mod settings;
pub mod totp;

pub use audit::{Action, Who};
pub use session::SessionStage;
