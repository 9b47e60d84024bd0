//! Orientation with causal-learn 0.1.4.x semantics (`uc_rule = 0`, `uc_priority = 2`,
//! then `Meek.meek`).
//!
//! causal-learn keeps, beside the graph, a matrix `dpath` of ancestor relations
//! that it updates incrementally when a directed edge is added and rebuilds when
//! one is removed; its Meek step refuses an orientation `j → k` when `dpath`
//! says `k` is an ancestor of `j`.  The update is not a full transitive closure,
//! so to give the same answers this module keeps the same matrix the same way.
//! Visiting orders (the adjacency list, unshielded triples, triangles and kites)
//! follow causal-learn's `GraphClass`.

use kausa_graph::{EdgeType, Graph, Mark};

use super::{Skeleton, apply_knowledge};
use crate::Knowledge;

struct ClGraph {
    p: usize,
    g: Graph,
    /// `dpath[a][b]`: causal-learn believes `b` is an ancestor of `a`.
    dpath: Vec<bool>,
}

impl ClGraph {
    /// causal-learn's `graph[a, b]`: the mark at `a` on the edge `a — b`.
    fn mark_at(&self, a: usize, b: usize) -> Option<Mark> {
        self.g.end(b, a)
    }

    fn adjust_dpath(&mut self, i: usize, j: usize) {
        let p = self.p;
        self.dpath[j * p + i] = true;
        for k in 0..p {
            if self.dpath[i * p + k] {
                self.dpath[j * p + k] = true;
            }
            if self.dpath[k * p + j] {
                self.dpath[k * p + i] = true;
            }
        }
    }

    fn reconstitute_dpath(&mut self) {
        let p = self.p;
        self.dpath.iter_mut().for_each(|v| *v = false);
        (0..p).for_each(|i| self.dpath[i * p + i] = true);
        let pairs: Vec<(usize, usize)> =
            (0..p).flat_map(|i| (i + 1..p).map(move |j| (i, j))).filter(|&(i, j)| self.g.adjacent(i, j)).collect();
        for &(i, j) in pairs.iter().rev() {
            if self.g.is_directed(i, j) {
                self.adjust_dpath(i, j);
            } else if self.g.is_directed(j, i) {
                self.adjust_dpath(j, i);
            }
        }
    }

    fn remove_edge(&mut self, a: usize, b: usize) {
        let was_directed = self.g.is_directed(a, b) || self.g.is_directed(b, a);
        self.g.remove_edge(a, b);
        if was_directed {
            self.reconstitute_dpath();
        }
    }

    fn add_directed(&mut self, a: usize, b: usize) {
        self.g.set_edge(a, b, EdgeType::Directed);
        self.adjust_dpath(a, b);
    }

    /// causal-learn's `find_adj`: `(c, r)` for every tail mark at `graph[r, c]` in
    /// row-major order, then the same for arrowhead marks.
    fn adjacency_list(&self) -> Vec<(usize, usize)> {
        let p = self.p;
        let mut out = Vec::new();
        for want in [Mark::Tail, Mark::Arrow] {
            for r in 0..p {
                for c in 0..p {
                    if self.mark_at(r, c) == Some(want) {
                        out.push((c, r));
                    }
                }
            }
        }
        out
    }

    /// Ordered pairs of adjacency entries `(a, b)` with `a.1 == b.0`, in
    /// `itertools.permutations` order, filtered by `keep(a.0, a.1, b.1)`.
    fn paths2(&self, adj: &[(usize, usize)], keep: impl Fn(usize, usize, usize) -> bool) -> Vec<(usize, usize, usize)> {
        let mut by_first: Vec<Vec<usize>> = vec![Vec::new(); self.p];
        for &(a, b) in adj {
            by_first[a].push(b);
        }
        let mut out = Vec::new();
        for &(i, j) in adj {
            for &k in &by_first[j] {
                if i != k && keep(i, j, k) {
                    out.push((i, j, k));
                }
            }
        }
        out
    }

    fn unshielded_triples(&self) -> Vec<(usize, usize, usize)> {
        let adj = self.adjacency_list();
        self.paths2(&adj, |i, _, k| !self.g.adjacent(i, k))
    }

    fn triangles(&self) -> Vec<(usize, usize, usize)> {
        let adj = self.adjacency_list();
        self.paths2(&adj, |i, _, k| self.g.adjacent(i, k))
    }

    fn kites(&self, tri: &[(usize, usize, usize)]) -> Vec<(usize, usize, usize, usize)> {
        let p = self.p;
        let mut by_ends: Vec<Vec<usize>> = vec![Vec::new(); p * p];
        for &(i, j, l) in tri {
            by_ends[i * p + l].push(j);
        }
        let mut out = Vec::new();
        for &(i, j, l) in tri {
            for &k in &by_ends[i * p + l] {
                if j < k && !self.g.adjacent(j, k) {
                    out.push((i, j, k, l));
                }
            }
        }
        out
    }
}

pub(super) fn orient(skel: &Skeleton, knowledge: Option<&Knowledge>) -> Graph {
    let p = skel.p;
    let mut g = skel.undirected_graph();
    apply_knowledge(&mut g, knowledge);
    let mut cg = ClGraph { p, g, dpath: vec![false; p * p] };
    cg.reconstitute_dpath();
    let forbidden = |a: usize, b: usize| knowledge.is_some_and(|k| k.is_forbidden(a, b));
    let required = |a: usize, b: usize| knowledge.is_some_and(|k| k.is_required(a, b));

    // UCSepset.uc_sepset with priority 2: orient x → y ← z unless an edge already leaves y.
    for (x, y, z) in cg.unshielded_triples() {
        if x >= z {
            continue;
        }
        if forbidden(x, y) || forbidden(z, y) || required(y, x) || required(y, z) {
            continue;
        }
        if skel.in_sepset(x, z, y) != Some(false) {
            continue;
        }
        if !cg.g.is_directed(y, x) && !cg.g.is_directed(y, z) {
            cg.remove_edge(x, y);
            cg.add_directed(x, y);
            cg.remove_edge(z, y);
            cg.add_directed(z, y);
        }
    }

    // Meek.meek: sweeps over the triples, triangles and kites found once at the start.
    let ut = cg.unshielded_triples();
    let tri = cg.triangles();
    let kites = cg.kites(&tri);
    let try_orient = |cg: &mut ClGraph, a: usize, b: usize| -> bool {
        if forbidden(a, b) || required(b, a) {
            return false;
        }
        if cg.dpath[a * p + b] {
            // causal-learn: b is (believed) an ancestor of a; a → b would close a cycle.
            return false;
        }
        cg.remove_edge(a, b);
        cg.add_directed(a, b);
        true
    };
    let mut again = true;
    while again {
        again = false;
        for &(i, j, k) in &ut {
            if cg.g.is_directed(i, j) && cg.g.is_undirected(j, k) && try_orient(&mut cg, j, k) {
                again = true;
            }
        }
        for &(i, j, k) in &tri {
            if cg.g.is_directed(i, j) && cg.g.is_directed(j, k) && cg.g.is_undirected(i, k) && try_orient(&mut cg, i, k)
            {
                again = true;
            }
        }
        for &(i, j, k, l) in &kites {
            if cg.g.is_undirected(i, j)
                && cg.g.is_undirected(i, k)
                && cg.g.is_directed(j, l)
                && cg.g.is_directed(k, l)
                && cg.g.is_undirected(i, l)
                && try_orient(&mut cg, i, l)
            {
                again = true;
            }
        }
    }
    cg.g
}
