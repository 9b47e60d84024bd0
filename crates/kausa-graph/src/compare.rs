use std::collections::BTreeSet;

use crate::{EdgeType, Graph};

/// How an estimated graph differs from a reference graph on the same nodes.
///
/// Per unordered pair `{u, v}` the *mark* is "no edge" or the canonical edge
/// (type and direction).
/// - adjacency TP / FP / FN: pairs adjacent in both / only in the estimate / only in the reference;
/// - SHD: pairs whose mark differs (a reversed edge, `-->` against `---`, each costs 1),
///   as pcalg's `shd` and Tsamardinos et al. (2006);
/// - arrowheads: the `to` end of `-->` and `o->`, both ends of `<->`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Pairs adjacent in both graphs.
    pub adj_tp: usize,
    /// Pairs adjacent only in the estimate.
    pub adj_fp: usize,
    /// Pairs adjacent only in the reference.
    pub adj_fn: usize,
    /// Pairs adjacent in both with a different edge.
    pub orientation_diffs: usize,
    /// Structural Hamming distance.
    pub shd: usize,
    /// Arrowheads in both graphs.
    pub arrow_tp: usize,
    /// Arrowheads in the estimate.
    pub arrows_estimate: usize,
    /// Arrowheads in the reference.
    pub arrows_reference: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

impl Comparison {
    /// `TP / (TP + FP)`, 1 when the estimate has no edge.
    pub fn adj_precision(&self) -> f64 {
        ratio(self.adj_tp, self.adj_tp + self.adj_fp)
    }
    /// `TP / (TP + FN)`, 1 when the reference has no edge.
    pub fn adj_recall(&self) -> f64 {
        ratio(self.adj_tp, self.adj_tp + self.adj_fn)
    }
    /// Shared arrowheads over the estimate's arrowheads.
    pub fn arrow_precision(&self) -> f64 {
        ratio(self.arrow_tp, self.arrows_estimate)
    }
    /// Shared arrowheads over the reference's arrowheads.
    pub fn arrow_recall(&self) -> f64 {
        ratio(self.arrow_tp, self.arrows_reference)
    }
    /// Pairs whose adjacency differs.
    pub fn skeleton_shd(&self) -> usize {
        self.adj_fp + self.adj_fn
    }
}

fn arrowheads(g: &Graph) -> BTreeSet<(usize, usize)> {
    let mut s = BTreeSet::new();
    for (a, b, t) in g.edges() {
        match t {
            EdgeType::Directed | EdgeType::PartiallyDirected => {
                s.insert((a, b));
            }
            EdgeType::Bidirected => {
                s.insert((a, b));
                s.insert((b, a));
            }
            _ => {}
        }
    }
    s
}

/// Compares `estimate` against `reference` (same number of nodes).
pub fn compare(estimate: &Graph, reference: &Graph) -> Comparison {
    assert_eq!(estimate.n_nodes(), reference.n_nodes(), "graphs on different node sets");
    let ea = estimate.edges();
    let eb = reference.edges();
    let key = |&(a, b, t): &(usize, usize, EdgeType)| ((a.min(b), a.max(b)), (a, b, t));
    let ma: std::collections::BTreeMap<_, _> = ea.iter().map(key).collect();
    let mb: std::collections::BTreeMap<_, _> = eb.iter().map(key).collect();
    let adj_tp = ma.keys().filter(|k| mb.contains_key(k)).count();
    let adj_fp = ma.len() - adj_tp;
    let adj_fn = mb.len() - adj_tp;
    let orientation_diffs = ma.iter().filter(|(k, v)| mb.get(k).is_some_and(|w| w != *v)).count();
    let (ha, hb) = (arrowheads(estimate), arrowheads(reference));
    Comparison {
        adj_tp,
        adj_fp,
        adj_fn,
        orientation_diffs,
        shd: adj_fp + adj_fn + orientation_diffs,
        arrow_tp: ha.intersection(&hb).count(),
        arrows_estimate: ha.len(),
        arrows_reference: hb.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shd_counts_each_pair_once() {
        let mut truth = Graph::empty(4);
        truth.set_edge(0, 1, EdgeType::Directed);
        truth.set_edge(1, 2, EdgeType::Undirected);
        truth.set_edge(2, 3, EdgeType::Directed);
        let mut est = Graph::empty(4);
        est.set_edge(1, 0, EdgeType::Directed); // reversed: 1
        est.set_edge(1, 2, EdgeType::Directed); // --> vs ---: 1
        est.set_edge(0, 3, EdgeType::Undirected); // extra: 1; 2-3 missing: 1
        let c = compare(&est, &truth);
        assert_eq!((c.adj_tp, c.adj_fp, c.adj_fn), (2, 1, 1));
        assert_eq!(c.orientation_diffs, 2);
        assert_eq!(c.shd, 4);
        assert_eq!(c.arrow_tp, 0);
        assert_eq!((c.arrows_estimate, c.arrows_reference), (2, 2));
        assert_eq!(compare(&truth, &truth).shd, 0);
    }
}
