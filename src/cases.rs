//! Policy test cases: the file format `goodwill policy test` runs, and the
//! comparison of an answer with what a test expects.
//!
//! A test file holds `[[test]]` tables, each an incident, a customer (given
//! by features, or by id from a history file) and expectations:
//!
//! ```toml
//! date = 2026-11-20                  # optional default incident date
//!
//! [[test]]
//! name = "repeat buyer gets the coupon honoured"
//! [test.incident]
//! kind = "expired_coupon"
//! loss = 12
//! order_value = 60
//! coupon_pct = 20                    # any other field is `incident.<name>`
//! [test.customer]                    # or `customer_id = "C1"` with --history
//! orders = 5
//! avg_order_value = 60
//! tenure_days = 400
//! tier = "gold"                      # a declared `customer.*` attribute
//! [test.expect]
//! decision = "gesture"               # gesture | escalate | error
//! gesture = "honor_coupon"
//! rule = "coupon-repeat-buyer"
//! cost_max = 15
//! ```
//!
//! Unknown keys are errors with their line and column, reported as
//! [`Diagnostic`]s like a policy's. Incident keys that are not standard
//! fields, and customer keys that are not features, are attributes, checked
//! against the policy's declarations by [`validate`] at the key's position.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::date::{self, Day};
use crate::diagnostic::{Diagnostic, Report};
use crate::engine::{Decision, Recommendation, set_text};
use crate::expr::Values;
use crate::input::case_file::Scalar;
use crate::input::history::Features;
use crate::input::incidents::{Incident, STANDARD};
use crate::input::ledger::Usage;
use crate::policy::fields::Scope;
use crate::policy::{APOLOGY, Bounds, Policy};

/// The customer features a test can give; every other `[test.customer]` key
/// is an attribute.
pub const CUSTOMER_FEATURES: [&str; 13] = [
    "orders",
    "total_spend",
    "avg_order_value",
    "first_order",
    "last_order",
    "tenure_days",
    "recency_days",
    "refunds",
    "known",
    "future_value",
    "p_alive",
    "gestures_12m",
    "goodwill_12m",
];

/// A test file, parsed.
#[derive(Clone, Debug)]
pub struct TestFile {
    /// The file as the user named it.
    pub file: String,
    /// Its text, for diagnostics.
    pub source: String,
    /// The tests, in file order.
    pub tests: Vec<TestCase>,
}

/// One `[[test]]`.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// Its name.
    pub name: String,
    /// Where its name stands in the file.
    pub span: Range<usize>,
    /// The incident's fields as text (case_id, customer_id and date filled in).
    pub incident: Vec<(String, String)>,
    /// The keys written in `[test.incident]`, where they stand, for [`validate`].
    pub incident_keys: Vec<Spanned<String>>,
    /// Where the value of each of those keys stands, in the same order.
    pub incident_value_spans: Vec<Range<usize>>,
    /// The customer.
    pub customer: TestCustomer,
    /// What the answer must be.
    pub expect: Expect,
    /// Whether its `expect`, `decision` or `error` is written but could not
    /// be read (each has its error): the test may mean its incident to be
    /// refused, so [`validate`] does not hold its incident to be answered.
    pub expectation_unread: bool,
}

/// Who the customer of a test is.
#[derive(Clone, Debug)]
pub enum TestCustomer {
    /// Looked up by id in the history, customers and ledger files.
    Id(String),
    /// Described directly.
    Given(GivenSpec),
}

/// A customer described by features in a test.
#[derive(Clone, Debug, Default)]
pub struct GivenSpec {
    /// Their history as of the incident.
    pub features: Features,
    /// Future value; computed by the policy's simple model when absent.
    pub future_value: Option<f64>,
    /// P(alive).
    pub p_alive: Option<f64>,
    /// Attributes by column name, as text.
    pub attributes: Vec<(String, String)>,
    /// Where each attribute's key stands, for [`validate`].
    pub attribute_spans: Vec<Range<usize>>,
    /// Where each attribute's value stands, for [`validate`].
    pub attribute_value_spans: Vec<Range<usize>>,
    /// Keys other than features whose value could not be read (each has its
    /// error), for [`validate`] to check the name too.
    pub unread: Vec<Spanned<String>>,
    /// Goodwill already granted in the 12 months.
    pub usage: Usage,
}

/// The expectations of a test; every one given must hold.
#[derive(Clone, Debug, Default)]
pub struct Expect {
    /// `gesture`, `escalate` or `error`.
    pub decision: Option<String>,
    /// The recommended gesture.
    pub gesture: Option<Spanned<String>>,
    /// Gestures that must not be recommended.
    pub not_gesture: Vec<Spanned<String>>,
    /// A rule among those that offered the chosen gesture (or escalated).
    pub rule: Option<Spanned<String>>,
    /// Rules that must have matched.
    pub matched: Vec<Spanned<String>>,
    /// Rules that must not have matched.
    pub not_matched: Vec<Spanned<String>>,
    /// The exact cost, to the cent.
    pub cost: Option<f64>,
    /// Bounds on the cost.
    pub cost_min: Option<f64>,
    /// Bounds on the cost.
    pub cost_max: Option<f64>,
    /// Bounds on the LTV impact.
    pub impact_min: Option<f64>,
    /// Bounds on the LTV impact.
    pub impact_max: Option<f64>,
    /// Text the escalation reason contains.
    pub escalation: Option<String>,
    /// Text the error contains (with `decision = "error"`).
    pub error: Option<String>,
}

// The file as written, read by [`raw_file`] from TOML's spanned document:
// a value of the wrong type is named at its place, and the reading goes on
// to the file's other mistakes.
struct RawFile {
    date: Option<Spanned<Scalar>>,
    /// Whether the file gives a `date`, read or not: if it could not be
    /// read, the tests without their own are not also said to have none.
    date_written: bool,
    test: Vec<RawTest>,
}

struct RawTest {
    name: Spanned<String>,
    customer_id: Option<Spanned<String>>,
    incident: Spanned<Table>,
    /// The incident's keys whose value could not be read (each has its
    /// error), with where their values stand.
    unreadable: Unreadable,
    /// `[test.customer]`, and its keys whose value could not be read.
    customer: Option<(Spanned<Table>, Unreadable)>,
    /// Whether `customer_id` or `customer` is written, read or not.
    customer_written: bool,
    /// Whether its name could be read (a stand-in `#N` otherwise).
    named: bool,
    /// Whether `expect`, `decision` or `error` is written but could not be
    /// read: the test may mean to expect an error.
    expectation_unread: bool,
    expect: RawExpect,
}

#[derive(Default)]
struct RawExpect {
    decision: Option<Spanned<String>>,
    gesture: Option<Spanned<String>>,
    not_gesture: Option<OneOrMany>,
    rule: Option<Spanned<String>>,
    matched: Option<OneOrMany>,
    not_matched: Option<OneOrMany>,
    // Numbers are read as any scalar, so that `cost = "3.50"` is named
    // in the user's terms.
    cost: Option<Spanned<Scalar>>,
    cost_min: Option<Spanned<Scalar>>,
    cost_max: Option<Spanned<Scalar>>,
    impact_min: Option<Spanned<Scalar>>,
    impact_max: Option<Spanned<Scalar>>,
    escalation: Option<String>,
    error: Option<String>,
    /// The keys written, where they stand, for an error at the key.
    keys: Vec<Spanned<String>>,
}

/// A table of fields; keys keep their spans, so that a misspelt one is
/// pointed at rather than its value.
type Table = BTreeMap<Spanned<String>, Spanned<Scalar>>;

/// One id or a list of ids. A lone id keeps the span of the value, each id
/// of a list its own, so that a misspelt one is pointed at in its list.
type OneOrMany = Spanned<Ids>;

enum Ids {
    One(String),
    Many(Vec<Spanned<String>>),
}

fn list(this: Option<OneOrMany>) -> Vec<Spanned<String>> {
    let Some(ids) = this else {
        return Vec::new();
    };
    let span = ids.span();
    match ids.into_inner() {
        Ids::One(s) => vec![Spanned::new(span, s)],
        Ids::Many(v) => v,
    }
}

/// Parses a test file. Errors come back as a report, with file, line and column.
pub fn parse(source: &str, file: &str) -> Result<TestFile, Report> {
    let (tests, diags) = read(source, file);
    if diags.is_empty() {
        Ok(tests)
    } else {
        Err(Report::new(file, source, diags))
    }
}

/// Reads a test file as far as it can: the tests whose customer could be
/// read, and every mistake found in the file. A test with a mistake in it is
/// kept, so that [`validate`] finds its other mistakes in the same run; a
/// file with any is not to be run.
pub fn read(source: &str, file: &str) -> (TestFile, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let raw = raw_file(source, &mut diags);
    let default_date = raw.date.as_ref().and_then(|d| day(d, "date", &mut diags));
    // A date written but unreadable has its own error.
    let default_date = match raw.date_written {
        true => Some(default_date),
        false => None,
    };
    let mut tests = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in raw.test {
        // A test without a readable name has a stand-in, which is no one's.
        if t.named && !seen.insert(t.name.get_ref().clone()) {
            diags.push(Diagnostic::error(
                "duplicate-id",
                t.name.span(),
                format!("duplicate test name `{}`", t.name.get_ref()),
            ));
        }
        if let Some(case) = test_case(t, default_date, &mut diags) {
            tests.push(case);
        }
    }
    if tests.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::error("test-file", 0..0, "the file holds no `[[test]]`").with_help(
                "add a `[[test]]` table with a `name`, `[test.incident]` and what to expect in `[test.expect]`",
            ),
        );
    }
    let tests = TestFile {
        file: file.to_string(),
        source: source.to_string(),
        tests,
    };
    (tests, diags)
}

/// The keys of a test file, of each `[[test]]` and of `[test.expect]`
/// (`[test.incident]` and `[test.customer]` hold fields, checked later).
const FILE_KEYS: [&str; 2] = ["date", "test"];
const TEST_KEYS: [&str; 5] = ["name", "customer_id", "incident", "customer", "expect"];
const EXPECT_KEYS: [&str; 13] = [
    "decision",
    "gesture",
    "not_gesture",
    "rule",
    "matched",
    "not_matched",
    "cost",
    "cost_min",
    "cost_max",
    "impact_min",
    "impact_max",
    "escalation",
    "error",
];

/// Reads the file as written, every value of the wrong type and every
/// unknown key named at its place (with the nearest known key), so that an
/// author sees all of a file's mistakes in one run. A file that is not TOML
/// is read no further than its syntax errors.
fn raw_file(source: &str, diags: &mut Vec<Diagnostic>) -> RawFile {
    let mut file = RawFile {
        date: None,
        date_written: false,
        test: Vec::new(),
    };
    let (doc, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        diags.extend(crate::policy::raw::syntax_errors(
            source,
            errors,
            "test-file",
            "invalid test file",
        ));
        return file;
    }
    let top = doc.get_ref();
    let unknown = crate::policy::raw::unknown_keys;
    unknown(top, &FILE_KEYS, "the test file", diags);
    file.date = top.get("date").and_then(|v| scalar(v, "`date`", diags));
    file.date_written = top.contains_key("date");
    let Some(tests) = top.get("test") else {
        return file;
    };
    let DeValue::Array(items) = tests.get_ref() else {
        diags.push(wrong_type(tests, "`test`", "an array of tables (`[[test]]`)"));
        return file;
    };
    for (n, item) in items.iter().enumerate() {
        let DeValue::Table(t) = item.get_ref() else {
            diags.push(wrong_type(item, "`test`", "a table (`[[test]]`)"));
            continue;
        };
        unknown(t, &TEST_KEYS, "a `[[test]]`", diags);
        // A misspelt `name` (`nam`) is the unknown key's error, with its "did you mean".
        let misspelt = |key: &str| crate::suggest::did_you_mean(key, TEST_KEYS) == Some("name");
        let name = match t.get("name") {
            Some(v) => string(v, "`name`", diags),
            None if t.keys().any(|k| misspelt(k.get_ref())) => None,
            None => {
                diags.push(Diagnostic::error(
                    "missing-key",
                    item.span(),
                    "a `[[test]]` needs a `name`",
                ));
                None
            }
        };
        let named = name.is_some();
        let name = name.unwrap_or_else(|| Spanned::new(item.span(), format!("#{}", n + 1)));
        let customer_id = t.get("customer_id").and_then(|v| string(v, "`customer_id`", diags));
        let customer = t.get("customer").and_then(|v| fields(v, "customer", diags));
        let customer_written = t.contains_key("customer_id") || t.contains_key("customer");
        let mut expect = RawExpect::default();
        let mut expectation_unread = false;
        match t.get("expect").map(|v| (v, v.get_ref())) {
            Some((_, DeValue::Table(e))) => {
                unknown(e, &EXPECT_KEYS, "`[test.expect]`", diags);
                let what = |key: &str| format!("`{key}`");
                let text =
                    |key: &str, diags: &mut Vec<Diagnostic>| e.get(key).and_then(|v| string(v, &what(key), diags));
                let number =
                    |key: &str, diags: &mut Vec<Diagnostic>| e.get(key).and_then(|v| scalar(v, &what(key), diags));
                let list = |key: &str, diags: &mut Vec<Diagnostic>| e.get(key).and_then(|v| ids(v, key, diags));
                expect = RawExpect {
                    decision: text("decision", diags),
                    gesture: text("gesture", diags),
                    not_gesture: list("not_gesture", diags),
                    rule: text("rule", diags),
                    matched: list("matched", diags),
                    not_matched: list("not_matched", diags),
                    cost: number("cost", diags),
                    cost_min: number("cost_min", diags),
                    cost_max: number("cost_max", diags),
                    impact_min: number("impact_min", diags),
                    impact_max: number("impact_max", diags),
                    escalation: text("escalation", diags).map(Spanned::into_inner),
                    error: text("error", diags).map(Spanned::into_inner),
                    keys: e
                        .keys()
                        .map(|k| Spanned::new(k.span(), k.get_ref().to_string()))
                        .collect(),
                };
                expectation_unread = (e.contains_key("decision") && expect.decision.is_none())
                    || (e.contains_key("error") && expect.error.is_none());
                // An unreadable `decision` or `error` has its error; what the
                // test expects is then not known.
                if !expectation_unread {
                    expected_error_conflicts(e, expect.decision.as_ref().map(|d| d.get_ref().as_str()), diags);
                }
            }
            Some((v, _)) => {
                diags.push(wrong_type(v, "`expect`", "a table (`[test.expect]`)"));
                expectation_unread = true;
            }
            None => {}
        }
        // Without its incident a test is not read on: each of the
        // incident's own checks would fail again.
        let incident = match t.get("incident") {
            Some(v) => fields(v, "incident", diags),
            None => {
                let message = format!("test `{}` needs a `[test.incident]`", name.get_ref());
                diags.push(Diagnostic::error("missing-key", name.span(), message));
                None
            }
        };
        if let Some((incident, unreadable)) = incident {
            file.test.push(RawTest {
                name,
                customer_id,
                incident,
                unreadable,
                customer,
                customer_written,
                named,
                expectation_unread,
                expect,
            });
        }
    }
    file
}

/// Refuses the expectations that cannot be checked beside an expected
/// error: a refused case has no gesture, rule, cost or impact, so each of
/// them would pass or fail whatever the policy does. `decision` is the
/// expected decision, if it could be read.
fn expected_error_conflicts(e: &DeTable<'_>, decision: Option<&str>, diags: &mut Vec<Diagnostic>) {
    let error_key = e.keys().find(|k| k.get_ref() == "error");
    if let (Some(key), Some(d @ ("gesture" | "escalate"))) = (error_key, decision) {
        diags.push(
            Diagnostic::error(
                "conflict",
                key.span(),
                format!("`error` expects the case to be refused, but `decision` is `{d}`"),
            )
            .with_help("expect either an error (`decision = \"error\"`, `error = \"...\"`) or an answer"),
        );
        return;
    }
    if decision != Some("error") && (decision.is_some() || error_key.is_none()) {
        return;
    }
    // `decision` and `error` aside, every key is about the answer.
    for key in e
        .keys()
        .filter(|k| EXPECT_KEYS[1..EXPECT_KEYS.len() - 1].contains(&k.get_ref().as_ref()))
    {
        diags.push(
            Diagnostic::error(
                "conflict",
                key.span(),
                format!(
                    "`{}` cannot be checked: the test expects an error, which has no answer",
                    key.get_ref()
                ),
            )
            .with_help("remove it, or expect the answer instead of an error"),
        );
    }
}

/// A `wrong-type` error at `value`: `what` (a key, in backticks) must be `expected`.
fn wrong_type(value: &Spanned<DeValue<'_>>, what: &str, expected: &str) -> Diagnostic {
    let found = crate::policy::raw::type_name(value.get_ref());
    Diagnostic::error(
        "wrong-type",
        value.span(),
        format!("{what} must be {expected}, found {found}"),
    )
}

fn string(value: &Spanned<DeValue<'_>>, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    match value.get_ref() {
        DeValue::String(s) => Some(Spanned::new(value.span(), s.to_string())),
        _ => {
            diags.push(wrong_type(value, what, "a string"));
            None
        }
    }
}

/// A field's value: any scalar, read as the engine reads a CSV cell.
fn scalar(value: &Spanned<DeValue<'_>>, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Spanned<Scalar>> {
    let read = match value.get_ref() {
        DeValue::String(s) => Some(Scalar::Text(s.to_string())),
        DeValue::Boolean(b) => Some(Scalar::Bool(*b)),
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .ok()
            .map(Scalar::Int),
        // `inf` and `nan` are read as the text a CSV cell would hold: a
        // number field refuses them (`number`), an incident field as a batch row's.
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok().map(Scalar::Float),
        DeValue::Datetime(d) => Some(Scalar::Date(*d)),
        DeValue::Array(_) | DeValue::Table(_) => {
            diags.push(wrong_type(value, what, "a string, a number, a boolean or a date"));
            return None;
        }
    };
    if read.is_none() {
        diags.push(Diagnostic::error(
            "out-of-range",
            value.span(),
            format!("{what} is too large to be read as a number"),
        ));
    }
    read.map(|r| Spanned::new(value.span(), r))
}

/// A table's keys whose value could not be read, each with its value's place.
type Unreadable = Vec<(Spanned<String>, Range<usize>)>;

/// `[test.incident]` or `[test.customer]`: each field's key and value, and
/// the keys whose value could not be read.
fn fields(
    value: &Spanned<DeValue<'_>>,
    key: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Spanned<Table>, Unreadable)> {
    let DeValue::Table(t) = value.get_ref() else {
        diags.push(wrong_type(
            value,
            &format!("`{key}`"),
            &format!("a table (`[test.{key}]`)"),
        ));
        return None;
    };
    let mut table = Table::new();
    let mut unreadable = Vec::new();
    for (k, v) in t.iter() {
        let key = Spanned::new(k.span(), k.get_ref().to_string());
        match scalar(v, &format!("`{}`", k.get_ref()), diags) {
            Some(v) => drop(table.insert(key, v)),
            None => unreadable.push((key, v.span())),
        }
    }
    Some((Spanned::new(value.span(), table), unreadable))
}

/// An id, or a list of ids each with its place.
fn ids(value: &Spanned<DeValue<'_>>, key: &str, diags: &mut Vec<Diagnostic>) -> Option<OneOrMany> {
    let ids = match value.get_ref() {
        DeValue::String(s) => Ids::One(s.to_string()),
        DeValue::Array(items) => Ids::Many(
            items
                .iter()
                .filter_map(|item| string(item, &format!("each id in `{key}`"), diags))
                .collect(),
        ),
        _ => {
            diags.push(wrong_type(value, &format!("`{key}`"), "an id or a list of ids"));
            return None;
        }
    };
    Some(Spanned::new(value.span(), ids))
}

fn day(value: &Spanned<Scalar>, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Day> {
    let text = value.get_ref().text();
    let parsed = date::parse(&text);
    if parsed.is_none() {
        diags.push(Diagnostic::error(
            "test-file",
            value.span(),
            format!("`{what}`: `{text}` {}", date::NOT_A_DATE),
        ));
    }
    parsed
}

fn number(value: &Spanned<Scalar>, what: &str, diags: &mut Vec<Diagnostic>) -> Option<f64> {
    match value.get_ref() {
        Scalar::Int(i) => Some(*i as f64),
        Scalar::Float(f) if f.is_finite() => Some(*f),
        Scalar::Float(_) => {
            diags.push(Diagnostic::error(
                "out-of-range",
                value.span(),
                format!("`{what}` must be a finite number, found `{}`", value.get_ref().text()),
            ));
            None
        }
        Scalar::Text(t) => {
            let unquoted = t.trim().parse::<f64>().is_ok_and(f64::is_finite);
            diags.push(written_as_text(value, what, "a number", t, unquoted));
            None
        }
        _ => {
            diags.push(Diagnostic::error(
                "wrong-type",
                value.span(),
                format!("`{what}` must be a number, found `{}`", value.get_ref().text()),
            ));
            None
        }
    }
}

/// A number in a range: a share (`p_alive`), an amount, a count of days.
fn number_in(value: &Spanned<Scalar>, what: &str, range: Bounds, diags: &mut Vec<Diagnostic>) -> Option<f64> {
    let v = number(value, what, diags)?;
    if !range.allows(v) {
        diags.push(
            Diagnostic::error(
                "out-of-range",
                value.span(),
                format!("`{what}` must be {}, found {}", range.describe(), Bounds::found(v)),
            )
            .with_help(range.help()),
        );
        return None;
    }
    Some(v)
}

/// An expected cost or impact: a number in whole cents, as they are compared.
/// `cost_max = 14.999` would otherwise be rounded to 15.00 and let a cost of
/// 15.00 pass.
fn money(value: &Spanned<Scalar>, what: &str, diags: &mut Vec<Diagnostic>) -> Option<f64> {
    let v = number(value, what, diags)?;
    let written = value.get_ref().text();
    match crate::money::finer_than_cents(v, what, &written, "bound", value.span()) {
        Some(d) => {
            diags.push(d);
            None
        }
        None => Some(v),
    }
}

/// A number written as text (`cost = "3.50"`), with how to write it when
/// the text `unquoted` would be one.
fn written_as_text(value: &Spanned<Scalar>, what: &str, expected: &str, t: &str, unquoted: bool) -> Diagnostic {
    let d = Diagnostic::error(
        "wrong-type",
        value.span(),
        format!("`{what}` must be {expected}, found the text `\"{t}\"`"),
    );
    if unquoted {
        d.with_help(format!("write the number without quotes: `{}`", t.trim()))
    } else {
        d
    }
}

fn count(value: &Spanned<Scalar>, what: &str, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    match value.get_ref() {
        Scalar::Int(i) if *i >= 0 => Some(*i as u64),
        Scalar::Text(t) => {
            let unquoted = t.trim().parse::<u64>().is_ok();
            diags.push(written_as_text(
                value,
                what,
                "a whole number, zero or more",
                t,
                unquoted,
            ));
            None
        }
        _ => {
            diags.push(Diagnostic::error(
                "wrong-type",
                value.span(),
                format!(
                    "`{what}` must be a whole number, zero or more, found `{}`",
                    value.get_ref().text()
                ),
            ));
            None
        }
    }
}

/// One test; `default_date` is the file's `date`, if it gives one (`None`
/// within when it could not be read).
fn test_case(t: RawTest, default_date: Option<Option<Day>>, diags: &mut Vec<Diagnostic>) -> Option<TestCase> {
    let name = t.name.get_ref().clone();
    let span = t.name.span();
    let mut incident: Vec<(String, String)> = t
        .incident
        .get_ref()
        .iter()
        .map(|(k, v)| (k.get_ref().clone(), v.get_ref().text()))
        .collect();
    // The keys whose value could not be read are checked too (a misspelt
    // one is still misspelt); each has its error for the value.
    let mut written: Vec<(Spanned<String>, Range<usize>)> = (t.incident.get_ref().iter())
        .map(|(k, v)| (k.clone(), v.span()))
        .chain(t.unreadable.iter().cloned())
        .collect();
    written.sort_by_key(|(k, _)| k.span().start);
    let (incident_keys, incident_value_spans): (Vec<_>, Vec<_>) = written.into_iter().unzip();
    let unread = |key: &str| t.unreadable.iter().any(|(k, _)| k.get_ref() == key);
    if !incident.iter().any(|(k, _)| k == "case_id") {
        incident.push(("case_id".into(), name.clone()));
    }
    let customer_id_at = (t.incident.get_ref().get("customer_id").map(Spanned::span)).or_else(|| {
        t.unreadable
            .iter()
            .find(|(k, _)| k.get_ref() == "customer_id")
            .map(|(_, v)| v.clone())
    });
    if let Some(at) = customer_id_at {
        diags.push(
            Diagnostic::error(
                "test-file",
                at,
                "`customer_id` belongs in the test, not in `[test.incident]`",
            )
            .with_help("write `customer_id = \"...\"` under `[[test]]`"),
        );
    }
    if !incident.iter().any(|(k, _)| k == "kind") && !unread("kind") {
        diags.push(Diagnostic::error(
            "missing-key",
            t.incident.span(),
            format!("test `{name}`: `[test.incident]` needs a `kind`"),
        ));
    }
    let date = match t.incident.get_ref().get("date") {
        Some(d) => day(d, "date", diags),
        // Written but unreadable: it has its own error.
        None if unread("date") => None,
        None => {
            if default_date.is_none() {
                diags.push(
                    Diagnostic::error(
                        "missing-key",
                        t.incident.span(),
                        format!("test `{name}` has no incident `date`"),
                    )
                    .with_help("add `date = 2026-11-20` to `[test.incident]`, or once at the top of the file"),
                );
            }
            default_date.flatten()
        }
    };
    incident.retain(|(k, _)| k != "date");
    if let Some(d) = date {
        incident.push(("date".into(), date::format(d)));
    }
    let customer = match (&t.customer_id, &t.customer) {
        (Some(id), None) => {
            incident.push(("customer_id".into(), id.get_ref().clone()));
            Some(TestCustomer::Id(id.get_ref().clone()))
        }
        (None, Some(given)) => {
            incident.push(("customer_id".into(), "test".into()));
            Some(TestCustomer::Given(given_customer(given, date, diags)))
        }
        (Some(id), Some(given)) => {
            diags.push(Diagnostic::error(
                "conflict",
                id.span(),
                format!("test `{name}` gives both `customer_id` and `[test.customer]`: give one"),
            ));
            // Read on, for the test's other mistakes.
            incident.push(("customer_id".into(), id.get_ref().clone()));
            Some(TestCustomer::Given(given_customer(given, date, diags)))
        }
        // Written but unreadable: it has its own error, and the test is
        // read on for its other mistakes with a customer of no features.
        (None, None) if t.customer_written => Some(TestCustomer::Given(GivenSpec::default())),
        (None, None) => {
            diags.push(
                Diagnostic::error("missing-key", span.clone(), format!("test `{name}` has no customer"))
                    .with_help("add `[test.customer]` with features, or `customer_id` looked up in `--history`"),
            );
            None
        }
    };
    let e = t.expect;
    if let Some(d) = &e.decision
        && !["gesture", "escalate", "error"].contains(&d.get_ref().as_str())
    {
        diags.push(
            Diagnostic::error("test-file", d.span(), format!("unknown decision `{}`", d.get_ref()))
                .with_help("`decision` is `gesture`, `escalate` or `error`"),
        );
    }
    let keys = e.keys;
    let written: Vec<(&str, String)> = [
        ("cost", &e.cost),
        ("cost_min", &e.cost_min),
        ("cost_max", &e.cost_max),
        ("impact_min", &e.impact_min),
        ("impact_max", &e.impact_max),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v.get_ref().text())))
    .collect();
    let expect = Expect {
        decision: e.decision.map(|d| d.into_inner()),
        gesture: e.gesture,
        not_gesture: list(e.not_gesture),
        rule: e.rule,
        matched: list(e.matched),
        not_matched: list(e.not_matched),
        cost: e.cost.and_then(|v| money(&v, "cost", diags)),
        cost_min: e.cost_min.and_then(|v| money(&v, "cost_min", diags)),
        cost_max: e.cost_max.and_then(|v| money(&v, "cost_max", diags)),
        impact_min: e.impact_min.and_then(|v| money(&v, "impact_min", diags)),
        impact_max: e.impact_max.and_then(|v| money(&v, "impact_max", diags)),
        escalation: e.escalation,
        error: e.error,
    };
    contradictions(&expect, &keys, &written, diags);
    Some(TestCase {
        name,
        span,
        incident,
        incident_keys,
        incident_value_spans,
        customer: customer?,
        expect,
        expectation_unread: t.expectation_unread,
    })
}

/// Refuses expectations that no answer can meet together (`cost_min`
/// above `cost_max`, a `gesture` also in `not_gesture`): the test would
/// fail whatever the policy answers. Each is an error at the later key, or
/// at the id in its list; `written` holds the numbers as written.
fn contradictions(e: &Expect, keys: &[Spanned<String>], written: &[(&str, String)], diags: &mut Vec<Diagnostic>) {
    let at = |key: &str| keys.iter().find(|k| k.get_ref() == key).map(Spanned::span);
    let shown = |key: &str| {
        let text = written.iter().find(|(k, _)| *k == key).map_or("", |(_, t)| t.as_str());
        format!("`{key} = {text}`")
    };
    let conflict = |span: Range<usize>, message: String, help: &str| {
        Diagnostic::error("conflict", span, message).with_help(help.to_string())
    };
    // Each pair is (lower, higher): the lower above the higher fails every answer.
    let pairs = [
        ("cost_min", e.cost_min, "cost_max", e.cost_max),
        ("impact_min", e.impact_min, "impact_max", e.impact_max),
        ("cost_min", e.cost_min, "cost", e.cost),
        ("cost", e.cost, "cost_max", e.cost_max),
    ];
    for (low, low_v, high, high_v) in pairs {
        if let (Some(l), Some(h), Some(low_at), Some(high_at)) = (low_v, high_v, at(low), at(high))
            && crate::money::cents(l) > crate::money::cents(h)
        {
            let what = if low.starts_with("impact") { "impact" } else { "cost" };
            let (span, message) = match low_at.start > high_at.start {
                true => (low_at, format!("{} is above {}", shown(low), shown(high))),
                false => (high_at, format!("{} is below {}", shown(high), shown(low))),
            };
            diags.push(conflict(
                span,
                format!("{message}: no {what} meets both"),
                "correct the one that is wrong, or remove it",
            ));
        }
    }
    if let Some(g) = &e.gesture {
        for id in e.not_gesture.iter().filter(|id| id.get_ref() == g.get_ref()) {
            diags.push(conflict(
                id.span(),
                format!(
                    "`{}` is the expected `gesture` and is in `not_gesture`: no answer meets both",
                    g.get_ref()
                ),
                "keep the one you mean: `gesture` is the gesture expected, `not_gesture` those that must not be",
            ));
        }
    }
    for id in &e.not_matched {
        let (is_rule, is_matched) = (
            e.rule.as_ref().is_some_and(|r| r.get_ref() == id.get_ref()),
            e.matched.iter().any(|m| m.get_ref() == id.get_ref()),
        );
        let first = match (is_rule, is_matched) {
            (true, _) => "the expected `rule`, which must have matched,",
            (false, true) => "in `matched`",
            (false, false) => continue,
        };
        diags.push(conflict(
            id.span(),
            format!(
                "rule `{}` is {first} and is in `not_matched`: no answer meets both",
                id.get_ref()
            ),
            "correct the one that is wrong, or remove it",
        ));
    }
    // An escalated case costs nothing, and its impact is 0.
    let escalated = e.decision.as_deref() == Some("escalate") || e.escalation.as_deref().is_some_and(|r| !r.is_empty());
    let unmet = [
        ("cost", e.cost.is_some_and(|c| c > 0.0)),
        ("cost_min", e.cost_min.is_some_and(|c| c > 0.0)),
        ("impact_min", e.impact_min.is_some_and(|i| i > 0.0)),
        ("impact_max", e.impact_max.is_some_and(|i| i < 0.0)),
    ];
    for (key, _) in unmet.iter().filter(|(_, unmet)| escalated && *unmet) {
        if let Some(span) = at(key) {
            diags.push(conflict(
                span,
                format!(
                    "{} cannot be met: an escalated case costs nothing and its impact is 0",
                    shown(key)
                ),
                "expect either the escalation or the gesture's figures",
            ));
        }
    }
    // An escalated case has no gesture, and only an escalated case a reason.
    match (
        e.decision.as_deref(),
        &e.gesture,
        e.escalation.as_deref(),
        at("escalation"),
    ) {
        (Some("escalate"), Some(g), _, _) => diags.push(conflict(
            at("gesture").unwrap_or_else(|| g.span()),
            "`gesture` cannot be met: `decision` is `escalate`, and an escalated case has no gesture".to_string(),
            "expect either the escalation or the gesture",
        )),
        (Some("gesture"), _, Some(reason), Some(span)) if !reason.is_empty() => diags.push(conflict(
            span,
            "`escalation` cannot be met: `decision` is `gesture`, and only an escalated case has a reason".to_string(),
            "expect either the escalation or the gesture",
        )),
        (None, Some(g), Some(reason), Some(span)) if !reason.is_empty() => {
            let gesture = at("gesture").unwrap_or_else(|| g.span());
            diags.push(conflict(
                if gesture.start > span.start { gesture } else { span },
                "`gesture` and `escalation` cannot both be met: an escalated case has no gesture".to_string(),
                "expect either the escalation or the gesture",
            ))
        }
        _ => {}
    }
}

fn given_customer(
    (table, unreadable): &(Spanned<Table>, Unreadable),
    as_of: Option<Day>,
    diags: &mut Vec<Diagnostic>,
) -> GivenSpec {
    let mut g = GivenSpec {
        unread: unreadable
            .iter()
            .map(|(key, _)| key.clone())
            .filter(|key| !CUSTOMER_FEATURES.contains(&key.get_ref().as_str()) && key.get_ref() != "customer_id")
            .collect(),
        ..GivenSpec::default()
    };
    let f = &mut g.features;
    let mut known = None;
    let mut tenure = None;
    let mut recency = None;
    let mut avg = None;
    let mut spend = None;
    let mut order_spans = [None, None];
    for (key, value) in table.get_ref() {
        let k = key.get_ref().as_str();
        match k {
            "orders" => f.orders = count(value, k, diags).unwrap_or(0),
            "refunds" => f.refunds = count(value, k, diags).unwrap_or(0),
            // Refunds count in it: a customer with only a refund has a negative one.
            "total_spend" => spend = number_in(value, k, Bounds::Any, diags),
            "avg_order_value" => avg = number_in(value, k, Bounds::Amount, diags),
            "tenure_days" => tenure = number_in(value, k, Bounds::NonNegative, diags),
            "recency_days" => recency = number_in(value, k, Bounds::NonNegative, diags),
            "first_order" => {
                f.first_order = day(value, k, diags);
                order_spans[0] = Some(value.span());
            }
            "last_order" => {
                f.last_order = day(value, k, diags);
                order_spans[1] = Some(value.span());
            }
            "future_value" => g.future_value = number_in(value, k, Bounds::Amount, diags),
            "p_alive" => g.p_alive = number_in(value, k, Bounds::Unit, diags),
            "gestures_12m" => g.usage.gestures = count(value, k, diags).unwrap_or(0).min(u64::from(u32::MAX)) as u32,
            "goodwill_12m" => {
                g.usage.cents = number_in(value, k, Bounds::Amount, diags).map_or(0, crate::money::cents);
            }
            "known" => match value.get_ref() {
                Scalar::Bool(b) => known = Some(*b),
                other => diags.push(Diagnostic::error(
                    "wrong-type",
                    value.span(),
                    format!("`known` must be true or false, found `{}`", other.text()),
                )),
            },
            "customer_id" => diags.push(
                Diagnostic::error(
                    "test-file",
                    value.span(),
                    "`customer_id` belongs in the test, not in `[test.customer]`",
                )
                .with_help("a test gives either `customer_id` or `[test.customer]`"),
            ),
            _ => {
                g.attributes.push((k.to_string(), value.get_ref().text()));
                g.attribute_spans.push(key.span());
                g.attribute_value_spans.push(value.span());
            }
        }
    }
    // A history has its orders in order, and none after the incident.
    for (k, (d, span)) in ["first_order", "last_order"]
        .into_iter()
        .zip([f.first_order, f.last_order].into_iter().zip(order_spans.clone()))
    {
        if let (Some(d), Some(as_of), Some(span)) = (d, as_of, span)
            && d > as_of
        {
            diags.push(Diagnostic::error(
                "out-of-range",
                span,
                format!(
                    "`{k}` {} is after the incident's date, {}",
                    date::format(d),
                    date::format(as_of)
                ),
            ));
        }
    }
    if let (Some(first), Some(last), Some(span)) = (f.first_order, f.last_order, order_spans[1].clone())
        && last < first
    {
        diags.push(Diagnostic::error(
            "out-of-range",
            span,
            format!(
                "`last_order` {} is before `first_order`, {}",
                date::format(last),
                date::format(first)
            ),
        ));
    }
    // What a history would have implied, for what the test leaves out.
    f.avg_order_value = avg.unwrap_or_else(|| match (spend, f.orders) {
        (Some(s), n) if n > 0 => s / n as f64,
        _ => 0.0,
    });
    f.total_spend = spend.unwrap_or(f.avg_order_value * f.orders as f64);
    let since = |d: Option<Day>| match (as_of, d) {
        (Some(a), Some(d)) => f64::from(a - d),
        _ => 0.0,
    };
    f.tenure_days = tenure.unwrap_or_else(|| since(f.first_order));
    f.recency_days = recency.unwrap_or_else(|| since(f.last_order));
    f.known = known.unwrap_or(f.orders > 0 || f.refunds > 0);
    g
}

/// Checks a test file against the policy it runs on: gesture and rule ids
/// in expectations exist, incident and customer attributes are declared.
pub fn validate(tests: &TestFile, policy: &Policy) -> Report {
    let mut diags = Vec::new();
    let gestures: Vec<&str> = policy.gestures.iter().map(|g| g.id.as_str()).chain([APOLOGY]).collect();
    let rules: Vec<&str> = policy.rules.iter().map(|r| r.id.as_str()).collect();
    let unknown = |what: &str, id: &Spanned<String>, known: &[&str]| {
        let help = crate::suggest::did_you_mean(id.get_ref(), known.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("the policy's {what}s are: {}", known.join(", ")));
        Diagnostic::error(
            if what == "rule" {
                "unknown-rule"
            } else {
                "unknown-gesture"
            },
            id.span(),
            format!("`{}` is not a {what} of policy `{}`", id.get_ref(), policy.file),
        )
        .with_help(help)
    };
    let declared = policy.attribute_columns(Scope::Customer);
    let incident_declared = policy.attribute_columns(Scope::Incident);
    // `customer_id` has its own error in `[test.incident]`: never suggested there.
    let incident_fields = || {
        STANDARD
            .iter()
            .copied()
            .filter(|f| *f != "customer_id")
            .chain(incident_declared.iter().copied())
    };
    // A key of another table written in this one (`gesture` under
    // `[test.customer]`) is sent where it belongs, not to the policy's
    // declarations.
    let misplaced = |name: &str, here: Scope| {
        let (what, table) = if EXPECT_KEYS.contains(&name) {
            ("an expectation", "[test.expect]")
        } else if here != Scope::Incident && incident_fields().any(|f| f == name) {
            ("an incident field", "[test.incident]")
        } else if here != Scope::Customer && CUSTOMER_FEATURES.contains(&name) {
            ("a customer feature", "[test.customer]")
        } else if here != Scope::Customer && declared.contains(&name) {
            ("a customer attribute", "[test.customer]")
        } else {
            return None;
        };
        Some(format!("`{name}` is {what}: write it under `{table}`"))
    };
    let mut scratch = Values::new(&policy.schema);
    for t in &tests.tests {
        // A test of how a bad incident is refused says so; any other test
        // means its incident to be answered, so a value the policy cannot
        // take is a mistake in the test, found before anything runs.
        let expects_error =
            t.expectation_unread || t.expect.decision.as_deref() == Some("error") || t.expect.error.is_some();
        for (key, span) in t.incident_keys.iter().zip(&t.incident_value_spans) {
            let name = key.get_ref().as_str();
            let Some((_, text)) = t.incident.iter().find(|(k, _)| k == name).filter(|_| !expects_error) else {
                continue;
            };
            if name == "kind"
                && let Err(why) = policy.check_kind(text)
            {
                diags.push(
                    Diagnostic::error("unknown-kind", span.clone(), why)
                        .with_help("to test that the policy refuses it, expect `decision = \"error\"`"),
                );
            }
            // The standard fields as any incident's (`loss = -12` is
            // refused as in a batch row), then the declared fields by type.
            let problem = if STANDARD.contains(&name) && !["kind", "customer_id"].contains(&name) {
                Incident::check_field(name, text).err().map(|e| e.problem)
            } else {
                policy.attribute(Scope::Incident, name).and_then(|a| {
                    set_text(&mut scratch, a.ty, a.slot, text)
                        .err()
                        .map(|why| format!(": {why}"))
                })
            };
            if let Some(problem) = problem {
                diags.push(Diagnostic::error(
                    "wrong-type",
                    span.clone(),
                    format!("`{name}` in `[test.incident]`{problem}"),
                ));
            }
        }
        for key in &t.incident_keys {
            let name = key.get_ref().as_str();
            if STANDARD.contains(&name) || incident_declared.contains(&name) {
                continue;
            }
            let help = misplaced(name, Scope::Incident)
                .or_else(|| {
                    crate::suggest::did_you_mean(name, incident_fields()).map(|s| format!("did you mean `{s}`?"))
                })
                .unwrap_or_else(|| format!("declare `\"incident.{name}\"` in the policy's `[attributes]`"));
            diags.push(
                Diagnostic::error(
                    "unknown-field",
                    key.span(),
                    format!("`{name}` is neither an incident field nor an attribute the policy declares"),
                )
                .with_help(help),
            );
        }
        let e = &t.expect;
        for id in e.gesture.iter().chain(&e.not_gesture) {
            if !gestures.contains(&id.get_ref().as_str()) {
                diags.push(unknown("gesture", id, &gestures));
            }
        }
        for id in e.rule.iter().chain(&e.matched).chain(&e.not_matched) {
            if !rules.contains(&id.get_ref().as_str()) {
                diags.push(unknown("rule", id, &rules));
            }
        }
        if let TestCustomer::Given(g) = &t.customer {
            // A value of the wrong type is pointed at, as in `[test.incident]`.
            for ((name, text), span) in g.attributes.iter().zip(&g.attribute_value_spans) {
                // A declared attribute takes the values a customers file could give it.
                if let Some(a) = policy.attribute(Scope::Customer, name)
                    && let Err(why) = set_text(&mut scratch, a.ty, a.slot, text)
                {
                    diags.push(Diagnostic::error(
                        "wrong-type",
                        span.clone(),
                        format!("`{name}` in `[test.customer]`: {why}"),
                    ));
                }
            }
            // Read or not, a key that names nothing is an error of its own.
            let keys = g
                .attribute_spans
                .iter()
                .zip(&g.attributes)
                .map(|(span, (name, _))| (name, span.clone()));
            let unread = g.unread.iter().map(|key| (key.get_ref(), key.span()));
            for (name, span) in keys.chain(unread) {
                if !declared.contains(&name.as_str()) {
                    let candidates = CUSTOMER_FEATURES.iter().copied().chain(declared.iter().copied());
                    let help = misplaced(name, Scope::Customer)
                        .or_else(|| {
                            crate::suggest::did_you_mean(name, candidates).map(|s| format!("did you mean `{s}`?"))
                        })
                        .unwrap_or_else(|| format!("declare `\"customer.{name}\"` in the policy's `[attributes]`"));
                    diags.push(
                        Diagnostic::error(
                            "unknown-field",
                            span,
                            format!("`{name}` is neither a customer feature nor an attribute the policy declares"),
                        )
                        .with_help(help),
                    );
                }
            }
        }
    }
    Report::new(&tests.file, &tests.source, diags)
}

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Failure {
    /// What was checked (`gesture`, `cost_max`, ...).
    pub what: String,
    /// What the test expected.
    pub expected: String,
    /// What the policy answered.
    pub actual: String,
}

impl Failure {
    fn new(what: &str, expected: impl ToString, actual: impl ToString) -> Self {
        Failure {
            what: what.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }
}

/// The decision of an answer as a test names it.
pub fn decision_name(answer: &Result<Recommendation<'_>, String>) -> &'static str {
    match answer {
        Ok(r) if r.decision == Decision::Escalate => "escalate",
        Ok(_) => "gesture",
        Err(_) => "error",
    }
}

/// Compares an answer with what the test expects; empty when it passes.
pub fn compare(expect: &Expect, answer: &Result<Recommendation<'_>, String>) -> Vec<Failure> {
    let mut out = Vec::new();
    let decision = decision_name(answer);
    // A case that failed with no `decision = "error"` expected is a failure by itself.
    let wanted = expect
        .decision
        .as_deref()
        .unwrap_or(if expect.error.is_some() { "error" } else { "" });
    if (!wanted.is_empty() && wanted != decision) || (wanted.is_empty() && decision == "error") {
        let actual = match answer {
            Err(e) => format!("error: {e}"),
            Ok(_) => decision.to_string(),
        };
        out.push(Failure::new(
            "decision",
            if wanted.is_empty() { "an answer" } else { wanted },
            actual,
        ));
        return out;
    }
    let rec = match answer {
        Err(e) => {
            if let Some(text) = &expect.error
                && !e.contains(text.as_str())
            {
                out.push(Failure::new("error", format!("containing `{text}`"), e));
            }
            return out;
        }
        Ok(rec) => rec,
    };
    check_ids(expect, rec, &mut out);
    check_money(expect, rec, &mut out);
    if let Some(text) = &expect.escalation {
        let reason = rec.escalation.as_deref().unwrap_or("");
        if !reason.contains(text.as_str()) {
            out.push(Failure::new(
                "escalation",
                format!("containing `{text}`"),
                if reason.is_empty() {
                    "no escalation".to_string()
                } else {
                    reason.to_string()
                },
            ));
        }
    }
    out
}

/// The expected gesture, rule and matched rules, each against the answer.
fn check_ids(expect: &Expect, rec: &Recommendation<'_>, out: &mut Vec<Failure>) {
    let shown = |s: &str| {
        if s.is_empty() {
            "(none: escalated)".to_string()
        } else {
            format!("`{s}`")
        }
    };
    if let Some(g) = &expect.gesture
        && rec.gesture() != g.get_ref()
    {
        out.push(Failure::new(
            "gesture",
            format!("`{}`", g.get_ref()),
            shown(rec.gesture()),
        ));
    }
    for g in &expect.not_gesture {
        if rec.gesture() == g.get_ref() {
            out.push(Failure::new(
                "not_gesture",
                format!("not `{}`", g.get_ref()),
                shown(rec.gesture()),
            ));
        }
    }
    if let Some(r) = &expect.rule
        && !rec.rules.contains(&r.get_ref().as_str())
    {
        // The rules behind the answer, and which answer, so that a rule that
        // matched but offered another gesture is told apart from one that
        // did not match (`matched` says that).
        let actual = if rec.rules.is_empty() {
            format!("no rule (the answer {} is built in)", shown(rec.gesture()))
        } else {
            let rules: Vec<String> = rec.rules.iter().map(|r| format!("`{r}`")).collect();
            let behind = if rec.gesture().is_empty() {
                "escalated".to_string()
            } else {
                format!("offered {}", shown(rec.gesture()))
            };
            format!("{} ({behind})", rules.join(", "))
        };
        out.push(Failure::new("rule", format!("`{}`", r.get_ref()), actual));
    }
    let matched: Vec<&str> = rec.trace.iter().filter(|t| t.matched).map(|t| t.rule).collect();
    let matched_text = || {
        if matched.is_empty() {
            "none matched".to_string()
        } else {
            format!("matched: {}", matched.join(", "))
        }
    };
    for r in &expect.matched {
        if !matched.contains(&r.get_ref().as_str()) {
            out.push(Failure::new(
                "matched",
                format!("rule `{}` matches", r.get_ref()),
                matched_text(),
            ));
        }
    }
    for r in &expect.not_matched {
        if matched.contains(&r.get_ref().as_str()) {
            out.push(Failure::new(
                "not_matched",
                format!("rule `{}` does not match", r.get_ref()),
                matched_text(),
            ));
        }
    }
}

/// The expected cost and its bounds, and the impact's, each compared in
/// whole cents, as the rep reads them.
fn check_money(expect: &Expect, rec: &Recommendation<'_>, out: &mut Vec<Failure>) {
    use crate::money::{cents, decimal};
    let (cost, impact) = (cents(rec.cost()), cents(rec.impact()));
    type Holds = fn(i64, i64) -> bool;
    let checks: [(&str, Option<f64>, i64, &str, Holds); 5] = [
        ("cost", expect.cost, cost, "", |actual, want| actual == want),
        ("cost_min", expect.cost_min, cost, ">= ", |actual, want| actual >= want),
        ("cost_max", expect.cost_max, cost, "<= ", |actual, want| actual <= want),
        ("impact_min", expect.impact_min, impact, ">= ", |actual, want| {
            actual >= want
        }),
        ("impact_max", expect.impact_max, impact, "<= ", |actual, want| {
            actual <= want
        }),
    ];
    for (key, want, actual, op, holds) in checks {
        if let Some(want) = want.map(cents)
            && !holds(actual, want)
        {
            out.push(Failure::new(key, format!("{op}{}", decimal(want)), decimal(actual)));
        }
    }
}

/// How much of a policy a set of tests exercises.
///
/// A rule is covered when it matched in at least one test; a gesture when at
/// least one test's answer recommended it. Coverage is the share of the
/// policy's rules and declared gestures that are covered (the built-in
/// apology is counted apart: it is on every case). Every test that produced
/// an answer counts, passed or failed.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Coverage {
    /// Per rule, in policy order: how many tests it matched in.
    pub rules: Vec<(String, usize)>,
    /// Per declared gesture, in policy order: how many tests recommended it.
    pub gestures: Vec<(String, usize)>,
    /// How many tests recommended the apology alone.
    pub apology: usize,
    /// How many tests escalated.
    pub escalated: usize,
}

impl Coverage {
    /// Nothing covered yet, for a policy.
    pub fn new(policy: &Policy) -> Self {
        Coverage {
            rules: policy.rules.iter().map(|r| (r.id.clone(), 0)).collect(),
            gestures: policy.gestures.iter().map(|g| (g.id.clone(), 0)).collect(),
            apology: 0,
            escalated: 0,
        }
    }

    /// Counts one answer.
    pub fn add(&mut self, rec: &Recommendation<'_>) {
        for (i, t) in rec.trace.iter().enumerate() {
            if t.matched
                && let Some(r) = self.rules.get_mut(i)
            {
                r.1 += 1;
            }
        }
        match rec.decision {
            Decision::Escalate => self.escalated += 1,
            Decision::Gesture if rec.gesture() == APOLOGY => self.apology += 1,
            Decision::Gesture => {
                if let Some(g) = self.gestures.iter_mut().find(|g| g.0 == rec.gesture()) {
                    g.1 += 1;
                }
            }
        }
    }

    /// Rules no test matched.
    pub fn unmatched_rules(&self) -> Vec<&str> {
        self.rules.iter().filter(|r| r.1 == 0).map(|r| r.0.as_str()).collect()
    }

    /// Gestures no test's answer recommended.
    pub fn unchosen_gestures(&self) -> Vec<&str> {
        self.gestures
            .iter()
            .filter(|g| g.1 == 0)
            .map(|g| g.0.as_str())
            .collect()
    }

    /// Covered rules and gestures over all rules and gestures, in percent
    /// (100 for a policy with neither).
    pub fn percent(&self) -> f64 {
        let total = self.rules.len() + self.gestures.len();
        if total == 0 {
            return 100.0;
        }
        let covered = self.rules.iter().chain(&self.gestures).filter(|x| x.1 > 0).count();
        100.0 * covered as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "date = 2026-11-20\n[[test]]\nname = \"t\"\n[test.incident]\nkind = \"late_delivery\"\nloss = 8\n\
                       [test.customer]\norders = 4\ntotal_spend = 200\nfirst_order = 2025-11-20\ntier = \"gold\"\n\
                       [test.expect]\ngesture = \"credit_5\"\ncost_max = 5\n";

    /// Each diagnostic's line and column, message and help.
    fn found(report: &Report) -> Vec<((usize, usize), &str, Option<&str>)> {
        report
            .diagnostics
            .iter()
            .map(|d| (report.line_col(d.span.start), d.message.as_str(), d.help.as_deref()))
            .collect()
    }

    /// The file read, with every mistake found in the reading.
    fn read_report(src: &str) -> Report {
        let (_, diags) = read(src, "t.toml");
        Report::new("t.toml", src, diags)
    }

    /// Each diagnostic's line and column, code and message.
    fn coded(report: &Report) -> Vec<((usize, usize), &str, &str)> {
        report
            .diagnostics
            .iter()
            .map(|d| (report.line_col(d.span.start), d.code, d.message.as_str()))
            .collect()
    }

    #[test]
    fn a_test_reads_its_incident_customer_and_expectations() {
        let f = parse(ONE, "t.toml").unwrap();
        let t = &f.tests[0];
        assert_eq!(t.name, "t");
        assert!(t.incident.contains(&("loss".into(), "8".into())));
        assert!(t.incident.contains(&("date".into(), "2026-11-20".into())));
        assert!(t.incident.contains(&("case_id".into(), "t".into())));
        let TestCustomer::Given(g) = &t.customer else {
            panic!("given")
        };
        assert_eq!(g.features.orders, 4);
        assert_eq!(g.features.avg_order_value, 50.0);
        assert_eq!(g.features.tenure_days, 365.0);
        assert!(g.features.known);
        assert_eq!(g.attributes, vec![("tier".to_string(), "gold".to_string())]);
        assert_eq!(
            t.expect.gesture.as_ref().map(|g| g.get_ref().as_str()),
            Some("credit_5")
        );
        assert_eq!(t.expect.cost_max, Some(5.0));
    }

    #[test]
    fn an_expected_number_written_as_text_is_named_at_its_place() {
        let src = ONE.replace("cost_max = 5", "cost_max = \"5\"\nimpact_min = \"a lot\"");
        let report = parse(&src, "t.toml").unwrap_err();
        assert_eq!(
            found(&report),
            [
                (
                    (14, 12),
                    "`cost_max` must be a number, found the text `\"5\"`",
                    Some("write the number without quotes: `5`")
                ),
                (
                    (15, 14),
                    "`impact_min` must be a number, found the text `\"a lot\"`",
                    None
                ),
            ]
        );
    }

    #[test]
    fn an_expected_cost_is_in_whole_cents() {
        let src = ONE.replace("cost_max = 5", "cost_max = 14.999\ncost_min = 0.1\ncost = 3.5");
        let report = parse(&src, "t.toml").unwrap_err();
        assert_eq!(
            found(&report),
            [(
                (14, 12),
                "`cost_max` is money, compared to the cent: `14.999` has more decimals",
                Some("write `14.99` or `15.00`, the bound you mean")
            )]
        );
        // However large the amount, below what an f64 holds to the cent.
        for big in ["10000.005", "123456.789", "99999999.999"] {
            let src = ONE.replace("cost_max = 5", &format!("cost_max = {big}"));
            assert!(parse(&src, "t.toml").is_err(), "{big}");
        }
        let fine = ONE.replace(
            "cost_max = 5",
            "cost_max = 14.99\ncost = 0.07\ncost_min = 1e-2\nimpact_max = 123456.78",
        );
        assert_eq!(parse(&fine, "t.toml").unwrap().tests[0].expect.cost_max, Some(14.99));
    }

    #[test]
    fn a_count_written_as_text_is_named_with_its_quotes() {
        let src = ONE.replace("orders = 4", "orders = \"4\"");
        let report = parse(&src, "t.toml").unwrap_err();
        assert_eq!(
            found(&report),
            [(
                (8, 10),
                "`orders` must be a whole number, zero or more, found the text `\"4\"`",
                Some("write the number without quotes: `4`")
            )]
        );
    }

    /// A customer no history could give passed its tests, and told the
    /// author nothing about the policy.
    #[test]
    fn an_impossible_customer_is_an_error_at_each_value() {
        let src = ONE.replace(
            "first_order = 2025-11-20\n",
            "first_order = 2027-01-01\nlast_order = 2020-01-01\np_alive = 1.5\nfuture_value = -100\ntenure_days = -5\n",
        );
        let report = parse(&src, "t.toml").unwrap_err();
        // Refunds alone give a negative total spend: that customer can be described.
        assert!(parse(&ONE.replace("total_spend = 200", "total_spend = -30"), "t.toml").is_ok());
        let amount = Some("an amount of money: write 0 or a positive number under 1e13");
        assert_eq!(
            found(&report),
            [
                (
                    (10, 15),
                    "`first_order` 2027-01-01 is after the incident's date, 2026-11-20",
                    None
                ),
                (
                    (11, 14),
                    "`last_order` 2020-01-01 is before `first_order`, 2027-01-01",
                    None
                ),
                (
                    (12, 11),
                    "`p_alive` must be between 0 and 1, found 1.5",
                    Some(Bounds::Unit.help())
                ),
                (
                    (13, 16),
                    "`future_value` must be zero or more and under 1e13 (10 trillion), found -100",
                    amount
                ),
                (
                    (14, 15),
                    "`tenure_days` must be zero or more, found -5",
                    Some(Bounds::NonNegative.help())
                ),
            ]
        );
    }

    #[test]
    fn a_test_with_both_customers_is_read_on_for_its_other_mistakes() {
        let src = "[[test]]\nname = \"t\"\ncustomer_id = \"C1\"\n[test.incident]\nkind = \"late_delivery\"\n\
                   date = 2026-11-20\n[test.customer]\norders = \"3\"\n[test.expect]\ndecision = \"gesture\"\n";
        let (_, diags) = read(src, "t.toml");
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["conflict", "wrong-type"]);
    }

    /// A value of the wrong type stopped the reading: the file's other
    /// mistakes, unknown keys aside, came only once it was mended.
    #[test]
    fn every_value_of_the_wrong_type_is_named_in_one_run() {
        let src = "date = [2026-11-20]\n\
                   [[test]]\nname = 5\ncustomer_id = \"C1\"\nnmae = \"x\"\n\
                   [test.incident]\nkind = [\"expired_coupon\"]\nloss = [1, 2]\nseverity = 1e400\n\
                   [test.expect]\ndecision = 1\nmatched = [\"r\", 3]\nnot_gesture = {}\n\
                   cost = 99999999999999999999\nerror = true\n\
                   [[test]]\nname = \"no incident\"\ncustomer_id = \"C1\"\n\
                   [[test]]\ncustomer_id = \"C1\"\nincident = 5\nexpect = \"x\"\n";
        let (_, mut diags) = read(src, "t.toml");
        diags.sort_by_key(|d| d.span.start);
        let report = Report::new("t.toml", src, diags);
        let got: Vec<((usize, usize), &str)> = found(&report).into_iter().map(|(at, m, _)| (at, m)).collect();
        assert_eq!(
            got,
            [
                (
                    (1, 8),
                    "`date` must be a string, a number, a boolean or a date, found an array"
                ),
                ((3, 8), "`name` must be a string, found a number"),
                ((5, 1), "unknown key `nmae` in a `[[test]]`"),
                (
                    (7, 8),
                    "`kind` must be a string, a number, a boolean or a date, found an array"
                ),
                (
                    (8, 8),
                    "`loss` must be a string, a number, a boolean or a date, found an array"
                ),
                ((11, 12), "`decision` must be a string, found a number"),
                ((12, 17), "each id in `matched` must be a string, found a number"),
                ((13, 15), "`not_gesture` must be an id or a list of ids, found a table"),
                ((14, 8), "`cost` is too large to be read as a number"),
                ((15, 9), "`error` must be a string, found a boolean"),
                ((17, 8), "test `no incident` needs a `[test.incident]`"),
                ((19, 1), "a `[[test]]` needs a `name`"),
                (
                    (21, 12),
                    "`incident` must be a table (`[test.incident]`), found a number"
                ),
                ((22, 10), "`expect` must be a table (`[test.expect]`), found a string"),
            ]
        );
    }

    #[test]
    fn a_misspelt_name_is_one_error() {
        let src = "date = 2026-11-20\n[[test]]\nnam = \"t\"\n[test.customer]\n[test.incident]\nkind = \"late_delivery\"\n\
             [test.expect]\ndecision = \"gesture\"\n";
        let (_, diags) = read(src, "t.toml");
        let messages: Vec<(&str, Option<&str>)> =
            diags.iter().map(|d| (d.message.as_str(), d.help.as_deref())).collect();
        assert_eq!(
            messages,
            [("unknown key `nam` in a `[[test]]`", Some("did you mean `name`?"))]
        );
    }

    /// A refused case has no gesture, rule, cost or impact: beside an
    /// expected error, each such expectation is refused, not ignored (the
    /// test passed whatever they said).
    #[test]
    fn an_expected_error_refuses_the_expectations_of_an_answer() {
        let src = "date = 2026-11-20\n\
                   [[test]]\nname = \"a\"\ncustomer_id = \"C1\"\n[test.incident]\nkind = \"x\"\n\
                   [test.expect]\ndecision = \"error\"\ngesture = \"credit_5\"\nnot_matched = \"late\"\ncost = 3.5\n\
                   [[test]]\nname = \"b\"\ncustomer_id = \"C1\"\n[test.incident]\nkind = \"x\"\n\
                   [test.expect]\nerror = \"kind\"\nescalation = \"y\"\n\
                   [[test]]\nname = \"c\"\ncustomer_id = \"C1\"\n[test.incident]\nkind = \"x\"\n\
                   [test.expect]\ndecision = \"gesture\"\nerror = \"kind\"\ngesture = \"credit_5\"\n\
                   [[test]]\nname = \"d\"\ncustomer_id = \"C1\"\n[test.incident]\nkind = \"x\"\n\
                   [test.expect]\ndecision = \"error\"\nerror = \"kind\"\n";
        let (_, diags) = read(src, "t.toml");
        let report = Report::new("t.toml", src, diags);
        let got: Vec<((usize, usize), &str)> = found(&report).into_iter().map(|(at, m, _)| (at, m)).collect();
        assert_eq!(
            got,
            [
                (
                    (9, 1),
                    "`gesture` cannot be checked: the test expects an error, which has no answer"
                ),
                (
                    (10, 1),
                    "`not_matched` cannot be checked: the test expects an error, which has no answer"
                ),
                (
                    (11, 1),
                    "`cost` cannot be checked: the test expects an error, which has no answer"
                ),
                (
                    (19, 1),
                    "`escalation` cannot be checked: the test expects an error, which has no answer"
                ),
                (
                    (27, 1),
                    "`error` expects the case to be refused, but `decision` is `gesture`"
                ),
            ]
        );
    }

    /// Expectations no answer meets together were accepted, and the test
    /// failed whatever the policy answered: each is an error at its key.
    #[test]
    fn expectations_no_answer_can_meet_are_errors_at_the_key() {
        let test = |name: &str, expect: &str| {
            format!(
                "[[test]]\nname = \"{name}\"\ncustomer_id = \"C1\"\n[test.incident]\nkind = \"x\"\n\
                 date = 2026-11-20\n[test.expect]\n{expect}"
            )
        };
        let src = [
            test("a", "cost_min = 20\ncost_max = 10\n"),
            test("b", "impact_max = -1\nimpact_min = 5.5\n"),
            test("c", "cost = 3.5\ncost_min = 4\ncost_max = 3\n"),
            test(
                "d",
                "gesture = \"credit_5\"\nnot_gesture = [\"apology\", \"credit_5\"]\n",
            ),
            test(
                "e",
                "rule = \"late\"\nmatched = \"big\"\nnot_matched = [\"late\", \"big\", \"x\"]\n",
            ),
            test("f", "decision = \"escalate\"\ngesture = \"credit_5\"\n"),
            test("g", "decision = \"gesture\"\nescalation = \"supervisor\"\n"),
            test("h", "gesture = \"credit_5\"\nescalation = \"supervisor\"\n"),
            test("i", "decision = \"escalate\"\ncost_min = 1\nimpact_max = -1\n"),
            // Met together by some answer, if only just.
            test(
                "fine",
                "cost_min = 3\ncost = 3\ncost_max = 3\nimpact_min = 1\nimpact_max = 1\n\
                 gesture = \"credit_5\"\nnot_gesture = \"apology\"\nrule = \"late\"\nnot_matched = \"big\"\n\
                 escalation = \"\"\n",
            ),
            test(
                "escalated",
                "decision = \"escalate\"\nnot_gesture = \"credit_5\"\nescalation = \"supervisor\"\n",
            ),
        ]
        .concat();
        let report = read_report(&src);
        let got = coded(&report);
        assert_eq!(
            got,
            [
                (
                    (9, 1),
                    "conflict",
                    "`cost_max = 10` is below `cost_min = 20`: no cost meets both"
                ),
                (
                    (18, 1),
                    "conflict",
                    "`impact_min = 5.5` is above `impact_max = -1`: no impact meets both"
                ),
                // Each pair of the three is refused.
                (
                    (27, 1),
                    "conflict",
                    "`cost_min = 4` is above `cost = 3.5`: no cost meets both"
                ),
                (
                    (28, 1),
                    "conflict",
                    "`cost_max = 3` is below `cost_min = 4`: no cost meets both"
                ),
                (
                    (28, 1),
                    "conflict",
                    "`cost_max = 3` is below `cost = 3.5`: no cost meets both"
                ),
                (
                    (37, 27),
                    "conflict",
                    "`credit_5` is the expected `gesture` and is in `not_gesture`: no answer meets both"
                ),
                (
                    (47, 16),
                    "conflict",
                    "rule `late` is the expected `rule`, which must have matched, and is in `not_matched`: no answer \
                     meets both"
                ),
                (
                    (47, 24),
                    "conflict",
                    "rule `big` is in `matched` and is in `not_matched`: no answer meets both"
                ),
                (
                    (56, 1),
                    "conflict",
                    "`gesture` cannot be met: `decision` is `escalate`, and an escalated case has no gesture"
                ),
                (
                    (65, 1),
                    "conflict",
                    "`escalation` cannot be met: `decision` is `gesture`, and only an escalated case has a reason"
                ),
                (
                    (74, 1),
                    "conflict",
                    "`gesture` and `escalation` cannot both be met: an escalated case has no gesture"
                ),
                (
                    (83, 1),
                    "conflict",
                    "`cost_min = 1` cannot be met: an escalated case costs nothing and its impact is 0"
                ),
                (
                    (84, 1),
                    "conflict",
                    "`impact_max = -1` cannot be met: an escalated case costs nothing and its impact is 0"
                ),
            ]
        );
    }

    /// What could not be read has its error, and no second one that only
    /// follows from it; the test is read on for its other mistakes.
    #[test]
    fn a_value_that_cannot_be_read_raises_no_second_error() {
        let src = "date = 2026-11-20\n\
                   [[test]]\nname = \"a\"\ncustomer_id = 7\n\
                   [test.incident]\nkind = \"late_delivery\"\ndat = [1]\ncustomer_id = [2]\n\
                   [test.expect]\ngesture = \"credit_lost\"\n\
                   [[test]]\nname = \"b\"\n[test.customer]\norders = 1\n\
                   [test.incident]\nkind = \"nope\"\nloss = -1\n\
                   [test.expect]\ndecision = [\"error\"]\ncost = inf\n\
                   [[test]]\nname = \"#4\"\n[test.customer]\n[test.incident]\nkind = \"late_delivery\"\n\
                   [test.expect]\ndecision = \"gesture\"\n\
                   [[test]]\nname = 4\n[test.customer]\n[test.incident]\nkind = \"late_delivery\"\n\
                   [test.expect]\ndecision = \"gesture\"\n\
                   [[test]]\nname = \"e\"\n[test.customer]\n\
                   [test.incident]\nkind = \"nope\"\nloss = inf\n[test.expect]\ndecision = \"error\"\n";
        let (file, mut diags) = read(src, "t.toml");
        diags.extend(validate(&file, &Policy::default_policy()).diagnostics);
        diags.sort_by_key(|d| d.span.start);
        let report = Report::new("t.toml", src, diags);
        let got: Vec<((usize, usize), &str)> = found(&report).into_iter().map(|(at, m, _)| (at, m)).collect();
        assert_eq!(
            got,
            [
                ((4, 15), "`customer_id` must be a string, found a number"),
                (
                    (7, 1),
                    "`dat` is neither an incident field nor an attribute the policy declares"
                ),
                (
                    (7, 7),
                    "`dat` must be a string, a number, a boolean or a date, found an array"
                ),
                (
                    (8, 15),
                    "`customer_id` must be a string, a number, a boolean or a date, found an array"
                ),
                ((8, 15), "`customer_id` belongs in the test, not in `[test.incident]`"),
                (
                    (10, 11),
                    "`credit_lost` is not a gesture of policy `policies/default.toml`"
                ),
                ((19, 12), "`decision` must be a string, found an array"),
                ((20, 8), "`cost` must be a finite number, found `inf`"),
                ((29, 8), "`name` must be a string, found a number"),
            ],
            "{got:#?}"
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let src = ONE.replace("cost_max", "cost_maxx");
        let report = parse(&src, "t.toml").unwrap_err();
        assert_eq!(
            found(&report),
            [(
                (14, 1),
                "unknown key `cost_maxx` in `[test.expect]`",
                Some("did you mean `cost_max`?")
            )]
        );
        // All of them in one run, each at its line, at every level.
        let src = format!(
            "dat = 1\n{}",
            ONE.replace("name = ", "nmae = \"x\"\nname = ")
                .replace("cost_max", "cots_max")
        );
        let report = parse(&src, "t.toml").unwrap_err();
        let found: Vec<_> = found(&report).into_iter().map(|(at, m, _)| (at.0, m)).collect();
        assert_eq!(
            found,
            [
                (1, "unknown key `dat` in the test file"),
                (4, "unknown key `nmae` in a `[[test]]`"),
                (16, "unknown key `cots_max` in `[test.expect]`"),
            ]
        );
    }

    /// The keys the file's tables take are the ones read: given a value
    /// no field takes (a list of lists), each is refused as of the wrong
    /// type, where a key not read would pass unseen.
    #[test]
    fn the_known_keys_are_the_fields_read() {
        let refused = |src: String| {
            let (_, diags) = read(&src, "t.toml");
            diags.iter().any(|d| d.code == "wrong-type")
        };
        for key in EXPECT_KEYS {
            let src = format!("[[test]]\nname = \"t\"\n[test.incident]\n[test.expect]\n{key} = [[1]]\n");
            assert!(refused(src), "{key}");
        }
        for key in TEST_KEYS {
            // The key in place of its own line, where the test has one.
            let src = "[[test]]\nname = \"t\"\nincident = {}\n"
                .replace(&format!("{key} = "), "x = ")
                .replace("[[test]]\n", &format!("[[test]]\n{key} = [[1]]\n"));
            assert!(refused(src), "{key}");
        }
        for key in FILE_KEYS {
            assert!(refused(format!("{key} = [[1]]\n")), "{key}");
        }
        assert!(!refused(
            "[[test]]\nname = \"t\"\nnme = [[1]]\n[test.incident]\n".into()
        ));
    }

    #[test]
    fn undeclared_incident_and_customer_keys_are_errors_at_the_key() {
        let src = ONE
            .replace(
                "loss = 8\n",
                "loss = 8\ncoupn_pct = 20\nweather = \"rain\"\ncoupon_pct = 5\nseverity = 2\n",
            )
            .replace("tier = \"gold\"", "tenure_dayz = 2089\nordrs = [2]");
        let (file, read_errors) = read(&src, "t.toml");
        assert_eq!(read_errors.len(), 1, "{read_errors:?}");
        let report = validate(&file, &Policy::default_policy());
        assert_eq!(
            found(&report),
            [
                (
                    (7, 1),
                    "`coupn_pct` is neither an incident field nor an attribute the policy declares",
                    Some("did you mean `coupon_pct`?")
                ),
                (
                    (8, 1),
                    "`weather` is neither an incident field nor an attribute the policy declares",
                    Some("declare `\"incident.weather\"` in the policy's `[attributes]`")
                ),
                (
                    (15, 1),
                    "`tenure_dayz` is neither a customer feature nor an attribute the policy declares",
                    Some("did you mean `tenure_days`?")
                ),
                // Its value is of the wrong type (an error of its own), and
                // its name is still checked.
                (
                    (16, 1),
                    "`ordrs` is neither a customer feature nor an attribute the policy declares",
                    Some("did you mean `orders`?")
                ),
            ]
        );
    }

    /// `gesture` under `[test.customer]` was sent to the policy ("declare
    /// `customer.gesture` in its `[attributes]`"): a key of another of the
    /// test's tables is sent where it belongs.
    #[test]
    fn a_key_of_another_table_is_sent_where_it_belongs() {
        let src = ONE
            .replace(
                "loss = 8\n",
                "loss = 8\ngesture = \"credit_5\"\norders = 3\ntier = \"gold\"\n",
            )
            .replace(
                "tier = \"gold\"\n[test.expect]",
                "cost_max = 5\nchannel = \"chat\"\n[test.expect]",
            );
        let file = parse(&src, "t.toml").unwrap();
        let report = validate(&file, &Policy::default_policy());
        let helps: Vec<((usize, usize), Option<&str>)> =
            found(&report).into_iter().map(|(at, _, help)| (at, help)).collect();
        assert_eq!(
            helps,
            [
                (
                    (7, 1),
                    Some("`gesture` is an expectation: write it under `[test.expect]`")
                ),
                (
                    (8, 1),
                    Some("`orders` is a customer feature: write it under `[test.customer]`")
                ),
                (
                    (9, 1),
                    Some("`tier` is a customer attribute: write it under `[test.customer]`")
                ),
                (
                    (14, 1),
                    Some("`cost_max` is an expectation: write it under `[test.expect]`")
                ),
                (
                    (15, 1),
                    Some("`channel` is an incident field: write it under `[test.incident]`")
                ),
            ]
        );
    }

    #[test]
    fn an_incident_the_policy_cannot_take_is_an_error_at_its_value() {
        let src = ONE
            .replace("kind = \"late_delivery\"", "kind = \"late_delivry\"")
            .replace("loss = 8\n", "loss = \"eight\"\ncoupon_pct = \"x\"\nseverity = 2\n");
        let file = parse(&src, "t.toml").unwrap();
        let report = validate(&file, &Policy::default_policy());
        let found: Vec<((usize, usize), &str, &str)> = report
            .diagnostics
            .iter()
            .map(|d| (report.line_col(d.span.start), d.code, d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    (5, 8),
                    "unknown-kind",
                    "kind `late_delivry` is not one of the policy's kinds (did you mean `late_delivery`?)"
                ),
                (
                    (6, 8),
                    "wrong-type",
                    "`loss` in `[test.incident]`: `eight` is not a number"
                ),
                (
                    (7, 14),
                    "wrong-type",
                    "`coupon_pct` in `[test.incident]`: `x` is not a number"
                ),
            ]
        );
        // A test that expects the error may use such an incident.
        let src = src.replace("gesture = \"credit_5\"\ncost_max = 5", "decision = \"error\"");
        let file = parse(&src, "t.toml").unwrap();
        assert!(validate(&file, &Policy::default_policy()).diagnostics.is_empty());
    }

    #[test]
    fn a_standard_field_out_of_range_is_an_error_at_load() {
        let src = ONE.replace("loss = 8\n", "loss = -12\nseverity = 9\norder_value = 1e13\n");
        let file = parse(&src, "t.toml").unwrap();
        let report = validate(&file, &Policy::default_policy());
        assert_eq!(
            found(&report),
            [
                ((6, 8), "`loss` in `[test.incident]`: `-12` is negative", None),
                (
                    (7, 12),
                    "`severity` in `[test.incident]`: `9` is not a whole number from 1 to 5",
                    None
                ),
                (
                    (8, 15),
                    "`order_value` in `[test.incident]`: `10000000000000` is too large: numbers must be under \
                     1e13 (10 trillion), to be exact to the cent",
                    None
                ),
            ]
        );
    }

    #[test]
    fn a_customer_attribute_takes_only_what_a_customers_file_could_give_it() {
        let src = ONE.replace(
            "tier = \"gold\"",
            "tier = \"gold\"\nplan_price = \"abc\"\nsignup_date = \"soon\"",
        );
        let file = parse(&src, "t.toml").unwrap();
        let report = validate(&file, &Policy::default_policy());
        assert_eq!(
            found(&report),
            [
                // At the value, as in `[test.incident]`.
                (
                    (12, 14),
                    "`plan_price` in `[test.customer]`: `abc` is not a number",
                    None
                ),
                (
                    (13, 15),
                    "`signup_date` in `[test.customer]`: `soon` is not a date (expected YYYY-MM-DD)",
                    None
                ),
            ]
        );
        let fine = ONE.replace(
            "tier = \"gold\"",
            "tier = \"gold\"\nplan_price = 9.99\nsignup_date = 2024-01-01",
        );
        assert!(
            validate(&parse(&fine, "t.toml").unwrap(), &Policy::default_policy())
                .diagnostics
                .is_empty()
        );
    }

    #[test]
    fn each_id_of_a_list_is_pointed_at_in_its_list() {
        let src = ONE.replace(
            "gesture = \"credit_5\"",
            "gesture = \"credit_5\"\nnot_gesture = [\"apology\", \"apolgy\"]\nmatched = \"lat\"",
        );
        let file = parse(&src, "t.toml").unwrap();
        assert_eq!(file.tests[0].expect.not_gesture.len(), 2);
        let report = validate(&file, &Policy::default_policy());
        let at: Vec<(usize, usize)> = found(&report).into_iter().map(|(at, _, _)| at).collect();
        assert_eq!(at, [(14, 27), (15, 11)]);
        assert!(report.diagnostics[0].message.starts_with("`apolgy` is not a gesture"));
        assert_eq!(report.diagnostics[0].help.as_deref(), Some("did you mean `apology`?"));
    }

    #[test]
    fn a_customer_needs_one_description() {
        let src = ONE.replace("name = \"t\"\n", "name = \"t\"\ncustomer_id = \"C1\"\n");
        let report = parse(&src, "t.toml").unwrap_err();
        assert!(
            report.diagnostics[0]
                .message
                .contains("both `customer_id` and `[test.customer]`")
        );
        let src = ONE.replace("date = 2026-11-20\n", "");
        let report = parse(&src, "t.toml").unwrap_err();
        assert!(report.diagnostics[0].message.contains("no incident `date`"));
    }

    #[test]
    fn coverage_counts_rules_and_gestures() {
        let mut c = Coverage {
            rules: vec![("a".into(), 1), ("b".into(), 0)],
            gestures: vec![("g".into(), 2), ("h".into(), 0), ("i".into(), 0), ("j".into(), 5)],
            apology: 0,
            escalated: 0,
        };
        // 3 of 6 covered.
        assert_eq!(c.percent(), 50.0);
        assert_eq!(c.unmatched_rules(), ["b"]);
        assert_eq!(c.unchosen_gestures(), ["h", "i"]);
        c.rules.clear();
        c.gestures.clear();
        assert_eq!(c.percent(), 100.0);
    }
}
