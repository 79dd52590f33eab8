//! Numbers and dates read from a field, the same way for every file and
//! column: a decimal under [`MAX_NUMBER`] (plain ones on a fast path that
//! gives the same `f64` as the general parser) or a date, and otherwise a
//! message in the user's words saying what is wrong with the field. The
//! readers use them through `input`.

/// The bound every number read from a file must stay under, in absolute
/// value: 10 000 000 000 000 (`1e13`). An amount under it, to the cent, has
/// at most 15 significant digits, which an `f64` holds exactly to the cent;
/// past it cents start to be lost (and past 9.2e16 the money type's `i64`
/// cents saturate). The same bound for every column and every file.
pub const MAX_NUMBER: f64 = 1e13;

/// Parses a money or count field: a decimal number such as `12`, `12.5`,
/// `-3.99`, under [`MAX_NUMBER`] in absolute value. Plain decimals take a
/// fast path that gives the same `f64`.
pub fn parse_number(text: &str, column: &str) -> Result<f64, String> {
    number(text).map_err(|why| match why {
        "" => format!("column `{column}` is empty: a number is required"),
        why => format!("column `{column}`: `{text}` {why}"),
    })
}

/// A number field's value, or why it is not one: empty for an empty field,
/// else what to say after the field's text (`is not a number`).
pub fn number(text: &str) -> Result<f64, &'static str> {
    if let Some(v) = fast_number(text) {
        return Ok(v);
    }
    match text.parse::<f64>() {
        Ok(v) if v.abs() < MAX_NUMBER => Ok(v),
        // Any number past the bound, `1e400` (infinity to an f64) too, has a
        // digit; `inf` and `nan` spelt out have none, and are no numbers.
        Ok(_) if text.bytes().any(|c| c.is_ascii_digit()) => {
            Err("is too large: numbers must be under 1e13 (10 trillion), to be exact to the cent")
        }
        _ if text.is_empty() => Err(""),
        // `20%`: the sign is not accepted. A percent field (`coupon_pct`) takes the
        // number alone; a money field (`loss = 15%`) wants the amount itself.
        _ if text
            .trim_end()
            .strip_suffix('%')
            .is_some_and(|n| number(n.trim_end()).is_ok()) =>
        {
            Err(
                "is not a number: the `%` sign is not accepted (a percent field takes `20` for 20%, a money field the amount itself)",
            )
        }
        // `$1,200.50`, `1 200`, `€12`: a number dressed for people.
        _ if dressed(text).parse::<f64>().is_ok_and(f64::is_finite) => Err(
            "is not a number: write plain digits with a `.` for decimals (`1200.50`), without a currency sign or separators",
        ),
        _ => Err("is not a number"),
    }
}

/// A text less the currency signs, thousands separators and spaces people
/// write in amounts.
fn dressed(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '$' | '€' | '£' | '¥' | ',' | '_' | '\'') && !c.is_whitespace())
        .collect()
}

/// A plain decimal (`-12.34`, at most 15 digits, at most 13 before the
/// point: under [`MAX_NUMBER`]) without the general float parser; `None`
/// for anything else. The digits as an integer are exact, and one correctly
/// rounded division by a power of ten gives the same `f64` as `str::parse`.
fn fast_number(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut mantissa, mut digits, mut decimals, mut point) = (0u64, 0u32, 0u32, false);
    for &c in b {
        match c {
            // Past 15 digits the general parser decides, before the mantissa could overflow.
            b'0'..=b'9' if digits < 15 => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                digits += 1;
                decimals += u32::from(point);
            }
            b'0'..=b'9' => return None,
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if digits == 0 || digits - decimals > 13 {
        return None;
    }
    // Exact powers of ten (up to 1e15 < 2^53), so the division rounds once, as the general parser does.
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let v = mantissa as f64 / POW10[decimals as usize];
    Some(if neg { -v } else { v })
}

/// Parses a date field: `YYYY-MM-DD` or an RFC 3339 timestamp.
pub fn parse_date(text: &str, column: &str) -> Result<crate::date::Day, String> {
    crate::date::parse(text).ok_or_else(|| {
        if text.is_empty() {
            format!("column `{column}` is empty: a date is required")
        } else {
            format!("column `{column}`: `{text}` {}", crate::date::NOT_A_DATE)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_number_agrees_with_str_parse() {
        // The fast date path is checked against chrono in `date`'s tests.
        for text in [
            "0",
            "12",
            "12.5",
            "-3.99",
            "0.1",
            "123456.78",
            "99999999999.9999",
            "-0.30",
            "1.005",
            "7.",
        ] {
            assert_eq!(fast_number(text), text.parse::<f64>().ok(), "{text}");
        }
        // Past 13 digits before the point the general parser decides (and refuses).
        for other in [
            "",
            "-",
            ".",
            "1e5",
            "1.2.3",
            "+4",
            "1234567890123456",
            "inf",
            "1,5",
            "10000000000000",
            "-12345678901234.5",
            // More digits than a u64 holds (a debug build checks the overflow).
            "123456789012345678901234",
            "0.0000000000000000000001",
        ] {
            assert_eq!(fast_number(other), None, "{other}");
        }
        let mut seed = 7u64;
        for _ in 0..100_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let text = format!("{}.{:02}", (seed >> 20) % 100_000, (seed >> 8) % 100);
            assert_eq!(fast_number(&text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn numbers_and_dates_say_what_is_wrong() {
        assert_eq!(parse_number("-3.99", "amount"), Ok(-3.99));
        // A number dressed for people: said how to write it.
        let dressed = "is not a number: write plain digits with a `.` for decimals (`1200.50`), without a \
                       currency sign or separators";
        for text in ["12,5", "$1,200.00", "1 200", "€12"] {
            assert_eq!(
                parse_number(text, "amount").unwrap_err(),
                format!("column `amount`: `{text}` {dressed}"),
                "{text}"
            );
        }
        // A percent with its sign: said that the sign is not accepted, and what each kind of field takes.
        for text in ["20%", "12.5 %"] {
            assert_eq!(
                parse_number(text, "coupon_pct").unwrap_err(),
                format!(
                    "column `coupon_pct`: `{text}` is not a number: the `%` sign is not accepted (a percent field \
                     takes `20` for 20%, a money field the amount itself)"
                )
            );
        }
        assert_eq!(
            parse_number("%", "coupon_pct").unwrap_err(),
            "column `coupon_pct`: `%` is not a number"
        );
        assert_eq!(
            parse_number("twelve", "amount").unwrap_err(),
            "column `amount`: `twelve` is not a number"
        );
        assert_eq!(
            parse_number("inf", "amount").unwrap_err(),
            "column `amount`: `inf` is not a number"
        );
        assert_eq!(
            parse_number("", "amount").unwrap_err(),
            "column `amount` is empty: a number is required"
        );
        for nan in ["NaN", "nan", "-inf", "infinity"] {
            assert_eq!(
                parse_number(nan, "loss").unwrap_err(),
                format!("column `loss`: `{nan}` is not a number"),
                "{nan}"
            );
        }
        // Anything the general parser reads, under 1e13 in absolute value.
        for (text, value) in [
            ("1e3", 1000.0),
            ("-0", 0.0),
            ("+5", 5.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("9999999999999.99", 9_999_999_999_999.99),
            ("-9999999999999.99", -9_999_999_999_999.99),
            ("00000000000000000001", 1.0),
            ("1e-300", 1e-300),
        ] {
            assert_eq!(parse_number(text, "amount"), Ok(value), "{text}");
        }
        for big in [
            "1e13",
            "10000000000000",
            "-10000000000000.00",
            "1e18",
            "99999999999999999",
            "1e300",
            "-1e300",
            // Past an f64's range, the parse gives infinity: still a number too large.
            "1e309",
            "-1e400",
        ] {
            assert_eq!(
                parse_number(big, "amount").unwrap_err(),
                format!(
                    "column `amount`: `{big}` is too large: numbers must be under 1e13 (10 trillion), to be exact to the cent"
                ),
                "{big}"
            );
        }
        // Every cent under the bound is exact: the largest amounts round to their own cents.
        assert_eq!(
            crate::money::cents(parse_number("9999999999999.99", "amount").unwrap()),
            999_999_999_999_999
        );
        assert_eq!(
            crate::money::cents(parse_number("-9999999999999.99", "amount").unwrap()),
            -999_999_999_999_999
        );
        assert_eq!(
            crate::money::cents(parse_number("1234567890123.45", "amount").unwrap()),
            123_456_789_012_345
        );
        assert_eq!(
            parse_date("2026-13-01", "date").unwrap_err(),
            "column `date`: `2026-13-01` is not a date (expected YYYY-MM-DD)"
        );
    }
}
