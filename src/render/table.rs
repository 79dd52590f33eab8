//! The rep's one-screen answer (the README's "A rep's answer"), most important first.
//!
//! comfy-table is used here and nowhere else. Output never depends on the
//! terminal: no colour, and the options table takes its natural width, so
//! what a rep sees is exactly what the snapshot tests hold.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::date;
use crate::engine::{Candidate, Decision, Recommendation, Status};
use crate::input::incidents::Incident;
use crate::money;
use crate::policy::Policy;
use crate::recovery::Curve;

use super::{percent, plural};

const INDENT: &str = "           ";

/// The full answer for one case; with `explain`, the rule trace follows.
///
/// `width` is the terminal's, when known: an answer wider than that is laid
/// out again to fit it (long lines wrapped under their label, the options
/// table flush left with its headings and statuses folded), since a terminal
/// that wraps a table's rows itself makes it unreadable. Without a width, or
/// when the answer fits, the layout is the one the snapshots hold.
pub fn case(
    policy: &Policy,
    incident: &Incident,
    rec: &Recommendation<'_>,
    explain: bool,
    width: Option<usize>,
) -> String {
    let natural = layout(policy, incident, rec, explain, None);
    match width {
        Some(w) if natural.lines().any(|l| l.chars().count() > w) => layout(policy, incident, rec, explain, Some(w)),
        _ => natural,
    }
}

/// The answer, fitted to `width` when one is given.
fn layout(
    policy: &Policy,
    incident: &Incident,
    rec: &Recommendation<'_>,
    explain: bool,
    width: Option<usize>,
) -> String {
    let cur = policy.currency.as_str();
    let mut top = String::new();
    let header = format!(
        "Case {} · customer {} · {} · {}",
        incident.case_id,
        incident.customer_id,
        incident.kind,
        date::format(incident.date)
    );
    wrap_into(&mut top, width, "", &header, INDENT);
    if rec.decision == Decision::Escalate {
        push(&mut top, width, "ESCALATE", rec.escalation.as_deref().unwrap_or(""));
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
        // Refunds weigh on the rules (a refund-abuse guard): shown when there are any.
        let refunds = match f.refunds {
            0 => String::new(),
            n => format!(" · {n} refund{}", plural(n)),
        };
        format!(
            "{} order{} since {}{refunds} · avg order {} · last order {}",
            f.orders,
            plural(f.orders),
            f.first_order.map(date::format).unwrap_or_default(),
            money::format(f.avg_order_value, cur),
            last
        )
    };
    let mut text = top;
    push(&mut text, width, "Customer", &customer);
    if rec.gestures_12m > 0 {
        push(
            &mut text,
            width,
            "",
            &format!(
                "{} gesture{} in the last 12 months, {}",
                money::group(u64::from(rec.gestures_12m)),
                plural(u64::from(rec.gestures_12m)),
                money::format(rec.goodwill_12m, cur)
            ),
        );
    }
    push(
        &mut text,
        width,
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
            push(&mut text, width, "Recommend", c.label);
            push(
                &mut text,
                width,
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
                push(&mut text, width, "Say", &format!("\"{script}\""));
            }
        }
        _ => push(
            &mut text,
            width,
            "Recommend",
            "no gesture: hand the case to a supervisor",
        ),
    }
    text.push_str("Options\n");
    text.push_str(&options_block(policy, rec, width));
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
            push(&mut text, width, "Why", first);
            for r in rest {
                push(&mut text, width, "", r);
            }
            if let Some(line) = tie_why(rec, &policy.currency) {
                push(&mut text, width, "", &line);
            }
            // Why each other offer was left out: a reason the table has no room for.
            for c in rec
                .candidates
                .iter()
                .filter(|c| !c.offered_by.is_empty() && !c.status.is_eligible())
            {
                if let Some(reason) = &c.reason {
                    push(&mut text, width, "", &format!("{}: {reason}", c.gesture));
                }
            }
        }
        None => {
            let (why, reasons) = apology_why(rec);
            push(&mut text, width, "Why", &why);
            for r in reasons {
                push(&mut text, width, "", &r);
            }
        }
    }
    let follow = date::format(rec.follow_up_by);
    let next = match rec.decision {
        Decision::Escalate => format!("listen · thank · apologise · hand over to a supervisor · follow up by {follow}"),
        // The apology alone has no remedy to offer, agree on or carry out.
        Decision::Gesture if rec.chosen().is_none_or(|c| c.gesture == crate::policy::APOLOGY) => {
            format!("listen · thank · apologise · follow up by {follow}")
        }
        Decision::Gesture => {
            format!("listen · thank · apologise · offer the remedy · agree · act now · follow up by {follow}")
        }
    };
    push(&mut text, width, "Next", &next);
    if explain {
        text.push('\n');
        text.push_str(&trace(policy, rec, width));
    }
    text
}

/// Why the apology alone was recommended: no rule offered a gesture, none
/// of the offered ones is eligible, or it beat them (or tied, and costs less).
/// Also, when no offer is eligible, each one's reason, a line each: the
/// options table has no room for them.
fn apology_why(rec: &Recommendation<'_>) -> (String, Vec<String>) {
    let mut rules: Vec<&str> = Vec::new();
    for c in &rec.candidates {
        for r in &c.offered_by {
            if !rules.contains(r) {
                rules.push(r);
            }
        }
    }
    if rules.is_empty() {
        return (
            "no rule offered a gesture: the apology is the built-in remedy".into(),
            Vec::new(),
        );
    }
    let by = rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ");
    let by = format!("rule{} {by}", plural(rules.len()));
    let best = rec
        .candidates
        .iter()
        .filter(|c| !c.offered_by.is_empty() && c.status.is_eligible())
        .map(|c| c.impact)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    match (best, rec.chosen()) {
        (None, _) => {
            let offered: Vec<&Candidate<'_>> = rec.candidates.iter().filter(|c| !c.offered_by.is_empty()).collect();
            let names: Vec<&str> = offered.iter().map(|c| c.gesture).collect();
            let none = if offered.len() == 1 { "it is not" } else { "none is" };
            let reasons = offered
                .iter()
                .map(|c| match &c.reason {
                    Some(reason) => format!("{}: {reason}", c.gesture),
                    None => format!("{}: {}", c.gesture, c.status.describe()),
                })
                .collect();
            let why = format!(
                "{by} offered {}, but {none} eligible: the apology is the built-in remedy",
                names.join(", ")
            );
            (why, reasons)
        }
        (Some(best), Some(apology)) if apology.impact >= best => (
            format!("the apology alone has a higher LTV impact than what {by} offered"),
            Vec::new(),
        ),
        _ => (
            format!("the apology's LTV impact is within the tie tolerance of what {by} offered, and it costs less"),
            Vec::new(),
        ),
    }
}

/// Why a gesture of lower impact was chosen over an eligible one of higher:
/// its impact is within the tie tolerance, and it costs less.
fn tie_why(rec: &Recommendation<'_>, currency: &str) -> Option<String> {
    let chosen = rec.chosen()?;
    let best = rec
        .candidates
        .iter()
        .filter(|c| c.status.is_eligible() && c.impact > chosen.impact)
        .max_by(|a, b| a.impact.total_cmp(&b.impact))?;
    // In cents, as the choice compares them: on equal cost the one offered first wins.
    let cheaper = money::cents(best.cost) - money::cents(chosen.cost);
    let why = if cheaper > 0 {
        format!("and {} cheaper", money::format_cents(cheaper, currency))
    } else {
        "at the same cost and offered first".to_string()
    };
    Some(format!(
        "chosen over `{}` ({} LTV impact): within the tie tolerance ({}) of it, {why}",
        best.gesture,
        money::format_signed(best.impact, currency),
        percent(rec.params.tie_tolerance)
    ))
}

/// One labelled line; with a width, wrapped at spaces under the label.
fn push(text: &mut String, width: Option<usize>, label: &str, body: &str) {
    wrap_into(text, width, &format!("{label:<10} "), body, INDENT);
}

/// `first` then `body`, wrapped to `width` with `rest` before each further
/// line: between the ` · `-separated parts where it can, at spaces inside a
/// part too long for a line of its own; a word longer than a line keeps a
/// line to itself.
fn wrap_into(text: &mut String, width: Option<usize>, first: &str, body: &str, rest: &str) {
    let Some(width) = width else {
        text.push_str(&format!("{first}{body}\n"));
        return;
    };
    let len = |s: &str| s.chars().count();
    let parts: Vec<&str> = body.split(" · ").collect();
    let mut line = first.to_string();
    let mut empty = true;
    for (i, part) in parts.iter().enumerate() {
        let part = if i + 1 < parts.len() {
            format!("{part} ·")
        } else {
            (*part).to_string()
        };
        if !empty && len(&line) + 1 + len(&part) > width {
            text.push_str(&line);
            text.push('\n');
            line = rest.to_string();
            empty = true;
        }
        for word in part.split(' ') {
            if !empty && len(&line) + 1 + len(word) > width {
                text.push_str(&line);
                text.push('\n');
                line = rest.to_string();
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
    }
    text.push_str(&line);
    text.push('\n');
}

/// The options table: every candidate with its numbers and status.
pub fn options(policy: &Policy, rec: &Recommendation<'_>) -> String {
    options_table(policy, rec, false)
}

/// The `Options` block under its heading, fitted to `width` if one is given:
/// the table indented as usual, else flush left with two-word headings on two
/// lines, else (narrower than any table) one candidate to a few lines.
fn options_block(policy: &Policy, rec: &Recommendation<'_>, width: Option<usize>) -> String {
    let fits = |text: &str, indent: usize| {
        text.lines()
            .all(|l| indent + l.chars().count() <= width.unwrap_or(usize::MAX))
    };
    let indented = |text: &str, indent: &str| text.lines().map(|l| format!("{indent}{l}\n")).collect::<String>();
    let natural = options_table(policy, rec, false);
    if fits(&natural, INDENT.len()) {
        return indented(&natural, INDENT);
    }
    let folded = options_table(policy, rec, true);
    if fits(&folded, 0) {
        return indented(&folded, "");
    }
    let cur = policy.currency.as_str();
    let mut out = String::new();
    for c in &rec.candidates {
        wrap_into(
            &mut out,
            width,
            "",
            &format!("{}: {}", c.gesture, status_text(rec, c)),
            "    ",
        );
        if c.status.is_priced() {
            let figures = format!(
                "cost {} · customer value {} · recovery {} · churn after {} · impact {}",
                money::format(c.cost, cur),
                money::format(c.value, cur),
                percent(c.recovery),
                percent(c.churn_after),
                money::format_signed(c.impact, cur)
            );
            wrap_into(&mut out, width, "  ", &figures, "  ");
        }
    }
    out
}

fn status_text(rec: &Recommendation<'_>, c: &Candidate<'_>) -> String {
    match (c.status, &c.reason) {
        // The other statuses say enough; why a figure is unusable does not fit a word.
        (Status::Invalid, Some(reason)) => format!("invalid: {reason}"),
        // Escalated, a gesture is the supervisor's to give, not the rep's;
        // the rep still apologises.
        (Status::Eligible, _) if rec.decision == Decision::Escalate && c.gesture != crate::policy::APOLOGY => {
            "for the supervisor".to_string()
        }
        (status, _) => status.describe().to_string(),
    }
}

/// The table itself; `folded` puts two-word headings on two lines.
fn options_table(policy: &Policy, rec: &Recommendation<'_>, folded: bool) -> String {
    let cur = policy.currency.as_str();
    let mut table = Table::new();
    let (value, churn) = if folded {
        ("customer\nvalue", "churn\nafter")
    } else {
        ("customer value", "churn after")
    };
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["gesture", "cost", value, "recovery", churn, "impact", "status"]);
    for c in &rec.candidates {
        let priced = c.status.is_priced();
        let num = |s: String| Cell::new(if priced { s } else { "-".into() }).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Cell::new(c.gesture),
            num(money::format(c.cost, cur)),
            num(money::format(c.value, cur)),
            num(percent(c.recovery)),
            num(percent(c.churn_after)),
            num(money::format_signed(c.impact, cur)),
            Cell::new(status_text(rec, c)),
        ]);
    }
    table.to_string()
}

/// Below this width the rule trace does not align its rules in a column:
/// 25 columns of marks would leave under 25 for the rules' conditions.
const NARROW_TRACE: usize = 50;

/// The rule trace: each rule, matched or not, each candidate's fate, and the
/// model's figures with the recovery curve as the policy names it. With a
/// width, each line wraps under its own start.
pub fn trace(policy: &Policy, rec: &Recommendation<'_>, width: Option<usize>) -> String {
    let cur = policy.currency.as_str();
    let mut out = String::from("Rules\n");
    for t in &rec.trace {
        let mark = match (t.reached, t.matched) {
            (false, _) => "skipped (after a stop)",
            (true, true) => "matched",
            (true, false) => "no match",
        };
        let body = format!("{}: {}", t.rule, t.when.unwrap_or("(always)"));
        // Under the mark's column, a narrow terminal leaves too little room
        // for a field's name: there the body wraps under the line's start.
        if width.is_some_and(|w| w < NARROW_TRACE) {
            wrap_into(&mut out, width, &format!("  {mark} "), &body, "    ");
        } else {
            let first = format!("  {mark:<22} ");
            wrap_into(&mut out, width, &first, &body, &" ".repeat(first.len()));
        }
    }
    out.push_str("Candidates\n");
    for c in &rec.candidates {
        let by = if c.offered_by.is_empty() {
            "built in".to_string()
        } else {
            format!("offered by {}", c.offered_by.join(", "))
        };
        let mut fate = format!("{} ({by}): {}", c.gesture, c.status.describe());
        if let Some(reason) = &c.reason {
            fate.push_str(&format!(": {reason}"));
        }
        wrap_into(&mut out, width, "  ", &fate, "    ");
        if c.status.is_priced() {
            let figures = format!(
                "cost {} · value {} · ratio {:.4} · effectiveness {:.4} · recovery {:.4} · churn {:.4} · impact {}",
                money::format(c.cost, cur),
                money::format(c.value, cur),
                c.ratio,
                c.effectiveness,
                c.recovery,
                c.churn_after,
                money::format_signed(c.impact, cur)
            );
            wrap_into(&mut out, width, "    ", &figures, "    ");
        }
    }
    let p = &rec.params;
    out.push_str("Model\n");
    let figures = format!(
        "future value {:.4} · p_alive {:.4} · churn unresolved {:.4} · resolved {:.4} · apology {:.4}",
        rec.future_value, rec.p_alive, p.churn_unresolved, p.churn_resolved, p.apology_recovery
    );
    wrap_into(&mut out, width, "  ", &figures, "  ");
    // The curve's own parameters, under the names the policy gives them.
    let shape = match p.curve {
        Curve::Linear => format!("full_recovery_at {:.4}", p.full_recovery_at),
        Curve::Logistic => format!("midpoint {:.4} · steepness {:.4}", p.midpoint, p.steepness),
        Curve::Concave => format!("scale {:.4}", p.scale),
    };
    let curve = format!(
        "curve {} · {shape} · overcompensation_penalty {:.4}",
        p.curve.name(),
        p.overcompensation_penalty
    );
    wrap_into(&mut out, width, "  ", &curve, "  ");
    out
}
