//! What a batch came to, the totals of its outcomes: over all rows and per
//! incident kind ([`Summary`]). `run` sums one per run of customers as it
//! goes and merges them; the same figures come from finished outcomes with
//! [`Summary::of`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::run::{Decision, Outcome};
use crate::money;

/// Totals for one slice of a batch (all cases, or one incident kind).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Rows.
    pub cases: u64,
    /// Rows answered with a gesture, per gesture id, in first-seen order.
    pub gestures: Vec<(String, u64)>,
    /// Rows escalated.
    pub escalations: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Sum of the recommended gestures' costs, in cents.
    pub cost_cents: i64,
    /// Sum of their LTV impacts, in cents (each rounded to cents first).
    pub impact_cents: i64,
}

impl Totals {
    fn add(&mut self, o: &Outcome<'_>) {
        self.cases += 1;
        match o.decision {
            Decision::Gesture => {
                self.count(o.gesture, 1);
                // Saturating: a policy's costs are not bounded by the inputs',
                // and a total that wrapped would turn negative.
                self.cost_cents = self.cost_cents.saturating_add(money::cents(o.cost));
                self.impact_cents = self.impact_cents.saturating_add(money::cents(o.impact));
            }
            Decision::Escalate => self.escalations += 1,
            Decision::Error => self.rejected += 1,
        }
    }

    fn merge(&mut self, other: &Totals) {
        self.cases += other.cases;
        for (gesture, n) in &other.gestures {
            self.count(gesture, *n);
        }
        self.escalations += other.escalations;
        self.rejected += other.rejected;
        self.cost_cents = self.cost_cents.saturating_add(other.cost_cents);
        self.impact_cents = self.impact_cents.saturating_add(other.impact_cents);
    }

    /// Counts `n` more rows answered with `gesture`.
    fn count(&mut self, gesture: &str, n: u64) {
        match self.gestures.iter_mut().find(|(g, _)| g == gesture) {
            Some((_, m)) => *m += n,
            None => self.gestures.push((gesture.to_string(), n)),
        }
    }

    /// Total LTV impact per unit of cost; `None` when nothing was spent.
    pub fn impact_per_cost(&self) -> Option<f64> {
        (self.cost_cents != 0).then(|| self.impact_cents as f64 / self.cost_cents as f64)
    }
}

/// What a batch came to: totals over all rows and per incident kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Every row.
    pub all: Totals,
    /// Per incident kind, in kind order (a rejected row without a kind is
    /// under ""). A map: rejected rows keep their own kinds, any number of them.
    pub kinds: BTreeMap<String, Totals>,
}

impl Summary {
    /// Sums the outcomes of a batch. Gestures are listed by how often they
    /// were chosen (most first, then by id), so the order is reproducible.
    pub fn of<'o, 'a: 'o>(outcomes: impl IntoIterator<Item = &'o Outcome<'a>>) -> Summary {
        let mut s = Summary::default();
        for o in outcomes {
            s.add(o);
        }
        s.sort();
        s
    }

    /// Counts one more outcome (in no particular order: see [`Summary::sort`]).
    pub(super) fn add(&mut self, o: &Outcome<'_>) {
        self.all.add(o);
        self.kind(o.kind).add(o);
    }

    /// Adds another summary's counts (in no particular order: see [`Summary::sort`]).
    pub(super) fn merge(&mut self, other: Summary) {
        self.all.merge(&other.all);
        for (kind, totals) in &other.kinds {
            self.kind(kind).merge(totals);
        }
    }

    /// The totals of a kind, new if need be.
    fn kind(&mut self, kind: &str) -> &mut Totals {
        if !self.kinds.contains_key(kind) {
            self.kinds.insert(kind.to_string(), Totals::default());
        }
        self.kinds.get_mut(kind).expect("inserted above")
    }

    /// Puts gestures in their reproducible order (kinds keep theirs).
    pub(super) fn sort(&mut self) {
        for t in std::iter::once(&mut self.all).chain(self.kinds.values_mut()) {
            t.gestures.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::evaluate;
    use crate::batch::tests::data;
    use crate::input::history::History;
    use crate::input::ledger::Ledger;
    use crate::policy::Policy;

    #[test]
    fn summary_counts_each_decision() {
        let csv = "case_id,customer_id,kind,date,loss\n\
                   K1,C1,late_delivery,2026-01-01,5\n\
                   K2,C1,late_delivery,2026-01-02,500\n\
                   K3,C1,nope,2026-01-03,5\n";
        let d = data(csv, History::default(), Ledger::default());
        let policy = Policy::default_policy();
        let out = evaluate(&policy, &d);
        let s = Summary::of(&out);
        assert_eq!(s.all.cases, 3);
        assert_eq!(s.all.escalations, 1);
        assert_eq!(s.all.rejected, 1);
        assert_eq!(
            s.kinds.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            ["late_delivery", "nope"]
        );
        assert_eq!(s.all.cost_cents, money::cents(out[0].cost));
    }

    #[test]
    fn totals_saturate_rather_than_wrap() {
        // Inputs are under 1e13, but a policy's cost may multiply them.
        let mut o = Outcome::example();
        o.decision = Decision::Gesture;
        o.cost = 5e16;
        o.impact = -5e16;
        let mut t = Totals::default();
        t.add(&o);
        t.add(&o);
        assert_eq!((t.cost_cents, t.impact_cents), (i64::MAX, i64::MIN));
        let mut u = t.clone();
        u.merge(&t);
        assert_eq!((u.cost_cents, u.impact_cents), (i64::MAX, i64::MIN));
    }
}
