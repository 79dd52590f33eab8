//! `policy diff`: what a policy change does, on real incidents and in the text.
//!
//! A backtest runs the old and the new policy over the same incidents (the
//! batch core, [`crate::batch`], reads the inputs once and evaluates each
//! policy over them); this module compares the two outcome lists and the two
//! policies. It is pure: outcomes and policies in, a [`DiffReport`] out. What
//! it counts:
//!
//! - a case *changed* when its decision (gesture, escalate, error) or its
//!   gesture differs, and *re-priced* when its gesture is the same but its
//!   cost differs to the cent (a gesture's new cost);
//! - transitions: for changed cases, how many went from each old answer to
//!   each new one (the answer is the gesture id, `escalate` or `error`);
//! - cost and impact totals, old and new, in cents (each case's figure rounded
//!   to cents first, as `batch --summary` does), overall and per incident kind;
//! - rejected rows: those rejected when read (a bad date, a bad number: the
//!   same under both policies), and those a policy rejected (a kind neither
//!   lists, a figure that does not evaluate), by both policies or by one
//!   only; a row rejected by one policy only is also a changed case, a
//!   transition to or from `error`;
//! - rows of a kind one policy lists in `[policy] kinds` and the other does
//!   not: changed cases too, but not rejected rows, since dropping or adding
//!   a kind is a change the author made on purpose (and the policy text
//!   shows), not something wrong with the incidents or a policy;
//! - the policy text: rules and gestures added, removed or edited, and every
//!   parameter of `[policy]`, `[model]`, `[recovery]`, `[recovery.kinds.*]`
//!   and `[limits]` whose value changed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::batch::{Decision, Outcome, Outcomes};
use crate::expr::Expr;
use crate::money;
use crate::policy::raw::{self, RawNum, RawRecovery};
use crate::policy::{Gesture, Ltv, Param, Policy, RECOVERY_DEFAULTS, Rule};

/// Cost and impact of one policy over a set of cases, in cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Money {
    /// Sum of the recommended gestures' costs.
    pub cost_cents: i64,
    /// Sum of their LTV impacts.
    pub impact_cents: i64,
}

impl Money {
    fn add(&mut self, o: &Outcome<'_>) {
        if o.decision == Decision::Gesture {
            // Saturating, as the batch's totals: a wrapped total would turn negative.
            self.cost_cents = self.cost_cents.saturating_add(money::cents(o.cost));
            self.impact_cents = self.impact_cents.saturating_add(money::cents(o.impact));
        }
    }
}

/// Old and new figures for a set of cases.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Slice {
    /// How many cases.
    pub cases: u64,
    /// How many whose decision or gesture changed.
    pub changed: u64,
    /// How many others whose gesture's cost changed (to the cent): the
    /// same answer at another price, as a gesture's new cost gives. (A
    /// change to the model moves nearly every case's impact: the totals
    /// show that.)
    pub repriced: u64,
    /// Under the old policy.
    pub old: Money,
    /// Under the new policy.
    pub new: Money,
}

impl Slice {
    fn add(&mut self, old: &Outcome<'_>, new: &Outcome<'_>, changed: bool, repriced: bool) {
        self.cases += 1;
        self.changed += u64::from(changed);
        self.repriced += u64::from(repriced);
        self.old.add(old);
        self.new.add(new);
    }

    /// New minus old cost, in cents.
    pub fn cost_delta(&self) -> i64 {
        self.new.cost_cents.saturating_sub(self.old.cost_cents)
    }

    /// New minus old impact, in cents.
    pub fn impact_delta(&self) -> i64 {
        self.new.impact_cents.saturating_sub(self.old.impact_cents)
    }
}

/// How many changed cases went from one answer to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The old answer: a gesture id, `escalate` or `error`.
    pub from: String,
    /// The new answer.
    pub to: String,
    /// How many cases.
    pub cases: u64,
}

/// One difference in the policy text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Where: `[limits]`, `rule \`late\``, `gesture \`credit_5\``, ...
    pub section: String,
    /// What: a key, or `added` / `removed` for a whole rule or gesture.
    pub key: String,
    /// The old value; `None` when absent.
    pub old: Option<String>,
    /// The new value; `None` when absent.
    pub new: Option<String>,
}

/// How many rows were rejected, and where: each row is counted once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RejectedRows {
    /// Rows rejected under either policy: the sum of the four below.
    pub rows: u64,
    /// Rows rejected when read (a bad date, a bad number): under both policies, for the same reason.
    pub when_read: u64,
    /// Rows read, then rejected by both policies (a kind neither lists).
    pub by_both: u64,
    /// Rows the old policy rejected and the new one answered.
    pub by_old_only: u64,
    /// Rows the new policy rejected and the old one answered.
    pub by_new_only: u64,
}

/// Rows of a kind that one policy lists in `[policy] kinds` and the other
/// does not, so that only one of them answers: the effect of adding or
/// dropping a kind. Each row is counted here or in [`RejectedRows`], never both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UnlistedKinds {
    /// Rows the old policy answered and the new one does not list the kind of.
    pub by_new: u64,
    /// Rows the new policy answers and the old one did not list the kind of.
    pub by_old: u64,
    /// The kinds of those rows, sorted.
    pub kinds: Vec<String>,
}

/// Everything `policy diff` reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DiffReport {
    /// All cases.
    pub all: Slice,
    /// The rows rejected under either policy.
    pub rejected: RejectedRows,
    /// The rows only one policy answers because the other does not list their kind.
    pub unlisted_kinds: UnlistedKinds,
    /// Each rejected row's line and reason, in input order, saying which
    /// policy rejected it when only one did or when their reasons differ.
    #[serde(skip)]
    pub rejections: Vec<(u64, String)>,
    /// Per incident kind, sorted by kind.
    pub kinds: Vec<(String, Slice)>,
    /// Changed cases by (old answer, new answer), most frequent first.
    pub transitions: Vec<Transition>,
    /// Indexes (into the outcome lists) of the changed and the re-priced
    /// cases (see [`Slice::repriced`]), in input order.
    #[serde(skip)]
    pub changed: Vec<usize>,
    /// Differences in the policy text, in file order of sections.
    pub policy: Vec<Change>,
}

impl DiffReport {
    /// Whether anything changed: a case's answer or its cost, or the policy's content.
    pub fn any_change(&self) -> bool {
        self.all.changed + self.all.repriced > 0 || !self.policy.is_empty()
    }
}

impl RejectedRows {
    /// Counts one row by its two outcomes; the reason to report when it was rejected.
    fn add(&mut self, old: &Outcome<'_>, new: &Outcome<'_>) -> Option<String> {
        let reason = match (&old.error, &new.error) {
            (None, None) => return None,
            // `date` is `None` only for a row that could not be read.
            (Some(o), Some(_)) if old.date.is_none() && new.date.is_none() => {
                self.when_read += 1;
                o.clone()
            }
            (Some(o), Some(n)) => {
                self.by_both += 1;
                if o == n {
                    o.clone()
                } else {
                    format!("old policy: {o}; new policy: {n}")
                }
            }
            (Some(o), None) => {
                self.by_old_only += 1;
                format!("rejected by the old policy only: {o}")
            }
            (None, Some(n)) => {
                self.by_new_only += 1;
                format!("rejected by the new policy only: {n}")
            }
        };
        self.rows += 1;
        Some(reason)
    }
}

/// The answer of an outcome as the transition table names it.
pub fn answer<'a>(o: &Outcome<'a>) -> &'a str {
    match o.decision {
        Decision::Gesture => o.gesture,
        Decision::Escalate => "escalate",
        Decision::Error => "error",
    }
}

/// Compares two runs over the same cases (same length, same order) and the
/// two policies that produced them.
///
/// # Panics
/// If the two lists differ in length: they must come from the same data.
pub fn diff(old_policy: &Policy, new_policy: &Policy, old: &Outcomes<'_>, new: &Outcomes<'_>) -> DiffReport {
    assert_eq!(old.len(), new.len(), "both runs must cover the same cases");
    let mut report = DiffReport::default();
    let mut kinds: BTreeMap<&str, Slice> = BTreeMap::new();
    let mut transitions: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut unlisted_kinds: BTreeSet<&str> = BTreeSet::new();
    // Read (a row that could not be read has no date), then refused for its kind.
    let unlisted = |p: &Policy, out: &Outcome<'_>| out.date.is_some() && p.check_kind(out.kind).is_err();
    for (i, (o, n)) in old.iter().zip(new).enumerate() {
        let changed = o.decision != n.decision || o.gesture != n.gesture;
        let repriced = !changed && o.decision == Decision::Gesture && money::cents(o.cost) != money::cents(n.cost);
        report.all.add(o, n, changed, repriced);
        kinds.entry(o.kind).or_default().add(o, n, changed, repriced);
        if changed {
            *transitions.entry((answer(o), answer(n))).or_default() += 1;
        }
        if changed || repriced {
            report.changed.push(i);
        }
        match (&o.error, &n.error) {
            (None, Some(_)) if unlisted(new_policy, n) => {
                report.unlisted_kinds.by_new += 1;
                unlisted_kinds.insert(n.kind);
            }
            (Some(_), None) if unlisted(old_policy, o) => {
                report.unlisted_kinds.by_old += 1;
                unlisted_kinds.insert(o.kind);
            }
            _ => {
                if let Some(reason) = report.rejected.add(o, n) {
                    report.rejections.push((o.line, reason));
                }
            }
        }
    }
    report.unlisted_kinds.kinds = unlisted_kinds.into_iter().map(str::to_string).collect();
    report.kinds = kinds.into_iter().map(|(k, s)| (k.to_string(), s)).collect();
    report.transitions = transitions
        .into_iter()
        .map(|((from, to), cases)| Transition {
            from: from.to_string(),
            to: to.to_string(),
            cases,
        })
        .collect();
    // Stable: most cases first, then by names (the map gave name order).
    report.transitions.sort_by_key(|t| std::cmp::Reverse(t.cases));
    report.policy = policy_changes(old_policy, new_policy);
    report
}

/// The differences between two policies' content (comments and layout aside).
pub fn policy_changes(old: &Policy, new: &Policy) -> Vec<Change> {
    let mut out = Vec::new();
    let mut put = |section: &str, key: &str, o: Option<String>, n: Option<String>| {
        if !same(o.as_deref(), n.as_deref()) {
            out.push(Change {
                section: section.to_string(),
                key: key.to_string(),
                old: o,
                new: n,
            });
        }
    };
    let s = |v: &str| Some(v.to_string());
    put("[policy]", "name", s(&old.name), s(&new.name));
    put("[policy]", "version", s(&old.version), s(&new.version));
    put("[policy]", "currency", s(&old.currency), s(&new.currency));
    let kinds = |p: &Policy| Some(p.kinds.as_ref().map_or("(any)".to_string(), |k| k.join(", ")));
    put("[policy]", "kinds", kinds(old), kinds(new));
    put(
        "[policy]",
        "follow_up_days",
        Some(old.follow_up_days.to_string()),
        Some(new.follow_up_days.to_string()),
    );

    put("[model]", "ltv", Some(ltv(&old.model.ltv)), Some(ltv(&new.model.ltv)));
    let model = |p: &Policy| {
        [
            ("horizon_months", p.model.horizon_months.to_string()),
            ("margin", p.model.margin.to_string()),
            ("annual_discount_rate", p.model.annual_discount_rate.to_string()),
        ]
    };
    for ((key, o), (_, n)) in model(old).into_iter().zip(model(new)) {
        put("[model]", key, Some(o), Some(n));
    }

    put(
        "[recovery]",
        "curve",
        Some(old.recovery.curve.name().to_string()),
        Some(new.recovery.curve.name().to_string()),
    );
    // Written another way, an expression that computes the same is no change.
    let same_expr = |o: Option<&Expr>, n: Option<&Expr>| match (o, n) {
        (Some(o), Some(n)) => o.same_as(&old.schema, n, &new.schema),
        _ => false,
    };
    for (i, (key, _, _)) in RECOVERY_DEFAULTS.iter().enumerate() {
        let (o, n) = (&old.recovery.params[i], &new.recovery.params[i]);
        if !same_expr(o.expr(), n.expr()) {
            put("[recovery]", key, Some(param(o)), Some(param(n)));
        }
    }
    // Per-kind tables are compared as written: the resolved ones repeat every
    // `[recovery]` change once per kind.
    let (old_kinds, new_kinds) = (raw_kinds(&old.source), raw_kinds(&new.source));
    let mut names: Vec<&String> = old_kinds.keys().chain(new_kinds.keys()).collect();
    names.sort();
    names.dedup();
    for kind in names {
        let section = format!("[recovery.kinds.{kind}]");
        let (o, n) = (old_kinds.get(kind), new_kinds.get(kind));
        let mut keys: Vec<&String> = o.into_iter().chain(n).flat_map(|m| m.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            put(
                &section,
                key,
                o.and_then(|m| m.get(key)).cloned(),
                n.and_then(|m| m.get(key)).cloned(),
            );
        }
    }

    let cents = |c: Option<i64>| Some(c.map_or("(none)".to_string(), crate::money::decimal));
    put(
        "[limits]",
        "max_cost_per_case",
        cents(old.limits.max_cents_per_case),
        cents(new.limits.max_cents_per_case),
    );
    put(
        "[limits]",
        "max_cost_per_customer_12m",
        cents(old.limits.max_cents_per_customer_12m),
        cents(new.limits.max_cents_per_customer_12m),
    );
    let count = |c: Option<u32>| Some(c.map_or("(none)".to_string(), |c| c.to_string()));
    put(
        "[limits]",
        "max_gestures_per_customer_12m",
        count(old.limits.max_gestures_per_customer_12m),
        count(new.limits.max_gestures_per_customer_12m),
    );

    let attrs = |p: &Policy| -> BTreeMap<String, String> {
        p.attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.to_string()))
            .collect()
    };
    let (oa, na) = (attrs(old), attrs(new));
    let mut names: Vec<&String> = oa.keys().chain(na.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        put("[attributes]", name, oa.get(name).cloned(), na.get(name).cloned());
    }

    for (section, o, n) in keyed(&old.gestures, &new.gestures, |g| &g.id) {
        match (o, n) {
            (Some(_), None) => put(&format!("gesture `{section}`"), "removed", Some(section.clone()), None),
            (None, Some(_)) => put(&format!("gesture `{section}`"), "added", None, Some(section.clone())),
            (Some(o), Some(n)) => {
                for ((key, ov, oe), (_, nv, ne)) in gesture_fields(o).into_iter().zip(gesture_fields(n)) {
                    if !same_expr(oe, ne) {
                        put(&format!("gesture `{section}`"), key, ov, nv);
                    }
                }
            }
            (None, None) => {}
        }
    }
    for (section, o, n) in keyed(&old.rules, &new.rules, |r| &r.id) {
        match (o, n) {
            (Some(_), None) => put(&format!("rule `{section}`"), "removed", Some(section.clone()), None),
            (None, Some(_)) => put(&format!("rule `{section}`"), "added", None, Some(section.clone())),
            (Some(o), Some(n)) => {
                for ((key, ov, oe), (_, nv, ne)) in rule_fields(old, o).into_iter().zip(rule_fields(new, n)) {
                    if !same_expr(oe, ne) {
                        put(&format!("rule `{section}`"), key, ov, nv);
                    }
                }
            }
            (None, None) => {}
        }
    }
    let oo: Vec<&str> = old.rules.iter().map(|r| r.id.as_str()).collect();
    let no: Vec<&str> = new.rules.iter().map(|r| r.id.as_str()).collect();
    let common = |a: &[&str], b: &[&str]| {
        a.iter()
            .filter(|x| b.contains(x))
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    };
    put("rules", "order", Some(common(&oo, &no)), Some(common(&no, &oo)));
    out
}

/// Whether two values of a key are the same: as text, or, for expressions
/// (shown quoted), as words: a condition re-wrapped over lines or spaced
/// out (`a>b`, `a > b`) is no change to list.
fn same(o: Option<&str>, n: Option<&str>) -> bool {
    let expr = |v: &str| v.len() >= 2 && v.starts_with('"') && v.ends_with('"');
    match (o, n) {
        (Some(o), Some(n)) if expr(o) && expr(n) => words(&o[1..o.len() - 1]) == words(&n[1..n.len() - 1]),
        _ => o == n,
    }
}

/// An expression's text without the spaces that separate nothing: a space
/// is kept only between two characters of words, and all of a string's.
fn words(text: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut space = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => space = true,
            None => {
                if space && out.ends_with(word) && word(c) {
                    out.push(' ');
                }
                space = false;
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// Items of two lists matched by id: old order first, then the new ones.
fn keyed<'a, T>(old: &'a [T], new: &'a [T], id: impl Fn(&T) -> &String) -> Vec<(String, Option<&'a T>, Option<&'a T>)> {
    let mut out: Vec<(String, Option<&T>, Option<&T>)> = old
        .iter()
        .map(|o| (id(o).clone(), Some(o), new.iter().find(|n| id(n) == id(o))))
        .collect();
    for n in new {
        if !old.iter().any(|o| id(o) == id(n)) {
            out.push((id(n).clone(), None, Some(n)));
        }
    }
    out
}

fn ltv(l: &Ltv) -> String {
    match l {
        Ltv::Simple => "simple".into(),
        Ltv::Bgnbd(m) => format!(
            "bgnbd (r {}, alpha {}, a {}, b {}; p {}, q {}, v {})",
            m.bgnbd.r, m.bgnbd.alpha, m.bgnbd.a, m.bgnbd.b, m.gamma_gamma.p, m.gamma_gamma.q, m.gamma_gamma.v
        ),
    }
}

/// A number as the diff shows it: a constant as a number, whether written
/// `0.5` or `"0.5"`, an expression as written.
fn param(p: &Param) -> String {
    match p.constant() {
        Some(v) => v.to_string(),
        None => format!("\"{}\"", p.expr().map_or("", Expr::source)),
    }
}

/// A cost or value as money: a constant to the cent (`3.50`, written `3.5`
/// or `"3.50"`), an expression as written.
fn money_param(p: &Param) -> String {
    match p.constant() {
        Some(v) => crate::money::decimal(crate::money::cents(v)),
        None => param(p),
    }
}

/// A field as shown, with the expression it holds, if any, to compare by
/// what it computes.
type Field<'a> = (&'static str, Option<String>, Option<&'a Expr>);

fn gesture_fields(g: &Gesture) -> [Field<'_>; 7] {
    [
        ("label", Some(g.label.clone()), None),
        ("cost", Some(money_param(&g.cost)), g.cost.expr()),
        (
            "value",
            g.value.as_ref().map(money_param),
            g.value.as_ref().and_then(Param::expr),
        ),
        (
            "when",
            g.when.as_ref().map(|w| format!("\"{}\"", w.source())),
            g.when.as_ref(),
        ),
        ("effectiveness", Some(param(&g.effectiveness)), g.effectiveness.expr()),
        ("script", g.script.clone(), None),
        ("owed", Some(g.owed.to_string()), None),
    ]
}

fn rule_fields<'a>(policy: &Policy, r: &'a Rule) -> [Field<'a>; 4] {
    let offer = r
        .offer
        .iter()
        .map(|g| g.map_or(crate::policy::APOLOGY, |i| policy.gestures[i].id.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    [
        (
            "when",
            r.when.as_ref().map(|w| format!("\"{}\"", w.source())),
            r.when.as_ref(),
        ),
        ("offer", Some(format!("[{offer}]")), None),
        ("escalate", r.escalate.clone(), None),
        ("stop", Some(r.stop.to_string()), None),
    ]
}

/// `[recovery.kinds.*]` as written: per kind, each key's value text.
fn raw_kinds(source: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    // The policy loaded, so its text parses.
    let raw = raw::parse(source, &mut Vec::new()).unwrap_or_default();
    raw.recovery_kinds
        .iter()
        .map(|(kind, rec)| (kind.value.clone(), recovery_keys(rec)))
        .collect()
}

fn recovery_keys(rec: &RawRecovery) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = rec
        .params
        .iter()
        .map(|(k, v)| {
            let text = match v {
                RawNum::Number(n) => n.value.to_string(),
                RawNum::Expr(e) => format!("\"{}\"", e.text),
            };
            (k.value.clone(), text)
        })
        .collect();
    if let Some(c) = &rec.curve {
        out.insert("curve".into(), c.value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A condition re-wrapped or spaced out is the same condition; a change
    /// of a word, an operator or a string's spaces is not.
    #[test]
    fn expressions_differing_only_in_spacing_are_the_same() {
        let q = |t: &str| Some(format!("\"{t}\""));
        let same_text = |a: &str, b: &str| same(q(a).as_deref(), q(b).as_deref());
        assert!(same_text("incident.loss > 150.0", "incident.loss>150.0"));
        assert!(same_text(
            "incident.kind == \"late\" &&\n    customer.orders >= 2.0",
            "incident.kind == \"late\" && customer.orders >= 2.0"
        ));
        assert!(!same_text("incident.loss > 150.0", "incident.loss >= 150.0"));
        assert!(!same_text("incident.kind == \"a b\"", "incident.kind == \"a  b\""));
        assert!(!same_text("customer.tier in [\"x\"]", "customer.tierin [\"x\"]"));
        // Text that is not an expression is compared as it is.
        assert!(!same(Some("Store credit"), Some("Store  credit")));
    }
    use crate::policy::{DEFAULT_SOURCE, load_str};

    fn policy(source: &str) -> Policy {
        load_str(source, "p.toml", None)
            .map(|(p, _)| p)
            .unwrap_or_else(|r| panic!("{r}"))
    }

    #[test]
    fn the_same_policy_has_no_changes() {
        let p = policy(DEFAULT_SOURCE);
        assert!(policy_changes(&p, &p).is_empty());
    }

    #[test]
    fn parameters_rules_and_gestures_are_compared() {
        let old = policy(DEFAULT_SOURCE);
        let text = DEFAULT_SOURCE
            .replace("max_cost_per_case = 150.00", "max_cost_per_case = 100.00")
            .replace(
                "[recovery.kinds.missing_feature]\ncurve = \"logistic\"",
                "[recovery.kinds.missing_feature]\ncurve = \"concave\"\nmidpoint = 0.9",
            )
            .replace("when = \"incident.loss > 150.0\"", "when = \"incident.loss > 120.0\"")
            .replace("cost = 3.50", "cost = 4.00")
            .replace("owed = true", "owed = false");
        let new = policy(&text);
        let got: Vec<(String, String, Option<String>, Option<String>)> = policy_changes(&old, &new)
            .into_iter()
            .map(|c| (c.section, c.key, c.old, c.new))
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            got,
            vec![
                (
                    "[recovery.kinds.missing_feature]".into(),
                    "curve".into(),
                    s("logistic"),
                    s("concave")
                ),
                (
                    "[recovery.kinds.missing_feature]".into(),
                    "midpoint".into(),
                    None,
                    s("0.9")
                ),
                ("[limits]".into(), "max_cost_per_case".into(), s("150.00"), s("100.00")),
                ("gesture `credit_5`".into(), "cost".into(), s("3.50"), s("4.00")),
                ("gesture `refund_loss`".into(), "owed".into(), s("true"), s("false")),
                (
                    "rule `large-loss`".into(),
                    "when".into(),
                    s("\"incident.loss > 150.0\""),
                    s("\"incident.loss > 120.0\"")
                ),
            ]
        );
    }

    #[test]
    fn an_expression_written_another_way_that_computes_the_same_is_no_change() {
        let old = policy(DEFAULT_SOURCE);
        let text = DEFAULT_SOURCE
            .replace("value = 5.00", "value = \"5.00\"")
            .replace("effectiveness = 0.9", "effectiveness = \"0.90\"")
            .replace("customer.refunds >= 4.0 &&", "customer.refunds >= 4 &&")
            .replace("when = \"incident.loss > 150.0\"", "when = \"(incident.loss > 150)\"")
            .replace(
                "when = 'incident.kind == \"defective_item\"'",
                "when = \"incident.kind == 'defective_item'\"",
            )
            .replace("(incident.loss - 15.0) / 275.0", "(incident.loss - 15) / 275");
        assert_ne!(text, DEFAULT_SOURCE);
        let new = policy(&text);
        assert_eq!(policy_changes(&old, &new), []);
        // What does compute something else is still a change.
        let new = policy(&text.replace("(incident.loss > 150)", "(incident.loss >= 150)"));
        let keys: Vec<(String, String)> = (policy_changes(&old, &new).into_iter())
            .map(|c| (c.section, c.key))
            .collect();
        assert_eq!(keys, [("rule `large-loss`".to_string(), "when".to_string())]);
    }

    /// The backtest of `old` against `new` over the incidents `csv`, with no other input.
    fn backtest(old: &Policy, new: &Policy, csv: &str) -> DiffReport {
        use crate::batch::{Data, evaluate};
        use crate::input::history::History;
        use crate::input::ledger::Ledger;
        let data = Data::from_reader(csv.as_bytes(), "i.csv", 0, History::default(), None, Ledger::default()).unwrap();
        diff(old, new, &evaluate(old, &data), &evaluate(new, &data))
    }

    #[test]
    fn rejected_rows_are_counted_once_by_where_they_were_rejected() {
        let old = policy(DEFAULT_SOURCE);
        // The new policy cannot take a loss of 0: its churn is 0 / 0 there.
        let new = policy(&DEFAULT_SOURCE.replace(
            "churn_resolved = \"0.05 + ",
            "churn_resolved = \"incident.loss / incident.loss * 0.05 + ",
        ));
        let csv = "case_id,customer_id,kind,date,loss\n\
                   K1,C1,expired_coupon,2026-11-20,12\n\
                   K2,C1,expired_coupon,2026-13-01,12\n\
                   K3,C1,billing_error,2026-11-20,abc\n\
                   K4,C2,billing_error,2026-11-20,0\n\
                   K5,C2,teleport_failed,2026-11-20,5\n";
        let report = backtest(&old, &new, csv);
        assert_eq!(
            report.rejected,
            RejectedRows {
                rows: 4,
                when_read: 2,
                by_both: 1,
                by_old_only: 0,
                by_new_only: 1,
            }
        );
        assert_eq!(report.unlisted_kinds, UnlistedKinds::default());
        let lines: Vec<u64> = report.rejections.iter().map(|r| r.0).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert!(
            report.rejections[2]
                .1
                .starts_with("rejected by the new policy only: recovery `churn_resolved`"),
            "{}",
            report.rejections[2].1
        );
        // K4 is also a change: `apology` (or a gesture) -> `error`.
        assert_eq!(report.all.changed, 1);
        assert_eq!(report.transitions[0].to, "error");
        // Reversed, the same row is the old policy's alone.
        let back = backtest(&new, &old, csv);
        assert_eq!((back.rejected.by_old_only, back.rejected.by_new_only), (1, 0));
    }

    #[test]
    fn a_kind_one_policy_does_not_list_is_a_change_not_a_rejection() {
        let old = policy(DEFAULT_SOURCE);
        // The new policy no longer lists billing errors.
        let new = policy(&DEFAULT_SOURCE.replace("  \"billing_error\",", ""));
        let csv = "case_id,customer_id,kind,date,loss\n\
                   K1,C1,expired_coupon,2026-11-20,12\n\
                   K2,C1,billing_error,2026-13-01,12\n\
                   K3,C2,billing_error,2026-11-20,5\n\
                   K4,C3,billing_error,2026-11-20,7\n\
                   K5,C2,teleport_failed,2026-11-20,5\n";
        let report = backtest(&old, &new, csv);
        // K2 (a bad date) and K5 (a kind neither lists) are still rejected.
        assert_eq!(
            report.rejected,
            RejectedRows {
                rows: 2,
                when_read: 1,
                by_both: 1,
                by_old_only: 0,
                by_new_only: 0,
            }
        );
        let lines: Vec<u64> = report.rejections.iter().map(|r| r.0).collect();
        assert_eq!(lines, [3, 6]);
        // K3 and K4 are answered by the old policy only: changed, not rejected.
        assert_eq!(
            report.unlisted_kinds,
            UnlistedKinds {
                by_new: 2,
                by_old: 0,
                kinds: vec!["billing_error".into()],
            }
        );
        assert_eq!(report.all.changed, 2);
        assert_eq!(report.transitions[0].to, "error");
        let back = backtest(&new, &old, csv);
        assert_eq!((back.unlisted_kinds.by_new, back.unlisted_kinds.by_old), (0, 2));
        assert_eq!(back.rejected.rows, 2);
    }

    #[test]
    fn added_removed_and_reordered_rules() {
        let base = "[[gesture]]\nid = \"g\"\nlabel = \"G\"\ncost = 1.0\n";
        let old = policy(&format!(
            "{base}[[rule]]\nid = \"a\"\noffer = [\"g\"]\n[[rule]]\nid = \"b\"\noffer = [\"g\"]\n"
        ));
        let new = policy(&format!(
            "{base}[[rule]]\nid = \"c\"\noffer = [\"g\"]\n[[rule]]\nid = \"a\"\noffer = [\"g\", \"apology\"]\n"
        ));
        let got: Vec<(String, String)> = policy_changes(&old, &new)
            .into_iter()
            .map(|c| (c.section, c.key))
            .collect();
        assert_eq!(
            got,
            vec![
                ("rule `a`".to_string(), "offer".to_string()),
                ("rule `b`".to_string(), "removed".to_string()),
                ("rule `c`".to_string(), "added".to_string()),
            ]
        );
    }
}
