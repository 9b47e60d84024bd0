//! Causal discovery: from conditional-independence tests to a causal graph.
//!
//! [`pc`] is the PC algorithm (Spirtes, Glymour and Scheines 2000) in its
//! order-independent *stable* form (Colombo and Maathuis 2014):
//!
//! ```text
//!   CiTest ──▶ skeleton (levels 0, 1, 2, … of conditioning-set size;
//!              adjacency frozen at each level's start, pairs tested in parallel)
//!          ──▶ separating sets ──▶ v-structures ──▶ Meek rules R1–R3 (R4 with knowledge)
//!          ──▶ CPDAG
//! ```
//!
//! Under causal sufficiency, faithfulness and a correct test, the output is the
//! CPDAG of the true DAG's Markov equivalence class.
//! Two [`Compat`] modes reproduce, edge for edge, R's pcalg and causal-learn,
//! which differ in which separating set they keep and how they orient conflicts.
//!
//! The crate does no IO: tests come from `kausa-stats`, graphs go to `kausa-graph`.
//! Results depend only on the data, the parameters and the kausa version, never on
//! the number of threads: each level's pairs are tested independently against the
//! level-start adjacency and merged in pair order.
#![deny(missing_docs)]

mod bootstrap;
mod error;
mod fci;
mod ges;
mod knowledge;
mod lingam;
mod oracle;
mod pc;
mod per_thread;
mod speculate;
mod subsets;

pub use bootstrap::{Bootstrap, PairFrequencies, bootstrap};
pub use error::{Error, Result};
pub use fci::{FciParams, FciResult, R9, fci, fci_with_progress};
pub use ges::{GesParams, GesResult, ges, ges_with_progress};
pub use knowledge::{Knowledge, KnowledgeError};
pub use lingam::{LingamResult, direct_lingam, direct_lingam_with_progress};
pub use oracle::DSeparation;
pub use pc::{Compat, PcParams, PcResult, SepSets, pc, pc_with_progress};
