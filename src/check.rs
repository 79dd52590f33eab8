//! `policy check`'s lints: a policy that loads but probably does not do what
//! its author meant.
//!
//! The loader ([`crate::policy`]) rejects what cannot run; this module looks
//! at a policy that can, without any incident, and reports warnings: rules
//! that can never match, gestures nobody offers or no case can afford,
//! recovery numbers that make a better remedy worse, rules that do nothing,
//! and conditions on incident kinds the policy does not accept. It is a
//! validator, separate from the evaluator: nothing here runs a case. The
//! findings are plain [`Diagnostic`]s, rendered like the loader's errors.
//!
//! The resolved [`Policy`] keeps only the spans of rule and gesture ids, so
//! the policy text is walked again ([`raw::parse`]) for the spans of offers,
//! recovery keys and conditions.

use std::ops::Range;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Report};
use crate::policy::raw::{self, RawExpr, RawNum, RawPolicy, RawRecovery};
use crate::policy::{self, Policy, RecoverySpec, Rule};

/// Every finding about a policy's text: the loader's errors (all of them)
/// or, when it loads, its warnings and this module's lints.
pub fn check_str(source: &str, file: &str, base: Option<&Path>) -> Report {
    match policy::diagnose(source, file, base) {
        (Some(policy), report) => {
            let mut diagnostics = report.diagnostics;
            diagnostics.extend(lint(&policy));
            Report::new(file, source, diagnostics)
        }
        (None, report) => report,
    }
}

/// The warnings about a policy that loaded.
pub fn lint(policy: &Policy) -> Vec<Diagnostic> {
    // The text loaded once already, so this parse finds nothing new.
    let raw = raw::parse(&policy.source, &mut Vec::new()).unwrap_or_default();
    let mut out = Vec::new();
    if policy.rules.is_empty() {
        out.push(
            Diagnostic::warning(
                "no-rules",
                0..0,
                "the policy has no `[[rule]]`: every case is answered with the apology alone",
            )
            .with_help("add a `[[rule]]` with `when` and `offer` for the gestures to consider"),
        );
    }
    unreachable_rules(policy, &mut out);
    never_matching_rules(policy, &mut out);
    idle_rules(policy, &mut out);
    unoffered_gestures(policy, &mut out);
    never_eligible_gestures(policy, &mut out);
    offers_over_case_limit(policy, &raw, &mut out);
    inverted_recovery(policy, &raw, &mut out);
    unknown_kinds_in_conditions(policy, &raw, &mut out);
    out
}

/// Whether a rule matches every case.
fn always_matches(rule: &Rule) -> bool {
    rule.when.as_ref().is_none_or(|w| w.constant_bool() == Some(true))
}

fn unreachable_rules(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let Some(stopper) = policy.rules.iter().position(|r| r.stop && always_matches(r)) else {
        return;
    };
    let by = &policy.rules[stopper].id;
    for rule in &policy.rules[stopper + 1..] {
        out.push(
            Diagnostic::warning(
                "unreachable-rule",
                rule.span.clone(),
                format!(
                    "rule `{}` can never match: rule `{by}` always matches and stops evaluation",
                    rule.id
                ),
            )
            .with_help(format!(
                "give rule `{by}` a `when` condition, drop its `stop`, or move it after this rule"
            )),
        );
    }
}

fn never_matching_rules(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for rule in &policy.rules {
        if let Some(w) = &rule.when
            && w.constant_bool() == Some(false)
        {
            out.push(
                Diagnostic::warning(
                    "never-matches",
                    rule.span.clone(),
                    format!(
                        "rule `{}` can never match: its condition `{}` is always false",
                        rule.id,
                        w.source()
                    ),
                )
                .with_help("fix the condition, or remove the rule"),
            );
        }
    }
}

fn idle_rules(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for rule in policy
        .rules
        .iter()
        .filter(|r| r.offer.is_empty() && r.escalate.is_none())
    {
        let (message, help) = if rule.stop {
            (
                format!(
                    "rule `{}` offers nothing and escalates nothing: it only stops evaluation",
                    rule.id
                ),
                "if the apology alone is meant, write `offer = [\"apology\"]` to say so",
            )
        } else {
            (
                format!(
                    "rule `{}` offers nothing and escalates nothing: it has no effect",
                    rule.id
                ),
                "add an `offer` list or an `escalate` reason, or remove the rule",
            )
        };
        out.push(Diagnostic::warning("rule-does-nothing", rule.span.clone(), message).with_help(help));
    }
}

/// Per rule, whether some case can reach it and match it: it is neither
/// after a rule that always matches and stops, nor constant false.
fn can_match(policy: &Policy) -> Vec<bool> {
    let stopper = policy.rules.iter().position(|r| r.stop && always_matches(r));
    policy
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            stopper.is_none_or(|s| i <= s) && r.when.as_ref().is_none_or(|w| w.constant_bool() != Some(false))
        })
        .collect()
}

fn unoffered_gestures(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let live = can_match(policy);
    for (i, gesture) in policy.gestures.iter().enumerate() {
        let by: Vec<(&Rule, bool)> = policy
            .rules
            .iter()
            .zip(live.iter().copied())
            .filter(|(r, _)| r.offer.contains(&Some(i)))
            .collect();
        if !by.is_empty() && by.iter().all(|(_, live)| !live) {
            let rules: Vec<String> = by.iter().map(|(r, _)| format!("`{}`", r.id)).collect();
            out.push(
                Diagnostic::warning(
                    "unused-gesture",
                    gesture.span.clone(),
                    match &rules[..] {
                        [one] => format!(
                            "gesture `{}` is offered only by rule {one}, which can never match",
                            gesture.id
                        ),
                        _ => format!(
                            "gesture `{}` is offered only by rules that can never match: {}",
                            gesture.id,
                            rules.join(", ")
                        ),
                    },
                )
                .with_help("see the rule's own warning"),
            );
        }
        if by.is_empty() {
            out.push(
                Diagnostic::warning(
                    "unused-gesture",
                    gesture.span.clone(),
                    format!("gesture `{}` is not offered by any rule", gesture.id),
                )
                .with_help(format!(
                    "add `\"{}\"` to a rule's `offer`, or remove the gesture",
                    gesture.id
                )),
            );
        }
    }
}

fn never_eligible_gestures(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for gesture in &policy.gestures {
        if let Some(w) = &gesture.when
            && w.constant_bool() == Some(false)
        {
            out.push(
                Diagnostic::warning(
                    "never-eligible",
                    gesture.span.clone(),
                    format!(
                        "gesture `{}` is never eligible: its condition `{}` is always false",
                        gesture.id,
                        w.source()
                    ),
                )
                .with_help("fix the condition, or remove the gesture"),
            );
        }
    }
}

fn offers_over_case_limit(policy: &Policy, raw: &RawPolicy, out: &mut Vec<Diagnostic>) {
    let limits = &policy.limits;
    // No gesture at all but what is owed: every other case gets the apology
    // alone, or escalates.
    let offered = || {
        policy
            .rules
            .iter()
            .flat_map(|r| r.offer.iter().flatten())
            .map(|&i| &policy.gestures[i])
    };
    if let Some(limit) = raw
        .limits
        .max_gestures_per_customer_12m
        .as_ref()
        .filter(|l| l.value == 0.0)
        && offered().any(|g| !g.owed)
    {
        let mut owed: Vec<&str> = offered().filter(|g| g.owed).map(|g| g.id.as_str()).collect();
        owed.sort_unstable();
        owed.dedup();
        let but = match owed.len() {
            0 => "",
            1 => " but one marked `owed`",
            _ => " but those marked `owed`",
        };
        out.push(
            Diagnostic::warning(
                "offer-over-limit",
                limit.span.clone(),
                format!("`max_gestures_per_customer_12m = 0`: no offer{but} can ever be recommended"),
            )
            .with_help("those cases get the apology alone (or escalate): raise the limit, or leave it out for none"),
        );
    }
    let caps = [
        (limits.max_cents_per_case, "max_cost_per_case"),
        (limits.max_cents_per_customer_12m, "max_cost_per_customer_12m"),
    ];
    for rule in &policy.rules {
        let raw_rule = raw
            .rules
            .iter()
            .find(|r| r.id.as_ref().is_some_and(|id| id.value == rule.id));
        // What is owed is given back whatever the limits.
        for gesture in rule
            .offer
            .iter()
            .flatten()
            .map(|&i| &policy.gestures[i])
            .filter(|g| !g.owed)
        {
            let Some(cost) = gesture.cost.constant() else {
                continue;
            };
            let cents = crate::money::cents(cost);
            let Some((cap, name)) = caps
                .iter()
                .find_map(|&(cap, name)| Some((cap?, name)).filter(|(c, _)| cents > *c))
            else {
                continue;
            };
            // Point at the gesture's name in this rule's offer list when the text has it.
            let span = raw_rule
                .and_then(|r| r.offer.iter().find(|o| o.value == gesture.id))
                .map_or_else(|| rule.span.clone(), |o| o.span.clone());
            out.push(
                Diagnostic::warning(
                    "offer-over-limit",
                    span,
                    format!(
                        "rule `{}` offers `{}`, whose cost {} is always above `{name}` {}",
                        rule.id,
                        gesture.id,
                        crate::money::format(cost, &policy.currency),
                        crate::money::format(cap as f64 / 100.0, &policy.currency),
                    ),
                )
                .with_help("the gesture can never be recommended by this rule: lower its cost or raise the limit"),
            );
        }
    }
}

fn inverted_recovery(policy: &Policy, raw: &RawPolicy, out: &mut Vec<Diagnostic>) {
    let base = inverted(&policy.recovery);
    if let Some((unresolved, resolved)) = base {
        let span = key_span(&raw.recovery, "churn_resolved")
            .or_else(|| key_span(&raw.recovery, "churn_unresolved"))
            .unwrap_or(0..0);
        out.push(inverted_warning("`[recovery]`", unresolved, resolved, span));
    }
    let mut kinds: Vec<_> = policy.recovery_kinds.iter().collect();
    kinds.sort_by(|a, b| a.0.cmp(b.0));
    for (kind, spec) in kinds {
        let Some((unresolved, resolved)) = inverted(spec) else {
            continue;
        };
        let raw_kind = raw.recovery_kinds.iter().find(|(k, _)| &k.value == kind);
        let own = raw_kind.and_then(|(_, r)| key_span(r, "churn_resolved").or_else(|| key_span(r, "churn_unresolved")));
        // A kind that merely inherits an inverted `[recovery]` was reported there.
        if base.is_some() && own.is_none() {
            continue;
        }
        let span = own.or_else(|| raw_kind.map(|(k, _)| k.span.clone())).unwrap_or(0..0);
        out.push(inverted_warning(
            &format!("`[recovery.kinds.{kind}]`"),
            unresolved,
            resolved,
            span,
        ));
    }
}

/// The constant churn figures of a spec, when resolving the case raises churn.
fn inverted(spec: &RecoverySpec) -> Option<(f64, f64)> {
    let unresolved = spec.param("churn_unresolved")?.constant()?;
    let resolved = spec.param("churn_resolved")?.constant()?;
    (resolved > unresolved).then_some((unresolved, resolved))
}

fn inverted_warning(table: &str, unresolved: f64, resolved: f64, span: Range<usize>) -> Diagnostic {
    Diagnostic::warning(
        "inverted-recovery",
        span,
        format!(
            "in {table}, `churn_resolved` ({resolved}) is above `churn_unresolved` ({unresolved}): \
             a better remedy would lower retention"
        ),
    )
    .with_help("churn after a full recovery should be at most churn when nothing is done; swap the two values?")
}

fn key_span(rec: &RawRecovery, key: &str) -> Option<Range<usize>> {
    rec.params.iter().find(|(k, _)| k.value == key).map(|(_, v)| match v {
        RawNum::Number(n) => n.span.clone(),
        RawNum::Expr(e) => e.span.clone(),
    })
}

fn unknown_kinds_in_conditions(policy: &Policy, raw: &RawPolicy, out: &mut Vec<Diagnostic>) {
    let named = kinds_named(raw);
    let Some(kinds) = &policy.kinds else {
        misspelt_kind_overrides(raw, &named, out);
        kinds_close_to_each_other(&named, out);
        return;
    };
    for (kind, span) in named {
        if kinds.contains(&kind) {
            continue;
        }
        let help = crate::suggest::did_you_mean(&kind, kinds.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("`[policy] kinds` lists: {}", kinds.join(", ")));
        out.push(
            Diagnostic::warning(
                "unknown-kind",
                span,
                format!("condition compares `incident.kind` with `{kind}`, which is not in `[policy] kinds`"),
            )
            .with_help(help),
        );
    }
}

/// Every kind a rule's or gesture's expression compares `incident.kind`
/// with, and where in the file, in the order of the file.
fn kinds_named(raw: &RawPolicy) -> Vec<(String, Range<usize>)> {
    let conditions = raw
        .rules
        .iter()
        .filter_map(|r| r.when.as_ref())
        .chain(raw.gestures.iter().filter_map(|g| g.when.as_ref()));
    let mut exprs: Vec<&RawExpr> = conditions.collect();
    for g in &raw.gestures {
        for n in [&g.cost, &g.value, &g.effectiveness].into_iter().flatten() {
            if let RawNum::Expr(e) = n {
                exprs.push(e);
            }
        }
    }
    let mut named: Vec<(String, Range<usize>)> = exprs
        .into_iter()
        .flat_map(|e| {
            kind_literals(&e.text)
                .into_iter()
                .map(|(kind, inner)| (kind, e.file_span(&inner)))
        })
        .collect();
    named.sort_by_key(|(_, span)| span.start);
    named
}

/// Without `[policy] kinds` to check them against, a `[recovery.kinds.X]`
/// that no condition names but that is close to a kind one does is most
/// likely a misspelling: its overrides would silently never apply.
fn misspelt_kind_overrides(raw: &RawPolicy, named: &[(String, Range<usize>)], out: &mut Vec<Diagnostic>) {
    for (kind, _) in &raw.recovery_kinds {
        if named.iter().any(|(k, _)| *k == kind.value) {
            continue;
        }
        if let Some(near) = crate::suggest::did_you_mean(&kind.value, named.iter().map(|(k, _)| k.as_str())) {
            out.push(
                Diagnostic::warning(
                    "unknown-kind",
                    kind.span.clone(),
                    format!(
                        "`[recovery.kinds.{}]` names a kind no condition compares `incident.kind` with",
                        kind.value
                    ),
                )
                // Either side may be the misspelt one.
                .with_help(format!(
                    "a condition names `{near}`: one of the two is misspelt; {LIST_KINDS}"
                )),
            );
        }
    }
}

const LIST_KINDS: &str = "list the kinds in `[policy] kinds` to have them checked";

/// Without `[policy] kinds`, two kinds compared in conditions that are a
/// letter or two apart are most likely one kind, misspelt once: the rule
/// with the misspelling never matches a real incident. Kinds that differ
/// only in their digits (`tier1_delay`, `tier2_delay`) are taken as meant.
fn kinds_close_to_each_other(named: &[(String, Range<usize>)], out: &mut Vec<Diagnostic>) {
    let mut distinct: Vec<&str> = Vec::new();
    for (kind, _) in named {
        if !distinct.contains(&kind.as_str()) {
            distinct.push(kind);
        }
    }
    let uses = |kind: &str| named.iter().filter(|(k, _)| k == kind).count();
    for (i, first) in distinct.iter().enumerate() {
        for second in &distinct[i + 1..] {
            if !one_word_misspelt(first, second) {
                continue;
            }
            // Point at the kind used less often, the later one on a tie.
            let (odd, other) = if uses(first) < uses(second) {
                (first, second)
            } else {
                (second, first)
            };
            let Some((_, span)) = named.iter().find(|(k, _)| k == odd) else {
                continue;
            };
            out.push(
                Diagnostic::warning(
                    "unknown-kind",
                    span.clone(),
                    format!(
                        "conditions compare `incident.kind` with `{odd}` and with `{other}`, a letter or two apart"
                    ),
                )
                .with_help(format!("if one of the two is misspelt, fix it; {LIST_KINDS}")),
            );
        }
    }
}

/// Whether two kinds are likely one kind, misspelt once: the same but for
/// case or separators (`late-delivery`, `latedelivery`, `late_delivery_`
/// for `late_delivery`), or the same words but one (split at `_`), that one
/// with a letter missing but its first (`lat`, `pause` for `late`,
/// `paused`), two neighbouring letters swapped (`ltae`), or a typo apart in a
/// word of five letters or more with the same first letter (`delivry`; not
/// `locked` beside `blocked`, a word of its own). Short words are
/// codes that differ on purpose (`uk_delay`, `us_delay`), a letter apart in a
/// word of four (`wrong_size`, `wrong_side`) is as likely meant, and so are
/// kinds that differ in their digits (`tier1_delay`, `tier2_delay`).
fn one_word_misspelt(a: &str, b: &str) -> bool {
    let bare = |k: &str| {
        (k.chars())
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    if bare(a) == bare(b) {
        return true;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('_').collect(), b.split('_').collect());
    let differ: Vec<(&str, &str)> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    let letters = |w: &str| w.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
    // One letter dropped from a word of four or more, not its first
    // (`locked` beside `blocked` is a word of its own).
    let cut = |short: &str, long: &str| {
        long.chars().count() >= 4
            && long.chars().count() == short.chars().count() + 1
            && (1..long.chars().count()).any(|at| {
                long.chars()
                    .enumerate()
                    .filter(|(i, _)| *i != at)
                    .map(|(_, c)| c)
                    .eq(short.chars())
            })
    };
    // Two neighbouring letters swapped (`ltae` for `late`), in a word of any length.
    let swapped = |x: &str, y: &str| {
        let (x, y): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
        let at: Vec<usize> = (0..x.len().min(y.len())).filter(|&i| x[i] != y[i]).collect();
        x.len() == y.len() && matches!(at[..], [i, j] if j == i + 1 && x[i] == y[j] && x[j] == y[i])
    };
    match differ[..] {
        [(x, y)] if a.len() == b.len() && letters(x) != letters(y) => {
            cut(x, y)
                || cut(y, x)
                || swapped(x, y)
                || (x.chars().count() >= 5
                    && y.chars().count() >= 5
                    && x.chars().next() == y.chars().next()
                    && (crate::suggest::typo_distance(x, y).is_some() || crate::suggest::typo_distance(y, x).is_some()))
        }
        _ => false,
    }
}

/// The string literals an expression compares `incident.kind` with
/// (`==`, `!=`, either side, or `in [...]`), with their byte ranges in the text.
fn kind_literals(text: &str) -> Vec<(String, Range<usize>)> {
    const FIELD: &str = "incident.kind";
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(FIELD) {
        let start = from + found;
        let end = start + FIELD.len();
        from = end;
        // `incident.kind_x` is another field.
        if bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
            continue;
        }
        let after = skip_space(text, end);
        let rest = &text[after..];
        if rest.starts_with("==") || rest.starts_with("!=") {
            if let Some(lit) = literal_at(text, skip_space(text, after + 2)) {
                out.push(lit);
            }
        } else if let Some(list) = rest.strip_prefix("in").filter(|r| r.starts_with([' ', '['])) {
            let mut at = skip_space(text, text.len() - list.len());
            if text[at..].starts_with('[') {
                at += 1;
                while let Some((value, range)) = literal_at(text, skip_space(text, at)) {
                    at = skip_space(text, range.end + 1);
                    out.push((value, range));
                    if text[at..].starts_with(',') {
                        at += 1;
                    } else {
                        break;
                    }
                }
            }
        }
        // The reverse form: `"x" == incident.kind`.
        let before = text[..start].trim_end();
        if let Some(before) = before.strip_suffix("==").or_else(|| before.strip_suffix("!=")) {
            let before = before.trim_end();
            if let Some(quote) = before.chars().last().filter(|c| *c == '"' || *c == '\'')
                && let Some(open) = before[..before.len() - 1].rfind(quote)
            {
                out.push((
                    before[open + 1..before.len() - 1].to_string(),
                    open + 1..before.len() - 1,
                ));
            }
        }
    }
    out
}

fn skip_space(text: &str, at: usize) -> usize {
    at + text[at.min(text.len())..].len() - text[at.min(text.len())..].trim_start().len()
}

/// A quoted string starting at `at`: its content and the content's range.
fn literal_at(text: &str, at: usize) -> Option<(String, Range<usize>)> {
    let quote = text[at..].chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let close = text[at + 1..].find(quote)? + at + 1;
    Some((text[at + 1..close].to_string(), at + 1..close))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(source: &str) -> Vec<(&'static str, String)> {
        let report = check_str(source, "p.toml", None);
        report
            .diagnostics
            .iter()
            .map(|d| (d.code, source[d.span.clone()].to_string()))
            .collect()
    }

    const HEAD: &str = "[policy]\nkinds = [\"late_delivery\", \"expired_coupon\"]\n\
        [[gesture]]\nid = \"credit\"\nlabel = \"Credit\"\ncost = 5.0\n";

    /// A file cut short by a failed copy passed as clean, and answered every
    /// case with the apology alone.
    #[test]
    fn an_empty_file_is_an_error_and_a_policy_without_rules_a_warning() {
        for empty in ["", "\n# comments only\n\n"] {
            assert_eq!(codes(empty), vec![("empty-policy", String::new())], "{empty:?}");
            assert!(check_str(empty, "p.toml", None).has_errors());
        }
        assert_eq!(
            codes(HEAD),
            vec![("no-rules", String::new()), ("unused-gesture", "\"credit\"".into())]
        );
    }

    #[test]
    fn the_default_policy_is_clean() {
        let report = check_str(policy::DEFAULT_SOURCE, policy::DEFAULT_NAME, None);
        assert!(report.diagnostics.is_empty(), "{report}");
    }

    #[test]
    fn a_rule_after_an_unconditional_stop_is_unreachable() {
        let src = format!(
            "{HEAD}[[rule]]\nid = \"all\"\nescalate = \"x\"\nstop = true\n\
             [[rule]]\nid = \"late\"\nwhen = 'incident.kind == \"late_delivery\"'\noffer = [\"credit\"]\n"
        );
        // `credit` is offered by the unreachable rule only: no case can get it.
        assert_eq!(
            codes(&src),
            vec![
                ("unused-gesture", "\"credit\"".to_string()),
                ("unreachable-rule", "\"late\"".to_string())
            ]
        );
    }

    #[test]
    fn a_constant_true_stop_counts_and_a_conditional_one_does_not() {
        let src = format!(
            "{HEAD}[[rule]]\nid = \"a\"\nwhen = \"customer.orders > 3.0\"\nescalate = \"x\"\nstop = true\n\
             [[rule]]\nid = \"b\"\nwhen = \"1 < 2\"\nescalate = \"y\"\nstop = true\n\
             [[rule]]\nid = \"c\"\noffer = [\"credit\"]\n"
        );
        assert_eq!(
            codes(&src),
            vec![
                ("unused-gesture", "\"credit\"".to_string()),
                ("unreachable-rule", "\"c\"".to_string())
            ]
        );
    }

    #[test]
    fn idle_rules_and_unoffered_gestures() {
        let src = format!("{HEAD}[[rule]]\nid = \"noop\"\nwhen = \"customer.orders > 1.0\"\n");
        assert_eq!(
            codes(&src),
            vec![
                ("unused-gesture", "\"credit\"".to_string()),
                ("rule-does-nothing", "\"noop\"".to_string())
            ]
        );
    }

    #[test]
    fn a_constant_cost_over_the_case_limit() {
        let src = "[limits]\nmax_cost_per_case = 4.99\n[[gesture]]\nid = \"credit\"\nlabel = \"C\"\ncost = 5.0\n\
                   [[gesture]]\nid = \"five\"\nlabel = \"F\"\ncost = 4.99\n\
                   [[rule]]\nid = \"r\"\noffer = [\"five\", \"credit\"]\n";
        assert_eq!(codes(src), vec![("offer-over-limit", "\"credit\"".to_string())]);
    }

    #[test]
    fn a_constant_cost_over_the_12_month_budget_or_no_gesture_allowed() {
        let src = "[limits]\nmax_cost_per_customer_12m = 20\n[[gesture]]\nid = \"pricey\"\nlabel = \"P\"\ncost = 30\n\
                   [[gesture]]\nid = \"owed\"\nlabel = \"O\"\ncost = 50\nowed = true\n\
                   [[rule]]\nid = \"r\"\noffer = [\"pricey\", \"owed\"]\n";
        // A gesture marked owed is given back whatever the limits.
        assert_eq!(codes(src), vec![("offer-over-limit", "\"pricey\"".to_string())]);
        let src = "[limits]\nmax_gestures_per_customer_12m = 0\n[[gesture]]\nid = \"c\"\nlabel = \"C\"\ncost = 1\n\
                   [[rule]]\nid = \"r\"\noffer = [\"c\"]\n";
        assert_eq!(codes(src), vec![("offer-over-limit", "0".to_string())]);
        // What is owed is given whatever the limit: alone, no warning; beside
        // another offer, it is the exception the warning names.
        let owed = "[[gesture]]\nid = \"o\"\nlabel = \"O\"\ncost = 1\nowed = true\n";
        let only_owed =
            format!("[limits]\nmax_gestures_per_customer_12m = 0\n{owed}[[rule]]\nid = \"r\"\noffer = [\"o\"]\n");
        assert_eq!(codes(&only_owed), vec![]);
        let both = src.replace("offer = [\"c\"]", "offer = [\"c\", \"o\"]") + owed;
        let report = check_str(&both, "p.toml", None);
        assert_eq!(report.diagnostics.len(), 1, "{report}");
        assert_eq!(
            report.diagnostics[0].message,
            "`max_gestures_per_customer_12m = 0`: no offer but one marked `owed` can ever be recommended"
        );
        let two =
            both.replace("offer = [\"c\", \"o\"]", "offer = [\"c\", \"o\", \"p\"]") + &owed.replace("\"o\"", "\"p\"");
        let report = check_str(&two, "p.toml", None);
        assert!(
            report.diagnostics[0]
                .message
                .contains("no offer but those marked `owed`"),
            "{report}"
        );
    }

    #[test]
    fn inverted_churn_in_recovery_and_in_a_kind() {
        let src = format!(
            "{HEAD}[recovery]\nchurn_unresolved = 0.3\nchurn_resolved = 0.4\n\
             [recovery.kinds.late_delivery]\nchurn_resolved = 0.5\n\
             [recovery.kinds.expired_coupon]\ncurve = \"concave\"\n\
             [[rule]]\nid = \"r\"\noffer = [\"credit\"]\n"
        );
        assert_eq!(
            codes(&src),
            vec![
                ("inverted-recovery", "0.4".to_string()),
                ("inverted-recovery", "0.5".to_string())
            ]
        );
        // Only the kind inverts: reported once, at the kind's own key.
        let src = format!(
            "{HEAD}[recovery.kinds.late_delivery]\nchurn_unresolved = 0.02\n[[rule]]\nid = \"r\"\noffer = [\"credit\"]\n"
        );
        assert_eq!(codes(&src), vec![("inverted-recovery", "0.02".to_string())]);
    }

    #[test]
    fn kinds_compared_in_conditions_must_exist() {
        assert_eq!(
            kind_literals("incident.kind == \"a\" || \"b\" != incident.kind || incident.kind in ['c', \"d\"]")
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert!(kind_literals("incident.kind_x == \"a\"").is_empty());
        let src = format!(
            "{HEAD}[[rule]]\nid = \"r\"\nwhen = 'incident.kind in [\"late_delivery\", \"late_delivry\"]'\noffer = [\"credit\"]\n"
        );
        let report = check_str(&src, "p.toml", None);
        assert_eq!(report.diagnostics.len(), 1, "{report}");
        let d = &report.diagnostics[0];
        assert_eq!((d.code, &src[d.span.clone()]), ("unknown-kind", "late_delivry"));
        assert_eq!(d.help.as_deref(), Some("did you mean `late_delivery`?"));
    }

    #[test]
    fn a_kind_override_close_to_a_kind_in_a_condition_is_a_likely_typo() {
        let src = "[recovery.kinds.late_delivry]\ncurve = \"concave\"\n\
                   [recovery.kinds.billing_error]\ncurve = \"concave\"\n\
                   [[gesture]]\nid = \"g\"\nlabel = \"G\"\ncost = 1.0\n\
                   [[rule]]\nid = \"r\"\nwhen = 'incident.kind == \"late_delivery\"'\noffer = [\"g\"]\n";
        let report = check_str(src, "p.toml", None);
        assert_eq!(report.diagnostics.len(), 1, "{report}");
        let d = &report.diagnostics[0];
        assert_eq!((d.code, &src[d.span.clone()]), ("unknown-kind", "late_delivry"));
        assert_eq!(
            d.help.as_deref(),
            Some(
                "a condition names `late_delivery`: one of the two is misspelt; list the kinds in `[policy] kinds` \
                 to have them checked"
            )
        );
    }

    /// Without `[policy] kinds`, a kind misspelt in one rule (`late_delivry`)
    /// went unnoticed, and its rule never matched a real incident.
    #[test]
    fn without_kinds_two_kinds_a_letter_apart_in_conditions_are_a_likely_typo() {
        let rules = |kinds: [&str; 3]| {
            let mut src = "[[gesture]]\nid = \"g\"\nlabel = \"G\"\ncost = 1.0\n".to_string();
            for (i, kind) in kinds.iter().enumerate() {
                src += &format!("[[rule]]\nid = \"r{i}\"\nwhen = 'incident.kind == \"{kind}\"'\noffer = [\"g\"]\n");
            }
            src
        };
        // The kind named less often is the one pointed at, wherever it is.
        for kinds in [
            ["late_delivery", "late_delivery", "late_delivry"],
            ["late_delivry", "late_delivery", "late_delivery"],
        ] {
            let src = rules(kinds);
            let report = check_str(&src, "p.toml", None);
            assert_eq!(report.diagnostics.len(), 1, "{report}");
            let d = &report.diagnostics[0];
            assert_eq!((d.code, &src[d.span.clone()]), ("unknown-kind", "late_delivry"));
            assert_eq!(
                d.message,
                "conditions compare `incident.kind` with `late_delivry` and with `late_delivery`, a letter or two apart"
            );
        }
        // Kinds apart in more than a typo, in short codes, or only in their digits, are meant.
        for kinds in [
            ["late_box", "lost_box", "missing_item"],
            ["tier1_delay", "tier2_delay", "tier3_delay"],
            ["payment_pause", "late_box", "double_charge"],
            ["uk_delay", "us_delay", "eu_delay"],
            ["pc_broken", "tv_broken", "cd_missing"],
            ["dvd_missing", "cd_missing", "card_declined"],
            ["card_declined", "cash_declined", "late_delivery"],
            ["wrong_size", "wrong_side", "late_box"],
            ["card_blocked", "card_locked", "bad_review"],
            ["preorder_late", "reorder_late", "bad_preview"],
        ] {
            assert_eq!(codes(&rules(kinds)), vec![], "{kinds:?}");
        }
        // Two letters swapped in a short word are flagged.
        assert_eq!(
            codes(&rules(["late_delivery", "ltae_delivery", "late_delivery"])),
            vec![("unknown-kind", "ltae_delivery".to_string())]
        );
        // A word cut short by a letter, another separator, none, one too many, or two letters swapped are flagged too.
        for typo in [
            "payment_pause",
            "paymen_paused",
            "payment-paused",
            "paymentpaused",
            "payment_paused_",
            "paymetn_paused",
        ] {
            assert_eq!(
                codes(&rules(["payment_paused", typo, "payment_paused"])),
                vec![("unknown-kind", typo.to_string())],
                "{typo}"
            );
        }
        // With `[policy] kinds`, the list decides, as before.
        let listed = format!(
            "[policy]\nkinds = [\"late_delivery\"]\n{}",
            rules(["late_delivery", "late_delivery", "late_delivry"])
        );
        assert_eq!(codes(&listed), vec![("unknown-kind", "late_delivry".to_string())]);
    }

    #[test]
    fn constant_false_conditions() {
        let src = "[[gesture]]\nid = \"g\"\nlabel = \"G\"\ncost = 1.0\nwhen = \"1 > 2\"\n\
                   [[rule]]\nid = \"r\"\nwhen = \"false\"\noffer = [\"g\"]\n";
        assert_eq!(
            codes(src),
            vec![
                ("unused-gesture", "\"g\"".to_string()),
                ("never-eligible", "\"g\"".to_string()),
                ("never-matches", "\"r\"".to_string())
            ]
        );
        let report = check_str(src, "p.toml", None);
        assert_eq!(
            report.diagnostics[0].message,
            "gesture `g` is offered only by rule `r`, which can never match"
        );
        // One live offer is enough.
        let live = format!("{src}[[rule]]\nid = \"s\"\noffer = [\"g\"]\n");
        assert!(!codes(&live).iter().any(|(code, _)| *code == "unused-gesture"));
    }
}
