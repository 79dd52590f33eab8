//! Batch rows for scripts: CSV, or JSON Lines with the same names and the same
//! number text (SPEC §6).
//!
//! Numbers are written the same way every time, so that two runs, or two
//! thread counts, give byte-identical files and a diff shows only real changes:
//! money (`cost`, `value`, `future_value`, `value_at_risk`, `impact`) to cents,
//! half away from zero, without grouping or symbol (`-3.50`); shares
//! (`churn_before`, `churn_after`, `p_alive`) to 6 decimals. A rejected row has
//! its figures empty (`null` in JSON Lines) and its reason in `error`.
//!
//! Rows are appended to a byte buffer so that many can be formatted in
//! parallel and written in order.

use chrono::Datelike;

use crate::batch::{Decision, Outcome};
use crate::date::{self, Day};
use crate::money;

/// The columns, in order: SPEC §6's first, then goodwill's.
pub const COLUMNS: [&str; 19] = [
    "case_id",
    "customer_id",
    "kind",
    "decision",
    "gesture",
    "cost",
    "value",
    "future_value",
    "churn_before",
    "churn_after",
    "impact",
    "rule",
    "error",
    "line",
    "date",
    "label",
    "p_alive",
    "value_at_risk",
    "escalation",
];

/// The header line of the CSV.
pub fn header(out: &mut Vec<u8>) {
    out.extend_from_slice(COLUMNS.join(",").as_bytes());
    out.push(b'\n');
}

/// One column's value, before it is written as CSV or JSON.
enum Field<'a> {
    Text(&'a str),
    Rules(&'a [&'a str]),
    Error(u64, &'a str),
    Money(f64),
    Share(f64),
    Count(u64),
    Day(Day),
    Empty,
}

/// Calls `each` with every column of a row, in [`COLUMNS`] order.
fn fields<'a>(o: &'a Outcome<'a>, mut each: impl FnMut(Field<'a>)) {
    let answered = o.decision != Decision::Error;
    let money = |x: f64| if answered { Field::Money(x) } else { Field::Empty };
    let share = |x: f64| if answered { Field::Share(x) } else { Field::Empty };
    each(Field::Text(o.case_id));
    each(Field::Text(o.customer_id));
    each(Field::Text(o.kind));
    each(Field::Text(o.decision.as_str()));
    each(Field::Text(o.gesture));
    each(money(o.cost));
    each(money(o.value));
    each(money(o.future_value));
    each(share(o.churn_before));
    each(share(o.churn_after));
    each(money(o.impact));
    each(Field::Rules(&o.rules));
    each(match &o.error {
        Some(e) => Field::Error(o.line, e),
        None => Field::Text(""),
    });
    each(Field::Count(o.line));
    each(o.date.map_or(Field::Empty, Field::Day));
    each(Field::Text(o.label));
    each(share(o.p_alive));
    each(money(o.value_at_risk));
    each(Field::Text(o.escalation.as_deref().unwrap_or("")));
}

/// Writes a figure's text; false when the field is text (to be quoted by the caller).
fn figure(out: &mut Vec<u8>, f: &Field<'_>) -> bool {
    // Writing to a Vec cannot fail.
    match *f {
        Field::Money(x) => write_money(out, x),
        Field::Share(x) => write_share(out, x),
        Field::Count(n) => write_int(out, n),
        _ => return false,
    }
    true
}

/// The text of a text field, written through `put` in parts.
fn text(f: &Field<'_>, put: &mut dyn FnMut(&str)) {
    match *f {
        Field::Text(t) => put(t),
        Field::Rules(rules) => {
            for (i, r) in rules.iter().enumerate() {
                if i > 0 {
                    put(";");
                }
                put(r);
            }
        }
        Field::Error(line, e) => {
            put("line ");
            put(&line.to_string());
            put(": ");
            put(e);
        }
        _ => {}
    }
}

/// Appends one CSV row.
pub fn row(out: &mut Vec<u8>, o: &Outcome<'_>) {
    let mut first = true;
    fields(o, |f| {
        if !first {
            out.push(b',');
        }
        first = false;
        if let Field::Day(d) = f {
            write_day(out, d);
            return;
        }
        if matches!(f, Field::Empty) || figure(out, &f) {
            return;
        }
        let mut plain = true;
        text(&f, &mut |t| {
            plain &= !t.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        });
        if plain {
            text(&f, &mut |t| out.extend_from_slice(t.as_bytes()));
        } else {
            out.push(b'"');
            text(&f, &mut |t| {
                for b in t.bytes() {
                    if b == b'"' {
                        out.push(b'"');
                    }
                    out.push(b);
                }
            });
            out.push(b'"');
        }
    });
    out.push(b'\n');
}

/// Appends one JSON Lines row: an object with the CSV's columns, figures as
/// bare numbers with the CSV's text, empty figures `null`.
pub fn json_row(out: &mut Vec<u8>, o: &Outcome<'_>) {
    let mut i = 0;
    out.push(b'{');
    fields(o, |f| {
        if i > 0 {
            out.push(b',');
        }
        json_string(out, COLUMNS[i]);
        out.push(b':');
        i += 1;
        if let Field::Day(d) = f {
            out.push(b'"');
            write_day(out, d);
            out.push(b'"');
        } else if matches!(f, Field::Empty) {
            out.extend_from_slice(b"null");
        } else if !figure(out, &f) {
            let mut s = String::new();
            text(&f, &mut |t| s.push_str(t));
            json_string(out, &s);
        }
    });
    out.extend_from_slice(b"}\n");
}

fn write_day(out: &mut Vec<u8>, day: Day) {
    let n = date::to_naive(day);
    write_padded(out, n.year().unsigned_abs().into(), 4);
    out.push(b'-');
    write_padded(out, n.month().into(), 2);
    out.push(b'-');
    write_padded(out, n.day().into(), 2);
}

/// Writes an integer in decimal: `core::fmt` is a large share of writing a million rows.
fn write_int(out: &mut Vec<u8>, n: u64) {
    write_padded(out, n, 1);
}

/// Writes an integer with at least `width` digits, zero-padded.
fn write_padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    while n > 0 || digits.len() - at < width {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits[at..]);
}

/// A number of `scale` units as `[-]whole.fraction` with `places` decimals.
fn write_fixed(out: &mut Vec<u8>, units: i64, scale: u64, places: usize) {
    if units < 0 {
        out.push(b'-');
    }
    let u = units.unsigned_abs();
    write_int(out, u / scale);
    out.push(b'.');
    write_padded(out, u % scale, places);
}

fn write_money(out: &mut Vec<u8>, amount: f64) {
    write_fixed(out, money::cents(amount), 100, 2);
}

fn write_share(out: &mut Vec<u8>, share: f64) {
    write_fixed(out, (share * 1e6).round() as i64, 1_000_000, 6);
}

/// Money to cents, half away from zero: `12.30`, `-3.50`, `0.00`.
pub fn money_text(amount: f64) -> String {
    let mut out = Vec::new();
    write_money(&mut out, amount);
    String::from_utf8_lossy(&out).into_owned()
}

/// A share to 6 decimals, half away from zero: `0.540000`; one that rounds to zero is `0.000000`.
pub fn share_text(share: f64) -> String {
    let mut out = Vec::new();
    write_share(&mut out, share);
    String::from_utf8_lossy(&out).into_owned()
}

fn json_string(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail, and a &str always serialises.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_one_text() {
        assert_eq!(money_text(12.3), "12.30");
        assert_eq!(money_text(-3.499), "-3.50");
        assert_eq!(money_text(-0.001), "0.00");
        assert_eq!(money_text(1234567.005), "1234567.01");
        assert_eq!(share_text(0.54), "0.540000");
        assert_eq!(share_text(0.2705), "0.270500");
        assert_eq!(share_text(-1e-9), "0.000000");
        assert_eq!(share_text(1.0), "1.000000");
        let mut out = Vec::new();
        write_day(&mut out, crate::date::parse("2026-03-07").unwrap());
        write_int(&mut out, 0);
        write_int(&mut out, 1_234_567);
        assert_eq!(String::from_utf8(out).unwrap(), "2026-03-0701234567");
    }

    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        let o = Outcome {
            case_id: "K,1",
            label: "say \"hi\"",
            ..crate::batch::Outcome::example()
        };
        let mut out = Vec::new();
        row(&mut out, &o);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("\"K,1\",C1,late,gesture,apology,0.00,"), "{text}");
        assert!(text.contains(",\"say \"\"hi\"\"\","), "{text}");
    }
}
