//! Effect estimation: from data and an identified estimand to a number with an
//! interval.
//!
//! ```text
//!   back door ──▶ linear regression adjustment (treatment × modifier terms,
//!                 ATE = β_t + Σ β_tm · mean(m)), analytic delta-method interval,
//!                 pairs bootstrap from weighted cross products
//!             ──▶ inverse probability weighting (logistic propensity, trimmed,
//!                 stabilised weights), influence-function interval
//!             ──▶ double machine learning (partially linear) and AIPW, cross-fitted
//!   instruments ──▶ two-stage least squares with its classical interval
//!   any estimand (the ID algorithm's) ──▶ plug-in of relative frequencies, discrete data
//! ```
//!
//! Estimators take columns (`&[f64]`), never files; results are a function of
//! (data, parameters, seed), whatever the thread count.
#![deny(missing_docs)]

mod bootstrap;
mod dml;
mod ipw;
mod iv;
mod linear;
mod plugin;
mod refute;

pub use bootstrap::{Bootstrap, resample_counts};
pub use dml::{CrossFit, Learner, aipw, boosted_adjustment, dml_partially_linear, fold_of_rows};
pub use ipw::{IpwParams, Overlap, ipw, overlap};
pub use iv::{front_door_linear, two_stage_least_squares};
pub use linear::{LinearAdjustment, linear_adjustment};
pub use plugin::{DiscreteColumns, PluginParams, plugin_effect, plugin_means};
pub use refute::{Altered, Refutation, RefuteParams, Refuter, Sensitivity, refute_linear, refute_with, sensitivity};

use kausa_stats::StatsError;

/// An effect estimate with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// How it was computed.
    pub method: &'static str,
    /// The average effect of moving the treatment from 0 to 1 (per unit for a continuous treatment).
    pub effect: f64,
    /// The analytic standard error.
    pub se: f64,
    /// The analytic interval at [`Estimate::level`].
    pub interval: (f64, f64),
    /// The confidence level of the interval (0.95 by default).
    pub level: f64,
    /// Rows used.
    pub n: usize,
    /// Residual degrees of freedom of the interval (infinite for a normal interval).
    pub df: f64,
    /// Remarks a reader must see (trimmed weights, dropped columns).
    pub notes: Vec<String>,
}

/// Why an estimate cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// A statistics failure (collinear columns, separation).
    #[error(transparent)]
    Stats(#[from] StatsError),
    /// The data cannot support the estimator.
    #[error("{0}")]
    Data(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, EstimateError>;

/// The two-sided Student-t interval `effect ± t_{df}(1 − (1 − level)/2) · se`.
pub(crate) fn t_interval(effect: f64, se: f64, df: f64, level: f64) -> (f64, f64) {
    let q = kausa_stats::special::student_t_quantile(1.0 - (1.0 - level) / 2.0, df);
    (effect - q * se, effect + q * se)
}

/// The two-sided normal interval `effect ± z(1 − (1 − level)/2) · se`.
pub(crate) fn z_interval(effect: f64, se: f64, level: f64) -> (f64, f64) {
    let q = kausa_stats::special::normal_quantile(1.0 - (1.0 - level) / 2.0);
    (effect - q * se, effect + q * se)
}

#[cfg(test)]
mod tests;
