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
    dpath: BitMatrix,
    /// The skeleton's pairs `(i, j)`, `i < j`, ascending (edges are only ever
    /// removed and put back here).
    pairs: Vec<(usize, usize)>,
}

/// A boolean matrix stored by rows and by columns as bit sets, so that a row
/// can be merged into another and a column's set entries listed in `p / 64` words.
struct BitMatrix {
    words: usize,
    rows: Vec<u64>,
    cols: Vec<u64>,
}

impl BitMatrix {
    fn new(p: usize) -> BitMatrix {
        let words = p.div_ceil(64);
        BitMatrix { words, rows: vec![0; p * words], cols: vec![0; p * words] }
    }

    fn get(&self, a: usize, b: usize) -> bool {
        self.rows[a * self.words + b / 64] >> (b % 64) & 1 == 1
    }

    fn set(&mut self, a: usize, b: usize) {
        self.rows[a * self.words + b / 64] |= 1 << (b % 64);
        self.cols[b * self.words + a / 64] |= 1 << (a % 64);
    }

    fn clear(&mut self) {
        self.rows.iter_mut().for_each(|w| *w = 0);
        self.cols.iter_mut().for_each(|w| *w = 0);
    }

    /// Row `to` gains every entry of row `from`.
    fn merge_row(&mut self, from: usize, to: usize) {
        let w = self.words;
        for k in 0..w {
            let mut add = self.rows[from * w + k] & !self.rows[to * w + k];
            while add != 0 {
                let b = k * 64 + add.trailing_zeros() as usize;
                self.set(to, b);
                add &= add - 1;
            }
        }
    }

    /// causal-learn's `adjust_dpath(i, j)`: `dpath[j][i]`, then for every `k`,
    /// `dpath[i][k] ⇒ dpath[j][k]` and `dpath[k][j] ⇒ dpath[k][i]`. Its loop over
    /// `k` reads no entry an earlier step wrote, so it is a row merge followed by
    /// a column merge.
    fn dpath_adjust(&mut self, i: usize, j: usize) {
        self.set(j, i);
        self.merge_row(i, j);
        self.merge_col(j, i);
    }

    /// Column `to` gains every entry of column `from`.
    fn merge_col(&mut self, from: usize, to: usize) {
        let w = self.words;
        for k in 0..w {
            let mut add = self.cols[from * w + k] & !self.cols[to * w + k];
            while add != 0 {
                let a = k * 64 + add.trailing_zeros() as usize;
                self.set(a, to);
                add &= add - 1;
            }
        }
    }
}

impl ClGraph {
    /// causal-learn's `graph[a, b]`: the mark at `a` on the edge `a — b`.
    fn mark_at(&self, a: usize, b: usize) -> Option<Mark> {
        self.g.end(b, a)
    }

    fn adjust_dpath(&mut self, i: usize, j: usize) {
        self.dpath.dpath_adjust(i, j);
    }

    fn reconstitute_dpath(&mut self) {
        let p = self.p;
        self.dpath.clear();
        (0..p).for_each(|i| self.dpath.set(i, i));
        for k in (0..self.pairs.len()).rev() {
            let (i, j) = self.pairs[k];
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
    let pairs = (0..p).flat_map(|i| (i + 1..p).map(move |j| (i, j))).filter(|&(i, j)| g.adjacent(i, j)).collect();
    let mut cg = ClGraph { p, g, dpath: BitMatrix::new(p), pairs };
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
        if cg.dpath.get(a, b) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::Rng;

    /// causal-learn's `adjust_dpath` loop, written out on a plain matrix.
    fn adjust_naive(d: &mut [bool], p: usize, i: usize, j: usize) {
        d[j * p + i] = true;
        for k in 0..p {
            if d[i * p + k] {
                d[j * p + k] = true;
            }
            if d[k * p + j] {
                d[k * p + i] = true;
            }
        }
    }

    #[test]
    fn bit_matrix_updates_equal_the_loop_they_replace() {
        let mut rng = Rng::seed_from_u64(9);
        for p in [3, 64, 70, 130] {
            let mut naive = vec![false; p * p];
            let mut bits = BitMatrix::new(p);
            for v in 0..p {
                naive[v * p + v] = true;
                bits.set(v, v);
            }
            for _ in 0..3 * p {
                let (i, j) = (rng.below(p as u64) as usize, rng.below(p as u64) as usize);
                if i == j {
                    continue;
                }
                adjust_naive(&mut naive, p, i, j);
                bits.dpath_adjust(i, j);
                for a in 0..p {
                    for b in 0..p {
                        assert_eq!(bits.get(a, b), naive[a * p + b], "p={p} after ({i}, {j}) at ({a}, {b})");
                    }
                }
            }
        }
    }
}
