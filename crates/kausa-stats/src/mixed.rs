//! Mixed continuous and discrete data: the degenerate-Gaussian embedding of
//! Andrews, Ramsey and Cooper (2019).
//!
//! Every discrete variable with `L` levels becomes `L − 1` indicator columns
//! (the last level is the reference); continuous variables stay one column. The
//! embedded columns are treated as jointly Gaussian, so a variable is a block of
//! columns and both a likelihood-ratio independence test and a BIC score follow
//! from log-determinants of blocks of one correlation matrix:
//!
//! ```text
//!   test x ⟂ y | S:   G = n·(ln|R_xS| + ln|R_yS| − ln|R_S| − ln|R_xyS|) ~ χ²(d_x·d_y)
//!   score s(j, Pa):   −(n/2)·(ln|R_jPa| − ln|R_Pa|) − (c/2)·d_j·(d_Pa + 1)·ln n  (+ terms equal for all Pa)
//! ```
//!
//! With only continuous variables the test is the Gaussian likelihood-ratio test
//! `−n·ln(1 − r²)` of the partial correlation `r`; with discrete variables it
//! approximates the G² test, and it needs no contingency tables, so it stays fast
//! with many parents.

use kausa_core::{Column, Dataset, Par};

use crate::special::chi2_sf;
use crate::{CiTest, Correlation, LocalScore, Result, Scratch, StatsError};

/// The embedding: the correlation matrix of the embedded columns and each variable's columns.
#[derive(Debug, Clone)]
pub struct Embedding {
    corr: Correlation,
    /// `cols[v]`: the embedded columns of variable `v`.
    cols: Vec<Vec<usize>>,
    n: usize,
}

impl Embedding {
    /// Embeds every column of `data` (continuous as is, discrete as indicators).
    pub fn new(data: &Dataset, par: Par) -> Result<Embedding> {
        let n = data.n_rows();
        let mut columns: Vec<Vec<f64>> = Vec::new();
        let mut cols: Vec<Vec<usize>> = Vec::with_capacity(data.n_cols());
        for (j, c) in data.columns().iter().enumerate() {
            let start = columns.len();
            match c {
                Column::Continuous { values, .. } => columns.push(values.clone()),
                Column::Discrete { codes, .. } => {
                    let mut present: Vec<u32> = codes.clone();
                    present.sort_unstable();
                    present.dedup();
                    if present.len() < 2 {
                        return Err(StatsError::Constant { column: j });
                    }
                    // Indicators of every observed level but the last.
                    for &level in &present[..present.len() - 1] {
                        columns.push(codes.iter().map(|&c| f64::from(u8::from(c == level))).collect());
                    }
                }
            }
            cols.push((start..columns.len()).collect());
        }
        let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
        let corr = Correlation::from_columns(&refs, par).map_err(|e| match e {
            // Report the variable, not the embedded column.
            StatsError::Constant { column } => {
                StatsError::Constant { column: cols.iter().position(|c| c.contains(&column)).unwrap_or(column) }
            }
            other => other,
        })?;
        Ok(Embedding { corr, cols, n })
    }

    /// Number of variables.
    pub fn n_vars(&self) -> usize {
        self.cols.len()
    }

    /// Embedded columns of variable `v`.
    pub fn dim(&self, v: usize) -> usize {
        self.cols[v].len()
    }

    /// `ln det` of the correlation block of the variables in `vars`, or `None` if it is singular.
    fn log_det(&self, vars: &[usize], scratch: &mut Scratch) -> Option<f64> {
        let idx: Vec<usize> = vars.iter().flat_map(|&v| self.cols[v].iter().copied()).collect();
        let k = idx.len();
        if k == 0 {
            return Some(0.0);
        }
        let l = &mut scratch.f;
        l.clear();
        l.resize(k * k, 0.0);
        let mut log_det = 0.0;
        for i in 0..k {
            for j in 0..=i {
                let mut sum = self.corr.get(idx[i], idx[j]);
                for m in 0..j {
                    sum -= l[i * k + m] * l[j * k + m];
                }
                if i == j {
                    if sum <= 1e-12 {
                        return None;
                    }
                    l[i * k + i] = sum.sqrt();
                    log_det += sum.ln();
                } else {
                    l[i * k + j] = sum / l[j * k + j];
                }
            }
        }
        Some(log_det)
    }
}

/// The degenerate-Gaussian likelihood-ratio test of conditional independence.
#[derive(Debug, Clone)]
pub struct DegenerateGaussianTest {
    emb: Embedding,
}

impl DegenerateGaussianTest {
    /// The test on an embedding.
    pub fn new(emb: Embedding) -> DegenerateGaussianTest {
        DegenerateGaussianTest { emb }
    }
}

impl CiTest for DegenerateGaussianTest {
    fn n_vars(&self) -> usize {
        self.emb.n_vars()
    }

    fn n_obs(&self) -> usize {
        self.emb.n
    }

    fn name(&self) -> &'static str {
        "dg"
    }

    fn p_value(&self, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> Result<f64> {
        let e = &self.emb;
        let d_s: usize = s.iter().map(|&v| e.dim(v)).sum();
        let needed = d_s + e.dim(x) + e.dim(y) + 2;
        if e.n < needed {
            return Err(StatsError::TooFewRows { n: e.n, k: s.len(), needed });
        }
        let singular = || StatsError::SingularConditioningSet { x, y, set: s.to_vec() };
        let mut with = |extra: &[usize]| -> Result<f64> {
            let vars: Vec<usize> = extra.iter().chain(s).copied().collect();
            e.log_det(&vars, scratch).ok_or_else(singular)
        };
        let (ls, lxs, lys, lxys) = (with(&[])?, with(&[x])?, with(&[y])?, with(&[x, y])?);
        let stat = (e.n as f64 * (lxs + lys - ls - lxys)).max(0.0);
        let df = (e.dim(x) * e.dim(y)) as f64;
        Ok(chi2_sf(stat, df))
    }
}

/// The degenerate-Gaussian BIC score (higher is better), with penalty `λ·ln n` per parameter.
#[derive(Debug, Clone)]
pub struct DegenerateGaussianBic {
    emb: Embedding,
    lambda: f64,
}

impl DegenerateGaussianBic {
    /// BIC with penalty `λ` per parameter (times `ln n`); `λ = 0.5` is the classical BIC.
    pub fn new(emb: Embedding, lambda: f64) -> DegenerateGaussianBic {
        DegenerateGaussianBic { emb, lambda }
    }
}

impl LocalScore for DegenerateGaussianBic {
    fn n_vars(&self) -> usize {
        self.emb.n_vars()
    }

    fn local(&self, j: usize, parents: &[usize]) -> f64 {
        let e = &self.emb;
        let mut scratch = Scratch::default();
        let n = e.n as f64;
        let with: Vec<usize> = std::iter::once(j).chain(parents.iter().copied()).collect();
        let (Some(a), Some(b)) = (e.log_det(&with, &mut scratch), e.log_det(parents, &mut scratch)) else {
            return f64::NEG_INFINITY;
        };
        let d_pa: usize = parents.iter().map(|&v| e.dim(v)).sum();
        let params = (e.dim(j) * (d_pa + 1)) as f64;
        -0.5 * n * (a - b) - self.lambda * params * n.ln()
    }

    fn name(&self) -> &'static str {
        "dg-bic"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FisherZ, Semantics};
    use kausa_core::Rng;

    #[test]
    fn continuous_only_is_the_gaussian_likelihood_ratio_test() {
        let mut rng = Rng::seed_from_u64(3);
        let n = 800;
        let a: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let b: Vec<f64> = a.iter().map(|v| 0.6 * v + rng.normal()).collect();
        let c: Vec<f64> = b.iter().zip(&a).map(|(v, w)| 0.5 * v + 0.1 * w + rng.normal()).collect();
        let data =
            Dataset::from_continuous(&["a".into(), "b".into(), "c".into()], vec![a.clone(), b.clone(), c.clone()])
                .unwrap();
        let dg = DegenerateGaussianTest::new(Embedding::new(&data, Par::Seq).unwrap());
        let fz = FisherZ::new(Correlation::from_columns(&[&a, &b, &c], Par::Seq).unwrap(), Semantics::CausalLearn);
        let mut sc = Scratch::default();
        for (x, y, s) in [(0usize, 2usize, vec![1usize]), (0, 1, vec![]), (1, 2, vec![0])] {
            let r = fz.partial_correlation(x, y, &s, &mut sc).unwrap();
            let want = chi2_sf(-(n as f64) * (1.0 - r * r).ln(), 1.0);
            let got = dg.p_value(x, y, &s, &mut sc).unwrap();
            assert!((got - want).abs() < 1e-9 * want.max(1e-300) + 1e-12, "{x} {y} {s:?}: {got} vs {want}");
        }
    }

    #[test]
    fn mixed_data_dependence_and_independence() {
        // d (3 levels) -> x (continuous) -> y (continuous); e (2 levels) <- d.
        let mut rng = Rng::seed_from_u64(9);
        let n = 3000;
        let d: Vec<u32> = (0..n).map(|_| rng.below(3) as u32).collect();
        let x: Vec<f64> = d.iter().map(|&v| [0.0, 1.0, -1.0][v as usize] + rng.normal()).collect();
        let y: Vec<f64> = x.iter().map(|v| 0.8 * v + rng.normal()).collect();
        let e: Vec<u32> = d.iter().map(|&v| if rng.uniform() < [0.2, 0.8, 0.5][v as usize] { 1 } else { 0 }).collect();
        let dl: Vec<String> = d.iter().map(|v| format!("L{v}")).collect();
        let el: Vec<String> = e.iter().map(|v| format!("E{v}")).collect();
        let data = Dataset::new(vec![
            Column::discrete_from_labels("d", &dl.iter().map(String::as_str).collect::<Vec<_>>()),
            Column::Continuous { name: "x".into(), values: x },
            Column::Continuous { name: "y".into(), values: y },
            Column::discrete_from_labels("e", &el.iter().map(String::as_str).collect::<Vec<_>>()),
        ])
        .unwrap();
        let emb = Embedding::new(&data, Par::Seq).unwrap();
        assert_eq!((emb.dim(0), emb.dim(1), emb.dim(3)), (2, 1, 1));
        let t = DegenerateGaussianTest::new(emb.clone());
        let mut sc = Scratch::default();
        assert!(t.p_value(0, 1, &[], &mut sc).unwrap() < 1e-6);
        assert!(t.p_value(0, 3, &[], &mut sc).unwrap() < 1e-6);
        assert!(t.p_value(0, 2, &[1], &mut sc).unwrap() > 0.01, "d and y are independent given x");
        assert!(t.p_value(3, 1, &[0], &mut sc).unwrap() > 0.01, "e and x are independent given d");
        let s = DegenerateGaussianBic::new(emb, 0.5);
        assert!(s.local(1, &[0]) > s.local(1, &[]));
        assert!(s.local(2, &[1]) > s.local(2, &[0, 1]));
    }
}
