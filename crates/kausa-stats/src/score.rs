//! Decomposable scores for score-based discovery (GES).
//!
//! A [`LocalScore`] scores one variable given a parent set; a DAG's score is the
//! sum over its variables. Both scores here are *score equivalent* (Markov
//! equivalent DAGs score the same) and higher is better.

use crate::{Correlation, DiscreteData};

/// The score of one variable given its parents; higher is better.
pub trait LocalScore: Sync {
    /// Number of variables.
    fn n_vars(&self) -> usize;
    /// The local score of `j` with parents `parents` (ascending, without `j`).
    fn local(&self, j: usize, parents: &[usize]) -> f64;
    /// For scores with an update cheaper than two calls to [`LocalScore::local`]:
    /// sets `out[i]` to `local(j, parents ∪ {xs[i]}) − local(j, parents)` (each
    /// `xs[i]` outside `parents` and not `j`) and returns true. The default
    /// returns false and leaves `out` alone; callers then use `local`.
    fn add_parent_gains(&self, _j: usize, _parents: &[usize], _xs: &[usize], _out: &mut [f64]) -> bool {
        false
    }
    /// A short name (`bic`, `bdeu`).
    fn name(&self) -> &'static str;
}

/// The linear-Gaussian BIC score, from the correlation matrix and the standard
/// deviations (a sufficient statistic):
///
/// `s(j, Pa) = −(n/2)·(1 + ln σ̂²) − λ·(|Pa| + 1)·ln n`
///
/// with `σ̂²` the maximum-likelihood residual variance of `j` regressed on `Pa`
/// (divisor `n`). `λ = 0.5` is the classical BIC; it is causal-learn's
/// `lambda_value` and half of Tetrad's *penalty discount*.
#[derive(Debug, Clone)]
pub struct GaussianBic {
    corr: Correlation,
    lambda: f64,
}

impl GaussianBic {
    /// BIC with penalty `λ` per parameter (times `ln n`).
    pub fn new(corr: Correlation, lambda: f64) -> GaussianBic {
        GaussianBic { corr, lambda }
    }

    /// The maximum-likelihood residual variance of `j` given `parents`.
    pub fn residual_variance(&self, j: usize, parents: &[usize]) -> f64 {
        let f = Factor::new(&self.corr, j, parents);
        let sd = self.corr.sd(j);
        sd * sd * (1.0 - f.explained)
    }

    /// The local score of `j` with `k` parents explaining the share `explained` of its variance.
    fn score_of(&self, j: usize, explained: f64, k: usize) -> f64 {
        let n = self.corr.n() as f64;
        let likelihood = (-0.5 * n) * (1.0 + ln_residual_variance(self.corr.sd(j), explained));
        let penalty = (self.lambda * (k + 1) as f64) * n.ln();
        likelihood - penalty
    }
}

/// `ln(sd² · (1 − explained))` (`ln ε` where nothing is left unexplained), taken in logs
/// where `sd²` overflows or underflows (a column of 1e200 or 1e-200), so that the score
/// stays finite.
fn ln_residual_variance(sd: f64, explained: f64) -> f64 {
    let unexplained = 1.0 - explained;
    let sigma = sd * sd * unexplained;
    if unexplained <= 0.0 {
        f64::EPSILON.ln()
    } else if sigma.is_normal() {
        sigma.ln()
    } else {
        2.0 * sd.ln() + unexplained.ln()
    }
}

/// The Cholesky factor `L` of the parents' correlation matrix `R_PP` and
/// `a = L⁻¹ R_Pj`, so that `j`'s explained share of variance is `a·a`.
struct Factor<'p> {
    parents: &'p [usize],
    l: Vec<f64>,
    a: Vec<f64>,
    explained: f64,
}

/// A pivot at or below this is a parent that is a linear combination of the
/// others: it explains nothing new.
const SINGULAR: f64 = 1e-14;

impl<'p> Factor<'p> {
    fn new(c: &Correlation, j: usize, parents: &'p [usize]) -> Factor<'p> {
        let k = parents.len();
        let mut l = vec![0.0f64; k * k];
        let mut a = vec![0.0f64; k];
        let mut explained = 0.0;
        for i in 0..k {
            for m in 0..=i {
                let mut sum = c.get(parents[i], parents[m]);
                for t in 0..m {
                    sum -= l[i * k + t] * l[m * k + t];
                }
                if i == m {
                    l[i * k + i] = if sum <= SINGULAR { f64::INFINITY } else { sum.sqrt() };
                } else {
                    l[i * k + m] = sum / l[m * k + m];
                }
            }
            let mut s = c.get(parents[i], j);
            for t in 0..i {
                s -= l[i * k + t] * a[t];
            }
            a[i] = s / l[i * k + i];
            explained += a[i] * a[i];
        }
        Factor { parents, l, a, explained }
    }

    /// The share of `j`'s variance explained by the parents and `x` together:
    /// one more row of the factorisation, with `x` last.
    fn explained_with(&self, c: &Correlation, j: usize, x: usize, scratch: &mut Vec<f64>) -> f64 {
        let k = self.parents.len();
        scratch.clear();
        let mut pivot = 1.0;
        let mut s = c.get(x, j);
        for m in 0..k {
            let mut sum = c.get(x, self.parents[m]);
            for t in 0..m {
                sum -= scratch[t] * self.l[m * k + t];
            }
            let v = sum / self.l[m * k + m];
            scratch.push(v);
            pivot -= v * v;
            s -= v * self.a[m];
        }
        if pivot <= SINGULAR {
            return self.explained;
        }
        let b = s / pivot.sqrt();
        self.explained + b * b
    }
}

impl LocalScore for GaussianBic {
    fn n_vars(&self) -> usize {
        self.corr.p()
    }

    fn local(&self, j: usize, parents: &[usize]) -> f64 {
        self.score_of(j, Factor::new(&self.corr, j, parents).explained, parents.len())
    }

    fn add_parent_gains(&self, j: usize, parents: &[usize], xs: &[usize], out: &mut [f64]) -> bool {
        let f = Factor::new(&self.corr, j, parents);
        let without = self.score_of(j, f.explained, parents.len());
        let mut scratch = Vec::with_capacity(parents.len());
        for (o, &x) in out.iter_mut().zip(xs) {
            let explained = f.explained_with(&self.corr, j, x, &mut scratch);
            *o = self.score_of(j, explained, parents.len() + 1) - without;
        }
        true
    }

    fn name(&self) -> &'static str {
        "bic"
    }
}

/// The BDeu score (Heckerman, Geiger and Chickering 1995) for discrete data,
/// with equivalent sample size `ess` and the structure prior of causal-learn:
/// each potential parent is present with probability `1/(p−1)`.
///
/// Level counts are those observed in each column.
#[derive(Debug, Clone)]
pub struct Bdeu {
    codes: Vec<Vec<u32>>,
    /// Observed levels per column, with codes renumbered densely.
    levels: Vec<usize>,
    n: usize,
    ess: f64,
}

impl Bdeu {
    /// BDeu on `data` with equivalent sample size `ess` (causal-learn's default is 1).
    pub fn new(data: &DiscreteData, ess: f64) -> Bdeu {
        let p = data.cards().len();
        let mut codes = Vec::with_capacity(p);
        let mut levels = Vec::with_capacity(p);
        for j in 0..p {
            let col = data.column(j);
            let card = data.cards()[j];
            let mut seen = vec![false; card.max(1)];
            for &c in col {
                seen[c as usize] = true;
            }
            let mut remap = vec![0u32; seen.len()];
            let mut next = 0u32;
            for (r, _) in remap.iter_mut().zip(&seen).filter(|(_, s)| **s) {
                *r = next;
                next += 1;
            }
            codes.push(col.iter().map(|&c| remap[c as usize]).collect());
            levels.push(next as usize);
        }
        Bdeu { codes, levels, n: data.n(), ess }
    }
}

impl LocalScore for Bdeu {
    fn n_vars(&self) -> usize {
        self.codes.len()
    }

    fn local(&self, j: usize, parents: &[usize]) -> f64 {
        let p = self.codes.len();
        let k = parents.len() as f64;
        // Structure prior: each of the p − 1 potential parents present with probability 1/(p − 1).
        // With p ≤ 2 that prior is degenerate (causal-learn then scores −∞); kausa uses a flat prior.
        let mut score = if p > 2 {
            let vm = (p - 1) as f64;
            k * (1.0 / vm).ln() + (vm - k) * (1.0 - 1.0 / vm).ln()
        } else {
            0.0
        };
        let r = self.levels[j];
        let q: f64 = parents.iter().map(|&u| self.levels[u] as f64).product();
        let a_ij = self.ess / q;
        let a_ijk = self.ess / (r as f64 * q);
        let lg = libm::lgamma;
        // Count (configuration, child value) pairs: dense when small, by sorting otherwise.
        let child = &self.codes[j];
        let config_of = |i: usize| -> u128 {
            parents.iter().fold(0u128, |acc, &u| acc * self.levels[u] as u128 + self.codes[u][i] as u128)
        };
        let cells = q * r as f64;
        let mut add_config = |n_ij: u32, child_counts: &mut dyn Iterator<Item = u32>| {
            score += lg(a_ij) - lg(n_ij as f64 + a_ij);
            let inner: f64 = child_counts.filter(|&c| c > 0).map(|c| lg(c as f64 + a_ijk) - lg(a_ijk)).sum();
            score += inner;
        };
        if cells <= (1u64 << 20) as f64 {
            let (qn, rn) = (q as usize, r);
            let mut counts = vec![0u32; qn * rn];
            for i in 0..self.n {
                counts[config_of(i) as usize * rn + child[i] as usize] += 1;
            }
            for row in counts.chunks(rn) {
                let n_ij: u32 = row.iter().sum();
                if n_ij > 0 {
                    add_config(n_ij, &mut row.iter().copied());
                }
            }
        } else {
            let mut keys: Vec<(u128, u32)> = (0..self.n).map(|i| (config_of(i), child[i])).collect();
            keys.sort_unstable();
            let mut start = 0;
            while start < keys.len() {
                let mut end = start;
                while end < keys.len() && keys[end].0 == keys[start].0 {
                    end += 1;
                }
                let mut row = vec![0u32; r];
                for &(_, c) in &keys[start..end] {
                    row[c as usize] += 1;
                }
                add_config((end - start) as u32, &mut row.iter().copied());
                start = end;
            }
        }
        score
    }

    fn name(&self) -> &'static str {
        "bdeu"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::{Par, Rng};

    #[test]
    fn bic_matches_the_regression_formula() {
        let mut rng = Rng::seed_from_u64(4);
        let n = 2000;
        let x: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let z: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let y: Vec<f64> = x.iter().zip(&z).map(|(a, b)| 2.0 * a - b + 0.5 * rng.normal()).collect();
        let corr = Correlation::from_columns(&[&x, &z, &y], Par::Seq).unwrap();
        let bic = GaussianBic::new(corr, 0.5);
        // Residual variance of y on (x, z) by the normal equations, divisor n.
        let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
        let (mx, mz, my) = (mean(&x), mean(&z), mean(&y));
        let c = |a: &[f64], ma: f64, b: &[f64], mb: f64| {
            a.iter().zip(b).map(|(u, v)| (u - ma) * (v - mb)).sum::<f64>() / n as f64
        };
        let (sxx, szz, sxz) = (c(&x, mx, &x, mx), c(&z, mz, &z, mz), c(&x, mx, &z, mz));
        let (sxy, szy, syy) = (c(&x, mx, &y, my), c(&z, mz, &y, my), c(&y, my, &y, my));
        let det = sxx * szz - sxz * sxz;
        let (bx, bz) = ((szz * sxy - sxz * szy) / det, (sxx * szy - sxz * sxy) / det);
        let resid = syy - bx * sxy - bz * szy;
        assert!((bic.residual_variance(2, &[0, 1]) - resid).abs() < 1e-12 * syy);
        let want = -0.5 * n as f64 * (1.0 + resid.ln()) - 0.5 * 3.0 * (n as f64).ln();
        assert!((bic.local(2, &[0, 1]) - want).abs() < 1e-9 * want.abs());
        // The true parents beat none, and a useless parent costs its penalty.
        assert!(bic.local(2, &[0, 1]) > bic.local(2, &[]));
        assert!(bic.local(1, &[]) > bic.local(1, &[0]));
    }

    /// A column of 1e200 or 1e-200 scores as the same column near 1 up to a constant per
    /// node, so every score difference GES compares is the same; before, its variance
    /// overflowed (or vanished) and every score was infinite.
    #[test]
    fn bic_differences_do_not_depend_on_a_columns_scale() {
        let mut rng = Rng::seed_from_u64(5);
        let n = 400;
        let a: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let b: Vec<f64> = a.iter().map(|x| 2.0 * x + rng.normal()).collect();
        let c: Vec<f64> = b.iter().map(|x| x + rng.normal()).collect();
        let bic = |cols: &[&[f64]]| GaussianBic::new(Correlation::from_columns(cols, Par::Seq).unwrap(), 1.0);
        let want = bic(&[&a, &b, &c]);
        for factor in [1e200, 1e-200] {
            let big: Vec<f64> = a.iter().map(|x| x * factor).collect();
            let got = bic(&[&big, &b, &c]);
            for (j, parents) in [(0, vec![1]), (0, vec![1, 2]), (1, vec![0]), (2, vec![0, 1])] {
                let gain = |s: &GaussianBic| s.local(j, &parents) - s.local(j, &[]);
                assert!(got.local(j, &parents).is_finite(), "{factor}: node {j}");
                assert!((gain(&got) - gain(&want)).abs() < 1e-9 * gain(&want).abs(), "{factor}: node {j} {parents:?}");
            }
        }
    }

    #[test]
    fn bic_parent_gains_equal_differences_of_local_scores() {
        let mut rng = Rng::seed_from_u64(11);
        let n = 500;
        let mut cols: Vec<Vec<f64>> = (0..5).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
        // Column 5 is an exact combination of 0 and 1: adding it to {0, 1} explains nothing.
        cols.push((0..n).map(|i| cols[0][i] - 2.0 * cols[1][i]).collect());
        cols[4] = (0..n).map(|i| cols[0][i] + cols[2][i] + 0.3 * rng.normal()).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let bic = GaussianBic::new(Correlation::from_columns(&refs, Par::Seq).unwrap(), 0.5);
        for parents in [&[][..], &[0], &[0, 1], &[1, 3]] {
            let xs: Vec<usize> = (0..6).filter(|x| *x != 4 && !parents.contains(x)).collect();
            let mut gains = vec![0.0; xs.len()];
            assert!(bic.add_parent_gains(4, parents, &xs, &mut gains));
            for (&x, &gain) in xs.iter().zip(&gains) {
                let mut with = parents.to_vec();
                with.push(x);
                with.sort_unstable();
                let want = bic.local(4, &with) - bic.local(4, parents);
                assert!((gain - want).abs() < 1e-9 * (1.0 + want.abs()), "{parents:?} + {x}: {gain} vs {want}");
            }
        }
    }

    #[test]
    fn bdeu_is_score_equivalent_and_prefers_real_dependence() {
        // x → y with noise; z independent.
        let mut rng = Rng::seed_from_u64(8);
        let n = 3000;
        let x: Vec<u32> = (0..n).map(|_| rng.below(3) as u32).collect();
        let y: Vec<u32> = x.iter().map(|&v| if rng.uniform() < 0.8 { v % 2 } else { rng.below(2) as u32 }).collect();
        let z: Vec<u32> = (0..n).map(|_| rng.below(2) as u32).collect();
        let data = DiscreteData::from_codes(vec![x, y, z], vec![3, 2, 2]).unwrap();
        let s = Bdeu::new(&data, 1.0);
        // Score equivalence: x → y and y → x give the same total.
        let xy = s.local(0, &[]) + s.local(1, &[0]);
        let yx = s.local(1, &[]) + s.local(0, &[1]);
        assert!((xy - yx).abs() < 1e-9 * xy.abs(), "{xy} vs {yx}");
        assert!(s.local(1, &[0]) > s.local(1, &[]));
        assert!(s.local(2, &[0]) < s.local(2, &[]));
        assert!(s.local(1, &[0, 2]) < s.local(1, &[0]));
    }
}
