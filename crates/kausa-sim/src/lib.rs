//! Data from known causal models.
//!
//! A [`LinearSem`] is a linear structural equation model on a DAG,
//! `X_j = Σ_{i ∈ pa(j)} w_ij X_i + e_j` with independent noise `e_j` (Gaussian,
//! or one of the non-Gaussian [`Noise`] kinds that LiNGAM needs).
//! A [`DiscreteBn`] is a discrete Bayesian network with conditional probability
//! tables, as in the bnlearn repository. Both are ground truths for tests,
//! benchmarks and `kausa sample`.
//!
//! Draws come from [`kausa_core::Rng`], so a seed fixes the data in every version.
#![deny(missing_docs)]

mod discrete;
mod linear;

pub use discrete::{BnError, DiscreteBn, ROW_SUM_TOLERANCE};
pub use linear::{LinearSem, Noise, SemError};
