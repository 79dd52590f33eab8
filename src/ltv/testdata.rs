//! The CDNOW reference data, embedded so tests never read files at run time.

use super::{BgNbd, GammaGamma, Rfm};

const SUMMARY: &str = include_str!("../../tests/data/cdnow/cdnow_customers_summary.csv");
const SUMMARY_WITH_TX: &str = include_str!("../../tests/data/cdnow/cdnow_customers_summary_with_transactions.csv");
const HISTORY: &str = include_str!("../../tests/data/cdnow/cdnow_sample_history.csv");

/// One row of a published summary
pub struct Row {
    pub id: u32,
    pub rfm: Rfm,
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
}

fn num(field: &str) -> f64 {
    field.parse().unwrap_or_else(|_| panic!("bad number `{field}`"))
}

/// `cdnow_customers_summary.csv`: ID, frequency, recency, T (weeks)
pub fn cdnow_summary() -> Vec<Row> {
    rows(SUMMARY)
        .map(|f| Row {
            id: num(f[0]) as u32,
            rfm: Rfm {
                frequency: num(f[1]),
                recency: num(f[2]),
                t: num(f[3]),
                monetary_value: 0.0,
            },
        })
        .collect()
}

/// `cdnow_customers_summary_with_transactions.csv`: ID, x, t_x, T, zbar
pub fn cdnow_summary_with_transactions() -> Vec<Row> {
    rows(SUMMARY_WITH_TX)
        .map(|f| Row {
            id: num(f[0]) as u32,
            rfm: Rfm {
                frequency: num(f[1]),
                recency: num(f[2]),
                t: num(f[3]),
                monetary_value: num(f[4]),
            },
        })
        .collect()
}

/// `cdnow_sample_history.csv` grouped by customer, in customer order
pub fn cdnow_history() -> Vec<(u32, Vec<(i32, f64)>)> {
    let mut out: Vec<(u32, Vec<(i32, f64)>)> = Vec::new();
    for f in rows(HISTORY) {
        let id = num(f[0]) as u32;
        let tx = (day(f[1]), num(f[2]));
        match out.last_mut() {
            Some((last, txs)) if *last == id => txs.push(tx),
            _ => out.push((id, vec![tx])),
        }
    }
    out.sort_by_key(|(id, _)| *id);
    out
}

/// The day number of a `YYYY-MM-DD` date.
pub fn day(text: &str) -> i32 {
    crate::date::parse(text).unwrap_or_else(|| panic!("bad date `{text}`"))
}

/// BG/NBD fitted to CDNOW in weeks, as published (Fader, Hardie & Lee 2005).
pub const PUBLISHED_BGNBD: BgNbd = BgNbd {
    r: 0.243,
    alpha: 4.414,
    a: 0.793,
    b: 2.426,
};

/// Gamma-Gamma fitted to CDNOW, as published (Fader & Hardie 2013).
pub const PUBLISHED_GAMMA_GAMMA: GammaGamma = GammaGamma {
    p: 6.25,
    q: 3.74,
    v: 15.44,
};
