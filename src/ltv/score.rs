//! Scoring a whole customer base with fitted models: P(alive), expected
//! purchases, expected spend and CLV for every customer.
//!
//! CLV sums a month-by-month expectation over the horizon, each month a 2F1
//! series: about 20 µs a customer for 36 months one at a time, 20 s for a
//! million on one core. But the 2F1 half of eq. 10 depends on a customer
//! only through `(x, T)`, not `t_x` (see `BgNbd::purchase_factor`), and at
//! day resolution customers share those pairs by the thousand: a million
//! synthetic CDNOW-like customers have under 10,000 distinct ones. So the
//! series are summed once per pair, and each customer only multiplies them by
//! their own P(alive) factor, month by month, on all cores. The operations
//! and their order are those of [`clv`](super::clv) and
//! [`BgNbd::expected_purchases`](super::BgNbd::expected_purchases), so every
//! figure is bit for bit what they give one customer at a time.

use rayon::prelude::*;
use serde::Serialize;

use super::bgnbd::non_negative;
use super::clv::discount_monthly;
use super::{LtvModel, Rfm};

/// What CLV is computed over: the policy's `[model]` figures, and the window
/// of the expected-purchases column
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Gross margin on future spend
    pub margin: f64,
    /// Months of future value
    pub horizon_months: u32,
    /// Discount rate a year
    pub annual_discount_rate: f64,
    /// Window of `expected_purchases`, in the model's time unit
    pub periods: f64,
    /// Whether the customers' `monetary_value` is known; when it is not (a
    /// summary without spend), every customer is valued at the population mean
    pub spend_known: bool,
}

/// One customer's figures
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// Probability the customer is still a customer
    pub p_alive: f64,
    /// Expected purchases in the next `Settings::periods`
    pub expected_purchases: f64,
    /// Expected value of a future purchase; `None` without a Gamma-Gamma model
    pub expected_avg_value: Option<f64>,
    /// Discounted gross margin over the horizon; `None` without a Gamma-Gamma model
    pub clv: Option<f64>,
}

/// `(x, T)` by their bits; `+ 0.0` turns -0.0 into 0.0, so the two share a
/// group as they share values
fn key(c: &Rfm) -> (u64, u64) {
    ((c.frequency + 0.0).to_bits(), (c.t + 0.0).to_bits())
}

/// Scores every customer, in input order; `customers` must be in the model's time unit
pub fn score(model: &LtvModel, customers: &[Rfm], settings: &Settings) -> Vec<Score> {
    let bg = &model.bgnbd;
    let unit = model.time_unit;
    // Sorting (key, index) pairs groups the customers who share (x, T), the
    // same way on every run.
    let mut order: Vec<((u64, u64), usize)> = customers.par_iter().enumerate().map(|(i, c)| (key(c), i)).collect();
    order.par_sort_unstable();
    let groups: Vec<&[((u64, u64), usize)]> = order.chunk_by(|p, q| p.0 == q.0).collect();
    let points = bg.a_points();
    // Horizon 0 is `periods`, horizon m the first m months.
    let horizons: Vec<f64> = std::iter::once(settings.periods)
        .chain((1..=settings.horizon_months).map(|m| f64::from(m) * unit.per_month()))
        .collect();
    let (points, horizons) = (&points, &horizons);
    let scored: Vec<(usize, Score)> = groups
        .par_iter()
        .flat_map_iter(|group| {
            let first = &customers[group[0].1];
            let (x, t) = (first.frequency, first.t);
            // factors[k][h]: the 2F1 half of eq. 10 at a = points[k], horizon h
            let factors: Vec<Vec<f64>> = points
                .iter()
                .map(|&a| horizons.iter().map(|&h| bg.purchase_factor(a, h, x, t)).collect())
                .collect();
            group
                .iter()
                .map(move |&(_, i)| (i, one(model, settings, &customers[i], points, &factors, horizons)))
        })
        .collect();
    let mut out = vec![
        Score {
            p_alive: 0.0,
            expected_purchases: 0.0,
            expected_avg_value: None,
            clv: None,
        };
        customers.len()
    ];
    for (i, s) in scored {
        out[i] = s;
    }
    out
}

/// One customer's figures from the factors of their `(x, T)` group
fn one(
    model: &LtvModel,
    settings: &Settings,
    c: &Rfm,
    points: &[f64],
    factors: &[Vec<f64>],
    horizons: &[f64],
) -> Score {
    let bg = &model.bgnbd;
    let Rfm {
        frequency: x,
        recency: t_x,
        t,
        monetary_value,
    } = *c;
    // At most two points (either side of a = 1): no allocation per customer.
    let mut alive = [0.0; 2];
    for (slot, &a) in alive.iter_mut().zip(points) {
        *slot = bg.alive_factor(a, x, t_x, t);
    }
    // `BgNbd::expected_purchases`, with the 2F1 half looked up
    let expected = |h: usize| {
        if horizons[h] <= 0.0 {
            return 0.0;
        }
        non_negative(bg.near_one(|a| {
            let k = points.iter().position(|&p| p == a).unwrap_or(0);
            factors[k][h] * alive[k]
        }))
    };
    let discounted = discount_monthly(settings.horizon_months, settings.annual_discount_rate, |m| {
        expected(m as usize)
    });
    let value = model.gamma_gamma.map(|gg| {
        if settings.spend_known {
            gg.expected_average_value(x, monetary_value)
        } else {
            gg.population_mean()
        }
    });
    Score {
        // With the model's own a, the factor is P(alive), computed the same way.
        p_alive: if points == [bg.a] {
            alive[0]
        } else {
            bg.p_alive(x, t_x, t)
        },
        expected_purchases: expected(0),
        expected_avg_value: value,
        // The same product, in the same order, as `clv`.
        clv: value.map(|v| settings.margin * v * discounted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ltv::{BgNbd, TimeUnit, clv, testdata};

    const MODEL: LtvModel = LtvModel {
        time_unit: TimeUnit::Weeks,
        bgnbd: testdata::PUBLISHED_BGNBD,
        gamma_gamma: Some(testdata::PUBLISHED_GAMMA_GAMMA),
    };

    const SETTINGS: Settings = Settings {
        margin: 0.3,
        horizon_months: 36,
        annual_discount_rate: 0.1,
        periods: 39.0,
        spend_known: true,
    };

    #[test]
    fn every_cdnow_customer_matches_the_one_by_one_formulas_bit_for_bit() {
        let mut data: Vec<Rfm> = testdata::cdnow_summary_with_transactions()
            .into_iter()
            .map(|r| r.rfm)
            .collect();
        // Shared triples with different spend, and -0.0 against 0.0
        data.push(Rfm {
            monetary_value: 99.0,
            ..data[0]
        });
        data.push(Rfm {
            frequency: 0.0,
            recency: -0.0,
            t: 38.86,
            monetary_value: 0.0,
        });
        let scores = score(&MODEL, &data, &SETTINGS);
        assert_eq!(scores.len(), data.len());
        let (bg, gg) = (MODEL.bgnbd, MODEL.gamma_gamma.unwrap());
        for (c, s) in data.iter().zip(&scores) {
            let want = clv(&bg, &gg, c, 0.3, 36, 0.1, TimeUnit::Weeks);
            assert_eq!(s.clv, Some(want), "{c:?}");
            assert_eq!(s.p_alive, bg.p_alive(c.frequency, c.recency, c.t));
            assert_eq!(
                s.expected_purchases,
                bg.expected_purchases(39.0, c.frequency, c.recency, c.t)
            );
            assert_eq!(
                s.expected_avg_value,
                Some(gg.expected_average_value(c.frequency, c.monetary_value))
            );
        }
        // Near a = 1, where eq. 10 is interpolated, and over a long horizon
        let near = LtvModel {
            bgnbd: BgNbd { a: 1.0 + 3e-6, ..bg },
            ..MODEL
        };
        let long = Settings {
            horizon_months: 240,
            ..SETTINGS
        };
        for (c, s) in data.iter().zip(score(&near, &data, &long)) {
            let want = clv(&near.bgnbd, &gg, c, 0.3, 240, 0.1, TimeUnit::Weeks);
            assert_eq!(s.clv, Some(want), "{c:?}");
        }
        // The paper's customer 1: x = 2, t_x = 30.43, T = 38.86
        assert!((scores[0].expected_purchases - 1.226).abs() < 5e-4);
        assert_ne!(scores[0].clv, scores[data.len() - 2].clv);
    }

    #[test]
    fn without_a_spend_model_only_purchases_are_scored() {
        let model = LtvModel {
            gamma_gamma: None,
            ..MODEL
        };
        let c = Rfm {
            frequency: 2.0,
            recency: 30.43,
            t: 38.86,
            monetary_value: 0.0,
        };
        let s = score(&model, &[c], &SETTINGS)[0];
        assert_eq!(s.clv, None);
        assert_eq!(s.expected_avg_value, None);
        assert!(s.p_alive > 0.0 && s.p_alive < 1.0);
        assert!(score(&model, &[], &SETTINGS).is_empty());
    }

    #[test]
    fn unknown_spend_is_the_population_mean() {
        let c = Rfm {
            frequency: 2.0,
            recency: 30.43,
            t: 38.86,
            monetary_value: 0.0,
        };
        let unknown = Settings {
            spend_known: false,
            ..SETTINGS
        };
        let gg = MODEL.gamma_gamma.unwrap();
        let s = score(&MODEL, &[c], &unknown)[0];
        assert_eq!(s.expected_avg_value, Some(gg.population_mean()));
        let known = score(&MODEL, &[c], &SETTINGS)[0];
        assert_eq!(known.expected_avg_value, Some(gg.expected_average_value(2.0, 0.0)));
        // Same purchases, valued at p v / (q - 1) = 6.25 * 15.44 / 2.74 instead of
        // p v / (p x + q - 1) = 6.25 * 15.44 / 15.24
        assert_eq!(s.p_alive, known.p_alive);
        let ratio = s.clv.unwrap() / known.clv.unwrap();
        assert!((ratio - 15.24 / 2.74).abs() < 1e-12, "{ratio}");
    }
}
