//! The shapes open data is published in: an entry with every public field, and an event of
//! the changes feed. The API answers them, the JSON exports hold them, and the OpenAPI document
//! describes them from these types.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

use crate::domain::dates::{iso, rfc3339};
use crate::domain::{Category, ChangeKind, EntryStatus, ListKind};
use crate::store::{ChangeEvent, Entry, Public};

/// A string schema that takes one of `keys`.
fn one_of(keys: impl IntoIterator<Item = &'static str>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(keys))
        .description(Some(description))
        .into()
}

fn category_schema() -> RefOr<Schema> {
    one_of(
        Category::ALL.iter().map(|c| c.key()),
        "业态：p2p 网络借贷、crowdfunding 股权众筹、insurance 互联网保险、payment 第三方支付、asset_management 互联网资产管理、cross_sector 跨界从事金融业务、other 其他",
    )
}

fn list_schema() -> RefOr<Schema> {
    one_of(
        ListKind::ALL.iter().map(|l| l.key()),
        "名单类型：blacklist 黑名单、warning 风险警示名单、abnormal 经营异常",
    )
}

fn status_schema() -> RefOr<Schema> {
    one_of(
        EntryStatus::ALL.iter().map(|s| s.key()),
        "状态：listed 在列、removed 已移出（不在名单中，仍在公示期内）",
    )
}

fn change_kind_schema() -> RefOr<Schema> {
    one_of(
        ChangeKind::ALL.iter().map(|k| k.key()),
        "事件：listed 列入（含重新公开）、updated 更新、removed 移出名单、withdrawn 撤回、publicity_ended 公示期满",
    )
}

/// A date (`2024-03-01`), or null.
fn date_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .into()
}

/// A list entry with every public field.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Entry)]
pub struct EntryRecord {
    /// 编号：本站的条目编号，详情页和变更事件以此指称条目。
    pub id: i64,
    /// 详情页网址。
    pub url: String,
    /// 主体名称。
    pub name: String,
    /// 别名（曾用名、平台、品牌、App、公众号名称）。
    pub aliases: Vec<String>,
    /// 统一社会信用代码（GB 32100-2015）。
    pub credit_code: Option<String>,
    #[schema(schema_with = category_schema)]
    pub category: &'static str,
    #[schema(schema_with = list_schema)]
    pub list: &'static str,
    #[schema(schema_with = status_schema)]
    pub status: &'static str,
    /// 列入事由。
    pub reason: String,
    /// 列入依据。
    pub basis: String,
    /// 认定机关。
    pub authority: String,
    /// 决定文号。
    pub decision_no: String,
    /// 列入日期。
    #[schema(schema_with = date_schema)]
    pub listed_on: Option<String>,
    /// 惩戒措施。
    pub measures: String,
    /// 权利救济途径。
    pub remedy: String,
    /// 网址（主机名）。
    pub websites: Vec<String>,
    /// 联系电话。
    pub phones: Vec<String>,
    /// 经营地址。
    pub address: String,
    /// 移出日期（已移出时）。
    #[schema(schema_with = date_schema)]
    pub removed_on: Option<String>,
    /// 移出原因。
    pub removal_reason: String,
    /// 移出机关。
    pub removal_authority: String,
    /// 公示截止日期：此日之后不再公示。
    #[schema(schema_with = date_schema)]
    pub publicity_ends_on: Option<String>,
    /// 本站最后更新时间（RFC 3339，UTC）。
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl EntryRecord {
    /// The record of a public entry, its URL made by `url` from a site path.
    pub fn new(e: &Public<Entry>, url: impl Fn(&str) -> String) -> EntryRecord {
        let d = &e.data;
        EntryRecord {
            id: e.id,
            url: url(&format!("/entries/{}", e.id)),
            name: d.name.clone(),
            aliases: d.aliases.clone(),
            credit_code: d.credit_code.as_ref().map(|c| c.as_str().to_string()),
            category: d.category.key(),
            list: d.list.key(),
            status: d.status.key(),
            reason: d.reason.clone(),
            basis: d.basis.clone(),
            authority: d.authority.clone(),
            decision_no: d.decision_no.clone(),
            listed_on: d.listed_on.map(iso),
            measures: d.measures.clone(),
            remedy: d.remedy.clone(),
            websites: d.websites.clone(),
            phones: d.phones.clone(),
            address: d.address.clone(),
            removed_on: d.removed_on.map(iso),
            removal_reason: d.removal_reason.clone(),
            removal_authority: d.removal_authority.clone(),
            publicity_ends_on: d.publicity_ends_on.map(iso),
            // Whole seconds: the same on every database (SQLite keeps nanoseconds, PostgreSQL
            // microseconds), and `updated_since` with this value still includes the entry.
            updated_at: rfc3339(e.updated_at.replace_nanosecond(0).unwrap_or(e.updated_at)),
        }
    }
}

/// One event of the changes feed. An entry that is not public now (withdrawn, or past its
/// publicity) appears without its details: `entry` is null, and nothing names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Change)]
pub struct ChangeRecord {
    /// 事件序号：按发生（提交）顺序递增，用作下次请求的 cursor。
    pub cursor: i64,
    /// 生效时间（RFC 3339，UTC）；公示期满事件为期满当日零时（北京时间）。
    #[schema(format = DateTime)]
    pub at: String,
    #[schema(schema_with = change_kind_schema)]
    pub kind: &'static str,
    /// 条目编号。
    pub entry_id: i64,
    /// 条目现在公示的内容；条目已不公示（撤回、公示期满）时为 null。
    pub entry: Option<EntryRecord>,
}

impl ChangeRecord {
    pub fn new(e: &ChangeEvent, entry: Option<EntryRecord>) -> ChangeRecord {
        ChangeRecord {
            cursor: e.seq,
            at: rfc3339(e.at),
            kind: e.kind.key(),
            entry_id: e.entry_id,
            entry,
        }
    }
}
