//! Recency-frequency-monetary summaries, the only view of a customer's
//! history that the BG/NBD and Gamma-Gamma models need.

use serde::{Deserialize, Serialize};

/// A customer's purchase history reduced to what the LTV models read
///
/// Times are in the [`TimeUnit`] the summary was built with. The definitions are
/// those of the Python `lifetimes` library (`summary_data_from_transaction_data`),
/// so fits and predictions can be compared with it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rfm {
    /// Number of repeat purchase days: distinct purchase days minus one
    #[serde(alias = "x")]
    pub frequency: f64,
    /// Time from the first to the last purchase (`t_x`)
    #[serde(alias = "t_x")]
    pub recency: f64,
    /// Time from the first purchase to the end of observation (`T`)
    #[serde(rename = "T")]
    pub t: f64,
    /// Mean spend per repeat purchase day; 0 when there is no repeat purchase
    #[serde(default, alias = "zbar")]
    pub monetary_value: f64,
}

/// The time unit of recency, `T` and prediction horizons
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// One day
    Days,
    /// Seven days
    #[default]
    Weeks,
}

impl TimeUnit {
    /// Length of the unit in days
    pub fn days(&self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
        }
    }

    /// Units in a month, with `lifetimes`' CLV conventions (30 days, 4.345 weeks)
    pub fn per_month(&self) -> f64 {
        match self {
            TimeUnit::Days => 30.0,
            TimeUnit::Weeks => 4.345,
        }
    }
}

/// Summarises one customer's transactions as of `observation_end`
///
/// `transactions` holds `(day, amount)` pairs, days counted from 1970-01-01, in
/// any order; it is sorted in place. Transactions after `observation_end` are
/// ignored, purchases on the same day merge into one (amounts summed), and the
/// first day's spend is left out of the monetary value because the models
/// describe repeat purchases. Every row counts as a purchase, whatever its
/// amount: callers that do not want refunds to count must drop them first.
/// Returns `None` when no transaction falls on or before `observation_end`.
pub fn summarize(transactions: &mut [(i32, f64)], observation_end: i32, unit: TimeUnit) -> Option<Rfm> {
    transactions.sort_unstable_by_key(|&(day, _)| day);
    let observed = transactions.partition_point(|&(day, _)| day <= observation_end);
    let observed = &transactions[..observed];
    let (first, _) = *observed.first()?;
    let (last, _) = *observed.last()?;

    let mut repeat_days = 0u32;
    let mut repeat_spend = 0.0;
    for day in observed.chunk_by(|a, b| a.0 == b.0).skip(1) {
        repeat_days += 1;
        repeat_spend += day.iter().map(|&(_, amount)| amount).sum::<f64>();
    }
    let unit_days = unit.days();
    let monetary_value = if repeat_days == 0 {
        0.0
    } else {
        repeat_spend / f64::from(repeat_days)
    };
    Some(Rfm {
        frequency: f64::from(repeat_days),
        // Differences in f64: extreme day numbers cannot overflow.
        recency: (f64::from(last) - f64::from(first)) / unit_days,
        t: (f64::from(observation_end) - f64::from(first)) / unit_days,
        monetary_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ltv::testdata;

    #[test]
    fn merges_same_day_purchases_and_ignores_the_future() {
        let mut tx = vec![(17, 5.0), (10, 2.0), (17, 1.0), (24, 3.0), (40, 100.0), (10, 4.0)];
        let rfm = summarize(&mut tx, 30, TimeUnit::Days).expect("has purchases");
        // days 10 (6.00), 17 (6.00), 24 (3.00): two repeat days averaging 4.5
        assert_eq!(
            rfm,
            Rfm {
                frequency: 2.0,
                recency: 14.0,
                t: 20.0,
                monetary_value: 4.5
            }
        );
        let weeks = summarize(&mut tx, 30, TimeUnit::Weeks).expect("has purchases");
        assert_eq!(weeks.recency, 2.0);
        assert_eq!(weeks.t, 20.0 / 7.0);
    }

    #[test]
    fn one_purchase_day_has_no_monetary_value() {
        let mut tx = vec![(5, 10.0), (5, 20.0)];
        let rfm = summarize(&mut tx, 5, TimeUnit::Days).expect("has purchases");
        assert_eq!(
            rfm,
            Rfm {
                frequency: 0.0,
                recency: 0.0,
                t: 0.0,
                monetary_value: 0.0
            }
        );
    }

    #[test]
    fn nothing_before_the_end_is_none() {
        assert_eq!(summarize(&mut [], 5, TimeUnit::Days), None);
        assert_eq!(summarize(&mut [(6, 1.0)], 5, TimeUnit::Days), None);
    }

    #[test]
    fn time_unit_serde_is_lowercase() {
        #[derive(Serialize, Deserialize)]
        struct Wrap {
            unit: TimeUnit,
        }
        let text = toml::to_string(&Wrap { unit: TimeUnit::Days }).expect("serialises");
        assert_eq!(text.trim(), r#"unit = "days""#);
        let back: Wrap = toml::from_str(r#"unit = "weeks""#).expect("parses");
        assert_eq!(back.unit, TimeUnit::Weeks);
        assert_eq!(TimeUnit::Weeks.per_month(), 4.345);
        assert_eq!(TimeUnit::Days.per_month(), 30.0);
    }

    /// The published CDNOW summaries are the raw log aggregated at day
    /// resolution: frequency, recency and T in weeks to 2 decimals, and zbar the
    /// exact decimal mean of the repeat days rounded half up to the cent.
    #[test]
    fn reproduces_the_published_cdnow_summaries() {
        let end = testdata::day("1997-09-30");
        let mut histories = testdata::cdnow_history();
        let summary = testdata::cdnow_summary();
        let with_tx = testdata::cdnow_summary_with_transactions();
        assert_eq!(histories.len(), 2357);
        assert_eq!(summary.len(), 2357);
        let round2 = |v: f64| (v * 100.0).round() / 100.0;
        // Ties such as 22.345 are exact in decimal but land a hair either side
        // of the tie in f64: snap to a millionth of a cent, then round half up.
        let cents_half_up = |v: f64| (((v * 100.0 * 1e6).round() / 1e6) + 0.5).floor() / 100.0;
        for ((id, tx), (row, tx_row)) in histories.iter_mut().zip(summary.iter().zip(&with_tx)) {
            assert_eq!(*id, row.id);
            let got = summarize(tx, end, TimeUnit::Weeks).expect("every customer bought");
            assert_eq!(got.frequency, row.rfm.frequency, "customer {id}");
            assert_eq!(round2(got.recency), row.rfm.recency, "customer {id}");
            assert_eq!(round2(got.t), row.rfm.t, "customer {id}");
            assert_eq!(tx_row.rfm.frequency, got.frequency, "customer {id}");
            assert_eq!(
                cents_half_up(got.monetary_value),
                tx_row.rfm.monetary_value,
                "customer {id}"
            );
        }
    }
}
