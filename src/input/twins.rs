//! Test support: the same rows written twice, as a plain CSV text the fast
//! readers split and with some fields quoted, which the csv crate reads, so
//! that a property test can ask both readers for the same answer.

use proptest::prelude::*;

/// Dates worth reading both ways: good, impossible, padded, unpadded,
/// timestamps, the ends of the calendar, empty, trailing junk.
pub const DATES: &[&str] = &[
    "2026-01-01",
    "2024-02-29",
    "2023-02-29",
    " 2026-01-02",
    "2026-1-1",
    "",
    "2026-01-01T10:00:00Z",
    "0000-01-01",
    "9999-12-31",
    "2026-01-01x",
];

/// Numbers worth reading both ways: plain, the general parser's forms,
/// not numbers, padded, empty, and either side of the 1e13 bound.
pub const NUMBERS: &[&str] = &[
    "5",
    "12.5",
    "-1",
    "1e3",
    ".5",
    "5.",
    "+5",
    "NaN",
    "inf",
    "",
    " 7 ",
    "1e300",
    "99999999999999999",
    "x",
    "-0",
    "1e13",
    "9999999999999.99",
    "123456789012345",
];

/// One of `values`.
pub fn pick(values: &'static [&'static str]) -> BoxedStrategy<String> {
    proptest::sample::select(values).prop_map(String::from).boxed()
}

/// A row: its fields, which of them to quote in the quoted copy (and, last,
/// whether that copy ends the line with a lone carriage return), its line end.
pub type Row = (Vec<String>, Vec<bool>, &'static str);

/// A row of one value from each of `fields`; most rows have them all, some
/// one fewer or one more, some none (a blank line).
pub fn row(fields: Vec<BoxedStrategy<String>>) -> impl Strategy<Value = Row> {
    let n = fields.len();
    let shape = prop_oneof![6 => Just(0), 1 => Just(-1), 1 => Just(1), 1 => Just(-2)];
    (
        fields,
        shape,
        proptest::collection::vec(any::<bool>(), n + 2),
        prop_oneof![Just("\n"), Just("\r\n")],
    )
        .prop_map(|(mut fields, shape, quote, end)| {
            match shape {
                -1 => drop(fields.pop()),
                1 => fields.push("more".into()),
                -2 => fields.clear(),
                _ => {}
            }
            (fields, quote, end)
        })
}

/// The plain and the quoted text of `header`, `rows` and then `last` (plain,
/// quoted: a quote anywhere sends a file to the csv crate), the last of
/// `rows` without its line end unless `final_end`. A row of no fields is a
/// blank line in both; the quoted copy may end a line with a lone carriage
/// return where the plain one has `\r\n` (not before a blank line, where
/// `\r\n` is one line end).
pub fn texts(header: &str, header_end: &str, rows: &[Row], final_end: bool, last: [&str; 2]) -> [String; 2] {
    let mut plain = format!("{header}{header_end}");
    let mut quoted = plain.clone();
    for (k, (fields, quote, end)) in rows.iter().enumerate() {
        let end = if k + 1 == rows.len() && !final_end { "" } else { end };
        plain.push_str(&fields.join(","));
        plain.push_str(end);
        let quoted_fields: Vec<String> = fields
            .iter()
            .zip(quote)
            .map(|(f, &q)| if q { format!("\"{f}\"") } else { f.clone() })
            .collect();
        quoted.push_str(&quoted_fields.join(","));
        let lone_cr = quote[quote.len() - 1] && rows.get(k + 1).is_some_and(|next| !next.0.is_empty());
        quoted.push_str(if end == "\r\n" && lone_cr { "\r" } else { end });
    }
    let tail = if final_end || rows.is_empty() { "" } else { "\n" };
    for (text, last) in [&mut plain, &mut quoted].into_iter().zip(last) {
        text.push_str(tail);
        text.push_str(last);
        text.push('\n');
    }
    [plain, quoted]
}
