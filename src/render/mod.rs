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

/// Items as a sentence lists them: `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The first `most` of `items`, then how many more, as a sentence lists
/// them: `a, b and 3 more`.
pub fn and_list_first(mut items: Vec<String>, most: usize) -> String {
    let more = items.len().saturating_sub(most);
    items.truncate(most);
    if more > 0 {
        items.push(format!("{} more", crate::money::group(more as u64)));
    }
    and_list(&items)
}

/// A kind or gesture id as a summary's cell shows it: `(none)` when empty,
/// and in backticks when it would read as one of the summary's own labels
/// (`all`, `(none)`, `(escalated)`, `(rejected)`) or starts with a backtick.
/// A rejected row's kind is whatever its file holds.
pub fn label(id: &str) -> std::borrow::Cow<'_, str> {
    const OWN: [&str; 4] = ["all", "(none)", "(escalated)", "(rejected)"];
    if id.is_empty() {
        "(none)".into()
    } else if OWN.contains(&id) || id.starts_with('`') {
        format!("`{id}`").into()
    } else {
        id.into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_label_never_reads_as_the_summarys_own() {
        use super::label;
        assert_eq!(label("late_delivery"), "late_delivery");
        assert_eq!(label(""), "(none)");
        assert_eq!(label("all"), "`all`");
        assert_eq!(label("(none)"), "`(none)`");
        assert_eq!(label("(rejected)"), "`(rejected)`");
        assert_eq!(label("(escalated)"), "`(escalated)`");
        assert_eq!(label("`all`"), "``all``");
        assert_eq!(label("All"), "All");
        assert_eq!(label("(other)"), "(other)");
    }

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
