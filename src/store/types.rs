//! How domain values are stored: vocabularies by their English key, credit codes as text, lists
//! as JSON text. Decoding is strict, so a damaged stored value fails to decode (and its row is
//! hidden and logged by the caller) instead of being read as some default.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::domain::{
    ArticleKind, Category, ChangeKind, CreditCode, EntryStatus, ListKind, Publication, Role,
};
use crate::staff::SessionStage;

/// Stores a type as text through `key`/`from_key`-like functions.
macro_rules! text_type {
    ($t:ty, $to:expr, $from:expr, $what:literal) => {
        impl<DB: Database> Type<DB> for $t
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $t
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let s = <&str as Decode<DB>>::decode(value)?;
                let from: fn(&str) -> Option<$t> = $from;
                from(s).ok_or_else(|| format!("invalid stored {}: {s:?}", $what).into())
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $t
        where
            String: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                let to: fn(&$t) -> String = $to;
                <String as Encode<DB>>::encode(to(self), buf)
            }
        }
    };
}

text_type!(
    Category,
    |v| v.key().to_string(),
    Category::from_key,
    "category"
);
text_type!(
    ListKind,
    |v| v.key().to_string(),
    ListKind::from_key,
    "list kind"
);
text_type!(
    EntryStatus,
    |v| v.key().to_string(),
    EntryStatus::from_key,
    "listing status"
);
text_type!(
    ArticleKind,
    |v| v.key().to_string(),
    ArticleKind::from_key,
    "article kind"
);
text_type!(
    Publication,
    |v| v.key().to_string(),
    Publication::from_key,
    "publication state"
);
text_type!(Role, |v| v.key().to_string(), Role::from_key, "role");
text_type!(
    SessionStage,
    |v| v.key().to_string(),
    SessionStage::from_key,
    "session stage"
);
text_type!(
    ChangeKind,
    |v| v.key().to_string(),
    ChangeKind::from_key,
    "change kind"
);
text_type!(
    CreditCode,
    |v| v.as_str().to_string(),
    |s| CreditCode::from_stored(s).ok(),
    "credit code"
);

/// A list of strings stored as a JSON array; anything else fails to decode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonList(pub Vec<String>);

impl JsonList {
    pub fn encode(v: &[String]) -> String {
        serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
    }
}

impl<DB: Database> Type<DB> for JsonList
where
    String: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for JsonList
where
    &'r str: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let s = <&str as Decode<DB>>::decode(value)?;
        Ok(JsonList(serde_json::from_str(s)?))
    }
}
