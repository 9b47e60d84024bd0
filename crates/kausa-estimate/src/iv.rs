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

/// The front-door effect in a linear model: `Σ_m a_m · b_m`, with `a_m` the
/// coefficient of `t` in `m ~ 1 + t` and `b_m` that of `m` in
/// `y ~ 1 + t + mediators`; the standard error by the delta method with the
/// two stages independent (Sobel 1982).
pub fn front_door_linear(y: &[f64], t: &[f64], mediators: &[&[f64]], level: f64) -> Result<Estimate> {
    let n = y.len();
    if mediators.is_empty() {
        return Err(EstimateError::Data("the front door needs at least one mediator".into()));
    }
    let mut x: Vec<&[f64]> = vec![t];
    x.extend(mediators.iter().copied());
    let outcome = ols_fit(&x, y, true)?;
    let (mut effect, mut var) = (0.0, 0.0);
    for (j, m) in mediators.iter().enumerate() {
        let first = ols_fit(&[t], m, true)?;
        let (a, va) = (first.coef[0], first.se(0).powi(2));
        let (b, vb) = (outcome.coef[1 + j], outcome.se(1 + j).powi(2));
        effect += a * b;
        var += b * b * va + a * a * vb;
    }
    let se = var.sqrt();
    Ok(Estimate {
        method: "front-door adjustment (linear, product of coefficients)",
        effect,
        se,
        interval: crate::z_interval(effect, se, level),
        level,
        n,
        df: f64::INFINITY,
        notes: vec!["assumes linear mechanisms; the interval is the delta method (Sobel)".into()],
    })
}
