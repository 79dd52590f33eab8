//! What `goodwill policy diff` prints: the changed cases, the rejected
//! rows, the transition table, cost and impact old/new/delta overall and
//! per kind, and what changed in the policy text; and the CSV of changed
//! (and re-priced) cases.

use std::io::Write;

use crate::batch::{Decision, Outcomes};
use crate::diff::{DiffReport, Slice, answer};
use crate::money;

/// The report as text, amounts in `currency`.
pub fn text(report: &DiffReport, incidents: &str, currency: &str) -> String {
    let all = &report.all;
    let repriced = match all.repriced {
        0 => String::new(),
        n => format!("; {} more with the same answer at another cost", money::group(n)),
    };
    let mut out = format!(
        "Backtest over {} incidents of `{incidents}`: {} changed ({}){repriced}\n",
        money::group(all.cases),
        money::group(all.changed),
        share(all.changed, all.cases)
    );
    let r = &report.rejected;
    if r.rows > 0 {
        let parts: Vec<String> = [
            (r.when_read, "when read"),
            (r.by_both, "by both policies"),
            (r.by_old_only, "by the old policy only"),
            (r.by_new_only, "by the new policy only"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, how)| format!("{} {how}", money::group(*n)))
        .collect();
        out.push_str(&format!(
            "Rejected {} of {} row{}: {}\n",
            money::group(r.rows),
            money::group(all.cases),
            crate::render::plural(all.cases),
            parts.join(", ")
        ));
    }

    let u = &report.unlisted_kinds;
    if u.by_new + u.by_old > 0 {
        let rows = |n: u64| format!("{} row{}", money::group(n), crate::render::plural(n));
        let parts: Vec<String> = [(u.by_new, "old"), (u.by_old, "new")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, which)| format!("{} answered by the {which} policy only", rows(*n)))
            .collect();
        out.push_str(&format!(
            "Kind{} listed by one policy only: {} ({})\n",
            crate::render::plural(u.kinds.len()),
            u.kinds.join(", "),
            parts.join(", ")
        ));
    }

    out.push_str("\nTransitions (old -> new)\n");
    if report.transitions.is_empty() {
        out.push_str("  (no case changed)\n");
    } else {
        let wf = report
            .transitions
            .iter()
            .map(|t| t.from.len())
            .max()
            .unwrap_or(0)
            .max(3);
        let wt = report.transitions.iter().map(|t| t.to.len()).max().unwrap_or(0).max(3);
        out.push_str(&format!("  {:<wf$}    {:<wt$}  {:>9}\n", "old", "new", "cases"));
        for t in &report.transitions {
            out.push_str(&format!(
                "  {:<wf$} -> {:<wt$}  {:>9}\n",
                t.from,
                t.to,
                money::group(t.cases)
            ));
        }
    }

    let m = |cents: i64| money::format_cents(cents, currency);
    let d = |cents: i64| money::format_cents_signed(cents, currency);
    let rows = [
        (
            "cost",
            m(all.old.cost_cents),
            m(all.new.cost_cents),
            d(all.cost_delta()),
        ),
        (
            "impact",
            m(all.old.impact_cents),
            m(all.new.impact_cents),
            d(all.impact_delta()),
        ),
    ];
    let w = rows
        .iter()
        .map(|r| r.1.len().max(r.2.len()).max(r.3.len()))
        .max()
        .unwrap_or(0)
        .max(5);
    out.push_str(&format!(
        "\n{:<10}{:>w$}  {:>w$}  {:>w$}\n",
        "Totals", "old", "new", "delta"
    ));
    for (name, o, n, delta) in rows {
        out.push_str(&format!("  {name:<8}{o:>w$}  {n:>w$}  {delta:>w$}\n"));
    }

    out.push_str("\nBy kind\n");
    let header: Vec<String> = [
        "kind",
        "cases",
        "changed",
        "cost old",
        "cost new",
        "cost delta",
        "impact old",
        "impact new",
        "impact delta",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let full: Vec<[String; 9]> = report.kinds.iter().map(|(k, s)| kind_row(k, s, &m, &d)).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            full.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i == 0 {
                s.push_str(&format!(" {c}{}", " ".repeat(pad)));
            } else {
                s.push_str(&format!("  {}{c}", " ".repeat(pad)));
            }
        }
        s.push('\n');
        s
    };
    out.push_str(&line(&header));
    for r in &full {
        out.push_str(&line(r));
    }

    out.push_str("\nPolicy changes\n");
    if report.policy.is_empty() {
        out.push_str("  (none)\n");
    }
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_string());
    for c in &report.policy {
        match c.key.as_str() {
            "added" | "removed" => out.push_str(&format!("  {}: {}\n", c.section, c.key)),
            key => out.push_str(&format!(
                "  {} {key}: {} -> {}\n",
                c.section,
                shown(&c.old),
                shown(&c.new)
            )),
        }
    }
    out
}

fn kind_row(kind: &str, s: &Slice, m: &dyn Fn(i64) -> String, d: &dyn Fn(i64) -> String) -> [String; 9] {
    [
        crate::render::label(kind).into_owned(),
        money::group(s.cases),
        money::group(s.changed),
        m(s.old.cost_cents),
        m(s.new.cost_cents),
        d(s.cost_delta()),
        m(s.old.impact_cents),
        m(s.new.impact_cents),
        d(s.impact_delta()),
    ]
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0%".into()
    } else {
        format!("{:.2}%", 100.0 * part as f64 / whole as f64)
    }
}

/// The columns of the changed-cases CSV.
pub const CSV_HEADER: [&str; 17] = [
    "line",
    "case_id",
    "customer_id",
    "kind",
    "old_decision",
    "old_gesture",
    "old_cost",
    "old_impact",
    "old_rule",
    "old_error",
    "new_decision",
    "new_gesture",
    "new_cost",
    "new_impact",
    "new_rule",
    "new_error",
    "change",
];

/// Writes every changed and re-priced case with both answers as CSV.
pub fn changed_csv(
    w: &mut dyn Write,
    report: &DiffReport,
    old: &Outcomes<'_>,
    new: &Outcomes<'_>,
) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CSV_HEADER)?;
    let money = |v: f64| format!("{:.2}", money::round_cents(v));
    for &i in &report.changed {
        let (o, n) = (&old[i], &new[i]);
        let mut record = vec![
            o.line.to_string(),
            o.case_id.to_string(),
            o.customer_id.to_string(),
            o.kind.to_string(),
        ];
        for x in [o, n] {
            // A rejected row has no figures: empty, as `batch` leaves them, not 0.00.
            let figure = |v: f64| {
                if x.decision == Decision::Error {
                    String::new()
                } else {
                    money(v)
                }
            };
            record.extend([
                x.decision.as_str().to_string(),
                answer(x).to_string(),
                figure(x.cost),
                figure(x.impact),
                x.rules.join(";"),
                x.error.clone().unwrap_or_default(),
            ]);
        }
        // The gesture column holds the gesture only; escalate/error are in the decision.
        record[5] = o.gesture.to_string();
        record[11] = n.gesture.to_string();
        // A changed answer, or the same one at another cost (re-priced).
        let same = o.decision == n.decision && o.gesture == n.gesture;
        record.push(if same { "cost" } else { "answer" }.to_string());
        out.write_record(&record)?;
    }
    out.flush()?;
    Ok(())
}
