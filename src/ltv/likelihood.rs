//! Total log-likelihoods and their gradients over many customers, fast.
//!
//! Customers with the same summary contribute the same term, so the data is
//! compressed to unique rows with weights first (at day resolution a million
//! customers shrink several-fold). The gamma-function terms depend on a
//! customer only through the purchase count, so they are computed once per
//! distinct count; the per-row work left is a few logarithms, summed on all
//! cores in fixed chunks so that the result does not depend on scheduling.
//!
//! The objectives are minimised over log-parameters, which keeps every
//! parameter positive without constraints: the value is the negative mean
//! log-likelihood, so tolerances do not depend on the number of customers.

use rayon::prelude::*;
use statrs::function::gamma::{digamma, ln_gamma};

use super::optimize::Objective;

/// Rows per parallel chunk, and the row count below which one core is faster
const CHUNK: usize = 16_384;

/// Sums `f` over `rows`, in parallel for large inputs; the chunking is fixed,
/// so the sum is the same on every run
fn chunked_sum<T: Sync, const N: usize>(rows: &[T], f: impl Fn(&[T]) -> [f64; N] + Sync) -> [f64; N] {
    let add = |mut acc: [f64; N], part: [f64; N]| {
        acc.iter_mut().zip(part).for_each(|(a, p)| *a += p);
        acc
    };
    if rows.len() <= CHUNK {
        return f(rows);
    }
    let parts: Vec<[f64; N]> = rows.par_chunks(CHUNK).map(&f).collect();
    parts.into_iter().fold([0.0; N], add)
}

/// Sorts and merges equal keys into (key, count), in parallel for large inputs
fn compress<K: Ord + Copy + Send>(mut keys: Vec<K>) -> Vec<(K, f64)> {
    keys.par_sort_unstable();
    let mut out: Vec<(K, f64)> = Vec::new();
    for key in keys {
        match out.last_mut() {
            Some((last, weight)) if *last == key => *weight += 1.0,
            _ => out.push((key, 1.0)),
        }
    }
    out
}

/// A non-negative finite f64 ordered by its bits, which for such numbers is
/// the numeric order
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u64);

impl Key {
    fn new(v: f64) -> Self {
        // + 0.0 turns -0.0 into 0.0
        Key((v + 0.0).to_bits())
    }

    fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// Rows sharing a purchase count, with their total weight
#[derive(Debug, Clone, Copy)]
struct Count {
    x: f64,
    weight: f64,
}

/// Groups the counts of rows sorted by count, and gives each row its group
fn group_counts(xs: impl Iterator<Item = (f64, f64)>) -> (Vec<Count>, Vec<usize>) {
    let mut counts: Vec<Count> = Vec::new();
    let mut index = Vec::new();
    for (x, weight) in xs {
        match counts.last_mut() {
            Some(c) if c.x == x => c.weight += weight,
            _ => counts.push(Count { x, weight }),
        }
        index.push(counts.len() - 1);
    }
    (counts, index)
}

/// BG/NBD data: unique (x, t_x, T) rows, t_x set to 0 when x = 0 (it is unused)
#[derive(Debug, Clone)]
pub(crate) struct BgNbdData {
    rows: Vec<BgRow>,
    counts: Vec<Count>,
    weight: f64,
}

#[derive(Debug, Clone, Copy)]
struct BgRow {
    x: f64,
    t_x: f64,
    t: f64,
    weight: f64,
    count: usize,
}

impl BgNbdData {
    /// Compresses validated (x, t_x, T) triples
    pub(crate) fn new(customers: impl Iterator<Item = (f64, f64, f64)>) -> Self {
        let keys: Vec<(Key, Key, Key)> = customers
            .map(|(x, t_x, t)| (Key::new(x), Key::new(if x > 0.0 { t_x } else { 0.0 }), Key::new(t)))
            .collect();
        let unique = compress(keys);
        let (counts, index) = group_counts(unique.iter().map(|((x, _, _), w)| (x.get(), *w)));
        let rows = unique
            .iter()
            .zip(index)
            .map(|(((x, t_x, t), weight), count)| BgRow {
                x: x.get(),
                t_x: t_x.get(),
                t: t.get(),
                weight: *weight,
                count,
            })
            .collect();
        let weight = counts.iter().map(|c| c.weight).sum();
        BgNbdData { rows, counts, weight }
    }

    /// Number of customers (the sum of the weights)
    pub(crate) fn customers(&self) -> f64 {
        self.weight
    }

    /// Number of unique rows
    #[cfg(test)]
    pub(crate) fn unique_rows(&self) -> usize {
        self.rows.len()
    }

    /// Total log-likelihood and its gradient in (r, alpha, a, b)
    pub(crate) fn log_likelihood(&self, r: f64, alpha: f64, a: f64, b: f64) -> (f64, [f64; 4]) {
        // Terms shared by every customer with the same count (FHL 2005, eq. 6)
        let mut ll = self.weight * (r * alpha.ln() - ln_gamma(r) + ln_gamma(a + b) - ln_gamma(b));
        let mut grad = [
            self.weight * (alpha.ln() - digamma(r)),
            self.weight * r / alpha,
            self.weight * digamma(a + b),
            self.weight * (digamma(a + b) - digamma(b)),
        ];
        // Per count: ln a - ln(b + x - 1) and 1 / (b + x - 1) for the rows
        let mut per_count = Vec::with_capacity(self.counts.len());
        for &Count { x, weight } in &self.counts {
            ll += weight * (ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x));
            grad[0] += weight * digamma(r + x);
            grad[2] -= weight * digamma(a + b + x);
            grad[3] += weight * (digamma(b + x) - digamma(a + b + x));
            let b_x = b + x - 1.0;
            per_count.push((a.ln() - b_x.ln(), 1.0 / b_x));
        }
        let [row_ll, dr, dalpha, dropout, db] = chunked_sum(&self.rows, |rows| {
            let mut s = [0.0; 5];
            for row in rows {
                let w = row.weight;
                let rx = r + row.x;
                let alpha_t = alpha + row.t;
                let ln_t = alpha_t.ln();
                if row.x == 0.0 {
                    s[0] -= w * r * ln_t;
                    s[1] -= w * ln_t;
                    s[2] -= w * r / alpha_t;
                    continue;
                }
                let (ln_odds, inv_b_x) = per_count[row.count];
                let alpha_tx = alpha + row.t_x;
                let ln_tx = alpha_tx.ln();
                // ln(e^alive + e^dropped) and the share of the dropped term
                let alive = -rx * ln_t;
                let dropped = ln_odds - rx * ln_tx;
                let d = dropped - alive;
                let e = (-d.abs()).exp();
                let share = if d > 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
                s[0] += w * (alive + d.max(0.0) + e.ln_1p());
                s[1] -= w * ((1.0 - share) * ln_t + share * ln_tx);
                s[2] -= w * rx * ((1.0 - share) / alpha_t + share / alpha_tx);
                s[3] += w * share;
                s[4] -= w * share * inv_b_x;
            }
            s
        });
        ll += row_ll;
        grad[0] += dr;
        grad[1] += dalpha;
        grad[2] += dropout / a;
        grad[3] += db;
        (ll, grad)
    }
}

impl Objective for BgNbdData {
    fn value_gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let p: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let (ll, grad) = self.log_likelihood(p[0], p[1], p[2], p[3]);
        mean_negative(ll, &grad, &p, self.weight)
    }
}

/// Gamma-Gamma data: unique (x, mean value) rows of repeat buyers
#[derive(Debug, Clone)]
pub(crate) struct GammaGammaData {
    rows: Vec<GgRow>,
    counts: Vec<Count>,
    weight: f64,
}

#[derive(Debug, Clone, Copy)]
struct GgRow {
    x: f64,
    ln_x: f64,
    mean: f64,
    ln_mean: f64,
    weight: f64,
}

impl GammaGammaData {
    /// Compresses validated (x, mean value) pairs, all positive
    pub(crate) fn new(customers: impl Iterator<Item = (f64, f64)>) -> Self {
        let keys: Vec<(Key, Key)> = customers.map(|(x, m)| (Key::new(x), Key::new(m))).collect();
        let unique = compress(keys);
        let (counts, _) = group_counts(unique.iter().map(|((x, _), w)| (x.get(), *w)));
        let rows = unique
            .iter()
            .map(|((x, m), weight)| GgRow {
                x: x.get(),
                ln_x: x.get().ln(),
                mean: m.get(),
                ln_mean: m.get().ln(),
                weight: *weight,
            })
            .collect();
        let weight = counts.iter().map(|c| c.weight).sum();
        GammaGammaData { rows, counts, weight }
    }

    /// Number of customers (the sum of the weights)
    pub(crate) fn customers(&self) -> f64 {
        self.weight
    }

    /// Total log-likelihood and its gradient in (p, q, v)
    pub(crate) fn log_likelihood(&self, p: f64, q: f64, v: f64) -> (f64, [f64; 3]) {
        let mut ll = self.weight * (q * v.ln() - ln_gamma(q));
        let mut grad = [0.0, self.weight * (v.ln() - digamma(q)), self.weight * q / v];
        for &Count { x, weight } in &self.counts {
            let px = p * x;
            ll += weight * (ln_gamma(px + q) - ln_gamma(px));
            grad[0] += weight * x * (digamma(px + q) - digamma(px));
            grad[1] += weight * digamma(px + q);
        }
        let [row_ll, dp, dq, dv] = chunked_sum(&self.rows, |rows| {
            let mut s = [0.0; 4];
            for row in rows {
                let w = row.weight;
                let px = p * row.x;
                let total = row.x * row.mean + v;
                let ln_total = total.ln();
                s[0] += w * ((px - 1.0) * row.ln_mean + px * row.ln_x - (px + q) * ln_total);
                s[1] += w * row.x * (row.ln_mean + row.ln_x - ln_total);
                s[2] -= w * ln_total;
                s[3] -= w * (px + q) / total;
            }
            s
        });
        ll += row_ll;
        grad[0] += dp;
        grad[1] += dq;
        grad[2] += dv;
        (ll, grad)
    }
}

impl Objective for GammaGammaData {
    fn value_gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let p: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let (ll, grad) = self.log_likelihood(p[0], p[1], p[2]);
        mean_negative(ll, &grad, &p, self.weight)
    }
}

/// -ll / n and its gradient in log-parameters (d/d ln p = p d/dp)
fn mean_negative(ll: f64, grad: &[f64], params: &[f64], n: f64) -> (f64, Vec<f64>) {
    let gradient = grad.iter().zip(params).map(|(g, p)| -g * p / n).collect();
    (-ll / n, gradient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ltv::testdata;

    fn cdnow_bgnbd() -> (Vec<(f64, f64, f64)>, BgNbdData) {
        let triples: Vec<(f64, f64, f64)> = testdata::cdnow_summary()
            .iter()
            .map(|row| (row.rfm.frequency, row.rfm.recency, row.rfm.t))
            .collect();
        let data = BgNbdData::new(triples.iter().copied());
        (triples, data)
    }

    #[test]
    fn compressed_bgnbd_total_equals_the_per_customer_sum() {
        let (triples, data) = cdnow_bgnbd();
        assert_eq!(data.customers(), 2357.0);
        assert!(data.unique_rows() < 2357, "{}", data.unique_rows());
        let m = testdata::PUBLISHED_BGNBD;
        let direct: f64 = triples.iter().map(|&(x, t_x, t)| m.log_likelihood(x, t_x, t)).sum();
        let (ll, _) = data.log_likelihood(m.r, m.alpha, m.a, m.b);
        assert!((ll - direct).abs() < 1e-8, "{ll} vs {direct}");
        // the published optimum, to the paper's one decimal
        assert!((ll - -9582.4).abs() < 0.1, "{ll}");
    }

    #[test]
    fn bgnbd_gradient_matches_finite_differences() {
        let (_, data) = cdnow_bgnbd();
        let p = [0.3, 5.0, 0.7, 2.0];
        let (_, grad) = data.log_likelihood(p[0], p[1], p[2], p[3]);
        for i in 0..4 {
            let h = 1e-6 * p[i];
            let mut up = p;
            let mut down = p;
            up[i] += h;
            down[i] -= h;
            let numeric = (data.log_likelihood(up[0], up[1], up[2], up[3]).0
                - data.log_likelihood(down[0], down[1], down[2], down[3]).0)
                / (2.0 * h);
            assert!(
                (grad[i] - numeric).abs() < 1e-5 * numeric.abs().max(1.0),
                "{i}: {} vs {numeric}",
                grad[i]
            );
        }
    }

    #[test]
    fn gamma_gamma_total_and_gradient() {
        let pairs: Vec<(f64, f64)> = testdata::cdnow_summary_with_transactions()
            .iter()
            .filter(|row| row.rfm.frequency > 0.0)
            .map(|row| (row.rfm.frequency, row.rfm.monetary_value))
            .collect();
        let data = GammaGammaData::new(pairs.iter().copied());
        assert_eq!(data.customers(), 946.0);
        let m = testdata::PUBLISHED_GAMMA_GAMMA;
        let direct: f64 = pairs.iter().map(|&(x, z)| m.log_likelihood(x, z)).sum();
        let (ll, grad) = data.log_likelihood(m.p, m.q, m.v);
        assert!((ll - direct).abs() < 1e-8, "{ll} vs {direct}");
        let p = [m.p, m.q, m.v];
        for i in 0..3 {
            let h = 1e-6 * p[i];
            let mut up = p;
            let mut down = p;
            up[i] += h;
            down[i] -= h;
            let numeric = (data.log_likelihood(up[0], up[1], up[2]).0
                - data.log_likelihood(down[0], down[1], down[2]).0)
                / (2.0 * h);
            assert!(
                (grad[i] - numeric).abs() < 1e-5 * numeric.abs().max(1.0),
                "{i}: {} vs {numeric}",
                grad[i]
            );
        }
    }

    #[test]
    fn parallel_sums_agree_with_serial() {
        // Enough rows to cross the chunk size, from repeated CDNOW rows with
        // jittered T so they do not compress away.
        let base = testdata::cdnow_summary();
        let triples: Vec<(f64, f64, f64)> = (0..20)
            .flat_map(|k| {
                base.iter().map(move |row| {
                    let t = row.rfm.t + f64::from(k) * 0.01;
                    (row.rfm.frequency, row.rfm.recency, t)
                })
            })
            .collect();
        let data = BgNbdData::new(triples.iter().copied());
        assert!(data.unique_rows() > CHUNK);
        let m = testdata::PUBLISHED_BGNBD;
        let direct: f64 = triples.iter().map(|&(x, t_x, t)| m.log_likelihood(x, t_x, t)).sum();
        let (ll, _) = data.log_likelihood(m.r, m.alpha, m.a, m.b);
        assert!((ll - direct).abs() < 1e-7, "{ll} vs {direct}");
    }
}
