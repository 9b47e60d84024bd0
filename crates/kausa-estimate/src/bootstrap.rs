//! The nonparametric (pairs) bootstrap, seeded and parallel.
//!
//! Replicate `b` draws its rows with its own generator, seeded from `(seed, b)`,
//! so the replicates — and the interval — do not depend on the thread count.
//! A replicate is given as row counts (how often each row was drawn), which
//! lets estimators work on weighted sufficient statistics instead of copies.

use kausa_core::{Par, Rng};

use crate::{EstimateError, Result};

/// Bootstrap replicates of an estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    /// The estimate of each replicate, in replicate order.
    pub estimates: Vec<f64>,
}

impl Bootstrap {
    /// Runs `f` on `reps` resamples of `n` rows (as counts per row).
    pub fn run(
        n: usize,
        reps: usize,
        seed: u64,
        par: Par,
        f: impl Fn(&[f64]) -> Result<f64> + Sync,
    ) -> Result<Bootstrap> {
        Bootstrap::replicates(reps, par, |b| f(&resample_counts(n, seed, b)))
    }

    /// Runs `f` on `reps` Bayesian-bootstrap replicates of `n` rows (Rubin 1981):
    /// each row weighted by an independent standard exponential draw, so that every
    /// row keeps a positive weight and no stratum of the data empties — what a
    /// plug-in of relative frequencies needs, where a resample that loses a
    /// stratum's only row leaves its conditional undefined.
    pub fn run_bayesian(
        n: usize,
        reps: usize,
        seed: u64,
        par: Par,
        f: impl Fn(&[f64]) -> Result<f64> + Sync,
    ) -> Result<Bootstrap> {
        Bootstrap::replicates(reps, par, |b| {
            let mut rng = Rng::stream(seed, b as u64);
            let w: Vec<f64> = (0..n).map(|_| -(1.0 - rng.uniform()).ln()).collect();
            f(&w)
        })
    }

    /// Replicates `0..reps` of `one`, in parallel when `par` allows, in replicate order.
    fn replicates(reps: usize, par: Par, one: impl Fn(usize) -> Result<f64> + Sync) -> Result<Bootstrap> {
        if reps == 0 {
            return Err(EstimateError::Data("the bootstrap needs at least one resample".into()));
        }
        let estimates = par.map(reps, one).map_err(EstimateError::Data)?;
        Ok(Bootstrap { estimates: estimates.into_iter().collect::<Result<Vec<f64>>>()? })
    }

    /// The standard deviation of the replicates.
    pub fn se(&self) -> f64 {
        let n = self.estimates.len() as f64;
        let m = self.estimates.iter().sum::<f64>() / n;
        (self.estimates.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt()
    }

    /// The percentile interval at `level`: the empirical `(1 − level)/2` and
    /// `(1 + level)/2` quantiles of the replicates (linear interpolation, as NumPy's default).
    pub fn percentile_interval(&self, level: f64) -> (f64, f64) {
        kausa_stats::summary::percentile_interval(&self.estimates, level)
    }
}

/// How often each of `n` rows is drawn in replicate `b` of a bootstrap seeded with `seed`.
pub fn resample_counts(n: usize, seed: u64, b: usize) -> Vec<f64> {
    let mut rng = Rng::seed_from_u64(seed ^ (b as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut counts = vec![0.0f64; n];
    for _ in 0..n {
        counts[rng.index(n as u64) as usize] += 1.0;
    }
    counts
}
