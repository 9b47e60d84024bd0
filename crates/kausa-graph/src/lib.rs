//! Causal graphs.
//!
//! - [`Graph`]: a graph with edge marks (tail, arrowhead, circle), able to hold
//!   DAGs, CPDAGs (`-->`, `---`) and PAGs (`o->`, `o-o`, `<->`).
//!   Every discovery algorithm returns one.
//! - [`Dag`]: a directed acyclic graph with d-separation ([`Dag::d_separated`])
//!   and its Markov equivalence class ([`Dag::cpdag`]).
//! - [`mag_of_dag`], [`m_separated`], [`pag_by_enumeration`]: maximal ancestral
//!   graphs of DAGs with latent variables and their PAGs, from definitions (the
//!   ground truth for FCI).
//! - [`compare`]: structural Hamming distance and adjacency / arrowhead
//!   precision and recall of an estimate against a reference.
//!
//! Nodes are indices `0..p`; names live with the data.
//! This crate does no IO and no serialisation (see `kausa-io`).
#![deny(missing_docs)]

mod compare;
mod dag;
mod graph;
mod mag;

pub use compare::{Comparison, compare};
pub use dag::{Dag, GraphError, meek_closure, meek_closure_with, random_dag};
pub use graph::{EdgeType, Graph, Mark};
pub use mag::{m_separated, mag_of_dag, pag_by_enumeration};
