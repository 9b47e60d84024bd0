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

    /// `out[i] = s(j, base ∪ {xs[i]}) − s(j, base)`: the score's own update
    /// where it has one (no caching needed), cached local scores otherwise.
    fn gains(&self, j: usize, base: &[usize], xs: &[usize], out: &mut Vec<f64>) {
        out.clear();
        out.resize(xs.len(), 0.0);
        if self.score.add_parent_gains(j, base, xs, out) {
            return;
        }
        let without = self.get(j, base);
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = self.get(j, &sorted_union(&[base, &[x]])) - without;
        }
    }
}

/// A CPDAG with its adjacency lists (each ascending), kept in step so that
/// per-step work follows the edges rather than all `p²` pairs.
struct Pdag {
    g: Graph,
    adj: Vec<Vec<usize>>,
}

impl Pdag {
    fn empty(p: usize) -> Pdag {
        Pdag { g: Graph::empty(p), adj: vec![Vec::new(); p] }
    }

    fn link(&mut self, a: usize, b: usize) {
        for (u, v) in [(a, b), (b, a)] {
            if let Err(pos) = self.adj[u].binary_search(&v) {
                self.adj[u].insert(pos, v);
            }
        }
    }

    fn unlink(&mut self, a: usize, b: usize) {
        self.g.remove_edge(a, b);
        for (u, v) in [(a, b), (b, a)] {
            if let Ok(pos) = self.adj[u].binary_search(&v) {
                self.adj[u].remove(pos);
            }
        }
    }

    /// Applies Insert(x, y, T) and re-derives the CPDAG; returns the nodes whose edge marks changed.
    fn insert(&mut self, x: usize, y: usize, t: &[usize]) -> Result<Vec<bool>> {
        let before = self.g.clone();
        self.g.set_edge(x, y, EdgeType::Directed);
        self.link(x, y);
        for &t in t {
            self.g.set_edge(t, y, EdgeType::Directed);
        }
        self.complete(&before)
    }

    /// Applies Delete(x, y, H) and re-derives the CPDAG.
    fn delete(&mut self, x: usize, y: usize, h: &[usize]) -> Result<()> {
        let before = self.g.clone();
        self.unlink(x, y);
        for &h in h {
            self.g.set_edge(y, h, EdgeType::Directed);
            self.g.set_edge(x, h, EdgeType::Directed);
        }
        self.complete(&before).map(|_| ())
    }

    /// Replaces the PDAG by the CPDAG of its class; returns the nodes whose
    /// edge marks changed (`before` also counts for adjacencies it had).
    fn complete(&mut self, before: &Graph) -> Result<Vec<bool>> {
        self.g = extend_to_dag(&self.g, &self.adj)?.cpdag();
        let p = self.g.n_nodes();
        let mut changed = vec![false; p];
        for u in 0..p {
            for &v in &self.adj[u] {
                if before.end(u, v) != self.g.end(u, v) {
                    changed[u] = true;
                    changed[v] = true;
                }
            }
        }
        Ok(changed)
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
    fn new(pd: &Pdag) -> View {
        let p = pd.g.n_nodes();
        let g = &pd.g;
        let mut nbrs = vec![Vec::new(); p];
        let mut parents = vec![Vec::new(); p];
        let mut semi = vec![Vec::new(); p];
        for a in 0..p {
            for &b in &pd.adj[a] {
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

/// A semi-directed path from `from` to `to` that avoids `block`, if there is
/// one: a search from `from` that never enters `block`. The path comes back as
/// its nodes from `to` back to `from`.
fn semi_directed_path(
    view: &View,
    from: usize,
    to: usize,
    block: &[usize],
    scratch: &mut Search,
) -> Option<Vec<usize>> {
    let Search { seen, prev } = scratch;
    seen.clear();
    seen.resize(view.semi.len(), false);
    prev.resize(view.semi.len(), usize::MAX);
    for &b in block {
        seen[b] = true;
    }
    seen[from] = true;
    let mut stack = vec![from];
    while let Some(v) = stack.pop() {
        for &c in &view.semi[v] {
            if c == to {
                let mut path = vec![to, v];
                let mut u = v;
                while u != from {
                    u = prev[u];
                    path.push(u);
                }
                return Some(path);
            }
            if !seen[c] {
                seen[c] = true;
                prev[c] = v;
                stack.push(c);
            }
        }
    }
    None
}

/// Scratch space of [`semi_directed_path`].
#[derive(Default)]
struct Search {
    seen: Vec<bool>,
    prev: Vec<usize>,
}

/// True when `path` (from `semi_directed_path`, reversed) is still a
/// semi-directed path in `g` whose inner nodes avoid `block`.
fn still_a_path(g: &Graph, path: &[usize], block: &[usize]) -> bool {
    path.windows(2).all(|w| g.is_directed(w[1], w[0]) || g.is_undirected(w[1], w[0]))
        && path[1..path.len() - 1].iter().all(|v| !block.contains(v))
}

fn sorted_union(parts: &[&[usize]]) -> Vec<usize> {
    let mut v: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// One Insert candidate of a pair: score change, `T`, and `NA ∪ T`.
#[derive(Debug, Clone)]
struct InsertCandidate {
    ch: f64,
    t: Vec<usize>,
    nat: Vec<usize>,
    /// The last semi-directed path found from `y` to `x` avoiding `NA ∪ T`
    /// (which makes the operator invalid): re-checked first next time, since
    /// such paths tend to survive many steps.
    witness: Option<Vec<usize>>,
}

/// The valid-by-clique Insert candidates of every pair `x → y` with `y` fixed,
/// each pair's list in scan order (`T` by size, then lexicographically).
/// Whether the semi-directed-path condition holds is global and is checked
/// when a candidate is considered.
///
/// For the usual `x` (adjacent to no undirected neighbour of `y`, so `NA = ∅`
/// and `T` ranges over all of `N(y)`) the sets `T ∪ Pa(y)` are the same, and
/// the score changes of all such `x` come from one batch per set.
fn insert_row(g: &Graph, view: &View, cache: &Cache<'_>, y: usize) -> Vec<(usize, Vec<InsertCandidate>)> {
    let p = g.n_nodes();
    let (nbrs, pa) = (&view.nbrs[y], &view.parents[y]);
    let mut plain = Vec::new();
    let mut other = Vec::new();
    for x in (0..p).filter(|&x| x != y && !g.adjacent(x, y)) {
        if nbrs.iter().any(|&t| g.adjacent(t, x)) {
            other.push(x);
        } else {
            plain.push(x);
        }
    }
    let mut out: Vec<(usize, Vec<InsertCandidate>)> = Vec::with_capacity(plain.len() + other.len());
    let mut gains = Vec::new();
    // Shared sets: the cliques among N(y).
    let mut lists: Vec<Vec<InsertCandidate>> = vec![Vec::new(); plain.len()];
    for t in subsets(nbrs).into_iter().filter(|t| is_clique(g, t)) {
        cache.gains(y, &sorted_union(&[&t, pa]), &plain, &mut gains);
        for (list, &ch) in lists.iter_mut().zip(&gains) {
            if !ch.is_nan() {
                list.push(InsertCandidate { ch, t: t.clone(), nat: t.clone(), witness: None });
            }
        }
    }
    out.extend(plain.into_iter().zip(lists));
    for x in other {
        let na: Vec<usize> = nbrs.iter().copied().filter(|&t| g.adjacent(t, x)).collect();
        let t0: Vec<usize> = nbrs.iter().copied().filter(|&t| !g.adjacent(t, x)).collect();
        let mut list = Vec::new();
        for t in subsets(&t0) {
            let nat = sorted_union(&[&na, &t]);
            if !is_clique(g, &nat) {
                continue;
            }
            cache.gains(y, &sorted_union(&[&nat, pa]), &[x], &mut gains);
            if !gains[0].is_nan() {
                list.push(InsertCandidate { ch: gains[0], t, nat, witness: None });
            }
        }
        out.push((x, list));
    }
    out.sort_unstable_by_key(|(x, _)| *x);
    out
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

/// The best Delete among those with `x` as first argument, in scan order.
fn best_delete_from(pd: &Pdag, view: &View, cache: &Cache<'_>, x: usize, floor: f64) -> Option<Candidate> {
    let g = &pd.g;
    let mut best: Option<Candidate> = None;
    for &y in &pd.adj[x] {
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
/// a node with no outgoing directed edge whose undirected neighbours are
/// adjacent to all its other adjacent nodes, orient its undirected edges into
/// it, and remove it. Any such order gives a DAG of the same Markov
/// equivalence class; a node is re-examined only when a neighbour goes.
fn extend_to_dag(g: &Graph, adj: &[Vec<usize>]) -> Result<Dag> {
    let p = g.n_nodes();
    let mut alive = vec![true; p];
    let mut out: Vec<usize> = (0..p).map(|a| adj[a].iter().filter(|&&b| g.is_directed(a, b)).count()).collect();
    let sink = |x: usize, alive: &[bool]| {
        adj[x]
            .iter()
            .filter(|&&y| alive[y] && g.is_undirected(x, y))
            .all(|&y| adj[x].iter().filter(|&&z| z != y && alive[z]).all(|&z| g.adjacent(y, z)))
    };
    let mut edges = Vec::new();
    let mut queue: Vec<usize> = (0..p).rev().collect();
    let mut queued = vec![true; p];
    let mut removed = 0;
    while let Some(x) = queue.pop() {
        queued[x] = false;
        if !alive[x] || out[x] > 0 || !sink(x, &alive) {
            continue;
        }
        alive[x] = false;
        removed += 1;
        for &y in &adj[x] {
            if !alive[y] {
                continue;
            }
            edges.push((y, x));
            if g.is_directed(y, x) {
                out[y] -= 1;
            }
            if !queued[y] {
                queued[y] = true;
                queue.push(y);
            }
        }
    }
    if removed < p {
        return Err(Error::Internal("the graph has no consistent extension".into()));
    }
    Dag::new(p, &edges).map_err(|e| Error::Internal(format!("extension is not acyclic: {e}")))
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
    let pool = par.pool().map_err(Error::Internal)?;
    let mut pd = Pdag::empty(p);
    let mut total = 0.0;
    for j in 0..p {
        total += cache.get(j, &[]);
    }
    // causal-learn starts its bar at -1e7 (FLOOR): a change at or below it is never taken.
    let mut inserts = 0;
    progress.stage("GES forward", None);
    // Candidate lists per ordered pair (row y, column x), kept until the pair's neighbourhood changes;
    // a max-heap over all of them yields causal-learn's choice after lazy validity checks.
    // The candidates of (x, y) depend on N(y), Pa(y), and the adjacencies among
    // N(y) ∪ {x}: they change only when y or one of its neighbours is touched.
    let mut cands: Vec<Vec<InsertCandidate>> = vec![Vec::new(); p * p];
    let mut version = vec![0u32; p * p];
    let mut live = 0usize;
    let mut heap = std::collections::BinaryHeap::new();
    let mut stale: Vec<bool> = vec![true; p];
    let mut search = Search::default();
    loop {
        let view = View::new(&pd);
        let refresh: Vec<usize> = (0..p).filter(|&y| stale[y] || view.nbrs[y].iter().any(|&t| stale[t])).collect();
        let row = |&y: &usize| -> Vec<(usize, Vec<InsertCandidate>)> {
            if params.max_parents.is_some_and(|m| view.parents[y].len() > m) {
                return Vec::new();
            }
            insert_row(&pd.g, &view, &cache, y)
        };
        // Threads pay off only for large refreshes (the first step, big re-orientations).
        let fresh: Vec<Vec<(usize, Vec<InsertCandidate>)>> = match &pool {
            Some(pool) if refresh.len() * p >= 4096 => pool.install(|| refresh.par_iter().map(row).collect()),
            _ => refresh.iter().map(row).collect(),
        };
        // Every pair touched gets a new version, so its old heap entries are ignored.
        for (&y, row) in refresh.iter().zip(fresh) {
            for x in (0..p).filter(|&x| x != y) {
                version[y * p + x] += 1;
                live -= cands[y * p + x].len();
                cands[y * p + x].clear();
            }
            for (x, list) in row {
                let v = version[y * p + x];
                for (k, c) in list.iter().enumerate() {
                    heap.push(Entry { ch: c.ch, x: x as u32, y: y as u32, k: k as u32, version: v });
                }
                live += list.len();
                cands[y * p + x] = list;
            }
        }
        #[cfg(test)]
        tests::assert_candidates_current(&pd.g, &view, &cache, &cands, params);
        if heap.len() > 2 * live + 4096 {
            heap.retain(|e| e.version == version[e.y as usize * p + e.x as usize]);
        }
        // Pop until a candidate passes the semi-directed-path test; keep the ones that fail.
        let mut set_aside = Vec::new();
        let mut chosen = None;
        while let Some(e) = heap.pop() {
            let (x, y) = (e.x as usize, e.y as usize);
            if e.version != version[y * p + x] {
                continue;
            }
            let c = &mut cands[y * p + x][e.k as usize];
            if c.witness.as_ref().is_none_or(|w| !still_a_path(&pd.g, w, &c.nat)) {
                c.witness = semi_directed_path(&view, y, x, &c.nat, &mut search);
                if c.witness.is_none() {
                    chosen = Some(e);
                    break;
                }
            }
            #[cfg(test)]
            assert!(semi_directed_path(&view, y, x, &c.nat, &mut Search::default()).is_some(), "stale witness");
            set_aside.push(e);
        }
        heap.extend(set_aside);
        let Some(e) = chosen else { break };
        if e.ch <= FLOOR || (total + e.ch) - total <= 0.0 {
            break;
        }
        let (x, y) = (e.x as usize, e.y as usize);
        stale = pd.insert(x, y, &cands[y * p + x][e.k as usize].t)?;
        total += e.ch;
        inserts += 1;
        progress.advance(1);
    }
    let mut deletes = 0;
    progress.stage("GES backward", None);
    loop {
        let view = View::new(&pd);
        let f = |x: usize| best_delete_from(&pd, &view, &cache, x, FLOOR);
        let rows: Vec<Option<Candidate>> = match &pool {
            None => (0..p).map(f).collect(),
            Some(pool) => pool.install(|| (0..p).into_par_iter().map(f).collect()),
        };
        let Some(c) = first_max(rows) else { break };
        if (total + c.ch) - total <= 0.0 {
            break;
        }
        pd.delete(c.x, c.y, &c.set)?;
        total += c.ch;
        deletes += 1;
        progress.advance(1);
    }
    Ok(GesResult { graph: pd.g, score: total, inserts, deletes })
}

#[cfg(test)]
mod tests;
