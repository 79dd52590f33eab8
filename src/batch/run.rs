//! Running a policy over the [`Data`], the second step of a batch: the
//! scheduling that makes the answers independent of the number of threads.
//!
//! A gesture recommended for a case counts against the caps of the same
//! customer's later cases, so each customer's rows run in (date, line) order
//! on one thread ([`customer_cases`]); runs of whole customers of about
//! [`RUN_ROWS`] rows go to the cores ([`evaluate_runs`]). Each outcome stays
//! in the run that made it, found through its place ([`Outcomes`]), or is
//! made into its line of text at once ([`Rendered`]), summed into a
//! `summary` as it goes.

use rayon::prelude::*;
use serde::Serialize;

use super::data::{Data, blank};
use super::summary::Summary;
use crate::date::Day;
use crate::engine::{self, Customer, Engine};
use crate::expr::Values;
use crate::input::ids::NONE;
use crate::input::incidents::Incident;
use crate::input::ledger::{self, Grant, Usage};
use crate::money;
use crate::policy::Policy;
use crate::timing::Timer;

/// The `decision` column: what the batch says about a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// A gesture, possibly the apology alone.
    Gesture,
    /// A human must decide.
    Escalate,
    /// The row was rejected: see `error`.
    Error,
}

impl Decision {
    /// The word written in the `decision` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Gesture => "gesture",
            Decision::Escalate => "escalate",
            Decision::Error => "error",
        }
    }
}

/// The answer for one row of the incidents file. Borrows its ids from the
/// [`Data`] and its gesture and rule ids from the [`Policy`]. Figures are
/// unrounded; a rejected row has them all 0.
#[derive(Clone, Debug)]
pub struct Outcome<'a> {
    /// The 1-based line of the row.
    pub line: u64,
    /// The case's id.
    pub case_id: &'a str,
    /// The customer's id.
    pub customer_id: &'a str,
    /// The incident kind.
    pub kind: &'a str,
    /// The incident's date; `None` when the row could not be read.
    pub date: Option<Day>,
    /// Gesture, escalate or error.
    pub decision: Decision,
    /// The recommended gesture's id (`apology` for the apology alone); empty when escalated or rejected.
    pub gesture: &'a str,
    /// The recommended gesture's label.
    pub label: &'a str,
    /// Its cost, rounded to cents by the engine.
    pub cost: f64,
    /// Its value as the customer perceives it.
    pub value: f64,
    /// The customer's future value (the README's "The model").
    pub future_value: f64,
    /// Probability the customer is still active.
    pub p_alive: f64,
    /// Churn if nothing is done.
    pub churn_before: f64,
    /// Churn after the recommendation (unchanged when escalated).
    pub churn_after: f64,
    /// Value lost in expectation if nothing is done.
    pub value_at_risk: f64,
    /// LTV impact of the recommendation.
    pub impact: f64,
    /// The rules that offered the chosen gesture, or escalated.
    pub rules: Vec<&'a str>,
    /// Why the case goes to a human.
    pub escalation: Option<String>,
    /// The customer's goodwill in the 12 months up to the case, ledger and earlier batch rows.
    pub usage: Usage,
    /// Why the row was rejected (without the line); `None` for an answered row.
    pub error: Option<String>,
}

impl<'a> Outcome<'a> {
    fn rejected(line: u64, ids: [&'a str; 3], date: Option<Day>, reason: String) -> Self {
        let [case_id, customer_id, kind] = ids;
        Outcome {
            line,
            case_id,
            customer_id,
            kind,
            date,
            decision: Decision::Error,
            gesture: "",
            label: "",
            cost: 0.0,
            value: 0.0,
            future_value: 0.0,
            p_alive: 0.0,
            churn_before: 0.0,
            churn_after: 0.0,
            value_at_risk: 0.0,
            impact: 0.0,
            rules: Vec::new(),
            escalation: None,
            usage: Usage::default(),
            error: Some(reason),
        }
    }

    /// An answered row with every figure 0, for tests.
    #[cfg(test)]
    pub(crate) fn example() -> Outcome<'static> {
        Outcome {
            decision: Decision::Gesture,
            gesture: "apology",
            error: None,
            ..Outcome::rejected(2, ["K1", "C1", "late"], Some(0), String::new())
        }
    }

    /// Whether the recommendation uses up the customer's 12-month limits.
    pub fn grants(&self) -> bool {
        self.decision == Decision::Gesture && self.gesture != crate::policy::APOLOGY
    }
}

/// Every row's outcome, in input order.
///
/// Outcomes are made customer by customer and kept where they were made: a
/// row's outcome is found through its place, not moved into input order (a
/// million outcomes of a few hundred bytes each take a while to move).
#[derive(Debug, Default)]
pub struct Outcomes<'a> {
    /// The outcomes of runs of whole groups, in `Data::order`; the rows rejected when read last.
    runs: Vec<Vec<Outcome<'a>>>,
    /// Per row: its run and its index in the run.
    places: Vec<(u32, u32)>,
}

impl<'a> Outcomes<'a> {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Row `i`'s outcome.
    pub fn get(&self, i: usize) -> Option<&Outcome<'a>> {
        let &(run, at) = self.places.get(i)?;
        Some(&self.runs[run as usize][at as usize])
    }

    /// The outcomes in input order.
    pub fn iter(&self) -> Iter<'_, 'a> {
        self.range(0..self.len())
    }

    /// Some rows' outcomes, in input order.
    pub fn range(&self, rows: std::ops::Range<usize>) -> Iter<'_, 'a> {
        Iter {
            runs: &self.runs,
            places: self.places[rows].iter(),
        }
    }
}

/// Outcomes in input order: [`Outcomes::iter`].
#[derive(Debug, Clone)]
pub struct Iter<'o, 'a> {
    runs: &'o [Vec<Outcome<'a>>],
    places: std::slice::Iter<'o, (u32, u32)>,
}

impl<'o, 'a> Iterator for Iter<'o, 'a> {
    type Item = &'o Outcome<'a>;

    fn next(&mut self) -> Option<&'o Outcome<'a>> {
        let &(run, at) = self.places.next()?;
        Some(&self.runs[run as usize][at as usize])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.places.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_, '_> {}

impl<'o, 'a> IntoIterator for &'o Outcomes<'a> {
    type Item = &'o Outcome<'a>;
    type IntoIter = Iter<'o, 'a>;

    fn into_iter(self) -> Iter<'o, 'a> {
        self.iter()
    }
}

impl<'a> std::ops::Index<usize> for Outcomes<'a> {
    type Output = Outcome<'a>;

    fn index(&self, i: usize) -> &Outcome<'a> {
        let (run, at) = self.places[i];
        &self.runs[run as usize][at as usize]
    }
}

/// Runs a policy over every row; the outcomes are in input order.
pub fn evaluate<'a>(policy: &'a Policy, data: &'a Data) -> Outcomes<'a> {
    evaluate_with_progress(policy, data, &|_| {})
}

/// [`evaluate`], calling `progress` now and then with the number of rows
/// just answered (from any thread).
pub fn evaluate_with_progress<'a>(policy: &'a Policy, data: &'a Data, progress: &(dyn Fn(u64) + Sync)) -> Outcomes<'a> {
    let timer = Timer::start();
    // Each run's outcomes go in one vector of the run's size: no growing copies.
    let (runs, places) = evaluate_runs(policy, data, progress, Vec::with_capacity, Vec::push);
    timer.phase("evaluate");
    Outcomes { runs, places }
}

/// Every row's answer as a line of text, made as the row is answered: a
/// batch of millions of rows writes text, and an outcome turned into text
/// at once is smaller than the outcome and needs no second visit.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The lines of runs of whole groups, in `Data::order`; the rows rejected when read last.
    runs: Vec<RenderedRun>,
    /// Per row: its run and its index in the run.
    places: Vec<(u32, u32)>,
    /// The batch's totals (empty unless asked for).
    pub summary: Summary,
    /// The rejected rows' lines and reasons, in input order.
    pub rejected: Vec<(u64, String)>,
}

#[derive(Debug, Default)]
struct RenderedRun {
    text: Vec<u8>,
    /// Where each line ends in `text`.
    ends: Vec<usize>,
    summary: Summary,
    rejected: Vec<(u64, String)>,
}

impl RenderedRun {
    fn with_rows(rows: usize) -> RenderedRun {
        RenderedRun {
            text: Vec::with_capacity(rows * 176),
            ends: Vec::with_capacity(rows),
            ..RenderedRun::default()
        }
    }

    fn push(&mut self, outcome: &Outcome<'_>, render: fn(&mut Vec<u8>, &Outcome<'_>), summarize: bool) {
        render(&mut self.text, outcome);
        self.ends.push(self.text.len());
        if summarize {
            self.summary.add(outcome);
        }
        if let Some(reason) = &outcome.error {
            self.rejected.push((outcome.line, reason.clone()));
        }
    }
}

impl Rendered {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Row `i`'s text.
    pub fn row(&self, i: usize) -> &[u8] {
        let (run, at) = self.places[i];
        let run = &self.runs[run as usize];
        let from = match at {
            0 => 0,
            _ => run.ends[at as usize - 1],
        };
        &run.text[from..run.ends[at as usize]]
    }
}

/// Runs a policy over every row as [`evaluate_with_progress`] does, writing
/// each outcome as text with `render` as soon as it is made, and summing
/// the [`Summary`] when `summarize`.
pub fn evaluate_rendered<'a>(
    policy: &'a Policy,
    data: &'a Data,
    progress: &(dyn Fn(u64) + Sync),
    render: fn(&mut Vec<u8>, &Outcome<'_>),
    summarize: bool,
) -> Rendered {
    let timer = Timer::start();
    let (mut runs, places) = evaluate_runs(policy, data, progress, RenderedRun::with_rows, |run, o| {
        run.push(&o, render, summarize)
    });
    let mut summary = Summary::default();
    let mut rejected = Vec::new();
    for run in &mut runs {
        summary.merge(std::mem::take(&mut run.summary));
        rejected.append(&mut run.rejected);
    }
    summary.sort();
    rejected.sort_unstable_by_key(|r| r.0);
    timer.phase("evaluate");
    Rendered {
        runs,
        places,
        summary,
        rejected,
    }
}

/// Rows per run of groups evaluated as one task (a run ends at a group's end).
const RUN_ROWS: usize = 4096;

/// Runs of whole groups of about [`RUN_ROWS`] rows: groups `cuts[r]..cuts[r + 1]`.
fn runs(data: &Data) -> Vec<usize> {
    let groups = data.bounds.len() - 1;
    let mut cuts = vec![0];
    for g in 1..groups {
        if data.bounds[g] - data.bounds[cuts[cuts.len() - 1]] >= RUN_ROWS {
            cuts.push(g);
        }
    }
    cuts.push(groups);
    cuts
}

/// Evaluates every row: the [`runs`] on every core, then the rows rejected
/// when read as one last run. `start(rows)` makes a run's store, `push`
/// gives it each of the run's outcomes (in `Data::order`, then in input
/// order for the last run). Returns the stores and, per row, its place: its
/// run and its index in the run.
fn evaluate_runs<'a, T: Send>(
    policy: &'a Policy,
    data: &'a Data,
    progress: &(dyn Fn(u64) + Sync),
    start: impl Fn(usize) -> T + Sync,
    push: impl Fn(&mut T, Outcome<'a>) + Sync,
) -> (Vec<T>, Vec<(u32, u32)>) {
    let engine = Engine::new(policy, data.customers.as_ref());
    // Which of the ledger's gestures count toward the limits, under this policy.
    let counted = data.ledger.counted(|g| policy.counts_toward_limits(g));
    let cuts = runs(data);
    let mut stores: Vec<T> = cuts
        .par_windows(2)
        .map_init(
            || (engine.values(), blank()),
            |(values, incident), w| {
                let (from, to) = (data.bounds[w[0]], data.bounds[w[1]]);
                let mut store = start(to - from);
                for g in w[0]..w[1] {
                    // Rows two groups ahead, then the next group's bytes and history.
                    if g + 2 < w[1] {
                        data.prefetch_rows(g + 2);
                    }
                    if g + 1 < w[1] {
                        data.prefetch_group(g + 1);
                    }
                    let group = &data.order[data.bounds[g]..data.bounds[g + 1]];
                    customer_cases(&engine, data, &counted, group, values, incident, &mut |o| {
                        push(&mut store, o)
                    });
                }
                progress((to - from) as u64);
                store
            },
        )
        .collect();
    let mut places = places(data, &cuts);
    let mut last = start(data.rejected.len());
    for (at, (i, outcome)) in rejected_when_read(data).enumerate() {
        places[i] = (stores.len() as u32, at as u32);
        push(&mut last, outcome);
    }
    stores.push(last);
    (stores, places)
}

/// Per row: its run and its index in the run (rows rejected when read: left at (0, 0)).
fn places(data: &Data, cuts: &[usize]) -> Vec<(u32, u32)> {
    let mut places = vec![(0u32, 0u32); data.rows.len()];
    for (r, w) in cuts.windows(2).enumerate() {
        let (from, to) = (data.bounds[w[0]], data.bounds[w[1]]);
        for (at, &row) in data.order[from..to].iter().enumerate() {
            places[row as usize] = (r as u32, at as u32);
        }
    }
    places
}

/// The rows rejected when read, with their index, in input order.
fn rejected_when_read(data: &Data) -> impl Iterator<Item = (usize, Outcome<'_>)> {
    data.rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.rejected != NONE)
        .map(|(i, row)| {
            let r = &data.rejected[row.rejected as usize];
            let ids = [r.case_id.as_str(), r.customer_id.as_str(), r.kind.as_str()];
            (i, Outcome::rejected(row.line, ids, None, r.reason.clone()))
        })
}

/// One customer's rows, in (date, line) order, each seeing the gestures recommended before it.
fn customer_cases<'a>(
    engine: &Engine<'a>,
    data: &'a Data,
    counted: &[bool],
    group: &[u32],
    values: &mut Values,
    incident: &mut Incident,
    out: &mut dyn FnMut(Outcome<'a>),
) {
    let mut granted: Vec<Grant> = Vec::new();
    let first = &data.rows[group[0] as usize];
    let customer_id = data.id(first, 1);
    let transactions = data.transactions(first);
    let record = match data.indexed {
        true => data.customers.as_ref().and_then(|c| c.named(first.customer as usize)),
        false => data.customers.as_ref().and_then(|c| c.get(customer_id)),
    };
    let ledger = data.ledger.grants_of(customer_id);
    // A bad row of theirs in the history, customers or ledger file: their
    // figures or limits cannot be known, so each of their rows is rejected
    // with its reason.
    let problem = match data.indexed {
        true => (data.history.problem_of(first.customer as usize))
            .or_else(|| data.customers.as_ref()?.problem_of(first.customer as usize)),
        false => None,
    }
    .or_else(|| data.ledger.problem(customer_id));
    for &i in group {
        let row = &data.rows[i as usize];
        let ids = [data.id(row, 0), customer_id, data.id(row, 2)];
        if let Some(problem) = problem {
            out(Outcome::rejected(row.line, ids, Some(row.date), problem.to_string()));
            continue;
        }
        if let Err(reason) = data.fill(row, incident) {
            // Checked when read: cannot happen, but is reported rather than hidden.
            out(Outcome::rejected(row.line, ids, None, reason));
            continue;
        }
        // The ledger's gestures, then those recommended earlier in the batch.
        let usage = ledger::usage_in(ledger.iter().chain(&granted), incident.date, counted);
        let customer = Customer {
            transactions,
            record,
            usage,
        };
        let outcome = match engine.recommend(incident, &customer, values) {
            Ok(rec) => {
                let chosen = rec.chosen();
                let owed = chosen.is_some_and(|c| c.owed);
                let o = Outcome {
                    line: row.line,
                    case_id: ids[0],
                    customer_id,
                    kind: ids[2],
                    date: Some(incident.date),
                    decision: match rec.decision {
                        engine::Decision::Gesture => Decision::Gesture,
                        engine::Decision::Escalate => Decision::Escalate,
                    },
                    gesture: chosen.map_or("", |c| c.gesture),
                    label: chosen.map_or("", |c| c.label),
                    cost: rec.cost(),
                    value: rec.value(),
                    future_value: rec.future_value,
                    p_alive: rec.p_alive,
                    churn_before: rec.churn_before(),
                    churn_after: rec.churn_after(),
                    value_at_risk: rec.value_at_risk(),
                    impact: rec.impact(),
                    escalation: rec.escalation.clone(),
                    rules: rec.rules,
                    usage,
                    error: None,
                };
                // Money given back as owed is outside the limits, and not counted.
                if o.grants() && !owed {
                    granted.push(Grant {
                        day: incident.date,
                        cents: money::cents(o.cost),
                        gesture: ledger::IN_RUN,
                    });
                }
                o
            }
            Err(reason) => Outcome::rejected(row.line, ids, Some(incident.date), reason),
        };
        out(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::tests::data;
    use crate::date::parse;
    use crate::input::history::History;
    use crate::input::ledger::Ledger;

    #[test]
    fn earlier_batch_gestures_count_in_the_window() {
        // Three late deliveries for one customer with a $5 credit each time
        // (cost 3.50); the third is 400 days after the first, so the first has
        // left the window: usage is 1 gesture, 350 cents.
        let csv = "case_id,customer_id,kind,date,loss\n\
                   K3,C1,late_delivery,2027-01-05,5\n\
                   K1,C1,late_delivery,2025-12-01,5\n\
                   K2,C1,late_delivery,2026-06-01,5\n";
        let history = History::from_transactions([("C1", (parse("2025-01-01").unwrap(), 100.0))]);
        let d = data(csv, history, Ledger::default());
        let policy = Policy::default_policy();
        let out = evaluate(&policy, &d);
        assert_eq!(out.iter().map(|o| o.case_id).collect::<Vec<_>>(), ["K3", "K1", "K2"]);
        assert_eq!(out[1].usage, Usage::default());
        assert!(out[1].grants(), "{:?}", out[1]);
        let c1 = money::cents(out[1].cost);
        assert_eq!(out[2].usage.gestures, 1);
        assert_eq!(out[2].usage.cents, c1);
        let c2 = money::cents(out[2].cost);
        assert_eq!(out[0].usage.gestures, 1);
        assert_eq!(out[0].usage.cents, c2);
    }

    #[test]
    fn rendered_rows_are_the_outcomes_rendered() {
        // Enough rows for several runs, customers with several cases, rows
        // rejected when read (bad date) and by the policy (unknown kind).
        let mut csv = String::from("case_id,customer_id,kind,date,loss,order_value,coupon_pct\n");
        for i in 0..12_000 {
            let kind = ["late_delivery", "expired_coupon", "nope"][i % 3];
            let date = if i % 997 == 0 {
                "2026-02-30".to_string()
            } else {
                format!("2026-01-{:02}", 1 + i % 28)
            };
            csv.push_str(&format!("K{i},C{},{kind},{date},{},60,20\n", i % 3001, 1 + i % 40));
        }
        let d = data(&csv, History::default(), Ledger::default());
        let policy = Policy::default_policy();
        let out = evaluate(&policy, &d);
        let rendered = evaluate_rendered(&policy, &d, &|_| {}, crate::render::csv::row, true);
        assert_eq!(rendered.len(), out.len());
        for (i, o) in out.iter().enumerate() {
            let mut line = Vec::new();
            crate::render::csv::row(&mut line, o);
            assert_eq!(rendered.row(i), line.as_slice(), "row {i}");
        }
        assert_eq!(rendered.summary, Summary::of(&out));
        let rejected: Vec<(u64, String)> = out
            .iter()
            .filter_map(|o| o.error.clone().map(|e| (o.line, e)))
            .collect();
        assert_eq!(rendered.rejected, rejected);
        assert!(rejected.len() > 4000, "both kinds of rejection: {}", rejected.len());
        assert!(rendered.runs.len() > 3);
    }
}
