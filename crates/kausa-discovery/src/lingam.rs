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
//! coefficients equal to rounding. Each step is a branch and bound over the
//! candidates (see [`next_variable`]): a candidate is dropped once part of its
//! score is already worse than a complete one, so about a quarter of the pairs
//! are measured at p = 50, each unordered pair at most once (the measure is
//! antisymmetric), with the same winner as the exhaustive search. The first
//! least-squares stage of the pruning is one QR for all variables (their
//! predecessors are prefixes of the order).
//! Needs non-Gaussian noise; with Gaussian data the order is arbitrary.

use kausa_core::{Par, Progress, Silent};
use kausa_graph::{EdgeType, Graph};
use kausa_stats::regression::{lasso_lars_bic_with, mean, nested_ols, ols};
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

/// What the previous steps measured, by variable: `d[a * p + b]` is the last
/// pairwise measure `D_ab` computed (NaN: never). It only orders the search of
/// the next step, so it never changes a result.
struct Hints {
    p: usize,
    d: Vec<f64>,
}

impl Hints {
    fn new(p: usize) -> Hints {
        Hints { p, d: vec![f64::NAN; p * p] }
    }

    fn get(&self, a: usize, b: usize) -> f64 {
        self.d[a * self.p + b]
    }
}

/// `M = Σ min(0, D)²` may exceed the best complete `M` by rounding only within
/// this relative margin (sums of the same non-negative terms in another order).
const PRUNE_MARGIN: f64 = 1e-9;

/// The next variable of the order among `u` (ascending), from the working columns `x`.
///
/// The winner minimises `M_a = Σ_b min(0, D_ab)²`. Branch and bound: candidates
/// are visited from the most promising (by the previous step's measures), and a
/// candidate is dropped as soon as a partial sum of its terms exceeds the best
/// complete `M`; its remaining pairs are never computed. Only complete sums, in
/// index order, are compared, and a dropped candidate provably has a larger `M`,
/// so the winner (ties to the first index) is the exhaustive search's, whatever
/// the threads and the visiting order. Threads share the pairs of one candidate
/// at a time, in batches that grow while the candidate survives.
fn next_variable(x: &[Vec<f64>], u: &[usize], parallel: bool, hints: &mut Hints) -> usize {
    if u.len() == 1 {
        return u[0];
    }
    let k = u.len();
    let n = x[u[0]].len();
    let nf = n as f64;
    let arch = pulp::Arch::new();
    // Per column of this step: the standardised column, its entropy, mean and variance (population).
    let column = |&i: &usize| {
        let (m, s) = (mean(&x[i]), std_pop(&x[i]));
        let z: Vec<f64> = x[i].iter().map(|v| (v - m) / s).collect();
        let h = SCRATCH.with_borrow_mut(|(lc, g)| arch.dispatch(ColumnEntropy { x: &z, lc, g }));
        let zm = mean(&z);
        let var = z.iter().map(|x| (x - zm) * (x - zm)).sum::<f64>() / nf;
        (z, h, zm, var)
    };
    let columns: Vec<(Vec<f64>, f64, f64, f64)> =
        if parallel { u.par_iter().map(column).collect() } else { u.iter().map(column).collect() };
    let mut standardised = Vec::with_capacity(k);
    let (mut h, mut means, mut vars) = (Vec::with_capacity(k), Vec::with_capacity(k), Vec::with_capacity(k));
    for (z, hz, m, v) in columns {
        standardised.push(z);
        h.push(hz);
        means.push(m);
        vars.push(v);
    }
    // D_ab = [H(x_b) + H(r_a|b)] − [H(x_a) + H(r_b|a)], computed for a < b; D_ba = −D_ab exactly.
    let pair = |lo: usize, hi: usize| {
        let (xa, xb) = (standardised[lo].as_slice(), standardised[hi].as_slice());
        let moments = [means[lo], means[hi], vars[lo], vars[hi]];
        let t = SCRATCH.with_borrow_mut(|(lc, g)| arch.dispatch(PairTerm { xa, xb, moments, lc, g }));
        (h[hi] - h[lo]) + t
    };
    let threads = if parallel { rayon::current_num_threads() } else { 1 };
    let mut cache = vec![f64::NAN; k * k];
    // Fills the cache for the pairs of `a` with `bs`, in parallel where a pool is given.
    // Fills the cache for the given pairs (any order of each), in parallel where allowed.
    let measure = |cache: &mut Vec<f64>, pairs: &mut dyn Iterator<Item = (usize, usize)>| {
        let mut todo: Vec<(usize, usize)> =
            pairs.map(|(a, b)| (a.min(b), a.max(b))).filter(|&(lo, hi)| cache[lo * k + hi].is_nan()).collect();
        todo.sort_unstable();
        todo.dedup();
        let values: Vec<f64> = if parallel && todo.len() > 1 {
            todo.par_iter().map(|&(lo, hi)| pair(lo, hi)).collect()
        } else {
            todo.iter().map(|&(lo, hi)| pair(lo, hi)).collect()
        };
        for ((lo, hi), v) in todo.into_iter().zip(values) {
            cache[lo * k + hi] = v;
        }
    };
    let d = |cache: &[f64], a: usize, b: usize| if a < b { cache[a * k + b] } else { -cache[b * k + a] };
    let term = |v: f64| v.min(0.0).powi(2);
    // Visiting order: candidates by the previous step's M, each one's pairs from
    // the largest previous term down (pairs never measured count as zero).
    let hint = |a: usize, b: usize| {
        let v = hints.get(u[a], u[b]);
        if v.is_nan() { 0.0 } else { term(v) }
    };
    let mut candidates: Vec<(f64, usize)> =
        (0..k).map(|a| ((0..k).filter(|&b| b != a).map(|b| hint(a, b)).sum::<f64>(), a)).collect();
    candidates.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let pair_orders: Vec<Vec<usize>> = (0..k)
        .map(|a| {
            let mut bs: Vec<(f64, usize)> = (0..k).filter(|&b| b != a).map(|b| (hint(a, b), b)).collect();
            bs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            bs.into_iter().map(|(_, b)| b).collect()
        })
        .collect();
    // Every candidate measures at least its first pair: all of those at once.
    measure(&mut cache, &mut (0..k).map(|a| (a, pair_orders[a][0])));
    let mut best: Option<(f64, usize)> = None;
    for &(_, a) in &candidates {
        let bs = &pair_orders[a];
        // The first pair alone (it usually settles a loser), then growing batches.
        let (mut done, mut batch, mut partial) = (0usize, 1usize, 0.0);
        let mut dropped = false;
        while done < bs.len() {
            let next = (done + batch).min(bs.len());
            measure(&mut cache, &mut bs[done..next].iter().map(|&b| (a, b)));
            partial += bs[done..next].iter().map(|&b| term(d(&cache, a, b))).sum::<f64>();
            done = next;
            batch = if batch == 1 { threads } else { batch * 2 };
            if best.is_some_and(|(bm, _)| partial > bm * (1.0 + PRUNE_MARGIN)) {
                dropped = true;
                break;
            }
        }
        if !dropped {
            // The complete M, summed in index order as the exhaustive search does.
            let m = (0..k).filter(|&b| b != a).fold(0.0, |acc, b| acc + term(d(&cache, a, b)));
            if best.is_none_or(|(bm, ba)| m < bm || (m == bm && a < ba)) {
                best = Some((m, a));
            }
        }
    }
    // What was measured guides the next step.
    for a in 0..k {
        for b in (a + 1)..k {
            let v = cache[a * k + b];
            if !v.is_nan() {
                hints.d[u[a] * hints.p + u[b]] = v;
                hints.d[u[b] * hints.p + u[a]] = -v;
            }
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
    let mut hints = Hints::new(p);
    // The whole search runs inside the pool, so that each step's small parallel
    // batches are split among its threads without a hand-over from outside.
    let mut search = || {
        for _ in 0..p {
            let m = next_variable(&x, &u, pool.is_some(), &mut hints);
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
    };
    match &pool {
        Some(pool) => pool.install(search),
        None => search(),
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
    // The first stage (least squares on all earlier variables) for every
    // variable at once: the predecessors of each are a prefix of the order.
    let in_order: Vec<&[f64]> = order.iter().map(|&j| z[j].as_slice()).collect();
    let first_stage = nested_ols(&in_order)?;
    let fit = |i: usize| -> Result<Vec<(usize, f64)>> {
        let target = order[i];
        let preds = &order[..i];
        if preds.is_empty() {
            return Ok(Vec::new());
        }
        let zp: Vec<&[f64]> = preds.iter().map(|&j| z[j].as_slice()).collect();
        let w: Vec<f64> = first_stage[i].coef.iter().map(|b| b.abs()).collect();
        let weighted: Vec<Vec<f64>> = zp.iter().zip(&w).map(|(c, wi)| c.iter().map(|v| v * wi).collect()).collect();
        let wr: Vec<&[f64]> = weighted.iter().map(Vec::as_slice).collect();
        // Weighting the columns keeps their span: the first stage's residuals are the full fit's.
        let full_rss = w.iter().all(|&wi| wi > 0.0).then_some(first_stage[i].rss);
        let lasso = lasso_lars_bic_with(&wr, &z[target], full_rss)?;
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

    /// The exhaustive search the branch and bound replaces: every pair, `M` in index order.
    fn exhaustive_next(x: &[Vec<f64>], u: &[usize]) -> usize {
        let k = u.len();
        let nf = x[u[0]].len() as f64;
        let z: Vec<Vec<f64>> = u
            .iter()
            .map(|&i| {
                let (m, s) = (mean(&x[i]), std_pop(&x[i]));
                x[i].iter().map(|v| (v - m) / s).collect()
            })
            .collect();
        let arch = pulp::Arch::new();
        let (mut lc, mut g) = (Vec::new(), Vec::new());
        let h: Vec<f64> = z.iter().map(|x| arch.dispatch(ColumnEntropy { x, lc: &mut lc, g: &mut g })).collect();
        let means: Vec<f64> = z.iter().map(|v| mean(v)).collect();
        let vars: Vec<f64> =
            z.iter().zip(&means).map(|(v, m)| v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / nf).collect();
        let mut dm = vec![0.0f64; k * k];
        for a in 0..k {
            for b in a + 1..k {
                let moments = [means[a], means[b], vars[a], vars[b]];
                let t = arch.dispatch(PairTerm { xa: &z[a], xb: &z[b], moments, lc: &mut lc, g: &mut g });
                dm[a * k + b] = (h[b] - h[a]) + t;
                dm[b * k + a] = -dm[a * k + b];
            }
        }
        let mut best: Option<(f64, usize)> = None;
        for a in 0..k {
            let m: f64 = (0..k).filter(|&b| b != a).fold(0.0, |acc, b| acc + dm[a * k + b].min(0.0).powi(2));
            if best.is_none_or(|(bm, _)| m < bm) {
                best = Some((m, a));
            }
        }
        u[best.unwrap().1]
    }

    #[test]
    fn branch_and_bound_picks_the_exhaustive_searchs_variable_at_every_step() {
        let mut rng = Rng::seed_from_u64(31);
        for case in 0..12 {
            // Weak edges, few rows and a mix of noises, so that steps have close contenders.
            let sem = LinearSem::random(16, 3.0, 0.1, 0.6, &mut rng)
                .with_noise([Noise::Uniform, Noise::Laplace, Noise::Exponential][case % 3]);
            let mut x = sem.sample(200, &mut rng);
            let mut u: Vec<usize> = (0..16).collect();
            let (mut seq_hints, mut par_hints) = (Hints::new(16), Hints::new(16));
            let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
            while !u.is_empty() {
                let want = exhaustive_next(&x, &u);
                assert_eq!(next_variable(&x, &u, false, &mut seq_hints), want, "case {case}, remaining {u:?}");
                assert_eq!(pool.install(|| next_variable(&x, &u, true, &mut par_hints)), want, "case {case}");
                let xm = x[want].clone();
                for &i in &u {
                    if i != want {
                        x[i] = residual(&x[i], &xm);
                    }
                }
                u.retain(|&i| i != want);
            }
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
