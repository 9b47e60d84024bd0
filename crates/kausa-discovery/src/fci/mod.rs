//! FCI (Spirtes, Glymour and Scheines 2000; Zhang 2008): causal discovery that
//! allows hidden common causes, with a PAG as its answer.
//!
//! ```text
//!   CiTest ──▶ PC-stable skeleton + separating sets
//!          ──▶ R0 (unshielded colliders) on o-o edges
//!          ──▶ Possible-D-SEP removals (each x: paths whose inner nodes are
//!              colliders or sit in triangles; subsets tested by size)
//!          ──▶ reset to o-o, knowledge marks, R0 again
//!          ──▶ R1–R4 and R8–R10 to a fixed point (R5–R7 too when selection
//!              bias is allowed) ──▶ PAG
//! ```
//!
//! With a correct independence test (the d-separation oracle) and no selection
//! bias the result is the PAG of the true MAG's equivalence class: every mark
//! shared by all Markov-equivalent MAGs is oriented, every other one is a circle
//! (Zhang 2008's completeness result). The tests check this against
//! [`kausa_graph::pag_by_enumeration`].
//!
//! Background knowledge is used soundly for PAGs: a forbidden `a → b` (or a
//! tier order) puts only an arrowhead at `a` (`a <-* b`: `a` is not a cause of
//! `b`), a required `a → b` gives `a --> b` and keeps the edge through every
//! removal step. Rules only ever turn circles into marks, so knowledge marks
//! are never overwritten.

mod causal_learn;
mod rules;

pub use causal_learn::R9;

use std::collections::HashMap;

use kausa_core::{Par, Progress, Silent, WordHash};
use kausa_graph::{EdgeType, Graph, Mark};
use kausa_stats::{CiTest, Scratch};

use crate::pc::{Compat, PcParams, checked_knowledge, skeleton};
use crate::per_thread::LazyPool;
use crate::subsets::combinations;
use crate::{Knowledge, Result, SepSets};

/// Parameters of [`fci`].
#[derive(Debug, Clone, PartialEq)]
pub struct FciParams {
    /// Significance level of the independence tests.
    pub alpha: f64,
    /// Largest conditioning-set size, in the skeleton and the Possible-D-SEP step (`None`: no limit).
    pub max_depth: Option<usize>,
    /// Skeleton semantics (which separating set is kept, `p ≥ α` or `p > α`), as for PC.
    pub compat: Compat,
    /// Allow selection bias: also apply Zhang's rules R5–R7 (which can produce `---` and `--o`).
    /// (Always on in causal-learn mode, as causal-learn does.)
    pub selection_bias: bool,
    /// With [`Compat::CausalLearn`]: which of causal-learn's rule R9 to reproduce.
    pub causal_learn_r9: R9,
    /// Skip the Possible-D-SEP step (pcalg's `doPdsep = FALSE`): faster, but with hidden
    /// variables the skeleton may keep edges FCI would remove. With no hidden variables
    /// and a perfect test the step never removes anything.
    pub skip_possible_dsep: bool,
    /// Variable names; causal-learn orders Possible-D-Sep candidates by name
    /// (default `X1`, `X2`, … as causal-learn names them).
    pub names: Option<Vec<String>>,
    #[doc(hidden)]
    pub __non_exhaustive: (),
}

impl Default for FciParams {
    fn default() -> FciParams {
        FciParams {
            alpha: 0.01,
            max_depth: None,
            compat: Compat::Pcalg,
            selection_bias: false,
            causal_learn_r9: R9::default(),
            skip_possible_dsep: false,
            names: None,
            __non_exhaustive: (),
        }
    }
}

/// What [`fci`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct FciResult {
    /// The estimated PAG.
    pub graph: Graph,
    /// Separating sets of every removed pair (skeleton and Possible-D-SEP steps).
    pub sepsets: SepSets,
    /// Conditional-independence tests evaluated.
    pub n_tests: u64,
    /// Edges removed in the Possible-D-SEP step.
    pub removed_by_pds: usize,
}

/// Runs FCI with the test `test`.
pub fn fci(test: &dyn CiTest, params: &FciParams, knowledge: Option<&Knowledge>, par: Par) -> Result<FciResult> {
    fci_with_progress(test, params, knowledge, par, &Silent)
}

/// [`fci`], reporting progress.
pub fn fci_with_progress(
    test: &dyn CiTest,
    params: &FciParams,
    knowledge: Option<&Knowledge>,
    par: Par,
    progress: &dyn Progress,
) -> Result<FciResult> {
    let p = test.n_vars();
    let knowledge = checked_knowledge(params.alpha, p, knowledge)?;
    let pc_params =
        PcParams { alpha: params.alpha, max_depth: params.max_depth, compat: params.compat, ..PcParams::default() };
    // One pool for the skeleton and the Possible-D-SEP step, started when one
    // of them has work enough.
    let lazy = LazyPool::new(par);
    let skel = skeleton::run(test, &pc_params, knowledge, &lazy, progress)?;
    let mut n_tests = skel.n_tests;
    let mut g = Graph::empty(p);
    for a in 0..p {
        for b in a + 1..p {
            if skel.adjacent(a, b) {
                g.set_edge(a, b, EdgeType::Nondirected);
            }
        }
    }
    if params.compat == Compat::CausalLearn {
        // causal-learn's own Possible-D-Sep and rule implementations, on the same skeleton.
        let names: Vec<String> = params.names.clone().unwrap_or_else(|| (1..=p).map(|i| format!("X{i}")).collect());
        let mut ordered = causal_learn::OrderedSeps::new();
        for ((a, b), s) in skel.sepsets.iter() {
            ordered.insert((a, b), s.to_vec());
            ordered.insert((b, a), s.to_vec());
        }
        let mut cl = causal_learn::ClFci::new(test, params.alpha, &names, knowledge, params.causal_learn_r9, ordered);
        cl.rule0(&mut g);
        progress.stage("FCI possible-d-sep", None);
        let pool = lazy.when(g.n_edges() >= PARALLEL_EDGES)?;
        let removed_by_pds = cl.remove_by_possible_dsep(&mut g, pool)?;
        cl.rule0(&mut g);
        progress.stage("FCI orientation", None);
        cl.orient(&mut g)?;
        let mut sepsets = skel.sepsets;
        for (&(a, b), s) in &cl.seps {
            if sepsets.get(a, b).is_none() {
                let mut s = s.clone();
                s.sort_unstable();
                sepsets.insert(a, b, s);
            }
        }
        return Ok(FciResult { graph: g, sepsets, n_tests: n_tests + cl.n_tests, removed_by_pds });
    }
    let mut seps = skel.sepsets;
    // R0 on the skeleton gives the colliders Possible-D-SEP follows.
    apply_knowledge(&mut g, knowledge);
    rules::r0(&mut g, &seps);
    let removed_by_pds = if params.skip_possible_dsep {
        progress.stage("FCI possible-d-sep", Some(0));
        0
    } else {
        let pool = lazy.when(g.n_edges() >= PARALLEL_EDGES)?;
        possible_dsep_removals(&mut g, test, params, knowledge, &mut seps, &mut n_tests, pool, progress)?
    };
    // Start the orientation again from circles on the final skeleton.
    for (a, b, _) in g.edges() {
        g.set_edge(a, b, EdgeType::Nondirected);
    }
    apply_knowledge(&mut g, knowledge);
    rules::r0(&mut g, &seps);
    progress.stage("FCI orientation", None);
    rules::closure(&mut g, &seps, params.selection_bias);
    Ok(FciResult { graph: g, sepsets: seps, n_tests, removed_by_pds })
}

/// Marks the knowledge licenses on a PAG: `a <-* b` for a forbidden `a → b`, `a --> b` for a required one.
fn apply_knowledge(g: &mut Graph, knowledge: Option<&Knowledge>) {
    let Some(k) = knowledge else { return };
    let p = g.n_nodes();
    for a in 0..p {
        for b in 0..p {
            if a == b || !g.adjacent(a, b) {
                continue;
            }
            if k.is_required(a, b) {
                g.set_edge(a, b, EdgeType::Directed);
            } else if k.is_forbidden(a, b) && !k.is_required(b, a) {
                // a is not a cause of b: an arrowhead at a.
                g.set_end(b, a, Mark::Arrow);
            }
        }
    }
}

/// A test's key: the pair and the conditioning set.
type TestKey = (usize, usize, Vec<usize>);

/// Maps keyed by tests.
type TestMap<V> = HashMap<TestKey, V, WordHash>;

/// What testing one pair in the Possible-D-SEP step found.
struct PairTrial {
    /// The pair's index.
    pair: usize,
    /// Tests made (a sequential run makes as many).
    tests: u64,
    /// p-values computed, by pair and conditioning set (on a pool only: kept
    /// should the pair be tried again).
    new: Vec<(TestKey, f64)>,
    /// The separating set that removes the edge, if one was found.
    found: Result<Option<Vec<usize>>>,
}

/// The Possible-D-SEP step starts the pool (if the skeleton did not) for at
/// least this many edges.
const PARALLEL_EDGES: usize = 16;

/// Possible-D-SEP sets of at least this many candidates get a focused test (see
/// [`CiTest::focus`]): the tests of one edge then count over the distinct rows of
/// its variables. Below, too few tests repay making that view.
const FOCUS_FROM: usize = 6;

/// Possible-D-SEP of every node on the R0-oriented graph: `v` is in it when a path
/// from `x` to `v` has every inner node a collider or in a triangle with its neighbours.
fn possible_dsep_sets(g: &Graph) -> Vec<Vec<usize>> {
    let p = g.n_nodes();
    (0..p)
        .map(|x| {
            let mut seen_state = vec![false; p * p];
            let mut in_set = vec![false; p];
            let mut stack: Vec<(usize, usize)> = Vec::new();
            for w in 0..p {
                if g.adjacent(x, w) {
                    seen_state[x * p + w] = true;
                    in_set[w] = true;
                    stack.push((x, w));
                }
            }
            while let Some((s, t)) = stack.pop() {
                for u in 0..p {
                    if u == s || u == t || !g.adjacent(t, u) {
                        continue;
                    }
                    let collider = g.end(s, t) == Some(Mark::Arrow) && g.end(u, t) == Some(Mark::Arrow);
                    if (collider || g.adjacent(s, u)) && !seen_state[t * p + u] {
                        seen_state[t * p + u] = true;
                        if u != x {
                            in_set[u] = true;
                        }
                        stack.push((t, u));
                    }
                }
            }
            (0..p).filter(|&v| v != x && in_set[v]).collect()
        })
        .collect()
}

/// The Possible-D-SEP step: for each `x` (ascending) and each `y` adjacent to it,
/// subsets of `pds(x) \ {x, y}` not inside `adj(x)` are tested by size, then
/// lexicographically; the first independence removes the edge. Each pair sees the
/// graph the removals before it left (pairs are tried in parallel by speculation
/// on a pool; see [`crate::speculate`]). Returns the number of edges removed.
#[allow(clippy::too_many_arguments)]
fn possible_dsep_removals(
    g: &mut Graph,
    test: &dyn CiTest,
    params: &FciParams,
    knowledge: Option<&Knowledge>,
    seps: &mut SepSets,
    n_tests: &mut u64,
    pool: Option<&rayon::ThreadPool>,
    progress: &dyn Progress,
) -> Result<usize> {
    let p = g.n_nodes();
    let pds = possible_dsep_sets(g);
    // Removals only take edges away: the pairs adjacent now, in order, are every
    // pair the sequential loop visits (those gone by their turn are skipped).
    let pairs: Vec<(usize, usize)> =
        (0..p).flat_map(|x| (0..p).map(move |y| (x, y))).filter(|&(x, y)| x != y && g.adjacent(x, y)).collect();
    progress.stage("FCI possible-d-sep", Some(pairs.len() as u64));
    let independent = |pv: f64| match params.compat {
        Compat::Pcalg => pv >= params.alpha,
        Compat::CausalLearn => pv > params.alpha,
    };
    // A pair tried again after an earlier removal finds the p-values of its
    // spared trials here (keyed by the pair's index; its commit drops them).
    type Known = HashMap<usize, TestMap<f64>>;
    let no_known = TestMap::default();
    let trial = |g: &Graph, known: &TestMap<f64>, pair: usize, scratch: &mut Scratch| -> PairTrial {
        let (x, y) = pairs[pair];
        let mut out = PairTrial { pair, tests: 0, new: Vec::new(), found: Ok(None) };
        if !g.adjacent(x, y) || knowledge.is_some_and(|k| k.is_required(x, y) || k.is_required(y, x)) {
            return out;
        }
        let cands: Vec<usize> = pds[x].iter().copied().filter(|&v| v != y).collect();
        let max_k = params.max_depth.map_or(cands.len(), |m| m.min(cands.len()));
        // Many tests within x, y and the candidates: focus the test on them before the first.
        let mut focused = cands.len() < FOCUS_FROM;
        for k in 1..=max_k {
            for idx in combinations(cands.len(), k) {
                let s: Vec<usize> = idx.iter().map(|&i| cands[i]).collect();
                // Subsets of adj(x) were tested by the skeleton search.
                if s.iter().all(|&v| g.adjacent(x, v)) {
                    continue;
                }
                out.tests += 1;
                let key = (x, y, s);
                let p = match known.get(&key) {
                    Some(&p) => Ok(p),
                    None => {
                        if !focused {
                            let mut vars: Vec<usize> = cands.iter().copied().chain([x, y]).collect();
                            vars.sort_unstable();
                            test.focus(&vars, scratch);
                            focused = true;
                        }
                        let p = test.p_value(x, y, &key.2, scratch);
                        // Kept for a retry, which only a parallel run makes.
                        if let (Ok(p), true) = (&p, pool.is_some()) {
                            out.new.push((key.clone(), *p));
                        }
                        p
                    }
                };
                match p {
                    Ok(p) if !independent(p) => {}
                    _ => {
                        test.focus(&[], scratch);
                        out.found = p.map(|_| Some(key.2)).map_err(Into::into);
                        return out;
                    }
                }
            }
        }
        test.focus(&[], scratch);
        out
    };
    let mut removed = 0;
    let mut state = (g, seps, n_tests, Known::new());
    crate::speculate::in_order(
        pool,
        &mut state,
        pairs.len(),
        |(g, _, _, known), i, scratch| trial(g, known.get(&i).unwrap_or(&no_known), i, scratch),
        |(g, seps, n_tests, known), i, t| {
            **n_tests += t.tests;
            known.remove(&i);
            progress.advance(1);
            let Some(mut s) = t.found? else { return Ok(false) };
            let (x, y) = pairs[i];
            s.sort_unstable();
            g.remove_edge(x, y);
            seps.insert(x, y, s);
            removed += 1;
            Ok(true)
        },
        |(_, _, _, known), t| known.entry(t.pair).or_default().extend(t.new),
    )?;
    Ok(removed)
}

#[cfg(test)]
mod tests;
