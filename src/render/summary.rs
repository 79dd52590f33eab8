//! The batch summary a person reads: what the batch decided and what it is
//! worth, overall and per incident kind.
//!
//! Two tables: one row per kind (cases, escalations, rejected rows, cost,
//! impact, impact per unit of cost) with a total, then how often each gesture
//! was chosen, per kind. No colour and natural width, so that snapshots hold
//! exactly what a person sees.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::batch::{Summary, Totals};
use crate::money;

/// The summary of a batch, as text; amounts in `currency`.
pub fn summary(s: &Summary, currency: &str) -> String {
    let mut kinds = table(&[
        "kind",
        "cases",
        "gestures",
        "escalated",
        "rejected",
        "cost",
        "impact",
        "impact per 1 spent",
    ]);
    let line = |name: &str, t: &Totals| {
        let gestures: u64 = t.gestures.iter().map(|(_, n)| n).sum();
        vec![
            Cell::new(name),
            number(t.cases.to_string()),
            number(gestures.to_string()),
            number(t.escalations.to_string()),
            number(t.rejected.to_string()),
            number(money::format(t.cost_cents as f64 / 100.0, currency)),
            number(money::format_signed(t.impact_cents as f64 / 100.0, currency)),
            number(
                t.impact_per_cost()
                    .map_or_else(|| "-".to_string(), |r| format!("{r:.2}")),
            ),
        ]
    };
    for (kind, t) in &s.kinds {
        kinds.add_row(line(if kind.is_empty() { "(none)" } else { kind }, t));
    }
    kinds.add_row(line("all", &s.all));

    let mut header = vec!["gesture", "all"];
    header.extend(
        s.kinds
            .iter()
            .map(|(k, _)| if k.is_empty() { "(none)" } else { k.as_str() }),
    );
    let mut gestures = table(&header);
    let count = |t: &Totals, g: &str| t.gestures.iter().find(|(id, _)| id == g).map_or(0, |(_, n)| *n);
    for (g, n) in &s.all.gestures {
        let mut row = vec![Cell::new(g), number(n.to_string())];
        row.extend(s.kinds.iter().map(|(_, t)| number(count(t, g).to_string())));
        gestures.add_row(row);
    }
    let mut escalated = vec![Cell::new("(escalated)"), number(s.all.escalations.to_string())];
    escalated.extend(s.kinds.iter().map(|(_, t)| number(t.escalations.to_string())));
    gestures.add_row(escalated);
    let mut rejected = vec![Cell::new("(rejected)"), number(s.all.rejected.to_string())];
    rejected.extend(s.kinds.iter().map(|(_, t)| number(t.rejected.to_string())));
    gestures.add_row(rejected);

    format!("By kind\n{kinds}\nDecisions\n{gestures}\n")
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(Cell::new));
    t
}

fn number(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}
