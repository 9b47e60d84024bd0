//! Refutation and sensitivity: for the linear adjustment estimate from its cross
//! products ([`refute_linear`]), and for any estimator by re-estimating on the
//! altered data ([`refute_with`]).
//!
//! Each refuter re-estimates the effect on altered data (`sims` times, seeded,
//! in parallel) and says whether the estimate behaved as a causal effect should:
//! - **placebo treatment**: the treatment permuted: the effect must vanish;
//! - **dummy outcome**: the outcome replaced by independent noise: it must vanish;
//! - **random common cause**: an independent random covariate added: the effect must not move;
//! - **data subset**: random 80% of the rows: the effect must not move.
//!
//! "Vanish" means the mean over the simulations is within three of its standard
//! errors of zero (a false alarm about once in 400 runs); "not move" means within one analytic standard error of the
//! original estimate. Every refit solves the normal equations from one
//! cross-product matrix, so a simulation costs one pass over the data.
//!
//! Sensitivity to an unobserved confounder: the E-value (VanderWeele and Ding
//! 2017, with the standardised-difference approximation `RR ≈ exp(0.91 d)` for
//! a continuous outcome) and the robustness value of Cinelli and Hazlett (2020).

use kausa_core::{Par, Rng};
use kausa_stats::regression::{dot, mean, solve_spd, weighted_gram};
use kausa_stats::special::student_t_quantile;

use crate::{EstimateError, LinearAdjustment, Result};

/// The outcome of one refuter.
#[derive(Debug, Clone, PartialEq)]
pub struct Refutation {
    /// Which refuter.
    pub name: &'static str,
    /// The mean re-estimated effect over the simulations.
    pub new_effect: f64,
    /// What the refuter expects, and what it saw.
    pub detail: String,
    /// Whether the estimate passed.
    pub passed: bool,
}

/// Sensitivity of the estimate to an unobserved confounder.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// The E-value of the point estimate: how strongly (risk-ratio scale) a
    /// confounder would have to be associated with both treatment and outcome to
    /// explain the effect away.
    pub e_value: f64,
    /// The E-value of the interval limit closest to no effect (1 when the interval contains 0).
    pub e_value_interval: f64,
    /// The robustness value: the share of the residual variance of both
    /// treatment and outcome a confounder must explain to bring the effect to zero.
    pub robustness_value: f64,
    /// The same to make the effect insignificant at the 5% level.
    pub robustness_value_alpha: f64,
}

/// The centred columns `[1, t, covariates, t·m]` (the `k` regressors), the
/// centred outcome and the raw modifiers, with their cross products. A
/// refutation changes a column or two; only their cross products are redone.
struct Design {
    n: usize,
    k: usize,
    n_mod: usize,
    n_cov: usize,
    /// Column-major, `width = k + 1 + n_mod` columns.
    flat: Vec<f64>,
    width: usize,
    gram: Vec<f64>,
}

fn centred(c: &[f64]) -> Vec<f64> {
    let m = mean(c);
    c.iter().map(|v| v - m).collect()
}

impl Design {
    fn new(a: &LinearAdjustment<'_>) -> Design {
        let n = a.y.len();
        let mut cols: Vec<Vec<f64>> = vec![vec![1.0; n], centred(a.t)];
        cols.extend(a.covariates.iter().map(|c| centred(c)));
        cols.extend(a.modifiers.iter().map(|m| centred(&m.iter().zip(a.t).map(|(x, y)| x * y).collect::<Vec<f64>>())));
        let k = cols.len();
        cols.push(centred(a.y));
        cols.extend(a.modifiers.iter().map(|m| m.to_vec()));
        let width = cols.len();
        let flat = cols.concat();
        let gram = weighted_gram(&flat, n, width, &vec![1.0; n]);
        Design { n, k, n_mod: a.modifiers.len(), n_cov: a.covariates.len(), flat, width, gram }
    }

    fn col(&self, j: usize) -> &[f64] {
        &self.flat[j * self.n..(j + 1) * self.n]
    }

    /// The effect from cross products laid out as `[regressors (k), y, raw modifiers]`.
    fn solve(g: &[f64], width: usize, k: usize, n_mod: usize) -> Result<f64> {
        let a: Vec<f64> = (0..k).flat_map(|i| (0..k).map(move |j| g[i * width + j])).collect();
        let b: Vec<f64> = (0..k).map(|i| g[i * width + k]).collect();
        let beta = solve_spd(&a, k, &b)
            .ok_or_else(|| EstimateError::Data("a refutation refit has collinear columns".into()))?;
        Ok(beta[1] + (0..n_mod).map(|j| beta[k - n_mod + j] * g[k + 1 + j] / g[0]).sum::<f64>())
    }

    /// The effect with some columns replaced (`(index, new column)`).
    fn with_replaced(&self, replaced: &[(usize, Vec<f64>)]) -> Result<f64> {
        let w = self.width;
        let column = |j: usize| replaced.iter().find(|(i, _)| *i == j).map_or(self.col(j), |(_, c)| c.as_slice());
        let mut g = self.gram.clone();
        for (i, c) in replaced {
            for j in 0..w {
                let v = dot(c, column(j));
                g[i * w + j] = v;
                g[j * w + i] = v;
            }
        }
        Design::solve(&g, w, self.k, self.n_mod)
    }

    /// The effect with one more (centred) covariate `z`.
    fn with_regressor(&self, z: &[f64]) -> Result<f64> {
        let (w, k) = (self.width, self.k);
        // New layout: intercept, t, covariates, z, then the interactions, y and the modifiers
        // (`solve` reads the interactions as the last regressors).
        let at = k - self.n_mod;
        let old = |j: usize| {
            if j < at {
                Some(j)
            } else if j == at {
                None
            } else {
                Some(j - 1)
            }
        };
        let w2 = w + 1;
        let mut g = vec![0.0; w2 * w2];
        for i in 0..w2 {
            for j in 0..w2 {
                g[i * w2 + j] = match (old(i), old(j)) {
                    (Some(a), Some(b)) => self.gram[a * w + b],
                    (None, None) => dot(z, z),
                    (None, Some(b)) | (Some(b), None) => dot(z, self.col(b)),
                };
            }
        }
        Design::solve(&g, w2, k + 1, self.n_mod)
    }

    /// The effect with row weights `weights`.
    fn weighted(&self, weights: &[f64]) -> Result<f64> {
        Design::solve(&weighted_gram(&self.flat, self.n, self.width, weights), self.width, self.k, self.n_mod)
    }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let sd = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0)).sqrt();
    (m, sd)
}

/// The refuters of [`refute_linear`], in the order they are run and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refuter {
    /// The treatment permuted: the effect must vanish.
    PlaceboTreatment,
    /// The outcome replaced by independent noise: the effect must vanish.
    DummyOutcome,
    /// An independent random covariate added: the effect must not move.
    RandomCommonCause,
    /// Random 80% subsets of the rows: the effect must not move.
    DataSubset,
}

impl Refuter {
    /// All four.
    pub const ALL: [Refuter; 4] =
        [Refuter::PlaceboTreatment, Refuter::DummyOutcome, Refuter::RandomCommonCause, Refuter::DataSubset];

    /// The refuter's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Refuter::PlaceboTreatment => "placebo treatment",
            Refuter::DummyOutcome => "dummy outcome",
            Refuter::RandomCommonCause => "random common cause",
            Refuter::DataSubset => "data subset",
        }
    }
}

/// Which refuters to run, how often, from which seed, on how many threads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefuteParams<'a> {
    /// The refuters, in the order they are reported.
    pub refuters: &'a [Refuter],
    /// Simulations per refuter (at least 2).
    pub sims: usize,
    /// Each refuter's simulations are seeded from `(seed, refuter)`, so a refuter
    /// gives the same answer alone or with others.
    pub seed: u64,
    /// Threads for the simulations.
    pub par: Par,
}

/// Runs the refuters on a linear adjustment whose estimate is `effect` with
/// analytic standard error `se`, refitting from cross products.
pub fn refute_linear(a: &LinearAdjustment<'_>, effect: f64, se: f64, params: RefuteParams) -> Result<Vec<Refutation>> {
    let n = a.y.len();
    let design = Design::new(a);
    run_refuters(params, effect, se, |kind, rng| match kind {
        Refuter::PlaceboTreatment => {
            let mut t = a.t.to_vec();
            rng.permute(&mut t);
            let mut replaced = vec![(1, centred(&t))];
            for (j, m) in a.modifiers.iter().enumerate() {
                let tm: Vec<f64> = m.iter().zip(&t).map(|(x, y)| x * y).collect();
                replaced.push((2 + design.n_cov + j, centred(&tm)));
            }
            design.with_replaced(&replaced)
        }
        Refuter::DummyOutcome => {
            let mut noise = vec![0.0; n];
            rng.fill_normal(&mut noise);
            design.with_replaced(&[(design.k, centred(&noise))])
        }
        Refuter::RandomCommonCause => {
            let mut extra = vec![0.0; n];
            rng.fill_normal(&mut extra);
            design.with_regressor(&centred(&extra))
        }
        Refuter::DataSubset => {
            let w: Vec<f64> = (0..n).map(|_| (rng.uniform() < 0.8) as u8 as f64).collect();
            design.weighted(&w)
        }
    })
}

/// What a refuter changed in the data, for [`refute_with`]: `None` where it left
/// the data as they were.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Altered {
    /// The treatment, permuted (placebo treatment).
    pub treatment: Option<Vec<f64>>,
    /// The placebo's permutation: row `k` of the permuted treatment is row
    /// `permutation[k]` of the data (for columns that move with the treatment,
    /// such as an instrumental-variable estimate's instruments).
    pub permutation: Option<Vec<usize>>,
    /// The outcome, replaced by standard normal noise (dummy outcome).
    pub outcome: Option<Vec<f64>>,
    /// An independent standard normal column to adjust for besides the others (random common cause).
    pub extra_covariate: Option<Vec<f64>>,
    /// The rows kept, in order (data subset).
    pub rows: Option<Vec<usize>>,
}

/// Runs the given refuters on any estimator: `estimate` re-estimates the effect
/// on the altered data it is handed. The alterations are those of
/// [`refute_linear`], drawn from the same streams, so a linear estimator gives the
/// same refutations either way; `t` is the treatment column.
pub fn refute_with(
    t: &[f64],
    effect: f64,
    se: f64,
    params: RefuteParams,
    estimate: impl Fn(&Altered) -> Result<f64> + Sync,
) -> Result<Vec<Refutation>> {
    let n = t.len();
    run_refuters(params, effect, se, |kind, rng| {
        let mut altered = Altered::default();
        match kind {
            Refuter::PlaceboTreatment => {
                // The same swaps as permuting the treatment itself (refute_linear does).
                let mut order: Vec<usize> = (0..n).collect();
                rng.permute(&mut order);
                altered.treatment = Some(order.iter().map(|&i| t[i]).collect());
                altered.permutation = Some(order);
            }
            Refuter::DummyOutcome => {
                let mut noise = vec![0.0; n];
                rng.fill_normal(&mut noise);
                altered.outcome = Some(noise);
            }
            Refuter::RandomCommonCause => {
                let mut extra = vec![0.0; n];
                rng.fill_normal(&mut extra);
                altered.extra_covariate = Some(extra);
            }
            Refuter::DataSubset => {
                altered.rows = Some((0..n).filter(|_| rng.uniform() < 0.8).collect());
            }
        }
        estimate(&altered)
    })
}

/// `sims` simulations of each refuter (seeded by refuter and simulation, run in
/// parallel), each re-estimating the effect with `one`, summarised in order.
fn run_refuters(
    params: RefuteParams,
    effect: f64,
    se: f64,
    one: impl Fn(Refuter, &mut Rng) -> Result<f64> + Sync,
) -> Result<Vec<Refutation>> {
    let RefuteParams { refuters, sims, seed, par } = params;
    if sims < 2 {
        return Err(EstimateError::Data("refutation needs at least 2 simulations".into()));
    }
    let jobs: Vec<(Refuter, usize)> = refuters.iter().flat_map(|&r| (0..sims).map(move |s| (r, s))).collect();
    let run = |j: usize| {
        let (r, s) = jobs[j];
        one(r, &mut Rng::stream(seed ^ (r as u64) << 56, s as u64))
    };
    let results = par.map(jobs.len(), run).map_err(EstimateError::Data)?;
    Ok(refuters
        .iter()
        .enumerate()
        .map(|(j, r)| {
            let runs = &results[j * sims..(j + 1) * sims];
            // A refuter whose re-estimates fail (a subset without treated rows, say)
            // is reported as not run, with the first reason, rather than failing the estimate.
            if let Some(e) = runs.iter().find_map(|r| r.as_ref().err()) {
                let failed = runs.iter().filter(|r| r.is_err()).count();
                return Refutation {
                    name: r.name(),
                    new_effect: f64::NAN,
                    passed: false,
                    detail: format!("not run: {failed} of {sims} re-estimates failed, the first with: {e}"),
                };
            }
            let v: Vec<f64> = runs.iter().map(|r| *r.as_ref().expect("checked above")).collect();
            let v = &v[..];
            match r {
                Refuter::PlaceboTreatment => vanish(r.name(), "treatment permuted", v),
                Refuter::DummyOutcome => vanish(r.name(), "outcome replaced by independent noise", v),
                Refuter::RandomCommonCause => stable(r.name(), "an independent random covariate added", v, effect, se),
                Refuter::DataSubset => stable(r.name(), "random 80% subsets", v, effect, se),
            }
        })
        .collect())
}

/// Passes when the simulations' mean effect is within three of its standard errors of zero.
fn vanish(name: &'static str, what: &str, v: &[f64]) -> Refutation {
    let (m, sd) = mean_sd(v);
    let limit = 3.0 * sd / (v.len() as f64).sqrt();
    Refutation {
        name,
        new_effect: m,
        passed: m.abs() <= limit,
        detail: format!("{what}: mean effect {m:.4} over {} runs; expected 0 (within ±{limit:.4})", v.len()),
    }
}

/// Passes when the simulations' mean effect is within one standard error `se` of `effect`.
fn stable(name: &'static str, what: &str, v: &[f64], effect: f64, se: f64) -> Refutation {
    let (m, _) = mean_sd(v);
    Refutation {
        name,
        new_effect: m,
        passed: (m - effect).abs() <= se,
        detail: format!(
            "{what}: mean effect {m:.4} over {} runs; expected {effect:.4} (within one standard error, ±{se:.4})",
            v.len()
        ),
    }
}

/// The E-value and robustness values of a linear estimate: `effect` with
/// standard error `se` and residual degrees of freedom `df`, its interval,
/// and the outcome's standard deviation (for the standardised difference).
pub fn sensitivity(effect: f64, se: f64, df: f64, interval: (f64, f64), sd_y: f64) -> Sensitivity {
    let e_of = |d: f64| {
        let rr = (0.91 * d.abs() / sd_y).exp();
        rr + (rr * (rr - 1.0)).sqrt()
    };
    let closest = if interval.0 <= 0.0 && interval.1 >= 0.0 {
        0.0
    } else if effect > 0.0 {
        interval.0
    } else {
        interval.1
    };
    let t = effect / se;
    let f = t.abs() / df.sqrt();
    let rv = 0.5 * ((f.powi(4) + 4.0 * f * f).sqrt() - f * f);
    let t_crit = student_t_quantile(0.975, df - 1.0);
    let f_alpha = (f - t_crit / (df - 1.0).sqrt()).max(0.0);
    let rv_alpha = 0.5 * ((f_alpha.powi(4) + 4.0 * f_alpha * f_alpha).sqrt() - f_alpha * f_alpha);
    Sensitivity {
        e_value: e_of(effect),
        e_value_interval: if closest == 0.0 { 1.0 } else { e_of(closest) },
        robustness_value: rv,
        robustness_value_alpha: rv_alpha,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuting_any_estimator_alters_the_data_as_the_linear_refuters_do() {
        // The generic refuters, handed a full linear refit, give the refutations of
        // the cross-product refuters: the same alterations from the same streams.
        let mut rng = Rng::seed_from_u64(9);
        let n = 400;
        let w: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let t: Vec<f64> = w.iter().map(|v| (rng.uniform() < 1.0 / (1.0 + (-v).exp())) as u8 as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| 1.5 * t[i] + w[i] + rng.normal()).collect();
        let a = LinearAdjustment { y: &y, t: &t, covariates: vec![&w], modifiers: vec![] };
        let e = crate::linear_adjustment(&a, 0.95).unwrap();
        let params = RefuteParams { refuters: &Refuter::ALL, sims: 6, seed: 3, par: Par::Seq };
        let fast = refute_linear(&a, e.effect, e.se, params).unwrap();
        let refit = |alt: &Altered| -> Result<f64> {
            let pick = |v: &[f64]| alt.rows.as_ref().map_or_else(|| v.to_vec(), |r| r.iter().map(|&i| v[i]).collect());
            let (ys, ts, ws) =
                (pick(alt.outcome.as_deref().unwrap_or(&y)), pick(alt.treatment.as_deref().unwrap_or(&t)), pick(&w));
            let extra = alt.extra_covariate.as_deref().map(pick);
            let mut covariates: Vec<&[f64]> = vec![&ws];
            covariates.extend(extra.as_deref());
            Ok(crate::linear_adjustment(&LinearAdjustment { y: &ys, t: &ts, covariates, modifiers: vec![] }, 0.95)?
                .effect)
        };
        let slow = refute_with(&t, e.effect, e.se, RefuteParams { par: Par::threads(2), ..params }, refit).unwrap();
        for (f, s) in fast.iter().zip(&slow) {
            assert_eq!((f.name, f.passed), (s.name, s.passed));
            assert!((f.new_effect - s.new_effect).abs() < 1e-9, "{}: {} vs {}", f.name, f.new_effect, s.new_effect);
        }
        // A refuter whose re-estimates fail is reported as not run; the others still run.
        let picky = |alt: &Altered| {
            if alt.rows.is_some() { Err(EstimateError::Data("too few treated rows".into())) } else { refit(alt) }
        };
        let some = refute_with(&t, e.effect, e.se, params, picky).unwrap();
        assert_eq!(some[..3], slow[..3]);
        assert!(!some[3].passed && some[3].new_effect.is_nan(), "{:?}", some[3]);
        assert!(some[3].detail.starts_with("not run: 6 of 6") && some[3].detail.contains("too few treated rows"));
    }

    #[test]
    fn refits_from_cross_products_equal_full_fits() {
        let mut rng = Rng::seed_from_u64(6);
        let n = 500;
        let w: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let m: Vec<f64> = (0..n).map(|_| 1.0 + rng.normal()).collect();
        let t: Vec<f64> = w.iter().map(|v| (rng.uniform() < 1.0 / (1.0 + (-v).exp())) as u8 as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| 2.0 * t[i] + 0.5 * t[i] * m[i] + w[i] + rng.normal()).collect();
        let a = LinearAdjustment { y: &y, t: &t, covariates: vec![&w], modifiers: vec![&m] };
        let d = Design::new(&a);
        let full = |y: &[f64], t: &[f64], covs: Vec<&[f64]>| {
            crate::linear_adjustment(&LinearAdjustment { y, t, covariates: covs, modifiers: vec![&m] }, 0.95)
                .unwrap()
                .effect
        };
        // Placebo: a permuted treatment.
        let mut tp = t.clone();
        rng.shuffle(&mut tp);
        let tm: Vec<f64> = m.iter().zip(&tp).map(|(x, y)| x * y).collect();
        let got = d.with_replaced(&[(1, centred(&tp)), (3, centred(&tm))]).unwrap();
        assert!((got - full(&y, &tp, vec![&w])).abs() < 1e-9);
        // Dummy outcome.
        let z: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        assert!((d.with_replaced(&[(d.k, centred(&z))]).unwrap() - full(&z, &t, vec![&w])).abs() < 1e-9);
        // One more covariate.
        assert!((d.with_regressor(&centred(&z)).unwrap() - full(&y, &t, vec![&w, &z])).abs() < 1e-9);
        // A subset as 0/1 weights.
        let keep: Vec<f64> = (0..n).map(|i| (i % 5 != 0) as u8 as f64).collect();
        let rows: Vec<usize> = (0..n).filter(|&i| keep[i] == 1.0).collect();
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let (ys, ts, ws, ms) = (pick(&y), pick(&t), pick(&w), pick(&m));
        let sub = crate::linear_adjustment(
            &LinearAdjustment { y: &ys, t: &ts, covariates: vec![&ws], modifiers: vec![&ms] },
            0.95,
        )
        .unwrap()
        .effect;
        assert!((d.weighted(&keep).unwrap() - sub).abs() < 1e-9);
    }

    #[test]
    fn criteria_pass_and_fail() {
        assert!(vanish("p", "x", &[0.01, -0.02, 0.0, 0.015]).passed);
        assert!(!vanish("p", "x", &[1.0, 1.1, 0.9, 1.05]).passed);
        assert!(stable("s", "x", &[2.0, 2.1, 1.9], 2.0, 0.2).passed);
        assert!(!stable("s", "x", &[2.5, 2.6, 2.4], 2.0, 0.2).passed);
    }

    #[test]
    fn sensitivity_matches_published_values() {
        // Cinelli and Hazlett (2020), Darfur example: t = 4.18 on 783 degrees of freedom
        // gives RV = 13.9% and RV at α = 0.05 of 7.6%.
        let s = sensitivity(4.18, 1.0, 783.0, (2.2, 6.1), 1.0);
        assert!((s.robustness_value - 0.139).abs() < 5e-4, "{s:?}");
        assert!((s.robustness_value_alpha - 0.076).abs() < 5e-4, "{s:?}");
        // E-value: RR = 2 gives 2 + √2 (VanderWeele and Ding 2017).
        let d = 2f64.ln() / 0.91;
        let s = sensitivity(d, d / 3.0, 100.0, (-0.1, 2.0 * d), 1.0);
        assert!((s.e_value - (2.0 + 2f64.sqrt())).abs() < 1e-12);
        assert_eq!(s.e_value_interval, 1.0, "an interval containing 0 needs no confounding");
    }
}
