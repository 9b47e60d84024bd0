//! Inverse probability weighting for a binary treatment.
//!
//! A logistic propensity model on the adjustment set; scores trimmed to
//! `[trim, 1 − trim]`; stabilised (normalised, Hájek) weights, so each arm's
//! weights sum to one; the interval from the estimator's influence function
//! with the propensity treated as known, which is conservative for the
//! average effect (Lunceford and Davidian 2004).

use kausa_stats::regression::logistic_fit;

use crate::{Estimate, EstimateError, Result, z_interval};

/// Settings of [`ipw`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IpwParams {
    /// Propensity scores are clipped to `[trim, 1 − trim]`.
    pub trim: f64,
    /// Confidence level of the interval.
    pub level: f64,
}

impl Default for IpwParams {
    fn default() -> Self {
        IpwParams { trim: 0.01, level: 0.95 }
    }
}

/// The average effect of a 0/1 treatment `t` on `y` by weighting with the
/// propensity estimated from `covariates`.
pub fn ipw(y: &[f64], t: &[f64], covariates: &[&[f64]], params: IpwParams) -> Result<Estimate> {
    let n = y.len();
    if t.iter().any(|&v| v != 0.0 && v != 1.0) {
        return Err(EstimateError::Data("weighting needs a binary treatment coded 0 and 1".into()));
    }
    let treated = t.iter().filter(|&&v| v == 1.0).count();
    if treated == 0 || treated == n {
        return Err(EstimateError::Data("every row has the same treatment: there is no one to compare with".into()));
    }
    let fit = logistic_fit(covariates, t).map_err(|e| match e {
        kausa_stats::StatsError::Separated => EstimateError::Data(
            "no overlap: the covariates separate treated from untreated rows perfectly, so no weighting can \
             compare them"
                .into(),
        ),
        other => other.into(),
    })?;
    let (lo, hi) = (params.trim, 1.0 - params.trim);
    let mut e = Vec::with_capacity(n);
    let (mut trimmed, mut outside) = (0usize, 0usize);
    for i in 0..n {
        let p = fit.probability(covariates, i);
        outside += usize::from(!(0.05..=0.95).contains(&p));
        trimmed += usize::from(p < lo || p > hi);
        e.push(p.clamp(lo, hi));
    }
    let (mut s1, mut w1, mut s0, mut w0) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        if t[i] == 1.0 {
            s1 += y[i] / e[i];
            w1 += 1.0 / e[i];
        } else {
            s0 += y[i] / (1.0 - e[i]);
            w0 += 1.0 / (1.0 - e[i]);
        }
    }
    let (mu1, mu0) = (s1 / w1, s0 / w0);
    let effect = mu1 - mu0;
    let (m1, m0) = (w1 / n as f64, w0 / n as f64);
    let psi: Vec<f64> = (0..n)
        .map(|i| if t[i] == 1.0 { (y[i] - mu1) / e[i] / m1 } else { -(y[i] - mu0) / (1.0 - e[i]) / m0 })
        .collect();
    let mean_psi = psi.iter().sum::<f64>() / n as f64;
    let se = (psi.iter().map(|v| (v - mean_psi).powi(2)).sum::<f64>() / (n as f64 * (n - 1) as f64)).sqrt();
    let mut notes = Vec::new();
    if trimmed > 0 {
        notes.push(format!("{trimmed} propensity scores clipped to [{lo}, {hi}]"));
    }
    if outside * 10 > n {
        notes.push(format!(
            "weak overlap: {:.1}% of rows have a propensity outside [0.05, 0.95]; weights are unstable there",
            100.0 * outside as f64 / n as f64
        ));
    }
    Ok(Estimate {
        method: "inverse probability weighting (stabilised)",
        effect,
        se,
        interval: z_interval(effect, se, params.level),
        level: params.level,
        n,
        df: f64::INFINITY,
        notes,
    })
}

/// The overlap of treated and untreated rows, from a logistic propensity model.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    /// Smallest and largest propensity among treated rows.
    pub treated: (f64, f64),
    /// Smallest and largest propensity among untreated rows.
    pub untreated: (f64, f64),
    /// Share of rows with a propensity outside `[0.05, 0.95]`.
    pub outside: f64,
}

impl Overlap {
    /// Whether overlap is adequate: at most 10% of rows outside `[0.05, 0.95]`.
    pub fn adequate(&self) -> bool {
        self.outside <= 0.1
    }
}

/// The positivity diagnostic for a 0/1 treatment `t` given `covariates`.
pub fn overlap(t: &[f64], covariates: &[&[f64]]) -> Result<Overlap> {
    if t.iter().any(|&v| v != 0.0 && v != 1.0) {
        return Err(EstimateError::Data("the overlap diagnostic needs a binary treatment coded 0 and 1".into()));
    }
    let fit = logistic_fit(covariates, t).map_err(|e| match e {
        kausa_stats::StatsError::Separated => {
            EstimateError::Data("no overlap: the covariates separate treated from untreated rows perfectly".into())
        }
        other => other.into(),
    })?;
    let (mut tr, mut un) = ((f64::INFINITY, f64::NEG_INFINITY), (f64::INFINITY, f64::NEG_INFINITY));
    let mut outside = 0usize;
    for (i, &ti) in t.iter().enumerate() {
        let p = fit.probability(covariates, i);
        let r = if ti == 1.0 { &mut tr } else { &mut un };
        *r = (r.0.min(p), r.1.max(p));
        outside += usize::from(!(0.05..=0.95).contains(&p));
    }
    Ok(Overlap { treated: tr, untreated: un, outside: outside as f64 / t.len() as f64 })
}
