//! Invariants of the model, over many random cases (proptest).

use goodwill::date;
use goodwill::engine::{Customer, Engine, Status};
use goodwill::input::history::History;
use goodwill::input::incidents::Incident;
use goodwill::input::ledger::Usage;
use goodwill::policy::load_str;
use goodwill::recovery::{Curve, Params};
use proptest::prelude::*;

fn params(curve: Curve, unresolved: f64, resolved_share: f64, apology: f64) -> Params {
    Params {
        churn_unresolved: unresolved,
        churn_resolved: unresolved * resolved_share,
        apology_recovery: apology,
        curve,
        full_recovery_at: 1.0,
        midpoint: 0.85,
        steepness: 7.0,
        scale: 0.4,
        overcompensation_penalty: 0.0,
        spend_uplift_resolved: 0.0,
        referral_value: 0.0,
        wom_positive: 0.0,
        wom_negative: 0.0,
        tie_tolerance: 0.0,
    }
}

fn curve() -> impl Strategy<Value = Curve> {
    prop_oneof![Just(Curve::Linear), Just(Curve::Logistic), Just(Curve::Concave)]
}

proptest! {
    /// More compensation never lowers retention (without an over-compensation
    /// penalty, which exists precisely to make it do so past 150%).
    #[test]
    fn more_compensation_never_lowers_retention(
        curve in curve(),
        unresolved in 0.0..=1.0f64,
        resolved_share in 0.0..=1.0f64,
        apology in 0.0..=1.0f64,
        effectiveness in 0.0..=1.0f64,
        loss in 0.01..1000.0f64,
        v1 in 0.0..2000.0f64,
        extra in 0.0..2000.0f64,
        fv in 0.0..10_000.0f64,
    ) {
        let p = params(curve, unresolved, resolved_share, apology);
        let q1 = p.recovery(effectiveness, Params::ratio(v1, loss));
        let q2 = p.recovery(effectiveness, Params::ratio(v1 + extra, loss));
        prop_assert!(q2 >= q1 - 1e-12);
        prop_assert!((0.0..=1.0 + 1e-12).contains(&q1));
        prop_assert!(p.churn(q2) <= p.churn(q1) + 1e-12);
        prop_assert!(p.expected_value(q2, fv) >= p.expected_value(q1, fv) - 1e-9);
        // Doing something is never worse for retention than doing nothing.
        prop_assert!(p.churn(q1) <= p.churn(0.0) + 1e-12);
    }

    /// The response stays in [0, 1] whatever the penalty.
    #[test]
    fn response_is_a_share(curve in curve(), c in 0.0..100.0f64, penalty in 0.0..5.0f64) {
        let mut p = params(curve, 0.5, 0.1, 0.1);
        p.overcompensation_penalty = penalty;
        let r = p.response(c);
        prop_assert!((0.0..=1.0).contains(&r));
    }

    /// Rounding to cents is half away from zero on the decimal written.
    #[test]
    fn cents_are_within_half_a_cent(cents in -10_000_000i64..10_000_000, frac in 0u8..10) {
        let x = cents as f64 / 100.0 + f64::from(frac) / 1000.0 * cents.signum() as f64;
        let c = goodwill::money::cents(x);
        prop_assert!((c as f64 - x * 100.0).abs() <= 0.5 + 1e-6);
    }
}

const CAPPED: &str = r#"
[limits]
max_cost_per_case = 60
max_cost_per_customer_12m = 100
max_gestures_per_customer_12m = 3
[[gesture]]
id = "a"
label = "A"
cost = "incident.order_value * 0.37"
[[gesture]]
id = "b"
label = "B"
cost = "incident.loss * 1.2"
[[gesture]]
id = "c"
label = "C"
cost = 45.5
[[rule]]
id = "all"
offer = ["a", "b", "c"]
"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the case and the customer's past goodwill, the recommendation
    /// never breaks a limit, and every candidate that does is marked so.
    #[test]
    fn caps_are_never_exceeded(
        loss in 0.0..200.0f64,
        order_value in 0.0..400.0f64,
        used_cents in 0i64..15_000,
        used_count in 0u32..5,
        orders in 0usize..20,
    ) {
        let (policy, _) = load_str(CAPPED, "capped.toml", None).unwrap();
        let engine = Engine::new(&policy, None);
        let start = date::parse("2024-01-01").unwrap();
        let history = History::from_transactions((0..orders).map(|i| ("C1", (start + 30 * i as i32, 50.0))));
        let incident = Incident::from_fields(
            [("case_id", "K"), ("customer_id", "C1"), ("kind", "k"), ("date", "2026-01-01"),
             ("loss", &format!("{loss:.2}")), ("order_value", &format!("{order_value:.2}"))],
            0,
        ).unwrap();
        let usage = Usage { gestures: used_count, cents: used_cents };
        let customer = Customer { transactions: history.transactions("C1"), record: None, usage };
        let rec = engine.recommend(&incident, &customer, &mut engine.values()).unwrap();
        let chosen = rec.chosen().unwrap();
        let cost = goodwill::money::cents(chosen.cost);
        if chosen.gesture != "apology" {
            prop_assert!(cost <= 6000);
            prop_assert!(used_cents + cost <= 10_000);
            prop_assert!(used_count < 3);
        }
        for c in &rec.candidates {
            let cents = goodwill::money::cents(c.cost);
            if c.status.is_eligible() && c.gesture != "apology" {
                prop_assert!(cents <= 6000 && used_cents + cents <= 10_000 && used_count < 3);
            }
            if c.status == Status::OverCaseLimit {
                prop_assert!(cents > 6000);
            }
        }
    }
}
