//! The recovery model of the README's "The model": what a gesture buys back.
//!
//! A gesture of perceived value `V` against a loss `L` has a compensation
//! ratio `c`; a response curve turns `c` into a recovery `q` in [0, 1]; `q`
//! moves churn from its unresolved level towards its resolved level; and the
//! customer's expected value follows. The LTV impact of a gesture is that
//! expected value against doing nothing, less the gesture's cost. Everything
//! here is a pure function of numbers, so every figure goodwill prints can be
//! recomputed by hand from these few lines.

use serde::Serialize;

/// The shape of the response to compensation (the README's "The model").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Curve {
    /// Recovery grows in proportion to the ratio until `full_recovery_at`.
    Linear,
    /// The S-shape found when the customer rejected the flawed service.
    Logistic,
    /// Diminishing returns: the customer used the flawed service.
    Concave,
}

impl Curve {
    /// Every curve, in the order [`Curve::NAMES`] names them.
    const ALL: [Curve; 3] = [Curve::Linear, Curve::Logistic, Curve::Concave];

    /// The names a policy may use.
    pub const NAMES: [&'static str; 3] = ["linear", "logistic", "concave"];

    /// The curve named in a policy.
    pub fn parse(name: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The name a policy gives this curve.
    pub fn name(self) -> &'static str {
        Curve::NAMES[self as usize]
    }
}

/// The recovery parameters of one case, every expression already evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Params {
    /// P(customer leaves) if nothing is done.
    pub churn_unresolved: f64,
    /// P(customer leaves) after a full recovery.
    pub churn_resolved: f64,
    /// The recovery an apology alone buys.
    pub apology_recovery: f64,
    /// The response curve.
    pub curve: Curve,
    /// Linear: the compensation ratio that fully recovers.
    pub full_recovery_at: f64,
    /// Logistic: the ratio at half recovery.
    pub midpoint: f64,
    /// Logistic: how sharp the S is.
    pub steepness: f64,
    /// Concave: the ratio scale of the diminishing returns.
    pub scale: f64,
    /// Recovery lost per +0.5 of ratio beyond 1.5.
    pub overcompensation_penalty: f64,
    /// Extra spend of a recovered customer, as a share.
    pub spend_uplift_resolved: f64,
    /// The value of one word-of-mouth mention.
    pub referral_value: f64,
    /// Mentions by a satisfied customer.
    pub wom_positive: f64,
    /// Mentions by a dissatisfied customer.
    pub wom_negative: f64,
    /// Prefer a cheaper gesture within this share of the best impact.
    pub tie_tolerance: f64,
}

/// The ratio beyond which over-compensation starts to cost recovery.
const OVERCOMPENSATION_FROM: f64 = 1.5;

impl Params {
    /// The compensation ratio `c = V / L`; with no loss, 1 for any value and 0 for none.
    pub fn ratio(value: f64, loss: f64) -> f64 {
        if loss > 0.0 {
            value / loss
        } else if value > 0.0 {
            1.0
        } else {
            0.0
        }
    }

    /// The response curve `R(c)`, over-compensation penalty included, in [0, 1].
    pub fn response(&self, c: f64) -> f64 {
        let raw = match self.curve {
            Curve::Linear => (c / self.full_recovery_at).min(1.0),
            Curve::Logistic => 1.0 / (1.0 + (-self.steepness * (c - self.midpoint)).exp()),
            Curve::Concave => 1.0 - (-c / self.scale).exp(),
        };
        // With no penalty, none: `0 * inf` is NaN when a tiny loss makes the ratio infinite.
        let penalty = if c > OVERCOMPENSATION_FROM && self.overcompensation_penalty > 0.0 {
            self.overcompensation_penalty * (c - OVERCOMPENSATION_FROM) / 0.5
        } else {
            0.0
        };
        (raw - penalty).clamp(0.0, 1.0)
    }

    /// The recovery `q` a gesture of this effectiveness and ratio buys.
    pub fn recovery(&self, effectiveness: f64, c: f64) -> f64 {
        self.apology_recovery + (1.0 - self.apology_recovery) * effectiveness * self.response(c)
    }

    /// P(customer leaves) at recovery `q`.
    pub fn churn(&self, q: f64) -> f64 {
        self.churn_unresolved - q * (self.churn_unresolved - self.churn_resolved)
    }

    /// The customer's expected value at recovery `q`, given their future value.
    pub fn expected_value(&self, q: f64, future_value: f64) -> f64 {
        (1.0 - self.churn(q)) * future_value * (1.0 + q * self.spend_uplift_resolved)
            + self.referral_value * (q * self.wom_positive - (1.0 - q) * self.wom_negative)
    }

    /// The LTV impact of a gesture: expected value at `q` against doing nothing, less its cost.
    pub fn impact(&self, q: f64, future_value: f64, cost: f64) -> f64 {
        self.expected_value(q, future_value) - self.expected_value(0.0, future_value) - cost
    }

    /// The value lost in expectation if nothing is done.
    pub fn value_at_risk(&self, future_value: f64) -> f64 {
        self.churn_unresolved * future_value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_curve_is_parsed_from_its_own_name() {
        for (curve, name) in Curve::ALL.into_iter().zip(Curve::NAMES) {
            assert_eq!(curve.name(), name);
            assert_eq!(Curve::parse(name), Some(curve));
        }
        assert_eq!(Curve::parse("Linear"), None);
    }

    /// A value over a loss so small that `V / L` is infinite (`--loss 1e-308`)
    /// fully recovers on every curve, less a penalty when there is one:
    /// NaN would drop the gesture from the choice without a word.
    #[test]
    fn an_infinite_ratio_gives_a_recovery_not_nan() {
        let c = Params::ratio(5.0, 1e-308);
        assert_eq!(c, f64::INFINITY);
        for curve in Curve::ALL {
            let p = Params { curve, ..tarp_small() };
            assert_eq!(p.response(c), 1.0, "{curve:?}");
            assert_eq!(p.recovery(1.0, c), 1.0, "{curve:?}");
            let penalised = Params {
                overcompensation_penalty: 0.1,
                ..p
            };
            assert_eq!(penalised.response(c), 0.0, "{curve:?}");
        }
    }

    pub(crate) fn tarp_small() -> Params {
        Params {
            churn_unresolved: 0.54,
            churn_resolved: 0.05,
            apology_recovery: 0.10,
            curve: Curve::Linear,
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

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn ratio_handles_no_loss() {
        close(Params::ratio(12.0, 24.0), 0.5);
        close(Params::ratio(5.0, 0.0), 1.0);
        close(Params::ratio(0.0, 0.0), 0.0);
        close(Params::ratio(0.0, 10.0), 0.0);
    }

    #[test]
    fn linear_curve_by_hand() {
        let p = tarp_small();
        // c = 0.5: R = 0.5; q = 0.1 + 0.9 * 0.5 = 0.55;
        // churn = 0.54 - 0.55 * (0.54 - 0.05) = 0.54 - 0.2695 = 0.2705.
        close(p.response(0.5), 0.5);
        close(p.recovery(1.0, 0.5), 0.55);
        close(p.churn(0.55), 0.2705);
        // FV = 1000: E(q) = (1 - 0.2705) * 1000 = 729.5; E(0) = 460; impact(cost 20) = 249.5.
        close(p.expected_value(0.55, 1000.0), 729.5);
        close(p.impact(0.55, 1000.0, 20.0), 249.5);
        close(p.response(3.0), 1.0);
        close(p.value_at_risk(1000.0), 540.0);
        // Full recovery only at twice the loss: R(0.5) = 0.5 / 2, R(2.5) = 1.
        let p = Params {
            full_recovery_at: 2.0,
            ..p
        };
        close(p.response(0.5), 0.25);
        close(p.response(2.5), 1.0);
    }

    #[test]
    fn logistic_and_concave_by_hand() {
        let mut p = tarp_small();
        p.curve = Curve::Logistic;
        // R(0.85) = 1 / (1 + e^0) = 0.5; R(1.35) = 1 / (1 + e^-3.5).
        close(p.response(0.85), 0.5);
        close(p.response(1.35), 1.0 / (1.0 + (-3.5f64).exp()));
        p.curve = Curve::Concave;
        // R(0.4) = 1 - e^-1.
        close(p.response(0.4), 1.0 - (-1.0f64).exp());
    }

    #[test]
    fn overcompensation_penalty_floors_at_zero() {
        let mut p = tarp_small();
        p.overcompensation_penalty = 0.2;
        // c = 2.5: 1 - 0.2 * (2.5 - 1.5) / 0.5 = 0.6.
        close(p.response(2.5), 0.6);
        close(p.response(1.5), 1.0);
        close(p.response(10.0), 0.0);
    }

    #[test]
    fn word_of_mouth_and_uplift() {
        let mut p = tarp_small();
        p.spend_uplift_resolved = 0.1;
        p.referral_value = 20.0;
        p.wom_positive = 4.0;
        p.wom_negative = 9.0;
        // q = 1: (1 - 0.05) * 100 * 1.1 + 20 * 4 = 104.5 + 80 = 184.5.
        close(p.expected_value(1.0, 100.0), 184.5);
        // q = 0: 0.46 * 100 - 20 * 9 = 46 - 180 = -134.
        close(p.expected_value(0.0, 100.0), -134.0);
    }

    #[test]
    fn apology_alone_and_nothing() {
        let p = tarp_small();
        close(p.recovery(1.0, 0.0), 0.1);
        close(p.recovery(0.0, 5.0), 0.1);
        close(p.churn(0.0), 0.54);
        close(p.churn(1.0), 0.05);
    }
}
