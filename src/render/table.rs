//! The rep's one-screen answer (SPEC §7), most important first.
//!
//! comfy-table is used here and nowhere else. Output never depends on the
//! terminal: no colour, and the options table takes its natural width, so
//! what a rep sees is exactly what the snapshot tests hold.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::date;
use crate::engine::{Decision, Recommendation, Status};
use crate::input::incidents::Incident;
use crate::money;
use crate::policy::Policy;

use super::percent;

const INDENT: &str = "           ";

/// The full answer for one case; with `explain`, the rule trace follows.
pub fn case(policy: &Policy, incident: &Incident, rec: &Recommendation<'_>, explain: bool) -> String {
    let cur = policy.currency.as_str();
    let mut top = format!(
        "Case {} · customer {} · {} · {}\n",
        incident.case_id,
        incident.customer_id,
        incident.kind,
        date::format(incident.date)
    );
    if rec.decision == Decision::Escalate {
        top.push_str(&format!(
            "{:<10} {}\n",
            "ESCALATE",
            rec.escalation.as_deref().unwrap_or("")
        ));
    }

    let f = &rec.features;
    let customer = if !f.known {
        format!(
            "no purchase history on or before {} (new or unknown customer)",
            date::format(incident.date)
        )
    } else if f.orders == 0 {
        format!("no orders · {} refund{}", f.refunds, plural(f.refunds))
    } else {
        let last = match f.recency_days as i64 {
            0 => "today".to_string(),
            1 => "1 day ago".to_string(),
            n => format!("{n} days ago"),
        };
        format!(
            "{} order{} since {} · avg order {} · last order {}",
            f.orders,
            plural(f.orders),
            f.first_order.map(date::format).unwrap_or_default(),
            money::format(f.avg_order_value, cur),
            last
        )
    };
    let mut text = top;
    push(&mut text, "Customer", &customer);
    if rec.gestures_12m > 0 {
        push(
            &mut text,
            "",
            &format!(
                "{} gesture{} in the last 12 months, {}",
                rec.gestures_12m,
                plural(u64::from(rec.gestures_12m)),
                money::format(rec.goodwill_12m, cur)
            ),
        );
    }
    push(
        &mut text,
        "Value",
        &format!(
            "future value ({} months) {} · {} at risk if unresolved (churn {})",
            policy.model.horizon_months,
            money::format(rec.future_value, cur),
            money::format(rec.value_at_risk(), cur),
            percent(rec.churn_before())
        ),
    );
    match (rec.decision, rec.chosen()) {
        (Decision::Gesture, Some(c)) => {
            push(&mut text, "Recommend", c.label);
            push(
                &mut text,
                "",
                &format!(
                    "cost {} · churn {} -> {} · LTV impact {}",
                    money::format(c.cost, cur),
                    percent(rec.churn_before()),
                    percent(c.churn_after),
                    money::format_signed(c.impact, cur)
                ),
            );
            if let Some(script) = c.script {
                push(&mut text, "Say", &format!("\"{script}\""));
            }
        }
        _ => push(&mut text, "Recommend", "no gesture: hand the case to a supervisor"),
    }
    text.push_str("Options\n");
    for l in options(policy, rec).lines() {
        text.push_str(INDENT);
        text.push_str(l);
        text.push('\n');
    }
    let why: Vec<String> = rec
        .rules
        .iter()
        .map(|id| {
            let when = rec.trace.iter().find(|t| t.rule == *id).and_then(|t| t.when);
            match when {
                Some(w) => format!("rule `{id}`: {w}"),
                None => format!("rule `{id}` (always)"),
            }
        })
        .collect();
    match why.split_first() {
        Some((first, rest)) => {
            push(&mut text, "Why", first);
            for r in rest {
                push(&mut text, "", r);
            }
        }
        None => push(&mut text, "Why", &apology_why(rec)),
    }
    let follow = date::format(rec.follow_up_by);
    let next = match rec.decision {
        Decision::Escalate => format!("listen · thank · apologise · hand over to a supervisor · follow up by {follow}"),
        Decision::Gesture => {
            format!("listen · thank · apologise · offer the remedy · agree · act now · follow up by {follow}")
        }
    };
    push(&mut text, "Next", &next);
    if explain {
        text.push('\n');
        text.push_str(&trace(policy, rec));
    }
    text
}

/// Why the apology alone was recommended: no rule offered a gesture, none
/// of the offered ones is eligible, or it beat them (or tied, and costs less).
fn apology_why(rec: &Recommendation<'_>) -> String {
    let mut rules: Vec<&str> = Vec::new();
    for c in &rec.candidates {
        for r in &c.offered_by {
            if !rules.contains(r) {
                rules.push(r);
            }
        }
    }
    if rules.is_empty() {
        return "no rule offered a gesture: the apology is the built-in remedy".into();
    }
    let by = rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ");
    let by = format!("rule{} {by}", if rules.len() == 1 { "" } else { "s" });
    let best = rec
        .candidates
        .iter()
        .filter(|c| !c.offered_by.is_empty() && c.status.is_eligible())
        .map(|c| c.impact)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    match (best, rec.chosen()) {
        (None, _) => {
            let offered: Vec<&str> = rec
                .candidates
                .iter()
                .filter(|c| !c.offered_by.is_empty())
                .map(|c| c.gesture)
                .collect();
            let none = if offered.len() == 1 { "it is not" } else { "none is" };
            format!(
                "{by} offered {}, but {none} eligible (see Options): the apology is the built-in remedy",
                offered.join(", ")
            )
        }
        (Some(best), Some(apology)) if apology.impact >= best => {
            format!("the apology alone has a higher LTV impact than what {by} offered")
        }
        _ => format!("the apology's LTV impact is within the tie tolerance of what {by} offered, and it costs less"),
    }
}

fn push(text: &mut String, label: &str, body: &str) {
    text.push_str(&format!("{label:<10} {body}\n"));
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The options table: every candidate with its numbers and status.
pub fn options(policy: &Policy, rec: &Recommendation<'_>) -> String {
    let cur = policy.currency.as_str();
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "gesture",
            "cost",
            "customer value",
            "recovery",
            "churn after",
            "impact",
            "status",
        ]);
    for c in &rec.candidates {
        let priced = !matches!(c.status, Status::NotEligible | Status::Invalid);
        let num = |s: String| Cell::new(if priced { s } else { "-".into() }).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Cell::new(c.gesture),
            num(money::format(c.cost, cur)),
            num(money::format(c.value, cur)),
            num(percent(c.recovery)),
            num(percent(c.churn_after)),
            num(money::format_signed(c.impact, cur)),
            Cell::new(match (c.status, &c.reason) {
                // The other statuses say enough; why a figure is unusable does not fit a word.
                (Status::Invalid, Some(reason)) => format!("invalid: {reason}"),
                (status, _) => status.describe().to_string(),
            }),
        ]);
    }
    table.to_string()
}

/// The rule trace: each rule, matched or not, and each candidate's fate.
pub fn trace(policy: &Policy, rec: &Recommendation<'_>) -> String {
    let cur = policy.currency.as_str();
    let mut out = String::from("Rules\n");
    for t in &rec.trace {
        let mark = match (t.reached, t.matched) {
            (false, _) => "skipped (after a stop)",
            (true, true) => "matched",
            (true, false) => "no match",
        };
        out.push_str(&format!("  {mark:<22} {}: {}\n", t.rule, t.when.unwrap_or("(always)")));
    }
    out.push_str("Candidates\n");
    for c in &rec.candidates {
        let by = if c.offered_by.is_empty() {
            "built in".to_string()
        } else {
            format!("offered by {}", c.offered_by.join(", "))
        };
        out.push_str(&format!("  {} ({by}): {}", c.gesture, c.status.describe()));
        if let Some(reason) = &c.reason {
            out.push_str(&format!(": {reason}"));
        }
        out.push('\n');
        if !matches!(c.status, Status::NotEligible | Status::Invalid) {
            out.push_str(&format!(
                "    cost {} · value {} · ratio {:.4} · effectiveness {:.4} · recovery {:.4} · churn {:.4} · impact {}\n",
                money::format(c.cost, cur),
                money::format(c.value, cur),
                c.ratio,
                c.effectiveness,
                c.recovery,
                c.churn_after,
                money::format_signed(c.impact, cur)
            ));
        }
    }
    let p = &rec.params;
    out.push_str(&format!(
        "Model\n  future value {:.4} · p_alive {:.4} · churn unresolved {:.4} · resolved {:.4} · apology {:.4} · curve {:?}\n",
        rec.future_value, rec.p_alive, p.churn_unresolved, p.churn_resolved, p.apology_recovery, p.curve
    ));
    out
}
