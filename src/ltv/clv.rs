//! Discounted customer lifetime value from the two models (SPEC §4, `bgnbd`),
//! and the model file that carries their parameters.

use serde::{Deserialize, Serialize};

use super::{BgNbd, GammaGamma, Rfm, TimeUnit};

/// A fitted LTV model as stored in a model file (`goodwill ltv fit -o MODEL.toml`)
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LtvModel {
    /// Time unit of the BG/NBD parameters and of the summaries they apply to
    pub time_unit: TimeUnit,
    /// Purchase-count model
    pub bgnbd: BgNbd,
    /// Spend model; absent when the history carried no repeat spend
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma_gamma: Option<GammaGamma>,
}

/// Expected discounted gross margin of a customer over `horizon_months`
///
/// `margin * E[avg value] * sum over m = 1..=horizon_months of
/// (E[X(m months)] - E[X(m - 1 months)]) / (1 + monthly_rate)^m`, with
/// `monthly_rate = (1 + annual_discount_rate)^(1/12) - 1`, a month being
/// `unit.per_month()` time units and `E[X]` the BG/NBD conditional expectation,
/// as `lifetimes`' `customer_lifetime_value` computes it. `rfm` must be in
/// `unit`, the unit the BG/NBD parameters were fitted in.
pub fn clv(
    bg: &BgNbd,
    gg: &GammaGamma,
    rfm: &Rfm,
    margin: f64,
    horizon_months: u32,
    annual_discount_rate: f64,
    unit: TimeUnit,
) -> f64 {
    let Rfm {
        frequency: x,
        recency: t_x,
        t,
        monetary_value,
    } = *rfm;
    let discount = (1.0 + annual_discount_rate).powf(1.0 / 12.0);
    let mut purchases = 0.0;
    let mut factor = 1.0;
    let mut discounted = 0.0;
    for month in 1..=horizon_months {
        let so_far = bg.expected_purchases(f64::from(month) * unit.per_month(), x, t_x, t);
        factor /= discount;
        discounted += (so_far - purchases) * factor;
        purchases = so_far;
    }
    margin * gg.expected_average_value(x, monetary_value) * discounted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ltv::testdata;

    /// Parameters for which E[X(t)] has a closed form: with r = a + b - 1 the
    /// Euler-transformed 2F1 in eq. 10 is 1, so
    /// E[Y(t) | x, t_x, T] = (a + b + x - 1)/(a - 1) * t/(alpha + T + t) / (1 + K),
    /// K = a/(b + x - 1) * ((alpha + T)/(alpha + t_x))^(r + x).
    const SIMPLE: BgNbd = BgNbd {
        r: 2.0,
        alpha: 10.0,
        a: 2.0,
        b: 1.0,
    };
    const SPEND: GammaGamma = GammaGamma {
        p: 2.0,
        q: 3.0,
        v: 10.0,
    };

    #[test]
    fn hand_checked_clv() {
        // Customer: x = 2, t_x = 10, T = 20 weeks, mean repeat spend 20.
        // K = 2/2 * (30/20)^4 = 5.0625, so E[Y(t)] = 4 t / (30 + t) / 6.0625.
        //   1 month  = 4.345 weeks: E1 = 17.38 / 34.345 / 6.0625 = 0.08347079
        //   2 months = 8.69 weeks:  E2 = 34.76 / 38.69  / 6.0625 = 0.14819354
        // E[avg value] = p (v + x zbar) / (p x + q - 1) = 2 * 50 / 6 = 16.666667
        // An annual rate of 1.01^12 - 1 makes the monthly rate exactly 1%:
        //   sum = E1 / 1.01 + (E2 - E1) / 1.0201
        //       = 0.08264434 + 0.06344747 = 0.14609181
        // clv = 0.3 * 16.666667 * 0.14609181 = 0.73045904
        let rfm = Rfm {
            frequency: 2.0,
            recency: 10.0,
            t: 20.0,
            monetary_value: 20.0,
        };
        let annual = 1.01_f64.powi(12) - 1.0;
        let e1 = 4.0 * 4.345 / 34.345 / 6.0625;
        let e2 = 4.0 * 8.69 / 38.69 / 6.0625;
        assert!((SIMPLE.expected_purchases(4.345, 2.0, 10.0, 20.0) - e1).abs() < 1e-14);
        assert!((SIMPLE.expected_purchases(8.69, 2.0, 10.0, 20.0) - e2).abs() < 1e-14);
        let want = 0.3 * (100.0 / 6.0) * (e1 / 1.01 + (e2 - e1) / 1.0201);
        let got = clv(&SIMPLE, &SPEND, &rfm, 0.3, 2, annual, TimeUnit::Weeks);
        assert!((got - want).abs() < 1e-13, "{got} vs {want}");
        assert!((got - 0.730_459_04).abs() < 1e-8, "{got}");
    }

    #[test]
    fn a_new_customer_in_days_uses_the_population_mean() {
        // x = 0, T = 0: E[X(t)] = (a + b - 1)/(a - 1) * t/(alpha + t) = 2 t / (10 + t)
        let rfm = Rfm {
            frequency: 0.0,
            recency: 0.0,
            t: 0.0,
            monetary_value: 0.0,
        };
        let e1 = 2.0 * 30.0 / 40.0;
        let want = 0.5 * SPEND.population_mean() * e1; // one month, no discounting
        let got = clv(&SIMPLE, &SPEND, &rfm, 0.5, 1, 0.0, TimeUnit::Days);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert_eq!(clv(&SIMPLE, &SPEND, &rfm, 0.5, 0, 0.1, TimeUnit::Days), 0.0);
    }

    #[test]
    fn finite_for_every_cdnow_customer() {
        let bg = BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        };
        let gg = GammaGamma {
            p: 6.25,
            q: 3.74,
            v: 15.44,
        };
        for row in testdata::cdnow_summary_with_transactions() {
            let value = clv(&bg, &gg, &row.rfm, 0.3, 36, 0.1, TimeUnit::Weeks);
            assert!(value.is_finite() && value >= 0.0, "customer {}: {value}", row.id);
        }
        let heavy = Rfm {
            frequency: 1000.0,
            recency: 38.8,
            t: 38.86,
            monetary_value: 12.0,
        };
        let value = clv(&bg, &gg, &heavy, 0.3, 120, 0.1, TimeUnit::Weeks);
        assert!(value.is_finite() && value > 0.0, "{value}");
    }

    #[test]
    fn model_file_round_trips_through_toml() {
        let model = LtvModel {
            time_unit: TimeUnit::Weeks,
            bgnbd: BgNbd {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            },
            gamma_gamma: Some(GammaGamma {
                p: 6.25,
                q: 3.74,
                v: 15.44,
            }),
        };
        let text = toml::to_string(&model).expect("serialises");
        assert!(text.contains("time_unit = \"weeks\""), "{text}");
        assert_eq!(toml::from_str::<LtvModel>(&text).expect("parses"), model);
        let bare = LtvModel {
            gamma_gamma: None,
            ..model
        };
        let text = toml::to_string(&bare).expect("serialises");
        assert!(!text.contains("gamma_gamma"), "{text}");
        assert_eq!(toml::from_str::<LtvModel>(&text).expect("parses"), bare);
    }
}
