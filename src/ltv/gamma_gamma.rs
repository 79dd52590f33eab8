//! The Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The
//! Gamma-Gamma model of monetary value").
//!
//! Each transaction's value is Gamma(p, nu) around a customer's own mean, and
//! nu ~ Gamma(q, v) across customers. A customer with few purchases is shrunk
//! towards the population mean; one with many keeps close to their own average.
//! The model assumes spend is independent of purchase frequency.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

/// Fitted Gamma-Gamma parameters (the paper's p, q and gamma)
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// Shape of a transaction's value around the customer's mean
    pub p: f64,
    /// Shape of the distribution of customers' rate parameters
    pub q: f64,
    /// Scale of the distribution of customers' rate parameters (the paper's gamma)
    pub v: f64,
}

impl GammaGamma {
    /// ln-likelihood of a customer's mean spend `mean_value` over `x` repeat purchases
    ///
    /// The density of the mean, as `lifetimes` computes it; 0 when `x` is 0,
    /// because no repeat spend was observed.
    pub fn log_likelihood(&self, x: f64, mean_value: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let GammaGamma { p, q, v } = *self;
        let px = p * x;
        ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + (px - 1.0) * mean_value.ln() + px * x.ln()
            - (px + q) * (x * mean_value + v).ln()
    }

    /// Expected spend per transaction of a customer with `x` repeat purchases
    /// averaging `mean_value`
    ///
    /// A weighted average of the population mean and the customer's own mean;
    /// with `x` = 0 it is the population mean.
    pub fn expected_average_value(&self, x: f64, mean_value: f64) -> f64 {
        if x <= 0.0 {
            return self.population_mean();
        }
        let GammaGamma { p, q, v } = *self;
        p * (v + x * mean_value) / (p * x + q - 1.0)
    }

    /// Mean spend per transaction across all customers, p v / (q - 1)
    ///
    /// Infinite when q <= 1: the spend distribution then has no mean.
    pub fn population_mean(&self) -> f64 {
        if self.q <= 1.0 {
            return f64::INFINITY;
        }
        self.p * self.v / (self.q - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ltv::testdata::PUBLISHED_GAMMA_GAMMA as PUBLISHED;

    #[test]
    fn population_mean_is_p_v_over_q_minus_1() {
        let m = PUBLISHED;
        assert!((m.population_mean() - 6.25 * 15.44 / 2.74).abs() < 1e-12);
        assert_eq!(m.expected_average_value(0.0, 0.0), m.population_mean());
        assert_eq!(m.expected_average_value(0.0, 99.0), m.population_mean());
        assert_eq!(GammaGamma { q: 1.0, ..m }.population_mean(), f64::INFINITY);
    }

    #[test]
    fn conditional_mean_matches_the_paper_form() {
        // (p (v + x zbar)) / (p x + q - 1), Fader & Hardie 2013, eq. 5
        let m = PUBLISHED;
        for (x, zbar) in [(1.0, 10.0), (2.0, 22.35), (20.0, 300.0)] {
            let want = m.p * (m.v + x * zbar) / (m.p * x + m.q - 1.0);
            let got = m.expected_average_value(x, zbar);
            assert!((got - want).abs() < 1e-12 * want, "{got} vs {want}");
        }
        // many purchases: close to the customer's own mean
        let heavy = m.expected_average_value(10_000.0, 50.0);
        assert!((heavy - 50.0).abs() < 0.01, "{heavy}");
    }

    #[test]
    fn log_likelihood_is_the_density_of_the_mean() {
        // For x = 1 the mean is one Gamma(p, nu) draw with nu ~ Gamma(q, v):
        // f(z) = Gamma(p + q) / (Gamma(p) Gamma(q)) v^q z^(p-1) / (v + z)^(p+q)
        let m = PUBLISHED;
        let z: f64 = 17.5;
        let want = ln_gamma(m.p + m.q) - ln_gamma(m.p) - ln_gamma(m.q) + m.q * m.v.ln() + (m.p - 1.0) * z.ln()
            - (m.p + m.q) * (m.v + z).ln();
        assert!((m.log_likelihood(1.0, z) - want).abs() < 1e-12);
        assert_eq!(m.log_likelihood(0.0, 0.0), 0.0);
        // It integrates to 1 over the mean for x = 3 (trapezoid rule).
        let step = 0.01;
        let total: f64 = (1..200_000)
            .map(|i| (m.log_likelihood(3.0, f64::from(i) * step)).exp() * step)
            .sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
    }
}
