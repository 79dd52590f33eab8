//! JSON for one case: every figure unrounded, plus the rule trace.
//!
//! The names are those of `batch`'s columns (the README's "Batch") so that a script can
//! read `recommend --format json` and a batch row the same way.

use serde_json::{Value, json};

use crate::date;
use crate::engine::{Candidate, Recommendation, boolean};
use crate::expr::Type;
use crate::input::incidents::Incident;
use crate::policy::Policy;
use crate::policy::fields::Scope;

/// The full JSON answer for a case.
pub fn case(policy: &Policy, incident: &Incident, rec: &Recommendation<'_>) -> Value {
    let f = &rec.features;
    let chosen = rec.chosen();
    json!({
        "case_id": incident.case_id,
        "customer_id": incident.customer_id,
        "kind": incident.kind,
        "date": date::format(incident.date),
        "decision": rec.decision,
        "gesture": chosen.map(|c| c.gesture),
        "label": chosen.map(|c| c.label),
        "script": chosen.and_then(|c| c.script),
        "cost": rec.cost(),
        "value": rec.value(),
        "future_value": rec.future_value,
        "horizon_months": policy.model.horizon_months,
        "p_alive": rec.p_alive,
        "churn_before": rec.churn_before(),
        "churn_after": rec.churn_after(),
        "value_at_risk": rec.value_at_risk(),
        "impact": rec.impact(),
        "rule": rec.rules.join(";"),
        "escalation": rec.escalation,
        "follow_up_by": date::format(rec.follow_up_by),
        "currency": policy.currency,
        "policy": { "name": policy.name, "version": policy.version },
        "customer": {
            "known": f.known,
            "orders": f.orders,
            "total_spend": f.total_spend,
            "avg_order_value": f.avg_order_value,
            "first_order": f.first_order.map(date::format),
            "last_order": f.last_order.map(date::format),
            "tenure_days": f.tenure_days,
            "recency_days": f.recency_days,
            "refunds": f.refunds,
            "gestures_12m": rec.gestures_12m,
            "goodwill_12m": rec.goodwill_12m,
        },
        "incident": {
            "loss": incident.loss,
            "order_value": incident.order_value,
            "severity": incident.severity,
            "channel": incident.channel,
            "extra": incident.extra.iter().map(|(k, v)| (k.clone(), extra(policy, k, v))).collect::<serde_json::Map<_, _>>(),
        },
        "recovery": rec.params,
        "options": rec.candidates.iter().map(option).collect::<Vec<_>>(),
        "trace": rec.trace,
    })
}

/// The figures of an option that has them.
pub const OPTION_FIGURES: [&str; 7] = [
    "cost",
    "value",
    "ratio",
    "effectiveness",
    "recovery",
    "churn_after",
    "impact",
];

/// One option: the figures of one that has none (not eligible, or a figure
/// unusable) are null, not a made-up 0, as the table shows `-`.
fn option(c: &Candidate<'_>) -> Value {
    let mut v = serde_json::to_value(c).expect("a candidate serializes");
    if !c.status.is_priced() {
        for figure in OPTION_FIGURES {
            v[figure] = Value::Null;
        }
    }
    v
}

/// An extra incident field as the policy reads it: a declared number is a
/// number, a bool a bool (empty is the zero value, as in the engine); a
/// date, a string or a field the policy does not declare is its text.
fn extra(policy: &Policy, name: &str, text: &str) -> Value {
    let text = crate::input::trim(text);
    let typed = match policy.attribute(Scope::Incident, name).map(|a| a.ty) {
        Some(Type::Number) if text.is_empty() => Some(Value::from(0.0)),
        Some(Type::Number) => crate::input::number(text).ok().map(Value::from),
        Some(Type::Bool) => boolean(text).map(Value::from),
        _ => None,
    };
    typed.unwrap_or_else(|| Value::from(text))
}
