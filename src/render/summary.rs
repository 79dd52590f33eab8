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
use crate::render::label;

/// The summary of a batch, as text; amounts in `currency`.
pub fn summary(s: &Summary, currency: &str) -> String {
    let per_unit = format!("impact per {}1 spent", money::symbol(currency));
    let mut kinds = table(&[
        "kind",
        "cases",
        "gestures",
        "escalated",
        "rejected",
        "cost",
        "impact",
        &per_unit,
    ]);
    let line = |name: &str, t: &Totals| {
        let gestures: u64 = t.gestures.iter().map(|(_, n)| n).sum();
        vec![
            Cell::new(name),
            count(t.cases),
            count(gestures),
            count(t.escalations),
            count(t.rejected),
            number(money::format_cents(t.cost_cents, currency)),
            number(money::format_cents_signed(t.impact_cents, currency)),
            number(
                t.impact_per_cost()
                    .map_or_else(|| "-".to_string(), |r| money::decimal(money::round_half_away(r, 100.0))),
            ),
        ]
    };
    for (kind, t) in &s.kinds {
        kinds.add_row(line(&label(kind), t));
    }
    kinds.add_row(line("all", &s.all));

    let mut header = vec!["gesture".into(), "all".into()];
    header.extend(s.kinds.keys().map(|k| label(k)));
    let mut gestures = table(&header);
    let chosen = |t: &Totals, g: &str| t.gestures.iter().find(|(id, _)| id == g).map_or(0, |(_, n)| *n);
    for (g, n) in &s.all.gestures {
        let mut row = vec![Cell::new(label(g)), count(*n)];
        row.extend(s.kinds.values().map(|t| count(chosen(t, g))));
        gestures.add_row(row);
    }
    let mut escalated = vec![Cell::new("(escalated)"), count(s.all.escalations)];
    escalated.extend(s.kinds.values().map(|t| count(t.escalations)));
    gestures.add_row(escalated);
    let mut rejected = vec![Cell::new("(rejected)"), count(s.all.rejected)];
    rejected.extend(s.kinds.values().map(|t| count(t.rejected)));
    gestures.add_row(rejected);

    format!("By kind\n{kinds}\nDecisions\n{gestures}\n")
}

fn table<S: AsRef<str>>(header: &[S]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| Cell::new(h.as_ref())));
    t
}

/// A count, its thousands grouped as the amounts beside it are.
fn count(n: u64) -> Cell {
    number(money::group(n))
}

fn number(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_as_amounts_are_and_the_ratio_names_the_currency() {
        let late = Totals {
            cases: 1_234_567,
            gestures: vec![("credit".into(), 1_234_000)],
            escalations: 560,
            rejected: 7,
            cost_cents: 123_456_789,
            impact_cents: 246_913_578,
        };
        let s = Summary {
            all: late.clone(),
            kinds: [("late".into(), late)].into(),
        };
        let text = summary(&s, "EUR");
        assert!(text.contains("┆ impact per €1 spent │"), "{text}");
        assert!(
            text.contains("│ all  ┆ 1,234,567 ┆ 1,234,000 ┆       560 ┆        7 ┆ €1,234,567.89 ┆ +€2,469,135.78 ┆                2.00 │"),
            "{text}"
        );
        assert!(text.contains("│ credit      ┆ 1,234,000 ┆ 1,234,000 │"), "{text}");
        // A currency without a symbol of its own: its code.
        assert!(summary(&s, "CHF").contains("┆ impact per CHF 1 spent │"));
        // Totals past what an f64 of dollars holds to the cent, exact.
        let huge = Totals {
            cases: 1_000,
            cost_cents: 999_999_999_999_900_000,
            ..Totals::default()
        };
        let text = summary(
            &Summary {
                all: huge,
                kinds: Default::default(),
            },
            "USD",
        );
        assert!(text.contains("┆ $9,999,999,999,999,000.00 ┆"), "{text}");
    }

    #[test]
    fn the_ratio_rounds_half_away_from_zero_as_money_does() {
        // $1.43 of impact for $2.00 spent is 0.715, 0.71499... in binary.
        let t = |impact_cents| Totals {
            cases: 1,
            cost_cents: 200,
            impact_cents,
            ..Totals::default()
        };
        for (impact_cents, shown) in [(143, "0.72"), (-143, "-0.72"), (0, "0.00")] {
            let s = Summary {
                all: t(impact_cents),
                kinds: Default::default(),
            };
            let text = summary(&s, "USD");
            assert!(text.contains(&format!(" {shown} │")), "{shown}: {text}");
        }
    }
}
