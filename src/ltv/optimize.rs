//! Maximum likelihood over log-parameters, tight enough to trust the fifth digit.
//!
//! The LTV likelihoods are flat along ridges (r against alpha, a against b):
//! a fit that stops when the likelihood stops moving can leave parameters a
//! percent off. So argmin's BFGS brings the parameters close, then Newton
//! steps on a numerical Hessian of the analytic gradient run until a step
//! changes no parameter by more than 1e-10 of itself. The final Hessian also
//! gives the standard errors.
//!
//! The Newton phase is written here rather than with argmin because
//! argmin-math's `Vec` backend has no matrix inverse, which argmin's Newton
//! solver needs, and its Newton-CG stops on the change in cost, not on the
//! size of the step.

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::BFGS;

/// A smooth function of log-parameters to minimise
pub(crate) trait Objective: Sync {
    /// The value and its gradient; the value is not finite where undefined
    fn value_gradient(&self, theta: &[f64]) -> (f64, Vec<f64>);
}

/// Where the minimisation ended
#[derive(Debug, Clone)]
pub(crate) struct Optimum {
    /// Log-parameters at the minimum
    pub theta: Vec<f64>,
    /// Gradient there
    pub gradient: Vec<f64>,
    /// Numerical Hessian there
    pub hessian: Vec<Vec<f64>>,
    /// Largest change a further Newton step would make to any log-parameter
    pub last_step: f64,
    /// BFGS iterations plus Newton iterations
    pub iterations: u64,
}

/// A Newton step below this changes no parameter by more than this share:
/// the fit is done
const STEP_DONE: f64 = 1e-10;
const MAX_BFGS_ITERATIONS: u64 = 500;
/// Values and gradients BFGS may ask for, line searches included: the
/// CDNOW fits ask 55-74. argmin's Moré-Thuente line search has no limit of its
/// own, and on some near-degenerate data it asks about the same point
/// forever; past this budget BFGS is given up, and the Newton phase goes on
/// from the best point seen.
const MAX_BFGS_EVALUATIONS: u64 = 20_000;
const MAX_NEWTON_ITERATIONS: u64 = 100;
/// Central-difference step for the Hessian, in log-parameters: balances the
/// truncation error (h^2) against rounding in the gradient (eps / h)
const HESSIAN_STEP: f64 = 1e-5;

/// Minimises `objective` from `start`; `None` if no finite value was ever found
pub(crate) fn minimise<O: Objective>(objective: &O, start: Vec<f64>) -> Option<Optimum> {
    let problem = Tracked {
        objective,
        memory: Mutex::new(Memory::default()),
    };
    let bfgs_iterations = run_bfgs(&problem, start.clone()).unwrap_or(0);
    // The best point seen survives even a line search that gave up half way.
    let theta = lock(&problem.memory).best.take().map_or(start, |best| best.theta);
    newton(objective, theta, bfgs_iterations)
}

fn run_bfgs<O: Objective>(problem: &Tracked<'_, O>, start: Vec<f64>) -> Option<u64> {
    let dim = start.len();
    let identity: Vec<Vec<f64>> = (0..dim)
        .map(|i| (0..dim).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let solver = BFGS::new(MoreThuenteLineSearch::new()).with_tolerance_grad(1e-8).ok()?;
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(start).inv_hessian(identity).max_iters(MAX_BFGS_ITERATIONS))
        .ctrlc(false)
        .run()
        .ok()?;
    Some(result.state().get_iter())
}

fn newton<O: Objective>(objective: &O, mut theta: Vec<f64>, mut iterations: u64) -> Option<Optimum> {
    let (mut value, mut gradient) = objective.value_gradient(&theta);
    if !value.is_finite() {
        return None;
    }
    let mut hessian = numerical_hessian(objective, &theta);
    let mut last_step = f64::INFINITY;
    for round in 0..=MAX_NEWTON_ITERATIONS {
        let step = damped_newton_step(&hessian, &gradient);
        last_step = max_abs(&step);
        if last_step <= STEP_DONE || round == MAX_NEWTON_ITERATIONS {
            break;
        }
        iterations += 1;
        let Some((next, next_value, next_gradient)) = line_search(objective, &theta, &step, value, &gradient) else {
            break;
        };
        theta = next;
        value = next_value;
        gradient = next_gradient;
        hessian = numerical_hessian(objective, &theta);
    }
    Some(Optimum {
        theta,
        gradient,
        hessian,
        last_step,
        iterations,
    })
}

/// Backtracks along `step` until the value falls, or holds within rounding
/// while the gradient shrinks (at the optimum the value cannot fall any more)
fn line_search<O: Objective>(
    objective: &O,
    theta: &[f64],
    step: &[f64],
    value: f64,
    gradient: &[f64],
) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let rounding = 1e-14 * value.abs().max(1.0);
    let mut scale = 1.0;
    for _ in 0..40 {
        let candidate: Vec<f64> = theta.iter().zip(step).map(|(t, s)| t + scale * s).collect();
        let (v, g) = objective.value_gradient(&candidate);
        if v.is_finite() && (v < value || (v <= value + rounding && norm(&g) < norm(gradient))) {
            return Some((candidate, v, g));
        }
        scale *= 0.5;
    }
    None
}

/// Solves H d = -g, adding a multiple of the identity to H until it is
/// positive definite, so the step always goes downhill
fn damped_newton_step(hessian: &[Vec<f64>], gradient: &[f64]) -> Vec<f64> {
    let rhs: Vec<f64> = gradient.iter().map(|g| -g).collect();
    let scale = hessian
        .iter()
        .enumerate()
        .map(|(i, row)| row[i].abs())
        .fold(0.0, f64::max);
    let mut shift = 0.0;
    loop {
        let shifted: Vec<Vec<f64>> = hessian
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.iter()
                    .enumerate()
                    .map(|(j, h)| h + if i == j { shift } else { 0.0 })
                    .collect()
            })
            .collect();
        if let Some(l) = cholesky(&shifted) {
            return cholesky_solve(&l, &rhs);
        }
        shift = if shift == 0.0 {
            1e-10 * scale.max(1e-300)
        } else {
            shift * 10.0
        };
        if !shift.is_finite() {
            return rhs;
        }
    }
}

/// Central differences of the analytic gradient, symmetrised
pub(crate) fn numerical_hessian<O: Objective>(objective: &O, theta: &[f64]) -> Vec<Vec<f64>> {
    let rows: Vec<Vec<f64>> = (0..theta.len())
        .map(|i| {
            let mut up = theta.to_vec();
            let mut down = theta.to_vec();
            up[i] += HESSIAN_STEP;
            down[i] -= HESSIAN_STEP;
            let (_, g_up) = objective.value_gradient(&up);
            let (_, g_down) = objective.value_gradient(&down);
            g_up.iter()
                .zip(&g_down)
                .map(|(u, d)| (u - d) / (2.0 * HESSIAN_STEP))
                .collect()
        })
        .collect();
    (0..theta.len())
        .map(|i| (0..theta.len()).map(|j| 0.5 * (rows[i][j] + rows[j][i])).collect())
        .collect()
}

/// Lower-triangular L with L L^T = `m`, or `None` unless `m` is positive definite
pub(crate) fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - dot;
                if d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - dot) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solves L L^T x = b
pub(crate) fn cholesky_solve(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        let dot: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
        y[i] = (b[i] - dot) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let dot: f64 = (i + 1..n).map(|k| l[k][i] * x[k]).sum();
        x[i] = (y[i] - dot) / l[i][i];
    }
    x
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Tolerates a poisoned lock: the data is a plain value, valid whatever panicked
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The objective seen by argmin, remembering the last and the best point it
/// was asked about
struct Tracked<'a, O> {
    objective: &'a O,
    memory: Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    last: Option<Point>,
    best: Option<Point>,
    /// The values and gradients asked for so far.
    evaluations: u64,
}

#[derive(Clone)]
struct Point {
    theta: Vec<f64>,
    value: f64,
    gradient: Vec<f64>,
}

impl<O: Objective> Tracked<'_, O> {
    /// argmin asks for the cost and the gradient at the same point in
    /// separate calls; one evaluation answers both. An error once the
    /// budget of [`MAX_BFGS_EVALUATIONS`] is spent, which stops BFGS.
    fn evaluate(&self, theta: &[f64]) -> Result<(f64, Vec<f64>), argmin::core::Error> {
        let mut memory = lock(&self.memory);
        // Counted even when answered from memory: a stuck line search asks
        // about the same point again and again.
        if memory.evaluations >= MAX_BFGS_EVALUATIONS {
            return Err(argmin::core::Error::msg("the evaluation budget is spent"));
        }
        memory.evaluations += 1;
        if let Some(p) = memory.last.as_ref().filter(|p| p.theta == theta) {
            return Ok((p.value, p.gradient.clone()));
        }
        let (value, gradient) = self.objective.value_gradient(theta);
        let point = Point {
            theta: theta.to_vec(),
            value,
            gradient: gradient.clone(),
        };
        if value.is_finite() && memory.best.as_ref().is_none_or(|b| value < b.value) {
            memory.best = Some(point.clone());
        }
        memory.last = Some(point);
        Ok((value, gradient))
    }
}

impl<O: Objective> CostFunction for &Tracked<'_, O> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(theta)?.0)
    }
}

impl<O: Objective> Gradient for &Tracked<'_, O> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, theta: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.evaluate(theta)?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock's banana in two dimensions: a curved, flat valley
    struct Banana;

    impl Objective for Banana {
        fn value_gradient(&self, t: &[f64]) -> (f64, Vec<f64>) {
            let (x, y) = (t[0], t[1]);
            let value = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
            let gradient = vec![-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)];
            (value, gradient)
        }
    }

    #[test]
    fn finds_the_bottom_of_a_flat_curved_valley() {
        let opt = minimise(&Banana, vec![-1.2, 1.0]).expect("finite");
        assert!((opt.theta[0] - 1.0).abs() < 1e-10, "{:?}", opt.theta);
        assert!((opt.theta[1] - 1.0).abs() < 1e-10, "{:?}", opt.theta);
        assert!(opt.last_step <= STEP_DONE);
        // Hessian at (1, 1): [[802, -400], [-400, 200]]
        assert!((opt.hessian[0][0] - 802.0).abs() < 1e-4);
        assert!((opt.hessian[0][1] + 400.0).abs() < 1e-4);
    }

    #[test]
    fn cholesky_solves_and_rejects_indefinite() {
        let m = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let l = cholesky(&m).expect("positive definite");
        let x = cholesky_solve(&l, &[2.0, 1.0]);
        // 4x + 2y = 2, 2x + 3y = 1 -> x = 0.5, y = 0
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15, "{x:?}");
        assert!(cholesky(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
    }
}
