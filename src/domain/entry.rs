//! List entries (名单条目): their fields, the rules between fields, and the publicity period.

use serde::{Deserialize, Serialize};
use time::Date;

use super::credit_code::CreditCode;
use super::vocab::{Category, EntryStatus, ListKind, PubState};

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
}

/// Everything staff maintain about a listed firm; what an import row or a form produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryData {
    pub name: String,
    pub aliases: Vec<String>,
    pub credit_code: Option<String>,
    pub category: String,
    pub list: String,
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
    pub status: String,
    pub removed_on: Option<Date>,
    pub removal_reason: String,
    pub removal_authority: String,
}

impl EntryData {
    pub fn category(&self) -> Category {
        Category::parse(&self.category).unwrap_or(Category::Other)
    }

    pub fn list_kind(&self) -> ListKind {
        ListKind::parse(&self.list).unwrap_or(ListKind::Blacklist)
    }

    pub fn status(&self) -> EntryStatus {
        EntryStatus::parse(&self.status).unwrap_or(EntryStatus::Listed)
    }

    pub fn credit_code(&self) -> Option<CreditCode> {
        self.credit_code
            .as_deref()
            .and_then(|c| CreditCode::parse(c).ok())
            .map(|p| p.code)
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

/// Whether the public may see an entry in this state on `today`.
pub enum Visibility {
    Public,
    /// Published once, but its publicity period is over: 410, name withheld.
    PublicityEnded,
    Hidden,
}

pub fn visibility(state: PubState, publicity_ends_on: Option<Date>, today: Date) -> Visibility {
    match state {
        PubState::Published => match publicity_ends_on {
            Some(end) if end < today => Visibility::PublicityEnded,
            _ => Visibility::Public,
        },
        _ => Visibility::Hidden,
    }
}

impl EntryData {
    /// The key that identifies an entry without a credit code on re-import.
    pub fn name_key(&self) -> String {
        super::normalize::fold(&self.name)
    }

    /// Folded haystack for the database lookup: name, aliases, code, hosts and phones.
    pub fn search_text(&self) -> String {
        use super::normalize::fold;
        let mut parts = vec![fold(&self.name)];
        parts.extend(self.aliases.iter().map(|a| fold(a)));
        parts.extend(self.credit_code.iter().map(|c| fold(c)));
        parts.extend(self.websites.iter().map(|w| fold(w)));
        parts.extend(self.phones.iter().map(|p| fold(p)));
        parts.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn headers_match_keys_and_labels() {
        assert_eq!(Field::from_header("\u{feff}主体名称"), Some(Field::Name));
        assert_eq!(Field::from_header(" Credit_Code "), Some(Field::CreditCode));
        assert_eq!(Field::from_header("序号"), None);
    }

    #[test]
    fn months_are_added_with_clamping() {
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2023 - 11 - 15), 36), date!(2026 - 11 - 15));
    }

    #[test]
    fn publicity_ends_the_day_after_its_last_day() {
        let end = Some(date!(2025 - 06 - 30));
        assert!(matches!(
            visibility(PubState::Published, end, date!(2025 - 06 - 30)),
            Visibility::Public
        ));
        assert!(matches!(
            visibility(PubState::Published, end, date!(2025 - 07 - 01)),
            Visibility::PublicityEnded
        ));
        assert!(matches!(
            visibility(PubState::Draft, None, date!(2025 - 07 - 01)),
            Visibility::Hidden
        ));
    }
}
