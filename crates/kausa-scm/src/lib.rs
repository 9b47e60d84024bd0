//! Structural causal models: a causal DAG with one fitted mechanism per node,
//! and the questions such a model answers.
//!
//! ```text
//!  DAG + node columns ──fit──▶ Scm (empirical/normal roots, additive-noise
//!                              models with linear/ridge/boosted regressors,
//!                              logistic/boosted classifiers; auto by CV)
//!        Scm ──sample──────────▶ draws, observational or under do/shift/scale
//!            ──effect──────────▶ E[Y|do(a)] − E[Y|do(b)], bootstrap interval
//!            ──counterfactual──▶ abduction, action, prediction per row
//!            ──attribute_anomalies──▶ anomaly score, Shapley over upstream noise
//!            ──distribution_change──▶ mechanism-change tests, Shapley over mechanisms
//!            ──arrow_strength / intrinsic_influence──▶ how strongly causes act
//!            ──fit_metrics / falsify──▶ does the model fit data; does the graph?
//! ```
//!
//! Algorithms take node columns (`&[Vec<f64>]`, codes for categorical nodes),
//! never files; every result is a function of (model, data, parameters, seed),
//! whatever the thread count: random draws come in fixed chunks, each from its
//! own seeded stream, and parallel work is merged in index order.
#![deny(missing_docs)]

mod anomaly;
mod change;
mod equation;
mod f64s;
mod fit;
mod influence;
mod model;
mod query;
mod shapley;
mod validate;

pub use anomaly::{AnomalyAttribution, AnomalyParams, anomaly_scores, attribute_anomalies};
pub use change::{ChangeAttribution, ChangeParams, MechanismTest, benjamini_hochberg, distribution_change};
pub use equation::{EquationNoise, ExprError, Program};
#[doc(hidden)]
pub use fit::ordered_bits;
pub use fit::{
    Candidate, Family, FitParams, NodeFit, RegressorChoice, equation_parents, fit, fit_with_equations, node_columns,
    refit,
};
pub use influence::{InfluenceParams, arrow_strength, influence_is_closed_form, intrinsic_influence};
pub use model::{Action, Classifier, Intervention, Link, Mechanism, Node, NodeKind, Regressor, Scm};
pub use query::{Effect, EffectParams, counterfactual, effect, interventional_mean, sample};
pub use shapley::shapley;
pub use validate::{
    Falsification, FalsifyParams, FitMetric, MechanismRefutation, falsify, fit_metrics, refute_mechanisms,
};

/// Why a model cannot be built or queried.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScmError {
    /// The graph has a directed cycle.
    #[error("the graph has a directed cycle: {}", cycle.join(" -> "))]
    Cyclic {
        /// The cycle, first node repeated at the end.
        cycle: Vec<String>,
    },
    /// A graph node has no column in the data.
    #[error("the data have no column {name:?} for the graph node of that name")]
    MissingColumn {
        /// The node.
        name: String,
    },
    /// A mechanism could not be fitted.
    #[error("cannot fit the mechanism of {node:?}: {reason}")]
    Fit {
        /// The node.
        node: String,
        /// Why.
        reason: String,
    },
    /// A query needs the noise of a node whose mechanism cannot give it back.
    #[error(
        "the mechanism of {node:?} is not invertible (a classifier): its noise cannot be recovered from data, which counterfactuals and anomaly attribution need"
    )]
    NotInvertible {
        /// The node.
        node: String,
    },
    /// An inconsistent model or request.
    #[error("{0}")]
    Invalid(String),
    /// The thread pool could not be built.
    #[error("cannot start threads: {0}")]
    Threads(String),
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, ScmError>;

#[cfg(test)]
mod tests;
