//! Times the LTV fits: CDNOW (2,357 customers) and a million synthetic ones.
//!
//! The synthetic customers are drawn from the BG/NBD and Gamma-Gamma
//! processes themselves, with CDNOW's published parameters converted to days,
//! as day-stamped transactions that go through `summarize` like real history.
//! The fits should recover the parameters they were drawn from, up to the
//! bias of recording purchases by the day (pass TICKS_PER_DAY = 1000 to record
//! them by the 1/1000 day instead, and the bias goes away).
//!
//! It then scores every customer as `goodwill ltv` does (`ltv::score`);
//! with `LTV_BENCH_ONE_BY_ONE=1` also one customer at a time with `ltv::clv`,
//! and checks the two agree bit for bit. With `LTV_BENCH_HISTORY=FILE` it
//! only writes the synthetic transactions as a history CSV (day 0 is
//! 2025-01-01), for timing the binary: see BENCHMARKS.md.
//!
//!     cargo run --release --example ltv_fit_bench [CUSTOMERS [TICKS_PER_DAY]]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use goodwill::ltv::{
    BgNbd, GammaGamma, LtvModel, Rfm, Settings, TimeUnit, clv, fit_bgnbd, fit_gamma_gamma, score, summarize,
};
use rayon::prelude::*;

const CDNOW: &str = include_str!("../tests/data/cdnow/cdnow_customers_summary_with_transactions.csv");
const SEED: u64 = 20_050_401;
/// Customers join over 12 weeks and are observed until the end of week 39.
const COHORT_DAYS: u32 = 84;
const OBSERVED_DAYS: u32 = 273;

/// The simulated calendar: time is recorded in whole ticks
#[derive(Clone, Copy)]
struct Clock {
    ticks_per_day: u32,
}

impl Clock {
    fn cohort(self) -> u64 {
        u64::from(COHORT_DAYS * self.ticks_per_day)
    }

    /// The last observed tick
    fn end(self) -> i32 {
        i32::try_from(OBSERVED_DAYS * self.ticks_per_day).expect("fits in i32") - 1
    }
}

fn main() {
    let arg = |i: usize| std::env::args().nth(i).and_then(|n| n.parse::<u32>().ok());
    let customers = arg(1).map_or(1_000_000, |n| n as usize);
    let clock = Clock {
        ticks_per_day: arg(2).unwrap_or(1).max(1),
    };
    println!("threads: {}", rayon::current_num_threads());

    let cdnow = cdnow();
    let runs = 20;
    let (bg, bg_time) = best_of(runs, || fit_bgnbd(&cdnow));
    let (gg, gg_time) = best_of(runs, || fit_gamma_gamma(&cdnow));
    let (bg, gg) = (bg.expect("CDNOW fits"), gg.expect("CDNOW fits"));
    println!("\nCDNOW, {} customers (best of {runs} runs)", cdnow.len());
    println!(
        "  BG/NBD       {:>9.3} ms  {:?}  ll {:.4}",
        ms(bg_time),
        bg.params,
        bg.log_likelihood
    );
    println!(
        "  Gamma-Gamma  {:>9.3} ms  {:?}  ll {:.4}",
        ms(gg_time),
        gg.params,
        gg.log_likelihood
    );

    let ticks_per_week = 7.0 * f64::from(clock.ticks_per_day);
    let truth_bg = BgNbd {
        r: 0.243,
        alpha: 4.414 * ticks_per_week,
        a: 0.793,
        b: 2.426,
    };
    let truth_gg = GammaGamma {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };
    if let Some(path) = std::env::var_os("LTV_BENCH_HISTORY") {
        let path = path.to_string_lossy().into_owned();
        let start = Instant::now();
        write_history(&path, customers, clock, &truth_bg, &truth_gg).expect("writes the history");
        println!(
            "\nwrote {customers} customers' history to `{path}` in {:.0} ms",
            ms(start.elapsed())
        );
        return;
    }
    let start = Instant::now();
    let data = synthetic(customers, clock, &truth_bg, &truth_gg);
    let generated = start.elapsed();
    let unique: HashSet<(u64, u64, u64)> = data
        .iter()
        .map(|c| {
            (
                c.frequency.to_bits(),
                if c.frequency > 0.0 { c.recency.to_bits() } else { 0 },
                c.t.to_bits(),
            )
        })
        .collect();
    let pairs: HashSet<(u64, u64)> = data.iter().map(|c| (c.frequency.to_bits(), c.t.to_bits())).collect();
    let repeat = data.iter().filter(|c| c.frequency > 0.0).count();
    println!(
        "\nsynthetic, {} customers, time in 1/{} days ({} repeat buyers, {} unique (x, t_x, T) \
         rows, {} unique (x, T) pairs), generated and summarised in {:.0} ms",
        data.len(),
        clock.ticks_per_day,
        repeat,
        unique.len(),
        pairs.len(),
        ms(generated)
    );

    let start = Instant::now();
    let bg = fit_bgnbd(&data).expect("synthetic data fits");
    let bg_time = start.elapsed();
    let start = Instant::now();
    let gg = fit_gamma_gamma(&data).expect("synthetic data fits");
    let gg_time = start.elapsed();
    println!(
        "  BG/NBD       {:>9.1} ms  {} iterations, converged {}",
        ms(bg_time),
        bg.iterations,
        bg.converged
    );
    let (p, s, t) = (bg.params, bg.std_errors, truth_bg);
    for (name, got, se, truth) in [
        ("r", p.r, s.r, t.r),
        ("alpha", p.alpha, s.alpha, t.alpha),
        ("a", p.a, s.a, t.a),
        ("b", p.b, s.b, t.b),
    ] {
        println!("    {name:<6} {got:>10.5} ± {se:.5}   (drawn with {truth})");
    }
    println!(
        "  Gamma-Gamma  {:>9.1} ms  {} iterations, converged {}",
        ms(gg_time),
        gg.iterations,
        gg.converged
    );
    let (p, s, t) = (gg.params, gg.std_errors, truth_gg);
    for (name, got, se, truth) in [("p", p.p, s.p, t.p), ("q", p.q, s.q, t.q), ("v", p.v, s.v, t.v)] {
        println!("    {name:<6} {got:>10.5} ± {se:.5}   (drawn with {truth})");
    }

    // What `goodwill ltv` does for every customer once the models are fitted;
    // months are 30 days, so only at day resolution.
    if clock.ticks_per_day != 1 {
        return;
    }
    let model = LtvModel {
        time_unit: TimeUnit::Days,
        bgnbd: bg.params,
        gamma_gamma: Some(gg.params),
    };
    let settings = Settings {
        margin: 0.3,
        horizon_months: 36,
        annual_discount_rate: 0.1,
        periods: 1080.0,
        spend_known: true,
    };
    let start = Instant::now();
    let scores = score(&model, &data, &settings);
    let scored = start.elapsed();
    let total: f64 = scores.iter().filter_map(|s| s.clv).sum();
    println!(
        "  scoring (P(alive), E[purchases], CLV 36 months), every customer: {:.0} ms (mean CLV {:.4})",
        ms(scored),
        total / data.len() as f64
    );
    if std::env::var_os("LTV_BENCH_ONE_BY_ONE").is_some() {
        // The same CLV one customer at a time, as before scoring shared work
        let start = Instant::now();
        let one_by_one: Vec<f64> = data
            .par_iter()
            .map(|c| clv(&bg.params, &gg.params, c, 0.3, 36, 0.1, TimeUnit::Days))
            .collect();
        let identical = one_by_one.iter().zip(&scores).all(|(a, s)| s.clv == Some(*a));
        println!(
            "  CLV one customer at a time: {:.0} ms (bit for bit the same: {identical})",
            ms(start.elapsed())
        );
    }
}

/// Writes the synthetic customers' transactions as a history CSV, for timing
/// `goodwill ltv --history` itself
fn write_history(path: &str, customers: usize, clock: Clock, bg: &BgNbd, gg: &GammaGamma) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "customer_id,date,amount")?;
    // Day 0 of the simulation is 2025-01-01.
    let epoch = goodwill::date::parse("2025-01-01").expect("a date");
    let mut tx = Vec::new();
    for block in 0..customers.div_ceil(BLOCK) {
        let mut rng = block_rng(block);
        for k in 0..BLOCK.min(customers - block * BLOCK) {
            draw_customer(&mut rng, clock, bg, gg, &mut tx);
            for &(day, amount) in &tx {
                let date = goodwill::date::format(epoch + day);
                writeln!(out, "C{},{date},{amount:.2}", block * BLOCK + k + 1)?;
            }
        }
    }
    out.flush()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, Duration) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed());
        out = Some(value);
    }
    (out.expect("at least one run"), best)
}

fn cdnow() -> Vec<Rfm> {
    CDNOW
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<f64> = line.split(',').map(|v| v.parse().expect("number")).collect();
            Rfm {
                frequency: f[1],
                recency: f[2],
                t: f[3],
                monetary_value: f[4],
            }
        })
        .collect()
}

/// Draws `n` customers' transactions and summarises them, in parallel with a
/// generator per block of customers, so the data depends only on the seed
fn synthetic(n: usize, clock: Clock, bg: &BgNbd, gg: &GammaGamma) -> Vec<Rfm> {
    (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .flat_map_iter(|block| {
            let mut rng = block_rng(block);
            let count = BLOCK.min(n - block * BLOCK);
            let mut tx = Vec::new();
            (0..count)
                .map(|_| {
                    draw_customer(&mut rng, clock, bg, gg, &mut tx);
                    summarize(&mut tx, clock.end(), TimeUnit::Days).expect("first purchase is observed")
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Customers per generator
const BLOCK: usize = 10_000;

/// The generator of a block of customers
fn block_rng(block: usize) -> Rng {
    Rng::new(SEED ^ (block as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// One customer's day-stamped transactions: buys at Poisson rate lambda while
/// alive, drops out with probability p after each repeat purchase; each
/// purchase is worth Gamma(p, nu)
fn draw_customer(rng: &mut Rng, clock: Clock, bg: &BgNbd, gg: &GammaGamma, tx: &mut Vec<(i32, f64)>) {
    tx.clear();
    let lambda = rng.gamma(bg.r) / bg.alpha;
    let dropout = {
        let x = rng.gamma(bg.a);
        x / (x + rng.gamma(bg.b))
    };
    let nu = rng.gamma(gg.q) / gg.v;
    let mut time = (rng.below(clock.cohort()) as f64) + rng.uniform();
    tx.push((time.floor() as i32, rng.gamma(gg.p) / nu));
    loop {
        time += -rng.uniform().ln() / lambda;
        if time >= f64::from(clock.end() + 1) {
            break;
        }
        tx.push((time.floor() as i32, rng.gamma(gg.p) / nu));
        if rng.uniform() < dropout {
            break;
        }
    }
}

/// xoshiro256++ seeded through SplitMix64
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut s = seed;
        let mut next = || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// Uniform in (0, 1), never 0 so that its log is finite
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000), boosted for shape < 1
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
}
