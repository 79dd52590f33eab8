//! A case file: one incident, and optionally the files it is read against.
//!
//! ```toml
//! history = "history.csv"        # paths are relative to the case file
//! customers = "customers.csv"
//! ledger = "ledger.csv"
//! policy = "policy.toml"          # each one a flag (`--policy`) overrides
//!
//! [incident]
//! case_id = "K-1042"
//! customer_id = "C0004711"
//! kind = "expired_coupon"
//! date = "2026-11-20"
//! loss = 12.00
//! coupon_pct = 20                # any other field is `incident.<name>`
//! ```
//!
//! The same shape in JSON is accepted when the file ends in `.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A case file, its paths resolved against the file's folder.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CaseFile {
    /// The policy to use, if named.
    pub policy: Option<PathBuf>,
    /// The history file, if named.
    pub history: Option<PathBuf>,
    /// The customers file, if named.
    pub customers: Option<PathBuf>,
    /// The ledger file, if named.
    pub ledger: Option<PathBuf>,
    /// The incident's fields as text, in name order.
    pub incident: Vec<(String, String)>,
    /// Where each incident field's value stands in a TOML case file: its
    /// line and column, from 1. Empty for JSON.
    pub at: BTreeMap<String, (usize, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    policy: Option<PathBuf>,
    history: Option<PathBuf>,
    customers: Option<PathBuf>,
    ledger: Option<PathBuf>,
    incident: Fields,
}

/// The incident's fields; one given twice is an error (JSON would keep the
/// last without a word, where TOML refuses it).
struct Fields(BTreeMap<String, Scalar>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of the incident's fields")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Fields, M::Error> {
                let mut fields = BTreeMap::new();
                while let Some((name, value)) = map.next_entry::<String, Scalar>()? {
                    if fields.contains_key(&name) {
                        return Err(serde::de::Error::custom(format!("field `{name}` is given twice")));
                    }
                    fields.insert(name, value);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// A field's value in a TOML or JSON case: whatever its type, the engine
/// reads it as text, typed by the policy's declaration.
#[derive(Clone, Debug)]
pub enum Scalar {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// A string.
    Text(String),
    /// A TOML date (`2026-11-20`, unquoted).
    Date(toml::value::Datetime),
}

impl<'de> Deserialize<'de> for Scalar {
    /// Read through a TOML value (which knows TOML dates) so that anything
    /// else, a nested table or a list, is named in the user's terms; the
    /// TOML or JSON reader adds where it stands.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use toml::Value;
        let not = |what: &str| {
            serde::de::Error::custom(format!(
                "a field must be a string, a number, a boolean or a date, not {what}"
            ))
        };
        match Option::<Value>::deserialize(deserializer)? {
            Some(Value::Boolean(b)) => Ok(Scalar::Bool(b)),
            Some(Value::Integer(i)) => Ok(Scalar::Int(i)),
            Some(Value::Float(f)) => Ok(Scalar::Float(f)),
            Some(Value::String(s)) => Ok(Scalar::Text(s)),
            Some(Value::Datetime(d)) => Ok(Scalar::Date(d)),
            Some(Value::Table(_)) => Err(not("a table")),
            Some(Value::Array(_)) => Err(not("a list")),
            None => Err(not("null")),
        }
    }
}

impl Scalar {
    /// The value as the text a CSV cell would hold.
    pub fn text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            // Past 1e16 `Display` writes every digit (301 of them for `1e300`),
            // in the message that refuses it as too large.
            Scalar::Float(f) if f.abs() >= 1e16 => format!("{f:e}"),
            Scalar::Float(f) => f.to_string(),
            Scalar::Text(s) => s.clone(),
            Scalar::Date(d) => d.to_string(),
        }
    }
}

impl CaseFile {
    /// Reads a case file (TOML, or JSON when it ends in `.json`).
    pub fn load(path: &Path) -> Result<CaseFile, String> {
        let text = super::read_utf8(path).map_err(|e| format!("cannot read case file `{}`: {e}", path.display()))?;
        let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Self::parse(&text, json, path.parent().unwrap_or(Path::new("")))
            .map_err(|e| format!("invalid case file `{}`: {e}", path.display()))
    }

    /// Parses a case file's text; relative paths start from `base`.
    pub fn parse(text: &str, json: bool, base: &Path) -> Result<CaseFile, String> {
        let raw: Raw = if json {
            // A byte-order mark, as Windows tools write one, is no part of the JSON.
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            serde_json::from_str(text).map_err(|e| e.to_string())?
        } else {
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?
        };
        let resolve = |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
        Ok(CaseFile {
            policy: resolve(raw.policy),
            history: resolve(raw.history),
            customers: resolve(raw.customers),
            ledger: resolve(raw.ledger),
            incident: raw.incident.0.into_iter().map(|(k, v)| (k, v.text())).collect(),
            at: if json { BTreeMap::new() } else { positions(text) },
        })
    }
}

/// Where each `[incident]` value of a TOML case file stands, as the file
/// has been read without error: line and column, from 1.
fn positions(text: &str) -> BTreeMap<String, (usize, usize)> {
    use toml::de::{DeTable, DeValue};
    // A byte-order mark is no character of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok(doc) = DeTable::parse(text) else {
        return BTreeMap::new();
    };
    let Some(DeValue::Table(incident)) = doc.get_ref().get("incident").map(|v| v.get_ref()) else {
        return BTreeMap::new();
    };
    incident
        .iter()
        .map(|(k, v)| {
            (
                k.get_ref().to_string(),
                crate::diagnostic::line_col(text, v.span().start),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_case_may_start_with_a_byte_order_mark_and_gives_each_field_once() {
        let json = r#"{"incident": {"customer_id": "C1", "kind": "late_delivery", "loss": 5}}"#;
        let plain = CaseFile::parse(json, true, Path::new("")).unwrap();
        assert_eq!(
            CaseFile::parse(&format!("\u{feff}{json}"), true, Path::new("")).unwrap(),
            plain
        );
        // The last `loss` was kept without a word.
        let twice = r#"{"incident": {"customer_id": "C1", "kind": "late_delivery", "loss": 5, "loss": 7}}"#;
        let err = CaseFile::parse(twice, true, Path::new("")).unwrap_err();
        assert_eq!(err, "field `loss` is given twice at line 1 column 81");
        let err = CaseFile::parse("[incident]\nloss = 5\nloss = 7\n", false, Path::new("")).unwrap_err();
        assert!(err.contains("duplicate key"), "{err}");
    }

    #[test]
    fn toml_and_json_read_the_same() {
        let toml = "history = \"h.csv\"\n[incident]\ncase_id = \"K1\"\nloss = 12.5\nseverity = 2\ndate = 2026-11-20\nvip = true\n";
        let json = r#"{"history": "h.csv", "incident": {"case_id": "K1", "loss": 12.5, "severity": 2, "date": "2026-11-20", "vip": true}}"#;
        let a = CaseFile::parse(toml, false, Path::new("cases")).unwrap();
        let b = CaseFile::parse(json, true, Path::new("cases")).unwrap();
        // Only a TOML file says where its values stand.
        assert_eq!(a.at["loss"], (4, 8));
        assert_eq!(a.at["date"], (6, 8));
        assert_eq!(a.at.len(), 5);
        assert!(b.at.is_empty());
        // A byte-order mark and CRLF line ends move no column.
        let marked = format!("\u{feff}{}", toml.replace('\n', "\r\n"));
        assert_eq!(CaseFile::parse(&marked, false, Path::new("cases")).unwrap().at, a.at);
        assert_eq!(
            CaseFile {
                at: BTreeMap::new(),
                ..a.clone()
            },
            b
        );
        assert_eq!(a.history, Some(PathBuf::from("cases/h.csv")));
        assert!(a.incident.contains(&("loss".into(), "12.5".into())));
        assert!(a.incident.contains(&("date".into(), "2026-11-20".into())));
    }

    #[test]
    fn a_field_that_is_not_a_scalar_says_so_where_it_stands() {
        let err = CaseFile::parse(
            "[incident]\nkind = \"late\"\n[incident.detail]\nnote = \"x\"\n",
            false,
            Path::new(""),
        )
        .unwrap_err();
        assert!(err.starts_with("TOML parse error at line 3, column 1"), "{err}");
        assert!(
            err.ends_with("a field must be a string, a number, a boolean or a date, not a table"),
            "{err}"
        );
        let err = CaseFile::parse("[incident]\ntags = [\"a\"]\n", false, Path::new("")).unwrap_err();
        assert!(err.starts_with("TOML parse error at line 2, column 8"), "{err}");
        assert!(err.ends_with("not a list"), "{err}");
        let err = CaseFile::parse(
            r#"{"incident": {"kind": "late", "detail": {"note": "x"}}}"#,
            true,
            Path::new(""),
        )
        .unwrap_err();
        assert!(
            err.starts_with("a field must be a string, a number, a boolean or a date, not a table at line 1"),
            "{err}"
        );
        let err = CaseFile::parse(r#"{"incident": {"kind": null}}"#, true, Path::new("")).unwrap_err();
        assert!(err.contains("not null"), "{err}");
    }

    #[test]
    fn a_huge_number_reads_as_written() {
        let toml = "[incident]\nloss = 1e300\norder_value = 2.5e16\nseverity = 3.0\nx = 1e-7\n";
        let json = r#"{"incident": {"loss": 1e300, "order_value": 2.5e16, "severity": 3.0, "x": 1e-7}}"#;
        for (text, json) in [(toml, false), (json, true)] {
            let case = CaseFile::parse(text, json, Path::new("")).unwrap();
            assert_eq!(
                case.incident,
                [
                    ("loss".to_string(), "1e300".to_string()),
                    ("order_value".into(), "2.5e16".into()),
                    ("severity".into(), "3".into()),
                    ("x".into(), "0.0000001".into()),
                ]
            );
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = CaseFile::parse("histroy = \"h.csv\"\n[incident]\n", false, Path::new("")).unwrap_err();
        assert!(err.contains("histroy"), "{err}");
    }
}
