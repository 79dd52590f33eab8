//! What `goodwill policy test` prints: each failure with expected and actual
//! and the rule trace, and the coverage of rules and gestures.

use crate::cases::{Coverage, Failure};
use crate::engine::Recommendation;
use crate::money;
use crate::policy::Policy;

/// One failed test: where it is, what differed, the answer and its trace.
pub fn failure(
    policy: &Policy,
    location: &str,
    name: &str,
    failures: &[Failure],
    answer: &Result<Recommendation<'_>, String>,
) -> String {
    let mut out = format!("FAIL  {name}  ({location})\n");
    for f in failures {
        out.push_str(&format!("  {}: expected {}, got {}\n", f.what, f.expected, f.actual));
    }
    out.push_str(&explained(policy, answer));
    out
}

/// A test's answer, then its rule trace, indented under the test's line.
pub fn explained(policy: &Policy, answer: &Result<Recommendation<'_>, String>) -> String {
    let mut out = String::new();
    match answer {
        Err(e) => out.push_str(&format!("  answer: error: {e}\n")),
        Ok(rec) => {
            let cur = policy.currency.as_str();
            let what = match &rec.escalation {
                Some(reason) => format!("escalate ({reason})"),
                None => format!("gesture `{}`", rec.gesture()),
            };
            let rules = if rec.rules.is_empty() {
                "none".to_string()
            } else {
                rec.rules.join(", ")
            };
            out.push_str(&format!(
                "  answer: {what} · cost {} · impact {} · rules {rules}\n",
                money::format(rec.cost(), cur),
                money::format_signed(rec.impact(), cur)
            ));
            for line in super::table::trace(policy, rec, None).lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The coverage report: per rule how many tests matched it, per gesture how
/// many tests' answers recommended it, and what no test reaches.
pub fn coverage(c: &Coverage) -> String {
    let covered = c.rules.iter().chain(&c.gestures).filter(|x| x.1 > 0).count();
    let total = c.rules.len() + c.gestures.len();
    let width = c.rules.iter().chain(&c.gestures).map(|x| x.0.len()).max().unwrap_or(0);
    let tests = |n: usize| format!("{n} test{}", crate::render::plural(n));
    let mut out = format!(
        "Coverage: {covered} of {total} rules and gestures reached ({:.1}%)\n",
        c.percent()
    );
    for (id, n) in &c.rules {
        out.push_str(&format!("  rule     {id:<width$}  matched in {}\n", tests(*n)));
    }
    for (id, n) in &c.gestures {
        out.push_str(&format!("  gesture  {id:<width$}  chosen in {}\n", tests(*n)));
    }
    out.push_str(&format!(
        "  (the apology alone chosen in {}; escalated in {})\n",
        tests(c.apology),
        tests(c.escalated)
    ));
    let rules = c.unmatched_rules();
    let gestures = c.unchosen_gestures();
    let list = |ids: &[&str]| ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
    if !rules.is_empty() {
        out.push_str(&format!("Rules no test matches: {}\n", list(&rules)));
    }
    if !gestures.is_empty() {
        out.push_str(&format!("Gestures no test chooses: {}\n", list(&gestures)));
    }
    out
}
