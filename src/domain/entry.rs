//! List entries (名单条目): their fields, the rules between fields, and the publicity period.

use serde::{Deserialize, Serialize};
use time::Date;

use super::credit_code::CreditCode;
use super::normalize::{fold, registrable_domain};
use super::vocab::{Category, EntryStatus, ListKind};

/// The columns of the import format, in the order of DESIGN.md, with their Chinese headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Aliases,
    CreditCode,
    Category,
    List,
    Reason,
    Basis,
    Authority,
    DecisionNo,
    ListedOn,
    Measures,
    Websites,
    Phones,
    Remedy,
    PublicityEndsOn,
    Address,
    Status,
    RemovedOn,
    RemovalReason,
    RemovalAuthority,
}

impl Field {
    pub const ALL: [Field; 20] = [
        Field::Name,
        Field::Aliases,
        Field::CreditCode,
        Field::Category,
        Field::List,
        Field::Reason,
        Field::Basis,
        Field::Authority,
        Field::DecisionNo,
        Field::ListedOn,
        Field::Measures,
        Field::Websites,
        Field::Phones,
        Field::Remedy,
        Field::PublicityEndsOn,
        Field::Address,
        Field::Status,
        Field::RemovedOn,
        Field::RemovalReason,
        Field::RemovalAuthority,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Aliases => "aliases",
            Field::CreditCode => "credit_code",
            Field::Category => "category",
            Field::List => "list",
            Field::Reason => "reason",
            Field::Basis => "basis",
            Field::Authority => "authority",
            Field::DecisionNo => "decision_no",
            Field::ListedOn => "listed_on",
            Field::Measures => "measures",
            Field::Websites => "websites",
            Field::Phones => "phones",
            Field::Remedy => "remedy",
            Field::PublicityEndsOn => "publicity_ends_on",
            Field::Address => "address",
            Field::Status => "status",
            Field::RemovedOn => "removed_on",
            Field::RemovalReason => "removal_reason",
            Field::RemovalAuthority => "removal_authority",
        }
    }

    /// The Chinese column header (and the label shown on entry pages).
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "主体名称",
            Field::Aliases => "别名",
            Field::CreditCode => "统一社会信用代码",
            Field::Category => "业态",
            Field::List => "名单类型",
            Field::Reason => "列入事由",
            Field::Basis => "列入依据",
            Field::Authority => "认定机关",
            Field::DecisionNo => "决定文号",
            Field::ListedOn => "列入日期",
            Field::Measures => "惩戒措施",
            Field::Websites => "网址",
            Field::Phones => "联系电话",
            Field::Remedy => "权利救济途径",
            Field::PublicityEndsOn => "公示截止日期",
            Field::Address => "经营地址",
            Field::Status => "状态",
            Field::RemovedOn => "移出日期",
            Field::RemovalReason => "移出原因",
            Field::RemovalAuthority => "移出机关",
        }
    }

    /// Matches a header cell: the English key (any case) or the Chinese label.
    pub fn from_header(header: &str) -> Option<Field> {
        let h = header.trim().trim_start_matches('\u{feff}').trim();
        Field::ALL
            .into_iter()
            .find(|f| h.eq_ignore_ascii_case(f.key()) || h == f.label())
    }

    pub fn required(self) -> bool {
        matches!(self, Field::Name | Field::Reason | Field::Authority)
    }

    /// The most characters the field may hold as typed, in an import cell or a form field
    /// (for several-valued fields all values together, separators included). The limits keep
    /// every accepted entry small enough for its pages, the API and the search index: one
    /// 4.5 MB 列入事由, or 20,000 aliases, once turned the public lists into errors.
    pub fn max_chars(self) -> usize {
        match self {
            Field::Reason => 5_000,
            Field::Basis
            | Field::Measures
            | Field::Remedy
            | Field::RemovalReason
            | Field::Aliases
            | Field::Websites => 2_000,
            Field::Phones => 500,
            Field::Address => 300,
            Field::Name | Field::Authority | Field::RemovalAuthority => 200,
            Field::DecisionNo => 100,
            Field::CreditCode | Field::ListedOn | Field::PublicityEndsOn | Field::RemovedOn => 40,
            Field::Category | Field::List | Field::Status => 20,
        }
    }

    /// For several-valued fields: the most values an entry may have, and the most characters
    /// of each.
    pub fn max_values(self) -> Option<(usize, usize)> {
        match self {
            Field::Aliases => Some((50, 100)),
            Field::Websites => Some((20, 500)),
            Field::Phones => Some((20, 30)),
            _ => None,
        }
    }

    /// Refuses text longer than [`Field::max_chars`], in Chinese.
    pub fn check_length(self, text: &str) -> Result<(), String> {
        let n = text.chars().count();
        let max = self.max_chars();
        if n > max {
            return Err(format!("{}过长：{n} 个字符，最多 {max} 个", self.label()));
        }
        Ok(())
    }

    /// Refuses too many values, or a value too long, for a several-valued field.
    pub fn check_values(self, values: &[String]) -> Result<(), String> {
        let Some((most, longest)) = self.max_values() else {
            return Ok(());
        };
        if values.len() > most {
            return Err(format!(
                "{}最多 {most} 个，实有 {} 个",
                self.label(),
                values.len()
            ));
        }
        for (i, v) in values.iter().enumerate() {
            let n = v.chars().count();
            if n > longest {
                return Err(format!(
                    "第 {} 个{}过长：{n} 个字符，最多 {longest} 个",
                    i + 1,
                    self.label()
                ));
            }
        }
        Ok(())
    }
}

/// Everything staff maintain about a listed firm; what an import row or a form produces.
/// Vocabulary fields and the credit code are typed, so a value that is not one of them cannot
/// reach a page (a damaged stored value fails to decode and the row is hidden).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryData {
    pub name: String,
    pub aliases: Vec<String>,
    pub credit_code: Option<CreditCode>,
    pub category: Category,
    pub list: ListKind,
    pub reason: String,
    pub basis: String,
    pub authority: String,
    pub decision_no: String,
    pub listed_on: Option<Date>,
    pub measures: String,
    pub websites: Vec<String>,
    pub phones: Vec<String>,
    pub remedy: String,
    pub publicity_ends_on: Option<Date>,
    pub address: String,
    pub status: EntryStatus,
    pub removed_on: Option<Date>,
    pub removal_reason: String,
    pub removal_authority: String,
}

impl EntryData {
    /// One field as people read it and as an import reads it back: vocabularies by their
    /// Chinese label, dates as `YYYY-MM-DD`, several values joined by `、`.
    pub fn text(&self, f: Field) -> String {
        let date = |x: Option<Date>| x.map(super::dates::iso).unwrap_or_default();
        match f {
            Field::Name => self.name.clone(),
            Field::Aliases => self.aliases.join("、"),
            Field::CreditCode => self
                .credit_code
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            Field::Category => self.category.label().to_string(),
            Field::List => self.list.label().to_string(),
            Field::Reason => self.reason.clone(),
            Field::Basis => self.basis.clone(),
            Field::Authority => self.authority.clone(),
            Field::DecisionNo => self.decision_no.clone(),
            Field::ListedOn => date(self.listed_on),
            Field::Measures => self.measures.clone(),
            Field::Websites => self.websites.join("、"),
            Field::Phones => self.phones.join("、"),
            Field::Remedy => self.remedy.clone(),
            Field::PublicityEndsOn => date(self.publicity_ends_on),
            Field::Address => self.address.clone(),
            Field::Status => self.status.label().to_string(),
            Field::RemovedOn => date(self.removed_on),
            Field::RemovalReason => self.removal_reason.clone(),
            Field::RemovalAuthority => self.removal_authority.clone(),
        }
    }

    /// The labels of the fields that differ, for revision summaries.
    pub fn changed_fields(&self, other: &EntryData) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |field: Field, differs: bool| {
            if differs {
                out.push(field.label());
            }
        };
        check(Field::Name, self.name != other.name);
        check(Field::Aliases, self.aliases != other.aliases);
        check(Field::CreditCode, self.credit_code != other.credit_code);
        check(Field::Category, self.category != other.category);
        check(Field::List, self.list != other.list);
        check(Field::Reason, self.reason != other.reason);
        check(Field::Basis, self.basis != other.basis);
        check(Field::Authority, self.authority != other.authority);
        check(Field::DecisionNo, self.decision_no != other.decision_no);
        check(Field::ListedOn, self.listed_on != other.listed_on);
        check(Field::Measures, self.measures != other.measures);
        check(Field::Websites, self.websites != other.websites);
        check(Field::Phones, self.phones != other.phones);
        check(Field::Remedy, self.remedy != other.remedy);
        check(
            Field::PublicityEndsOn,
            self.publicity_ends_on != other.publicity_ends_on,
        );
        check(Field::Address, self.address != other.address);
        check(Field::Status, self.status != other.status);
        check(Field::RemovedOn, self.removed_on != other.removed_on);
        check(
            Field::RemovalReason,
            self.removal_reason != other.removal_reason,
        );
        check(
            Field::RemovalAuthority,
            self.removal_authority != other.removal_authority,
        );
        out
    }
}

/// Default publicity periods per list kind, in months after the listing date, for entries
/// imported without 公示截止日期. `None` (the default) means no automatic end: the entry stays
/// public until staff set an end date, because many listings (e.g. joint punishment until
/// rectification) have no fixed term. Offices set their terms in `content/site.toml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PublicityDefaults {
    pub blacklist: Option<u32>,
    pub warning: Option<u32>,
    pub abnormal: Option<u32>,
}

impl PublicityDefaults {
    pub fn months(&self, list: ListKind) -> Option<u32> {
        match list {
            ListKind::Blacklist => self.blacklist,
            ListKind::Warning => self.warning,
            ListKind::Abnormal => self.abnormal,
        }
    }

    /// The end of publicity for an entry that gives none.
    pub fn ends_on(&self, list: ListKind, listed_on: Date) -> Option<Date> {
        self.months(list).map(|m| add_months(listed_on, m))
    }
}

/// Adds calendar months, clamping the day to the end of a shorter month.
pub fn add_months(d: Date, months: u32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::December);
    let day = d.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(d)
}

/// Kinds of exact identity an entry can be found by, each a one-letter prefix of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// The whole folded name or an alias.
    Name,
    /// The credit code.
    Code,
    /// The registrable domain of a website (see `normalize::registrable_domain`), so that
    /// `m.qianmancang.com` finds the entry of `qianmancang.com`.
    Host,
    /// A phone number's digits.
    Phone,
}

impl KeyKind {
    fn prefix(self) -> char {
        match self {
            KeyKind::Name => 'n',
            KeyKind::Code => 'c',
            KeyKind::Host => 'h',
            KeyKind::Phone => 't',
        }
    }

    /// The stored key: the kind's prefix, then the normalised value.
    pub fn key(self, value: &str) -> String {
        let mut out = String::with_capacity(1 + value.len());
        out.push(self.prefix());
        out.push_str(value);
        out
    }
}

impl EntryData {
    /// The key that identifies an entry by name on import: the one fold.
    pub fn name_key(&self) -> String {
        fold(&self.name)
    }

    /// What is derived from the entry's names and identities, each name folded once: the
    /// folded name and aliases, the exact keys of the database's exact lookup (which answers
    /// even while a search index catches up), and the folded haystack of the simple database
    /// lookup (name, aliases, code, hosts and phones).
    pub fn keys(&self) -> EntryKeys {
        let name_key = self.name_key();
        let folded_aliases: Vec<String> = self.aliases.iter().map(|a| fold(a)).collect();
        let alias_keys: Vec<String> = folded_aliases
            .iter()
            .filter(|a| !a.is_empty())
            .cloned()
            .collect();

        let mut match_keys = Vec::new();
        if !name_key.is_empty() {
            match_keys.push(KeyKind::Name.key(&name_key));
        }
        match_keys.extend(alias_keys.iter().map(|a| KeyKind::Name.key(a)));
        match_keys.extend(
            self.credit_code
                .iter()
                .map(|c| KeyKind::Code.key(c.as_str())),
        );
        match_keys.extend(
            self.websites
                .iter()
                .map(|w| KeyKind::Host.key(&registrable_domain(w))),
        );
        match_keys.extend(self.phones.iter().map(|p| {
            KeyKind::Phone.key(&p.chars().filter(char::is_ascii_digit).collect::<String>())
        }));
        let mut seen = std::collections::HashSet::new();
        match_keys.retain(|k| seen.insert(k.clone()));

        let mut parts = vec![name_key.clone()];
        parts.extend(folded_aliases);
        parts.extend(self.credit_code.iter().map(|c| fold(c.as_str())));
        parts.extend(self.websites.iter().map(|w| fold(w)));
        parts.extend(self.phones.iter().map(|p| fold(p)));
        EntryKeys {
            name_key,
            alias_keys,
            search_text: parts.join("\n"),
            match_keys,
        }
    }
}

/// What [`EntryData::keys`] derives from an entry's names and identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryKeys {
    pub name_key: String,
    pub alias_keys: Vec<String>,
    pub search_text: String,
    pub match_keys: Vec<String>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn headers_match_keys_and_labels() {
        assert_eq!(Field::from_header("\u{feff}主体名称"), Some(Field::Name));
        assert_eq!(Field::from_header(" Credit_Code "), Some(Field::CreditCode));
        assert_eq!(Field::from_header("序号"), None);
    }

    #[test]
    fn field_sizes_are_limited_with_chinese_messages() {
        assert!(Field::Reason.check_length(&"字".repeat(5_000)).is_ok());
        assert_eq!(
            Field::Reason.check_length(&"字".repeat(5_001)),
            Err("列入事由过长：5001 个字符，最多 5000 个".to_string())
        );
        let many: Vec<String> = (0..51).map(|i| format!("别名{i}")).collect();
        assert_eq!(
            Field::Aliases.check_values(&many),
            Err("别名最多 50 个，实有 51 个".to_string())
        );
        assert_eq!(
            Field::Aliases.check_values(&["甲".into(), "乙".repeat(101)]),
            Err("第 2 个别名过长：101 个字符，最多 100 个".to_string())
        );
        assert!(Field::Aliases.check_values(&many[..50]).is_ok());
        assert!(Field::Reason.check_values(&many).is_ok(), "one value only");
        for f in Field::ALL {
            assert!(f.max_chars() >= 20, "{f:?}");
        }
    }

    #[test]
    fn months_are_added_with_clamping() {
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2023 - 11 - 15), 36), date!(2026 - 11 - 15));
    }

    #[test]
    fn traditional_and_simplified_names_share_their_key() {
        let mut a = sample();
        a.name = "錢滿倉".into();
        let mut b = sample();
        b.name = "钱满仓".into();
        assert_eq!(a.name_key(), b.name_key());
    }

    #[test]
    fn match_keys_cover_every_identity() {
        let mut e = sample();
        e.aliases = vec!["钱满仓APP".into()];
        e.credit_code = Some(CreditCode::from_stored("91410100737459086M").unwrap());
        e.websites = vec!["m.qianmancang.com".into(), "qianmancang.com".into()];
        e.phones = vec!["400-000-1818".into()];
        assert_eq!(
            e.keys().match_keys,
            vec![
                "n河南钱满仓金融信息服务有限公司",
                "n钱满仓app",
                "c91410100737459086M",
                "hqianmancang.com",
                "t4000001818"
            ]
        );
    }

    /// A valid entry for tests elsewhere in the crate to adjust.
    pub(crate) fn sample() -> EntryData {
        EntryData {
            name: "河南钱满仓金融信息服务有限公司".into(),
            aliases: Vec::new(),
            credit_code: None,
            category: Category::P2p,
            list: ListKind::Blacklist,
            reason: "事由".into(),
            basis: String::new(),
            authority: "机关".into(),
            decision_no: String::new(),
            listed_on: None,
            measures: String::new(),
            websites: Vec::new(),
            phones: Vec::new(),
            remedy: String::new(),
            publicity_ends_on: None,
            address: String::new(),
            status: EntryStatus::Listed,
            removed_on: None,
            removal_reason: String::new(),
            removal_authority: String::new(),
        }
    }
}
