//! Money: rounding to cents and display in the policy's currency.
//!
//! The README's "The model" rounds a gesture's cost to cents, half away from zero, before any
//! limit or impact uses it, and compares caps exactly to the cent. Amounts are
//! computed in `f64`, so a value meant as `12.345` arrives as
//! `12.344999...`: [`round_half_away`] takes a figure within float noise of a
//! half as the half the author wrote, and rounds anything else as it is.

use std::ops::Range;

use crate::diagnostic::Diagnostic;

/// Whole cents of an amount, rounded half away from zero.
pub fn cents(amount: f64) -> i64 {
    round_half_away(amount, 100.0)
}

/// How far from a half a scaled figure may be and still count as that half:
/// a billionth of a unit, or a trillionth of the figure when that is more,
/// but never more than a thousandth of a unit. Float noise on the few
/// operations behind a cost or a share is below a thousandth of either; a
/// computed figure such as a future value is rarely that close to a half
/// without being on it. The cap keeps whole cents whole where a float has
/// few fractional digits left: `9999999999999.99`, the largest amount an
/// input may hold, is 999999999999999.0 cents, a trillionth of which is a
/// thousand cents.
const HALF_NOISE_UNITS: f64 = 1e-9;
const HALF_NOISE_RELATIVE: f64 = 1e-12;
const HALF_NOISE_MAX: f64 = 1e-3;

/// `x` in whole units of `1 / scale`, rounded half away from zero on the
/// decimal it stands for: `3.3949999999999996` (4.85 * 0.70) is taken as the
/// `3.395` it means and gives 340 cents, but a future value of
/// `148.77499999860414`, truly below the half, gives 14877.
pub fn round_half_away(x: f64, scale: f64) -> i64 {
    let scaled = x * scale;
    let half = scaled.trunc() + 0.5_f64.copysign(scaled);
    let noise = (scaled.abs() * HALF_NOISE_RELATIVE).clamp(HALF_NOISE_UNITS, HALF_NOISE_MAX);
    if (scaled - half).abs() <= noise {
        half.round() as i64
    } else {
        scaled.round() as i64
    }
}

/// The error for an amount compared to the cent but written with more
/// decimals (`14.999`), which rounding would quietly change; `None` for
/// whole cents, give or take float noise. `what` names the key, `written`
/// is its text in the file, and the help offers the cents or "the `meant`
/// you mean".
pub fn finer_than_cents(amount: f64, what: &str, written: &str, meant: &str, span: Range<usize>) -> Option<Diagnostic> {
    let scaled = amount * 100.0;
    // A millionth of a cent, or a few units in the last place of an amount too large to hold one.
    let tolerance = 1e-6_f64.max(scaled.abs() * 4.0 * f64::EPSILON);
    if (scaled - scaled.round()).abs() <= tolerance {
        return None;
    }
    let message = format!("`{what}` is money, compared to the cent: `{written}` has more decimals");
    Some(
        Diagnostic::error("wrong-type", span, message)
            // Either way: `3.51` for a cap of 3.505 would let the cost it was
            // written to keep out pass.
            .with_help(format!(
                "write `{}` or `{}`, the {meant} you mean",
                decimal(scaled.floor() as i64),
                decimal(scaled.ceil() as i64)
            )),
    )
}

/// An amount rounded to cents.
pub fn round_cents(amount: f64) -> f64 {
    cents(amount) as f64 / 100.0
}

/// The symbol shown before amounts of a currency, or the code and a space.
pub fn symbol(currency: &str) -> String {
    match currency {
        "USD" | "CAD" | "AUD" | "NZD" => "$".into(),
        "EUR" => "€".into(),
        "GBP" => "£".into(),
        "JPY" => "¥".into(),
        other => format!("{other} "),
    }
}

/// Formats an amount with its currency, rounded to cents: `$1,234.50`, `-$3.99`.
pub fn format(amount: f64, currency: &str) -> String {
    format_cents(cents(amount), currency)
}

/// Formats an amount with an explicit sign: `+$385.20`, `-$12.00`.
pub fn format_signed(amount: f64, currency: &str) -> String {
    format_cents_signed(cents(amount), currency)
}

/// Formats a whole number of cents, as [`format()`] does an amount: a total
/// kept in cents is shown exactly, however large (an `f64` holds whole
/// cents exactly only up to about 9e13 dollars).
pub fn format_cents(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}{}", symbol(currency), grouped(cents.unsigned_abs()))
}

/// Formats a whole number of cents with an explicit sign, as [`format_signed`] does.
pub fn format_cents_signed(cents: i64, currency: &str) -> String {
    if cents >= 0 {
        format!("+{}", format_cents(cents, currency))
    } else {
        format_cents(cents, currency)
    }
}

/// A whole number of cents as a plain decimal, as a policy file writes it:
/// `12.00`, `-3.99`, with no currency and no grouping.
pub fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn grouped(cents: u64) -> String {
    format!("{}.{:02}", group(cents / 100), cents % 100)
}

/// A whole number with its thousands grouped, as amounts are: `1,000,000`.
pub fn group(n: u64) -> String {
    let whole = n.to_string();
    let mut out = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_read_as_plain_decimals() {
        for (cents, text) in [
            (0, "0.00"),
            (5, "0.05"),
            (-5, "-0.05"),
            (1200, "12.00"),
            (-399, "-3.99"),
            (123_456_789, "1234567.89"),
            (i64::MIN, "-92233720368547758.08"),
        ] {
            assert_eq!(decimal(cents), text);
        }
    }

    #[test]
    fn whole_numbers_group_their_thousands() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (22_795, "22,795"),
            (1_000_000, "1,000,000"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(group(n), text);
        }
        assert_eq!(format(1_234_567.891, "USD"), "$1,234,567.89");
        // Totals of cents, exact beyond what an f64 of dollars holds.
        assert_eq!(
            format_cents(999_999_999_999_900_000, "USD"),
            "$9,999,999,999,999,000.00"
        );
        assert_eq!(format_cents(i64::MAX, "EUR"), "€92,233,720,368,547,758.07");
        assert_eq!(format_cents(i64::MIN, "USD"), "-$92,233,720,368,547,758.08");
        assert_eq!(format_cents_signed(0, "USD"), "+$0.00");
        assert_eq!(format_cents_signed(-5, "GBP"), "-£0.05");
    }

    #[test]
    fn only_an_amount_finer_than_cents_is_refused() {
        for whole in [0.0, 0.29, 3.5, 150.0, 14.99, 9_999_999_999_999.99] {
            assert!(finer_than_cents(whole, "cap", "x", "limit", 0..1).is_none(), "{whole}");
        }
        let d = finer_than_cents(3.505, "cap", "3.505", "limit", 4..9).expect("3.505 has a tenth of a cent");
        assert_eq!((d.code, d.span), ("wrong-type", 4..9));
        assert_eq!(
            d.message,
            "`cap` is money, compared to the cent: `3.505` has more decimals"
        );
        assert_eq!(d.help.as_deref(), Some("write `3.50` or `3.51`, the limit you mean"));
        assert!(finer_than_cents(149.999, "cap", "149.999", "limit", 0..1).is_some());
        assert!(finer_than_cents(0.001, "cap", "0.001", "limit", 0..1).is_some());
    }

    #[test]
    fn rounds_half_away_from_zero_on_the_written_decimal() {
        assert_eq!(cents(12.345), 1235);
        assert_eq!(cents(-12.345), -1235);
        assert_eq!(cents(1.005), 101);
        assert_eq!(cents(0.125), 13);
        assert_eq!(cents(12.344), 1234);
        assert_eq!(cents(0.0), 0);
        assert_eq!(round_cents(60.0 * 20.0 / 100.0), 12.0);
        assert_eq!(cents(4.85 * 0.70), 340);
        assert_eq!(cents(-(4.85 * 0.70)), -340);
    }

    #[test]
    fn a_computed_figure_near_a_half_rounds_as_it_is() {
        // FV = 0.30 * 190.82 * 2.598871536851555386... = 148.774999998604139...
        assert_eq!(cents(148.774_999_998_604_14), 14877);
        assert_eq!(cents(-148.774_999_998_604_14), -14877);
        assert_eq!(cents(148.775_000_001_395_86), 14878);
        // Shares to 6 decimals: 0.372 - 0.202 * 0.33725 is 0.3038755 exactly.
        assert_eq!(round_half_away(0.372 - 0.202 * (0.372 - 0.03475), 1e6), 303_876);
        assert_eq!(round_half_away(0.303_875_4, 1e6), 303_875);
        // Where a float keeps few fractional digits, whole cents stay whole.
        assert_eq!(cents(9_999_999_999_999.99), 999_999_999_999_999);
        assert_eq!(cents(-9_999_999_999_999.99), -999_999_999_999_999);
        assert_eq!(cents(1_234_567_890_123.5), 123_456_789_012_350);
    }

    #[test]
    fn formats_with_symbol_and_grouping() {
        assert_eq!(format(812.404, "USD"), "$812.40");
        assert_eq!(format(1234567.5, "USD"), "$1,234,567.50");
        assert_eq!(format(-3.99, "USD"), "-$3.99");
        assert_eq!(format(5.0, "CHF"), "CHF 5.00");
        assert_eq!(format_signed(385.2, "EUR"), "+€385.20");
        assert_eq!(format_signed(-12.0, "USD"), "-$12.00");
        assert_eq!(format_signed(-0.001, "USD"), "+$0.00");
    }
}
