//! Everything a person or a script reads: the rep's one-screen answer, JSON,
//! CSV. The engine returns data; these modules only format it.

pub mod cases;
pub mod csv;
pub mod diff;
pub mod json;
pub mod summary;
pub mod table;

/// A share as a whole percentage: `0.54` is `54%`.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_rounds_to_whole_or_one_decimal() {
        assert_eq!(super::percent(0.54), "54%");
        assert_eq!(super::percent(0.05), "5%");
        assert_eq!(super::percent(0.2705), "27.1%");
        assert_eq!(super::percent(1.0), "100%");
    }
}
