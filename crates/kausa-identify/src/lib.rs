//! Causal effect identification: is `P(y | do(x))` a function of the
//! observational distribution, and which one?
//!
//! ```text
//!   graph (DAG, or ADMG: `-->` causes, `<->` latent common causes)
//!     ──▶ adjustment: the proper causal nodes, the forbidden set, the
//!         canonical, optimal and a minimal adjustment set (back door)
//!     ──▶ front door: the largest set satisfying Pearl's three conditions
//!     ──▶ instruments: nodes that reach the treatment but not the outcome
//!         except through it
//!     ──▶ ID (Shpitser and Pearl 2006): an estimand as an expression, or a
//!         hedge proving that none exists
//! ```
//!
//! Graphs are [`Admg`]s; node sets are bit sets, so every criterion is a few
//! graph searches and graphs with hundreds of nodes take milliseconds.
//! This crate does no IO.
#![deny(missing_docs)]

mod adjust;
mod admg;
mod expr;
mod frontdoor;
mod id;
mod iv;

pub use adjust::{Adjustment, adjustment, is_valid_adjustment};
pub use admg::{Admg, NodeSet};
pub use expr::Expr;
pub use frontdoor::front_door;
pub use id::{Hedge, identify_id};
pub use iv::instruments;

/// Why a graph or query cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The graph has an edge that is neither `-->` nor `<->`.
    #[error(
        "edge {from} {kind} {to} is not a directed (-->) or bidirected (<->) edge; identification needs a DAG or an ADMG"
    )]
    UnsupportedEdge {
        /// One end.
        from: usize,
        /// The other end.
        to: usize,
        /// The edge as written.
        kind: String,
    },
    /// The directed edges form a cycle.
    #[error("the directed edges form a cycle through nodes {0:?}")]
    Cycle(Vec<usize>),
    /// Treatment and outcome overlap or are empty.
    #[error("{0}")]
    Query(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, IdError>;

#[cfg(test)]
mod tests;
