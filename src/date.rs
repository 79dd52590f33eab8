//! Calendar dates as day numbers.
//!
//! Every date goodwill handles (transactions, incidents, ledger rows) is a
//! whole day, and the model only ever needs differences in days, so a date is
//! kept as an `i32` count of days since 1970-01-01: cheap to compare, subtract
//! and store by the million. `chrono` does the calendar arithmetic.

use chrono::{Datelike, NaiveDate};

/// A day number: days since 1970-01-01.
pub type Day = i32;

const EPOCH_FROM_CE: i32 = 719_163;

/// Parses `YYYY-MM-DD`, or an RFC 3339 timestamp whose date part is used.
pub fn parse(text: &str) -> Option<Day> {
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
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
    Some(from_naive(date))
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
    fn epoch_and_round_trip() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("1970-01-02"), Some(1));
        assert_eq!(parse("1969-12-31"), Some(-1));
        assert_eq!(format(parse("2026-11-20").unwrap()), "2026-11-20");
        assert_eq!(parse("2024-03-01").unwrap() - parse("2024-02-28").unwrap(), 2);
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
