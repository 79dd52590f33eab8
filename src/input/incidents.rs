//! Incidents: the cases goodwill answers, from a CSV row, a case file or flags.
//!
//! Whatever the source, a case becomes one [`Incident`] with the standard
//! fields of the README's "Inputs" checked and defaulted, and every other column kept as
//! text in `extra`, to be typed by the policy that declares it.

use std::fmt;

use serde::Serialize;

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
    ) -> Result<Incident, FieldError> {
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
    ) -> Result<(), FieldError> {
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
            let value = super::trim(value);
            match name {
                "case_id" => set(&mut inc.case_id, value),
                "customer_id" => set(&mut inc.customer_id, value),
                "kind" => set(&mut inc.kind, value),
                "channel" => set(&mut inc.channel, value),
                _ if value.is_empty() => {}
                "date" => {
                    inc.date = crate::date::parse(value)
                        .ok_or_else(|| FieldError::value("date", value, crate::date::NOT_A_DATE))?;
                }
                "loss" => inc.loss = non_negative(value, "loss")?,
                "order_value" => inc.order_value = non_negative(value, "order_value")?,
                "severity" => {
                    let s = number(value, "severity")?;
                    if !(1.0..=5.0).contains(&s) || s.fract() != 0.0 {
                        return Err(FieldError::value(
                            "severity",
                            value,
                            "is not a whole number from 1 to 5",
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
        for (field, value) in [
            ("case_id", &inc.case_id),
            ("customer_id", &inc.customer_id),
            ("kind", &inc.kind),
        ] {
            if value.is_empty() {
                return Err(FieldError {
                    field,
                    problem: " is missing or empty".into(),
                });
            }
            // `C1` and `C1` with a NUL after it would be two customers, apart unseen.
            if let Some(c) = value.chars().find(|c| c.is_control()) {
                return Err(FieldError {
                    field,
                    problem: format!(" holds a control character, U+{:04X}", u32::from(c)),
                });
            }
        }
        Ok(())
    }

    /// Checks one standard field's text as [`Incident::from_fields`] would,
    /// for a caller that reports it at its own place (a test file's value).
    pub fn check_field(name: &str, value: &str) -> Result<(), FieldError> {
        let placeholders = [("case_id", "-"), ("customer_id", "-"), ("kind", "-")];
        Incident::from_fields(placeholders.into_iter().chain([(name, value)]), 0).map(|_| ())
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

/// Why a standard field of an incident was refused: the field, and what is
/// wrong with it. It reads as the CSV column (`` column `loss`: `abc` is not
/// a number ``); `recommend` names the flag or case-file field instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The standard field (one of [`STANDARD`]).
    pub field: &'static str,
    /// What is wrong, as it reads after the field's name: ``: `abc` is not a
    /// number`` or ` is missing or empty`.
    pub problem: String,
}

impl FieldError {
    /// The field's text `value` is `why` (`is not a number`).
    fn value(field: &'static str, value: &str, why: &str) -> FieldError {
        FieldError {
            field,
            problem: format!(": `{value}` {why}"),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column `{}`{}", self.field, self.problem)
    }
}

impl std::error::Error for FieldError {}

/// A number field that is not empty.
fn number(value: &str, field: &'static str) -> Result<f64, FieldError> {
    super::number(value).map_err(|why| FieldError::value(field, value, why))
}

fn non_negative(value: &str, field: &'static str) -> Result<f64, FieldError> {
    let v = number(value, field)?;
    if v < 0.0 {
        return Err(FieldError::value(field, value, "is negative"));
    }
    Ok(v)
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
            Incident::from_fields(f, 0).unwrap_err().to_string()
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
        let checked = |name, value| Incident::check_field(name, value).map_err(|e| e.to_string());
        assert_eq!(checked("severity", "9").unwrap_err(), bad("severity", "9"));
        assert_eq!(checked("loss", "-12").unwrap_err(), bad("loss", "-12"));
        assert_eq!(checked("loss", "12"), Ok(()));
        assert_eq!(checked("coupon_pct", "x"), Ok(()));
        let no_customer = Incident::from_fields([("case_id", "K1"), ("customer_id", " "), ("kind", "late")], 0);
        let err = no_customer.unwrap_err();
        assert_eq!(err.to_string(), "column `customer_id` is missing or empty");
        assert_eq!(
            (err.field, err.problem.as_str()),
            ("customer_id", " is missing or empty")
        );
        // A NUL after `C1` would make another customer, matched to no history.
        for (id, c) in [("C1\0", "0000"), ("C\t1", "0009"), ("C\u{85}1", "0085")] {
            let ids = [("case_id", "K1"), ("customer_id", id), ("kind", "late")];
            assert_eq!(
                Incident::from_fields(ids, 0).unwrap_err().to_string(),
                format!("column `customer_id` holds a control character, U+{c}")
            );
        }
        let mut f = base.to_vec();
        f.push(("loss", "1e13"));
        let err = Incident::from_fields(f, 0).unwrap_err();
        assert_eq!(err.field, "loss");
        assert_eq!(
            err.problem,
            ": `1e13` is too large: numbers must be under 1e13 (10 trillion), to be exact to the cent"
        );
    }

    #[test]
    fn the_channel_is_a_standard_field_and_empty_values_are_defaults() {
        let today = parse("2026-11-22").unwrap();
        let inc = Incident::from_fields(
            [
                ("case_id", "K1"),
                ("customer_id", "C1"),
                ("kind", "late"),
                ("channel", " chat "),
                ("date", ""),
                ("loss", " "),
                ("order_value", ""),
                ("severity", ""),
                ("coupon_pct", ""),
            ],
            today,
        )
        .unwrap();
        assert_eq!(inc.channel, "chat");
        assert_eq!(
            (inc.date, inc.loss, inc.order_value, inc.severity),
            (today, 0.0, 0.0, 3.0)
        );
        // Neither the channel nor an empty extra is kept as an extra field.
        assert!(inc.extra.is_empty(), "{:?}", inc.extra);
    }
}
