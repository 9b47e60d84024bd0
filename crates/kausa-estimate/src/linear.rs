//! Linear regression adjustment.
//!
//! `y ~ 1 + t + covariates + t·modifiers` by least squares; the average effect
//! of `t: 0 → 1` is `β_t + Σ_m β_tm · mean(m)` (DoWhy's
//! `backdoor.linear_regression` builds the same model, with its effect
//! modifiers: causes of the outcome that are neither causes of the treatment
//! nor on its causal paths). Analytic interval: the delta method, counting the
//! sampling variance of the modifiers' means; Student t with the residual
//! degrees of freedom (without modifiers this is statsmodels' `conf_int`).

use kausa_core::Par;
use kausa_stats::regression::{mean, ols_fit, solve_spd, weighted_gram};

use crate::{Bootstrap, Estimate, EstimateError, Result, t_interval};

/// The columns of a linear adjustment.
#[derive(Debug, Clone)]
pub struct LinearAdjustment<'a> {
    /// Outcome.
    pub y: &'a [f64],
    /// Treatment (0/1 or continuous).
    pub t: &'a [f64],
    /// The adjustment set.
    pub covariates: Vec<&'a [f64]>,
    /// Effect modifiers: each enters as `t · m`.
    pub modifiers: Vec<&'a [f64]>,
}

impl LinearAdjustment<'_> {
    fn check(&self) -> Result<usize> {
        let n = self.y.len();
        if self.t.len() != n || self.covariates.iter().chain(&self.modifiers).any(|c| c.len() != n) {
            return Err(EstimateError::Data("columns of different lengths".into()));
        }
        let k = 2 + self.covariates.len() + self.modifiers.len();
        if n <= k {
            return Err(EstimateError::Data(format!("{n} rows are too few for a regression on {} columns", k - 1)));
        }
        let t0 = self.t[0];
        if self.t.iter().all(|&v| v == t0) {
            return Err(EstimateError::Data("the treatment is constant: it has no effect to estimate".into()));
        }
        Ok(n)
    }

    /// The interaction columns `t · m`.
    fn interactions(&self) -> Vec<Vec<f64>> {
        self.modifiers.iter().map(|m| m.iter().zip(self.t).map(|(a, b)| a * b).collect()).collect()
    }

    /// The pairs bootstrap of the average effect: each replicate solves the
    /// weighted normal equations from one weighted cross-product matrix of the
    /// centred columns `[1, t, covariates, t·m, y, m]` (row counts as weights),
    /// the same fit as refitting on the drawn rows.
    pub fn bootstrap(&self, reps: usize, seed: u64, par: Par) -> Result<Bootstrap> {
        let n = self.check()?;
        let inter = self.interactions();
        let mut cols: Vec<Vec<f64>> = vec![vec![1.0; n]];
        let centred = |c: &[f64]| {
            let m = mean(c);
            c.iter().map(|v| v - m).collect::<Vec<f64>>()
        };
        cols.push(centred(self.t));
        cols.extend(self.covariates.iter().map(|c| centred(c)));
        cols.extend(inter.iter().map(|c| centred(c)));
        let k = cols.len();
        cols.push(centred(self.y));
        cols.extend(self.modifiers.iter().map(|c| c.to_vec()));
        let width = cols.len();
        let design: Vec<f64> = cols.concat();
        let n_mod = self.modifiers.len();
        Bootstrap::run(n, reps, seed, par, |counts| {
            let g = weighted_gram(&design, n, width, counts);
            let a: Vec<f64> = (0..k).flat_map(|i| (0..k).map(move |j| (i, j))).map(|(i, j)| g[i * width + j]).collect();
            let b: Vec<f64> = (0..k).map(|i| g[i * width + k]).collect();
            let beta = solve_spd(&a, k, &b).ok_or_else(|| {
                EstimateError::Data("a bootstrap resample has collinear columns (too few distinct rows)".into())
            })?;
            let total = g[0];
            let modifier_term: f64 = (0..n_mod).map(|j| beta[k - n_mod + j] * g[k + 1 + j] / total).sum();
            Ok(beta[1] + modifier_term)
        })
    }
}

/// The average effect of `t` on `y` by linear regression adjustment, with the
/// analytic interval at `level`.
pub fn linear_adjustment(a: &LinearAdjustment<'_>, level: f64) -> Result<Estimate> {
    let n = a.check()?;
    let inter = a.interactions();
    let mut x: Vec<&[f64]> = vec![a.t];
    x.extend(a.covariates.iter().copied());
    x.extend(inter.iter().map(Vec::as_slice));
    let fit = ols_fit(&x, a.y, true)?;
    let k = x.len();
    let first_mod = 1 + a.covariates.len();
    let means: Vec<f64> = a.modifiers.iter().map(|m| mean(m)).collect();
    let effect = fit.coef[0] + means.iter().enumerate().map(|(j, m)| fit.coef[first_mod + j] * m).sum::<f64>();
    // Delta method: g = ∂effect/∂β; plus the variance of the modifiers' means.
    let mut g = vec![0.0f64; k];
    g[0] = 1.0;
    for (j, m) in means.iter().enumerate() {
        g[first_mod + j] = *m;
    }
    let mut var = 0.0;
    for i in 0..k {
        for j in 0..k {
            var += g[i] * fit.xtx_inv[i * k + j] * g[j];
        }
    }
    var *= fit.sigma2;
    for (i, mi) in a.modifiers.iter().enumerate() {
        for (j, mj) in a.modifiers.iter().enumerate() {
            let cov = mi.iter().zip(*mj).map(|(p, q)| (p - means[i]) * (q - means[j])).sum::<f64>() / (n - 1) as f64;
            var += fit.coef[first_mod + i] * fit.coef[first_mod + j] * cov / n as f64;
        }
    }
    let se = var.sqrt();
    Ok(Estimate {
        method: "linear regression adjustment",
        effect,
        se,
        interval: t_interval(effect, se, fit.df as f64, level),
        level,
        n,
        df: fit.df as f64,
        notes: Vec::new(),
    })
}
