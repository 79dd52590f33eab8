//! Discounted customer lifetime value from the two models (the README's "The model", `bgnbd`),
//! and the model file that carries their parameters.

use serde::{Deserialize, Serialize};

use super::{BgNbd, GammaGamma, Rfm, TimeUnit};

/// A fitted LTV model as stored in a model file (`goodwill ltv fit -o MODEL.toml`),
/// read back with [`LtvModel::from_toml`]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LtvModel {
    /// Time unit of the BG/NBD parameters and of the summaries they apply to
    pub time_unit: TimeUnit,
    /// Purchase-count model
    pub bgnbd: BgNbd,
    /// Spend model; absent when the history carried no repeat spend
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma_gamma: Option<GammaGamma>,
}

impl LtvModel {
    /// Reads a model file's text, refusing parameters the models are not
    /// defined for (not positive, or a Gamma-Gamma `q` of 1 or less, whose
    /// mean spend is infinite) and keys it does not know.
    pub fn from_toml(text: &str) -> Result<LtvModel, String> {
        // The parameter tables as a model file has them, so that a key no
        // model reads (`beta = 3` under `[bgnbd]`) is refused, not ignored.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Bg {
            r: f64,
            alpha: f64,
            a: f64,
            b: f64,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Gg {
            p: f64,
            q: f64,
            v: f64,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            time_unit: TimeUnit,
            bgnbd: Bg,
            gamma_gamma: Option<Gg>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
        let Bg { r, alpha, a, b } = file.bgnbd;
        let model = LtvModel {
            time_unit: file.time_unit,
            bgnbd: BgNbd { r, alpha, a, b },
            gamma_gamma: file.gamma_gamma.map(|Gg { p, q, v }| GammaGamma { p, q, v }),
        };
        let bg = model.bgnbd;
        let mut params = vec![
            ("bgnbd", "r", bg.r),
            ("bgnbd", "alpha", bg.alpha),
            ("bgnbd", "a", bg.a),
            ("bgnbd", "b", bg.b),
        ];
        if let Some(gg) = model.gamma_gamma {
            params.extend([
                ("gamma_gamma", "p", gg.p),
                ("gamma_gamma", "q", gg.q),
                ("gamma_gamma", "v", gg.v),
            ]);
        }
        for (table, name, value) in params {
            if !(value.is_finite() && value > 0.0) {
                return Err(format!(
                    "`{name}` in `[{table}]` must be a positive number, got {value}"
                ));
            }
        }
        if model.gamma_gamma.is_some_and(|gg| gg.q <= 1.0) {
            return Err("Gamma-Gamma `q` must be more than 1: the mean spend is infinite otherwise".into());
        }
        Ok(model)
    }
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
    let discounted = discounted_purchases(bg, x, t_x, t, horizon_months, annual_discount_rate, unit);
    margin * gg.expected_average_value(x, monetary_value) * discounted
}

/// The purchase part of [`clv`]: expected purchases month by month over
/// `horizon_months`, each month discounted to today
///
/// `clv` is `margin * E[avg value]` times this.
pub fn discounted_purchases(
    bg: &BgNbd,
    x: f64,
    t_x: f64,
    t: f64,
    horizon_months: u32,
    annual_discount_rate: f64,
    unit: TimeUnit,
) -> f64 {
    discount_monthly(horizon_months, annual_discount_rate, |month| {
        bg.expected_purchases(f64::from(month) * unit.per_month(), x, t_x, t)
    })
}

/// `sum over m = 1..=horizon_months of (E(m) - E(m - 1)) / (1 + monthly_rate)^m`
/// with `E(0) = 0`, for `expected(m)` the expected purchases in the first m months
pub(crate) fn discount_monthly(
    horizon_months: u32,
    annual_discount_rate: f64,
    mut expected: impl FnMut(u32) -> f64,
) -> f64 {
    let discount = (1.0 + annual_discount_rate).powf(1.0 / 12.0);
    let mut purchases = 0.0;
    let mut factor = 1.0;
    let mut discounted = 0.0;
    for month in 1..=horizon_months {
        let so_far = expected(month);
        factor /= discount;
        discounted += (so_far - purchases) * factor;
        purchases = so_far;
    }
    super::bgnbd::non_negative(discounted)
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
        let bg = testdata::PUBLISHED_BGNBD;
        let gg = testdata::PUBLISHED_GAMMA_GAMMA;
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
            bgnbd: testdata::PUBLISHED_BGNBD,
            gamma_gamma: Some(testdata::PUBLISHED_GAMMA_GAMMA),
        };
        let text = toml::to_string(&model).expect("serialises");
        assert!(text.contains("time_unit = \"weeks\""), "{text}");
        assert_eq!(LtvModel::from_toml(&text), Ok(model));
        // A key no model reads is refused, in either table and at the top.
        for (table, extra) in [
            ("[bgnbd]\n", "beta = 3\n"),
            ("[gamma_gamma]\n", "gamma = 15\n"),
            ("", "unit = 1\n"),
        ] {
            let text = text.replacen(table, &format!("{table}{extra}"), 1);
            let err = LtvModel::from_toml(&text).expect_err(extra);
            assert!(err.starts_with("unknown field"), "{extra}: {err}");
        }
        let bare = LtvModel {
            gamma_gamma: None,
            ..model
        };
        let text = toml::to_string(&bare).expect("serialises");
        assert!(!text.contains("gamma_gamma"), "{text}");
        assert_eq!(LtvModel::from_toml(&text), Ok(bare));
    }
}
