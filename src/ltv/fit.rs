//! Fitting BG/NBD and Gamma-Gamma by maximum likelihood on RFM summaries.
//!
//! The input is checked once, compressed (see `likelihood`), and handed to
//! the optimiser (see `optimize`) over log-parameters. A fit reports its
//! total log-likelihood and standard errors so a user can judge it, and
//! whether the optimiser really reached the maximum.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::likelihood::{BgNbdData, GammaGammaData};
use super::optimize::{Optimum, cholesky, minimise};
use super::{BgNbd, GammaGamma, Rfm};

/// A fitted BG/NBD model with its diagnostics
///
/// Serialised flat, `{"r", "alpha", "a", "b", "std_errors", "log_likelihood", ...}`,
/// the shape of `goodwill ltv fit --format json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbdFit {
    /// Maximum-likelihood parameters
    #[serde(flatten)]
    pub params: BgNbd,
    /// Standard error of each parameter, in the same fields (NaN if the
    /// likelihood is not curved at the optimum)
    pub std_errors: BgNbd,
    /// Total log-likelihood over all customers at `params`
    pub log_likelihood: f64,
    /// Customers the fit used
    pub customers: usize,
    /// Optimiser iterations
    pub iterations: u64,
    /// True when a further Newton step would move no parameter by more than 1e-7 of itself
    pub converged: bool,
}

/// A fitted Gamma-Gamma model with its diagnostics
///
/// Serialised flat, `{"p", "q", "v", "std_errors", "log_likelihood", ...}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGammaFit {
    /// Maximum-likelihood parameters
    #[serde(flatten)]
    pub params: GammaGamma,
    /// Standard error of each parameter, in the same fields (NaN if the
    /// likelihood is not curved at the optimum)
    pub std_errors: GammaGamma,
    /// Total log-likelihood over the repeat buyers at `params`
    pub log_likelihood: f64,
    /// Repeat buyers with a positive monetary value, the only ones the model reads
    pub customers: usize,
    /// Optimiser iterations
    pub iterations: u64,
    /// True when a further Newton step would move no parameter by more than 1e-7 of itself
    pub converged: bool,
}

/// Why a fit could not be made
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    /// Nothing to fit
    #[error("no {0} to fit")]
    Empty(&'static str),
    /// A value that is NaN or infinite, at `index` in the input
    #[error("customer {index}: {field} is {value}, not a finite number")]
    NonFinite {
        /// Position in the input slice
        index: usize,
        /// Field name
        field: &'static str,
        /// The offending value
        value: f64,
    },
    /// A summary that no customer can have, at `index` in the input
    #[error("customer {index}: {reason}")]
    Invalid {
        /// Position in the input slice
        index: usize,
        /// What is wrong
        reason: String,
    },
    /// A starting value that is not a positive number
    #[error("starting value of `{name}` must be a positive number, got {value}")]
    BadStart {
        /// Parameter name
        name: &'static str,
        /// The offending value
        value: f64,
    },
    /// The optimiser did not get near a maximum, typically because the data
    /// cannot pin the parameters down (for example, nobody ever bought twice)
    #[error(
        "the fit did not converge after {iterations} iteration{}: the customers may be \
         too few, or too alike in how they buy, leave or spend, to pin the parameters down",
        crate::render::plural(*iterations)
    )]
    NoConvergence {
        /// Optimiser iterations spent
        iterations: u64,
    },
    /// The optimiser crept towards the edge without converging, with a
    /// parameter the data leaves undetermined: no interior maximum
    #[error(
        "the fit found no maximum: `{name}` drifted to {value:.6} (standard error {error:.6}) without \
         converging; the customers may be too few, or too alike in how they buy, leave or spend, \
         to pin the parameters down"
    )]
    Unpinned {
        /// Parameter name
        name: &'static str,
        /// Where the optimiser stopped
        value: f64,
        /// Its standard error there
        error: f64,
    },
    /// Nobody made a repeat purchase: the purchase rates have no maximum
    #[error("no customer made a repeat purchase (every frequency is 0): there is no purchase rate to fit")]
    NoRepeatPurchase,
}

/// Converged: the next Newton step changes no parameter by more than this share
const CONVERGED_STEP: f64 = 1e-7;
/// Beyond this the result is not a maximum at all but somewhere on the way
const USABLE_STEP: f64 = 1e-3;
/// A fit short of convergence with a standard error beyond this share of
/// its parameter has no interior maximum (see `conclude`)
const UNPINNED_RELATIVE_ERROR: f64 = 1.0;
/// Parameters beyond e^+-30 (1e13) mean the likelihood has no interior maximum
const MAX_LN_PARAMETER: f64 = 30.0;

/// Fits BG/NBD to `data` by maximum likelihood, from a default start
pub fn fit_bgnbd(data: &[Rfm]) -> Result<BgNbdFit, FitError> {
    // Time scaled as `lifetimes` does it: alpha starts at a tenth of the
    // longest observation.
    let longest = data.iter().map(|c| c.t).filter(|t| t.is_finite()).fold(0.0, f64::max);
    let alpha = if longest > 0.0 { longest / 10.0 } else { 1.0 };
    fit_bgnbd_from(
        data,
        BgNbd {
            r: 1.0,
            alpha,
            a: 1.0,
            b: 1.0,
        },
    )
}

/// Fits BG/NBD to `data` by maximum likelihood, starting from `start`
pub fn fit_bgnbd_from(data: &[Rfm], start: BgNbd) -> Result<BgNbdFit, FitError> {
    for (index, c) in data.iter().enumerate() {
        check_rfm(index, c)?;
    }
    if data.is_empty() {
        return Err(FitError::Empty("customers"));
    }
    if data.iter().all(|c| c.frequency == 0.0) {
        return Err(FitError::NoRepeatPurchase);
    }
    let start = [("r", start.r), ("alpha", start.alpha), ("a", start.a), ("b", start.b)];
    let theta = log_start(&start)?;
    let compressed = BgNbdData::new(data.iter().map(|c| (c.frequency, c.recency, c.t)));
    let found = minimise(&compressed, theta).ok_or(FitError::NoConvergence { iterations: 0 })?;
    let (params, errors, converged) = conclude(&found, compressed.customers(), &start.map(|(name, _)| name))?;
    let bg = |p: &[f64]| BgNbd {
        r: p[0],
        alpha: p[1],
        a: p[2],
        b: p[3],
    };
    let params = bg(&params);
    Ok(BgNbdFit {
        params,
        std_errors: bg(&errors),
        log_likelihood: compressed.log_likelihood(params.r, params.alpha, params.a, params.b).0,
        customers: data.len(),
        iterations: found.iterations,
        converged,
    })
}

/// Fits Gamma-Gamma to the repeat buyers in `data` (frequency and monetary
/// value both positive), from a default start
pub fn fit_gamma_gamma(data: &[Rfm]) -> Result<GammaGammaFit, FitError> {
    // q = 2 makes the starting population mean p v / (q - 1) the data's mean.
    let (sum, n) = data
        .iter()
        .filter(|c| c.frequency > 0.0 && c.monetary_value > 0.0 && c.monetary_value.is_finite())
        .fold((0.0, 0.0), |(s, n), c| (s + c.monetary_value, n + 1.0));
    let v = if n > 0.0 { sum / n } else { 1.0 };
    fit_gamma_gamma_from(data, GammaGamma { p: 1.0, q: 2.0, v })
}

/// Fits Gamma-Gamma to the repeat buyers in `data`, starting from `start`
pub fn fit_gamma_gamma_from(data: &[Rfm], start: GammaGamma) -> Result<GammaGammaFit, FitError> {
    for (index, c) in data.iter().enumerate() {
        check_rfm(index, c)?;
        check_finite(index, "monetary_value", c.monetary_value)?;
    }
    let buyers = || data.iter().filter(|c| c.frequency > 0.0 && c.monetary_value > 0.0);
    let customers = buyers().count();
    if customers == 0 {
        return Err(FitError::Empty("repeat buyers with a positive monetary value"));
    }
    let start = [("p", start.p), ("q", start.q), ("v", start.v)];
    let theta = log_start(&start)?;
    let compressed = GammaGammaData::new(buyers().map(|c| (c.frequency, c.monetary_value)));
    let found = minimise(&compressed, theta).ok_or(FitError::NoConvergence { iterations: 0 })?;
    let (params, errors, converged) = conclude(&found, compressed.customers(), &start.map(|(name, _)| name))?;
    let gg = |p: &[f64]| GammaGamma {
        p: p[0],
        q: p[1],
        v: p[2],
    };
    let params = gg(&params);
    Ok(GammaGammaFit {
        params,
        std_errors: gg(&errors),
        log_likelihood: compressed.log_likelihood(params.p, params.q, params.v).0,
        customers,
        iterations: found.iterations,
        converged,
    })
}

/// A customer whose figure stands far out from everyone else's, as one
/// mistyped row does (`1e12` purchases, a spend of `100000` among tens):
/// what a fit that fails may owe to that row alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standout {
    /// Position in the input slice
    pub index: usize,
    /// `frequency`, or `monetary_value` (among repeat buyers)
    pub field: &'static str,
    /// The customer's figure
    pub value: f64,
    /// The 99th percentile of the other customers' positive figures
    pub typical: f64,
}

/// How many times the others' 99th percentile a figure must be to stand out
const STANDOUT: f64 = 20.0;
/// Fewer positive figures than this make no percentile to stand out from
const STANDOUT_MIN_CUSTOMERS: usize = 20;
/// At most this many customers are named for each figure: a few are a
/// mistake to look at, more are part of the data
const STANDOUT_MOST: usize = 3;

/// The customers with the largest frequencies, and the repeat buyers with
/// the largest monetary values, each more than `STANDOUT` (20) times the
/// 99th percentile of the positive figures of the customers below it; at
/// most `STANDOUT_MOST` (3) of each, the largest first.
pub fn standouts(data: &[Rfm]) -> Vec<Standout> {
    let column = |field: &'static str, figure: fn(&Rfm) -> f64| {
        let mut values: Vec<(f64, usize)> = data
            .iter()
            .enumerate()
            .filter(|(_, c)| field == "frequency" || c.frequency > 0.0)
            .map(|(index, c)| (figure(c), index))
            .filter(|&(v, _)| v > 0.0 && v.is_finite())
            .collect();
        values.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut found = Vec::new();
        while found.len() < STANDOUT_MOST && values.len() >= STANDOUT_MIN_CUSTOMERS {
            let Some((value, index)) = values.pop() else { break };
            // The nearest rank: the smallest figure with 99% of the others at or below it.
            let rank = (values.len() * 99).div_ceil(100);
            let typical = values[rank - 1].0;
            if value <= STANDOUT * typical {
                break;
            }
            found.push(Standout {
                index,
                field,
                value,
                typical,
            });
        }
        found
    };
    [
        column("frequency", |c| c.frequency),
        column("monetary_value", |c| c.monetary_value),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn check_finite(index: usize, field: &'static str, value: f64) -> Result<(), FitError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(FitError::NonFinite { index, field, value })
    }
}

fn check_rfm(index: usize, c: &Rfm) -> Result<(), FitError> {
    check_finite(index, "frequency", c.frequency)?;
    check_finite(index, "recency", c.recency)?;
    check_finite(index, "T", c.t)?;
    let invalid = |reason: String| Err(FitError::Invalid { index, reason });
    if c.frequency < 0.0 || c.frequency.fract() != 0.0 {
        return invalid(format!(
            "frequency must be a whole number of purchases, got {}",
            c.frequency
        ));
    }
    if c.recency < 0.0 || c.t < 0.0 {
        return invalid(format!("recency ({}) and T ({}) must not be negative", c.recency, c.t));
    }
    if c.recency > c.t {
        return invalid(format!(
            "recency ({}) is after the end of observation (T = {})",
            c.recency, c.t
        ));
    }
    Ok(())
}

fn log_start(start: &[(&'static str, f64)]) -> Result<Vec<f64>, FitError> {
    start
        .iter()
        .map(|&(name, value)| {
            if value > 0.0 && value.is_finite() {
                Ok(value.ln())
            } else {
                Err(FitError::BadStart { name, value })
            }
        })
        .collect()
}

/// Parameters, standard errors and the converged flag from an optimum of the
/// mean negative log-likelihood over log-parameters
fn conclude(found: &Optimum, customers: f64, names: &[&'static str]) -> Result<(Vec<f64>, Vec<f64>, bool), FitError> {
    // A maximum on the edge (a parameter heading for 0 or infinity) is no
    // fit: the likelihood is flat there and every number reported would be noise.
    let inside = found.theta.iter().all(|t| t.abs() <= MAX_LN_PARAMETER);
    let curved = cholesky(&found.hessian).is_some();
    if !(inside && curved && found.last_step <= USABLE_STEP) {
        return Err(FitError::NoConvergence {
            iterations: found.iterations,
        });
    }
    let params: Vec<f64> = found.theta.iter().map(|t| t.exp()).collect();
    let errors = standard_errors(found, &params, customers);
    let converged = found.last_step <= CONVERGED_STEP && errors.iter().all(|e| e.is_finite());
    // Short of convergence, a parameter less certain than its own size is
    // one the optimiser was still carrying off to the edge. On 30 random
    // samples of 5 to 100 CDNOW customers, every fit that stopped short was
    // on its way there (`a` and `b` near 1e6, standard errors 3.9 to 40
    // times their size); the fits that converged had each error within 3
    // times its parameter, most within once. A fit that took its last step
    // but whose likelihood is flat somewhere keeps its figures, marked not
    // converged.
    let relative = |i: usize| errors[i] / params[i];
    // The least certain parameter is named: the one on its way out.
    let least_certain = (0..params.len())
        .filter(|&i| relative(i) > UNPINNED_RELATIVE_ERROR)
        .max_by(|&i, &j| relative(i).total_cmp(&relative(j)));
    if found.last_step > CONVERGED_STEP
        && let Some(i) = least_certain
    {
        return Err(FitError::Unpinned {
            name: names[i],
            value: params[i],
            error: errors[i],
        });
    }
    Ok((params, errors, converged))
}

/// sqrt of the diagonal of the inverse Hessian of the total negative
/// log-likelihood in the natural parameters, from the log-parameter Hessian
/// of the mean: `d2f/dp_i dp_j = (H_ij - [i = j] g_i) / (p_i p_j)`
fn standard_errors(found: &Optimum, params: &[f64], customers: f64) -> Vec<f64> {
    let n = params.len();
    let natural: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let diagonal = if i == j { found.gradient[i] } else { 0.0 };
                    customers * (found.hessian[i][j] - diagonal) / (params[i] * params[j])
                })
                .collect()
        })
        .collect();
    let Some(l) = cholesky(&natural) else {
        return vec![f64::NAN; n];
    };
    // Column i of the inverse is the solution of H c = e_i.
    (0..n)
        .map(|i| {
            let unit: Vec<f64> = (0..n).map(|j| f64::from(u8::from(i == j))).collect();
            super::optimize::cholesky_solve(&l, &unit)[i].sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ltv::testdata;

    fn rel(got: f64, want: f64) -> f64 {
        (got - want).abs() / want.abs()
    }

    /// True when `got` rounded to `decimals` places is `published`
    fn rounds_to(got: f64, published: f64, decimals: i32) -> bool {
        (got - published).abs() <= 0.5 * 10f64.powi(-decimals) + 1e-12
    }

    fn cdnow() -> Vec<Rfm> {
        testdata::cdnow_summary().into_iter().map(|row| row.rfm).collect()
    }

    #[test]
    fn one_mistyped_row_stands_out_and_the_published_data_has_none() {
        assert_eq!(standouts(&cdnow()), []);
        assert_eq!(standouts(&cdnow_with_spend()), []);
        let with = |row: Rfm| {
            let mut data = cdnow_with_spend();
            data.insert(7, row);
            standouts(&data)
        };
        let row = |frequency, monetary_value| Rfm {
            frequency,
            recency: 5.0,
            t: 10.0,
            monetary_value,
        };
        let found = with(row(1e12, 3.0));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].index, found[0].field, found[0].value), (7, "frequency", 1e12));
        let found = with(row(2.0, 1e5));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].index, found[0].field, found[0].value),
            (7, "monetary_value", 1e5)
        );
        // The others' 99th percentile, the nearest rank among 2,357 customers' 1,000 repeat buyers.
        let mut spends: Vec<f64> = cdnow_with_spend()
            .iter()
            .filter(|c| c.frequency > 0.0 && c.monetary_value > 0.0)
            .map(|c| c.monetary_value)
            .collect();
        spends.sort_by(f64::total_cmp);
        assert_eq!(found[0].typical, spends[(spends.len() * 99).div_ceil(100) - 1]);
        // A spend 20 times the percentile is no outlier yet; a frequency of a few hundred is one.
        assert_eq!(with(row(2.0, 20.0 * found[0].typical)), []);
        assert_eq!(with(row(1000.0, 3.0)).len(), 1);
    }

    #[test]
    fn a_few_mistyped_rows_all_stand_out_the_largest_first() {
        let mut data = cdnow_with_spend();
        let row = |frequency| Rfm {
            frequency,
            recency: 5.0,
            t: 10.0,
            monetary_value: 3.0,
        };
        for (at, frequency) in [(3, 5e3), (10, 1e6), (20, 1e4), (30, 1e5)] {
            data.insert(at, row(frequency));
        }
        let found: Vec<(usize, f64)> = standouts(&data).iter().map(|s| (s.index, s.value)).collect();
        // Three named, the largest first; each stands out from the customers below it.
        assert_eq!(found, [(10, 1e6), (30, 1e5), (20, 1e4)]);
    }

    fn cdnow_with_spend() -> Vec<Rfm> {
        testdata::cdnow_summary_with_transactions()
            .into_iter()
            .map(|row| row.rfm)
            .collect()
    }

    /// The raw CDNOW log summarised by us, with exact (unrounded) mean spend
    fn cdnow_from_history() -> Vec<Rfm> {
        let end = testdata::day("1997-09-30");
        testdata::cdnow_history()
            .into_iter()
            .filter_map(|(_, mut tx)| super::super::summarize(&mut tx, end, super::super::TimeUnit::Weeks))
            .collect()
    }

    #[test]
    fn bgnbd_reproduces_the_published_cdnow_fit() {
        let fit = fit_bgnbd(&cdnow()).expect("fits");
        let BgNbd { r, alpha, a, b } = fit.params;
        let se = fit.std_errors;
        println!(
            "BG/NBD CDNOW: r = {r:.6}, alpha = {alpha:.6}, a = {a:.6}, b = {b:.6}, \
             log-likelihood = {:.6}, iterations = {}",
            fit.log_likelihood, fit.iterations
        );
        println!(
            "  std errors: r {:.6}, alpha {:.6}, a {:.6}, b {:.6}",
            se.r, se.alpha, se.a, se.b
        );
        assert!(fit.converged);
        assert_eq!(fit.customers, 2357);
        // FHL 2005 print three decimals (one for the log-likelihood). Our r,
        // 0.2426, rounds to their 0.243 but is 1.7e-3 away from it in relative
        // terms; the others are within 5e-4.
        let published = [(r, 0.243, 3), (alpha, 4.414, 3), (a, 0.793, 3), (b, 2.426, 3)];
        for (got, want, decimals) in published {
            assert!(rounds_to(got, want, decimals), "{got} vs published {want}");
        }
        assert!(rounds_to(fit.log_likelihood, -9582.4, 1), "{}", fit.log_likelihood);
        for (got, want) in [(alpha, 4.414), (a, 0.793), (b, 2.426), (fit.log_likelihood, -9582.4)] {
            assert!(rel(got, want) < 5e-4, "{got} vs published {want}");
        }
        // The paper's worked example with our own parameters
        let e = fit.params.expected_purchases(39.0, 2.0, 30.43, 38.86);
        assert!((e - 1.226).abs() < 5e-4, "{e}");
        // Standard errors are positive and small next to the parameters.
        for (s, p) in [(se.r, r), (se.alpha, alpha), (se.a, a), (se.b, b)] {
            assert!(s > 0.0 && s < p, "{s} for {p}");
        }
    }

    #[test]
    fn bgnbd_refit_from_elsewhere_lands_on_the_same_parameters() {
        let data = cdnow();
        let one = fit_bgnbd(&data).expect("fits");
        let starts = [
            BgNbd {
                r: 2.0,
                alpha: 50.0,
                a: 3.0,
                b: 10.0,
            },
            BgNbd {
                r: 0.05,
                alpha: 0.5,
                a: 0.2,
                b: 0.5,
            },
        ];
        for start in starts {
            let two = fit_bgnbd_from(&data, start).expect("fits");
            assert!(two.converged);
            let pairs = [
                (one.params.r, two.params.r),
                (one.params.alpha, two.params.alpha),
                (one.params.a, two.params.a),
                (one.params.b, two.params.b),
            ];
            for (x, y) in pairs {
                assert!(rel(y, x) < 1e-5, "{x} vs {y} from {start:?}");
            }
        }
    }

    #[test]
    fn gamma_gamma_on_the_published_summary() {
        let fit = fit_gamma_gamma(&cdnow_with_spend()).expect("fits");
        let GammaGamma { p, q, v } = fit.params;
        let se = fit.std_errors;
        println!(
            "Gamma-Gamma CDNOW summary: p = {p:.6}, q = {q:.6}, v = {v:.6}, \
             log-likelihood = {:.6}, iterations = {}",
            fit.log_likelihood, fit.iterations
        );
        println!("  std errors: p {:.6}, q {:.6}, v {:.6}", se.p, se.q, se.v);
        assert!(fit.converged);
        assert_eq!(fit.customers, 946);
        assert!(rounds_to(p, 6.25, 2) && rel(p, 6.25) < 5e-4, "{p}");
        assert!(rounds_to(q, 3.74, 2), "{q}");
        // zbar in this file is rounded to the cent, which moves gamma to
        // 15.4477 (15.45 at two decimals, as `lifetimes` reports it). With the
        // exact means the published 15.44 comes back: see the next test.
        assert!(rounds_to(v, 15.45, 2) && rel(v, 15.44) < 1e-3, "{v}");
        let again = fit_gamma_gamma_from(
            &cdnow_with_spend(),
            GammaGamma {
                p: 20.0,
                q: 1.5,
                v: 1.0,
            },
        )
        .expect("fits");
        for (x, y) in [(p, again.params.p), (q, again.params.q), (v, again.params.v)] {
            assert!(rel(y, x) < 1e-5, "{x} vs {y}");
        }
    }

    #[test]
    fn gamma_gamma_on_exact_means_reproduces_the_published_fit() {
        let fit = fit_gamma_gamma(&cdnow_from_history()).expect("fits");
        let GammaGamma { p, q, v } = fit.params;
        println!(
            "Gamma-Gamma CDNOW raw log: p = {p:.6}, q = {q:.6}, v = {v:.6}, log-likelihood = {:.6}",
            fit.log_likelihood
        );
        assert!(fit.converged);
        assert_eq!(fit.customers, 946);
        // q = 3.7442 rounds to the published 3.74 but is 1.1e-3 from it.
        for (got, want) in [(p, 6.25), (q, 3.74), (v, 15.44)] {
            assert!(rounds_to(got, want, 2), "{got} vs published {want}");
        }
        assert!(rel(p, 6.25) < 5e-4 && rel(v, 15.44) < 5e-4, "{p} {v}");
        // BG/NBD from our own summaries agrees with the published-summary fit:
        // the summaries match to their two decimals.
        let bg = fit_bgnbd(&cdnow_from_history()).expect("fits").params;
        let reference = fit_bgnbd(&cdnow()).expect("fits").params;
        for (x, y) in [
            (bg.r, reference.r),
            (bg.alpha, reference.alpha),
            (bg.a, reference.a),
            (bg.b, reference.b),
        ] {
            assert!(rel(x, y) < 1e-3, "{x} vs {y}");
        }
    }

    #[test]
    fn bad_input_is_refused_with_the_customer_named() {
        let good = Rfm {
            frequency: 1.0,
            recency: 2.0,
            t: 3.0,
            monetary_value: 4.0,
        };
        assert_eq!(fit_bgnbd(&[]), Err(FitError::Empty("customers")));
        let nan = Rfm {
            recency: f64::NAN,
            ..good
        };
        let err = fit_bgnbd(&[good, nan]).expect_err("NaN");
        assert!(
            matches!(
                err,
                FitError::NonFinite {
                    index: 1,
                    field: "recency",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.to_string(), "customer 1: recency is NaN, not a finite number");
        let late = Rfm { recency: 5.0, ..good };
        let err = fit_bgnbd(&[late]).expect_err("recency > T");
        assert_eq!(
            err.to_string(),
            "customer 0: recency (5) is after the end of observation (T = 3)"
        );
        let half = Rfm { frequency: 0.5, ..good };
        assert!(matches!(fit_bgnbd(&[half]), Err(FitError::Invalid { index: 0, .. })));
        let err = fit_bgnbd_from(
            &[good],
            BgNbd {
                r: 0.0,
                alpha: 1.0,
                a: 1.0,
                b: 1.0,
            },
        )
        .expect_err("bad start");
        assert_eq!(
            err.to_string(),
            "starting value of `r` must be a positive number, got 0"
        );
        let one_timers = [Rfm {
            frequency: 0.0,
            recency: 0.0,
            t: 3.0,
            monetary_value: 0.0,
        }];
        assert_eq!(
            fit_gamma_gamma(&one_timers),
            Err(FitError::Empty("repeat buyers with a positive monetary value"))
        );
        let inf = Rfm {
            monetary_value: f64::INFINITY,
            ..good
        };
        assert!(matches!(
            fit_gamma_gamma(&[inf]),
            Err(FitError::NonFinite {
                field: "monetary_value",
                ..
            })
        ));
    }

    #[test]
    fn fits_serialise_flat_as_the_json_output_wants() {
        let fit = fit_bgnbd(&cdnow()).expect("fits");
        let json = serde_json::to_value(fit).expect("serialises");
        for key in ["r", "alpha", "a", "b", "log_likelihood", "customers", "converged"] {
            assert!(json.get(key).is_some(), "{key} missing from {json}");
        }
        assert_eq!(json["std_errors"]["alpha"], fit.std_errors.alpha);
        assert_eq!(serde_json::from_value::<BgNbdFit>(json).expect("parses"), fit);
        let gg = fit_gamma_gamma(&cdnow_with_spend()).expect("fits");
        let json = serde_json::to_value(gg).expect("serialises");
        assert_eq!(json["v"], gg.params.v);
    }

    #[test]
    fn data_without_an_interior_maximum_is_an_error() {
        let no_convergence =
            |r: Result<BgNbdFit, FitError>| assert!(matches!(r, Err(FitError::NoConvergence { .. })), "{r:?}");
        // Nobody came back: the likelihood keeps rising as purchase rates go
        // to zero.
        let one_timers: Vec<Rfm> = (1..50)
            .map(|k| Rfm {
                frequency: 0.0,
                recency: 0.0,
                t: f64::from(k),
                monetary_value: 0.0,
            })
            .collect();
        assert_eq!(fit_bgnbd(&one_timers), Err(FitError::NoRepeatPurchase));
        // Everybody just bought: nobody ever seems to drop out.
        let loyal: Vec<Rfm> = (1..50)
            .map(|k| Rfm {
                frequency: 3.0,
                recency: f64::from(k),
                t: f64::from(k),
                monetary_value: 0.0,
            })
            .collect();
        no_convergence(fit_bgnbd(&loyal));
        // Identical customers carry no information about the spread.
        let clones = vec![
            Rfm {
                frequency: 2.0,
                recency: 5.0,
                t: 10.0,
                monetary_value: 3.0
            };
            10
        ];
        no_convergence(fit_bgnbd(&clones));
        let err = fit_gamma_gamma(&clones).expect_err("no spread in spend");
        assert!(err.to_string().starts_with("the fit did not converge after"), "{err}");
    }

    #[test]
    fn a_fit_creeping_to_the_edge_is_no_fit() {
        // 20 CDNOW customers on which the optimiser carries `a` and `b` off
        // towards infinity and stops short near 1e6, with a standard error
        // 8 times that: once reported as a usable fit.
        let rows = [
            (0, 0.0, 27.29),
            (0, 0.0, 32.14),
            (6, 26.43, 29.86),
            (0, 0.0, 34.0),
            (0, 0.0, 27.86),
            (0, 0.0, 35.29),
            (0, 0.0, 28.0),
            (2, 14.29, 37.57),
            (0, 0.0, 35.0),
            (0, 0.0, 32.43),
            (0, 0.0, 36.57),
            (5, 21.14, 33.43),
            (2, 17.0, 28.14),
            (0, 0.0, 28.0),
            (0, 0.0, 27.0),
            (0, 0.0, 36.86),
            (0, 0.0, 32.43),
            (4, 24.71, 32.14),
            (6, 19.57, 31.43),
            (0, 0.0, 30.43),
        ];
        let data: Vec<Rfm> = rows
            .iter()
            .map(|&(frequency, recency, t)| Rfm {
                frequency: f64::from(frequency),
                recency,
                t,
                monetary_value: 0.0,
            })
            .collect();
        match fit_bgnbd(&data) {
            Err(FitError::Unpinned { name, value, error }) => {
                assert_eq!(name, "a");
                assert!(value > 1e5 && error > 5.0 * value, "{value} {error}");
            }
            other => panic!("{other:?}"),
        }
        // One customer: nothing to pin anything down.
        let one = [Rfm {
            frequency: 1.0,
            recency: 4.428571428571429,
            t: 4.428571428571429,
            monetary_value: 0.0,
        }];
        assert!(
            matches!(fit_bgnbd(&one), Err(FitError::Unpinned { .. })),
            "{:?}",
            fit_bgnbd(&one)
        );
    }

    #[test]
    fn a_line_search_that_never_ends_is_cut_short() {
        // Five customers on which argmin's Moré-Thuente line search asked
        // about one point forever: the fit must end, here as not converged.
        let rows = [(2.0, 30.43), (1.0, 1.71), (0.0, 0.0), (3.0, 20.0), (1.0, 35.0)];
        let data: Vec<Rfm> = rows
            .iter()
            .map(|&(frequency, recency)| Rfm {
                frequency,
                recency,
                t: 38.86,
                monetary_value: 0.0,
            })
            .collect();
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || send.send(fit_bgnbd(&data)));
        let fit = receive
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the fit ends");
        assert!(matches!(fit, Err(FitError::NoConvergence { .. })), "{fit:?}");
    }
}
