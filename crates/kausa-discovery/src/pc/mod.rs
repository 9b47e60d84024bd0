//! The PC-stable algorithm.

mod orient_causal_learn;
mod orient_pcalg;
pub(crate) mod skeleton;

use std::collections::BTreeMap;

use kausa_core::{Par, Progress, Silent};
use kausa_graph::{EdgeType, Graph, meek_closure};
use kausa_stats::CiTest;

use crate::per_thread::LazyPool;
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

/// Separating sets of the pairs an independence test removed.
///
/// Most removed pairs are separated by the empty set (PC's level 0), so
/// "removed by a test" is a bit per pair and only non-empty sets are stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SepSets {
    p: usize,
    /// Bit `a * p + b` (`a < b`): the pair was removed by a test.
    removed: Vec<u64>,
    /// The non-empty separating sets, ascending, keyed by `(min, max)`.
    sets: BTreeMap<(usize, usize), Vec<usize>>,
}

impl SepSets {
    /// No separating sets yet, for `p` variables.
    pub fn new(p: usize) -> SepSets {
        SepSets { p, removed: vec![0; (p * p).div_ceil(64)], sets: BTreeMap::new() }
    }

    fn bit(&self, a: usize, b: usize) -> usize {
        a.min(b) * self.p + a.max(b)
    }

    /// Records that `a` and `b` are independent given `set` (ascending).
    pub fn insert(&mut self, a: usize, b: usize, set: Vec<usize>) {
        let k = self.bit(a, b);
        let fresh = self.removed[k / 64] >> (k % 64) & 1 == 0;
        self.removed[k / 64] |= 1 << (k % 64);
        let key = (a.min(b), a.max(b));
        if set.is_empty() {
            // A pair seen for the first time has no stored set to forget.
            if !fresh {
                self.sets.remove(&key);
            }
        } else {
            self.sets.insert(key, set);
        }
    }

    /// The separating set of `a` and `b`, if a test removed the pair.
    pub fn get(&self, a: usize, b: usize) -> Option<&[usize]> {
        let k = self.bit(a, b);
        if self.removed[k / 64] >> (k % 64) & 1 == 0 {
            return None;
        }
        Some(self.sets.get(&(a.min(b), a.max(b))).map_or(&[], |s| s.as_slice()))
    }

    /// `Some(true)` when `v` separates `a` and `b`, `None` when no test removed the pair.
    pub fn contains(&self, a: usize, b: usize, v: usize) -> Option<bool> {
        self.get(a, b).map(|s| s.contains(&v))
    }

    /// Number of pairs removed by a test.
    pub fn len(&self) -> usize {
        self.removed.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when no pair was removed by a test.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every removed pair `(min, max)` with its separating set, in pair order.
    pub fn iter(&self) -> impl Iterator<Item = ((usize, usize), &[usize])> + '_ {
        let p = self.p;
        (0..p)
            .flat_map(move |a| (a + 1..p).map(move |b| (a, b)))
            .filter_map(|(a, b)| self.get(a, b).map(|s| ((a, b), s)))
    }
}

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
    let knowledge = checked_knowledge(params.alpha, test.n_vars(), knowledge)?;
    let skel = skeleton::run(test, params, knowledge, &LazyPool::new(par), progress)?;
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

/// Checks `alpha` and the knowledge (about `p` variables, consistent); empty knowledge counts as none.
pub(crate) fn checked_knowledge(alpha: f64, p: usize, knowledge: Option<&Knowledge>) -> Result<Option<&Knowledge>> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::Param(format!("alpha must be in (0, 1), got {alpha}")));
    }
    let knowledge = knowledge.filter(|k| !k.is_empty());
    if let Some(k) = knowledge {
        if k.n_vars() != p {
            return Err(Error::Param(format!("knowledge is about {} variables, data has {p}", k.n_vars())));
        }
        k.validate()?;
    }
    Ok(knowledge)
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
        self.sepsets.contains(a, b, v)
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
