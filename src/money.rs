//! Money: rounding to cents and display in the policy's currency.
//!
//! SPEC §5 rounds a gesture's cost to cents, half away from zero, before any
//! limit or impact uses it, and compares caps exactly to the cent. Amounts are
//! computed in `f64`, so a value meant as `12.345` arrives as
//! `12.344999...`; rounding first to a millionth of a cent recovers the
//! decimal the author wrote before the half-away-from-zero step.

/// Whole cents of an amount, rounded half away from zero.
pub fn cents(amount: f64) -> i64 {
    let hundredths = amount * 100.0;
    let cleaned = (hundredths * 1e6).round() / 1e6;
    cleaned.round() as i64
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
    let c = cents(amount);
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}{}", symbol(currency), grouped(c.unsigned_abs()))
}

/// Formats an amount with an explicit sign: `+$385.20`, `-$12.00`.
pub fn format_signed(amount: f64, currency: &str) -> String {
    if cents(amount) >= 0 {
        format!("+{}", format(amount, currency))
    } else {
        format(amount, currency)
    }
}

fn grouped(cents: u64) -> String {
    let whole = (cents / 100).to_string();
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero_on_the_written_decimal() {
        assert_eq!(cents(12.345), 1235);
        assert_eq!(cents(-12.345), -1235);
        assert_eq!(cents(1.005), 101);
        assert_eq!(cents(0.125), 13);
        assert_eq!(cents(12.344), 1234);
        assert_eq!(cents(0.0), 0);
        assert_eq!(round_cents(60.0 * 20.0 / 100.0), 12.0);
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
