//! Two-stage least squares for instrumental variables.
//!
//! First stage `t ~ 1 + instruments + covariates`, second stage
//! `y ~ 1 + t̂ + covariates`; the interval uses the residuals of `y` against the
//! actual treatment (the classical 2SLS covariance `σ̂² (X̂ᵀX̂)⁻¹`). A first-stage
//! F statistic below 10 is reported as a weak instrument.

use kausa_stats::regression::ols_fit;

use crate::{Estimate, EstimateError, Result, t_interval};

/// The effect of `t` on `y` by 2SLS with `instruments`, adjusting for `covariates`.
pub fn two_stage_least_squares(
    y: &[f64],
    t: &[f64],
    instruments: &[&[f64]],
    covariates: &[&[f64]],
    level: f64,
) -> Result<Estimate> {
    let n = y.len();
    if instruments.is_empty() {
        return Err(EstimateError::Data("2SLS needs at least one instrument".into()));
    }
    let mut first_x: Vec<&[f64]> = instruments.to_vec();
    first_x.extend(covariates.iter().copied());
    let first = ols_fit(&first_x, t, true)?;
    let t_hat: Vec<f64> =
        (0..n).map(|i| first.intercept + first.coef.iter().zip(&first_x).map(|(b, c)| b * c[i]).sum::<f64>()).collect();
    // Partial F of the instruments: compare with the first stage without them.
    let rss_full = first.sigma2 * first.df as f64;
    let rss_reduced = if covariates.is_empty() {
        let m = t.iter().sum::<f64>() / n as f64;
        t.iter().map(|v| (v - m) * (v - m)).sum::<f64>()
    } else {
        let r = ols_fit(covariates, t, true)?;
        r.sigma2 * r.df as f64
    };
    let q = instruments.len() as f64;
    let f_stat = ((rss_reduced - rss_full) / q) / first.sigma2;
    let mut second_x: Vec<&[f64]> = vec![&t_hat];
    second_x.extend(covariates.iter().copied());
    let second = ols_fit(&second_x, y, true)?;
    let beta = second.coef[0];
    // Residuals against the actual treatment.
    let rss: f64 = (0..n)
        .map(|i| {
            let fitted = second.intercept
                + beta * t[i]
                + second.coef[1..].iter().zip(covariates).map(|(b, c)| b * c[i]).sum::<f64>();
            (y[i] - fitted).powi(2)
        })
        .sum();
    let sigma2 = rss / second.df as f64;
    let se = (sigma2 * second.xtx_inv[0]).sqrt();
    let mut notes = vec![format!("first-stage F = {f_stat:.1}")];
    if f_stat < 10.0 {
        notes.push("weak instruments (first-stage F below 10): the estimate and its interval are unreliable".into());
    }
    Ok(Estimate {
        method: "two-stage least squares",
        effect: beta,
        se,
        interval: t_interval(beta, se, second.df as f64, level),
        level,
        n,
        df: second.df as f64,
        notes,
    })
}
