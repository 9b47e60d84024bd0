//! Sufficient statistics and conditional-independence tests.
//!
//! Constraint-based discovery asks one question many times: is `X` independent of
//! `Y` given a set `S`?  This crate answers it from *sufficient statistics*, never
//! from rows directly where the test allows:
//!
//! ```text
//!   rows ──(one pass, n·p²)──▶ Correlation ──(per test, O(|S|³))──▶ Fisher-z p-value
//!   rows ──(per test, O(n·|S|))─▶ ContingencyTable ──(O(cells))──▶ G² / χ² p-value
//! ```
//!
//! The correlation matrix is computed once (faer's matrix product on fixed column
//! blocks, so the bits do not depend on the thread count); each Fisher-z test then
//! costs a Cholesky factorisation of the `|S|×|S|` conditioning block.
//!
//! Tests implement [`CiTest`]; two reference semantics are offered where the
//! established tools differ ([`Semantics`]).
//! This crate does no IO.
#![deny(missing_docs)]

mod corr;
mod discrete;
mod error;
mod fisher;
pub mod gbdt;
mod mixed;
pub mod regression;
mod score;
pub mod special;
pub mod summary;

pub use corr::Correlation;
pub use discrete::{ContingencyTable, DiscreteData, DiscreteTest, DiscreteTestKind};
pub use error::{Result, StatsError};
pub use fisher::FisherZ;
pub use mixed::{DegenerateGaussianBic, DegenerateGaussianTest, Embedding};
pub use score::{Bdeu, GaussianBic, LocalScore};

/// Which reference implementation's conventions a test follows where they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semantics {
    /// R's pcalg (`gaussCItest`, `disCItest`).
    #[default]
    Pcalg,
    /// causal-learn 0.1.4.x (`fisherz`, `chisq`, `gsq`).
    CausalLearn,
}

/// Caller-owned working memory for a [`CiTest`], reused across calls on one thread.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    pub(crate) f: Vec<f64>,
    pub(crate) g: Vec<f64>,
    pub(crate) u: Vec<u64>,
    /// Contingency counts, kept all zero between tests.
    pub(crate) counts: Vec<u32>,
    /// Strata seen by the current count, kept all false between tests.
    pub(crate) seen: Vec<bool>,
    pub(crate) touched: Vec<usize>,
    /// A conditioning set without its last variable, and its rows' stratum keys.
    pub(crate) prefix_set: Vec<usize>,
    pub(crate) prefix_keys: Vec<u64>,
    /// Stratum bitsets of the bitset count.
    pub(crate) bits: Vec<u64>,
    /// Whose rows `prefix_keys` are of: the data's id, and 0 or a view's number.
    pub(crate) prefix_rows: (u64, u64),
    /// The rows of the focused variables (see [`CiTest::focus`]).
    pub(crate) view: Option<discrete::RowView>,
    /// Views made so far (numbers them).
    pub(crate) views_made: u64,
    /// The last contingency table's buffer, for the next table.
    pub(crate) table: Vec<u32>,
}

impl Scratch {
    /// The spare table buffer, emptied (an allocation per test saved).
    pub(crate) fn spare_table(&mut self) -> Vec<u32> {
        let mut t = std::mem::take(&mut self.table);
        t.clear();
        t
    }
}

/// A conditional-independence test on variables `0..n_vars()`.
pub trait CiTest: Sync {
    /// Number of variables.
    fn n_vars(&self) -> usize;
    /// Number of observations.
    fn n_obs(&self) -> usize;
    /// The p-value of the null hypothesis `x ⟂ y | s`.
    fn p_value(&self, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> Result<f64>;
    /// Whether the test accepts `x ⟂ y | s` at level `alpha`: `p ≥ alpha` when
    /// `inclusive` (pcalg), `p > alpha` otherwise (causal-learn). Always the same
    /// answer as comparing [`CiTest::p_value`]; a test may reach it without
    /// computing the p-value.
    fn accepts(
        &self,
        x: usize,
        y: usize,
        s: &[usize],
        alpha: f64,
        inclusive: bool,
        scratch: &mut Scratch,
    ) -> Result<bool> {
        let p = self.p_value(x, y, s, scratch)?;
        Ok(if inclusive { p >= alpha } else { p > alpha })
    }
    /// A short name (`fisherz`, `gsq`, `chisq`).
    fn name(&self) -> &'static str;
    /// A hint that the coming tests on this scratch involve only the variables
    /// `vars` (ascending; empty: no hint): a test may prepare a smaller view of the
    /// data for them. Answers never depend on it.
    fn focus(&self, _vars: &[usize], _scratch: &mut Scratch) {}
}
