//! The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers
//! the easy way": how many purchases a customer will make, and whether they
//! are still a customer at all.
//!
//! While alive, a customer buys at a Poisson rate lambda ~ Gamma(r, alpha);
//! after each repeat purchase they drop out for good with probability
//! p ~ Beta(a, b). A customer is summarised by `x` repeat purchases, the time
//! `t_x` of the last one and the time `t` (the paper's T) since the first, all
//! measured from the first purchase in the model's time unit; `x` is a count
//! (a whole number), as the formulas assume.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use super::hyp2f1::ln_hyp2f1;

/// Fitted BG/NBD parameters: purchase rate ~ Gamma(r, alpha), dropout ~ Beta(a, b)
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// Shape of the purchase-rate distribution
    pub r: f64,
    /// Scale of the purchase-rate distribution, in the model's time unit
    pub alpha: f64,
    /// First shape of the dropout-probability distribution
    pub a: f64,
    /// Second shape of the dropout-probability distribution
    pub b: f64,
}

/// Below this distance from 1, `a` is nudged to either side, because the
/// closed form divides 0 by 0 at a = 1 although the expectation is smooth there.
const A_NEAR_ONE: f64 = 1e-5;

impl BgNbd {
    /// ln L(r, alpha, a, b | x, t_x, T) for one customer (FHL 2005)
    ///
    /// The two terms of the likelihood are added in log space, as they
    /// under- or overflow separately for frequent customers.
    pub fn log_likelihood(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let shared = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x)
            - ln_gamma(b)
            - ln_gamma(a + b + x);
        let alive = -(r + x) * (alpha + t).ln();
        if x > 0.0 {
            let dropped = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + t_x).ln();
            shared + log_add_exp(alive, dropped)
        } else {
            shared + alive
        }
    }

    /// Probability that the customer is still alive at `t`
    /// (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model")
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        (-softplus(self.ln_dropout_odds(x, t_x, t))).exp()
    }

    /// Conditional expected purchases in (T, T + horizon], `E[Y(horizon) | x, t_x, T]`
    /// (FHL 2005, eq. 10); 0 for a horizon that is not positive
    pub fn expected_purchases(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> f64 {
        if horizon <= 0.0 {
            return 0.0;
        }
        non_negative(self.near_one(|a| self.purchase_factor(a, horizon, x, t) * self.alive_factor(a, x, t_x, t)))
    }

    /// The values of `a` at which [`Self::near_one`] calls eq. 10, in call order
    pub(crate) fn a_points(&self) -> Vec<f64> {
        if (self.a - 1.0).abs() >= A_NEAR_ONE {
            vec![self.a]
        } else {
            vec![1.0 - A_NEAR_ONE, 1.0 + A_NEAR_ONE]
        }
    }

    /// `eq10(a)` at `a`, or interpolated across a = 1, where the closed form is 0/0
    pub(crate) fn near_one(&self, eq10: impl Fn(f64) -> f64) -> f64 {
        let gap = self.a - 1.0;
        if gap.abs() >= A_NEAR_ONE {
            return eq10(self.a);
        }
        // Linear interpolation between a = 1 -/+ A_NEAR_ONE: the error is of
        // order A_NEAR_ONE^2, far below the cancellation right next to a = 1.
        let below = eq10(1.0 - A_NEAR_ONE);
        let above = eq10(1.0 + A_NEAR_ONE);
        below + (above - below) * (gap + A_NEAR_ONE) / (2.0 * A_NEAR_ONE)
    }

    /// Expected purchases of a new customer in their first `horizon`, `E[X(horizon)]` (FHL 2005)
    pub fn unconditional_expected(&self, horizon: f64) -> f64 {
        // E[X(t)] is eq. 10 for a customer observed for no time at all.
        self.expected_purchases(horizon, 0.0, 0.0, 0.0)
    }

    /// ln of the odds that the customer has already dropped out; -inf without repeat purchases
    fn ln_dropout_odds(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if x <= 0.0 {
            return f64::NEG_INFINITY;
        }
        let BgNbd { r, alpha, a, b } = *self;
        // ln((alpha + T) / (alpha + t_x)) through ln_1p keeps recent buyers exact.
        let ln_gap = ((t - t_x) / (alpha + t_x)).ln_1p();
        a.ln() - (b + x - 1.0).ln() + (r + x) * ln_gap
    }

    /// Eq. 10 is the product of this factor, which holds the 2F1 and does not
    /// depend on `t_x`, and [`Self::alive_factor`], which does not depend on
    /// the horizon: customers who share `(x, T)` share the expensive half
    /// (`score` relies on it). `a` is the model's, or one side of a = 1.
    pub(crate) fn purchase_factor(&self, a: f64, horizon: f64, x: f64, t: f64) -> f64 {
        let BgNbd { r, alpha, b, .. } = *self;
        let z = horizon / (alpha + t + horizon);
        // (1 - z)^(r + x) 2F1(r + x, b + x; a + b + x - 1; z), in logs
        let ln_one_minus_z = -(horizon / (alpha + t)).ln_1p();
        let f = ln_hyp2f1(r + x, b + x, a + b + x - 1.0, z);
        let ln_g = (r + x) * ln_one_minus_z + f.ln_abs;
        let one_minus_g = if f.sign > 0.0 { -ln_g.exp_m1() } else { 1.0 + ln_g.exp() };
        (a + b + x - 1.0) / (a - 1.0) * one_minus_g
    }

    /// The P(alive) factor of eq. 10, with `a` as in [`Self::purchase_factor`]
    pub(crate) fn alive_factor(&self, a: f64, x: f64, t_x: f64, t: f64) -> f64 {
        (-softplus(BgNbd { a, ..*self }.ln_dropout_odds(x, t_x, t))).exp()
    }
}

/// `v`, or 0 for a negative `v`: the rounding left of a count that cannot be
/// negative, where the terms of eq. 10 all but cancel (r = 1e-300 gave a
/// one-time buyer -8e-15 purchases); NaN stays NaN
pub(crate) fn non_negative(v: f64) -> f64 {
    if v < 0.0 { 0.0 } else { v }
}

/// ln(e^u + e^v) without overflow
pub(crate) fn log_add_exp(u: f64, v: f64) -> f64 {
    let (hi, lo) = if u >= v { (u, v) } else { (v, u) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// ln(1 + e^u) without overflow
pub(crate) fn softplus(u: f64) -> f64 {
    u.max(0.0) + (-u.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ltv::testdata;
    use proptest::prelude::*;

    use crate::ltv::testdata::PUBLISHED_BGNBD as PUBLISHED;

    #[test]
    fn worked_example_with_published_parameters() {
        // The paper's customer: 2 repeat purchases, the last at 30.43 weeks,
        // observed for 38.86 weeks, expects 1.226 purchases in the next 39.
        let e = PUBLISHED.expected_purchases(39.0, 2.0, 30.43, 38.86);
        assert!((e - 1.226).abs() < 5e-4, "{e}");
    }

    /// Reference values from mpmath 1.3 with 40 digits, straight from eq. 10
    /// (no log-space tricks), for customers whose 2F1 overflows f64.
    #[test]
    fn matches_high_precision_for_frequent_customers() {
        let cases = [
            (39.0, 1000.0, 38.86, 38.86, 687.098_124_340_480_4),
            (39.0, 1000.0, 38.8, 38.86, 685.467_709_843_748_7),
            (39.0, 1000.0, 38.0, 38.86, 0.001_654_931_560_039_309_3),
            (39.0, 1000.0, 30.0, 38.86, 2.646_337_962_896_219e-94),
            (1.0, 300.0, 100.0, 100.0, 2.857_201_442_557_344_6),
            (39.0, 2.0, 30.43, 38.86, 1.226_028_174_767_144_5),
            (500.0, 0.0, 0.0, 0.01, 4.882_894_678_054_257),
        ];
        for (h, x, t_x, t, want) in cases {
            let got = PUBLISHED.expected_purchases(h, x, t_x, t);
            assert!(
                (got - want).abs() <= 1e-10 * want,
                "E[Y({h}) | {x}, {t_x}, {t}] = {got:e}, want {want:e}"
            );
        }
    }

    #[test]
    fn log_likelihood_matches_the_closed_form() {
        // x = 0: ln[B(a, b) / B(a, b) * alpha^r / (alpha + T)^r]
        let m = PUBLISHED;
        let want = m.r * (m.alpha / (m.alpha + 38.86)).ln();
        assert!((m.log_likelihood(0.0, 0.0, 38.86) - want).abs() < 1e-12);
        // x = 1: both terms by hand, in plain arithmetic
        let (t_x, t) = (10.0, 30.0);
        let beta = |p: f64, q: f64| (ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q)).exp();
        let g = |v: f64| ln_gamma(v).exp();
        let plain = beta(m.a, m.b + 1.0) / beta(m.a, m.b) * g(m.r + 1.0) * m.alpha.powf(m.r) / g(m.r)
            * ((m.alpha + t).powf(-(m.r + 1.0)) + m.a / m.b * (m.alpha + t_x).powf(-(m.r + 1.0)));
        assert!((m.log_likelihood(1.0, t_x, t) - plain.ln()).abs() < 1e-12);
    }

    #[test]
    fn unconditional_expectation_has_the_papers_shape() {
        // E[X(t)] for a new customer: 0 at 0, rising, and as in FHL 2005
        let m = PUBLISHED;
        assert_eq!(m.unconditional_expected(0.0), 0.0);
        let e39 = m.unconditional_expected(39.0);
        let e78 = m.unconditional_expected(78.0);
        assert!(0.0 < e39 && e39 < e78, "{e39} {e78}");
        // mpmath: (a+b-1)/(a-1) * (1 - (alpha/(alpha+t))^r * hyp2f1(r, b, a+b-1, t/(alpha+t)))
        assert!((e39 - 1.196_723_193_320_817).abs() < 1e-12, "{e39}");
    }

    #[test]
    fn a_equal_to_one_is_the_limit() {
        // Eq. 10 is 0/0 at a = 1. Reference: mpmath with 60 digits at
        // a = 1 -/+ 1e-30, which agree to 20 digits.
        let at = |a: f64| BgNbd { a, ..PUBLISHED }.expected_purchases(39.0, 3.0, 20.0, 38.0);
        let limit = 0.993_423_279_332_977_8;
        assert!((at(1.0) - limit).abs() < 1e-9 * limit, "{}", at(1.0));
        // Either side of the interpolated band the closed form takes over
        // without a jump: E is smooth in a, so points on both sides lie on
        // one straight line to within the curvature over 4e-5.
        let (lo, hi) = (at(1.0 - 2e-5), at(1.0 + 2e-5));
        for a in [1.0 - 1.1e-5, 1.0 - 3e-6, 1.0 + 3e-6, 1.0 + 1.1e-5] {
            let line = lo + (hi - lo) * (a - (1.0 - 2e-5)) / 4e-5;
            assert!((at(a) - line).abs() < 1e-9 * line, "a = {a}: {} vs {line}", at(a));
        }
    }

    #[test]
    fn p_alive_edges() {
        let m = PUBLISHED;
        assert_eq!(m.p_alive(0.0, 0.0, 38.86), 1.0);
        // bought at the very end of observation: only the dropout odds a / (b + x - 1)
        let at_end = m.p_alive(3.0, 38.86, 38.86);
        assert!((at_end - 1.0 / (1.0 + m.a / (m.b + 2.0))).abs() < 1e-15);
        // a thousand purchases long ago: surely gone, and no NaN
        assert_eq!(m.p_alive(1000.0, 1.0, 38.86), 0.0);
    }

    #[test]
    fn every_cdnow_customer_and_synthetic_extremes_are_finite() {
        let m = PUBLISHED;
        let mut customers: Vec<(f64, f64, f64)> = testdata::cdnow_summary()
            .iter()
            .map(|row| (row.rfm.frequency, row.rfm.recency, row.rfm.t))
            .collect();
        for x in [1.0, 10.0, 100.0, 1000.0] {
            for t in [1e-6, 0.01, 1.0, 38.86, 1e4, 1e6] {
                for t_x in [0.0, t * 1e-6, t * 0.5, t * (1.0 - 1e-9), t] {
                    customers.push((x, t_x, t));
                }
            }
            customers.push((0.0, 0.0, 0.0));
        }
        for (x, t_x, t) in customers {
            let p = m.p_alive(x, t_x, t);
            assert!((0.0..=1.0).contains(&p), "p_alive({x}, {t_x}, {t}) = {p}");
            for h in [1e-6, 39.0, 520.0] {
                let e = m.expected_purchases(h, x, t_x, t);
                assert!(e.is_finite() && e >= 0.0, "E[Y({h}) | {x}, {t_x}, {t}] = {e}");
            }
            // A density, not a probability: it may exceed 1 for tiny T.
            let ll = m.log_likelihood(x, t_x, t);
            assert!(ll.is_finite(), "ll({x}, {t_x}, {t}) = {ll}");
        }
    }

    fn model() -> impl Strategy<Value = BgNbd> {
        (0.01..20.0_f64, 0.1..100.0_f64, 0.05..10.0_f64, 0.05..20.0_f64).prop_map(|(r, alpha, a, b)| BgNbd {
            r,
            alpha,
            a,
            b,
        })
    }

    fn customer() -> impl Strategy<Value = (f64, f64, f64)> {
        (0u32..300, 0.0..1.0_f64, 0.01..500.0_f64).prop_map(|(x, share, t)| {
            let x = f64::from(x);
            (x, if x > 0.0 { share * t } else { 0.0 }, t)
        })
    }

    proptest! {
        #[test]
        fn p_alive_is_a_probability(m in model(), (x, t_x, t) in customer()) {
            let p = m.p_alive(x, t_x, t);
            prop_assert!((0.0..=1.0).contains(&p), "{p}");
        }

        #[test]
        fn expected_purchases_grow_with_the_horizon(
            m in model(),
            (x, t_x, t) in customer(),
            h in 0.0..300.0_f64,
            extra in 0.0..300.0_f64,
        ) {
            let near = m.expected_purchases(h, x, t_x, t);
            let far = m.expected_purchases(h + extra, x, t_x, t);
            prop_assert!(near.is_finite() && far.is_finite(), "{near} {far}");
            prop_assert!(near >= 0.0, "{near}");
            prop_assert!(far >= near * (1.0 - 1e-9) - 1e-12, "{near} > {far}");
        }
    }
}
