//! Dates as staff type them in spreadsheets.

use time::{Date, Month};

/// Why a cell is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效日期（可用格式：2024-03-01、2024/3/1、2024年3月1日）")]
pub struct BadDate(pub String);

/// Parses `YYYY-MM-DD`, `YYYY/M/D`, `YYYY.M.D`, `YYYY年M月D日` (full-width digits too).
pub fn parse_date(input: &str) -> Result<Date, BadDate> {
    use unicode_normalization::UnicodeNormalization;
    let s: String = input.nfkc().collect::<String>().trim().to_string();
    let bad = || BadDate(input.trim().to_string());
    // A time part, as Excel writes it into CSV ("2024/3/1 0:00"), is ignored.
    let date_part = s.split_whitespace().next().ok_or_else(bad)?;
    let date_part = date_part.strip_suffix('日').unwrap_or(date_part);
    let parts: Vec<&str> = date_part.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u8 = m.parse().map_err(|_| bad())?;
    let day: u8 = d.parse().map_err(|_| bad())?;
    let month = Month::try_from(month).map_err(|_| bad())?;
    if !(1900..=2200).contains(&year) {
        return Err(bad());
    }
    Date::from_calendar_date(year, month, day).map_err(|_| bad())
}

/// Converts an Excel serial day number (1900 date system) to a date.
pub fn from_excel_serial(serial: f64) -> Option<Date> {
    if !(1.0..=109_574.0).contains(&serial) {
        return None;
    }
    // Day 0 is 1899-12-30 once Excel's fictitious 1900-02-29 is accounted for.
    let base = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    base.checked_add(time::Duration::days(serial.floor() as i64))
}

/// China Standard Time: publicity periods end on dates of the office's calendar.
pub const CHINA: time::UtcOffset = time::macros::offset!(+8);

/// A China wall-clock time as an instant, in UTC: every instant is stored in UTC, because
/// SQLite compares stored timestamps as text.
pub fn from_china(t: time::PrimitiveDateTime) -> time::OffsetDateTime {
    t.assume_offset(CHINA).to_offset(time::UtcOffset::UTC)
}

/// The first instant of a China date.
pub fn china_midnight(d: Date) -> time::OffsetDateTime {
    from_china(time::PrimitiveDateTime::new(d, time::Time::MIDNIGHT))
}

/// The China date of an instant.
pub fn china_date(t: time::OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// An instant as RFC 3339 in UTC (`2026-03-01T06:05:00Z`), the form the API and exports use.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `2026-03-01 14:05` in China Standard Time, for change dates and lookup receipts.
pub fn china_minute(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(CHINA);
    format!("{} {:02}:{:02}", iso(t.date()), t.hour(), t.minute())
}

/// `YYYY-MM-DD`, the form every page and export shows.
pub fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// `2024年3月1日`, the form Chinese prose uses.
pub fn chinese(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month() as u8, d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_documented_form_parses() {
        for s in [
            "2024-03-01",
            "2024/3/1",
            "2024年3月1日",
            " 2024-3-1 ",
            "２０２４年３月１日",
            "2024/3/1 0:00",
            "2024.03.01",
        ] {
            assert_eq!(parse_date(s), Ok(date!(2024 - 03 - 01)), "{s}");
        }
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for s in [
            "2023-02-29",
            "2024-13-01",
            "24-3-1",
            "昨天",
            "",
            "2024-03",
            "20240301",
        ] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn excel_serials_convert() {
        assert_eq!(from_excel_serial(45352.0), Some(date!(2024 - 03 - 01)));
        assert_eq!(from_excel_serial(-3.0), None);
    }
}
