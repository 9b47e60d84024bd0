//! Orientation with R pcalg's `udag2pdagRelaxed(solve.confl = FALSE)` semantics.
//!
//! The graph is a 0/1 matrix `m` with `m[a][b] = 1` when the edge `a — b` may
//! point into `b`: `a → b` is `m[a][b] = 1, m[b][a] = 0`, `a — b` is both 1.
//! Visiting orders are pcalg's (column-major over the matrix) because on data
//! that no DAG fits exactly, the order decides which conflicting orientation wins.

use kausa_graph::{EdgeType, Graph};

use super::{Skeleton, apply_knowledge};
use crate::Knowledge;

struct Pdag {
    p: usize,
    m: Vec<u8>,
    fixed: Vec<bool>,
    /// The nodes adjacent to each node, ascending (the skeleton does not change here).
    adj: Vec<Vec<usize>>,
}

impl Pdag {
    #[inline]
    fn get(&self, a: usize, b: usize) -> bool {
        self.m[a * self.p + b] == 1
    }

    /// Orients `a → b` unless knowledge fixed the pair.
    #[inline]
    fn orient(&mut self, a: usize, b: usize) {
        if self.fixed[a * self.p + b] {
            return;
        }
        self.m[a * self.p + b] = 1;
        self.m[b * self.p + a] = 0;
    }

    /// Adjacent pairs `(r, c)` satisfying `f`, column by column (pcalg's
    /// matrix order; non-adjacent pairs never satisfy the callers' `f`).
    fn col_major(&self, f: impl Fn(usize, usize) -> bool) -> Vec<(usize, usize)> {
        (0..self.p).flat_map(|c| self.adj[c].iter().map(move |&r| (r, c))).filter(|&(r, c)| f(r, c)).collect()
    }

    fn directed(&self, a: usize, b: usize) -> bool {
        self.get(a, b) && !self.get(b, a)
    }

    fn undirected(&self, a: usize, b: usize) -> bool {
        self.get(a, b) && self.get(b, a)
    }

    fn adjacent(&self, a: usize, b: usize) -> bool {
        self.get(a, b) || self.get(b, a)
    }
}

pub(super) fn orient(skel: &Skeleton, knowledge: Option<&Knowledge>) -> Graph {
    let p = skel.p;
    let mut g = skel.undirected_graph();
    let fixed = apply_knowledge(&mut g, knowledge);
    let mut m = vec![0u8; p * p];
    for a in 0..p {
        for b in 0..p {
            if g.adjacent(a, b) && !g.is_directed(b, a) {
                m[a * p + b] = 1;
            }
        }
    }
    let adj = (0..p).map(|a| (0..p).filter(|&b| m[a * p + b] == 1 || m[b * p + a] == 1).collect()).collect();
    let mut pd = Pdag { p, m, fixed, adj };

    // V-structures: x — y — z with x, z non-adjacent and y not in their separating set.
    let pairs = pd.col_major(|r, c| skel.adjacent(r, c));
    for (x, y) in pairs {
        for k in 0..pd.adj[y].len() {
            let z = pd.adj[y][k];
            if z != x && skel.adjacent(y, z) && !skel.adjacent(x, z) && skel.in_sepset(x, z, y) == Some(false) {
                // Never orient a v-structure against what the expert fixed.
                if pd.fixed[x * p + y] && pd.directed(y, x) || pd.fixed[z * p + y] && pd.directed(y, z) {
                    continue;
                }
                pd.orient(x, y);
                pd.orient(z, y);
            }
        }
    }

    loop {
        let before = pd.m.clone();
        rule1(&mut pd);
        rule2(&mut pd);
        rule3(&mut pd);
        if pd.m == before {
            break;
        }
    }

    let mut out = Graph::empty(p);
    for a in 0..p {
        for b in a + 1..p {
            match (pd.get(a, b), pd.get(b, a)) {
                (true, true) => out.set_edge(a, b, EdgeType::Undirected),
                (true, false) => out.set_edge(a, b, EdgeType::Directed),
                (false, true) => out.set_edge(b, a, EdgeType::Directed),
                (false, false) => {}
            }
        }
    }
    out
}

// The rules visit candidate nodes in ascending order, as pcalg's `0..p` loops
// do, but only among the adjacent ones (the rest never qualify).

/// R1: `a → b — c`, `a` and `c` not adjacent ⇒ `b → c`.
fn rule1(pd: &mut Pdag) {
    for (a, b) in pd.col_major(|r, c| pd.directed(r, c)) {
        for k in 0..pd.adj[b].len() {
            let c = pd.adj[b][k];
            if pd.undirected(b, c) && !pd.adjacent(a, c) {
                pd.orient(b, c);
            }
        }
    }
}

/// R2: `a → c → b` and `a — b` ⇒ `a → b`.
fn rule2(pd: &mut Pdag) {
    for (a, b) in pd.col_major(|r, c| pd.undirected(r, c)) {
        for k in 0..pd.adj[a].len() {
            let c = pd.adj[a][k];
            if pd.directed(a, c) && pd.directed(c, b) {
                pd.orient(a, b);
            }
        }
    }
}

/// R3: `a — c₁ → b`, `a — c₂ → b`, `c₁`, `c₂` not adjacent, `a — b` ⇒ `a → b`.
fn rule3(pd: &mut Pdag) {
    for (a, b) in pd.col_major(|r, c| pd.undirected(r, c)) {
        let cs: Vec<usize> = pd.adj[a].iter().copied().filter(|&k| pd.undirected(a, k) && pd.directed(k, b)).collect();
        'pairs: for (i, &c1) in cs.iter().enumerate() {
            for &c2 in &cs[i + 1..] {
                if !pd.adjacent(c1, c2) {
                    pd.orient(a, b);
                    break 'pairs;
                }
            }
        }
    }
}
