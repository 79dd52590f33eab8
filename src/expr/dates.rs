//! Dates as numbers: a date is the count of days since 1970-01-01, so date
//! arithmetic and comparisons are plain `f64` operations at run time.

use chrono::NaiveDate;

/// The days from 1970-01-01 to `date` (negative before it), the form in which
/// dates are stored in [`Values`](super::Values) and returned by
/// [`Expr::eval_number`](super::Expr::eval_number).
pub fn days_from_date(date: NaiveDate) -> f64 {
    f64::from(date.to_epoch_days())
}

/// The date `days` after 1970-01-01 (fractions dropped toward the past), or
/// `None` when that is not a finite number or is outside chrono's range.
pub fn date_from_days(days: f64) -> Option<NaiveDate> {
    let days = days.floor();
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&days) {
        return None;
    }
    NaiveDate::from_epoch_days(days as i32)
}

/// Parses the text of a `date("...")` literal: strictly `YYYY-MM-DD`, as
/// the input files' dates are read.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    crate::date::ymd(text.as_bytes()).map(crate::date::to_naive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn days_count_from_the_unix_epoch() {
        assert_eq!(days_from_date(ymd(1970, 1, 1)), 0.0);
        assert_eq!(days_from_date(ymd(1970, 1, 2)), 1.0);
        assert_eq!(days_from_date(ymd(1969, 12, 31)), -1.0);
        // 56 years, 14 of them leap years (1972..=2024)
        assert_eq!(days_from_date(ymd(2026, 1, 1)), (56 * 365 + 14) as f64);
    }

    #[test]
    fn days_convert_back_to_dates() {
        assert_eq!(date_from_days(20454.0), Some(ymd(2026, 1, 1)));
        assert_eq!(date_from_days(-1.0), Some(ymd(1969, 12, 31)));
        assert_eq!(date_from_days(0.5), Some(ymd(1970, 1, 1)));
        assert_eq!(date_from_days(f64::NAN), None);
        assert_eq!(date_from_days(f64::INFINITY), None);
        assert_eq!(date_from_days(1e300), None);
    }

    #[test]
    fn only_iso_dates_parse() {
        assert_eq!(parse_date("2026-02-28"), Some(ymd(2026, 2, 28)));
        assert_eq!(parse_date("2028-02-29"), Some(ymd(2028, 2, 29)));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "2026/01/01",
            "",
            "2026-01-01T00:00:00Z",
            "+202-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
