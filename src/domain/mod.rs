//! Domain types and rules: they know nothing of HTTP or SQL and carry their own tests.

pub mod article;
pub mod credit_code;
pub mod dates;
pub mod entry;
pub mod normalize;
pub mod vocab;

pub use credit_code::{CreditCode, CreditCodeError};
pub use vocab::{ArticleKind, Category, ChangeKind, EntryStatus, ListKind, Publication, Role};
