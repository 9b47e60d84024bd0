//! Greedy Equivalence Search (Chickering 2002) over CPDAGs with a decomposable score.
//!
//! ```text
//!   empty CPDAG ──forward: best valid Insert(X, Y, T) while the score rises──▶
//!               ──backward: best valid Delete(X, Y, H) while the score rises──▶ CPDAG
//! ```
//!
//! Each step scans every operator in causal-learn's order (X ascending, Y
//! ascending, subsets by size then lexicographically), takes the first one with
//! the largest score change (strict `>`), applies it, and re-derives the CPDAG
//! (Dor–Tarsi extension, then v-structures and Meek's rules). With the same
//! score this reproduces causal-learn 0.1.4.x's `ges` edge for edge.
//!
//! Speed comes from three things that never change the result: local scores are
//! cached per (variable, parent set); a candidate's validity (clique and
//! semi-directed-path conditions) is only checked when its score change could
//! win; and the scan runs in parallel over X with a reduction that keeps the
//! scan order's first maximum.

use std::collections::HashMap;
use std::sync::Mutex;

use kausa_core::{Par, Progress, Silent};
use kausa_graph::{Dag, EdgeType, Graph};
use kausa_stats::LocalScore;
use rayon::prelude::*;

use crate::subsets::combinations;
use crate::{Error, Result};

/// Parameters of [`ges`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GesParams {
    /// Insert only into variables with at most this many directed parents
    /// (causal-learn's `maxP`, which counts the current directed parents only).
    pub max_parents: Option<usize>,
}

/// What [`ges`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct GesResult {
    /// The estimated CPDAG.
    pub graph: Graph,
    /// The score of the result (sum of local scores).
    pub score: f64,
    /// Insert operators applied.
    pub inserts: usize,
    /// Delete operators applied.
    pub deletes: usize,
}

/// Local scores computed so far, one map per variable.
struct Cache<'a> {
    score: &'a dyn LocalScore,
    maps: Vec<Mutex<HashMap<Vec<usize>, f64>>>,
}

impl Cache<'_> {
    /// `s(j, parents)`; `parents` ascending.
    fn get(&self, j: usize, parents: &[usize]) -> f64 {
        if let Some(&v) = self.maps[j].lock().expect("no panics while held").get(parents) {
            return v;
        }
        let v = self.score.local(j, parents);
        self.maps[j].lock().expect("no panics while held").insert(parents.to_vec(), v);
        v
    }
}

/// The neighbourhood structure of a CPDAG, precomputed once per step.
struct View {
    /// Undirected neighbours, ascending.
    nbrs: Vec<Vec<usize>>,
    /// Directed parents, ascending.
    parents: Vec<Vec<usize>>,
    /// For the semi-directed path test: children and undirected neighbours.
    semi: Vec<Vec<usize>>,
}

impl View {
    fn new(g: &Graph) -> View {
        let p = g.n_nodes();
        let mut nbrs = vec![Vec::new(); p];
        let mut parents = vec![Vec::new(); p];
        let mut semi = vec![Vec::new(); p];
        for a in 0..p {
            for b in 0..p {
                if a == b || !g.adjacent(a, b) {
                    continue;
                }
                if g.is_undirected(a, b) {
                    nbrs[a].push(b);
                    semi[a].push(b);
                } else if g.is_directed(a, b) {
                    semi[a].push(b);
                    parents[b].push(a);
                }
            }
        }
        View { nbrs, parents, semi }
    }
}

/// A candidate operator: score change and its place in the scan order.
#[derive(Debug, Clone)]
struct Candidate {
    ch: f64,
    x: usize,
    y: usize,
    set: Vec<usize>,
}

/// Subsets of `items` by size, then lexicographically by position.
fn subsets(items: &[usize]) -> Vec<Vec<usize>> {
    (0..=items.len())
        .flat_map(|k| combinations(items.len(), k))
        .map(|idx| idx.iter().map(|&i| items[i]).collect())
        .collect()
}

fn is_clique(g: &Graph, nodes: &[usize]) -> bool {
    nodes.iter().enumerate().all(|(i, &a)| nodes[i + 1..].iter().all(|&b| g.adjacent(a, b)))
}

/// True when every semi-directed path from `from` to `to` meets `block`:
/// a search from `from` that never enters `block` does not reach `to`.
fn paths_blocked(view: &View, from: usize, to: usize, block: &[usize], seen: &mut Vec<bool>) -> bool {
    seen.clear();
    seen.resize(view.semi.len(), false);
    for &b in block {
        seen[b] = true;
    }
    seen[from] = true;
    let mut stack = vec![from];
    while let Some(v) = stack.pop() {
        for &c in &view.semi[v] {
            if c == to {
                return false;
            }
            if !seen[c] {
                seen[c] = true;
                stack.push(c);
            }
        }
    }
    true
}

fn sorted_union(parts: &[&[usize]]) -> Vec<usize> {
    let mut v: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The valid-by-clique Insert candidates of the pair `x → y`, in scan order:
/// `(score change, T, NA ∪ T)`. Whether the semi-directed-path condition holds
/// is global and checked when a candidate is considered.
fn insert_candidates(g: &Graph, view: &View, cache: &Cache<'_>, x: usize, y: usize) -> Vec<InsertCandidate> {
    let na: Vec<usize> = view.nbrs[y].iter().copied().filter(|&t| g.adjacent(t, x)).collect();
    let t0: Vec<usize> = view.nbrs[y].iter().copied().filter(|&t| !g.adjacent(t, x)).collect();
    let mut out = Vec::new();
    for t in subsets(&t0) {
        let nat = sorted_union(&[&na, &t]);
        if !is_clique(g, &nat) {
            continue;
        }
        let without = sorted_union(&[&nat, &view.parents[y]]);
        let with = sorted_union(&[&without, &[x]]);
        let ch = cache.get(y, &with) - cache.get(y, &without);
        if !ch.is_nan() {
            out.push(InsertCandidate { ch, t, nat });
        }
    }
    out
}

/// One Insert candidate of a pair.
#[derive(Debug, Clone)]
struct InsertCandidate {
    ch: f64,
    t: Vec<usize>,
    nat: Vec<usize>,
}

/// A heap entry: the best is the largest change, then the smallest `(x, y, k)`:
/// exactly the first maximum of causal-learn's scan.
#[derive(Debug, Clone, Copy)]
struct Entry {
    ch: f64,
    x: u32,
    y: u32,
    k: u32,
    version: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.ch
            .total_cmp(&other.ch)
            .then(other.x.cmp(&self.x))
            .then(other.y.cmp(&self.y))
            .then(other.k.cmp(&self.k))
            .then(self.version.cmp(&other.version))
    }
}

/// Nodes whose adjacencies or edge marks differ between two graphs.
fn changed_nodes(a: &Graph, b: &Graph) -> Vec<bool> {
    let p = a.n_nodes();
    let mut changed = vec![false; p];
    for u in 0..p {
        for v in 0..p {
            if a.end(u, v) != b.end(u, v) {
                changed[u] = true;
                changed[v] = true;
            }
        }
    }
    changed
}

/// The best Delete among those with `x` as first argument, in scan order.
fn best_delete_from(g: &Graph, view: &View, cache: &Cache<'_>, x: usize, floor: f64) -> Option<Candidate> {
    let p = g.n_nodes();
    let mut best: Option<Candidate> = None;
    for y in 0..p {
        if !(g.is_undirected(x, y) || g.is_directed(x, y)) {
            continue;
        }
        let na: Vec<usize> = view.nbrs[y].iter().copied().filter(|&t| g.adjacent(t, x)).collect();
        for h in subsets(&na) {
            let rest: Vec<usize> = na.iter().copied().filter(|v| !h.contains(v)).collect();
            if !is_clique(g, &rest) {
                continue;
            }
            let with = sorted_union(&[&rest, &view.parents[y], &[x]]);
            let without: Vec<usize> = with.iter().copied().filter(|&v| v != x).collect();
            let ch = cache.get(y, &without) - cache.get(y, &with);
            if ch > best.as_ref().map_or(floor, |b| b.ch) {
                best = Some(Candidate { ch, x, y, set: h });
            }
        }
    }
    best
}

/// Picks the first maximum in scan order from per-row bests (rows in ascending `x`).
fn first_max(rows: Vec<Option<Candidate>>) -> Option<Candidate> {
    let mut best: Option<Candidate> = None;
    for c in rows.into_iter().flatten() {
        if best.as_ref().is_none_or(|b| c.ch > b.ch) {
            best = Some(c);
        }
    }
    best
}

/// A consistent DAG extension of a PDAG (Dor and Tarsi 1992): repeatedly take
/// the lowest-numbered node with no outgoing directed edge whose undirected
/// neighbours are adjacent to all its other adjacent nodes, orient its
/// undirected edges into it, and remove it.
fn extend_to_dag(g: &Graph) -> Result<Dag> {
    let p = g.n_nodes();
    let mut alive = vec![true; p];
    let mut edges = Vec::new();
    for _ in 0..p {
        let sink = (0..p).find(|&x| {
            alive[x]
                && !(0..p).any(|y| alive[y] && g.is_directed(x, y))
                && (0..p)
                    .filter(|&y| alive[y] && g.is_undirected(x, y))
                    .all(|y| (0..p).filter(|&z| z != y && alive[z] && g.adjacent(x, z)).all(|z| g.adjacent(y, z)))
        });
        let Some(x) = sink else {
            return Err(Error::Internal("the graph has no consistent extension".into()));
        };
        for y in 0..p {
            if alive[y] && y != x && g.adjacent(x, y) {
                edges.push((y, x));
            }
        }
        alive[x] = false;
    }
    Dag::new(p, &edges).map_err(|e| Error::Internal(format!("extension is not acyclic: {e}")))
}

fn to_cpdag(g: &Graph) -> Result<Graph> {
    Ok(extend_to_dag(g)?.cpdag())
}

/// Runs GES with `score`.
pub fn ges(score: &dyn LocalScore, params: &GesParams, par: Par) -> Result<GesResult> {
    ges_with_progress(score, params, par, &Silent)
}

/// [`ges`], reporting each operator applied to `progress`.
pub fn ges_with_progress(
    score: &dyn LocalScore,
    params: &GesParams,
    par: Par,
    progress: &dyn Progress,
) -> Result<GesResult> {
    const FLOOR: f64 = -1e7;
    let p = score.n_vars();
    let cache = Cache { score, maps: (0..p).map(|_| Mutex::new(HashMap::new())).collect() };
    let pool = match par {
        Par::Seq => None,
        Par::Threads(t) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(t.get())
                .build()
                .map_err(|e| Error::Internal(format!("thread pool: {e}")))?,
        ),
    };
    let scan = |f: &(dyn Fn(usize) -> Option<Candidate> + Sync)| -> Option<Candidate> {
        let rows: Vec<Option<Candidate>> = match &pool {
            None => (0..p).map(f).collect(),
            Some(pool) => pool.install(|| (0..p).into_par_iter().map(f).collect()),
        };
        first_max(rows)
    };
    let mut g = Graph::empty(p);
    let mut total = 0.0;
    for j in 0..p {
        total += cache.get(j, &[]);
    }
    // causal-learn starts its bar at -1e7 (FLOOR): a change at or below it is never taken.
    let mut inserts = 0;
    progress.stage("GES forward", None);
    // Candidate lists per ordered pair, kept until the pair's neighbourhood changes;
    // a max-heap over all of them yields causal-learn's choice after lazy validity checks.
    let mut cands: Vec<Vec<InsertCandidate>> = vec![Vec::new(); p * p];
    let mut version = vec![0u32; p * p];
    let mut heap = std::collections::BinaryHeap::new();
    let mut stale: Vec<bool> = vec![true; p];
    let mut seen = Vec::new();
    loop {
        let view = View::new(&g);
        // Pairs (x, y) whose candidates may have changed: y changed, x changed, or a neighbour of y changed.
        let refresh: Vec<bool> = (0..p).map(|y| stale[y] || view.nbrs[y].iter().any(|&t| stale[t])).collect();
        let work = |y: usize| -> Vec<(usize, Vec<InsertCandidate>)> {
            (0..p)
                .filter(|&x| x != y && !g.adjacent(x, y) && (refresh[y] || stale[x]))
                .filter(|_| params.max_parents.is_none_or(|m| view.parents[y].len() <= m))
                .map(|x| (x, insert_candidates(&g, &view, &cache, x, y)))
                .collect()
        };
        // Threads pay off only for large refreshes (the first step, big re-orientations).
        let n_refresh = (0..p).filter(|&y| refresh[y]).count() * p + (0..p).filter(|&x| stale[x]).count() * p;
        let fresh: Vec<Vec<(usize, Vec<InsertCandidate>)>> = match &pool {
            Some(pool) if n_refresh >= 4096 => pool.install(|| (0..p).into_par_iter().map(work).collect()),
            _ => (0..p).map(work).collect(),
        };
        // Every pair touched gets a new version, so its old heap entries are ignored.
        for y in 0..p {
            for x in 0..p {
                if x != y && (refresh[y] || stale[x]) {
                    version[x * p + y] += 1;
                    cands[x * p + y].clear();
                }
            }
        }
        for (y, row) in fresh.into_iter().enumerate() {
            for (x, list) in row {
                let v = version[x * p + y];
                for (k, c) in list.iter().enumerate() {
                    heap.push(Entry { ch: c.ch, x: x as u32, y: y as u32, k: k as u32, version: v });
                }
                cands[x * p + y] = list;
            }
        }
        // Pop until a candidate passes the semi-directed-path test; keep the ones that fail.
        let mut set_aside = Vec::new();
        let mut chosen = None;
        while let Some(e) = heap.pop() {
            let (x, y) = (e.x as usize, e.y as usize);
            if e.version != version[x * p + y] {
                continue;
            }
            let c = &cands[x * p + y][e.k as usize];
            if paths_blocked(&view, y, x, &c.nat, &mut seen) {
                chosen = Some(e);
                break;
            }
            set_aside.push(e);
        }
        heap.extend(set_aside);
        let Some(e) = chosen else { break };
        if e.ch <= FLOOR || (total + e.ch) - total <= 0.0 {
            break;
        }
        let (x, y) = (e.x as usize, e.y as usize);
        let before = g.clone();
        g.set_edge(x, y, EdgeType::Directed);
        for &t in &cands[x * p + y][e.k as usize].t {
            g.set_edge(t, y, EdgeType::Directed);
        }
        g = to_cpdag(&g)?;
        total += e.ch;
        inserts += 1;
        progress.advance(1);
        stale = changed_nodes(&before, &g);
    }
    let mut deletes = 0;
    progress.stage("GES backward", None);
    loop {
        let view = View::new(&g);
        let Some(c) = scan(&|x| best_delete_from(&g, &view, &cache, x, FLOOR)) else { break };
        if (total + c.ch) - total <= 0.0 {
            break;
        }
        g.remove_edge(c.x, c.y);
        for &h in &c.set {
            g.set_edge(c.y, h, EdgeType::Directed);
            g.set_edge(c.x, h, EdgeType::Directed);
        }
        g = to_cpdag(&g)?;
        total += c.ch;
        deletes += 1;
        progress.advance(1);
    }
    Ok(GesResult { graph: g, score: total, inserts, deletes })
}

#[cfg(test)]
mod tests;
