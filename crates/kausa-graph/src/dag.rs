use std::collections::VecDeque;

use kausa_core::Rng;

use crate::{EdgeType, Graph};

/// Why edges do not form a valid DAG.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The edges contain a directed cycle.
    #[error("the graph has a directed cycle through nodes {cycle:?}")]
    Cycle {
        /// The nodes of one cycle, in order.
        cycle: Vec<usize>,
    },
    /// A node index is out of range.
    #[error("node {node} is out of range for a graph of {p} nodes")]
    OutOfRange {
        /// The index.
        node: usize,
        /// Number of nodes.
        p: usize,
    },
    /// A self loop.
    #[error("self loop on node {node}")]
    SelfLoop {
        /// The node.
        node: usize,
    },
}

/// A directed acyclic graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dag {
    p: usize,
    parents: Vec<Vec<usize>>,
    order: Vec<usize>,
}

impl Dag {
    /// A DAG on `p` nodes with the given `(from, to)` edges; fails on a cycle.
    pub fn new(p: usize, edges: &[(usize, usize)]) -> Result<Dag, GraphError> {
        let mut parents = vec![Vec::new(); p];
        for &(a, b) in edges {
            for v in [a, b] {
                if v >= p {
                    return Err(GraphError::OutOfRange { node: v, p });
                }
            }
            if a == b {
                return Err(GraphError::SelfLoop { node: a });
            }
            if !parents[b].contains(&a) {
                parents[b].push(a);
            }
        }
        parents.iter_mut().for_each(|ps| ps.sort_unstable());
        let order = topological_order(p, &parents)?;
        Ok(Dag { p, parents, order })
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.p
    }

    /// The parents of `v`, ascending.
    pub fn parents(&self, v: usize) -> &[usize] {
        &self.parents[v]
    }

    /// A topological order (every parent before its children).
    pub fn topological_order(&self) -> &[usize] {
        &self.order
    }

    /// All edges `(from, to)`, sorted.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        let mut e: Vec<(usize, usize)> =
            (0..self.p).flat_map(|b| self.parents[b].iter().map(move |&a| (a, b))).collect();
        e.sort_unstable();
        e
    }

    /// The DAG as a [`Graph`] of `-->` edges.
    pub fn to_graph(&self) -> Graph {
        let mut g = Graph::empty(self.p);
        for (a, b) in self.edges() {
            g.set_edge(a, b, EdgeType::Directed);
        }
        g
    }

    /// True when `x` and `y` are d-separated given `z` (`x`, `y` not in `z`).
    ///
    /// Reachability of active trails (Koller and Friedman 2009, algorithm 3.1):
    /// a trail passes a collider only if the collider has a descendant in `z`,
    /// and a non-collider only if it is not in `z`.
    pub fn d_separated(&self, x: usize, y: usize, z: &[usize]) -> bool {
        let p = self.p;
        let mut in_z = vec![false; p];
        z.iter().for_each(|&v| in_z[v] = true);
        // Ancestors of z (including z).
        let mut anc = vec![false; p];
        let mut stack: Vec<usize> = z.to_vec();
        while let Some(v) = stack.pop() {
            if !anc[v] {
                anc[v] = true;
                stack.extend(self.parents[v].iter().copied());
            }
        }
        let mut children = vec![Vec::new(); p];
        for b in 0..p {
            for &a in &self.parents[b] {
                children[a].push(b);
            }
        }
        // State: (node, arrived from a child = going up).
        let mut seen = vec![[false; 2]; p];
        let mut queue = VecDeque::from([(x, true)]);
        while let Some((v, up)) = queue.pop_front() {
            if seen[v][up as usize] {
                continue;
            }
            seen[v][up as usize] = true;
            if v == y {
                return false;
            }
            if up && !in_z[v] {
                self.parents[v].iter().for_each(|&u| queue.push_back((u, true)));
                children[v].iter().for_each(|&c| queue.push_back((c, false)));
            } else if !up {
                if !in_z[v] {
                    children[v].iter().for_each(|&c| queue.push_back((c, false)));
                }
                if anc[v] {
                    self.parents[v].iter().for_each(|&u| queue.push_back((u, true)));
                }
            }
        }
        true
    }

    /// The CPDAG (essential graph) of the DAG's Markov equivalence class:
    /// the skeleton, the v-structures, and Meek's rules R1–R3 to closure
    /// (Meek 1995: R4 is not needed when starting from the v-structures).
    pub fn cpdag(&self) -> Graph {
        let p = self.p;
        let mut g = Graph::empty(p);
        let mut adj = vec![Vec::new(); p];
        for (b, ps) in self.parents.iter().enumerate() {
            for &a in ps {
                g.set_edge(a, b, EdgeType::Undirected);
                adj[a].push(b);
                adj[b].push(a);
            }
        }
        adj.iter_mut().for_each(|l| l.sort_unstable());
        for b in 0..p {
            let ps = &self.parents[b];
            for (i, &a) in ps.iter().enumerate() {
                for &c in &ps[i + 1..] {
                    if !g.adjacent(a, c) {
                        g.set_edge(a, b, EdgeType::Directed);
                        g.set_edge(c, b, EdgeType::Directed);
                    }
                }
            }
        }
        meek_closure_with(&mut g, &adj, false);
        g
    }
}

fn topological_order(p: usize, parents: &[Vec<usize>]) -> Result<Vec<usize>, GraphError> {
    let mut indeg: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut children = vec![Vec::new(); p];
    for (b, ps) in parents.iter().enumerate() {
        for &a in ps {
            children[a].push(b);
        }
    }
    let mut ready: VecDeque<usize> = (0..p).filter(|&v| indeg[v] == 0).collect();
    let mut order = Vec::with_capacity(p);
    while let Some(v) = ready.pop_front() {
        order.push(v);
        for &c in &children[v] {
            indeg[c] -= 1;
            if indeg[c] == 0 {
                ready.push_back(c);
            }
        }
    }
    if order.len() == p {
        return Ok(order);
    }
    // Walk parents among the remaining nodes until a node repeats: that is a cycle.
    let mut on_path = vec![usize::MAX; p];
    let mut v = (0..p).find(|&v| indeg[v] > 0).expect("a node left");
    let mut path = Vec::new();
    while on_path[v] == usize::MAX {
        on_path[v] = path.len();
        path.push(v);
        v = *parents[v].iter().find(|&&u| indeg[u] > 0).expect("a remaining parent");
    }
    let mut cycle: Vec<usize> = path[on_path[v]..].to_vec();
    cycle.reverse();
    Err(GraphError::Cycle { cycle })
}

/// Applies Meek's orientation rules to a partially directed graph until nothing changes.
///
/// R1: `a → b — c`, `a`, `c` not adjacent ⇒ `b → c`.
/// R2: `a → b → c`, `a — c` ⇒ `a → c`.
/// R3: `a — b`, `a — c`, `a — d`, `b → d ← c`, `b`, `c` not adjacent ⇒ `a → d`.
/// R4 (with background knowledge only): `a — d → c → b`, `a` adjacent to `c`, `d` and `b` not adjacent, `a — b` ⇒ `a → b`.
///
/// On a pattern that is consistent with some DAG the result does not depend on
/// the order in which rules fire (Meek 1995). On other patterns (conflicting
/// v-structures from finite-sample tests) the order is fixed: passes over the
/// pairs `(a, b)` in lexicographic order, each orientation applied at once.
pub fn meek_closure(g: &mut Graph, with_r4: bool) {
    let adj = g.adjacency_lists();
    meek_closure_with(g, &adj, with_r4);
}

/// [`meek_closure`] for a caller that already has the adjacency lists of `g`
/// (`adj[v]`: the nodes adjacent to `v`, ascending): the work is then
/// proportional to the edges and their neighbourhoods, not to `p²`.
pub fn meek_closure_with(g: &mut Graph, adj: &[Vec<usize>], with_r4: bool) {
    debug_assert_eq!(adj.len(), g.n_nodes());
    loop {
        let mut changed = false;
        for (a, nbrs) in adj.iter().enumerate() {
            for &b in nbrs {
                if g.is_undirected(a, b) && orient_by_rule(g, nbrs, a, b, with_r4) {
                    g.set_edge(a, b, EdgeType::Directed);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// True when one of Meek's rules orients the undirected edge `a — b` as `a → b`
/// (`adj_a`: the nodes adjacent to `a`).
fn orient_by_rule(g: &Graph, adj_a: &[usize], a: usize, b: usize, with_r4: bool) -> bool {
    // R1: c → a, c not adjacent to b.
    if adj_a.iter().any(|&c| c != b && g.is_directed(c, a) && !g.adjacent(c, b)) {
        return true;
    }
    // R2: a → c → b.
    if adj_a.iter().any(|&c| g.is_directed(a, c) && g.is_directed(c, b)) {
        return true;
    }
    // R3: a — c → b, a — d → b, c and d not adjacent.
    let cs: Vec<usize> = adj_a.iter().copied().filter(|&c| g.is_undirected(a, c) && g.is_directed(c, b)).collect();
    for (i, &c) in cs.iter().enumerate() {
        if cs[i + 1..].iter().any(|&d| !g.adjacent(c, d)) {
            return true;
        }
    }
    // R4: a — d → c → b, a adjacent to c, d not adjacent to b.
    if with_r4 {
        for &c in adj_a {
            if !g.is_directed(c, b) {
                continue;
            }
            if adj_a.iter().any(|&d| d != b && g.is_undirected(a, d) && g.is_directed(d, c) && !g.adjacent(d, b)) {
                return true;
            }
        }
    }
    false
}

/// A random DAG: nodes in a random causal order, each ordered pair joined with
/// probability `degree / (p − 1)`, so the expected average degree is `degree`.
pub fn random_dag(p: usize, degree: f64, rng: &mut Rng) -> Dag {
    let mut order: Vec<usize> = (0..p).collect();
    rng.shuffle(&mut order);
    let prob = if p > 1 { (degree / (p - 1) as f64).min(1.0) } else { 0.0 };
    let mut edges = Vec::new();
    for i in 0..p {
        for j in i + 1..p {
            if rng.uniform() < prob {
                edges.push((order[i], order[j]));
            }
        }
    }
    Dag::new(p, &edges).expect("edges follow a causal order")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_named() {
        let e = Dag::new(4, &[(0, 1), (1, 2), (2, 3), (3, 1)]).unwrap_err();
        match e {
            GraphError::Cycle { mut cycle } => {
                cycle.sort();
                assert_eq!(cycle, vec![1, 2, 3]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(Dag::new(2, &[(0, 0)]).unwrap_err(), GraphError::SelfLoop { node: 0 });
    }

    #[test]
    fn d_separation_on_textbook_graphs() {
        // Chain 0 → 1 → 2, fork 3 ← 4 → 5, collider 6 → 7 ← 8 with 7 → 9.
        let d = Dag::new(10, &[(0, 1), (1, 2), (4, 3), (4, 5), (6, 7), (8, 7), (7, 9)]).unwrap();
        assert!(!d.d_separated(0, 2, &[]));
        assert!(d.d_separated(0, 2, &[1]));
        assert!(!d.d_separated(3, 5, &[]));
        assert!(d.d_separated(3, 5, &[4]));
        assert!(d.d_separated(6, 8, &[]));
        assert!(!d.d_separated(6, 8, &[7]));
        assert!(!d.d_separated(6, 8, &[9]));
        assert!(d.d_separated(0, 6, &[]));
    }

    #[test]
    fn cpdag_of_known_structures() {
        // v-structure 0 → 2 ← 1, then 2 → 3 compelled by R1.
        let d = Dag::new(4, &[(0, 2), (1, 2), (2, 3)]).unwrap();
        let g = d.cpdag();
        assert!(g.is_directed(0, 2) && g.is_directed(1, 2) && g.is_directed(2, 3));
        // A chain is fully undirected.
        let c = Dag::new(3, &[(0, 1), (1, 2)]).unwrap().cpdag();
        assert!(c.is_undirected(0, 1) && c.is_undirected(1, 2));
    }

    #[test]
    fn d_separation_agrees_with_brute_force_on_random_dags() {
        // d-separation ⇔ no active path, checked by enumerating simple paths on small graphs.
        let mut rng = Rng::seed_from_u64(9);
        for _ in 0..30 {
            let d = random_dag(7, 2.5, &mut rng);
            for x in 0..7 {
                for y in x + 1..7 {
                    let z: Vec<usize> = (0..7).filter(|&v| v != x && v != y && rng.uniform() < 0.3).collect();
                    assert_eq!(d.d_separated(x, y, &z), !has_active_path(&d, x, y, &z), "{x} {y} {z:?}");
                }
            }
        }
    }

    fn has_active_path(d: &Dag, x: usize, y: usize, z: &[usize]) -> bool {
        let p = d.n_nodes();
        let g = d.to_graph();
        let desc_in_z = |v: usize| -> bool {
            let mut stack = vec![v];
            let mut seen = vec![false; p];
            while let Some(u) = stack.pop() {
                if z.contains(&u) {
                    return true;
                }
                if !seen[u] {
                    seen[u] = true;
                    stack.extend((0..p).filter(|&c| g.is_directed(u, c)));
                }
            }
            false
        };
        fn walk(g: &Graph, path: &mut Vec<usize>, y: usize, z: &[usize], desc_in_z: &dyn Fn(usize) -> bool) -> bool {
            let v = *path.last().unwrap();
            if v == y {
                return true;
            }
            for w in g.neighbors(v).collect::<Vec<_>>() {
                if path.contains(&w) {
                    continue;
                }
                if path.len() >= 2 {
                    let u = path[path.len() - 2];
                    let collider = g.is_directed(u, v) && g.is_directed(w, v);
                    if collider && !desc_in_z(v) || !collider && z.contains(&v) {
                        continue;
                    }
                }
                path.push(w);
                if walk(g, path, y, z, desc_in_z) {
                    return true;
                }
                path.pop();
            }
            false
        }
        walk(&g, &mut vec![x], y, z, &desc_in_z)
    }
}
