//! A synthetic data set in goodwill's input formats, for the batch benchmark.
//!
//! `cargo run --release --example gen_data -- OUTDIR [--customers N] [--incidents M] [--seed S]`
//!
//! Writes OUTDIR/history.csv (about 8 transactions a customer, 4% refunded
//! three days later), OUTDIR/customers.csv (tier, plan, plan_price,
//! signup_date), OUTDIR/ledger.csv (past goodwill, one row per 20 customers)
//! and OUTDIR/incidents.csv (six kinds, about 2% unknown customers, with
//! coupon_pct and remaining_payments columns). The shape is that of the
//! project's Python generator (same distributions, same columns, `\r\n` line
//! ends as Python's csv module writes); the values differ, being drawn from
//! a small deterministic generator of our own: same seed, same files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use chrono::{Duration, NaiveDate};

/// SplitMix64: tiny, fast and good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }

    fn expovariate(&mut self, lambda: f64) -> f64 {
        -(1.0 - self.random()).ln() / lambda
    }

    fn gauss(&mut self, mu: f64, sigma: f64) -> f64 {
        // Box-Muller.
        let (u, v) = (1.0 - self.random(), self.random());
        mu + sigma * (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    fn lognormvariate(&mut self, mu: f64, sigma: f64) -> f64 {
        self.gauss(mu, sigma).exp()
    }

    /// An index drawn with the given weights.
    fn choice(&mut self, weights: &[f64]) -> usize {
        let mut x = self.random() * weights.iter().sum::<f64>();
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

const KINDS: [(&str, f64); 6] = [
    ("expired_coupon", 0.30),
    ("late_delivery", 0.25),
    ("defective_item", 0.20),
    ("payment_failed", 0.10),
    ("missed_deadline", 0.08),
    ("billing_error", 0.07),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let (mut customers, mut incidents, mut seed) = (10_000u64, 10_000u64, 7u64);
    while let Some(arg) = args.next() {
        let mut value = || -> Result<u64, Box<dyn std::error::Error>> {
            Ok(args.next().ok_or(format!("`{arg}` needs a value"))?.parse()?)
        };
        match arg.as_str() {
            "--customers" => customers = value()?,
            "--incidents" => incidents = value()?,
            "--seed" => seed = value()?,
            _ if out.is_none() => out = Some(PathBuf::from(&arg)),
            _ => return Err(format!("unexpected argument `{arg}`").into()),
        }
    }
    let dir = out.ok_or("usage: gen_data OUTDIR [--customers N] [--incidents M] [--seed S]")?;
    std::fs::create_dir_all(&dir)?;
    let mut rng = Rng(seed);
    let start = NaiveDate::from_ymd_opt(2021, 1, 1).ok_or("bad date")?;
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).ok_or("bad date")?;
    let span = (end - start).num_days() as u64;
    let create = |name: &str| -> std::io::Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(1 << 20, File::create(dir.join(name))?))
    };

    let mut h = create("history.csv")?;
    let mut c = create("customers.csv")?;
    write!(h, "customer_id,date,amount,order_id\r\n")?;
    write!(c, "customer_id,tier,plan,plan_price,signup_date\r\n")?;
    let mut order = 0u64;
    for i in 0..customers {
        let signup = start + Duration::days(rng.below(span) as i64);
        let n = ((rng.expovariate(1.0 / 8.0) as u64) + 1).min(200);
        let aov = rng.lognormvariate(3.6, 0.6);
        let mut d = signup;
        for _ in 0..n {
            d += Duration::days(rng.expovariate(1.0 / 45.0) as i64 + 1);
            if d > end {
                break;
            }
            order += 1;
            let amount = (rng.gauss(aov, aov * 0.3).max(1.0) * 100.0).round() / 100.0;
            write!(h, "C{i:07},{d},{amount:.2},O{order}\r\n")?;
            if rng.random() < 0.04 {
                write!(h, "C{i:07},{},{:.2},O{order}\r\n", d + Duration::days(3), -amount)?;
            }
        }
        let tier = ["bronze", "silver", "gold", "platinum"][rng.choice(&[50.0, 30.0, 15.0, 5.0])];
        let (plan, price) = [("none", "0"), ("monthly", "19.99"), ("weekly", "9.99")][rng.below(3) as usize];
        write!(c, "C{i:07},{tier},{plan},{price},{signup}\r\n")?;
    }
    h.flush()?;
    c.flush()?;

    let mut l = create("ledger.csv")?;
    write!(l, "customer_id,date,gesture,cost\r\n")?;
    for _ in 0..customers / 20 {
        let who = rng.below(customers.max(1));
        let day = end - Duration::days(rng.below(500) as i64);
        let gesture = ["discount_10", "credit_15", "honor_coupon"][rng.below(3) as usize];
        write!(l, "C{who:07},{day},{gesture},{:.2}\r\n", rng.uniform(5.0, 60.0))?;
    }
    l.flush()?;

    let mut f = create("incidents.csv")?;
    write!(
        f,
        "case_id,customer_id,date,kind,loss,order_value,severity,channel,coupon_pct,remaining_payments\r\n"
    )?;
    let weights: Vec<f64> = KINDS.iter().map(|k| k.1).collect();
    let known = (customers as f64 * 1.02) as u64; // about 2% unknown customers
    for j in 0..incidents {
        let who = rng.below(known.max(1));
        let kind = KINDS[rng.choice(&weights)].0;
        let day = end - Duration::days(rng.below(700) as i64);
        let ov = (rng.lognormvariate(3.7, 0.7) * 100.0).round() / 100.0;
        let pct = if kind == "expired_coupon" {
            [10, 15, 20, 25][rng.below(4) as usize]
        } else {
            0
        };
        let loss = match kind {
            "expired_coupon" => ov * f64::from(pct) / 100.0,
            "late_delivery" => ov * 0.2,
            "defective_item" => ov,
            "payment_failed" => rng.uniform(20.0, 140.0),
            "missed_deadline" => ov * 0.5,
            _ => rng.uniform(5.0, 80.0),
        };
        let remaining = if kind == "payment_failed" { rng.below(19) + 1 } else { 0 };
        let severity = rng.below(5) + 1;
        let channel = ["chat", "phone", "email"][rng.below(3) as usize];
        write!(
            f,
            "K{j:08},C{who:07},{day},{kind},{loss:.2},{ov:.2},{severity},{channel},{pct},{remaining}\r\n"
        )?;
    }
    f.flush()?;
    Ok(())
}
