//! The PC-stable algorithm.

mod orient_causal_learn;
mod orient_pcalg;
pub(crate) mod skeleton;

use std::collections::BTreeMap;

use kausa_core::{Par, Progress, Silent};
use kausa_graph::{EdgeType, Graph, meek_closure};
use kausa_stats::CiTest;

use crate::{Error, Knowledge, Result};

/// Which reference implementation's PC semantics to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compat {
    /// R pcalg `pc(skel.method = "stable", u2pd = "relaxed", solve.confl = FALSE)`:
    /// independence when `p ≥ α`; the *first* separating set found is kept
    /// (pairs by `x` then `y`, subsets of the level-start adjacency in
    /// lexicographic order, `x`'s side before `y`'s); v-structures are oriented
    /// for every unshielded triple whose middle node is not in the separating
    /// set, later triples overwriting earlier ones; then Meek's R1–R3.
    #[default]
    Pcalg,
    /// causal-learn 0.1.4.x `pc(stable = True, uc_rule = 0, uc_priority = 2)`:
    /// independence when `p > α`; every subset of the level is tested from both
    /// sides and the separating set is the *union* of all separating sets found;
    /// a v-structure is oriented only if neither of its edges already points away
    /// from the middle node; then causal-learn's Meek R1–R3 sweep, which refuses
    /// orientations that would close a directed cycle.
    CausalLearn,
}

impl Compat {
    /// `"pcalg"` or `"causal-learn"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Compat::Pcalg => "pcalg",
            Compat::CausalLearn => "causal-learn",
        }
    }
}

/// Parameters of [`pc`].
#[derive(Debug, Clone, PartialEq)]
pub struct PcParams {
    /// Significance level of the independence tests.
    pub alpha: f64,
    /// Largest conditioning-set size tested (`None`: no limit).
    pub max_depth: Option<usize>,
    /// Reference semantics.
    pub compat: Compat,
    #[doc(hidden)]
    pub __non_exhaustive: (),
}

impl Default for PcParams {
    fn default() -> PcParams {
        PcParams { alpha: 0.01, max_depth: None, compat: Compat::default(), __non_exhaustive: () }
    }
}

/// Separating sets of the non-adjacent pairs removed by a test, keyed by `(min, max)`.
pub type SepSets = BTreeMap<(usize, usize), Vec<usize>>;

/// What [`pc`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct PcResult {
    /// The estimated CPDAG (`-->` and `---` edges).
    pub graph: Graph,
    /// The separating set of every pair removed by a test.
    pub sepsets: SepSets,
    /// Number of conditional-independence tests evaluated.
    pub n_tests: u64,
    /// Largest conditioning-set size reached.
    pub max_level: usize,
}

/// Runs PC-stable with the test `test`.
///
/// `knowledge`, when given, must be about `test.n_vars()` variables; it is validated first.
pub fn pc(test: &dyn CiTest, params: &PcParams, knowledge: Option<&Knowledge>, par: Par) -> Result<PcResult> {
    pc_with_progress(test, params, knowledge, par, &Silent)
}

/// [`pc`], reporting each level of the skeleton search (pairs tested) to `progress`.
pub fn pc_with_progress(
    test: &dyn CiTest,
    params: &PcParams,
    knowledge: Option<&Knowledge>,
    par: Par,
    progress: &dyn Progress,
) -> Result<PcResult> {
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(Error::Param(format!("alpha must be in (0, 1), got {}", params.alpha)));
    }
    let p = test.n_vars();
    let knowledge = knowledge.filter(|k| !k.is_empty());
    if let Some(k) = knowledge {
        if k.n_vars() != p {
            return Err(Error::Param(format!("knowledge is about {} variables, data has {p}", k.n_vars())));
        }
        k.validate()?;
    }
    let skel = skeleton::run(test, params, knowledge, par, progress)?;
    let mut graph = match params.compat {
        Compat::Pcalg => orient_pcalg::orient(&skel, knowledge),
        Compat::CausalLearn => orient_causal_learn::orient(&skel, knowledge),
    };
    if knowledge.is_some() {
        // With knowledge, Meek's R4 is needed for completeness (Meek 1995).
        meek_closure(&mut graph, true);
    }
    Ok(PcResult { graph, sepsets: skel.sepsets, n_tests: skel.n_tests, max_level: skel.max_level })
}

/// The outcome of the skeleton phase.
pub(crate) struct Skeleton {
    pub(crate) p: usize,
    /// Dense symmetric adjacency.
    pub(crate) adj: Vec<bool>,
    pub(crate) sepsets: SepSets,
    pub(crate) n_tests: u64,
    pub(crate) max_level: usize,
}

impl Skeleton {
    pub(crate) fn adjacent(&self, a: usize, b: usize) -> bool {
        self.adj[a * self.p + b]
    }

    /// True when `v` is in the separating set of `a` and `b`; `None` when the pair
    /// has none (adjacent, or removed by knowledge).
    pub(crate) fn in_sepset(&self, a: usize, b: usize, v: usize) -> Option<bool> {
        self.sepsets.get(&(a.min(b), a.max(b))).map(|s| s.contains(&v))
    }

    pub(crate) fn undirected_graph(&self) -> Graph {
        let mut g = Graph::empty(self.p);
        for a in 0..self.p {
            for b in a + 1..self.p {
                if self.adjacent(a, b) {
                    g.set_edge(a, b, EdgeType::Undirected);
                }
            }
        }
        g
    }
}

/// Orients every adjacent pair that the knowledge decides; returns the pairs fixed.
pub(crate) fn apply_knowledge(g: &mut Graph, knowledge: Option<&Knowledge>) -> Vec<bool> {
    let p = g.n_nodes();
    let mut fixed = vec![false; p * p];
    let Some(k) = knowledge else { return fixed };
    for a in 0..p {
        for b in 0..p {
            if a != b && g.adjacent(a, b) && (k.is_required(a, b) || k.is_forbidden(b, a)) {
                g.set_edge(a, b, EdgeType::Directed);
                fixed[a * p + b] = true;
                fixed[b * p + a] = true;
            }
        }
    }
    fixed
}

#[cfg(test)]
mod tests;
