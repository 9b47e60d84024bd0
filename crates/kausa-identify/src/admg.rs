//! Acyclic directed mixed graphs and the searches every criterion is built on.

use kausa_graph::{Dag, EdgeType, Graph, GraphError};

use crate::{IdError, Result};

/// A set of nodes of a graph with `p` nodes, as a bit set. Sets are compared
/// by their words: build the sets of one graph with the same `p`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct NodeSet {
    bits: Vec<u64>,
}

impl NodeSet {
    /// The empty set for a graph of `p` nodes.
    pub fn empty(p: usize) -> NodeSet {
        NodeSet { bits: vec![0; p.div_ceil(64).max(1)] }
    }

    /// The set of the given nodes.
    pub fn of(p: usize, nodes: impl IntoIterator<Item = usize>) -> NodeSet {
        let mut s = NodeSet::empty(p);
        nodes.into_iter().for_each(|v| s.insert(v));
        s
    }

    /// Whether `v` is in the set.
    #[inline]
    pub fn contains(&self, v: usize) -> bool {
        self.bits[v / 64] >> (v % 64) & 1 == 1
    }

    /// Adds `v`.
    #[inline]
    pub fn insert(&mut self, v: usize) {
        self.bits[v / 64] |= 1 << (v % 64);
    }

    /// Removes `v`.
    #[inline]
    pub fn remove(&mut self, v: usize) {
        self.bits[v / 64] &= !(1 << (v % 64));
    }

    fn word(&self, k: usize) -> u64 {
        self.bits.get(k).copied().unwrap_or(0)
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &NodeSet) -> NodeSet {
        let n = self.bits.len().max(other.bits.len());
        NodeSet { bits: (0..n).map(|k| self.word(k) | other.word(k)).collect() }
    }

    /// `self ∩ other`.
    pub fn intersection(&self, other: &NodeSet) -> NodeSet {
        NodeSet { bits: (0..self.bits.len()).map(|k| self.word(k) & other.word(k)).collect() }
    }

    /// `self \ other`.
    pub fn difference(&self, other: &NodeSet) -> NodeSet {
        NodeSet { bits: (0..self.bits.len()).map(|k| self.word(k) & !other.word(k)).collect() }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// Number of nodes in the set.
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether every node of `self` is in `other`.
    pub fn is_subset(&self, other: &NodeSet) -> bool {
        (0..self.bits.len()).all(|k| self.word(k) & !other.word(k) == 0)
    }

    /// The nodes, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(k * 64 + b)
            })
        })
    }

    /// The nodes, ascending, as a vector.
    pub fn to_vec(&self) -> Vec<usize> {
        self.iter().collect()
    }
}

/// An acyclic directed mixed graph: `a --> b` means `a` causes `b`, `a <-> b`
/// that `a` and `b` share a latent cause. A DAG is an ADMG without `<->`.
#[derive(Clone, Debug)]
pub struct Admg {
    p: usize,
    parents: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
    siblings: Vec<Vec<usize>>,
    order: Vec<usize>,
}

impl Admg {
    /// An ADMG on `p` nodes with the given directed and bidirected edges.
    pub fn new(p: usize, directed: &[(usize, usize)], bidirected: &[(usize, usize)]) -> Result<Admg> {
        let dag = Dag::new(p, directed).map_err(|e| match e {
            GraphError::Cycle { cycle } => IdError::Cycle(cycle),
            other => IdError::Query(other.to_string()),
        })?;
        let mut children = vec![Vec::new(); p];
        let parents: Vec<Vec<usize>> = (0..p).map(|v| dag.parents(v).to_vec()).collect();
        for (b, ps) in parents.iter().enumerate() {
            for &a in ps {
                children[a].push(b);
            }
        }
        let mut siblings = vec![Vec::new(); p];
        for &(a, b) in bidirected {
            if a >= p || b >= p || a == b {
                return Err(IdError::Query(format!(
                    "bidirected edge {a} <-> {b} is not between two nodes of the graph"
                )));
            }
            for (u, v) in [(a, b), (b, a)] {
                if !siblings[u].contains(&v) {
                    siblings[u].push(v);
                }
            }
        }
        siblings.iter_mut().for_each(|s| s.sort_unstable());
        Ok(Admg { p, parents, children, siblings, order: dag.topological_order().to_vec() })
    }

    /// The ADMG of a graph whose edges are all `-->` or `<->`.
    pub fn from_graph(g: &Graph) -> Result<Admg> {
        let mut directed = Vec::new();
        let mut bidirected = Vec::new();
        for (a, b, t) in g.edges() {
            match t {
                EdgeType::Directed => directed.push((a, b)),
                EdgeType::Bidirected => bidirected.push((a, b)),
                other => return Err(IdError::UnsupportedEdge { from: a, to: b, kind: other.as_str().to_string() }),
            }
        }
        Admg::new(g.n_nodes(), &directed, &bidirected)
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.p
    }

    /// The parents of `v`, ascending.
    pub fn parents(&self, v: usize) -> &[usize] {
        &self.parents[v]
    }

    /// The children of `v`.
    pub fn children(&self, v: usize) -> &[usize] {
        &self.children[v]
    }

    /// The nodes joined to `v` by `<->`, ascending.
    pub fn siblings(&self, v: usize) -> &[usize] {
        &self.siblings[v]
    }

    /// Whether there is any `<->` edge.
    pub fn has_bidirected(&self) -> bool {
        self.siblings.iter().any(|s| !s.is_empty())
    }

    /// A topological order of the directed edges.
    pub fn topological_order(&self) -> &[usize] {
        &self.order
    }

    /// All nodes.
    pub fn all(&self) -> NodeSet {
        NodeSet::of(self.p, 0..self.p)
    }

    /// `set` and its ancestors in the subgraph induced by `within`, following
    /// only directed edges `a --> b` with `keep(a, b)`.
    pub fn ancestors_where(&self, set: &NodeSet, within: &NodeSet, keep: &dyn Fn(usize, usize) -> bool) -> NodeSet {
        let mut out = set.intersection(within);
        let mut stack = out.to_vec();
        while let Some(v) = stack.pop() {
            for &u in &self.parents[v] {
                if within.contains(u) && !out.contains(u) && keep(u, v) {
                    out.insert(u);
                    stack.push(u);
                }
            }
        }
        out
    }

    /// `set` and its ancestors in the subgraph induced by `within`.
    pub fn ancestors(&self, set: &NodeSet, within: &NodeSet) -> NodeSet {
        self.ancestors_where(set, within, &|_, _| true)
    }

    /// `set` and its descendants in the subgraph induced by `within`.
    pub fn descendants(&self, set: &NodeSet, within: &NodeSet) -> NodeSet {
        let mut out = set.intersection(within);
        let mut stack = out.to_vec();
        while let Some(v) = stack.pop() {
            for &c in &self.children[v] {
                if within.contains(c) && !out.contains(c) {
                    out.insert(c);
                    stack.push(c);
                }
            }
        }
        out
    }

    /// The districts (c-components) of the subgraph induced by `within`: its
    /// components under `<->` edges, ordered by their smallest node.
    pub fn districts(&self, within: &NodeSet) -> Vec<NodeSet> {
        let mut seen = NodeSet::empty(self.p);
        let mut out = Vec::new();
        for v in within.iter() {
            if seen.contains(v) {
                continue;
            }
            let mut d = NodeSet::of(self.p, [v]);
            seen.insert(v);
            let mut stack = vec![v];
            while let Some(u) = stack.pop() {
                for &w in &self.siblings[u] {
                    if within.contains(w) && !seen.contains(w) {
                        seen.insert(w);
                        d.insert(w);
                        stack.push(w);
                    }
                }
            }
            out.push(d);
        }
        out
    }

    /// The nodes m-connected to some node of `from` given `given`, in the graph
    /// whose directed edges `a --> b` are those with `keep(a, b)` (all `<->`
    /// edges stay). A path passes a collider only if it is an ancestor of
    /// `given` (in the same graph), and a non-collider only if it is not in
    /// `given`; paths start at `from` with any edge.
    pub fn m_reachable(&self, from: &NodeSet, given: &NodeSet, keep: &dyn Fn(usize, usize) -> bool) -> NodeSet {
        let p = self.p;
        let an_given = self.ancestors_where(given, &self.all(), keep);
        // State: (node, whether the path arrived with an arrowhead at it).
        let mut seen = vec![[false; 2]; p];
        let mut reached = NodeSet::empty(p);
        let mut stack: Vec<(usize, bool, bool)> = from.iter().map(|v| (v, false, true)).collect();
        while let Some((v, head, start)) = stack.pop() {
            if !start {
                if seen[v][head as usize] {
                    continue;
                }
                seen[v][head as usize] = true;
                reached.insert(v);
            }
            // Leaving with a tail at v (v --> c): v is not a collider.
            let pass_tail = start || !given.contains(v);
            // Leaving with an arrowhead at v (u --> v or v <-> w): a collider if we also arrived with one.
            let pass_head = start || if head { an_given.contains(v) } else { !given.contains(v) };
            if pass_tail {
                for &c in &self.children[v] {
                    if keep(v, c) {
                        stack.push((c, true, false));
                    }
                }
            }
            if pass_head {
                for &u in &self.parents[v] {
                    if keep(u, v) {
                        stack.push((u, false, false));
                    }
                }
                for &w in &self.siblings[v] {
                    stack.push((w, true, false));
                }
            }
        }
        reached
    }

    /// Whether some node of `x` is m-connected to some node of `y` given `z`
    /// (see [`Admg::m_reachable`]).
    pub fn m_connected(&self, x: &NodeSet, y: &NodeSet, z: &NodeSet, keep: &dyn Fn(usize, usize) -> bool) -> bool {
        !self.m_reachable(x, z, keep).intersection(y).difference(x).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m_separation_agrees_with_d_separation_on_dags() {
        let mut rng = kausa_core::Rng::seed_from_u64(3);
        for _ in 0..40 {
            let dag = kausa_graph::random_dag(9, 2.5, &mut rng);
            let g = Admg::new(9, &dag.edges(), &[]).unwrap();
            for x in 0..9 {
                for y in x + 1..9 {
                    let z: Vec<usize> = (0..9).filter(|&v| v != x && v != y && rng.uniform() < 0.3).collect();
                    let sep = dag.d_separated(x, y, &z);
                    let conn =
                        g.m_connected(&NodeSet::of(9, [x]), &NodeSet::of(9, [y]), &NodeSet::of(9, z), &|_, _| true);
                    assert_eq!(sep, !conn);
                }
            }
        }
    }

    #[test]
    fn bidirected_edges_connect_and_form_districts() {
        // 0 --> 1 <-> 2 <-- 3, and 4 alone.
        let g = Admg::new(5, &[(0, 1), (3, 2)], &[(1, 2)]).unwrap();
        let one = |v| NodeSet::of(5, [v]);
        let none = NodeSet::empty(5);
        assert!(!g.m_connected(&one(0), &one(3), &none, &|_, _| true), "1 and 2 are colliders");
        assert!(g.m_connected(&one(0), &one(3), &NodeSet::of(5, [1, 2]), &|_, _| true));
        assert!(g.m_connected(&one(1), &one(2), &none, &|_, _| true));
        let d: Vec<Vec<usize>> = g.districts(&g.all()).iter().map(NodeSet::to_vec).collect();
        assert_eq!(d, vec![vec![0], vec![1, 2], vec![3], vec![4]]);
        assert!(matches!(Admg::new(2, &[(0, 1), (1, 0)], &[]), Err(IdError::Cycle(_))));
    }
}
