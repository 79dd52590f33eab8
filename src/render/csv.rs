//! Batch rows for scripts: CSV, or JSON Lines with the same names and the same
//! number text (the README's "Batch").
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

/// The columns, in order: the README's "Batch" first, then goodwill's.
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

/// One column's value, before it is written as JSON ([`row`] writes CSV columns directly).
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

/// Writes a figure's text; false when the field is text (to be written by the caller).
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
///
/// The columns are written in [`COLUMNS`] order straight from the outcome: a batch
/// formats a million rows, and going through a `Field` and a callback per column
/// cost more than the writing itself.
pub fn row(out: &mut Vec<u8>, o: &Outcome<'_>) {
    // A typical row is about 160 bytes: one check here spares most pushes a reallocation.
    out.reserve(256);
    let answered = o.decision != Decision::Error;
    put_text(out, o.case_id);
    out.push(b',');
    put_text(out, o.customer_id);
    out.push(b',');
    put_text(out, o.kind);
    out.push(b',');
    // The decision words need no quotes.
    out.extend_from_slice(o.decision.as_str().as_bytes());
    out.push(b',');
    put_text(out, o.gesture);
    out.push(b',');
    if answered {
        write_money(out, o.cost);
        out.push(b',');
        write_money(out, o.value);
        out.push(b',');
        write_money(out, o.future_value);
        out.push(b',');
        write_share(out, o.churn_before);
        out.push(b',');
        write_share(out, o.churn_after);
        out.push(b',');
        write_money(out, o.impact);
        out.push(b',');
    } else {
        out.extend_from_slice(b",,,,,,");
    }
    put_rules(out, &o.rules);
    out.push(b',');
    if let Some(e) = &o.error {
        put_error(out, o.line, e);
    }
    out.push(b',');
    write_int(out, o.line);
    out.push(b',');
    if let Some(d) = o.date {
        write_day(out, d);
    }
    out.push(b',');
    put_text(out, o.label);
    out.push(b',');
    if answered {
        write_share(out, o.p_alive);
        out.push(b',');
        write_money(out, o.value_at_risk);
    } else {
        out.push(b',');
    }
    out.push(b',');
    if let Some(e) = &o.escalation {
        put_text(out, e);
    }
    out.push(b'\n');
}

/// Whether a CSV field holding `text` must be quoted: it holds the separator, a
/// quote or a line break (RFC 4180).
#[inline]
fn needs_quotes(text: &[u8]) -> bool {
    // Eight bytes at a time: most fields are ids and words that need no quotes,
    // so the whole text is read, and a byte at a time is a large share of a row.
    let mut chunks = text.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        if has_special(u64::from_le_bytes(word)) {
            return true;
        }
    }
    // Zero bytes pad the rest, and zero is not special.
    let rest = chunks
        .remainder()
        .iter()
        .rev()
        .fold(0, |word, &b| word << 8 | u64::from(b));
    has_special(rest)
}

/// Whether any of the eight bytes of `word` is `,`, `"`, `\n` or `\r`.
#[inline]
fn has_special(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // After the xor a byte is zero where it was the one looked for, and the
    // classic `(x - 0x0101..) & !x & 0x8080..` is nonzero exactly when some byte is.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & (ONES << 7);
    zero(word ^ (ONES * u64::from(b',')))
        | zero(word ^ (ONES * u64::from(b'"')))
        | zero(word ^ (ONES * u64::from(b'\n')))
        | zero(word ^ (ONES * u64::from(b'\r')))
        != 0
}

/// Appends `text` with every quote doubled, as inside a quoted CSV field.
fn put_escaped(out: &mut Vec<u8>, text: &[u8]) {
    let mut rest = text;
    while let Some(i) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=i]);
        out.push(b'"');
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// Appends a text field, quoted only when it must be.
#[inline]
fn put_text(out: &mut Vec<u8>, text: &str) {
    let b = text.as_bytes();
    if needs_quotes(b) {
        out.push(b'"');
        put_escaped(out, b);
        out.push(b'"');
    } else {
        out.extend_from_slice(b);
    }
}

/// Appends the `rule` field: the rule ids joined with `;`, quoted as one text.
fn put_rules(out: &mut Vec<u8>, rules: &[&str]) {
    let quoted = rules.iter().any(|r| needs_quotes(r.as_bytes()));
    if quoted {
        out.push(b'"');
    }
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        if quoted {
            put_escaped(out, r.as_bytes());
        } else {
            out.extend_from_slice(r.as_bytes());
        }
    }
    if quoted {
        out.push(b'"');
    }
}

/// Appends the `error` field, `line N: reason`, quoted as one text.
fn put_error(out: &mut Vec<u8>, line: u64, reason: &str) {
    // `line N: ` never needs quotes, so the reason alone decides.
    let quoted = needs_quotes(reason.as_bytes());
    if quoted {
        out.push(b'"');
    }
    out.extend_from_slice(b"line ");
    write_int(out, line);
    out.extend_from_slice(b": ");
    if quoted {
        put_escaped(out, reason.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(reason.as_bytes());
    }
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

/// Writes a day as `YYYY-MM-DD`: the year without sign, at least 4 digits.
fn write_day(out: &mut Vec<u8>, day: Day) {
    let Some((y, m, d)) = date::civil(day) else {
        // Far-off days keep chrono's calendar and its handling of days it cannot represent.
        let n = date::to_naive(day);
        write_padded(out, n.year().unsigned_abs().into(), 4);
        out.push(b'-');
        write_padded(out, n.month().into(), 2);
        out.push(b'-');
        write_padded(out, n.day().into(), 2);
        return;
    };
    // Digits are put in place: built on the stack, they would be read back
    // before their stores were done, which stalls.
    let at = out.len();
    out.extend_from_slice(b"0000-00-00");
    let text = &mut out[at..];
    put_pair(&mut text[0..2], y / 100);
    put_pair(&mut text[2..4], y % 100);
    put_pair(&mut text[5..7], m);
    put_pair(&mut text[8..10], d);
}

/// The texts of 0 to 99 as two digits each, back to back: one division by 100
/// gives two digits.
const PAIRS: [u8; 200] = {
    let mut t = [0; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Puts `n` (below 100) as two digits into `to` (two bytes).
#[inline]
fn put_pair(to: &mut [u8], n: u32) {
    let at = (n as usize % 100) * 2;
    to.copy_from_slice(&PAIRS[at..at + 2]);
}

/// Room for a sign, the 20 digits of a `u64`, a point and 6 decimals.
const NUMBER: usize = 32;

/// The number of decimal digits of `n`, 1 for 0.
#[inline]
fn digit_count(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// Puts `n`'s digits into `to`, ending at `to[end]` (excluded).
#[inline]
fn digits_before(to: &mut [u8], mut end: usize, mut n: u64) {
    while n >= 100 {
        let at = (n % 100) as usize * 2;
        n /= 100;
        end -= 2;
        to[end..end + 2].copy_from_slice(&PAIRS[at..at + 2]);
    }
    if n >= 10 {
        let at = n as usize * 2;
        to[end - 2..end].copy_from_slice(&PAIRS[at..at + 2]);
    } else {
        to[end - 1] = b'0' + n as u8;
    }
}

/// Appends [`NUMBER`] bytes `fill` and returns where they start: digits go
/// straight into the row, then [`Vec::truncate`] cuts the number to its length.
/// A copy of a constant length is a couple of stores, where one of the
/// number's length would call `memcpy`, and digits built on the stack would
/// be read back before their stores were done, which stalls.
#[inline]
fn open_number(out: &mut Vec<u8>, fill: u8) -> usize {
    let at = out.len();
    out.extend_from_slice(&[fill; NUMBER]);
    at
}

/// Writes an integer in decimal: `core::fmt` is a large share of writing a million rows.
#[inline]
fn write_int(out: &mut Vec<u8>, n: u64) {
    write_padded(out, n, 1);
}

/// Writes an integer with at least `width` digits (at most 20), zero-padded.
#[inline]
fn write_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let len = digit_count(n).max(width.min(20));
    // The fill is the padding.
    let at = open_number(out, b'0');
    digits_before(&mut out[at..], len, n);
    out.truncate(at + len);
}

/// A number of units of 10 to the minus `PLACES` (an even number) as
/// `[-]whole.fraction`: a constant `PLACES` turns the divisions into multiplications.
#[inline(always)]
fn write_fixed<const PLACES: usize>(out: &mut Vec<u8>, units: i64) {
    let scale = const { 10u64.pow(PLACES as u32) };
    let u = units.unsigned_abs();
    let whole = u / scale;
    let len = usize::from(units < 0) + digit_count(whole) + 1 + PLACES;
    // The sign, when there is one, is the first byte, which the digits leave as it is.
    let at = open_number(out, b'-');
    let to = &mut out[at..];
    let mut fraction = u % scale;
    let mut end = len;
    // A fixed number of pairs, so that the loop unrolls.
    for _ in 0..PLACES / 2 {
        let pair = (fraction % 100) as usize * 2;
        fraction /= 100;
        end -= 2;
        to[end..end + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    to[end - 1] = b'.';
    digits_before(to, end - 1, whole);
    out.truncate(at + len);
}

/// Writes money to cents, half away from zero (see [`money::cents`]).
#[inline]
fn write_money(out: &mut Vec<u8>, amount: f64) {
    write_fixed::<2>(out, money::cents(amount));
}

/// Writes a share to 6 decimals, half away from zero on the decimal it stands
/// for (see [`money::round_half_away`]): `0.3038755` is `0.303876` even when it
/// arrives as `0.30387549999999997`.
#[inline]
fn write_share(out: &mut Vec<u8>, share: f64) {
    write_fixed::<6>(out, money::round_half_away(share, 1e6));
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

/// Appends `text` as a JSON string.
fn json_string(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail, and a &str always serialises.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::{CIVIL_FIRST_DAY, CIVIL_LAST_DAY};

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
        assert_eq!(share_text(0.372 - 0.202 * (0.372 - 0.03475)), "0.303876");
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

    /// The implementation before rows were written column by column, kept to
    /// check that the output has not changed by a byte: the rows as they were
    /// put together (from the columns `json_row` still uses) and the numbers
    /// as they were written.
    mod reference {
        use chrono::Datelike;

        use super::super::{COLUMNS, Field, fields, json_string, text};
        use crate::batch::Outcome;
        use crate::date::{self, Day};
        use crate::money;

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

        /// Writes a day as `YYYY-MM-DD` through chrono.
        pub fn write_day(out: &mut Vec<u8>, day: Day) {
            let n = date::to_naive(day);
            write_padded(out, n.year().unsigned_abs().into(), 4);
            out.push(b'-');
            write_padded(out, n.month().into(), 2);
            out.push(b'-');
            write_padded(out, n.day().into(), 2);
        }

        /// Writes an integer in decimal: `core::fmt` is a large share of writing a million rows.
        pub fn write_int(out: &mut Vec<u8>, n: u64) {
            write_padded(out, n, 1);
        }

        /// Writes an integer with at least `width` digits, zero-padded.
        pub fn write_padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
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
        pub fn write_fixed(out: &mut Vec<u8>, units: i64, scale: u64, places: usize) {
            if units < 0 {
                out.push(b'-');
            }
            let u = units.unsigned_abs();
            write_int(out, u / scale);
            out.push(b'.');
            write_padded(out, u % scale, places);
        }

        /// Writes money to cents.
        pub fn write_money(out: &mut Vec<u8>, amount: f64) {
            write_fixed(out, money::cents(amount), 100, 2);
        }

        /// Writes a share to 6 decimals (the rounding is shared with the new code, as for money).
        pub fn write_share(out: &mut Vec<u8>, share: f64) {
            write_fixed(out, money::round_half_away(share, 1e6), 1_000_000, 6);
        }
    }

    /// A small deterministic generator (SplitMix64): the same cases on every run, no crate.
    struct Rng(u64);

    impl Rng {
        /// The next 64 random bits.
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// A number below `n` (not quite uniform, which does not matter here).
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// One of `items`.
        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    /// Texts that exercise quoting: separators, quotes, both line breaks,
    /// non-ASCII, empty, and long ones whose special byte comes late.
    fn texts(rng: &mut Rng) -> Vec<String> {
        let mut texts: Vec<String> = [
            "",
            "K00000001",
            "C0200383",
            "late_delivery",
            "credit_15",
            "a,b",
            "say \"hi\"",
            "\"",
            "\"\"",
            ",",
            "line\nbreak",
            "cr\rhere",
            "\r\n",
            "ünïcödé €",
            "日本語,テキスト",
            "x;y",
            "Apologise, with no other gesture",
            "the loss is above what a rep may compensate alone (150)",
            "`date` is not a date: `2025-13-01`",
            " spaces ",
            "tab\there",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let long = "abcdefghij".repeat(10);
        for special in [",", "\"", "\n", "\r"] {
            texts.push(format!("{long}{special}"));
            texts.push(format!("{special}{long}"));
            texts.push(format!("{}{special}{}", &long[..37], &long[37..]));
        }
        let alphabet = ['a', 'Z', '0', ' ', ',', '"', '\n', '\r', ';', 'é', '€', '\t', '+', '-'];
        for _ in 0..400 {
            let len = rng.below(90);
            let plain = rng.below(2) == 0;
            texts.push(
                (0..len)
                    .map(|_| {
                        if plain {
                            rng.pick(&alphabet[..4])
                        } else {
                            rng.pick(&alphabet)
                        }
                    })
                    .collect(),
            );
        }
        texts
    }

    /// Amounts and shares at the edges of rounding and of `i64`, and at random.
    fn figure_value(rng: &mut Rng) -> f64 {
        const EDGES: [f64; 44] = [
            -3.505,
            0.0,
            -0.0,
            -0.004,
            0.004,
            0.005,
            -0.005,
            1e12,
            -1e12,
            0.1234565,
            -0.1234565,
            0.0000005,
            -0.0000005,
            0.9999995,
            12.345,
            -12.345,
            1.005,
            0.125,
            0.5,
            -0.5,
            1234567.005,
            9.2e12,
            9.3e12,
            -9.3e12,
            9.2e16,
            9.3e16,
            -9.3e16,
            1e19,
            -1e19,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            4503599627370496.5,
            4503599627370497.0,
            0.49999999999999994,
            2.5e-7,
            -2.5e-7,
            99.995,
        ];
        match rng.below(6) {
            0 => rng.pick(&EDGES),
            // Any bit pattern: subnormals, NaNs, infinities, everything.
            1 => f64::from_bits(rng.next()),
            // Whole cents, or a written decimal with a half at the third place.
            2 => (rng.next() % 10_000_000) as f64 / 100.0 - 50_000.0,
            3 => (rng.next() % 10_000_000) as f64 / 1000.0 - 5000.0,
            // Any magnitude from 1e-9 to 1e20.
            4 => {
                let mantissa = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
                sign * mantissa * 10f64.powi(rng.below(30) as i32 - 9)
            }
            _ => (rng.next() >> 11) as f64 / (1u64 << 53) as f64,
        }
    }

    /// A day near the edges of the fast calendar, far beyond it, or anywhere in years 1 to 9999.
    fn day_value(rng: &mut Rng) -> Option<Day> {
        let chrono_min = date::from_naive(chrono::NaiveDate::MIN);
        let chrono_max = date::from_naive(chrono::NaiveDate::MAX);
        let edges = [
            CIVIL_FIRST_DAY - 1,
            CIVIL_FIRST_DAY,
            CIVIL_LAST_DAY,
            CIVIL_LAST_DAY + 1,
            -719_162,
            0,
            -1,
            chrono_min,
            chrono_min - 1,
            chrono_max,
            chrono_max + 1,
            i32::MIN,
            // The old code adds the days to 0001-01-01 in `i32`: no later day is possible.
            i32::MAX - 719_163,
        ];
        match rng.below(5) {
            0 => None,
            1 => Some(rng.pick(&edges)),
            2 => Some(rng.next() as i32 % (i32::MAX - 719_163)),
            _ => Some(-719_162 + rng.below(3_652_059) as Day),
        }
    }

    /// `count` outcomes mixing every decision with the values above.
    fn generated<'a>(rng: &mut Rng, texts: &'a [String], count: usize) -> Vec<Outcome<'a>> {
        let lines = [0, 1, 2, 9, 10, 99, 100, 12_345, u64::MAX];
        let text = |rng: &mut Rng| texts[rng.below(texts.len())].as_str();
        (0..count)
            .map(|_| Outcome {
                line: if rng.below(2) == 0 {
                    rng.pick(&lines)
                } else {
                    rng.next() >> rng.below(64)
                },
                case_id: text(rng),
                customer_id: text(rng),
                kind: text(rng),
                date: day_value(rng),
                decision: rng.pick(&[Decision::Gesture, Decision::Escalate, Decision::Error]),
                gesture: text(rng),
                label: text(rng),
                cost: figure_value(rng),
                value: figure_value(rng),
                future_value: figure_value(rng),
                p_alive: figure_value(rng),
                churn_before: figure_value(rng),
                churn_after: figure_value(rng),
                value_at_risk: figure_value(rng),
                impact: figure_value(rng),
                rules: (0..rng.pick(&[0, 0, 1, 1, 2, 4])).map(|_| text(rng)).collect(),
                escalation: (rng.below(3) == 0).then(|| text(rng).to_string()),
                error: (rng.below(3) == 0).then(|| text(rng).to_string()),
                ..Outcome::example()
            })
            .collect()
    }

    #[test]
    fn rows_are_byte_identical_to_the_reference() {
        let mut rng = Rng(0x5EED);
        let texts = texts(&mut rng);
        let outcomes = generated(&mut rng, &texts, 100_000);
        let (mut new, mut old) = (Vec::new(), Vec::new());
        for o in &outcomes {
            new.clear();
            old.clear();
            row(&mut new, o);
            reference::row(&mut old, o);
            assert_eq!(String::from_utf8_lossy(&new), String::from_utf8_lossy(&old), "{o:?}");
            assert_eq!(new, old, "{o:?}");
            new.clear();
            old.clear();
            json_row(&mut new, o);
            reference::json_row(&mut old, o);
            assert_eq!(new, old, "{o:?}");
        }
        // Appending, as a batch does, leaves earlier rows alone.
        new.clear();
        old.clear();
        for o in &outcomes[..1000] {
            row(&mut new, o);
            reference::row(&mut old, o);
        }
        assert_eq!(new, old);
    }

    #[test]
    fn figures_are_byte_identical_to_the_reference() {
        let mut rng = Rng(0xF16);
        let (mut new, mut old) = (Vec::new(), Vec::new());
        for _ in 0..1_000_000 {
            let x = figure_value(&mut rng);
            let n = rng.next() >> rng.below(64);
            new.clear();
            old.clear();
            write_money(&mut new, x);
            write_share(&mut new, x);
            write_int(&mut new, n);
            write_padded(&mut new, n, 4);
            reference::write_money(&mut old, x);
            reference::write_share(&mut old, x);
            reference::write_int(&mut old, n);
            reference::write_padded(&mut old, n, 4);
            assert_eq!(new, old, "{x:e} {n}");
        }
    }

    #[test]
    fn every_day_from_year_minus_1_to_10001_is_written_as_before() {
        let (mut new, mut old) = (Vec::new(), Vec::new());
        let first = date::from_naive(chrono::NaiveDate::from_ymd_opt(-1, 1, 1).unwrap_or_default());
        let last = date::from_naive(chrono::NaiveDate::from_ymd_opt(10_001, 1, 1).unwrap_or_default());
        assert_eq!(date::ymd(b"0000-03-01"), Some(CIVIL_FIRST_DAY));
        assert_eq!(date::ymd(b"9999-12-31"), Some(CIVIL_LAST_DAY));
        for day in first..=last {
            write_day(&mut new, day);
            reference::write_day(&mut old, day);
        }
        assert_eq!(new, old);
    }
}
