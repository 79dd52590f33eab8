//! Everything a person or a script reads: the rep's one-screen answer, JSON,
//! CSV. The engine returns data; these modules only format it.

pub mod cases;
pub mod csv;
pub mod diff;
pub mod json;
pub mod summary;
pub mod table;

/// A share as a percentage to a tenth, halves away from zero as money is,
/// and without the tenth when it is 0: `0.54` is `54%`, `0.1235` `12.4%`.
pub fn percent(share: f64) -> String {
    let tenths = crate::money::round_half_away(share, 1000.0);
    let sign = if tenths < 0 { "-" } else { "" };
    let abs = tenths.unsigned_abs();
    match abs % 10 {
        0 => format!("{sign}{}%", abs / 10),
        tenth => format!("{sign}{}.{tenth}%", abs / 10),
    }
}

/// The `s` of a plural noun, for a count: `format!("{n} row{}", plural(n))`.
pub fn plural<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_rounds_to_whole_or_one_decimal() {
        assert_eq!(super::percent(0.54), "54%");
        assert_eq!(super::percent(0.05), "5%");
        assert_eq!(super::percent(0.2705), "27.1%");
        assert_eq!(super::percent(1.0), "100%");
        assert_eq!(super::percent(0.359), "35.9%");
        assert_eq!(super::percent(0.0), "0%");
    }

    #[test]
    fn a_half_tenth_rounds_away_from_zero_as_money_does() {
        // 12.35 is 12.349999... in binary: `format!("{:.1}")` gave 12.3%.
        assert_eq!(super::percent(0.1235), "12.4%");
        assert_eq!(super::percent(0.0995), "10%");
        assert_eq!(super::percent(0.5405), "54.1%");
        assert_eq!(super::percent(0.00049), "0%");
        assert_eq!(super::percent(-0.0125), "-1.3%");
    }
}
