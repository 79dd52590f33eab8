//! The Gauss hypergeometric function 2F1 in log space.
//!
//! BG/NBD's conditional expectation multiplies 2F1(r + x, b + x; a + b + x - 1; z)
//! by (1 - z)^(r + x). For a customer with a few hundred repeat purchases the
//! first factor overflows f64 and the second underflows, although their product
//! is an ordinary number. Returning ln|2F1| keeps every intermediate finite.
//!
//! The power series is summed with a running scale factor, so no term can
//! overflow. For 0 <= z < 1 Euler's transformation
//! 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z) usually turns a
//! slowly converging series with huge terms into a short one; negative z is
//! mapped into [0, 1) by Pfaff's transformation first. The series needs about
//! 35 / (1 - z) terms in the worst case, so it suits z not extremely close to 1.

/// ln|F| and the sign of F, for a value F that may not fit in an f64
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LnValue {
    /// Natural log of the absolute value (`-inf` for zero)
    pub ln_abs: f64,
    /// +1.0 or -1.0
    pub sign: f64,
}

impl LnValue {
    /// The value itself, which may overflow to infinity or underflow to zero
    pub fn value(&self) -> f64 {
        self.sign * self.ln_abs.exp()
    }

    fn nan() -> Self {
        LnValue {
            ln_abs: f64::NAN,
            sign: f64::NAN,
        }
    }
}

/// Terms beyond which a series is abandoned; reached only for z within about
/// 1e-5 of 1, where the partial sum is returned
const MAX_TERMS: usize = 10_000_000;

/// Cancellation (ln of largest term over result) we accept before trying the
/// other form: about two digits
const MAX_LN_CANCELLATION: f64 = 4.0;

/// Cancellation beyond which the result has fewer than about five correct
/// digits and NaN is returned instead
const MAX_LN_USABLE: f64 = 25.0;

/// ln|2F1(a, b; c; z)| and its sign, for real parameters and z < 1
///
/// NaN when z >= 1, any argument is NaN, c is a non-positive integer that
/// the series cannot get past (the function has a pole there), or every
/// form at hand loses more than ten digits to cancellation (large parameters
/// of mixed sign, or large ones with z < 0). With a, b, c > 0 and
/// 0 <= z < 1, as in BG/NBD, the direct series has no cancellation at all.
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> LnValue {
    if z.is_nan() || z >= 1.0 || a.is_nan() || b.is_nan() || c.is_nan() {
        return LnValue::nan();
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return LnValue { ln_abs: 0.0, sign: 1.0 };
    }
    if z < 0.0 {
        // Pfaff: 2F1(a, b; c; z) = (1 - z)^-a 2F1(a, c - b; c; z / (z - 1)),
        // and z / (z - 1) lies in (0, 1).
        let w = z / (z - 1.0);
        let inner = ln_hyp2f1_unit(a, c - b, c, w);
        return LnValue {
            ln_abs: inner.ln_abs - a * (-z).ln_1p(),
            sign: inner.sign,
        };
    }
    ln_hyp2f1_unit(a, b, c, z)
}

/// 0 < z < 1: the direct series or Euler's form, whichever sums cleanly
fn ln_hyp2f1_unit(a: f64, b: f64, c: f64, z: f64) -> LnValue {
    let excess = c - a - b;
    let euler_prefactor = excess * (-z).ln_1p();
    let direct = || series(a, b, c, z);
    let euler = || {
        series(c - a, c - b, c, z).map(|s| Sum {
            ln_abs: s.ln_abs + euler_prefactor,
            ln_max_term: s.ln_max_term + euler_prefactor,
            ..s
        })
    };
    // A negative excess makes 2F1 blow up as z -> 1 and the direct terms grow
    // for long; the Euler form then has small terms and converges fast.
    let (first, second): (&dyn Fn() -> Option<Sum>, &dyn Fn() -> Option<Sum>) = if excess < 0.0 {
        (&euler, &direct)
    } else {
        (&direct, &euler)
    };
    let best = match first() {
        Some(s) if s.cancellation() <= MAX_LN_CANCELLATION => Some(s),
        attempt => match (attempt, second()) {
            (Some(x), Some(y)) => Some(if y.cancellation() < x.cancellation() { y } else { x }),
            (x, y) => x.or(y),
        },
    };
    match best {
        Some(s) if s.cancellation() <= MAX_LN_USABLE => LnValue {
            ln_abs: s.ln_abs,
            sign: s.sign,
        },
        _ => LnValue::nan(),
    }
}

/// A summed series with the log of its largest term, which measures how many
/// digits were lost to cancellation
#[derive(Debug, Clone, Copy)]
struct Sum {
    ln_abs: f64,
    sign: f64,
    ln_max_term: f64,
}

impl Sum {
    fn cancellation(&self) -> f64 {
        self.ln_max_term - self.ln_abs
    }
}

/// Sums sum_n (a)_n (b)_n / ((c)_n n!) z^n for 0 < z < 1, or `None` if a
/// denominator vanishes (c a non-positive integer reached before the series ends)
fn series(a: f64, b: f64, c: f64, z: f64) -> Option<Sum> {
    const RESCALE_ABOVE: f64 = 1e200;
    // Actual values are the scaled ones times exp(ln_scale).
    let mut ln_scale = 0.0;
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut max_term = 1.0_f64;
    for n in 0..MAX_TERMS {
        let n = n as f64;
        let denominator = (c + n) * (n + 1.0);
        if denominator == 0.0 {
            return None;
        }
        let ratio = (a + n) * (b + n) / denominator * z;
        term *= ratio;
        if term == 0.0 {
            break;
        }
        sum += term;
        let size = term.abs();
        max_term = max_term.max(size);
        if size > RESCALE_ABOVE {
            term /= size;
            sum /= size;
            max_term /= size;
            ln_scale += size.ln();
        }
        // Past the largest terms the ratios tend to z, either falling towards
        // it or rising towards it, so the tail is at most a geometric series
        // with ratio max(|ratio|, z).
        let rho = ratio.abs().max(z);
        if rho < 1.0 && size * rho <= f64::EPSILON * (1.0 - rho) * sum.abs() {
            break;
        }
    }
    Some(Sum {
        ln_abs: sum.abs().ln() + ln_scale,
        sign: if sum < 0.0 { -1.0 } else { 1.0 },
        ln_max_term: max_term.ln() + ln_scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs().max(f64::MIN_POSITIVE),
            "got {got:e}, want {want:e}, rel err {:e}",
            (got - want).abs() / want.abs()
        );
    }

    fn f(a: f64, b: f64, c: f64, z: f64) -> f64 {
        ln_hyp2f1(a, b, c, z).value()
    }

    #[test]
    fn elementary_closed_forms() {
        for z in [1e-9, 0.1, 0.5, 0.9, 0.99, 0.999] {
            // 2F1(1, 1; 2; z) = -ln(1 - z) / z
            close(f(1.0, 1.0, 2.0, z), -(-z).ln_1p() / z, 1e-13);
            // 2F1(a, b; b; z) = (1 - z)^-a
            close(f(2.5, 3.0, 3.0, z), (1.0 - z).powf(-2.5), 1e-13);
            // 2F1(1/2, 1/2; 3/2; s^2) = asin(s) / s
            let s = z.sqrt();
            close(f(0.5, 0.5, 1.5, z), s.asin() / s, 1e-13);
        }
        // 2F1(1/2, 1; 3/2; -s^2) = atan(s) / s, through Pfaff's transformation
        for s in [0.3_f64, 1.0, 3.0, 30.0] {
            close(f(0.5, 1.0, 1.5, -s * s), s.atan() / s, 1e-13);
        }
    }

    #[test]
    fn polynomials_terminate() {
        // 2F1(-2, b; c; z) = 1 - 2bz/c + b(b+1)z^2/(c(c+1))
        let (b, c, z) = (3.0, 4.0, 0.7);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        close(f(-2.0, b, c, z), want, 1e-14);
        assert_eq!(ln_hyp2f1(-2.0, b, c, z).sign, 1.0);
        // A negative value: 2F1(-1, 1; 1; z) = 1 - z
        let v = ln_hyp2f1(-1.0, 1.0, 1.0, 3.0 / 4.0 + 0.2);
        assert_eq!(v.sign, 1.0);
        close(v.value(), 0.05, 1e-13);
        let v = ln_hyp2f1(-1.0, 2.0, 1.0, 0.75);
        assert_eq!(v.sign, -1.0);
        close(v.value(), -0.5, 1e-13);
    }

    /// Values from mpmath 1.3 (`mp.dps = 30; log(hyp2f1(a, b, c, z))`).
    #[test]
    fn matches_mpmath_where_f64_would_overflow() {
        let cases = [
            // the BG/NBD shape: r + x, b + x, a + b + x - 1 with x = 1000
            (1000.243, 1002.426, 1002.219, 0.5, 1.0, 693.458_892_587_013_7),
            (1000.243, 1002.426, 1002.219, 0.9, 1.0, 2_303.620_888_514_882),
            (5.0, 7.0, 3.5, 0.999, 1.0, 59.708_155_510_881_69),
            // moderate parameters, ordinary values
            (0.243, 2.426, 2.219, 0.7, 1.0, 0.333_058_861_316_12),
            (2.243, 4.426, 5.219, 0.3, 1.0, 0.669_610_908_108_412_6),
            (1.5, -0.3, 2.5, 0.95, 1.0, -0.296_328_261_082_769_4),
            // alternating terms and a negative value
            (-20.5, 3.0, 2.5, 0.9, -1.0, -9.769_246_659_234_332),
            // z < 0, through Pfaff's transformation
            (30.0, 2.0, 40.0, -5.0, 1.0, -3.100_262_567_271_708_7),
            (1.5, 2.0, 3.5, -5.0, 1.0, -1.787_994_398_877_33),
            (0.243, 2.426, 2.219, -0.99, 1.0, -0.179_605_154_335_999_82),
            (200.0, 3.5, 250.0, -20.0, 1.0, -9.909_194_849_892_822),
        ];
        for (a, b, c, z, sign, want) in cases {
            let got = ln_hyp2f1(a, b, c, z);
            assert_eq!(got.sign, sign, "sign of 2F1({a}, {b}; {c}; {z})");
            close(got.ln_abs, want, 1e-12);
        }
    }

    #[test]
    fn outside_the_domain_is_nan() {
        assert!(ln_hyp2f1(1.0, 1.0, 2.0, 1.0).ln_abs.is_nan());
        assert!(ln_hyp2f1(1.0, 1.0, 2.0, f64::NAN).ln_abs.is_nan());
        assert!(ln_hyp2f1(1.0, 1.0, -2.0, 0.5).ln_abs.is_nan());
        // Every form cancels catastrophically (the value is e^-69, the terms
        // e^+40): better no answer than a wrong one.
        assert!(ln_hyp2f1(30.0, 40.0, 2.0, -5.0).ln_abs.is_nan());
        assert_eq!(ln_hyp2f1(1.0, 1.0, 2.0, 0.0), LnValue { ln_abs: 0.0, sign: 1.0 });
    }
}
