//! Covariate adjustment (the generalised back-door criterion).
//!
//! `Z` is a valid adjustment set for the effect of `X` on `Y` exactly when
//! (Shpitser, VanderWeele and Robins 2010; Perković et al. 2018):
//! (a) no node of `Z` is in the forbidden set `forb(X, Y)`: `X` and the
//! descendants of the proper causal nodes `cn(X, Y)` (nodes other than `X` on a
//! directed path from `X` to `Y` that meets `X` only at its start), and
//! (b) `Z` m-separates `X` and `Y` in the proper back-door graph, which drops
//! the first edge `x --> c`, `c ∈ cn(X, Y)`, of every proper causal path.
//! Then `P(y | do(x)) = Σ_z P(y | x, z) P(z)`.

use crate::{Admg, Expr, NodeSet};

/// The adjustment sets of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    /// The proper causal nodes `cn(X, Y)` (empty: `X` has no causal path to `Y`).
    pub causal_nodes: NodeSet,
    /// The forbidden nodes `forb(X, Y)`.
    pub forbidden: NodeSet,
    /// `An(X ∪ Y) \ (X ∪ Y ∪ forb)`: valid if any set is (Perković et al. 2018).
    pub canonical: NodeSet,
    /// `pa(cn) \ forb`, the set with the smallest asymptotic variance among
    /// valid sets for linear and nonparametric estimators (Henckel, Perković
    /// and Maathuis 2022); only for graphs without `<->` edges and when `X`
    /// has a causal path to `Y`.
    pub optimal: Option<NodeSet>,
    /// An inclusion-minimal valid set (nodes of the canonical set dropped in
    /// ascending order while the rest stays valid).
    pub minimal: NodeSet,
}

impl Adjustment {
    /// The estimand `Σ_z P(y | x, z) P(z)` for adjustment set `z` (graph of `p` nodes).
    pub fn estimand(p: usize, x: &NodeSet, y: &NodeSet, z: &NodeSet) -> Expr {
        if z.is_empty() {
            return Expr::Prob { vars: y.clone(), given: x.clone() };
        }
        Expr::sum(
            z.clone(),
            Expr::product(vec![
                Expr::Prob { vars: y.clone(), given: x.union(z) },
                Expr::Prob { vars: z.clone(), given: NodeSet::empty(p) },
            ]),
        )
    }
}

/// `cn(X, Y)`: nodes other than `X` on directed paths from `X` to `Y` that meet
/// `X` only at their first node.
pub(crate) fn proper_causal_nodes(g: &Admg, x: &NodeSet, y: &NodeSet) -> NodeSet {
    let rest = g.all().difference(x);
    // Descendants of X along paths that never return to X.
    let mut from_x = NodeSet::empty(g.n_nodes());
    for v in x.iter() {
        for &c in g.children(v) {
            if rest.contains(c) {
                from_x.insert(c);
            }
        }
    }
    let from_x = g.descendants(&from_x, &rest);
    // Ancestors of Y through nodes outside X.
    let to_y = g.ancestors(&y.difference(x), &rest);
    from_x.intersection(&to_y)
}

/// Whether `z` is a valid adjustment set for the effect of `x` on `y`.
pub fn is_valid_adjustment(g: &Admg, x: &NodeSet, y: &NodeSet, z: &NodeSet) -> bool {
    let cn = proper_causal_nodes(g, x, y);
    let forb = g.descendants(&cn, &g.all()).union(x);
    valid_given(g, x, y, z, &cn, &forb)
}

fn valid_given(g: &Admg, x: &NodeSet, y: &NodeSet, z: &NodeSet, cn: &NodeSet, forb: &NodeSet) -> bool {
    if !z.intersection(forb).is_empty() || !z.intersection(y).is_empty() {
        return false;
    }
    let keep = |a: usize, b: usize| !(x.contains(a) && cn.contains(b));
    !g.m_connected(x, y, z, &keep)
}

/// The adjustment sets for the effect of `x` on `y`, or `None` when no set of
/// observed nodes is valid (the back door is shut; other routes may remain).
pub fn adjustment(g: &Admg, x: &NodeSet, y: &NodeSet) -> Option<Adjustment> {
    let all = g.all();
    let cn = proper_causal_nodes(g, x, y);
    let forb = g.descendants(&cn, &all).union(x);
    let canonical = g.ancestors(&x.union(y), &all).difference(&x.union(y)).difference(&forb);
    if !valid_given(g, x, y, &canonical, &cn, &forb) {
        return None;
    }
    let optimal = (!g.has_bidirected() && !cn.is_empty()).then(|| {
        let mut pa = NodeSet::empty(g.n_nodes());
        for c in cn.iter() {
            g.parents(c).iter().for_each(|&u| pa.insert(u));
        }
        pa.difference(&forb)
    });
    let mut minimal = canonical.clone();
    for v in canonical.iter() {
        minimal.remove(v);
        if !valid_given(g, x, y, &minimal, &cn, &forb) {
            minimal.insert(v);
        }
    }
    Some(Adjustment { causal_nodes: cn, forbidden: forb, canonical, optimal, minimal })
}
