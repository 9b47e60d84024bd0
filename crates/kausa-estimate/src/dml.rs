//! Double machine learning with cross-fitting (Chernozhukov et al. 2018) and
//! the doubly robust (AIPW) estimator, with linear or gradient-boosted nuisance models.
//!
//! Rows are split into `folds` parts by a seeded shuffle; each part's nuisance
//! predictions come from models fitted on the other parts.
//! - Partially linear model (`y = θ·t + g(X) + ε`, `t = m(X) + v`): regress
//!   `y` and `t` on `X`, then `θ` = the least-squares slope of the `y`
//!   residuals on the `t` residuals; the interval from the score
//!   `ψ = (ỹ − θ t̃) t̃` (Neyman orthogonal).
//! - Interactive model / AIPW (binary `t`): outcome regressions in each arm
//!   and a logistic propensity (clipped to `[trim, 1 − trim]`);
//!   `ψ = μ₁ − μ₀ + t (y − μ₁)/e − (1 − t)(y − μ₀)/(1 − e)`, the effect its
//!   mean and the interval from its variance.

use kausa_core::{Par, Rng};
use kausa_stats::gbdt::{Gbdt, GbdtParams, Loss};
use kausa_stats::regression::{logistic_fit, ols_fit};

use crate::{Estimate, EstimateError, Result, z_interval};

/// The models for the nuisance functions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Learner {
    /// Least squares; logistic regression for the propensity.
    Linear,
    /// Gradient-boosted trees (squared loss; log loss for the propensity).
    Boosted(GbdtParams),
}

/// Settings of the cross-fitted estimators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossFit<'a> {
    /// The nuisance models.
    pub learner: Learner,
    /// Number of folds (at least 2).
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// The fold of each row, numbered from 0, instead of a seeded shuffle into
    /// `folds` parts (`folds` and `seed` are then unused): another tool's split, or
    /// one that keeps the rows of a batch together.
    pub given: Option<&'a [usize]>,
    /// Propensity scores are clipped to `[trim, 1 − trim]` (AIPW).
    pub trim: f64,
    /// Confidence level.
    pub level: f64,
    /// Threads for the folds (each fold's models are fitted independently).
    pub par: Par,
}

impl Default for CrossFit<'_> {
    fn default() -> Self {
        CrossFit { learner: Learner::Linear, folds: 5, seed: 0, given: None, trim: 0.01, level: 0.95, par: Par::Seq }
    }
}

impl CrossFit<'_> {
    /// The fold of each of `n` rows, the number of folds, and a note saying how they were made.
    fn assign(&self, n: usize) -> Result<(Vec<usize>, usize, String)> {
        let Some(given) = self.given else {
            if self.folds < 2 || self.folds > n / 4 {
                return Err(EstimateError::Data(format!("{} folds do not fit {n} rows", self.folds)));
            }
            return Ok((
                fold_of_rows(n, self.folds, self.seed),
                self.folds,
                format!("{} folds, seed {}", self.folds, self.seed),
            ));
        };
        if given.len() != n {
            return Err(EstimateError::Data(format!("{} fold labels for {n} rows", given.len())));
        }
        // The labels present, numbered in order: a subset of the rows (a refuter's, a
        // resample's) may lack some folds of the split.
        let mut present = vec![false; given.iter().max().map_or(0, |m| m + 1)];
        given.iter().for_each(|&f| present[f] = true);
        let mut number = vec![0usize; present.len()];
        let mut k = 0;
        for (f, &p) in present.iter().enumerate() {
            number[f] = k;
            k += usize::from(p);
        }
        if k < 2 {
            return Err(EstimateError::Data(format!("cross-fitting needs at least 2 folds; the given split has {k}")));
        }
        if k > n / 2 {
            return Err(EstimateError::Data(format!(
                "the given split has {k} folds for {n} rows, a fold per row or two (an identifier column?)"
            )));
        }
        Ok((given.iter().map(|&f| number[f]).collect(), k, format!("{k} folds as given")))
    }
}

/// The fold of each row: a seeded shuffle cut into `folds` nearly equal parts.
pub fn fold_of_rows(n: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    Rng::seed_from_u64(seed).shuffle(&mut order);
    let mut fold = vec![0; n];
    for (pos, &row) in order.iter().enumerate() {
        fold[row] = pos * folds / n;
    }
    fold
}

/// Predictions for the rows of fold `k` from a model fitted on the other folds
/// (rows with `keep(i)` only): the regression of `y` on `x`, or with
/// `probability` the probability that the 0/1 `y` is 1.
fn predict_out_of_fold(
    learner: Learner,
    x: &[&[f64]],
    y: &[f64],
    fold: &[usize],
    k: usize,
    probability: bool,
    keep: impl Fn(usize) -> bool,
) -> Result<Vec<f64>> {
    let train: Vec<usize> = (0..y.len()).filter(|&i| fold[i] != k && keep(i)).collect();
    let test: Vec<usize> = (0..y.len()).filter(|&i| fold[i] == k).collect();
    let cols: Vec<Vec<f64>> = x.iter().map(|c| train.iter().map(|&i| c[i]).collect()).collect();
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let ty: Vec<f64> = train.iter().map(|&i| y[i]).collect();
    if ty.len() <= x.len() + 1 {
        return Err(EstimateError::Data(format!("fold {k}: too few training rows for the nuisance model")));
    }
    let tcols: Vec<Vec<f64>> = x.iter().map(|c| test.iter().map(|&i| c[i]).collect()).collect();
    let trefs: Vec<&[f64]> = tcols.iter().map(Vec::as_slice).collect();
    match (learner, probability) {
        (Learner::Linear, false) => {
            let fit = ols_fit(&refs, &ty, true)?;
            Ok((0..test.len())
                .map(|j| fit.intercept + fit.coef.iter().zip(&trefs).map(|(b, c)| b * c[j]).sum::<f64>())
                .collect())
        }
        (Learner::Linear, true) => {
            let fit = logistic_fit(&refs, &ty).map_err(|e| match e {
                kausa_stats::StatsError::Separated => EstimateError::Data(
                    "no overlap: the covariates separate treated from untreated rows perfectly".into(),
                ),
                other => other.into(),
            })?;
            Ok((0..test.len()).map(|j| fit.probability(&trefs, j)).collect())
        }
        (Learner::Boosted(params), probability) => {
            let loss = if probability { Loss::Logistic } else { Loss::Squared };
            Ok(Gbdt::fit(&refs, &ty, loss, params)?.predict(&trefs))
        }
    }
}

/// Runs `f` for each of `k` folds, in parallel when `par` allows; results in fold order.
fn per_fold(par: Par, k: usize, f: impl Fn(usize) -> Result<Vec<Vec<f64>>> + Sync) -> Result<Vec<Vec<Vec<f64>>>> {
    par.map(k, f).map_err(EstimateError::Data)?.into_iter().collect()
}

/// The number of rows, the fold of each, the number of folds and their note.
fn check(y: &[f64], t: &[f64], x: &[&[f64]], cf: &CrossFit) -> Result<(usize, Vec<usize>, usize, String)> {
    let n = y.len();
    if t.len() != n || x.iter().any(|c| c.len() != n) {
        return Err(EstimateError::Data("columns of different lengths".into()));
    }
    let (fold, k, note) = cf.assign(n)?;
    Ok((n, fold, k, note))
}

/// The partially linear DML estimate of the effect of `t` on `y`, adjusting for `x`.
pub fn dml_partially_linear(y: &[f64], t: &[f64], x: &[&[f64]], cf: CrossFit) -> Result<Estimate> {
    let (n, fold, folds, note) = check(y, t, x, &cf)?;
    let fits = per_fold(cf.par, folds, |k| {
        let py = predict_out_of_fold(cf.learner, x, y, &fold, k, false, |_| true)?;
        let pt = predict_out_of_fold(cf.learner, x, t, &fold, k, false, |_| true)?;
        Ok(vec![py, pt])
    })?;
    let (mut ry, mut rt) = (vec![0.0; n], vec![0.0; n]);
    for (k, preds) in fits.iter().enumerate() {
        let rows = (0..n).filter(|&i| fold[i] == k);
        for (j, i) in rows.enumerate() {
            ry[i] = y[i] - preds[0][j];
            rt[i] = t[i] - preds[1][j];
        }
    }
    let stt: f64 = rt.iter().map(|v| v * v).sum();
    if stt <= 1e-12 * n as f64 {
        return Err(EstimateError::Data(
            "the treatment is (almost) a function of the covariates: nothing is left to compare".into(),
        ));
    }
    let theta = rt.iter().zip(&ry).map(|(a, b)| a * b).sum::<f64>() / stt;
    let j = stt / n as f64;
    let var =
        rt.iter().zip(&ry).map(|(a, b)| ((b - theta * a) * a).powi(2)).sum::<f64>() / n as f64 / (j * j) / n as f64;
    let se = var.sqrt();
    Ok(Estimate {
        method: match cf.learner {
            Learner::Linear => "double machine learning, partially linear (linear nuisances)",
            Learner::Boosted(_) => "double machine learning, partially linear (gradient-boosted nuisances)",
        },
        effect: theta,
        se,
        interval: z_interval(theta, se, cf.level),
        level: cf.level,
        n,
        df: f64::INFINITY,
        notes: vec![note],
    })
}

/// The doubly robust (AIPW) estimate of the average effect of a 0/1 treatment,
/// with cross-fitted linear outcome models and a logistic propensity.
pub fn aipw(y: &[f64], t: &[f64], x: &[&[f64]], cf: CrossFit) -> Result<Estimate> {
    let (n, fold, folds, note) = check(y, t, x, &cf)?;
    if t.iter().any(|&v| v != 0.0 && v != 1.0) {
        return Err(EstimateError::Data("AIPW needs a binary treatment coded 0 and 1".into()));
    }
    let fits = per_fold(cf.par, folds, |k| {
        let mu1 = predict_out_of_fold(cf.learner, x, y, &fold, k, false, |i| t[i] == 1.0)?;
        let mu0 = predict_out_of_fold(cf.learner, x, y, &fold, k, false, |i| t[i] == 0.0)?;
        let prop = predict_out_of_fold(cf.learner, x, t, &fold, k, true, |_| true)?;
        Ok(vec![mu1, mu0, prop])
    })?;
    let mut psi = vec![0.0; n];
    let mut clipped = 0usize;
    for (k, p) in fits.iter().enumerate() {
        let rows = (0..n).filter(|&i| fold[i] == k);
        for (j, i) in rows.enumerate() {
            let (mu1, mu0, e) = (p[0][j], p[1][j], p[2][j]);
            clipped += usize::from(e < cf.trim || e > 1.0 - cf.trim);
            let e = e.clamp(cf.trim, 1.0 - cf.trim);
            psi[i] = mu1 - mu0 + t[i] * (y[i] - mu1) / e - (1.0 - t[i]) * (y[i] - mu0) / (1.0 - e);
        }
    }
    let effect = psi.iter().sum::<f64>() / n as f64;
    let se = (psi.iter().map(|v| (v - effect).powi(2)).sum::<f64>() / (n - 1) as f64 / n as f64).sqrt();
    let mut notes = vec![note];
    if clipped > 0 {
        notes.push(format!("{clipped} propensity scores clipped to [{}, {}]", cf.trim, 1.0 - cf.trim));
    }
    Ok(Estimate {
        method: match cf.learner {
            Learner::Linear => "doubly robust (AIPW, cross-fitted, linear outcome models)",
            Learner::Boosted(_) => "doubly robust (AIPW, cross-fitted, gradient-boosted nuisances)",
        },
        effect,
        se,
        interval: z_interval(effect, se, cf.level),
        level: cf.level,
        n,
        df: f64::INFINITY,
        notes,
    })
}

/// Regression adjustment with gradient-boosted trees for a 0/1 treatment (a
/// "T-learner"): one model of `y` on `x` among the treated, one among the
/// untreated — each a least-squares line plus trees boosted on its residuals —
/// and the effect `mean(μ₁(x) − μ₀(x))` over all rows. A plug-in estimate: its
/// interval comes from the bootstrap.
pub fn boosted_adjustment(y: &[f64], t: &[f64], x: &[&[f64]], params: GbdtParams) -> Result<f64> {
    let n = y.len();
    if t.iter().any(|&v| v != 0.0 && v != 1.0) {
        return Err(EstimateError::Data("boosted regression adjustment needs a binary treatment coded 0 and 1".into()));
    }
    let arm = |a: f64| -> Result<Vec<f64>> {
        let rows: Vec<usize> = (0..n).filter(|&i| t[i] == a).collect();
        if rows.len() < 2 * params.min_leaf {
            return Err(EstimateError::Data(format!("too few rows with treatment {a} for a boosted model")));
        }
        let cols: Vec<Vec<f64>> = x.iter().map(|c| rows.iter().map(|&i| c[i]).collect()).collect();
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let ya: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        // Trees are boosted on the residuals of the arm's least-squares fit, whose
        // line carries trends past the arm's rows (trees are flat there), where the
        // other arm's rows lie when overlap is weak. A singular fit (columns collinear
        // within the arm) leaves the trees on their own.
        // Columns constant within the arm (an indicator of a level the arm lacks) stay out of its line.
        let varying: Vec<usize> = (0..refs.len()).filter(|&j| refs[j].iter().any(|&v| v != refs[j][0])).collect();
        let line_cols: Vec<&[f64]> = varying.iter().map(|&j| refs[j]).collect();
        let line = ols_fit(&line_cols, &ya, true).ok();
        let linear = |cols: &[&[f64]], i: usize| {
            line.as_ref()
                .map_or(0.0, |f| f.intercept + f.coef.iter().zip(&varying).map(|(b, &j)| b * cols[j][i]).sum::<f64>())
        };
        let resid: Vec<f64> = (0..rows.len()).map(|i| ya[i] - linear(&refs, i)).collect();
        let trees = Gbdt::fit(&refs, &resid, Loss::Squared, params)?.predict(x);
        Ok(trees.iter().enumerate().map(|(i, t)| t + linear(x, i)).collect())
    };
    let (mu1, mu0) = (arm(1.0)?, arm(0.0)?);
    Ok(mu1.iter().zip(&mu0).map(|(a, b)| a - b).sum::<f64>() / n as f64)
}
