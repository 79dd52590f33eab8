//! Incidents: the cases goodwill answers, from a CSV row, a case file or flags.
//!
//! Whatever the source, a case becomes one [`Incident`] with the standard
//! fields of SPEC §1 checked and defaulted, and every other column kept as
//! text in `extra`, to be typed by the policy that declares it.

use std::io::Read;

use serde::Serialize;

use super::{Header, InputError, field, parse_date, parse_number};
use crate::date::Day;

/// One case: what happened to which customer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// The case's id.
    pub case_id: String,
    /// The customer's id.
    pub customer_id: String,
    /// What kind of failure (`expired_coupon`, `late_delivery`, ...).
    pub kind: String,
    /// The incident's day: features are computed as of it.
    pub date: Day,
    /// Money the customer lost or was denied.
    pub loss: f64,
    /// The value of the order concerned.
    pub order_value: f64,
    /// 1 (minor) to 5 (serious).
    pub severity: f64,
    /// Where the customer reached us (`chat`, `phone`, ...).
    pub channel: String,
    /// Every other field, as text: `(name, value)`.
    pub extra: Vec<(String, String)>,
}

/// The standard incident fields, in the order batch output and case files use.
pub const STANDARD: [&str; 8] = [
    "case_id",
    "customer_id",
    "kind",
    "date",
    "loss",
    "order_value",
    "severity",
    "channel",
];

/// Default severity when none is given.
pub const DEFAULT_SEVERITY: f64 = 3.0;

impl Incident {
    /// Builds an incident from named text fields, checking and defaulting the
    /// standard ones; `today` is the default date.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
        today: Day,
    ) -> Result<Incident, String> {
        let mut inc = Incident {
            case_id: String::new(),
            customer_id: String::new(),
            kind: String::new(),
            date: today,
            loss: 0.0,
            order_value: 0.0,
            severity: DEFAULT_SEVERITY,
            channel: String::new(),
            extra: Vec::new(),
        };
        inc.refill(fields, today)?;
        Ok(inc)
    }

    /// Makes this incident the one [`Incident::from_fields`] would build,
    /// reusing its allocations: a batch reads millions of rows. On `Err` the
    /// incident is left half-filled.
    pub fn refill<'a>(
        &mut self,
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
        today: Day,
    ) -> Result<(), String> {
        let inc = self;
        for s in [&mut inc.case_id, &mut inc.customer_id, &mut inc.kind, &mut inc.channel] {
            s.clear();
        }
        inc.date = today;
        inc.loss = 0.0;
        inc.order_value = 0.0;
        inc.severity = DEFAULT_SEVERITY;
        let mut extras = 0;
        for (name, value) in fields {
            let value = super::history::trim(value);
            match name {
                "case_id" => set(&mut inc.case_id, value),
                "customer_id" => set(&mut inc.customer_id, value),
                "kind" => set(&mut inc.kind, value),
                "channel" => set(&mut inc.channel, value),
                _ if value.is_empty() => {}
                "date" => inc.date = parse_date(value, "date")?,
                "loss" => inc.loss = non_negative(value, "loss")?,
                "order_value" => inc.order_value = non_negative(value, "order_value")?,
                "severity" => {
                    let s = number(value, "severity")?;
                    if !(1.0..=5.0).contains(&s) || s.fract() != 0.0 {
                        return Err(format!(
                            "column `severity`: `{value}` is not a whole number from 1 to 5"
                        ));
                    }
                    inc.severity = s;
                }
                other => {
                    match inc.extra.get_mut(extras) {
                        Some((n, v)) => {
                            n.clear();
                            n.push_str(other);
                            v.clear();
                            v.push_str(value);
                        }
                        None => inc.extra.push((other.to_string(), value.to_string())),
                    }
                    extras += 1;
                }
            }
        }
        inc.extra.truncate(extras);
        for (name, value) in [
            ("case_id", &inc.case_id),
            ("customer_id", &inc.customer_id),
            ("kind", &inc.kind),
        ] {
            if value.is_empty() {
                return Err(format!("column `{name}` is missing or empty"));
            }
        }
        Ok(())
    }

    /// The text of an extra field.
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Overwrites a string in place, keeping its allocation.
fn set(s: &mut String, value: &str) {
    s.clear();
    s.push_str(value);
}

/// A number field: plain decimals by the fast parser (the same `f64`), the
/// rest, and every error, by [`parse_number`].
fn number(value: &str, column: &str) -> Result<f64, String> {
    match super::history::fast_number(value) {
        Some(v) => Ok(v),
        None => parse_number(value, column),
    }
}

fn non_negative(value: &str, column: &str) -> Result<f64, String> {
    let v = number(value, column)?;
    if v < 0.0 {
        return Err(format!("column `{column}`: `{value}` is negative"));
    }
    Ok(v)
}

/// Reads incidents row by row from a CSV file, reporting bad rows without
/// stopping.
pub struct Reader<R: Read> {
    file: String,
    reader: csv::Reader<super::Lines<R>>,
    names: Vec<String>,
    record: csv::ByteRecord,
    today: Day,
}

/// One row of an incidents file: its line and the incident or why it was rejected.
pub struct Row {
    /// The 1-based line of the row.
    pub line: u64,
    /// The incident, or the reason it was rejected.
    pub incident: Result<Incident, String>,
    /// The raw `case_id`, `customer_id` and `kind` even when the row was rejected.
    pub ids: [String; 3],
}

impl<R: Read> Reader<R> {
    /// Opens the reader and checks the header for the required columns.
    pub fn new(input: R, file: &str, today: Day) -> Result<Self, InputError> {
        let mut reader = super::csv_reader(input);
        let header = Header::read(&mut reader, file)?;
        for required in ["case_id", "customer_id", "kind"] {
            header.require(&[required], file)?;
        }
        Ok(Reader {
            file: file.to_string(),
            names: header.names().to_vec(),
            reader,
            record: csv::ByteRecord::new(),
            today,
        })
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.names
    }

    /// The next row, `None` at the end; `Err` only when the file cannot be read on.
    pub fn next_row(&mut self) -> Option<Result<Row, InputError>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => Some(Ok(self.parse_current())),
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => Some(Err(InputError::file(&self.file, super::csv_reason(&e)))),
                _ => Some(Ok(Row {
                    line: super::line_of(&mut self.reader, e.position()),
                    incident: Err(super::csv_reason(&e)),
                    ids: Default::default(),
                })),
            },
        }
    }

    fn parse_current(&mut self) -> Row {
        let line = super::line_of(&mut self.reader, self.record.position());
        let mut ids: [String; 3] = Default::default();
        for (slot, name) in ids.iter_mut().zip(["case_id", "customer_id", "kind"]) {
            if let Some(i) = self.names.iter().position(|n| n == name) {
                *slot = String::from_utf8_lossy(self.record.get(i).unwrap_or_default())
                    .trim()
                    .to_string();
            }
        }
        let incident = if self.record.len() != self.names.len() {
            Err(format!(
                "expected {} fields, found {}",
                self.names.len(),
                self.record.len()
            ))
        } else {
            (0..self.names.len())
                .map(|i| field(&self.record, i, &self.names[i]).map(|v| (self.names[i].as_str(), v)))
                .collect::<Result<Vec<_>, _>>()
                .and_then(|fields| Incident::from_fields(fields, self.today))
        };
        Row { line, incident, ids }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse;

    #[test]
    fn defaults_and_extras() {
        let today = parse("2026-11-22").unwrap();
        let inc = Incident::from_fields(
            [
                ("case_id", "K1"),
                ("customer_id", "C1"),
                ("kind", "late"),
                ("coupon_pct", "20"),
            ],
            today,
        )
        .unwrap();
        assert_eq!(inc.date, today);
        assert_eq!(inc.severity, 3.0);
        assert_eq!(inc.loss, 0.0);
        assert_eq!(inc.extra("coupon_pct"), Some("20"));
    }

    #[test]
    fn each_bad_field_says_why() {
        let base = [("case_id", "K1"), ("customer_id", "C1"), ("kind", "late")];
        let bad = |name, value| {
            let mut f = base.to_vec();
            f.push((name, value));
            Incident::from_fields(f, 0).unwrap_err()
        };
        assert_eq!(
            bad("date", "yesterday"),
            "column `date`: `yesterday` is not a date (expected YYYY-MM-DD)"
        );
        assert_eq!(bad("loss", "-1"), "column `loss`: `-1` is negative");
        assert_eq!(
            bad("severity", "9"),
            "column `severity`: `9` is not a whole number from 1 to 5"
        );
        assert_eq!(bad("order_value", "x"), "column `order_value`: `x` is not a number");
        let no_customer = Incident::from_fields([("case_id", "K1"), ("customer_id", " "), ("kind", "late")], 0);
        assert_eq!(no_customer.unwrap_err(), "column `customer_id` is missing or empty");
    }

    #[test]
    fn reader_reports_rows_and_goes_on() {
        let data = "case_id,customer_id,kind,date,loss\nK1,C1,late,2026-01-01,5\nK2,C2,late,2026-13-01,5\nK3,C3\nK4,C4,late,,\n";
        let mut r = Reader::new(data.as_bytes(), "i.csv", 7).unwrap();
        let rows: Vec<Row> = std::iter::from_fn(|| r.next_row()).map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert!(rows[0].incident.is_ok());
        assert_eq!(rows[1].line, 3);
        assert!(rows[1].incident.as_ref().unwrap_err().contains("2026-13-01"));
        assert_eq!(rows[2].incident.as_ref().unwrap_err(), "expected 5 fields, found 2");
        assert_eq!(rows[2].ids[0], "K3");
        assert_eq!(rows[3].incident.as_ref().unwrap().date, 7);
    }
}
