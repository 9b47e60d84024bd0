//! DirectLiNGAM (Shimizu et al. 2011): a causal order from non-Gaussianity, then
//! the coefficients of each variable on the earlier ones.
//!
//! ```text
//!   columns ──▶ repeat: pick the variable most independent of the residuals of
//!               the others (pairwise likelihood-ratio measure with Hyvärinen's
//!               entropy approximation), regress it out of the rest
//!           ──▶ causal order ──▶ per variable: adaptive lasso (BIC) chooses the
//!               parents among the earlier variables, least squares fits them
//!           ──▶ DAG with coefficients B (x = Bx + e)
//! ```
//!
//! This reproduces the `lingam` package's `DirectLiNGAM(measure="pwling")` and
//! its default pruning (`predict_adaptive_lasso`): same order, same parents,
//! coefficients equal to rounding. Each unordered pair is evaluated once per step
//! (the measure is antisymmetric), and the pairs of a step run in parallel.
//! Needs non-Gaussian noise; with Gaussian data the order is arbitrary.

use kausa_core::{Par, Progress, Silent};
use kausa_graph::{EdgeType, Graph};
use kausa_stats::regression::{lasso_lars_bic, mean, ols};
use rayon::prelude::*;

use crate::{Error, Result};

/// What [`direct_lingam`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct LingamResult {
    /// Variables from most exogenous to least.
    pub order: Vec<usize>,
    /// `b[i * p + j]`: the coefficient of `x_j` in the equation of `x_i`.
    pub b: Vec<f64>,
    /// The DAG: `j --> i` wherever `b[i * p + j] ≠ 0`.
    pub graph: Graph,
}

/// Population standard deviation.
fn std_pop(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
}

/// `xi − (cov(xi, xj) / var(xj)) · xj`, population moments, not re-centred.
fn residual(xi: &[f64], xj: &[f64]) -> Vec<f64> {
    let n = xi.len() as f64;
    let (mi, mj) = (mean(xi), mean(xj));
    let cov = xi.iter().zip(xj).map(|(a, b)| (a - mi) * (b - mj)).sum::<f64>() / n;
    let var = xj.iter().map(|b| (b - mj) * (b - mj)).sum::<f64>() / n;
    let w = cov / var;
    xi.iter().zip(xj).map(|(a, b)| a - w * b).collect()
}

const K1: f64 = 79.047;
const K2: f64 = 7.4129;
const GAMMA: f64 = 0.37457;

/// Hyvärinen's maximum-entropy approximation of differential entropy, from the
/// means of `ln cosh u` and `u·exp(−u²/2)`.
fn entropy_from(log_cosh: f64, gauss: f64) -> f64 {
    (1.0 + (2.0 * std::f64::consts::PI).ln()) / 2.0 - K1 * (log_cosh - GAMMA).powi(2) - K2 * gauss.powi(2)
}

/// Lanes of the entropy kernel: its sums run in this many interleaved
/// accumulators, a fixed order whatever SIMD width the machine has, so results
/// are the same on every x86-64 (no fused multiply-add is ever formed).
const LANES: usize = 8;

/// `eˣ` for `x ≤ 0`, branch-free so that it vectorises: `x = k·ln 2 + r` with
/// `|r| ≤ ln 2 / 2` (ln 2 split in two for an exact `k·ln2_hi`), a degree-13
/// Taylor polynomial for `eʳ` (truncation below 5e-18), and `2ᵏ` built from its
/// bits. Below −708 the result is 0 (the true value is under 4e-308).
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 0.6931467056274414; // ln 2 with the low 32 bits of the mantissa cleared
    const LN2_LO: f64 = 4.7493250390316726e-07; // ln 2 − LN2_HI
    const ROUND: f64 = 6755399441055744.0; // 1.5·2⁵²: adding it rounds to an integer
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        0.16666666666666666,
        0.041666666666666664,
        0.008333333333333333,
        0.001388888888888889,
        0.0001984126984126984,
        2.48015873015873e-05,
        2.7557319223985893e-06,
        2.755731922398589e-07,
        2.505210838544172e-08,
        2.08767569878681e-09,
        1.6059043836821613e-10,
    ];
    let xc = x.max(-708.0);
    let shifted = xc * LOG2E + ROUND;
    let k = shifted - ROUND;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    // Estrin's scheme: a dependency chain of depth 4 instead of Horner's 13.
    let (r2, r4) = (r * r, (r * r) * (r * r));
    let r8 = r4 * r4;
    let pair = |i: usize| C[i] + C[i + 1] * r;
    let q0 = pair(0) + pair(2) * r2;
    let q1 = pair(4) + pair(6) * r2;
    let q2 = pair(8) + pair(10) * r2;
    let q3 = pair(12);
    let poly = (q0 + q1 * r4) + (q2 + q3 * r4) * r8;
    let k_int = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let scale = f64::from_bits(k_int.wrapping_add(1023) << 52);
    if x < -708.0 { 0.0 } else { poly * scale }
}

/// `ln(1 + t)` for `0 ≤ t ≤ 1`, branch-free: `y = 1 + t` (rounded, as `ln` of the
/// sum would see it), halved when above √2, then `ln y = 2·atanh(s)` with
/// `s = (y − 1)/(y + 1)`, `|s| ≤ 0.172`, by its series to `s²¹` (truncation below 3e-18).
#[inline(always)]
fn ln_one_plus_unit(t: f64) -> f64 {
    const C: [f64; 11] = [
        2.0,
        0.6666666666666666,
        0.4,
        0.2857142857142857,
        0.2222222222222222,
        0.18181818181818182,
        0.15384615384615385,
        0.13333333333333333,
        0.11764705882352941,
        0.10526315789473684,
        0.09523809523809523,
    ];
    let y = 1.0 + t;
    let big = y > std::f64::consts::SQRT_2;
    let y = if big { 0.5 * y } else { y };
    let s = (y - 1.0) / (y + 1.0);
    let z = s * s;
    // Estrin's scheme in z = s², depth 4.
    let (z2, z4) = (z * z, (z * z) * (z * z));
    let z8 = z4 * z4;
    let pair = |i: usize| C[i] + C[i + 1] * z;
    let q0 = pair(0) + pair(2) * z2;
    let q1 = pair(4) + pair(6) * z2;
    let q2 = pair(8) + C[10] * z2;
    let poly = (q0 + q1 * z4) + q2 * z8;
    let e = if big { std::f64::consts::LN_2 } else { 0.0 };
    e + s * poly
}

/// Sums of `|u| + ln(1 + e^{−2|u|})` (that is `ln cosh u + ln 2`) and of
/// `u·e^{−u²/2}` over `u_i = (a_i − w·b_i)·inv_scale`. The terms are computed
/// in one element-wise loop (which vectorises), then summed in [`LANES`]
/// interleaved accumulators.
#[inline(always)]
fn nongaussian_sums(a: &[f64], b: &[f64], w: f64, inv_scale: f64, lc: &mut Vec<f64>, g: &mut Vec<f64>) -> (f64, f64) {
    let n = a.len().min(b.len());
    // Every element is overwritten below: only the length needs setting.
    lc.resize(n, 0.0);
    g.resize(n, 0.0);
    for (((l, gi), &x), &y) in lc.iter_mut().zip(g.iter_mut()).zip(a).zip(b) {
        let u = (x - w * y) * inv_scale;
        let m = u.abs();
        *l = m + ln_one_plus_unit(exp_nonpositive(-2.0 * m));
        *gi = u * exp_nonpositive(-0.5 * (u * u));
    }
    (lane_sum(lc), lane_sum(g))
}

/// `Σ v` in [`LANES`] interleaved partial sums, then the partial sums in order.
#[inline(always)]
fn lane_sum(v: &[f64]) -> f64 {
    lane_sum2(v, v, |x, _| x)
}

/// `Σ f(x_i, y_i)` in [`LANES`] interleaved partial sums, then the partial sums in order.
#[inline(always)]
fn lane_sum2(x: &[f64], y: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let (cx, cy) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let (rx, ry) = (cx.remainder(), cy.remainder());
    for (a, b) in cx.zip(cy) {
        for l in 0..LANES {
            acc[l] += f(a[l], b[l]);
        }
    }
    for (l, (&a, &b)) in rx.iter().zip(ry).enumerate() {
        acc[l] += f(a, b);
    }
    acc.iter().sum()
}

/// One pair's part of the pairwise measure, `H(r_a|b) − H(r_b|a)`, as a `pulp`
/// operation: every pass over the columns is inlined into (and vectorised for)
/// the instruction set detected at run time, with the same arithmetic on all.
struct PairTerm<'a> {
    xa: &'a [f64],
    xb: &'a [f64],
    /// Means and population variances of `xa` and `xb`.
    moments: [f64; 4],
    lc: &'a mut Vec<f64>,
    g: &'a mut Vec<f64>,
}

impl pulp::WithSimd for PairTerm<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        let PairTerm { xa, xb, moments: [ma, mb, va, vb], lc, g } = self;
        let nf = xa.len() as f64;
        let cov = lane_sum2(xa, xb, |p, q| (p - ma) * (q - mb)) / nf;
        let (wa, wb) = (cov / vb, cov / va);
        // r_a|b = x_a − (cov/var_b)·x_b, scaled to unit (population) standard deviation.
        let sd = |w: f64, x: &[f64], y: &[f64]| {
            let m = lane_sum2(x, y, |p, q| p - w * q) / nf;
            (lane_sum2(x, y, |p, q| (p - w * q - m) * (p - w * q - m)) / nf).sqrt()
        };
        let (sa, sb) = (sd(wa, xa, xb), sd(wb, xb, xa));
        let (la, qa) = nongaussian_sums(xa, xb, wa, 1.0 / sa, lc, g);
        let (lb, qb) = nongaussian_sums(xb, xa, wb, 1.0 / sb, lc, g);
        let ln2 = std::f64::consts::LN_2;
        entropy_from(la / nf - ln2, qa / nf) - entropy_from(lb / nf - ln2, qb / nf)
    }
}

/// The entropy of a column (assumed standardised), as a `pulp` operation.
struct ColumnEntropy<'a> {
    x: &'a [f64],
    lc: &'a mut Vec<f64>,
    g: &'a mut Vec<f64>,
}

impl pulp::WithSimd for ColumnEntropy<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        let nf = self.x.len() as f64;
        let (l, q) = nongaussian_sums(self.x, self.x, 0.0, 1.0, self.lc, self.g);
        entropy_from(l / nf - std::f64::consts::LN_2, q / nf)
    }
}

thread_local! {
    /// Scratch columns of the kernel, one pair per thread.
    static SCRATCH: std::cell::RefCell<(Vec<f64>, Vec<f64>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// The next variable of the order among `u` (ascending), from the working columns `x`.
fn next_variable(x: &[Vec<f64>], u: &[usize], pool: Option<&rayon::ThreadPool>) -> usize {
    if u.len() == 1 {
        return u[0];
    }
    let n = x[u[0]].len();
    let nf = n as f64;
    let standardised: Vec<Vec<f64>> = u
        .iter()
        .map(|&i| {
            let (m, s) = (mean(&x[i]), std_pop(&x[i]));
            x[i].iter().map(|v| (v - m) / s).collect()
        })
        .collect();
    // Per column of this step: its entropy, mean and variance (population).
    let arch = pulp::Arch::new();
    let h: Vec<f64> = standardised
        .iter()
        .map(|x| SCRATCH.with_borrow_mut(|(lc, g)| arch.dispatch(ColumnEntropy { x, lc, g })))
        .collect();
    let means: Vec<f64> = standardised.iter().map(|v| mean(v)).collect();
    let vars: Vec<f64> =
        standardised.iter().zip(&means).map(|(v, m)| v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / nf).collect();
    let pairs: Vec<(usize, usize)> = (0..u.len()).flat_map(|a| (a + 1..u.len()).map(move |b| (a, b))).collect();
    // D_ab = [H(x_b) + H(r_a|b)] − [H(x_a) + H(r_b|a)]; D_ba = −D_ab exactly.
    let diff = |&(a, b): &(usize, usize)| {
        let (xa, xb) = (standardised[a].as_slice(), standardised[b].as_slice());
        let moments = [means[a], means[b], vars[a], vars[b]];
        let t = SCRATCH.with_borrow_mut(|(lc, g)| arch.dispatch(PairTerm { xa, xb, moments, lc, g }));
        (h[b] - h[a]) + t
    };
    let d: Vec<f64> = match pool {
        Some(pool) if pairs.len() >= 8 => pool.install(|| pairs.par_iter().map(diff).collect()),
        _ => pairs.iter().map(diff).collect(),
    };
    let k = u.len();
    let mut dm = vec![0.0f64; k * k];
    for (&(a, b), &v) in pairs.iter().zip(&d) {
        dm[a * k + b] = v;
        dm[b * k + a] = -v;
    }
    // M_a = Σ_b min(0, D_ab)², summed in index order; the smallest M wins, ties to the first.
    let mut best: Option<(f64, usize)> = None;
    for a in 0..k {
        let m: f64 = (0..k).filter(|&b| b != a).fold(0.0, |acc, b| acc + dm[a * k + b].min(0.0).powi(2));
        if best.is_none_or(|(bm, _)| m < bm) {
            best = Some((m, a));
        }
    }
    u[best.map_or(0, |(_, a)| a)]
}

/// Runs DirectLiNGAM on the columns (each of length `n`).
pub fn direct_lingam(columns: &[&[f64]], par: Par) -> Result<LingamResult> {
    direct_lingam_with_progress(columns, par, &Silent)
}

/// [`direct_lingam`], reporting each variable placed in the order.
pub fn direct_lingam_with_progress(columns: &[&[f64]], par: Par, progress: &dyn Progress) -> Result<LingamResult> {
    let p = columns.len();
    let n = columns.first().map_or(0, |c| c.len());
    if columns.iter().any(|c| c.len() != n) {
        return Err(Error::Param("columns of different lengths".into()));
    }
    if n <= p + 1 {
        return Err(Error::Param(format!("LiNGAM needs more rows than variables + 1 ({n} rows, {p} variables)")));
    }
    let pool = par.pool().map_err(Error::Internal)?;
    progress.stage("LiNGAM causal order", Some(p as u64));
    let mut x: Vec<Vec<f64>> = columns.iter().map(|c| c.to_vec()).collect();
    let mut u: Vec<usize> = (0..p).collect();
    let mut order = Vec::with_capacity(p);
    for _ in 0..p {
        let m = next_variable(&x, &u, pool.as_ref());
        let xm = x[m].clone();
        for &i in &u {
            if i != m {
                x[i] = residual(&x[i], &xm);
            }
        }
        order.push(m);
        u.retain(|&i| i != m);
        progress.advance(1);
    }
    progress.stage("LiNGAM pruning", Some(p as u64));
    // Pruning: adaptive lasso on standardised data, then least squares on the raw data.
    let z: Vec<Vec<f64>> = columns
        .iter()
        .map(|c| {
            let (m, s) = (mean(c), std_pop(c));
            let s = if s < 10.0 * f64::EPSILON { 1.0 } else { s };
            c.iter().map(|v| (v - m) / s).collect()
        })
        .collect();
    let fit = |i: usize| -> Result<Vec<(usize, f64)>> {
        let target = order[i];
        let preds = &order[..i];
        if preds.is_empty() {
            return Ok(Vec::new());
        }
        let zp: Vec<&[f64]> = preds.iter().map(|&j| z[j].as_slice()).collect();
        let beta = ols(&zp, &z[target], true)?;
        let w: Vec<f64> = beta.iter().map(|b| b.abs()).collect();
        let weighted: Vec<Vec<f64>> = zp.iter().zip(&w).map(|(c, wi)| c.iter().map(|v| v * wi).collect()).collect();
        let wr: Vec<&[f64]> = weighted.iter().map(Vec::as_slice).collect();
        let lasso = lasso_lars_bic(&wr, &z[target])?;
        let support: Vec<usize> = (0..preds.len()).filter(|&k| (lasso[k] * w[k]).abs() > 0.0).collect();
        if support.is_empty() {
            return Ok(Vec::new());
        }
        let xs: Vec<&[f64]> = support.iter().map(|&k| columns[preds[k]]).collect();
        let coef = ols(&xs, columns[target], true)?;
        Ok(support.iter().zip(coef).map(|(&k, c)| (preds[k], c)).collect())
    };
    let fitted: Vec<Result<Vec<(usize, f64)>>> = match &pool {
        Some(pool) => pool.install(|| (0..p).into_par_iter().map(fit).collect()),
        None => (0..p).map(fit).collect(),
    };
    let mut b = vec![0.0f64; p * p];
    let mut graph = Graph::empty(p);
    for (i, f) in fitted.into_iter().enumerate() {
        let target = order[i];
        for (j, c) in f? {
            b[target * p + j] = c;
            if c != 0.0 {
                graph.set_edge(j, target, EdgeType::Directed);
            }
        }
        progress.advance(1);
    }
    Ok(LingamResult { order, b, graph })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::Rng;
    use kausa_sim::{LinearSem, Noise};

    #[test]
    fn recovers_order_and_weights_with_non_gaussian_noise() {
        let mut rng = Rng::seed_from_u64(12);
        for case in 0..6 {
            let sem = LinearSem::random(8, 2.0, 0.5, 1.0, &mut rng)
                .with_noise([Noise::Uniform, Noise::Laplace, Noise::Exponential][case % 3]);
            let data = sem.sample(4000, &mut rng);
            let refs: Vec<&[f64]> = data.iter().map(Vec::as_slice).collect();
            let r = direct_lingam(&refs, Par::Seq).unwrap();
            // The order is consistent with the true DAG: every parent comes before its child.
            let pos = |v: usize| r.order.iter().position(|&u| u == v).unwrap();
            for j in 0..8 {
                for &u in sem.dag().parents(j) {
                    assert!(pos(u) < pos(j), "case {case}: parent {u} after child {j} in {:?}", r.order);
                    let w = sem.weight(u, j).unwrap();
                    assert!((r.b[j * 8 + u] - w).abs() < 0.1, "case {case}: b[{j},{u}] {} vs {w}", r.b[j * 8 + u]);
                }
            }
            assert_eq!(r.graph.edges(), sem.dag().to_graph().edges(), "case {case}");
            assert_eq!(r, direct_lingam(&refs, Par::threads(2)).unwrap());
        }
    }

    #[test]
    fn vector_kernels_are_accurate_and_equal_to_the_scalar_build() {
        // exp and ln(1 + t) against the standard library, to a few ulps.
        for i in 0..=4000 {
            let x = -(i as f64) * 0.01;
            let (got, want) = (exp_nonpositive(x), x.exp());
            assert!((got - want).abs() <= 4.0 * f64::EPSILON * want, "exp({x}): {got} vs {want}");
            let t = i as f64 / 4000.0;
            let (got, want) = (ln_one_plus_unit(t), (1.0 + t).ln());
            assert!(
                (got - want).abs() <= 4.0 * f64::EPSILON * want.max(f64::MIN_POSITIVE),
                "ln(1+{t}): {got} vs {want}"
            );
        }
        assert_eq!(exp_nonpositive(-709.0), 0.0);
        assert_eq!(exp_nonpositive(-1e300), 0.0);
        // The dispatched (vectorised) pair term is bit-identical to the same code built for plain x86-64.
        let mut rng = Rng::seed_from_u64(5);
        let xa: Vec<f64> = (0..1003).map(|_| rng.uniform() - 0.5).collect();
        let xb: Vec<f64> = xa.iter().map(|v| 0.7 * v + rng.uniform() - 0.5).collect();
        let moments = [mean(&xa), mean(&xb), 1.0 / 12.0, 0.3];
        let (mut lc, mut g) = (Vec::new(), Vec::new());
        let scalar = pulp::WithSimd::with_simd(
            PairTerm { xa: &xa, xb: &xb, moments, lc: &mut lc, g: &mut g },
            pulp::Scalar::new(),
        );
        let best = pulp::Arch::new().dispatch(PairTerm { xa: &xa, xb: &xb, moments, lc: &mut lc, g: &mut g });
        assert_eq!(scalar.to_bits(), best.to_bits());
    }
}
