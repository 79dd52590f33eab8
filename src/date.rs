//! Calendar dates as day numbers.
//!
//! Every date goodwill handles (transactions, incidents, ledger rows) is a
//! whole day, and the model only ever needs differences in days, so a date is
//! kept as an `i32` count of days since 1970-01-01: cheap to compare, subtract
//! and store by the million. Plain `YYYY-MM-DD` dates are read by hand (a
//! batch reads millions); `chrono` checks timestamps and does the rest.

use chrono::{Datelike, NaiveDate};

/// A day number: days since 1970-01-01.
pub type Day = i32;

const EPOCH_FROM_CE: i32 = 719_163;

/// What a message says of a text [`parse`] refuses, after quoting it.
pub const NOT_A_DATE: &str = "is not a date (expected YYYY-MM-DD)";

/// Parses `YYYY-MM-DD`, or an RFC 3339 timestamp whose date part is used.
pub fn parse(text: &str) -> Option<Day> {
    // The usual case, with nothing to trim.
    if let Some(day) = ymd(text.as_bytes()) {
        return Some(day);
    }
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() > 10 {
        // A timestamp: the date part counts, but only if the rest is one.
        if !matches!(b[10], b'T' | b't' | b' ') || chrono::DateTime::parse_from_rfc3339(text).is_err() {
            return None;
        }
    }
    ymd(&b[..10])
}

/// The day number of the `YYYY-MM-DD` in `b` (exactly 10 bytes), without
/// chrono: a batch parses millions of dates. `None` if it is not one; the
/// proleptic Gregorian calendar, as chrono's, so both agree on every date.
pub fn ymd(b: &[u8]) -> Option<Day> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0i32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i32::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&d) {
        return None;
    }
    // Days from civil (H. Hinnant): the year starts in March, so leap days come
    // last; January and February of year 0 fall in year -1, hence `div_euclid`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The first day [`civil`] knows, 0000-03-01: from there on the
/// March-based year arithmetic needs no negative numbers.
pub(crate) const CIVIL_FIRST_DAY: Day = -719_468;
/// The last day [`civil`] knows, 9999-12-31: later years need a fifth digit.
pub(crate) const CIVIL_LAST_DAY: Day = 2_932_896;

/// Year, month and day of a day number from 0000-03-01 to 9999-12-31, without
/// chrono (H. Hinnant's civil from days, as [`ymd`] in reverse): a batch
/// writes a date per row. `None` outside those days.
pub fn civil(day: Day) -> Option<(u32, u32, u32)> {
    if !(CIVIL_FIRST_DAY..=CIVIL_LAST_DAY).contains(&day) {
        return None;
    }
    let z = u32::try_from(day - CIVIL_FIRST_DAY).ok()?;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    Some((era * 400 + yoe + u32::from(m <= 2), m, d))
}

/// The day number of a chrono date.
pub fn from_naive(date: NaiveDate) -> Day {
    date.num_days_from_ce() - EPOCH_FROM_CE
}

/// The chrono date of a day number.
pub fn to_naive(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + EPOCH_FROM_CE).unwrap_or(NaiveDate::MIN)
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format(day: Day) -> String {
    to_naive(day).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_is_ymd_in_reverse() {
        // Every day of 1900-2100, and every 11th day of the range.
        let recent = parse("1900-01-01").unwrap()..=parse("2100-12-31").unwrap();
        for day in recent.chain((CIVIL_FIRST_DAY..=CIVIL_LAST_DAY).step_by(11)) {
            let (y, m, d) = civil(day).unwrap();
            assert_eq!(ymd(format!("{y:04}-{m:02}-{d:02}").as_bytes()), Some(day));
        }
        assert_eq!(civil(CIVIL_FIRST_DAY - 1), None);
        assert_eq!(civil(CIVIL_LAST_DAY + 1), None);
        assert_eq!(civil(0), Some((1970, 1, 1)));
    }

    #[test]
    fn epoch_and_round_trip() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("1970-01-02"), Some(1));
        assert_eq!(parse("1969-12-31"), Some(-1));
        assert_eq!(format(parse("2026-11-20").unwrap()), "2026-11-20");
        assert_eq!(parse("2024-03-01").unwrap() - parse("2024-02-28").unwrap(), 2);
    }

    #[test]
    fn fast_path_agrees_with_chrono_on_every_day_from_1899_to_2101() {
        let mut date = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        let last = NaiveDate::from_ymd_opt(2101, 1, 9).unwrap();
        let mut days = 0;
        while date <= last {
            let text = date.format("%Y-%m-%d").to_string();
            assert_eq!(ymd(text.as_bytes()), Some(from_naive(date)), "{text}");
            assert_eq!(parse(&text), Some(from_naive(date)), "{text}");
            date = date.succ_opt().unwrap();
            days += 1;
        }
        assert_eq!(days, 73_430);
        // The calendar's edges: year 0 (a leap year), January and February
        // before the first March-based era, and the last four-digit day.
        for (text, y, m, d) in [
            ("0000-01-01", 0, 1, 1),
            ("0000-02-29", 0, 2, 29),
            ("0000-03-01", 0, 3, 1),
            ("9999-12-31", 9999, 12, 31),
        ] {
            let want = from_naive(NaiveDate::from_ymd_opt(y, m, d).unwrap());
            assert_eq!(ymd(text.as_bytes()), Some(want), "{text}");
        }
        for bad in [
            "1900-02-29",
            "2100-02-29",
            "2023-02-29",
            "2024-04-31",
            "2024-00-10",
            "2024-01-00",
            "2024-01-32",
            "2025-02-29",
            "2024-02-30",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "2025-1-01",
            "x025-01-01",
        ] {
            assert_eq!(ymd(bad.as_bytes()), None, "{bad}");
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(ymd(b"2024-02-29"), parse("2024-02-29"));
        assert_eq!(ymd(b"0000-03-01"), parse("0000-03-01"));
    }

    #[test]
    fn timestamps_use_their_date() {
        assert_eq!(parse("2026-11-20T23:59:59Z"), parse("2026-11-20"));
        assert_eq!(parse("2026-11-20T08:00:00+02:00"), parse("2026-11-20"));
        assert_eq!(parse("2026-11-20Tnonsense"), None);
    }

    #[test]
    fn rejects_bad_dates() {
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "20261120",
            "2026-1-20",
            "abcd-ef-gh",
            "2026-11-2x",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
